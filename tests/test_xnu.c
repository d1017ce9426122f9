/* xnu: sequential global TCP counter, random-start UDP, separate counters. */
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

static void test_xnu_tcp_is_one_sequence_across_destinations(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "xnu", 49152, 65535, 1);
	/* lastport starts at 0 and wraps to first on the first increment. */
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(pst_short(&h, PS_MODE_CONNECT, i % 3, 0), 49152 + i);
	ps_host_fini(&h);
}

static void test_xnu_tcp_wraps_and_fails_after_n_probes(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "xnu", 40000, 40003, 1);
	struct ps_open_result r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r[i].port, 40000 + i);
		assert_int_equal(r[i].probes, 1);
	}
	struct ps_open_result f = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(f.err, PS_EADDRNOTAVAIL);
	assert_int_equal(f.probes, 4);
	ps_host_close(&h, r[1].conn, 0, false);
	/* lastport is still 40003: wrap to 40000 (busy), then 40001. */
	struct ps_open_result w = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(w.port, 40001);
	assert_int_equal(w.probes, 2);
	ps_host_fini(&h);
}

static void test_xnu_udp_starts_at_random(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "xnu", 40000, 40999, 2);
	unsigned low_half = 0, consecutive = 0;
	uint16_t last = pst_short(&h, PS_MODE_UDP, 0, 0);
	for (int i = 0; i < 2000; i++) {
		uint16_t p = pst_short(&h, PS_MODE_UDP, 0, 0);
		assert_int_not_equal(p, 40000); /* first + rand % (last - first) is below last */
		low_half += p < 40500;
		consecutive += p == last + 1;
		last = p;
	}
	assert_in_range(low_half, 900, 1100);
	assert_true(consecutive < 10);
	ps_host_fini(&h);
}

static void test_xnu_tcp_and_udp_keep_separate_counters(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "xnu", 40000, 40999, 3);
	assert_int_equal(pst_short(&h, PS_MODE_CONNECT, 0, 0), 40000);
	for (int i = 0; i < 20; i++)
		pst_short(&h, PS_MODE_UDP, 1, 0);
	assert_int_equal(pst_short(&h, PS_MODE_BIND0, 0, 0), 40001);
	assert_int_equal(pst_short(&h, PS_MODE_CONNECT, 2, 0), 40002);
	ps_host_fini(&h);
}

static void test_xnu_tcp_randomize_ports_gives_random_starts(void **state)
{
	(void)state;
	struct ps_host_config cfg;
	struct ps_host h;
	pst_host_config(&cfg, "xnu", 40000, 40999, 4);
	cfg.params.tcp_randomize = true;
	pst_host_init(&h, &cfg);
	unsigned consecutive = 0;
	uint16_t last = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (int i = 0; i < 100; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		consecutive += p == last + 1;
		last = p;
	}
	assert_true(consecutive < 5);
	ps_host_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xnu_tcp_is_one_sequence_across_destinations),
		cmocka_unit_test(test_xnu_tcp_wraps_and_fails_after_n_probes),
		cmocka_unit_test(test_xnu_udp_starts_at_random),
		cmocka_unit_test(test_xnu_tcp_and_udp_keep_separate_counters),
		cmocka_unit_test(test_xnu_tcp_randomize_ports_gives_random_starts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
