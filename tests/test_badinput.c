/*
 * The catalogue of bad input (tests/badinput/cases.txt): every case is a
 * command line, the files it needs, the exit status and the one line of
 * error it must give. Each runs in a fresh directory with --out pointing
 * at a path that does not exist yet, and must leave that directory as it
 * found it: no output folder, no file, nothing on stdout, and on stderr
 * exactly one line of printable ASCII matching the case's pattern.
 *
 * The file's format, one item per line ('#' lines and blank lines apart):
 *   $ ARGS       starts a case: the command line after "portsim", split at
 *                blanks; "..." quotes a word (it may be empty or hold
 *                blanks), and \xNN inside quotes is that byte
 *   = STATUS     the exit status
 *   ~ REGEX      a POSIX extended regular expression the error line matches
 *   ! REGEX      one it must not match (optional, repeatable)
 *   > NAME       a file the case needs, its lines following as "| TEXT"
 *                ("|" alone for an empty line; \xNN is that byte)
 *   > NAME fifo | dir | size=BYTES   a FIFO, a directory, a sparse file
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define CASES PORTSIM_SOURCE_DIR "/tests/badinput/cases.txt"
#define MIN_CASES 100
#define MAX_WORDS 32
#define MAX_PATTERNS 8
#define MAX_FILES 8
/* Seconds a case may take: a FIFO that blocks must fail the case, not hang the test. */
#define CASE_TIMEOUT_S 60

struct file {
	char *name;
	char *text; /* regular files: their bytes */
	size_t len;
	enum { REGULAR, FIFO, DIR_, SPARSE } kind;
	long long size; /* SPARSE */
};

struct tcase {
	unsigned line; /* of its "$" line in cases.txt */
	char *args_line;
	char *words[MAX_WORDS];
	size_t nwords;
	int status;
	char *match;
	char *reject[MAX_PATTERNS];
	size_t nreject;
	struct file files[MAX_FILES];
	size_t nfiles;
};

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Copies s into out, turning \xNN into its byte; returns the length. */
static size_t unescape(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && hex(s[i + 2]) >= 0 && hex(s[i + 3]) >= 0) {
			out[o++] = (char)(hex(s[i + 2]) * 16 + hex(s[i + 3]));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return o;
}

static void split_words(struct tcase *c, const char *s, unsigned line)
{
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (c->nwords >= MAX_WORDS)
			fail_msg("cases.txt:%u: more than %d words", line, MAX_WORDS);
		const char *b = s, *e;
		bool quoted = *s == '"';
		if (quoted) {
			b = s + 1;
			e = strchr(b, '"');
			if (!e)
				fail_msg("cases.txt:%u: unterminated quote", line);
			s = e + 1;
		} else {
			e = b + strcspn(b, " ");
			s = e;
		}
		char *w = malloc((size_t)(e - b) + 1);
		assert_non_null(w);
		if (quoted)
			unescape(b, (size_t)(e - b), w);
		else {
			memcpy(w, b, (size_t)(e - b));
			w[e - b] = '\0';
		}
		c->words[c->nwords++] = w;
	}
}

static void append(struct file *f, const char *s, size_t n)
{
	f->text = realloc(f->text, f->len + n + 2);
	assert_non_null(f->text);
	f->len += unescape(s, n, f->text + f->len);
	f->text[f->len++] = '\n';
	f->text[f->len] = '\0';
}

static char *dup_trimmed(const char *s)
{
	while (*s == ' ')
		s++;
	char *d = strdup(s);
	assert_non_null(d);
	size_t n = strlen(d);
	while (n && (d[n - 1] == ' ' || d[n - 1] == '\n'))
		d[--n] = '\0';
	return d;
}

