/*
 * The Release build users and scripts/bench make: configured from this source tree into a
 * scratch directory, it is profile-guided (CMakeLists.txt, PORTSIM_PGO), its second stage
 * found the training's counts for every object with code (a broken mapping would silently
 * give a plain build), and the trained program writes the golden bytes of every curated
 * scenario, compare and capacity. Registered for GCC builds only, where PGO is the default.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

struct release {
	char *scratch; /* the build tree, below it */
	char *build;
	char *log; /* what configure and build said */
	int built; /* exit status of configure and build */
};

/* Configures and builds Release once, for every test. */
static int setup(void **state)
{
	struct release *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->scratch = pst_tmpdir();
	assert_non_null(r->scratch);
	r->build = pst_path(r->scratch, "release");
	r->log = pst_path(r->scratch, "log");
	r->built = pst_shell_logged(r->log,
				    "(cmake -S '%s' -B '%s' -DCMAKE_BUILD_TYPE=Release -DPORTSIM_TESTS=OFF "
				    "-DCMAKE_C_COMPILER='%s' && cmake --build '%s' -j2)",
				    PORTSIM_SOURCE_DIR, r->build, PORTSIM_C_COMPILER, r->build);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct release *r = *state;
	pst_rmtree(r->scratch);
	free(r->scratch);
	free(r->build);
	free(r->log);
	free(r);
	return 0;
}

static void assert_built(const struct release *r)
{
	if (r->built != 0) {
		char what[64];
		snprintf(what, sizeof(what), "the Release build failed (%d)", r->built);
		pst_fail_with_log(r->log, what);
	}
}

static void test_release_is_trained_and_uses_its_counts(void **state)
{
	struct release *r = *state;
	assert_built(r);
	char *cache = pst_path(r->build, "CMakeCache.txt");
	char *text = pst_read_file(cache, NULL);
	assert_non_null(text);
	if (!strstr(text, "PORTSIM_PGO:BOOL=ON"))
		fail_msg("a Release build with GCC is not profile-guided by default (%s)", cache);
	free(text);
	free(cache);
	/* The run's own path, the queue and the pool: trained, and their counts found by the second stage. */
	static const char *const hot[] = { "sim#run#run.c.gcda", "sim#engine.c.gcda", "sim#pool.c.gcda",
					   "sim#pool_occupancy.c.gcda", "sim#host.c.gcda" };
	char *profile = pst_path(r->build, "pgo/profile");
	for (size_t i = 0; i < sizeof(hot) / sizeof(hot[0]); i++) {
		char name[256];
		snprintf(name, sizeof(name), "CMakeFiles#portsim_core.dir#%s", hot[i]);
		if (!pst_exists(profile, name))
			fail_msg("the training wrote no counts for %s in %s", hot[i], profile);
	}
	free(profile);
	char *log = pst_read_file(r->log, NULL);
	assert_non_null(log);
	const char *miss = strstr(log, "profile count data file not found");
	if (miss) {
		const char *line = miss;
		while (line > log && line[-1] != '\n')
			line--;
		fail_msg("the second stage compiled without the training's counts: %.*s", (int)strcspn(line, "\n"),
			 line);
	}
	free(log);
}

static void test_trained_program_writes_the_golden_bytes(void **state)
{
	struct release *r = *state;
	assert_built(r);
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "'%s/scripts/golden' check '%s/portsim' 2>&1", PORTSIM_SOURCE_DIR, r->build);
	int rc;
	char *out = pst_shell(cmd, &rc);
	if (rc != 0)
		fail_msg("the trained Release program's outputs differ from the golden ones:\n%s", out);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_is_trained_and_uses_its_counts),
		cmocka_unit_test(test_trained_program_writes_the_golden_bytes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
