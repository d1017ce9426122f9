/*
 * How a subcommand is declared: a name, a summary, a description and a table of options, from
 * which both the getopt_long parser and the --help text are made, so the two cannot drift.
 *
 *	static const struct ps_cli_option opts[] = {
 *		PS_OPT_SEED("random seed"),
 *		PS_OPT_WHOLE('n', "replications", "N", "5", 1, 1000, "replications per strategy"),
 *		PS_OPT_QUIET,
 *		PS_OPT_END,
 *	};
 *	static int go(const struct ps_cli_parsed *p) { ... ps_cli_number(p, "replications") ... }
 *	const struct ps_cli_command ps_cmd_x = {
 *		.name = "x", .scenario = true, .summary = "...", .about = "...", .opts = opts, .main = go,
 *	};
 *
 * ps_cli_dispatch parses a command line against the table, answers --help, refuses bad usage
 * with one line and exit status 2, and calls main with the parsed result. -h and --help are
 * added to every command; no table may use the letter h.
 */
#ifndef PORTSIM_CLI_COMMAND_H
#define PORTSIM_CLI_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "portsim/workers.h"

/* Exit statuses (DESIGN.md, "Conventions"). */
#define PS_EXIT_OK 0
#define PS_EXIT_RUNTIME 1
#define PS_EXIT_USAGE 2

/* What an option does with its value. */
enum ps_cli_kind {
	PS_CLI_FLAG,      /* takes no value; ps_cli_flag() says whether it was given */
	PS_CLI_TEXT,      /* a value kept as typed, the last one winning; ps_cli_text() */
	PS_CLI_NUMBER,    /* a finite number in [min, max] ((min, max) when open); ps_cli_number() */
	PS_CLI_WHOLE,     /* a whole number in [min, max]; ps_cli_number() */
	PS_CLI_SET,       /* SECTION.KEY=VALUE, added to the overrides; repeatable */
	PS_CLI_SHORTHAND, /* VALUE, added to the overrides as set_key=VALUE; repeatable */
};

struct ps_cli_option {
	int letter;           /* the short option, 0 for none */
	const char *name;     /* the long option, without "--"; NULL ends a table */
	const char *arg;      /* the value's name in help ("N", "DIR"); NULL for a flag */
	const char *help;     /* what it does, one sentence; help wraps it */
	enum ps_cli_kind kind;
	const char *set_key;  /* PS_CLI_SHORTHAND: the scenario key it sets */
	const char *def;      /* the value when not given, parsed as a typed one; shown in help */
	double min, max;      /* PS_CLI_NUMBER, PS_CLI_WHOLE: the allowed range */
	bool open;            /* the range excludes min and max */
};

#define PS_OPT_FLAG(l, n, h) { .letter = (l), .name = (n), .help = (h), .kind = PS_CLI_FLAG }
#define PS_OPT_TEXT(l, n, a, d, h) { .letter = (l), .name = (n), .arg = (a), .def = (d), .help = (h), .kind = PS_CLI_TEXT }
#define PS_OPT_WHOLE(l, n, a, d, lo, hi, h) \
	{ .letter = (l), .name = (n), .arg = (a), .def = (d), .min = (lo), .max = (hi), .help = (h), .kind = PS_CLI_WHOLE }
#define PS_OPT_NUMBER(l, n, a, d, lo, hi, h) \
	{ .letter = (l), .name = (n), .arg = (a), .def = (d), .min = (lo), .max = (hi), .help = (h), .kind = PS_CLI_NUMBER }
#define PS_OPT_NUMBER_OPEN(l, n, a, d, lo, hi, h) \
	{ .letter = (l), .name = (n), .arg = (a), .def = (d), .min = (lo), .max = (hi), .open = true, .help = (h), \
	  .kind = PS_CLI_NUMBER }
#define PS_OPT_SHORTHAND(n, a, key, h) { .name = (n), .arg = (a), .set_key = (key), .help = (h), .kind = PS_CLI_SHORTHAND }
#define PS_OPT_END { .name = NULL }

/* The options most commands share, worded the same everywhere. */
#define PS_OPT_SET                                                                                          \
	{ .name = "set", .arg = "SECTION.KEY=VALUE", .kind = PS_CLI_SET,                                     \
	  .help = "override a scenario key, e.g. workload.client.rate_per_s=300; may be repeated, " \
		  "applied in order after the file; a population the scenario lacks is an error, " \
		  "+workload.NAME.KEY=VALUE adds one; a key the scenario would ignore is an error" }
#define PS_OPT_SEED(h) PS_OPT_SHORTHAND("seed", "N", "run.seed", h)
#define PS_OPT_DURATION(h) PS_OPT_SHORTHAND("duration", "SECONDS", "run.duration_s", h)
#define PS_OPT_STRATEGY(h) PS_OPT_SHORTHAND("strategy", "S", "host.strategy", h)
#define PS_OPT_OUT(dir) PS_OPT_TEXT('o', "out", "DIR", dir, "output directory, created if missing")
#define PS_OPT_QUIET PS_OPT_FLAG('q', "quiet", "print nothing but errors")
#define PS_OPT_PROGRESS \
	PS_OPT_FLAG(0, "progress", "show progress on stderr also when it is not a terminal (a line every 10 s)")
