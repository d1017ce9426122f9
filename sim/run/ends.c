/*
 * Population 0's ends when the drawing thread sorts them (state.h, struct
 * ends): the notes of which ends the run wants, and the look for the
 * next one to play.
 */
#include "state.h"

#include <stdlib.h>

int ps_run_ends_init(struct run *r)
{
	/* Without the thread's ends, no population's arrivals note ends, and no outside source is theirs. */
	r->ends = (struct ends){ .pop = PS_MAX_POPULATIONS, .src = UINT32_MAX };
	if (!r->draws->ends)
		return 0;
	r->ends.pop = 0;
	r->ends.src = r->arrivals.n++;
	r->ends.armed = malloc(ENDS_ARMED * sizeof(*r->ends.armed));
	if (!r->ends.armed)
		return -1;
	for (uint32_t i = 0; i < ENDS_ARMED; i++)
		r->ends.armed[i].k = NO_ARRIVAL;
	return 0;
}

void ps_run_ends_fini(struct run *r)
{
	free(r->ends.armed);
	r->ends.armed = NULL;
}

int ps_run_end_arm(struct run *r, ps_time t, uint32_t type, uint32_t id, uint32_t gen)
{
	struct ends *e = &r->ends;
	/* The thread hands over no end at or after the run's end; queued, such an end is never played either. */
	struct armed *a = &e->armed[e->played & (ENDS_ARMED - 1)];
	if (t >= r->end || a->k != NO_ARRIVAL)
		return 0;
	/* The number the queue would have given it, now. */
	uint64_t seq = ps_engine_take_seq(&r->engine);
	if (seq == UINT64_MAX)
		return -1;
	*a = (struct armed){ .k = e->played, .seq = seq, .type = type, .id = id, .gen = gen };
	return 1;
}

int ps_run_ends_look(struct run *r)
{
	struct ends *e = &r->ends;
	struct arrivals *ar = &r->arrivals;
	ps_time t;
	uint64_t k;
	int rc;
	e->next = NULL;
	ar->t[e->src] = PS_TIME_MAX;
	while ((rc = ps_draws_end_next(r->draws, e->played, &t, &k)) == 1) {
		/* An end of an arrival not yet played comes after that arrival, which is the run's next: look again after it. */
		if (k >= e->played)
			break;
		struct armed *a = &e->armed[k & (ENDS_ARMED - 1)];
		if (a->k == k) {
			e->next = a;
			ar->t[e->src] = t;
			ar->seq[e->src] = a->seq;
			break;
		}
		/* No end was noted for it (its connect failed, or its place was taken): passed over. */
		ps_draws_end_take(r->draws);
	}
	return rc < 0 ? -1 : 0;
}
