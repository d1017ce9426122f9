/* openbsd: in_pcbpickport's random start, +1 walk, and the baddynamic exclusions. */
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

static bool tcp_bad(uint16_t p)
{
	return p == 587 || p == 749 || p == 750 || p == 751 || p == 853 || p == 871 || p == 2049 ||
	       (p >= 6000 && p <= 6010);
}

/* Opens ports in mode until the range runs out; returns how many it got. */
static unsigned exhaust(struct ps_host *h, enum ps_mode mode, bool (*bad)(uint16_t), uint32_t n)
{
	unsigned got = 0;
	for (;;) {
		struct ps_open_result r = pst_open(h, mode, 0, 0);
		if (r.err != PS_OK) {
			assert_int_equal(r.err, PS_EADDRNOTAVAIL);
			assert_int_equal(r.probes, n);
			return got;
		}
		if (bad)
			assert_false(bad(r.port));
		got++;
	}
}

static void test_openbsd_never_hands_out_a_tcp_baddynamic_port(void **state)
{
	(void)state;
	struct ps_host h;
	/* 5995-6015: 21 ports, of which 6000-6010 are in DEFBADDYNAMICPORTS_TCP. */
	pst_host_up(&h, "openbsd", 5995, 6015, 1);
	assert_int_equal(exhaust(&h, PS_MODE_CONNECT, tcp_bad, 21), 21 - 11);
	ps_host_fini(&h);
}

static bool udp_bad(uint16_t p)
{
	return p == 2049 || p == 3784 || p == 3785 || p == 4500;
}

static void test_openbsd_udp_uses_its_own_list(void **state)
{
	(void)state;
	struct ps_host h;
	/* 6000-6010 are fine for UDP: the whole range is usable. */
	pst_host_up(&h, "openbsd", 5995, 6015, 2);
	assert_int_equal(exhaust(&h, PS_MODE_UDP, NULL, 21), 21);
	ps_host_fini(&h);
	/* 2040-4600 holds 2049, 3784, 3785 and udpencap's 4500. */
	pst_host_up(&h, "openbsd", 2040, 4600, 3);
	assert_int_equal(exhaust(&h, PS_MODE_UDP, udp_bad, 2561), 2561 - 4);
	ps_host_fini(&h);
}

static void test_openbsd_skipped_ports_count_as_probes(void **state)
{
	(void)state;
	struct ps_host h;
	/* 5999-6011: only the two ends are allowed for TCP. Keep 6011 busy. */
	pst_host_up(&h, "openbsd", 5999, 6011, 4);
	struct ps_open_result a = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	struct ps_open_result b = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(a.err, PS_OK);
	assert_int_equal(b.err, PS_OK);
	ps_host_close(&h, a.port == 5999 ? a.conn : b.conn, 0, false);
	/* The walk starts in [6000, 6011] and ends on 5999 after wrapping: 13 - start + lo probes. */
	unsigned seen[14] = { 0 };
	for (int i = 0; i < 1200; i++) {
		struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r.port, 5999);
		assert_in_range(r.probes, 2, 13);
		seen[r.probes]++;
		ps_host_close(&h, r.conn, 0, false);
	}
	for (int p = 2; p <= 13; p++)
		assert_true(seen[p] > 50);
	ps_host_fini(&h);
}

static void test_openbsd_start_is_uniform_past_the_low_end(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "openbsd", 20000, 20099, 5);
	unsigned low_half = 0;
	for (int i = 0; i < 2000; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_not_equal(p, 20000);
		low_half += p < 20050;
	}
	/* 49 of the 99 reachable first candidates are below 20050. */
	assert_in_range(low_half, 890, 1090);
	ps_host_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openbsd_never_hands_out_a_tcp_baddynamic_port),
		cmocka_unit_test(test_openbsd_udp_uses_its_own_list),
		cmocka_unit_test(test_openbsd_skipped_ports_count_as_probes),
		cmocka_unit_test(test_openbsd_start_is_uniform_past_the_low_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
