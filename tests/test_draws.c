/*
 * The workload drawn ahead on a second thread (draws.h) against the same
 * workload drawn in place: every attempt and every arrival time the same,
 * in every arrival process and choice, and what a look ahead shows; a
 * whole run writing the same bytes; the ends the thread sorts, every one
 * in the queue's order and none late, and runs that play them writing the
 * same bytes as runs that queue them; and a thread stopped mid-run
 * leaving nothing behind.
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
	ps_draws_start(&in_place, w1, end, false, false);
	ps_draws_start(&ahead, w2, end, true, false);
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

/* A folder for sc's duration_file, holding `durations` (NULL: none, and no folder). */
static char *durations_beside(struct ps_scenario *sc, const char *durations)
{
	if (!durations)
		return NULL;
	char *dir = pst_tmpdir(), *path = pst_path(dir, "durations.txt");
	assert_int_equal(pst_write_file(path, durations), 0);
	free(path);
	snprintf(sc->dir, sizeof(sc->dir), "%s", dir);
	return dir;
}

static void drop_dir(char *dir)
{
	if (dir)
		pst_rmtree(dir);
	free(dir);
}

/* An end as the queue would order it against the arrivals: by time, then by arrival number. */
struct want_end {
	ps_time t;
	uint64_t k;
};

