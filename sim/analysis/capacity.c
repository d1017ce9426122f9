#include "portsim/capacity.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/alloc.h"
#include "portsim/csv.h"

/* The schema's ceiling for one population's rate_per_s. */
#define RATE_MAX 1e7
#define RATE_MIN 1e-6

int ps_capacity_scale(const struct ps_scenario *sc, double rate_per_s, struct ps_scenario *out)
{
	double base = ps_scaled_rate(sc);
	if (out != sc)
		*out = *sc;
	if (!(base > 0))
		return -1;
	double f = rate_per_s / base;
	for (unsigned i = 0; i < out->npop; i++) {
		struct ps_population *p = &out->pop[i];
		if (!ps_population_scaled(p))
			continue;
		p->rate_per_s *= f;
		p->rate_end_per_s *= f;
	}
	return 0;
}

void ps_capacity_bounds(const struct ps_scenario *sc, double target, struct ps_capacity_bounds *b)
{
	struct ps_pool_bound all[PS_BOUNDS_POOLS_MAX];
	size_t n = ps_bounds(sc, target, all, PS_BOUNDS_POOLS_MAX);
	const struct ps_pool_bound *x = &all[ps_bounds_binding(all, n)];
	memset(b, 0, sizeof(*b));
	b->pool = x->pool.name;
	b->usable_ports = x->pool.usable_ports;
	b->destinations = x->pool.destinations;
	b->addresses = x->pool.addresses;
	b->holding_s = x->pool.holding_s;
	b->deterministic_per_s = x->deterministic_per_s;
	b->erlang_load = x->erlang_load;
	b->erlang_per_s = x->erlang_per_s;
	b->scenario_rate_per_s = x->pool.offered_per_s;
	b->notes = x->pool.notes;
}

void ps_capacity_result_fini(struct ps_capacity_result *res)
{
	free(res->found);
	free(res->tried);
	free(res->sweep);
	memset(res, 0, sizeof(*res));
}

struct search {
	const struct ps_scenario *sc;
	const struct ps_capacity_options *opt;
	struct ps_scenario *run_sc;   /* scratch copy, ~200 KB */
	struct ps_capacity_result *res;
	size_t cap_tried;
	char *err;
	size_t size;
};

/* One run at total rate `rate` with replication k's seed; its failure ratio into *fr. */
static enum ps_status try_rate(struct search *s, double rate, unsigned k, double *fr)
{
	ps_capacity_scale(s->sc, rate, s->run_sc);
	s->run_sc->seed = ps_replication_seed(s->sc->seed, k);
	struct ps_run_options ro = { .out_dir = NULL };
	struct ps_run_result rr;
	char rerr[PS_ERR_MAX];
	enum ps_status st = ps_run(s->run_sc, &ro, &rr, rerr, sizeof(rerr));
	if (st != PS_DONE) {
		snprintf(s->err, s->size, "rate %.6g/s, replication %u (seed %llu): %s", rate, k,
			 (unsigned long long)s->run_sc->seed, rerr);
		return st;
	}
	*fr = rr.m.attempts ? (double)rr.m.failures / (double)rr.m.attempts : 0;
	ps_run_result_fini(&rr);
	struct ps_capacity_result *res = s->res;
	if (res->ntried == s->cap_tried) {
		size_t cap = s->cap_tried ? 2 * s->cap_tried : 64;
		struct ps_capacity_point *t = realloc(res->tried, cap * sizeof(*t));
		if (!t) {
			snprintf(s->err, s->size, "out of memory");
			return PS_FAILED;
		}
		res->tried = t;
		s->cap_tried = cap;
	}
	res->tried[res->ntried++] = (struct ps_capacity_point){ rate, k, *fr };
	if (s->opt->progress)
		s->opt->progress(s->opt->progress_arg, k, rate, *fr);
	return PS_DONE;
}

