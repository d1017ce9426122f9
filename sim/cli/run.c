/* portsim run: load a scenario, apply overrides, play it, write the CSV files. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portsim/follow.h"
#include "portsim/report.h"
#include "portsim/run.h"
#include "portsim/scenario.h"

static const struct ps_cli_option opts[] = {
	PS_OPT_STRATEGY("allocation strategy (default: the scenario's; see 'portsim strategies')"),
	PS_OPT_SEED("random seed (default: the scenario's, 1)"),
	PS_OPT_DURATION("simulated time"),
	PS_OPT_SET,
	PS_OPT_OUT("out"),
	PS_OPT_FLAG('e', "events", "also write events.csv, one row per connection event"),
	PS_OPT_FLAG(0, "events-gz",
		    "write events.csv.gz instead: events.csv's bytes gzip-compressed, the same for the same run "
		    "('gzip -dc events.csv.gz' gives events.csv)"),
	PS_OPT_FLAG(0, "ports", "also write ports.csv, ports in use per bin of 64 at every sample"),
	PS_OPT_WHOLE(0, "follow-port", "P", NULL, 1, 65535,
		     "also write port-P.csv, the life of port P: every time it is chosen (by which connection, "
		     "toward which destination), closed, enters and leaves TIME_WAIT, is taken over, or is examined "
		     "and passed over; may be repeated, up to " PS_CLI_STR(PS_FOLLOW_PORTS_MAX) " ports"),
	PS_OPT_TEXT(0, "vary", "KEY=V1,V2,...", NULL,
		    "run once per value of KEY (after the other overrides; at most " PS_CLI_STR(PS_VARY_MAX)
		    " values, none with a comma) into DIR/vary-KEY-V/, list the runs in DIR/vary.csv and draw "
		    "them overlaid in DIR/vary.png and .svg (gnuplot)"),
	PS_OPT_WHOLE('j', "jobs", "N", NULL, 1, PS_JOBS_MAX,
		     "threads: 1 plays the run on one; 2 or more let a second draw the workload ahead (default: "
		     "$PORTSIM_JOBS when set, else the machine's cores); outputs are the same for every N"),
	PS_OPT_TITLE,
	PS_OPT_REPORT,
	PS_OPT_QUIET,
	PS_OPT_PROGRESS,
	PS_OPT_END,
};

static void print_result(const struct ps_scenario *sc, const struct ps_run_options *opt,
			 const struct ps_metrics *m)
{
	const char *out = opt->out_dir;
	const char *events = opt->events_gz ? "/events.csv.gz" : opt->events ? "/events.csv" : "";
	printf("%s under %s, seed %" PRIu64 ": %" PRIu64 " attempts, %" PRIu64 " failed", sc->name, sc->strategy,
	       sc->seed, m->attempts, m->failures);
	if (m->failed)
		printf(" (first at %.3f s, attempt %" PRIu64 ")", (double)m->first_failure / 1e9,
		       m->first_failure_attempt);
	printf("; mean %.2f probes, max %u\n", ps_metrics_probes_mean(m), m->probes_max);
	printf("wrote %s/summary.csv, %s/timeseries.csv%s%s%s%s%s%s, %s/scenario.ini, %s/MANIFEST\n", out, out,
	       *events ? ", " : "", *events ? out : "", events, opt->ports ? ", " : "", opt->ports ? out : "",
	       opt->ports ? "/ports.csv" : "", out, out);
}

/* --follow-port, checked: a follower of every port given, or NULL with *rc the status (PS_EXIT_OK: none given). */
static struct ps_follow *followed_ports(const struct ps_cli_parsed *p, int *rc)
{
	const double *v;
	size_t n = ps_cli_numbers(p, "follow-port", &v);
	*rc = PS_EXIT_OK;
	if (n == 0)
		return NULL;
	if (n > PS_FOLLOW_PORTS_MAX || ps_cli_text(p, "vary")) {
		if (n > PS_FOLLOW_PORTS_MAX)
			ps_cli_error("run: --follow-port given %zu times; allowed: at most %d ports", n,
				     PS_FOLLOW_PORTS_MAX);
		else
			ps_cli_error("run: --follow-port does not combine with --vary; follow the port in one run");
		*rc = PS_EXIT_USAGE;
		return NULL;
	}
	struct ps_follow_config cfg = { .nports = 0 };
	for (size_t i = 0; i < n; i++) {
		bool again = false;
		for (size_t j = 0; j < cfg.nports; j++)
			again |= cfg.ports[j] == (uint16_t)v[i];
		if (!again)
			cfg.ports[cfg.nports++] = (uint16_t)v[i];
	}
	struct ps_follow *f = ps_follow_new(&cfg);
	if (!f) {
		ps_cli_error("run: out of memory");
		*rc = PS_EXIT_RUNTIME;
	}
	return f;
}

/* --vary: each run's line as it ends, and its first failure for its report. */
struct vary_ctx {
	bool quiet;
	uint64_t first_failure_attempt[PS_VARY_MAX];
};

static void vary_done(void *arg, const struct ps_vary *v, size_t i, const char *dir, const struct ps_run_result *res)
{
	struct vary_ctx *c = arg;
	const struct ps_metrics *m = &res->m;
	c->first_failure_attempt[i] = m->failed ? m->first_failure_attempt : 0;
	if (c->quiet)
		return;
	printf("%s=%s: %" PRIu64 " attempts, %" PRIu64 " failed", v->key, v->values[i], m->attempts, m->failures);
	if (m->failed)
		printf(" (first at %.3f s, attempt %" PRIu64 ")", (double)m->first_failure / 1e9, m->first_failure_attempt);
	printf("; wrote %s\n", dir);
}

