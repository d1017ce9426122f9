/* The Linux strategies: connect(), its older versions, bind(0) and UDP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "portsim/alloc.h"
#include "portsim/host.h"
#include "portsim/narrate.h"
#include "support.h"

static int step_of(uint16_t a, uint16_t b, uint32_t n)
{
	return (int)(((uint32_t)b + n - a) % n);
}

static void test_linux_tries_every_port_of_the_low_parity_first(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux", 40000, 40099, 5);
	for (int i = 0; i < 100; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r.err, PS_OK);
		assert_int_equal(r.port % 2, i < 50 ? 0 : 1);
	}
	struct ps_open_result f = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(f.err, PS_EADDRNOTAVAIL);
	assert_int_equal(f.probes, 100);
	/* Per destination: another destination still gets the whole range. */
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 1, 0).err, PS_OK);
	ps_host_fini(&h);
}

static void test_linux_odd_pass_reports_the_even_pass_probes(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux", 40000, 40099, 5);
	for (int i = 0; i < 50; i++)
		pst_open(&h, PS_MODE_CONNECT, 0, 0);
	/* Every even port is taken: the kernel walks all 50 before the odd pass. */
	struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(r.port % 2, 1);
	assert_true(r.probes >= 51);
	ps_host_fini(&h);
}

static void test_linux_steps_by_2_to_16_toward_one_destination(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux", 32768, 60999, 9);
	unsigned seen[17] = { 0 };
	uint16_t prev = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (int i = 0; i < 4000; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, (ps_time)i * 1000);
		int d = step_of(prev, p, 28232);
		assert_in_range(d, 2, 16);
		assert_int_equal(d % 2, 0);
		seen[d]++;
		prev = p;
	}
	/* All eight strides occur, each about 1/8 of the time. */
	for (int d = 2; d <= 16; d += 2)
		assert_in_range(seen[d], 400, 600);
	ps_host_fini(&h);
}

static void test_linux_destinations_do_not_advance_each_other(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux", 32768, 60999, 11);
	uint16_t a = pst_short(&h, PS_MODE_CONNECT, 0, 0), b = pst_short(&h, PS_MODE_CONNECT, 1, 0);
	assert_int_not_equal(a, b);
	for (int i = 0; i < 500; i++) {
		uint16_t a2 = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		for (uint32_t d = 2; d < 6; d++)
			pst_short(&h, PS_MODE_CONNECT, d, 0);
		uint16_t b2 = pst_short(&h, PS_MODE_CONNECT, 1, 0);
		assert_in_range(step_of(a, a2, 28232), 2, 16);
		assert_in_range(step_of(b, b2, 28232), 2, 16);
		a = a2;
		b = b2;
	}
	ps_host_fini(&h);
}

static void test_linux_jumps_to_an_unrelated_start_every_10_s(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux", 32768, 60999, 13);
	unsigned small = 0;
	for (int k = 1; k <= 200; k++) {
		ps_time boundary = (ps_time)k * 10 * PS_NS_PER_S;
		uint16_t before = pst_short(&h, PS_MODE_CONNECT, 0, boundary - 1);
		uint16_t after = pst_short(&h, PS_MODE_CONNECT, 0, boundary);
		int d = step_of(before, after, 28232);
		small += d >= 2 && d <= 16;
	}
	/* An unrelated start lands within 2..16 of the last port about 8 times in 28232. */
	assert_true(small <= 2);
	ps_host_fini(&h);
}

static void test_linux_connect_skips_ports_held_by_an_explicit_bind(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux", 40000, 40009, 17);
	struct ps_open_result b = pst_open(&h, PS_MODE_BIND0, 0, 0);
	assert_int_equal(b.err, PS_OK);
	/* Toward another destination: every port but the bound one, then failure. */
	for (int i = 0; i < 9; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 1, 0);
		assert_int_equal(r.err, PS_OK);
		assert_int_not_equal(r.port, b.port);
	}
	struct ps_open_result f = pst_open(&h, PS_MODE_CONNECT, 1, 0);
	assert_int_equal(f.err, PS_EADDRNOTAVAIL);
	assert_int_equal(f.probes, 10);
	ps_host_fini(&h);
}