/* The highest total rate one replication sustains: *lo verified, *hi failed (or the ceiling). */
static enum ps_status bisect(struct search *s, unsigned k, double start, double ceiling, double *lo,
			     double *hi, bool *unbounded)
{
	double tol = s->opt->tolerance > 0 ? s->opt->tolerance : 0.01, fr;
	double target = s->opt->max_failure, floor_rate = RATE_MIN * s->sc->npop;
	enum ps_status st;
	*unbounded = false;
	if ((st = try_rate(s, start, k, &fr)) != PS_DONE)
		return st;
	if (fr <= target) {
		*lo = start;
		for (;;) {
			*hi = fmin(*lo * 2, ceiling);
			if (*hi <= *lo) {
				*unbounded = true;
				return PS_DONE;
			}
			if ((st = try_rate(s, *hi, k, &fr)) != PS_DONE)
				return st;
			if (fr > target)
				break;
			*lo = *hi;
		}
	} else {
		*hi = start;
		for (;;) {
			*lo = *hi / 2;
			if (*lo < floor_rate) {
				*lo = 0;
				return PS_DONE;
			}
			if ((st = try_rate(s, *lo, k, &fr)) != PS_DONE)
				return st;
			if (fr <= target)
				break;
			*hi = *lo;
		}
	}
	while (*hi - *lo > tol * *lo) {
		double mid = (*lo + *hi) / 2;
		if ((st = try_rate(s, mid, k, &fr)) != PS_DONE)
			return st;
		if (fr <= target)
			*lo = mid;
		else
			*hi = mid;
	}
	return PS_DONE;
}

static void fmt_num(char *buf, size_t size, double v)
{
	if (isnan(v))
		buf[0] = '\0';
	else
		snprintf(buf, size, "%.10g", v);
}

static int cmp_point(const void *a, const void *b)
{
	const struct ps_capacity_point *x = a, *y = b;
	if (x->rate_per_s != y->rate_per_s)
		return x->rate_per_s < y->rate_per_s ? -1 : 1;
	return (x->replication > y->replication) - (x->replication < y->replication);
}

static const char curve_header[] = "rate_per_s,failure_ratio,ci95_low,ci95_high,n";

static int write_search_csv(struct ps_capacity_result *res, const char *dir)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, "capacity.csv", curve_header) != 0)
		return -1;
	/* Sorted by rate so a plot draws the curve; each point is one replication's run. */
	qsort(res->tried, res->ntried, sizeof(*res->tried), cmp_point);
	for (size_t i = 0; i < res->ntried; i++) {
		const struct ps_capacity_point *p = &res->tried[i];
		fprintf(c.f, "%.10g,%.10g,%.10g,%.10g,1\n", p->rate_per_s, p->failure_ratio,
			p->failure_ratio, p->failure_ratio);
	}
	if (ps_csv_commit(&c) != 0)
		return -1;
	if (ps_csv_open(&c, dir, "capacity_summary.csv", "metric,value") != 0)
		return -1;
	const struct ps_capacity_bounds *b = &res->bounds;
	const struct {
		const char *name;
		double v;
	} rows[] = {
		{ "target_failure_ratio", res->target },
		{ "replications", res->replications },
		{ "capacity_per_s", res->capacity.mean },
		{ "capacity_ci95_low", res->capacity.low },
		{ "capacity_ci95_high", res->capacity.high },
		{ "bisection_step_per_s", res->step_per_s },
		{ "unbounded", res->unbounded },
		{ "deterministic_bound_per_s", b->deterministic_per_s },
		{ "erlang_b_per_s", b->erlang_per_s },
		{ "erlang_b_load", b->erlang_load },
		{ "usable_ports", b->usable_ports },
		{ "destinations", b->destinations },
		{ "addresses", b->addresses },
		{ "holding_s", b->holding_s },
		{ "scenario_rate_per_s", b->scenario_rate_per_s },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char v[64];
		fmt_num(v, sizeof(v), rows[i].v);
		fprintf(c.f, "%s,%s\n", rows[i].name, v);
	}
	return ps_csv_commit(&c);
}

