/* portsim capacity: the highest rate a scenario sustains, simulated and by closed forms. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portsim/capacity.h"
#include "portsim/input.h"
#include "portsim/scenario.h"

/* A number (portsim/input.h) filling text up to *end (or the whole string when end is NULL). */
static bool number(const char *text, double *v, const char **end)
{
	char buf[64];
	size_t n = ps_number_scan(text);
	if (n == 0 || n >= sizeof(buf) || (!end && text[n]))
		return false;
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (ps_number_real(buf, v) != PS_NUMBER_OK)
		return false;
	if (end)
		*end = text + n;
	return true;
}

struct sweep {
	bool on;
	double from, to, step;
};

static bool parse_sweep(const char *text, struct sweep *s)
{
	const char *p = text, *e;
	if (strncmp(p, "rate=", 5) != 0)
		goto bad;
	p += 5;
	if (!number(p, &s->from, &e) || *e != ':')
		goto bad;
	p = e + 1;
	if (!number(p, &s->to, &e) || *e != ':')
		goto bad;
	if (!number(e + 1, &s->step, NULL))
		goto bad;
	if (!(s->from > 0 && s->from <= s->to && s->step > 0)) {
		ps_cli_error("capacity: --sweep \"%s\": need 0 < FROM <= TO and STEP > 0", text);
		return false;
	}
	if (floor((s->to - s->from) / s->step + 1e-9) + 1 > PS_SWEEP_MAX) {
		ps_cli_error("capacity: --sweep \"%s\": more than %d rates; use a larger STEP", text,
			     PS_SWEEP_MAX);
		return false;
	}
	s->on = true;
	return true;
bad:
	ps_cli_error("capacity: --sweep \"%s\": expected rate=FROM:TO:STEP, e.g. rate=100:1000:50", text);
	return false;
}

static void progress(void *arg, unsigned rep, double rate, double fr)
{
	(void)arg;
	fprintf(stderr, "\rcapacity: replication %u, %.6g/s: failure ratio %.4g\033[K", rep, rate, fr);
}

static void print_bounds(const struct ps_capacity_bounds *b, double target)
{
	const struct ps_pool_spec *p = &b->pools[b->binding].pool;
	bool per_host = b->npools > 1 && p->hosts > 1;
	if (b->npools > 1)
		printf("closed forms of the pool that binds, %s (", !strcmp(b->pool, "nat") ? "the NAT's" : "the inside hosts'");
	else
		printf("closed forms (");
	printf("%u usable ports x %u destination%s x %u address%s", b->usable_ports, b->destinations,
	       b->destinations == 1 ? "" : "s", b->addresses, b->addresses == 1 ? "" : "es");
	if (per_host)
		printf(" per inside host, %u hosts", p->hosts);
	printf(", mean holding %.6g s):\n", b->holding_s);
	if (isnan(b->deterministic_per_s)) {
		printf("  no finite mean holding time: no closed form\n");
		return;
	}
	if (per_host)
		printf("  deterministic bound  %10.6g/s  (ports x destinations x addresses / holding / the busiest "
		       "host's share of the rate, %.4g)\n", b->deterministic_per_s, p->busiest_share);
	else
		printf("  deterministic bound  %10.6g/s  (ports x destinations x addresses / holding)\n",
		       b->deterministic_per_s);
	printf("  Erlang-B             %10.6g/s  (A = %.6g Erlangs on %u ports gives B = %g)\n",
	       b->erlang_per_s, b->erlang_load, b->usable_ports, target);
	for (size_t i = 0; i < b->npools; i++)
		if (i != b->binding)
			printf("  %-20s %10.6g/s  (Erlang-B %.6g/s)\n",
			       !strcmp(b->pools[i].pool.name, "nat") ? "the NAT's pool" : "the hosts' own pools",
			       b->pools[i].deterministic_per_s, b->pools[i].erlang_per_s);
	if (b->explain[0])
		printf("%s\n", b->explain);
}

static void print_notes(unsigned notes)
{
	/* Said every time: it is how the rate axis is built, not a caveat of this scenario. */
	notes &= ~(unsigned)PS_CAP_NOTE_UNSCALED;
	if (notes) {
		printf("why the simulation can differ from the formulas:\n");
		for (unsigned i = 0; i < PS_CAP_NOTE_COUNT; i++)
			if (notes & (1u << i))
				printf("  - %s\n", ps_capacity_note_text(1u << i));
	}
	printf("rates scale every population's rate_per_s and rate_end_per_s; burst and replay "
	       "populations are not scaled.\n");
}