/* Reads every case of cases.txt; returns how many. */
static size_t read_cases(struct tcase **out)
{
	char *text = pst_read_file(CASES, NULL);
	if (!text)
		fail_msg("cannot read %s", CASES);
	size_t n = 0, cap = 0;
	struct tcase *cases = NULL, *c = NULL;
	struct file *f = NULL;
	unsigned line = 0;
	for (char *s = text; *s;) {
		char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		line++;
		char kind = len ? s[0] : '#';
		char *rest = len > 1 ? s + 1 : s + len;
		if (nl)
			*nl = '\0';
		if (kind == '$') {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				cases = realloc(cases, cap * sizeof(*cases));
				assert_non_null(cases);
			}
			c = &cases[n++];
			memset(c, 0, sizeof(*c));
			c->line = line;
			c->status = -1;
			c->args_line = dup_trimmed(rest);
			split_words(c, c->args_line, line);
			f = NULL;
		} else if (kind != '#' && !c) {
			fail_msg("cases.txt:%u: a line before the first case", line);
		} else if (kind == '=') {
			c->status = atoi(rest);
		} else if (kind == '~') {
			c->match = dup_trimmed(rest);
		} else if (kind == '!') {
			assert_true(c->nreject < MAX_PATTERNS);
			c->reject[c->nreject++] = dup_trimmed(rest);
		} else if (kind == '>') {
			assert_true(c->nfiles < MAX_FILES);
			f = &c->files[c->nfiles++];
			memset(f, 0, sizeof(*f));
			char *spec = dup_trimmed(rest), *sp = strchr(spec, ' ');
			if (sp) {
				*sp++ = '\0';
				if (!strcmp(sp, "fifo"))
					f->kind = FIFO;
				else if (!strcmp(sp, "dir"))
					f->kind = DIR_;
				else if (!strncmp(sp, "size=", 5)) {
					f->kind = SPARSE;
					f->size = atoll(sp + 5);
				} else
					fail_msg("cases.txt:%u: unknown file kind \"%s\"", line, sp);
			}
			f->name = spec;
			f->text = strdup("");
		} else if (kind == '|') {
			if (!f || f->kind != REGULAR)
				fail_msg("cases.txt:%u: a \"|\" line outside a regular file", line);
			const char *t = len > 1 && s[1] == ' ' ? s + 2 : s + 1;
			append(f, t, strlen(t));
		} else if (kind != '#' && kind != ' ') {
			fail_msg("cases.txt:%u: unknown line \"%s\"", line, s);
		}
		s = nl ? nl + 1 : s + len;
	}
	free(text);
	for (size_t i = 0; i < n; i++)
		if (cases[i].status < 0 || !cases[i].match || !cases[i].nwords)
			fail_msg("cases.txt:%u: a case needs $, = and ~ lines", cases[i].line);
	*out = cases;
	return n;
}

static void free_cases(struct tcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tcase *c = &cases[i];
		free(c->args_line);
		for (size_t j = 0; j < c->nwords; j++)
			free(c->words[j]);
		free(c->match);
		for (size_t j = 0; j < c->nreject; j++)
			free(c->reject[j]);
		for (size_t j = 0; j < c->nfiles; j++) {
			free(c->files[j].name);
			free(c->files[j].text);
		}
	}
	free(cases);
}

static void make_files(const struct tcase *c, const char *dir)
{
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct file *f = &c->files[i];
		char *p = pst_path(dir, f->name);
		int rc = 0;
		if (f->kind == FIFO) {
			rc = mkfifo(p, 0600);
		} else if (f->kind == DIR_) {
			rc = mkdir(p, 0700);
		} else {
			int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			rc = fd < 0 ? -1 : 0;
			if (fd >= 0 && f->kind == SPARSE && ftruncate(fd, (off_t)f->size) != 0)
				rc = -1;
			if (fd >= 0 && f->kind == REGULAR && write(fd, f->text, f->len) != (ssize_t)f->len)
				rc = -1;
			if (fd >= 0)
				close(fd);
		}
		if (rc != 0)
			fail_msg("cases.txt:%u: cannot make %s: %s", c->line, p, strerror(errno));
		free(p);
	}
}

/* Every path under dir, one per line, sorted: what a case must leave unchanged. */
static void listing(const char *dir, const char *rel, char **acc, size_t *len)
{
	char *full = rel[0] ? pst_path(dir, rel) : strdup(dir);
	size_t n;
	char **names = pst_list_dir(full, &n);
	free(full);
	for (size_t i = 0; i < n; i++) {
		char *r = rel[0] ? pst_path(rel, names[i]) : strdup(names[i]);
		size_t add = strlen(r) + 1;
		*acc = realloc(*acc, *len + add + 1);
		memcpy(*acc + *len, r, add - 1);
		(*acc)[*len + add - 1] = '\n';
		*len += add;
		(*acc)[*len] = '\0';
		listing(dir, r, acc, len);
		free(r);
	}
	pst_free_list(names);
}

static char *list_dir(const char *dir)
{
	char *acc = strdup("");
	size_t len = 0;
	listing(dir, "", &acc, &len);
	return acc;
}

/* Whether the command writes outputs, and so gets --out unless the case gives one. */
static bool takes_out(const struct tcase *c)
{
	static const char *const writers[] = { "run", "compare", "capacity", "kernel" };
	bool writer = false;
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		writer |= !strcmp(c->words[0], writers[i]);
	for (size_t i = 1; i < c->nwords; i++)
		if (!strcmp(c->words[i], "--out") || !strcmp(c->words[i], "-o") || !strncmp(c->words[i], "--out=", 6))
			return false;
	return writer;
}

