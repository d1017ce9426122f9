/*
 * The page: which kind of folder this is, the head with its style (no
 * fonts, no scripts, nothing fetched), the title and the question, the
 * figures inline, the resolved scenario, and the footer. Each kind of
 * folder fills the middle with its own page (run_page.c, ...).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portsim/csv.h"

#ifndef PORTSIM_VERSION
#define PORTSIM_VERSION "?"
#endif

enum kind { K_NONE, K_RUN, K_COMPARE, K_CAPACITY, K_VARY };

static enum kind kind_of(const char *dir)
{
	if (ps_rp_exists(dir, "vary.csv"))
		return K_VARY;
	if (ps_rp_exists(dir, "summary.csv") && ps_rp_exists(dir, "timeseries.csv"))
		return K_RUN;
	if (ps_rp_exists(dir, "compare.csv"))
		return K_COMPARE;
	if (ps_rp_exists(dir, "capacity.csv") || ps_rp_exists(dir, "capacity_solve.csv"))
		return K_CAPACITY;
	return K_NONE;
}

static const char STYLE[] =
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;max-width:66rem;"
	"margin:1.5rem auto 3rem;padding:0 1.2rem;color:#212121;line-height:1.5;background:#fff}\n"
	".kicker{color:#1565c0;font-size:.85rem;letter-spacing:.06em;text-transform:uppercase;margin:0}\n"
	"h1{font-size:1.8rem;margin:.1rem 0 .2rem}\n"
	"h2{font-size:1.3rem;margin:2rem 0 .6rem;border-bottom:1px solid #e0e0e0;padding-bottom:.2rem}\n"
	".what{color:#616161;margin:0 0 1rem}\n"
	".question{background:#f3f7fc;border-left:5px solid #1565c0;padding:.4rem 1.2rem .8rem;margin:1rem 0}\n"
	".question h2{border:0;margin-top:.6rem}\n"
	".ask{font-size:1.25rem;font-weight:600}\n"
	".headline p{font-size:1.12rem}\n"
	".explain pre{background:#fff8e1;border-left:5px solid #ef6c00}\n"
	".note{color:#616161;font-style:italic}\n"
	"figure{margin:1.6rem 0}\n"
	"figure svg{display:block;width:100%;height:auto;border:1px solid #e0e0e0}\n"
	"figcaption{color:#424242;font-size:.95rem;margin-top:.4rem}\n"
	"table{border-collapse:collapse;margin:.6rem 0}\n"
	"th,td{padding:.25rem .7rem;border-bottom:1px solid #e0e0e0;text-align:left;vertical-align:top}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"pre{background:#f7f7f7;padding:.7rem 1rem;overflow-x:auto;font-size:.85rem}\n"
	"code,pre{font-family:ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace}\n"
	"ul.claims{font-size:.9rem}\n"
	"footer{color:#757575;font-size:.85rem;margin-top:3rem;border-top:1px solid #e0e0e0;padding-top:.6rem}\n"
	"@media print{figure{break-inside:avoid}body{max-width:none}}\n";

/* ---- the question ---- */

enum line_kind { L_BLANK, L_TEXT, L_CODE, L_CLAIM };

static enum line_kind line_kind(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len)
		return L_BLANK;
	if (i >= 2 || line[0] == '\t')
		return L_CODE;
	if (len >= 6 && !strncmp(line, "expect", 6))
		return L_CLAIM;
	return L_TEXT;
}

