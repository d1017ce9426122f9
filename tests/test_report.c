/*
 * The report and the files it needs: the question kept from the scenario file, titles built
 * from what was run, inline figures whose ids cannot collide, sentences that say why the first
 * attempt failed, --report on run, compare and capacity, portsim report DIR, and --vary.
 * The page in a real browser is test_report_browser.c.
 */
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
#include <sys/wait.h>

#include "portsim/report.h"
#include "support.h"

#define SCENARIOS PORTSIM_SOURCE_DIR "/scenarios/"

static bool have_gnuplot(void)
{
	int rc = system("command -v gnuplot >/dev/null 2>&1");
	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

#define NEEDS_GNUPLOT()                                                                             \
	do {                                                                                        \
		if (!have_gnuplot()) {                                                              \
			printf("gnuplot is not on PATH (scripts/setup installs gnuplot-nox); skipping\n"); \
			skip();                                                                     \
		}                                                                                   \
	} while (0)

/* Runs portsim; fails the test unless it exits with want. Returns its output (free it). */
static char *cli(int want, const char *const *argv)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, argv);
	if (rc != want)
		fail_msg("portsim %s ...: exit %d, expected %d; output:\n%s", argv[0], rc, want, out ? out : "");
	return out;
}

static char *read_in(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	char *text = pst_read_file(p, NULL);
	free(p);
	return text;
}

static bool exists_in(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	struct stat st;
	bool yes = stat(p, &st) == 0;
	free(p);
	return yes;
}

static void assert_contains(const char *text, const char *want)
{
	if (!text || !strstr(text, want))
		fail_msg("expected to find \"%s\" in:\n%.3000s", want, text ? text : "(no file)");
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* The i-th (1-based) cell of the data row of dir/summary.csv, by column name, malloc'd. */
static char *summary_cell(const char *dir, const char *col)
{
	char *text = read_in(dir, "summary.csv");
	assert_non_null(text);
	char *row = strchr(text, '\n');
	assert_non_null(row);
	*row++ = '\0';
	int idx = 0;
	for (char *h = strtok(text, ","); h && strcmp(h, col); h = strtok(NULL, ","))
		idx++;
	char *cell = row;
	for (int i = 0; i < idx && cell; i++)
		cell = strchr(cell, ',') ? strchr(cell, ',') + 1 : NULL;
	assert_non_null(cell);
	char *out = strndup(cell, strcspn(cell, ",\n"));
	free(text);
	return out;
}

static void test_question_is_the_opening_comment(void **state)
{
	(void)state;
	char *q = ps_report_question("\n# Does it run out?\n#\n#  two spaces kept\n;semicolon\n\n[run]\n# not this\n");
	assert_string_equal(q, "Does it run out?\n\n two spaces kept\nsemicolon\n");
	free(q);
	q = ps_report_question("[run]\n# a comment after the first key is not a question\n");
	assert_string_equal(q, "");
	free(q);
}

static void test_what_names_scenario_strategy_and_overrides(void **state)
{
	(void)state;
	const char *sets[] = { "workload.svc.rate_per_s=300", "run.seed=7" };
	char buf[256];
	size_t n = ps_report_what(buf, sizeof(buf), "time-wait-storm", "linux", sets, 2);
	assert_string_equal(buf, "time-wait-storm / linux, workload.svc.rate_per_s=300, run.seed=7");
	assert_int_equal(n, strlen(buf));
	ps_report_what(buf, sizeof(buf), "compare-strategies", NULL, NULL, 0);
	assert_string_equal(buf, "compare-strategies");
	/* Cut short like snprintf, the length it needed returned. */
	assert_int_equal(ps_report_what(buf, 8, "time-wait-storm", NULL, NULL, 0), strlen("time-wait-storm"));
	assert_string_equal(buf, "time-wa");
}

static const char SUMMARY[] =
	"scenario,strategy,seed,duration_s,attempts,successes,failures,failure_ratio,first_failure_s,"
	"peak_established,peak_time_wait,peak_ports_in_use,probes_mean,probes_p99,probes_max,tw_takeovers,"
	"requests,reused,retries,abandoned,nat_failures,peak_nat_mappings,events,wall_s\n"
	"tiny,sequential,1,5.0,110,73,37,0.336364,2.5,5,61,64,12.400,64,64,0,110,0,0,37,0,0,300,0.010\n";
static const char TIMESERIES[] =
	"t_s,established,time_wait,ports_in_use,free_tightest,attempts,failures,probes_mean\n"
	"0.0,0,0,0,64,0,0,0.000\n1.0,4,20,24,40,24,0,1.200\n2.0,5,40,45,19,22,0,1.900\n"
	"3.0,3,61,64,0,21,1,7.500\n4.0,3,61,64,0,20,17,31.000\n5.0,4,60,64,0,23,19,40.200\n";
/* Two figures with the same ids, as gnuplot writes them. */
static const char SVG[] = "<?xml version=\"1.0\"?>\n<svg viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\" "
			  "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<defs><clipPath id='clip'><rect width='5' "
			  "height='5'/></clipPath><path id=\"pt\" d='M0,0'/></defs>\n<g grid='x' clip-path='url(#clip)'>"
			  "<use xlink:href='#pt'/></g></svg>\n";

/* A run folder made by hand: no simulation, no gnuplot. */
static char *hand_made_run(void)
{
	char *dir = pst_tmpdir();
	assert_non_null(dir);
	const struct {
		const char *name, *text;
	} files[] = { { "summary.csv", SUMMARY }, { "timeseries.csv", TIMESERIES }, { "occupancy.svg", SVG },
		      { "failures.svg", SVG }, { "question.txt", "Does a tiny pool run out?\n\nIt <does>.\n" } };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = pst_path(dir, files[i].name);
		assert_int_equal(pst_write_file(p, files[i].text), 0);
		free(p);
	}
	return dir;
}

