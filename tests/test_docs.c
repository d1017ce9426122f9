/*
 * Documentation must match what the program says now: the generated key
 * table, and the reference in docs/ that the code, the README and the
 * program's own output point at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "portsim/alloc.h"
#include "portsim/nat.h"
#include "portsim/profile.h"
#include "support.h"

#define BEGIN "<!-- keys:begin -->\n"
#define END "<!-- keys:end -->"

static void test_scenarios_readme_holds_the_current_key_table(void **state)
{
	(void)state;
	char *out = NULL;
	const char *argv[] = { "keys", NULL };
	assert_int_equal(pst_run_cli(&out, argv), 0);
	char *readme = pst_read_file(PORTSIM_SOURCE_DIR "/scenarios/README.md", NULL);
	assert_non_null(readme);
	char *b = strstr(readme, BEGIN), *e = strstr(readme, END);
	if (!b || !e || e < b)
		fail_msg("scenarios/README.md lacks the %s ... %s markers", BEGIN, END);
	b += strlen(BEGIN);
	*e = '\0';
	if (strcmp(b, out) != 0)
		fail_msg("scenarios/README.md's key table is stale: regenerate it with\n"
			 "  scripts/update-docs");
	free(out);
	free(readme);
}

/* ---- the reference in docs/ ---- */

/*
 * The internal notes the project was built from are not in the repository;
 * nothing may cite them. Split in two so that this file does not cite them
 * either.
 */
static const char *const internal_notes[] = { "ALLOCATORS" ".md", "FIELD" ".md" };

typedef void (*file_fn)(const char *rel, const char *text, size_t len, void *arg);

/* Build trees, outputs and git's own files are not the project's files (.gitignore). */
static bool ignored(const char *rel, const char *name)
{
	size_t n = strlen(name);
	if (!strcmp(name, ".git") || (n > 4 && !strcmp(name + n - 4, ".tmp")))
		return true;
	return !strchr(rel, '/') && (!strcmp(name, "build") || !strcmp(name, "out"));
}

/* Calls fn for every regular file under the source directory's rel ("" = all). */
static void walk(const char *rel, file_fn fn, void *arg)
{
	char *dir = rel[0] ? pst_path(PORTSIM_SOURCE_DIR, rel) : strdup(PORTSIM_SOURCE_DIR);
	assert_non_null(dir);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *r = rel[0] ? pst_path(rel, e->d_name) : strdup(e->d_name);
		char *full = pst_path(PORTSIM_SOURCE_DIR, r);
		assert_non_null(r);
		assert_non_null(full);
		struct stat st;
		if (!ignored(r, e->d_name) && lstat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				walk(r, fn, arg);
			} else if (S_ISREG(st.st_mode)) {
				size_t len = 0;
				char *text = pst_read_file(full, &len);
				if (!text)
					fail_msg("cannot read %s", full);
				fn(r, text, len, arg);
				free(text);
			}
		}
		free(full);
		free(r);
	}
	closedir(d);
	free(dir);
}

/* Whether the first len bytes of text (which may hold NULs) contain needle. */
static bool contains(const char *text, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (text[i] == needle[0] && !memcmp(text + i, needle, n))
			return true;
	return false;
}

/* Appends a line to a growing report. */
static void report(char **buf, const char *fmt, const char *a, const char *b)
{
	size_t used = *buf ? strlen(*buf) : 0, add = strlen(fmt) + strlen(a) + strlen(b) + 2;
	*buf = realloc(*buf, used + add);
	assert_non_null(*buf);
	snprintf(*buf + used, add, fmt, a, b);
}

static void find_citations(const char *rel, const char *text, size_t len, void *arg)
{
	for (size_t i = 0; i < sizeof(internal_notes) / sizeof(internal_notes[0]); i++)
		if (contains(text, len, internal_notes[i]))
			report(arg, "  %s cites %s\n", rel, internal_notes[i]);
}

static void test_no_file_cites_the_internal_notes(void **state)
{
	(void)state;
	char *bad = NULL;
	walk("", find_citations, &bad);
	if (bad)
		fail_msg("cite docs/ (allocators.md, profiles.md, field.md) instead:\n%s", bad);
}

