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

/* Runs portsim and expects exit status 2 and exactly one line holding needle. */
static void expect_one_line(const char *const *argv, const char *needle)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, argv);
	if (rc != 2)
		fail_msg("exit %d, expected 2; output:\n%s", rc, out);
	const char *nl = strchr(out, '\n');
	if (!nl || nl[1] != '\0')
		fail_msg("expected one line, got:\n%s", out);
	if (!strstr(out, needle))
		fail_msg("\"%s\" not in output:\n%s", needle, out);
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
		{ "events.csv", "t_s,conn_id,event,src_addr,src_port,dst_addr,dst_port,probes,error,nat_addr,nat_port,delay_s\n0." },
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

/* Every subcommand, and every flag documented for it (README.md, --help), with a value it accepts. */
static const char *const commands[] = { "run", "check", "keys", "compare", "capacity", "kernel", "strategies",
					"profiles", "plot", "man", "report", NULL };
static const struct {
	const char *cmd, *flag, *value;
} documented[] = {
	{ "run", "--strategy", "sequential" }, { "run", "--seed", "7" }, { "run", "--duration", "5" },
	{ "run", "--set", "run.seed=2" }, { "run", "--out", "o" }, { "run", "-o", "o" },
	{ "run", "--events", NULL }, { "run", "-e", NULL }, { "run", "--ports", NULL },
	{ "run", "--quiet", NULL }, { "run", "-q", NULL }, { "run", "--events-gz", NULL },
	{ "run", "--progress", NULL }, { "run", "--jobs", "1" }, { "run", "-j", "2" },
	{ "compare", "--progress", NULL }, { "kernel", "--progress", NULL },
	{ "run", "--vary", "workload.client.rate_per_s=100,200" }, { "run", "--title", "Lesson 1" },
	{ "run", "--report", NULL }, { "run", "--follow-port", "60409" },
	{ "explain", "--strategy", "sequential" }, { "explain", "--seed", "7" }, { "explain", "--duration", "5" },
	{ "explain", "--set", "run.seed=2" }, { "explain", "--attempt", "3" }, { "explain", "--at", "1.5" },
	{ "explain", "--port", "60409" }, { "explain", "--verbose", NULL }, { "explain", "-v", NULL },
	{ "check", "--set", "run.seed=2" },
	{ "compare", "--strategies", "linux,sequential" }, { "compare", "-s", "all" },
	{ "compare", "--replications", "3" }, { "compare", "-n", "1000" }, { "compare", "--seed", "7" },
	{ "compare", "--duration", "5" }, { "compare", "--set", "run.seed=2" }, { "compare", "--out", "o" },
	{ "compare", "-o", "o" }, { "compare", "--quiet", NULL }, { "compare", "-q", NULL },
	{ "compare", "--title", "Lesson 1" }, { "compare", "--report", NULL },
	{ "compare", "--jobs", "2" }, { "compare", "-j", "1024" },
	{ "capacity", "--max-failure", "0.01" }, { "capacity", "--replications", "1" },
	{ "capacity", "-n", "2" }, { "capacity", "--sweep", "rate=100:200:50" },
	{ "capacity", "--solve", "nat.addresses" }, { "capacity", "--solve-max", "workload.vms.hosts" },
	{ "capacity", "--strategy", "linux" },
	{ "capacity", "--seed", "7" }, { "capacity", "--duration", "5" }, { "capacity", "--set", "run.seed=2" },
	{ "capacity", "--out", "o" }, { "capacity", "-o", "o" }, { "capacity", "--quiet", NULL },
	{ "capacity", "-q", NULL }, { "capacity", "--title", "Lesson 1" }, { "capacity", "--report", NULL },
	{ "capacity", "-q", NULL }, { "capacity", "--jobs", "1" }, { "capacity", "-j", "3" },
	{ "kernel", "--set", "run.seed=2" }, { "kernel", "--seed", "7" }, { "kernel", "--duration", "5" },
	{ "kernel", "--out", "o" }, { "kernel", "-o", "o" }, { "kernel", "--limit", "0" }, { "kernel", "-l", "60" },
	{ "kernel", "--fast", NULL }, { "kernel", "-f", NULL }, { "kernel", "--quiet", NULL }, { "kernel", "-q", NULL },
	{ "kernel", "--tw-ends", NULL }, { "kernel", "-w", NULL },
	{ "kernel", "--search-time", NULL },
	{ "strategies", "--csv", NULL },
	{ "profiles", "--csv", NULL },
	{ "man", "--section", "5" }, { "man", "--out", "o" }, { "man", "-o", "o" },
	{ "report", "--scenario", "scenarios/tw-reuse.ini" }, { "report", "--no-plot", NULL },
	{ "report", "--quiet", NULL }, { "report", "-q", NULL },
};
#define NDOCUMENTED (sizeof(documented) / sizeof(documented[0]))

