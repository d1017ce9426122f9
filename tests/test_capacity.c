/*
 * Capacity search: the known answer on a deterministic case, Erlang-B on a
 * Poisson one, the sweep; solving for a key: the addresses the cloud NATs'
 * documented limits call for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/capacity.h"
#include "support.h"

/* 200 ports, one destination, constant arrivals, 1 s connections, 9 s TIME_WAIT: 200 / 10 s = 20/s. */
static const char deterministic_ini[] =
	"[run]\nduration_s = 40\nseed = 3\n"
	"[host]\nstrategy = linux\nport_range = 50000-50199\ntime_wait_s = 9\n"
	"[workload.c]\narrival = constant\nrate_per_s = 5\nduration = fixed\nduration_s = 1\n"
	"closer = client\n";

/* 200 ports, Poisson arrivals, exponential 1 s connections closed by the server: M/M/200/200. */
static const char poisson_ini[] =
	"[run]\nduration_s = 150\nseed = 11\n"
	"[host]\nstrategy = linux\nport_range = 50000-50199\n"
	"[workload.c]\narrival = poisson\nrate_per_s = 50\nduration = exponential\nduration_s = 1\n"
	"closer = server\n";

static void test_bounds_of_the_deterministic_case(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(deterministic_ini);
	struct ps_capacity_bounds b;
	ps_capacity_bounds(sc, 0.001, &b);
	assert_int_equal(b.usable_ports, 200);
	assert_int_equal(b.destinations, 1);
	assert_true(fabs(b.holding_s - 10) < 1e-12);
	assert_true(fabs(b.deterministic_per_s - 20) < 1e-9);
	assert_true(b.erlang_per_s < b.deterministic_per_s);
	assert_true(b.notes & PS_CAP_NOTE_NOT_POISSON);
	free(sc);
}

static void test_capacity_finds_ports_over_holding_time(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(deterministic_ini);
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 2 };
	struct ps_capacity_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_capacity_search(sc, &opt, &res, err, sizeof(err)), PS_DONE);
	double want = 200.0 / (1 + 9);
	print_message("deterministic: found %.4f/s (step %.4f), R/(D+T) = %.4f\n", res.capacity.mean,
		      res.step_per_s, want);
	assert_false(res.unbounded);
	assert_true(res.step_per_s <= 0.01 * res.capacity.mean + 1e-9);
	for (unsigned k = 0; k < 2; k++)
		assert_true(fabs(res.found[k] - want) <= res.step_per_s);
	ps_capacity_result_fini(&res);
	free(sc);
}

static void test_capacity_agrees_with_erlang_b(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(poisson_ini);
	struct ps_capacity_options opt = { .max_failure = 0.01, .replications = 5 };
	struct ps_capacity_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_capacity_search(sc, &opt, &res, err, sizeof(err)), PS_DONE);
	double erlang = res.bounds.erlang_per_s;
	print_message("poisson: found %.3f/s, 95%% CI [%.3f, %.3f], step %.3f; Erlang-B %.3f/s\n",
		      res.capacity.mean, res.capacity.low, res.capacity.high, res.step_per_s, erlang);
	assert_true(fabs(erlang - 179.7) < 0.5);
	/* Each replication reports the low end of its bracket: allow one step above the interval. */
	assert_true(erlang >= res.capacity.low && erlang <= res.capacity.high + res.step_per_s);
	ps_capacity_result_fini(&res);
	free(sc);
}

static void test_sweep_writes_the_knee(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(deterministic_ini);
	char *dir = pst_tmpdir();
	struct ps_capacity_options opt = { .replications = 2, .out_dir = dir };
	struct ps_capacity_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_capacity_sweep(sc, &opt, 10, 30, 5, &res, err, sizeof(err)), PS_DONE);
	assert_int_equal(res.nsweep, 5);
	for (size_t i = 0; i < res.nsweep; i++) {
		double fr = res.sweep[i].failure_ratio.mean;
		assert_int_equal(res.sweep[i].failure_ratio.n, 2);
		if (res.sweep[i].rate_per_s <= 20)
			assert_true(fr == 0);
		else
			assert_true(fr > 0.01);
	}
	char *p = pst_path(dir, "capacity.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	assert_true(!strncmp(text, "rate_per_s,failure_ratio,ci95_low,ci95_high,n\n10,0,0,0,2\n", 56));
	assert_non_null(strstr(text, "\n30,"));
	free(text);
	free(p);
	ps_capacity_result_fini(&res);
	pst_rmtree(dir);
	free(dir);
	free(sc);
}

