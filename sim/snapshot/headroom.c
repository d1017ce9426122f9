/*
 * From a pool's counts to what a capacity planner asks: how fast it is
 * used, how long a port is held, when it runs out, and what rate it
 * sustains. Every estimator is one line a reader can redo by hand:
 *
 *   rate        new connections between the readings / interval; with one
 *               reading, TIME_WAIT / time_wait_s (steady state, client closes)
 *   lifetime    mean ports in use outside TIME_WAIT / rate (Little's law on
 *               the open connections: established, or opening, or closing)
 *   p           closes seen that left TIME_WAIT here / all closes seen
 *   holding     lifetime + p * time_wait_s; at steady state this is also
 *               mean in use / rate (Little's law on the whole pool)
 *   exhaustion  free ports / net growth of ports in use, when growing
 *   bounds      ports / holding (deterministic); Erlang-B's load at the
 *               target blocking / holding
 */
#include "portsim/snapshot.h"
#include "portsim/bounds.h"

#include <math.h>

/* Share of closes that leave TIME_WAIT on this host, from what the readings show. */
static double client_share(const struct ps_snapshot_stats *st, double time_wait_s)
{
	uint32_t closes = st->closed_client + st->closed_server;
	if (closes)
		return (double)st->closed_client / closes;
	if (st->rate_from == PS_RATE_TIME_WAIT)
		return 1;
	/* No close between the readings: what TIME_WAIT holds says how many closed here before. */
	if (st->time_wait && st->rate_per_s > 0 && time_wait_s > 0) {
		double p = st->time_wait / (st->rate_per_s * time_wait_s);
		return p < 1 ? p : 1;
	}
	return 0;
}

void ps_snapshot_headroom(struct ps_snapshot_stats *st, uint32_t capacity, uint32_t pool_in_use,
			  double interval_s, double time_wait_s, double erlang_load)
{
	st->capacity = capacity;
	st->free = capacity > pool_in_use ? capacity - pool_in_use : 0;
	st->share = capacity ? (double)pool_in_use / capacity : NAN;
	st->rate_from = PS_RATE_NONE;
	st->rate_per_s = st->growth_per_s = st->exhaust_s = NAN;
	if (interval_s > 0) {
		st->rate_from = PS_RATE_MEASURED;
		st->rate_per_s = st->new_conns / interval_s;
		st->growth_per_s = ((double)st->in_use - (double)st->in_use_before) / interval_s;
		st->exhaust_s = st->growth_per_s > 0 ? st->free / st->growth_per_s : INFINITY;
	} else if (st->time_wait && time_wait_s > 0) {
		st->rate_from = PS_RATE_TIME_WAIT;
		st->rate_per_s = st->time_wait / time_wait_s;
	}
	st->lifetime_s = st->client_close = st->holding_s = st->holding_now_s = NAN;
	st->steady_in_use = st->bound_per_s = st->erlang_per_s = NAN;
	if (!(st->rate_per_s > 0))
		return;
	double in_use = (st->in_use_before + (double)st->in_use) / 2;
	double open = in_use - (st->time_wait_before + (double)st->time_wait) / 2;
	st->lifetime_s = open / st->rate_per_s;
	st->client_close = client_share(st, time_wait_s);
	st->holding_s = st->lifetime_s + st->client_close * time_wait_s;
	st->holding_now_s = in_use / st->rate_per_s;
	st->steady_in_use = st->rate_per_s * st->holding_s;
	st->bound_per_s = ps_bound_deterministic(capacity, st->holding_s);
	st->erlang_per_s = ps_bound_deterministic(erlang_load, st->holding_s);
}
