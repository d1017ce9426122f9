/*
 * The event queue's basic behaviours: order by (time, scheduling order),
 * lanes merged with the wheel, refusals (past times, unknown lanes, types
 * over 16 bits, a lane out of order), payloads, the clock, lane growth and
 * memory. The hardest orderings are in test_engine_order.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "portsim/engine.h"
#include "portsim/rng.h"
#include "engine_support.h"

static void test_init_rejects_too_many_lanes(void **state)
{
	(void)state;
	struct ps_engine e;
	assert_int_equal(ps_engine_init(&e, PS_ENGINE_MAX_LANES + 1), -1);
	assert_int_equal(ps_engine_init(&e, PS_ENGINE_MAX_LANES), 0);
	ps_engine_fini(&e);
}

static void test_empty_engine_has_nothing_to_pop(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	assert_int_equal(ps_engine_pop(&e, &ev), 0);
	assert_true(ps_engine_peek_time(&e) == PS_TIME_MAX);
	assert_int_equal(ps_engine_pending(&e), 0);
	ps_engine_fini(&e);
}

static void test_equal_times_pop_in_scheduling_order(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	/* ids 0..8 scheduled in this order, alternating heap and two lanes, all at t = 5. */
	assert_int_equal(ps_engine_schedule_lane(&e, 1, 5, 0, 0, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, 5, 0, 1, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 5, 0, 2, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, 5, 0, 3, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, 5, 0, 4, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 1, 5, 0, 5, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 5, 0, 6, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, 5, 0, 7, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 5, 0, 8, 0), 0);
	for (uint32_t i = 0; i < 9; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.t, 5);
		assert_int_equal(ev.id, i);
		assert_int_equal(ev.seq, i);
	}
	assert_int_equal(ps_engine_pop(&e, &ev), 0);
	ps_engine_fini(&e);
}

static void test_lane_events_merge_with_heap_events(void **state)
{
	(void)state;
	enum { N = 20000, NLANES = 3 };
	struct ps_engine e;
	struct ps_rng r;
	struct expect *want = calloc(N, sizeof(*want));
	ps_time lane_t[NLANES] = { 0 };
	struct ps_event ev;

	assert_non_null(want);
	assert_int_equal(ps_engine_init(&e, NLANES), 0);
	ps_rng_init(&r, 7, PS_STREAM_ARRIVALS, 0);
	for (uint32_t i = 0; i < N; i++) {
		unsigned where = (unsigned)ps_rng_below(&r, NLANES + 1);
		ps_time t;
		if (where == NLANES) {
			/* Coarse times so heap events often tie with lane events. */
			t = ps_rng_below(&r, 1000) * 10;
			assert_int_equal(ps_engine_schedule(&e, t, 0, i, 0), 0);
		} else {
			lane_t[where] += ps_rng_below(&r, 3) * 10;
			t = lane_t[where];
			assert_int_equal(ps_engine_schedule_lane(&e, where, t, 0, i, 0), 0);
		}
		want[i] = (struct expect){ .t = t, .seq = i, .id = i };
	}
	assert_int_equal(ps_engine_pending(&e), N);
	qsort(want, N, sizeof(*want), expect_cmp);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.t, want[i].t);
		assert_int_equal(ev.seq, want[i].seq);
		assert_int_equal(ev.id, want[i].id);
	}
	assert_int_equal(ps_engine_pop(&e, &ev), 0);
	ps_engine_fini(&e);
	free(want);
}

static void test_lane_rejects_out_of_order_time(void **state)
{
	(void)state;
	struct ps_engine e;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 100, 0, 0, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 99, 0, 1, 0), -1);
	/* Equal time is in order; other lanes are independent. */
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 100, 0, 2, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 1, 50, 0, 3, 0), 0);
	assert_int_equal(ps_engine_pending(&e), 3);
	ps_engine_fini(&e);
}

static void test_schedule_rejects_unknown_lane(void **state)
{
	(void)state;
	struct ps_engine e;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 2, 10, 0, 0, 0), -1);
	assert_int_equal(ps_engine_schedule_lane(&e, PS_ENGINE_MAX_LANES, 10, 0, 0, 0), -1);
	assert_int_equal(ps_engine_pending(&e), 0);
	ps_engine_fini(&e);
}

