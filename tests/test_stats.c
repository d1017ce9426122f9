/* Means, confidence intervals and Student's t against published values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "portsim/stats.h"
#include "support.h"

static void test_mean_and_sample_sd(void **state)
{
	(void)state;
	const double x[] = { 1, 2, 3, 4, 5 };
	assert_double_equal(ps_stats_mean(x, 5), 3.0, 1e-12);
	assert_double_equal(ps_stats_sd(x, 5), sqrt(2.5), 1e-12);
	assert_double_equal(ps_stats_sd(x, 1), 0.0, 0);
	assert_true(isnan(ps_stats_mean(x, 0)));
}

static void test_sd_keeps_digits_of_close_values(void **state)
{
	(void)state;
	const double x[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	assert_double_equal(ps_stats_sd(x, 3), 1.0, 1e-9);
}

/* Values of Student's t(0.975) from the standard tables. */
static void test_t_quantile_matches_tables(void **state)
{
	(void)state;
	assert_true(isnan(ps_stats_t975(0)));
	assert_double_equal(ps_stats_t975(1), 12.7062, 1e-4);
	assert_double_equal(ps_stats_t975(4), 2.7764, 1e-4);
	assert_double_equal(ps_stats_t975(30), 2.0423, 1e-4);
	assert_double_equal(ps_stats_t975(40), 2.0211, 1e-4);
	assert_double_equal(ps_stats_t975(60), 2.0003, 1e-4);
	assert_double_equal(ps_stats_t975(120), 1.9799, 1e-4);
	assert_double_equal(ps_stats_t975(1000), 1.9623, 1e-4);
	for (size_t d = 1; d < 2000; d++)
		assert_true(ps_stats_t975(d + 1) < ps_stats_t975(d));
}

static void test_ci_is_mean_plus_minus_t_s_over_root_n(void **state)
{
	(void)state;
	const double x[] = { 1, 2, 3, 4, 5 };
	struct ps_ci ci;
	ps_stats_ci95(x, 5, &ci);
	double h = 2.776445 * sqrt(2.5) / sqrt(5);
	assert_int_equal(ci.n, 5);
	assert_double_equal(ci.low, 3 - h, 1e-6);
	assert_double_equal(ci.high, 3 + h, 1e-6);
	assert_double_equal(ps_ci_half_width(&ci), h, 1e-6);
}

static void test_ci_of_one_replication_is_the_mean(void **state)
{
	(void)state;
	const double x[] = { 7.5 };
	struct ps_ci ci;
	ps_stats_ci95(x, 1, &ci);
	assert_int_equal(ci.n, 1);
	assert_double_equal(ci.low, 7.5, 0);
	assert_double_equal(ci.high, 7.5, 0);
	assert_double_equal(ps_ci_half_width(&ci), 0, 0);
}

static void test_ci_skips_missing_values(void **state)
{
	(void)state;
	const double x[] = { NAN, 2, NAN, 4 };
	struct ps_ci ci;
	ps_stats_ci95(x, 4, &ci);
	assert_int_equal(ci.n, 2);
	assert_double_equal(ci.mean, 3, 1e-12);
	const double none[] = { NAN, NAN };
	ps_stats_ci95(none, 2, &ci);
	assert_int_equal(ci.n, 0);
	assert_true(isnan(ci.mean) && isnan(ps_ci_half_width(&ci)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_and_sample_sd),
		cmocka_unit_test(test_sd_keeps_digits_of_close_values),
		cmocka_unit_test(test_t_quantile_matches_tables),
		cmocka_unit_test(test_ci_is_mean_plus_minus_t_s_over_root_n),
		cmocka_unit_test(test_ci_of_one_replication_is_the_mean),
		cmocka_unit_test(test_ci_skips_missing_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