static void test_figures_are_inline_with_ids_of_their_own(void **state)
{
	(void)state;
	char *dir = hand_made_run(), err[PS_ERR_MAX];
	assert_int_equal(ps_report_write(dir, NULL, err, sizeof(err)), PS_DONE);
	char *html = read_in(dir, "report.html");
	assert_int_equal(count(html, "<svg"), 2);
	assert_null(strstr(html, "<?xml"));
	/* occupancy before failures, each figure's ids and references prefixed alike. */
	assert_true(strstr(html, "aria-label=\"occupancy\"") < strstr(html, "aria-label=\"failures\""));
	assert_contains(html, "id='f1-clip'");
	assert_contains(html, "url(#f1-clip)");
	assert_contains(html, "id=\"f2-pt\"");
	assert_contains(html, "xlink:href='#f2-pt'");
	assert_contains(html, "grid='x'");
	/* Nothing to fetch: no script, no stylesheet or image from anywhere. */
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "src="));
	/* The question, escaped; the first failure and why. */
	assert_contains(html, "<p class=\"ask\">Does a tiny pool run out?</p>");
	assert_contains(html, "It &lt;does&gt;.");
	assert_contains(html, "<data class=\"num\" data-col=\"first_failure_s\" value=\"2.5\">2.5 s</data>");
	assert_contains(html, "every port it could use was taken, and 61 of the 64 connections");
	assert_contains(html, "<data class=\"num\" data-col=\"failure_ratio\" value=\"0.336364\">33.6 %</data>");
	free(html);
	pst_rmtree(dir);
	free(dir);
}

static int explain_hook(void *arg, const char *dir, char **text)
{
	(void)dir;
	*text = strdup((const char *)arg);
	return 1;
}

static void test_explanation_comes_from_the_hook_or_explain_txt(void **state)
{
	(void)state;
	char *dir = hand_made_run(), err[PS_ERR_MAX];
	char *p = pst_path(dir, "explain.txt");
	assert_int_equal(pst_write_file(p, "attempt 38: 64 ports tried, all <taken>\n"), 0);
	free(p);
	assert_int_equal(ps_report_write(dir, NULL, err, sizeof(err)), PS_DONE);
	char *html = read_in(dir, "report.html");
	assert_contains(html, "<h2>Why one attempt failed</h2>");
	assert_contains(html, "attempt 38: 64 ports tried, all &lt;taken&gt;");
	free(html);
	struct ps_report_options opt = { .explain = explain_hook, .explain_arg = "from the hook" };
	assert_int_equal(ps_report_write(dir, &opt, err, sizeof(err)), PS_DONE);
	html = read_in(dir, "report.html");
	assert_contains(html, "from the hook");
	assert_null(strstr(html, "attempt 38"));
	free(html);
	pst_rmtree(dir);
	free(dir);
}