/* A host whose only port is held in TIME_WAIT toward dst since time 0; returns that connection. */
static uint32_t one_port_in_time_wait(struct ps_host *h, enum ps_tw_reuse reuse, uint32_t dst)
{
	struct ps_host_config cfg;
	pst_host_config(&cfg, "linux", 40000, 40000, 19);
	cfg.tw_reuse = reuse;
	pst_host_init(h, &cfg);
	struct ps_open_result r = pst_open(h, PS_MODE_CONNECT, dst, 0);
	assert_int_equal(r.err, PS_OK);
	assert_true(ps_host_close(h, r.conn, 0, true));
	return r.conn;
}

static void test_linux_tw_reuse_0_never_takes_over_time_wait(void **state)
{
	(void)state;
	struct ps_host h;
	one_port_in_time_wait(&h, PS_TW_REUSE_NEVER, 0);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 59 * PS_NS_PER_S).err, PS_EADDRNOTAVAIL);
	/* The 4-tuple is blocked, not the port. */
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 1, 59 * PS_NS_PER_S).err, PS_OK);
	ps_host_fini(&h);
}

static void test_linux_tw_reuse_1_takes_over_time_wait_after_1_s(void **state)
{
	(void)state;
	struct ps_host h;
	uint32_t tw = one_port_in_time_wait(&h, PS_TW_REUSE_ANY, 0);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, PS_NS_PER_S - 1).err, PS_EADDRNOTAVAIL);
	struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, PS_NS_PER_S);
	assert_int_equal(r.err, PS_OK);
	assert_int_equal(r.port, 40000);
	assert_int_equal(r.taken_over, tw);
	ps_host_fini(&h);
}

static void test_linux_tw_reuse_2_takes_over_only_toward_loopback(void **state)
{
	(void)state;
	struct ps_host h;
	one_port_in_time_wait(&h, PS_TW_REUSE_LOOPBACK, 0);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 5 * PS_NS_PER_S).err, PS_EADDRNOTAVAIL);
	ps_host_fini(&h);

	uint32_t tw = one_port_in_time_wait(&h, PS_TW_REUSE_LOOPBACK, PST_LOOPBACK);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, PST_LOOPBACK, PS_NS_PER_S / 2).err,
			 PS_EADDRNOTAVAIL);
	struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, PST_LOOPBACK, 5 * PS_NS_PER_S);
	assert_int_equal(r.err, PS_OK);
	assert_int_equal(r.taken_over, tw);
	ps_host_fini(&h);
}

/* ---- linux-4.6 ---- */

static void test_linux_4_6_other_destinations_advance_the_global_hint(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-4.6", 32768, 60999, 23);
	uint16_t a = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (int k = 0; k < 30; k++) {
		/* k connections elsewhere move A's next start by 2k on top of its own 2. */
		for (int j = 0; j < k; j++)
			pst_short(&h, PS_MODE_CONNECT, 1 + (uint32_t)j % 8, 0);
		uint16_t a2 = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(step_of(a, a2, 28232), 2 + 2 * k);
		a = a2;
	}
	ps_host_fini(&h);

	/* The per-destination table of current kernels hides the same traffic. */
	pst_host_up(&h, "linux", 32768, 60999, 23);
	a = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (int j = 0; j < 29; j++)
		pst_short(&h, PS_MODE_CONNECT, 1 + (uint32_t)j % 8, 0);
	assert_in_range(step_of(a, pst_short(&h, PS_MODE_CONNECT, 0, 0), 28232), 2, 16);
	ps_host_fini(&h);
}

static void test_linux_4_6_tries_every_even_port_before_any_odd(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-4.6", 40000, 40099, 29);
	for (int i = 0; i < 100; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r.err, PS_OK);
		assert_int_equal(r.port % 2, i < 50 ? 0 : 1);
	}
	struct ps_open_result f = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(f.err, PS_EADDRNOTAVAIL);
	assert_int_equal(f.probes, 100);
	ps_host_fini(&h);
}

/* ---- linux-5.12 ---- */

static void test_linux_5_12_steps_by_2_or_rarely_4_toward_one_destination(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-5.12", 32768, 60999, 31);
	unsigned fours = 0;
	uint16_t prev = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (int i = 0; i < 4000; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, (ps_time)i * 1000);
		int d = step_of(prev, p, 28232);
		/* No 0-7 increment: counter += i + 2, with i = 2 in 1/16 of first-try successes. */
		assert_true(d == 2 || d == 4);
		fours += d == 4;
		prev = p;
	}
	assert_in_range(fours, 190, 310); /* 4000 / 16 = 250, sd ~15 */
	ps_host_fini(&h);
}