static char *cli_output(const char *const *argv, int want)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, argv);
	if (rc != want)
		fail_msg("exit %d, expected %d; output:\n%s", rc, want, out);
	return out;
}

/* Whether the long flag is documented for cmd. */
static int is_documented(const char *cmd, const char *flag, size_t len)
{
	if (len == 6 && !strncmp(flag, "--help", 6))
		return 1;
	for (size_t i = 0; i < NDOCUMENTED; i++)
		if (!strcmp(documented[i].cmd, cmd) && strlen(documented[i].flag) == len &&
		    !strncmp(documented[i].flag, flag, len))
			return 1;
	return 0;
}

static void test_every_documented_flag_is_listed_and_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < NDOCUMENTED; i++) {
		const char *cmd = documented[i].cmd, *flag = documented[i].flag, *value = documented[i].value;
		char *help = cli_output((const char *[]){ cmd, "--help", NULL }, 0);
		char row[64], usage[64];
		/* A short letter stands beside its long name in the rows: "-o, --out DIR". */
		snprintf(row, sizeof(row), flag[1] == '-' ? " %s " : "  %s, --", flag);
		snprintf(usage, sizeof(usage), "[%s", flag);
		const char *rows = strstr(help, "\noptions:\n");
		if (!rows || !strstr(rows, row) || (flag[1] == '-' && !strstr(help, usage)))
			fail_msg("portsim %s --help does not list %s:\n%s", cmd, flag, help);
		free(help);
		/* Taken with its value, it leaves --help to answer. */
		const char *argv[] = { cmd, flag, value ? value : "--help", value ? "--help" : NULL, NULL };
		free(cli_output(argv, 0));
	}
}

static void test_every_help_lists_only_documented_flags(void **state)
{
	(void)state;
	for (const char *const *cmd = commands; *cmd; cmd++) {
		char *help = cli_output((const char *[]){ *cmd, "--help", NULL }, 0);
		char *opts = strstr(help, "\noptions:\n");
		assert_non_null(opts);
		/* Every row of the options and every [--flag] of the usage line. */
		for (char *p = help; (p = strstr(p, "--")) != NULL; p += 2) {
			if (p > help && p[-1] != ' ' && p[-1] != '[')
				continue;
			size_t len = strcspn(p, " ]\n");
			int in_rows = p > opts && p[-1] == ' ' && (p[-2] == ' ' || p[-2] == ',');
			if ((p < opts && p[-1] == '[') || in_rows) {
				if (!is_documented(*cmd, p, len))
					fail_msg("portsim %s --help lists %.*s, documented nowhere:\n%s", *cmd, (int)len, p,
						 help);
			}
		}
		free(help);
	}
}

static void test_program_help_lists_every_command_with_its_summary(void **state)
{
	(void)state;
	char *help = cli_output((const char *[]){ "--help", NULL }, 0);
	for (const char *const *cmd = commands; *cmd; cmd++) {
		char row[64];
		snprintf(row, sizeof(row), "\n  %s ", *cmd);
		if (!strstr(help, row))
			fail_msg("portsim --help does not list %s:\n%s", *cmd, help);
	}
	free(help);
	/* Without a command: the same help, on stderr, and exit status 2. */
	expect(2, (const char *[]){ NULL }, (const char *[]){ "usage: portsim COMMAND", "capacity [SCENARIO]", NULL });
}

static void test_help_command_prints_the_command_help(void **state)
{
	(void)state;
	for (const char *const *cmd = commands; *cmd; cmd++) {
		char *a = cli_output((const char *[]){ "help", *cmd, NULL }, 0);
		char *b = cli_output((const char *[]){ *cmd, "--help", NULL }, 0);
		char *c = cli_output((const char *[]){ *cmd, "-h", NULL }, 0);
		assert_string_equal(a, b);
		assert_string_equal(a, c);
		char usage[64];
		snprintf(usage, sizeof(usage), "usage: portsim %s", *cmd);
		assert_non_null(strstr(a, usage));
		assert_non_null(strstr(a, "Exit status: 0 done"));
		free(a);
		free(b);
		free(c);
	}
	expect(0, (const char *[]){ "help", NULL }, (const char *[]){ "usage: portsim COMMAND", NULL });
	expect_one_line((const char *[]){ "help", "fly", NULL }, "unknown command \"fly\"");
}

