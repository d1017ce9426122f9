#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "portsim/observe.h"
#include "portsim/rng.h"
#include "portsim/types.h"

#define S(x) ((ps_time)((x) * (double)PS_NS_PER_S))

static void assert_near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.6g, want %.6g within %.3g", got, want, tol);
}

static void assert_within_rel(double got, double want, double rel)
{
	assert_near(got, want, fabs(want) * rel);
}

/* ---- log histogram ---- */

static void fill_range(struct ps_loghist *h, unsigned from, unsigned to)
{
	for (unsigned v = from; v <= to; v++)
		ps_loghist_add(h, v);
}

static void test_loghist_quantiles_are_within_one_percent(void **state)
{
	(void)state;
	struct ps_loghist h;
	assert_int_equal(ps_loghist_init(&h, 1e-9, 1e9, 100), 0);
	fill_range(&h, 1, 100000);
	const double qs[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999 };
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		assert_within_rel(ps_loghist_quantile(&h, qs[i]), qs[i] * 100000, 0.01);
	assert_true(h.n == 100000);
	ps_loghist_fini(&h);
}

static void test_loghist_keeps_exact_min_and_max(void **state)
{
	(void)state;
	struct ps_loghist h;
	assert_int_equal(ps_loghist_init(&h, 1.0, 1e6, 100), 0);
	assert_true(isnan(ps_loghist_quantile(&h, 0.5)));
	ps_loghist_add(&h, 123.456);
	ps_loghist_add(&h, 7.25);
	ps_loghist_add(&h, 3e7); /* beyond hi: last bin, max still exact */
	assert_true(h.min == 7.25);
	assert_true(h.max == 3e7);
	assert_true(ps_loghist_quantile(&h, 0) == 7.25);
	assert_true(ps_loghist_quantile(&h, 1) == 3e7);
	assert_true(h.bins[h.nbins - 1] == 1);
	ps_loghist_fini(&h);
}

static void test_loghist_merge_equals_adding_both_sets(void **state)
{
	(void)state;
	struct ps_loghist a, b, all;
	assert_int_equal(ps_loghist_init(&a, 1e-9, 1e9, 100), 0);
	assert_int_equal(ps_loghist_init(&b, 1e-9, 1e9, 100), 0);
	assert_int_equal(ps_loghist_init(&all, 1e-9, 1e9, 100), 0);
	fill_range(&a, 1, 5000);
	ps_loghist_add(&a, 0);
	fill_range(&b, 3000, 90000);
	fill_range(&all, 1, 5000);
	ps_loghist_add(&all, 0);
	fill_range(&all, 3000, 90000);
	ps_loghist_merge(&a, &b);
	assert_true(a.n == all.n);
	assert_true(a.low == all.low);
	assert_true(a.min == all.min);
	assert_true(a.max == all.max);
	assert_memory_equal(a.bins, all.bins, all.nbins * sizeof(*all.bins));
	assert_true(ps_loghist_quantile(&a, 0.5) == ps_loghist_quantile(&all, 0.5));
	ps_loghist_fini(&a);
	ps_loghist_fini(&b);
	ps_loghist_fini(&all);
}

static void test_loghist_merge_into_empty_takes_extremes(void **state)
{
	(void)state;
	struct ps_loghist a, b;
	assert_int_equal(ps_loghist_init(&a, 1.0, 1e12, 100), 0);
	assert_int_equal(ps_loghist_init(&b, 1.0, 1e12, 100), 0);
	ps_loghist_add(&b, 50);
	ps_loghist_add(&b, 70);
	ps_loghist_merge(&a, &b);
	assert_true(a.n == 2 && a.min == 50 && a.max == 70);
	ps_loghist_fini(&a);
	ps_loghist_fini(&b);
}

