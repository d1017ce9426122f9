/* SYN retransmission: each profile's schedule, the delay of a connection whose first SYNs are dropped,
 * ETIMEDOUT after the last one, and the port the waiting connection holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/config.h"
#include "portsim/metrics.h"
#include "portsim/run.h"
#include "portsim/scenario.h"
#include "portsim/syn.h"
#include "support.h"

#define S PS_NS_PER_S

/* Profile name, then the seconds each SYN leaves at (from the first), then when connect() gives up. */
static const struct {
	const char *profile;
	unsigned sends;
	double at[16];
	double give_up;
} schedules[] = {
	{ "linux", 7, { 0, 1, 3, 7, 15, 31, 63 }, 127 },
	{ "windows", 3, { 0, 3, 9 }, 21 },
	{ "freebsd", 11, { 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 }, 75 },
	{ "macos", 11, { 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 }, 75 },
	{ "openbsd", 5, { 0, 3, 9, 21, 45 }, 75 },
	{ "ns3", 6, { 0, 3, 9, 21, 45, 93 }, 189 },
};

static struct ps_run_config *profile_config(const char *profile)
{
	char ini[128];
	snprintf(ini, sizeof(ini), "[host]\nprofile = %s\n[workload.c]\nrate_per_s = 1\n", profile);
	struct ps_scenario *sc = pst_scenario(ini);
	struct ps_run_config *cfg = pst_config(sc);
	free(sc);
	return cfg;
}

static void test_each_profile_sends_its_syns_on_its_schedule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(schedules) / sizeof(schedules[0]); i++) {
		struct ps_run_config *cfg = profile_config(schedules[i].profile);
		for (unsigned k = 0; k < schedules[i].sends; k++)
			assert_int_equal(ps_syn_send_time(&cfg->syn, k), (ps_time)(schedules[i].at[k] * S));
		assert_int_equal(ps_syn_send_time(&cfg->syn, schedules[i].sends), PS_TIME_MAX);
		assert_int_equal(ps_syn_give_up(&cfg->syn), (ps_time)(schedules[i].give_up * S));
		pst_config_free(cfg);
	}
}

/*
 * One port, one server that closes first and keeps the 4-tuple in
 * TIME_WAIT for tw seconds, and a profile that refuses a SYN on it:
 * connection 1 (t = 0, 1 s long) leaves the server's TIME_WAIT until
 * 1 + tw; connection 2 (t = 10) takes the same port, and each of its SYNs
 * is dropped until one leaves at or after 1 + tw.
 */
static void run_refused(const char *profile, double tw, double duration, struct ps_run_result *res)
{
	char ini[512];
	snprintf(ini, sizeof(ini),
		 "[run]\nduration_s = %g\n[host]\nprofile = %s\nport_range = 40000-40000\npeer_time_wait_s = %g\n"
		 "tw_collision = refuse\nprobe_ns = 0\n[workload.c]\narrival = constant\nrate_per_s = 0.1\n"
		 "duration = fixed\nduration_s = 1\ncloser = server\n",
		 duration, profile, tw);
	pst_run_ini(ini, res);
}

static void test_a_connection_whose_first_syns_are_dropped_waits_exactly_the_schedule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(schedules) / sizeof(schedules[0]); i++) {
		/* Each k: the TIME_WAIT ends just after SYN k - 1 left, so SYN k is the first through. */
		for (unsigned k = 1; k < schedules[i].sends; k++) {
			double tw = 10 + schedules[i].at[k - 1] + 0.5 - 1;
			struct ps_run_result res;
			run_refused(schedules[i].profile, tw, 10 + schedules[i].at[k] + 0.001, &res);
			assert_int_equal(res.m.tw_refusals, k);
			assert_int_equal(res.m.syn_retransmits, k);
			assert_int_equal(res.m.delay.max, (ps_time)(schedules[i].at[k] * S));
			assert_int_equal(res.m.successes, 2);
			ps_run_result_fini(&res);
		}
	}
}

static void test_a_connection_times_out_after_its_last_syn(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(schedules) / sizeof(schedules[0]); i++) {
		struct ps_run_result res;
		/* The server's TIME_WAIT outlasts every SYN; the run ends just after connect() gives up. */
		run_refused(schedules[i].profile, 3600, 10 + schedules[i].give_up + 0.001, &res);
		assert_int_equal(res.m.syn_timeouts, 1);
		assert_int_equal(res.m.fail_by_err[PS_ETIMEDOUT], 1);
		assert_int_equal(res.m.tw_refusals, schedules[i].sends);
		assert_true(res.m.failed);
		ps_run_result_fini(&res);
	}
}

