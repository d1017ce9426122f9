/* The RFC 6056 algorithms: their signature behaviours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "portsim/alloc.h"
#include "portsim/host.h"
#include "support.h"

/* Forward distance from port a to port b in a range of n ports starting at lo. */
static uint32_t step_mod(uint16_t a, uint16_t b, uint16_t lo, uint32_t n)
{
	return ((uint32_t)(b - lo) + n - (uint32_t)(a - lo)) % n;
}

/* Opens connections toward dst (keeping them) until held of them are open; the strategy may fail
 * some attempts on the way (Algorithm 2), hence the bound on attempts. conn_of_port, when given,
 * gets the connection slot of each port index. */
static void hold_open(struct ps_host *h, uint32_t dst, uint32_t held, uint32_t *conn_of_port)
{
	uint32_t open = 0;
	for (int attempt = 0; open < held; attempt++) {
		if (attempt >= 100000)
			fail_msg("could only open %u of %u connections", open, held);
		struct ps_open_result r = pst_open(h, PS_MODE_CONNECT, dst, 0);
		if (r.err != PS_OK)
			continue;
		if (conn_of_port)
			conn_of_port[r.port - h->cfg.lo] = r.conn;
		open++;
	}
}

/* ---- Algorithm 1 ---- */

static void test_rfc6056_1_starts_anywhere_and_walks_up(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "rfc6056-1", 40000, 40999, 3);
	unsigned low_half = 0;
	for (int i = 0; i < 2000; i++)
		low_half += pst_short(&h, PS_MODE_CONNECT, 0, 0) < 40500;
	/* Uniform starts: about half below the midpoint (binomial sd ~22). */
	assert_in_range(low_half, 900, 1100);
	ps_host_fini(&h);
}

static void test_rfc6056_1_empty_pool_choice_passes_chi_square(void **state)
{
	(void)state;
	struct ps_host h;
	enum { BINS = 16, PER_BIN = 64, DRAWS = 16000 };
	pst_host_up(&h, "rfc6056-1", 40000, 40000 + BINS * PER_BIN - 1, 11);
	unsigned count[BINS] = { 0 };
	for (int i = 0; i < DRAWS; i++)
		count[(pst_short(&h, PS_MODE_CONNECT, 0, 0) - 40000) / PER_BIN]++;
	double expect = (double)DRAWS / BINS, chi2 = 0;
	for (int b = 0; b < BINS; b++)
		chi2 += (count[b] - expect) * (count[b] - expect) / expect;
	/* Chi-square with 15 degrees of freedom exceeds 37.70 with probability 0.001. */
	assert_true(chi2 < 37.70);
	ps_host_fini(&h);
}

static void test_rfc6056_1_favours_the_port_after_a_busy_run(void **state)
{
	(void)state;
	enum { N = 100, RUN_START = 20, RUN = 9, DRAWS = 20000 };
	struct ps_host h;
	pst_host_up(&h, "rfc6056-1", 40000, 40000 + N - 1, 5);
	/* Fill the range toward destination 0, then free everything but the run. */
	uint32_t conn_of_port[N];
	hold_open(&h, 0, N, conn_of_port);
	for (uint32_t i = 0; i < N; i++)
		if (i < RUN_START || i >= RUN_START + RUN)
			ps_host_close(&h, conn_of_port[i], 0, false);
	unsigned after_run = 0, elsewhere = 0;
	for (int i = 0; i < DRAWS; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		assert_false(p >= 40000 + RUN_START && p < 40000 + RUN_START + RUN);
		after_run += p == 40000 + RUN_START + RUN;
		elsewhere += p == 40000 + 60;
	}
	/* Starts on the run or just past it all land there: (RUN + 1) / N = 0.1 of the draws,
	 * 2000 expected (sd ~42); an ordinary free port gets 1 / N, 200 expected (sd ~14). */
	assert_in_range(after_run, 1600, 2400);
	assert_in_range(elsewhere, 160, 240);
	ps_host_fini(&h);
}

/* ---- Algorithm 2 ---- */

