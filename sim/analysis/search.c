#include "portsim/search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/grow.h"
#include "portsim/rng.h"
#include "portsim/workers.h"

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
				  bool observe, struct ps_run_result *rr, char *err, size_t size)
{
	sc->seed = ps_replication_seed(base, k);
	struct ps_run_options ro = { .out_dir = NULL, .observe = observe };
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
	s->sc = NULL;
	s->nruns = s->npoints = s->cap_runs = s->cap_points = 0;
	if (ps_workers_jobs(s->jobs, &s->jobs, err, size) != 0)
		return PS_BAD_INPUT;
	/* ~200 KB: not for the stack. */
	s->sc = malloc(sizeof(*s->sc));
	if (!s->sc) {
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
	s->points = NULL;
	s->runs = NULL;
	s->sc = NULL;
	s->nruns = s->npoints = s->cap_runs = s->cap_points = 0;
}

/* Runs logged in order: the search's own log, or one replication's while it runs beside others. */
struct run_log {
	struct ps_search_run *runs;
	size_t n, cap;
};

static int log_run(struct run_log *log, struct ps_search_run r)
{
	struct ps_search_run *runs = ps_room_for(log->runs, log->n, &log->cap, sizeof(*runs), 64);
	if (!runs)
		return -1;
	log->runs = runs;
	log->runs[log->n++] = r;
	return 0;
}

/* Appends log's runs to the search's. */
static enum ps_status keep_log(struct ps_search *s, const struct run_log *log, char *err, size_t size)
{
	struct run_log all = { s->runs, s->nruns, s->cap_runs };
	int rc = 0;
	for (size_t i = 0; i < log->n && rc == 0; i++)
		rc = log_run(&all, log->runs[i]);
	s->runs = all.runs;
	s->nruns = all.n;
	s->cap_runs = all.cap;
	if (rc == 0)
		return PS_DONE;
	snprintf(err, size, "out of memory");
	return PS_FAILED;
}

/* The scenario at x into sc: 0, or -1 with the scenario's refusal in why. */
static int prepare(struct ps_search *s, double x, struct ps_scenario *sc, char *why, size_t size)
{
	*sc = *s->base;
	ps_workers_lock();
	int rc = s->apply(s->arg, x, sc, why, size);
	ps_workers_unlock();
	return rc;
}

/* Runs replication k of sc, prepared at x, into *fr, and reports it; from any thread. */
static enum ps_status run_prepared(struct ps_search *s, struct ps_scenario *sc, double x, unsigned k,
				   double *fr, char *err, size_t size)
{
	char label[PS_ERR_MAX];
	ps_workers_lock();
	s->label(s->arg, x, label, sizeof(label));
	ps_workers_unlock();
	struct ps_run_result rr;
	enum ps_status st = ps_replication_run(sc, s->base->seed, k, label, false, &rr, err, size);
	if (st != PS_DONE)
		return st;
	*fr = ps_failure_ratio(&rr.m);
	ps_run_result_fini(&rr);
	if (s->progress) {
		ps_workers_lock();
		s->progress(s->progress_arg, k, x, *fr);
		ps_workers_unlock();
	}
	return PS_DONE;
}

/* One replication's runs: its scenario (scratch) and its log. */
struct lane {
	struct ps_search *s;
	unsigned k;
	struct ps_scenario *sc;
	struct run_log log;
};

/* ps_search_run on a lane: NAN when the scenario refuses x. */
static enum ps_status lane_run(struct lane *l, double x, double *fr, char *err, size_t size)
{
	char why[PS_ERR_MAX];
	if (prepare(l->s, x, l->sc, why, sizeof(why)) != 0) {
		*fr = NAN;
		return PS_DONE;
	}
	enum ps_status st = run_prepared(l->s, l->sc, x, l->k, fr, err, size);
	if (st == PS_DONE && log_run(&l->log, (struct ps_search_run){ x, l->k, *fr }) != 0) {
		snprintf(err, size, "out of memory");
		st = PS_FAILED;
	}
	return st;
}

enum ps_status ps_search_run(struct ps_search *s, double x, unsigned k, double *fr, char *err,
			     size_t size)
{
	struct lane l = { .s = s, .k = k, .sc = s->sc };
	enum ps_status st = lane_run(&l, x, fr, err, size);
	if (st == PS_DONE)
		st = keep_log(s, &l.log, err, size);
	free(l.log.runs);
	return st;
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

/* A point ps_search_eval_many measures: refused (why), or run as the replications from fr[slot]. */
struct todo {
	double x;
	char *why;
	size_t slot;
};

/* The runs of ps_search_eval_many: replication i % reps of the point of run i. */
struct eval_job {
	struct ps_search *s;
	const double *x;   /* [runs / reps] the points run */
	double *fr;        /* [runs] */
};

static int eval_one(void *arg, size_t i, char *err, size_t size)
{
	struct eval_job *j = arg;
	unsigned reps = j->s->replications, k = (unsigned)(i % reps);
	double x = j->x[i / reps];
	struct ps_scenario *sc = malloc(sizeof(*sc));
	char why[PS_ERR_MAX];
	if (!sc) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	/* The point was accepted on the caller's thread: apply gives the same answer again. */
	enum ps_status st = PS_DONE;
	if (prepare(j->s, x, sc, why, sizeof(why)) != 0)
		j->fr[i] = NAN;
	else
		st = run_prepared(j->s, sc, x, k, &j->fr[i], err, size);
	free(sc);
	return st;
}

/* A point from its replications' failure ratios. */
static struct ps_search_point summarise(double x, const double *fr, unsigned reps, double target)
{
	struct ps_search_point p = { .x = x, .valid = true, .pass = true, .worst = fr[0] };
	for (unsigned k = 0; k < reps; k++) {
		p.pass = p.pass && fr[k] <= target;
		p.worst = fmax(p.worst, fr[k]);
	}
	ps_stats_ci95(fr, reps, &p.failure_ratio);
	return p;
}

/*
 * The points of x not measured yet, each once, into todo; those the scenario
 * accepts (checked on this thread) also into run[], *nrun of them.
 */
static enum ps_status new_points(struct ps_search *s, const double *x, size_t n, struct todo *todo,
				 size_t *ntodo, double *run, size_t *nrun, char *err, size_t size)
{
	*ntodo = *nrun = 0;
	for (size_t i = 0; i < n; i++) {
		bool seen = ps_search_find(s, x[i]) != NULL;
		for (size_t j = 0; j < *ntodo && !seen; j++)
			seen = todo[j].x == x[i];
		if (seen)
			continue;
		struct todo *t = &todo[(*ntodo)++];
		char why[PS_ERR_MAX];
		*t = (struct todo){ .x = x[i], .slot = *nrun * s->replications };
		if (prepare(s, x[i], s->sc, why, sizeof(why)) == 0) {
			run[(*nrun)++] = x[i];
		} else if (!(t->why = copy_text(why))) {
			snprintf(err, size, "out of memory");
			return PS_FAILED;
		}
	}
	return PS_DONE;
}

/* Logs the runs and appends the points of todo, in the order asked. */
static enum ps_status keep_points(struct ps_search *s, const struct todo *todo, size_t ntodo,
				  const double *fr, char *err, size_t size)
{
	unsigned reps = s->replications;
	struct run_log all = { s->runs, s->nruns, s->cap_runs };
	enum ps_status st = PS_DONE;
	for (size_t i = 0; i < ntodo && st == PS_DONE; i++) {
		const struct todo *t = &todo[i];
		struct ps_search_point *points = ps_room_for(s->points, s->npoints, &s->cap_points, sizeof(*points), 32);
		if (!points) {
			st = PS_FAILED;
			break;
		}
		s->points = points;
		for (unsigned k = 0; !t->why && k < reps && st == PS_DONE; k++)
			if (log_run(&all, (struct ps_search_run){ t->x, k, fr[t->slot + k] }) != 0)
				st = PS_FAILED;
		if (st != PS_DONE)
			break;
		struct ps_search_point p;
		if (t->why) {
			/* Not an error: a preset's limit or a NAT's needs bound the values, and they fail. */
			p = (struct ps_search_point){ .x = t->x, .worst = NAN, .why = t->why };
			p.failure_ratio.mean = p.failure_ratio.low = p.failure_ratio.high = NAN;
		} else {
			p = summarise(t->x, fr + t->slot, reps, s->target);
		}
		s->points[s->npoints++] = p;
	}
	s->runs = all.runs;
	s->nruns = all.n;
	s->cap_runs = all.cap;
	if (st != PS_DONE)
		snprintf(err, size, "out of memory");
	return st;
}

enum ps_status ps_search_eval_many(struct ps_search *s, const double *x, size_t n,
				   struct ps_search_point *out, char *err, size_t size)
{
	unsigned reps = s->replications;
	struct todo *todo = calloc(n ? n : 1, sizeof(*todo));
	double *run = malloc((n ? n : 1) * sizeof(*run)), *fr = NULL;
	size_t ntodo = 0, nrun = 0;
	enum ps_status st = PS_FAILED;
	if (!todo || !run)
		snprintf(err, size, "out of memory");
	else
		st = new_points(s, x, n, todo, &ntodo, run, &nrun, err, size);
	if (st == PS_DONE && nrun && !(fr = malloc(nrun * reps * sizeof(*fr)))) {
		snprintf(err, size, "out of memory");
		st = PS_FAILED;
	}
	if (st == PS_DONE && nrun) {
		struct eval_job j = { s, run, fr };
		st = ps_workers_map(s->jobs, nrun * reps, eval_one, &j, err, size);
	}
	size_t kept = 0;
	if (st == PS_DONE) {
		size_t before = s->npoints;
		st = keep_points(s, todo, ntodo, fr, err, size);
		kept = s->npoints - before;
	}
	/* The messages of the points kept are the search's now. */
	for (size_t i = kept; todo && i < ntodo; i++)
		free(todo[i].why);
	for (size_t i = 0; st == PS_DONE && out && i < n; i++)
		out[i] = *ps_search_find(s, x[i]);
	free(fr);
	free(run);
	free(todo);
	return st;
}

enum ps_status ps_search_eval(struct ps_search *s, double x, struct ps_search_point *out, char *err,
			      size_t size)
{
	return ps_search_eval_many(s, &x, 1, out, err, size);
}

/* ps_search_largest on a lane. */
static enum ps_status largest(struct lane *l, double start, double least, double ceiling, double tolerance,
			      struct ps_bracket *b, char *err, size_t size)
{
	double fr, target = l->s->target;
	enum ps_status st;
	b->unbounded = false;
	if ((st = lane_run(l, start, &fr, err, size)) != PS_DONE)
		return st;
	if (fr <= target) {
		b->lo = start;
		for (;;) {
			b->hi = fmin(b->lo * 2, ceiling);
			if (b->hi <= b->lo) {
				b->unbounded = true;
				return PS_DONE;
			}
			if ((st = lane_run(l, b->hi, &fr, err, size)) != PS_DONE)
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
			if ((st = lane_run(l, b->lo, &fr, err, size)) != PS_DONE)
				return st;
			if (fr <= target)
				break;
			b->hi = b->lo;
		}
	}
	while (b->hi - b->lo > tolerance * b->lo) {
		double mid = (b->lo + b->hi) / 2;
		if ((st = lane_run(l, mid, &fr, err, size)) != PS_DONE)
			return st;
		if (fr <= target)
			b->lo = mid;
		else
			b->hi = mid;
	}
	return PS_DONE;
}

enum ps_status ps_search_largest(struct ps_search *s, unsigned k, double start, double least,
				 double ceiling, double tolerance, struct ps_bracket *b, char *err,
				 size_t size)
{
	struct lane l = { .s = s, .k = k, .sc = s->sc };
	enum ps_status st = largest(&l, start, least, ceiling, tolerance, b, err, size);
	if (st == PS_DONE)
		st = keep_log(s, &l.log, err, size);
	free(l.log.runs);
	return st;
}

/* The replications of ps_search_largest_each: lane k into b[k]. */
struct largest_job {
	struct lane *lanes;
	double start, least, ceiling, tolerance;
	struct ps_bracket *b;
};

static int largest_one(void *arg, size_t k, char *err, size_t size)
{
	struct largest_job *j = arg;
	struct lane *l = &j->lanes[k];
	l->sc = malloc(sizeof(*l->sc));
	if (!l->sc) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	enum ps_status st = largest(l, j->start, j->least, j->ceiling, j->tolerance, &j->b[k], err, size);
	free(l->sc);
	l->sc = NULL;
	return st;
}

enum ps_status ps_search_largest_each(struct ps_search *s, double start, double least, double ceiling,
				      double tolerance, struct ps_bracket *b, char *err, size_t size)
{
	unsigned reps = s->replications;
	struct lane *lanes = calloc(reps, sizeof(*lanes));
	if (!lanes) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	for (unsigned k = 0; k < reps; k++)
		lanes[k] = (struct lane){ .s = s, .k = k };
	struct largest_job j = { lanes, start, least, ceiling, tolerance, b };
	enum ps_status st = ps_workers_map(s->jobs, reps, largest_one, &j, err, size);
	for (unsigned k = 0; k < reps; k++) {
		if (st == PS_DONE)
			st = keep_log(s, &lanes[k].log, err, size);
		free(lanes[k].log.runs);
	}
	free(lanes);
	return st;
}

/*
 * Both integer searches: upward from min, doubling, until a value passes
 * (smallest) or fails (largest, where min must pass), then bisection
 * between the last value on one side and the first on the other.
 */
static enum ps_status search_int(struct ps_search *s, uint64_t min, uint64_t max, bool smallest,
				 uint64_t *answer, bool *found, char *err, size_t size)
{
	struct ps_search_point p;
	enum ps_status st;
	*found = false;
	/* smallest: walk while failing, stop at a pass. largest: walk while passing, stop at a fail. */
	uint64_t v = min, before = 0;
	bool walked = false;
	for (;;) {
		if ((st = ps_search_eval(s, (double)v, &p, err, size)) != PS_DONE)
			return st;
		if (p.pass == smallest || v == max)
			break;
		before = v;
		walked = true;
		v = v == 0 ? 1 : v > max / 2 ? max : 2 * v;
	}
	if (smallest && !p.pass)
		return PS_DONE;
	if (!smallest && p.pass) {
		/* Every value up to the maximum passes. */
		*answer = v;
		*found = true;
		return PS_DONE;
	}
	if (!smallest && !walked)
		return PS_DONE; /* even min fails */
	/* before is on the walked side, v on the other: bisect the integers between them. */
	uint64_t lo = before, hi = v;
	while (walked && hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if ((st = ps_search_eval(s, (double)mid, &p, err, size)) != PS_DONE)
			return st;
		if (p.pass == smallest)
			hi = mid;
		else
			lo = mid;
	}
	*answer = smallest ? hi : lo;
	*found = true;
	return PS_DONE;
}

enum ps_status ps_search_smallest(struct ps_search *s, uint64_t min, uint64_t max, uint64_t *answer,
				  bool *found, char *err, size_t size)
{
	return search_int(s, min, max, true, answer, found, err, size);
}

enum ps_status ps_search_largest_int(struct ps_search *s, uint64_t start, uint64_t max, uint64_t *answer,
				     bool *found, char *err, size_t size)
{
	return search_int(s, start, max, false, answer, found, err, size);
}
