/*
 * Claims: numbers a scenario file states about itself, checked by running it.
 * An analysis: it calls ps_run, never the engine, and keeps no state.
 *
 * A claim is a comment line of the scenario file, anywhere in it:
 *
 *   # expect: METRIC OP VALUE             OP one of == != < <= > >=
 *   # expect: METRIC between A and B      both ends included
 *   # expect [KEY=VALUE, ...]: CLAIM      the same, after these overrides
 *
 * METRIC is a column of summary.csv: attempts, successes, failures,
 * failure_ratio, first_failure_s, peak_established, peak_time_wait,
 * peak_ports_in_use, probes_mean, probes_p99, probes_max, tw_takeovers,
 * requests, reused, retries, abandoned, nat_failures, peak_nat_mappings,
 * delay_p50_s, delay_p99_s, delay_p999_s, delay_max_s (0 when nothing was
 * established), syn_retransmits, syn_timeouts, race_drops, tw_refusals,
 * events, a NAT run's peak_nat_live, peak_nat_lingering,
 * nat_min_free_tightest, nat_pool_ports, nat_first_drop_s, cap_failures
 * where a population sets max_connections; or first_failure_attempt (the
 * 1-based attempt number of the first failure). The first failure's
 * metrics are absent when nothing failed, and nat_first_drop_s when the
 * NAT dropped nothing: every comparison on them is then false except
 * "== none" ("!= none" says that something failed).
 *
 * Overrides are "section.key=value" assignments as --set takes them; a
 * value may contain commas (reserved_ports=1,2). Claims with the same
 * overrides share one run, so a file costs one run per distinct set.
 *
 * A comment whose first word is "expect" is a claim and must parse: prose
 * says "you should see", so a misspelt claim is an error, never skipped.
 */
#ifndef PORTSIM_CLAIMS_H
#define PORTSIM_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "portsim/run.h"

#define PS_CLAIM_METRIC_MAX 32
#define PS_CLAIM_OVERRIDES_MAX 1024

enum ps_claim_op {
	PS_CLAIM_EQ,
	PS_CLAIM_NE,
	PS_CLAIM_LT,
	PS_CLAIM_LE,
	PS_CLAIM_GT,
	PS_CLAIM_GE,
	PS_CLAIM_BETWEEN
};

struct ps_claim {
	unsigned line;                           /* 1-based line in its file */
	char overrides[PS_CLAIM_OVERRIDES_MAX];  /* "a.b=1, c.d=2", normalised; "" for none */
	char metric[PS_CLAIM_METRIC_MAX];
	enum ps_claim_op op;
	double a, b;                             /* b only for between */
	bool none;                               /* VALUE is "none" (== and != only) */
};

/*
 * Reads one line. Returns 1 with *c filled when it is a claim, 0 when it is
 * not ("# expect" is not its first word, or it is no comment), -1 with a
 * message in err (without file or line) when it is a malformed claim.
 */
int ps_claim_parse(const char *line, struct ps_claim *c, char *err, size_t size);

/*
 * The value of a metric in a run's result: 1 with *value set, 0 when the
 * metric is absent (no failure), -1 when no metric has that name.
 */
int ps_claim_metric(const struct ps_run_result *res, const char *metric, double *value);

/* Whether the claim holds for this result. */
bool ps_claim_holds(const struct ps_claim *c, const struct ps_run_result *res);

/*
 * Whether the claim holds for a value read elsewhere (a summary.csv the
 * binary wrote): have as ps_claim_metric returns it - 1 with v, 0 when the
 * metric is absent (nothing failed), -1 when there is no such metric.
 */
bool ps_claim_holds_value(const struct ps_claim *c, int have, double v);

/*
 * Writes one report line for the claim (no newline), e.g.
 * "ok   first_failure_s = 41.3 between 40 and 45" or
 * "FAIL failures = 12 == 0 [workload.proxy.keepalive=true]"; returns the
 * length it needed, as snprintf does.
 */
int ps_claim_format(char *buf, size_t size, const struct ps_claim *c, const struct ps_run_result *res);

/*
 * Loads the scenario at path, runs it once for every distinct override set
 * of its claims (in memory, no files written; the runs at once, on
 * workers.h's default number of threads) and writes one report line per
 * claim, in file order, to report (which may be NULL). Sets *failed to the
 * number of claims that do not hold (0 for a file without claims). Returns
 * 0, or -1 with a message naming path:line for a malformed claim, or the
 * error of the scenario, an override or the run (the first in file order),
 * or of a malformed PORTSIM_JOBS.
 */
int ps_claims_check(const char *path, FILE *report, int *failed, char *err, size_t size);

#endif