static void test_rfc6056_2_gives_up_after_tries_although_ports_are_free(void **state)
{
	(void)state;
	enum { N = 100, HELD = 95, ATTEMPTS = 2000 };
	struct ps_host_config cfg;
	struct ps_host h;
	pst_host_config(&cfg, "rfc6056-2", 40000, 40000 + N - 1, 17);
	cfg.params.tries = 3;
	pst_host_init(&h, &cfg);
	hold_open(&h, 0, HELD, NULL);
	unsigned failed = 0;
	for (int i = 0; i < ATTEMPTS; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		if (r.err == PS_OK) {
			assert_in_range(r.probes, 1, 3);
			ps_host_close(&h, r.conn, 0, false);
			continue;
		}
		assert_int_equal(r.err, PS_EADDRNOTAVAIL);
		assert_int_equal(r.probes, 3);
		failed++;
	}
	/* Five ports stay free throughout, yet three draws all miss with probability
	 * 0.95^3 = 0.857: about 1715 of 2000 (sd ~16). */
	assert_in_range(failed, 1615, 1815);
	ps_host_fini(&h);
}

static void test_rfc6056_2_never_fails_in_an_empty_pool(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	pst_host_config(&cfg, "rfc6056-2", 40000, 40099, 19);
	cfg.params.tries = 3;
	pst_host_init(&h, &cfg);
	for (int i = 0; i < 10000; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, (uint32_t)i % 8, 0);
		assert_int_equal(r.err, PS_OK);
		assert_int_equal(r.probes, 1);
		ps_host_close(&h, r.conn, 0, false);
	}
	ps_host_fini(&h);
}

/* ---- Algorithm 3 ---- */

static void test_rfc6056_3_one_destination_gets_consecutive_ports(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "rfc6056-3", 40000, 40999, 23);
	uint16_t prev = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (int i = 0; i < 2500; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(step_mod(prev, p, 40000, 1000), 1);
		prev = p;
	}
	ps_host_fini(&h);
}

static void test_rfc6056_3_other_destinations_advance_the_shared_counter(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "rfc6056-3", 40000, 40999, 23);
	uint16_t prev = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (uint32_t between = 1; between <= 6; between++) {
		for (uint32_t j = 0; j < between; j++)
			pst_short(&h, PS_MODE_CONNECT, 1 + j, 0);
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		/* The leak of §3.3.3: the gap counts the connections made elsewhere. */
		assert_int_equal(step_mod(prev, p, 40000, 1000), between + 1);
		prev = p;
	}
	ps_host_fini(&h);
}

/*
 * Boots strategy twice with one seed, the second time with the two ports
 * after destination 0's first port reserved: the second allocation must
 * probe three candidates, and the third resume right after it, because the
 * counter moves once per probe (next_ephemeral++ or table[index]++ sits
 * before check_suitable_port in the RFC's loops).
 */
static void check_counter_advances_per_probe(const char *strategy, uint64_t seed)
{
	struct ps_host h;
	pst_host_up(&h, strategy, 40000, 40999, seed);
	uint16_t first = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	ps_host_fini(&h);

	uint64_t reserved[65536 / 64] = { 0 };
	for (uint16_t i = 1; i <= 2; i++) {
		uint16_t port = (uint16_t)(40000 + (first - 40000 + i) % 1000);
		reserved[port / 64] |= 1ULL << (port % 64);
	}
	struct ps_host_config cfg;
	pst_host_config(&cfg, strategy, 40000, 40999, seed);
	cfg.reserved = reserved;
	pst_host_init(&h, &cfg);
	assert_int_equal(pst_short(&h, PS_MODE_CONNECT, 0, 0), first);
	struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(r.err, PS_OK);
	assert_int_equal(step_mod(first, r.port, 40000, 1000), 3);
	assert_int_equal(r.probes, 3);
	ps_host_close(&h, r.conn, 0, false);
	assert_int_equal(step_mod(first, pst_short(&h, PS_MODE_CONNECT, 0, 0), 40000, 1000), 4);
	ps_host_fini(&h);
}

static void test_rfc6056_3_busy_ports_advance_the_counter_per_probe(void **state)
{
	(void)state;
	check_counter_advances_per_probe("rfc6056-3", 29);
}

