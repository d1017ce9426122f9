/*
 * Basic types shared by every piece of portsim: simulated time, socket
 * modes, error codes as the modelled kernels report them.
 */
#ifndef PORTSIM_TYPES_H
#define PORTSIM_TYPES_H

#include <stdint.h>

/* Simulated time in integer nanoseconds: exact, and the same on every machine. */
typedef uint64_t ps_time;

#define PS_NS_PER_S 1000000000ULL
#define PS_TIME_MAX UINT64_MAX

/* Seconds (non-negative, finite) to nanoseconds, rounded to nearest. */
ps_time ps_time_from_s(double s);

/*
 * ps_time_from_s for s already known to lie in (0, 18446744073) s, where
 * it needs no range check: inline for the per-connection conversions.
 * Whole and fractional seconds apart, so large times keep their
 * nanoseconds. In that range the whole seconds (< 2^35) and the rounded
 * fraction (at most 1e9) fit an int64_t, whose conversions are single
 * instructions where unsigned ones branch; both are positive, where
 * truncation is floor. The sum is below PS_TIME_MAX.
 */
static inline ps_time ps_time_from_s_in_range(double s)
{
	int64_t whole = (int64_t)s;
	double frac = s - (double)whole;
	return (ps_time)whole * PS_NS_PER_S + (ps_time)(int64_t)(frac * 1e9 + 0.5);
}

/* Writes t as decimal seconds, trailing zeros trimmed ("1.5", "60.0"); returns length. */
int ps_time_format(char *buf, unsigned long size, ps_time t);

/* How a program opened the socket (DESIGN.md, "Socket mode"). */
enum ps_mode {
	PS_MODE_CONNECT,      /* autobind at connect(): only the 4-tuple must be unique */
	PS_MODE_BIND0,        /* bind(port 0) then connect(): the port is exclusive */
	PS_MODE_BIND_NO_PORT, /* IP_BIND_ADDRESS_NO_PORT: behaves like connect */
	PS_MODE_UDP,          /* connected UDP: port per (address, port), no TIME_WAIT */
	PS_MODE_COUNT
};

const char *ps_mode_name(enum ps_mode m);

/* Why an allocation failed, as the modelled system would report it. */
enum ps_err {
	PS_OK = 0,
	PS_EADDRNOTAVAIL, /* connect() found no usable port */
	PS_EADDRINUSE,    /* bind(port 0) found no free port */
	PS_EAGAIN,        /* Linux UDP autobind */
	PS_WSAEADDRINUSE, /* Windows 10048 */
	PS_WSAENOBUFS,    /* Windows 10055 */
	PS_NAT_DROP,      /* a NAT found no external port: the SYN is dropped */
	PS_NAT_INSERT_FAILED,      /* netfilter: conntrack insert_failed */
	PS_NAT_PORT_ALLOCATION,    /* AWS NAT Gateway: ErrorPortAllocation */
	PS_NAT_OUT_OF_RESOURCES,   /* GCP Cloud NAT: OUT_OF_RESOURCES */
	PS_CONN_LIMIT,             /* the population's cap on open connections (max_connections) */
	PS_ETIMEDOUT,     /* connect() gave up after its last SYN (syn.h) */
	PS_PEER_TIME_WAIT, /* a SYN the server refused: it holds the 4-tuple in TIME_WAIT */
	PS_ERR_COUNT
};

/* "EADDRNOTAVAIL", ...; "" for PS_OK. */
const char *ps_err_name(enum ps_err e);

#endif
