/*
 * Closed forms: Erlang-B against published values, the bounds of hand-made
 * pools, the host pool a scenario resolves to, and which pool binds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/bounds.h"
#include "support.h"

static void test_erlang_b_known_values(void **state)
{
	(void)state;
	assert_double_equal(ps_erlang_b(1, 3), 0.75, 1e-12);
	assert_double_equal(ps_erlang_b(10, 5), 0.0183846, 1e-7);
	assert_double_equal(ps_erlang_b(200, 180), 0.0103250, 1e-7);
	assert_double_equal(ps_erlang_b(0, 2), 1, 0);
	assert_double_equal(ps_erlang_b(5, 0), 0, 0);
	/* The recursion stays finite where factorials overflow. */
	double b = ps_erlang_b(28232, 28000);
	assert_true(b > 0 && b < 0.01);
}

static void test_erlang_b_load_inverts_the_formula(void **state)
{
	(void)state;
	const unsigned cs[] = { 1, 10, 200, 16384 };
	const double targets[] = { 0.001, 0.01, 0.5 };
	for (size_t i = 0; i < 4; i++) {
		for (size_t j = 0; j < 3; j++) {
			double a = ps_erlang_b_load(cs[i], targets[j]);
			assert_double_equal(ps_erlang_b(cs[i], a), targets[j], targets[j] * 1e-9);
		}
	}
	/* One server: B = a / (1 + a). */
	assert_double_equal(ps_erlang_b_load(1, 0.5), 1.0, 1e-9);
	assert_true(isnan(ps_erlang_b_load(10, 0)));
	assert_true(isnan(ps_erlang_b_load(10, 1)));
}

/* One address, one destination: the pool a default host offers. */
static struct ps_pool_spec one_pool(uint32_t ports, double holding_s, double target)
{
	return (struct ps_pool_spec){ .name = "test", .usable_ports = ports, .destinations = 1,
				      .addresses = 1, .holding_s = holding_s, .target = target };
}

static void test_16384_ports_held_60_s_give_273_per_s(void **state)
{
	(void)state;
	struct ps_pool_spec p = one_pool(16384, 60, 0.001);
	struct ps_pool_bound b;
	ps_bounds_pool(&p, &b);
	assert_double_equal(b.deterministic_per_s, 273.0666667, 1e-6);
	/* Erlang-B at 0.1 % blocking stays a little below: random arrivals fill the pool sooner. */
	assert_double_equal(b.erlang_load, ps_erlang_b_load(16384, 0.001), 0);
	assert_double_equal(b.erlang_per_s, b.erlang_load / 60, 1e-9);
	assert_true(b.erlang_per_s < b.deterministic_per_s && b.erlang_per_s > 0.95 * b.deterministic_per_s);
	assert_string_equal(b.pool.name, "test");
}

static void test_erlang_b_pool_of_200_ports(void **state)
{
	(void)state;
	/* M/M/200/200 at 1 % blocking: A = 179.7 Erlangs, so 179.7/s with 1 s connections. */
	struct ps_pool_spec p = one_pool(200, 1, 0.01);
	struct ps_pool_bound b;
	ps_bounds_pool(&p, &b);
	assert_double_equal(b.deterministic_per_s, 200, 1e-12);
	assert_double_equal(b.erlang_per_s, 179.7, 0.05);
	assert_double_equal(ps_erlang_b(200, b.erlang_load), 0.01, 1e-11);
}

static void test_independent_pools_multiply_both_forms(void **state)
{
	(void)state;
	struct ps_pool_spec one = one_pool(1000, 10, 0.001), many = one;
	many.destinations = 4;
	many.addresses = 3;
	struct ps_pool_bound a, b;
	ps_bounds_pool(&one, &a);
	ps_bounds_pool(&many, &b);
	assert_double_equal(b.deterministic_per_s, 12 * a.deterministic_per_s, 1e-9);
	assert_double_equal(b.erlang_per_s, 12 * a.erlang_per_s, 1e-9);
	/* The load is per independent pool: it does not grow with their number. */
	assert_double_equal(b.erlang_load, a.erlang_load, 0);
}