#define SLUG_MAX 128

/*
 * GitHub's anchor for a heading: lower case; letters, digits, '-' and '_'
 * kept; spaces become '-'; everything else (punctuation, backquotes,
 * non-ASCII bytes) dropped.
 */
static void slug(const char *s, size_t len, char out[SLUG_MAX])
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 1 < SLUG_MAX; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			out[n++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
			out[n++] = c;
		else if (c == ' ')
			out[n++] = '-';
	}
	out[n] = '\0';
}

/* The anchors of a markdown file: one per heading outside code fences, duplicates numbered. */
struct anchors {
	char (*v)[SLUG_MAX];    /* the anchors */
	char (*base)[SLUG_MAX]; /* the same before numbering */
	size_t n;
};

static struct anchors anchors_of(const char *text)
{
	struct anchors a = { NULL, NULL, 0 };
	bool fence = false;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		size_t h = 0;
		while (h < len && line[h] == '#')
			h++;
		if (len >= 3 && !strncmp(line, "```", 3)) {
			fence = !fence;
		} else if (!fence && h >= 1 && h <= 6 && h < len && line[h] == ' ') {
			size_t end = len;
			while (end > h && (line[end - 1] == ' ' || line[end - 1] == '#' || line[end - 1] == '\r'))
				end--;
			char base[SLUG_MAX];
			slug(line + h + 1, end - h - 1, base);
			unsigned same = 0;
			for (size_t i = 0; i < a.n; i++)
				same += !strcmp(a.base[i], base);
			a.v = realloc(a.v, (a.n + 1) * sizeof(*a.v));
			a.base = realloc(a.base, (a.n + 1) * sizeof(*a.base));
			assert_non_null(a.v);
			assert_non_null(a.base);
			memcpy(a.base[a.n], base, SLUG_MAX);
			/* base is at most SLUG_MAX - 1 characters; a clash after cutting it short is harmless */
			char numbered[SLUG_MAX + 16];
			snprintf(numbered, sizeof(numbered), same ? "%s-%u" : "%s", base, same);
			snprintf(a.v[a.n++], SLUG_MAX, "%.*s", SLUG_MAX - 1, numbered);
		}
		line = nl ? nl + 1 : line + len;
	}
	return a;
}

static bool has_anchor(const struct anchors *a, const char *anchor)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], anchor))
			return true;
	return false;
}

