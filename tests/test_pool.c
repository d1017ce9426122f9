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
	struct ps_host_config cfg;
	pst_host_config(&cfg, "sequential", 40000, 40000, 7);
	cfg.tw_reuse = PS_TW_REUSE_ANY;
	pst_host_init(&h, &cfg);
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

/* A pool's sockets as a plain list, to judge the pool's answers against. */
struct shadow {
	uint32_t n, naddrs, ndsts;
	const uint64_t *reserved; /* over port indexes */
	uint32_t len;
	struct sock { uint32_t addr, idx, dst; bool excl; } s[4096];
};

static bool shadow_reserved(const struct shadow *sh, uint32_t idx)
{
	return (sh->reserved[idx / 64] >> (idx % 64)) & 1;
}

static bool shadow_held(const struct shadow *sh, uint32_t addr, uint32_t idx, int dst, bool excl_only)
{
	for (uint32_t i = 0; i < sh->len; i++)
		if (sh->s[i].addr == addr && sh->s[i].idx == idx && (dst < 0 || sh->s[i].dst == (uint32_t)dst) &&
		    (!excl_only || sh->s[i].excl))
			return true;
	return false;
}

static bool shadow_usable(const struct shadow *sh, enum ps_unique u, enum ps_mode mode, uint32_t addr,
			  uint32_t dst, uint32_t idx)
{
	if (shadow_reserved(sh, idx))
		return false;
	if (u == PS_UNIQUE_PORT || mode == PS_MODE_BIND0)
		return !shadow_held(sh, addr, idx, -1, false);
	return !shadow_held(sh, addr, idx, -1, true) && !shadow_held(sh, addr, idx, (int)dst, false);
}

static bool shadow_held_dst(const struct shadow *sh, uint32_t addr, uint32_t dst)
{
	for (uint32_t i = 0; i < sh->len; i++)
		if (sh->s[i].addr == addr && sh->s[i].dst == dst)
			return true;
	return false;
}

/* The old definition: the fewest ports a connect() could get toward any (address, destination) in use. */
static uint32_t shadow_tightest(const struct shadow *sh, enum ps_unique u)
{
	uint32_t best = 0, unreserved = 0;
	for (uint32_t i = 0; i < sh->n; i++)
		unreserved += !shadow_reserved(sh, i);
	best = unreserved;
	for (uint32_t a = 0; a < sh->naddrs; a++) {
		bool any = false;
		for (uint32_t i = 0; i < sh->len; i++)
			any |= sh->s[i].addr == a;
		if (!any)
			continue;
		for (uint32_t d = 0; d <= sh->ndsts; d++) {
			/* d == ndsts stands for a destination with no socket on a. */
			bool has = d < sh->ndsts && shadow_held_dst(sh, a, d);
			if (u == PS_UNIQUE_4TUPLE && d < sh->ndsts && !has)
				continue;
			uint32_t f = 0;
			for (uint32_t i = 0; i < sh->n; i++)
				f += shadow_usable(sh, u, PS_MODE_CONNECT, a, d, i);
			best = f < best ? f : best;
		}
	}
	return best;
}

