/* portsim compare: one scenario under several strategies, common random numbers, replications. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portsim/compare.h"
#include "portsim/scenario.h"

/* On a terminal one line redrawn and cleared at the end; in a log, one line per run. */
static void progress(void *arg, unsigned done, unsigned total, const char *strategy, unsigned rep)
{
	(void)arg;
	if (!isatty(fileno(stderr))) {
		fprintf(stderr, "compare: %u/%u runs (%s, replication %u)\n", done, total, strategy, rep);
		return;
	}
	fprintf(stderr, "\rcompare: %u/%u runs (%s, replication %u)\033[K", done, total, strategy, rep);
	if (done == total)
		fputs("\r\033[K", stderr);
}

/* "mean ± half" in a column of width w; "-" when the metric is missing. */
static void cell(const struct ps_ci *ci, int w)
{
	char buf[64];
	if (ci->n == 0)
		snprintf(buf, sizeof(buf), "-");
	else if (ci->n == 1)
		snprintf(buf, sizeof(buf), "%.4g", ci->mean);
	else
		snprintf(buf, sizeof(buf), "%.4g ± %.2g", ci->mean, ps_ci_half_width(ci));
	/* "±" is two bytes and one column. */
	printf("  %-*s", w + (strstr(buf, "±") ? 1 : 0), buf);
}

static void print_table(const struct ps_scenario *sc, const struct ps_compare_result *r)
{
	static const enum ps_cmp_metric cols[] = {
		PS_CMP_FAILURE_RATIO, PS_CMP_FIRST_FAILURE_S, PS_CMP_PROBES_MEAN, PS_CMP_PROBES_P99,
		PS_CMP_REUSE_MEDIAN_S, PS_CMP_PEER_TW_COLLISIONS, PS_CMP_PREDICT_SAME_G1,
	};
	const int w = 20;
	printf("%s: %zu strategies, %u replication%s from seed %" PRIu64 "; ", sc->name, r->nstrategies,
	       r->replications, r->replications == 1 ? "" : "s", sc->seed);
	if (r->replications == 1)
		printf("one replication gives no interval: values alone\n");
	else
		printf("mean ± 95 %% half-width\n");
	printf("%-16s", "strategy");
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		printf("  %-*s", w, ps_cmp_metric_name(cols[c]));
	putchar('\n');
	for (size_t i = 0; i < r->nstrategies; i++) {
		printf("%-16s", r->s[i].name);
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			cell(&r->s[i].ci[cols[c]], w);
		putchar('\n');
	}
	bool some_failed = false;
	for (size_t i = 0; i < r->nstrategies; i++)
		some_failed = some_failed || r->s[i].ci[PS_CMP_FIRST_FAILURE_S].n > 0;
	if (some_failed)
		printf("first_failure_s is over the replications that failed (n in compare.csv).\n");
}

static int compare(const struct ps_cli_parsed *p)
{
	char err[PS_ERR_MAX];
	const char **names = NULL;
	char *namebuf = NULL;
	size_t nnames = 0;
	if (ps_compare_parse_strategies(ps_cli_text(p, "strategies"), &names, &nnames, &namebuf, err,
					sizeof(err)) != 0) {
		ps_cli_error("compare: --strategies: %s", err);
		return PS_EXIT_USAGE;
	}
	struct ps_scenario *sc = NULL;
	unsigned jobs;
	int rc = ps_cli_jobs(p, &jobs);
	if (rc == PS_EXIT_OK)
		rc = ps_cli_load(p, &sc);
	if (rc != PS_EXIT_OK)
		goto done;
	struct ps_compare_options opt = {
		.strategies = names, .nstrategies = nnames, .out_dir = ps_cli_out(p),
		.replications = (unsigned)ps_cli_number(p, "replications"),
		.progress = ps_cli_progress(p) ? progress : NULL, .jobs = jobs,
	};
	rc = PS_EXIT_RUNTIME;
	if (!opt.out_dir)
		goto done;
	ps_cli_announce(p, sc, (double)nnames * opt.replications, false, false);
	struct ps_compare_result res;
	enum ps_status st = ps_compare(sc, &opt, &res, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("compare: %s", err);
		rc = st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
		goto done;
	}
	rc = ps_cli_publish(p);
	if (rc == PS_EXIT_OK && !ps_cli_flag(p, "quiet")) {
		print_table(sc, &res);
		printf("wrote %s/compare.csv, %s/reuse_cdf.csv, %s/MANIFEST\n", opt.out_dir, opt.out_dir, opt.out_dir);
	}
	ps_compare_result_fini(&res);
	rc = ps_cli_report_outputs(p, sc, &(struct ps_cli_report_job){ .dir = opt.out_dir, .scenario_ini = true });
done:
	free(names);
	free(namebuf);
	free(sc);
	return rc;
}

static const struct ps_cli_option opts[] = {
	PS_OPT_TEXT('s', "strategies", "LIST", "all", "comma-separated strategies (see 'portsim strategies'), or all"),
	PS_OPT_WHOLE('n', "replications", "N", "5", 1, PS_REPLICATIONS_MAX, "replications per strategy"),
	PS_OPT_JOBS,
	PS_OPT_SEED("base seed (default: the scenario's)"),
	PS_OPT_DURATION("simulated time"),
	PS_OPT_SET,
	PS_OPT_OUT("out/compare"),
	PS_OPT_TITLE,
	PS_OPT_REPORT,
	PS_OPT_QUIET,
	PS_OPT_PROGRESS,
	PS_OPT_END,
};

const struct ps_cli_command ps_cmd_compare = {
	.name = "compare",
	.summary = "run under several strategies with common random numbers",
	.about = "Runs SCENARIO (the built-in default when omitted) under each strategy with common random "
		 "numbers: every strategy sees the same arrivals, durations and destinations; only the "
		 "allocator differs. Replication k uses seed splitmix64(seed + k), and replication 0 the seed "
		 "itself, so one replication equals 'portsim run'. Writes compare.csv (strategy, metric, mean, "
		 "95 % interval, n) and reuse_cdf.csv into DIR, and prints a table. The runs are independent and run at once on N threads (-j).",
	.scenario = true,
	.opts = opts,
	.main = compare,
};
