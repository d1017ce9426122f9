/*
 * The TIME_WAIT sockets (state 06) of the namespace's /proc/net/tcp. Nothing
 * else shows when the kernel's timer (inet_twsk_kill from the timer wheel)
 * removed an entry; tw_watch.c turns successive readings into ends.
 */
#include "internal.h"

#include "portsim/grow.h"

#ifdef __linux__

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

static int push(struct ps_tcp_table *t, struct ps_tw_key k)
{
	struct ps_tw_key *keys = ps_room_for(t->keys, t->n, &t->cap, sizeof(*keys), 1024);
	if (!keys)
		return -1;
	t->keys = keys;
	t->keys[t->n++] = k;
	return 0;
}

int ps_kernel_tcp_time_wait(struct ps_tcp_table *t)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	if (!f)
		return -1;
	char line[512];
	t->n = 0;
	int rc = 0;
	/* The header line does not parse as a socket and is skipped like any other such line. */
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		unsigned laddr, lport, raddr, rport, st;
		if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X", &laddr, &lport, &raddr, &rport, &st) != 5 || st != 6)
			continue;
		/* The addresses are the kernel's __be32 printed as a native word: back to host order. */
		struct ps_tw_key k = { .hi = (uint64_t)lport << 48 | (uint64_t)ntohl(raddr) << 16 | rport,
				       .lo = ntohl(laddr) };
		rc = push(t, k);
	}
	fclose(f);
	if (rc == 0 && t->n > 1)
		qsort(t->keys, t->n, sizeof(*t->keys), ps_tw_key_cmp);
	return rc;
}

void ps_kernel_tcp_table_fini(struct ps_tcp_table *t)
{
	free(t->keys);
	t->keys = NULL;
	t->n = t->cap = 0;
}

#else
typedef int ps_kernel_tcp_table_needs_linux;
#endif
