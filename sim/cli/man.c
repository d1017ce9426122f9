/*
 * portsim man: the manual pages portsim(1) and portsim-scenario(5) in mdoc, written from the
 * command registry with its option tables and from the scenario key table, so neither can
 * drift from what the program accepts. The build writes them with --out; they are installed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "portsim/scenario.h"

/* The build compiles in its date (SOURCE_DATE_EPOCH when set) and the install prefix's data. */
#ifndef PORTSIM_MAN_DATE
#define PORTSIM_MAN_DATE "January 1, 2026"
#endif
#ifndef PORTSIM_DATADIR
#define PORTSIM_DATADIR "/usr/local/share/portsim"
#endif

/* ---- writing mdoc ---- */

/* Words after which a sentence goes on, though they end in a full stop. */
static bool abbreviation(const char *w, size_t n)
{
	static const char *const abbrevs[] = { "e.g.", "i.e.", "(e.g.", "(i.e.", "cf.", "vs." };
	for (size_t i = 0; i < sizeof(abbrevs) / sizeof(abbrevs[0]); i++)
		if (strlen(abbrevs[i]) == n && !strncmp(w, abbrevs[i], n))
			return true;
	return false;
}

/* Whether the word w (n bytes) ends in a full stop, '!' or '?', perhaps then closers. */
static bool ends_in_stop(const char *w, size_t n)
{
	while (n > 0 && strchr(")]\"'", w[n - 1]))
		n--;
	return n > 1 && strchr(".!?", w[n - 1]);
}

/* Whether such a word does not end its sentence: an abbreviation or an ellipsis. */
static bool goes_on(const char *w, size_t n)
{
	return abbreviation(w, n) || (n >= 3 && !strncmp(w + n - 3, "...", 3));
}

static bool ends_sentence(const char *w, size_t n)
{
	return ends_in_stop(w, n) && !goes_on(w, n);
}

/* The bytes of a word on a text line, a backslash escaped; returns how many were written. */
static size_t word(FILE *f, const char *w, size_t n)
{
	size_t out = n;
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '\\') {
			fputs("\\e", f);
			out++;
		} else {
			fputc(w[i], f);
		}
	}
	return out;
}

/* Names mdoc has a macro for, which it wants used. */
static const struct {
	const char *name, *macro;
} named[] = {
	{ "FreeBSD", "Fx" }, { "NetBSD", "Nx" }, { "OpenBSD", "Ox" }, { "DragonFly", "Dx" },
};

/* A word mdoc wants marked up: the macro, and where the name lies between delimiters. */
struct markup {
	const char *macro; /* NULL when the word is plain text */
	size_t open;       /* opening parentheses before the name */
	size_t len;        /* the name's length */
	size_t rest;       /* where the punctuation after it starts */
};

/* Finds whether w (n bytes) is a function call "name()" (.Fn) or a BSD's name, perhaps in
 * parentheses or followed by punctuation. */
static struct markup markup_of(const char *w, size_t n)
{
	struct markup m = { NULL, 0, 0, n };
	while (m.open < n && w[m.open] == '(')
		m.open++;
	while (m.rest > m.open && strchr(".,;:!?)", w[m.rest - 1]))
		m.rest--;
	const char *name = w + m.open;
	m.len = m.rest - m.open;
	if (m.len > 1 && name[m.len - 1] == '(' && m.rest < n && w[m.rest] == ')' &&
	    !isdigit((unsigned char)*name)) {
		m.macro = "Fn";
		m.len--;
		m.rest++;
		for (size_t i = 0; i < m.len; i++)
			if (!isalnum((unsigned char)name[i]) && name[i] != '_')
				m.macro = NULL;
		return m;
	}
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == m.len && !strncmp(name, named[i].name, m.len))
			m.macro = named[i].macro;
	return m;
}

