/* Claims in a scenario's comments: parsing, checking against a run, overrides, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portsim/claims.h"
#include "support.h"

/*
 * 1000 long connections opened at 100 per second into a 100-port range: the
 * 101st attempt, at exactly 1.0 s, is the first to fail.
 */
#define SMALL_POOL \
	"# What happens when 100 ports meet 1000 long connections?\n" \
	"[run]\n" \
	"duration_s = 10\n" \
	"[host]\n" \
	"port_range = 50000-50099\n" \
	"[workload.c]\n" \
	"arrival = constant\n" \
	"rate_per_s = 100\n" \
	"duration = fixed\n" \
	"duration_s = 3600\n"

struct checked {
	int rc, failed;
	char err[PS_ERR_MAX];
	char *report;
};

/* Writes SMALL_POOL followed by claims to a temp file and checks it. */
static struct checked check(const char *claims)
{
	struct checked c = { 0 };
	char *dir = pst_tmpdir(), *path = pst_path(dir, "s.ini");
	size_t len = strlen(SMALL_POOL) + strlen(claims) + 1;
	char *text = malloc(len);
	assert_non_null(text);
	snprintf(text, len, "%s%s", SMALL_POOL, claims);
	assert_int_equal(pst_write_file(path, text), 0);

	size_t rlen = 0;
	FILE *report = open_memstream(&c.report, &rlen);
	assert_non_null(report);
	c.rc = ps_claims_check(path, report, &c.failed, c.err, sizeof(c.err));
	fclose(report);
	if (c.rc != 0)
		printf("error: %s\n", c.err);
	else
		printf("%s", c.report);
	pst_rmtree(dir);
	free(text);
	free(path);
	free(dir);
	return c;
}

static void expect_lines(const struct checked *c, const char *want)
{
	assert_int_equal(c->rc, 0);
	assert_string_equal(c->report, want);
}

static void test_true_claim_passes(void **state)
{
	(void)state;
	struct checked c = check("# expect: successes == 100\n");
	expect_lines(&c, "ok   successes = 100 == 100\n");
	assert_int_equal(c.failed, 0);
	free(c.report);
}

static void test_false_claim_fails(void **state)
{
	(void)state;
	struct checked c = check("# expect: failures == 0\n");
	expect_lines(&c, "FAIL failures = 900 == 0\n");
	assert_int_equal(c.failed, 1);
	free(c.report);
}