/* The anchors of docs/NAME, or NULL when the file does not exist. */
static struct anchors *doc_anchors(const char *name)
{
	static struct {
		char name[64];
		struct anchors a;
	} cache[16];
	static size_t ncache;
	for (size_t i = 0; i < ncache; i++)
		if (!strcmp(cache[i].name, name))
			return &cache[i].a;
	char path[512];
	snprintf(path, sizeof(path), "%s/docs/%s", PORTSIM_SOURCE_DIR, name);
	char *text = pst_read_file(path, NULL);
	if (!text || ncache == sizeof(cache) / sizeof(cache[0])) {
		free(text);
		return NULL;
	}
	snprintf(cache[ncache].name, sizeof(cache[ncache].name), "%s", name);
	cache[ncache].a = anchors_of(text);
	free(text);
	return &cache[ncache++].a;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool anchor_char(char c)
{
	return name_char(c) || (c >= 'A' && c <= 'Z');
}

struct links {
	char *bad;
	unsigned in_readme, in_sim;
};

/* Checks a link to docs/NAME.md#ANCHOR (file and anchor given as spans of text). */
static void check_link(struct links *l, const char *rel, const char *file, size_t flen,
		       const char *anchor, size_t alen)
{
	char name[64], want[SLUG_MAX], link[200];
	snprintf(name, sizeof(name), "%.*s", (int)flen, file);
	snprintf(want, sizeof(want), "%.*s", (int)alen, anchor);
	snprintf(link, sizeof(link), "docs/%s#%s", name, want);
	struct anchors *a = doc_anchors(name);
	if (!a || !has_anchor(a, want))
		report(&l->bad, "  %s: %s\n", rel, link);
	if (!strcmp(rel, "README.md"))
		l->in_readme++;
	if (!strncmp(rel, "sim/", 4))
		l->in_sim++;
}

/*
 * Finds every "docs/NAME.md#ANCHOR" in a file and, inside docs/, the
 * relative forms "](NAME.md#ANCHOR" and "](#ANCHOR".
 */
static void find_links(const char *rel, const char *text, size_t len, void *arg)
{
	if (strlen(text) != len)
		return; /* not text */
	bool in_docs = !strncmp(rel, "docs/", 5) && !strchr(rel + 5, '/');
	for (const char *p = text; *p; p++) {
		const char *file;
		if (!strncmp(p, "docs/", 5) && (p == text || !anchor_char(p[-1])))
			file = p + 5;
		else if (in_docs && !strncmp(p, "](", 2))
			file = p + 2;
		else
			continue;
		const char *q = file;
		while (name_char(*q))
			q++;
		size_t flen = (size_t)(q - file);
		if (flen == 0 && in_docs && *q == '#' && file == p + 2) {
			/* "](#ANCHOR": this very file */
			file = rel + 5;
			flen = strlen(file);
		} else if (flen > 0 && !strncmp(q, ".md#", 4)) {
			flen += 3;
			q += 3;
		} else {
			continue;
		}
		const char *anchor = q + 1, *e = anchor;
		while (anchor_char(*e))
			e++;
		if (e > anchor) /* "docs/NAME.md#<name>" describes links, it is not one */
			check_link(arg, rel, file, flen, anchor, (size_t)(e - anchor));
	}
}

static void test_every_docs_link_names_a_heading(void **state)
{
	(void)state;
	struct links l = { NULL, 0, 0 };
	walk("", find_links, &l);
	if (l.bad)
		fail_msg("links to a docs/ section that does not exist:\n%s", l.bad);
	/* The check is only worth something if the links it guards exist. */
	assert_true(l.in_readme > 0);
	assert_true(l.in_sim > 0);
}

/* Fails unless docs/file has the section GitHub would anchor at name. */
static void assert_section(const char *file, const char *name, char **bad)
{
	char want[SLUG_MAX];
	slug(name, strlen(name), want);
	struct anchors *a = doc_anchors(file);
	if (!a)
		fail_msg("docs/%s is missing", file);
	if (!has_anchor(a, want))
		report(bad, "  docs/%s#%s\n", file, want);
}

static void test_every_strategy_profile_and_preset_has_its_section(void **state)
{
	(void)state;
	char *bad = NULL;
	for (size_t i = 0; i < ps_alloc_registry_len; i++)
		assert_section("allocators.md", ps_alloc_registry[i]->name, &bad);
	for (size_t i = 0; i < ps_nat_registry_len; i++)
		assert_section("allocators.md", ps_nat_registry[i]->name, &bad);
	for (size_t i = 0; i < ps_profiles_len; i++)
		assert_section("profiles.md", ps_profiles[i].name, &bad);
	for (size_t i = 0; i < ps_nat_presets_len; i++)
		assert_section("profiles.md", ps_nat_presets[i].name, &bad);
	if (bad)
		fail_msg("sections missing from the reference:\n%s", bad);
}

static void test_anchors_follow_github(void **state)
{
	(void)state;
	struct anchors a = anchors_of("# Title\n## linux-4.6\n```\n## not a heading\n```\n"
				      "## The `rate` formula!\n## Same\n## Same\n## TIME_WAIT ##\n");
	assert_int_equal(a.n, 6);
	assert_string_equal(a.v[0], "title");
	assert_string_equal(a.v[1], "linux-46");
	assert_string_equal(a.v[2], "the-rate-formula");
	assert_string_equal(a.v[3], "same");
	assert_string_equal(a.v[4], "same-1");
	assert_string_equal(a.v[5], "time_wait");
	free(a.v);
	free(a.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios_readme_holds_the_current_key_table),
		cmocka_unit_test(test_anchors_follow_github),
		cmocka_unit_test(test_no_file_cites_the_internal_notes),
		cmocka_unit_test(test_every_docs_link_names_a_heading),
		cmocka_unit_test(test_every_strategy_profile_and_preset_has_its_section),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
