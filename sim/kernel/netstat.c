/*
 * The namespace's own TcpExt counters (/proc/net/netstat is per namespace)
 * that say why the kernel ended a socket before its time: no TIME_WAIT
 * bucket (tcp_max_tw_buckets, or an allocation that failed under memory
 * pressure), an orphan reset for lack of memory, a close or linger abort.
 * The replay reads them only when a port came back while its TIME_WAIT
 * should still have held it, so the user learns the machine's reason
 * rather than suspecting the allocator.
 */
#include "internal.h"

#ifdef __linux__

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const counters[] = { "TCPTimeWaitOverflow", "TCPAbortOnMemory", "TCPAbortOnClose",
					 "TCPAbortOnData",      "TCPAbortOnLinger", "TCPAbortOnTimeout",
					 "TCPAbortFailed" };

/* The value under name, given the TcpExt header and value lines (both without their "TcpExt:"). */
static unsigned long long value_of(const char *names, const char *values, const char *name)
{
	size_t len = strlen(name);
	const char *n = names, *v = values;
	while (*n) {
		n += strspn(n, " ");
		v += strspn(v, " ");
		size_t nl = strcspn(n, " \n"), vl = strcspn(v, " \n");
		if (nl == 0 || vl == 0)
			break;
		if (nl == len && strncmp(n, name, len) == 0)
			return strtoull(v, NULL, 10);
		n += nl;
		v += vl;
	}
	return 0;
}

void ps_kernel_early_ends(char *out, size_t size)
{
	if (size)
		out[0] = '\0';
	FILE *f = fopen("/proc/net/netstat", "r");
	if (!f)
		return;
	/* Long lines: every TcpExt counter is on one of them. */
	size_t cap = 16384;
	char *names = malloc(cap), *values = malloc(cap);
	bool found = false;
	while (names && values && fgets(names, (int)cap, f)) {
		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		found = fgets(values, (int)cap, f) && strncmp(values, "TcpExt:", 7) == 0;
		break;
	}
	fclose(f);
	size_t used = 0;
	for (size_t i = 0; found && i < sizeof(counters) / sizeof(counters[0]); i++) {
		unsigned long long v = value_of(names + 7, values + 7, counters[i]);
		if (v == 0 || used >= size)
			continue;
		int k = snprintf(out + used, size - used, "%s%s=%llu", used ? ", " : "", counters[i], v);
		if (k < 0)
			break;
		used += (size_t)k;
	}
	free(names);
	free(values);
}

#else
typedef int ps_kernel_netstat_needs_linux;
#endif
