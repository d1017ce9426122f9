/*
 * The page of `portsim run --vary`: one sentence per value (did it fail,
 * when, how full), the overlaid figure, and a link to each run's folder and
 * report. The runs' own pages hold their scenarios and figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void num(FILE *f, const struct ps_rp_table *t, size_t r, const char *col, bool seconds)
{
	const char *v = ps_rp_cell(t, r, col);
	char buf[64];
	if (!v) {
		fputs("?", f);
		return;
	}
	double d = strtod(v, NULL);
	if (seconds) {
		ps_rp_short(buf, sizeof(buf), d, 3);
		strcat(buf, " s");
	} else {
		ps_rp_commas(buf, sizeof(buf), d);
	}
	ps_rp_num(f, col, v, buf);
}

int ps_rp_vary_page(FILE *f, const char *dir, char *err, size_t size)
{
	struct ps_rp_table t;
	if (ps_rp_table_read(&t, dir, "vary.csv") != 0 || t.nrows < 2) {
		snprintf(err, size, "report: %s/vary.csv: no data row", dir);
		ps_rp_table_fini(&t);
		return -1;
	}
	const char *key = ps_rp_cell(&t, 1, "key");
	fputs("<section class=\"headline\">\n<h2>What happened</h2>\n<p>", f);
	ps_rp_textf(f, "The same scenario ran once for each value of %s, everything else (the seed too) unchanged:",
		    key ? key : "the key");
	fputs("</p>\n<ul>\n", f);
	for (size_t r = 1; r < t.nrows; r++) {
		const char *v = ps_rp_cell(&t, r, "value"), *sub = ps_rp_cell(&t, r, "dir");
		double fails = ps_rp_number(&t, r, "failures");
		fputs("<li><b>", f);
		ps_rp_textf(f, "%s = %s", key ? key : "?", v ? v : "?");
		fputs("</b>: ", f);
		if (fails > 0) {
			num(f, &t, r, "failures", false);
			fputs(" of ", f);
			num(f, &t, r, "attempts", false);
			fputs(" attempts failed, the first at ", f);
			num(f, &t, r, "first_failure_s", true);
		} else {
			fputs("none of ", f);
			num(f, &t, r, "attempts", false);
			fputs(" attempts failed", f);
		}
		fputs("; at most ", f);
		num(f, &t, r, "peak_established", false);
		fputs(" established and ", f);
		num(f, &t, r, "peak_time_wait", false);
		fputs(" in TIME_WAIT at once.", f);
		if (sub) {
			char *subdir = ps_path_join(dir, sub);
			bool has_report = subdir && ps_rp_exists(subdir, "report.html");
			free(subdir);
			fputs(" <a href=\"", f);
			ps_rp_text(f, sub);
			fputs(has_report ? "/report.html\">its report</a>" : "/\">its folder</a>", f);
		}
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</section>\n", f);
	ps_rp_figures(f, dir);
	ps_rp_table_fini(&t);
	return 0;
}
