/*
 * Watching TIME_WAIT end in the live kernel: the namespace's
 * /proc/net/tcp read between the replay's actions, and every client
 * TIME_WAIT socket (state 06) that was there at the last reading and is
 * gone now reported as ended at this reading. Nothing else shows when the
 * kernel's timer (inet_twsk_kill from the timer wheel) removed an entry;
 * the poll interval bounds the error (tw_watch's caller keeps it short).
 */
#include "internal.h"

#ifdef __linux__

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* (local port, remote address, remote port, local address) in one sortable pair of words. */
static int cmp_key(const void *a, const void *b)
{
	const struct ps_tw_key *x = a, *y = b;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int push(struct ps_tw_watch *w, struct ps_tw_key k)
{
	if (w->ncur == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 1024;
		struct ps_tw_key *c = realloc(w->cur, cap * sizeof(*c));
		struct ps_tw_key *p = realloc(w->prev, cap * sizeof(*p));
		if (c)
			w->cur = c;
		if (p)
			w->prev = p;
		if (!c || !p)
			return -1;
		w->cap = cap;
	}
	w->cur[w->ncur++] = k;
	return 0;
}

/* The TIME_WAIT sockets of /proc/net/tcp into w->cur, sorted. 0, or -1 (memory, or it cannot be read). */
static int read_table(struct ps_tw_watch *w)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	if (!f)
		return -1;
	char line[512];
	w->ncur = 0;
	int rc = 0;
	/* The header line does not parse as a socket and is skipped like any other such line. */
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		unsigned laddr, lport, raddr, rport, st;
		if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X", &laddr, &lport, &raddr, &rport, &st) != 5 || st != 6)
			continue;
		/* The addresses are the kernel's __be32 printed as a native word: back to host order. */
		struct ps_tw_key k = { .hi = (uint64_t)lport << 48 | (uint64_t)ntohl(raddr) << 16 | rport,
				       .lo = ntohl(laddr) };
		rc = push(w, k);
	}
	fclose(f);
	if (rc == 0 && w->ncur > 1)
		qsort(w->cur, w->ncur, sizeof(*w->cur), cmp_key);
	return rc;
}

int ps_kernel_tw_poll(struct ps_tw_watch *w, void (*ended)(void *ctx, const struct ps_tw_key *k), void *ctx)
{
	struct ps_tw_key *t = w->prev;
	w->prev = w->cur;
	w->cur = t;
	w->nprev = w->ncur;
	if (read_table(w) != 0)
		return -1;
	/* Both sorted: one merge finds what the last reading had and this one lacks. */
	size_t j = 0;
	for (size_t i = 0; i < w->nprev; i++) {
		while (j < w->ncur && cmp_key(&w->cur[j], &w->prev[i]) < 0)
			j++;
		if (j == w->ncur || cmp_key(&w->cur[j], &w->prev[i]) != 0)
			ended(ctx, &w->prev[i]);
	}
	return 0;
}

void ps_kernel_tw_watch_fini(struct ps_tw_watch *w)
{
	free(w->cur);
	free(w->prev);
	memset(w, 0, sizeof(*w));
}

#else
typedef int ps_kernel_tw_watch_needs_linux;
#endif
