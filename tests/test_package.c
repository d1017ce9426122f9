/*
 * The Debian package: cpack -G DEB from this build tree into a scratch directory, its control
 * fields, its files unpacked with dpkg-deb -x into a scratch root, and the unpacked portsim
 * running a curated scenario and plotting it with the unpacked gnuplot scripts. Skipped (77)
 * when cpack or dpkg's tools are missing.
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
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

#define SKIP_CODE 77
#define SCENARIO "rate-limit-273-per-second.ini"

struct package {
	char *scratch; /* everything below is in it */
	char *deb;     /* the package file */
	char *root;    /* where it is unpacked */
	char *log;     /* what the commands said */
};

/* The output of a shell command, malloc'd; fails the test when it fails. */
static char *output(const char *cmd)
{
	int rc;
	char *out = pst_shell(cmd, &rc);
	if (rc != 0)
		fail_msg("\"%s\" failed:\n%s", cmd, out);
	return out;
}

static bool exists(const char *root, const char *rel)
{
	char *p = pst_path(root, rel);
	struct stat st;
	bool ok = stat(p, &st) == 0;
	free(p);
	return ok;
}

/* Builds the package from this build tree and unpacks it: once, for every test. */
static int setup(void **state)
{
	struct package *pk = calloc(1, sizeof(*pk));
	assert_non_null(pk);
	pk->scratch = pst_tmpdir();
	assert_non_null(pk->scratch);
	pk->root = pst_path(pk->scratch, "root");
	pk->log = pst_path(pk->scratch, "log");
	char *build = strdup(PORTSIM_BIN);
	assert_non_null(build);
	*strrchr(build, '/') = '\0';
	*state = pk;
	if (pst_shell_logged(pk->log, "cpack -G DEB --config '%s/CPackConfig.cmake' -B '%s/pkg'", build, pk->scratch) != 0)
		pst_fail_with_log(pk->log, "cpack -G DEB failed");
	free(build);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "ls '%s'/pkg/portsim_*.deb", pk->scratch);
	pk->deb = output(cmd);
	pk->deb[strcspn(pk->deb, "\n")] = '\0';
	if (pst_shell_logged(pk->log, "dpkg-deb -x '%s' '%s'", pk->deb, pk->root) != 0)
		pst_fail_with_log(pk->log, "dpkg-deb -x failed");
	return 0;
}

static int teardown(void **state)
{
	struct package *pk = *state;
	pst_rmtree(pk->scratch);
	free(pk->scratch);
	free(pk->deb);
	free(pk->root);
	free(pk->log);
	free(pk);
	return 0;
}

static char *field(const struct package *pk, const char *name)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "dpkg-deb -f '%s' %s", pk->deb, name);
	char *v = output(cmd);
	v[strcspn(v, "\n")] = '\0';
	return v;
}

static void test_control_fields(void **state)
{
	const struct package *pk = *state;
	char *v = field(pk, "Package");
	assert_string_equal(v, "portsim");
	free(v);
	v = field(pk, "Version");
	assert_string_equal(v, PORTSIM_VERSION);
	free(v);
	v = field(pk, "Maintainer");
	assert_non_null(strchr(v, '@'));
	free(v);
	/* Computed by dpkg-shlibdeps from what the program links. */
	v = field(pk, "Depends");
	if (!strstr(v, "libc6"))
		fail_msg("Depends: %s (libc6 expected)", v);
	free(v);
	v = field(pk, "Recommends");
	assert_string_equal(v, "gnuplot-nox | gnuplot");
	free(v);
}

