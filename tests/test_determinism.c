/* Same scenario and seed: byte-identical files; another seed: different ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "support.h"

static char *run_into(const char *dir, const char *seed)
{
	char *out = NULL;
	const char *argv[] = { "run", "--duration", "50", "--seed", seed, "--events", "--quiet",
			       "--out", dir, NULL };
	int rc = pst_run_cli(&out, argv);
	if (rc != 0)
		fail_msg("portsim run exited %d: %s", rc, out);
	return out;
}

static char *file_in(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	char *text = pst_read_file(p, NULL);
	free(p);
	assert_non_null(text);
	return text;
}

/* summary.csv without its last column, wall_s, which measures the machine. */
static char *summary_without_wall(const char *dir)
{
	char *s = file_in(dir, "summary.csv");
	for (char *line = s; *line;) {
		char *nl = strchr(line, '\n');
		char *comma = strrchr(line, ',');
		if (nl && comma && comma < nl) {
			memmove(comma, nl, strlen(nl) + 1);
			nl = comma;
		}
		line = nl ? nl + 1 : line + strlen(line);
	}
	return s;
}

static void test_same_seed_writes_identical_files(void **state)
{
	(void)state;
	char *d1 = pst_tmpdir(), *d2 = pst_tmpdir();
	free(run_into(d1, "7"));
	free(run_into(d2, "7"));
	const char *files[] = { "timeseries.csv", "events.csv", "scenario.ini" };
	for (int i = 0; i < 3; i++) {
		char *a = file_in(d1, files[i]), *b = file_in(d2, files[i]);
		assert_true(strlen(a) > 100);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	char *a = summary_without_wall(d1), *b = summary_without_wall(d2);
	assert_string_equal(a, b);
	free(a);
	free(b);
	pst_rmtree(d1);
	pst_rmtree(d2);
	free(d1);
	free(d2);
}

static void test_different_seeds_write_different_traces(void **state)
{
	(void)state;
	char *d1 = pst_tmpdir(), *d2 = pst_tmpdir();
	free(run_into(d1, "1"));
	free(run_into(d2, "2"));
	char *a = file_in(d1, "events.csv"), *b = file_in(d2, "events.csv");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	pst_rmtree(d1);
	pst_rmtree(d2);
	free(d1);
	free(d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_writes_identical_files),
		cmocka_unit_test(test_different_seeds_write_different_traces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