static void test_counts_and_scans_follow_random_adds_and_removes(void **state)
{
	(void)state;
	struct ps_rng rng;
	ps_rng_init(&rng, 9, PS_STREAM_ALLOCATOR, 0);
	static struct shadow sh;
	for (int round = 0; round < 40; round++) {
		enum ps_unique u = round % 3 == 2 ? PS_UNIQUE_PORT : PS_UNIQUE_4TUPLE;
		uint16_t lo = (uint16_t)(2000 + ps_rng_below(&rng, 64));
		uint16_t hi = (uint16_t)(lo + 8 + ps_rng_below(&rng, 60));
		uint64_t reserved[1024] = { 0 }, res_idx[4] = { 0 };
		for (int i = 0; i < 6; i++) {
			unsigned idx = (unsigned)ps_rng_below(&rng, (uint64_t)(hi - lo + 1));
			reserved[(lo + idx) / 64] |= 1ULL << ((lo + idx) % 64);
			res_idx[idx / 64] |= 1ULL << (idx % 64);
		}
		struct ps_pool pool;
		struct ps_pool_config cfg = { .lo = lo, .hi = hi, .reserved = reserved, .naddrs = 2, .ndsts = 3,
					      .unique = u };
		assert_int_equal(ps_pool_init(&pool, &cfg), 0);
		sh = (struct shadow){ .n = pool.n, .naddrs = 2, .ndsts = 3, .reserved = res_idx };
		/* Fill up to nearly everything, then drain, twice, checking as it goes. */
		for (int step = 0; step < 1600; step++) {
			uint32_t phase = (uint32_t)(step / 400) % 2;
			bool add = sh.len == 0 || (ps_rng_below(&rng, 10) < (phase == 0 ? 9u : 2u) && sh.len < 4096);
			if (add) {
				uint32_t a = (uint32_t)ps_rng_below(&rng, 2), d = (uint32_t)ps_rng_below(&rng, 3);
				uint32_t idx = (uint32_t)ps_rng_below(&rng, pool.n);
				bool excl = ps_rng_below(&rng, 8) == 0;
				/* One socket per 4-tuple and one exclusive socket per port, as the host keeps them. */
				if (shadow_held(&sh, a, idx, (int)d, false) || (excl && shadow_held(&sh, a, idx, -1, true)))
					continue;
				assert_int_equal(ps_pool_add(&pool, a, idx, d, PS_NO_CONN, excl), 0);
				sh.s[sh.len++] = (struct sock){ .addr = a, .idx = idx, .dst = d, .excl = excl };
			} else {
				uint32_t k = (uint32_t)ps_rng_below(&rng, sh.len);
				ps_pool_remove(&pool, sh.s[k].addr, sh.s[k].idx, sh.s[k].dst, sh.s[k].excl);
				sh.s[k] = sh.s[--sh.len];
			}
			if (step % 20)
				continue;
			assert_int_equal(ps_pool_free_tightest(&pool), shadow_tightest(&sh, u));
			for (int q = 0; q < 8; q++) {
				struct ps_request req = { .mode = ps_rng_below(&rng, 3) ? PS_MODE_CONNECT : PS_MODE_BIND0,
							  .addr = (uint32_t)ps_rng_below(&rng, 2),
							  .dst = (uint32_t)ps_rng_below(&rng, 3) };
				uint32_t step2 = (uint32_t)(1 + ps_rng_below(&rng, 2));
				uint32_t m = pool.n - (pool.n % 2 && step2 == 2);
				uint32_t start = (uint32_t)ps_rng_below(&rng, m);
				uint32_t count = (uint32_t)(1 + ps_rng_below(&rng, m));
				int64_t want = -1;
				uint32_t want_idx = 0, got_idx = 0;
				for (uint32_t k = 0, cur = start; k < count; k++, cur = (cur + step2) % m) {
					if (shadow_usable(&sh, u, req.mode, req.addr, req.dst, cur)) {
						want = k;
						want_idx = cur;
						break;
					}
				}
				int64_t got = ps_pool_scan(&pool, &req, start, m, step2, count, &got_idx);
				assert_int_equal(got, want);
				if (got >= 0)
					assert_int_equal(got_idx, want_idx);
				uint32_t i = (uint32_t)ps_rng_below(&rng, pool.n);
				assert_int_equal(ps_pool_usable(&pool, &req, i),
						 shadow_usable(&sh, u, req.mode, req.addr, req.dst, i));
			}
		}
		ps_pool_fini(&pool);
	}
}

/* The answer of a candidate-by-candidate walk judged by ps_pool_why, which shares no code with the scans. */
static bool why_usable(const struct ps_pool *p, const struct ps_request *req, uint32_t idx)
{
	return ps_pool_why(p, req, idx) == PS_WHY_USABLE;
}

/*
 * Searches and the first-candidate shortcut (ps_pool_free) against a walk
 * candidate by candidate, on states with reserved ports, exclusive
 * holders, live connections and TIME_WAIT entries that may or may not be
 * taken over.
 */
