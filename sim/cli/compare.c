/* portsim compare: one scenario under several strategies, common random numbers, replications. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portsim/compare.h"
#include "portsim/scenario.h"


static const char usage_text[] =
	"usage: portsim compare [SCENARIO] [--strategies LIST|all] [--replications N]\n"
	"                       [--seed N] [--duration SECONDS] [--set SECTION.KEY=VALUE]...\n"
	"                       [--out DIR] [--quiet]\n"
	"\n"
	"Runs SCENARIO (the built-in default when omitted) under each strategy with\n"
	"common random numbers: every strategy sees the same arrivals, durations and\n"
	"destinations; only the allocator differs. Replication k uses seed\n"
	"splitmix64(seed + k), and replication 0 the seed itself, so one replication\n"
	"equals 'portsim run'. Writes compare.csv (strategy, metric, mean, 95 %\n"
	"interval, n) and reuse_cdf.csv into DIR, and prints a table.\n"
	"\n"
	"  -s, --strategies LIST  comma-separated strategies, or all (default: all;\n"
	"                         see 'portsim strategies')\n"
	"  -n, --replications N   replications per strategy, 1 to 1000 (default: 5)\n"
	"  --seed N               base seed, same as --set run.seed=N (default: the scenario's)\n"
	"  --duration SECONDS     simulated time, same as --set run.duration_s=SECONDS\n"
	"  --set K=V              override any scenario key; may be repeated\n"
	"  -o, --out DIR          output directory, created if missing (default: out/compare)\n"
	"  -q, --quiet            print nothing but errors\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 done, 1 run-time failure (I/O), 2 bad command line or scenario.\n";

static bool parse_replications(const char *text, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end || errno || v < 1 || v > PS_REPLICATIONS_MAX) {
		ps_cli_error("compare: --replications \"%s\": allowed: a whole number from 1 to %d", text,
			     PS_REPLICATIONS_MAX);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static void progress(void *arg, unsigned done, unsigned total, const char *strategy, unsigned rep)
{
	(void)arg;
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

int ps_cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "replications", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 'S' },
		{ "strategies", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct ps_cli_overrides *sets = calloc(1, sizeof(*sets));
	if (!sets) {
		ps_cli_error("compare: out of memory");
		return PS_EXIT_RUNTIME;
	}
	sets->cmd = "compare";
	unsigned reps = 5;
	const char *out = "out/compare", *list = "all";
	bool quiet = false;
	int ch, rc = PS_EXIT_USAGE;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hn:o:qs:", longopts, NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'd':
			ok = ps_cli_override(sets, "--duration", "run.duration_s", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			free(sets);
			return PS_EXIT_OK;
		case 'n':
			ok = parse_replications(optarg, &reps);
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'r':
			ok = ps_cli_override(sets, "--seed", "run.seed", optarg);
			break;
		case 's':
			list = optarg;
			break;
		case 'S':
			ok = ps_cli_override(sets, NULL, NULL, optarg);
			break;
		case ':':
			ps_cli_error("compare: option \"%s\" needs a value (see portsim compare --help)",
				     argv[optind - 1]);
			ok = false;
			break;
		default:
			ps_cli_error("compare: unknown option \"%s\" (see portsim compare --help)", argv[optind - 1]);
			ok = false;
			break;
		}
		if (!ok) {
			free(sets);
			return PS_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		ps_cli_error("compare: one scenario at most, got \"%s\" and \"%s\"", argv[optind],
			     argv[optind + 1]);
		free(sets);
		return PS_EXIT_USAGE;
	}

	char err[PS_ERR_MAX];
	const char **names = NULL;
	char *namebuf = NULL;
	size_t nnames = 0;
	struct ps_scenario *sc = malloc(sizeof(*sc));
	if (!sc) {
		ps_cli_error("compare: out of memory");
		free(sets);
		return PS_EXIT_RUNTIME;
	}
	if (ps_compare_parse_strategies(list, &names, &nnames, &namebuf, err, sizeof(err)) != 0) {
		ps_cli_error("compare: --strategies: %s", err);
		goto done;
	}
	if (!ps_cli_load(sc, optind < argc ? argv[optind] : NULL, sets))
		goto done;
	if (ps_cli_mkdirs(out) != 0) {
		ps_cli_error("compare: cannot create output directory \"%s\": %s", out, strerror(errno));
		rc = PS_EXIT_RUNTIME;
		goto done;
	}
	struct ps_compare_options opt = {
		.strategies = names, .nstrategies = nnames, .replications = reps, .out_dir = out,
		.progress = !quiet && isatty(fileno(stderr)) ? progress : NULL,
	};
	struct ps_compare_result res;
	enum ps_status st = ps_compare(sc, &opt, &res, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("compare: %s", err);
		rc = st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
		goto done;
	}
	if (!quiet) {
		print_table(sc, &res);
		printf("wrote %s/compare.csv, %s/reuse_cdf.csv\n", out, out);
	}
	ps_compare_result_fini(&res);
	rc = PS_EXIT_OK;
done:
	free(names);
	free(namebuf);
	free(sc);
	free(sets);
	return rc;
}
