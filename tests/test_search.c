/*
 * The search driver on a case with a known answer: 5 connections a second,
 * each holding its port 1 s and then 9 s in TIME_WAIT, keep 50 ports busy,
 * so 50 ports is the smallest pool without failures and 200 ports sustain
 * 20 connections a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/search.h"
#include "support.h"

static const char deterministic_ini[] =
	"[run]\nduration_s = 40\nseed = 3\n"
	"[host]\nstrategy = linux\nport_range = 50000-50199\ntime_wait_s = 9\n"
	"[workload.c]\narrival = constant\nrate_per_s = 5\nduration = fixed\nduration_s = 1\n"
	"closer = client\n";

/* x ports from 50000 up; fewer than 2 are refused, as a scenario's checks would. */
static int with_ports(void *arg, double x, struct ps_scenario *sc, char *err, size_t size)
{
	(void)arg;
	if (x < 2) {
		snprintf(err, size, "too few ports: %.0f", x);
		return -1;
	}
	char assignment[64];
	snprintf(assignment, sizeof(assignment), "host.port_range=50000-%" PRIu64, 50000 + (uint64_t)x - 1);
	return ps_scenario_set(sc, assignment, err, size) == 0 ? 0 : -1;
}

static int at_rate(void *arg, double x, struct ps_scenario *sc, char *err, size_t size)
{
	(void)arg;
	(void)err;
	(void)size;
	sc->pop[0].rate_per_s = x;
	return 0;
}

static void label(void *arg, double x, char *buf, size_t size)
{
	snprintf(buf, size, "%s %g", (const char *)arg, x);
}

static void count_runs(void *arg, unsigned replication, double x, double failure_ratio)
{
	(void)replication;
	(void)x;
	(void)failure_ratio;
	++*(unsigned *)arg;
}

/* What each test works on: the scenario, a search over it, and the runs the progress callback saw. */
struct fixture {
	struct ps_scenario *sc;
	struct ps_search s;
	unsigned runs;
	char err[PS_ERR_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->sc = pst_scenario(deterministic_ini);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ps_search_fini(&f->s);
	free(f->sc);
	free(f);
	return 0;
}

/* A fresh search over the fixture's scenario, with points applied by apply. */
static struct ps_search *start(struct fixture *f, ps_search_apply_fn apply, unsigned reps)
{
	ps_search_fini(&f->s);
	f->s = (struct ps_search){ .base = f->sc, .replications = reps, .target = 0.001, .apply = apply,
				   .label = label, .arg = "ports", .progress = count_runs,
				   .progress_arg = &f->runs };
	f->runs = 0;
	assert_int_equal(ps_search_init(&f->s, f->err, sizeof(f->err)), PS_DONE);
	return &f->s;
}

static void test_replications_are_checked_and_seeded(void **state)
{
	(void)state;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_replications_check(1, err, sizeof(err)), PS_DONE);
	assert_int_equal(ps_replications_check(PS_REPLICATIONS_MAX, err, sizeof(err)), PS_DONE);
	assert_int_equal(ps_replications_check(0, err, sizeof(err)), PS_BAD_INPUT);
	assert_string_equal(err, "replications: 0 out of range; allowed: 1 to 1000");
	assert_int_equal(ps_replication_seed(7, 0), 7);
	assert_true(ps_replication_seed(7, 1) != ps_replication_seed(8, 0));
	struct ps_metrics m = { .attempts = 8, .failures = 2 };
	assert_true(ps_failure_ratio(&m) == 0.25);
	m.attempts = m.failures = 0;
	assert_true(ps_failure_ratio(&m) == 0);
}

static void test_a_refused_point_fails_without_running(void **state)
{
	struct fixture *f = *state;
	struct ps_search *s = start(f, with_ports, 2);
	struct ps_search_point p;
	assert_int_equal(ps_search_eval(s, 1, &p, f->err, sizeof(f->err)), PS_DONE);
	assert_false(p.valid);
	assert_false(p.pass);
	assert_string_equal(p.why, "too few ports: 1");
	assert_true(isnan(p.failure_ratio.mean) && isnan(p.worst));
	assert_int_equal(p.failure_ratio.n, 0);
	double fr = 0;
	assert_int_equal(ps_search_run(s, 1, 0, &fr, f->err, sizeof(f->err)), PS_DONE);
	assert_true(isnan(fr));
	assert_int_equal(s->nruns, 0);
	assert_int_equal(f->runs, 0);
}