static void test_linux_5_12_does_not_jump_at_10_s(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-5.12", 32768, 60999, 37);
	for (int k = 1; k <= 200; k++) {
		ps_time boundary = (ps_time)k * 10 * PS_NS_PER_S;
		uint16_t before = pst_short(&h, PS_MODE_CONNECT, 0, boundary - 1);
		uint16_t after = pst_short(&h, PS_MODE_CONNECT, 0, boundary);
		int d = step_of(before, after, 28232);
		assert_true(d == 2 || d == 4);
	}
	ps_host_fini(&h);
}

static void test_linux_5_12_tries_every_even_port_before_any_odd(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-5.12", 40000, 40099, 41);
	for (int i = 0; i < 100; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r.err, PS_OK);
		assert_int_equal(r.port % 2, i < 50 ? 0 : 1);
	}
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 0).err, PS_EADDRNOTAVAIL);
	ps_host_fini(&h);
}

/* ---- linux-bind ---- */

/* Fills the range with bind(0) sockets, checking that the parity opposite to lo comes first. */
static void bind_fills_opposite_parity_first(uint16_t lo, uint16_t hi, uint64_t seed)
{
	struct ps_host h;
	pst_host_up(&h, "linux-bind", lo, hi, seed);
	uint32_t n = (uint32_t)hi - lo + 1, half = n / 2;
	for (uint32_t i = 0; i < n; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_BIND0, i % 4, 0);
		assert_int_equal(r.err, PS_OK);
		bool same_as_lo = r.port % 2 == lo % 2;
		assert_int_equal(same_as_lo, i >= half);
	}
	struct ps_open_result f = pst_open(&h, PS_MODE_BIND0, 0, 0);
	assert_int_equal(f.err, PS_EADDRINUSE);
	assert_int_equal(f.probes, n);
	ps_host_fini(&h);
}

static void test_linux_bind_takes_the_parity_opposite_to_low_first(void **state)
{
	(void)state;
	bind_fills_opposite_parity_first(40000, 40099, 43); /* even low: odd ports first */
	bind_fills_opposite_parity_first(40001, 40100, 47); /* odd low: even ports first */
}

static void test_linux_bind_starts_anywhere(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-bind", 32768, 60999, 53);
	unsigned low_half = 0;
	for (int i = 0; i < 2000; i++) {
		uint16_t p = pst_short(&h, PS_MODE_BIND0, 0, 0);
		assert_int_equal(p % 2, 1);
		low_half += p < 32768 + 14116;
	}
	assert_in_range(low_half, 900, 1100);
	ps_host_fini(&h);
}

static void test_linux_bind_refuses_a_port_connected_to_any_destination(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	pst_host_config(&cfg, "linux-bind", 40000, 40009, 59);
	cfg.alloc[PS_MODE_CONNECT] = ps_alloc_find("linux");
	pst_host_init(&h, &cfg);
	bool connected[10] = { false };
	for (int i = 0; i < 4; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 1, 0);
		assert_int_equal(r.err, PS_OK);
		connected[r.port - 40000] = true;
	}
	/* bind(0) toward destination 0 gets the six other ports only. */
	for (int i = 0; i < 6; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_BIND0, 0, 0);
		assert_int_equal(r.err, PS_OK);
		assert_false(connected[r.port - 40000]);
	}
	struct ps_open_result f = pst_open(&h, PS_MODE_BIND0, 0, 0);
	assert_int_equal(f.err, PS_EADDRINUSE);
	assert_int_equal(f.probes, 10);
	ps_host_fini(&h);
}

/* ---- linux-udp ---- */

static void test_linux_udp_has_no_parity_preference(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-udp", 32768, 60999, 61);
	unsigned odd = 0, low_half = 0;
	for (int i = 0; i < 4000; i++) {
		uint16_t p = pst_short(&h, PS_MODE_UDP, (uint32_t)i % 8, 0);
		odd += p % 2;
		low_half += p < 32768 + 14116;
	}
	assert_in_range(odd, 1850, 2150); /* sd ~32 */
	assert_in_range(low_half, 1850, 2150);
	ps_host_fini(&h);
}