static void test_every_operator(void **state)
{
	(void)state;
	struct checked c = check("# expect: attempts != 999\n"
				 "# expect: attempts < 1001\n"
				 "# expect: attempts <= 1000\n"
				 "# expect: attempts > 999\n"
				 "# expect: attempts >= 1000\n"
				 "# expect: attempts < 1000\n"
				 "# expect: attempts > 1000\n"
				 "# expect: failure_ratio == 0.9\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.failed, 2);
	assert_non_null(strstr(c.report, "FAIL attempts = 1000 < 1000\n"));
	assert_non_null(strstr(c.report, "FAIL attempts = 1000 > 1000\n"));
	assert_non_null(strstr(c.report, "ok   failure_ratio = 0.9 == 0.9\n"));
	free(c.report);
}

static void test_between_includes_both_ends(void **state)
{
	(void)state;
	struct checked c = check("# expect: first_failure_s between 1 and 1.5\n"
				 "#expect:first_failure_s between 0.5 and 1\n"
				 "# expect: first_failure_s between 1.001 and 2\n"
				 "# expect: first_failure_attempt between 101 and 101\n");
	expect_lines(&c, "ok   first_failure_s = 1 between 1 and 1.5\n"
			 "ok   first_failure_s = 1 between 0.5 and 1\n"
			 "FAIL first_failure_s = 1 between 1.001 and 2\n"
			 "ok   first_failure_attempt = 101 between 101 and 101\n");
	assert_int_equal(c.failed, 1);
	free(c.report);
}

static void test_overrides_run_their_own_scenario(void **state)
{
	(void)state;
	/* 200 ports: the pool lasts 2 s; 1000 ports: it never runs dry in 10 s. */
	struct checked c = check("# expect: successes == 100\n"
				 "# expect [host.port_range=50000-50199]: successes == 200\n"
				 "; expect [ host.port_range = 50000-50999 , run.seed=3 ]: failures == 0\n"
				 "# expect [host.port_range=50000-50199]: first_failure_s == 2\n");
	expect_lines(&c, "ok   successes = 100 == 100\n"
			 "ok   successes = 200 == 200 [host.port_range=50000-50199]\n"
			 "ok   failures = 0 == 0 [host.port_range=50000-50999, run.seed=3]\n"
			 "ok   first_failure_s = 2 == 2 [host.port_range=50000-50199]\n");
	assert_int_equal(c.failed, 0);
	free(c.report);
}

static void test_override_values_keep_their_commas(void **state)
{
	(void)state;
	/* Reserving 10 of the 100 ports leaves 90. */
	struct checked c = check("# expect [host.reserved_ports=50000-50004,50010-50014, run.seed=2]: "
				 "successes == 90\n");
	expect_lines(&c, "ok   successes = 90 == 90 [host.reserved_ports=50000-50004,50010-50014, run.seed=2]\n");
	free(c.report);
}

static void test_nat_metrics_are_claims(void **state)
{
	(void)state;
	/* A NAT block of 64 ports: 64 mappings, then every later attempt dies at the NAT. */
	struct checked c = check("# expect: nat_failures == 0\n"
				 "# expect: peak_nat_mappings == 0\n"
				 "# expect [nat.allocator=pba, nat.block_size=64, nat.max_blocks=1]: nat_failures == 936\n"
				 "# expect [nat.allocator=pba, nat.block_size=64, nat.max_blocks=1]: peak_nat_mappings == 64\n");
	expect_lines(&c, "ok   nat_failures = 0 == 0\n"
			 "ok   peak_nat_mappings = 0 == 0\n"
			 "ok   nat_failures = 936 == 936 [nat.allocator=pba, nat.block_size=64, nat.max_blocks=1]\n"
			 "ok   peak_nat_mappings = 64 == 64 [nat.allocator=pba, nat.block_size=64, nat.max_blocks=1]\n");
	assert_int_equal(c.failed, 0);
	free(c.report);
}

static void test_first_failure_none_when_nothing_fails(void **state)
{
	(void)state;
	struct checked c = check("# expect [host.port_range=50000-50999]: first_failure_s == none\n"
				 "# expect [host.port_range=50000-50999]: first_failure_s >= 0\n"
				 "# expect [host.port_range=50000-50999]: first_failure_s != 5\n"
				 "# expect [host.port_range=50000-50999]: first_failure_s != none\n"
				 "# expect: first_failure_s != none\n"
				 "# expect: first_failure_s == none\n");
	expect_lines(&c, "ok   first_failure_s = none == none [host.port_range=50000-50999]\n"
			 "FAIL first_failure_s = none >= 0 [host.port_range=50000-50999]\n"
			 "FAIL first_failure_s = none != 5 [host.port_range=50000-50999]\n"
			 "FAIL first_failure_s = none != none [host.port_range=50000-50999]\n"
			 "ok   first_failure_s = 1 != none\n"
			 "FAIL first_failure_s = 1 == none\n");
	assert_int_equal(c.failed, 4);
	free(c.report);
}

static void test_prose_about_expectations_is_no_claim(void **state)
{
	(void)state;
	struct checked c = check("# Expected: nothing, this is prose.\n"
				 "# expected failures: many\n"
				 "# expectations run high\n");
	expect_lines(&c, "");
	assert_int_equal(c.failed, 0);
	free(c.report);
}

/* A file whose claim on line 11 (after SMALL_POOL's ten lines) is bad must name s.ini:11 and the want. */
static void expect_malformed(const char *claim, const char *want)
{
	struct checked c = check(claim);
	assert_int_equal(c.rc, -1);
	if (!strstr(c.err, "s.ini:11: "))
		fail_msg("error \"%s\" lacks \"s.ini:11: \"", c.err);
	if (!strstr(c.err, want))
		fail_msg("error \"%s\" lacks \"%s\"", c.err, want);
	free(c.report);
}

static void test_malformed_claim_names_file_and_line(void **state)
{
	(void)state;
	expect_malformed("# expect failures == 0\n", "no \":\" after \"expect\"");
	expect_malformed("# expect: failurs == 0\n", "unknown metric \"failurs\"; allowed: attempts,");
	expect_malformed("# expect: failures = 0\n", "no operator after \"failures\"");
	expect_malformed("# expect: failures == many\n", "value \"many\": want a number or none");
	expect_malformed("# expect: failures == 0 or so\n", "unexpected \"or so\"");
	expect_malformed("# expect: failures between 3\n", "want \"failures between A and B\"");
	expect_malformed("# expect: failures between 3 and 1\n", "the first bound is above the second");
	expect_malformed("# expect: failures == none\n", "\"failures\" is never none");
	expect_malformed("# expect: first_failure_s < none\n", "\"none\" only goes with == and !=");
	expect_malformed("# expect [host.tw_reuse=1: failures == 0\n", "no \"]\" closes the overrides");
	expect_malformed("# expect []: failures == 0\n", "empty override list");
	expect_malformed("# expect [tw_reuse=1]: failures == 0\n", "override \"tw_reuse=1\": want SECTION.KEY=VALUE");
}

static void test_bad_override_names_its_claim_line(void **state)
{
	(void)state;
	expect_malformed("# expect [host.time_wiat_s=1]: failures == 0\n", "time_wiat_s");
	expect_malformed("# expect [host.port_range=60000-50000]: failures == 0\n", "port_range");
}

static void test_parse_reads_one_line(void **state)
{
	(void)state;
	struct ps_claim c;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_claim_parse("[host]", &c, err, sizeof(err)), 0);
	assert_int_equal(ps_claim_parse("# nothing", &c, err, sizeof(err)), 0);
	assert_int_equal(ps_claim_parse("  ## expect [a.b=1,2,3, c.d = x y ] : probes_p99 <= 1e3\r\n", &c,
					err, sizeof(err)),
			 1);
	assert_string_equal(c.overrides, "a.b=1,2,3, c.d=x y");
	assert_string_equal(c.metric, "probes_p99");
	assert_int_equal(c.op, PS_CLAIM_LE);
	assert_true(c.a == 1000);
	assert_false(c.none);
}

static void test_file_without_claims_reports_nothing(void **state)
{
	(void)state;
	struct checked c = check("");
	expect_lines(&c, "");
	assert_int_equal(c.failed, 0);
	free(c.report);
}

static void test_missing_file_is_an_error(void **state)
{
	(void)state;
	int failed = -1;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_claims_check("/nonexistent/x.ini", NULL, &failed, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.ini: cannot read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_true_claim_passes),
		cmocka_unit_test(test_false_claim_fails),
		cmocka_unit_test(test_every_operator),
		cmocka_unit_test(test_between_includes_both_ends),
		cmocka_unit_test(test_overrides_run_their_own_scenario),
		cmocka_unit_test(test_override_values_keep_their_commas),
		cmocka_unit_test(test_nat_metrics_are_claims),
		cmocka_unit_test(test_first_failure_none_when_nothing_fails),
		cmocka_unit_test(test_prose_about_expectations_is_no_claim),
		cmocka_unit_test(test_malformed_claim_names_file_and_line),
		cmocka_unit_test(test_bad_override_names_its_claim_line),
		cmocka_unit_test(test_parse_reads_one_line),
		cmocka_unit_test(test_file_without_claims_reports_nothing),
		cmocka_unit_test(test_missing_file_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
