#include "portsim/search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/rng.h"

uint64_t ps_replication_seed(uint64_t base, unsigned k)
{
	if (k == 0)
		return base;
	/* Mixed, so that replication k of seed s is not replication k - 1 of seed s + 1. */
	uint64_t x = base + k;
	return ps_splitmix64(&x);
}

enum ps_status ps_replications_check(unsigned n, char *err, size_t size)
{
	if (n >= 1 && n <= PS_REPLICATIONS_MAX)
		return PS_DONE;
	snprintf(err, size, "replications: %u out of range; allowed: 1 to %d", n, PS_REPLICATIONS_MAX);
	return PS_BAD_INPUT;
}

enum ps_status ps_replication_run(struct ps_scenario *sc, uint64_t base, unsigned k, const char *label,
				  struct ps_run_result *rr, char *err, size_t size)
{
	sc->seed = ps_replication_seed(base, k);
	struct ps_run_options ro = { .out_dir = NULL };
	char rerr[PS_ERR_MAX];
	enum ps_status st = ps_run(sc, &ro, rr, rerr, sizeof(rerr));
	if (st != PS_DONE)
		snprintf(err, size, "%s, replication %u (seed %llu): %s", label, k,
			 (unsigned long long)sc->seed, rerr);
	return st;
}

double ps_failure_ratio(const struct ps_metrics *m)
{
	return m->attempts ? (double)m->failures / (double)m->attempts : 0;
}