static void test_files_are_where_debian_wants_them(void **state)
{
	const struct package *pk = *state;
	static const char *const files[] = {
		"usr/bin/portsim",
		"usr/share/portsim/occupancy.gp",
		"usr/share/portsim/failures.gp",
		"usr/share/portsim/scenarios/" SCENARIO,
		"usr/share/portsim/scenarios/README.md",
		"usr/share/bash-completion/completions/portsim",
		"usr/share/doc/portsim/README.md",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!exists(pk->root, files[i]))
			fail_msg("the package lacks /%s", files[i]);
	static const char *const pages[] = {
		"usr/share/man/man1/portsim.1",
		"usr/share/man/man5/portsim-scenario.5",
	};
	for (size_t i = 0; i < 2; i++) {
		char gz[128];
		snprintf(gz, sizeof(gz), "%s.gz", pages[i]);
		if (!exists(pk->root, pages[i]) && !exists(pk->root, gz))
			fail_msg("the package lacks /%s", pages[i]);
	}
}

/* The unpacked program, wherever the root is, runs a curated scenario and plots it with the
 * unpacked scripts: removing one of them removes its figure. */
static void test_unpacked_portsim_runs_and_plots_a_scenario(void **state)
{
	const struct package *pk = *state;
	const char *r = pk->root;
	if (pst_shell_logged(pk->log, "env -u PORTSIM_SHARE_DIR '%s/usr/bin/portsim' run '%s/usr/share/portsim/scenarios/" SCENARIO
		   "' --quiet --out '%s/out'",
	       r, r, r) != 0)
		pst_fail_with_log(pk->log, "the unpacked portsim run failed");
	assert_true(exists(r, "out/timeseries.csv"));
	if (pst_shell_logged(pk->log, "command -v gnuplot") != 0) {
		printf("gnuplot is not on PATH (the package recommends gnuplot-nox); plotting skipped\n");
		skip();
	}
	if (pst_shell_logged(pk->log, "env -u PORTSIM_SHARE_DIR '%s/usr/bin/portsim' plot '%s/out'", r, r) != 0)
		pst_fail_with_log(pk->log, "the unpacked portsim plot failed");
	static const char *const figures[] = { "out/occupancy.png", "out/occupancy.svg", "out/failures.png",
					       "out/failures.svg" };
	for (size_t i = 0; i < 4; i++)
		if (!exists(r, figures[i]))
			pst_fail_with_log(pk->log, figures[i]);
	char *gp = pst_path(r, "usr/share/portsim/failures.gp"), *png = pst_path(r, "out/failures.png");
	assert_int_equal(unlink(gp), 0);
	assert_int_equal(unlink(png), 0);
	if (pst_shell_logged(pk->log, "env -u PORTSIM_SHARE_DIR '%s/usr/bin/portsim' plot '%s/out'", r, r) != 0)
		pst_fail_with_log(pk->log, "the unpacked portsim plot failed");
	assert_true(exists(r, "out/occupancy.png"));
	if (exists(r, "out/failures.png"))
		fail_msg("portsim plot drew failures.png without the package's failures.gp: it used other scripts");
	free(png);
	free(gp);
}

static void test_unpacked_completion_completes_for_the_unpacked_portsim(void **state)
{
	const struct package *pk = *state;
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "bash --norc --noprofile -c 'source \"$1\"; COMP_LINE=\"$2 pl\"; COMP_POINT=${#COMP_LINE}; "
		 "_portsim portsim; printf \"%%s\\n\" \"${COMPREPLY[@]}\"' _ "
		 "'%s/usr/share/bash-completion/completions/portsim' '%s/usr/bin/portsim'",
		 pk->root, pk->root);
	char *out = output(cmd);
	assert_string_equal(out, "plot\n");
	free(out);
}

static const char *missing_tool(void)
{
	static const char *const tools[] = { "cpack", "dpkg-deb", "dpkg-shlibdeps" };
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tools[i]);
		if (system(cmd) != 0)
			return tools[i];
	}
	return NULL;
}

int main(void)
{
	const char *missing = missing_tool();
	if (missing) {
		printf("package skipped: %s is not on PATH (scripts/setup installs cmake and dpkg-dev)\n", missing);
		return SKIP_CODE;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_fields),
		cmocka_unit_test(test_files_are_where_debian_wants_them),
		cmocka_unit_test(test_unpacked_portsim_runs_and_plots_a_scenario),
		cmocka_unit_test(test_unpacked_completion_completes_for_the_unpacked_portsim),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