static void test_schedule_in_the_past_is_rejected(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	assert_int_equal(ps_engine_schedule(&e, 1000, 0, 0, 0), 0);
	assert_int_equal(ps_engine_pop(&e, &ev), 1);
	assert_int_equal(e.now, 1000);
	assert_int_equal(ps_engine_schedule(&e, 999, 0, 1, 0), -1);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 999, 0, 2, 0), -1);
	assert_int_equal(ps_engine_pending(&e), 0);
	/* "Now" itself is not the past. */
	assert_int_equal(ps_engine_schedule(&e, 1000, 0, 3, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 1000, 0, 4, 0), 0);
	ps_engine_fini(&e);
}

static void test_many_random_heap_events_pop_in_order(void **state)
{
	(void)state;
	enum { N = 200000 };
	struct ps_engine e;
	struct ps_rng r;
	struct ps_event ev, prev = { 0 };

	assert_int_equal(ps_engine_init(&e, 0), 0);
	ps_rng_init(&r, 1, PS_STREAM_DURATIONS, 0);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(ps_engine_schedule(&e, ps_rng_below(&r, N / 4), 0, i, 0), 0);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		if (i > 0) {
			assert_true(prev.t <= ev.t);
			if (prev.t == ev.t)
				assert_true(prev.seq < ev.seq);
		}
		prev = ev;
	}
	assert_int_equal(ps_engine_pop(&e, &ev), 0);
	assert_int_equal(e.processed, N);
	ps_engine_fini(&e);
}

static void test_heap_stays_ordered_while_scheduling_during_pops(void **state)
{
	(void)state;
	/* The hold model: each pop schedules a successor at a random later time. */
	enum { START = 1000, STEPS = 100000 };
	struct ps_engine e;
	struct ps_rng r;
	struct ps_event ev;
	ps_time last = 0;

	assert_int_equal(ps_engine_init(&e, 0), 0);
	ps_rng_init(&r, 3, PS_STREAM_DURATIONS, 1);
	for (uint32_t i = 0; i < START; i++)
		assert_int_equal(ps_engine_schedule(&e, ps_rng_below(&r, 1000), 0, i, 0), 0);
	for (uint32_t i = 0; i < STEPS; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_true(ev.t >= last);
		last = ev.t;
		assert_int_equal(ps_engine_schedule(&e, e.now + ps_rng_below(&r, 1000), 0, i, 0), 0);
	}
	assert_int_equal(ps_engine_pending(&e), START);
	ps_engine_fini(&e);
}

static void test_clock_advances_to_each_popped_time(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	assert_int_equal(e.now, 0);
	assert_int_equal(ps_engine_schedule(&e, 30, 0, 0, 0), 0);
	assert_int_equal(ps_engine_schedule(&e, 10, 0, 1, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 20, 0, 2, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 40, 0, 3, 0), 0);

	const ps_time times[] = { 10, 20, 30, 40 };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(ps_engine_peek_time(&e), times[i]);
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.t, times[i]);
		assert_int_equal(e.now, times[i]);
		assert_int_equal(e.processed, i + 1);
	}
	ps_engine_fini(&e);
}

static void test_pop_returns_the_scheduled_payload(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	assert_int_equal(ps_engine_schedule(&e, 7, 11, 22, 33), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 8, 44, 55, 66), 0);
	assert_int_equal(ps_engine_pop(&e, &ev), 1);
	assert_int_equal(ev.type, 11);
	assert_int_equal(ev.id, 22);
	assert_int_equal(ev.gen, 33);
	assert_int_equal(ps_engine_pop(&e, &ev), 1);
	assert_int_equal(ev.type, 44);
	assert_int_equal(ev.id, 55);
	assert_int_equal(ev.gen, 66);
	ps_engine_fini(&e);
}

