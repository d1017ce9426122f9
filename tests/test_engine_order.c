/*
 * The engine's order where it is hardest to keep: ties scheduled far
 * apart, times of every magnitude, events scheduled between a peek and
 * its pop, events joining the wheel slot of the earliest one found, and
 * long random mixes of lanes and wheel checked against a plain search of
 * what is pending. The basic behaviours are in test_engine.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "portsim/engine.h"
#include "portsim/rng.h"
#include "engine_support.h"

static void test_ties_keep_scheduling_order_however_far_ahead_they_were_scheduled(void **state)
{
	(void)state;
	/*
	 * Events at one time scheduled from far away and from close by, with
	 * other events in between that move the queue's base toward them, and
	 * times from 0 to the top of the clock.
	 */
	const ps_time at[] = { 1000000000, 1ULL << 40, (1ULL << 63) + 12345, PS_TIME_MAX - 1 };
	for (size_t a = 0; a < sizeof(at) / sizeof(at[0]); a++) {
		struct ps_engine e;
		struct ps_event ev;
		struct ps_rng r;
		ps_rng_init(&r, 11, PS_STREAM_DURATIONS, a);
		assert_int_equal(ps_engine_init(&e, 0), 0);
		ps_time t = at[a];
		uint32_t next_id = 0, ties = 0;
		assert_int_equal(ps_engine_schedule(&e, t, 0, next_id++, 1), 0);
		ties++;
		/* Fillers between now and t, at every scale. */
		for (int k = 0; k < 60; k++) {
			ps_time gap = (t - e.now) >> (ps_rng_below(&r, 64));
			assert_int_equal(ps_engine_schedule(&e, e.now + gap / 2, 0, next_id++, 0), 0);
			assert_int_equal(ps_engine_pop(&e, &ev), 1);
			if (ev.gen == 1) {
				/* Only a tie may come out here, and only once all are in: not yet. */
				fail_msg("event at %llu came out early", (unsigned long long)ev.t);
			}
			if (k % 3 == 0) {
				assert_int_equal(ps_engine_schedule(&e, t, 0, next_id++, 1), 0);
				ties++;
			}
		}
		uint64_t last_seq = 0;
		uint32_t seen = 0;
		while (ps_engine_pop(&e, &ev)) {
			if (ev.gen != 1)
				continue;
			assert_int_equal(ev.t, t);
			assert_true(seen == 0 || ev.seq > last_seq);
			last_seq = ev.seq;
			seen++;
		}
		assert_int_equal(seen, ties);
		ps_engine_fini(&e);
	}
}

static void test_times_of_every_magnitude_pop_in_order(void **state)
{
	(void)state;
	enum { N = 30000 };
	struct ps_engine e;
	struct ps_rng r;
	struct ps_event ev;
	struct expect *want = calloc(N, sizeof(*want));
	assert_non_null(want);
	assert_int_equal(ps_engine_init(&e, 0), 0);
	ps_rng_init(&r, 13, PS_STREAM_DURATIONS, 0);
	/* A first event moves the base off 0; the rest spread from 1 ns to the top of the clock, with ties. */
	assert_int_equal(ps_engine_schedule(&e, 777, 0, 0, 0), 0);
	assert_int_equal(ps_engine_pop(&e, &ev), 1);
	for (uint32_t i = 0; i < N; i++) {
		ps_time t = i % 5 == 4 ? want[i - 1].t : 777 + (ps_rng_next(&r) >> ps_rng_below(&r, 64)) % (PS_TIME_MAX - 777);
		assert_int_equal(ps_engine_schedule(&e, t, 0, i, 0), 0);
		want[i] = (struct expect){ .t = t, .seq = i + 1, .id = i };
	}
	qsort(want, N, sizeof(*want), expect_cmp);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_true(ev.t == want[i].t);
		assert_int_equal(ev.seq, want[i].seq);
		assert_int_equal(ev.id, want[i].id);
	}
	assert_int_equal(ps_engine_pop(&e, &ev), 0);
	ps_engine_fini(&e);
	free(want);
}

