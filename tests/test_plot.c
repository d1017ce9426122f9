/* scripts/plot and the gnuplot scripts: figures from hand-made CSV files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "support.h"

#define PLOT_SCRIPT PORTSIM_SOURCE_DIR "/scripts/plot"

static const char TIMESERIES_FAILING[] =
	"t_s,established,time_wait,ports_in_use,free_tightest,attempts,failures,probes_mean\n"
	"0.0,0,0,0,64,0,0,0\n"
	"1.0,4,20,24,40,24,0,1.20\n"
	"2.0,5,40,45,19,22,0,1.90\n"
	"3.0,4,60,64,0,21,1,7.50\n"
	"4.0,3,61,64,0,20,17,31.00\n"
	"5.0,4,60,64,0,23,19,40.20\n";

static const char TIMESERIES_CALM[] =
	"t_s,established,time_wait,ports_in_use,free_tightest,attempts,failures,probes_mean\n"
	"0.0,0,0,0,64,0,0,0\n"
	"0.5,3,5,8,56,8,0,1.00\n"
	"1.0,4,9,13,51,9,0,1.10\n"
	"1.5,3,12,15,49,8,0,1.10\n";

static const char SUMMARY[] =
	"scenario,strategy,seed,duration_s,attempts,successes,failures,failure_ratio,"
	"first_failure_s,peak_established,peak_time_wait,peak_ports_in_use,probes_mean,"
	"probes_p99,probes_max,tw_takeovers,events,wall_s\n"
	"tiny_pool,sequential,1,5.0,110,73,37,0.3364,2.7,5,61,64,12.4,64,64,0,300,0.01\n";

/* Exit status of a shell command, or -1 if it did not exit normally. */
static int run_status(const char *cmd)
{
	int rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

static int have_gnuplot(void)
{
	return run_status("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* Runs scripts/plot on dir; returns its exit status. */
static int run_plot(const char *dir)
{
	char cmd[1024];
	int n = snprintf(cmd, sizeof cmd, "'%s' '%s'", PLOT_SCRIPT, dir);
	assert_true(n > 0 && (size_t)n < sizeof cmd);
	return run_status(cmd);
}

static void assert_png(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	size_t len = 0;
	char *data = pst_read_file(p, &len);
	if (!data)
		fail_msg("%s was not written", p);
	assert_true(len > 8);
	assert_memory_equal(data, "\x89PNG\r\n\x1a\n", 8);
	free(data);
	free(p);
}

static void assert_svg(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	char *data = pst_read_file(p, NULL);
	if (!data)
		fail_msg("%s was not written", p);
	assert_non_null(strstr(data, "<svg"));
	assert_non_null(strstr(data, "</svg>"));
	free(data);
	free(p);
}

static void write_in(const char *dir, const char *name, const char *text)
{
	char *p = pst_path(dir, name);
	assert_int_equal(pst_write_file(p, text), 0);
	free(p);
}

static void test_plot_makes_figures(void **state)
{
	(void)state;
	if (!have_gnuplot()) {
		printf("gnuplot is not on PATH (scripts/setup installs gnuplot-nox); skipping\n");
		skip();
	}
	char *dir = pst_tmpdir();
	assert_non_null(dir);
	write_in(dir, "timeseries.csv", TIMESERIES_FAILING);
	write_in(dir, "summary.csv", SUMMARY);

	assert_int_equal(run_plot(dir), 0);
	assert_png(dir, "occupancy.png");
	assert_svg(dir, "occupancy.svg");
	assert_png(dir, "failures.png");
	assert_svg(dir, "failures.svg");

	pst_rmtree(dir);
	free(dir);
}

/* No failures and no summary.csv: the simpler figure, an untitled run. */
static void test_plot_without_failures_or_summary(void **state)
{
	(void)state;
	if (!have_gnuplot()) {
		printf("gnuplot is not on PATH (scripts/setup installs gnuplot-nox); skipping\n");
		skip();
	}
	char *dir = pst_tmpdir();
	assert_non_null(dir);
	write_in(dir, "timeseries.csv", TIMESERIES_CALM);

	assert_int_equal(run_plot(dir), 0);
	assert_png(dir, "occupancy.png");
	assert_svg(dir, "occupancy.svg");
	assert_png(dir, "failures.png");
	assert_svg(dir, "failures.svg");

	pst_rmtree(dir);
	free(dir);
}

static void test_plot_missing_dir_is_usage_error(void **state)
{
	(void)state;
	assert_int_equal(run_plot("/nonexistent"), 2);
}

static void test_plot_dir_without_csv_is_usage_error(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	assert_non_null(dir);
	assert_int_equal(run_plot(dir), 2);
	pst_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plot_makes_figures),
		cmocka_unit_test(test_plot_without_failures_or_summary),
		cmocka_unit_test(test_plot_missing_dir_is_usage_error),
		cmocka_unit_test(test_plot_dir_without_csv_is_usage_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
