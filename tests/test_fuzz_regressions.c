/*
 * Every input the fuzzers ever broke portsim with (tests/fuzz/regressions/),
 * and every curated scenario, fed through both fuzz harnesses without
 * libFuzzer: a fixed bug that comes back fails here in every build, with
 * or without clang. A harness aborts when a property fails (harness.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "support.h"

#define REGRESSIONS PORTSIM_SOURCE_DIR "/tests/fuzz/regressions"
#define SCENARIOS PORTSIM_SOURCE_DIR "/scenarios"

/* Feeds every file of dir whose name ends in suffix ("" for all) to both harnesses; returns how many. */
static size_t replay_dir(const char *dir, const char *suffix)
{
	size_t n, fed = 0;
	char **names = pst_list_dir(dir, &n);
	if (!names)
		fail_msg("cannot open %s", dir);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]), sl = strlen(suffix);
		if (len < sl || strcmp(names[i] + len - sl, suffix))
			continue;
		char *path = pst_path(dir, names[i]);
		char *data = pst_read_file(path, &len);
		if (!data)
			fail_msg("cannot read %s", path);
		/* On an abort the last name printed is the input that broke it. */
		fprintf(stderr, "fuzz input %s\n", names[i]);
		assert_int_equal(fuzz_scenario_one((const uint8_t *)data, len), 0);
		assert_int_equal(fuzz_run_one((const uint8_t *)data, len), 0);
		free(data);
		free(path);
		fed++;
	}
	pst_free_list(names);
	return fed;
}

static void test_every_saved_fuzz_input_passes_both_harnesses(void **state)
{
	(void)state;
	size_t n = replay_dir(REGRESSIONS, "");
	if (n == 0)
		fail_msg("%s holds no input", REGRESSIONS);
	printf("%zu saved fuzz inputs pass\n", n);
}

static void test_every_curated_scenario_passes_both_harnesses(void **state)
{
	(void)state;
	size_t n = replay_dir(SCENARIOS, ".ini");
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_saved_fuzz_input_passes_both_harnesses),
		cmocka_unit_test(test_every_curated_scenario_passes_both_harnesses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
