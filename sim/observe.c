#include "portsim/observe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- log-binned histogram ---- */

int ps_loghist_init(struct ps_loghist *h, double lo, double hi, unsigned per_decade)
{
	memset(h, 0, sizeof(*h));
	if (!(lo > 0) || !(hi > lo) || per_decade == 0 || !isfinite(hi))
		return -1;
	/* The epsilon keeps an exact number of decades (1e-9 .. 1e9) from gaining a bin to rounding. */
	double nb = ceil(log10(hi / lo) * per_decade - 1e-6);
	if (nb < 1)
		nb = 1;
	if (nb > 1e7)
		return -1;
	h->bins = calloc((size_t)nb, sizeof(*h->bins));
	if (!h->bins)
		return -1;
	h->nbins = (uint32_t)nb;
	h->per_decade = per_decade;
	h->lo = lo;
	return 0;
}

void ps_loghist_fini(struct ps_loghist *h)
{
	free(h->bins);
	memset(h, 0, sizeof(*h));
}

static double edge(const struct ps_loghist *h, uint32_t i)
{
	return h->lo * pow(10.0, (double)i / h->per_decade);
}

static uint32_t bin_of(const struct ps_loghist *h, double v)
{
	double b = floor(log10(v / h->lo) * h->per_decade);
	if (!(b > 0))
		return 0;
	return b >= h->nbins ? h->nbins - 1 : (uint32_t)b;
}

/*
 * The values bin i can hold, narrowed to the observed extremes: the last bin
 * also holds everything at or above hi, which only max bounds.
 */
static void bin_span(const struct ps_loghist *h, uint32_t i, double *a, double *b)
{
	*a = fmax(edge(h, i), h->min);
	*b = i + 1 == h->nbins ? h->max : fmin(edge(h, i + 1), h->max);
	if (*b < *a)
		*b = *a;
}

void ps_loghist_add(struct ps_loghist *h, double v)
{
	if (isnan(v))
		return;
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (h->n == 0 || v > h->max)
		h->max = v;
	h->n++;
	if (v < h->lo)
		h->low++;
	else
		h->bins[bin_of(h, v)]++;
}

void ps_loghist_merge(struct ps_loghist *into, const struct ps_loghist *from)
{
	/* Different layouts cannot be added bin by bin; a caller bug, so refuse rather than guess. */
	if (from->n == 0 || into->nbins != from->nbins || into->per_decade != from->per_decade ||
	    into->lo != from->lo)
		return;
	if (into->n == 0 || from->min < into->min)
		into->min = from->min;
	if (into->n == 0 || from->max > into->max)
		into->max = from->max;
	into->n += from->n;
	into->low += from->low;
	for (uint32_t i = 0; i < into->nbins; i++)
		into->bins[i] += from->bins[i];
}

double ps_loghist_quantile(const struct ps_loghist *h, double q)
{
	if (h->n == 0)
		return NAN;
	if (!(q > 0))
		return h->min;
	if (q >= 1)
		return h->max;
	double target = q * (double)h->n;
	double seen = (double)h->low;
	/* Values below lo are not binned; the only one we know is min. */
	if (target <= seen)
		return h->min;
	for (uint32_t i = 0; i < h->nbins; i++) {
		if (h->bins[i] == 0)
			continue;
		if (seen + (double)h->bins[i] >= target) {
			double a, b;
			bin_span(h, i, &a, &b);
			/* Log-uniform within the bin: exact for the log spacing, and < 0.1 % off for linear data. */
			double v = a * pow(b / a, (target - seen) / (double)h->bins[i]);
			return fmin(fmax(v, h->min), h->max);
		}
		seen += (double)h->bins[i];
	}
	return h->max;
}

double ps_loghist_cdf(const struct ps_loghist *h, double v)
{
	if (h->n == 0 || v < h->min)
		return 0.0;
	if (v >= h->max)
		return 1.0;
	if (v < h->lo)
		return (double)h->low / (double)h->n;
	uint32_t k = bin_of(h, v);
	double seen = (double)h->low;
	for (uint32_t i = 0; i < k; i++)
		seen += (double)h->bins[i];
	if (h->bins[k]) {
		double a, b;
		bin_span(h, k, &a, &b);
		double frac = b > a ? log(v / a) / log(b / a) : 1.0;
		seen += (double)h->bins[k] * fmin(fmax(frac, 0.0), 1.0);
	}
	return seen / (double)h->n;
}

/* ---- predictability ---- */

static int predict_init(struct ps_predict *p, uint32_t n)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->count = calloc(n, sizeof(*p->count));
	return p->count ? 0 : -1;
}

static void predict_fini(struct ps_predict *p)
{
	free(p->count);
	memset(p, 0, sizeof(*p));
}

/* Orders differences by frequency, then by value, so the top list never depends on history. */
static bool ranks_above(const struct ps_predict *p, uint32_t a, uint32_t b)
{
	return p->count[a] > p->count[b] || (p->count[a] == p->count[b] && a < b);
}