static enum ps_status check_options(const struct ps_scenario *sc, const struct ps_capacity_options *opt,
				    char *err, size_t size)
{
	if (opt->replications < 1 || opt->replications > PS_REPLICATIONS_MAX) {
		snprintf(err, size, "replications: %u out of range; allowed: 1 to %d", opt->replications,
			 PS_REPLICATIONS_MAX);
		return PS_BAD_INPUT;
	}
	if (!(opt->max_failure > 0 && opt->max_failure < 1)) {
		snprintf(err, size, "max-failure: %g out of range; allowed: above 0 and below 1",
			 opt->max_failure);
		return PS_BAD_INPUT;
	}
	if (!(ps_scaled_rate(sc) > 0)) {
		snprintf(err, size, "%s: no population whose rate can be scaled (burst and replay "
			 "populations keep their own)", sc->name);
		return PS_BAD_INPUT;
	}
	return PS_DONE;
}

/* The largest total rate that keeps every scaled population within the schema's limit. */
static double rate_ceiling(const struct ps_scenario *sc)
{
	double base = ps_scaled_rate(sc), top = 0;
	for (unsigned i = 0; i < sc->npop; i++) {
		const struct ps_population *p = &sc->pop[i];
		if (ps_population_scaled(p))
			top = fmax(top, fmax(p->rate_per_s, p->rate_end_per_s));
	}
	return top > 0 ? base * RATE_MAX / top : RATE_MAX;
}

