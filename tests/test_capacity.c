/* Capacity search: the known answer on a deterministic case, Erlang-B on a Poisson one, the sweep. */
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

static struct ps_scenario *scenario(const char *ini)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	char err[PS_ERR_MAX];
	assert_non_null(sc);
	ps_scenario_defaults(sc);
	if (ps_scenario_parse(sc, "test", ini, err, sizeof(err)) != 0 ||
	    ps_scenario_validate(sc, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return sc;
}

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
	struct ps_scenario *sc = scenario(deterministic_ini);
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
	struct ps_scenario *sc = scenario(deterministic_ini);
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
	struct ps_scenario *sc = scenario(poisson_ini);
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
	struct ps_scenario *sc = scenario(deterministic_ini);
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
	struct ps_scenario *sc = scenario(deterministic_ini);
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
	struct ps_scenario *sc = scenario(deterministic_ini);
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
	struct ps_scenario *sc = scenario("[workload.a]\nrate_per_s = 10\n"
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
	struct ps_scenario *sc = scenario("[host]\nstrategy = rfc6056-2\ntries = 10\n"
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
	sc = scenario("[workload.a]\ndestinations = 4\nmode = bind0\n");
	ps_capacity_bounds(sc, 0.001, &b);
	assert_int_equal(b.destinations, 1);
	assert_true(b.notes & PS_CAP_NOTE_PORT_LEVEL);
	free(sc);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