static void test_loghist_counts_zeros_low_and_quantile_zero_is_min(void **state)
{
	(void)state;
	struct ps_loghist h;
	assert_int_equal(ps_loghist_init(&h, 1.0, 1e12, 100), 0);
	for (int i = 0; i < 10; i++)
		ps_loghist_add(&h, 0);
	for (int i = 0; i < 90; i++)
		ps_loghist_add(&h, 5);
	assert_true(h.low == 10);
	assert_true(h.n == 100);
	assert_true(ps_loghist_quantile(&h, 0) == 0);
	assert_true(ps_loghist_quantile(&h, 0.05) == 0);
	assert_true(ps_loghist_quantile(&h, 0.1) == 0);
	/* A point mass is known only to its bin (a factor 10^0.01, 2.3 %). */
	assert_within_rel(ps_loghist_quantile(&h, 0.5), 5, 0.025);
	assert_true(ps_loghist_quantile(&h, 1) == 5);
	ps_loghist_fini(&h);
}

static void test_loghist_cdf_is_the_fraction_at_or_below(void **state)
{
	(void)state;
	struct ps_loghist h;
	assert_int_equal(ps_loghist_init(&h, 1e-9, 1e9, 100), 0);
	assert_true(ps_loghist_cdf(&h, 1) == 0);
	ps_loghist_add(&h, 0);
	fill_range(&h, 1, 99999);
	assert_true(ps_loghist_cdf(&h, -1) == 0);
	assert_near(ps_loghist_cdf(&h, 0), 1e-5, 1e-9);
	assert_near(ps_loghist_cdf(&h, 1e-12), 1e-5, 1e-9);
	assert_near(ps_loghist_cdf(&h, 25000), 0.25, 0.001);
	assert_near(ps_loghist_cdf(&h, 50000), 0.5, 0.001);
	assert_near(ps_loghist_cdf(&h, 99000), 0.99, 0.001);
	assert_true(ps_loghist_cdf(&h, 99999) == 1);
	assert_true(ps_loghist_cdf(&h, 1e12) == 1);
	/* The cdf and the quantile invert each other. */
	assert_near(ps_loghist_cdf(&h, ps_loghist_quantile(&h, 0.3)), 0.3, 1e-6);
	ps_loghist_fini(&h);
}

/* ---- reuse distance ---- */

static void test_reuse_measures_time_from_release_to_next_alloc(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 2, 100, 4), 0);
	assert_int_equal(ps_observe_alloc(&o, 1, 7, 0, S(1), true, false), 0);
	ps_observe_release(&o, 1, 7, S(10));
	assert_int_equal(ps_observe_alloc(&o, 1, 7, 2, S(70), true, false), 0);
	assert_true(o.reuse_s.n == 1);
	assert_within_rel(o.reuse_s.min, 60.0, 1e-12);
	assert_within_rel(ps_loghist_quantile(&o.reuse_s, 0.5), 60.0, 1e-12);
	/* The release is consumed: the next allocation of the port records nothing. */
	assert_int_equal(ps_observe_alloc(&o, 1, 7, 3, S(80), true, false), 0);
	assert_true(o.reuse_s.n == 1);
	ps_observe_fini(&o);
}

static void test_reuse_counts_allocations_in_between(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 1, 100, 1), 0);
	ps_observe_alloc(&o, 0, 5, 0, S(0), true, false);
	ps_observe_release(&o, 0, 5, S(1));
	for (uint32_t i = 0; i < 9; i++)
		ps_observe_alloc(&o, 0, 10 + i, 0, S(2), true, false);
	ps_observe_alloc(&o, 0, 5, 0, S(3), true, false);
	assert_true(o.reuse_allocs.n == 1);
	assert_true(o.reuse_allocs.min == 9);
	/* Reused by the very next allocation: zero in between, counted low. */
	ps_observe_release(&o, 0, 5, S(4));
	ps_observe_alloc(&o, 0, 5, 0, S(4), true, false);
	assert_true(o.reuse_allocs.n == 2);
	assert_true(o.reuse_allocs.low == 1);
	assert_true(o.reuse_allocs.min == 0);
	assert_true(o.reuse_s.low == 1);
	assert_true(o.allocs == 12);
	ps_observe_fini(&o);
}

