/*
 * portsim plot: every figure a run directory's CSV files allow, drawn by the gnuplot scripts.
 * This is the one implementation; scripts/plot only calls it.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "portsim/manifest.h"

/* Where the scripts are: CMake compiles these in (see the installation part of CMakeLists.txt). */
#ifndef PORTSIM_SHARE_FROM_BIN
#define PORTSIM_SHARE_FROM_BIN "../share/portsim" /* relative to the directory holding the program */
#endif
#ifndef PORTSIM_DATADIR
#define PORTSIM_DATADIR "/usr/local/share/portsim" /* the install prefix's */
#endif
/* PORTSIM_BUILD_DIR (where the program is built) and PORTSIM_SOURCE_SCRIPTS (the source tree's
 * scripts/) may be left undefined: a program built elsewhere then never looks in a source tree. */

#define PATH_SIZE 4096
/* A script states what it needs in its first lines; the rest is gnuplot's. */
#define HEAD_LINES 10
#define SPEC_SIZE 1024

struct conventions {
	char needs[SPEC_SIZE];               /* the words of every "# needs:" line */
	char columns[HEAD_LINES][SPEC_SIZE]; /* what follows "# columns:", one per line */
	size_t ncolumns;
};

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);
	return name[0] != '.' && n > s && !strcmp(name + n - s, suffix);
}

static int is_gp(const struct dirent *e)
{
	return has_suffix(e->d_name, ".gp");
}

static int is_csv(const struct dirent *e)
{
	return has_suffix(e->d_name, ".csv");
}

/* The names in dir that filter takes, sorted (free with free_names); -1 when dir cannot be read. */
static int names_in(const char *dir, int (*filter)(const struct dirent *), struct dirent ***names)
{
	return scandir(dir, names, filter, alphasort);
}

static void free_names(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static bool holds(const char *dir, int (*filter)(const struct dirent *))
{
	struct dirent **names;
	int n = names_in(dir, filter, &names);
	if (n < 0)
		return false;
	free_names(names, n);
	return n > 0;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Formats a path into buf; false when it does not fit, and the path is then not to be used. */
static bool path_of(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool path_of(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size;
}

/* ---- finding the scripts ---- */

#if defined(PORTSIM_BUILD_DIR) && defined(PORTSIM_SOURCE_SCRIPTS)
/* Whether a and b are the same directory, however spelled. */
static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
#endif

/* The directory holding the running program, symbolic links resolved; false when unknown. */
static bool program_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	if (n <= 0 || (size_t)n >= size - 1)
		return false;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash)
		return false;
	slash[slash == buf] = '\0'; /* "/" itself for a program in / */
	return true;
}

/*
 * Copies into buf the first directory holding *.gp scripts: $PORTSIM_SHARE_DIR alone when set;
 * else share/portsim beside the program's bin directory, wherever the installation was moved
 * (a scratch root, DESTDIR); else, for the program of a build tree, its source tree's scripts/,
 * never stale installed ones; else the install prefix compiled in. Prints why not and returns
 * false when there is none.
 */
static bool find_scripts(char *buf, size_t size)
{
	const char *env = getenv("PORTSIM_SHARE_DIR");
	if (env && *env) {
		if (path_of(buf, size, "%s", env) && holds(buf, is_gp))
			return true;
		ps_cli_error("plot: PORTSIM_SHARE_DIR=%s holds no gnuplot scripts (*.gp)", env);
		return false;
	}
	char exe[PATH_SIZE];
	bool known = program_dir(exe, sizeof(exe));
	if (known && path_of(buf, size, "%s/%s", exe, PORTSIM_SHARE_FROM_BIN) && holds(buf, is_gp))
		return true;
#if defined(PORTSIM_BUILD_DIR) && defined(PORTSIM_SOURCE_SCRIPTS)
	if (known && same_dir(exe, PORTSIM_BUILD_DIR) && holds(PORTSIM_SOURCE_SCRIPTS, is_gp))
		return path_of(buf, size, "%s", PORTSIM_SOURCE_SCRIPTS);
#endif
	if (path_of(buf, size, "%s", PORTSIM_DATADIR) && holds(buf, is_gp))
		return true;
	ps_cli_error("plot: no gnuplot scripts (*.gp) in %s/%s or %s; set PORTSIM_SHARE_DIR to their directory",
		     known ? exe : "(the program's directory)", PORTSIM_SHARE_FROM_BIN, PORTSIM_DATADIR);
	return false;
}

/* Whether prog is an executable file in a directory of $PATH. */
static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path;; p++) {
		size_t len = strcspn(p, ":");
		char full[PATH_SIZE];
		/* An empty entry is the current directory. */
		if (path_of(full, sizeof(full), "%.*s/%s", len ? (int)len : 1, len ? p : ".", prog) && is_file(full) &&
		    access(full, X_OK) == 0)
			return true;
		p += len;
		if (!*p)
			return false;
	}
}