/* No default in the table: without -j, ps_cli_jobs asks workers.h (PORTSIM_JOBS, else the cores). */
#define PS_OPT_JOBS                                                                                         \
	PS_OPT_WHOLE('j', "jobs", "N", NULL, 1, PS_JOBS_MAX,                                                 \
		     "simulations run at once (default: $PORTSIM_JOBS when set, else the machine's cores); "  \
		     "outputs are the same for every N")

/* A number macro as text, for a default: PS_CLI_STR(PS_KERNEL_DEFAULT_LIMIT_S). */
#define PS_CLI_STR(x) PS_CLI_STR_(x)
#define PS_CLI_STR_(x) #x

/* One --set or shorthand, as typed: applied in command-line order after the scenario file. */
struct ps_cli_override {
	const struct ps_cli_option *opt; /* PS_CLI_SET, or the shorthand that gives the key */
	const char *value;               /* SECTION.KEY=VALUE for --set, VALUE for a shorthand */
};

/* Values kept of an option given several times (--follow-port 60409 --follow-port 60410). */
#define PS_CLI_REPEAT_MAX 16

struct ps_cli_value {
	bool given;
	const char *text; /* as typed, else the default (NULL without one) */
	double number;    /* PS_CLI_NUMBER, PS_CLI_WHOLE: text, checked against the range */
	double numbers[PS_CLI_REPEAT_MAX]; /* every typed value, in order, the first PS_CLI_REPEAT_MAX */
	size_t count;                      /* how many times it was typed */
};

struct ps_cli_parsed;

struct ps_cli_command {
	const char *name;
	const char *summary;  /* one line, in portsim --help */
	const char *about;    /* the paragraphs of COMMAND --help ("\n\n" between them); help wraps them */
	const char *exits;    /* what the exit statuses mean; NULL: the usual ones */
	bool scenario;        /* takes one optional SCENARIO argument */
	const char *args;     /* positional arguments other than SCENARIO, as usage shows them ("DIR",
			       * "[DUMP [DUMP2]]"); NULL: none */
	unsigned min_args, max_args; /* with args: how many are required, and how many at most */
	const struct ps_cli_option *opts; /* ends with PS_OPT_END; NULL for none */
	int (*main)(const struct ps_cli_parsed *p); /* returns the exit status */
};

/* A command line, parsed against its command's table. */
struct ps_cli_parsed {
	const struct ps_cli_command *cmd;
	int argc;                       /* the command line, argv[0] the command's name */
	char **argv;
	const char *scenario;           /* the SCENARIO argument; NULL for the built-in scenario */
	char **args;                    /* with cmd->args: the positional arguments, in order */
	size_t nargs;
	size_t nsets;
	struct ps_cli_override *sets;   /* --set and shorthands, in command-line order */
	struct ps_cli_value *values;    /* one per option of cmd->opts, in its order */
};

/*
 * Parses argv (argv[0] the command's name) against cmd and runs it, then
 * settles its output folder (ps_cli_finish); returns the exit status.
 */
int ps_cli_dispatch(const struct ps_cli_command *cmd, int argc, char **argv);

/* Whether cmd's table has an option called name. */
bool ps_cli_has_option(const struct ps_cli_command *cmd, const char *name);

/* Whether the option name (of any kind) was given on the command line. */
bool ps_cli_given(const struct ps_cli_parsed *p, const char *name);
/* The PS_CLI_NUMBER or PS_CLI_WHOLE option name's typed values (*values) and how many were typed,
 * which may be more than PS_CLI_REPEAT_MAX. */
size_t ps_cli_numbers(const struct ps_cli_parsed *p, const char *name, const double **values);
/* Whether the PS_CLI_FLAG option name was given. */
bool ps_cli_flag(const struct ps_cli_parsed *p, const char *name);
/* The PS_CLI_TEXT option name's value: as typed, else its default (NULL without one). */
const char *ps_cli_text(const struct ps_cli_parsed *p, const char *name);
/* The PS_CLI_NUMBER or PS_CLI_WHOLE option name's value, within its range: as typed, else its default. */
double ps_cli_number(const struct ps_cli_parsed *p, const char *name);

/* Prints cmd's --help text (usage, description, options, exit statuses) to f. */
void ps_cli_help(const struct ps_cli_command *cmd, FILE *f);

/* Writes into buf an option's help text and what the table says besides: the key a shorthand
 * sets, the default. */
void ps_cli_option_text(const struct ps_cli_option *o, char *buf, size_t size);
/* What cmd's exit statuses mean, one sentence. */
const char *ps_cli_exits(const struct ps_cli_command *cmd);

/* Prints one help row: left, then text wrapped from column col (on the next line if left is wider). */
void ps_cli_row(FILE *f, const char *left, const char *text, int col);
/* Prints text wrapped at 79 columns, its first line from column col, the others from indent, and a newline. */
void ps_cli_wrap(FILE *f, const char *text, int indent, int col);

/*
 * Prints "portsim: " and the formatted message to stderr, with a newline;
 * nothing once a signal interrupted the command, whose one line the
 * dispatcher prints (ps_cli_finish).
 * every byte of the message outside printable ASCII is written \xNN.
 */
void ps_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