static void test_unknown_holding_time_gives_no_rate(void **state)
{
	(void)state;
	struct ps_pool_spec p = one_pool(200, NAN, 0.01);
	struct ps_pool_bound b;
	ps_bounds_pool(&p, &b);
	assert_true(isnan(b.deterministic_per_s) && isnan(b.erlang_per_s));
	assert_true(b.erlang_load > 0);
}

static void test_default_scenario_is_one_host_pool(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(ps_scenario_default_ini);
	struct ps_pool_spec pools[PS_BOUNDS_POOLS_MAX];
	assert_int_equal(ps_bounds_pools(sc, 0.001, pools, PS_BOUNDS_POOLS_MAX), 1);
	const struct ps_pool_spec *p = &pools[0];
	assert_string_equal(p->name, "host");
	assert_int_equal(p->usable_ports, 16384);
	assert_int_equal(p->destinations, 1);
	assert_int_equal(p->addresses, 1);
	/* TIME_WAIT 60 s after every connection (the client closes) plus its 0.2 s mean duration. */
	assert_double_equal(p->holding_s, 60.2, 1e-12);
	assert_double_equal(p->offered_per_s, sc->pop[0].rate_per_s, 0);
	assert_double_equal(p->target, 0.001, 0);
	struct ps_pool_bound b[PS_BOUNDS_POOLS_MAX];
	size_t n = ps_bounds(sc, 0.001, b, PS_BOUNDS_POOLS_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(ps_bounds_binding(b, n), 0);
	assert_double_equal(b[0].deterministic_per_s, 16384 / 60.2, 1e-9);
	assert_int_equal(ps_bounds_pools(sc, 0.001, pools, 0), 0);
	free(sc);
}

static void test_the_lowest_bound_binds(void **state)
{
	(void)state;
	struct ps_pool_bound b[3];
	struct ps_pool_spec host = one_pool(16384, 60, 0.001), nat = one_pool(64512, 120, 0.001),
			    none = one_pool(1000, NAN, 0.001);
	nat.name = "nat";
	ps_bounds_pool(&none, &b[0]);
	ps_bounds_pool(&nat, &b[1]);
	ps_bounds_pool(&host, &b[2]);
	/* 64512 / 120 = 537.6/s against 16384 / 60 = 273.1/s: the host's pool runs dry first. */
	assert_int_equal(ps_bounds_binding(b, 3), 2);
	assert_int_equal(ps_bounds_binding(b, 2), 1);
	/* A pool without a bound binds only when no pool has one. */
	assert_int_equal(ps_bounds_binding(b, 1), 0);
	assert_int_equal(ps_bounds_binding(b, 0), 0);
}

static void test_scaled_rate_leaves_out_burst_and_replay(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[workload.a]\nrate_per_s = 10\n"
					      "[workload.b]\narrival = burst\nburst_size = 5\nrate_per_s = 7\n");
	assert_true(ps_population_scaled(&sc->pop[0]));
	assert_false(ps_population_scaled(&sc->pop[1]));
	assert_double_equal(ps_scaled_rate(sc), 10, 0);
	free(sc);
}

static void test_every_note_has_a_sentence(void **state)
{
	(void)state;
	for (unsigned i = 0; i < PS_CAP_NOTE_COUNT; i++)
		assert_true(strlen(ps_capacity_note_text(1u << i)) > 10);
	assert_string_equal(ps_capacity_note_text(0), "");
	assert_string_equal(ps_capacity_note_text(1u << PS_CAP_NOTE_COUNT), "");
	assert_string_equal(ps_capacity_note_text(3), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_erlang_b_known_values),
		cmocka_unit_test(test_erlang_b_load_inverts_the_formula),
		cmocka_unit_test(test_16384_ports_held_60_s_give_273_per_s),
		cmocka_unit_test(test_erlang_b_pool_of_200_ports),
		cmocka_unit_test(test_independent_pools_multiply_both_forms),
		cmocka_unit_test(test_unknown_holding_time_gives_no_rate),
		cmocka_unit_test(test_default_scenario_is_one_host_pool),
		cmocka_unit_test(test_the_lowest_bound_binds),
		cmocka_unit_test(test_scaled_rate_leaves_out_burst_and_replay),
		cmocka_unit_test(test_every_note_has_a_sentence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