static int by_order(const void *a, const void *b)
{
	const struct want_end *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* Whether end w comes before arrival k at t: earlier, or at t of an arrival before k, whose end was numbered first. */
static bool end_before_arrival(const struct want_end *w, ps_time t, uint64_t k)
{
	return w->t < t || (w->t == t && w->k < k);
}

/*
 * Plays population 0's arrivals and the sorted ends as the run does: before
 * each arrival, every end that comes before it must be handed over, in
 * order; an answer of "none before it" must be true; and what is handed
 * over must be the end expected next. The expected ends come from the
 * same workload drawn in place.
 */
static void check_sorted_ends(const char *ini, const char *durations, uint64_t min_ends)
{
	struct ps_scenario *sc = pst_scenario(ini);
	char *dir = durations_beside(sc, durations);
	struct ps_workload *w1 = pst_workload(sc, SEED), *w2 = pst_workload(sc, SEED);
	ps_time end = ps_time_from_s(sc->duration_s);
	/* Every end before the end of the run, by drawing in place. */
	size_t n = 0, cap = 1024, arrivals = 0;
	struct want_end *want = malloc(cap * sizeof(*want));
	assert_non_null(want);
	for (ps_time t = ps_workload_next_arrival(w1, 0, 0); t < end; arrivals++) {
		struct ps_attempt a;
		ps_workload_draw(w1, 0, &a);
		if (t + a.duration < end) {
			if (n == cap)
				assert_non_null(want = realloc(want, (cap *= 2) * sizeof(*want)));
			want[n++] = (struct want_end){ t + a.duration, arrivals };
		}
		t = ps_workload_next_arrival(w1, 0, t);
	}
	qsort(want, n, sizeof(*want), by_order);
	assert_true(n >= min_ends);

	struct ps_draws d;
	ps_draws_start(&d, w2, end, true, true);
	assert_true(d.ends);
	size_t got = 0, nones = 0;
	ps_time at = ps_draws_first(&d, 0);
	for (uint64_t k = 0;; k++) {
		/* Arrival k at `at` (none left when at >= end: then every end is due). */
		bool last = at >= end;
		for (;;) {
			ps_time t;
			uint64_t j;
			int rc = ps_draws_end_next(&d, k, &t, &j);
			assert_int_not_equal(rc, -1);
			bool due = got < n && (last || end_before_arrival(&want[got], at, k));
			if (rc == 0) {
				if (due)
					fail_msg("before arrival %llu: end %zu (%llu at %llu ns) was not handed over",
						 (unsigned long long)k, got, (unsigned long long)want[got].k,
						 (unsigned long long)want[got].t);
				nones++;
				break;
			}
			if (got == n || t != want[got].t || j != want[got].k)
				fail_msg("end %zu: handed over arrival %llu at %llu ns, expected arrival %llu at %llu ns",
					 got, (unsigned long long)j, (unsigned long long)t,
					 got < n ? (unsigned long long)want[got].k : 0ULL,
					 got < n ? (unsigned long long)want[got].t : 0ULL);
			if (!due)
				break; /* in sight early, which is allowed; it is taken after the arrival */
			ps_draws_end_take(&d);
			got++;
		}
		if (last)
			break;
		struct ps_attempt a;
		ps_time next;
		assert_int_equal(ps_draws_next(&d, 0, at, &a, &next), 0);
		at = next;
	}
	assert_int_equal(got, n);
	/* The run often asked before the thread had sorted that far, and was told so. */
	assert_true(nones > 0);
	ps_draws_stop(&d);
	free(want);
	pst_workload_free(w1);
	pst_workload_free(w2);
	drop_dir(dir);
	free(sc);
}

static void test_sorted_ends_come_in_order_and_never_late(void **state)
{
	(void)state;
	/* Random times, a few hundred ends pending. */
	check_sorted_ends("[run]\nduration_s = 60\n[workload.a]\nrate_per_s = 3000\nduration = exponential\n"
			  "duration_s = 0.2\n",
			  NULL, 150000);
	/* A heavy tail: ends far behind their arrivals. */
	check_sorted_ends("[run]\nduration_s = 30\n[workload.a]\nrate_per_s = 2000\nduration = pareto\n"
			  "duration_shape = 1.2\nduration_min_s = 0.01\n",
			  NULL, 50000);
	/* Ties everywhere: arrivals on a 2.5 ms grid, durations in whole halves of a second, some 0. */
	check_sorted_ends("[run]\nduration_s = 40\n[workload.a]\narrival = constant\nrate_per_s = 400\n"
			  "duration = empirical\nduration_file = durations.txt\n",
			  "0\n0.5\n1\n1\n2.5\n", 15000);
	/*
	 * Bursts of 40,000 at one instant, each ending about a second later:
	 * more ends fall between two bursts than the ends ring holds, so the
	 * thread waits for the run to take some before it can say it is done.
	 */
	check_sorted_ends("[run]\nduration_s = 25\n[workload.a]\narrival = burst\nburst_size = 40000\n"
			  "burst_interval_s = 10\nduration = uniform\nduration_min_s = 1\nduration_max_s = 1.5\n",
			  NULL, 80000);
}

/* The run's files with the thread and without it; *played gets the events it played (may be NULL). */
static void run_counted(const struct ps_scenario *sc, bool ahead, char **events, char **timeseries,
			uint64_t *played, uint64_t *peak)
{
	char *dir = pst_tmpdir();
	struct ps_run_options opt = { .out_dir = dir, .events = true, .draw_ahead = ahead };
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	if (ps_run(sc, &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("run: %s", err);
	if (played)
		*played = res.events;
	if (peak)
		*peak = res.m.peak_established;
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

static void run_into(const struct ps_scenario *sc, bool ahead, char **events, char **timeseries)
{
	run_counted(sc, ahead, events, timeseries, NULL, NULL);
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

/*
 * One population, whose ends the thread sorts when it runs: the same
 * events, in the same order, as when the run queues them itself. Returns
 * the run's peak of established connections.
 */
static uint64_t same_with_sorted_ends(const char *ini, const char *durations)
{
	struct ps_scenario *sc = pst_scenario(ini);
	char *dir = durations_beside(sc, durations);
	char *e1, *t1, *e2, *t2;
	uint64_t n1, n2;
	uint64_t peak;
	run_counted(sc, false, &e1, &t1, &n1, NULL);
	run_counted(sc, true, &e2, &t2, &n2, &peak);
	assert_true(strlen(e1) > 100000);
	assert_string_equal(e1, e2);
	assert_string_equal(t1, t2);
	assert_true(n1 == n2);
	free(e1);
	free(t1);
	free(e2);
	free(t2);
	drop_dir(dir);
	free(sc);
	return peak;
}

static void test_runs_with_sorted_ends_write_the_same_bytes(void **state)
{
	(void)state;
	/*
	 * Ties: arrivals on a 2.5 ms grid, durations in halves of a second,
	 * TIME_WAIT a whole minute; a pool small enough to run dry, so that
	 * connects fail (no end) and retries (ends the run queues) land on
	 * the same instants as the sorted ends.
	 */
	same_with_sorted_ends("[run]\nduration_s = 150\n[host]\nport_range = 60000-60999\ntime_wait_s = 60\n"
			      "[workload.a]\narrival = constant\nrate_per_s = 400\nduration = empirical\n"
			      "duration_file = durations.txt\ndestinations = 3\nretries = 2\nretry_delay_s = 0.5\n",
			      "0\n0.5\n1\n1\n2.5\n");
	/*
	 * Two populations: only the first one's ends are sorted; the second's
	 * arrivals, pooled requests and ends come between them, and the pool
	 * is shared.
	 */
	same_with_sorted_ends("[run]\nduration_s = 60\n[host]\nport_range = 60000-62999\n"
			      "[workload.a]\nrate_per_s = 500\nduration = lognormal\nduration_s = 0.3\ndestinations = 4\n"
			      "[workload.b]\nrate_per_s = 800\nduration = exponential\nduration_s = 0.05\n"
			      "destinations = 20\nkeepalive = true\nmax_requests = 5\nidle_timeout_s = 0.5\n",
			      NULL);
	/* A SYN the server refuses waits for its next one: that connection's end is the run's to queue. */
	same_with_sorted_ends("[run]\nduration_s = 60\n[host]\nport_range = 61000-61999\ntw_collision = refuse\n"
			      "[workload.a]\nrate_per_s = 300\nduration = exponential\nduration_s = 0.1\n"
			      "closer = server\n",
			      NULL);
	/*
	 * More connections open at once than the run has places to note ends
	 * in: those past it are queued. The ends stay in order, and none is
	 * played twice or lost.
	 */
	uint64_t peak = same_with_sorted_ends("[run]\nduration_s = 4\n[host]\nport_range = 1024-65535\ntime_wait_s = 0\n"
					      "[workload.a]\nrate_per_s = 20000\nduration = uniform\nduration_min_s = 1\n"
					      "duration_max_s = 2\ndestinations = 10\n",
					      NULL);
	assert_true(peak > 16384);
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
		ps_draws_start(&d, w, end, true, true);
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
		cmocka_unit_test(test_sorted_ends_come_in_order_and_never_late),
		cmocka_unit_test(test_runs_with_sorted_ends_write_the_same_bytes),
		cmocka_unit_test(test_stopping_early_leaves_nothing_behind),
		cmocka_unit_test(test_run_takes_jobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
