/* The subcommands of the portsim program, each declared in its own file, and what they share. */
#ifndef PORTSIM_CLI_H
#define PORTSIM_CLI_H

#include <stdbool.h>
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
extern const struct ps_cli_command ps_cmd_report;

/*
 * Loads p's SCENARIO (the built-in scenario when none was given), applies p's --set options and
 * shorthands in command-line order, and validates. Returns PS_EXIT_OK with *sc malloc'd (free
 * it), or prints the problem and returns the exit status.
 */
int ps_cli_load(const struct ps_cli_parsed *p, struct ps_scenario **sc);

/* Creates p's --out directory and its missing parents; returns its path, or prints why not and returns NULL. */
const char *ps_cli_out(const struct ps_cli_parsed *p);

/* Creates dir and its missing parents; 0 or -1 (errno set). */
int ps_cli_mkdirs(const char *dir);

/* Whether to draw progress on stderr: not --quiet, and stderr a terminal. */
bool ps_cli_progress(const struct ps_cli_parsed *p);

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

#endif
