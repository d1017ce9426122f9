#include "portsim/bounds.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/config.h"
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
	"nf-nat gives up after 248 probes of random runs and drops the connection (insert_failed) "
	"while ports are still free: drops start before the NAT's pool is full",
	"a new connection from an inside port whose NAT mapping still lingers toward the same "
	"destination revives that mapping (conntrack re-opens the flow): NAT ports come back "
	"sooner than its holding time says",
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

/* The destinations of population p and whether they are on loopback (the first listed one's flag). */
static uint32_t pop_destinations(const struct ps_population *p, bool *loopback)
{
	*loopback = p->loopback;
	if (!p->destination_list[0])
		return p->destinations;
	const char *bad;
	struct ps_endpoint ep[1];
	size_t n = ps_endpoints_parse(p->destination_list, NULL, 0, &bad);
	/* Only the first entry's loopback flag: enough to tell a loopback-only list. */
	*loopback = ps_endpoints_parse(p->destination_list, ep, 1, &bad) >= 1 && ep[0].loopback;
	return n == (size_t)-1 ? 1 : (uint32_t)n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/*
 * Destinations of the scaled populations: generated ones are shared
 * (10.0.0.1...), and so is an endpoint several populations list, as the run
 * makes one destination of it.
 */
static uint32_t scaled_destinations(const struct ps_scenario *sc)
{
	uint32_t generated = 0, listed = 0;
	size_t cap = 0, n = 0;
	uint64_t *keys = NULL;
	for (unsigned i = 0; i < sc->npop; i++) {
		const struct ps_population *p = &sc->pop[i];
		if (!ps_population_scaled(p))
			continue;
		bool loopback;
		uint32_t k = pop_destinations(p, &loopback);
		if (!p->destination_list[0]) {
			generated = k > generated ? k : generated;
			continue;
		}
		uint64_t *more = realloc(keys, (cap += k) * sizeof(*keys));
		struct ps_endpoint *ep = malloc(k * sizeof(*ep));
		const char *bad;
		if (!more || !ep) {
			/* Out of memory: count the list as written. */
			free(ep);
			keys = more ? more : keys;
			listed += k;
			continue;
		}
		keys = more;
		size_t got = ps_endpoints_parse(p->destination_list, ep, k, &bad);
		for (size_t j = 0; got != (size_t)-1 && j < got; j++)
			keys[n++] = (uint64_t)ep[j].ip << 16 | ep[j].port;
		free(ep);
	}
	if (n) {
		qsort(keys, n, sizeof(*keys), cmp_u64);
		for (size_t j = 0; j < n; j++)
			listed += j == 0 || keys[j] != keys[j - 1];
	}
	free(keys);
	return generated + listed ? generated + listed : 1;
}

/* Behind a NAT: the inside hosts, and the share of the scaled rate the busiest one offers. */
static void inside_hosts(const struct ps_scenario *sc, struct ps_pool_spec *b)
{
	b->hosts = 1;
	b->busiest_share = 1;
	if (!ps_scenario_has_nat(sc))
		return;
	double total = ps_scaled_rate(sc), busiest = 0;
	for (unsigned i = 0; i < sc->npop; i++)
		if (ps_population_scaled(&sc->pop[i]) && sc->pop[i].hosts)
			busiest = fmax(busiest, sc->pop[i].rate_per_s / sc->pop[i].hosts);
	b->hosts = ps_scenario_source_count(sc);
	if (total > 0 && busiest > 0)
		b->busiest_share = busiest / total;
}

/* The host's ephemeral ports, as bounds.h describes them; the notes say what that misses. */
static void host_pool(const struct ps_scenario *sc, double target, struct ps_pool_spec *b)
{
	memset(b, 0, sizeof(*b));
	b->name = "host";
	b->usable_ports = usable_ports(sc);
	/* Behind a NAT host.addresses is idle: each inside host has one address and pools of its own. */
	b->addresses = ps_scenario_has_nat(sc) ? 1 : sc->addresses;
	inside_hosts(sc, b);
	b->offered_per_s = ps_scaled_rate(sc);
	b->target = target;
	bool any_port_level = false;
	double weight = 0, hold = 0, linger = 0;
	for (unsigned i = 0; i < sc->npop; i++) {
		const struct ps_population *p = &sc->pop[i];
		if (!ps_population_scaled(p)) {
			b->notes |= PS_CAP_NOTE_UNSCALED;
			continue;
		}
		bool loopback;
		uint32_t k = pop_destinations(p, &loopback);
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
		linger += p->rate_per_s * (tw ? tw_s * p->client_closes : 0);
		weight += p->rate_per_s;
	}
	b->destinations = any_port_level ? 1 : scaled_destinations(sc);
	if (b->addresses > 1 && sc->npop > 0)
		b->notes |= PS_CAP_NOTE_ADDRESSES;
	if (b->destinations > 1 || b->addresses > 1)
		b->notes |= PS_CAP_NOTE_PER_POOL;
	b->holding_s = weight > 0 ? hold / weight : NAN;
	b->linger_s = weight > 0 ? linger / weight : NAN;
	if (isfinite(b->holding_s) && sc->duration_s < 3 * b->holding_s)
		b->notes |= PS_CAP_NOTE_SHORT_RUN;
}

/* The notes of the workload itself, which every pool shares. */
static const unsigned workload_notes = PS_CAP_NOTE_ZIPF | PS_CAP_NOTE_NOT_POISSON | PS_CAP_NOTE_UNSCALED |
				       PS_CAP_NOTE_KEEPALIVE | PS_CAP_NOTE_RETRIES | PS_CAP_NOTE_VARYING |
				       PS_CAP_NOTE_NO_MEAN;

/*
 * The NAT's external ports, as bounds.h describes them, from the NAT the run
 * would build (cfg: the preset's and Azure's per-VM ports resolved). host is
 * the host pool, whose workload notes the NAT shares.
 */
static void nat_pool(const struct ps_scenario *sc, const struct ps_run_config *cfg, double target,
		     const struct ps_pool_spec *host, struct ps_pool_spec *b)
{
	const struct ps_nat_config *nc = &cfg->nat;
	const char *alloc = cfg->nat_ops ? cfg->nat_ops->name : "";
	memset(b, 0, sizeof(*b));
	b->name = "nat";
	b->target = target;
	b->offered_per_s = host->offered_per_s;
	b->notes = host->notes & workload_notes;
	uint32_t n = (uint32_t)nc->hi - nc->lo + 1;
	bool independent = nc->mapping == PS_NAT_ENDPOINT_INDEPENDENT;
	b->destinations = independent ? 1 : scaled_destinations(sc);
	b->hosts = 1;
	b->busiest_share = 1;
	b->addresses = nc->naddrs;
	if (!strcmp(alloc, "pba") || !strcmp(alloc, "deterministic")) {
		/* Each inside host has ports of its own, on one external address. */
		struct ps_pool_spec per;
		inside_hosts(sc, &per);
		b->hosts = per.hosts;
		b->busiest_share = per.busiest_share;
		b->addresses = 1;
		if (!strcmp(alloc, "pba") && nc->block_size > 0) {
			/* At most max_blocks, and no more than a fair share of the blocks the addresses hold. */
			uint64_t blocks = (uint64_t)nc->naddrs * (n / nc->block_size);
			uint64_t each = b->hosts ? blocks / b->hosts : blocks;
			n = nc->block_size * (uint32_t)(each < nc->max_blocks ? each : nc->max_blocks);
		} else if (!strcmp(alloc, "deterministic") && nc->sharing_ratio > 0) {
			n /= nc->sharing_ratio;
		}
	} else if (nc->naddrs > 1) {
		b->notes |= PS_CAP_NOTE_ADDRESSES;
	}
	if (nc->per_address_limit && nc->per_address_limit < n)
		n = nc->per_address_limit;
	b->usable_ports = n;
	if (!strcmp(alloc, "nf-nat"))
		b->notes |= PS_CAP_NOTE_NAT_GIVES_UP;
	double weight = 0, hold = 0, linger = 0;
	for (unsigned i = 0; i < sc->npop; i++) {
		const struct ps_population *p = &sc->pop[i];
		if (!ps_population_scaled(p))
			continue;
		ps_time t = (p->mode == PS_MODE_UDP ? nc->udp_linger : nc->tcp_linger) + nc->hold;
		double after = (double)t / (double)PS_NS_PER_S;
		hold += p->rate_per_s * (mean_duration(p) + after);
		linger += p->rate_per_s * after;
		weight += p->rate_per_s;
		/* The inside port comes back before the NAT lets its mapping go. */
		if (!independent && p->mode != PS_MODE_UDP && after > 0 &&
		    sc->time_wait_s * p->client_closes < after)
			b->notes |= PS_CAP_NOTE_NAT_REOPEN;
	}
	b->holding_s = weight > 0 ? hold / weight : NAN;
	b->linger_s = weight > 0 ? linger / weight : NAN;
	if ((uint64_t)b->destinations * b->addresses * b->hosts > 1)
		b->notes |= PS_CAP_NOTE_PER_POOL;
	if (isfinite(b->holding_s) && sc->duration_s < 3 * b->holding_s)
		b->notes |= PS_CAP_NOTE_SHORT_RUN;
}

size_t ps_bounds_pools(const struct ps_scenario *sc, double target, struct ps_pool_spec *out, size_t max)
{
	if (max == 0)
		return 0;
	host_pool(sc, target, &out[0]);
	if (max < 2 || !ps_scenario_has_nat(sc))
		return 1;
	/* The NAT as the run resolves it; a scenario that does not resolve has only its host's forms. */
	struct ps_run_config *cfg = calloc(1, sizeof(*cfg));
	char err[PS_ERR_MAX];
	size_t n = 1;
	if (cfg && ps_run_config_resolve(sc, cfg, err, sizeof(err)) == 0 && cfg->has_nat) {
		nat_pool(sc, cfg, target, &out[0], &out[1]);
		n = 2;
	}
	if (cfg)
		ps_run_config_fini(cfg);
	free(cfg);
	return n;
}

/* A whole number with thousands separators: 64512 -> "64,512". */
static const char *commas(char *buf, size_t size, uint64_t v)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < size; i++) {
		buf[o++] = digits[i];
		if ((n - i - 1) % 3 == 0 && i < n - 1)
			buf[o++] = ',';
	}
	buf[o] = '\0';
	return buf;
}