enum ps_status ps_capacity_search(const struct ps_scenario *sc, const struct ps_capacity_options *opt,
				  struct ps_capacity_result *res, char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
	enum ps_status st = check_options(sc, opt, err, size);
	if (st != PS_DONE)
		return st;
	unsigned reps = opt->replications;
	ps_capacity_bounds(sc, opt->max_failure, &res->bounds);
	res->target = opt->max_failure;
	res->replications = reps;
	struct search s = { .sc = sc, .opt = opt, .res = res, .err = err, .size = size };
	s.run_sc = malloc(sizeof(*s.run_sc));
	res->found = calloc(reps, sizeof(*res->found));
	if (!s.run_sc || !res->found) {
		free(s.run_sc);
		ps_capacity_result_fini(res);
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	double ceiling = rate_ceiling(sc);
	/* The bound is where the answer usually is; the scenario's own rate when there is none. */
	double start = res->bounds.deterministic_per_s;
	if (!(start > 0) || !isfinite(start))
		start = res->bounds.scenario_rate_per_s;
	start = fmin(start, ceiling);
	for (unsigned k = 0; k < reps && st == PS_DONE; k++) {
		double lo = 0, hi = 0;
		bool unbounded = false;
		st = bisect(&s, k, start, ceiling, &lo, &hi, &unbounded);
		if (st != PS_DONE)
			break;
		res->found[k] = lo;
		res->unbounded = res->unbounded || unbounded;
		if (!unbounded)
			res->step_per_s = fmax(res->step_per_s, hi - lo);
	}
	free(s.run_sc);
	if (st == PS_DONE) {
		ps_stats_ci95(res->found, reps, &res->capacity);
		if (opt->out_dir && write_search_csv(res, opt->out_dir) != 0) {
			snprintf(err, size, "cannot write into \"%s\": %s", opt->out_dir, strerror(errno));
			st = PS_FAILED;
		}
	}
	if (st != PS_DONE)
		ps_capacity_result_fini(res);
	return st;
}

enum ps_status ps_capacity_sweep(const struct ps_scenario *sc, const struct ps_capacity_options *opt,
				 double from, double to, double step, struct ps_capacity_result *res,
				 char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
	struct ps_capacity_options o = *opt;
	if (!(o.max_failure > 0 && o.max_failure < 1))
		o.max_failure = 0.001;
	enum ps_status st = check_options(sc, &o, err, size);
	if (st != PS_DONE)
		return st;
	if (!(from > 0 && from <= to && step > 0) || !isfinite(to)) {
		snprintf(err, size, "sweep %g:%g:%g: need 0 < FROM <= TO and STEP > 0", from, to, step);
		return PS_BAD_INPUT;
	}
	/* The epsilon keeps 100:1000:50 from losing 1000 to rounding. */
	double npts = floor((to - from) / step + 1e-9) + 1;
	if (npts > PS_SWEEP_MAX) {
		snprintf(err, size, "sweep %g:%g:%g: %.0f points; allowed: at most %d", from, to, step,
			 npts, PS_SWEEP_MAX);
		return PS_BAD_INPUT;
	}
	if (to > rate_ceiling(sc)) {
		snprintf(err, size, "sweep up to %g/s: above the largest rate a population may have "
			 "(%g/s in total)", to, rate_ceiling(sc));
		return PS_BAD_INPUT;
	}
	unsigned reps = o.replications;
	ps_capacity_bounds(sc, o.max_failure, &res->bounds);
	res->target = o.max_failure;
	res->replications = reps;
	res->nsweep = (size_t)npts;
	struct search s = { .sc = sc, .opt = &o, .res = res, .err = err, .size = size };
	s.run_sc = malloc(sizeof(*s.run_sc));
	res->sweep = calloc(res->nsweep, sizeof(*res->sweep));
	double *fr = calloc(reps, sizeof(*fr));
	if (!s.run_sc || !res->sweep || !fr) {
		free(s.run_sc);
		free(fr);
		ps_capacity_result_fini(res);
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	for (size_t i = 0; i < res->nsweep && st == PS_DONE; i++) {
		double rate = from + (double)i * step;
		for (unsigned k = 0; k < reps && st == PS_DONE; k++)
			st = try_rate(&s, rate, k, &fr[k]);
		res->sweep[i].rate_per_s = rate;
		ps_stats_ci95(fr, reps, &res->sweep[i].failure_ratio);
	}
	free(s.run_sc);
	free(fr);
	if (st == PS_DONE && o.out_dir) {
		struct ps_csv c;
		int bad = ps_csv_open(&c, o.out_dir, "capacity.csv", curve_header) != 0;
		for (size_t i = 0; !bad && i < res->nsweep; i++) {
			const struct ps_sweep_point *p = &res->sweep[i];
			fprintf(c.f, "%.10g,%.10g,%.10g,%.10g,%zu\n", p->rate_per_s, p->failure_ratio.mean,
				p->failure_ratio.low, p->failure_ratio.high, p->failure_ratio.n);
		}
		if (bad || ps_csv_commit(&c) != 0) {
			snprintf(err, size, "cannot write into \"%s\": %s", o.out_dir, strerror(errno));
			st = PS_FAILED;
		}
	}
	if (st != PS_DONE)
		ps_capacity_result_fini(res);
	return st;
}

/* Solve: the smallest value of an integer key that meets the target at the scenario's own rate. */

struct solver {
	const struct ps_scenario *sc;
	const struct ps_capacity_options *opt;
	struct ps_scenario *run_sc;   /* scratch copy with the value set */
	struct ps_solve_result *res;
	size_t cap_tried;
	double *fr;                   /* [replications] */
	char *err;
	size_t size;
};

void ps_solve_result_fini(struct ps_solve_result *res)
{
	for (size_t i = 0; i < res->ntried; i++)
		free(res->tried[i].why);
	free(res->tried);
	memset(res, 0, sizeof(*res));
}

const struct ps_solve_point *ps_solve_find(const struct ps_solve_result *res, uint64_t v)
{
	for (size_t i = 0; i < res->ntried; i++)
		if (res->tried[i].value == v)
			return &res->tried[i];
	return NULL;
}

/* A whole number of decimal digits at text, into *v; *end past it. No sign: strtoull takes "-1". */
static bool whole(const char *text, uint64_t *v, const char **end)
{
	char *e;
	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	unsigned long long u = strtoull(text, &e, 10);
	if (errno)
		return false;
	*v = u;
	*end = e;
	return true;
}

/*
 * Checks that key names an integer key with a range in sc's schema and
 * finds that range. The schema is private to the parser, so this reads its
 * documentation ("MIN to MAX" or "MIN to MAX (unit)") and then asks the
 * parser itself: a key that takes MIN.5 holds a real number, whatever its
 * bounds look like (time_wait_s is "0 to 3600").
 */
static enum ps_status solve_key(const struct ps_scenario *sc, const char *key, uint64_t *min,
				uint64_t *max, char *err, size_t size)
{
	const char *dot = strrchr(key, '.');
	size_t len = strlen(key);
	if (len >= PS_SOLVE_KEY_MAX || !dot || dot == key || !dot[1] || strpbrk(key, "= \t")) {
		snprintf(err, size, "solve \"%.60s\": expected SECTION.KEY, e.g. nat.addresses, "
			 "host.addresses or workload.NAME.hosts", key);
		return PS_BAD_INPUT;
	}
	char section[PS_SOLVE_KEY_MAX];
	memcpy(section, key, (size_t)(dot - key));
	section[dot - key] = '\0';
	const char *name = dot + 1;
	bool workload = !strncmp(section, "workload.", 9);
	if (workload) {
		/* ps_scenario_set would create a population that is not there. */
		unsigned i = 0;
		while (i < sc->npop && strcmp(sc->pop[i].name, section + 9))
			i++;
		if (i == sc->npop) {
			int n = snprintf(err, size, "solve %s: the scenario has no population \"%s\"; it has",
					 key, section + 9);
			for (unsigned j = 0; j < sc->npop && n >= 0 && (size_t)n < size; j++)
				n += snprintf(err + n, size - (size_t)n, "%s [workload.%s]", j ? "," : "",
					      sc->pop[j].name);
			return PS_BAD_INPUT;
		}
	}
	if (!strcmp(key, "run.seed")) {
		snprintf(err, size, "solve run.seed: every replication sets its own seed; "
			 "the seed is not a quantity to solve for");
		return PS_BAD_INPUT;
	}
	struct ps_key_doc doc;
	size_t i = 0, n = ps_scenario_nkeys();
	for (; i < n; i++) {
		ps_scenario_key_doc(i, &doc);
		if (!strcmp(doc.name, name) && !strcmp(doc.section, workload ? "workload.NAME" : section))
			break;
	}
	struct ps_scenario *tmp = malloc(sizeof(*tmp));
	if (!tmp) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	enum ps_status st = PS_BAD_INPUT;
	char assignment[PS_SOLVE_KEY_MAX + 48], perr[PS_ERR_MAX];
	*tmp = *sc;
	if (i == n) {
		/* The parser's own message, with its "did you mean". */
		snprintf(assignment, sizeof(assignment), "%s=1", key);
		if (ps_scenario_set(tmp, assignment, perr, sizeof(perr)) != 0) {
			/* Less the "--set KEY=1: " it starts with: the user typed no such thing. */
			const char *why = strstr(perr, ": ");
			why = !strncmp(perr, "--set ", 6) && why ? why + 2 : perr;
			snprintf(err, size, "solve %s: %s", key, why);
		} else {
			snprintf(err, size, "solve %s: unknown key", key);
		}
		goto out;
	}
	const char *e;
	if (!whole(doc.allowed, min, &e) || strncmp(e, " to ", 4) || !whole(e + 4, max, &e) ||
	    (*e && strncmp(e, " (", 2)) || *min > *max)
		goto not_integer;
	snprintf(assignment, sizeof(assignment), "%s=%" PRIu64 ".5", key, *min);
	if (ps_scenario_set(tmp, assignment, perr, sizeof(perr)) == 0)
		goto not_integer;
	st = PS_DONE;
	goto out;
not_integer:
	snprintf(err, size, "solve %s: not an integer key with a range (allowed: %s); --solve needs "
		 "one such as nat.addresses, host.addresses or workload.NAME.hosts", key, doc.allowed);
out:
	free(tmp);
	return st;
}

static char *copy_text(const char *s)
{
	size_t n = strlen(s) + 1;
	char *c = malloc(n);
	if (c)
		memcpy(c, s, n);
	return c;
}

/* Runs every replication with key = v; *pass when each one meets the target. */
static enum ps_status try_value(struct solver *s, uint64_t v, bool *pass)
{
	struct ps_solve_result *res = s->res;
	const struct ps_solve_point *seen = ps_solve_find(res, v);
	if (seen) {
		*pass = seen->pass;
		return PS_DONE;
	}
	if (res->ntried == s->cap_tried) {
		size_t cap = s->cap_tried ? 2 * s->cap_tried : 32;
		struct ps_solve_point *t = realloc(res->tried, cap * sizeof(*t));
		if (!t) {
			snprintf(s->err, s->size, "out of memory");
			return PS_FAILED;
		}
		res->tried = t;
		s->cap_tried = cap;
	}
	struct ps_solve_point *pt = &res->tried[res->ntried];
	memset(pt, 0, sizeof(*pt));
	pt->value = v;
	pt->failure_ratio.mean = pt->failure_ratio.low = pt->failure_ratio.high = NAN;
	pt->worst = NAN;
	res->ntried++;
	*pass = false;

	char assignment[PS_SOLVE_KEY_MAX + 32], verr[PS_ERR_MAX];
	snprintf(assignment, sizeof(assignment), "%s=%" PRIu64, res->key, v);
	*s->run_sc = *s->sc;
	if (ps_scenario_set(s->run_sc, assignment, verr, sizeof(verr)) != 0 ||
	    ps_scenario_validate(s->run_sc, verr, sizeof(verr)) != 0) {
		/* Not an error: a preset's limit or a NAT's needs bound the values, and they fail. */
		pt->why = copy_text(verr);
		if (!pt->why) {
			snprintf(s->err, s->size, "out of memory");
			return PS_FAILED;
		}
		return PS_DONE;
	}
	bool all = true;
	for (unsigned k = 0; k < res->replications; k++) {
		s->run_sc->seed = ps_replication_seed(s->sc->seed, k);
		struct ps_run_options ro = { .out_dir = NULL };
		struct ps_run_result rr;
		char rerr[PS_ERR_MAX];
		enum ps_status st = ps_run(s->run_sc, &ro, &rr, rerr, sizeof(rerr));
		if (st != PS_DONE) {
			snprintf(s->err, s->size, "%s = %" PRIu64 ", replication %u (seed %llu): %s", res->key,
				 v, k, (unsigned long long)s->run_sc->seed, rerr);
			return st;
		}
		double fr = rr.m.attempts ? (double)rr.m.failures / (double)rr.m.attempts : 0;
		ps_run_result_fini(&rr);
		s->fr[k] = fr;
		all = all && fr <= res->target;
		if (s->opt->progress)
			s->opt->progress(s->opt->progress_arg, k, (double)v, fr);
	}
	pt->valid = true;
	pt->pass = *pass = all;
	ps_stats_ci95(s->fr, res->replications, &pt->failure_ratio);
	pt->worst = s->fr[0];
	for (unsigned k = 1; k < res->replications; k++)
		pt->worst = fmax(pt->worst, s->fr[k]);
	return PS_DONE;
}

static int cmp_solve_point(const void *a, const void *b)
{
	const struct ps_solve_point *x = a, *y = b;
	return (x->value > y->value) - (x->value < y->value);
}

static int write_solve_csv(const struct ps_solve_result *res, const char *dir)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, "capacity_solve.csv", "value,failure_ratio,ci95_low,ci95_high,n") != 0)
		return -1;
	/* Only the values simulated: a refused value has no failure ratio to plot. */
	for (size_t i = 0; i < res->ntried; i++) {
		const struct ps_solve_point *p = &res->tried[i];
		if (p->valid)
			fprintf(c.f, "%" PRIu64 ",%.10g,%.10g,%.10g,%zu\n", p->value, p->failure_ratio.mean,
				p->failure_ratio.low, p->failure_ratio.high, p->failure_ratio.n);
	}
	return ps_csv_commit(&c);
}