/* The macro line of a marked-up word: its delimiters apart, and a full stop when stop. */
static void macro_line(FILE *f, const char *w, size_t n, struct markup m, bool stop)
{
	fprintf(f, ".%s", m.macro);
	for (size_t i = 0; i < m.open; i++)
		fputs(" (", f);
	if (!strcmp(m.macro, "Fn"))
		fprintf(f, " %.*s", (int)m.len, w + m.open);
	for (size_t i = m.rest; i < n; i++)
		fprintf(f, " %c", w[i]);
	fputs(stop ? " .\n" : "\n", f);
}

/* Longest text line written, in bytes (mandoc asks for at most 80). */
#define LINE_MAX_BYTES 78

/*
 * Writes text as mdoc text lines: each sentence on a line of its own as roff wants, long ones
 * wrapped; no line starting with what roff takes for a request; the words mdoc has macros for
 * marked up; "\n\n" starting a paragraph. With capital, the first letter is made upper case and
 * a full stop ends the text, for help texts written as phrases.
 */
static void prose(FILE *f, const char *text, bool capital)
{
	size_t col = 0; /* bytes on the current line; 0 at the start of one */
	bool first = true;
	const char *p = text;
	while (*p) {
		if (*p == ' ' || *p == '\n') {
			if (!strncmp(p, "\n\n", 2)) {
				fputs(col ? "\n.Pp\n" : ".Pp\n", f);
				col = 0;
				p++;
			}
			p++;
			continue;
		}
		size_t n = strcspn(p, " \n");
		bool last = p[n + strspn(p + n, " \n")] == '\0';
		bool stop = last && capital && !ends_sentence(p, n);
		struct markup m = markup_of(p, n);
		if (col && (m.macro || col + 1 + n > LINE_MAX_BYTES)) {
			fputc('\n', f);
			col = 0;
		}
		if (m.macro) {
			macro_line(f, p, n, m, stop);
		} else {
			if (col)
				col += (size_t)fprintf(f, " ");
			else if (*p == '.' || *p == '\'')
				col += (size_t)fprintf(f, "\\&");
			if (first && capital && islower((unsigned char)*p)) {
				fputc(toupper((unsigned char)*p), f);
				col += 1 + word(f, p + 1, n - 1);
			} else {
				col += word(f, p, n);
			}
			if (stop)
				col += (size_t)fprintf(f, ".");
			else if (ends_in_stop(p, n) && goes_on(p, n))
				col += (size_t)fprintf(f, "\\&"); /* roff would take it for a sentence's end */
			if (ends_sentence(p, n) && !last) {
				fputc('\n', f);
				col = 0;
			}
		}
		first = false;
		p += n;
	}
	if (col)
		fputc('\n', f);
}

/* Writes text as it stands, for a literal display: lines kept, none read as a request. */
static void literal(FILE *f, const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (*p == '.' || *p == '\'')
			fputs("\\&", f);
		word(f, p, n);
		fputc('\n', f);
		p += n + (p[n] == '\n');
	}
}