/* ---- a script's conventions, a CSV file's facts ---- */

/* The text after "#", blanks, tag and blanks at the start of line; NULL when line is not such a comment. */
static const char *after_tag(const char *line, const char *tag)
{
	if (*line++ != '#')
		return NULL;
	line += strspn(line, " \t\v\f\r");
	size_t n = strlen(tag);
	if (strncmp(line, tag, n))
		return NULL;
	return line + n + strspn(line + n, " \t\v\f\r");
}

static int read_conventions(const char *gp, struct conventions *c)
{
	FILE *f = fopen(gp, "r");
	if (!f)
		return -1;
	memset(c, 0, sizeof(*c));
	char *line = NULL;
	size_t cap = 0;
	for (int i = 0; i < HEAD_LINES && getline(&line, &cap, f) >= 0; i++) {
		line[strcspn(line, "\n")] = '\0';
		const char *v;
		if ((v = after_tag(line, "needs:")) != NULL) {
			size_t used = strlen(c->needs);
			snprintf(c->needs + used, sizeof(c->needs) - used, " %s", v);
		} else if ((v = after_tag(line, "columns:")) != NULL) {
			snprintf(c->columns[c->ncolumns++], SPEC_SIZE, "%s", v);
		}
	}
	free(line);
	fclose(f);
	return 0;
}

/* Whether path has a header and at least one row: two lines, each ending in a newline. */
static bool has_rows(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	int newlines = 0, ch;
	while (newlines < 2 && (ch = getc(f)) != EOF)
		newlines += ch == '\n';
	fclose(f);
	return newlines >= 2;
}

/* The first line of path between commas, carriage returns removed: ",a,b,c,"; false when unreadable. */
static bool header_of(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = 0;
	int ch;
	buf[n++] = ',';
	while (n + 2 < size && (ch = getc(f)) != EOF && ch != '\n')
		if (ch != '\r')
			buf[n++] = (char)ch;
	buf[n++] = ',';
	buf[n] = '\0';
	fclose(f);
	return true;
}

#define BLANKS " \t\n"

/*
 * Whether every CSV file the script needs is in dir with rows; says so when one is there without.
 * With a manifest (trusted not NULL) a file it does not list counts as absent: it is not this
 * run's.
 */
/* A need such as port-*.csv: at least one file of dir matching it (and listed, with a manifest) has rows. */
static bool any_match(const char *dir, const char *pattern, const struct ps_manifest *trusted)
{
	DIR *d = opendir(dir);
	bool found = false;
	for (struct dirent *e; d && !found && (e = readdir(d));) {
		char path[PATH_SIZE];
		found = fnmatch(pattern, e->d_name, 0) == 0 && (!trusted || ps_manifest_lists(trusted, e->d_name)) &&
			path_of(path, sizeof(path), "%s/%s", dir, e->d_name) && is_file(path) && has_rows(path);
	}
	if (d)
		closedir(d);
	return found;
}

static bool needs_met(const char *dir, const char *name, char *needs, const struct ps_manifest *trusted)
{
	bool ok = true;
	char *save = NULL;
	for (char *w = strtok_r(needs, BLANKS, &save); w; w = strtok_r(NULL, BLANKS, &save)) {
		char path[PATH_SIZE];
		if (strchr(w, '*')) {
			ok &= any_match(dir, w, trusted);
			continue;
		}
		if ((trusted && !ps_manifest_lists(trusted, w)) || !path_of(path, sizeof(path), "%s/%s", dir, w) ||
		    !is_file(path)) {
			ok = false;
		} else if (!has_rows(path)) {
			ps_cli_error("plot: %s has no data rows; %s not made", path, name);
			ok = false;
		}
	}
	return ok;
}