/* The opening comment as paragraphs: its first is the question; commands as code; claims as a list. */
static void question_text(FILE *f, const char *q)
{
	enum line_kind open = L_BLANK;
	bool first = true;
	for (const char *line = q; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		enum line_kind k = line_kind(line, len);
		if (k != open) {
			static const char *const close[] = { "", "</p>\n", "</pre>\n", "</ul>\n" };
			fputs(close[open], f);
			if (k == L_TEXT)
				fputs(first ? "<p class=\"ask\">" : "<p>", f);
			else if (k == L_CODE)
				fputs("<pre>", f);
			else if (k == L_CLAIM)
				fputs("<p>What the scenario claims about itself, checked by the project's tests:</p>\n"
				      "<ul class=\"claims\">\n", f);
			if (k == L_TEXT)
				first = false;
		} else if (k == L_TEXT) {
			fputc(' ', f);
		}
		char *copy = strndup(line, len);
		if (copy) {
			if (k == L_CLAIM) {
				fputs("<li><code>", f);
				ps_rp_text(f, copy);
				fputs("</code></li>\n", f);
			} else if (k == L_CODE) {
				ps_rp_text(f, copy);
				fputc('\n', f);
			} else if (k == L_TEXT) {
				ps_rp_text(f, copy);
			}
			free(copy);
		}
		open = k;
		line = end ? end + 1 : line + len;
	}
	static const char *const close[] = { "", "</p>\n", "</pre>\n", "</ul>\n" };
	fputs(close[open], f);
}

void ps_rp_question(FILE *f, const char *dir)
{
	char *q = ps_rp_read(dir, "question.txt", NULL);
	fputs("<section class=\"question\">\n<h2>The question</h2>\n", f);
	if (q && *q)
		question_text(f, q);
	else
		fputs("<p class=\"note\">This folder does not say which question its scenario answers: its "
		      "scenario.ini is resolved and keeps no comments. Run with --report, or make the report with "
		      "portsim report DIR --scenario FILE, to keep the scenario file's opening comment.</p>\n",
		      f);
	fputs("</section>\n", f);
	free(q);
}

/* ---- figures ---- */

/* In the order a lesson reads them, each with how to read it. */
static const struct {
	const char *name, *caption;
} figures[] = {
	{ "vary", "One run per value: connections holding a port over time (top) and failed attempts per "
		  "second (bottom), one colour per value; the dashed line is the pool." },
	{ "occupancy", "Ports over time: established connections (blue), TIME_WAIT (orange), ports still free "
		       "toward the tightest destination (green); the dashed line is the pool, the red line the "
		       "first failure, the red bars failed attempts. Behind a NAT it shows the NAT's pool: "
		       "mappings carrying a connection (blue), mappings lingering after their close (orange), "
		       "the NAT's free ports where it is fullest (green), the inside hosts' own (dashed green) "
		       "when they run as short; the red line is the first drop at the NAT." },
	{ "failures", "Attempts per second: those that got a port (blue) and those that failed (red); the "
		      "dark line is every attempt." },
	{ "probes", "How many candidate ports the strategy examined per connection, against how full the "
		    "pool was: searching gets slow near exhaustion." },
	{ "delay", "Connect delay: the share of connections slower than each delay (left; p99 and p99.9 "
		   "where it crosses the dashed lines), and each connection's delay when it was established, "
		   "beside the ports in use (right)." },
	{ "heatmap", "Which ports were in use when: time left to right, ports bottom to top, darker is fuller." },
	{ "parity", "Connections given an even port (blue) and an odd one (red), counted over time: Linux's "
		    "connect() uses the even half first, so the odd line stays flat until the evens run out." },
	{ "port_timeline", "The life of each followed port: blue while a connection holds it, orange while it "
			   "sits in TIME_WAIT, empty while it is free; green triangles where it was chosen, grey "
			   "marks where a search passed it over. Below, the whole pool over the same time." },
	{ "hosts", "Attempts (grey) and failures (red) per inside host behind the NAT." },
	{ "knee", "Failure ratio against the offered rate, with 95 % intervals; the vertical lines are the "
		  "closed forms and, after a search, the rate it found." },
	{ "compare_bars", "The strategies side by side: means over the replications with 95 % intervals." },
	{ "reuse_cdf", "How soon a released port is used again, per strategy (the share of reuses within a "
		       "given time)." },
};
#define NFIGURES (sizeof(figures) / sizeof(figures[0]))