static int run_vary(const struct ps_cli_parsed *p, const struct ps_scenario *sc, struct ps_run_options *opt)
{
	char err[PS_ERR_MAX], what[PS_ERR_MAX];
	struct ps_vary v;
	if (ps_vary_parse(&v, ps_cli_text(p, "vary"), sc, err, sizeof(err)) != 0) {
		ps_cli_error("run: %s", err);
		return PS_EXIT_USAGE;
	}
	int rc = PS_EXIT_RUNTIME;
	struct vary_ctx ctx = { .quiet = ps_cli_flag(p, "quiet") };
	ps_cli_what(p, sc, sc->strategy, what, sizeof(what));
	if (!(opt->out_dir = ps_cli_out(p)))
		goto done;
	enum ps_status st = ps_vary_run(sc, &v, opt, what, vary_done, &ctx, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("run: %s", err);
		rc = st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
		goto done;
	}
	/* Each run's own page, then the overlaid figure and the page of them all. */
	rc = PS_EXIT_OK;
	for (size_t i = 0; rc == PS_EXIT_OK && ps_cli_flag(p, "report") && i < v.n; i++) {
		char name[PS_PATH_MAX], sub[PS_PATH_MAX * 2], sub_what[PS_ERR_MAX * 2];
		ps_vary_dirname(&v, i, name, sizeof(name));
		snprintf(sub, sizeof(sub), "%s/%s", opt->out_dir, name);
		snprintf(sub_what, sizeof(sub_what), "%s, %s=%s", what, v.key, v.values[i]);
		struct ps_cli_report_job job = { .dir = sub, .what = sub_what,
						 .first_failure_attempt = ctx.first_failure_attempt[i] };
		rc = ps_cli_report_outputs(p, sc, &job);
	}
	struct ps_cli_report_job all = { .dir = opt->out_dir, .what = what, .title = true, .plot = true };
	if (rc == PS_EXIT_OK)
		rc = ps_cli_report_outputs(p, sc, &all);
	if (rc == PS_EXIT_OK && !ctx.quiet)
		printf("wrote %s/vary.csv, %s/vary.png, %s/vary.svg\n", opt->out_dir, opt->out_dir, opt->out_dir);
done:
	ps_vary_fini(&v);
	return rc;
}

static int run(const struct ps_cli_parsed *p)
{
	struct ps_scenario *sc;
	struct ps_follow *follow = NULL;
	int rc = ps_cli_load(p, &sc);
	if (rc != PS_EXIT_OK)
		return rc;
	unsigned jobs;
	if ((rc = ps_cli_jobs(p, &jobs)) != PS_EXIT_OK) {
		free(sc);
		return rc;
	}
	struct ps_run_options opt = {
		.events = ps_cli_flag(p, "events"), .events_gz = ps_cli_flag(p, "events-gz"),
		.ports = ps_cli_flag(p, "ports"), .progress = ps_cli_progress(p),
		/* One simulation at a time: a second core, if there is one, draws its workload. */
		.draw_ahead = jobs >= 2,
	};
	if (ps_cli_text(p, "vary")) {
		rc = run_vary(p, sc, &opt);
		goto done;
	}
	follow = followed_ports(p, &rc);
	if (rc != PS_EXIT_OK)
		goto done;
	rc = PS_EXIT_RUNTIME;
	if (!(opt.out_dir = ps_cli_out(p)))
		goto done;
	if (follow && ps_follow_open(follow, opt.out_dir) != 0) {
		ps_cli_error("run: %s: cannot write outputs: %s", opt.out_dir, strerror(errno));
		goto done;
	}
	opt.follow = follow;
	ps_cli_announce(p, sc, 1, opt.events, opt.events_gz);
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	enum ps_status st = ps_run(sc, &opt, &res, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("%s", err);
		rc = st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
		goto done;
	}
	if (follow && ps_follow_commit(follow) != 0) {
		ps_cli_error("run: %s: cannot write outputs: %s", opt.out_dir, strerror(errno));
		ps_run_result_fini(&res);
		goto done;
	}
	/* Published before it is said: what the lines below name is there. */
	rc = ps_cli_publish(p);
	if (rc == PS_EXIT_OK && !ps_cli_flag(p, "quiet")) {
		print_result(sc, &opt, &res.m);
		const double *v;
		for (size_t i = 0, n = follow ? ps_cli_numbers(p, "follow-port", &v) : 0; i < n; i++)
			printf("wrote %s/port-%.0f.csv\n", opt.out_dir, v[i]);
	}
	struct ps_cli_report_job job = { .dir = opt.out_dir, .strategy = sc->strategy,
					 .first_failure_attempt = res.m.failed ? res.m.first_failure_attempt : 0 };
	ps_run_result_fini(&res);
	rc = ps_cli_report_outputs(p, sc, &job);
done:
	ps_follow_free(follow);
	free(sc);
	return rc;
}

const struct ps_cli_command ps_cmd_run = {
	.name = "run",
	.summary = "run a scenario (the built-in default when none is given)",
	.about = "Runs SCENARIO (an INI file; the built-in default scenario when omitted) and writes "
		 "summary.csv, timeseries.csv and scenario.ini (the resolved scenario) into DIR, then its "
		 "MANIFEST, last: the files were written in DIR/.portsim-tmp-PID and replace the previous "
		 "run's only once all of them are complete. Interrupted (SIGINT, SIGTERM), it leaves DIR as it "
		 "was and exits 130 or 143. With --vary it runs once per value of one key and draws the "
		 "runs overlaid; with --report it also writes DIR/report.html (see 'portsim report').",
	.scenario = true,
	.opts = opts,
	.main = run,
};
