/* The subcommands of the portsim program, each declared in its own file, and what they share. */
#ifndef PORTSIM_CLI_H
#define PORTSIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "portsim/capacity.h"
#include "portsim/scenario.h"

/* The registry (main.c lists them in this order, for dispatch and portsim --help). */
extern const struct ps_cli_command ps_cmd_run;
extern const struct ps_cli_command ps_cmd_check;
extern const struct ps_cli_command ps_cmd_keys;
extern const struct ps_cli_command ps_cmd_compare;
extern const struct ps_cli_command ps_cmd_capacity;
extern const struct ps_cli_command ps_cmd_kernel;
extern const struct ps_cli_command ps_cmd_strategies;
extern const struct ps_cli_command ps_cmd_profiles;
extern const struct ps_cli_command ps_cmd_snapshot;
extern const struct ps_cli_command ps_cmd_study;
extern const struct ps_cli_command ps_cmd_plot;
extern const struct ps_cli_command ps_cmd_man;
extern const struct ps_cli_command ps_cmd_report;
extern const struct ps_cli_command ps_cmd_explain;

/* All of them, as main.c lists them; ps_cli_ncommands entries. */
extern const struct ps_cli_command *const ps_cli_commands[];
extern const size_t ps_cli_ncommands;

/* What the program does, one paragraph: portsim --help and portsim(1) open with it. */
extern const char ps_cli_about[];

/*
 * Loads p's SCENARIO (the built-in scenario when none was given), applies p's --set options and
 * shorthands in command-line order (ps_scenario_override), validates, refuses an override of a key
 * the scenario ignores (ps_scenario_key_effect: PS_KEY_INERT), and resolves it once as a run
 * would, reading the files it names, so every refusal comes before any output is made. Returns
 * PS_EXIT_OK with *sc malloc'd (free it), or prints the problem and returns the exit status.
 */
int ps_cli_load(const struct ps_cli_parsed *p, struct ps_scenario **sc);

/*
 * Declares p's --out directory as the command's output folder (output.h):
 * nothing is created until the first file is written, into a staging
 * folder, published when the command ends well. Returns the directory's
 * path, or prints why not and returns NULL.
 */
const char *ps_cli_out(const struct ps_cli_parsed *p);

/* Draws dir's figures with this program's plot command, quietly; 0, or -1 with the reason in err. */
int ps_cli_plot_dir(const char *dir, char *err, size_t size);

/* Creates dir and its missing parents; 0 or -1 (errno set). */
int ps_cli_mkdirs(const char *dir);

/*
 * Publishes the output folder now, before the command says what it wrote.
 * PS_EXIT_OK (also with nothing to publish), or prints why not and returns
 * PS_EXIT_RUNTIME.
 */
int ps_cli_publish(const struct ps_cli_parsed *p);

/*
 * Settles the output folder once the command's main returned rc, and
 * returns the exit status. After a signal: removes what was staged, prints
 * one line and returns 128 + the signal (unless the folder was already
 * published). Else publishes what is staged when rc is PS_EXIT_OK, or
 * PS_EXIT_USAGE with finished files (capacity --solve finding no value
 * still writes its curve), and removes it otherwise.
 */
int ps_cli_finish(const struct ps_cli_parsed *p, int rc);

/* Whether to draw progress on stderr: not --quiet, and stderr a terminal or --progress given. */
bool ps_cli_progress(const struct ps_cli_parsed *p);

/*
 * Before a long command: prints to stderr, unless --quiet, how many events
 * `runs` runs of sc will take when that passes PS_CLI_LONG_EVENTS, and how
 * large events.csv (events) or events.csv.gz (gz) will be when that passes
 * PS_CLI_LARGE_BYTES.
 */
#define PS_CLI_LONG_EVENTS 1e8
#define PS_CLI_LARGE_BYTES 1e9
void ps_cli_announce(const struct ps_cli_parsed *p, const struct ps_scenario *sc, double runs, bool events,
		     bool gz);
/* --title and --report, worded the same on run, compare and capacity (report.c). */
#define PS_OPT_TITLE                                                                                      \
	PS_OPT_TEXT(0, "title", "TEXT", NULL,                                                              \
		    "title of the figures and the report, written to DIR/title.txt with what was run below it")
#define PS_OPT_REPORT                                                                                     \
	PS_OPT_FLAG(0, "report", "also draw the figures (gnuplot) and write DIR/report.html, one page to "  \
		    "open from a file: the question, what happened, every figure, the numbers")

/* What a command hands to ps_cli_report_outputs about the folder it wrote. */
struct ps_cli_report_job {
	const char *dir;
	const char *strategy;      /* run: named in the title; NULL for compare and capacity */
	const char *what;          /* what was run, for the title; NULL: built from the scenario and p's overrides */
	bool scenario_ini;         /* compare, capacity: write the resolved scenario too */
	const struct ps_capacity_bounds *bounds; /* capacity: write closed_forms.csv; NULL: none */
	double target;             /* ... at this failure ratio */
	uint64_t first_failure_attempt; /* known to the command; 0: the report reads events.csv */
	bool title;                /* write title.txt even without --title or --report (run --vary) */
	bool plot;                 /* draw the figures even without --report (run --vary) */
};

/*
 * After a command wrote job->dir: with --title (or job->title) writes title.txt; with
 * --report also question.txt (the scenario file's opening comment), what the job asks for,
 * the figures and report.html. Returns the exit status, having printed any problem.
 */
int ps_cli_report_outputs(const struct ps_cli_parsed *p, const struct ps_scenario *sc,
			  const struct ps_cli_report_job *job);

/* What p ran, for a title: "NAME[ / STRATEGY], key=value, ..." with p's overrides in order. */
void ps_cli_what(const struct ps_cli_parsed *p, const struct ps_scenario *sc, const char *strategy, char *buf,
		 size_t size);
/* What a run's report asks portsim explain: the attempt of sc to tell. */
struct ps_cli_explain_job {
	const struct ps_scenario *sc;
	uint64_t attempt;
};
/* A ps_report_explain_fn (report.h) for arg, a struct ps_cli_explain_job: 1 with *text, or -1. */
int ps_cli_explain_report(void *arg, const char *dir, char **text);

/* p's --jobs (PS_OPT_JOBS), or the default; PS_EXIT_OK, or prints why not (PORTSIM_JOBS) and returns the status. */
int ps_cli_jobs(const struct ps_cli_parsed *p, unsigned *jobs);

#endif