static void test_bad_usage_exits_2_with_one_line(void **state)
{
	(void)state;
	for (const char *const *cmd = commands; *cmd; cmd++) {
		char want[128];
		snprintf(want, sizeof(want), "%s: unknown option \"--no-such-flag\" (see portsim %s --help)", *cmd, *cmd);
		expect_one_line((const char *[]){ *cmd, "--no-such-flag", NULL }, want);
		expect_one_line((const char *[]){ *cmd, "-Z", NULL }, "unknown option \"-Z\"");
		expect_one_line((const char *[]){ *cmd, "a.ini", "b.ini", NULL }, "\"a.ini\"");
	}
	expect_one_line((const char *[]){ "run", "-qZ", NULL }, "unknown option \"-Z\"");
	expect_one_line((const char *[]){ "run", "-o", NULL }, "option \"-o\" needs a value");
	expect_one_line((const char *[]){ "run", "--events=1", NULL }, "option \"--events\" takes no value");
	expect_one_line((const char *[]){ "keys", "x", NULL }, "keys: unexpected argument \"x\"");
	expect_one_line((const char *[]){ "compare", "-n", "0", NULL },
			"compare: --replications \"0\": allowed: a whole number from 1 to 1000");
	expect_one_line((const char *[]){ "compare", "--replications", "2x", NULL }, "allowed: a whole number");
	expect_one_line((const char *[]){ "capacity", "--max-failure", "1", NULL },
			"capacity: --max-failure \"1\": allowed: a number above 0 and below 1");
	expect_one_line((const char *[]){ "capacity", "--sweep", "rate=5", NULL }, "expected rate=FROM:TO:STEP");
	expect_one_line((const char *[]){ "capacity", "--sweep", "rate=1:2:1", "--solve", "nat.addresses", NULL },
			"--solve and --sweep");
	expect_one_line((const char *[]){ "kernel", "--limit", "-1", NULL }, "kernel: --limit \"-1\": allowed:");
}

/* The value of key in the [run] or [host] section of a resolved scenario. */
static void expect_resolved(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("\"%s\" not in the resolved scenario:\n%.400s", line, text);
}

static void test_set_and_shorthands_apply_in_command_line_order_after_the_file(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *p = scenario_file(dir, "[run]\nseed = 3\nduration_s = 2\n[host]\nstrategy = xnu\n"
				     "[workload.c]\nrate_per_s = 5\n");
	char *out = pst_path(dir, "out"), *ini = pst_path(out, "scenario.ini");
	static const struct {
		const char *args[7];
		const char *want[3];
	} cases[] = {
		{ { NULL }, { "\nseed = 3\n", "\nduration_s = 2\n", "\nstrategy = xnu\n" } },
		{ { "--seed", "4", "--set", "run.seed=5", NULL }, { "\nseed = 5\n", NULL } },
		{ { "--set", "run.seed=5", "--seed", "4", NULL }, { "\nseed = 4\n", NULL } },
		{ { "--duration", "1", "--set", "run.duration_s=3", "--duration", "4", NULL },
		  { "\nduration_s = 4\n", NULL } },
		{ { "--strategy", "linux", "--set", "host.strategy=sequential", NULL }, { "\nstrategy = sequential\n" } },
		{ { "--set", "host.strategy=sequential", "--strategy", "freebsd", NULL }, { "\nstrategy = freebsd\n" } },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[12] = { "run", p, "--quiet", "--out", out };
		for (size_t j = 0; cases[i].args[j]; j++)
			argv[5 + j] = cases[i].args[j];
		free(cli_output(argv, 0));
		char *text = pst_read_file(ini, NULL);
		assert_non_null(text);
		for (size_t j = 0; j < 3 && cases[i].want[j]; j++)
			expect_resolved(text, cases[i].want[j]);
		free(text);
	}
	expect(0, (const char *[]){ "check", p, "--set", "run.seed=8", "--set", "run.seed=9", NULL },
	       (const char *[]){ "\nseed = 9\n", NULL });
	/* The first bad one is named as typed, and nothing is written. */
	pst_rmtree(out);
	expect_one_line((const char *[]){ "run", p, "--out", out, "--seed", "x", "--set", "run.seed=y", NULL },
			"--seed x: ");
	assert_int_not_equal(access(out, F_OK), 0);
	free(ini);
	free(out);
	free(p);
	pst_rmtree(dir);
	free(dir);
}

static void test_kernel_refuses_a_scenario_longer_than_its_limit(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *out = pst_path(dir, "out");
	expect_one_line((const char *[]){ "kernel", "--duration", "5", "-l", "1", "--out", out, NULL },
			"above the limit of 1 s");
	assert_int_not_equal(access(out, F_OK), 0);
	free(out);
	pst_rmtree(dir);
	free(dir);
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
		cmocka_unit_test(test_every_documented_flag_is_listed_and_accepted),
		cmocka_unit_test(test_every_help_lists_only_documented_flags),
		cmocka_unit_test(test_program_help_lists_every_command_with_its_summary),
		cmocka_unit_test(test_help_command_prints_the_command_help),
		cmocka_unit_test(test_bad_usage_exits_2_with_one_line),
		cmocka_unit_test(test_set_and_shorthands_apply_in_command_line_order_after_the_file),
		cmocka_unit_test(test_kernel_refuses_a_scenario_longer_than_its_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
