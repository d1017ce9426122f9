/* The availability rule: what the pool lets a connection use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "portsim/host.h"
#include "portsim/pool.h"
#include "portsim/rng.h"
#include "portsim/run.h"
#include "portsim/scenario.h"
#include "support.h"

/* The shared test host (tests/support.h) with a reserved set and a uniqueness rule. */
static void host_up(struct ps_host *h, const char *strategy, uint16_t lo, uint16_t hi,
		    const uint64_t *reserved, enum ps_unique unique)
{
	struct ps_host_config cfg;
	pst_host_config(&cfg, strategy, lo, hi, 7);
	cfg.reserved = reserved;
	cfg.unique = unique;
	pst_host_init(h, &cfg);
}

static void test_connect_shares_a_port_across_destinations(void **state)
{
	(void)state;
	struct ps_host h;
	host_up(&h, "sequential", 40000, 40000, NULL, PS_UNIQUE_4TUPLE);
	struct ps_open_result a = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	struct ps_open_result b = pst_open(&h, PS_MODE_CONNECT, 1, 0);
	struct ps_open_result c = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(a.err, PS_OK);
	assert_int_equal(b.err, PS_OK);
	assert_int_equal(a.port, 40000);
	assert_int_equal(b.port, 40000);
	assert_int_equal(c.err, PS_EADDRNOTAVAIL);
	assert_int_equal(h.pool.ports_in_use, 1);
	ps_host_fini(&h);
}

static void test_port_rule_gives_one_socket_per_port(void **state)
{
	(void)state;
	struct ps_host h;
	host_up(&h, "sequential", 40000, 40000, NULL, PS_UNIQUE_PORT);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 0).err, PS_OK);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 1, 0).err, PS_EADDRNOTAVAIL);
	ps_host_fini(&h);
}

static void test_bind0_port_is_unusable_for_every_destination(void **state)
{
	(void)state;
	struct ps_host h;
	host_up(&h, "sequential", 40000, 40001, NULL, PS_UNIQUE_4TUPLE);
	struct ps_open_result a = pst_open(&h, PS_MODE_BIND0, 0, 0);
	assert_int_equal(a.err, PS_OK);
	/* connect() to another destination must skip the explicitly bound port. */
	struct ps_open_result b = pst_open(&h, PS_MODE_CONNECT, 1, 0);
	assert_int_equal(b.err, PS_OK);
	assert_int_not_equal(b.port, a.port);
	/* bind(0) refuses a port that carries any socket, even toward another destination. */
	assert_int_equal(pst_open(&h, PS_MODE_BIND0, 2, 0).err, PS_EADDRINUSE);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 2, 0).err, PS_OK);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 0).err, PS_OK);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 1, 0).err, PS_EADDRNOTAVAIL);
	ps_host_fini(&h);
}

static void test_server_close_frees_the_port_at_once(void **state)
{
	(void)state;
	struct ps_host h;
	host_up(&h, "sequential", 40000, 40000, NULL, PS_UNIQUE_4TUPLE);
	struct ps_open_result a = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_false(ps_host_close(&h, a.conn, PS_NS_PER_S, false));
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, PS_NS_PER_S).err, PS_OK);
	ps_host_fini(&h);
}

static void test_client_close_keeps_the_4tuple_in_time_wait(void **state)
{
	(void)state;
	struct ps_host h;
	host_up(&h, "sequential", 40000, 40000, NULL, PS_UNIQUE_4TUPLE);
	struct ps_open_result a = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_true(ps_host_close(&h, a.conn, 0, true));
	assert_int_equal(h.time_wait, 1);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, PS_NS_PER_S).err, PS_EADDRNOTAVAIL);
	/* TIME_WAIT blocks the 4-tuple, not the port: another destination may use it. */
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 1, PS_NS_PER_S).err, PS_OK);
	uint32_t gen = ps_host_conn(&h, a.conn)->gen;
	assert_true(ps_host_time_wait_end(&h, a.conn, gen));
	assert_false(ps_host_time_wait_end(&h, a.conn, gen));
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 61 * PS_NS_PER_S).err, PS_OK);
	ps_host_fini(&h);
}

static void test_tcp_and_udp_have_separate_port_spaces(void **state)
{
	(void)state;
	struct ps_host h;
	host_up(&h, "sequential", 40000, 40000, NULL, PS_UNIQUE_PORT);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 0).err, PS_OK);
	/* The one TCP port is taken; UDP port 40000 is another port altogether. */
	struct ps_open_result u = pst_open(&h, PS_MODE_UDP, 1, 0);
	assert_int_equal(u.err, PS_OK);
	assert_int_equal(u.port, 40000);
	assert_int_equal(pst_open(&h, PS_MODE_UDP, 2, 0).err, PS_EAGAIN);
	assert_int_equal(ps_host_ports_in_use(&h), 2);
	ps_host_fini(&h);
}

