#include "portsim/bounds.h"

#include <math.h>
#include <string.h>

#include "portsim/tw_timer.h"

static const char *const note_texts[PS_CAP_NOTE_COUNT] = {
	"rfc6056-2 gives up after `tries` random draws, so it fails while ports are still free: "
	"the simulation falls below both formulas",
	"destinations are chosen by Zipf's law: the busiest destination's pool runs dry first, "
	"below formulas that spread the load evenly",
	"bind0, udp or unique = port: a port carries one socket whatever the destination, so "
	"destinations do not multiply the pool (the formulas count one)",
	"arrivals are not Poisson, which Erlang-B assumes: evenly spaced arrivals reach the "
	"deterministic bound, bursty ones fail earlier",
	"Erlang-B is applied to each (address, destination) pool with an equal share of the "
	"arrivals, and the rates added",
	"tw_reuse may take over TIME_WAIT entries (or there is no TIME_WAIT toward loopback): "
	"ports come back sooner than the holding time says",
	"burst and replay populations are not scaled with the rate: their load stays as written",
	"keepalive: the rate counts requests, and a pooled connection serves several, so fewer "
	"connections are opened than the formulas assume",
	"retries: a failed attempt is tried again, adding attempts and hiding failures until the "
	"tries run out",
	"the run is shorter than three holding times: the pool may not fill before it ends, so "
	"the simulation can exceed the formulas",
	"the rate varies during the run (ramp, on-off, diurnal): failures follow the peak rate, "
	"not the mean",
	"several source addresses used round-robin or by hash: not the even Poisson split Erlang-B "
	"assumes",
	"a duration distribution has no finite mean the formulas can use (pareto with shape <= 1, "
	"or an empirical file)",
};

const char *ps_capacity_note_text(unsigned bit)
{
	for (unsigned i = 0; i < PS_CAP_NOTE_COUNT; i++)
		if (bit == 1u << i)
			return note_texts[i];
	return "";
}

bool ps_population_scaled(const struct ps_population *p)
{
	return p->arrival != PS_ARRIVAL_BURST && p->arrival != PS_ARRIVAL_REPLAY;
}

double ps_scaled_rate(const struct ps_scenario *sc)
{
	double r = 0;
	for (unsigned i = 0; i < sc->npop; i++)
		if (ps_population_scaled(&sc->pop[i]))
			r += sc->pop[i].rate_per_s;
	return r;
}

/* Mean duration of p in seconds; INFINITY or NAN when the formulas cannot use one. */
static double mean_duration(const struct ps_population *p)
{
	switch (p->duration) {
	case PS_DURATION_LOGNORMAL:
		if (p->duration_median_s > 0)
			return p->duration_median_s * exp(p->duration_sigma * p->duration_sigma / 2);
		return p->duration_s;
	case PS_DURATION_PARETO:
		return p->duration_shape > 1 ? p->duration_shape * p->duration_min_s / (p->duration_shape - 1)
					     : INFINITY;
	case PS_DURATION_UNIFORM:
		return (p->duration_min_s + p->duration_max_s) / 2;
	case PS_DURATION_EMPIRICAL:
		return NAN;
	case PS_DURATION_FIXED:
	case PS_DURATION_EXPONENTIAL:
	default:
		return p->duration_s;
	}
}

static bool port_level(const struct ps_scenario *sc, const struct ps_population *p)
{
	return p->mode == PS_MODE_BIND0 || p->mode == PS_MODE_UDP || sc->unique == PS_UNIQUE_PORT;
}

static uint32_t usable_ports(const struct ps_scenario *sc)
{
	uint32_t n = 0;
	for (uint32_t port = sc->lo; port <= sc->hi; port++)
		n += !((sc->reserved[port / 64] >> (port % 64)) & 1);
	return n;
}

