/* results/: every curated scenario has its section in results/README.md and its summary.csv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support.h"

#define SCENARIOS_DIR PORTSIM_SOURCE_DIR "/scenarios"
#define RESULTS_DIR PORTSIM_SOURCE_DIR "/results"

/* The stems of the .ini files in scenarios/, sorted; *n gets their count. */
static char **scenario_stems(size_t *n)
{
	DIR *d = opendir(SCENARIOS_DIR);
	if (!d)
		fail_msg("cannot open %s", SCENARIOS_DIR);
	char **stems = NULL;
	size_t count = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".ini") != 0 || e->d_name[0] == '.')
			continue;
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			stems = realloc(stems, cap * sizeof(*stems));
			assert_non_null(stems);
		}
		stems[count] = strndup(e->d_name, len - 4);
		assert_non_null(stems[count]);
		count++;
	}
	closedir(d);
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0 && strcmp(stems[j - 1], stems[j]) > 0; j--) {
			char *t = stems[j];
			stems[j] = stems[j - 1];
			stems[j - 1] = t;
		}
	*n = count;
	return stems;
}

static void free_stems(char **stems, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(stems[i]);
	free(stems);
}

/* Whether text has a line "## stem" (the scenario's section heading). */
static int has_section(const char *text, const char *stem)
{
	size_t len = strlen(stem);
	for (const char *p = text; (p = strstr(p, "## ")); p += 3) {
		if (p != text && p[-1] != '\n')
			continue;
		const char *name = p + 3;
		if (!strncmp(name, stem, len) && (name[len] == '\n' || name[len] == '\r' || name[len] == '\0'))
			return 1;
	}
	return 0;
}

/* Appends name to a ", "-separated list in buf. */
static void add_name(char *buf, size_t size, const char *name)
{
	size_t used = strlen(buf);
	snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
}

static void test_results_readme_names_every_scenario(void **state)
{
	(void)state;
	size_t n = 0;
	char **stems = scenario_stems(&n);
	assert_true(n > 0);

	char *readme = pst_read_file(RESULTS_DIR "/README.md", NULL);
	if (!readme) {
		free_stems(stems, n);
		fail_msg("%s/README.md is missing; run scripts/results", RESULTS_DIR);
	}
	char missing[4096] = "";
	for (size_t i = 0; i < n; i++)
		if (!has_section(readme, stems[i]))
			add_name(missing, sizeof(missing), stems[i]);
	free(readme);
	free_stems(stems, n);
	if (missing[0])
		fail_msg("results/README.md has no \"## NAME\" section for: %s; run scripts/results", missing);
}

static void test_results_has_every_summary(void **state)
{
	(void)state;
	size_t n = 0;
	char **stems = scenario_stems(&n);
	assert_true(n > 0);

	char missing[4096] = "";
	for (size_t i = 0; i < n; i++) {
		char path[1024];
		int len = snprintf(path, sizeof(path), "%s/%s/summary.csv", RESULTS_DIR, stems[i]);
		assert_true(len > 0 && (size_t)len < sizeof(path));
		struct stat st;
		if (stat(path, &st) != 0 || st.st_size == 0)
			add_name(missing, sizeof(missing), stems[i]);
	}
	free_stems(stems, n);
	if (missing[0])
		fail_msg("results/NAME/summary.csv is missing for: %s; run scripts/results", missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_readme_names_every_scenario),
		cmocka_unit_test(test_results_has_every_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