static void test_report_refuses_a_folder_without_outputs(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	free(cli(2, (const char *[]){ "report", dir, NULL }));
	free(cli(2, (const char *[]){ "report", NULL }));
	free(cli(2, (const char *[]){ "report", "/nonexistent/folder", NULL }));
	assert_false(exists_in(dir, "report.html"));
	/* A scenario that cannot be read writes nothing either. */
	char *run = hand_made_run();
	free(cli(2, (const char *[]){ "report", run, "--scenario", "/nonexistent.ini", "--no-plot", NULL }));
	assert_false(exists_in(run, "report.html"));
	pst_rmtree(run);
	free(run);
	pst_rmtree(dir);
	free(dir);
}

/* Plain outputs keep their files: title.txt comes with --title, the rest with --report. */
static void test_plain_run_writes_no_new_file_and_title_says_what_was_run(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	free(cli(0, (const char *[]){ "run", "--duration", "5", "--out", dir, "--quiet", NULL }));
	assert_false(exists_in(dir, "title.txt"));
	assert_false(exists_in(dir, "question.txt"));
	assert_false(exists_in(dir, "report.html"));
	free(cli(0, (const char *[]){ "run", "--duration", "5", "--set", "workload.client.rate_per_s=300", "--title",
				      "Lesson 2", "--out", dir, "--quiet", NULL }));
	char *title = read_in(dir, "title.txt");
	assert_string_equal(title, "Lesson 2\ndefault / linux, run.duration_s=5, workload.client.rate_per_s=300\n");
	free(title);
	assert_false(exists_in(dir, "report.html"));
	pst_rmtree(dir);
	free(dir);
}

static void test_run_report_says_which_attempt_failed_and_why(void **state)
{
	(void)state;
	NEEDS_GNUPLOT();
	char *dir = pst_tmpdir();
	char *out = cli(0, (const char *[]){ "run", "--events", "--report", "--out", dir, NULL });
	assert_contains(out, "report.html");
	free(out);
	char *html = read_in(dir, "report.html");
	assert_contains(html, "portsim&#39;s built-in scenario");
	assert_contains(html, "value=\"16385\">16,385th</data> attempt");
	assert_contains(html, "(EADDRNOTAVAIL)");
	assert_contains(html, "connections holding them were in TIME_WAIT");
	/* Every number shown is summary.csv's. */
	static const char *const cols[] = { "attempts", "failures", "failure_ratio", "first_failure_s", "peak_time_wait" };
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		char *cell = summary_cell(dir, cols[i]), want[128];
		snprintf(want, sizeof(want), "data-col=\"%s\" value=\"%s\">", cols[i], cell);
		assert_contains(html, want);
		free(cell);
	}
	/* Every figure drawn is in the page. */
	size_t svgs = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; (e = readdir(d));)
		svgs += strlen(e->d_name) > 4 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".svg");
	closedir(d);
	assert_true(svgs >= 3);
	assert_int_equal(count(html, "<figure"), svgs);
	assert_int_equal(count(html, "<svg role=\"img\""), svgs);
	free(html);
	pst_rmtree(dir);
	free(dir);
}

static void test_report_command_keeps_the_question_of_the_scenario_file(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	free(cli(0, (const char *[]){ "run", SCENARIOS "tw-reuse.ini", "--duration", "5", "--out", dir, "--quiet", NULL }));
	free(cli(0, (const char *[]){ "report", dir, "--no-plot", "--quiet", NULL }));
	char *html = read_in(dir, "report.html");
	assert_contains(html, "does not say which question");
	free(html);
	free(cli(0, (const char *[]){ "report", dir, "--no-plot", "--scenario", SCENARIOS "tw-reuse.ini", NULL }));
	html = read_in(dir, "report.html");
	assert_contains(html, "Does net.ipv4.tcp_tw_reuse = 1 stop a client running out of ports to one backend?");
	assert_contains(html, "<li><code>expect: first_failure_s between 46 and 48.2</code></li>");
	free(html);
	char *q = read_in(dir, "question.txt");
	assert_true(!strncmp(q, "Does net.ipv4.tcp_tw_reuse", 26));
	free(q);
	pst_rmtree(dir);
	free(dir);
}