static size_t figure_rank(const char *name)
{
	for (size_t i = 0; i < NFIGURES; i++)
		if (!strcmp(figures[i].name, name))
			return i;
	return NFIGURES;
}

static int by_rank(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t rx = figure_rank(x), ry = figure_rank(y);
	return rx != ry ? (rx < ry ? -1 : 1) : strcmp(x, y);
}

/* The stems of dir's *.svg files, sorted; *n gets their count. NULL when there are none. */
static char **svg_stems(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **stems = NULL;
	size_t cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".svg") || e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **bigger = realloc(stems, cap * sizeof(*stems));
			if (!bigger)
				break;
			stems = bigger;
		}
		if (!(stems[*n] = strndup(e->d_name, len - 4)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(stems, *n, sizeof(*stems), by_rank);
	return stems;
}

size_t ps_rp_figures(FILE *f, const char *dir)
{
	size_t n;
	char **stems = svg_stems(dir, &n);
	fputs("<section class=\"figures\">\n<h2>Figures</h2>\n", f);
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		size_t r = figure_rank(stems[i]);
		const char *caption = r < NFIGURES ? figures[r].caption : "";
		char file[300], prefix[32];
		snprintf(file, sizeof(file), "%s.svg", stems[i]);
		snprintf(prefix, sizeof(prefix), "f%zu-", i + 1);
		fprintf(f, "<figure id=\"figure-%zu\">\n", i + 1);
		if (ps_rp_svg(f, dir, file, prefix, stems[i]) != 0) {
			fputs("<p class=\"note\">", f);
			ps_rp_textf(f, "%s could not be read.", file);
			fputs("</p>\n", f);
		} else {
			shown++;
		}
		fputs("<figcaption><b>", f);
		ps_rp_text(f, stems[i]);
		fputs("</b>", f);
		if (*caption) {
			fputs(": ", f);
			ps_rp_text(f, caption);
		}
		fputs("</figcaption>\n</figure>\n", f);
		free(stems[i]);
	}
	if (n == 0)
		fputs("<p class=\"note\">No figures in this folder: draw them with scripts/plot DIR (gnuplot), then "
		      "make the report again.</p>\n", f);
	fputs("</section>\n", f);
	free(stems);
	return shown;
}

void ps_rp_scenario(FILE *f, const char *dir)
{
	char *ini = ps_rp_read(dir, "scenario.ini", NULL);
	if (!ini)
		return;
	fputs("<section class=\"scenario\">\n<h2>The scenario as run</h2>\n<details>\n<summary>scenario.ini: every "
	      "key with the value the run used, defaults and profile values filled in; "
	      "<code>portsim run scenario.ini</code> repeats the run.</summary>\n<pre>", f);
	ps_rp_text(f, ini);
	fputs("</pre>\n</details>\n</section>\n", f);
	free(ini);
}

/* ---- the page ---- */

/* The title (title.txt's first line, or what the folder's files name) and what was run (its second line). */
static void titles(const char *dir, enum kind k, char *title, size_t tsize, char *what, size_t wsize)
{
	*title = *what = '\0';
	char *t = ps_rp_read(dir, "title.txt", NULL);
	if (t) {
		char *nl = strchr(t, '\n');
		if (nl)
			*nl = '\0';
		snprintf(title, tsize, "%s", t);
		if (nl) {
			char *nl2 = strchr(nl + 1, '\n');
			if (nl2)
				*nl2 = '\0';
			snprintf(what, wsize, "%s", nl + 1);
		}
		free(t);
	}
	if (*title)
		return;
	struct ps_rp_table s;
	if (k == K_RUN && ps_rp_table_read(&s, dir, "summary.csv") == 0) {
		const char *name = ps_rp_cell(&s, 1, "scenario"), *strategy = ps_rp_cell(&s, 1, "strategy");
		snprintf(title, tsize, "%s / %s", name ? name : "?", strategy ? strategy : "?");
		ps_rp_table_fini(&s);
		return;
	}
	char *ini = ps_rp_read(dir, "scenario.ini", NULL);
	const char *q = ini ? strstr(ini, "scenario \"") : NULL;
	const char *e = q ? strchr(q + 10, '"') : NULL;
	if (e)
		snprintf(title, tsize, "%.*s", (int)(e - q - 10), q + 10);
	else
		snprintf(title, tsize, "%s", dir);
	free(ini);
}

