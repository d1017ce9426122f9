/*
 * The page of `portsim compare`: which strategy failed least, searched
 * least and was hardest to predict, in sentences, then a table of the main
 * metrics (mean and 95 % interval over the replications) and the figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_STRATEGIES 64

static const struct {
	const char *metric, *heading;
} shown[] = {
	{ "failure_ratio", "failure ratio" },   { "first_failure_s", "first failure (s)" },
	{ "probes_mean", "probes, mean" },      { "probes_p99", "probes, p99" },
	{ "reuse_median_s", "median reuse (s)" }, { "predict_same_g1", "predictability" },
};
#define NSHOWN (sizeof(shown) / sizeof(shown[0]))

struct cmp {
	const struct ps_rp_table *t;
	const char *strategy[MAX_STRATEGIES];
	size_t n;
};

/* The row of (strategy, metric), 0 when absent. */
static size_t row_of(const struct cmp *c, const char *strategy, const char *metric)
{
	for (size_t r = 1; r < c->t->nrows; r++) {
		const char *s = ps_rp_cell(c->t, r, "strategy"), *m = ps_rp_cell(c->t, r, "metric");
		if (s && m && !strcmp(s, strategy) && !strcmp(m, metric))
			return r;
	}
	return 0;
}

/* The strategies with the lowest and highest mean of metric; false when no strategy has it. */
static bool extremes(const struct cmp *c, const char *metric, size_t *lo, size_t *hi)
{
	bool any = false;
	double vlo = 0, vhi = 0;
	for (size_t i = 0; i < c->n; i++) {
		size_t r = row_of(c, c->strategy[i], metric);
		double v = r ? ps_rp_number(c->t, r, "mean") : NAN;
		if (isnan(v))
			continue;
		if (!any || v < vlo)
			vlo = v, *lo = i;
		if (!any || v > vhi)
			vhi = v, *hi = i;
		any = true;
	}
	return any;
}

static void mean_of(FILE *f, const struct cmp *c, size_t i, const char *metric)
{
	size_t r = row_of(c, c->strategy[i], metric);
	const char *v = r ? ps_rp_cell(c->t, r, "mean") : NULL;
	char buf[64];
	if (!v || !*v) {
		fputs("-", f);
		return;
	}
	ps_rp_short(buf, sizeof(buf), ps_rp_number(c->t, r, "mean"), 3);
	ps_rp_num(f, metric, v, buf);
}

/* "Lowest WHAT: A (x); highest: B (y)." */
static void sentence(FILE *f, const struct cmp *c, const char *metric, const char *low, const char *high)
{
	size_t lo = 0, hi = 0;
	if (!extremes(c, metric, &lo, &hi))
		return;
	fputs("<p>", f);
	ps_rp_textf(f, "%s: %s (", low, c->strategy[lo]);
	mean_of(f, c, lo, metric);
	ps_rp_textf(f, "); %s: %s (", high, c->strategy[hi]);
	mean_of(f, c, hi, metric);
	fputs(").</p>\n", f);
}

int ps_rp_compare_page(FILE *f, const char *dir, char *err, size_t size)
{
	struct ps_rp_table t;
	if (ps_rp_table_read(&t, dir, "compare.csv") != 0 || t.nrows < 2) {
		snprintf(err, size, "report: %s/compare.csv: no data row", dir);
		ps_rp_table_fini(&t);
		return -1;
	}
	struct cmp c = { .t = &t };
	double reps = 0;
	for (size_t r = 1; r < t.nrows; r++) {
		const char *s = ps_rp_cell(&t, r, "strategy");
		double n = ps_rp_number(&t, r, "n");
		reps = n > reps ? n : reps;
		bool seen = false;
		for (size_t i = 0; s && i < c.n; i++)
			seen = seen || !strcmp(c.strategy[i], s);
		if (s && !seen && c.n < MAX_STRATEGIES)
			c.strategy[c.n++] = s;
	}
	fputs("<section class=\"headline\">\n<h2>What happened</h2>\n<p>", f);
	ps_rp_textf(f, "%zu strategies, each run %.0f time%s with common random numbers: every strategy saw the "
		    "same arrivals, durations and destinations, so the differences are the allocator's alone.",
		    c.n, reps, reps == 1 ? "" : "s");
	fputs("</p>\n", f);
	size_t lo = 0, hi = 0;
	if (extremes(&c, "failure_ratio", &lo, &hi) && ps_rp_number(&t, row_of(&c, c.strategy[hi], "failure_ratio"),
								    "mean") == 0)
		fputs("<p>No strategy failed.</p>\n", f);
	else
		sentence(f, &c, "failure_ratio", "Fewest failures (failure ratio)", "most");
	sentence(f, &c, "probes_mean", "Fewest candidate ports examined per connection", "most");
	sentence(f, &c, "predict_same_g1", "Hardest to predict (share of ports guessed from the last one)",
		 "easiest");
	fputs("</section>\n", f);

	ps_rp_figures(f, dir);

	fputs("<section class=\"numbers\">\n<h2>The numbers</h2>\n<p>From compare.csv: the mean over the "
	      "replications (all metrics, with 95 % intervals, are in the file).</p>\n<table>\n<tr><th>strategy</th>",
	      f);
	for (size_t m = 0; m < NSHOWN; m++) {
		fputs("<th>", f);
		ps_rp_text(f, shown[m].heading);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < c.n; i++) {
		fputs("<tr><th>", f);
		ps_rp_text(f, c.strategy[i]);
		fputs("</th>", f);
		for (size_t m = 0; m < NSHOWN; m++) {
			fputs("<td class=\"n\">", f);
			mean_of(f, &c, i, shown[m].metric);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
	ps_rp_scenario(f, dir);
	ps_rp_table_fini(&t);
	return 0;
}