static void test_searches_and_the_free_test_agree_with_a_walk(void **state)
{
	(void)state;
	struct ps_rng rng;
	ps_rng_init(&rng, 12, PS_STREAM_ALLOCATOR, 0);
	static struct shadow sh;
	for (int round = 0; round < 60; round++) {
		enum ps_unique u = round % 3 == 2 ? PS_UNIQUE_PORT : PS_UNIQUE_4TUPLE;
		uint16_t lo = (uint16_t)(3000 + ps_rng_below(&rng, 64));
		uint16_t hi = (uint16_t)(lo + 1 + ps_rng_below(&rng, 200));
		uint64_t reserved[1024] = { 0 };
		for (int i = 0; i < 4; i++) {
			unsigned idx = (unsigned)ps_rng_below(&rng, (uint64_t)(hi - lo + 1));
			reserved[(lo + idx) / 64] |= 1ULL << ((lo + idx) % 64);
		}
		struct ps_pool pool;
		struct ps_pool_config cfg = { .lo = lo, .hi = hi, .reserved = reserved, .naddrs = 2, .ndsts = 3,
					      .unique = u };
		assert_int_equal(ps_pool_init(&pool, &cfg), 0);
		sh = (struct shadow){ .n = pool.n, .naddrs = 2, .ndsts = 3 };
		double fill = ps_rng_uniform(&rng);
		for (uint32_t t = 0; t < 3 * pool.n; t++) {
			if (ps_rng_uniform(&rng) >= fill)
				continue;
			uint32_t a = (uint32_t)ps_rng_below(&rng, 2), d = (uint32_t)ps_rng_below(&rng, 3);
			uint32_t idx = (uint32_t)ps_rng_below(&rng, pool.n);
			bool excl = ps_rng_below(&rng, 16) == 0;
			if (shadow_held(&sh, a, idx, (int)d, false) || (excl && shadow_held(&sh, a, idx, -1, false)) ||
			    shadow_held(&sh, a, idx, -1, true) || sh.len == 4096)
				continue;
			/* Half the connections may be taken over; some of those, and some others, are in TIME_WAIT. */
			uint32_t conn = !excl && ps_rng_below(&rng, 2) ? sh.len : PS_NO_CONN;
			assert_int_equal(ps_pool_add(&pool, a, idx, d, conn, excl), 0);
			if (!excl && ps_rng_below(&rng, 2))
				ps_pool_enter_time_wait(&pool, a, idx, d, (ps_time)ps_rng_below(&rng, 4) * PS_NS_PER_S);
			sh.s[sh.len++] = (struct sock){ .addr = a, .idx = idx, .dst = d, .excl = excl };
		}
		static const enum ps_mode modes[] = { PS_MODE_CONNECT, PS_MODE_BIND0, PS_MODE_BIND_NO_PORT };
		for (int q = 0; q < 400; q++) {
			struct ps_request req = { .mode = modes[ps_rng_below(&rng, 3)],
						  .addr = (uint32_t)ps_rng_below(&rng, 2),
						  .dst = (uint32_t)ps_rng_below(&rng, 3),
						  .tw_takeover = ps_rng_below(&rng, 2) != 0,
						  .tw_min_age = (ps_time)ps_rng_below(&rng, 2) * PS_NS_PER_S,
						  .now = (ps_time)(2 + ps_rng_below(&rng, 3)) * PS_NS_PER_S };
			/* Only a connect() under the 4-tuple rule may take a TIME_WAIT over, as the host asks. */
			req.tw_takeover &= u == PS_UNIQUE_4TUPLE && req.mode != PS_MODE_BIND0;
			uint32_t from = (uint32_t)ps_rng_below(&rng, pool.n + 1);
			uint32_t to = from + (uint32_t)ps_rng_below(&rng, pool.n + 2 - from);
			int parity = (int)ps_rng_below(&rng, 3) - 1;
			uint32_t want = UINT32_MAX;
			for (uint32_t i = from; i < to && i < pool.n && want == UINT32_MAX; i++)
				if ((parity < 0 || (int)(i & 1) == parity) && why_usable(&pool, &req, i))
					want = i;
			assert_int_equal(ps_pool_first(&pool, &req, from, to, parity), want);
			uint32_t step = (uint32_t)(1 + ps_rng_below(&rng, 3));
			uint32_t m = pool.n - (uint32_t)ps_rng_below(&rng, 2);
			uint32_t start = (uint32_t)ps_rng_below(&rng, m);
			uint32_t count = (uint32_t)(1 + ps_rng_below(&rng, m));
			int64_t kwant = -1;
			uint32_t iwant = 0, igot = 0;
			for (uint32_t k = 0, cur = start; k < count && kwant < 0; k++, cur = (cur + step) % m) {
				if (why_usable(&pool, &req, cur)) {
					kwant = k;
					iwant = cur;
				}
			}
			int64_t kgot = ps_pool_scan(&pool, &req, start, m, step, count, &igot);
			assert_int_equal(kgot, kwant);
			if (kgot >= 0)
				assert_int_equal(igot, iwant);
			uint32_t i = (uint32_t)ps_rng_below(&rng, pool.n);
			assert_int_equal(ps_pool_usable(&pool, &req, i), why_usable(&pool, &req, i));
			/* Free by its bits means usable; with no take-over to weigh, the two are one. */
			if (ps_pool_free(&pool, &req, i))
				assert_true(why_usable(&pool, &req, i));
			if (!req.tw_takeover)
				assert_int_equal(ps_pool_free(&pool, &req, i), why_usable(&pool, &req, i));
			assert_false(ps_pool_free(&pool, &req, pool.n));
		}
		ps_pool_fini(&pool);
	}
}