static void test_linux_udp_port_cannot_serve_two_destinations(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-udp", 40000, 40000, 67);
	assert_int_equal(pst_open(&h, PS_MODE_UDP, 0, 0).err, PS_OK);
	struct ps_open_result f = pst_open(&h, PS_MODE_UDP, 1, 0);
	assert_int_equal(f.err, PS_EAGAIN);
	assert_int_equal(f.probes, 1);
	ps_host_fini(&h);
}

static void test_linux_udp_has_no_time_wait(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-udp", 40000, 40000, 71);
	struct ps_open_result r = pst_open(&h, PS_MODE_UDP, 0, 0);
	assert_int_equal(r.err, PS_OK);
	assert_false(ps_host_close(&h, r.conn, 0, true));
	r = pst_open(&h, PS_MODE_UDP, 0, 0);
	assert_int_equal(r.err, PS_OK);
	assert_int_equal(r.port, 40000);
	ps_host_fini(&h);
}

/* Fills [lo, hi] with UDP sockets: every port once, then EAGAIN after examining each port once. */
static void udp_fills_the_range(uint16_t lo, uint16_t hi, uint32_t hash_size, uint64_t seed)
{
	struct ps_host_config cfg;
	struct ps_host h;
	pst_host_config(&cfg, "linux-udp", lo, hi, seed);
	cfg.params.udp_hash_size = hash_size;
	pst_host_init(&h, &cfg);
	uint32_t n = (uint32_t)hi - lo + 1;
	uint8_t *seen = calloc(n, 1);
	assert_non_null(seen);
	for (uint32_t i = 0; i < n; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_UDP, i % 8, 0);
		assert_int_equal(r.err, PS_OK);
		assert_in_range(r.probes, 1, n);
		assert_false(seen[r.port - lo]);
		seen[r.port - lo] = 1;
	}
	struct ps_open_result f = pst_open(&h, PS_MODE_UDP, 0, 0);
	assert_int_equal(f.err, PS_EAGAIN);
	assert_int_equal(f.probes, n);
	free(seen);
	ps_host_fini(&h);
}

static void test_linux_udp_reaches_every_port_of_the_range(void **state)
{
	(void)state;
	udp_fills_the_range(40000, 40999, 256, 73);
	udp_fills_the_range(1024, 65535, 256, 79);
	udp_fills_the_range(50001, 50003, 65536, 83);
	udp_fills_the_range(60000, 60100, 1, 89);
}

static void test_linux_udp_last_free_port_costs_up_to_the_whole_range(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "linux-udp", 40000, 40999, 97);
	uint32_t conns[1000];
	for (int i = 0; i < 1000; i++)
		conns[i] = pst_open(&h, PS_MODE_UDP, 0, 0).conn;
	/* Free one port again: the search walks slots until it meets it. */
	uint16_t freed = ps_host_port(&h, conns[500]);
	ps_host_close(&h, conns[500], 0, true);
	uint32_t total = 0;
	for (int i = 0; i < 200; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_UDP, 0, 0);
		assert_int_equal(r.err, PS_OK);
		assert_int_equal(r.port, freed);
		total += r.probes;
		ps_host_close(&h, r.conn, 0, true);
	}
	/* A uniform position among 1000: about 500 on average. */
	assert_in_range(total / 200, 400, 600);
	ps_host_fini(&h);
}

static void test_linux_udp_rejects_a_hash_size_not_a_power_of_two(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	char err[256];
	pst_host_config(&cfg, "linux-udp", 40000, 40999, 101);
	cfg.params.udp_hash_size = 300;
	assert_int_equal(ps_host_init(&h, &cfg, err, sizeof(err)), -1);
	cfg.params.udp_hash_size = 0;
	assert_int_equal(ps_host_init(&h, &cfg, err, sizeof(err)), -1);
	cfg.params.udp_hash_size = 131072;
	assert_int_equal(ps_host_init(&h, &cfg, err, sizeof(err)), -1);
}

static void quiet_say(struct ps_narrator *n, const char *text)
{
	(void)n;
	(void)text;
}

static void quiet_walk(struct ps_narrator *n, const struct ps_pool *pool, const struct ps_request *req,
		       const struct ps_walk *w)
{
	(void)n;
	(void)pool;
	(void)req;
	(void)w;
}

/*
 * A listening narrator sends every search the general way, past the
 * first-candidate shortcut: two hosts, one told, must choose alike through
 * fills, wraps, second passes, failures and take-overs.
 */