static void test_a_wheel_event_scheduled_after_a_peek_before_what_the_wheel_pulled_down_comes_first(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	ps_time far = 1ULL << 30;
	/* The lane's event sits just behind the wheel's, so looking for the earliest pulls the wheel's down. */
	assert_int_equal(ps_engine_schedule(&e, far + 10, 0, 1, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, far + 10, 0, 2, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, far + 5, 0, 3, 0), 0);
	assert_true(ps_engine_peek_time(&e) == far + 5);
	/* The clock is still at 0: an event long before either is legal, and comes first. */
	assert_int_equal(ps_engine_schedule(&e, 100, 0, 4, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, far + 10, 0, 5, 0), 0);
	assert_true(ps_engine_peek_time(&e) == 100);
	const uint32_t order[] = { 4, 3, 1, 2, 5 };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.id, order[i]);
	}
	ps_engine_fini(&e);
}

/* What is pending, as the randomized tests keep it beside the engine. */
struct pending {
	struct expect *ev;
	uint32_t n, scheduled;
	uint64_t seq;
	ps_time *lane_last;
	unsigned nlanes;
};

/* Schedules the next event at t or later in lane `lane` (not before the lane's last), or in the wheel when lane >= nlanes. */
static void schedule_pending(struct ps_engine *e, struct pending *p, unsigned lane, ps_time t)
{
	if (lane < p->nlanes) {
		if (t < p->lane_last[lane])
			t = p->lane_last[lane];
		p->lane_last[lane] = t;
		assert_int_equal(ps_engine_schedule_lane(e, lane, t, 0, p->scheduled, 0), 0);
	} else {
		assert_int_equal(ps_engine_schedule(e, t, 0, p->scheduled, 0), 0);
	}
	p->ev[p->n++] = (struct expect){ .t = t, .seq = p->seq++, .id = p->scheduled++ };
}

/* An engine with nlanes lanes, and room for n events beside it. */
static struct pending pending_start(struct ps_engine *e, ps_time *lane_last, unsigned nlanes, uint32_t n)
{
	struct pending p = { .ev = calloc(n, sizeof(*p.ev)), .lane_last = lane_last, .nlanes = nlanes };
	assert_non_null(p.ev);
	assert_int_equal(ps_engine_init(e, nlanes), 0);
	return p;
}

/* ev came out of the engine: it must be pending event best, which leaves the list. */
static void pending_popped(struct pending *p, uint32_t best, const struct ps_event *ev)
{
	assert_true(ev->t == p->ev[best].t);
	assert_int_equal(ev->seq, p->ev[best].seq);
	assert_int_equal(ev->id, p->ev[best].id);
	p->ev[best] = p->ev[--p->n];
}

/* Everything came out: the engine is empty. */
static void pending_end(struct ps_engine *e, struct pending *p)
{
	struct ps_event ev;
	assert_int_equal(ps_engine_pop(e, &ev), 0);
	assert_int_equal(ps_engine_pending(e), 0);
	ps_engine_fini(e);
	free(p->ev);
}

/*
 * The randomized tests schedule a little faster than they pop; past this
 * many pending events they only pop for a while, so that the plain search
 * below stays cheap (a run's queue holds a few thousand events too).
 */
enum { MAX_PENDING = 4096 };

/* The index of the earliest pending event; p->n must not be 0. */
static uint32_t earliest_pending(const struct pending *p)
{
	uint32_t best = 0;
	for (uint32_t i = 1; i < p->n; i++)
		if (expect_cmp(&p->ev[i], &p->ev[best]) < 0)
			best = i;
	return best;
}

