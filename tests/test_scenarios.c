/*
 * Every curated scenario in scenarios/ states its teaching point as claims
 * in numbers; this test runs each file and checks them, so a scenario whose
 * story the simulator no longer tells fails here instead of rotting.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portsim/claims.h"
#include "support.h"

#define SCENARIO_DIR PORTSIM_SOURCE_DIR "/scenarios"
#define MIN_SCENARIOS 12
#define MAX_SCENARIOS 256

struct listing {
	char *names[MAX_SCENARIOS];
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_scenarios(struct listing *l)
{
	DIR *d = opendir(SCENARIO_DIR);
	if (!d)
		fail_msg("cannot open %s", SCENARIO_DIR);
	l->n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".ini") != 0)
			continue;
		assert_true(l->n < MAX_SCENARIOS);
		l->names[l->n] = strdup(e->d_name);
		assert_non_null(l->names[l->n]);
		l->n++;
	}
	closedir(d);
	qsort(l->names, l->n, sizeof(l->names[0]), by_name);
}

static void free_listing(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
}

static void test_there_are_at_least_twelve_scenarios(void **state)
{
	(void)state;
	struct listing l;
	list_scenarios(&l);
	if (l.n < MIN_SCENARIOS)
		fail_msg("%s holds %zu scenarios; want at least %d", SCENARIO_DIR, l.n, MIN_SCENARIOS);
	free_listing(&l);
}

/*
 * The opening comment block (the lines before the first non-comment line)
 * must ask a question, say how to run the file, and make at least one claim.
 */
static bool header_ok(const char *name, const char *text)
{
	bool question = false, claim = false, command = false;
	for (const char *s = text; *s;) {
		const char *end = strchr(s, '\n');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		const char *p = s;
		while (p < s + len && (*p == ' ' || *p == '\t'))
			p++;
		if (p == s + len) {
			/* A blank line inside the block is fine. */
		} else if (*p != '#' && *p != ';') {
			break;
		} else {
			struct ps_claim c;
			char err[PS_ERR_MAX], line[1024];
			snprintf(line, sizeof(line), "%.*s", (int)len, s);
			if (memchr(s, '?', len))
				question = true;
			if (strstr(line, "portsim run"))
				command = true;
			if (ps_claim_parse(line, &c, err, sizeof(err)) == 1)
				claim = true;
		}
		s = end ? end + 1 : s + len;
	}
	if (!question)
		printf("%s: the opening comment asks no question (no line with \"?\")\n", name);
	if (!command)
		printf("%s: the opening comment does not say how to run it (\"portsim run ...\")\n", name);
	if (!claim)
		printf("%s: the opening comment makes no \"# expect:\" claim\n", name);
	return question && command && claim;
}

static void test_every_scenario_opens_with_question_and_claims(void **state)
{
	(void)state;
	struct listing l;
	size_t bad = 0;
	list_scenarios(&l);
	for (size_t i = 0; i < l.n; i++) {
		char *path = pst_path(SCENARIO_DIR, l.names[i]);
		char *text = pst_read_file(path, NULL);
		assert_non_null(text);
		if (!header_ok(l.names[i], text))
			bad++;
		free(text);
		free(path);
	}
	free_listing(&l);
	if (bad)
		fail_msg("%zu scenarios lack a question, a command or a claim in their opening comment", bad);
}

static void test_every_scenario_claim_holds(void **state)
{
	(void)state;
	struct listing l;
	size_t bad = 0;
	list_scenarios(&l);
	for (size_t i = 0; i < l.n; i++) {
		char *path = pst_path(SCENARIO_DIR, l.names[i]);
		char err[PS_ERR_MAX], *report = NULL;
		size_t len = 0;
		int failed = 0;
		FILE *f = open_memstream(&report, &len);
		assert_non_null(f);
		int rc = ps_claims_check(path, f, &failed, err, sizeof(err));
		fclose(f);
		printf("%s\n", l.names[i]);
		/* Indent every report line under its file, and name the file again on failures. */
		for (char *s = report, *end; s && *s; s = end + 1) {
			end = strchr(s, '\n');
			if (!end)
				end = s + strlen(s) - 1;
			else
				*end = '\0';
			if (strncmp(s, "FAIL", 4) == 0)
				printf("  %s  <- %s\n", s, l.names[i]);
			else
				printf("  %s\n", s);
		}
		if (rc != 0) {
			printf("  error: %s\n", err);
			bad++;
		} else if (failed) {
			printf("  %s: %d claim%s failed\n", l.names[i], failed, failed == 1 ? "" : "s");
			bad++;
		}
		free(report);
		free(path);
	}
	free_listing(&l);
	if (bad)
		fail_msg("%zu scenarios do not show what their claims say", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_there_are_at_least_twelve_scenarios),
		cmocka_unit_test(test_every_scenario_opens_with_question_and_claims),
		cmocka_unit_test(test_every_scenario_claim_holds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
