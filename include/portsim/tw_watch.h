/*
 * Watching TIME_WAIT entries end, from successive readings of a socket
 * table (portsim kernel --tw-ends reads the namespace's /proc/net/tcp).
 *
 * A reading is not a snapshot: /proc/net/tcp is read a page at a time and
 * the kernel resumes each page at a bucket and an offset in its hash
 * table, so a socket added or removed in the same bucket meanwhile can make
 * the next page skip an entry that is still there. One reading that lacks
 * an entry is therefore not enough to say it ended: an entry is reported
 * ended only when two readings in a row lack it, and the time reported is
 * that of the first of them (where it really ended, that is when it was
 * first seen gone). An entry that is back at the second reading was only
 * skipped and is kept.
 */
#ifndef PORTSIM_TW_WATCH_H
#define PORTSIM_TW_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "portsim/types.h"

/* A TIME_WAIT socket: local port << 48 | remote address << 16 | remote port, local address. */
struct ps_tw_key {
	uint64_t hi, lo;
};

/* An entry seen in an earlier reading; missed_at is the first reading that lacked it, 0 while seen. */
struct ps_tw_seen {
	struct ps_tw_key k;
	ps_time missed_at;
};

struct ps_tw_watch {
	struct ps_tw_seen *seen, *next; /* sorted by key; next is the merge's scratch */
	size_t nseen, cap;
};

/* Orders keys (for sorting a reading before ps_tw_watch_update). */
int ps_tw_key_cmp(const void *a, const void *b);

/*
 * Takes one reading: keys[0..n) sorted by ps_tw_key_cmp (duplicates
 * allowed), read at time now (> 0). Calls ended(ctx, key, t) for every
 * entry that this reading and the one before both lack, with t the time of
 * the one before. 0, or -1 when memory runs out (the watch is unchanged).
 */
int ps_tw_watch_update(struct ps_tw_watch *w, const struct ps_tw_key *keys, size_t n, ps_time now,
		       void (*ended)(void *ctx, const struct ps_tw_key *k, ps_time t), void *ctx);

void ps_tw_watch_fini(struct ps_tw_watch *w);

#endif
