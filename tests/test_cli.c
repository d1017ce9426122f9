/* The command line: what a user sees for good and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

/* Runs portsim; checks the exit status and that every needle is in the output. */
static void expect(int status, const char *const *argv, const char *const *needles)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, argv);
	if (rc != status)
		fail_msg("exit %d, expected %d; output:\n%s", rc, status, out);
	for (; *needles; needles++)
		if (!strstr(out, *needles))
			fail_msg("\"%s\" not in output:\n%s", *needles, out);
	free(out);
}

static char *scenario_file(const char *dir, const char *text)
{
	char *p = pst_path(dir, "s.ini");
	assert_int_equal(pst_write_file(p, text), 0);
	return p;
}

static void test_help_lists_commands_and_exits_0(void **state)
{
	(void)state;
	expect(0, (const char *[]){ "--help", NULL }, (const char *[]){ "run", "strategies", NULL });
	expect(0, (const char *[]){ "--version", NULL }, (const char *[]){ "portsim 0.", NULL });
	expect(0, (const char *[]){ "run", "--help", NULL },
	       (const char *[]){ "--strategy", "--seed", "--duration", "--set", "--out", "default: out", NULL });
}

static void test_strategies_lists_every_strategy_with_its_source(void **state)
{
	(void)state;
	expect(0, (const char *[]){ "strategies", NULL },
	       (const char *[]){ "sequential", "rfc6056-1", "linux", "inet_hashtables.c", "RFC 6056", NULL });
	expect(0, (const char *[]){ "strategies", "--csv", NULL },
	       (const char *[]){ "kind,name,summary,source\n", "\nhost,linux,", "\nnat,nf-nat,", NULL });
}

static void test_profiles_lists_systems_and_cloud_nat_presets(void **state)
{
	(void)state;
	expect(0, (const char *[]){ "profiles", NULL },
	       (const char *[]){ "linux", "macos", "ns3", "aws-nat-gateway", "gcp-cloud-nat", "azure-lb-outbound",
				 "azure-nat-gateway", "assumed:", NULL });
	expect(0, (const char *[]){ "profiles", "--csv", NULL },
	       (const char *[]){ "kind,name,summary,settings,source,assumed\n", "\nhost,windows,", "\nnat,aws-nat-gateway,",
				 NULL });
}

static void test_unknown_command_and_option_exit_2(void **state)
{
	(void)state;
	expect(2, (const char *[]){ "fly", NULL }, (const char *[]){ "unknown command \"fly\"", NULL });
	expect(2, (const char *[]){ "run", "--fast", NULL }, (const char *[]){ "unknown option \"--fast\"", NULL });
	expect(2, (const char *[]){ "run", "--seed", NULL }, (const char *[]){ "needs a value", NULL });
}

static void test_missing_scenario_file_exits_2_naming_it(void **state)
{
	(void)state;
	expect(2, (const char *[]){ "run", "/nonexistent/x.ini", NULL },
	       (const char *[]){ "/nonexistent/x.ini", "cannot read", NULL });
}

static void test_bad_key_exits_2_naming_file_line_and_key(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *p = scenario_file(dir, "[run]\nduration_s = 10\n[host]\ntime_wiat_s = 5\n");
	char *out = pst_path(dir, "out");
	expect(2, (const char *[]){ "run", p, "--out", out, NULL },
	       (const char *[]){ "s.ini:4", "time_wiat_s", "time_wait_s", NULL });
	/* No half-written output for a rejected scenario. */
	assert_int_not_equal(access(out, F_OK), 0);
	free(out);
	free(p);
	pst_rmtree(dir);
	free(dir);
}

static void test_bad_value_exits_2_naming_value_and_allowed_range(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *p = scenario_file(dir, "[host]\nstrategy = bsd\n[workload.c]\nrate_per_s = 5\n");
	expect(2, (const char *[]){ "run", p, NULL },
	       (const char *[]){ "s.ini:2", "strategy", "\"bsd\"", "linux", NULL });
	expect(2, (const char *[]){ "run", "--set", "host.time_wait_s=-1", NULL },
	       (const char *[]){ "time_wait_s", "-1", "allowed", NULL });
	expect(2, (const char *[]){ "run", "--seed", "abc", NULL }, (const char *[]){ "--seed abc", NULL });
	expect(2, (const char *[]){ "run", "--strategy", "nope", NULL },
	       (const char *[]){ "--strategy nope", "sequential", NULL });
	free(p);
	pst_rmtree(dir);
	free(dir);
}

