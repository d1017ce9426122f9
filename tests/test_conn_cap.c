/*
 * The cap on connections per host (workload.NAME.max_connections): an
 * attempt at the cap fails at once with CONN_LIMIT, counted apart; behind a
 * NAT every inside host has its own count; summary.csv gains cap_failures
 * only when a population sets the cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/run.h"
#include "portsim/trace.h"
#include "support.h"

/* Connections held for the whole run: `hosts` hosts, `per_host` attempts each, cap `cap`. */
static void held(struct ps_run_result *res, const char *nat, unsigned hosts, unsigned per_host, unsigned cap)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "[run]\nduration_s = %.4f\nsample_interval_s = 0.001\n[host]\nprofile = linux\n%s\n"
		 "[workload.w]\n%s\narrival = constant\nrate_per_s = 1000\nduration = fixed\nduration_s = 1000\n"
		 "destinations = 10\nmax_connections = %u\n",
		 hosts * per_host / 1000.0 - 0.0005, nat, nat[0] ? "hosts = 4" : "", cap);
	pst_run_ini(text, res);
}

static void test_the_cap_refuses_the_next_connection(void **state)
{
	(void)state;
	struct ps_run_result res;
	held(&res, "", 1, 500, 300);
	assert_int_equal(res.m.attempts, 500);
	assert_int_equal(res.m.successes, 300);
	assert_int_equal(res.m.cap_failures, 200);
	assert_int_equal(res.m.fail_by_err[PS_CONN_LIMIT], 200);
	assert_int_equal(res.m.first_failure_attempt, 301);
	assert_true(res.m.has_cap);
	/* No port was taken for a refused attempt. */
	assert_int_equal(res.m.peak_ports_in_use, 300);
	ps_run_result_fini(&res);
}

static void test_behind_a_nat_each_inside_host_has_its_own_count(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* 4 inside hosts in turn, 100 attempts each, 60 allowed each. */
	held(&res, "[nat]\nallocator = nf-nat\nhold_s = 0", 4, 100, 60);
	assert_int_equal(res.m.successes, 240);
	assert_int_equal(res.m.cap_failures, 160);
	assert_int_equal(res.m.nat_failures, 0);
	ps_run_result_fini(&res);
}

static void test_a_close_lets_the_next_one_in(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* 10 per second held 1 s, cap 5: half get in, every second. */
	pst_run_ini("[run]\nduration_s = 10\n[workload.w]\narrival = constant\nrate_per_s = 10\nduration = fixed\n"
		    "duration_s = 1\nmax_connections = 5\nretries = 0\n",
		    &res);
	assert_int_equal(res.m.attempts, 100);
	assert_int_equal(res.m.successes, 50);
	assert_int_equal(res.m.cap_failures, 50);
	ps_run_result_fini(&res);
}

static char *summary_header(const char *extra)
{
	char *dir = pst_tmpdir(), ini[1024];
	snprintf(ini, sizeof(ini), "[run]\nduration_s = 1\n[workload.w]\nrate_per_s = 10\n%s\n", extra);
	char *path = pst_path(dir, "s.ini"), *out = pst_path(dir, "out");
	assert_int_equal(pst_write_file(path, ini), 0);
	const char *argv[] = { "run", path, "--out", out, "--quiet", NULL };
	char *text = NULL;
	assert_int_equal(pst_run_cli(&text, argv), 0);
	free(text);
	char *summary = pst_path(out, "summary.csv");
	char *csv = pst_read_file(summary, NULL);
	assert_non_null(csv);
	*strchr(csv, '\n') = '\0';
	free(summary);
	free(path);
	free(out);
	pst_rmtree(dir);
	free(dir);
	return csv;
}

static void test_the_column_is_there_only_with_a_cap(void **state)
{
	(void)state;
	char *plain = summary_header(""), *capped = summary_header("max_connections = 3");
	assert_string_equal(plain, PS_SUMMARY_HEADER);
	assert_string_equal(capped, PS_SUMMARY_HEADER_CAP);
	assert_non_null(strstr(capped, ",events,cap_failures,wall_s"));
	free(plain);
	free(capped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_cap_refuses_the_next_connection),
		cmocka_unit_test(test_behind_a_nat_each_inside_host_has_its_own_count),
		cmocka_unit_test(test_a_close_lets_the_next_one_in),
		cmocka_unit_test(test_the_column_is_there_only_with_a_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