static void test_a_waiting_connection_holds_its_port(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* Linux: connection 2 waits from 10 s to 25 s; connection 3 at 20 s finds the only port taken. */
	run_refused("linux", 20, 21, &res);
	assert_int_equal(res.m.attempts, 2);
	assert_int_equal(res.m.fail_by_err[PS_EADDRNOTAVAIL], 1);
	assert_int_equal(res.m.first_failure, 20 * S);
	assert_int_equal(res.m.peak_ports_in_use, 1);
	ps_run_result_fini(&res);
	/* Once it is through (25 s) and closed (26 s), connection 4 at 30 s gets the port. */
	run_refused("linux", 20, 31, &res);
	assert_int_equal(res.m.successes, 2);
	assert_int_equal(res.m.delay.max, 15 * S);
	ps_run_result_fini(&res);
}

static void test_linux_counts_a_collision_and_does_not_delay(void **state)
{
	(void)state;
	struct ps_run_result res;
	struct ps_scenario *sc = pst_scenario(
		"[run]\nduration_s = 15\n[host]\nprofile = linux\nport_range = 40000-40000\npeer_time_wait_s = 20\n"
		"probe_ns = 0\n[workload.c]\narrival = constant\nrate_per_s = 0.1\nduration = fixed\n"
		"duration_s = 1\ncloser = server\n");
	/* The collision count is an observer's, which runs when asked for, as compare asks. */
	struct ps_run_options opt = { .observe = true };
	char err[PS_ERR_MAX];
	assert_int_equal(ps_run(sc, &opt, &res, err, sizeof(err)), PS_DONE);
	free(sc);
	assert_int_equal(res.obs.peer_tw_collisions, 1);
	assert_int_equal(res.m.tw_refusals, 0);
	assert_int_equal(res.m.delay.max, 0);
	ps_run_result_fini(&res);
}

static void test_the_delay_counts_the_search(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* Sequential from the low end (t = 0, 1, 2, 3): each examines the ports the earlier ones hold. */
	pst_run_ini("[run]\nduration_s = 3.5\n[host]\nstrategy = sequential\nport_range = 40000-40009\nprobe_ns = 100\n"
		    "[workload.c]\narrival = constant\nrate_per_s = 1\nduration = fixed\nduration_s = 100\n",
		    &res);
	assert_int_equal(res.m.delay.n, 4);
	assert_int_equal(res.m.delay.max, (ps_time)res.m.probes_max * 100);
	assert_int_equal(ps_delays_quantile(&res.m.delay, 0.5) % 100, 0);
	ps_run_result_fini(&res);
}

static int cmp_time(const void *a, const void *b)
{
	ps_time x = *(const ps_time *)a, y = *(const ps_time *)b;
	return (x > y) - (x < y);
}

/* Delays that repeat in runs and grow the table many times: every quantile is the sorted list's. */
static void test_delay_quantiles_are_those_of_every_delay_added(void **state)
{
	(void)state;
	enum { N = 20000 };
	static ps_time all[N];
	struct ps_metrics m;
	assert_int_equal(ps_metrics_init(&m, 16), 0);
	uint64_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		/* Mostly one of three values, now and then one of thousands. */
		ps_time v = (x >> 60) < 12 ? (ps_time)(1 + (x >> 62)) * 58 : (ps_time)(x >> 40) % 5000 * 7;
		all[i] = v;
		assert_int_equal(ps_metrics_delay(&m, v), 0);
	}
	qsort(all, N, sizeof(*all), cmp_time);
	assert_int_equal(m.delay.n, N);
	assert_int_equal(m.delay.max, all[N - 1]);
	static const double qs[] = { 0.01, 0.5, 0.9, 0.99, 0.999, 1.0 };
	for (size_t k = 0; k < sizeof(qs) / sizeof(*qs); k++) {
		size_t rank = (size_t)ceil(qs[k] * N);
		assert_int_equal(ps_delays_quantile(&m.delay, qs[k]), all[rank - 1]);
	}
	ps_metrics_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_profile_sends_its_syns_on_its_schedule),
		cmocka_unit_test(test_a_connection_whose_first_syns_are_dropped_waits_exactly_the_schedule),
		cmocka_unit_test(test_a_connection_times_out_after_its_last_syn),
		cmocka_unit_test(test_a_waiting_connection_holds_its_port),
		cmocka_unit_test(test_linux_counts_a_collision_and_does_not_delay),
		cmocka_unit_test(test_the_delay_counts_the_search),
		cmocka_unit_test(test_delay_quantiles_are_those_of_every_delay_added),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
