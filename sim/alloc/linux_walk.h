/*
 * The even/odd walk that Linux's connect() and bind(0) share
 * (__inet_hash_connect and inet_csk_find_open_port): linux.c's connect()
 * eras and linux_bind.c's bind(0) include it. Inline, because most
 * connections end at the first candidate, and a call would cost them as
 * much as the search itself.
 */
#ifndef PORTSIM_ALLOC_LINUX_WALK_H
#define PORTSIM_ALLOC_LINUX_WALK_H

#include "portsim/alloc.h"
#include "portsim/narrate.h"

/* What the even/odd walk found: idx (or -1), candidates examined, and the
 * kernel's loop variable i within the pass that succeeded. */
struct parity_walk {
	int32_t idx;
	uint32_t probes;
	uint32_t i;
};

/*
 * One pass of the kernel's loop: for (i = 0; i < remaining; i += 2) try
 * port = low + start + i, less `remaining` once it reaches the top of the
 * range. With an even range that is (start + i) mod n; with an odd one
 * (remaining = n - 1) the pass reaches the top port and skips the bottom
 * one, or the reverse, depending on where it starts. Returns the position
 * of the first usable candidate, or -1.
 */
static inline int64_t pass(const struct ps_pool *pool, const struct ps_request *req, uint32_t n,
		    uint32_t remaining, uint32_t start, uint32_t *idx)
{
	int parity = (int)(start & 1);
	uint32_t lim = n - start < remaining ? n - start : remaining; /* i < lim: no wrap yet */
	uint32_t before = (lim + 1) / 2;
	uint32_t found = ps_pool_first(pool, req, start, start + lim, parity);
	if (found != UINT32_MAX) {
		*idx = found;
		return (found - start) / 2;
	}
	if (lim == remaining)
		return -1;
	uint32_t i2 = (lim + 1) & ~1u; /* the first even i at or past the wrap */
	uint32_t from = start + i2 - remaining;
	found = ps_pool_first(pool, req, from, start, (int)(from & 1));
	if (found == UINT32_MAX)
		return -1;
	*idx = found;
	return before + (found - from) / 2;
}

/*
 * The loop shared by __inet_hash_connect and inet_csk_find_open_port: a
 * pass from start, then one from second_start when second_pass is set.
 * Inline: most connections end at the first candidate, and a call here
 * would cost them as much as the search itself.
 */
static inline struct parity_walk parity_walk(const struct ps_pool *pool, const struct ps_request *req,
					     uint32_t remaining, uint32_t start, bool second_pass,
					     uint32_t second_start)
{
	/* Most connections take the first candidate: it is asked for alone before a pass is set up. */
	if (!PS_NARRATING(pool) && ps_pool_free(pool, req, start))
		return (struct parity_walk){ .idx = (int32_t)start, .probes = 1, .i = 0 };
	uint32_t per_pass = (remaining + 1) / 2;
	uint32_t before = 0; /* candidates examined by an exhausted first pass */
	uint32_t idx = 0;
	int64_t k = pass(pool, req, pool->n, remaining, start, &idx);
	if (k < 0 && second_pass) {
		if (PS_NARRATING(pool))
			ps_narrate(pool->narrator, "no port of that parity was usable: the second pass tries the other "
				   "parity, from port %u", pool->lo + second_start);
		before = per_pass;
		k = pass(pool, req, pool->n, remaining, second_start, &idx);
	}
	if (k < 0)
		return (struct parity_walk){ .idx = -1, .probes = before + per_pass };
	return (struct parity_walk){
		.idx = (int32_t)idx, .probes = before + (uint32_t)k + 1, .i = 2 * (uint32_t)k,
	};
}

/* connect()'s remaining: the range size, rounded down to even so that each
 * parity has the same number of candidates. */
static inline uint32_t even_remaining(uint32_t n)
{
	return n > 1 ? n & ~1u : n;
}

#endif
