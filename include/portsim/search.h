/*
 * Search: a scenario's failure ratio as a function of one number x (a total
 * rate, the value of a key, a factor), measured over replications with
 * common random numbers, and the searches built on it: bisection for the
 * largest x one replication sustains, and doubling then bisection for the
 * smallest integer x every replication sustains. An analysis: it calls
 * ps_run, never the engine. Capacity's rate search, sweep and --solve are
 * its callers; a parameter study is another.
 *
 * What x means is the caller's: a callback writes the scenario at x (x may
 * also index a table of the caller's, such as a study's runs). The seed is
 * the search's: replication k runs with ps_replication_seed(base seed, k)
 * at every x, so the failure ratio moves with x and not with the draws. A
 * point passes when every replication's failure ratio is at or below the
 * target.
 *
 * Runs that do not wait for each other's answer run at once on `jobs`
 * threads (workers.h): the replications of a point, the points of
 * ps_search_eval_many, the replications of ps_search_largest_each. Each
 * run's result has its own slot, and the runs are logged and reduced in the
 * order one thread makes them, so every output is the same for any jobs.
 * The callbacks (apply, label, progress) are called one at a time, under
 * ps_workers_lock, though not always from the caller's thread.
 */
#ifndef PORTSIM_SEARCH_H
#define PORTSIM_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/run.h"
#include "portsim/scenario.h"
#include "portsim/stats.h"

#define PS_REPLICATIONS_MAX 1000

/* The seed of replication k: base itself for k == 0, then splitmix64 of base + k. */
uint64_t ps_replication_seed(uint64_t base, unsigned k);

/* PS_DONE when 1 <= n <= PS_REPLICATIONS_MAX; else PS_BAD_INPUT with a message. */
enum ps_status ps_replications_check(unsigned n, char *err, size_t size);

/*
 * Runs sc in memory (no files) as replication k: sets sc->seed to
 * ps_replication_seed(base, k) first; observe fills rr->obs (compare
 * reports it, capacity does not). PS_DONE with *rr to free with
 * ps_run_result_fini; otherwise ps_run's status, with err reading
 * "LABEL, replication K (seed S): why".
 */
enum ps_status ps_replication_run(struct ps_scenario *sc, uint64_t base, unsigned k, const char *label,
				  bool observe, struct ps_run_result *rr, char *err, size_t size);

/* The failure ratio of a run: failures / attempts, 0 when it attempted nothing. */
double ps_failure_ratio(const struct ps_metrics *m);

/*
 * Writes the scenario at point x into sc, which holds a copy of the base
 * scenario. 0; or -1 with why in err when the scenario refuses x (its
 * checks fail): such a point is not simulated, and it fails.
 */
typedef int (*ps_search_apply_fn)(void *arg, double x, struct ps_scenario *sc, char *err, size_t size);

/* Names point x as error messages start: "rate 120/s", "nat.addresses = 3". */
typedef void (*ps_search_label_fn)(void *arg, double x, char *buf, size_t size);

/* Called after every run: its replication, its point and its failure ratio. */
typedef void (*ps_search_progress_fn)(void *arg, unsigned replication, double x, double failure_ratio);

/* One run the search made. */
struct ps_search_run {
	double x;
	unsigned replication;
	double failure_ratio;
};

/* One point over the replications. */
struct ps_search_point {
	double x;
	bool valid;                 /* false: refused by the scenario, not simulated */
	bool pass;                  /* every replication at or below the target */
	struct ps_ci failure_ratio; /* over the replications; NAN when not valid */
	double worst;               /* the highest replication's failure ratio; NAN when not valid */
	char *why;                  /* not valid: the scenario's message (owned by the search) */
};

struct ps_search {
	/* Set by the caller before ps_search_init. */
	const struct ps_scenario *base;  /* its seed is replication 0's */
	unsigned replications;           /* 1..PS_REPLICATIONS_MAX */
	double target;                   /* failure ratio a point may have and pass */
	ps_search_apply_fn apply;
	ps_search_label_fn label;
	void *arg;                       /* for apply and label */
	ps_search_progress_fn progress;  /* may be NULL */
	void *progress_arg;
	unsigned jobs;                   /* runs at once, 1..PS_JOBS_MAX; 0: ps_workers_jobs's default */
	/* Kept by the search, read by the caller. */
	struct ps_search_run *runs;      /* every run, in the order one thread makes them */
	size_t nruns;
	struct ps_search_point *points;  /* every point measured, in the order asked */
	size_t npoints;
	/* Private. */
	size_t cap_runs, cap_points;
	struct ps_scenario *sc;          /* scratch: the scenario at the point being checked */
};

