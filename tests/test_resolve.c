/*
 * Resolving a scenario: the shared destination table, the files it names
 * (traces, empirical durations) loaded with errors that name file and
 * line, and the mean rates analyses compute from a scenario.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/alloc.h"
#include "portsim/config.h"
#include "portsim/nat.h"
#include "portsim/scenario.h"
#include "portsim/workload.h"
#include "support.h"

#define SEED 20240607u

/* ---- the shared destination table ---- */

static void test_populations_share_a_destination(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[workload.a]\ndestinations = 1\n[workload.b]\ndestinations = 1\n");
	struct ps_run_config *cfg = pst_config(sc);
	const struct ps_workload_config *w = &cfg->workload;
	assert_int_equal(w->ndsts, 1);
	assert_int_equal(w->dsts[0].ip, PS_DST_FIRST_IP);
	assert_int_equal(w->dsts[0].port, PS_DST_PORT);
	assert_false(w->dsts[0].loopback);
	assert_int_equal(w->pop[0].dst_map[0], 0);
	assert_int_equal(w->pop[1].dst_map[0], 0);
	pst_config_free(cfg);
	free(sc);
}

static void test_destination_list_marks_loopback_and_merges(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[workload.a]\ndestinations = 3\n"
					  "[workload.b]\ndestination_list = 10.0.0.2:80, 127.0.0.1:8080\n"
					  "[workload.c]\nloopback = true\ndestinations = 2\n");
	struct ps_run_config *cfg = pst_config(sc);
	const struct ps_workload_config *w = &cfg->workload;
	/* 10.0.0.1-3:80, then 127.0.0.1:8080, then 127.0.0.1:80 and 127.0.0.2:80. */
	assert_int_equal(w->ndsts, 6);
	assert_int_equal(w->pop[1].ndst, 2);
	assert_int_equal(w->pop[1].dst_map[0], 1);
	const struct ps_endpoint *e = &w->dsts[w->pop[1].dst_map[1]];
	assert_int_equal(e->ip, PS_LOOPBACK_FIRST_IP);
	assert_int_equal(e->port, 8080);
	assert_true(e->loopback);
	for (uint32_t k = 0; k < 2; k++) {
		e = &w->dsts[w->pop[2].dst_map[k]];
		assert_int_equal(e->ip, PS_LOOPBACK_FIRST_IP + k);
		assert_int_equal(e->port, PS_DST_PORT);
		assert_true(e->loopback);
	}
	assert_false(w->dsts[0].loopback);
	pst_config_free(cfg);
	free(sc);
}

static void test_a_million_destinations_are_shared_quickly(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[workload.a]\ndestinations = 1000000\n"
					  "[workload.b]\ndestinations = 1000000\nchoice = zipf\n");
	struct ps_run_config *cfg = pst_config(sc);
	const struct ps_workload_config *w = &cfg->workload;
	assert_int_equal(w->ndsts, 1000000);
	for (uint32_t k = 0; k < 1000000; k += 99991)
		assert_int_equal(w->pop[1].dst_map[k], k);
	assert_int_equal(w->dsts[999999].ip, PS_DST_FIRST_IP + 999999);
	pst_config_free(cfg);
	free(sc);
}

/* ---- replayed traces and empirical durations ---- */

