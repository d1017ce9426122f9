/* The subcommands of the portsim program, each declared in its own file, and what they share. */
#ifndef PORTSIM_CLI_H
#define PORTSIM_CLI_H

#include <stdbool.h>

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

/*
 * Loads p's SCENARIO (the built-in scenario when none was given), applies p's --set options and
 * shorthands in command-line order (ps_scenario_override), validates, refuses an override of a key
 * the scenario ignores (ps_scenario_key_effect: PS_KEY_INERT), and resolves it once as a run
 * would, reading the files it names, so every refusal comes before any output is made. Returns
 * PS_EXIT_OK with *sc malloc'd (free it), or prints the problem and returns the exit status.
 */
int ps_cli_load(const struct ps_cli_parsed *p, struct ps_scenario **sc);

/* Creates p's --out directory and its missing parents; returns its path, or prints why not and returns NULL. */
const char *ps_cli_out(const struct ps_cli_parsed *p);

/* Whether to draw progress on stderr: not --quiet, and stderr a terminal. */
bool ps_cli_progress(const struct ps_cli_parsed *p);

#endif