/* Wheel and lanes together, peeks between pops and events scheduled after them: the order of a sort. */
static void test_wheel_and_lanes_with_peeks_pop_as_a_sort_would(void **state)
{
	(void)state;
	enum { N = 20000, LANES = 3 };
	struct ps_engine e;
	struct ps_rng r;
	struct ps_event ev;
	ps_time lane_last[LANES] = { 0 };
	struct pending p = pending_start(&e, lane_last, LANES, N);
	ps_rng_init(&r, 17, PS_STREAM_ARRIVALS, 0);
	while (p.scheduled < N || p.n) {
		for (unsigned k = ps_rng_below(&r, 3); k && p.scheduled < N && p.n < MAX_PENDING; k--) {
			ps_time t = e.now + (ps_rng_next(&r) >> (20 + ps_rng_below(&r, 40)));
			if (ps_rng_below(&r, 8) == 0)
				t = e.now;
			schedule_pending(&e, &p, (unsigned)ps_rng_below(&r, LANES + 1), t);
		}
		if (!p.n)
			continue;
		uint32_t best = earliest_pending(&p);
		if (ps_rng_below(&r, 2))
			assert_true(ps_engine_peek_time(&e) == p.ev[best].t);
		if (ps_rng_below(&r, 3) == 0)
			continue; /* schedule more after the peek before popping */
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		pending_popped(&p, best, &ev);
	}
	pending_end(&e, &p);
}

/*
 * The wheel's earliest event, once found alone in a slot above level 0,
 * stays known while later events join that slot; after it is popped, they
 * and an event scheduled then (between them in time) come out in order.
 */
static void test_events_joining_the_slot_of_the_found_earliest_pop_in_order(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	assert_int_equal(ps_engine_schedule(&e, 1000, 0, 1, 0), 0);
	assert_true(ps_engine_peek_time(&e) == 1000);
	/* 1000 to 1023 share their digits above the lowest 6 bits: one slot of level 1. */
	assert_int_equal(ps_engine_schedule(&e, 1010, 0, 2, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, 1005, 0, 3, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 1005, 0, 4, 0), 0);
	assert_true(ps_engine_peek_time(&e) == 1000);
	assert_int_equal(ps_engine_pop(&e, &ev), 1);
	assert_int_equal(ev.id, 1);
	assert_int_equal(ps_engine_schedule(&e, 1003, 0, 5, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, 1005, 0, 6, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, 1000, 0, 7, 0), 0);
	const uint32_t order[] = { 7, 5, 3, 4, 6, 2 };
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.id, order[i]);
	}
	assert_int_equal(ps_engine_pop(&e, &ev), 0);
	ps_engine_fini(&e);
}

/*
 * A time at or after now for a randomized test: now itself (when `same`),
 * coarse steps that make ties, or far ones that fill the wheel's upper
 * levels.
 */
static ps_time time_ahead(struct ps_rng *r, ps_time now, bool same)
{
	switch (ps_rng_below(r, same ? 4 : 3) + !same) {
	case 0:
		return now;
	case 1:
		return now + 16 * ps_rng_below(r, 8);
	case 2:
		return now + 4096 * ps_rng_below(r, 64);
	default:
		return now + (ps_rng_next(r) >> (24 + ps_rng_below(r, 40)));
	}
}

/*
 * The run loop's use: pop_before an end, with peeks, events scheduled
 * between a peek and its pop, busy slots of a few events and of many,
 * ties between lanes and wheel, times near and far; checked against a
 * plain search of what is pending.
 */
static void test_pop_before_with_lanes_wheel_and_ties_pops_as_a_sort_would(void **state)
{
	(void)state;
	enum { N = 60000, LANES = 4 };
	struct ps_engine e;
	struct ps_rng r;
	struct ps_event ev;
	ps_time lane_last[LANES] = { 0 };
	struct pending p = pending_start(&e, lane_last, LANES, N);
	ps_rng_init(&r, 19, PS_STREAM_ARRIVALS, 1);
	while (p.scheduled < N || p.n) {
		for (unsigned k = ps_rng_below(&r, 4); k && p.scheduled < N && p.n < MAX_PENDING; k--) {
			ps_time t = time_ahead(&r, e.now, true);
			schedule_pending(&e, &p, (unsigned)ps_rng_below(&r, LANES + 2), t);
		}
		if (!p.n)
			continue;
		uint32_t best = earliest_pending(&p);
		if (ps_rng_below(&r, 3) == 0)
			assert_true(ps_engine_peek_time(&e) == p.ev[best].t);
		if (ps_rng_below(&r, 4) == 0)
			continue; /* schedule more after the peek before popping */
		/* An end before, at or just after the earliest time. */
		ps_time end = p.ev[best].t + ps_rng_below(&r, 3);
		end = end > 0 ? end - 1 : 0;
		ps_time before_now = e.now;
		if (end <= p.ev[best].t) {
			assert_int_equal(ps_engine_pop_before(&e, end, &ev), 0);
			assert_true(e.now == before_now);
			continue;
		}
		assert_int_equal(ps_engine_pop_before(&e, end, &ev), 1);
		pending_popped(&p, best, &ev);
	}
	pending_end(&e, &p);
}
/*
 * The run loop's use with arrivals kept outside the queue: two outside
 * sources with one pending event each, numbered when the previous one
 * plays (after what it scheduled); the queue asked only for what comes
 * before the earliest of them and an end. Checked against a plain search
 * of everything pending, the outside events included.
 */