/* Runs the case in cwd; returns the exit status (-1 if it did not exit), with stdout and stderr. */
static int run_case(const struct tcase *c, const char *cwd, const char *outfile, const char *errfile)
{
	char *argv[MAX_WORDS + 4];
	size_t n = 0;
	argv[n++] = (char *)PORTSIM_BIN;
	for (size_t i = 0; i < c->nwords; i++)
		argv[n++] = c->words[i];
	if (takes_out(c)) {
		argv[n++] = (char *)"--out";
		argv[n++] = (char *)"out/new";
	}
	argv[n] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || chdir(cwd) != 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		close(o);
		close(e);
		/* A pending alarm survives exec: a case that blocks dies instead of hanging the suite. */
		alarm(CASE_TIMEOUT_S);
		execv(PORTSIM_BIN, argv);
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool matches(const char *pattern, const char *text, unsigned line)
{
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0)
		fail_msg("cases.txt:%u: bad pattern \"%s\"", line, pattern);
	bool m = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

/* The checks of one case; returns a malloc'd description of what went wrong, or NULL. */
static char *check_case(const struct tcase *c)
{
	char *root = pst_tmpdir();
	assert_non_null(root);
	char *cwd = pst_path(root, "cwd"), *out = pst_path(root, "stdout"), *errf = pst_path(root, "stderr");
	assert_int_equal(mkdir(cwd, 0700), 0);
	make_files(c, cwd);
	char *before = list_dir(cwd);
	int status = run_case(c, cwd, out, errf);
	char *after = list_dir(cwd);
	size_t olen = 0, elen = 0;
	char *so = pst_read_file(out, &olen), *se = pst_read_file(errf, &elen);
	char *why = NULL;
	char buf[4096];
	const char *nl = se ? memchr(se, '\n', elen) : NULL;
	bool printable = true;
	for (size_t i = 0; se && i + 1 < elen; i++)
		printable &= (unsigned char)se[i] >= 0x20 && (unsigned char)se[i] < 0x7f;
	if (status != c->status)
		snprintf(buf, sizeof(buf), "exit status %d, expected %d", status, c->status);
	else if (!se || !nl || (size_t)(nl - se) + 1 != elen)
		snprintf(buf, sizeof(buf), "stderr is not exactly one line");
	else if (!printable)
		snprintf(buf, sizeof(buf), "stderr holds a byte outside printable ASCII");
	else if (olen)
		snprintf(buf, sizeof(buf), "stdout is not empty: %.200s", so);
	else if (strcmp(before, after))
		snprintf(buf, sizeof(buf), "the directory changed:\n--- before\n%s--- after\n%s", before, after);
	else
		buf[0] = '\0';
	if (!buf[0] && se) {
		se[elen - 1] = '\0';
		if (!matches(c->match, se, c->line))
			snprintf(buf, sizeof(buf), "stderr does not match ~ %s", c->match);
		for (size_t i = 0; i < c->nreject && !buf[0]; i++)
			if (matches(c->reject[i], se, c->line))
				snprintf(buf, sizeof(buf), "stderr matches ! %s", c->reject[i]);
		se[elen - 1] = '\n';
	}
	if (buf[0]) {
		size_t need = strlen(buf) + elen + olen + 256;
		why = malloc(need);
		snprintf(why, need, "cases.txt:%u: $ %s\n  %s\n  stderr: %s  stdout: %s", c->line, c->args_line, buf,
			 se ? se : "(none)\n", so && olen ? so : "(empty)\n");
	}
	free(so);
	free(se);
	free(before);
	free(after);
	pst_rmtree(root);
	free(root);
	free(cwd);
	free(out);
	free(errf);
	return why;
}

static void test_every_bad_input_is_refused_with_one_line_and_nothing_written(void **state)
{
	(void)state;
	struct tcase *cases;
	size_t n = read_cases(&cases);
	if (n < MIN_CASES)
		fail_msg("%s holds %zu cases; want at least %d", CASES, n, MIN_CASES);
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		char *why = check_case(&cases[i]);
		if (why) {
			fprintf(stderr, "%s\n", why);
			free(why);
			failed++;
		}
	}
	free_cases(cases, n);
	if (failed)
		fail_msg("%zu of %zu bad-input cases failed", failed, n);
	printf("%zu bad-input cases refused as expected\n", n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_bad_input_is_refused_with_one_line_and_nothing_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