static void test_each_point_is_measured_once(void **state)
{
	struct fixture *f = *state;
	struct ps_search *s = start(f, with_ports, 3);
	struct ps_search_point p, again;
	assert_int_equal(ps_search_eval(s, 40, &p, f->err, sizeof(f->err)), PS_DONE);
	assert_int_equal(ps_search_eval(s, 40, &again, f->err, sizeof(f->err)), PS_DONE);
	assert_true(p.valid && !p.pass);
	assert_int_equal(p.failure_ratio.n, 3);
	/* Constant arrivals and durations: every replication fails alike. */
	assert_double_equal(p.worst, p.failure_ratio.mean, 1e-12);
	assert_true(p.worst > 0.1);
	assert_true(again.failure_ratio.mean == p.failure_ratio.mean);
	assert_int_equal(s->npoints, 1);
	assert_int_equal(s->nruns, 3);
	assert_int_equal(f->runs, 3);
	for (unsigned k = 0; k < 3; k++) {
		assert_true(s->runs[k].x == 40);
		assert_int_equal(s->runs[k].replication, k);
	}
	assert_non_null(ps_search_find(s, 40));
	assert_null(ps_search_find(s, 41));
}

static void test_smallest_finds_the_ports_the_load_keeps_busy(void **state)
{
	struct fixture *f = *state;
	struct ps_search *s = start(f, with_ports, 1);
	uint64_t answer = 0;
	bool found = false;
	assert_int_equal(ps_search_smallest(s, 1, 1000, &answer, &found, f->err, sizeof(f->err)), PS_DONE);
	assert_true(found);
	assert_int_equal(answer, 50);
	/* 1 (refused), 2, 4, ..., 64, then bisection down to 49 failing and 50 passing. */
	assert_false(ps_search_find(s, 1)->valid);
	assert_false(ps_search_find(s, 49)->pass);
	assert_true(ps_search_find(s, 50)->pass);
	assert_int_equal(s->nruns, s->npoints - 1);

	s = start(f, with_ports, 1);
	assert_int_equal(ps_search_smallest(s, 2, 30, &answer, &found, f->err, sizeof(f->err)), PS_DONE);
	assert_false(found);
	assert_non_null(ps_search_find(s, 30));
}

static void test_largest_brackets_the_rate_the_pool_sustains(void **state)
{
	struct fixture *f = *state;
	struct ps_search *s = start(f, at_rate, 1);
	struct ps_bracket b;
	assert_int_equal(ps_search_largest(s, 0, 5, 1e-6, 1e7, 0.01, &b, f->err, sizeof(f->err)), PS_DONE);
	assert_false(b.unbounded);
	assert_true(b.hi - b.lo <= 0.01 * b.lo);
	assert_true(b.lo <= 20 && b.hi > 20 - 1e-9);
	assert_int_equal(f->runs, s->nruns);
	/* A ceiling below the answer: never fails. */
	assert_int_equal(ps_search_largest(s, 0, 5, 1e-6, 12, 0.01, &b, f->err, sizeof(f->err)), PS_DONE);
	assert_true(b.unbounded);
	assert_true(b.lo == 12);
}

/* Poisson arrivals: replications differ, so a mix-up of slots would show. */
static const char poisson_ini[] =
	"[run]\nduration_s = 20\nseed = 4\n"
	"[host]\nstrategy = linux\nport_range = 50000-50199\ntime_wait_s = 9\n"
	"[workload.c]\narrival = poisson\nrate_per_s = 5\nduration = exponential\nduration_s = 1\n"
	"closer = client\n";