/* Whether the CSV file a "FILE.csv: col col ..." spec names has every column; one absent from dir
 * is no obstacle. */
static bool columns_met(const char *dir, const char *name, char *spec)
{
	char *colon = strchr(spec, ':');
	if (!colon)
		colon = spec + strlen(spec);
	char file[SPEC_SIZE], *f = file, path[PATH_SIZE], header[SPEC_SIZE * 4], missing[SPEC_SIZE] = "";
	for (const char *s = spec; s < colon; s++)
		if (!strchr(" \t\v\f\r", *s))
			*f++ = *s;
	*f = '\0';
	if (!*file || !path_of(path, sizeof(path), "%s/%s", dir, file) || !is_file(path) || !header_of(path, header, sizeof(header)))
		return true;
	char *save = NULL;
	for (char *col = strtok_r(*colon ? colon + 1 : colon, BLANKS, &save); col;
	     col = strtok_r(NULL, BLANKS, &save)) {
		char want[SPEC_SIZE + 2];
		snprintf(want, sizeof(want), ",%s,", col);
		size_t used = strlen(missing);
		if (!strstr(header, want))
			snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? " " : "", col);
	}
	if (!*missing)
		return true;
	ps_cli_error("plot: %s has no column %s; %s not made", path, missing, name);
	return false;
}

/* ---- drawing ---- */

static bool gnuplot(const char *gp, const char *dir)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", "-c", gp, dir, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Draws the figure of share/file into dir: 1 drawn, 0 skipped, -1 gnuplot failed. */
static int figure(const char *dir, const char *share, const char *file, const struct ps_manifest *trusted)
{
	char gp[PATH_SIZE], name[PATH_SIZE];
	struct conventions c;
	if (!path_of(name, sizeof(name), "%.*s", (int)(strlen(file) - 3), file) ||
	    !path_of(gp, sizeof(gp), "%s/%s", share, file) || read_conventions(gp, &c) != 0) {
		ps_cli_error("plot: cannot read %s: %s; skipped", gp, strerror(errno));
		return 0;
	}
	if (!c.needs[0]) {
		ps_cli_error("plot: %s has no '# needs: FILE.csv' line in its first %d lines; skipped", gp,
			     HEAD_LINES);
		return 0;
	}
	if (!needs_met(dir, name, c.needs, trusted))
		return 0;
	bool ok = true;
	for (size_t i = 0; i < c.ncolumns; i++)
		ok &= columns_met(dir, name, c.columns[i]);
	if (!ok)
		return 0;

	static const char *const exts[] = { "png", "svg" };
	char out[2][PATH_SIZE];
	for (int i = 0; i < 2; i++) {
		if (!path_of(out[i], sizeof(out[i]), "%s/%s.%s", dir, name, exts[i])) {
			ps_cli_error("plot: %s/%s.%s: path too long; skipped", dir, name, exts[i]);
			return 0;
		}
		remove(out[i]);
	}
	if (!gnuplot(gp, dir)) {
		ps_cli_error("plot: gnuplot failed on %s for %s", gp, dir);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		struct stat st;
		if (stat(out[i], &st) != 0 || st.st_size == 0) {
			ps_cli_error("plot: %s did not write %s", gp, out[i]);
			return -1;
		}
		puts(out[i]);
	}
	fflush(stdout); /* in order with the messages on stderr */
	return 1;
}

static int plot_dir(const char *dir, const struct ps_manifest *trusted);

int ps_cli_plot_dir(const char *dir, char *err, size_t size)
{
	/* This very program's plot command: it finds the installed or the source tree's scripts. */
	const char *self = "/proc/self/exe";
	FILE *log = tmpfile();
	if (!log) {
		snprintf(err, size, "report: cannot draw the figures: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		/* plot names each figure on stdout and says what it skipped on stderr: kept for an error. */
		dup2(fileno(log), STDOUT_FILENO);
		dup2(fileno(log), STDERR_FILENO);
		execl(self, "portsim", "plot", dir, (char *)NULL);
		fprintf(stderr, "%s: %s\n", self, strerror(errno));
		_exit(127);
	}
	int status = 0;
	bool ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!ok) {
		/* The last line of what it said is the reason. */
		char line[512] = "", last[512] = "";
		rewind(log);
		while (fgets(line, sizeof(line), log))
			if (line[0] != '\n')
				snprintf(last, sizeof(last), "%s", line);
		last[strcspn(last, "\n")] = '\0';
		snprintf(err, size, "report: cannot draw the figures of %s: %s", dir,
			 *last ? last : pid < 0 ? strerror(errno) : "portsim plot failed");
	}
	fclose(log);
	return ok ? 0 : -1;
}


