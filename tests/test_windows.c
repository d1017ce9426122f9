/* windows: configurable order (undocumented by Microsoft) and WSAEADDRINUSE on exhaustion. */
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

static void up(struct ps_host *h, enum ps_order order, uint16_t lo, uint16_t hi, uint64_t seed)
{
	struct ps_host_config cfg;
	pst_host_config(&cfg, "windows", lo, hi, seed);
	cfg.params.order = order;
	pst_host_init(h, &cfg);
}

static void test_windows_sequential_order_is_one_machine_wide_cursor(void **state)
{
	(void)state;
	struct ps_host h;
	up(&h, PS_ORDER_SEQUENTIAL, 49152, 65535, 1);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(pst_short(&h, PS_MODE_CONNECT, i % 3, 0), 49152 + i);
	ps_host_fini(&h);
	up(&h, PS_ORDER_SEQUENTIAL, 40000, 40002, 1);
	for (uint32_t i = 0; i < 7; i++)
		assert_int_equal(pst_short(&h, PS_MODE_CONNECT, 0, 0), 40000 + i % 3);
	ps_host_fini(&h);
}

static void test_windows_random_order_starts_anywhere(void **state)
{
	(void)state;
	struct ps_host h;
	up(&h, PS_ORDER_RANDOM, 40000, 40999, 2);
	unsigned low_half = 0, consecutive = 0;
	uint16_t last = pst_short(&h, PS_MODE_CONNECT, 0, 0);
	for (int i = 0; i < 2000; i++) {
		uint16_t p = pst_short(&h, PS_MODE_CONNECT, 0, 0);
		low_half += p < 40500;
		consecutive += p == last + 1;
		last = p;
	}
	assert_in_range(low_half, 900, 1100);
	assert_true(consecutive < 10);
	ps_host_fini(&h);
}

static void test_windows_exhaustion_fails_with_wsaeaddrinuse(void **state)
{
	(void)state;
	for (int order = PS_ORDER_SEQUENTIAL; order <= PS_ORDER_RANDOM; order++) {
		struct ps_host h;
		up(&h, (enum ps_order)order, 40000, 40015, 3);
		for (int i = 0; i < 16; i++)
			assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 0).err, PS_OK);
		struct ps_open_result f = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(f.err, PS_WSAEADDRINUSE);
		assert_int_equal(f.probes, 16);
		ps_host_fini(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_sequential_order_is_one_machine_wide_cursor),
		cmocka_unit_test(test_windows_random_order_starts_anywhere),
		cmocka_unit_test(test_windows_exhaustion_fails_with_wsaeaddrinuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
