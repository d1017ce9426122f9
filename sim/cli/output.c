/* Where a subcommand's files go, how its output folder is settled, and what it says before a long run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "portsim/interrupt.h"
#include "portsim/output.h"
#include "portsim/run.h"

int ps_cli_mkdirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* The folder was published: a signal after that interrupts nothing. */
static bool published;

/* Whether an argument can stand in a shell command line without quotes. */
static bool plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+@%-", *s))
			return false;
	return true;
}

/* Appends arg to buf (of cap bytes, holding n), single-quoted when needed; control characters as '?'. */
static size_t append_arg(char *buf, size_t cap, size_t n, const char *arg)
{
	bool q = !plain(arg);
	char tail[] = "'\\''";
	n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, " %s", q ? "'" : "");
	for (const char *s = arg; *s; s++) {
		if (*s == '\'' && q)
			n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s", tail);
		else
			n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%c",
					      (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	}
	if (q)
		n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "'");
	return n;
}

/*
 * The command line for the MANIFEST: "portsim" and the arguments as
 * typed, but --out and its folder, which is where the manifest is (and
 * would tie its bytes to one machine's paths), and -j, which changes how
 * fast the outputs come, never their bytes. malloc'd, or NULL.
 */
static char *command_line(const struct ps_cli_parsed *p)
{
	size_t cap = 64;
	for (int i = 0; i < p->argc; i++)
		cap += 4 * strlen(p->argv[i]) + 4;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	size_t n = (size_t)snprintf(buf, cap, "portsim");
	bool options = true;
	for (int i = 0; i < p->argc; i++) {
		const char *a = p->argv[i];
		if (options && !strcmp(a, "--")) {
			options = false;
		} else if (options && (!strcmp(a, "--out") || !strcmp(a, "-o") || !strcmp(a, "--jobs") ||
				       !strcmp(a, "-j"))) {
			i++;
			continue;
		} else if (options && (!strncmp(a, "--out=", 6) || !strncmp(a, "--jobs=", 7) ||
				       (a[0] == '-' && (a[1] == 'o' || a[1] == 'j') && a[2]))) {
			continue;
		}
		n = append_arg(buf, cap, n, a);
	}
	return buf;
}

const char *ps_cli_out(const struct ps_cli_parsed *p)
{
	const char *out = ps_cli_text(p, "out");
	char *command = command_line(p);
	if (!command || ps_output_begin(out, command) != 0) {
		ps_cli_error("%s: out of memory", p->cmd->name);
		free(command);
		return NULL;
	}
	free(command);
	return out;
}

int ps_cli_publish(const struct ps_cli_parsed *p)
{
	char err[PS_ERR_MAX];
	/* Interrupted: the staged files go (ps_cli_finish), however complete they are. */
	if (ps_interrupted())
		return PS_EXIT_RUNTIME;
	if (ps_output_commit(err, sizeof(err)) != 0) {
		ps_cli_error("%s: %s", p->cmd->name, err);
		return PS_EXIT_RUNTIME;
	}
	published = true;
	return PS_EXIT_OK;
}

int ps_cli_finish(const struct ps_cli_parsed *p, int rc)
{
	int sig = ps_interrupted();
	if (sig && !published) {
		char *dir = ps_output_dir() ? strdup(ps_output_dir()) : NULL;
		ps_output_abort();
		fflush(stdout);
		if (dir)
			fprintf(stderr, "portsim: %s interrupted by %s; nothing was written (%s is as it was)\n",
				p->cmd->name, ps_signal_name(sig), dir);
		else
			fprintf(stderr, "portsim: %s interrupted by %s\n", p->cmd->name, ps_signal_name(sig));
		free(dir);
		return 128 + sig;
	}
	if (!ps_output_dir())
		return rc;
	if (rc == PS_EXIT_OK || (rc == PS_EXIT_USAGE && ps_output_staged())) {
		int prc = ps_cli_publish(p);
		return prc != PS_EXIT_OK ? prc : rc;
	}
	ps_output_abort();
	return rc;
}

bool ps_cli_progress(const struct ps_cli_parsed *p)
{
	if (ps_cli_flag(p, "quiet"))
		return false;
	return isatty(fileno(stderr)) || (ps_cli_has_option(p->cmd, "progress") && ps_cli_flag(p, "progress"));
}

/* "40 seconds", "12 minutes", "3.5 hours" */
static void human_time(char *buf, size_t size, double s)
{
	if (s < 90)
		snprintf(buf, size, "%.0f seconds", s);
	else if (s < 5400)
		snprintf(buf, size, "%.0f minutes", s / 60);
	else
		snprintf(buf, size, "%.1f hours", s / 3600);
}

/* What the README's Speed section measures: a few million events per wall-clock second. */
#define EVENTS_PER_S 3e6
/* gzip makes events.csv about this many times smaller. */
#define GZ_RATIO 4.0

void ps_cli_announce(const struct ps_cli_parsed *p, const struct ps_scenario *sc, double runs, bool events,
		     bool gz)
{
	if (ps_cli_flag(p, "quiet"))
		return;
	struct ps_run_estimate e;
	ps_run_estimate(sc, &e);
	double total = e.events * runs;
	if (total > PS_CLI_LONG_EVENTS) {
		char t[64];
		human_time(t, sizeof(t), total / EVENTS_PER_S);
		fprintf(stderr, "portsim: %s: about %.2g events to simulate (%.2g connection attempts%s); at a few "
			"million events a second, about %s%s\n", p->cmd->name, total, e.attempts * runs,
			runs > 1 ? " over all runs" : "", t,
			ps_cli_progress(p) ? "" : "; --progress shows how far it is");
	}
	double bytes = (gz ? e.events_bytes / GZ_RATIO : e.events_bytes) * runs;
	if ((events || gz) && bytes > PS_CLI_LARGE_BYTES)
		fprintf(stderr, "portsim: %s: %s will be about %.1f GB (%.2g rows)%s\n", p->cmd->name,
			gz ? "events.csv.gz" : "events.csv", bytes / 1e9, e.events * runs,
			gz ? "" : "; --events-gz writes it gzip-compressed, about a quarter of that");
}