static void test_only_recorded_connections_can_be_taken_over(void **state)
{
	(void)state;
	struct ps_pool pool;
	struct ps_pool_config cfg = { .lo = 40000, .hi = 40001, .naddrs = 1, .ndsts = 1,
				      .unique = PS_UNIQUE_4TUPLE };
	assert_int_equal(ps_pool_init(&pool, &cfg), 0);
	assert_int_equal(ps_pool_add(&pool, 0, 0, 0, 7, false), 0);
	assert_int_equal(ps_pool_add(&pool, 0, 1, 0, PS_NO_CONN, false), 0);
	ps_pool_enter_time_wait(&pool, 0, 0, 0, 0);
	ps_pool_enter_time_wait(&pool, 0, 1, 0, 0);
	assert_int_equal(ps_pool_holder(&pool, 0, 0, 0), 7);
	assert_int_equal(ps_pool_holder(&pool, 0, 1, 0), PS_NO_CONN);
	struct ps_request req = { .mode = PS_MODE_CONNECT, .tw_takeover = true, .now = 5 * PS_NS_PER_S };
	/* The recorded entry is old enough to take over; the other one is not on offer. */
	assert_true(ps_pool_usable(&pool, &req, 0));
	assert_false(ps_pool_usable(&pool, &req, 1));
	req.tw_takeover = false;
	assert_false(ps_pool_usable(&pool, &req, 0));
	ps_pool_remove(&pool, 0, 0, 0, false);
	assert_int_equal(ps_pool_holder(&pool, 0, 0, 0), PS_NO_CONN);
	assert_int_equal(pool.tuples.len, 0);
	ps_pool_fini(&pool);
}

static void test_prefetching_changes_nothing(void **state)
{
	(void)state;
	struct ps_host h;
	host_up(&h, "linux", 40000, 40099, NULL, PS_UNIQUE_4TUPLE);
	struct ps_open_result a = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	struct ps_open_result b = pst_open(&h, PS_MODE_UDP, 1, 0);
	assert_true(ps_host_close(&h, a.conn, 0, true));
	/* Held and free ports, pairs that exist and one that does not. */
	for (uint16_t idx = 0; idx < 4; idx++)
		for (uint32_t dst = 0; dst < 2; dst++)
			ps_host_tw_prefetch(&h, &(struct ps_tw){ .dst = dst, .addr = 0, .idx = idx });
	assert_int_equal(h.time_wait, 1);
	assert_int_equal(h.established, 1);
	assert_int_equal(ps_host_conn(&h, b.conn)->state, PS_CONN_ESTABLISHED);
	ps_host_fini(&h);
}

/* Linux's connect() told of coming connections, some arrivals early, picks the same ports. */
static void test_fetching_ahead_for_coming_connects_changes_no_choice(void **state)
{
	(void)state;
	enum { N = 3000, FAR = 8, NEAR = 4 };
	struct ps_host plain, told;
	host_up(&plain, "linux", 40000, 40999, NULL, PS_UNIQUE_4TUPLE);
	host_up(&told, "linux", 40000, 40999, NULL, PS_UNIQUE_4TUPLE);
	uint32_t dst[N + FAR];
	struct ps_rng rng;
	ps_rng_init(&rng, 5, 0, 0);
	for (unsigned i = 0; i < N + FAR; i++)
		dst[i] = (uint32_t)ps_rng_below(&rng, PST_NDSTS);
	for (unsigned i = 0; i < N; i++) {
		ps_host_open_ahead(&told, PS_MODE_CONNECT, 0, dst[i + FAR], false);
		ps_host_open_ahead(&told, PS_MODE_CONNECT, 0, dst[i + NEAR], true);
		/* UDP, whose strategy has nothing to fetch. */
		ps_host_open_ahead(&told, PS_MODE_UDP, 0, dst[i], true);
		ps_time now = (ps_time)i * PS_NS_PER_S / 100;
		struct ps_open_result a = pst_open(&plain, PS_MODE_CONNECT, dst[i], now);
		struct ps_open_result b = pst_open(&told, PS_MODE_CONNECT, dst[i], now);
		assert_int_equal(a.err, b.err);
		assert_int_equal(a.port, b.port);
		assert_int_equal(a.probes, b.probes);
		/* Half stay open, so that later searches walk past taken ports. */
		if (a.err == PS_OK && i % 2) {
			ps_host_close(&plain, a.conn, now, false);
			ps_host_close(&told, b.conn, now, false);
		}
	}
	assert_int_equal(plain.established, told.established);
	ps_host_fini(&plain);
	ps_host_fini(&told);
}