static void test_reuse_ignores_an_alloc_on_a_port_still_in_use(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 1, 100, 2), 0);
	ps_observe_alloc(&o, 0, 3, 0, S(0), true, false);
	ps_observe_alloc(&o, 0, 3, 1, S(1), false, false);
	ps_observe_release(&o, 0, 3, S(5));
	ps_observe_alloc(&o, 0, 3, 0, S(6), false, false);
	assert_true(o.reuse_s.n == 0);
	assert_true(o.reuse_allocs.n == 0);
	ps_observe_fini(&o);
}

static void test_reuse_ignores_a_port_never_released(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 1, 100, 1), 0);
	for (uint32_t i = 0; i < 100; i++)
		ps_observe_alloc(&o, 0, i, 0, S(i), true, false);
	ps_observe_release(&o, 0, 42, S(200));
	ps_observe_alloc(&o, 0, 41, 0, S(201), true, false);
	assert_true(o.reuse_s.n == 0);
	assert_true(o.reuse_allocs.n == 0);
	ps_observe_fini(&o);
}

/* ---- peer TIME_WAIT collisions (the table is peer_tw.h's; the count is the observer's) ---- */

static void test_the_observer_counts_the_collisions_it_is_told_of(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 1, 100, 4), 0);
	ps_observe_alloc(&o, 0, 9, 2, S(1), true, false);
	assert_true(o.peer_tw_collisions == 0);
	ps_observe_alloc(&o, 0, 9, 2, S(2), false, true);
	ps_observe_alloc(&o, 0, 8, 3, S(3), true, true);
	assert_true(o.peer_tw_collisions == 2);
	ps_observe_fini(&o);
}

/* ---- predictability ---- */

static void test_predictability_of_a_sequential_stream_is_one(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 1, 16384, 1), 0);
	assert_true(ps_observe_predictability(&o, true, 1) == 0);
	for (uint32_t i = 0; i < 10000; i++)
		ps_observe_alloc(&o, 0, (100 + i) % 16384, 0, S(i), true, false);
	for (unsigned g = 1; g <= PS_PREDICT_G; g++) {
		assert_true(ps_observe_predictability(&o, true, g) > 0.99);
		assert_true(ps_observe_predictability(&o, false, g) > 0.99);
	}
	assert_true(o.same_dst.trials == 9999);
	assert_true(o.same_dst.top[0] == 1);
	ps_observe_fini(&o);
}

static void test_predictability_of_eight_even_steps(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 1, 28232, 1), 0);
	struct ps_rng r;
	ps_rng_init(&r, 42, PS_STREAM_ALLOCATOR, 0);
	uint32_t idx = 0;
	for (uint32_t i = 0; i < 100000; i++) {
		idx = (idx + 2 * (uint32_t)(1 + ps_rng_below(&r, 8))) % 28232;
		ps_observe_alloc(&o, 0, idx, 0, S(i), true, false);
	}
	assert_near(ps_observe_predictability(&o, true, 1), 1.0 / 8, 0.02);
	assert_near(ps_observe_predictability(&o, true, 4), 4.0 / 8, 0.02);
	assert_true(ps_observe_predictability(&o, true, 8) > 0.999);
	assert_true(ps_observe_predictability(&o, true, 10) > 0.999);
	ps_observe_fini(&o);
}

static void test_predictability_of_random_ports_is_g_over_n(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 1, 1000, 1), 0);
	struct ps_rng r;
	ps_rng_init(&r, 1, PS_STREAM_ALLOCATOR, 0);
	for (uint32_t i = 0; i < 100000; i++)
		ps_observe_alloc(&o, 0, (uint32_t)ps_rng_below(&r, 1000), 0, S(i), true, false);
	/* Standard error sqrt(0.01 * 0.99 / 1e5) ~ 0.0003; allow five. */
	assert_near(ps_observe_predictability(&o, true, 10), 10.0 / 1000, 0.0016);
	assert_near(ps_observe_predictability(&o, true, 1), 1.0 / 1000, 0.0005);
	ps_observe_fini(&o);
}