static void test_sweep_rejects_bad_ranges(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(deterministic_ini);
	struct ps_capacity_options opt = { .replications = 1 };
	struct ps_capacity_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_capacity_sweep(sc, &opt, 0, 30, 5, &res, err, sizeof(err)), PS_BAD_INPUT);
	assert_int_equal(ps_capacity_sweep(sc, &opt, 40, 30, 5, &res, err, sizeof(err)), PS_BAD_INPUT);
	assert_int_equal(ps_capacity_sweep(sc, &opt, 1, 3000, 1, &res, err, sizeof(err)), PS_BAD_INPUT);
	assert_non_null(strstr(err, "at most 1000"));
	free(sc);
}

static void test_search_writes_points_and_summary(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(deterministic_ini);
	char *dir = pst_tmpdir();
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 1, .out_dir = dir,
					   .tolerance = 0.05 };
	struct ps_capacity_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_capacity_search(sc, &opt, &res, err, sizeof(err)), PS_DONE);
	/* One replication: the interval is the value itself. */
	assert_true(res.capacity.low == res.capacity.mean && res.capacity.high == res.capacity.mean);
	char *p = pst_path(dir, "capacity_summary.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "metric,value\n"));
	assert_non_null(strstr(text, "\ndeterministic_bound_per_s,20\n"));
	assert_non_null(strstr(text, "\ncapacity_per_s,"));
	free(text);
	free(p);
	p = pst_path(dir, "capacity.csv");
	text = pst_read_file(p, NULL);
	assert_non_null(text);
	size_t lines = 0;
	for (char *c = text; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, res.ntried + 1);
	free(text);
	free(p);
	ps_capacity_result_fini(&res);
	pst_rmtree(dir);
	free(dir);
	free(sc);
}

static void test_scale_multiplies_every_scaled_population(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[workload.a]\nrate_per_s = 10\n"
					  "[workload.b]\narrival = ramp\nrate_per_s = 30\nrate_end_per_s = 60\n"
					  "[workload.c]\narrival = burst\nburst_size = 5\nrate_per_s = 1\n");
	struct ps_scenario *out = malloc(sizeof(*out));
	assert_int_equal(ps_capacity_scale(sc, 80, out), 0);
	assert_true(fabs(out->pop[0].rate_per_s - 20) < 1e-9);
	assert_true(fabs(out->pop[1].rate_per_s - 60) < 1e-9);
	assert_true(fabs(out->pop[1].rate_end_per_s - 120) < 1e-9);
	assert_true(out->pop[2].rate_per_s == 1);
	struct ps_capacity_bounds b;
	ps_capacity_bounds(sc, 0.001, &b);
	assert_true(b.notes & PS_CAP_NOTE_UNSCALED);
	assert_true(b.notes & PS_CAP_NOTE_VARYING);
	free(out);
	free(sc);
}

static void test_bounds_explain_what_the_formulas_miss(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[host]\nstrategy = rfc6056-2\ntries = 10\n"
					  "port_range = 50000-50199\nreserved_ports = 50000-50009\n"
					  "time_wait_s = 60\n"
					  "[workload.a]\ndestinations = 4\nchoice = zipf\nduration = fixed\n"
					  "duration_s = 2\ncloser = 0.5\n");
	struct ps_capacity_bounds b;
	ps_capacity_bounds(sc, 0.001, &b);
	assert_int_equal(b.usable_ports, 190);
	assert_int_equal(b.destinations, 4);
	assert_true(fabs(b.holding_s - 32) < 1e-9);
	assert_true(fabs(b.deterministic_per_s - 190.0 * 4 / 32) < 1e-9);
	assert_true(b.notes & PS_CAP_NOTE_GIVES_UP);
	assert_true(b.notes & PS_CAP_NOTE_ZIPF);
	assert_true(b.notes & PS_CAP_NOTE_PER_POOL);
	assert_true(strlen(ps_capacity_note_text(PS_CAP_NOTE_ZIPF)) > 10);
	free(sc);
	sc = pst_scenario("[workload.a]\ndestinations = 4\nmode = bind0\n");
	ps_capacity_bounds(sc, 0.001, &b);
	assert_int_equal(b.destinations, 1);
	assert_true(b.notes & PS_CAP_NOTE_PORT_LEVEL);
	free(sc);
}

