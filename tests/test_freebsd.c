/* freebsd and freebsd-legacy: in_pcb_lport_dest's walk and the old randomcps fallback. */
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

#define S(x) ((ps_time)((x) * (double)PS_NS_PER_S))

/* Opens every port of the range toward destination 0 and keeps them; conn[i] holds port lo + i. */
static void fill(struct ps_host *h, uint16_t lo, uint32_t n, uint32_t *conn)
{
	for (uint32_t i = 0; i < n; i++) {
		struct ps_open_result r = pst_open(h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r.err, PS_OK);
		conn[r.port - lo] = r.conn;
	}
}

static void test_freebsd_first_candidate_is_uniform_but_never_the_low_end(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "freebsd", 40000, 40099, 11);
	unsigned bins[10] = { 0 };
	for (int i = 0; i < 9900; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		/* lastport = first + random % (last - first) is below last; the walk starts past it. */
		assert_int_not_equal(p, 40000);
		bins[(p - 40000) / 10]++;
	}
	/* 100 per port expected; the first bin has nine ports (sd ~30). */
	assert_in_range(bins[0], 780, 1020);
	for (int b = 1; b < 10; b++)
		assert_in_range(bins[b], 870, 1130);
	ps_host_fini(&h);
}

static void test_freebsd_walks_up_from_the_start_to_the_next_free_port(void **state)
{
	(void)state;
	enum { N = 12 };
	struct ps_host h;
	uint32_t conn[N];
	pst_host_up(&h, "freebsd", 40000, 40000 + N - 1, 5);
	fill(&h, 40000, N, conn);
	/* Only 40003 and 40008 free: a start in 4..8 must end at 40008, any other at 40003. */
	ps_host_close(&h, conn[3], 0, false);
	ps_host_close(&h, conn[8], 0, false);
	unsigned seen[N + 1] = { 0 };
	for (int i = 0; i < 2000; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r.err, PS_OK);
		assert_in_range(r.probes, 1, N);
		uint32_t idx = r.port - 40000u;
		uint32_t start = (idx + N - (r.probes - 1)) % N;
		assert_int_not_equal(start, 0);
		if (idx == 8)
			assert_in_range(start, 4, 8);
		else
			assert_true(idx == 3 && (start >= 9 || start <= 3));
		seen[start]++;
		ps_host_close(&h, r.conn, 0, false);
	}
	for (int st = 1; st < N; st++)
		assert_true(seen[st] > 100);
	ps_host_fini(&h);
}

static void test_freebsd_full_scan_tries_all_n_ports(void **state)
{
	(void)state;
	enum { N = 50 };
	struct ps_host h;
	uint32_t conn[N];
	pst_host_up(&h, "freebsd", 40000, 40000 + N - 1, 7);
	fill(&h, 40000, N, conn);
	struct ps_open_result f = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(f.err, PS_EADDRNOTAVAIL);
	/* "count-- < 0" with count = last - first lets last - first + 1 candidates through. */
	assert_int_equal(f.probes, N);
	/* So the lone free port is found from every start, even the one just past it. */
	ps_host_close(&h, conn[0], 0, false);
	unsigned full = 0;
	for (int i = 0; i < 1000; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r.err, PS_OK);
		assert_int_equal(r.port, 40000);
		full += r.probes == N;
		ps_host_close(&h, r.conn, 0, false);
	}
	assert_true(full > 0);
	ps_host_fini(&h);
}

static bool next_of(uint16_t a, uint16_t b, uint16_t lo, uint16_t hi)
{
	return b == (a == hi ? lo : a + 1);
}

