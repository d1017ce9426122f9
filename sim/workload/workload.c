/*
 * A workload's life: its streams seeded per population and purpose, its
 * tables made, and one attempt put together from the per-purpose draws.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ps_workload_init(struct ps_workload *w, const struct ps_workload_config *cfg, char *err,
		     size_t size)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	for (unsigned i = 0; i < cfg->npop && i < PS_MAX_POPULATIONS; i++) {
		const struct ps_workload_pop *p = &cfg->pop[i];
		struct ps_pop_state *ps = &w->pops[i];
		ps->cfg = cfg;
		ps->pop = p;
		/* The same division every gap made before it was hoisted here: the same double. */
		ps->gap_ns = 1e9 / p->arrival.rate_per_s;
		ps->poisson = p->arrival.kind == PS_ARRIVAL_POISSON;
		ps->replay_rows = p->arrival.kind == PS_ARRIVAL_REPLAY ? p->arrival.nrows : 0;
		/* Behind a NAT each population owns its own inside hosts; otherwise all share the host's addresses. */
		ps->naddr = p->naddr ? p->naddr : 1;
		double c = p->client_closes;
		ps->plain = ps->replay_rows == 0 && p->choice == PS_CHOICE_UNIFORM && p->ndst > 1 &&
			    p->source_choice == PS_SOURCE_ROUND_ROBIN && (c >= 1.0 || c <= 0.0) &&
			    p->duration.kind == PS_DURATION_EXPONENTIAL;
		ps->client_closes = c >= 1.0;
		ps_rng_init(&ps->arrival_rng, cfg->seed, PS_STREAM_ARRIVALS, i);
		ps_rng_init(&ps->duration_rng, cfg->seed, PS_STREAM_DURATIONS, i);
		ps_rng_init(&ps->dst_rng, cfg->seed, PS_STREAM_DESTINATIONS, i);
		ps_rng_init(&ps->closer_rng, cfg->seed, PS_STREAM_CLOSER, i);
		/*
		 * A hash population never draws from source_rng, so its state is a
		 * fixed key. One stream shared by all of them (an index no
		 * population has) sends a destination through the same address
		 * whichever population talks to it, as a host-wide policy would.
		 */
		ps_rng_init(&ps->source_rng, cfg->seed, PS_STREAM_SOURCES,
			    p->source_choice == PS_SOURCE_HASH ? PS_MAX_POPULATIONS : i);
		if (p->choice == PS_CHOICE_ZIPF && p->ndst && ps_workload_zipf_table(p, ps) != 0) {
			if (err && size)
				snprintf(err, size, "[workload.%s]: out of memory for the Zipf table", p->name);
			ps_workload_fini(w);
			w->cfg = cfg;
			return -1;
		}
	}
	return 0;
}

void ps_workload_fini(struct ps_workload *w)
{
	for (unsigned i = 0; i < PS_MAX_POPULATIONS; i++)
		free(w->pops[i].zipf_cdf);
	memset(w, 0, sizeof(*w));
}

/* Everything of an attempt but its destination and duration, each from its own stream. */
static void draw_source_and_closer(const struct ps_workload_pop *p, struct ps_pop_state *ps, uint32_t k,
				   struct ps_attempt *a)
{
	a->dst = p->ndst ? p->dst_map[k] : 0;
	a->addr = ps_workload_choose_source(p, ps, a->dst);
	double c = p->client_closes;
	a->client_closes = c >= 1.0 ? true : c <= 0.0 ? false : ps_rng_uniform(&ps->closer_rng) < c;
	a->mode = p->mode;
}

/* Any shape. Out of line, so that the plain path saves none of the registers the others need. */
__attribute__((noinline)) static void draw_any(const struct ps_workload_pop *p, struct ps_pop_state *ps, uint64_t n,
					       struct ps_attempt *a)
{
	const struct ps_replay_row *row = n < ps->replay_rows ? &p->arrival.rows[n] : NULL;
	draw_source_and_closer(p, ps, row ? row->dst : ps_workload_choose_dst(p, ps), a);
	a->duration = row && row->duration != PS_TIME_MAX ? row->duration
							  : ps_workload_duration(&p->duration, &ps->duration_rng);
}

/*
 * Out of line and given the population's state alone: inlined, the
 * compiler rebuilds each stream's address from the workload and the
 * index, and keeps both in saved registers besides the state.
 */
__attribute__((noinline)) static void draw(struct ps_pop_state *ps, struct ps_attempt *a)
{
	const struct ps_workload_pop *p = ps->pop;
	uint64_t n = ps->drawn++;
	if (!ps->plain) {
		draw_any(p, ps, n, a);
		return;
	}
	/* What draw_any does for this shape, without its questions. */
	a->dst = p->dst_map[ps_rng_below(&ps->dst_rng, p->ndst)];
	a->addr = ps_workload_round_robin(ps) + p->addr_base;
	a->client_closes = ps->client_closes;
	a->mode = p->mode;
	/* Last (its stream is its own, so the order is free): only a has to outlive its call to log(). */
	a->duration = ps_workload_exponential(&p->duration, &ps->duration_rng);
}

void ps_workload_draw(struct ps_workload *w, unsigned pop, struct ps_attempt *a)
{
	draw(&w->pops[pop], a);
}