/* One argument of a macro line: quoted when it holds a blank, never read as a macro or delimiter. */
static void arg(FILE *f, const char *s)
{
	bool quote = strpbrk(s, " \t") != NULL;
	fputs(quote ? " \"\\&" : " \\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '"')
			fputs("\\(dq", f);
		else
			fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

static void head(FILE *f, const char *title, int section, const char *name, const char *description)
{
	fprintf(f, ".\\\" Written by 'portsim man' from the program's own tables; edit those, not this.\n"
		   ".Dd %s\n.Dt %s %d\n.Os\n.Sh NAME\n.Nm %s\n.Nd %s\n",
		PORTSIM_MAN_DATE, title, section, name, description);
}

/* ---- portsim(1) ---- */

/* "Fl o , Fl -out Ar DIR": the option as an .It or .Op line names it. */
static void option_words(FILE *f, const struct ps_cli_option *o, bool letter)
{
	if (letter && o->letter)
		fprintf(f, " Fl %c , ", o->letter);
	else
		fputc(' ', f);
	fprintf(f, "Fl -%s", o->name);
	if (o->arg) {
		fputs(" Ar", f);
		arg(f, o->arg);
	}
}

static void synopsis(FILE *f, const struct ps_cli_command *cmd)
{
	fprintf(f, ".It Xo\n.Nm\n.Cm %s\n", cmd->name);
	if (cmd->scenario)
		fputs(".Op Ar SCENARIO\n", f);
	if (cmd->args) {
		/* Each word of the usage text ("[DUMP [DUMP2]]") as an argument, optional ones in .Op. */
		char words[128];
		snprintf(words, sizeof(words), "%s", cmd->args);
		for (char *w = strtok(words, " []"); w; w = strtok(NULL, " []")) {
			fputs(cmd->min_args ? ".Ar" : ".Op Ar", f);
			arg(f, w);
			fputc('\n', f);
		}
	}
	for (const struct ps_cli_option *o = cmd->opts; o && o->name; o++) {
		fputs(".Op", f);
		option_words(f, o, false);
		fputc('\n', f);
	}
	fputs(".Xc\n", f);
}

static void command(FILE *f, const struct ps_cli_command *cmd)
{
	synopsis(f, cmd);
	prose(f, cmd->about, false);
	if (!cmd->opts || !cmd->opts[0].name)
		return;
	fputs(".Bl -tag -width Ds\n", f);
	for (const struct ps_cli_option *o = cmd->opts; o->name; o++) {
		char text[1024];
		fputs(".It", f);
		option_words(f, o, true);
		fputc('\n', f);
		ps_cli_option_text(o, text, sizeof(text));
		prose(f, text, true);
	}
	fputs(".El\n", f);
}

static void page_portsim(FILE *f)
{
	head(f, "PORTSIM", 1, "portsim", "simulate ephemeral port allocation and exhaustion");
	fputs(".Sh SYNOPSIS\n.Nm\n.Ar command\n.Op Ar options\n.Nm\n.Cm help\n.Op Ar command\n"
	      ".Nm\n.Fl h | -help | V | -version\n.Sh DESCRIPTION\n",
	      f);
	prose(f, ps_cli_about, false);
	prose(f, "\n\nA scenario is an INI file, described in portsim-scenario(5); without one, a command "
		 "runs the built-in default scenario. Every command takes -h or --help, and prints what "
		 "this page says of it.", false);
	fputs(".Bl -tag -width Ds\n.It Fl h , Fl -help\n", f);
	prose(f, "Print the commands with a line on each, and exit.", false);
	fputs(".It Fl V , Fl -version\n", f);
	prose(f, "Print the version, and exit.", false);
	fputs(".El\n.Sh COMMANDS\n.Bl -tag -width Ds\n", f);
	for (size_t i = 0; i < ps_cli_ncommands; i++)
		command(f, ps_cli_commands[i]);
	fputs(".It Xo\n.Nm\n.Cm help\n.Op Ar command\n.Xc\n", f);
	prose(f, "Prints the program's help, or the help of command as command --help prints it.", false);
	fputs(".El\n.Sh ENVIRONMENT\n.Bl -tag -width Ds\n.It Ev PORTSIM_SHARE_DIR\n", f);
	prose(f, "The directory holding the gnuplot scripts of portsim plot, instead of the installed "
		 "ones.", false);
	fputs(".El\n.Sh FILES\n.Bl -tag -width Ds -compact\n.It Pa", f);
	arg(f, PORTSIM_DATADIR "/*.gp");
	fputc('\n', f);
	prose(f, "the gnuplot scripts of portsim plot, one per figure", true);
	fputs(".It Pa", f);
	arg(f, PORTSIM_DATADIR "/scenarios/");
	fputc('\n', f);
	prose(f, "curated scenarios, each answering the question its opening comment asks", true);
	const char *widest = "";
	for (size_t i = 0; i < ps_cli_ncommands; i++)
		if (strlen(ps_cli_commands[i]->name) > strlen(widest))
			widest = ps_cli_commands[i]->name;
	fputs(".El\n.Sh EXIT STATUS\n.Bl -tag -width", f);
	arg(f, widest);
	fputs("\n", f);
	for (size_t i = 0; i < ps_cli_ncommands; i++) {
		fprintf(f, ".It Cm %s\n", ps_cli_commands[i]->name);
		prose(f, ps_cli_exits(ps_cli_commands[i]), true);
	}
	fputs(".El\n.Sh EXAMPLES\n", f);
	prose(f, "Run the built-in scenario under another strategy at a lower rate, then draw its figures:", false);
	fputs(".Bd -literal -offset indent\n"
	      "$ portsim run --strategy sequential \\e\n"
	      "    --set workload.client.rate_per_s=250 --out out/seq\n"
	      "$ portsim plot out/seq\n"
	      ".Ed\n",
	      f);
	prose(f, "\n\nCompare every strategy on a curated scenario, five replications each:", false);
	fprintf(f, ".Bd -literal -offset indent\n$ portsim compare %s/scenarios/compare-strategies.ini\n.Ed\n",
		PORTSIM_DATADIR);
	fputs(".Sh SEE ALSO\n.Xr gnuplot 1 ,\n.Xr portsim-scenario 5\n", f);
}

/* ---- portsim-scenario(5) ---- */

/* A scenario that portsim check accepts (a test checks that it does). */
static const char example[] = "# How fast can a proxy open connections to one backend?\n"
			      "[run]\n"
			      "duration_s = 120\n"
			      "seed = 1\n"
			      "\n"
			      "[host]\n"
			      "profile = linux\n"
			      "\n"
			      "[workload.proxy]\n"
			      "arrival = poisson\n"
			      "rate_per_s = 400\n"
			      "duration = exponential\n"
			      "duration_s = 0.2\n"
			      "destinations = 1\n";

static void page_scenario(FILE *f)
{
	head(f, "PORTSIM-SCENARIO", 5, "portsim-scenario", "scenario files of the portsim simulator");
	fputs(".Sh DESCRIPTION\n", f);
	prose(f, "A scenario describes one simulation for portsim(1): how long it runs, the host with its "
		 "ports and allocation strategy, the populations of clients opening connections, and "
		 "optionally a NAT between them and their destinations. It is an INI file: a line [SECTION] "
		 "starts a section, a line KEY = VALUE sets one of its keys, and # starts a comment, on its "
		 "own line or after a value. There is one [workload.NAME] section per population of "
		 "clients, NAME being free. A key not set has its default, or the value the host's profile "
		 "gives it; portsim check SCENARIO prints a scenario with every key resolved.\n\n"
		 "On the command line, --set SECTION.KEY=VALUE sets a key after the file, e.g. --set "
		 "workload.proxy.rate_per_s=300. A bad key or value is reported with the file, line, key, "
		 "the value and what is allowed; nothing runs.\n\n"
		 "The keys of each section follow, with their defaults and allowed values.", false);
	const char *section = NULL;
	for (size_t i = 0; i < ps_scenario_nkeys(); i++) {
		struct ps_key_doc d;
		ps_scenario_key_doc(i, &d);
		if (!section || strcmp(section, d.section)) {
			if (section)
				fputs(".El\n", f);
			fprintf(f, ".Ss [%s]\\&\n.Bl -tag -width Ds\n", d.section);
			section = d.section;
		}
		fputs(".It Cm", f);
		arg(f, d.name);
		fputc('\n', f);
		prose(f, d.doc, true);
		char text[sizeof(d.allowed) + 64];
		snprintf(text, sizeof(text), "Allowed: %s", d.allowed);
		prose(f, text, true);
		if (*d.def) {
			fputs("Default:\n.Ql", f);
			arg(f, d.def);
			fputs(" .\n", f);
		}
	}
	if (section)
		fputs(".El\n", f);
	fputs(".Sh FILES\n.Bl -tag -width Ds\n.It Pa", f);
	arg(f, PORTSIM_DATADIR "/scenarios/");
	fputc('\n', f);
	prose(f, "curated scenarios, each answering the question its opening comment asks", true);
	fputs(".El\n.Sh EXAMPLES\n", f);
	prose(f, "Four hundred connections a second from a Linux proxy to one backend, each held for 0.2 s "
		 "on average:", false);
	fputs(".Bd -literal -offset indent\n", f);
	literal(f, example);
	fputs(".Ed\n.Sh SEE ALSO\n.Xr portsim 1\n", f);
}

/* ---- the command ---- */

static const struct {
	const char *section, *dir, *file;
	void (*write)(FILE *f);
} pages[] = {
	{ "1", "man1", "portsim.1", page_portsim },
	{ "5", "man5", "portsim-scenario.5", page_scenario },
};
#define NPAGES (sizeof(pages) / sizeof(pages[0]))

/* Writes page i as DIR/manN/FILE; PS_EXIT_OK, or prints why not. */
static int write_page(const char *dir, size_t i)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, pages[i].dir);
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		ps_cli_error("man: cannot create %s: %s", path, strerror(errno));
		return PS_EXIT_RUNTIME;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, pages[i].dir, pages[i].file);
	FILE *f = fopen(path, "w");
	if (!f) {
		ps_cli_error("man: cannot write %s: %s", path, strerror(errno));
		return PS_EXIT_RUNTIME;
	}
	pages[i].write(f);
	bool ok = !ferror(f);
	if (fclose(f) != 0 || !ok) {
		ps_cli_error("man: cannot write %s: %s", path, strerror(errno));
		return PS_EXIT_RUNTIME;
	}
	return PS_EXIT_OK;
}