static void test_lane_growth_keeps_fifo_order(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	uint32_t next_in = 0, next_out = 0;

	assert_int_equal(ps_engine_init(&e, 1), 0);
	/*
	 * Rounds of push 3, pop 2 make the ring wrap around before each
	 * doubling, so growth has to unwrap a split buffer.
	 */
	for (int round = 0; round < 2000; round++) {
		for (int k = 0; k < 3; k++, next_in++)
			assert_int_equal(ps_engine_schedule_lane(&e, 0, next_in, 0, next_in, 0), 0);
		for (int k = 0; k < 2; k++, next_out++) {
			assert_int_equal(ps_engine_pop(&e, &ev), 1);
			assert_int_equal(ev.id, next_out);
		}
	}
	assert_true(e.lanes[0].cap > 64);
	while (ps_engine_pop(&e, &ev)) {
		assert_int_equal(ev.id, next_out);
		next_out++;
	}
	assert_int_equal(next_out, next_in);
	ps_engine_fini(&e);
}

static void test_pending_counts_heap_and_lanes(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	assert_int_equal(ps_engine_schedule(&e, 1, 0, 0, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 2, 0, 0, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 1, 3, 0, 0, 0), 0);
	assert_int_equal(ps_engine_pending(&e), 3);
	assert_int_equal(ps_engine_pop(&e, &ev), 1);
	assert_int_equal(ps_engine_pending(&e), 2);
	ps_engine_fini(&e);
}

static void test_an_event_scheduled_after_a_peek_can_still_come_first(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 50, 0, 1, 0), 0);
	assert_int_equal(ps_engine_peek_time(&e), 50);
	/* Peek remembered lane 0; an earlier heap event must win all the same. */
	assert_int_equal(ps_engine_schedule(&e, 40, 0, 2, 0), 0);
	assert_int_equal(ps_engine_peek_time(&e), 40);
	/* And a lane that was empty, earlier still. */
	assert_int_equal(ps_engine_schedule_lane(&e, 1, 30, 0, 3, 0), 0);
	/* A later one changes nothing. */
	assert_int_equal(ps_engine_schedule(&e, 60, 0, 4, 0), 0);
	const uint32_t order[] = { 3, 2, 1, 4 };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.id, order[i]);
	}
	assert_true(ps_engine_peek_time(&e) == PS_TIME_MAX);
	ps_engine_fini(&e);
}

static void test_a_large_heap_with_ties_pops_in_order_while_scheduling(void **state)
{
	(void)state;
	/* Past the size where the heap stops choosing children without branches, with many ties. */
	enum { START = 30000, STEPS = 200000 };
	struct ps_engine e;
	struct ps_rng r;
	struct ps_event ev, prev = { 0 };
	assert_int_equal(ps_engine_init(&e, 1), 0);
	ps_rng_init(&r, 5, PS_STREAM_DURATIONS, 2);
	for (uint32_t i = 0; i < START; i++)
		assert_int_equal(ps_engine_schedule(&e, ps_rng_below(&r, 100), 0, i, 0), 0);
	for (uint32_t i = 0; i < STEPS; i++) {
		ps_time next = ps_engine_peek_time(&e);
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.t, next);
		if (i > 0) {
			assert_true(prev.t <= ev.t);
			if (prev.t == ev.t)
				assert_true(prev.seq < ev.seq);
		}
		prev = ev;
		assert_int_equal(ps_engine_schedule(&e, e.now + ps_rng_below(&r, 100), 0, i, 0), 0);
		if (i % 7 == 0)
			assert_int_equal(ps_engine_schedule_lane(&e, 0, e.now + 50, 0, i, 0), 0);
	}
	ps_engine_fini(&e);
}

static void test_event_types_must_fit_16_bits(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	assert_int_equal(ps_engine_schedule(&e, 1, 65536, 0, 0), -1);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 1, 70000, 0, 0), -1);
	assert_int_equal(ps_engine_schedule(&e, 1, 65535, 7, 8), 0);
	assert_int_equal(ps_engine_pop(&e, &ev), 1);
	assert_int_equal(ev.type, 65535);
	assert_int_equal(ev.id, 7);
	assert_int_equal(ev.gen, 8);
	ps_engine_fini(&e);
}

