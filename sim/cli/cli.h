/* The subcommands of the portsim program, each declared in its own file, and what they share. */
#ifndef PORTSIM_CLI_H
#define PORTSIM_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"
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

/* All of them, as main.c lists them; ps_cli_ncommands entries. */
extern const struct ps_cli_command *const ps_cli_commands[];
extern const size_t ps_cli_ncommands;

/* What the program does, one paragraph: portsim --help and portsim(1) open with it. */
extern const char ps_cli_about[];

/*
 * Loads p's SCENARIO (the built-in scenario when none was given), applies p's --set options and
 * shorthands in command-line order, and validates. Returns PS_EXIT_OK with *sc malloc'd (free
 * it), or prints the problem and returns the exit status.
 */
int ps_cli_load(const struct ps_cli_parsed *p, struct ps_scenario **sc);

/*
 * Declares p's --out directory as the command's output folder (output.h):
 * nothing is created until the first file is written, into a staging
 * folder, published when the command ends well. Returns the directory's
 * path, or prints why not and returns NULL.
 */
const char *ps_cli_out(const struct ps_cli_parsed *p);

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

#endif
