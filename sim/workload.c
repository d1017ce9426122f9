#include "portsim/workload.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ps_workload_init(struct ps_workload *w, const struct ps_scenario *sc, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	w->sc = sc;
	uint32_t k = 1;
	for (unsigned i = 0; i < sc->npop; i++)
		if (sc->pop[i].destinations > k)
			k = sc->pop[i].destinations;
	/* Populations draw from the front of one shared list, so "destinations = 1" means the same backend for all. */
	w->dsts = calloc(k, sizeof(*w->dsts));
	if (!w->dsts)
		return -1;
	w->ndsts = k;
	for (uint32_t i = 0; i < k; i++)
		w->dsts[i] = (struct ps_endpoint){ .ip = PS_DST_FIRST_IP + i, .port = PS_DST_PORT };
	for (unsigned i = 0; i < sc->npop; i++) {
		struct ps_pop_state *ps = &w->pops[i];
		ps_rng_init(&ps->arrival_rng, seed, PS_STREAM_ARRIVALS, i);
		ps_rng_init(&ps->duration_rng, seed, PS_STREAM_DURATIONS, i);
		ps_rng_init(&ps->dst_rng, seed, PS_STREAM_DESTINATIONS, i);
		ps_rng_init(&ps->closer_rng, seed, PS_STREAM_CLOSER, i);
	}
	return 0;
}

void ps_workload_fini(struct ps_workload *w)
{
	free(w->dsts);
	memset(w, 0, sizeof(*w));
}

ps_time ps_workload_next_arrival(struct ps_workload *w, unsigned pop, ps_time now)
{
	const struct ps_population *p = &w->sc->pop[pop];
	struct ps_pop_state *ps = &w->pops[pop];
	ps_time start = ps_time_from_s(p->start_s);
	uint64_t k = ps->arrivals++;
	double gap_ns = 1e9 / p->rate_per_s;
	if (p->arrival == PS_ARRIVAL_CONSTANT) {
		/* From k, not from the previous time: rounding never accumulates. */
		double t = (double)start + (double)k * gap_ns;
		return t >= 1.8e19 ? PS_TIME_MAX : (ps_time)llround(t);
	}
	if (k == 0)
		now = start;
	double t = (double)now + ps_rng_exponential(&ps->arrival_rng, gap_ns);
	return t >= 1.8e19 ? PS_TIME_MAX : (ps_time)llround(t);
}

static ps_time draw_duration(const struct ps_population *p, struct ps_rng *r)
{
	double mean = p->duration_s, s;
	switch (p->duration) {
	case PS_DURATION_EXPONENTIAL:
		s = ps_rng_exponential(r, mean);
		break;
	case PS_DURATION_LOGNORMAL: {
		/* mu chosen so that the mean, not the median, is duration_s. */
		double sigma = p->duration_sigma;
		double mu = log(mean > 0 ? mean : 1e-12) - sigma * sigma / 2;
		s = mean > 0 ? exp(mu + sigma * ps_rng_normal(r)) : 0;
		break;
	}
	case PS_DURATION_FIXED:
	default:
		s = mean;
		break;
	}
	return ps_time_from_s(s > 3.1536e8 ? 3.1536e8 : s);
}

void ps_workload_draw(struct ps_workload *w, unsigned pop, struct ps_attempt *a)
{
	const struct ps_population *p = &w->sc->pop[pop];
	struct ps_pop_state *ps = &w->pops[pop];
	a->dst = p->destinations > 1 ? (uint32_t)ps_rng_below(&ps->dst_rng, p->destinations) : 0;
	a->addr = ps->next_addr;
	ps->next_addr = (ps->next_addr + 1) % w->sc->addresses;
	a->duration = draw_duration(p, &ps->duration_rng);
	double c = p->client_closes;
	a->client_closes = c >= 1.0 ? true : c <= 0.0 ? false : ps_rng_uniform(&ps->closer_rng) < c;
	a->mode = p->mode;
}