static void predict_step(struct ps_predict *p, uint32_t prev, uint32_t idx)
{
	/* Port indexes are below n, where the difference needs no division. */
	uint32_t d = idx < p->n && prev < p->n ? (idx >= prev ? idx - prev : idx + p->n - prev)
					       : (uint32_t)(((uint64_t)idx + p->n - prev % p->n) % p->n);
	unsigned pos = p->ntop;
	for (unsigned i = 0; i < p->ntop; i++) {
		if (p->top[i] == d) {
			pos = i; /* the list holds each difference once */
			break;
		}
	}
	/* Judged against the differences seen before this one: a predictor cannot peek. */
	for (unsigned g = pos + 1; g <= PS_PREDICT_G && pos < p->ntop; g++)
		p->hits[g]++;
	p->trials++;

	/* Saturate rather than wrap: a wrapped count would drop the commonest difference off the list. */
	if (p->count[d] < UINT32_MAX)
		p->count[d]++;
	/*
	 * Only d's rank rose, so everything outside the list still ranks below
	 * its last entry; d enters (at the end) if it now beats that entry, then
	 * rises to its place.
	 */
	if (pos == p->ntop) {
		if (p->ntop < PS_PREDICT_G)
			pos = p->ntop++;
		else if (ranks_above(p, d, p->top[PS_PREDICT_G - 1]))
			pos = PS_PREDICT_G - 1;
		else
			return;
		p->top[pos] = d;
	}
	while (pos > 0 && ranks_above(p, d, p->top[pos - 1])) {
		p->top[pos] = p->top[pos - 1];
		p->top[--pos] = d;
	}
}

double ps_observe_predictability(const struct ps_observe *o, bool same_dst, unsigned g)
{
	const struct ps_predict *p = same_dst ? &o->same_dst : &o->any_dst;
	if (p->trials == 0 || g == 0)
		return 0.0;
	if (g > PS_PREDICT_G)
		g = PS_PREDICT_G;
	return (double)p->hits[g] / (double)p->trials;
}

/* ---- the observer ---- */

int ps_observe_init(struct ps_observe *o, uint32_t naddrs, uint32_t n, uint32_t ndsts)
{
	memset(o, 0, sizeof(*o));
	o->last_port = UINT32_MAX;
	if (naddrs == 0 || n == 0 || ndsts == 0)
		return -1;
	o->naddrs = naddrs;
	o->n = n;
	o->ndsts = ndsts;
	size_t ports = (size_t)naddrs * n;
	if (ports / n != naddrs)
		goto fail;
	/* Zeroed pages cost nothing until touched: thousands of inside hosts stay cheap. */
	o->released = calloc(ports, sizeof(*o->released));
	o->last_port_to = malloc((size_t)ndsts * sizeof(*o->last_port_to));
	if (!o->released || !o->last_port_to)
		goto fail;
	for (uint32_t i = 0; i < ndsts; i++)
		o->last_port_to[i] = UINT32_MAX;
	/* 1 ns .. 1e8 s (and more), and 1 .. 1e12 allocations: every run fits, at ~1 % error. */
	if (ps_loghist_init(&o->reuse_s, 1e-9, 1e9, 100) ||
	    ps_loghist_init(&o->reuse_allocs, 1.0, 1e12, 100) ||
	    predict_init(&o->same_dst, n) || predict_init(&o->any_dst, n))
		goto fail;
	return 0;
fail:
	ps_observe_fini(o);
	return -1;
}

void ps_observe_fini(struct ps_observe *o)
{
	free(o->released);
	free(o->last_port_to);
	ps_loghist_fini(&o->reuse_s);
	ps_loghist_fini(&o->reuse_allocs);
	predict_fini(&o->same_dst);
	predict_fini(&o->any_dst);
	memset(o, 0, sizeof(*o));
	o->last_port = UINT32_MAX;
}

int ps_observe_alloc(struct ps_observe *o, uint32_t addr, uint32_t idx, uint32_t dst, ps_time now,
		     bool port_was_free, bool peer_held)
{
	struct ps_release *r = &o->released[(size_t)addr * o->n + idx];
	if (r->at != 0) {
		/*
		 * A port that is not free was taken since its release by something
		 * we did not see; the gap would span that use, so drop it.
		 */
		if (port_was_free) {
			ps_loghist_add(&o->reuse_s, (double)(now - (r->at - 1)) / PS_NS_PER_S);
			ps_loghist_add(&o->reuse_allocs, (double)(o->allocs - r->alloc));
		}
		r->at = 0;
	}

	o->peer_tw_collisions += peer_held;

	if (o->last_port_to[dst] != UINT32_MAX)
		predict_step(&o->same_dst, o->last_port_to[dst], idx);
	o->last_port_to[dst] = idx;
	if (o->last_port != UINT32_MAX)
		predict_step(&o->any_dst, o->last_port, idx);
	o->last_port = idx;

	o->allocs++;
	return 0;
}

void ps_observe_release(struct ps_observe *o, uint32_t addr, uint32_t idx, ps_time now)
{
	o->released[(size_t)addr * o->n + idx] = (struct ps_release){ .at = now + 1, .alloc = o->allocs };
}
