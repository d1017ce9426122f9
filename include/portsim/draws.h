/*
 * A run's draws, possibly made ahead on a thread of their own.
 *
 * A population's arrival times and attempts depend on its random streams
 * and nothing else: the attempt drawn at arrival k and the time of arrival
 * k + 1 are the same whatever the run did in between. So a second core can
 * draw them while the run plays the pool, and hand them over in order
 * through one ring per population. The values are the very ones
 * ps_workload_draw and ps_workload_next_arrival return, called in the same
 * order on the same state, so every output byte is the same with the
 * thread or without it.
 *
 * The thread can also sort the ends of population 0's arrivals, each at
 * its arrival's time plus its drawn duration: that too depends on the
 * draws alone. The run then keeps no calendar of its own for them, only
 * a note of which ends it wants (a connection that failed has none), and
 * plays each as it comes due.
 */
#ifndef PORTSIM_DRAWS_H
#define PORTSIM_DRAWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/types.h"
#include "portsim/workload.h"

struct ps_draws_ring; /* draws.c's */
struct ps_draws_ends; /* draws.c's */

/*
 * Keep it off the run's own cache lines (allocate it on its own, 64-byte
 * aligned): the thread writes its copy of the workload many times per
 * microsecond, and a line it shares with the run's counters would bounce
 * between the cores on every write.
 */
struct ps_draws {
	struct ps_workload *wl;  /* borrowed: drawn on in place, and the thread's copy is made from it */
	struct ps_workload *own; /* the thread's copy, on cache lines of its own */
	ps_time end;             /* no arrival at or after it is drawn for */
	unsigned npop;
	bool threaded;
	bool ends;               /* the thread sorts population 0's ends (ps_draws_end_next) */
	ps_time first[PS_MAX_POPULATIONS]; /* each population's first arrival, drawn at the start */
	struct ps_draws_ring *rings;       /* [npop] when threaded */
	struct ps_draws_ends *ends_ring;   /* when ends */
	void *thread;                      /* the drawing thread's state, when threaded */
};

/*
 * Starts drawing wl's populations (each one's first arrival at once, in
 * population order): on a thread when `thread` is true and one can be
 * started with its memory, else in place (d->threaded says which; it
 * cannot fail). Arrivals at or after end are never drawn for. With the
 * thread, wl is left where the first arrivals left it and must not be
 * drawn on until ps_draws_stop. `ends`: the thread also sorts population
 * 0's ends (d->ends says whether it does; never in place).
 */
void ps_draws_start(struct ps_draws *d, struct ps_workload *wl, ps_time end, bool thread, bool ends);

/* Population pop's first arrival time (PS_TIME_MAX, or >= end: none). */
ps_time ps_draws_first(const struct ps_draws *d, unsigned pop);

/*
 * The attempt of pop's arrival at `now`, and the time of its next arrival
 * (>= end: none). Asked once per arrival, in order, for arrivals before
 * end; `now` is the arrival's time as the previous answer gave it. 0, or
 * -1 when the thread stopped for want of memory (only when d->ends).
 */
int ps_draws_next(struct ps_draws *d, unsigned pop, ps_time now, struct ps_attempt *a, ps_time *next);

/*
 * With d->ends, the earliest end of population 0's arrivals not yet
 * taken, when it could come before that population's arrival number
 * `arrival` (numbered from 0; the next one the run will play): 1 with its
 * time and arrival number. 0 when none comes before that arrival. Ends
 * come in the order the run's queue would play them: by time, then by
 * arrival. An end comes for every arrival before end whose time plus its
 * drawn duration is before end, whatever the run did with it. Waits when
 * the thread has not yet sorted that far; -1 when it stopped for want of
 * memory.
 */
int ps_draws_end_next(struct ps_draws *d, uint64_t arrival, ps_time *t, uint64_t *k);

/* Takes the end ps_draws_end_next gave. */
void ps_draws_end_take(struct ps_draws *d);

/*
 * The attempt k arrivals after the one ps_draws_next answers next (0: that
 * one), when the thread has already made it; else NULL (always NULL when
 * drawing in place). For looking ahead only: it changes nothing.
 */
const struct ps_attempt *ps_draws_peek(const struct ps_draws *d, unsigned pop, unsigned k);

/* Stops the thread, if any, and frees what start took. Safe after a failed start, and twice. */
void ps_draws_stop(struct ps_draws *d);

#endif