/* The same runs in the same order, and the same points, from two searches. */
static void assert_same_searches(const struct ps_search *a, const struct ps_search *b)
{
	assert_int_equal(a->nruns, b->nruns);
	for (size_t i = 0; i < a->nruns; i++) {
		assert_true(a->runs[i].x == b->runs[i].x);
		assert_int_equal(a->runs[i].replication, b->runs[i].replication);
		assert_true(a->runs[i].failure_ratio == b->runs[i].failure_ratio);
	}
	assert_int_equal(a->npoints, b->npoints);
	for (size_t i = 0; i < a->npoints; i++) {
		assert_true(a->points[i].x == b->points[i].x);
		assert_int_equal(a->points[i].valid, b->points[i].valid);
		assert_int_equal(a->points[i].pass, b->points[i].pass);
		assert_true(memcmp(&a->points[i].failure_ratio, &b->points[i].failure_ratio,
				   sizeof(a->points[i].failure_ratio)) == 0);
		assert_true(a->points[i].worst == b->points[i].worst || (isnan(a->points[i].worst) &&
									 isnan(b->points[i].worst)));
	}
}

static void test_many_points_at_once_as_one_after_another(void **state)
{
	struct fixture *f = *state;
	free(f->sc);
	f->sc = pst_scenario(poisson_ini);
	const double x[] = { 1, 20, 30, 20, 60, 10 };
	const size_t n = sizeof(x) / sizeof(x[0]);
	struct ps_search one = { .base = f->sc, .replications = 3, .target = 0.001, .apply = with_ports,
				 .label = label, .arg = "ports", .jobs = 1 };
	assert_int_equal(ps_search_init(&one, f->err, sizeof(f->err)), PS_DONE);
	struct ps_search_point p[6];
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ps_search_eval(&one, x[i], &p[i], f->err, sizeof(f->err)), PS_DONE);
	for (unsigned jobs = 1; jobs <= 3; jobs++) {
		struct ps_search_point q[6];
		struct ps_search *s = start(f, with_ports, 3);
		s->jobs = jobs;
		/* One point measured before: not run again, and still first among the points. */
		assert_int_equal(ps_search_eval(s, 1, &q[0], f->err, sizeof(f->err)), PS_DONE);
		assert_int_equal(ps_search_eval_many(s, x, n, q, f->err, sizeof(f->err)), PS_DONE);
		assert_same_searches(&one, s);
		assert_int_equal(f->runs, s->nruns);
		assert_int_equal(s->npoints, 5);
		for (size_t i = 0; i < n; i++)
			assert_true(q[i].x == p[i].x && q[i].valid == p[i].valid && q[i].pass == p[i].pass);
		assert_false(q[0].valid);
		assert_true(q[1].failure_ratio.mean == q[3].failure_ratio.mean);
	}
	ps_search_fini(&one);
}

static void test_every_replications_largest_at_once_as_one_after_another(void **state)
{
	struct fixture *f = *state;
	free(f->sc);
	f->sc = pst_scenario(poisson_ini);
	struct ps_search one = { .base = f->sc, .replications = 4, .target = 0.001, .apply = at_rate,
				 .label = label, .arg = "rate", .jobs = 1 };
	assert_int_equal(ps_search_init(&one, f->err, sizeof(f->err)), PS_DONE);
	struct ps_bracket b[4], c[4];
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(ps_search_largest(&one, k, 5, 1e-6, 1e7, 0.01, &b[k], f->err, sizeof(f->err)),
				 PS_DONE);
	for (unsigned jobs = 1; jobs <= 3; jobs++) {
		struct ps_search *s = start(f, at_rate, 4);
		s->jobs = jobs;
		assert_int_equal(ps_search_largest_each(s, 5, 1e-6, 1e7, 0.01, c, f->err, sizeof(f->err)), PS_DONE);
		assert_same_searches(&one, s);
		assert_int_equal(f->runs, s->nruns);
		for (unsigned k = 0; k < 4; k++)
			assert_true(b[k].lo == c[k].lo && b[k].hi == c[k].hi && b[k].unbounded == c[k].unbounded);
	}
	/* The replications differ: a slot given to the wrong replication would show. */
	assert_true(b[0].lo != b[1].lo || b[1].lo != b[2].lo || b[2].lo != b[3].lo);
	ps_search_fini(&one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replications_are_checked_and_seeded),
		cmocka_unit_test_setup_teardown(test_a_refused_point_fails_without_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_point_is_measured_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smallest_finds_the_ports_the_load_keeps_busy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_largest_brackets_the_rate_the_pool_sustains, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many_points_at_once_as_one_after_another, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_replications_largest_at_once_as_one_after_another, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
