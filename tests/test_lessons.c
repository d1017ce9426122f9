/*
 * docs/lessons.md tells the truth: every lesson has its question, one command, its figure,
 * its answer and a question for the students; the test runs each command with the built
 * binary (its --out moved to a temporary folder) and checks the lesson's claims, written
 * beside the command as HTML comments in the claim syntax of the scenarios
 * (portsim/claims.h) against the summary.csv the command wrote:
 *
 *   <!-- expect: METRIC OP VALUE -->
 *   <!-- expect in SUBFOLDER: METRIC OP VALUE -->     a run of --vary, e.g. vary-nat.addresses-2
 *
 * and that the figure the lesson names was drawn. A lesson that follows a port (run
 * --follow-port P) may claim what port-P.csv shows:
 *
 *   <!-- expect port P: EVENT never -->              no row of that event
 *   <!-- expect port P: EVENT first OP SECONDS -->   the first such row's t_s, OP one of < > <= >=
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "portsim/claims.h"
#include "support.h"

#define LESSONS PORTSIM_SOURCE_DIR "/docs/lessons.md"
#define MAX_LESSONS 16
#define MAX_CLAIMS 16
#define MAX_WORDS 64

struct claim {
	char sub[128]; /* "" for the --out folder itself */
	char text[512];
	struct ps_claim c;
	unsigned port;  /* a claim on port-P.csv; 0 for one on summary.csv */
	char event[16], op[3];
	double seconds; /* op's bound on the first row's t_s; op "" when no row may exist */
};

struct lesson {
	char title[256];
	char command[1024];
	const char *section, *section_end; /* the lesson's text in the file */
	struct claim claims[MAX_CLAIMS];
	size_t nclaims;
};

static char *line_at(const char *p)
{
	return strndup(p, strcspn(p, "\n"));
}

/* Reads the lessons: "## " headings, "```sh lesson" blocks and "<!-- expect ... -->" lines. */
static size_t parse(const char *text, struct lesson *ls)
{
	size_t n = 0;
	const char *heading = NULL;
	for (const char *p = text; *p;) {
		char *l = line_at(p);
		const char *next = p + strlen(l) + (p[strlen(l)] == '\n');
		if (!strncmp(l, "## ", 3)) {
			heading = p;
			if (n)
				ls[n - 1].section_end = p;
		} else if (!strcmp(l, "```sh lesson")) {
			if (n == MAX_LESSONS)
				fail_msg("more than %d lessons", MAX_LESSONS);
			struct lesson *x = &ls[n++];
			memset(x, 0, sizeof(*x));
			if (!heading)
				fail_msg("a lesson command before any \"## \" heading");
			char *h = line_at(heading);
			snprintf(x->title, sizeof(x->title), "%s", h + 3);
			free(h);
			x->section = heading;
			size_t lines = 0;
			for (p = next; *p && strncmp(p, "```", 3); lines++) {
				char *c = line_at(p);
				snprintf(x->command, sizeof(x->command), "%s", c);
				p += strlen(c) + (p[strlen(c)] == '\n');
				free(c);
			}
			if (lines != 1)
				fail_msg("lesson \"%s\": %zu lines in its command block; one command, please", x->title, lines);
			free(l);
			l = line_at(p);
			next = p + strlen(l) + (p[strlen(l)] == '\n');
		} else if (!strncmp(l, "<!-- expect port ", 17)) {
			if (!n || ls[n - 1].nclaims == MAX_CLAIMS)
				fail_msg("a port claim before any lesson command, or too many: %s", l);
			struct claim *c = &ls[n - 1].claims[ls[n - 1].nclaims++];
			memset(c, 0, sizeof(*c));
			snprintf(c->text, sizeof(c->text), "%s", l + 5);
			char never[8] = "";
			if (sscanf(l, "<!-- expect port %u: %15s first %2s %lf -->", &c->port, c->event, c->op, &c->seconds) != 4 &&
			    (sscanf(l, "<!-- expect port %u: %15s %7s -->", &c->port, c->event, never) != 3 ||
			     strcmp(never, "never")))
				fail_msg("\"%s\" is not <!-- expect port P: EVENT never|first OP SECONDS -->", l);
		} else if (!strncmp(l, "<!-- expect", 11)) {
			if (!n)
				fail_msg("a claim before any lesson command: %s", l);
			struct lesson *x = &ls[n - 1];
			size_t len = strlen(l);
			if (len < 15 || strcmp(l + len - 3, "-->") || x->nclaims == MAX_CLAIMS)
				fail_msg("lesson \"%s\": \"%s\" is not <!-- expect[ in FOLDER]: CLAIM -->", x->title, l);
			struct claim *c = &x->claims[x->nclaims++];
			char *body = strndup(l + 5, len - 8); /* "expect ...: ..." */
			char *colon = strchr(body, ':');
			if (!strncmp(body, "expect in ", 10) && colon)
				snprintf(c->sub, sizeof(c->sub), "%.*s", (int)(colon - body - 10), body + 10);
			snprintf(c->text, sizeof(c->text), "# expect%s", colon ? colon : "");
			char err[PS_ERR_MAX];
			if (ps_claim_parse(c->text, &c->c, err, sizeof(err)) != 1)
				fail_msg("lesson \"%s\": %s: %s", x->title, l, err);
			if (c->c.overrides[0])
				fail_msg("lesson \"%s\": %s: the command is the run; no overrides in a lesson's claim", x->title, l);
			free(body);
		}
		free(l);
		p = next;
	}
	if (n)
		ls[n - 1].section_end = text + strlen(text);
	return n;
}

