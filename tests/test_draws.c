/*
 * The workload drawn ahead on a second thread (draws.h) against the same
 * workload drawn in place: every attempt and every arrival time the same,
 * in every arrival process and choice, and what a look ahead shows; a
 * whole run writing the same bytes;
 * and a thread stopped mid-run leaving nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/draws.h"
#include "portsim/run.h"
#include "portsim/scenario.h"
#include "portsim/workload.h"
#include "support.h"

#define SEED 77u

/* Five populations, one per arrival process, with Zipf and uniform choices and several sources. */
static const char *const MIXED =
	"[run]\nduration_s = 40\n"
	"[host]\naddresses = 3\n"
	"[workload.a]\narrival = poisson\nrate_per_s = 3000\ndestinations = 50\nchoice = zipf\nzipf_s = 1.1\n"
	"closer = 0.7\n"
	"[workload.b]\narrival = constant\nrate_per_s = 700\nduration = lognormal\nduration_s = 0.3\n"
	"[workload.c]\narrival = onoff\nrate_per_s = 2000\non_s = 2\noff_s = 3\ndestinations = 7\n"
	"[workload.d]\narrival = burst\nburst_size = 40\nburst_interval_s = 0.5\nstart_s = 1\n"
	"[workload.e]\narrival = ramp\nrate_per_s = 100\nrate_end_per_s = 4000\nmode = udp\n";

/* Arrivals in time order across populations, as the run meets them; the lowest population on a tie. */
static unsigned earliest(const ps_time *next, unsigned npop, ps_time end)
{
	unsigned best = npop;
	for (unsigned i = 0; i < npop; i++)
		if (next[i] < end && (best == npop || next[i] < next[best]))
			best = i;
	return best;
}

static void test_drawn_ahead_equals_drawn_in_place(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(MIXED);
	struct ps_workload *w1 = pst_workload(sc, SEED), *w2 = pst_workload(sc, SEED);
	unsigned npop = w1->cfg->npop;
	assert_int_equal(npop, 5);
	ps_time end = ps_time_from_s(40);
	struct ps_draws in_place, ahead;
	ps_draws_start(&in_place, w1, end, false);
	ps_draws_start(&ahead, w2, end, true);
	assert_false(in_place.threaded);
	assert_true(ahead.threaded);
	ps_time next[PS_MAX_POPULATIONS];
	for (unsigned i = 0; i < npop; i++) {
		next[i] = ps_draws_first(&in_place, i);
		assert_true(ps_draws_first(&ahead, i) == next[i]);
	}
	uint64_t n = 0, per[PS_MAX_POPULATIONS] = { 0 }, peeked = 0;
	/* What a look PEEK arrivals ahead promised, by arrival number modulo PEEK + 1. */
	enum { PEEK = 6 };
	struct ps_attempt promised[PS_MAX_POPULATIONS][PEEK + 1];
	bool promise[PS_MAX_POPULATIONS][PEEK + 1] = { { false } };
	for (unsigned i; (i = earliest(next, npop, end)) < npop; n++) {
		struct ps_attempt x, y;
		ps_time nx, ny;
		assert_null(ps_draws_peek(&in_place, i, 0));
		const struct ps_attempt *p = ps_draws_peek(&ahead, i, PEEK);
		unsigned later = (unsigned)((per[i] + PEEK) % (PEEK + 1)), now = (unsigned)(per[i] % (PEEK + 1));
		if ((promise[i][later] = p != NULL))
			promised[i][later] = *p;
		ps_draws_next(&in_place, i, next[i], &x, &nx);
		ps_draws_next(&ahead, i, next[i], &y, &ny);
		if (x.dst != y.dst || x.addr != y.addr || x.duration != y.duration ||
		    x.client_closes != y.client_closes || x.mode != y.mode || nx != ny)
			fail_msg("population %u, arrival %llu: the draws made ahead differ", i,
				 (unsigned long long)per[i]);
		if (promise[i][now]) {
			const struct ps_attempt *q = &promised[i][now];
			if (q->dst != x.dst || q->addr != x.addr || q->duration != x.duration || q->mode != x.mode)
				fail_msg("population %u, arrival %llu: a look ahead showed another attempt", i,
					 (unsigned long long)per[i]);
			peeked++;
		}
		promise[i][now] = false;
		per[i]++;
		next[i] = nx;
	}
	/* The looks ahead were answered for nearly every arrival: the ring is far ahead of the run. */
	assert_true(peeked > n / 2);
	/* Every process had arrivals, so every one was compared, past several turns of its ring. */
	for (unsigned i = 0; i < npop; i++)
		assert_true(per[i] > 500);
	assert_true(n > 100000);
	ps_draws_stop(&ahead);
	ps_draws_stop(&in_place);
	ps_draws_stop(&ahead); /* twice is safe */
	pst_workload_free(w1);
	pst_workload_free(w2);
	free(sc);
}

