/* The subcommands of the portsim program, each in its own file. */
#ifndef PORTSIM_CLI_H
#define PORTSIM_CLI_H

/* Exit statuses (DESIGN.md, "Conventions"). */
#define PS_EXIT_OK 0
#define PS_EXIT_RUNTIME 1
#define PS_EXIT_USAGE 2

#include <stdbool.h>

#include "portsim/scenario.h"

int ps_cmd_run(int argc, char **argv);
int ps_cmd_strategies(int argc, char **argv);
int ps_cmd_profiles(int argc, char **argv);
int ps_cmd_check(int argc, char **argv);
int ps_cmd_keys(int argc, char **argv);
int ps_cmd_compare(int argc, char **argv);
int ps_cmd_capacity(int argc, char **argv);
int ps_cmd_kernel(int argc, char **argv);
int ps_cmd_snapshot(int argc, char **argv);

/* Prints "portsim: " and the formatted message to stderr, with a newline. */
void ps_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define PS_CLI_MAX_SETS 256

/* --set K=V, or a shorthand such as --seed N (flag "--seed", text "run.seed=N"). */
struct ps_cli_override {
	const char *flag; /* the shorthand as typed, or NULL for --set */
	char text[512];   /* section.key=value */
};

/* The overrides of one command line, applied in order after the scenario file. */
struct ps_cli_overrides {
	const char *cmd; /* the subcommand, for messages */
	unsigned n;
	struct ps_cli_override item[PS_CLI_MAX_SETS];
};

/* Adds key=value (or, with key NULL, value as a whole assignment); prints why not and returns false. */
bool ps_cli_override(struct ps_cli_overrides *o, const char *flag, const char *key, const char *value);

/* Loads path (the built-in scenario when NULL), applies o and validates; prints the problem and returns false. */
bool ps_cli_load(struct ps_scenario *sc, const char *path, const struct ps_cli_overrides *o);

/* Creates dir and its missing parents; 0 or -1 (errno set). */
int ps_cli_mkdirs(const char *dir);

#endif