/* Splits a command line into words, honouring '...' and "..." quotes. */
static size_t words(const char *line, char **w, size_t max)
{
	size_t n = 0;
	for (const char *p = line; *p && n < max;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char buf[1024];
		size_t len = 0;
		for (char quote = 0; *p && (quote || *p != ' ') && len + 1 < sizeof(buf); p++) {
			if (!quote && (*p == '\'' || *p == '"'))
				quote = *p;
			else if (quote && *p == quote)
				quote = 0;
			else
				buf[len++] = *p;
		}
		buf[len] = '\0';
		w[n++] = strdup(buf);
	}
	return n;
}

/* The metric from dir/summary.csv: 1 with *v, 0 when empty (nothing failed), -1 without the column. */
static int metric(const char *dir, const char *name, double *v)
{
	char *path = pst_path(dir, "summary.csv");
	char *text = pst_read_file(path, NULL);
	if (!text)
		fail_msg("%s was not written", path);
	free(path);
	char *row = strchr(text, '\n');
	assert_non_null(row);
	*row++ = '\0';
	int have = -1;
	for (char *h = text, *c = row; h; ) {
		char *hn = strchr(h, ','), *cn = c ? strpbrk(c, ",\n") : NULL;
		size_t hl = hn ? (size_t)(hn - h) : strlen(h), cl = c ? (cn ? (size_t)(cn - c) : strlen(c)) : 0;
		if (hl == strlen(name) && !strncmp(h, name, hl)) {
			have = cl > 0;
			*v = cl > 0 ? strtod(c, NULL) : 0;
			break;
		}
		h = hn ? hn + 1 : NULL;
		c = cn && *cn == ',' ? cn + 1 : NULL;
	}
	free(text);
	return have;
}

/* A claim on port-P.csv: its first row of the event, or that there is none. */
static void check_port_claim(const char *title, const char *out, const struct claim *c)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "awk -F, 'NR > 1 && $2 == \"%s\" { print $1; exit }' '%s/port-%u.csv'", c->event, out,
		 c->port);
	int st;
	char *first = pst_shell(cmd, &st);
	if (st != 0)
		fail_msg("lesson \"%s\": %s/port-%u.csv was not written", title, out, c->port);
	bool ok, none = !*first;
	double t = none ? 0 : strtod(first, NULL);
	if (!*c->op)
		ok = none;
	else
		ok = !none && (!strcmp(c->op, "<") ? t < c->seconds : !strcmp(c->op, ">") ? t > c->seconds
			       : !strcmp(c->op, "<=") ? t <= c->seconds : t >= c->seconds);
	printf("  %s %s (first %s: %s)\n", ok ? "ok  " : "FAIL", c->text, c->event, none ? "none" : first);
	if (!ok)
		fail_msg("lesson \"%s\": %s does not hold (first %s: %s)", title, c->text, c->event, none ? "none" : first);
	free(first);
}