static void test_lane_at_gives_the_events_behind_the_head(void **state)
{
	(void)state;
	enum { N = 3 * PS_LANE_BLOCK + 17 };
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	assert_null(ps_engine_lane_at(&e, 0, 0));
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(ps_engine_schedule_lane(&e, 0, i, 0, 1000 + i, 0), 0);
	/* Pop into the second block, so that the head sits inside a block. */
	for (uint32_t i = 0; i < PS_LANE_BLOCK + 5; i++)
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
	uint32_t head = PS_LANE_BLOCK + 5;
	for (size_t k = 0; k < N - head; k += 97)
		assert_int_equal(ps_engine_lane_at(&e, 0, k)->id, 1000 + head + k);
	assert_int_equal(ps_engine_lane_at(&e, 0, N - head - 1)->id, 1000 + N - 1);
	assert_null(ps_engine_lane_at(&e, 0, N - head));
	assert_null(ps_engine_lane_at(&e, 1, 0));
	assert_null(ps_engine_lane_at(&e, 2, 0));
	ps_engine_fini(&e);
}

static void test_lane_memory_follows_its_length(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	/* A steady lane: 10 blocks' worth pending while a million events pass through it. */
	uint32_t in = 0;
	for (; in < 10 * PS_LANE_BLOCK; in++)
		assert_int_equal(ps_engine_schedule_lane(&e, 0, in, 0, in, 0), 0);
	for (uint32_t out = 0; out < 1000000; out++, in++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.id, out);
		assert_int_equal(ps_engine_schedule_lane(&e, 0, in, 0, in, 0), 0);
	}
	assert_true(e.lanes[0].cap <= 12 * PS_LANE_BLOCK);
	while (ps_engine_pop(&e, &ev))
		;
	/* Emptied: one block is kept for reuse. */
	assert_true(e.lanes[0].cap <= PS_LANE_BLOCK);
	ps_engine_fini(&e);
}

static void test_a_lane_longer_than_a_chunk_keeps_its_order(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	/* 300,000 events: 293 blocks, cut from the arena's small first chunk and four large ones. */
	const uint32_t n = 300000;
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(ps_engine_schedule_lane(&e, 0, 2 * (ps_time)i, 0, i, 0), 0);
	assert_true(e.lanes[0].cap >= n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.id, i);
		assert_true(ev.t == 2 * (ps_time)i);
	}
	assert_int_equal(ps_engine_pop(&e, &ev), 0);
	ps_engine_fini(&e);
}

static void test_blocks_a_lane_gives_back_serve_the_next_lane_that_grows(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 2), 0);
	/* Lane 0 holds 20 blocks' worth, then empties. */
	for (uint32_t i = 0; i < 20 * PS_LANE_BLOCK; i++)
		assert_int_equal(ps_engine_schedule_lane(&e, 0, i, 0, i, 0), 0);
	while (ps_engine_pop(&e, &ev))
		;
	size_t left = e.blocks.left;
	/* Lane 1 then grows to 19 blocks: it takes the 19 that lane 0 gave back (an empty lane keeps one) and cuts none. */
	for (uint32_t i = 0; i < 19 * PS_LANE_BLOCK; i++)
		assert_int_equal(ps_engine_schedule_lane(&e, 1, (ps_time)i + 1000000, 0, i, 0), 0);
	assert_int_equal(e.blocks.left, left);
	for (uint32_t i = 0; i < 19 * PS_LANE_BLOCK; i++) {
		assert_int_equal(ps_engine_pop(&e, &ev), 1);
		assert_int_equal(ev.id, i);
	}
	/* Emptied, lane 1 keeps one block and gives 18 back: 19 blocks' worth again cuts none, one event more cuts one. */
	for (uint32_t i = 0; i < 19 * PS_LANE_BLOCK; i++)
		assert_int_equal(ps_engine_schedule_lane(&e, 1, (ps_time)i + 2000000, 0, i, 0), 0);
	assert_int_equal(e.blocks.left, left);
	assert_int_equal(ps_engine_schedule_lane(&e, 1, 3000000, 0, 0, 0), 0);
	assert_true(e.blocks.left < left);
	ps_engine_fini(&e);
}

/*
 * An event kept outside the queue (a population's next arrival) comes
 * before queued events of a later time or a later number, and after the
 * others; playing it moves the clock and counts it.
 */
