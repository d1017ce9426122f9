/* portsim run: load a scenario, apply overrides, play it, write the CSV files. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portsim/run.h"
#include "portsim/scenario.h"

static const char usage_text[] =
	"usage: portsim run [SCENARIO] [--strategy S] [--seed N] [--duration SECONDS]\n"
	"                   [--set SECTION.KEY=VALUE]... [--out DIR] [--events] [--ports]\n"
	"                   [--quiet]\n"
	"\n"
	"Runs SCENARIO (an INI file; the built-in default scenario when omitted) and\n"
	"writes summary.csv, timeseries.csv and scenario.ini (the resolved scenario)\n"
	"into DIR.\n"
	"\n"
	"  --strategy S        allocation strategy, same as --set host.strategy=S\n"
	"                      (default: the scenario's; see 'portsim strategies')\n"
	"  --seed N            random seed, same as --set run.seed=N (default: the scenario's, 1)\n"
	"  --duration SECONDS  simulated time, same as --set run.duration_s=SECONDS\n"
	"  --set K=V           override any scenario key, e.g. --set workload.client.rate_per_s=300;\n"
	"                      may be repeated, applied in order after the file\n"
	"  -o, --out DIR       output directory, created if missing (default: out)\n"
	"  -e, --events        also write events.csv, one row per connection event\n"
	"      --ports         also write ports.csv, ports in use per bin of 64 at every sample\n"
	"  -q, --quiet         print nothing but errors\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 done, 1 run-time failure (I/O), 2 bad command line or scenario.\n";

int ps_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "events", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "out", required_argument, NULL, 'o' },
		{ "ports", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "seed", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },
		{ "strategy", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	/* Both are plain data of a few hundred kilobytes: the stack holds them. */
	struct ps_cli_overrides sets_buf = { .cmd = "run" }, *sets = &sets_buf;
	const char *out = "out";
	bool events = false, ports = false, quiet = false;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":eho:q", longopts, NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'd':
			ok = ps_cli_override(sets, "--duration", "run.duration_s", optarg);
			break;
		case 'e':
			events = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return PS_EXIT_OK;
		case 'o':
			out = optarg;
			break;
		case 'p':
			ports = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'r':
			ok = ps_cli_override(sets, "--seed", "run.seed", optarg);
			break;
		case 's':
			ok = ps_cli_override(sets, NULL, NULL, optarg);
			break;
		case 'S':
			ok = ps_cli_override(sets, "--strategy", "host.strategy", optarg);
			break;
		case ':':
			ps_cli_error("run: option \"%s\" needs a value (see portsim run --help)", argv[optind - 1]);
			return PS_EXIT_USAGE;
		default:
			ps_cli_error("run: unknown option \"%s\" (see portsim run --help)", argv[optind - 1]);
			return PS_EXIT_USAGE;
		}
		if (!ok)
			return PS_EXIT_USAGE;
	}
	if (argc - optind > 1) {
		ps_cli_error("run: one scenario at most, got \"%s\" and \"%s\"", argv[optind], argv[optind + 1]);
		return PS_EXIT_USAGE;
	}

	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	if (!ps_cli_load(&sc, optind < argc ? argv[optind] : NULL, sets))
		return PS_EXIT_USAGE;
	if (ps_cli_mkdirs(out) != 0) {
		ps_cli_error("run: cannot create output directory \"%s\": %s", out, strerror(errno));
		return PS_EXIT_RUNTIME;
	}

	struct ps_run_options opt = {
		.out_dir = out, .events = events, .ports = ports, .progress = !quiet && isatty(fileno(stderr)),
	};
	struct ps_run_result res;
	enum ps_status st = ps_run(&sc, &opt, &res, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("%s", err);
		return st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
	}
	if (!quiet) {
		const struct ps_metrics *m = &res.m;
		printf("%s under %s, seed %" PRIu64 ": %" PRIu64 " attempts, %" PRIu64 " failed",
		       sc.name, sc.strategy, sc.seed, m->attempts, m->failures);
		if (m->failed)
			printf(" (first at %.3f s, attempt %" PRIu64 ")", (double)m->first_failure / 1e9,
			       m->first_failure_attempt);
		printf("; mean %.2f probes, max %u\n", ps_metrics_probes_mean(m), m->probes_max);
		printf("wrote %s/summary.csv, %s/timeseries.csv%s%s%s%s%s%s, %s/scenario.ini\n", out, out,
		       events ? ", " : "", events ? out : "", events ? "/events.csv" : "", ports ? ", " : "",
		       ports ? out : "", ports ? "/ports.csv" : "", out);
	}
	ps_run_result_fini(&res);
	return PS_EXIT_OK;
}
