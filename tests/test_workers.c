/*
 * The worker pool: every index runs once whatever the number of threads, the
 * lowest failing index is the one reported, and the number of threads is
 * settled from -j, PORTSIM_JOBS or the machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portsim/workers.h"

#define N 200

struct counts {
	unsigned ran[N];       /* each slot written by its own index only */
	unsigned total;        /* under ps_workers_lock */
	size_t fail_a, fail_b; /* indices that fail (N: none) */
	long slow_ns;          /* how long fail_a takes, so fail_b fails first in time */
};

static void pause_ns(long ns)
{
	struct timespec t = { ns / 1000000000L, ns % 1000000000L };
	while (nanosleep(&t, &t) != 0)
		;
}

static int count(void *arg, size_t i, char *err, size_t size)
{
	struct counts *c = arg;
	c->ran[i]++;
	ps_workers_lock();
	c->total++;
	ps_workers_unlock();
	if (i == c->fail_a) {
		pause_ns(c->slow_ns);
		snprintf(err, size, "piece %zu failed", i);
		return 7;
	}
	if (i == c->fail_b) {
		snprintf(err, size, "piece %zu failed", i);
		return 9;
	}
	return 0;
}

static struct counts *fresh(void)
{
	struct counts *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->fail_a = c->fail_b = N;
	return c;
}

static void test_every_index_runs_once(void **state)
{
	(void)state;
	const unsigned jobs[] = { 0, 1, 2, 3, 8, 1000 };
	for (size_t j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++) {
		struct counts *c = fresh();
		char err[64] = "";
		assert_int_equal(ps_workers_map(jobs[j], N, count, c, err, sizeof(err)), 0);
		for (size_t i = 0; i < N; i++)
			if (c->ran[i] != 1)
				fail_msg("jobs %u: index %zu ran %u times", jobs[j], i, c->ran[i]);
		assert_int_equal(c->total, N);
		assert_string_equal(err, "");
		free(c);
	}
}

static void test_more_jobs_than_pieces_and_no_pieces(void **state)
{
	(void)state;
	struct counts *c = fresh();
	char err[64] = "";
	assert_int_equal(ps_workers_map(64, 3, count, c, err, sizeof(err)), 0);
	assert_int_equal(c->total, 3);
	assert_true(c->ran[0] == 1 && c->ran[1] == 1 && c->ran[2] == 1 && c->ran[3] == 0);
	assert_int_equal(ps_workers_map(4, 0, count, c, err, sizeof(err)), 0);
	assert_int_equal(c->total, 3);
	free(c);
}

static void test_the_lowest_failing_index_is_reported(void **state)
{
	(void)state;
	for (unsigned jobs = 1; jobs <= 4; jobs++) {
		/* Index 5 is slow to fail, 6 fails at once: 5 still wins, as one thread would have it. */
		struct counts *c = fresh();
		c->fail_a = 5;
		c->fail_b = 6;
		c->slow_ns = 20 * 1000 * 1000;
		char err[64] = "";
		assert_int_equal(ps_workers_map(jobs, N, count, c, err, sizeof(err)), 7);
		assert_string_equal(err, "piece 5 failed");
		for (size_t i = 0; i <= 5; i++)
			assert_int_equal(c->ran[i], 1);
		/* No index is handed out after a failure (with threads, those already out still finish). */
		if (jobs == 1)
			assert_int_equal(c->total, 6);
		free(c);
	}
	struct counts *c = fresh();
	c->fail_b = N - 1;
	char err[64] = "";
	assert_int_equal(ps_workers_map(3, N, count, c, err, sizeof(err)), 9);
	assert_string_equal(err, "piece 199 failed");
	assert_int_equal(c->total, N);
	free(c);
}

static void test_jobs_from_the_request_the_environment_or_the_machine(void **state)
{
	(void)state;
	char err[160];
	unsigned jobs = 0;
	assert_int_equal(ps_workers_jobs(3, &jobs, err, sizeof(err)), 0);
	assert_int_equal(jobs, 3);
	assert_int_equal(ps_workers_jobs(PS_JOBS_MAX + 1, &jobs, err, sizeof(err)), -1);
	assert_string_equal(err, "jobs: 1025 out of range; allowed: 1 to 1024");
	unsetenv("PORTSIM_JOBS");
	assert_int_equal(ps_workers_jobs(0, &jobs, err, sizeof(err)), 0);
	assert_true(jobs >= 1 && jobs <= PS_JOBS_MAX);
	setenv("PORTSIM_JOBS", "5", 1);
	assert_int_equal(ps_workers_jobs(0, &jobs, err, sizeof(err)), 0);
	assert_int_equal(jobs, 5);
	/* A request wins over the environment. */
	assert_int_equal(ps_workers_jobs(2, &jobs, err, sizeof(err)), 0);
	assert_int_equal(jobs, 2);
	const char *bad[] = { "0", "-2", "2x", "", "1025", " 3" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("PORTSIM_JOBS", bad[i], 1);
		if (ps_workers_jobs(0, &jobs, err, sizeof(err)) != -1)
			fail_msg("PORTSIM_JOBS=\"%s\" accepted", bad[i]);
	}
	assert_string_equal(err, "environment PORTSIM_JOBS = \" 3\": allowed: a whole number from 1 to 1024");
	unsetenv("PORTSIM_JOBS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_index_runs_once),
		cmocka_unit_test(test_more_jobs_than_pieces_and_no_pieces),
		cmocka_unit_test(test_the_lowest_failing_index_is_reported),
		cmocka_unit_test(test_jobs_from_the_request_the_environment_or_the_machine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