static void test_an_outside_event_orders_as_if_queued(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	assert_int_equal(ps_engine_schedule(&e, 10, 0, 1, 0), 0);       /* seq 0 */
	uint64_t outside = ps_engine_take_seq(&e);                      /* seq 1, at t = 10 */
	assert_int_equal(outside, 1);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 10, 0, 2, 0), 0); /* seq 2 */
	assert_int_equal(ps_engine_pop_before_outside(&e, PS_TIME_MAX, 10, outside, &ev), 1);
	assert_int_equal(ev.id, 1);
	/* The lane's event at the same time was numbered later: the outside one goes first. */
	assert_int_equal(ps_engine_pop_before_outside(&e, PS_TIME_MAX, 10, outside, &ev), 0);
	ps_engine_play_outside(&e, 10);
	assert_true(e.now == 10);
	assert_int_equal(e.processed, 2);
	/* The end still bounds: nothing before 10 is left. */
	assert_int_equal(ps_engine_pop_before_outside(&e, 10, PS_TIME_MAX, 0, &ev), 0);
	assert_int_equal(ps_engine_pop_before_outside(&e, 11, PS_TIME_MAX, 0, &ev), 1);
	assert_int_equal(ev.id, 2);
	assert_int_equal(ps_engine_pending(&e), 0);
	ps_engine_fini(&e);
}

/*
 * With an outside event early, the wheel stops looking at its time and
 * leaves a full slot where it is. Nothing is scheduled after the outside
 * event plays; the wheel's events must still come out before the lane's
 * later one (the answer given for the early bound is not kept).
 */
static void test_a_wheel_left_unsearched_for_an_outside_event_is_searched_again(void **state)
{
	(void)state;
	struct ps_engine e;
	struct ps_event ev;
	assert_int_equal(ps_engine_init(&e, 1), 0);
	/* Ten events in one slot of level 2 (4096 to 8191): more than a slot's search takes. */
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(ps_engine_schedule(&e, 5000 + i, 0, i, 0), 0);
	assert_int_equal(ps_engine_schedule_lane(&e, 0, 6000, 0, 100, 0), 0);
	uint64_t seq = ps_engine_take_seq(&e);
	assert_int_equal(ps_engine_pop_before_outside(&e, PS_TIME_MAX, 100, seq, &ev), 0);
	ps_engine_play_outside(&e, 100);
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(ps_engine_pop_before_outside(&e, PS_TIME_MAX, 7000, ps_engine_take_seq(&e), &ev), 1);
		assert_int_equal(ev.id, i);
	}
	assert_int_equal(ps_engine_pop_before_outside(&e, PS_TIME_MAX, 7000, ps_engine_take_seq(&e), &ev), 1);
	assert_int_equal(ev.id, 100);
	ps_engine_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_too_many_lanes),
		cmocka_unit_test(test_empty_engine_has_nothing_to_pop),
		cmocka_unit_test(test_equal_times_pop_in_scheduling_order),
		cmocka_unit_test(test_lane_events_merge_with_heap_events),
		cmocka_unit_test(test_lane_rejects_out_of_order_time),
		cmocka_unit_test(test_schedule_rejects_unknown_lane),
		cmocka_unit_test(test_schedule_in_the_past_is_rejected),
		cmocka_unit_test(test_many_random_heap_events_pop_in_order),
		cmocka_unit_test(test_heap_stays_ordered_while_scheduling_during_pops),
		cmocka_unit_test(test_clock_advances_to_each_popped_time),
		cmocka_unit_test(test_pop_returns_the_scheduled_payload),
		cmocka_unit_test(test_lane_growth_keeps_fifo_order),
		cmocka_unit_test(test_pending_counts_heap_and_lanes),
		cmocka_unit_test(test_an_event_scheduled_after_a_peek_can_still_come_first),
		cmocka_unit_test(test_a_large_heap_with_ties_pops_in_order_while_scheduling),
		cmocka_unit_test(test_event_types_must_fit_16_bits),
		cmocka_unit_test(test_lane_at_gives_the_events_behind_the_head),
		cmocka_unit_test(test_lane_memory_follows_its_length),
		cmocka_unit_test(test_a_lane_longer_than_a_chunk_keeps_its_order),
		cmocka_unit_test(test_blocks_a_lane_gives_back_serve_the_next_lane_that_grows),
		cmocka_unit_test(test_an_outside_event_orders_as_if_queued),
		cmocka_unit_test(test_a_wheel_left_unsearched_for_an_outside_event_is_searched_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
