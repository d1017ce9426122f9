/*
 * The server's TIME_WAIT 4-tuples (peer_tw.h): a new connection on one the
 * server still holds is a collision, once; the same port toward another
 * destination or from another address is not; nothing is held after the
 * hold, or when the hold is 0; memory stays bounded over a million closes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "portsim/peer_tw.h"
#include "portsim/rng.h"
#include "portsim/types.h"

#define S(x) ((ps_time)((x) * (double)PS_NS_PER_S))

static void test_a_reused_4tuple_inside_the_hold_collides_once(void **state)
{
	(void)state;
	struct ps_peer_tw p;
	assert_int_equal(ps_peer_tw_init(&p, S(60)), 0);
	assert_int_equal(ps_peer_tw_close(&p, 0, 9, 2, S(0)), 0);
	assert_true(ps_peer_tw_holds(&p, 0, 9, 2, S(59)));
	assert_true(ps_peer_tw_take(&p, 0, 9, 2, S(59)));
	/* The entry is consumed: the server does not hold it twice. */
	assert_false(ps_peer_tw_holds(&p, 0, 9, 2, S(59.5)));
	assert_false(ps_peer_tw_take(&p, 0, 9, 2, S(59.5)));
	ps_peer_tw_fini(&p);
}

static void test_no_collision_after_the_hold(void **state)
{
	(void)state;
	struct ps_peer_tw p;
	assert_int_equal(ps_peer_tw_init(&p, S(60)), 0);
	assert_int_equal(ps_peer_tw_close(&p, 0, 9, 2, S(0)), 0);
	assert_false(ps_peer_tw_take(&p, 0, 9, 2, S(61)));
	/* Exactly at the end the server has let go. */
	assert_int_equal(ps_peer_tw_close(&p, 0, 9, 2, S(100)), 0);
	assert_true(ps_peer_tw_holds(&p, 0, 9, 2, S(159.9)));
	assert_false(ps_peer_tw_holds(&p, 0, 9, 2, S(160)));
	assert_false(ps_peer_tw_take(&p, 0, 9, 2, S(160)));
	ps_peer_tw_fini(&p);
}

static void test_a_collision_needs_the_same_address_port_and_destination(void **state)
{
	(void)state;
	struct ps_peer_tw p;
	assert_int_equal(ps_peer_tw_init(&p, S(60)), 0);
	assert_int_equal(ps_peer_tw_close(&p, 0, 9, 2, S(0)), 0);
	assert_false(ps_peer_tw_take(&p, 0, 9, 3, S(1)));
	assert_false(ps_peer_tw_take(&p, 1, 9, 2, S(1)));
	assert_false(ps_peer_tw_take(&p, 0, 8, 2, S(1)));
	assert_true(ps_peer_tw_take(&p, 0, 9, 2, S(2)));
	ps_peer_tw_fini(&p);
}

static void test_nothing_is_held_when_the_hold_is_zero(void **state)
{
	(void)state;
	struct ps_peer_tw p;
	assert_int_equal(ps_peer_tw_init(&p, 0), 0);
	assert_int_equal(ps_peer_tw_close(&p, 0, 9, 2, S(0)), 0);
	assert_false(ps_peer_tw_holds(&p, 0, 9, 2, S(1)));
	assert_false(ps_peer_tw_take(&p, 0, 9, 2, S(1)));
	assert_true(ps_peer_tw_slots(&p) == 0);
	ps_peer_tw_fini(&p);
}

static void test_the_table_stays_small_over_a_million_closes(void **state)
{
	(void)state;
	struct ps_peer_tw p;
	/* One close every 10 ms with a 60 s hold: about 6000 entries alive at any time. */
	assert_int_equal(ps_peer_tw_init(&p, S(60)), 0);
	struct ps_rng r;
	ps_rng_init(&r, 7, PS_STREAM_ALLOCATOR, 0);
	size_t peak = 0;
	for (uint64_t i = 0; i < 1000000; i++) {
		uint32_t addr = (uint32_t)ps_rng_below(&r, 4);
		uint32_t idx = (uint32_t)ps_rng_below(&r, 16384);
		uint32_t dst = (uint32_t)ps_rng_below(&r, 1000);
		assert_int_equal(ps_peer_tw_close(&p, addr, idx, dst, i * 10000000ULL), 0);
		size_t slots = ps_peer_tw_slots(&p);
		if (slots > peak)
			peak = slots;
	}
	assert_true(peak <= 8 * 6001);
	ps_peer_tw_fini(&p);
}

static void test_every_entry_survives_table_rebuilds(void **state)
{
	(void)state;
	struct ps_peer_tw p;
	assert_int_equal(ps_peer_tw_init(&p, S(60)), 0);
	/* Thousands of live entries force rebuilds; every one must still be found. */
	for (uint32_t i = 0; i < 5000; i++)
		assert_int_equal(ps_peer_tw_close(&p, 0, i % 1000, i / 1000, S(1)), 0);
	unsigned collisions = 0;
	for (uint32_t i = 0; i < 5000; i += 2)
		collisions += ps_peer_tw_take(&p, 0, i % 1000, i / 1000, S(2));
	assert_int_equal(collisions, 2500);
	for (uint32_t i = 0; i < 5000; i++)
		collisions += ps_peer_tw_take(&p, 0, i % 1000, i / 1000, S(3));
	assert_int_equal(collisions, 5000);
	ps_peer_tw_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_reused_4tuple_inside_the_hold_collides_once),
		cmocka_unit_test(test_no_collision_after_the_hold),
		cmocka_unit_test(test_a_collision_needs_the_same_address_port_and_destination),
		cmocka_unit_test(test_nothing_is_held_when_the_hold_is_zero),
		cmocka_unit_test(test_the_table_stays_small_over_a_million_closes),
		cmocka_unit_test(test_every_entry_survives_table_rebuilds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