static void print_search(const struct ps_scenario *sc, const struct ps_capacity_result *r)
{
	const struct ps_ci *c = &r->capacity;
	printf("%s under %s: capacity %.6g/s at failure ratio <= %g", sc->name, sc->strategy, c->mean,
	       r->target);
	if (r->replications == 1)
		printf(" (one replication: no interval; bisection step %.3g/s)\n", r->step_per_s);
	else
		printf(" (95 %% CI %.6g to %.6g over %u replications; bisection step %.3g/s)\n", c->low,
		       c->high, r->replications, r->step_per_s);
	if (r->unbounded)
		printf("  never failed up to the largest rate a population may have: the capacity is higher\n");
	print_bounds(&r->bounds, r->target);
	const struct ps_capacity_bounds *b = &r->bounds;
	if (isfinite(b->deterministic_per_s) && c->mean > 0)
		printf("simulation vs deterministic bound: %+.1f %%; vs Erlang-B: %+.1f %%\n",
		       100 * (c->mean / b->deterministic_per_s - 1), 100 * (c->mean / b->erlang_per_s - 1));
	print_notes(b->notes);
}

static void solve_progress(void *arg, unsigned rep, double value, double fr)
{
	fprintf(stderr, "\rcapacity: %s = %.0f, replication %u: failure ratio %.4g\033[K",
		(const char *)arg, value, rep, fr);
}

static void print_solve_point(const struct ps_solve_result *r, const struct ps_solve_point *p)
{
	const struct ps_ci *c = &p->failure_ratio;
	printf("  %s = %" PRIu64 ": failure ratio %.4g", r->key, p->value, c->mean);
	if (r->replications > 1)
		printf(" (95 %% CI %.4g to %.4g, worst replication %.4g)\n", c->low, c->high, p->worst);
	else
		printf(" (one replication: no interval)\n");
}

static void print_solve(const struct ps_scenario *sc, const struct ps_solve_result *r)
{
	printf("%s under %s, at its own rates: %s = %" PRIu64 " is the %s value keeping the "
	       "failure ratio <= %g in ", sc->name, sc->strategy, r->key, r->answer,
	       r->largest ? "largest" : "smallest", r->target);
	if (r->replications == 1)
		printf("its one replication\n");
	else
		printf("every one of %u replications\n", r->replications);
	print_solve_point(r, ps_solve_find(r, r->answer));
	if (r->largest) {
		/* Bisection ends with answer + 1 tried and failing, unless the answer is the maximum. */
		const struct ps_solve_point *above = r->answer < r->max ? ps_solve_find(r, r->answer + 1) : NULL;
		if (r->answer == r->max)
			printf("  %s = %" PRIu64 " is the largest value allowed\n", r->key, r->answer);
		else if (above && above->valid)
			print_solve_point(r, above);
		else if (above)
			printf("  %s = %" PRIu64 " is refused: %s\n", r->key, r->answer + 1, above->why);
	} else if (r->answer == r->min) {
		printf("  %s = %" PRIu64 " is the smallest value allowed\n", r->key, r->answer);
	} else {
		/* Bisection always ends with answer - 1 tried and failing. */
		const struct ps_solve_point *below = ps_solve_find(r, r->answer - 1);
		if (below && below->valid)
			print_solve_point(r, below);
		else if (below)
			printf("  %s = %" PRIu64 " is refused: %s\n", r->key, r->answer - 1, below->why);
	}
	printf("values tried:");
	for (size_t i = 0; i < r->ntried; i++)
		printf(" %" PRIu64 "%s", r->tried[i].value, r->tried[i].valid ? "" : " (refused)");
	printf("\n");
}

static void print_sweep(const struct ps_scenario *sc, const struct ps_capacity_result *r)
{
	printf("%s under %s: failure ratio by total rate, %u replication%s (mean ± 95 %% half-width)\n",
	       sc->name, sc->strategy, r->replications, r->replications == 1 ? "" : "s");
	printf("%14s  %s\n", "rate_per_s", "failure_ratio");
	for (size_t i = 0; i < r->nsweep; i++) {
		const struct ps_ci *c = &r->sweep[i].failure_ratio;
		if (c->n > 1)
			printf("%14.6g  %.4g ± %.2g\n", r->sweep[i].rate_per_s, c->mean, ps_ci_half_width(c));
		else
			printf("%14.6g  %.4g\n", r->sweep[i].rate_per_s, c->mean);
	}
	print_bounds(&r->bounds, r->target);
	print_notes(r->bounds.notes);
}

