/*
 * What the report's files share: reading an output folder (folder.c), writing
 * HTML (html.c), the sentences about a run (headline.c), and the pages of
 * each kind of folder (run_page.c, compare_page.c, capacity_page.c,
 * vary_page.c), put together by report.c.
 */
#ifndef PORTSIM_REPORT_INTERNAL_H
#define PORTSIM_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "portsim/input.h"
#include "portsim/report.h"

/* ---- folder.c: reading what a run wrote ---- */

/* A small CSV file read whole: row 0 is the header. Cells are not quoted in portsim's files. */
struct ps_rp_table {
	char *buf;
	char **cell;  /* [nrows * ncols] */
	size_t ncols, nrows;
};


/* The whole file dir/name, NUL-terminated (malloc'd), its length in *len (may be NULL); NULL with errno set. */
char *ps_rp_read(const char *dir, const char *name, size_t *len);

/* The same for a path. */
char *ps_rp_read_path(const char *path, size_t *len);

/* Whether dir/name is a file. */
bool ps_rp_exists(const char *dir, const char *name);

/* Reads dir/name; 0, or -1 with errno set (ENOENT when it is not there). Free with ps_rp_table_fini. */
int ps_rp_table_read(struct ps_rp_table *t, const char *dir, const char *name);
void ps_rp_table_fini(struct ps_rp_table *t);

/* The cell of data row `row` (1-based) in column col; NULL without that column or row. */
const char *ps_rp_cell(const struct ps_rp_table *t, size_t row, const char *col);

/* The cell as a number; NAN when missing or empty. */
double ps_rp_number(const struct ps_rp_table *t, size_t row, const char *col);

/* The value of metric in a metric,value table (capacity_summary.csv); NULL when absent. */
const char *ps_rp_metric(const struct ps_rp_table *t, const char *metric);

/* The value of key in section of an INI file's text ("host", "time_wait_s"), copied into buf; false when absent. */
bool ps_rp_ini_value(const char *text, const char *section, const char *key, char *buf, size_t size);

/* ---- html.c ---- */

/* text, escaped for HTML. */
void ps_rp_text(FILE *f, const char *text);

/* Formatted, then escaped. */
void ps_rp_textf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A number the reader sees (shown, escaped) and a test can check: <data
 * class="num" data-col="col" value="value">shown</data>, value exactly as
 * the CSV file has it.
 */
void ps_rp_num(FILE *f, const char *col, const char *value, const char *shown);

/* A whole number with thousands separators: 16384 -> "16,384". */
void ps_rp_commas(char *buf, size_t size, double v);

/* A count as people say it: "1st", "16,385th". */
void ps_rp_ordinal(char *buf, size_t size, double v);

/* A number with at most digits significant digits and no trailing zeros ("41.3", "0.0021"). */
void ps_rp_short(char *buf, size_t size, double v, int digits);

/*
 * Copies the SVG file dir/name into f as inline SVG: the XML prolog dropped,
 * every id and reference to one prefixed with prefix (so that several
 * figures' clip paths cannot collide), label as its accessible name.
 * 0, or -1 with errno set.
 */
int ps_rp_svg(FILE *f, const char *dir, const char *name, const char *prefix, const char *label);

/* ---- report.c: what every page has ---- */

/* The question (question.txt), or a note saying how to keep it. */
void ps_rp_question(FILE *f, const char *dir);

/* Every SVG figure of dir, inline, in teaching order, each with its caption. Returns how many. */
size_t ps_rp_figures(FILE *f, const char *dir);

/* The resolved scenario (scenario.ini), folded. */
void ps_rp_scenario(FILE *f, const char *dir);

/* ---- pages: the sections of each kind of folder; 0, or -1 with the reason in err ---- */

int ps_rp_run_page(FILE *f, const char *dir, const struct ps_report_options *opt, char *err, size_t size);
int ps_rp_compare_page(FILE *f, const char *dir, char *err, size_t size);
int ps_rp_capacity_page(FILE *f, const char *dir, char *err, size_t size);
int ps_rp_vary_page(FILE *f, const char *dir, char *err, size_t size);

/* headline.c: the sentences about one run, from its summary.csv row and timeseries.csv. */
void ps_rp_headline(FILE *f, const char *dir, const struct ps_rp_table *summary,
		    const struct ps_report_options *opt);

#endif