static void test_predictability_separates_same_and_any_destination(void **state)
{
	(void)state;
	struct ps_observe o;
	enum { NDST = 8, N = 65536 };
	assert_int_equal(ps_observe_init(&o, 1, N, NDST), 0);
	/* Eight sequential counters, one per destination, picked at random: each alone is trivial. */
	uint32_t next[NDST];
	for (uint32_t d = 0; d < NDST; d++)
		next[d] = d * (N / NDST);
	struct ps_rng r;
	ps_rng_init(&r, 3, PS_STREAM_DESTINATIONS, 0);
	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t d = (uint32_t)ps_rng_below(&r, NDST);
		ps_observe_alloc(&o, 0, next[d], d, S(i), true, false);
		next[d] = (next[d] + 1) % N;
	}
	assert_true(ps_observe_predictability(&o, true, 1) > 0.99);
	assert_true(ps_observe_predictability(&o, false, 1) < 0.2);
	assert_true(ps_observe_predictability(&o, false, PS_PREDICT_G) < 0.25);
	ps_observe_fini(&o);
}

static void test_predictability_top_list_breaks_ties_by_smaller_difference(void **state)
{
	(void)state;
	struct ps_observe o;
	assert_int_equal(ps_observe_init(&o, 1, 100, 1), 0);
	/* Differences 5, 3, 7, 3, 5: counts 3 and 5 tie at two, 7 has one. */
	const uint32_t ports[] = { 0, 5, 8, 15, 18, 23 };
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		ps_observe_alloc(&o, 0, ports[i], 0, S(i), true, false);
	assert_int_equal(o.same_dst.ntop, 3);
	assert_int_equal(o.same_dst.top[0], 3);
	assert_int_equal(o.same_dst.top[1], 5);
	assert_int_equal(o.same_dst.top[2], 7);
	/* The second 3 found 3 first on the list (ties go to the smaller difference): a hit at g = 1. */
	assert_true(o.same_dst.hits[1] == 1);
	/* 5 (second time) was second: a hit from g = 2 on. */
	assert_true(o.same_dst.hits[2] == 2);
	/* Differences wrap around the range. */
	ps_observe_alloc(&o, 0, 20, 0, S(10), true, false);
	assert_int_equal(o.same_dst.count[97], 1);
	ps_observe_fini(&o);
}

/* ---- lifetime ---- */

static void test_observe_fini_is_safe_after_zeroed_or_failed_init(void **state)
{
	(void)state;
	struct ps_observe o;
	memset(&o, 0, sizeof(o));
	ps_observe_fini(&o);
	assert_int_equal(ps_observe_init(&o, 0, 100, 1), -1);
	ps_observe_fini(&o);
	struct ps_loghist h;
	memset(&h, 0, sizeof(h));
	ps_loghist_fini(&h);
	assert_int_equal(ps_loghist_init(&h, 0, 10, 100), -1);
	ps_loghist_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loghist_quantiles_are_within_one_percent),
		cmocka_unit_test(test_loghist_keeps_exact_min_and_max),
		cmocka_unit_test(test_loghist_merge_equals_adding_both_sets),
		cmocka_unit_test(test_loghist_merge_into_empty_takes_extremes),
		cmocka_unit_test(test_loghist_counts_zeros_low_and_quantile_zero_is_min),
		cmocka_unit_test(test_loghist_cdf_is_the_fraction_at_or_below),
		cmocka_unit_test(test_reuse_measures_time_from_release_to_next_alloc),
		cmocka_unit_test(test_reuse_counts_allocations_in_between),
		cmocka_unit_test(test_reuse_ignores_an_alloc_on_a_port_still_in_use),
		cmocka_unit_test(test_reuse_ignores_a_port_never_released),
		cmocka_unit_test(test_the_observer_counts_the_collisions_it_is_told_of),
		cmocka_unit_test(test_predictability_of_a_sequential_stream_is_one),
		cmocka_unit_test(test_predictability_of_eight_even_steps),
		cmocka_unit_test(test_predictability_of_random_ports_is_g_over_n),
		cmocka_unit_test(test_predictability_separates_same_and_any_destination),
		cmocka_unit_test(test_predictability_top_list_breaks_ties_by_smaller_difference),
		cmocka_unit_test(test_observe_fini_is_safe_after_zeroed_or_failed_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
