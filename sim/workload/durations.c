/*
 * Duration distributions: how long a connection or keepalive request
 * lives. Every draw comes from the population's duration stream.
 */
#include "internal.h"

#include <math.h>

ps_time ps_duration_from_s(double s)
{
	/* Zero, negative and NaN alike: no time. */
	if (!(s > 0))
		return 0;
	if (s > PS_MAX_DURATION_S)
		s = PS_MAX_DURATION_S;
	/* Once per connection, and the two tests above leave nothing for ps_time_from_s's checks to catch. */
	return ps_time_from_s_in_range(s);
}

/*
 * Every distribution but the exponential. Out of line, so that the
 * exponential path saves none of the registers these need.
 */
__attribute__((noinline)) static ps_time duration_other(const struct ps_duration_config *d, struct ps_rng *r)
{
	double mean = d->mean_s, s;
	switch (d->kind) {
	case PS_DURATION_LOGNORMAL: {
		double sigma = d->sigma, mu;
		if (d->median_s > 0)
			mu = log(d->median_s);
		else if (mean > 0)
			/* so that the mean, not the median, is duration_s */
			mu = log(mean) - sigma * sigma / 2;
		else
			return 0;
		s = exp(mu + sigma * ps_rng_normal(r));
		break;
	}
	case PS_DURATION_PARETO:
		/* U in (0, 1], so the minimum itself is reachable and nothing divides by zero. */
		s = d->min_s * pow(ps_rng_uniform_pos(r), -1.0 / d->shape);
		break;
	case PS_DURATION_UNIFORM:
		s = d->min_s + (d->max_s - d->min_s) * ps_rng_uniform(r);
		break;
	case PS_DURATION_EMPIRICAL:
		s = d->nempirical ? d->empirical[ps_rng_below(r, d->nempirical)] : mean;
		break;
	case PS_DURATION_FIXED:
	default:
		s = mean;
		break;
	}
	return ps_duration_from_s(s);
}

ps_time ps_workload_duration(const struct ps_duration_config *d, struct ps_rng *r)
{
	/* Once per connection: the common distribution goes ahead of the dispatch. */
	if (d->kind == PS_DURATION_EXPONENTIAL)
		return ps_workload_exponential(d, r);
	return duration_other(d, r);
}