static void test_compare_and_capacity_reports(void **state)
{
	(void)state;
	NEEDS_GNUPLOT();
	char *dir = pst_tmpdir();
	char *cmp = pst_path(dir, "cmp"), *cap = pst_path(dir, "cap");
	free(cli(0, (const char *[]){ "compare", SCENARIOS "compare-strategies.ini", "--strategies", "linux,sequential",
				      "-n", "1", "--duration", "20", "--report", "--out", cmp, "--quiet", NULL }));
	char *html = read_in(cmp, "report.html");
	assert_contains(html, "2 strategies, each run 1 time");
	assert_contains(html, "Which allocation strategy searches least");
	assert_true(exists_in(cmp, "scenario.ini"));
	free(html);
	free(cli(0, (const char *[]){ "capacity", SCENARIOS "rate-limit-273-per-second.ini", "--sweep", "rate=200:300:50",
				      "-n", "1", "--duration", "90", "--report", "--out", cap, "--quiet", NULL }));
	char *forms = read_in(cap, "closed_forms.csv");
	assert_contains(forms, "metric,value\ntarget_failure_ratio,0.001\ndeterministic_bound_per_s,272.6123128\n");
	free(forms);
	html = read_in(cap, "report.html");
	assert_contains(html, "By hand: <data class=\"num\" data-col=\"usable_ports\" value=\"16384\">16,384</data>");
	assert_contains(html, "aria-label=\"knee\"");
	free(html);
	free(cmp);
	free(cap);
	pst_rmtree(dir);
	free(dir);
}

static void test_vary_runs_once_per_value_and_draws_them_together(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *out = pst_path(dir, "v");
	/* Bad values are refused before anything runs or is written. */
	free(cli(2, (const char *[]){ "run", "--vary", "rate=1,2", "--out", out, NULL }));
	free(cli(2, (const char *[]){ "run", "--vary", "workload.client.rate_per_s=100,-5", "--out", out, NULL }));
	free(cli(2, (const char *[]){ "run", "--vary", "workload.client.rate_per_s=100,100", "--out", out, NULL }));
	free(cli(2, (const char *[]){ "run", "--vary", "workload.client.rate_per_s=100,,200", "--out", out, NULL }));
	assert_false(exists_in(dir, "v"));
	if (!have_gnuplot()) {
		printf("gnuplot is not on PATH; the runs of --vary are not tried\n");
		pst_rmtree(dir);
		free(dir);
		free(out);
		return;
	}
	free(cli(0, (const char *[]){ "run", "--duration", "5", "--vary", "workload.client.rate_per_s=100, 4000",
				      "--out", out, "--quiet", NULL }));
	char *csv = read_in(out, "vary.csv");
	assert_contains(csv, "key,value,dir,attempts,failures,failure_ratio,first_failure_s,peak_established,"
			     "peak_time_wait\n");
	assert_contains(csv, "\nworkload.client.rate_per_s,100,vary-workload.client.rate_per_s-100,");
	assert_contains(csv, "\nworkload.client.rate_per_s,4000,vary-workload.client.rate_per_s-4000,");
	free(csv);
	char *sub = pst_path(out, "vary-workload.client.rate_per_s-4000");
	char *cell = summary_cell(sub, "failures");
	assert_true(atoi(cell) > 0);
	free(cell);
	char *title = read_in(sub, "title.txt");
	assert_string_equal(title, "default / linux, run.duration_s=5, workload.client.rate_per_s=4000\n");
	free(title);
	assert_true(exists_in(out, "vary.png"));
	assert_true(exists_in(out, "vary.svg"));
	free(sub);
	free(out);
	pst_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_question_is_the_opening_comment),
		cmocka_unit_test(test_what_names_scenario_strategy_and_overrides),
		cmocka_unit_test(test_figures_are_inline_with_ids_of_their_own),
		cmocka_unit_test(test_explanation_comes_from_the_hook_or_explain_txt),
		cmocka_unit_test(test_report_refuses_a_folder_without_outputs),
		cmocka_unit_test(test_plain_run_writes_no_new_file_and_title_says_what_was_run),
		cmocka_unit_test(test_run_report_says_which_attempt_failed_and_why),
		cmocka_unit_test(test_report_command_keeps_the_question_of_the_scenario_file),
		cmocka_unit_test(test_compare_and_capacity_reports),
		cmocka_unit_test(test_vary_runs_once_per_value_and_draws_them_together),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
