/*
 * The report: one self-contained HTML page, DIR/report.html, that a class
 * can open from a file. It is made from an output folder of `portsim run`,
 * `compare`, `capacity` or `run --vary`, never from the simulation, so
 * `portsim report DIR` can make it again at any time: the question the
 * scenario answers, what happened in sentences (the first failure and why:
 * a pool full of TIME_WAIT, of established connections, or a NAT out of
 * external ports), every figure's SVG inline, the closed forms beside a
 * capacity search, the numbers, and the resolved scenario. It has no
 * script, no font, no link to fetch: the page is the file.
 *
 * Plain runs keep their files byte for byte (the output contract); what the
 * report needs beyond them is written on request, by --report and --title:
 *   question.txt      the scenario file's opening comment, which the
 *                     resolved scenario.ini does not keep
 *   title.txt         line 1: the figures' title; line 2, when line 1 is
 *                     the user's own (--title), what was run
 *   scenario.ini      compare and capacity: the resolved scenario
 *   closed_forms.csv  capacity: the closed forms (metric,value, as in
 *                     capacity_summary.csv), so the knee figure draws them
 *                     after a sweep too
 * and it reads, when present:
 *   explain.txt       the explanation of one failed attempt (portsim
 *                     explain), shown as it is; or the explain hook of
 *                     struct ps_report_options, called first
 *
 * Figures are drawn by the project's gnuplot scripts (scripts/plot): the
 * directory is PORTSIM_SCRIPTS from the environment, else the one the
 * program was built from.
 *
 * Several runs overlaid: ps_vary runs a scenario once per value of one key
 * into DIR/vary-KEY-VALUE/ and lists them in DIR/vary.csv, which
 * scripts/vary.gp draws.
 */
#ifndef PORTSIM_REPORT_H
#define PORTSIM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/capacity.h"
#include "portsim/run.h"
#include "portsim/scenario.h"

/*
 * Writes the explanation of one failed attempt of the run in dir into
 * *text (malloc'd, plain text; the report escapes it). Returns 1 with
 * *text set, 0 when there is nothing to explain, -1 on an error (the
 * report then goes on without it).
 */
typedef int (*ps_report_explain_fn)(void *arg, const char *dir, char **text);

struct ps_report_options {
	const char *question_from;      /* a scenario file: write question.txt from it first; NULL: keep DIR's */
	/* Draws dir's figures before the page is written (the program's plot command); NULL: draw none. */
	int (*plot)(const char *dir, char *err, size_t size);
	uint64_t first_failure_attempt; /* the first failure's attempt number if known; 0: from events.csv */
	ps_report_explain_fn explain;   /* NULL: explain.txt when present */
	void *explain_arg;
};

/*
 * Writes dir/report.html from what dir holds (summary.csv and
 * timeseries.csv, compare.csv, capacity.csv or vary.csv); opt may be NULL.
 * PS_DONE; PS_BAD_INPUT with the reason in err, nothing written, when dir
 * holds no output of portsim or opt->question_from cannot be read;
 * PS_FAILED for an unreadable file, a failed write or, with opt->plot,
 * gnuplot failing.
 */
enum ps_status ps_report_write(const char *dir, const struct ps_report_options *opt, char *err, size_t size);

/*
 * The opening comment of a scenario file's text: its leading comment lines
 * ('#' or ';'), up to the first other line, without the comment marks and
 * one space after them. Returns it malloc'd ("" when there is none), or
 * NULL when out of memory.
 */
char *ps_report_question(const char *text);

/*
 * Writes dir/question.txt from the opening comment of the scenario file at
 * path (the built-in scenario's when path is NULL). 0 (nothing written when
 * the file has no opening comment), or -1 with the reason in err.
 */
int ps_report_write_question(const char *dir, const char *path, char *err, size_t size);

/*
 * What was run, for a title: "NAME", then " / STRATEGY" when strategy is
 * not NULL, then ", " and each override ("section.key=value") in order.
 * Returns the length it needed, as snprintf does.
 */
size_t ps_report_what(char *buf, size_t size, const char *name, const char *strategy,
		      const char *const *overrides, size_t n);

/*
 * Writes dir/title.txt: title (the user's, or NULL) on line 1 and what on
 * line 2, or what alone when title is NULL. 0, or -1 with the reason in err.
 */
int ps_report_write_title(const char *dir, const char *title, const char *what, char *err, size_t size);

/* Writes dir/scenario.ini: sc, fully resolved (as run writes it). 0, or -1 with the reason in err. */
int ps_report_write_scenario(const char *dir, const struct ps_scenario *sc, char *err, size_t size);

/* Writes dir/closed_forms.csv: b at failure ratio target, metric,value. 0, or -1 with the reason in err. */
int ps_report_write_closed_forms(const char *dir, const struct ps_capacity_bounds *b, double target, char *err,
				 size_t size);


/* ---- several runs overlaid ---- */

#define PS_VARY_MAX 16

/* KEY=V1,V2,...: one key of the scenario and the values it takes, one run each. */
struct ps_vary {
	char key[PS_NAME_MAX * 2];
	char *values[PS_VARY_MAX];
	size_t n;
	char *buf; /* owns the values */
};

/*
 * Parses spec ("workload.client.rate_per_s=250,300") and checks every
 * value against sc (applied after its overrides, then validated), so
 * nothing runs when one value is bad. 0 (free with ps_vary_fini), or -1
 * with the reason in err.
 */
int ps_vary_parse(struct ps_vary *v, const char *spec, const struct ps_scenario *sc, char *err, size_t size);

void ps_vary_fini(struct ps_vary *v);

/* The folder of value i under the output folder: "vary-KEY-VALUE", odd characters as '_'. */
void ps_vary_dirname(const struct ps_vary *v, size_t i, char *buf, size_t size);

/* Called after each run of ps_vary, for the command line to say so. */
typedef void (*ps_vary_done_fn)(void *arg, const struct ps_vary *v, size_t i, const char *dir,
				const struct ps_run_result *res);

/*
 * Runs sc once per value of v, into opt->out_dir/vary-KEY-VALUE/ with the
 * other options of opt, and writes opt->out_dir/vary.csv: key, value, dir,
 * then each run's attempts, failures, failure_ratio, first_failure_s,
 * peak_established and peak_time_wait as its summary.csv has them. When
 * what is not NULL each run's folder gets a title.txt ("WHAT, KEY=VALUE").
 * PS_DONE, or the status with the reason in err.
 */
enum ps_status ps_vary_run(const struct ps_scenario *sc, const struct ps_vary *v, const struct ps_run_options *opt,
			   const char *what, ps_vary_done_fn done, void *done_arg, char *err, size_t size);

#endif