/* ---- Algorithm 4 ---- */

static void test_rfc6056_4_one_slot_table_shares_the_counter_like_algorithm_3(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	pst_host_config(&cfg, "rfc6056-4", 40000, 40999, 31);
	cfg.params.table_length = 1; /* every destination hashes to slot 0 */
	pst_host_init(&h, &cfg);
	uint16_t prev = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (uint32_t between = 0; between <= 5; between++) {
		for (uint32_t j = 0; j < between; j++)
			pst_short(&h, PS_MODE_CONNECT, 1 + j, 0);
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(step_mod(prev, p, 40000, 1000), between + 1);
		prev = p;
	}
	ps_host_fini(&h);
}

/*
 * How far destination 0's port moves over one connection to d: 1 when d's
 * counter is another slot, 2 when the two share a slot. Slots cannot be
 * read from outside, so this is how the test tells them apart.
 */
static uint32_t gap_around(struct ps_host *h, uint32_t d, uint32_t between)
{
	uint16_t a = pst_short(h, PS_MODE_CONNECT, 0, 0);
	for (uint32_t j = 0; j < between; j++)
		pst_short(h, PS_MODE_CONNECT, d, 0);
	uint16_t b = pst_short(h, PS_MODE_CONNECT, 0, 0);
	return step_mod(a, b, h->cfg.lo, h->cfg.hi - h->cfg.lo + 1u);
}

static void test_rfc6056_4_only_same_slot_destinations_advance_each_other(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	pst_host_config(&cfg, "rfc6056-4", 40000, 40999, 37);
	cfg.params.table_length = 10;
	pst_host_init(&h, &cfg);
	uint32_t same = 0, other = 0;
	for (uint32_t d = 1; d < PST_LOOPBACK && (!same || !other); d++) {
		uint32_t gap = gap_around(&h, d, 1);
		assert_in_range(gap, 1, 2);
		if (gap == 2 && !same)
			same = d;
		if (gap == 1 && !other)
			other = d;
	}
	/* 62 destinations over 10 slots: with this seed both kinds turn up. */
	assert_int_not_equal(same, 0);
	assert_int_not_equal(other, 0);
	for (uint32_t between = 1; between <= 5; between++) {
		assert_int_equal(gap_around(&h, other, between), 1);
		assert_int_equal(gap_around(&h, same, between), between + 1);
	}
	ps_host_fini(&h);
}

static void test_rfc6056_4_short_counters_wrap_every_65536_probes(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	pst_host_config(&cfg, "rfc6056-4", 40000, 40999, 41);
	cfg.params.table_length = 1;
	pst_host_init(&h, &cfg);
	/* The RFC's table holds short integers: once in 65536 connections the counter drops
	 * from 65535 to 0 and, as 1000 does not divide 65536, the port jumps by
	 * (1 - 65536) mod 1000 = 465 instead of 1. */
	uint16_t prev = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	unsigned jumps = 0;
	for (int i = 0; i < 65536; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		uint32_t step = step_mod(prev, p, 40000, 1000);
		if (step != 1) {
			assert_int_equal(step, 465);
			jumps++;
		}
		prev = p;
	}
	assert_int_equal(jumps, 1);
	ps_host_fini(&h);
}

static void test_rfc6056_4_busy_ports_advance_the_slot_per_probe(void **state)
{
	(void)state;
	check_counter_advances_per_probe("rfc6056-4", 59);
}

static void test_rfc6056_4_rejects_an_empty_table(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	char err[256];
	pst_host_config(&cfg, "rfc6056-4", 40000, 40999, 1);
	cfg.params.table_length = 0;
	assert_int_equal(ps_host_init(&h, &cfg, err, sizeof(err)), -1);
}

/* ---- Algorithm 5 ---- */