enum ps_status ps_search_init(struct ps_search *s, char *err, size_t size)
{
	s->runs = NULL;
	s->points = NULL;
	s->nruns = s->npoints = s->cap_runs = s->cap_points = 0;
	/* ~200 KB: not for the stack. */
	s->sc = malloc(sizeof(*s->sc));
	s->fr = calloc(s->replications ? s->replications : 1, sizeof(*s->fr));
	if (!s->sc || !s->fr) {
		ps_search_fini(s);
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	return PS_DONE;
}

void ps_search_fini(struct ps_search *s)
{
	for (size_t i = 0; i < s->npoints; i++)
		free(s->points[i].why);
	free(s->points);
	free(s->runs);
	free(s->sc);
	free(s->fr);
	s->points = NULL;
	s->runs = NULL;
	s->sc = NULL;
	s->fr = NULL;
	s->nruns = s->npoints = s->cap_runs = s->cap_points = 0;
}

/* array (of *cap elements of size elem) with room for element n: itself, a larger copy, or NULL. */
static void *room_for(void *array, size_t n, size_t *cap, size_t elem, size_t first)
{
	if (n < *cap)
		return array;
	size_t grow = *cap ? 2 * *cap : first;
	void *p = realloc(array, grow * elem);
	if (p)
		*cap = grow;
	return p;
}

/* The scenario at x into s->sc: 0, or -1 with the scenario's refusal in why. */
static int prepare(struct ps_search *s, double x, char *why, size_t size)
{
	*s->sc = *s->base;
	return s->apply(s->arg, x, s->sc, why, size);
}

/* Runs replication k of s->sc, prepared at x; logs the run and reports it. */
static enum ps_status run_prepared(struct ps_search *s, double x, unsigned k, double *fr, char *err,
				   size_t size)
{
	char label[PS_ERR_MAX];
	s->label(s->arg, x, label, sizeof(label));
	struct ps_run_result rr;
	enum ps_status st = ps_replication_run(s->sc, s->base->seed, k, label, &rr, err, size);
	if (st != PS_DONE)
		return st;
	*fr = ps_failure_ratio(&rr.m);
	ps_run_result_fini(&rr);
	struct ps_search_run *runs = room_for(s->runs, s->nruns, &s->cap_runs, sizeof(*runs), 64);
	if (!runs) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	s->runs = runs;
	s->runs[s->nruns++] = (struct ps_search_run){ x, k, *fr };
	if (s->progress)
		s->progress(s->progress_arg, k, x, *fr);
	return PS_DONE;
}

enum ps_status ps_search_run(struct ps_search *s, double x, unsigned k, double *fr, char *err,
			     size_t size)
{
	char why[PS_ERR_MAX];
	if (prepare(s, x, why, sizeof(why)) != 0) {
		*fr = NAN;
		return PS_DONE;
	}
	return run_prepared(s, x, k, fr, err, size);
}

const struct ps_search_point *ps_search_find(const struct ps_search *s, double x)
{
	for (size_t i = 0; i < s->npoints; i++)
		if (s->points[i].x == x)
			return &s->points[i];
	return NULL;
}

static char *copy_text(const char *s)
{
	size_t n = strlen(s) + 1;
	char *c = malloc(n);
	if (c)
		memcpy(c, s, n);
	return c;
}

enum ps_status ps_search_eval(struct ps_search *s, double x, struct ps_search_point *out, char *err,
			      size_t size)
{
	const struct ps_search_point *seen = ps_search_find(s, x);
	if (seen) {
		*out = *seen;
		return PS_DONE;
	}
	struct ps_search_point *points = room_for(s->points, s->npoints, &s->cap_points, sizeof(*points), 32);
	if (!points) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	s->points = points;
	struct ps_search_point p = { .x = x, .worst = NAN };
	p.failure_ratio.mean = p.failure_ratio.low = p.failure_ratio.high = NAN;
	char why[PS_ERR_MAX];
	if (prepare(s, x, why, sizeof(why)) != 0) {
		/* Not an error: a preset's limit or a NAT's needs bound the values, and they fail. */
		p.why = copy_text(why);
		if (!p.why) {
			snprintf(err, size, "out of memory");
			return PS_FAILED;
		}
	} else {
		bool all = true;
		for (unsigned k = 0; k < s->replications; k++) {
			enum ps_status st = run_prepared(s, x, k, &s->fr[k], err, size);
			if (st != PS_DONE)
				return st;
			all = all && s->fr[k] <= s->target;
		}
		p.valid = true;
		p.pass = all;
		ps_stats_ci95(s->fr, s->replications, &p.failure_ratio);
		p.worst = s->fr[0];
		for (unsigned k = 1; k < s->replications; k++)
			p.worst = fmax(p.worst, s->fr[k]);
	}
	s->points[s->npoints++] = p;
	*out = p;
	return PS_DONE;
}

enum ps_status ps_search_largest(struct ps_search *s, unsigned k, double start, double least,
				 double ceiling, double tolerance, struct ps_bracket *b, char *err,
				 size_t size)
{
	double fr, target = s->target;
	enum ps_status st;
	b->unbounded = false;
	if ((st = ps_search_run(s, start, k, &fr, err, size)) != PS_DONE)
		return st;
	if (fr <= target) {
		b->lo = start;
		for (;;) {
			b->hi = fmin(b->lo * 2, ceiling);
			if (b->hi <= b->lo) {
				b->unbounded = true;
				return PS_DONE;
			}
			if ((st = ps_search_run(s, b->hi, k, &fr, err, size)) != PS_DONE)
				return st;
			if (!(fr <= target))
				break;
			b->lo = b->hi;
		}
	} else {
		b->hi = start;
		for (;;) {
			b->lo = b->hi / 2;
			if (b->lo < least) {
				b->lo = 0;
				return PS_DONE;
			}
			if ((st = ps_search_run(s, b->lo, k, &fr, err, size)) != PS_DONE)
				return st;
			if (fr <= target)
				break;
			b->hi = b->lo;
		}
	}
	while (b->hi - b->lo > tolerance * b->lo) {
		double mid = (b->lo + b->hi) / 2;
		if ((st = ps_search_run(s, mid, k, &fr, err, size)) != PS_DONE)
			return st;
		if (fr <= target)
			b->lo = mid;
		else
			b->hi = mid;
	}
	return PS_DONE;
}

enum ps_status ps_search_smallest(struct ps_search *s, uint64_t min, uint64_t max, uint64_t *answer,
				  bool *found, char *err, size_t size)
{
	struct ps_search_point p;
	enum ps_status st;
	*found = false;
	/* Upward from the minimum, doubling, until a value passes (or the maximum fails). */
	uint64_t v = min, lo = 0;
	bool failed_below = false;
	for (;;) {
		if ((st = ps_search_eval(s, (double)v, &p, err, size)) != PS_DONE)
			return st;
		if (p.pass || v == max)
			break;
		lo = v;
		failed_below = true;
		v = v == 0 ? 1 : v > max / 2 ? max : 2 * v;
	}
	if (!p.pass)
		return PS_DONE;
	/* lo fails, v passes: bisect the integers between them. */
	uint64_t hi = v;
	while (failed_below && hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if ((st = ps_search_eval(s, (double)mid, &p, err, size)) != PS_DONE)
			return st;
		if (p.pass)
			hi = mid;
		else
			lo = mid;
	}
	*answer = hi;
	*found = true;
	return PS_DONE;
}
