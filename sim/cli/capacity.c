/* portsim capacity: the highest rate a scenario sustains, simulated and by closed forms. */
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
#include "portsim/capacity.h"
#include "portsim/scenario.h"


static const char usage_text[] =
	"usage: portsim capacity [SCENARIO] [--max-failure F] [--replications N]\n"
	"                        [--sweep rate=FROM:TO:STEP | --solve KEY] [--strategy S]\n"
	"                        [--seed N] [--duration SECONDS] [--set SECTION.KEY=VALUE]...\n"
	"                        [--out DIR] [--quiet]\n"
	"\n"
	"Finds the highest total arrival rate at which SCENARIO (the built-in default\n"
	"when omitted) keeps its failure ratio at or below F, by bisection on simulated\n"
	"runs (to 1 %), once per replication, and prints it with its 95 % interval\n"
	"beside two closed forms: the deterministic bound (usable ports x destinations\n"
	"x addresses / mean holding time) and Erlang-B with the pool as servers.\n"
	"Every population's rate_per_s (and rate_end_per_s) is scaled by one factor;\n"
	"burst and replay populations are not scaled. Writes capacity.csv (the runs\n"
	"tried) and capacity_summary.csv into DIR.\n"
	"\n"
	"  --max-failure F          target failure ratio, above 0 and below 1 (default: 0.001)\n"
	"  -n, --replications N     replications, 1 to 1000 (default: 5)\n"
	"  --sweep rate=FROM:TO:STEP  instead of searching, the failure ratio at every total\n"
	"                           rate FROM, FROM+STEP, ... TO (0 < FROM <= TO, STEP > 0,\n"
	"                           at most 1000 rates) into capacity.csv, for the knee plot\n"
	"  --solve KEY              instead, at the scenario's own rates, the smallest value of\n"
	"                           the integer KEY (nat.addresses, host.addresses,\n"
	"                           workload.NAME.hosts, ...) whose failure ratio is at most F\n"
	"                           in every replication: tries the key's minimum, doubling,\n"
	"                           then bisects; prints the failure ratio there and one below;\n"
	"                           writes capacity_solve.csv (every value simulated)\n"
	"  --strategy S             same as --set host.strategy=S\n"
	"  --seed N                 base seed, same as --set run.seed=N; replication k uses\n"
	"                           splitmix64(seed + k), replication 0 the seed itself\n"
	"  --duration SECONDS       simulated time of each run, same as --set run.duration_s=SECONDS\n"
	"  --set K=V                override any scenario key; may be repeated\n"
	"  -o, --out DIR            output directory, created if missing (default: out/capacity)\n"
	"  -q, --quiet              print nothing but errors\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: 0 done, 1 run-time failure (I/O), 2 bad command line or scenario,\n"
	"or --solve finding no value that meets F.\n";

/* A finite number filling all of text up to *end (or the whole string when end is NULL). */
static bool number(const char *text, double *v, const char **end)
{
	char *e;
	errno = 0;
	*v = strtod(text, &e);
	if (e == text || errno || !isfinite(*v))
		return false;
	if (end)
		*end = e;
	return end || *e == '\0';
}

