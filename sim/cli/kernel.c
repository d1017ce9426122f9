/* portsim kernel: play a scenario's connections against the live Linux kernel. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli.h"
#include "portsim/interrupt.h"
#include "portsim/kernel.h"
#include "portsim/output.h"
#include "portsim/scenario.h"

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
	if (!quiet && !opt->search_time) {
		const struct ps_metrics *m = &res.m;
		printf("%s on Linux %s%s: %" PRIu64 " attempts, %" PRIu64 " failed", sc->name, res.release,
		       opt->fast ? " (fast)" : "", m->attempts, m->failures);
		if (m->failed)
			printf(" (first at %.3f s, attempt %" PRIu64 ")", (double)m->first_failure / 1e9,
			       m->first_failure_attempt);
		printf("; %.1f s, at worst %.3f s late\n", res.wall_s, res.max_lag_s);
	}
	if (res.tw_lost)
		fprintf(stderr,
			"portsim: kernel: warning: this machine's kernel ended %" PRIu64 " TIME_WAIT socket(s) "
			"before their time (%s): the run does not show the allocator alone\n",
			res.tw_lost, res.tw_lost_why[0] ? res.tw_lost_why : "no TcpExt counter says why");
	ps_kernel_result_fini(&res);
	return PS_EXIT_OK;
}

/*
 * The child's first steps: it dies with its parent (PR_SET_PDEATHSIG), even
 * if the parent died before the request was made, and a signal ends it at
 * once: the parent removes whatever it was writing.
 */
static void bind_to_parent(pid_t parent)
{
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(PS_EXIT_RUNTIME);
	ps_interrupt_default();
	if (ps_interrupted())
		_exit(PS_EXIT_RUNTIME);
}

/* Forks: the child enters the namespace and plays sc, this process keeps its own. Returns the exit status. */
static int play(const struct ps_scenario *sc, const struct ps_kernel_options *opt, bool quiet)
{
	if (!quiet)
		fprintf(stderr, "portsim: playing %s against the kernel%s: %.0f s of real time\n", sc->name,
			opt->fast ? " (fast)" : "", opt->fast ? 0.0 : sc->duration_s);
	char err[PS_ERR_MAX];
	/* Made here, so the folder is this process's to publish or remove, whatever becomes of the child. */
	if (ps_output_stage(err, sizeof(err)) != 0) {
		ps_cli_error("kernel: %s", err);
		return PS_EXIT_RUNTIME;
	}
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		ps_cli_error("kernel: fork: %s", strerror(errno));
		return PS_EXIT_RUNTIME;
	}
	if (pid == 0) {
		bind_to_parent(parent);
		int code = replay(sc, opt, quiet);
		fflush(NULL);
		exit(code);
	}
	ps_interrupt_forward(pid);
	int status = 0;
	pid_t w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	ps_interrupt_forward(0);
	if (w < 0) {
		ps_cli_error("kernel: waitpid: %s", strerror(errno));
		return PS_EXIT_RUNTIME;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	/* Killed by the signal this process passed on: ps_cli_finish says so. */
	ps_cli_error("kernel: the replay died (signal %d)", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return PS_EXIT_RUNTIME;
}

static int kernel(const struct ps_cli_parsed *p)
{
	struct ps_scenario *sc;
	int rc = ps_cli_load(p, &sc);
	if (rc != PS_EXIT_OK)
		return rc;
	struct ps_kernel_options opt = {
		.limit_s = ps_cli_number(p, "limit"), .fast = ps_cli_flag(p, "fast"), .progress = ps_cli_progress(p),
		.tw_ends = ps_cli_flag(p, "tw-ends"),
		.search_time = ps_cli_flag(p, "search-time"),
	};
	char err[PS_ERR_MAX];
	if (opt.tw_ends && opt.fast) {
		ps_cli_error("kernel: --tw-ends watches TIME_WAIT end in real time; allowed: --tw-ends or --fast, not both");
		free(sc);
		return PS_EXIT_USAGE;
	}
	/* Refuse before anything is created: a scenario the kernel cannot play, or no kernel to play it. */
	if (ps_kernel_check(sc, opt.limit_s, err, sizeof(err)) != PS_DONE || !ps_kernel_available(err, sizeof(err))) {
		ps_cli_error("%s", err);
		rc = PS_EXIT_USAGE;
	} else if (!(opt.out_dir = ps_cli_out(p))) {
		rc = PS_EXIT_RUNTIME;
	} else {
		bool quiet = ps_cli_flag(p, "quiet");
		rc = play(sc, &opt, quiet);
		if (rc == PS_EXIT_OK)
			rc = ps_cli_publish(p);
		if (rc == PS_EXIT_OK && !quiet && opt.search_time)
			printf("wrote %s/search_time.csv, %s/MANIFEST\n", opt.out_dir, opt.out_dir);
		else if (rc == PS_EXIT_OK && !quiet)
			printf("wrote %s/events.csv, %s/summary.csv, %s/MANIFEST\n", opt.out_dir, opt.out_dir, opt.out_dir);
	}
	free(sc);
	return rc;
}

static const struct ps_cli_option opts[] = {
	PS_OPT_SET,
	PS_OPT_SEED("random seed"),
	PS_OPT_DURATION("simulated time, and real time passing"),
	PS_OPT_OUT("out/kernel"),
	PS_OPT_NUMBER('l', "limit", "SECONDS", PS_CLI_STR(PS_KERNEL_DEFAULT_LIMIT_S), 0, 86400 * 365.0,
		      "refuse scenarios longer than this, real time passing; 0: no limit"),
	PS_OPT_FLAG('f', "fast",
		    "do not wait for each arrival's time: keep only the order of opens and closes (faithful "
		    "when nothing depends on elapsed time: TIME_WAIT expiry, tw_reuse delay, re-salt)"),
	PS_OPT_FLAG('w', "tw-ends",
		    "poll the namespace's /proc/net/tcp every few milliseconds and write a tw_end row when the "
		    "kernel ends a TIME_WAIT entry (its timer wheel ends them in batches); not with --fast"),
	PS_OPT_FLAG(0, "search-time",
		    "instead of playing the scenario, time connect() on its [host] port_range empty and with "
		    "every port but one held (1,001 calls each), and compare the cost of one candidate with "
		    "probe_ns; writes search_time.csv"),
	PS_OPT_QUIET,
	PS_OPT_PROGRESS,
	PS_OPT_END,
};

const struct ps_cli_command ps_cmd_kernel = {
	.name = "kernel",
	.summary = "play a scenario against the live Linux kernel (root)",
	.about = "Plays SCENARIO's connections (the built-in default when omitted) against the live Linux "
		 "kernel, in a fresh network namespace that disappears when the command ends: loopback up, the "
		 "scenario's port range, reserved ports and tw_reuse applied, a listener on every destination "
		 "(10.0.0.k becomes 127.0.0.k), each connection opened in its socket mode and closed from the "
		 "side the scenario draws. Writes events.csv (the schema of 'portsim run --events'; probes are "
		 "0, and tw_end rows only with --tw-ends, which watches the socket table for them) and summary.csv into DIR. Needs "
		 "Linux and root (or CAP_SYS_ADMIN and CAP_NET_ADMIN). The kernel is the strategy: the "
		 "scenario's strategy keys are ignored.",
	.exits = "0 done, 1 run-time failure (socket error, timeout, I/O), 2 bad command line or scenario, or "
		 "no kernel to play against (not Linux, no permission for a network namespace).",
	.scenario = true,
	.opts = opts,
	.main = kernel,
};