/* The run's files with the thread and without it. */
static void run_into(const struct ps_scenario *sc, bool ahead, char **events, char **timeseries)
{
	char *dir = pst_tmpdir();
	struct ps_run_options opt = { .out_dir = dir, .events = true, .draw_ahead = ahead };
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	if (ps_run(sc, &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("run: %s", err);
	ps_run_result_fini(&res);
	char *e = pst_path(dir, "events.csv"), *t = pst_path(dir, "timeseries.csv");
	*events = pst_read_file(e, NULL);
	*timeseries = pst_read_file(t, NULL);
	assert_non_null(*events);
	assert_non_null(*timeseries);
	free(e);
	free(t);
	pst_rmtree(dir);
	free(dir);
}

static void test_a_run_writes_the_same_bytes_with_the_thread(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(MIXED);
	char *e1, *t1, *e2, *t2;
	run_into(sc, false, &e1, &t1);
	run_into(sc, true, &e2, &t2);
	assert_true(strlen(e1) > 1000000);
	assert_string_equal(e1, e2);
	assert_string_equal(t1, t2);
	free(e1);
	free(t1);
	free(e2);
	free(t2);
	free(sc);
}

/* A run that stops early (a signal, a failed write) stops the thread wherever it is. */
static void test_stopping_early_leaves_nothing_behind(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[run]\nduration_s = 1e6\n[workload.a]\nrate_per_s = 1e5\n");
	struct ps_workload *w = pst_workload(sc, SEED);
	ps_time end = ps_time_from_s(1e6);
	for (int k = 0; k < 3; k++) {
		struct ps_draws d;
		ps_draws_start(&d, w, end, true);
		assert_true(d.threaded);
		ps_time t = ps_draws_first(&d, 0);
		/* None, a few, then more than a ring holds: the thread is stopped drawing, napping or waiting. */
		for (int i = 0; i < k * 5000; i++) {
			struct ps_attempt a;
			ps_time next;
			ps_draws_next(&d, 0, t, &a, &next);
			assert_true(next >= t);
			t = next;
		}
		ps_draws_stop(&d);
	}
	pst_workload_free(w);
	free(sc);
}

static void test_run_takes_jobs(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *one = pst_path(dir, "one"), *two = pst_path(dir, "two");
	char *log = NULL;
	const char *set[] = { "run", "--set", "run.duration_s=30", "-j", "1", "--quiet", "--out", one, NULL };
	assert_int_equal(pst_run_cli(&log, set), 0);
	free(log);
	set[4] = "2";
	set[7] = two;
	assert_int_equal(pst_run_cli(&log, set), 0);
	free(log);
	char *a = pst_path(one, "timeseries.csv"), *b = pst_path(two, "timeseries.csv");
	char *ta = pst_read_file(a, NULL), *tb = pst_read_file(b, NULL);
	assert_non_null(ta);
	assert_non_null(tb);
	assert_string_equal(ta, tb);
	/* Out of range: exit 2, one line naming the option and what is allowed, nothing written. */
	char *bad = pst_path(dir, "bad");
	const char *zero[] = { "run", "-j", "0", "--out", bad, NULL };
	assert_int_equal(pst_run_cli(&log, zero), 2);
	assert_non_null(strstr(log, "jobs"));
	free(log);
	FILE *f = fopen(bad, "r");
	assert_null(f);
	free(ta);
	free(tb);
	free(a);
	free(b);
	free(bad);
	free(one);
	free(two);
	pst_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drawn_ahead_equals_drawn_in_place),
		cmocka_unit_test(test_a_run_writes_the_same_bytes_with_the_thread),
		cmocka_unit_test(test_stopping_early_leaves_nothing_behind),
		cmocka_unit_test(test_run_takes_jobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
