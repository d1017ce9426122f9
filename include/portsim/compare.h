/*
 * Compare: one scenario under several strategies, with common random
 * numbers and replications. An analysis: it calls ps_run, never the engine.
 *
 * Replication k of every strategy runs with seed ps_replication_seed(base,
 * k) (search.h), so strategy a's replication k and strategy b's see the
 * same arrivals, durations and destinations (the run derives one stream per
 * purpose from the seed, and only the allocator's own stream differs).
 * Replication 0 uses the base seed itself: a comparison with one
 * replication is exactly `portsim run` under each strategy.
 *
 * Every metric is computed per replication and summarised by its mean and
 * Student-t 95 % interval over the replications that have it (the time of
 * the first failure only over those that failed; reuse distances only over
 * those where a port came back).
 */
#ifndef PORTSIM_COMPARE_H
#define PORTSIM_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "portsim/observe.h"
#include "portsim/run.h"
#include "portsim/scenario.h"
#include "portsim/search.h"
#include "portsim/stats.h"

/* compare.csv's metrics, in its row order. */
enum ps_cmp_metric {
	PS_CMP_FAILURE_RATIO,       /* failures / attempts */
	PS_CMP_FIRST_FAILURE_S,     /* over replications that failed */
	PS_CMP_PROBES_MEAN,
	PS_CMP_PROBES_P99,
	PS_CMP_PROBES_MAX,
	PS_CMP_REUSE_MIN_S,         /* time from a port's release to its next allocation */
	PS_CMP_REUSE_P1_S,
	PS_CMP_REUSE_MEDIAN_S,
	PS_CMP_REUSE_MIN_ALLOCS,    /* allocations in between */
	PS_CMP_REUSE_P1_ALLOCS,
	PS_CMP_REUSE_MEDIAN_ALLOCS,
	PS_CMP_TW_TAKEOVERS,
	PS_CMP_PEER_TW_COLLISIONS,  /* new connections on a 4-tuple the server holds in TIME_WAIT */
	PS_CMP_PREDICT_SAME_G1,     /* share of ports predicted from the last one to the same destination */
	PS_CMP_PREDICT_SAME_G10,
	PS_CMP_PREDICT_ANY_G1,      /* ... from the last one to any destination */
	PS_CMP_PREDICT_ANY_G10,
	PS_CMP_DELAY_P50_S,         /* connect delay of established connections (syn.h) */
	PS_CMP_DELAY_P99_S,
	PS_CMP_DELAY_P999_S,
	PS_CMP_DELAY_MAX_S,
	PS_CMP_METRIC_COUNT
};

/* "failure_ratio", ... as compare.csv names them. */
const char *ps_cmp_metric_name(enum ps_cmp_metric m);

/* reuse_cdf.csv: points per strategy, log-spaced from the smallest reuse distance to the largest. */
#define PS_CMP_CDF_POINTS 100

struct ps_compare_strategy {
	char name[PS_NAME_MAX];
	double *values;       /* [PS_CMP_METRIC_COUNT * replications]: metric m of replication k at
			       * m * replications + k; NAN where the replication has no value */
	uint64_t *requests;   /* [replications] arrivals of each replication: equal across strategies */
	struct ps_ci ci[PS_CMP_METRIC_COUNT]; /* n == 0: no replication had the metric */
	/* Reuse distances in seconds, merged over the replications (n == 0: no port came back). */
	struct ps_loghist reuse_s;
};

struct ps_compare_result {
	unsigned replications;
	size_t nstrategies;
	struct ps_compare_strategy *s;  /* [nstrategies], in the order asked */
};

/*
 * Called after every run: done of total runs, the strategy and replication
 * just finished. Runs finish in any order, but the calls come one at a time
 * and done counts up to total.
 */
typedef void (*ps_progress_fn)(void *arg, unsigned done, unsigned total, const char *strategy,
			       unsigned replication);

struct ps_compare_options {
	const char *const *strategies; /* names from ps_alloc_registry */
	size_t nstrategies;
	unsigned replications;         /* 1..PS_REPLICATIONS_MAX */
	const char *out_dir;           /* compare.csv and reuse_cdf.csv go here; NULL: no files */
	ps_progress_fn progress;       /* may be NULL */
	void *progress_arg;
	unsigned jobs;                 /* runs at once (workers.h); 0: the default. Outputs do not depend on it */
};

/*
 * Splits "a,b,c" or "all" into strategy names, checking each against the
 * registry. *names (malloc'd array of pointers into *buf, also malloc'd)
 * must be freed with free(*names) and free(*buf). 0, or -1 with a message.
 */
int ps_compare_parse_strategies(const char *list, const char ***names, size_t *n, char **buf,
				char *err, size_t size);

/*
 * Runs the comparison, every strategy's every replication at once on
 * opt->jobs threads. On success res must be freed with ps_compare_result_fini.
 */
enum ps_status ps_compare(const struct ps_scenario *sc, const struct ps_compare_options *opt,
			  struct ps_compare_result *res, char *err, size_t size);

void ps_compare_result_fini(struct ps_compare_result *res);

#endif
