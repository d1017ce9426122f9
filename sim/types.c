#include "portsim/types.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

ps_time ps_time_from_s(double s)
{
	/* Callers promise s >= 0; clamping keeps a slip from becoming UB in the cast. */
	if (s <= 0)
		return 0;
	/* Beyond this the nanosecond count does not fit; saturate rather than hit UB. */
	if (!(s < 18446744073.0))
		return PS_TIME_MAX;
	return ps_time_from_s_in_range(s);
}

int ps_time_format(char *buf, unsigned long size, ps_time t)
{
	uint64_t whole = t / PS_NS_PER_S;
	uint64_t frac = t % PS_NS_PER_S;
	int digits = 9;

	if (frac == 0) {
		digits = 1;
	} else {
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
	}
	return snprintf(buf, size, "%" PRIu64 ".%0*" PRIu64, whole, digits, frac);
}

const char *ps_mode_name(enum ps_mode m)
{
	static const char *const names[PS_MODE_COUNT] = {
		[PS_MODE_CONNECT] = "connect",
		[PS_MODE_BIND0] = "bind0",
		[PS_MODE_BIND_NO_PORT] = "bind-no-port",
		[PS_MODE_UDP] = "udp",
	};

	if ((unsigned)m >= PS_MODE_COUNT)
		return "?";
	return names[m];
}

const char *ps_err_name(enum ps_err e)
{
	static const char *const names[PS_ERR_COUNT] = {
		[PS_OK] = "",
		[PS_EADDRNOTAVAIL] = "EADDRNOTAVAIL",
		[PS_EADDRINUSE] = "EADDRINUSE",
		[PS_EAGAIN] = "EAGAIN",
		[PS_WSAEADDRINUSE] = "WSAEADDRINUSE",
		[PS_WSAENOBUFS] = "WSAENOBUFS",
		[PS_NAT_DROP] = "NAT_DROP",
		[PS_NAT_INSERT_FAILED] = "insert_failed",
		[PS_NAT_PORT_ALLOCATION] = "ErrorPortAllocation",
		[PS_NAT_OUT_OF_RESOURCES] = "OUT_OF_RESOURCES",
		[PS_CONN_LIMIT] = "CONN_LIMIT",
		[PS_ETIMEDOUT] = "ETIMEDOUT",
		[PS_PEER_TIME_WAIT] = "PEER_TIME_WAIT",
	};

	if ((unsigned)e >= PS_ERR_COUNT)
		return "?";
	return names[e];
}