static void check_increments(uint32_t increment_max, uint64_t seed)
{
	struct ps_host_config cfg;
	struct ps_host h;
	enum { DRAWS = 5000 };
	pst_host_config(&cfg, "rfc6056-5", 40000, 40999, seed);
	cfg.params.increment_max = increment_max;
	pst_host_init(&h, &cfg);
	uint16_t prev = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	uint32_t lo_seen = UINT32_MAX, hi_seen = 0;
	uint64_t sum = 0;
	for (int i = 0; i < DRAWS; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, (uint32_t)i % 4, 0);
		uint32_t step = step_mod(prev, p, 40000, 1000);
		assert_in_range(step, 1, increment_max);
		lo_seen = step < lo_seen ? step : lo_seen;
		hi_seen = step > hi_seen ? step : hi_seen;
		sum += step;
		prev = p;
	}
	/* The increments are uniform over 1..N: both ends show up and the mean is (N + 1) / 2
	 * (sd of the mean about N / sqrt(12 * 5000) = N / 245). */
	assert_true(lo_seen <= 1 + increment_max / 50);
	assert_true(hi_seen >= increment_max - increment_max / 50);
	double mean = (double)sum / DRAWS, want = (increment_max + 1) / 2.0;
	assert_true(mean > want - increment_max / 40.0 && mean < want + increment_max / 40.0);
	ps_host_fini(&h);
}

static void test_rfc6056_5_steps_lie_in_one_to_500(void **state)
{
	(void)state;
	check_increments(500, 43);
}

static void test_rfc6056_5_steps_lie_in_one_to_10(void **state)
{
	(void)state;
	check_increments(10, 47);
}

static void test_rfc6056_5_rejects_a_zero_increment_bound(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	char err[256];
	pst_host_config(&cfg, "rfc6056-5", 40000, 40999, 1);
	cfg.params.increment_max = 0;
	assert_int_equal(ps_host_init(&h, &cfg, err, sizeof(err)), -1);
}

/* ---- all of them ---- */

static void test_rfc6056_full_pool_fails_after_the_whole_range(void **state)
{
	(void)state;
	const char *const names[] = { "rfc6056-1", "rfc6056-2", "rfc6056-3", "rfc6056-4", "rfc6056-5" };
	enum { N = 64 };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct ps_host h;
		pst_host_up(&h, names[i], 40000, 40000 + N - 1, 53);
		hold_open(&h, 0, N, NULL);
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r.err, PS_EADDRNOTAVAIL);
		/* Every algorithm gives up after num_ephemeral candidates (tries = 0 means N). */
		assert_int_equal(r.probes, N);
		/* The 4-tuple rule: another destination still gets a port. */
		assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 1, 0).err, PS_OK);
		ps_host_fini(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6056_1_starts_anywhere_and_walks_up),
		cmocka_unit_test(test_rfc6056_1_empty_pool_choice_passes_chi_square),
		cmocka_unit_test(test_rfc6056_1_favours_the_port_after_a_busy_run),
		cmocka_unit_test(test_rfc6056_2_gives_up_after_tries_although_ports_are_free),
		cmocka_unit_test(test_rfc6056_2_never_fails_in_an_empty_pool),
		cmocka_unit_test(test_rfc6056_3_one_destination_gets_consecutive_ports),
		cmocka_unit_test(test_rfc6056_3_other_destinations_advance_the_shared_counter),
		cmocka_unit_test(test_rfc6056_3_busy_ports_advance_the_counter_per_probe),
		cmocka_unit_test(test_rfc6056_4_one_slot_table_shares_the_counter_like_algorithm_3),
		cmocka_unit_test(test_rfc6056_4_only_same_slot_destinations_advance_each_other),
		cmocka_unit_test(test_rfc6056_4_short_counters_wrap_every_65536_probes),
		cmocka_unit_test(test_rfc6056_4_busy_ports_advance_the_slot_per_probe),
		cmocka_unit_test(test_rfc6056_4_rejects_an_empty_table),
		cmocka_unit_test(test_rfc6056_5_steps_lie_in_one_to_500),
		cmocka_unit_test(test_rfc6056_5_steps_lie_in_one_to_10),
		cmocka_unit_test(test_rfc6056_5_rejects_a_zero_increment_bound),
		cmocka_unit_test(test_rfc6056_full_pool_fails_after_the_whole_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