static void test_linux_shortcut_chooses_as_the_full_walk(void **state)
{
	(void)state;
	static const char *const strategies[] = { "linux", "linux-5.12", "linux-4.6", "linux-bind" };
	struct ps_narrator quiet = { .say = quiet_say, .walk = quiet_walk };
	for (unsigned s = 0; s < 4; s++) {
		for (int reuse = 0; reuse < 2; reuse++) {
			struct ps_host_config cfg;
			struct ps_host plain, told;
			pst_host_config(&cfg, strategies[s], 40000, 40199, 3 + s);
			cfg.tw_reuse = reuse ? PS_TW_REUSE_ANY : PS_TW_REUSE_NEVER;
			pst_host_init(&plain, &cfg);
			pst_host_init(&told, &cfg);
			told.pool.narrator = &quiet;
			enum ps_mode mode = s == 3 ? PS_MODE_BIND0 : PS_MODE_CONNECT;
			uint32_t live[256], nlive = 0;
			uint64_t draw = 12345 + s;
			for (int step = 0; step < 3000; step++) {
				draw = draw * 6364136223846793005ULL + 1442695040888963407ULL;
				ps_time now = (ps_time)step * (PS_NS_PER_S / 20);
				if ((draw >> 40) % 3 != 0 || nlive == 0) {
					uint32_t dst = (uint32_t)(draw >> 20) % 4;
					struct ps_open_result a = pst_open(&plain, mode, dst, now);
					struct ps_open_result b = pst_open(&told, mode, dst, now);
					assert_int_equal(a.err, b.err);
					assert_int_equal(a.probes, b.probes);
					if (a.err != PS_OK)
						continue;
					assert_int_equal(a.port, b.port);
					assert_int_equal(a.conn, b.conn);
					assert_int_equal(a.taken_over, b.taken_over);
					if (nlive < 256)
						live[nlive++] = a.conn;
				} else {
					uint32_t k = (uint32_t)(draw >> 24) % nlive;
					bool active = (draw >> 50) & 1;
					assert_int_equal(ps_host_close(&plain, live[k], now, active),
							 ps_host_close(&told, live[k], now, active));
					live[k] = live[--nlive];
				}
			}
			ps_host_fini(&plain);
			ps_host_fini(&told);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_tries_every_port_of_the_low_parity_first),
		cmocka_unit_test(test_linux_shortcut_chooses_as_the_full_walk),
		cmocka_unit_test(test_linux_odd_pass_reports_the_even_pass_probes),
		cmocka_unit_test(test_linux_steps_by_2_to_16_toward_one_destination),
		cmocka_unit_test(test_linux_destinations_do_not_advance_each_other),
		cmocka_unit_test(test_linux_jumps_to_an_unrelated_start_every_10_s),
		cmocka_unit_test(test_linux_connect_skips_ports_held_by_an_explicit_bind),
		cmocka_unit_test(test_linux_tw_reuse_0_never_takes_over_time_wait),
		cmocka_unit_test(test_linux_tw_reuse_1_takes_over_time_wait_after_1_s),
		cmocka_unit_test(test_linux_tw_reuse_2_takes_over_only_toward_loopback),
		cmocka_unit_test(test_linux_4_6_other_destinations_advance_the_global_hint),
		cmocka_unit_test(test_linux_4_6_tries_every_even_port_before_any_odd),
		cmocka_unit_test(test_linux_5_12_steps_by_2_or_rarely_4_toward_one_destination),
		cmocka_unit_test(test_linux_5_12_does_not_jump_at_10_s),
		cmocka_unit_test(test_linux_5_12_tries_every_even_port_before_any_odd),
		cmocka_unit_test(test_linux_bind_takes_the_parity_opposite_to_low_first),
		cmocka_unit_test(test_linux_bind_starts_anywhere),
		cmocka_unit_test(test_linux_bind_refuses_a_port_connected_to_any_destination),
		cmocka_unit_test(test_linux_udp_has_no_parity_preference),
		cmocka_unit_test(test_linux_udp_port_cannot_serve_two_destinations),
		cmocka_unit_test(test_linux_udp_has_no_time_wait),
		cmocka_unit_test(test_linux_udp_reaches_every_port_of_the_range),
		cmocka_unit_test(test_linux_udp_last_free_port_costs_up_to_the_whole_range),
		cmocka_unit_test(test_linux_udp_rejects_a_hash_size_not_a_power_of_two),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
