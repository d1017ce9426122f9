/*
 * The conntrack race on a masquerading node (docs/allocators.md#the-conntrack-race):
 * never with one CPU, growing with the rate of new connections to one destination,
 * falling with random-fully, and at the closed-form rate in the simple case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "portsim/run.h"
#include "portsim/scenario.h"
#include "support.h"

/*
 * The simple case: Poisson arrivals to one destination, inside ports
 * (32768-60999) outside the NAT's range (1024-32767) so no port is kept,
 * no linger so the NAT never runs short, and the pre-5.0 rover, where two
 * concurrent choices are the same port.
 */
static void run_race(unsigned cpus, double rate, const char *random, const char *kernel, double window_us,
		     double duration, struct ps_run_result *res)
{
	char ini[768];
	snprintf(ini, sizeof(ini),
		 "[run]\nduration_s = %g\n[host]\nprofile = linux\n"
		 "[nat]\nallocator = nf-nat\nport_range = 1024-32767\ntime_wait_s = 0\nhold_s = 0\ncpus = %u\n"
		 "confirm_window_us = %g\nkernel = %s\nrandom = %s\n"
		 "[workload.pods]\nhosts = 100\nrate_per_s = %g\nduration = fixed\nduration_s = 0.05\ncloser = server\n",
		 duration, cpus, window_us, kernel, random, rate);
	pst_run_ini(ini, res);
}

/* (1 - 1/C)(1 - e^(-lambda w)): the previous flow arrived within the window, on another CPU. */
static double expected(unsigned cpus, double rate, double window_us)
{
	return (1.0 - 1.0 / cpus) * (1.0 - exp(-rate * window_us * 1e-6));
}

static void test_one_cpu_never_races(void **state)
{
	(void)state;
	struct ps_run_result res;
	run_race(1, 2000, "none", "pre-5.0", 100, 200, &res);
	assert_true(res.m.attempts > 300000);
	assert_int_equal(res.m.race_drops, 0);
	assert_int_equal(res.m.failures, 0);
	ps_run_result_fini(&res);
}

static void test_the_drop_rate_matches_the_closed_form(void **state)
{
	(void)state;
	const struct {
		unsigned cpus;
		double rate, window_us;
	} cases[] = { { 4, 1000, 10 }, { 2, 500, 40 }, { 8, 1000, 10 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ps_run_result res;
		/* About 1,000 drops expected: the tolerance of 10 % is three standard deviations. */
		run_race(cases[i].cpus, cases[i].rate, "none", "pre-5.0", cases[i].window_us, 200000 / cases[i].rate, &res);
		double got = (double)res.m.race_drops / (double)res.m.attempts;
		double want = expected(cases[i].cpus, cases[i].rate, cases[i].window_us);
		if (fabs(got - want) > 0.1 * want)
			fail_msg("C = %u, rate %g/s, window %g us: %.5f race drops per attempt, closed form %.5f",
				 cases[i].cpus, cases[i].rate, cases[i].window_us, got, want);
		/* Race drops are not exhaustion: nat_failures stays 0. */
		assert_int_equal(res.m.nat_failures, 0);
		ps_run_result_fini(&res);
	}
}

static void test_the_rate_grows_with_new_connections_to_one_destination(void **state)
{
	(void)state;
	double last = 0;
	for (double rate = 250; rate <= 2000; rate *= 2) {
		struct ps_run_result res;
		run_race(4, rate, "none", "pre-5.0", 10, 100, &res);
		double share = (double)res.m.race_drops / (double)res.m.attempts;
		assert_true(share > last);
		last = share;
		ps_run_result_fini(&res);
	}
}

static void test_random_fully_all_but_ends_it(void **state)
{
	(void)state;
	struct ps_run_result dflt, rnd, fully, current;
	run_race(4, 2000, "none", "pre-5.0", 10, 100, &dflt);
	run_race(4, 2000, "random", "pre-5.0", 10, 100, &rnd);
	run_race(4, 2000, "random-fully", "pre-5.0", 10, 100, &fully);
	run_race(4, 2000, "none", "current", 10, 100, &current);
	/* --random hashes every flow to one destination to the same start: no help. */
	assert_true(rnd.m.race_drops > dflt.m.race_drops / 2);
	/* A random start per choice collides about once in the free ports: a hundredth of the default at most. */
	assert_true(fully.m.race_drops * 100 <= dflt.m.race_drops);
	assert_true(current.m.race_drops * 100 <= dflt.m.race_drops);
	ps_run_result_fini(&dflt);
	ps_run_result_fini(&rnd);
	ps_run_result_fini(&fully);
	ps_run_result_fini(&current);
}

static void test_a_lost_race_with_retransmit_costs_one_rto(void **state)
{
	(void)state;
	struct ps_run_result res;
	pst_run_ini("[run]\nduration_s = 60\n[host]\nprofile = linux\nprobe_ns = 0\n"
		    "[nat]\nallocator = nf-nat\nport_range = 1024-32767\ntime_wait_s = 0\nhold_s = 0\ncpus = 4\n"
		    "confirm_window_us = 10\nkernel = pre-5.0\nretransmit = true\n"
		    "[workload.pods]\nhosts = 100\nrate_per_s = 2000\nduration = fixed\nduration_s = 0.05\ncloser = server\n",
		    &res);
	assert_true(res.m.race_drops > 0);
	/* Every dropped SYN came back a second later (a few lost again, 2 s after that): no failure. */
	assert_int_equal(res.m.failures, 0);
	assert_true(res.m.syn_retransmits <= res.m.race_drops);
	assert_true(res.m.syn_retransmits * 100 >= res.m.race_drops * 95);
	assert_int_equal(res.m.delay.max % PS_NS_PER_S, 0);
	assert_true(res.m.delay.max >= PS_NS_PER_S);
	ps_run_result_fini(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu_never_races),
		cmocka_unit_test(test_the_drop_rate_matches_the_closed_form),
		cmocka_unit_test(test_the_rate_grows_with_new_connections_to_one_destination),
		cmocka_unit_test(test_random_fully_all_but_ends_it),
		cmocka_unit_test(test_a_lost_race_with_retransmit_costs_one_rto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