/* A rate as people say it: 537, 47,015, 1.76. */
static const char *rate_text(char *buf, size_t size, double r)
{
	if (r >= 100 && r < 1e15)
		return commas(buf, size, (uint64_t)llround(r));
	snprintf(buf, size, "%.3g", r);
	return buf;
}

/* Appends to buf (of size) at *at, printf-like. */
static void put(char *buf, size_t size, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t size, size_t *at, const char *fmt, ...)
{
	if (*at >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *at, size - *at, fmt, ap);
	va_end(ap);
	*at = n < 0 ? size : *at + (size_t)n < size ? *at + (size_t)n : size;
}

/* "the NAT's 64,512 ports x 3 destinations held 120.05 s each (0.05 s open + 120 s linger) -> 537/s ...". */
static void describe(const struct ps_pool_bound *b, const char *verb, char *buf, size_t size, size_t *at)
{
	const struct ps_pool_spec *p = &b->pool;
	bool nat = !strcmp(p->name, "nat"), per_host = p->hosts > 1;
	char ports[32], r[32], each[32];
	commas(ports, sizeof(ports), p->usable_ports);
	if (per_host)
		put(buf, size, at, "each inside host's own %s %sports", ports, nat ? "NAT " : "");
	else
		put(buf, size, at, "the %s %s ports", nat ? "NAT's" : "host's", ports);
	if (p->destinations > 1)
		put(buf, size, at, " x %u destinations", p->destinations);
	if (p->addresses > 1)
		put(buf, size, at, " x %u %saddresses", p->addresses, nat ? "external " : "");
	put(buf, size, at, " held %.6g s each (%.6g s open + %.6g s %s)", p->holding_s, p->holding_s - p->linger_s,
	    p->linger_s, nat ? "linger" : "TIME_WAIT");
	if (!per_host) {
		put(buf, size, at, " %s %s/s", verb, rate_text(r, sizeof(r), b->deterministic_per_s));
		return;
	}
	double one = b->deterministic_per_s * p->busiest_share;
	put(buf, size, at, " %s %s/s per host", verb, rate_text(each, sizeof(each), one));
	/* Even: hosts times one; uneven: the busiest host's share decides. */
	if (fabs(p->busiest_share * p->hosts - 1) < 1e-9)
		put(buf, size, at, " x %u hosts = %s/s", p->hosts, rate_text(r, sizeof(r), b->deterministic_per_s));
	else
		put(buf, size, at, ", the busiest host offering %.3g %% of the rate = %s/s in all",
		    100 * p->busiest_share, rate_text(r, sizeof(r), b->deterministic_per_s));
}

