/* portsim plot, scripts/plot that calls it, and the gnuplot scripts: figures from hand-made CSV files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/wait.h>

#include "support.h"

#define PLOT_SCRIPT PORTSIM_SOURCE_DIR "/scripts/plot"
#define SCRIPTS_DIR PORTSIM_SOURCE_DIR "/scripts"

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

/* Skips the test, saying why, when gnuplot is not there to draw. */
static void need_gnuplot(void)
{
	if (run_status("command -v gnuplot >/dev/null 2>&1") != 0) {
		printf("gnuplot is not on PATH (scripts/setup installs gnuplot-nox); skipping\n");
		skip();
	}
}

/* Runs portsim plot on dir; returns its exit status, its output in *out when out is not NULL. */
static int plot_output(const char *dir, char **out)
{
	char *text = NULL;
	int rc = pst_run_cli(&text, (const char *[]){ "plot", dir, NULL });
	if (out)
		*out = text;
	else
		free(text);
	return rc;
}

static int run_plot(const char *dir)
{
	return plot_output(dir, NULL);
}

static void assert_absent(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	FILE *f = fopen(p, "rb");
	if (f) {
		fclose(f);
		fail_msg("%s was written", p);
	}
	free(p);
}

static void assert_says(const char *out, const char *needle)
{
	if (!strstr(out, needle))
		fail_msg("\"%s\" not in the output:\n%s", needle, out);
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
	need_gnuplot();
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
	need_gnuplot();
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

/* A file without rows or with columns missing costs only its figures, each with a message. */
static void test_plot_skips_figures_whose_files_lack_rows_or_columns(void **state)
{
	(void)state;
	need_gnuplot();
	char *dir = pst_tmpdir();
	assert_non_null(dir);
	/* probes.gp reads probes_mean, which this file lacks. */
	write_in(dir, "timeseries.csv",
		 "t_s,established,time_wait,ports_in_use,free_tightest,attempts,failures\n"
		 "0.0,0,0,0,64,0,0\n1.0,4,20,24,40,24,0\n2.0,5,40,45,19,22,3\n");
	write_in(dir, "hosts.csv", "host,inside_addr,population,attempts,failures\n");
	char *out = NULL;
	assert_int_equal(plot_output(dir, &out), 0);
	assert_says(out, "has no column probes_mean; probes not made");
	assert_says(out, "hosts.csv has no data rows; hosts not made");
	assert_says(out, "/occupancy.png\n");
	free(out);
	assert_png(dir, "occupancy.png");
	assert_png(dir, "failures.png");
	assert_absent(dir, "probes.png");
	assert_absent(dir, "hosts.png");
	/* No script applies: done, saying so. */
	char *other = pst_tmpdir();
	write_in(other, "unrelated.csv", "a,b\n1,2\n");
	assert_int_equal(plot_output(other, &out), 0);
	assert_says(out, "no figures made");
	free(out);
	pst_rmtree(other);
	free(other);
	pst_rmtree(dir);
	free(dir);
}

/* PORTSIM_SHARE_DIR names the scripts' directory, and nothing else is looked at then. */
static void test_plot_takes_its_scripts_from_PORTSIM_SHARE_DIR(void **state)
{
	(void)state;
	need_gnuplot();
	char *dir = pst_tmpdir(), *share = pst_tmpdir();
	assert_non_null(dir);
	assert_non_null(share);
	write_in(dir, "timeseries.csv", TIMESERIES_FAILING);
	char *gp = pst_read_file(SCRIPTS_DIR "/occupancy.gp", NULL);
	assert_non_null(gp);
	write_in(share, "occupancy.gp", gp);
	free(gp);
	/* What the scripts share, which each loads from its own directory. */
	char *gpi = pst_read_file(SCRIPTS_DIR "/figure.gpi", NULL);
	assert_non_null(gpi);
	write_in(share, "figure.gpi", gpi);
	free(gpi);

	char *out = NULL;
	assert_int_equal(setenv("PORTSIM_SHARE_DIR", share, 1), 0);
	assert_int_equal(plot_output(dir, &out), 0);
	free(out);
	assert_png(dir, "occupancy.png");
	assert_absent(dir, "failures.png");

	/* A directory without scripts is an error, not a reason to look elsewhere. */
	assert_int_equal(setenv("PORTSIM_SHARE_DIR", dir, 1), 0);
	assert_int_equal(plot_output(dir, &out), 1);
	assert_says(out, "holds no gnuplot scripts");
	free(out);
	unsetenv("PORTSIM_SHARE_DIR");

	pst_rmtree(share);
	free(share);
	pst_rmtree(dir);
	free(dir);
}

static void test_plot_needs_exactly_one_dir(void **state)
{
	(void)state;
	char *out = NULL;
	assert_int_equal(pst_run_cli(&out, (const char *[]){ "plot", NULL }), 2);
	assert_string_equal(out, "portsim: plot: missing DIR (see portsim plot --help)\n");
	free(out);
	assert_int_equal(pst_run_cli(&out, (const char *[]){ "plot", "a", "b", NULL }), 2);
	assert_string_equal(out, "portsim: plot: one DIR only, got \"a\" and \"b\"\n");
	free(out);
	assert_int_equal(pst_run_cli(&out, (const char *[]){ "plot", "--help", NULL }), 0);
	assert_says(out, "usage: portsim plot DIR\n");
	assert_says(out, "PORTSIM_SHARE_DIR");
	free(out);
}

/* scripts/plot is the same command, with the portsim $PORTSIM names. */
static void test_plot_script_calls_portsim_plot(void **state)
{
	(void)state;
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "PORTSIM='%s' '%s' /nonexistent 2>/dev/null", PORTSIM_BIN, PLOT_SCRIPT);
	assert_int_equal(run_status(cmd), 2);
	snprintf(cmd, sizeof cmd, "PORTSIM='%s' '%s' 2>/dev/null", PORTSIM_BIN, PLOT_SCRIPT);
	assert_int_equal(run_status(cmd), 2);
	need_gnuplot();
	char *dir = pst_tmpdir();
	assert_non_null(dir);
	write_in(dir, "timeseries.csv", TIMESERIES_CALM);
	snprintf(cmd, sizeof cmd, "PORTSIM='%s' '%s' '%s' >/dev/null", PORTSIM_BIN, PLOT_SCRIPT, dir);
	assert_int_equal(run_status(cmd), 0);
	assert_png(dir, "occupancy.png");
	pst_rmtree(dir);
	free(dir);
}