static void test_replay_gives_the_file_times_destinations_and_durations(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *sub = pst_path(dir, "traces");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", sub);
	assert_int_equal(system(cmd), 0);
	char *path = pst_path(sub, "t.csv");
	assert_int_equal(pst_write_file(path, "\xef\xbb\xbft_s,dst,duration_s\n"
					      "0.5,0,\n"
					      "1.25, 10.0.0.2:80 ,3\n"
					      "\n"
					      "1.25,192.168.1.1:443,0.5\n"
					      "2,1\n"
					      "2.000000001,192.168.1.1:443,0\n"),
			 0);
	struct ps_scenario *sc = pst_scenario("[workload.x]\ndestinations = 3\n"
					  "[workload.a]\narrival = replay\ntrace_file = traces/t.csv\n"
					  "destinations = 2\nduration = fixed\nduration_s = 7\n");
	snprintf(sc->dir, sizeof(sc->dir), "%s", dir);
	struct ps_workload *w = pst_workload(sc, SEED);
	const ps_time t[] = { 500000000, 1250000000, 1250000000, 2000000000, 2000000001 };
	const ps_time d[] = { 7 * PS_NS_PER_S, 3 * PS_NS_PER_S, 500000000, 7 * PS_NS_PER_S, 0 };
	const uint32_t ip[] = { PS_DST_FIRST_IP, PS_DST_FIRST_IP + 1, 0xC0A80101u, PS_DST_FIRST_IP + 1,
				0xC0A80101u };
	const uint16_t port[] = { 80, 80, 443, 80, 443 };
	ps_time now = 0;
	for (int i = 0; i < 5; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 1, &a);
		now = ps_workload_next_arrival(w, 1, now);
		assert_true(now == t[i]);
		assert_true(a.duration == d[i]);
		assert_int_equal(w->cfg->dsts[a.dst].ip, ip[i]);
		assert_int_equal(w->cfg->dsts[a.dst].port, port[i]);
	}
	assert_true(ps_workload_next_arrival(w, 1, now) == PS_TIME_MAX);
	/* Population x's three counted destinations, then 192.168.1.1:443 added by the trace. */
	assert_int_equal(w->cfg->ndsts, 4);
	assert_int_equal(w->cfg->pop[1].ndst, 3);
	/* Rows within the run over its length: five in 2.5 s. */
	sc->duration_s = 2.5;
	pst_assert_within(ps_scenario_mean_rate(sc, 1), 2, 1e-12, 1, "replay mean rate");
	pst_workload_free(w);
	free(sc);
	pst_rmtree(dir);
	free(path);
	free(sub);
	free(dir);
}

/* Expects resolving to fail with a message holding each of the strings in want (NULL-terminated). */
static void expect_error(const char *name, const char *text, const char *key, const char *const *want)
{
	char *dir = pst_tmpdir();
	char *path = pst_path(dir, name);
	if (text)
		assert_int_equal(pst_write_file(path, text), 0);
	char ini[1024];
	snprintf(ini, sizeof(ini), "[workload.a]\ndestinations = 3\n%s = %s\n", key, path);
	struct ps_scenario *sc = pst_scenario(ini);
	struct ps_run_config *cfg = malloc(sizeof(*cfg));
	assert_non_null(cfg);
	char err[PS_ERR_MAX];
	assert_int_equal(ps_run_config_resolve(sc, cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	for (; *want; want++)
		if (!strstr(err, *want))
			fail_msg("message \"%s\" lacks \"%s\"", err, *want);
	ps_run_config_fini(cfg); /* fini after a failed resolve is safe */
	free(cfg);
	free(sc);
	pst_rmtree(dir);
	free(path);
	free(dir);
}

static void test_replay_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("x.csv", "t_s,dst\n0,0\n\n1,10.0.0.999:80\n", "arrival = replay\ntrace_file",
		     (const char *[]){ "x.csv:4: dst \"10.0.0.999:80\"", "below 3", NULL });
	expect_error("x.csv", "t_s,dst\n5,0\n4.5,1\n", "arrival = replay\ntrace_file",
		     (const char *[]){ "x.csv:3: t_s 4.5 goes back in time (previous 5.0)", NULL });
	expect_error("x.csv", "t_s,dst\nsoon,0\n", "arrival = replay\ntrace_file",
		     (const char *[]){ "x.csv:2: t_s \"soon\"", "soon,0", NULL });
	expect_error("x.csv", "t_s,dst\n1,0,2\n", "arrival = replay\ntrace_file",
		     (const char *[]){ "x.csv:2: row \"1,0,2\" has 3 fields", NULL });
	expect_error("x.csv", "time,destination\n1,0\n", "arrival = replay\ntrace_file",
		     (const char *[]){ "x.csv:1: header", NULL });
	expect_error("x.csv", "t_s,dst,duration_s\n1,0,-2\n", "arrival = replay\ntrace_file",
		     (const char *[]){ "x.csv:2: duration_s \"-2\"", NULL });
	expect_error("x.csv", "t_s,dst\n", "arrival = replay\ntrace_file", (const char *[]){ "no rows", NULL });
}

static void test_unreadable_files_say_cannot_read(void **state)
{
	(void)state;
	expect_error("missing.csv", NULL, "arrival = replay\ntrace_file",
		     (const char *[]){ "cannot read", "No such file", NULL });
	expect_error("missing.txt", NULL, "duration = empirical\nduration_file",
		     (const char *[]){ "cannot read", NULL });
}

static void test_bad_duration_line_names_file_and_line(void **state)
{
	(void)state;
	expect_error("durations.txt", "1\n\n# comment\nabc\n", "duration = empirical\nduration_file",
		     (const char *[]){ "durations.txt:4: \"abc\" is not a number of seconds", NULL });
	expect_error("durations.txt", "# nothing\n\n", "duration = empirical\nduration_file",
		     (const char *[]){ "no duration", NULL });
}

/* ---- names, units and addresses ---- */

static void test_names_become_ops_and_seconds_nanoseconds(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[run]\nduration_s = 20\nsample_interval_s = 0.5\n"
					      "[host]\nstrategy = linux\nbind_strategy = sequential\n"
					      "time_wait_s = 30\naddresses = 2\n"
					      "[workload.a]\nrate_per_s = 10\n");
	struct ps_run_config *cfg = pst_config(sc);
	assert_ptr_equal(cfg->host.alloc[PS_MODE_CONNECT], ps_alloc_find("linux"));
	assert_ptr_equal(cfg->host.alloc[PS_MODE_BIND0], ps_alloc_find("sequential"));
	assert_ptr_equal(cfg->host.alloc[PS_MODE_UDP], ps_alloc_find("linux"));
	assert_true(cfg->end == 20 * PS_NS_PER_S);
	assert_true(cfg->sample_interval == PS_NS_PER_S / 2);
	assert_true(cfg->host.time_wait == 30 * PS_NS_PER_S);
	assert_int_equal(cfg->host.first_ip, PS_SRC_FIRST_IP);
	assert_int_equal(cfg->host.naddrs, 2);
	assert_false(cfg->has_nat);
	/* Without a NAT every population shares the host's addresses. */
	assert_int_equal(cfg->workload.pop[0].addr_base, 0);
	assert_int_equal(cfg->workload.pop[0].naddr, 2);
	assert_string_equal(cfg->strategy, "linux");
	pst_config_free(cfg);
	free(sc);
}