/*
 * Allocates the scratch space of s, whose caller's fields are set, and
 * settles jobs. PS_DONE, PS_BAD_INPUT (jobs out of range, PORTSIM_JOBS
 * malformed) or PS_FAILED, with a message.
 */
enum ps_status ps_search_init(struct ps_search *s, char *err, size_t size);

/* Frees everything s holds, the points' messages included. */
void ps_search_fini(struct ps_search *s);

/*
 * One run of replication k at x; its failure ratio into *fr, NAN when the
 * scenario refuses x (then nothing runs and nothing is logged). PS_DONE, or
 * the run's status with a message naming the point and replication.
 */
enum ps_status ps_search_run(struct ps_search *s, double x, unsigned k, double *fr, char *err,
			     size_t size);

/*
 * Every replication at x, once: a point measured before is not run again.
 * *out gets a copy of the point (its why stays the search's). PS_DONE, or
 * the first failing run's status with a message.
 */
enum ps_status ps_search_eval(struct ps_search *s, double x, struct ps_search_point *out, char *err,
			      size_t size);

/*
 * ps_search_eval at every x[i], i < n, with every run of every point at
 * once: for a curve whose points do not depend on each other. out (may be
 * NULL) gets the points, [n]. PS_DONE, or the status of the first failing
 * run in (point, replication) order, with a message.
 */
enum ps_status ps_search_eval_many(struct ps_search *s, const double *x, size_t n,
				   struct ps_search_point *out, char *err, size_t size);

/* The point at x among those measured, or NULL. */
const struct ps_search_point *ps_search_find(const struct ps_search *s, double x);

/* Where one replication's answer lies: lo passes, hi does not. */
struct ps_bracket {
	double lo;       /* the highest x verified; 0 when halving fell below least */
	double hi;       /* the lowest x seen failing, or the ceiling */
	bool unbounded;  /* never failed, even at the ceiling */
};

/*
 * The largest x replication k sustains, assuming its failure ratio does not
 * fall as x grows: runs at start (0 < start <= ceiling), then doubles up to
 * ceiling or halves (giving lo = 0 below least) until a bracket, then
 * halves the bracket until hi - lo <= tolerance x lo. PS_DONE or a run's
 * status with a message.
 */
enum ps_status ps_search_largest(struct ps_search *s, unsigned k, double start, double least,
				 double ceiling, double tolerance, struct ps_bracket *b, char *err,
				 size_t size);

/*
 * ps_search_largest for every replication k into b[k] (b has
 * s->replications entries), the replications at once. The runs are logged
 * replication after replication, as a loop over k would log them. PS_DONE,
 * or the status of the lowest replication whose search failed, with a
 * message.
 */
enum ps_status ps_search_largest_each(struct ps_search *s, double start, double least, double ceiling,
				      double tolerance, struct ps_bracket *b, char *err, size_t size);

/*
 * The smallest integer x in [min, max] whose point passes, assuming a point
 * that passes is followed by passing points: tries min, then doubling (0
 * goes to 1), capped at max, until one passes; then bisects the integers
 * between the last failing and the first passing value. *found is false
 * when even max fails. Every value tried is in s->points. PS_DONE or a
 * run's status with a message.
 */
enum ps_status ps_search_smallest(struct ps_search *s, uint64_t min, uint64_t max, uint64_t *answer,
				  bool *found, char *err, size_t size);

/*
 * The largest integer x in [start, max] whose point passes, assuming a
 * point above start that fails is followed by failing points (more load,
 * fewer ports): tries start, then doubling (0 goes to 1), capped at max,
 * until one fails; then bisects the integers between the last passing and
 * the first failing value. *found is false when start itself fails. Every
 * value tried is in s->points. PS_DONE or a run's status with a message.
 */
enum ps_status ps_search_largest_int(struct ps_search *s, uint64_t start, uint64_t max, uint64_t *answer,
				     bool *found, char *err, size_t size);

#endif
