/*
 * Capacity: the highest arrival rate a scenario sustains with a failure
 * ratio at or below a target, found by bisection on simulated runs, beside
 * two closed forms a user can check by hand. An analysis: it calls ps_run,
 * never the engine.
 *
 * The rate is the total of the scaled populations: every population's
 * rate_per_s (and a ramp's rate_end_per_s) is multiplied by one factor.
 * Burst and replay populations are not scaled; they keep their own load.
 *
 * Each replication k bisects on its own seed, ps_replication_seed(seed, k)
 * (search.h), the same seed at every rate it tries, so the failure ratio
 * moves with the rate and not with the draws. The replication's capacity
 * is the highest rate it verified (the low end of its final bracket, which
 * is within `tolerance` of the high end); the result is their mean with a
 * Student-t 95 % interval.
 *
 * The closed forms are bounds.h's, for the pool that binds; the runs are
 * search.h's, and run at once on opt->jobs threads where they do not wait
 * for each other (the replications of the search, every rate and
 * replication of a sweep, the replications at each value of a solve).
 *
 * ps_capacity_solve turns the question around: at the scenario's own rate,
 * the smallest value of an integer key (external addresses, source
 * addresses, ...) that keeps the failure ratio at or below the target;
 * ps_capacity_solve_max the largest (inside hosts per NAT address, ports
 * per VM, ...).
 */
#ifndef PORTSIM_CAPACITY_H
#define PORTSIM_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "portsim/bounds.h"
#include "portsim/run.h"
#include "portsim/scenario.h"
#include "portsim/search.h"
#include "portsim/stats.h"

/* The closed forms of the pool that binds, as capacity reports them. */
struct ps_capacity_bounds {
	const char *pool;            /* the pool that binds: ps_pool_spec.name */
	uint32_t usable_ports;       /* range minus reserved */
	uint32_t destinations;       /* multiplier: 1 under port-level uniqueness */
	uint32_t addresses;
	double holding_s;            /* mean time a port stays taken toward one destination; NAN if unknown */
	double deterministic_per_s;  /* NAN if the holding time is unknown */
	double erlang_load;          /* A in Erlangs, per pool */
	double erlang_per_s;         /* the total rate by Erlang-B; NAN if unknown */
	double scenario_rate_per_s;  /* the scaled populations' total rate as the scenario gives it */
	unsigned notes;              /* enum ps_cap_note bits */
	/* every pool a connection needs: the host's, and the NAT's when there is one */
	struct ps_pool_bound pools[PS_BOUNDS_POOLS_MAX];
	size_t npools, binding;      /* pools[binding] is the one above */
	char explain[640];           /* ps_bounds_explain: which pool binds and why; "" with one pool */
};

/* The closed forms for sc at failure ratio target (0 < target < 1): ps_bounds, the binding pool's. */
void ps_capacity_bounds(const struct ps_scenario *sc, double target, struct ps_capacity_bounds *b);

/*
 * Writes b as "metric,value" rows (deterministic_bound_per_s ... scenario_rate_per_s; an
 * unknown value empty), the rows capacity_summary.csv and the report's closed_forms.csv share,
 * so the knee figure reads either. With more than one pool (a NAT) rows follow for each:
 * binding_pool (its name), then POOL_deterministic_bound_per_s, POOL_erlang_b_per_s,
 * POOL_usable_ports, POOL_destinations, POOL_addresses, POOL_hosts, POOL_busiest_share,
 * POOL_holding_s and POOL_linger_s for POOL host and nat; a scenario without a NAT gets the
 * rows it always had.
 */
void ps_capacity_bounds_write(FILE *f, const struct ps_capacity_bounds *b);

/*
 * Writes into out a copy of sc with every scaled population's rate
 * multiplied so that their total is rate_per_s. 0, or -1 when the scenario
 * has no population whose rate can be scaled.
 */
int ps_capacity_scale(const struct ps_scenario *sc, double rate_per_s, struct ps_scenario *out);

/* Called after each run: its replication, the total rate (or key value) tried, its failure ratio. */
typedef ps_search_progress_fn ps_capacity_progress_fn;

struct ps_capacity_options {
	double max_failure;       /* target failure ratio, in (0, 1) */
	unsigned replications;    /* 1..PS_REPLICATIONS_MAX */
	double tolerance;         /* bisection stops when (hi - lo) <= tolerance x lo; 0: 0.01 */
	const char *out_dir;      /* capacity.csv and capacity_summary.csv; NULL: no files */
	ps_capacity_progress_fn progress; /* may be NULL; called one run at a time (search.h) */
	void *progress_arg;
	unsigned jobs;            /* runs at once (workers.h); 0: the default. Outputs do not depend on it */
};

/* PS_DONE when opt's replications, max_failure and jobs are in range; else PS_BAD_INPUT with a message. */
enum ps_status ps_capacity_check_options(const struct ps_capacity_options *opt, char *err, size_t size);

/* A run the search made. */
struct ps_capacity_point {
	double rate_per_s;
	unsigned replication;
	double failure_ratio;
};