static void test_populations_behind_a_nat_get_hosts_of_their_own(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[nat]\npreset = azure-lb-outbound\n"
					      "[workload.a]\nhosts = 3\n[workload.b]\nhosts = 2\n");
	struct ps_run_config *cfg = pst_config(sc);
	assert_true(cfg->has_nat);
	assert_non_null(cfg->nat_ops);
	assert_ptr_equal(cfg->nat_ops, ps_nat_find(sc->nat.allocator));
	assert_int_equal(cfg->host.first_ip, PS_INSIDE_FIRST_IP);
	assert_int_equal(cfg->host.naddrs, 5);
	assert_int_equal(cfg->nat.ninside, 5);
	assert_int_equal(cfg->nat.first_ip, PS_NAT_FIRST_IP);
	assert_int_equal(cfg->workload.pop[0].addr_base, 0);
	assert_int_equal(cfg->workload.pop[0].naddr, 3);
	assert_int_equal(cfg->workload.pop[1].addr_base, 3);
	assert_int_equal(cfg->workload.pop[1].naddr, 2);
	/* Azure preallocates 1024 ports per VM to a pool of up to 50. */
	assert_int_equal(cfg->nat.block_size, 1024);
	pst_config_free(cfg);
	free(sc);
}

/* ---- mean rates ---- */

static void test_mean_rate_of_simple_processes(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[run]\nduration_s = 50\n"
					  "[workload.a]\narrival = constant\nrate_per_s = 12\n"
					  "[workload.b]\narrival = diurnal\nrate_per_s = 30\n");
	pst_assert_within(ps_scenario_mean_rate(sc, 0), 12, 1e-12, 1, "constant mean rate");
	pst_assert_within(ps_scenario_mean_rate(sc, 1), 30, 1e-12, 1, "diurnal mean rate");
	free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_populations_share_a_destination),
		cmocka_unit_test(test_destination_list_marks_loopback_and_merges),
		cmocka_unit_test(test_a_million_destinations_are_shared_quickly),
		cmocka_unit_test(test_replay_gives_the_file_times_destinations_and_durations),
		cmocka_unit_test(test_replay_errors_name_file_and_line),
		cmocka_unit_test(test_unreadable_files_say_cannot_read),
		cmocka_unit_test(test_bad_duration_line_names_file_and_line),
		cmocka_unit_test(test_names_become_ops_and_seconds_nanoseconds),
		cmocka_unit_test(test_populations_behind_a_nat_get_hosts_of_their_own),
		cmocka_unit_test(test_mean_rate_of_simple_processes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
