#include "portsim/capacity.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/csv.h"
#include "portsim/workers.h"

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
	memcpy(b->pools, all, n * sizeof(all[0]));
	b->npools = n;
	b->binding = (size_t)(x - all);
	if (n > 1)
		ps_bounds_explain(all, n, b->explain, sizeof(b->explain));
}

void ps_capacity_result_fini(struct ps_capacity_result *res)
{
	free(res->found);
	free(res->tried);
	free(res->sweep);
	memset(res, 0, sizeof(*res));
}

/* The search's points are total rates: the scaled populations' rates, multiplied to add up to x. */
static int at_rate(void *arg, double x, struct ps_scenario *sc, char *err, size_t size)
{
	(void)arg;
	if (ps_capacity_scale(sc, x, sc) == 0)
		return 0;
	snprintf(err, size, "no population whose rate can be scaled");
	return -1;
}

static void rate_label(void *arg, double x, char *buf, size_t size)
{
	(void)arg;
	snprintf(buf, size, "rate %.6g/s", x);
}

/* The search over total rates, with opt's target, replications and progress. */
static enum ps_status rate_search_init(struct ps_search *s, const struct ps_scenario *sc,
				       const struct ps_capacity_options *opt, char *err, size_t size)
{
	*s = (struct ps_search){ .base = sc, .replications = opt->replications,
				 .target = opt->max_failure, .apply = at_rate, .label = rate_label,
				 .progress = opt->progress, .progress_arg = opt->progress_arg, .jobs = opt->jobs };
	return ps_search_init(s, err, size);
}

/* Moves the search's runs into res->tried. */
static enum ps_status keep_runs(const struct ps_search *s, struct ps_capacity_result *res, char *err,
				size_t size)
{
	res->tried = malloc((s->nruns ? s->nruns : 1) * sizeof(*res->tried));
	if (!res->tried) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	for (size_t i = 0; i < s->nruns; i++)
		res->tried[i] = (struct ps_capacity_point){ s->runs[i].x, s->runs[i].replication,
							    s->runs[i].failure_ratio };
	res->ntried = s->nruns;
	return PS_DONE;
}

static void fmt_num(char *buf, size_t size, double v)
{
	if (isnan(v))
		buf[0] = '\0';
	else
		snprintf(buf, size, "%.10g", v);
}

/* One "metric,value" row of capacity_summary.csv and closed_forms.csv. */
struct metric_row {
	const char *name;
	double v;
};

/* rows[0..n) as "PREFIXNAME,VALUE" lines (an unknown value empty). */
static void write_rows(FILE *f, const char *prefix, const struct metric_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char v[64];
		fmt_num(v, sizeof(v), rows[i].v);
		fprintf(f, "%s%s,%s\n", prefix, rows[i].name, v);
	}
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
		double fr = p->failure_ratio;
		fprintf(c.f, "%.10g", p->rate_per_s);
		ps_ci_write_csv(c.f, &(struct ps_ci){ .mean = fr, .low = fr, .high = fr, .n = 1 });
	}
	if (ps_csv_commit(&c) != 0)
		return -1;
	if (ps_csv_open(&c, dir, "capacity_summary.csv", "metric,value") != 0)
		return -1;
	const struct metric_row rows[] = {
		{ "target_failure_ratio", res->target },
		{ "replications", res->replications },
		{ "capacity_per_s", res->capacity.mean },
		{ "capacity_ci95_low", res->capacity.low },
		{ "capacity_ci95_high", res->capacity.high },
		{ "bisection_step_per_s", res->step_per_s },
		{ "unbounded", res->unbounded },
	};
	write_rows(c.f, "", rows, sizeof(rows) / sizeof(rows[0]));
	ps_capacity_bounds_write(c.f, &res->bounds);
	return ps_csv_commit(&c);
}

void ps_capacity_bounds_write(FILE *f, const struct ps_capacity_bounds *b)
{
	const struct metric_row rows[] = {
		{ "deterministic_bound_per_s", b->deterministic_per_s },
		{ "erlang_b_per_s", b->erlang_per_s },
		{ "erlang_b_load", b->erlang_load },
		{ "usable_ports", b->usable_ports },
		{ "destinations", b->destinations },
		{ "addresses", b->addresses },
		{ "holding_s", b->holding_s },
		{ "scenario_rate_per_s", b->scenario_rate_per_s },
	};
	write_rows(f, "", rows, sizeof(rows) / sizeof(rows[0]));
	/* New rows, not columns, and only with a NAT: other scenarios' files keep their bytes. */
	if (b->npools < 2)
		return;
	fprintf(f, "binding_pool,%s\n", b->pools[b->binding].pool.name);
	for (size_t k = 0; k < b->npools; k++) {
		const struct ps_pool_bound *x = &b->pools[k];
		const struct metric_row per[] = {
			{ "deterministic_bound_per_s", x->deterministic_per_s },
			{ "erlang_b_per_s", x->erlang_per_s },
			{ "usable_ports", x->pool.usable_ports },
			{ "destinations", x->pool.destinations },
			{ "addresses", x->pool.addresses },
			{ "hosts", x->pool.hosts },
			{ "busiest_share", x->pool.busiest_share },
			{ "holding_s", x->pool.holding_s },
			{ "linger_s", x->pool.linger_s },
		};
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "%s_", x->pool.name);
		write_rows(f, prefix, per, sizeof(per) / sizeof(per[0]));
	}
}