static void test_reserved_ports_are_never_chosen(void **state)
{
	(void)state;
	const char *strategies[] = { "sequential", "rfc6056-1", "linux" };
	uint64_t reserved[1024] = { 0 };
	for (unsigned p = 40002; p <= 40006; p++)
		reserved[p / 64] |= 1ULL << (p % 64);
	for (unsigned s = 0; s < 3; s++) {
		struct ps_host h;
		host_up(&h, strategies[s], 40000, 40009, reserved, PS_UNIQUE_4TUPLE);
		for (int i = 0; i < 5; i++) {
			struct ps_open_result r = pst_open(&h, PS_MODE_CONNECT, 0, 0);
			assert_int_equal(r.err, PS_OK);
			assert_true(r.port < 40002 || r.port > 40006);
		}
		assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 0).err, PS_EADDRNOTAVAIL);
		ps_host_fini(&h);
	}
}

static void test_time_wait_holds_the_port_for_exactly_its_length(void **state)
{
	(void)state;
	/* One port, one attempt a second, TIME_WAIT 10 s: the port comes back at 10 s, not 9.999. */
	struct ps_run_result res;
	pst_run_ini("[run]\nduration_s = 30\n[host]\nstrategy = sequential\nport_range = 40000-40000\n"
		    "time_wait_s = 10\n[workload.c]\narrival = constant\nrate_per_s = 1\n"
		    "duration = fixed\nduration_s = 0\ncloser = client\n", &res);
	assert_int_equal(res.m.attempts, 30);
	assert_int_equal(res.m.successes, 3); /* at 0, 10 and 20 s */
	assert_int_equal(res.m.first_failure, PS_NS_PER_S);
	ps_run_result_fini(&res);

	/* Arrivals every 0.999 s: the 11th comes at 9.99 s, one tick too early. */
	pst_run_ini("[run]\nduration_s = 10.5\n[host]\nstrategy = sequential\nport_range = 40000-40000\n"
		    "time_wait_s = 10\n[workload.c]\narrival = constant\nrate_per_s = 1.001001001001001\n"
		    "duration = fixed\nduration_s = 0\n", &res);
	assert_int_equal(res.m.attempts, 11);
	assert_int_equal(res.m.successes, 1);
	ps_run_result_fini(&res);
}

static void test_tw_reuse_takes_over_time_wait_after_the_delay(void **state)
{
	(void)state;
	struct ps_host h;
	host_up(&h, "sequential", 40000, 40000, NULL, PS_UNIQUE_4TUPLE);
	h.cfg.tw_reuse = PS_TW_REUSE_ANY;
	struct ps_open_result a = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_true(ps_host_close(&h, a.conn, 0, true));
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, PS_NS_PER_S - 1).err, PS_EADDRNOTAVAIL);
	struct ps_open_result b = pst_open(&h, PS_MODE_CONNECT, 0, PS_NS_PER_S);
	assert_int_equal(b.err, PS_OK);
	assert_int_equal(b.port, 40000);
	assert_int_equal(b.taken_over, a.conn);
	assert_int_equal(h.time_wait, 0);
	assert_int_equal(h.established, 1);
	ps_host_fini(&h);
}

/* A naive reference: test each candidate of the sequence in turn. */
static int64_t naive_scan(const struct ps_pool *p, const struct ps_request *req, uint32_t start,
			  uint32_t m, uint32_t step, uint32_t count, uint32_t *idx)
{
	uint32_t cur = start;
	for (uint32_t k = 0; k < count; k++) {
		if (ps_pool_usable(p, req, cur)) {
			*idx = cur;
			return k;
		}
		cur = (uint32_t)(((uint64_t)cur + step) % m);
	}
	return -1;
}