/*
 * Whether --solve KEY can be answered, asked before the output folder is
 * made: the key must exist, take a whole number, and change the run. A key
 * the scenario ignores (nat.addresses without a NAT) would "need" its
 * minimum, a silently wrong answer.
 */
static int check_solve_key(const struct ps_scenario *sc, const char *key, bool largest)
{
	char why[PS_ERR_MAX];
	const char *opt = largest ? "--solve-max" : "--solve";
	enum ps_key_effect e = ps_scenario_key_effect(sc, key, why, sizeof(why));
	if (e == PS_KEY_UNKNOWN) {
		ps_cli_error("capacity: %s %s: %s", opt, key, why);
		return PS_EXIT_USAGE;
	}
	if (!ps_scenario_key_is_whole(key)) {
		ps_cli_error("capacity: %s %s: not an integer key with a range; %s needs one such as "
			     "nat.addresses, host.addresses or workload.NAME.hosts (see portsim keys)",
			     opt, key, opt);
		return PS_EXIT_USAGE;
	}
	if (!strcmp(key, "run.seed")) {
		ps_cli_error("capacity: %s run.seed: every replication sets its own seed; the seed is "
			     "not a quantity to solve for", opt);
		return PS_EXIT_USAGE;
	}
	if (e != PS_KEY_ACTS) {
		ps_cli_error("capacity: %s %s: no effect: %s", opt, key, why);
		return PS_EXIT_USAGE;
	}
	return PS_EXIT_OK;
}

/* --solve (--solve-max): the smallest (largest) value of an integer key meeting the target at the scenario's own rates. */
static int solve(const struct ps_scenario *sc, const char *key, bool largest, struct ps_capacity_options *opt,
		 bool quiet)
{
	char err[PS_ERR_MAX];
	if (opt->progress) {
		opt->progress = solve_progress;
		opt->progress_arg = (void *)key;
	}
	struct ps_solve_result res;
	enum ps_status st = largest ? ps_capacity_solve_max(sc, key, opt, &res, err, sizeof(err))
				    : ps_capacity_solve(sc, key, opt, &res, err, sizeof(err));
	if (opt->progress)
		fputs("\r\033[K", stderr);
	if (st != PS_DONE) {
		ps_cli_error("capacity: %s", err);
		return st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
	}
	if (!quiet) {
		print_solve(sc, &res);
		printf("wrote %s/capacity_solve.csv\n", opt->out_dir);
	}
	ps_solve_result_fini(&res);
	return PS_EXIT_OK;
}

/* The search for the capacity, or with --sweep the failure ratio at every rate. */
static int search(const struct ps_scenario *sc, const struct sweep *sweep, const struct ps_capacity_options *opt,
		  bool quiet)
{
	char err[PS_ERR_MAX];
	struct ps_capacity_result res;
	enum ps_status st = sweep->on ? ps_capacity_sweep(sc, opt, sweep->from, sweep->to, sweep->step, &res, err,
							  sizeof(err))
				      : ps_capacity_search(sc, opt, &res, err, sizeof(err));
	if (opt->progress)
		fputs("\r\033[K", stderr);
	if (st != PS_DONE) {
		ps_cli_error("capacity: %s", err);
		return st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
	}
	if (!quiet && sweep->on) {
		print_sweep(sc, &res);
		printf("wrote %s/capacity.csv\n", opt->out_dir);
	} else if (!quiet) {
		print_search(sc, &res);
		printf("wrote %s/capacity.csv, %s/capacity_summary.csv\n", opt->out_dir, opt->out_dir);
	}
	ps_capacity_result_fini(&res);
	return PS_EXIT_OK;
}

