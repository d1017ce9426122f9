/* A subcommand's option table made into its getopt_long parser and its --help text. */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portsim/interrupt.h"
#include "command.h"
#include "portsim/input.h"

#define WIDTH 79
/* getopt_long returns LONG_BASE + i for the long form of option i: apart from every short letter,
 * so optopt tells a misused long option from a short one. */
#define LONG_BASE 256
/* Every command's option rows put their help text at this column; wider rows, on the next line. */
#define HELP_COL 26

/*
 * Messages quote what users typed and what files held; whatever a layer
 * below forgot, no byte outside printable ASCII reaches the terminal here
 * (each is written \xNN), so a message is always one line with no escape
 * sequence in it.
 */
void ps_cli_error(const char *fmt, ...)
{
	/* After a signal, errors are its consequences: the one line saying so is ps_cli_finish's. */
	if (ps_interrupted())
		return;
	char small[1024], *msg = small;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (!msg)
		msg = small;
	size_t len = n < 0 ? 0 : strlen(msg);
	char *shown = malloc(4 * len + 4);
	fputs("portsim: ", stderr);
	fputs(shown ? ps_excerpt(shown, 4 * len + 4, msg, len, len) : "(out of memory)", stderr);
	fputc('\n', stderr);
	free(shown);
	if (msg != small)
		free(msg);
}

static size_t nopts(const struct ps_cli_command *cmd)
{
	size_t n = 0;
	while (cmd->opts && cmd->opts[n].name)
		n++;
	return n;
}

/* ---- help ---- */

void ps_cli_wrap(FILE *f, const char *text, int indent, int col)
{
	bool started = false; /* a word stands on this line */
	for (const char *p = text; *p;) {
		if (*p == '\n' || *p == ' ') {
			if (*p++ == '\n') {
				fputc('\n', f);
				col = 0;
				started = false;
			}
			continue;
		}
		int w = (int)strcspn(p, " \n");
		if (started && col + 1 + w > WIDTH) {
			fputc('\n', f);
			col = 0;
			started = false;
		}
		if (started) {
			fputc(' ', f);
			col++;
		} else if (col < indent) {
			fprintf(f, "%*s", indent - col, "");
			col = indent;
		}
		fwrite(p, 1, (size_t)w, f);
		col += w;
		started = true;
		p += w;
	}
	fputc('\n', f);
}

void ps_cli_row(FILE *f, const char *left, const char *text, int col)
{
	int w = (int)strlen(left);
	fputs(left, f);
	if (w + 2 > col) {
		fputc('\n', f);
		w = 0;
	}
	ps_cli_wrap(f, text, col, w);
}

