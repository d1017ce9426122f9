/*
 * The page of one run: what happened, why one attempt failed (when an
 * explanation is at hand), the figures, every number of summary.csv with
 * what it means, and the resolved scenario.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* summary.csv's columns, as README.md's Outputs section explains them; wall_s is left out (not reproducible). */
static const struct {
	const char *col, *meaning;
} columns[] = {
	{ "scenario", "scenario name (the file's stem, or default)" },
	{ "strategy", "allocation strategy" },
	{ "seed", "run seed: the same seed gives the same run" },
	{ "duration_s", "simulated time (s)" },
	{ "attempts", "connection attempts" },
	{ "successes", "attempts that got a port" },
	{ "failures", "attempts that did not" },
	{ "failure_ratio", "failures / attempts" },
	{ "first_failure_s", "time of the first failure (s); empty when none" },
	{ "peak_established", "most connections established at once" },
	{ "peak_time_wait", "most connections in TIME_WAIT at once" },
	{ "peak_ports_in_use", "most (address, port) pairs carrying a socket at once" },
	{ "probes_mean", "candidate ports the strategy examined per attempt, on average" },
	{ "probes_p99", "... at the 99th percentile" },
	{ "probes_max", "... at most" },
	{ "tw_takeovers", "TIME_WAIT entries taken over by a new connection (tw_reuse)" },
	{ "requests", "arrivals (with keepalive, requests; otherwise one per connection)" },
	{ "reused", "requests served by an idle pooled connection" },
	{ "retries", "connection attempts that were retries" },
	{ "abandoned", "requests that got no connection after all their tries" },
	{ "nat_failures", "attempts the NAT dropped (no external port)" },
	{ "peak_nat_mappings", "most NAT mappings alive at once" },
	{ "cap_failures", "attempts refused by a population's max_connections (CONN_LIMIT); only with a cap" },
	{ "delay_p50_s", "connect delay (s): first SYN to established, plus the search's cost; median" },
	{ "delay_p99_s", "... at the 99th percentile" },
	{ "delay_p999_s", "... at the 99.9th percentile" },
	{ "delay_max_s", "... at most" },
	{ "syn_retransmits", "SYNs sent again after one was dropped" },
	{ "syn_timeouts", "connections that gave up after their last SYN (ETIMEDOUT)" },
	{ "race_drops", "SYNs the NAT dropped in the conntrack race (not exhaustion)" },
	{ "tw_refusals", "SYNs a server refused on a 4-tuple it held in TIME_WAIT" },
	{ "events", "simulation events processed" },
};

static void numbers(FILE *f, const struct ps_rp_table *s)
{
	fputs("<section class=\"numbers\">\n<h2>The numbers</h2>\n<p>summary.csv, the run's one row:</p>\n"
	      "<table>\n<tr><th>column</th><th>value</th><th>meaning</th></tr>\n", f);
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		const char *v = ps_rp_cell(s, 1, columns[i].col);
		if (!v)
			continue;
		fputs("<tr><th><code>", f);
		ps_rp_text(f, columns[i].col);
		fputs("</code></th><td class=\"n\">", f);
		ps_rp_num(f, columns[i].col, v, *v ? v : "none");
		fputs("</td><td>", f);
		ps_rp_text(f, columns[i].meaning);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n</section>\n", f);
}

/* The explanation of one failed attempt: the caller's hook, else explain.txt; nothing when neither has one. */
static void explanation(FILE *f, const char *dir, const struct ps_report_options *opt)
{
	char *text = NULL;
	int got = 0;
	if (opt->explain)
		got = opt->explain(opt->explain_arg, dir, &text);
	else if ((text = ps_rp_read(dir, "explain.txt", NULL)))
		got = 1;
	if (got == 1 && text && *text) {
		fputs("<section class=\"explain\">\n<h2>Why one attempt failed</h2>\n<pre>", f);
		ps_rp_text(f, text);
		fputs("</pre>\n</section>\n", f);
	}
	free(text);
}

int ps_rp_run_page(FILE *f, const char *dir, const struct ps_report_options *opt, char *err, size_t size)
{
	struct ps_rp_table s;
	if (ps_rp_table_read(&s, dir, "summary.csv") != 0 || s.nrows < 2) {
		snprintf(err, size, "report: %s/summary.csv: no data row", dir);
		ps_rp_table_fini(&s);
		return -1;
	}
	fputs("<section class=\"headline\">\n<h2>What happened</h2>\n", f);
	ps_rp_headline(f, dir, &s, opt);
	fputs("</section>\n", f);
	explanation(f, dir, opt);
	ps_rp_figures(f, dir);
	numbers(f, &s);
	ps_rp_scenario(f, dir);
	ps_rp_table_fini(&s);
	return 0;
}
