/*
 * When does the pool run dry? One destination, the client closes first,
 * fixed duration D, TIME_WAIT T, R ports, constant rate r. Every port stays
 * busy for D + T, so when R/r < D + T the pool is empty when attempt R+1
 * arrives at R/r, and when R/r > D + T a port is always back in time.
 * The answer must not depend on the strategy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "portsim/run.h"
#include "portsim/scenario.h"
#include "support.h"

static const char *const strategies[] = { "sequential", "rfc6056-1", "linux" };

static void run_case(const char *strategy, double rate, double duration_s, double tw_s,
		     unsigned ports, struct ps_run_result *res)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "[run]\nduration_s = 300\n[host]\nstrategy = %s\nport_range = 40000-%u\ntime_wait_s = %g\n"
		 "[workload.c]\narrival = constant\nrate_per_s = %g\nduration = fixed\nduration_s = %g\n"
		 "destinations = 1\ncloser = client\n",
		 strategy, 40000 + ports - 1, tw_s, rate, duration_s);
	pst_run_ini(text, res);
}

static void test_first_failure_is_attempt_r_plus_1_at_r_over_rate(void **state)
{
	(void)state;
	/* R = 100, r = 10/s: R/r = 10 s < D + T = 61 s. */
	for (unsigned s = 0; s < 3; s++) {
		struct ps_run_result res;
		run_case(strategies[s], 10, 1, 60, 100, &res);
		assert_true(res.m.failed);
		assert_int_equal(res.m.first_failure_attempt, 101);
		assert_int_equal(res.m.first_failure, 10 * PS_NS_PER_S);
		ps_run_result_fini(&res);
	}
}

static void test_no_failure_when_ports_come_back_in_time(void **state)
{
	(void)state;
	/* R = 100, r = 1/s: R/r = 100 s > D + T = 61 s, over 300 s. */
	for (unsigned s = 0; s < 3; s++) {
		struct ps_run_result res;
		run_case(strategies[s], 1, 1, 60, 100, &res);
		assert_int_equal(res.m.attempts, 300);
		assert_int_equal(res.m.failures, 0);
		ps_run_result_fini(&res);
	}
}

static void test_steady_state_success_rate_is_r_over_d_plus_t(void **state)
{
	(void)state;
	/* R = 100 ports, D + T = 10 s: at most 10 connections a second get through. */
	for (unsigned s = 0; s < 3; s++) {
		struct ps_run_result res;
		run_case(strategies[s], 50, 0, 10, 100, &res);
		/* 300 s: 100 at once, then 100 every 10 s as TIME_WAIT ends: 30 waves. */
		assert_int_equal(res.m.successes, 3000);
		assert_int_equal(res.m.attempts, 15000);
		ps_run_result_fini(&res);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_failure_is_attempt_r_plus_1_at_r_over_rate),
		cmocka_unit_test(test_no_failure_when_ports_come_back_in_time),
		cmocka_unit_test(test_steady_state_success_rate_is_r_over_d_plus_t),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
