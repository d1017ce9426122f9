/* portsim run: load a scenario, apply overrides, play it, write the CSV files. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
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

static int run(const struct ps_cli_parsed *p)
{
	struct ps_scenario *sc;
	int rc = ps_cli_load(p, &sc);
	if (rc != PS_EXIT_OK)
		return rc;
	struct ps_run_options opt = {
		.out_dir = ps_cli_out(p), .events = ps_cli_flag(p, "events"), .events_gz = ps_cli_flag(p, "events-gz"),
		.ports = ps_cli_flag(p, "ports"), .progress = ps_cli_progress(p),
	};
	rc = PS_EXIT_RUNTIME;
	if (!opt.out_dir)
		goto done;
	ps_cli_announce(p, sc, 1, opt.events, opt.events_gz);
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	enum ps_status st = ps_run(sc, &opt, &res, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("%s", err);
		rc = st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
		goto done;
	}
	/* Published before it is said: what the lines below name is there. */
	rc = ps_cli_publish(p);
	if (rc == PS_EXIT_OK && !ps_cli_flag(p, "quiet"))
		print_result(sc, &opt, &res.m);
	ps_run_result_fini(&res);
done:
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
		 "was and exits 130 or 143.",
	.scenario = true,
	.opts = opts,
	.main = run,
};
