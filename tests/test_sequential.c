/* sequential: one global cursor, +1 with wrap (or -1). */
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

static void test_sequential_hands_out_ports_in_order_and_wraps(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "sequential", 40000, 40004, 1);
	struct ps_open_result r[5];
	for (int i = 0; i < 4; i++) {
		r[i] = pst_open(&h, PS_MODE_CONNECT, 0, 0);
		assert_int_equal(r[i].port, 40000 + i);
		assert_int_equal(r[i].probes, 1);
	}
	ps_host_close(&h, r[1].conn, 0, false); /* 40001 free again */
	r[4] = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(r[4].port, 40004);
	/* The cursor wraps to 40000 (busy) and stops at 40001: two candidates examined. */
	struct ps_open_result w = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(w.port, 40001);
	assert_int_equal(w.probes, 2);
	struct ps_open_result f = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(f.err, PS_EADDRNOTAVAIL);
	assert_int_equal(f.probes, 5);
	ps_host_fini(&h);
}

static void test_sequential_cursor_is_shared_by_all_destinations(void **state)
{
	(void)state;
	struct ps_host h;
	pst_host_up(&h, "sequential", 40000, 40999, 1);
	assert_int_equal(pst_short(&h, PS_MODE_CONNECT, 0, 0), 40000);
	assert_int_equal(pst_short(&h, PS_MODE_CONNECT, 1, 0), 40001);
	assert_int_equal(pst_short(&h, PS_MODE_CONNECT, 0, 0), 40002);
	ps_host_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential_hands_out_ports_in_order_and_wraps),
		cmocka_unit_test(test_sequential_cursor_is_shared_by_all_destinations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