static void head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"portsim " PORTSIM_VERSION "\">\n<title>", f);
	ps_rp_text(f, title);
	fputs("</title>\n<style>\n", f);
	fputs(STYLE, f);
	fputs("</style>\n</head>\n<body>\n", f);
}

enum ps_status ps_report_write(const char *dir, const struct ps_report_options *opt, char *err, size_t size)
{
	static const struct ps_report_options none = { 0 };
	static const char *const kicker[] = { "", "portsim run", "portsim compare", "portsim capacity",
					      "portsim run --vary" };
	if (!opt)
		opt = &none;
	enum kind k = kind_of(dir);
	if (k == K_NONE) {
		snprintf(err, size, "report: %s: no output of portsim here; allowed: the --out folder of run (summary.csv "
			 "and timeseries.csv), compare (compare.csv), capacity (capacity.csv) or run --vary (vary.csv)", dir);
		return PS_BAD_INPUT;
	}
	if (opt->question_from) {
		char *text = ps_rp_read_path(opt->question_from, NULL);
		if (!text) {
			snprintf(err, size, "report: %s: cannot read: %s", opt->question_from, strerror(errno));
			return PS_BAD_INPUT;
		}
		free(text);
		if (ps_report_write_question(dir, opt->question_from, err, size) != 0)
			return PS_FAILED;
	}
	if (opt->plot && opt->plot(dir, err, size) != 0)
		return PS_FAILED;
	char title[512], what[512];
	titles(dir, k, title, sizeof(title), what, sizeof(what));

	struct ps_csv c;
	if (ps_csv_open(&c, dir, "report.html", NULL) != 0) {
		snprintf(err, size, "report: %s/report.html: %s", dir, strerror(errno));
		return PS_FAILED;
	}
	head(c.f, title);
	fputs("<header>\n<p class=\"kicker\">", c.f);
	ps_rp_text(c.f, kicker[k]);
	fputs("</p>\n<h1>", c.f);
	ps_rp_text(c.f, title);
	fputs("</h1>\n", c.f);
	if (*what) {
		fputs("<p class=\"what\">", c.f);
		ps_rp_text(c.f, what);
		fputs("</p>\n", c.f);
	}
	fputs("</header>\n<main>\n", c.f);
	ps_rp_question(c.f, dir);
	int rc = k == K_RUN	 ? ps_rp_run_page(c.f, dir, opt, err, size)
		 : k == K_COMPARE ? ps_rp_compare_page(c.f, dir, err, size)
		 : k == K_CAPACITY ? ps_rp_capacity_page(c.f, dir, err, size)
				   : ps_rp_vary_page(c.f, dir, err, size);
	fputs("</main>\n<footer>\n<p>Made by portsim " PORTSIM_VERSION " from the files of this folder. The page "
	      "needs nothing else: no network, no scripts, no fonts. <code>portsim report DIR</code> makes it "
	      "again.</p>\n</footer>\n</body>\n</html>\n", c.f);
	if (rc != 0) {
		ps_csv_abort(&c);
		return PS_FAILED;
	}
	if (ps_csv_commit(&c) != 0) {
		snprintf(err, size, "report: %s/report.html: %s", dir, strerror(errno));
		return PS_FAILED;
	}
	return PS_DONE;
}
