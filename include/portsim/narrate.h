/*
 * Narration: what the modelled system does for one allocation, told by the
 * code that does it, so the story cannot drift from the simulation. A pool
 * carries an optional narrator (NULL in every normal run: one predictable
 * branch per probe call). When it is set, the pool's probe functions tell
 * each walk over candidates they made, and each strategy says, in its own
 * terms, how it chose where to start and what it remembers afterwards.
 * Whoever attaches the narrator (portsim explain, run --follow-port) turns
 * that into sentences or rows.
 */
#ifndef PORTSIM_NARRATE_H
#define PORTSIM_NARRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "portsim/types.h"

struct ps_pool;
struct ps_request;

/* Why a candidate was refused (or that it was not). */
enum ps_why {
	PS_WHY_USABLE,     /* not refused */
	PS_WHY_RESERVED,   /* in the reserved ports */
	PS_WHY_EXCLUSIVE,  /* a socket bound with bind(0) holds it alone */
	PS_WHY_PORT_BUSY,  /* a socket holds the port, and this request tests the port alone */
	PS_WHY_TUPLE_BUSY, /* a connection (live or TIME_WAIT) holds it toward this destination */
	PS_WHY_TW_YOUNG,   /* its TIME_WAIT entry could be taken over, but is not old enough yet */
	PS_WHY_OUTSIDE     /* not an index of the range */
};

/*
 * A walk over candidates, as the pool made it: candidate k is the index
 * base + ((start + k * step) mod m), for k = 0 .. count - 1, stopping at
 * found, the position of the first usable one (-1: none of the count was).
 */
struct ps_walk {
	uint32_t base, start, m, step, count;
	int64_t found;
	const char *refused; /* NULL, or why the strategy itself passed over these candidates */
};

struct ps_narrator {
	/* A strategy's sentence, already formatted. */
	void (*say)(struct ps_narrator *n, const char *text);
	/* A walk the pool made for req; pool and req as they stood when it ended. */
	void (*walk)(struct ps_narrator *n, const struct ps_pool *pool, const struct ps_request *req,
		     const struct ps_walk *w);
	/* Above zero, pool walks are the simulator's shortcuts, not the modelled search: untold. */
	unsigned muted;
};

/* Is anyone listening to this pool? A single branch, expected not taken. */
#define PS_NARRATING(pool) __builtin_expect((pool)->narrator != NULL, 0)

/* Formats one sentence and hands it to n's say. */
void ps_narrate(struct ps_narrator *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Tells n about a walk, unless muted. */
void ps_narrate_walk(struct ps_narrator *n, const struct ps_pool *pool, const struct ps_request *req,
		     const struct ps_walk *w);

/* The walk's candidate at position k (k < count). */
uint32_t ps_walk_at(const struct ps_walk *w, uint32_t k);

/* The first position at which the walk examined idx before stopping (found included), or -1. */
int64_t ps_walk_position(const struct ps_walk *w, uint32_t idx);

/* Candidates the walk examined: found + 1, or count when none was usable. */
uint32_t ps_walk_examined(const struct ps_walk *w);

/* An IPv4 address (host byte order) as a dotted quad, for a sentence. */
void ps_ip_text(char *buf, unsigned long size, uint32_t ip);

/* A short name for a refusal: "reserved", "exclusive", "in_use", "time_wait_young"... */
const char *ps_why_name(enum ps_why why);

#endif