static void test_run_writes_the_documented_columns(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	expect(0, (const char *[]){ "run", "--duration", "5", "--events", "--out", dir, NULL },
	       (const char *[]){ "attempts", "summary.csv", NULL });
	const char *want[][2] = {
		{ "summary.csv", "scenario,strategy,seed,duration_s,attempts,successes,failures,failure_ratio,"
				 "first_failure_s,peak_established,peak_time_wait" },
		{ "timeseries.csv", "t_s,established,time_wait,ports_in_use,free_tightest,attempts,failures" },
		{ "events.csv", "t_s,conn_id,event,src_addr,src_port,dst_addr,dst_port,probes,error,nat_addr,nat_port\n0." },
		{ "scenario.ini", "[workload.client]" },
	};
	for (int i = 0; i < 4; i++) {
		char *p = pst_path(dir, want[i][0]);
		char *text = pst_read_file(p, NULL);
		assert_non_null(text);
		if (!strstr(text, want[i][1]))
			fail_msg("%s lacks \"%s\"", want[i][0], want[i][1]);
		free(text);
		free(p);
	}
	pst_rmtree(dir);
	free(dir);
}

static void test_default_scenario_exhausts_the_pool(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	expect(0, (const char *[]){ "run", "--quiet", "--out", dir, NULL }, (const char *[]){ NULL });
	char *p = pst_path(dir, "summary.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	/* default,linux,1,120.0,attempts,successes,failures,...: failures must be non-zero. */
	char *row = strchr(text, '\n') + 1;
	assert_true(strncmp(row, "default,linux,1,120.0,", 22) == 0);
	unsigned long attempts, successes, failures;
	assert_int_equal(sscanf(row + 22, "%lu,%lu,%lu", &attempts, &successes, &failures), 3);
	assert_true(failures > attempts / 10);
	assert_int_equal(attempts, successes + failures);
	free(text);
	free(p);
	pst_rmtree(dir);
	free(dir);
}

static void test_check_prints_the_resolved_scenario(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *p = scenario_file(dir, "[host]\nprofile = macos\n[workload.web]\nrate_per_s = 5\n");
	expect(0, (const char *[]){ "check", p, "--set", "workload.web.keepalive=true", NULL },
	       (const char *[]){ "# portsim scenario \"s\", fully resolved", "[run]\n", "duration_s = 120\n",
				 "profile = macos\n", "time_wait_s = 30\n", "unique = port\n", "[workload.web]\n",
				 "rate_per_s = 5\n", "keepalive = true\n", "idle_timeout_s = 60\n", NULL });
	free(p);
	pst_rmtree(dir);
	free(dir);
}

static void test_check_names_file_line_key_value_and_closest_key(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *p = scenario_file(dir, "[workload.web]\nrate_per_sec = 5\n");
	expect(2, (const char *[]){ "check", p, NULL },
	       (const char *[]){ "s.ini:2: [workload.web] rate_per_sec: unknown key; did you mean \"rate_per_s\"?",
				 NULL });
	free(p);
	p = scenario_file(dir, "[workload.web]\narrival = sometimes\n");
	expect(2, (const char *[]){ "check", p, NULL },
	       (const char *[]){ "s.ini:2: [workload.web] arrival = \"sometimes\": unknown value; allowed: constant, "
				 "poisson, onoff, ramp, diurnal, burst, replay", NULL });
	free(p);
	p = scenario_file(dir, "[workload.web]\ndestination_list = 10.0.0.1:80, 10.0.0.300:80\n");
	expect(2, (const char *[]){ "check", p, NULL },
	       (const char *[]){ "s.ini:2: [workload.web] destination_list", "bad entry \"10.0.0.300:80\"", NULL });
	free(p);
	p = scenario_file(dir, "[workload.web]\narrival = replay\n");
	expect(2, (const char *[]){ "check", p, NULL },
	       (const char *[]){ "[workload.web] arrival = replay needs trace_file", NULL });
	free(p);
	pst_rmtree(dir);
	free(dir);
}

static void test_keys_lists_every_section_as_markdown(void **state)
{
	(void)state;
	expect(0, (const char *[]){ "keys", NULL },
	       (const char *[]){ "| section | key | default | allowed | meaning |\n", "| run | `duration_s` | `120` |",
				 "| host | `profile` | `none` |", "| workload.NAME | `keepalive` | `false` |", NULL });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_lists_commands_and_exits_0),
		cmocka_unit_test(test_strategies_lists_every_strategy_with_its_source),
		cmocka_unit_test(test_profiles_lists_systems_and_cloud_nat_presets),
		cmocka_unit_test(test_unknown_command_and_option_exit_2),
		cmocka_unit_test(test_missing_scenario_file_exits_2_naming_it),
		cmocka_unit_test(test_bad_key_exits_2_naming_file_line_and_key),
		cmocka_unit_test(test_bad_value_exits_2_naming_value_and_allowed_range),
		cmocka_unit_test(test_run_writes_the_documented_columns),
		cmocka_unit_test(test_default_scenario_exhausts_the_pool),
		cmocka_unit_test(test_check_prints_the_resolved_scenario),
		cmocka_unit_test(test_check_names_file_line_key_value_and_closest_key),
		cmocka_unit_test(test_keys_lists_every_section_as_markdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