/* "  -o, --out DIR" or "      --seed N". */
static void left_column(const struct ps_cli_option *o, char *buf, size_t size)
{
	char letter[8] = "    ";
	if (o->letter)
		snprintf(letter, sizeof(letter), "-%c, ", o->letter);
	snprintf(buf, size, "  %s--%s%s%s", letter, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void ps_cli_option_text(const struct ps_cli_option *o, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s", o->help);
	if (o->kind == PS_CLI_SHORTHAND && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "%ssame as --set %s=%s", *o->help ? "; " : "", o->set_key,
			      o->arg);
	if (o->def && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (default: %s)", o->def);
}

/* One word of the usage line, on a new line (under the first word) when it would pass WIDTH. */
static void usage_word(FILE *f, const char *word, int indent, int *col)
{
	int w = (int)strlen(word);
	if (*col + 1 + w > WIDTH)
		*col = fprintf(f, "\n%*s%s", indent, "", word) - 1;
	else
		*col += fprintf(f, " %s", word);
}

static void usage_line(const struct ps_cli_command *cmd, FILE *f)
{
	int col = fprintf(f, "usage: portsim %s", cmd->name), indent = col + 1;
	if (cmd->scenario)
		usage_word(f, "[SCENARIO]", indent, &col);
	if (cmd->args)
		usage_word(f, cmd->args, indent, &col);
	for (const struct ps_cli_option *o = cmd->opts; o && o->name; o++) {
		char word[128];
		snprintf(word, sizeof(word), "[--%s%s%s]%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "",
			 o->kind == PS_CLI_SET ? "..." : "");
		usage_word(f, word, indent, &col);
	}
	fputc('\n', f);
}

const char *ps_cli_exits(const struct ps_cli_command *cmd)
{
	return cmd->exits ? cmd->exits
	       : cmd->scenario ? "0 done, 1 run-time failure (I/O), 2 bad command line or scenario."
			       : "0 done, 2 bad command line.";
}

void ps_cli_help(const struct ps_cli_command *cmd, FILE *f)
{
	static const struct ps_cli_option help = PS_OPT_FLAG('h', "help", "show this help");
	usage_line(cmd, f);
	fputc('\n', f);
	ps_cli_wrap(f, cmd->about, 0, 0);
	size_t n = nopts(cmd);
	char left[160], text[1024];
	fputs("\noptions:\n", f);
	for (size_t i = 0; i <= n; i++) {
		const struct ps_cli_option *o = i < n ? &cmd->opts[i] : &help;
		left_column(o, left, sizeof(left));
		ps_cli_option_text(o, text, sizeof(text));
		ps_cli_row(f, left, text, HELP_COL);
	}
	fputc('\n', f);
	snprintf(text, sizeof(text), "Exit status: %s", ps_cli_exits(cmd));
	ps_cli_wrap(f, text, 0, 0);
}

/* ---- parsing ---- */

/* Numbers follow the grammar of scenario files (portsim/input.h). */
static bool parse_value(const struct ps_cli_option *o, const char *text, struct ps_cli_value *v)
{
	v->given = true;
	v->text = text;
	if (o->kind != PS_CLI_NUMBER && o->kind != PS_CLI_WHOLE)
		return true;
	double x = 0;
	uint64_t u = 0;
	bool ok = o->kind == PS_CLI_WHOLE ? ps_number_whole(text, &u) == PS_NUMBER_OK
					  : ps_number_real(text, &x) == PS_NUMBER_OK;
	if (o->kind == PS_CLI_WHOLE)
		x = (double)u;
	ok = ok && (o->open ? x > o->min && x < o->max : x >= o->min && x <= o->max);
	v->number = x;
	if (v->count < PS_CLI_REPEAT_MAX)
		v->numbers[v->count] = x;
	v->count++;
	return ok;
}

static void bad_value(const struct ps_cli_command *cmd, const struct ps_cli_option *o, const char *text)
{
	const char *what = o->kind == PS_CLI_WHOLE ? "a whole number" : "a number";
	if (o->open)
		ps_cli_error("%s: --%s \"%s\": allowed: %s above %.15g and below %.15g", cmd->name, o->name, text,
			     what, o->min, o->max);
	else
		ps_cli_error("%s: --%s \"%s\": allowed: %s from %.15g to %.15g", cmd->name, o->name, text, what,
			     o->min, o->max);
}

/* The option getopt_long could not take: unknown, lacking its value, or given one it does not take. */
static void bad_option(const struct ps_cli_command *cmd, int ch, char **argv)
{
	const char *arg = argv[optind - 1];
	char letter[3] = { '-', (char)optopt, '\0' };
	bool is_long = optopt == 0 || optopt >= LONG_BASE;
	const char *name = is_long ? arg : letter;
	int len = is_long ? (int)strcspn(arg, "=") : 2;
	if (ch == ':')
		ps_cli_error("%s: option \"%.*s\" needs a value (see portsim %s --help)", cmd->name, len, name,
			     cmd->name);
	else if (optopt >= LONG_BASE)
		ps_cli_error("%s: option \"%.*s\" takes no value (see portsim %s --help)", cmd->name, len, name,
			     cmd->name);
	else
		ps_cli_error("%s: unknown option \"%s\" (see portsim %s --help)", cmd->name, name, cmd->name);
}

/* Fills the getopt_long tables; the help option is index n. */
static void getopt_tables(const struct ps_cli_command *cmd, size_t n, struct option *lo, char *so)
{
	*so++ = ':'; /* report a missing value as ':', apart from an unknown option */
	for (size_t i = 0; i <= n; i++) {
		const struct ps_cli_option *o = i < n ? &cmd->opts[i] : NULL;
		lo[i] = (struct option){ o ? o->name : "help", o && o->arg ? required_argument : no_argument, NULL,
					 LONG_BASE + (int)i };
		if (o && o->letter) {
			*so++ = (char)o->letter;
			if (o->arg)
				*so++ = ':';
		}
	}
	*so++ = 'h';
	*so = '\0';
	lo[n + 1] = (struct option){ NULL, 0, NULL, 0 };
}

/* The index of the option getopt_long returned as ch; n for help. */
static size_t option_index(const struct ps_cli_command *cmd, size_t n, int ch)
{
	if (ch >= LONG_BASE)
		return (size_t)(ch - LONG_BASE);
	size_t i = 0;
	while (i < n && cmd->opts[i].letter != ch)
		i++;
	return i;
}

/* Takes the options in order; -1 to go on, else the exit status to return at once. */
static int parse_options(struct ps_cli_parsed *p, size_t n, int argc, char **argv, const struct option *lo,
			 const char *so)
{
	const struct ps_cli_command *cmd = p->cmd;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			bad_option(cmd, ch, argv);
			return PS_EXIT_USAGE;
		}
		size_t i = option_index(cmd, n, ch);
		if (i == n) {
			ps_cli_help(cmd, stdout);
			return PS_EXIT_OK;
		}
		const struct ps_cli_option *o = &cmd->opts[i];
		if (o->kind == PS_CLI_SET || o->kind == PS_CLI_SHORTHAND) {
			/* Each takes at least one argument: argc bounds them. */
			p->sets[p->nsets++] = (struct ps_cli_override){ o, optarg };
		} else if (o->kind == PS_CLI_TEXT && !*optarg) {
			/* --out "" would write into the current directory; no text option means nothing by "". */
			ps_cli_error("%s: --%s \"\": empty; allowed: a non-empty %s", cmd->name, o->name, o->arg);
			return PS_EXIT_USAGE;
		} else if (!parse_value(o, optarg, &p->values[i])) {
			bad_value(cmd, o, optarg);
			return PS_EXIT_USAGE;
		}
	}
	if (cmd->scenario && argc - optind > 1) {
		ps_cli_error("%s: one scenario at most, got \"%s\" and \"%s\"", cmd->name, argv[optind],
			     argv[optind + 1]);
		return PS_EXIT_USAGE;
	}
	if (cmd->args && ((unsigned)(argc - optind) < cmd->min_args || (unsigned)(argc - optind) > cmd->max_args)) {
		if (optind == argc)
			ps_cli_error("%s: missing %s (see portsim %s --help)", cmd->name, cmd->args, cmd->name);
		else if (cmd->max_args == 1)
			ps_cli_error("%s: one %s only, got \"%s\" and \"%s\"", cmd->name, cmd->args, argv[optind],
				     argv[optind + 1]);
		else
			ps_cli_error("%s: %u argument%s at most (%s), got %d", cmd->name, cmd->max_args,
				     cmd->max_args == 1 ? "" : "s", cmd->args, argc - optind);
		return PS_EXIT_USAGE;
	}
	if (cmd->args) {
		p->args = argv + optind;
		p->nargs = (size_t)(argc - optind);
		return -1;
	}
	if (!cmd->scenario && optind < argc) {
		ps_cli_error("%s: unexpected argument \"%s\" (see portsim %s --help)", cmd->name, argv[optind],
			     cmd->name);
		return PS_EXIT_USAGE;
	}
	p->scenario = cmd->scenario && optind < argc ? argv[optind] : NULL;
	return -1;
}

int ps_cli_dispatch(const struct ps_cli_command *cmd, int argc, char **argv)
{
	size_t n = nopts(cmd);
	struct ps_cli_parsed p = {
		.cmd = cmd,
		.argc = argc,
		.argv = argv,
		.sets = calloc((size_t)argc, sizeof(*p.sets)),
		.values = calloc(n + 1, sizeof(*p.values)),
	};
	struct option *lo = calloc(n + 2, sizeof(*lo));
	char *so = malloc(3 * n + 3);
	int rc = PS_EXIT_RUNTIME;
	if (!p.sets || !p.values || !lo || !so) {
		ps_cli_error("%s: out of memory", cmd->name);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ps_cli_option *o = &cmd->opts[i];
		if (o->def && !parse_value(o, o->def, &p.values[i])) {
			ps_cli_error("%s: --%s: the default \"%s\" is outside its own range", cmd->name, o->name,
				     o->def);
			goto done;
		}
		p.values[i].given = false;
		p.values[i].count = 0;
	}
	getopt_tables(cmd, n, lo, so);
	rc = parse_options(&p, n, argc, argv, lo, so);
	if (rc < 0)
		rc = ps_cli_finish(&p, cmd->main(&p));
done:
	free(so);
	free(lo);
	free(p.values);
	free(p.sets);
	return rc;
}

/* ---- the parsed values, by option name ---- */

static const struct ps_cli_value *value(const struct ps_cli_parsed *p, const char *name, enum ps_cli_kind k1,
					enum ps_cli_kind k2)
{
	for (size_t i = 0; p->cmd->opts && p->cmd->opts[i].name; i++) {
		const struct ps_cli_option *o = &p->cmd->opts[i];
		if (!strcmp(o->name, name) && (o->kind == k1 || o->kind == k2))
			return &p->values[i];
	}
	/* A command asking for an option its table lacks is a bug in that command. */
	fprintf(stderr, "portsim: %s: no option --%s of that kind in its table\n", p->cmd->name, name);
	abort();
}

bool ps_cli_has_option(const struct ps_cli_command *cmd, const char *name)
{
	for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++)
		if (!strcmp(cmd->opts[i].name, name))
			return true;
	return false;
}

bool ps_cli_given(const struct ps_cli_parsed *p, const char *name)
{
	for (size_t i = 0; p->cmd->opts && p->cmd->opts[i].name; i++)
		if (!strcmp(p->cmd->opts[i].name, name))
			return p->values[i].given;
	fprintf(stderr, "portsim: %s: no option --%s in its table\n", p->cmd->name, name);
	abort();
}

bool ps_cli_flag(const struct ps_cli_parsed *p, const char *name)
{
	return value(p, name, PS_CLI_FLAG, PS_CLI_FLAG)->given;
}

const char *ps_cli_text(const struct ps_cli_parsed *p, const char *name)
{
	return value(p, name, PS_CLI_TEXT, PS_CLI_TEXT)->text;
}

size_t ps_cli_numbers(const struct ps_cli_parsed *p, const char *name, const double **values)
{
	const struct ps_cli_value *v = value(p, name, PS_CLI_NUMBER, PS_CLI_WHOLE);
	*values = v->numbers;
	return v->count;
}

double ps_cli_number(const struct ps_cli_parsed *p, const char *name)
{
	return value(p, name, PS_CLI_NUMBER, PS_CLI_WHOLE)->number;
}