char *ps_bounds_explain(const struct ps_pool_bound *b, size_t n, char *buf, size_t size)
{
	size_t at = 0;
	if (size)
		buf[0] = '\0';
	size_t k = ps_bounds_binding(b, n);
	if (n == 0 || !isfinite(b[k].deterministic_per_s))
		return buf;
	put(buf, size, &at, "binding: ");
	describe(&b[k], "->", buf, size, &at);
	for (size_t i = 0; i < n; i++) {
		if (i == k || !isfinite(b[i].deterministic_per_s))
			continue;
		put(buf, size, &at, "; ");
		describe(&b[i], "would allow", buf, size, &at);
	}
	return buf;
}

double ps_bound_deterministic(double ports, double holding_s)
{
	return isfinite(holding_s) && holding_s > 0 ? ports / holding_s : NAN;
}

void ps_bounds_pool(const struct ps_pool_spec *p, struct ps_pool_bound *out)
{
	out->pool = *p;
	double pools = (double)p->destinations * p->addresses;
	/* Pools per inside host run dry first at the busiest host; 1 for a pool all share. */
	double share = p->busiest_share > 0 ? p->busiest_share : 1;
	out->erlang_load = ps_erlang_b_load(p->usable_ports, p->target);
	out->deterministic_per_s = ps_bound_deterministic(p->usable_ports * pools, p->holding_s) / share;
	/* Per pool first, then times the pools: the order the capacity outputs were computed in. */
	out->erlang_per_s = ps_bound_deterministic(out->erlang_load, p->holding_s) * pools / share;
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
