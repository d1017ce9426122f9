/* portsim explain: replay a scenario and tell, in sentences, what the modelled system did for one allocation. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portsim/follow.h"
#include "portsim/run.h"
#include "portsim/scenario.h"

static const struct ps_cli_option opts[] = {
	PS_OPT_STRATEGY("allocation strategy (default: the scenario's; see 'portsim strategies')"),
	PS_OPT_SEED("random seed (default: the scenario's, 1)"),
	PS_OPT_DURATION("simulated time"),
	PS_OPT_SET,
	PS_OPT_WHOLE(0, "attempt", "N", NULL, 1, 1e15, "tell attempt N (events.csv's conn_id)"),
	PS_OPT_NUMBER(0, "at", "SECONDS", NULL, 0, 1e9, "tell the first attempt at or after this simulated time"),
	PS_OPT_WHOLE(0, "port", "P", NULL, 1, 65535,
		     "tell the first attempt that chooses port P or examines it and passes it over"),
	PS_OPT_FLAG('v', "verbose", "one line per candidate examined, instead of one per run of candidates "
		    "refused for the same reason"),
	PS_OPT_END,
};

/* Replays sc with a follower for cfg; PS_EXIT_OK with *out (free with ps_follow_free), or the status. */
static int replay(const struct ps_scenario *sc, const struct ps_follow_config *cfg, struct ps_follow **out,
		  struct ps_metrics *m)
{
	struct ps_follow *f = ps_follow_new(cfg);
	if (!f) {
		ps_cli_error("explain: out of memory");
		return PS_EXIT_RUNTIME;
	}
	struct ps_run_options opt = { .follow = f };
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	enum ps_status st = ps_run(sc, &opt, &res, err, sizeof(err));
	if (st != PS_DONE) {
		ps_cli_error("explain: %s", err);
		ps_follow_free(f);
		return st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
	}
	if (m) {
		m->attempts = res.m.attempts;
		m->failed = res.m.failed;
		m->first_failure_attempt = res.m.first_failure_attempt;
	}
	ps_run_result_fini(&res);
	*out = f;
	return PS_EXIT_OK;
}

/* Which attempt to tell: --attempt, else found by a first replay. 0 with the status in *rc when none. */
static uint64_t target(const struct ps_cli_parsed *p, const struct ps_scenario *sc, int *rc)
{
	*rc = PS_EXIT_OK;
	if (ps_cli_given(p, "attempt"))
		return (uint64_t)ps_cli_number(p, "attempt");
	struct ps_follow_config cfg = { .target = PS_FOLLOW_NONE };
	if (ps_cli_given(p, "port")) {
		cfg.target = PS_FOLLOW_PORT;
		cfg.port = (uint16_t)ps_cli_number(p, "port");
	}
	struct ps_follow *f;
	struct ps_metrics m = { 0 };
	if ((*rc = replay(sc, &cfg, &f, &m)) != PS_EXIT_OK)
		return 0;
	uint64_t n = ps_follow_told(f);
	ps_follow_free(f);
	if (cfg.target == PS_FOLLOW_PORT) {
		if (!n) {
			ps_cli_error("explain: no attempt of this run chose or examined port %u", cfg.port);
			*rc = PS_EXIT_RUNTIME;
		} else {
			printf("Port %u is first chosen or passed over by attempt %" PRIu64 ".\n", cfg.port, n);
		}
		return n;
	}
	/* Neither option: the first failure teaches most; a run without one, its first attempt. */
	if (m.attempts == 0) {
		ps_cli_error("explain: the run makes no attempt");
		*rc = PS_EXIT_RUNTIME;
		return 0;
	}
	if (m.failed)
		printf("The first attempt to fail is attempt %" PRIu64 ".\n", m.first_failure_attempt);
	return m.failed ? m.first_failure_attempt : 1;
}

static int explain(const struct ps_cli_parsed *p)
{
	int given = ps_cli_given(p, "attempt") + ps_cli_given(p, "at") + ps_cli_given(p, "port");
	if (given > 1) {
		ps_cli_error("explain: give one of --attempt, --at and --port");
		return PS_EXIT_USAGE;
	}
	struct ps_scenario *sc;
	int rc = ps_cli_load(p, &sc);
	if (rc != PS_EXIT_OK)
		return rc;
	struct ps_follow_config cfg = { .target = PS_FOLLOW_ATTEMPT, .verbose = ps_cli_flag(p, "verbose") };
	if (ps_cli_given(p, "at")) {
		cfg.target = PS_FOLLOW_AT;
		cfg.at = ps_time_from_s(ps_cli_number(p, "at"));
	} else if ((cfg.attempt = target(p, sc, &rc)) == 0) {
		free(sc);
		return rc;
	}
	struct ps_follow *f;
	if ((rc = replay(sc, &cfg, &f, NULL)) != PS_EXIT_OK) {
		free(sc);
		return rc;
	}
	if (!ps_follow_told(f)) {
		if (cfg.target == PS_FOLLOW_AT)
			ps_cli_error("explain: no attempt at or after %g s in this run", ps_cli_number(p, "at"));
		else
			ps_cli_error("explain: the run makes fewer than %" PRIu64 " attempts", cfg.attempt);
		rc = PS_EXIT_USAGE;
	} else {
		printf("%s under %s, seed %" PRIu64 ".\n%s", sc->name, sc->strategy, sc->seed, ps_follow_text(f));
	}
	ps_follow_free(f);
	free(sc);
	return rc;
}

int ps_cli_explain_report(void *arg, const char *dir, char **text)
{
	(void)dir;
	const struct ps_cli_explain_job *job = arg;
	struct ps_follow_config cfg = { .target = PS_FOLLOW_ATTEMPT, .attempt = job->attempt };
	struct ps_follow *f;
	if (replay(job->sc, &cfg, &f, NULL) != PS_EXIT_OK)
		return -1;
	const char *told = ps_follow_told(f) ? ps_follow_text(f) : NULL;
	*text = told ? strdup(told) : NULL;
	ps_follow_free(f);
	return *text ? 1 : -1;
}

const struct ps_cli_command ps_cmd_explain = {
	.name = "explain",
	.summary = "tell in sentences what the modelled system does for one allocation",
	.about = "Replays SCENARIO (the built-in default when omitted) and tells one allocation as the modelled "
		 "system makes it: the strategy's own steps (for Linux's connect(): the hash inputs and offset, the "
		 "perturbation counter and its step, the parity pass), every candidate examined and why it was "
		 "refused (reserved, bound exclusively, in use toward this destination, in TIME_WAIT since when), "
		 "the port chosen and how many candidates it cost, or, for a failure, why every candidate was "
		 "refused and which error the application sees; behind a NAT, the external port the NAT chose. "
		 "The story comes from the simulation's own code: the pool and the strategy tell what they do as "
		 "they do it, and the chosen port and probes are those events.csv records for the attempt. "
		 "Without --attempt, --at or --port it tells the first attempt that fails, or the first attempt "
		 "when none does. Writes no file.",
	.exits = "0 told; 1 the port was never chosen or examined, or a run-time failure; 2 a bad command line or "
		 "scenario, or no such attempt",
	.scenario = true,
	.opts = opts,
	.main = explain,
};