static void test_a_time_wait_held_by_the_caller_frees_its_slot_and_keeps_the_4tuple(void **state)
{
	(void)state;
	struct ps_host h;
	struct ps_tw tw;
	enum ps_mode mode;
	host_up(&h, "sequential", 40000, 40000, NULL, PS_UNIQUE_4TUPLE);
	struct ps_open_result a = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	uint32_t gen = ps_host_conn(&h, a.conn)->gen;
	assert_int_equal(ps_host_close_detach(&h, a.conn, 0, true, &tw, &mode), 2);
	assert_int_equal(mode, PS_MODE_CONNECT);
	assert_int_equal(tw.dst, 0);
	assert_int_equal(tw.addr, 0);
	assert_int_equal(tw.idx, 0);
	assert_int_equal(h.time_wait, 1);
	assert_int_equal(h.established, 0);
	/* The slot serves the next connection at once, under a new generation; the 4-tuple stays blocked. */
	struct ps_open_result b = pst_open(&h, PS_MODE_CONNECT, 1, PS_NS_PER_S);
	assert_int_equal(b.err, PS_OK);
	assert_int_equal(b.conn, a.conn);
	assert_int_not_equal(ps_host_conn(&h, b.conn)->gen, gen);
	assert_false(ps_host_time_wait_end(&h, a.conn, gen));
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, PS_NS_PER_S).err, PS_EADDRNOTAVAIL);
	ps_host_tw_prefetch(&h, &tw);
	ps_host_tw_end(&h, &tw, mode);
	assert_int_equal(h.time_wait, 0);
	assert_int_equal(pst_open(&h, PS_MODE_CONNECT, 0, 61 * PS_NS_PER_S).err, PS_OK);
	ps_host_fini(&h);
}

static void test_a_time_wait_that_may_be_taken_over_keeps_its_slot(void **state)
{
	(void)state;
	struct ps_host h;
	struct ps_host_config cfg;
	struct ps_tw tw;
	enum ps_mode mode;
	pst_host_config(&cfg, "sequential", 40000, 40000, 7);
	cfg.tw_reuse = PS_TW_REUSE_ANY;
	pst_host_init(&h, &cfg);
	struct ps_open_result a = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	/* The take-over finds the entry through its slot, so the slot stays in TIME_WAIT. */
	assert_int_equal(ps_host_close_detach(&h, a.conn, 0, true, &tw, &mode), 1);
	assert_int_equal(ps_host_conn(&h, a.conn)->state, PS_CONN_TIME_WAIT);
	assert_true(ps_host_time_wait_end(&h, a.conn, ps_host_conn(&h, a.conn)->gen));
	/* A server close releases the port: nothing to hold. */
	struct ps_open_result b = pst_open(&h, PS_MODE_CONNECT, 0, 0);
	assert_int_equal(ps_host_close_detach(&h, b.conn, 0, false, &tw, &mode), 0);
	assert_int_equal(h.time_wait + h.established, 0);
	ps_host_fini(&h);
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
		cmocka_unit_test(test_counts_and_scans_follow_random_adds_and_removes),
		cmocka_unit_test(test_searches_and_the_free_test_agree_with_a_walk),
		cmocka_unit_test(test_only_recorded_connections_can_be_taken_over),
		cmocka_unit_test(test_prefetching_changes_nothing),
		cmocka_unit_test(test_fetching_ahead_for_coming_connects_changes_no_choice),
		cmocka_unit_test(test_a_time_wait_held_by_the_caller_frees_its_slot_and_keeps_the_4tuple),
		cmocka_unit_test(test_a_time_wait_that_may_be_taken_over_keeps_its_slot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