/* A run's folder is drawn from what its MANIFEST lists; one being written or interrupted is refused. */
static void test_plot_trusts_only_the_manifest(void **state)
{
	(void)state;
	need_gnuplot();
	char *dir = pst_tmpdir(), *text = NULL;
	char *out = pst_path(dir, "run");
	assert_int_equal(pst_run_cli(&text, (const char *[]){ "run", "--quiet", "--duration", "20", "--out", out, NULL }), 0);
	free(text);
	/* ports.csv of some other run, which this run's MANIFEST does not list: no heat map from it. */
	write_in(out, "ports.csv", "t_s,port,ports,in_use\n0.0,49152,64,1\n1.0,49152,64,2\n");
	assert_int_equal(run_plot(out), 0);
	assert_png(out, "occupancy.png");
	assert_absent(out, "heatmap.png");
	/* No MANIFEST and a staging folder: a command is writing or was interrupted. */
	char *manifest = pst_path(out, "MANIFEST"), *staging = pst_path(out, ".portsim-tmp-1");
	assert_int_equal(remove(manifest), 0);
	assert_int_equal(mkdir(staging, 0777), 0);
	char *said = NULL;
	assert_int_equal(plot_output(out, &said), 2);
	assert_says(said, "INCOMPLETE");
	free(said);
	free(manifest);
	free(staging);
	free(out);
	pst_rmtree(dir);
	free(dir);
}

int main(void)
{
	/* The scripts of the source tree, whatever the environment says. */
	unsetenv("PORTSIM_SHARE_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plot_makes_figures),
		cmocka_unit_test(test_plot_without_failures_or_summary),
		cmocka_unit_test(test_plot_missing_dir_is_usage_error),
		cmocka_unit_test(test_plot_dir_without_csv_is_usage_error),
		cmocka_unit_test(test_plot_skips_figures_whose_files_lack_rows_or_columns),
		cmocka_unit_test(test_plot_takes_its_scripts_from_PORTSIM_SHARE_DIR),
		cmocka_unit_test(test_plot_needs_exactly_one_dir),
		cmocka_unit_test(test_plot_script_calls_portsim_plot),
		cmocka_unit_test(test_plot_trusts_only_the_manifest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