static int plot(const struct ps_cli_parsed *p)
{
	char dir[PATH_SIZE];
	/* DIR/ and DIR name the same directory; the figures' paths are printed without the slash. */
	if (!path_of(dir, sizeof(dir), "%s", p->args[0])) {
		ps_cli_error("plot: %.64s...: path too long", p->args[0]);
		return PS_EXIT_USAGE;
	}
	size_t n = strlen(dir);
	if (n > 1 && dir[n - 1] == '/')
		dir[n - 1] = '\0';
	else if (n == 0)
		snprintf(dir, sizeof(dir), "/");
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ps_cli_error("plot: %s: no such directory; give the --out directory of a portsim run", dir);
		return PS_EXIT_USAGE;
	}
	/* A folder portsim is writing, or was interrupted writing, is no result to draw. */
	struct ps_manifest m;
	char err[PATH_SIZE];
	int state = ps_manifest_read(dir, &m, err, sizeof(err));
	if (state == PS_MANIFEST_INCOMPLETE || state == PS_MANIFEST_UNREADABLE) {
		ps_cli_error("plot: %s", err);
		ps_manifest_fini(&m);
		return PS_EXIT_USAGE;
	}
	int rc = plot_dir(dir, state == PS_MANIFEST_COMPLETE ? &m : NULL);
	ps_manifest_fini(&m);
	return rc;
}

/* The figures of dir, trusting only the files of its manifest when it has one. */
static int plot_dir(const char *dir, const struct ps_manifest *trusted)
{
	char share[PATH_SIZE];
	if (!holds(dir, is_csv)) {
		ps_cli_error("plot: %s: no CSV files in it; run 'portsim run --out %s' first", dir, dir);
		return PS_EXIT_USAGE;
	}
	if (!find_scripts(share, sizeof(share)))
		return PS_EXIT_RUNTIME;
	if (!on_path("gnuplot")) {
		ps_cli_error("plot: gnuplot not found; install it (Debian: apt-get install gnuplot-nox)");
		return PS_EXIT_RUNTIME;
	}
	struct dirent **gps;
	int ngps = names_in(share, is_gp, &gps), made = 0, rc = PS_EXIT_OK;
	for (int i = 0; i < ngps && rc == PS_EXIT_OK; i++) {
		int r = figure(dir, share, gps[i]->d_name, trusted);
		made += r > 0;
		if (r < 0)
			rc = PS_EXIT_RUNTIME;
	}
	free_names(gps, ngps);
	if (rc == PS_EXIT_OK && made == 0)
		ps_cli_error("plot: no figures made: %s lacks the CSV files they need (see the \"# needs:\" line "
			     "of each script in %s)", dir, share);
	return rc;
}

const struct ps_cli_command ps_cmd_plot = {
	.name = "plot",
	.summary = "draw the figures a run's CSV files allow (gnuplot)",
	.about = "Draws every figure that the CSV files in DIR (the --out directory of run, compare, "
		 "capacity or kernel) allow: for each gnuplot script NAME.gp, DIR/NAME.png and DIR/NAME.svg, "
		 "whose paths it prints. A script names the CSV files it needs in a \"# needs: FILE.csv\" line "
		 "(a name with * needs one matching file at least, as port-*.csv does) and the columns it reads in \"# columns: FILE.csv: NAME ...\" lines, among its first ten; a "
		 "figure whose files are absent is skipped, and one whose file lacks rows or columns is "
		 "skipped with a message.\n\n"
		 "The scripts are taken from $PORTSIM_SHARE_DIR when it is set; else from share/portsim beside "
		 "the bin directory holding this program, as installed; else, for a program in its build "
		 "tree, from the source tree's scripts/; else from " PORTSIM_DATADIR ". gnuplot must be on "
		 "PATH.",
	.exits = "0 done, even when no figure applies; 1 gnuplot missing or failing, or no scripts found; "
		 "2 bad command line, or DIR missing or without CSV files.",
	.args = "DIR",
	.min_args = 1,
	.max_args = 1,
	.main = plot,
};