/* The host's ephemeral ports, as bounds.h describes them; the notes say what that misses. */
static void host_pool(const struct ps_scenario *sc, double target, struct ps_pool_spec *b)
{
	memset(b, 0, sizeof(*b));
	b->name = "host";
	b->usable_ports = usable_ports(sc);
	b->addresses = sc->addresses;
	b->offered_per_s = ps_scaled_rate(sc);
	b->target = target;
	bool any_port_level = false;
	uint32_t generated = 0, listed = 0;
	double weight = 0, hold = 0;
	for (unsigned i = 0; i < sc->npop; i++) {
		const struct ps_population *p = &sc->pop[i];
		if (!ps_population_scaled(p)) {
			b->notes |= PS_CAP_NOTE_UNSCALED;
			continue;
		}
		uint32_t k = p->destinations;
		bool loopback = p->loopback;
		if (p->destination_list[0]) {
			const char *bad;
			struct ps_endpoint ep[1];
			size_t n = ps_endpoints_parse(p->destination_list, NULL, 0, &bad);
			k = n == (size_t)-1 ? 1 : (uint32_t)n;
			/* Only the first entry's loopback flag: enough to tell a loopback-only list. */
			loopback = ps_endpoints_parse(p->destination_list, ep, 1, &bad) >= 1 && ep[0].loopback;
			listed += k;
		} else if (k > generated) {
			/* Populations with generated destinations share 10.0.0.1... */
			generated = k;
		}
		if (port_level(sc, p)) {
			any_port_level = true;
			if (k > 1)
				b->notes |= PS_CAP_NOTE_PORT_LEVEL;
		}
		if (p->choice == PS_CHOICE_ZIPF && k > 1)
			b->notes |= PS_CAP_NOTE_ZIPF;
		if (p->arrival != PS_ARRIVAL_POISSON)
			b->notes |= PS_CAP_NOTE_NOT_POISSON;
		if (p->arrival == PS_ARRIVAL_RAMP || p->arrival == PS_ARRIVAL_ONOFF ||
		    p->arrival == PS_ARRIVAL_DIURNAL)
			b->notes |= PS_CAP_NOTE_VARYING;
		if (p->keepalive)
			b->notes |= PS_CAP_NOTE_KEEPALIVE;
		if (p->retries)
			b->notes |= PS_CAP_NOTE_RETRIES;
		const char *strat = ps_scenario_strategy_for(sc, p->mode);
		if (strat && !strcmp(strat, "rfc6056-2") && sc->params.tries != 0 &&
		    sc->params.tries < b->usable_ports)
			b->notes |= PS_CAP_NOTE_GIVES_UP;
		bool tw = p->mode != PS_MODE_UDP && !(loopback && !sc->local_time_wait);
		if (loopback && !sc->local_time_wait && p->client_closes > 0 && sc->time_wait_s > 0)
			b->notes |= PS_CAP_NOTE_TW_REUSE;
		if (tw && p->client_closes > 0 && sc->time_wait_s > 0 &&
		    (sc->tw_reuse == PS_TW_REUSE_ANY || (sc->tw_reuse == PS_TW_REUSE_LOOPBACK && loopback)))
			b->notes |= PS_CAP_NOTE_TW_REUSE;
		double d = mean_duration(p);
		if (!isfinite(d))
			b->notes |= PS_CAP_NOTE_NO_MEAN;
		/* TIME_WAIT as long as it lasts on average: on Linux's timer wheel, half a bucket more. */
		double tw_s = ps_tw_timer_mean_s(sc->time_wait_s, sc->hz);
		hold += p->rate_per_s * (d + (tw ? tw_s * p->client_closes : 0));
		weight += p->rate_per_s;
	}
	b->destinations = any_port_level ? 1 : generated + listed;
	if (b->destinations == 0)
		b->destinations = 1;
	if (b->addresses > 1 && sc->npop > 0)
		b->notes |= PS_CAP_NOTE_ADDRESSES;
	if (b->destinations > 1 || b->addresses > 1)
		b->notes |= PS_CAP_NOTE_PER_POOL;
	b->holding_s = weight > 0 ? hold / weight : NAN;
	if (isfinite(b->holding_s) && sc->duration_s < 3 * b->holding_s)
		b->notes |= PS_CAP_NOTE_SHORT_RUN;
}

size_t ps_bounds_pools(const struct ps_scenario *sc, double target, struct ps_pool_spec *out, size_t max)
{
	if (max == 0)
		return 0;
	host_pool(sc, target, &out[0]);
	return 1;
}

double ps_bound_deterministic(double ports, double holding_s)
{
	return isfinite(holding_s) && holding_s > 0 ? ports / holding_s : NAN;
}

void ps_bounds_pool(const struct ps_pool_spec *p, struct ps_pool_bound *out)
{
	out->pool = *p;
	double pools = (double)p->destinations * p->addresses;
	out->erlang_load = ps_erlang_b_load(p->usable_ports, p->target);
	out->deterministic_per_s = ps_bound_deterministic(p->usable_ports * pools, p->holding_s);
	/* Per pool first, then times the pools: the order the capacity outputs were computed in. */
	out->erlang_per_s = ps_bound_deterministic(out->erlang_load, p->holding_s) * pools;
}

size_t ps_bounds(const struct ps_scenario *sc, double target, struct ps_pool_bound *out, size_t max)
{
	struct ps_pool_spec pools[PS_BOUNDS_POOLS_MAX];
	size_t n = ps_bounds_pools(sc, target, pools, max < PS_BOUNDS_POOLS_MAX ? max : PS_BOUNDS_POOLS_MAX);
	for (size_t i = 0; i < n; i++)
		ps_bounds_pool(&pools[i], &out[i]);
	return n;
}

size_t ps_bounds_binding(const struct ps_pool_bound *b, size_t n)
{
	size_t best = 0;
	for (size_t i = 1; i < n; i++) {
		double x = b[i].deterministic_per_s, y = b[best].deterministic_per_s;
		/* NAN compares false both ways: a pool without a bound binds only when no pool has one. */
		if (x < y || (isnan(y) && !isnan(x)))
			best = i;
	}
	return best;
}

double ps_erlang_b(unsigned c, double a)
{
	if (!(a > 0))
		return c == 0 ? 1 : 0;
	double b = 1;
	for (unsigned k = 1; k <= c; k++)
		b = a * b / ((double)k + a * b);
	return b;
}

double ps_erlang_b_load(unsigned c, double target)
{
	if (!(target > 0 && target < 1))
		return NAN;
	if (c == 0)
		return 0;
	/* B grows with a; bracket by doubling from a load well below c. */
	double lo = 0, hi = c;
	while (ps_erlang_b(c, hi) < target) {
		lo = hi;
		hi *= 2;
	}
	while (hi - lo > 1e-12 * hi) {
		double mid = (lo + hi) / 2;
		if (mid <= lo || mid >= hi)
			break;
		if (ps_erlang_b(c, mid) < target)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}