static int capacity(const struct ps_cli_parsed *p)
{
	struct sweep sweep = { 0 };
	const char *sweep_text = ps_cli_text(p, "sweep"), *key = ps_cli_text(p, "solve"),
		   *key_max = ps_cli_text(p, "solve-max");
	if (sweep_text && !parse_sweep(sweep_text, &sweep))
		return PS_EXIT_USAGE;
	/* The key itself is checked against the scenario, once it is loaded. */
	if (key && key_max) {
		ps_cli_error("capacity: --solve asks for the smallest value, --solve-max for the largest; give one of them");
		return PS_EXIT_USAGE;
	}
	bool largest = key_max != NULL;
	if (largest)
		key = key_max;
	if (key && sweep.on) {
		ps_cli_error("capacity: --%s and --sweep ask different questions; give one of them",
			     largest ? "solve-max" : "solve");
		return PS_EXIT_USAGE;
	}
	struct ps_scenario *sc;
	unsigned jobs;
	int rc = ps_cli_jobs(p, &jobs);
	if (rc == PS_EXIT_OK)
		rc = ps_cli_load(p, &sc);
	if (rc != PS_EXIT_OK)
		return rc;
	if (key && (rc = check_solve_key(sc, key, largest)) != PS_EXIT_OK) {
		free(sc);
		return rc;
	}
	struct ps_capacity_options opt = {
		.max_failure = ps_cli_number(p, "max-failure"),
		.replications = (unsigned)ps_cli_number(p, "replications"), .out_dir = ps_cli_out(p),
		.progress = ps_cli_progress(p) ? progress : NULL, .jobs = jobs,
	};
	bool quiet = ps_cli_flag(p, "quiet");
	rc = !opt.out_dir ? PS_EXIT_RUNTIME : key ? solve(sc, key, largest, &opt, quiet) : search(sc, &sweep, &opt, quiet);
	/* The closed forms go beside a search or a sweep, so the knee figure draws them either way. */
	struct ps_capacity_bounds bounds;
	ps_capacity_bounds(sc, opt.max_failure, &bounds);
	struct ps_cli_report_job job = { .dir = opt.out_dir, .scenario_ini = true, .bounds = key ? NULL : &bounds,
					 .target = opt.max_failure };
	if (rc == PS_EXIT_OK)
		rc = ps_cli_report_outputs(p, sc, &job);
	free(sc);
	return rc;
}

static const struct ps_cli_option opts[] = {
	PS_OPT_NUMBER_OPEN(0, "max-failure", "F", "0.001", 0, 1, "target failure ratio"),
	PS_OPT_WHOLE('n', "replications", "N", "5", 1, PS_REPLICATIONS_MAX, "replications"),
	PS_OPT_JOBS,
	PS_OPT_TEXT(0, "sweep", "rate=FROM:TO:STEP", NULL,
		    "instead of searching, the failure ratio at every total rate FROM, FROM+STEP, ... TO "
		    "(0 < FROM <= TO, STEP > 0, at most " PS_CLI_STR(PS_SWEEP_MAX) " rates) into capacity.csv, "
		    "for the knee plot"),
	PS_OPT_TEXT(0, "solve", "KEY", NULL,
		    "instead, at the scenario's own rates, the smallest value of the integer KEY (nat.addresses, "
		    "host.addresses, workload.NAME.hosts, ...) whose failure ratio is at most F in every "
		    "replication: tries the key's minimum, doubling, then bisects; prints the failure ratio "
		    "there and one below; writes capacity_solve.csv (every value simulated); a key that "
		    "cannot change the run (nat.addresses without a NAT) is refused"),
	PS_OPT_TEXT(0, "solve-max", "KEY", NULL,
		    "as --solve, but the largest value of KEY whose failure ratio is at most F in every "
		    "replication, for a key whose growth adds load or takes ports away (workload.NAME.hosts "
		    "behind port blocks, nat.block_size, nat.sharing_ratio, ...): tries the key's minimum, "
		    "doubling until a value fails (or is refused), then bisects; prints the failure ratio there "
		    "and one above"),
	PS_OPT_STRATEGY("allocation strategy"),
	PS_OPT_SEED("base seed; replication k uses splitmix64(seed + k), replication 0 the seed itself"),
	PS_OPT_DURATION("simulated time of each run"),
	PS_OPT_SET,
	PS_OPT_OUT("out/capacity"),
	PS_OPT_TITLE,
	PS_OPT_REPORT,
	PS_OPT_QUIET,
	PS_OPT_END,
};

const struct ps_cli_command ps_cmd_capacity = {
	.name = "capacity",
	.summary = "highest rate with failures below a target, beside closed forms",
	.about = "Finds the highest total arrival rate at which SCENARIO (the built-in default when omitted) "
		 "keeps its failure ratio at or below F, by bisection on simulated runs (to 1 %), once per "
		 "replication, and prints it with its 95 % interval beside two closed forms: the "
		 "deterministic bound (usable ports x destinations x addresses / mean holding time) and "
		 "Erlang-B with the pool as servers. Every population's rate_per_s (and rate_end_per_s) is "
		 "scaled by one factor; burst and replay populations are not scaled. Writes capacity.csv (the "
		 "runs tried) and capacity_summary.csv into DIR. --sweep, --solve and --solve-max ask other "
		 "questions; give one of them at most. Runs that do not wait for each other (the replications; every "
		 "rate of a sweep) run at once on N threads (-j).",
	.exits = "0 done, 1 run-time failure (I/O), 2 bad command line or scenario, or --solve finding no "
		 "value that meets F.",
	.scenario = true,
	.opts = opts,
	.main = capacity,
};