static int man(const struct ps_cli_parsed *p)
{
	const char *section = ps_cli_text(p, "section");
	size_t which = NPAGES;
	for (size_t i = 0; section && i < NPAGES; i++)
		if (!strcmp(section, pages[i].section))
			which = i;
	if (section && which == NPAGES) {
		ps_cli_error("man: --section \"%s\": allowed: 1 (portsim), 5 (portsim-scenario)", section);
		return PS_EXIT_USAGE;
	}
	if (!ps_cli_text(p, "out")) {
		pages[section ? which : 0].write(stdout);
		return PS_EXIT_OK;
	}
	/* A manual tree, not a run's output folder: no staging, no MANIFEST. */
	const char *dir = ps_cli_text(p, "out");
	if (ps_cli_mkdirs(dir) != 0) {
		ps_cli_error("man: cannot create %s: %s", dir, strerror(errno));
		return PS_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < NPAGES; i++) {
		int rc = section && i != which ? PS_EXIT_OK : write_page(dir, i);
		if (rc != PS_EXIT_OK)
			return rc;
	}
	return PS_EXIT_OK;
}

static const struct ps_cli_option opts[] = {
	PS_OPT_TEXT(0, "section", "N", NULL,
		    "the page: 1, portsim(1), the commands and their options; 5, portsim-scenario(5), the "
		    "scenario keys (default: 1 printed, both written)"),
	PS_OPT_TEXT('o', "out", "DIR", NULL,
		    "write the pages into the manual tree DIR, as DIR/man1/portsim.1 and "
		    "DIR/man5/portsim-scenario.5, instead of printing one"),
	PS_OPT_END,
};

const struct ps_cli_command ps_cmd_man = {
	.name = "man",
	.summary = "print or write the manual pages (mdoc)",
	.about = "Prints the manual page portsim(1) or portsim-scenario(5) in mdoc, or writes both into a "
		 "manual tree. They are written from the tables that parse the command line and the "
		 "scenario files, so they say what this program accepts; the build installs them.",
	.exits = "0 done, 1 run-time failure (I/O), 2 bad command line.",
	.opts = opts,
	.main = man,
};
