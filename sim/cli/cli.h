/* The subcommands of the portsim program, each in its own file. */
#ifndef PORTSIM_CLI_H
#define PORTSIM_CLI_H

/* Exit statuses (DESIGN.md, "Conventions"). */
#define PS_EXIT_OK 0
#define PS_EXIT_RUNTIME 1
#define PS_EXIT_USAGE 2

int ps_cmd_run(int argc, char **argv);
int ps_cmd_strategies(int argc, char **argv);
int ps_cmd_profiles(int argc, char **argv);
int ps_cmd_check(int argc, char **argv);
int ps_cmd_keys(int argc, char **argv);
int ps_cmd_compare(int argc, char **argv);
int ps_cmd_capacity(int argc, char **argv);
int ps_cmd_kernel(int argc, char **argv);

/* Prints "portsim: " and the formatted message to stderr, with a newline. */
void ps_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Creates dir and its missing parents; 0 or -1 (errno set). */
int ps_cli_mkdirs(const char *dir);

#endif
