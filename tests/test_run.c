/* One run's connection handling: keep-alive pools, retries and backoff, and the run's end between samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "portsim/run.h"
#include "portsim/scenario.h"
#include "support.h"

static void test_keepalive_serves_sequential_requests_on_one_connection(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* A request every second lasting 0.1 s: the connection is idle, never busy, when the next comes. */
	pst_run_ini("[run]\nduration_s = 100\n[workload.c]\narrival = constant\nrate_per_s = 1\nduration = fixed\n"
		 "duration_s = 0.1\nkeepalive = true\nidle_timeout_s = 60\n", &res);
	assert_int_equal(res.m.requests, 100);
	assert_int_equal(res.m.attempts, 1);
	assert_int_equal(res.m.reused, 99);
	ps_run_result_fini(&res);
}

static void test_keepalive_opens_a_new_connection_after_max_requests(void **state)
{
	(void)state;
	struct ps_run_result res;
	pst_run_ini("[run]\nduration_s = 100\n[workload.c]\narrival = constant\nrate_per_s = 1\nduration = fixed\n"
		 "duration_s = 0.1\nkeepalive = true\nmax_requests = 10\n", &res);
	assert_int_equal(res.m.attempts, 10);
	assert_int_equal(res.m.reused, 90);
	ps_run_result_fini(&res);
}

static void test_keepalive_closes_idle_connections_after_the_timeout(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* Requests 5 s apart, idle timeout 2 s: every request finds the pool empty. */
	pst_run_ini("[run]\nduration_s = 100\n[workload.c]\narrival = constant\nrate_per_s = 0.2\nduration = fixed\n"
		 "duration_s = 0.1\nkeepalive = true\nidle_timeout_s = 2\n", &res);
	assert_int_equal(res.m.requests, 20);
	assert_int_equal(res.m.attempts, 20);
	assert_int_equal(res.m.reused, 0);
	/* Each closed by the client after its idle timeout: all in TIME_WAIT at the end. */
	assert_int_equal(res.m.peak_time_wait, 12);
	ps_run_result_fini(&res);
}

static void test_concurrent_requests_open_parallel_connections(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* Ten requests at once: the pool has nothing idle, so ten connections. */
	pst_run_ini("[run]\nduration_s = 10\n[workload.c]\narrival = burst\nburst_size = 10\nduration = fixed\n"
		 "duration_s = 1\nkeepalive = true\n", &res);
	assert_int_equal(res.m.attempts, 10);
	assert_int_equal(res.m.peak_established, 10);
	ps_run_result_fini(&res);
}

static void test_events_after_the_last_sample_still_play(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* Arrivals at 0, 1, ..., 10.4 s; samples each second up to 10 s: the four after it still count. */
	pst_run_ini("[run]\nduration_s = 10.45\nsample_interval_s = 1\n[workload.c]\narrival = constant\n"
		    "rate_per_s = 10\nduration = fixed\nduration_s = 100\n", &res);
	assert_int_equal(res.m.attempts, 105);
	assert_int_equal(res.m.peak_established, 105);
	ps_run_result_fini(&res);
	/* An end on a sample's time: the events at the end itself do not play. */
	pst_run_ini("[run]\nduration_s = 10\nsample_interval_s = 1\n[workload.c]\narrival = constant\n"
		    "rate_per_s = 10\nduration = fixed\nduration_s = 100\n", &res);
	assert_int_equal(res.m.attempts, 100);
	ps_run_result_fini(&res);
}

static void test_retries_with_fixed_backoff_wait_for_a_port(void **state)
{
	(void)state;
	struct ps_run_result res;
	/*
	 * One port, held until 3.4 s (the server closes: no TIME_WAIT). A request
	 * at 0.5 s fails, retries at 1.5 and 2.5 s (fail) and 3.5 s (the port is
	 * free): four tries, three of them retries.
	 */
	pst_run_ini("[run]\nduration_s = 20\n[host]\nport_range = 40000-40000\n"
		 "[workload.holder]\narrival = burst\nburst_size = 1\nduration = fixed\nduration_s = 3.4\n"
		 "closer = server\n"
		 "[workload.late]\narrival = burst\nburst_size = 1\nstart_s = 0.5\nduration = fixed\n"
		 "duration_s = 1\ncloser = server\nretries = 5\nretry_delay_s = 1\n",
		 &res);
	assert_int_equal(res.m.requests, 2);
	assert_int_equal(res.m.attempts, 5);
	assert_int_equal(res.m.retries, 3);
	assert_int_equal(res.m.successes, 2);
	assert_int_equal(res.m.first_failure, PS_NS_PER_S / 2);
	ps_run_result_fini(&res);

	/* Held until 10 s instead: five retries are not enough, the request is abandoned. */
	pst_run_ini("[run]\nduration_s = 20\n[host]\nport_range = 40000-40000\n"
		 "[workload.holder]\narrival = burst\nburst_size = 1\nduration = fixed\nduration_s = 10\n"
		 "closer = server\n"
		 "[workload.late]\narrival = burst\nburst_size = 1\nstart_s = 0.5\nduration = fixed\n"
		 "duration_s = 1\ncloser = server\nretries = 5\nretry_delay_s = 1\n",
		 &res);
	assert_int_equal(res.m.attempts, 7);
	assert_int_equal(res.m.failures, 6);
	assert_int_equal(res.m.abandoned, 1);
	ps_run_result_fini(&res);
}