/* The message for a search in which no value met the target. */
static void explain_no_answer(const struct ps_solve_result *res, char *err, size_t size)
{
	const struct ps_solve_point *best = NULL, *refused = NULL;
	for (size_t i = 0; i < res->ntried; i++)
		if (res->tried[i].valid)
			best = &res->tried[i];
	/* tried[] is sorted: the first refused value above the largest one simulated. */
	for (size_t i = 0; i < res->ntried; i++)
		if (!res->tried[i].valid && (!best || res->tried[i].value > best->value)) {
			refused = &res->tried[i];
			break;
		}
	if (!best) {
		snprintf(err, size, "no value of %s from %" PRIu64 " to %" PRIu64 " is accepted by the "
			 "scenario: %s = %" PRIu64 ": %s", res->key, res->min, res->max, res->key,
			 refused->value, refused->why);
		return;
	}
	const struct ps_ci *c = &best->failure_ratio;
	int n = snprintf(err, size, "even %s = %" PRIu64 " leaves a failure ratio of %.4g", res->key,
			 best->value, c->mean);
	if (n >= 0 && (size_t)n < size && res->replications > 1)
		n += snprintf(err + n, size - (size_t)n, " (95 %% CI %.4g to %.4g, worst replication %.4g)",
			      c->low, c->high, best->worst);
	if (n >= 0 && (size_t)n < size)
		n += snprintf(err + n, size - (size_t)n, ", above the target %g", res->target);
	if (n >= 0 && (size_t)n < size && refused)
		snprintf(err + n, size - (size_t)n, "; %s = %" PRIu64 " is refused: %s", res->key,
			 refused->value, refused->why);
}

