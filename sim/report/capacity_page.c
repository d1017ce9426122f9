/*
 * The page of `portsim capacity`: the rate the search found beside the two
 * closed forms a class can redo by hand (usable ports x destinations x
 * addresses / holding time, and Erlang-B), or where a sweep's failures
 * begin, or the values a --solve tried; then the figures and the tables.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A metric of the search's summary or of the closed forms, whichever file has it. */
static const char *metric(const struct ps_rp_table *summary, const struct ps_rp_table *forms, const char *m)
{
	const char *v = ps_rp_metric(summary, m);
	return v ? v : ps_rp_metric(forms, m);
}

static void value(FILE *f, const char *col, const char *v, int digits)
{
	char buf[64];
	ps_rp_short(buf, sizeof(buf), strtod(v, NULL), digits);
	ps_rp_num(f, col, v, buf);
}

static void whole(FILE *f, const char *col, const char *v)
{
	char buf[64];
	ps_rp_commas(buf, sizeof(buf), strtod(v, NULL));
	ps_rp_num(f, col, v, buf);
}

static void percent(FILE *f, const char *col, const char *v)
{
	char buf[64];
	ps_rp_short(buf, sizeof(buf), 100 * strtod(v, NULL), 3);
	strcat(buf, " %");
	ps_rp_num(f, col, v, buf);
}

static void search(FILE *f, const struct ps_rp_table *sum)
{
	const char *cap = ps_rp_metric(sum, "capacity_per_s"), *lo = ps_rp_metric(sum, "capacity_ci95_low"),
		   *hi = ps_rp_metric(sum, "capacity_ci95_high"), *target = ps_rp_metric(sum, "target_failure_ratio"),
		   *reps = ps_rp_metric(sum, "replications"), *unb = ps_rp_metric(sum, "unbounded"),
		   *asked = ps_rp_metric(sum, "scenario_rate_per_s");
	if (!cap || !target)
		return;
	fputs("<p>With at most ", f);
	percent(f, "target_failure_ratio", target);
	fputs(" of attempts failing, the scenario sustains ", f);
	value(f, "capacity_per_s", cap, 3);
	fputs(" new connections per second", f);
	if (lo && hi && reps && strtod(reps, NULL) > 1) {
		fputs(" (95 % interval ", f);
		value(f, "capacity_ci95_low", lo, 3);
		fputs(" to ", f);
		value(f, "capacity_ci95_high", hi, 3);
		fputs(" over ", f);
		whole(f, "replications", reps);
		fputs(" replications)", f);
	}
	fputs(".", f);
	if (unb && strtod(unb, NULL) != 0)
		fputs(" It never failed up to the largest rate a population may have: the capacity is higher.", f);
	if (asked) {
		fputs(" The scenario itself asks for ", f);
		value(f, "scenario_rate_per_s", asked, 4);
		fputs(" per second.", f);
	}
	fputs("</p>\n", f);
}

static void closed_forms(FILE *f, const struct ps_rp_table *sum, const struct ps_rp_table *forms)
{
	const char *ports = metric(sum, forms, "usable_ports"), *dsts = metric(sum, forms, "destinations"),
		   *addrs = metric(sum, forms, "addresses"), *hold = metric(sum, forms, "holding_s"),
		   *det = metric(sum, forms, "deterministic_bound_per_s"), *erl = metric(sum, forms, "erlang_b_per_s"),
		   *target = metric(sum, forms, "target_failure_ratio");
	if (!ports || !dsts || !addrs || !hold || !det || !erl || isnan(strtod(det, NULL)))
		return;
	fputs("<p>By hand: ", f);
	whole(f, "usable_ports", ports);
	fputs(" usable ports × ", f);
	whole(f, "destinations", dsts);
	fputs(strtod(dsts, NULL) == 1 ? " destination × " : " destinations × ", f);
	whole(f, "addresses", addrs);
	const char *pool = metric(sum, forms, "binding_pool");
	bool nat = pool && !strcmp(pool, "nat");
	if (nat)
		fputs(strtod(addrs, NULL) == 1 ? " external address ÷ " : " external addresses ÷ ", f);
	else
		fputs(strtod(addrs, NULL) == 1 ? " source address ÷ " : " source addresses ÷ ", f);
	value(f, "holding_s", hold, 4);
	char key[64];
	snprintf(key, sizeof(key), "%s_busiest_share", pool ? pool : "");
	const char *share = pool ? metric(sum, forms, key) : NULL;
	if (nat)
		fputs(" s that each connection holds its NAT port (its life, plus the NAT's linger and hold)", f);
	else
		fputs(" s that each connection holds its port (its life, plus TIME_WAIT when the client closes)", f);
	if (share && strtod(share, NULL) < 1) {
		fputs(", for each inside host, ÷ ", f);
		value(f, key, share, 3);
		fputs(", the busiest host's share of the rate", f);
	}
	fputs(" = ", f);
	value(f, "deterministic_bound_per_s", det, 4);
	fputs(" per second, the deterministic bound. Erlang-B, with the pool as servers and Poisson arrivals", f);
	if (target) {
		fputs(", loses ", f);
		percent(f, "target_failure_ratio", target);
		fputs(" of attempts at", f);
	} else {
		fputs(" gives", f);
	}
	fputs(" ", f);
	value(f, "erlang_b_per_s", erl, 4);
	fputs(" per second.", f);
	const char *cap = ps_rp_metric(sum, "capacity_per_s");
	if (cap && strtod(det, NULL) > 0) {
		double d = 100 * (strtod(cap, NULL) / strtod(det, NULL) - 1);
		ps_rp_textf(f, " The simulation's answer is %.1f %% %s the bound.", fabs(d), d < 0 ? "below" : "above");
	}
	fputs("</p>\n", f);
}

