/*
 * portsim kernel --search-time against the live kernel: a connect() search
 * on a nearly full range costs tens of nanoseconds a candidate, the range of
 * the model's probe_ns. Skipped, with the reason, where no network namespace
 * can be made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/kernel.h"
#include "support.h"

static void test_a_candidate_costs_what_probe_ns_says_within_a_factor(void **state)
{
	(void)state;
	char why[256];
	if (!ps_kernel_available(why, sizeof(why))) {
		print_message("kernel_search skipped: %s\n", why);
		skip();
	}
	int lock = pst_kernel_lock();
	assert_true(lock >= 0);
	char *dir = pst_tmpdir();
	char *out = pst_path(dir, "ks");
	char *log = NULL;
	int rc = pst_run_cli(&log, (const char *[]){ "kernel", "--search-time", "--set", "host.port_range=40000-44095",
						     "--out", out, NULL });
	pst_kernel_unlock(lock);
	if (rc != 0)
		fail_msg("portsim kernel --search-time: %s", log);
	print_message("%s", log);
	free(log);
	char *csv_path = pst_path(out, "search_time.csv");
	char *csv = pst_read_file(csv_path, NULL);
	assert_non_null(csv);
	unsigned ports = 0, trials = 0;
	double empty = 0, full = 0, per = 0;
	const char *row = strchr(csv, '\n');
	assert_non_null(row);
	assert_int_equal(sscanf(row + 1, "%u,%u,%lf,%lf,%lf", &ports, &trials, &empty, &full, &per), 5);
	assert_int_equal(ports, 4096);
	/* A nearly full range is slower than an empty one, and a candidate costs 58 ns within a factor of 5. */
	assert_true(full > empty);
	assert_true(per > 58.0 / 5 && per < 58.0 * 5);
	free(csv);
	free(csv_path);
	pst_rmtree(dir);
	free(out);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_candidate_costs_what_probe_ns_says_within_a_factor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