static void test_pop_before_outside_events_pops_as_a_sort_would(void **state)
{
	(void)state;
	enum { N = 24000, LANES = 3, SOURCES = 2 };
	struct ps_engine e;
	struct ps_rng r;
	struct ps_event ev;
	ps_time lane_last[LANES] = { 0 };
	struct pending p = pending_start(&e, lane_last, LANES, N);
	struct expect out[SOURCES];
	ps_rng_init(&r, 23, PS_STREAM_ARRIVALS, 2);
	for (unsigned i = 0; i < SOURCES; i++)
		out[i] = (struct expect){ .t = ps_rng_below(&r, 1 << 20), .seq = ps_engine_take_seq(&e), .id = i };
	/* The reference numbers queued events as the engine does: the outside ones took theirs. */
	p.seq = SOURCES;
	uint32_t played = 0;
	while (played < N / 4) {
		unsigned first = expect_cmp(&out[1], &out[0]) < 0;
		uint32_t best = p.n ? earliest_pending(&p) : 0;
		int queued_first = p.n && expect_cmp(&p.ev[best], &out[first]) < 0;
		ps_time end = (queued_first ? p.ev[best].t : out[first].t) + ps_rng_below(&r, 3);
		end = end > 0 ? end - 1 : 0;
		int got = ps_engine_pop_before_outside(&e, end, out[first].t, out[first].seq, &ev);
		if (queued_first) {
			assert_int_equal(got, p.ev[best].t < end);
			if (got)
				pending_popped(&p, best, &ev);
			continue;
		}
		assert_int_equal(got, 0);
		if (out[first].t >= end)
			continue;
		/* The outside event plays: it schedules a few queued events (near, coarse, far), then its next. */
		ps_engine_play_outside(&e, out[first].t);
		played++;
		for (unsigned k = ps_rng_below(&r, 4); k && p.scheduled < N && p.n < MAX_PENDING; k--) {
			ps_time t = time_ahead(&r, e.now, false);
			schedule_pending(&e, &p, (unsigned)ps_rng_below(&r, LANES + 2), t);
		}
		ps_time gap = ps_rng_below(&r, 4) == 0 ? 0 : ps_rng_below(&r, 1 << (4 + ps_rng_below(&r, 16)));
		out[first] = (struct expect){ .t = e.now + gap, .seq = ps_engine_take_seq(&e), .id = first };
		p.seq++;
	}
	/* What is left comes out in order once no outside event bounds it. */
	while (p.n) {
		uint32_t best = earliest_pending(&p);
		assert_int_equal(ps_engine_pop_before_outside(&e, PS_TIME_MAX, PS_TIME_MAX, 0, &ev), 1);
		pending_popped(&p, best, &ev);
	}
	pending_end(&e, &p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ties_keep_scheduling_order_however_far_ahead_they_were_scheduled),
		cmocka_unit_test(test_times_of_every_magnitude_pop_in_order),
		cmocka_unit_test(test_a_wheel_event_scheduled_after_a_peek_before_what_the_wheel_pulled_down_comes_first),
		cmocka_unit_test(test_wheel_and_lanes_with_peeks_pop_as_a_sort_would),
		cmocka_unit_test(test_events_joining_the_slot_of_the_found_earliest_pop_in_order),
		cmocka_unit_test(test_pop_before_with_lanes_wheel_and_ties_pops_as_a_sort_would),
		cmocka_unit_test(test_pop_before_outside_events_pops_as_a_sort_would),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