/*
 * Connections held open: `attempts` of them at `rate` a second (the run ends
 * half a gap after the last), from `hosts` inside hosts in turn, to one
 * destination, behind the [nat] lines.
 */
static struct ps_scenario *held(const char *nat, unsigned hosts, unsigned attempts, double rate)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "[run]\nduration_s = %.9g\nsample_interval_s = 0.001\n[host]\nprofile = linux\n[nat]\n%s\n"
		 "[workload.vms]\nhosts = %u\narrival = constant\nrate_per_s = %.9g\nduration = fixed\n"
		 "duration_s = 100000\ndestinations = 1\n",
		 (attempts - 0.5) / rate, nat, hosts, rate);
	return pst_scenario(text);
}

static void expect_point(const struct ps_solve_result *res, uint64_t v, double fr)
{
	const struct ps_solve_point *p = ps_solve_find(res, v);
	assert_non_null(p);
	assert_true(p->valid);
	assert_int_equal(p->failure_ratio.n, res->replications);
	if (fabs(p->failure_ratio.mean - fr) > 1e-12 || fabs(p->worst - fr) > 1e-12)
		fail_msg("value %llu: failure ratio %.10g (worst %.10g), expected %.10g",
			 (unsigned long long)v, p->failure_ratio.mean, p->worst, fr);
}