/* A sweep point: the failure ratio over the replications at one rate. */
struct ps_sweep_point {
	double rate_per_s;
	struct ps_ci failure_ratio;
};

struct ps_capacity_result {
	struct ps_capacity_bounds bounds;
	double target;
	unsigned replications;
	/* bisection */
	double *found;            /* [replications] highest rate verified by each replication */
	struct ps_ci capacity;    /* over found[] */
	double step_per_s;        /* widest final bracket (hi - lo) over the replications */
	bool unbounded;           /* never failed, even at the largest rate allowed */
	struct ps_capacity_point *tried;
	size_t ntried;
	/* sweep */
	struct ps_sweep_point *sweep;
	size_t nsweep;
};

/* Bisection. On success free res with ps_capacity_result_fini. */
enum ps_status ps_capacity_search(const struct ps_scenario *sc, const struct ps_capacity_options *opt,
				  struct ps_capacity_result *res, char *err, size_t size);

/*
 * The failure ratio at every total rate from, from + step, ... up to to
 * (at most PS_SWEEP_MAX points), writing capacity.csv for the knee plot.
 */
#define PS_SWEEP_MAX 1000
enum ps_status ps_capacity_sweep(const struct ps_scenario *sc, const struct ps_capacity_options *opt,
				 double from, double to, double step, struct ps_capacity_result *res,
				 char *err, size_t size);

void ps_capacity_result_fini(struct ps_capacity_result *res);

/*
 * Solve: the smallest value of an integer scenario key ("nat.addresses",
 * "host.addresses", "workload.NAME.hosts", ...) at which the scenario, at
 * its own rates, keeps the failure ratio at or below the target in every
 * replication. Every replication k runs with ps_replication_seed(seed, k)
 * at every value, as in the rate search, so the value is the only thing
 * that changes; requiring every replication is the integer form of the
 * rate search's per-replication bisection: the answer is the largest of
 * the replications' own answers, the safe one to provision.
 *
 * The values tried are the key's minimum, then doubling (0 goes to 1),
 * capped at its maximum, until one passes; then bisection on integers
 * between the last failing and the first passing value. This assumes the
 * failure ratio does not rise with the value. A value the scenario's
 * checks refuse (ps_scenario_validate: a preset's address limit, a
 * deterministic NAT without enough addresses) is not simulated and
 * counts as failing.
 */
struct ps_solve_point {
	uint64_t value;
	bool valid;                 /* false: refused by the scenario's checks, not simulated */
	bool pass;                  /* every replication at or below the target */
	struct ps_ci failure_ratio; /* over the replications; NAN when not valid */
	double worst;               /* the highest replication's failure ratio; NAN when not valid */
	char *why;                  /* not valid: the checks' message (owned) */
};

#define PS_SOLVE_KEY_MAX 160

struct ps_solve_result {
	char key[PS_SOLVE_KEY_MAX];
	bool largest;               /* the largest value meeting the target (--solve-max), not the smallest */
	uint64_t min, max;          /* the key's range in the schema */
	uint64_t start;             /* --solve-max: the scenario's own value, where the search starts */
	double target;
	unsigned replications;
	uint64_t answer;
	struct ps_solve_point *tried; /* sorted by value once the search is done */
	size_t ntried;
};

/*
 * Solves for key (section.key, or workload.NAME.key) and writes
 * capacity_solve.csv (value,failure_ratio,ci95_low,ci95_high,n: the values
 * simulated, by value) into opt->out_dir when set. The progress callback
 * gets the key's value in place of a rate. PS_BAD_INPUT with a message for
 * an unknown key, a key that is not an integer with a range, or when no
 * value up to the maximum meets the target (the CSV is written even then,
 * so the curve can be seen). On success free res with ps_solve_result_fini;
 * on failure it is already freed.
 */
enum ps_status ps_capacity_solve(const struct ps_scenario *sc, const char *key,
				 const struct ps_capacity_options *opt, struct ps_solve_result *res,
				 char *err, size_t size);

/*
 * Solve the other way (capacity --solve-max): the largest value of key at
 * which every replication keeps the failure ratio at or below the target,
 * for a key whose growth adds load or takes ports away (inside hosts
 * behind port blocks, block_size, sharing_ratio, burst_size, ...). Tries
 * the scenario's own value of the key first (too few ports per VM fail
 * as surely as too many VMs), then doubling until a value fails (a value
 * the checks refuse fails), then bisects between the last passing and the
 * first failing value; this assumes the failure ratio does not fall as the
 * value grows past the scenario's. Otherwise as ps_capacity_solve:
 * capacity_solve.csv, and PS_BAD_INPUT with a message when the scenario's
 * own value fails.
 */
enum ps_status ps_capacity_solve_max(const struct ps_scenario *sc, const char *key,
				     const struct ps_capacity_options *opt, struct ps_solve_result *res,
				     char *err, size_t size);

/* The point for value v among those tried, or NULL. */
const struct ps_solve_point *ps_solve_find(const struct ps_solve_result *res, uint64_t v);

void ps_solve_result_fini(struct ps_solve_result *res);

#endif