static int write_sweep_csv(const struct ps_capacity_result *res, const char *dir)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, "capacity.csv", curve_header) != 0)
		return -1;
	for (size_t i = 0; i < res->nsweep; i++) {
		fprintf(c.f, "%.10g", res->sweep[i].rate_per_s);
		ps_ci_write_csv(c.f, &res->sweep[i].failure_ratio);
	}
	return ps_csv_commit(&c);
}

enum ps_status ps_capacity_check_options(const struct ps_capacity_options *opt, char *err, size_t size)
{
	if (ps_replications_check(opt->replications, err, size) != PS_DONE)
		return PS_BAD_INPUT;
	if (!(opt->max_failure > 0 && opt->max_failure < 1)) {
		snprintf(err, size, "max-failure: %g out of range; allowed: above 0 and below 1",
			 opt->max_failure);
		return PS_BAD_INPUT;
	}
	unsigned jobs;
	return ps_workers_jobs(opt->jobs, &jobs, err, size) == 0 ? PS_DONE : PS_BAD_INPUT;
}

static enum ps_status check_options(const struct ps_scenario *sc, const struct ps_capacity_options *opt,
				    char *err, size_t size)
{
	enum ps_status st = ps_capacity_check_options(opt, err, size);
	if (st != PS_DONE)
		return st;
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

static enum ps_status write_error(const char *dir, char *err, size_t size)
{
	snprintf(err, size, "cannot write into \"%s\": %s", dir, strerror(errno));
	return PS_FAILED;
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
	struct ps_search s;
	st = rate_search_init(&s, sc, opt, err, size);
	res->found = calloc(reps, sizeof(*res->found));
	if (st == PS_DONE && !res->found) {
		snprintf(err, size, "out of memory");
		st = PS_FAILED;
	}
	double ceiling = rate_ceiling(sc);
	/* The bound is where the answer usually is; the scenario's own rate when there is none. */
	double start = res->bounds.deterministic_per_s;
	if (!(start > 0) || !isfinite(start))
		start = res->bounds.scenario_rate_per_s;
	start = fmin(start, ceiling);
	double tolerance = opt->tolerance > 0 ? opt->tolerance : 0.01;
	struct ps_bracket *b = st == PS_DONE ? calloc(reps, sizeof(*b)) : NULL;
	if (st == PS_DONE && !b) {
		snprintf(err, size, "out of memory");
		st = PS_FAILED;
	}
	/* Each replication bisects on its own: all of them at once. */
	if (st == PS_DONE)
		st = ps_search_largest_each(&s, start, RATE_MIN * sc->npop, ceiling, tolerance, b, err, size);
	for (unsigned k = 0; k < reps && st == PS_DONE; k++) {
		res->found[k] = b[k].lo;
		res->unbounded = res->unbounded || b[k].unbounded;
		if (!b[k].unbounded)
			res->step_per_s = fmax(res->step_per_s, b[k].hi - b[k].lo);
	}
	free(b);
	if (st == PS_DONE)
		st = keep_runs(&s, res, err, size);
	ps_search_fini(&s);
	if (st == PS_DONE) {
		ps_stats_ci95(res->found, reps, &res->capacity);
		if (opt->out_dir && write_search_csv(res, opt->out_dir) != 0)
			st = write_error(opt->out_dir, err, size);
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
	ps_capacity_bounds(sc, o.max_failure, &res->bounds);
	res->target = o.max_failure;
	res->replications = o.replications;
	res->nsweep = (size_t)npts;
	struct ps_search s;
	st = rate_search_init(&s, sc, &o, err, size);
	res->sweep = calloc(res->nsweep, sizeof(*res->sweep));
	if (st == PS_DONE && !res->sweep) {
		snprintf(err, size, "out of memory");
		st = PS_FAILED;
	}
	double *rates = st == PS_DONE ? malloc(res->nsweep * sizeof(*rates)) : NULL;
	struct ps_search_point *points = st == PS_DONE ? malloc(res->nsweep * sizeof(*points)) : NULL;
	if (st == PS_DONE && (!rates || !points)) {
		snprintf(err, size, "out of memory");
		st = PS_FAILED;
	}
	for (size_t i = 0; i < res->nsweep && st == PS_DONE; i++)
		rates[i] = from + (double)i * step;
	/* No point waits for another: every point's every replication at once. */
	if (st == PS_DONE)
		st = ps_search_eval_many(&s, rates, res->nsweep, points, err, size);
	for (size_t i = 0; i < res->nsweep && st == PS_DONE; i++) {
		res->sweep[i].rate_per_s = rates[i];
		res->sweep[i].failure_ratio = points[i].failure_ratio;
	}
	free(points);
	free(rates);
	if (st == PS_DONE)
		st = keep_runs(&s, res, err, size);
	ps_search_fini(&s);
	if (st == PS_DONE && o.out_dir && write_sweep_csv(res, o.out_dir) != 0)
		st = write_error(o.out_dir, err, size);
	if (st != PS_DONE)
		ps_capacity_result_fini(res);
	return st;
}