static void test_solve_aws_nat_gateway_needs_three_addresses(void **state)
{
	(void)state;
	/* 120,000 connections to one destination; an address carries 55,000 to it. */
	struct ps_scenario *sc = held("preset = aws-nat-gateway", 5, 120000, 100000);
	char *dir = pst_tmpdir();
	/* One replication: the count is exact whatever the seed, and 120,000 connections take time under ASan. */
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 1, .out_dir = dir };
	struct ps_solve_result res;
	char err[PS_ERR_MAX];
	if (ps_capacity_solve(sc, "nat.addresses", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	print_message("aws: nat.addresses = %llu after %zu values\n", (unsigned long long)res.answer,
		      res.ntried);
	assert_int_equal(res.answer, 3);
	assert_int_equal(res.min, 1);
	assert_int_equal(res.max, 256);
	expect_point(&res, 3, 0);
	expect_point(&res, 2, (120000.0 - 110000) / 120000);
	expect_point(&res, 1, (120000.0 - 55000) / 120000);
	/* 1, 2, 4 upward, then 3 between the last failure and the first success. */
	assert_int_equal(res.ntried, 4);
	for (size_t i = 0; i < res.ntried; i++)
		assert_int_equal(res.tried[i].value, i + 1);
	char *p = pst_path(dir, "capacity_solve.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	assert_string_equal(text, "value,failure_ratio,ci95_low,ci95_high,n\n"
				  "1,0.5416666667,0.5416666667,0.5416666667,1\n"
				  "2,0.08333333333,0.08333333333,0.08333333333,1\n"
				  "3,0,0,0,1\n4,0,0,0,1\n");
	free(text);
	free(p);
	ps_solve_result_fini(&res);
	pst_rmtree(dir);
	free(dir);
	free(sc);
}

static void test_solve_gcp_static_needs_two_addresses(void **state)
{
	(void)state;
	/* 64 ports per VM out of 64,512 per address: 1,008 VMs per address, 2,000 VMs. */
	struct ps_scenario *sc = held("preset = gcp-cloud-nat", 2000, 2000, 100000);
	/* Each VM opens one connection: a narrow inside range keeps 2,000 hosts' tables small. */
	char err[PS_ERR_MAX];
	if (ps_scenario_set(sc, "host.port_range=60000-60099", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 2 };
	struct ps_solve_result res;
	if (ps_capacity_solve(sc, "nat.addresses", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	print_message("gcp: nat.addresses = %llu after %zu values\n", (unsigned long long)res.answer,
		      res.ntried);
	assert_int_equal(res.answer, 2);
	expect_point(&res, 2, 0);
	expect_point(&res, 1, (2000.0 - 1008) / 2000);
	assert_int_equal(res.ntried, 2);
	ps_solve_result_fini(&res);
	free(sc);
}

static void test_solve_any_integer_key(void **state)
{
	(void)state;
	/* 1,000 connections held open on 200 ports toward one destination: 5 source addresses. */
	struct ps_scenario *sc = pst_scenario("[run]\nduration_s = 0.09995\nsample_interval_s = 0.01\n[host]\nstrategy = linux\n"
					  "port_range = 50000-50199\n[workload.c]\narrival = constant\n"
					  "rate_per_s = 10000\nduration = fixed\nduration_s = 100000\n");
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 1 };
	struct ps_solve_result res;
	char err[PS_ERR_MAX];
	if (ps_capacity_solve(sc, "host.addresses", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_int_equal(res.answer, 5);
	expect_point(&res, 4, 0.2);
	ps_solve_result_fini(&res);
	/* "At or below": with a target of exactly 0.2, four addresses are enough. */
	opt.max_failure = 0.2;
	if (ps_capacity_solve(sc, "host.addresses", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_int_equal(res.answer, 4);
	expect_point(&res, 3, 0.4);
	ps_solve_result_fini(&res);
	free(sc);
}

static void test_solve_skips_values_the_scenario_refuses(void **state)
{
	(void)state;
	/* RFC 7422 slices: 200 hosts at 64 per address need 4 addresses before anything runs. */
	struct ps_scenario *sc = held("allocator = deterministic\nsharing_ratio = 64\naddresses = 4", 200, 200, 10000);
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 1 };
	struct ps_solve_result res;
	char err[PS_ERR_MAX];
	if (ps_capacity_solve(sc, "nat.addresses", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_int_equal(res.answer, 4);
	const struct ps_solve_point *below = ps_solve_find(&res, 3);
	assert_non_null(below);
	assert_false(below->valid);
	assert_non_null(strstr(below->why, "sharing_ratio x addresses"));
	ps_solve_result_fini(&res);
	free(sc);
}

static void test_solve_fails_when_even_the_maximum_fails(void **state)
{
	(void)state;
	/* One VM with 64 ports makes 70 connections to one destination: no address helps. */
	struct ps_scenario *sc = held("preset = gcp-cloud-nat", 1, 70, 10000);
	char *dir = pst_tmpdir();
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 1, .out_dir = dir };
	struct ps_solve_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_capacity_solve(sc, "nat.addresses", &opt, &res, err, sizeof(err)), PS_BAD_INPUT);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "even nat.addresses = 256 leaves a failure ratio of 0.08571"));
	assert_null(res.tried);
	/* The curve is written all the same: 1, 2, 4, ..., 256. */
	char *p = pst_path(dir, "capacity_solve.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\n1,0.08571428571,"));
	assert_non_null(strstr(text, "\n256,0.08571428571,0.08571428571,0.08571428571,1\n"));
	size_t lines = 0;
	for (char *c = text; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 1 + 9);
	free(text);
	free(p);
	pst_rmtree(dir);
	free(dir);
	free(sc);
}

static void test_solve_rejects_what_it_cannot_solve(void **state)
{
	(void)state;
	struct ps_scenario *sc = held("preset = gcp-cloud-nat", 1, 1, 100);
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 1 };
	struct ps_solve_result res;
	char err[PS_ERR_MAX];
	const struct {
		const char *key, *says;
	} bad[] = {
		{ "nat.adresses", "unknown key; did you mean \"addresses\"?" },
		{ "nat.preset", "not an integer key" },
		{ "run.duration_s", "not an integer key" },
		{ "host.time_wait_s", "not an integer key" }, /* a real number with whole bounds */
		{ "host.tw_reuse", "not an integer key" },    /* 0, 1, 2: an enumeration */
		{ "workload.vm.hosts", "no population \"vm\"; it has [workload.vms]" },
		{ "run.seed", "not a quantity" },
		{ "addresses", "expected SECTION.KEY" },
		{ "nat.addresses=2", "expected SECTION.KEY" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ps_capacity_solve(sc, bad[i].key, &opt, &res, err, sizeof(err)) != PS_BAD_INPUT)
			fail_msg("%s: accepted", bad[i].key);
		if (!strstr(err, bad[i].says))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].key, err, bad[i].says);
	}
	/* A population's key is solved under its own name. */
	if (ps_capacity_solve(sc, "workload.vms.hosts", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_int_equal(res.answer, 1);
	ps_solve_result_fini(&res);
	free(sc);
}

/* GCP's 64 ports per VM on a NAT range of 640 ports: 10 VMs per address. */
#define TEN_VMS_PER_ADDRESS "preset = gcp-cloud-nat\nport_range = 1024-1663"

static void test_solve_max_most_vms_per_address(void **state)
{
	(void)state;
	/* 40 connections held open from 4 VMs in turn; more VMs share them, and an 11th VM gets no block. */
	struct ps_scenario *sc = held(TEN_VMS_PER_ADDRESS, 4, 40, 1000);
	char err[PS_ERR_MAX];
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 2 };
	struct ps_solve_result res;
	if (ps_capacity_solve_max(sc, "workload.vms.hosts", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_true(res.largest);
	assert_int_equal(res.start, 4);
	assert_int_equal(res.answer, 10);
	expect_point(&res, 4, 0);
	expect_point(&res, 8, 0);
	expect_point(&res, 10, 0);
	/* The 11th VM's attempts are 10, 21 and 32 of 40. */
	expect_point(&res, 11, 3.0 / 40);
	/* Of 16 VMs the last 6 have no block: attempts 10-15 and 26-31. */
	expect_point(&res, 16, 12.0 / 40);
	/* Doubling from the scenario's value, then bisection: 4 8 16, 12 10 11. */
	assert_int_equal(res.ntried, 6);
	ps_solve_result_fini(&res);
	free(sc);
}

static void test_solve_both_ways_on_one_nat(void **state)
{
	(void)state;
	/* The smallest number of addresses for 25 VMs: 10 per address, so 3. */
	struct ps_scenario *sc = held(TEN_VMS_PER_ADDRESS, 25, 50, 1000);
	char err[PS_ERR_MAX];
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 1 };
	struct ps_solve_result res;
	if (ps_capacity_solve(sc, "nat.addresses", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_false(res.largest);
	assert_int_equal(res.answer, 3);
	expect_point(&res, 1, 30.0 / 50);
	expect_point(&res, 2, 10.0 / 50);
	expect_point(&res, 3, 0);
	ps_solve_result_fini(&res);
	/* The largest with 3 addresses: 30 VMs. */
	if (ps_scenario_set(sc, "nat.addresses=3", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (ps_capacity_solve_max(sc, "workload.vms.hosts", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_int_equal(res.answer, 30);
	expect_point(&res, 30, 0);
	assert_true(ps_solve_find(&res, 31)->failure_ratio.mean > 0);
	ps_solve_result_fini(&res);
	/* The most ports per VM for 25 VMs on 3 addresses: 9 blocks an address at least, 640 / 9 = 71. */
	if (ps_capacity_solve_max(sc, "nat.block_size", &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_int_equal(res.answer, 71);
	ps_solve_result_fini(&res);
	free(sc);
}

static void test_solve_max_needs_a_start_that_meets_the_target(void **state)
{
	(void)state;
	/* 12 VMs on one address of 10 blocks: the scenario itself fails. */
	struct ps_scenario *sc = held(TEN_VMS_PER_ADDRESS, 12, 24, 1000);
	char err[PS_ERR_MAX];
	struct ps_capacity_options opt = { .max_failure = 0.001, .replications = 1 };
	struct ps_solve_result res;
	assert_int_equal(ps_capacity_solve_max(sc, "workload.vms.hosts", &opt, &res, err, sizeof(err)), PS_BAD_INPUT);
	if (!strstr(err, "at the scenario's own workload.vms.hosts = 12 the failure ratio is already 0.1667"))
		fail_msg("%s", err);
	free(sc);
}

static void expect_cli(int status, const char *const *argv, const char *const *needles)
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

static void test_cli_solve_prints_the_answer_and_the_value_below(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *ini = pst_path(dir, "gcp.ini");
	char *out = pst_path(dir, "out");
	assert_int_equal(pst_write_file(ini, "[run]\nduration_s = 0.019995\nsample_interval_s = 0.001\n"
					     "[host]\nprofile = linux\nport_range = 60000-60099\n"
					     "[nat]\npreset = gcp-cloud-nat\n"
					     "[workload.vms]\nhosts = 2000\narrival = constant\n"
					     "rate_per_s = 100000\nduration = fixed\nduration_s = 100000\n"),
			 0);
	expect_cli(0, (const char *[]){ "capacity", ini, "--solve", "nat.addresses", "-n", "2", "--out", out, NULL },
		   (const char *[]){ "nat.addresses = 2 is the smallest value keeping the failure ratio <= 0.001 "
				     "in every one of 2 replications",
				     "nat.addresses = 2: failure ratio 0 ",
				     "nat.addresses = 1: failure ratio 0.496 ", "capacity_solve.csv", NULL });
	char *p = pst_path(out, "capacity_solve.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	assert_string_equal(text, "value,failure_ratio,ci95_low,ci95_high,n\n1,0.496,0.496,0.496,2\n2,0,0,0,2\n");
	free(text);
	free(p);
	expect_cli(2, (const char *[]){ "capacity", ini, "--solve", "nat.adresses", "--out", out, NULL },
		   (const char *[]){ "unknown key; did you mean \"addresses\"?", NULL });
	expect_cli(2, (const char *[]){ "capacity", ini, "--solve", "run.duration_s", "--out", out, NULL },
		   (const char *[]){ "not an integer key", NULL });
	expect_cli(2, (const char *[]){ "capacity", ini, "--solve", "nat.addresses", "--sweep", "rate=1:2:1", NULL },
		   (const char *[]){ "give one of them", NULL });
	expect_cli(0, (const char *[]){ "capacity", "--help", NULL },
		   (const char *[]){ "--solve KEY", "--solve-max KEY", NULL });
	expect_cli(0, (const char *[]){ "capacity", ini, "--solve-max", "workload.vms.hosts", "--set",
					"workload.vms.hosts=1000", "--max-failure", "0.0001", "-n", "1", "--out", out, NULL },
		   (const char *[]){ "workload.vms.hosts = 1008 is the largest value keeping the failure ratio <= 0.0001 "
				     "in its one replication",
				     "workload.vms.hosts = 1008: failure ratio 0 ",
				     "workload.vms.hosts = 1009: failure ratio ", NULL });
	expect_cli(2, (const char *[]){ "capacity", ini, "--solve", "nat.addresses", "--solve-max", "nat.addresses",
					"--out", out, NULL },
		   (const char *[]){ "give one of them", NULL });
	expect_cli(2, (const char *[]){ "capacity", ini, "--solve-max", "nat.addresses", "--sweep", "rate=1:2:1",
					NULL },
		   (const char *[]){ "--solve-max and --sweep ask different questions", NULL });
	expect_cli(2, (const char *[]){ "capacity", ini, "--solve-max", "run.duration_s", "--out", out, NULL },
		   (const char *[]){ "--solve-max run.duration_s: not an integer key", NULL });
	free(out);
	free(ini);
	pst_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_of_the_deterministic_case),
		cmocka_unit_test(test_capacity_finds_ports_over_holding_time),
		cmocka_unit_test(test_capacity_agrees_with_erlang_b),
		cmocka_unit_test(test_sweep_writes_the_knee),
		cmocka_unit_test(test_sweep_rejects_bad_ranges),
		cmocka_unit_test(test_search_writes_points_and_summary),
		cmocka_unit_test(test_scale_multiplies_every_scaled_population),
		cmocka_unit_test(test_bounds_explain_what_the_formulas_miss),
		cmocka_unit_test(test_solve_aws_nat_gateway_needs_three_addresses),
		cmocka_unit_test(test_solve_gcp_static_needs_two_addresses),
		cmocka_unit_test(test_solve_any_integer_key),
		cmocka_unit_test(test_solve_skips_values_the_scenario_refuses),
		cmocka_unit_test(test_solve_fails_when_even_the_maximum_fails),
		cmocka_unit_test(test_solve_rejects_what_it_cannot_solve),
		cmocka_unit_test(test_solve_max_most_vms_per_address),
		cmocka_unit_test(test_solve_both_ways_on_one_nat),
		cmocka_unit_test(test_solve_max_needs_a_start_that_meets_the_target),
		cmocka_unit_test(test_cli_solve_prints_the_answer_and_the_value_below),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
