/* portsim kernel: play a scenario's connections against the live Linux kernel. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "portsim/kernel.h"
#include "portsim/scenario.h"


static const char usage_text[] =
	"usage: portsim kernel [SCENARIO] [--set SECTION.KEY=VALUE]... [--seed N]\n"
	"                      [--duration SECONDS] [--out DIR] [--limit SECONDS] [--fast]\n"
	"                      [--quiet]\n"
	"\n"
	"Plays SCENARIO's connections (the built-in default when omitted) against the\n"
	"live Linux kernel, in a fresh network namespace that disappears when the\n"
	"command ends: loopback up, the scenario's port range, reserved ports and\n"
	"tw_reuse applied, a listener on every destination (10.0.0.k becomes\n"
	"127.0.0.k), each connection opened in its socket mode and closed from the\n"
	"side the scenario draws. Writes events.csv (the schema of 'portsim run\n"
	"--events'; probes are 0 and there are no tw_end rows, neither being\n"
	"observable) and summary.csv into DIR. Needs Linux and root (or\n"
	"CAP_SYS_ADMIN and CAP_NET_ADMIN). The kernel is the strategy: the\n"
	"scenario's strategy keys are ignored.\n"
	"\n"
	"  --set K=V           override any scenario key; may be repeated\n"
	"  --seed N            same as --set run.seed=N\n"
	"  --duration SECONDS  same as --set run.duration_s=SECONDS\n"
	"  -o, --out DIR       output directory, created if missing (default: out/kernel)\n"
	"  -l, --limit SECONDS refuse scenarios longer than this, real time passing\n"
	"                      (default: 120; 0: no limit)\n"
	"  -f, --fast          do not wait for each arrival's time: keep only the order\n"
	"                      of opens and closes (faithful when nothing depends on\n"
	"                      elapsed time: TIME_WAIT expiry, tw_reuse delay, re-salt)\n"
	"  -q, --quiet         print nothing but errors\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 done, 1 run-time failure (socket error, timeout, I/O),\n"
	"2 bad command line or scenario, or no kernel to play against (not Linux,\n"
	"no permission for a network namespace).\n";

static bool parse_limit(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 86400 * 365.0)
		return false;
	*out = v;
	return true;
}

/* The replay in the child: it is the process whose namespace changes. Returns an exit status. */
static int replay(const struct ps_scenario *sc, const struct ps_kernel_options *opt, bool quiet)
{
	struct ps_kernel_result res;
	char err[PS_ERR_MAX];
	enum ps_status st = ps_kernel_run(sc, opt, &res, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("%s", err);
		return st == PS_FAILED ? PS_EXIT_RUNTIME : PS_EXIT_USAGE;
	}
	if (!quiet) {
		const struct ps_metrics *m = &res.m;
		printf("%s on Linux %s%s: %" PRIu64 " attempts, %" PRIu64 " failed", sc->name, res.release,
		       opt->fast ? " (fast)" : "", m->attempts, m->failures);
		if (m->failed)
			printf(" (first at %.3f s, attempt %" PRIu64 ")", (double)m->first_failure / 1e9,
			       m->first_failure_attempt);
		printf("; %.1f s, at worst %.3f s late\n", res.wall_s, res.max_lag_s);
		printf("wrote %s/events.csv, %s/summary.csv\n", opt->out_dir, opt->out_dir);
	}
	ps_kernel_result_fini(&res);
	return PS_EXIT_OK;
}

int ps_cmd_kernel(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "fast", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "limit", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "seed", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct ps_cli_overrides sets = { .cmd = "kernel" };
	const char *out = "out/kernel";
	double limit = PS_KERNEL_DEFAULT_LIMIT_S;
	bool fast = false, quiet = false;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":fhl:o:q", longopts, NULL)) != -1) {
		const char *key = NULL, *flag = NULL;
		switch (ch) {
		case 'd':
			key = "run.duration_s";
			flag = "--duration";
			break;
		case 'f':
			fast = true;
			continue;
		case 'h':
			fputs(usage_text, stdout);
			return PS_EXIT_OK;
		case 'l':
			if (!parse_limit(optarg, &limit)) {
				ps_cli_error("kernel: --limit \"%s\": not a number of seconds (0 for no limit)", optarg);
				return PS_EXIT_USAGE;
			}
			continue;
		case 'o':
			out = optarg;
			continue;
		case 'q':
			quiet = true;
			continue;
		case 'r':
			key = "run.seed";
			flag = "--seed";
			break;
		case 's':
			break;
		case ':':
			ps_cli_error("kernel: option \"%s\" needs a value (see portsim kernel --help)",
				     argv[optind - 1]);
			return PS_EXIT_USAGE;
		default:
			ps_cli_error("kernel: unknown option \"%s\" (see portsim kernel --help)", argv[optind - 1]);
			return PS_EXIT_USAGE;
		}
		if (!ps_cli_override(&sets, flag, key, optarg))
			return PS_EXIT_USAGE;
	}
	if (argc - optind > 1) {
		ps_cli_error("kernel: one scenario at most, got \"%s\" and \"%s\"", argv[optind],
			     argv[optind + 1]);
		return PS_EXIT_USAGE;
	}

	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	if (!ps_cli_load(&sc, optind < argc ? argv[optind] : NULL, &sets))
		return PS_EXIT_USAGE;
	/* Refuse before anything is created: a scenario the kernel cannot play, or no kernel to play it. */
	if (ps_kernel_check(&sc, limit, err, sizeof(err)) != PS_DONE) {
		ps_cli_error("%s", err);
		return PS_EXIT_USAGE;
	}
	if (!ps_kernel_available(err, sizeof(err))) {
		ps_cli_error("%s", err);
		return PS_EXIT_USAGE;
	}
	if (ps_cli_mkdirs(out) != 0) {
		ps_cli_error("kernel: cannot create output directory \"%s\": %s", out, strerror(errno));
		return PS_EXIT_RUNTIME;
	}
	if (!quiet)
		fprintf(stderr, "portsim: playing %s against the kernel%s: %.0f s of real time\n", sc.name,
			fast ? " (fast)" : "", fast ? 0.0 : sc.duration_s);
	fflush(NULL);

	struct ps_kernel_options opt = {
		.out_dir = out, .limit_s = limit, .fast = fast, .progress = !quiet && isatty(fileno(stderr)),
	};
	/* The child enters the namespace; this process keeps its own. */
	pid_t pid = fork();
	if (pid < 0) {
		ps_cli_error("kernel: fork: %s", strerror(errno));
		return PS_EXIT_RUNTIME;
	}
	if (pid == 0) {
		int code = replay(&sc, &opt, quiet);
		fflush(NULL);
		exit(code);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ps_cli_error("kernel: waitpid: %s", strerror(errno));
			return PS_EXIT_RUNTIME;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	ps_cli_error("kernel: the replay died (signal %d)", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return PS_EXIT_RUNTIME;
}