static void test_exponential_backoff_doubles_the_delay(void **state)
{
	(void)state;
	struct ps_run_result res;
	/*
	 * The port is held for 6.5 s from 0 s. A second request at 0.5 s fails,
	 * then retries at 1.5, 3.5 and 7.5 s (delays 1, 2, 4): the first two fail,
	 * the third gets the port. Four attempts in that request, three retries.
	 */
	pst_run_ini("[run]\nduration_s = 20\n[host]\nport_range = 40000-40000\n"
		 "[workload.holder]\narrival = burst\nburst_size = 1\nduration = fixed\nduration_s = 6.5\n"
		 "closer = server\n"
		 "[workload.late]\narrival = burst\nburst_size = 1\nstart_s = 0.5\nduration = fixed\n"
		 "duration_s = 1\ncloser = server\nretries = 5\nretry_backoff = exponential\nretry_delay_s = 1\n",
		 &res);
	assert_int_equal(res.m.requests, 2);
	assert_int_equal(res.m.attempts, 5);
	assert_int_equal(res.m.retries, 3);
	assert_int_equal(res.m.successes, 2);
	assert_int_equal(res.m.abandoned, 0);
	ps_run_result_fini(&res);

	/* With two retries only, the request is abandoned after its tries at 0.5, 1.5 and 3.5 s. */
	pst_run_ini("[run]\nduration_s = 20\n[host]\nport_range = 40000-40000\n"
		 "[workload.holder]\narrival = burst\nburst_size = 1\nduration = fixed\nduration_s = 6.5\n"
		 "closer = server\n"
		 "[workload.late]\narrival = burst\nburst_size = 1\nstart_s = 0.5\nduration = fixed\n"
		 "duration_s = 1\ncloser = server\nretries = 2\nretry_backoff = exponential\nretry_delay_s = 1\n",
		 &res);
	assert_int_equal(res.m.attempts, 4);
	assert_int_equal(res.m.abandoned, 1);
	ps_run_result_fini(&res);
}

/* One resolution may serve several runs; each plays exactly as ps_run plays the scenario. */
static void test_a_resolved_configuration_runs_as_the_scenario_does(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[run]\nduration_s = 200\n[host]\nport_range = 40000-40099\n"
					      "[workload.c]\nrate_per_s = 5\nduration = exponential\n"
					      "destinations = 1\ncloser = 0.5\n");
	struct ps_run_options opt = { 0 };
	struct ps_run_result want, got;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_run(sc, &opt, &want, err, sizeof(err)), PS_DONE);
	struct ps_run_config *cfg = pst_config(sc);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ps_run_resolved(cfg, &opt, &got, err, sizeof(err)), PS_DONE);
		assert_int_equal(got.m.attempts, want.m.attempts);
		assert_int_equal(got.m.failures, want.m.failures);
		assert_int_equal(got.m.probes_sum, want.m.probes_sum);
		assert_int_equal(got.m.peak_time_wait, want.m.peak_time_wait);
		assert_int_equal(got.events, want.events);
		ps_run_result_fini(&got);
	}
	assert_true(want.m.failures > 0);
	ps_run_result_fini(&want);
	pst_config_free(cfg);
	free(sc);
}

/* timeseries.csv of a run, with or without events.csv beside it. */
static char *timeseries_of(const struct ps_scenario *sc, bool events)
{
	char *dir = pst_tmpdir(), err[PS_ERR_MAX];
	struct ps_run_options opt = { .out_dir = dir, .events = events };
	struct ps_run_result res;
	if (ps_run(sc, &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	ps_run_result_fini(&res);
	char *p = pst_path(dir, "timeseries.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	free(p);
	pst_rmtree(dir);
	free(dir);
	return text;
}

static void test_time_wait_kept_in_the_lane_or_in_its_slot_gives_the_same_run(void **state)
{
	(void)state;
	/*
	 * Without events.csv a TIME_WAIT end needs no connection number, so the
	 * slot is freed at the close and reused sooner; with it, the slot is
	 * kept. Slot numbers never reach an output: the rows are the same.
	 */
	struct ps_scenario *sc = pst_scenario("[run]\nduration_s = 120\n[host]\nstrategy = linux\nport_range = 40000-40999\n"
					      "time_wait_s = 30\n[workload.c]\nrate_per_s = 40\nduration = exponential\n"
					      "duration_s = 0.5\ndestinations = 3\ncloser = 0.7\n");
	char *with = timeseries_of(sc, true), *without = timeseries_of(sc, false);
	assert_string_equal(with, without);
	free(with);
	free(without);
	free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_wait_kept_in_the_lane_or_in_its_slot_gives_the_same_run),
		cmocka_unit_test(test_keepalive_serves_sequential_requests_on_one_connection),
		cmocka_unit_test(test_keepalive_opens_a_new_connection_after_max_requests),
		cmocka_unit_test(test_keepalive_closes_idle_connections_after_the_timeout),
		cmocka_unit_test(test_concurrent_requests_open_parallel_connections),
		cmocka_unit_test(test_events_after_the_last_sample_still_play),
		cmocka_unit_test(test_retries_with_fixed_backoff_wait_for_a_port),
		cmocka_unit_test(test_exponential_backoff_doubles_the_delay),
		cmocka_unit_test(test_a_resolved_configuration_runs_as_the_scenario_does),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