static void test_bitmap_scan_agrees_with_a_probe_by_probe_walk(void **state)
{
	(void)state;
	struct ps_rng rng;
	ps_rng_init(&rng, 42, PS_STREAM_ALLOCATOR, 0);
	for (int round = 0; round < 200; round++) {
		uint16_t lo = (uint16_t)(1024 + ps_rng_below(&rng, 1000));
		uint16_t hi = (uint16_t)(lo + 1 + ps_rng_below(&rng, 300));
		uint64_t reserved[1024] = { 0 };
		for (int i = 0; i < 10; i++) {
			unsigned p = lo + (unsigned)ps_rng_below(&rng, (uint64_t)(hi - lo + 1));
			reserved[p / 64] |= 1ULL << (p % 64);
		}
		struct ps_pool pool;
		struct ps_pool_config cfg = { .lo = lo, .hi = hi, .reserved = reserved, .naddrs = 1,
					      .ndsts = 2, .unique = PS_UNIQUE_4TUPLE };
		assert_int_equal(ps_pool_init(&pool, &cfg), 0);
		double fill = ps_rng_uniform(&rng);
		for (uint32_t i = 0; i < pool.n; i++) {
			if (ps_rng_uniform(&rng) < fill)
				assert_int_equal(ps_pool_add(&pool, 0, i, (uint32_t)ps_rng_below(&rng, 2), i,
							     ps_rng_below(&rng, 8) == 0), 0);
		}
		for (int q = 0; q < 50; q++) {
			struct ps_request req = { .mode = ps_rng_below(&rng, 2) ? PS_MODE_CONNECT : PS_MODE_BIND0,
						  .dst = (uint32_t)ps_rng_below(&rng, 2) };
			uint32_t step = (uint32_t)(1 + ps_rng_below(&rng, 3));
			uint32_t m = pool.n - (uint32_t)ps_rng_below(&rng, 2);
			uint32_t start = (uint32_t)ps_rng_below(&rng, m);
			uint32_t count = (uint32_t)(1 + ps_rng_below(&rng, m));
			uint32_t i1 = UINT32_MAX, i2 = UINT32_MAX;
			int64_t k1 = ps_pool_scan(&pool, &req, start, m, step, count, &i1);
			int64_t k2 = naive_scan(&pool, &req, start, m, step, count, &i2);
			assert_int_equal(k1, k2);
			if (k1 >= 0)
				assert_int_equal(i1, i2);
			/* The same walk inside a sub-range that starts at an arbitrary (odd or even) base. */
			uint32_t base = (uint32_t)ps_rng_below(&rng, pool.n / 2);
			uint32_t sub = pool.n - base - (uint32_t)ps_rng_below(&rng, 2);
			uint32_t sstart = (uint32_t)ps_rng_below(&rng, sub);
			k1 = ps_pool_scan_at(&pool, &req, base, sstart, sub, step, count, &i1);
			k2 = -1;
			for (uint32_t k = 0, cur = sstart; k < count; k++, cur = (cur + step) % sub) {
				if (ps_pool_usable(&pool, &req, base + cur)) {
					k2 = k;
					i2 = base + cur;
					break;
				}
			}
			assert_int_equal(k1, k2);
			if (k1 >= 0)
				assert_int_equal(i1, i2);
		}
		ps_pool_fini(&pool);
	}
}

static void test_free_tightest_counts_the_fullest_destination(void **state)
{
	(void)state;
	struct ps_pool pool;
	struct ps_pool_config cfg = { .lo = 40000, .hi = 40099, .naddrs = 1, .ndsts = 2,
				      .unique = PS_UNIQUE_4TUPLE };
	assert_int_equal(ps_pool_init(&pool, &cfg), 0);
	assert_int_equal(ps_pool_free_tightest(&pool), 100);
	for (uint32_t i = 0; i < 30; i++)
		assert_int_equal(ps_pool_add(&pool, 0, i, 0, i, false), 0);
	assert_int_equal(ps_pool_add(&pool, 0, 50, 1, 50, false), 0);
	assert_int_equal(ps_pool_free_tightest(&pool), 70);
	assert_int_equal(pool.ports_in_use, 31);
	for (uint32_t i = 0; i < 30; i++)
		ps_pool_remove(&pool, 0, i, 0, false);
	assert_int_equal(ps_pool_free_tightest(&pool), 99);
	ps_pool_fini(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_shares_a_port_across_destinations),
		cmocka_unit_test(test_port_rule_gives_one_socket_per_port),
		cmocka_unit_test(test_bind0_port_is_unusable_for_every_destination),
		cmocka_unit_test(test_server_close_frees_the_port_at_once),
		cmocka_unit_test(test_client_close_keeps_the_4tuple_in_time_wait),
		cmocka_unit_test(test_tcp_and_udp_have_separate_port_spaces),
		cmocka_unit_test(test_reserved_ports_are_never_chosen),
		cmocka_unit_test(test_time_wait_holds_the_port_for_exactly_its_length),
		cmocka_unit_test(test_tw_reuse_takes_over_time_wait_after_the_delay),
		cmocka_unit_test(test_bitmap_scan_agrees_with_a_probe_by_probe_walk),
		cmocka_unit_test(test_free_tightest_counts_the_fullest_destination),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