/* Behind a NAT: which pool binds, the other's bound beside it. */
static void binding(FILE *f, const struct ps_rp_table *sum, const struct ps_rp_table *forms)
{
	const char *pool = metric(sum, forms, "binding_pool");
	if (!pool)
		return;
	bool nat = !strcmp(pool, "nat");
	const char *mine = metric(sum, forms, nat ? "nat_deterministic_bound_per_s" : "host_deterministic_bound_per_s"),
		   *other = metric(sum, forms, nat ? "host_deterministic_bound_per_s" : "nat_deterministic_bound_per_s");
	if (!mine || !other)
		return;
	fputs("<p>A connection needs a port from two pools: its inside host's own and the NAT's. ", f);
	fputs(nat ? "The NAT's binds: " : "The inside hosts' own ports bind: ", f);
	value(f, nat ? "nat_deterministic_bound_per_s" : "host_deterministic_bound_per_s", mine, 4);
	fputs(" per second, where ", f);
	fputs(nat ? "the inside hosts' own ports would allow " : "the NAT's ports would allow ", f);
	value(f, nat ? "host_deterministic_bound_per_s" : "nat_deterministic_bound_per_s", other, 4);
	fputs(" per second.</p>\n", f);
}

/* A sweep: where failures begin. */
static void sweep(FILE *f, const struct ps_rp_table *t)
{
	double calm = NAN, first = NAN, first_ratio = NAN;
	for (size_t r = 1; r < t->nrows; r++) {
		double rate = ps_rp_number(t, r, "rate_per_s"), fr = ps_rp_number(t, r, "failure_ratio");
		if (fr == 0 && (isnan(calm) || rate > calm))
			calm = rate;
		if (fr > 0 && (isnan(first) || rate < first))
			first = rate, first_ratio = fr;
	}
	char a[64], b[64], c[64];
	ps_rp_short(a, sizeof(a), calm, 4);
	ps_rp_short(b, sizeof(b), first, 4);
	ps_rp_short(c, sizeof(c), 100 * first_ratio, 3);
	fputs("<p>", f);
	if (isnan(first))
		ps_rp_textf(f, "No rate of the sweep failed, up to %s per second.", a);
	else if (isnan(calm))
		ps_rp_textf(f, "Every rate of the sweep failed, from %s per second on (%s %% there).", b, c);
	else
		ps_rp_textf(f, "Nothing failed up to %s per second; from %s per second %s %% of attempts failed.", a, b,
			    c);
	fputs("</p>\n", f);
}

/* A CSV file as a table, folded when long. */
static void table(FILE *f, const struct ps_rp_table *t, const char *name)
{
	if (t->nrows < 2)
		return;
	fprintf(f, "<details%s>\n<summary>", t->nrows <= 25 ? " open" : "");
	ps_rp_textf(f, "%s: %zu rows", name, t->nrows - 1);
	fputs("</summary>\n<table>\n", f);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("<tr>", f);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *v = t->cell[r * t->ncols + c];
			/* The first column names the row; the others are numbers. */
			bool number = r && c;
			fputs(number ? "<td class=\"n\">" : "<th>", f);
			ps_rp_text(f, v ? v : "");
			fputs(number ? "</td>" : "</th>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n</details>\n", f);
}

int ps_rp_capacity_page(FILE *f, const char *dir, char *err, size_t size)
{
	struct ps_rp_table runs, sum, forms, solve;
	ps_rp_table_read(&runs, dir, "capacity.csv");
	ps_rp_table_read(&sum, dir, "capacity_summary.csv");
	ps_rp_table_read(&forms, dir, "closed_forms.csv");
	ps_rp_table_read(&solve, dir, "capacity_solve.csv");
	(void)err;
	(void)size;
	fputs("<section class=\"headline\">\n<h2>What happened</h2>\n", f);
	if (sum.nrows > 1)
		search(f, &sum);
	else if (runs.nrows > 1)
		sweep(f, &runs);
	if (solve.nrows > 1)
		fputs("<p>The search for the value meeting the target (the smallest with --solve, the largest with "
		      "--solve-max) tried the values below (the failure ratio at each, over the replications); the "
		      "command printed the answer.</p>\n", f);
	closed_forms(f, &sum, &forms);
	binding(f, &sum, &forms);
	fputs("</section>\n", f);
	ps_rp_figures(f, dir);
	fputs("<section class=\"numbers\">\n<h2>The numbers</h2>\n", f);
	table(f, &sum, "capacity_summary.csv");
	/* A search's summary already holds the closed forms. */
	if (sum.nrows < 2)
		table(f, &forms, "closed_forms.csv");
	table(f, &solve, "capacity_solve.csv");
	table(f, &runs, "capacity.csv");
	fputs("</section>\n", f);
	ps_rp_scenario(f, dir);
	ps_rp_table_fini(&runs);
	ps_rp_table_fini(&sum);
	ps_rp_table_fini(&forms);
	ps_rp_table_fini(&solve);
	return 0;
}
