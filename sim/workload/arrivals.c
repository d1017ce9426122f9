/*
 * Arrival processes: when each population's next attempt comes. Each
 * process draws from the population's arrival stream only, so changing
 * one population's process leaves every other stream where it was.
 */
#include "internal.h"

#include <math.h>

#define TWO_PI 6.283185307179586476925286766559
/* ns values from here on do not fit a ps_time. */
#define TIME_LIMIT_NS 1.8e19

static ps_time to_time(double ns)
{
	if (!(ns < TIME_LIMIT_NS))
		return PS_TIME_MAX;
	if (ns <= 0)
		return 0;
	/* Positive: the conversion truncates, which is floor here, and cheaper in a build for any x86-64. */
	return (ps_time)(ns + 0.5);
}

static double exp_gap_ns(struct ps_rng *r, double rate)
{
	return ps_rng_exponential(r, 1e9 / rate);
}

static ps_time arrive_onoff(const struct ps_arrival_config *p, double end_s, struct ps_pop_state *ps,
			    ps_time now, bool first)
{
	struct ps_rng *r = &ps->arrival_rng;
	double end = (double)ps_time_from_s(end_s);
	if (first) {
		now = ps_time_from_s(p->start_s);
		ps->on_until = to_time((double)now + ps_rng_exponential(r, p->on_s * 1e9));
		ps->off_until = to_time((double)ps->on_until + ps_rng_exponential(r, p->off_s * 1e9));
	}
	double t = (double)now + ps_rng_exponential(r, ps->gap_ns);
	while (t >= (double)ps->on_until) {
		/*
		 * Past the run's end the exact time no longer matters; stopping
		 * there keeps tiny on periods with a slow rate from looping long.
		 */
		if ((double)ps->off_until >= end || ps->off_until == PS_TIME_MAX)
			return PS_TIME_MAX;
		/* Memorylessness: the overshoot is a fresh exponential gap from the next on period. */
		t = (double)ps->off_until + (t - (double)ps->on_until);
		ps->on_until = to_time((double)ps->off_until + ps_rng_exponential(r, p->on_s * 1e9));
		ps->off_until = to_time((double)ps->on_until + ps_rng_exponential(r, p->off_s * 1e9));
	}
	return to_time(t);
}

/*
 * Inverts the integrated rate: one draw per arrival, exact. The rate runs
 * linearly from rate_per_s at start_s to rate_end_per_s at the run's end,
 * then stays there.
 */
static ps_time arrive_ramp(const struct ps_arrival_config *p, double end_s, struct ps_pop_state *ps,
			   ps_time now)
{
	double t0 = (double)now / 1e9, start = p->start_s, end = end_s;
	double r0 = p->rate_per_s, r1 = p->rate_end_per_s;
	double slope = end > start ? (r1 - r0) / (end - start) : 0;
	double e = ps_rng_exponential(&ps->arrival_rng, 1.0);
	if (t0 < end) {
		double rate = r0 + slope * (t0 - start);
		if (rate < 0)
			rate = 0;
		double left = end - t0;
		double mass = rate * left + slope * left * left / 2;
		if (e <= mass) {
			/* The root of rate*x + slope*x^2/2 = e, in the form that does not cancel. */
			double disc = rate * rate + 2 * slope * e;
			double x = 2 * e / (rate + sqrt(disc > 0 ? disc : 0));
			if (x > left)
				x = left;
			return to_time((t0 + x) * 1e9);
		}
		e -= mass;
		t0 = end;
	}
	if (r1 <= 0)
		return PS_TIME_MAX;
	return to_time((t0 + e / r1) * 1e9);
}

/* Thinning (Lewis and Shedler) against the peak rate. */
static ps_time arrive_diurnal(const struct ps_arrival_config *p, struct ps_pop_state *ps, ps_time now)
{
	double peak = p->rate_per_s * (1 + p->amplitude);
	double t = (double)now;
	for (;;) {
		t += exp_gap_ns(&ps->arrival_rng, peak);
		if (!(t < TIME_LIMIT_NS))
			return PS_TIME_MAX;
		double rate = p->rate_per_s * (1 + p->amplitude * sin(TWO_PI * (t / 1e9) / p->period_s));
		if (ps_rng_uniform(&ps->arrival_rng) * peak < rate)
			return to_time(t);
	}
}

static ps_time arrive_burst(const struct ps_arrival_config *p, struct ps_pop_state *ps, uint64_t k)
{
	uint32_t size = p->burst_size ? p->burst_size : 1;
	uint64_t j = k / size;
	if (j > 0 && p->burst_interval_s <= 0)
		return PS_TIME_MAX;
	/* From the burst number, not by adding intervals: rounding never accumulates. */
	ps->burst_t = to_time((double)ps_time_from_s(p->start_s) + (double)j * p->burst_interval_s * 1e9);
	ps->burst_left = (uint32_t)(size - 1 - k % size);
	return ps->burst_t;
}

/*
 * Every process but Poisson after its first arrival. Out of line, so that
 * the Poisson path saves none of the registers these need.
 */
__attribute__((noinline)) static ps_time arrive_other(const struct ps_workload *w, struct ps_pop_state *ps,
						     ps_time now, uint64_t k)
{
	const struct ps_arrival_config *p = &ps->pop->arrival;
	if (k == 0)
		now = ps_time_from_s(p->start_s);
	switch (p->kind) {
	case PS_ARRIVAL_CONSTANT:
		/* From k, not from the previous time: rounding never accumulates. */
		return to_time((double)ps_time_from_s(p->start_s) + (double)k * 1e9 / p->rate_per_s);
	case PS_ARRIVAL_ONOFF:
		return arrive_onoff(p, w->cfg->end_s, ps, now, k == 0);
	case PS_ARRIVAL_RAMP:
		return arrive_ramp(p, w->cfg->end_s, ps, now);
	case PS_ARRIVAL_DIURNAL:
		return arrive_diurnal(p, ps, now);
	case PS_ARRIVAL_BURST:
		return arrive_burst(p, ps, k);
	case PS_ARRIVAL_REPLAY:
		return k < p->nrows ? p->rows[k].t : PS_TIME_MAX;
	case PS_ARRIVAL_POISSON:
	default:
		return to_time((double)now + ps_rng_exponential(&ps->arrival_rng, ps->gap_ns));
	}
}

ps_time ps_workload_next_arrival(struct ps_workload *w, unsigned pop, ps_time now)
{
	struct ps_pop_state *ps = &w->pops[pop];
	uint64_t k = ps->arrivals++;
	/* Once per connection: the common process goes ahead of the dispatch. */
	if (ps->poisson && k > 0)
		return to_time((double)now + ps_rng_exponential(&ps->arrival_rng, ps->gap_ns));
	return arrive_other(w, ps, now, k);
}
