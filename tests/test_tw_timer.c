/*
 * Linux's TIME_WAIT on the timer wheel: entries end at the wheel's bucket
 * boundaries, in batches, between 60 s and 60 s plus one bucket after the
 * close (kernel/time/timer.c calc_wheel_index; measured on 6.18 at
 * HZ = 250: lifetimes 60.009 to 62.043 s, batches 2.046 to 2.052 s apart).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "portsim/run.h"
#include "portsim/tw_timer.h"
#include "support.h"

#define S(x) ((ps_time)((x) * 1e9 + 0.5))
#define MIN60 (60 * PS_NS_PER_S)

static void test_60_s_lands_in_the_level_of_the_kernels_table(void **state)
{
	(void)state;
	/* The granularity table in timer.c: 60 s is level 3 at HZ 100, 250 and 300, level 4 at 1000. */
	assert_int_equal(ps_tw_timer_level(60 * 100, 100), 3);
	assert_int_equal(ps_tw_timer_level(60 * 250, 250), 3);
	assert_int_equal(ps_tw_timer_level(60 * 300, 300), 3);
	assert_int_equal(ps_tw_timer_level(60 * 1000, 1000), 4);
	assert_int_equal(ps_tw_timer_level(62, 250), 0);  /* below LVL_START(1) = 63 */
	assert_int_equal(ps_tw_timer_level(63, 250), 1);
	assert_int_equal(ps_tw_timer_level(4031, 250), 2);
	assert_int_equal(ps_tw_timer_level(4032, 250), 3);
	assert_int_equal(ps_tw_timer_level(UINT64_MAX, 250), 8); /* LVL_DEPTH 9 */
	assert_int_equal(ps_tw_timer_level(UINT64_MAX, 100), 7); /* LVL_DEPTH 8 */
}

static void test_hz_250_ends_on_2048_ms_boundaries(void **state)
{
	(void)state;
	/* Closed at jiffy 0: expires at 15,000, bucket (15000 >> 9) + 1 = 30, jiffy 15,360 = 61.44 s. */
	assert_int_equal(ps_tw_timer_end(0, MIN60, 250), S(61.44));
	assert_int_equal(ps_tw_timer_end(S(0.5), MIN60, 250), S(61.44));
	/* Jiffy 375 + 15,000 = 15,375 is past 15,360: the next bucket, 63.488 s. */
	assert_int_equal(ps_tw_timer_end(S(1.5), MIN60, 250), S(63.488));
	/* Exactly on a boundary still goes one bucket on: calc_index always adds 1. */
	assert_int_equal(ps_tw_timer_end(S(1.44), MIN60, 250), S(63.488));
	/* 0 keeps the ideal timer; so does a TIME_WAIT of 0. */
	assert_int_equal(ps_tw_timer_end(S(1.5), MIN60, 0), S(61.5));
	assert_int_equal(ps_tw_timer_end(S(1.5), 0, 250), S(1.5));
	/* HZ 1000: buckets of 4,096 jiffies; HZ 300: 512 jiffies = 1.7067 s, rounded up to the ns. */
	assert_int_equal(ps_tw_timer_end(0, MIN60, 1000), S(61.44));
	assert_int_equal(ps_tw_timer_end(0, MIN60, 300), 61440000000ULL); /* 36 x 512 / 300 s */
	assert_int_equal(ps_tw_timer_end(PS_TIME_MAX - 1, MIN60, 250), PS_TIME_MAX);
}

static void test_lifetimes_lie_in_one_bucket_and_never_shrink(void **state)
{
	(void)state;
	static const uint32_t hz[] = { 100, 250, 300, 1000 };
	static const double gran_s[] = { 5.12, 2.048, 512.0 / 300, 4.096 };
	for (size_t h = 0; h < 4; h++) {
		ps_time prev = 0;
		double sum = 0;
		unsigned n = 0;
		for (ps_time t = 0; t < S(30); t += S(0.0037), n++) {
			ps_time end = ps_tw_timer_end(t, MIN60, hz[h]);
			double life = (double)(end - t) / 1e9;
			if (life <= 60.0 || life > 60.0 + gran_s[h] + 1.0 / hz[h] + 1e-9)
				fail_msg("HZ %u: closed at %.4f s, lived %.6f s", hz[h], (double)t / 1e9, life);
			assert_true(end >= prev);
			prev = end;
			sum += life;
		}
		/* Uniform over the bucket: the mean is 60 s plus half a bucket. */
		pst_assert_within(sum / n, 60.0 + gran_s[h] / 2, gran_s[h] / 50, 1, "mean TIME_WAIT");
	}
}

static void test_the_closed_forms_mean(void **state)
{
	(void)state;
	assert_true(ps_tw_timer_mean_s(60, 0) == 60);
	assert_true(fabs(ps_tw_timer_mean_s(60, 250) - 61.024) < 1e-9);
	assert_true(fabs(ps_tw_timer_mean_s(60, 100) - 62.56) < 1e-9);
	assert_true(fabs(ps_tw_timer_mean_s(60, 1000) - 62.048) < 1e-9);
	assert_true(ps_tw_timer_mean_s(0, 250) == 0);
}

/* A run with the linux profile keeps every entry past 60 s: at 61 s none of 6,100 has ended yet. */
static void test_linux_profile_runs_on_the_wheel(void **state)
{
	(void)state;
	const char *fmt = "[run]\nduration_s = 61\n[host]\nprofile = linux\nhz = %s\n"
			  "[workload.c]\narrival = constant\nrate_per_s = 100\nduration = fixed\nduration_s = 0\n";
	char text[512];
	struct ps_run_result res;
	snprintf(text, sizeof(text), fmt, "250");
	pst_run_ini(text, &res);
	assert_int_equal(res.m.peak_time_wait, 6100);
	ps_run_result_fini(&res);
	snprintf(text, sizeof(text), fmt, "0");
	pst_run_ini(text, &res);
	assert_in_range(res.m.peak_time_wait, 5999, 6001);
	ps_run_result_fini(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_60_s_lands_in_the_level_of_the_kernels_table),
		cmocka_unit_test(test_hz_250_ends_on_2048_ms_boundaries),
		cmocka_unit_test(test_lifetimes_lie_in_one_bucket_and_never_shrink),
		cmocka_unit_test(test_the_closed_forms_mean),
		cmocka_unit_test(test_linux_profile_runs_on_the_wheel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