static bool parse_replications(const char *text, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end || errno || v < 1 || v > PS_REPLICATIONS_MAX) {
		ps_cli_error("capacity: --replications \"%s\": allowed: a whole number from 1 to %d", text,
			     PS_REPLICATIONS_MAX);
		return false;
	}
	*out = (unsigned)v;
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
	printf("closed forms (%u usable ports x %u destination%s x %u address%s, mean holding %.6g s):\n",
	       b->usable_ports, b->destinations, b->destinations == 1 ? "" : "s", b->addresses,
	       b->addresses == 1 ? "" : "es", b->holding_s);
	if (isnan(b->deterministic_per_s)) {
		printf("  no finite mean holding time: no closed form\n");
		return;
	}
	printf("  deterministic bound  %10.6g/s  (ports x destinations x addresses / holding)\n",
	       b->deterministic_per_s);
	printf("  Erlang-B             %10.6g/s  (A = %.6g Erlangs on %u ports gives B = %g)\n",
	       b->erlang_per_s, b->erlang_load, b->usable_ports, target);
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
	printf("%s under %s, at its own rates: %s = %" PRIu64 " is the smallest value keeping the "
	       "failure ratio <= %g in ", sc->name, sc->strategy, r->key, r->answer, r->target);
	if (r->replications == 1)
		printf("its one replication\n");
	else
		printf("every one of %u replications\n", r->replications);
	print_solve_point(r, ps_solve_find(r, r->answer));
	if (r->answer == r->min) {
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

int ps_cmd_capacity(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "max-failure", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "replications", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },
		{ "strategy", required_argument, NULL, 'S' },
		{ "solve", required_argument, NULL, 'v' },
		{ "sweep", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct ps_cli_overrides *sets = calloc(1, sizeof(*sets));
	if (!sets) {
		ps_cli_error("capacity: out of memory");
		return PS_EXIT_RUNTIME;
	}
	sets->cmd = "capacity";
	unsigned reps = 5;
	double max_failure = 0.001;
	struct sweep sweep = { 0 };
	const char *out = "out/capacity", *solve = NULL;
	bool quiet = false;
	int ch, rc = PS_EXIT_USAGE;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hn:o:q", longopts, NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'd':
			ok = ps_cli_override(sets, "--duration", "run.duration_s", optarg);
			break;
		case 'f':
			ok = number(optarg, &max_failure, NULL) && max_failure > 0 && max_failure < 1;
			if (!ok)
				ps_cli_error("capacity: --max-failure \"%s\": allowed: a number above 0 and below 1",
					     optarg);
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
			ok = ps_cli_override(sets, NULL, NULL, optarg);
			break;
		case 'S':
			ok = ps_cli_override(sets, "--strategy", "host.strategy", optarg);
			break;
		case 'v':
			/* The key itself is checked against the scenario, once it is loaded. */
			solve = optarg;
			break;
		case 'w':
			ok = parse_sweep(optarg, &sweep);
			break;
		case ':':
			ps_cli_error("capacity: option \"%s\" needs a value (see portsim capacity --help)",
				     argv[optind - 1]);
			ok = false;
			break;
		default:
			ps_cli_error("capacity: unknown option \"%s\" (see portsim capacity --help)",
				     argv[optind - 1]);
			ok = false;
			break;
		}
		if (!ok) {
			free(sets);
			return PS_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		ps_cli_error("capacity: one scenario at most, got \"%s\" and \"%s\"", argv[optind],
			     argv[optind + 1]);
		free(sets);
		return PS_EXIT_USAGE;
	}

	if (solve && sweep.on) {
		ps_cli_error("capacity: --solve and --sweep ask different questions; give one of them");
		free(sets);
		return PS_EXIT_USAGE;
	}

	char err[PS_ERR_MAX];
	struct ps_scenario *sc = malloc(sizeof(*sc));
	if (!sc) {
		ps_cli_error("capacity: out of memory");
		free(sets);
		return PS_EXIT_RUNTIME;
	}
	if (!ps_cli_load(sc, optind < argc ? argv[optind] : NULL, sets))
		goto done;
	if (ps_cli_mkdirs(out) != 0) {
		ps_cli_error("capacity: cannot create output directory \"%s\": %s", out, strerror(errno));
		rc = PS_EXIT_RUNTIME;
		goto done;
	}
	bool tty = !quiet && isatty(fileno(stderr));
	struct ps_capacity_options opt = {
		.max_failure = max_failure, .replications = reps, .out_dir = out,
		.progress = tty ? progress : NULL,
	};
	if (solve) {
		if (tty) {
			opt.progress = solve_progress;
			opt.progress_arg = (void *)solve;
		}
		struct ps_solve_result sres;
		enum ps_status st = ps_capacity_solve(sc, solve, &opt, &sres, err, sizeof(err));
		if (tty)
			fputs("\r\033[K", stderr);
		if (st != PS_DONE) {
			ps_cli_error("capacity: %s", err);
			rc = st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
			goto done;
		}
		if (!quiet) {
			print_solve(sc, &sres);
			printf("wrote %s/capacity_solve.csv\n", out);
		}
		ps_solve_result_fini(&sres);
		rc = PS_EXIT_OK;
		goto done;
	}
	struct ps_capacity_result res;
	enum ps_status st = sweep.on ? ps_capacity_sweep(sc, &opt, sweep.from, sweep.to, sweep.step, &res,
							 err, sizeof(err))
				     : ps_capacity_search(sc, &opt, &res, err, sizeof(err));
	if (tty)
		fputs("\r\033[K", stderr);
	if (st != PS_DONE) {
		ps_cli_error("capacity: %s", err);
		rc = st == PS_BAD_INPUT ? PS_EXIT_USAGE : PS_EXIT_RUNTIME;
		goto done;
	}
	if (!quiet) {
		if (sweep.on) {
			print_sweep(sc, &res);
			printf("wrote %s/capacity.csv\n", out);
		} else {
			print_search(sc, &res);
			printf("wrote %s/capacity.csv, %s/capacity_summary.csv\n", out, out);
		}
	}
	ps_capacity_result_fini(&res);
	rc = PS_EXIT_OK;
done:
	free(sc);
	free(sets);
	return rc;
}