static bool has_gnuplot(void)
{
	int rc = system("command -v gnuplot >/dev/null 2>&1");
	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

static void test_every_lesson_has_its_parts(void **state)
{
	(void)state;
	char *text = pst_read_file(LESSONS, NULL);
	assert_non_null(text);
	static struct lesson ls[MAX_LESSONS];
	size_t n = parse(text, ls);
	if (n < 6 || n > 8)
		fail_msg("docs/lessons.md has %zu lessons; a course is six to eight", n);
	static const char *const parts[] = { "**The question.**", "**The figure.**", "**The answer.**",
					     "**For the students.**" };
	for (size_t i = 0; i < n; i++) {
		if (!ls[i].nclaims)
			fail_msg("lesson \"%s\" states no checked answer (<!-- expect: ... -->)", ls[i].title);
		for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
			const char *at = strstr(ls[i].section, parts[k]);
			if (!at || at > ls[i].section_end)
				fail_msg("lesson \"%s\" lacks %s", ls[i].title, parts[k]);
		}
	}
	free(text);
}

static void test_every_lesson_command_gives_its_answer(void **state)
{
	(void)state;
	if (!has_gnuplot()) {
		printf("gnuplot is not on PATH (scripts/setup installs gnuplot-nox) and the lessons draw figures; "
		       "skipping\n");
		skip();
	}
	char *text = pst_read_file(LESSONS, NULL);
	static struct lesson ls[MAX_LESSONS];
	size_t n = parse(text, ls);
	char *tmp = pst_tmpdir();
	/* The commands are written for the project's root: scenarios/... */
	assert_int_equal(chdir(PORTSIM_SOURCE_DIR), 0);
	for (size_t i = 0; i < n; i++) {
		struct lesson *x = &ls[i];
		char *w[MAX_WORDS];
		size_t nw = words(x->command, w, MAX_WORDS);
		if (nw < 2 || strcmp(w[0], "portsim"))
			fail_msg("lesson \"%s\": its command should start with portsim: %s", x->title, x->command);
		/* The command's --out folder, moved under tmp; the figure named in the text is looked for there. */
		char out[512] = "", *was = NULL;
		for (size_t k = 1; k + 1 < nw; k++)
			if (!strcmp(w[k], "--out") || !strcmp(w[k], "-o")) {
				snprintf(out, sizeof(out), "%s/lesson%zu", tmp, i + 1);
				was = w[k + 1];
				w[k + 1] = strdup(out);
			}
		if (!*out)
			fail_msg("lesson \"%s\": its command names no --out folder: %s", x->title, x->command);
		const char *argv[MAX_WORDS + 1];
		for (size_t k = 1; k < nw; k++)
			argv[k - 1] = w[k];
		argv[nw - 1] = "--quiet";
		argv[nw] = NULL;
		char *log = NULL;
		int rc = pst_run_cli(&log, argv);
		if (rc != 0)
			fail_msg("lesson \"%s\": %s: exit %d:\n%s", x->title, x->command, rc, log);
		free(log);
		printf("lesson %zu: %s\n", i + 1, x->title);
		for (size_t k = 0; k < x->nclaims; k++) {
			struct claim *c = &x->claims[k];
			char dir[1024];
			snprintf(dir, sizeof(dir), "%s%s%s", out, *c->sub ? "/" : "", c->sub);
			if (c->port) {
				check_port_claim(x->title, out, c);
				continue;
			}
			double v = 0;
			int have = metric(dir, c->c.metric, &v);
			bool ok = ps_claim_holds_value(&c->c, have, v);
			printf("  %s %s%s%s = %g\n", ok ? "ok  " : "FAIL", c->sub, *c->sub ? ": " : "", c->text + 2, v);
			if (!ok)
				fail_msg("lesson \"%s\": %s does not hold in %s (%s = %g)", x->title, c->text + 2, dir,
					 c->c.metric, v);
		}
		/* "`out/lessonN/NAME.png`": the figure the lesson shows was drawn. */
		char want[600];
		snprintf(want, sizeof(want), "`%s/", was);
		const char *fig = strstr(x->section, want);
		if (!fig || fig > x->section_end)
			fail_msg("lesson \"%s\" names no figure of %s", x->title, was);
		fig += strlen(want);
		char name[128], path[1200];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(fig, "`"), fig);
		snprintf(path, sizeof(path), "%s/%s", out, name);
		struct stat st;
		if (stat(path, &st) != 0 || st.st_size == 0)
			fail_msg("lesson \"%s\" shows %s/%s, which its command did not draw", x->title, was, name);
		if (strstr(x->command, "--report")) {
			snprintf(path, sizeof(path), "%s/report.html", out);
			assert_int_equal(stat(path, &st), 0);
		}
		free(was);
		for (size_t k = 0; k < nw; k++)
			free(w[k]);
	}
	pst_rmtree(tmp);
	free(tmp);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_lesson_has_its_parts),
		cmocka_unit_test(test_every_lesson_command_gives_its_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