static void test_freebsd_legacy_burst_goes_sequential_and_back_after_randomtime(void **state)
{
	(void)state;
	const uint16_t lo = 40000, hi = 49999;
	struct ps_host h;
	pst_host_up(&h, "freebsd-legacy", lo, hi, 3);
	uint16_t last = 0;
	for (int i = 0; i < 11; i++) /* more than randomcps = 10 in the first second */
		last = pst_short(&h, PS_MODE_CONNECT, 0, S(0.1 + 0.05 * i));
	/* Tick at 1 s: stoprandom = 45. lastport continues from the last port handed out. */
	for (int i = 0; i < 5; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, (uint32_t)i, S(1.5));
		assert_true(next_of(last, p, lo, hi));
		last = p;
	}
	/* UDP is never de-randomized. */
	unsigned udp_next = 0;
	uint16_t u = pst_short(&h, PS_MODE_UDP, 0, S(2.5));
	for (int i = 0; i < 20; i++) {
		uint16_t v = pst_short(&h, PS_MODE_UDP, 0, S(2.5));
		udp_next += next_of(u, v, lo, hi);
		u = v;
	}
	assert_true(udp_next <= 1);
	/* Ticks 2..45 are calm: stoprandom is 1 at 45.5 s, still sequential. */
	for (int i = 0; i < 5; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, S(45.5));
		assert_true(next_of(last, p, lo, hi));
		last = p;
	}
	/* Tick 46 brings it to 0: random starts again. */
	unsigned consecutive = 0;
	for (int i = 0; i < 10; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, S(46.5));
		consecutive += next_of(last, p, lo, hi);
		last = p;
	}
	assert_true(consecutive <= 1);
	ps_host_fini(&h);
}

static void test_freebsd_legacy_randomcps_is_a_strict_threshold_and_udp_does_not_count(void **state)
{
	(void)state;
	const uint16_t lo = 40000, hi = 49999;
	struct ps_host h;
	pst_host_up(&h, "freebsd-legacy", lo, hi, 4);
	/* Exactly randomcps TCP allocations, plus a UDP burst, in the first second. */
	for (int i = 0; i < 10; i++)
		pst_short(&h, PS_MODE_CONNECT, 0, S(0.5));
	for (int i = 0; i < 100; i++)
		pst_short(&h, PS_MODE_UDP, 0, S(0.5));
	uint16_t last = pst_short(&h, PS_MODE_CONNECT, 0, S(1.5));
	unsigned consecutive = 0;
	for (int i = 0; i < 9; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, S(1.5));
		consecutive += next_of(last, p, lo, hi);
		last = p;
	}
	assert_true(consecutive <= 1);
	ps_host_fini(&h);
}

static void test_freebsd_legacy_counts_failed_allocations_too(void **state)
{
	(void)state;
	enum { N = 8 };
	struct ps_host h;
	uint32_t conn[N];
	pst_host_up(&h, "freebsd-legacy", 40000, 40000 + N - 1, 9);
	fill(&h, 40000, N, conn);
	for (int i = 0; i < 3; i++) /* 8 + 3 = 11 attempts in the first second */
		assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 0).err, PS_EADDRNOTAVAIL);
	for (uint32_t i = 0; i < N; i++)
		ps_host_close(&h, conn[i], 0, false);
	/* Sequential from the last port handed out, whatever it was. */
	uint16_t a = pst_short(&h, PS_MODE_CONNECT, 0, S(1.5));
	uint16_t b = pst_short(&h, PS_MODE_CONNECT, 0, S(1.5));
	uint16_t c = pst_short(&h, PS_MODE_CONNECT, 0, S(1.5));
	assert_true(next_of(a, b, 40000, 40000 + N - 1));
	assert_true(next_of(b, c, 40000, 40000 + N - 1));
	ps_host_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_freebsd_first_candidate_is_uniform_but_never_the_low_end),
		cmocka_unit_test(test_freebsd_walks_up_from_the_start_to_the_next_free_port),
		cmocka_unit_test(test_freebsd_full_scan_tries_all_n_ports),
		cmocka_unit_test(test_freebsd_legacy_burst_goes_sequential_and_back_after_randomtime),
		cmocka_unit_test(test_freebsd_legacy_randomcps_is_a_strict_threshold_and_udp_does_not_count),
		cmocka_unit_test(test_freebsd_legacy_counts_failed_allocations_too),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