enum ps_status ps_capacity_solve(const struct ps_scenario *sc, const char *key,
				 const struct ps_capacity_options *opt, struct ps_solve_result *res,
				 char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
	if (opt->replications < 1 || opt->replications > PS_REPLICATIONS_MAX) {
		snprintf(err, size, "replications: %u out of range; allowed: 1 to %d", opt->replications,
			 PS_REPLICATIONS_MAX);
		return PS_BAD_INPUT;
	}
	if (!(opt->max_failure > 0 && opt->max_failure < 1)) {
		snprintf(err, size, "max-failure: %g out of range; allowed: above 0 and below 1",
			 opt->max_failure);
		return PS_BAD_INPUT;
	}
	enum ps_status st = solve_key(sc, key, &res->min, &res->max, err, size);
	if (st != PS_DONE)
		return st;
	memcpy(res->key, key, strlen(key) + 1);
	res->target = opt->max_failure;
	res->replications = opt->replications;
	struct solver s = { .sc = sc, .opt = opt, .res = res, .err = err, .size = size };
	s.run_sc = malloc(sizeof(*s.run_sc));
	s.fr = calloc(opt->replications, sizeof(*s.fr));
	if (!s.run_sc || !s.fr) {
		snprintf(err, size, "out of memory");
		st = PS_FAILED;
		goto out;
	}
	/* Upward from the minimum, doubling, until a value passes (or the maximum fails). */
	uint64_t v = res->min, lo = 0;
	bool pass = false, failed_below = false;
	for (;;) {
		if ((st = try_value(&s, v, &pass)) != PS_DONE)
			goto out;
		if (pass || v == res->max)
			break;
		lo = v;
		failed_below = true;
		v = v == 0 ? 1 : v > res->max / 2 ? res->max : 2 * v;
	}
	bool found = pass;
	if (found) {
		/* lo fails, v passes: bisect the integers between them. */
		uint64_t hi = v;
		while (failed_below && hi - lo > 1) {
			uint64_t mid = lo + (hi - lo) / 2;
			if ((st = try_value(&s, mid, &pass)) != PS_DONE)
				goto out;
			if (pass)
				hi = mid;
			else
				lo = mid;
		}
		res->answer = hi;
	}
	qsort(res->tried, res->ntried, sizeof(*res->tried), cmp_solve_point);
	if (opt->out_dir && write_solve_csv(res, opt->out_dir) != 0) {
		snprintf(err, size, "cannot write into \"%s\": %s", opt->out_dir, strerror(errno));
		st = PS_FAILED;
		goto out;
	}
	if (!found) {
		explain_no_answer(res, err, size);
		st = PS_BAD_INPUT;
	}
out:
	free(s.run_sc);
	free(s.fr);
	if (st != PS_DONE)
		ps_solve_result_fini(res);
	return st;
}
