/*
 * The algorithms of RFC 6056 §3.3, each as the RFC's pseudo-code has it.
 *
 * Algorithm 1 (simple port randomization) draws a fresh start for every
 * allocation and walks +1 from there; a free port just past a run of busy
 * ones is therefore chosen more often, a bias the RFC describes and the
 * model keeps. Algorithm 2 draws every candidate afresh and gives up after
 * a bounded number of draws, even when free ports remain.
 *
 * Algorithms 3 and 4 add a keyed per-destination offset to a counter that
 * every probe increments: one global counter (3), or one of TABLE_LENGTH
 * counters chosen by a second keyed hash (4). The RFC's integer widths are
 * kept because their wrap-around is visible in the port sequence: Algorithm
 * 3's next_ephemeral and both offsets are 32-bit unsigned, Algorithm 4's
 * table holds "short integers" (16 bits), so a slot's sequence jumps each
 * time its counter passes 65535 unless the range size divides 65536.
 * Algorithm 5 adds a random increment in 1..N before every probe.
 *
 * MD5 and the secret keys are modelled by ps_mix64 and keys drawn from the
 * run's secret stream; random() by the allocator stream.
 */
#include <stdlib.h>

#include "portsim/alloc.h"
#include "portsim/narrate.h"

struct rfc6056_1 {
	struct ps_rng rng;
	uint32_t n;
};

static int alg1_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct rfc6056_1 *s = state;
	s->n = ctx->n;
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	return 0;
}

static struct ps_pick alg1_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct rfc6056_1 *s = state;
	uint32_t start = (uint32_t)ps_rng_below(&s->rng, s->n);
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "Algorithm 1 draws a uniform random start, port %u, then walks up by one "
			   "with wrap until a port is free", pool->lo + start);
	uint32_t idx;
	int64_t k = ps_pool_scan(pool, req, start, s->n, 1, s->n, &idx);
	if (k < 0)
		return (struct ps_pick){ .idx = -1, .probes = s->n };
	return (struct ps_pick){ .idx = (int32_t)idx, .probes = (uint32_t)k + 1 };
}

const struct ps_alloc_ops ps_alloc_rfc6056_1 = {
	.name = "rfc6056-1",
	.summary = "Algorithm 1, simple port randomization: uniform random start, then +1 with wrap",
	.source = "RFC 6056 §3.3.1",
	.state_size = sizeof(struct rfc6056_1),
	.caps = PS_CAP_RANDOM,
	.init = alg1_init,
	.pick = alg1_pick,
};


/* ---- Algorithm 2: a fresh random candidate for every probe ---- */

struct rfc6056_2 {
	struct ps_rng rng;
	uint32_t n;
	uint32_t tries;
};

static int alg2_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct rfc6056_2 *s = state;
	s->n = ctx->n;
	/* The RFC's count is num_ephemeral; §3.3.2 allows a smaller bound. */
	s->tries = ctx->params->tries ? ctx->params->tries : ctx->n;
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	return 0;
}

static struct ps_pick alg2_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct rfc6056_2 *s = state;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "Algorithm 2 draws a fresh uniform random port for every probe, and gives "
			   "up after %u draws even if free ports remain", s->tries);
	for (uint32_t k = 0; k < s->tries; k++) {
		uint32_t idx = (uint32_t)ps_rng_below(&s->rng, s->n);
		if (ps_pool_usable(pool, req, idx))
			return (struct ps_pick){ .idx = (int32_t)idx, .probes = k + 1 };
	}
	return (struct ps_pick){ .idx = -1, .probes = s->tries };
}

const struct ps_alloc_ops ps_alloc_rfc6056_2 = {
	.name = "rfc6056-2",
	.summary = "Algorithm 2: a fresh uniform random candidate for every probe, giving up after "
		   "`tries` draws (0 = the range size) even if free ports remain",
	.source = "RFC 6056 §3.3.2",
	.state_size = sizeof(struct rfc6056_2),
	.caps = PS_CAP_RANDOM,
	.init = alg2_init,
	.pick = alg2_pick,
};

/* ---- Algorithms 3 and 4: keyed offset plus a counter ---- */

/* F() and G(): the RFC's keyed hashes of (local IP, remote IP, remote port). */
static uint64_t dest_hash(uint64_t key, const struct ps_request *req)
{
	return ps_mix64(key, req->src_ip, req->dst_ip, req->dst_port);
}

/*
 * Probes min + (uint32_t)(offset + c) % n for c = counter, counter + 1, ...
 * (c wrapping at period, 2^16 or 2^32) for at most n probes and returns the
 * number of probes before the first usable candidate, or -1. While neither
 * the counter nor the 32-bit sum wraps the candidates are consecutive, so
 * each such run is one bitmap scan.
 */
static int64_t counter_scan(const struct ps_pool *pool, const struct ps_request *req, uint32_t n,
			    uint32_t offset, uint64_t counter, uint64_t period, uint32_t *idx)
{
	uint32_t done = 0;
	while (done < n) {
		uint32_t v = offset + (uint32_t)counter;
		uint64_t len = n - done;
		if (len > period - counter)
			len = period - counter;
		if (len > (uint64_t)UINT32_MAX + 1 - v)
			len = (uint64_t)UINT32_MAX + 1 - v;
		int64_t k = ps_pool_scan(pool, req, v % n, n, 1, (uint32_t)len, idx);
		if (k >= 0)
			return done + k;
		done += (uint32_t)len;
		counter = (counter + len) % period;
	}
	return -1;
}

struct rfc6056_3 {
	uint64_t key;
	uint32_t next_ephemeral;
	uint32_t n;
};

static int alg3_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct rfc6056_3 *s = state;
	struct ps_rng secret;
	ps_rng_init(&secret, ctx->seed, PS_STREAM_SECRET, ctx->instance);
	s->key = ps_rng_next(&secret);
	/* "Initialization at system boot time. Could be random.": the RFC's code uses 0. */
	s->next_ephemeral = 0;
	s->n = ctx->n;
	return 0;
}

static struct ps_pick alg3_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct rfc6056_3 *s = state;
	uint32_t offset = (uint32_t)dest_hash(s->key, req);
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator,
			   "Algorithm 3: F(source, destination, destination port) = offset %u; the global counter "
			   "next_ephemeral = %u; the first candidate is (offset + counter) mod %u = port %u, then +1",
			   offset, s->next_ephemeral, s->n, pool->lo + (offset + s->next_ephemeral) % s->n);
	uint32_t idx;
	int64_t k = counter_scan(pool, req, s->n, offset, s->next_ephemeral, (uint64_t)UINT32_MAX + 1, &idx);
	/* The counter is global and advances once per probe, failed ones included. */
	uint32_t probes = k < 0 ? s->n : (uint32_t)k + 1;
	s->next_ephemeral += probes;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "next_ephemeral gains one per probe, to %u: every destination's next "
			   "start moves with it", s->next_ephemeral);
	return (struct ps_pick){ .idx = k < 0 ? -1 : (int32_t)idx, .probes = probes };
}

const struct ps_alloc_ops ps_alloc_rfc6056_3 = {
	.name = "rfc6056-3",
	.summary = "Algorithm 3, simple hash-based: keyed hash of (src, dst, dport) plus one global "
		   "counter that every probe increments, +1 with wrap",
	.source = "RFC 6056 §3.3.3",
	.state_size = sizeof(struct rfc6056_3),
	.caps = PS_CAP_USES_DEST | PS_CAP_RANDOM,
	.init = alg3_init,
	.pick = alg3_pick,
};

/* Larger tables only cost memory and boot time; past this the value is a typo. */
#define RFC6056_TABLE_LENGTH_MAX (1u << 24)

struct rfc6056_4 {
	uint16_t *table; /* the RFC's "array of TABLE_LENGTH short integers" */
	uint32_t table_length;
	uint64_t key1, key2;
	uint32_t n;
};

static int alg4_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct rfc6056_4 *s = state;
	uint32_t len = ctx->params->table_length;
	if (len == 0 || len > RFC6056_TABLE_LENGTH_MAX)
		return -1;
	s->table = malloc((size_t)len * sizeof(*s->table));
	if (!s->table)
		return -1;
	s->table_length = len;
	s->n = ctx->n;
	struct ps_rng secret;
	ps_rng_init(&secret, ctx->seed, PS_STREAM_SECRET, ctx->instance);
	s->key1 = ps_rng_next(&secret);
	s->key2 = ps_rng_next(&secret);
	for (uint32_t i = 0; i < len; i++)
		s->table[i] = (uint16_t)ps_rng_below(&secret, 65536);
	return 0;
}

static void alg4_fini(void *state)
{
	struct rfc6056_4 *s = state;
	free(s->table);
}

static struct ps_pick alg4_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct rfc6056_4 *s = state;
	uint32_t offset = (uint32_t)dest_hash(s->key1, req);
	uint32_t index = (uint32_t)(dest_hash(s->key2, req) % s->table_length);
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator,
			   "Algorithm 4: F(source, destination, destination port) = offset %u; G(...) selects "
			   "counter %u of %u, which holds %u; the first candidate is port %u, then +1",
			   offset, index, s->table_length, s->table[index],
			   pool->lo + (uint32_t)(offset + s->table[index]) % s->n);
	uint32_t idx;
	int64_t k = counter_scan(pool, req, s->n, offset, s->table[index], 65536, &idx);
	uint32_t probes = k < 0 ? s->n : (uint32_t)k + 1;
	s->table[index] = (uint16_t)(s->table[index] + probes);
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "counter %u gains one per probe, to %u", index, s->table[index]);
	return (struct ps_pick){ .idx = k < 0 ? -1 : (int32_t)idx, .probes = probes };
}

const struct ps_alloc_ops ps_alloc_rfc6056_4 = {
	.name = "rfc6056-4",
	.summary = "Algorithm 4, double-hash: keyed hash of (src, dst, dport) plus one of "
		   "TABLE_LENGTH 16-bit counters picked by a second keyed hash, +1 with wrap",
	.source = "RFC 6056 §3.3.4",
	.state_size = sizeof(struct rfc6056_4),
	.caps = PS_CAP_USES_DEST | PS_CAP_RANDOM,
	.init = alg4_init,
	.pick = alg4_pick,
	.fini = alg4_fini,
};

/* ---- Algorithm 5: random increments ---- */

struct rfc6056_5 {
	struct ps_rng rng;
	uint32_t next_ephemeral;
	uint32_t increment_max;
	uint32_t n;
};

static int alg5_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct rfc6056_5 *s = state;
	if (ctx->params->increment_max == 0)
		return -1;
	s->increment_max = ctx->params->increment_max;
	s->n = ctx->n;
	struct ps_rng secret;
	ps_rng_init(&secret, ctx->seed, PS_STREAM_SECRET, ctx->instance);
	s->next_ephemeral = (uint32_t)ps_rng_below(&secret, 65536);
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	return 0;
}

static struct ps_pick alg5_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct rfc6056_5 *s = state;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "Algorithm 5: the global counter stands at %u; before every probe it "
			   "gains 1 + U{0..%u}, and the candidate is the counter modulo %u", s->next_ephemeral,
			   s->increment_max - 1, s->n);
	for (uint32_t k = 0; k < s->n; k++) {
		/* Increment before testing: even the first probe moves on from the last port. */
		s->next_ephemeral += (uint32_t)ps_rng_below(&s->rng, s->increment_max) + 1;
		uint32_t idx = s->next_ephemeral % s->n;
		if (ps_pool_usable(pool, req, idx))
			return (struct ps_pick){ .idx = (int32_t)idx, .probes = k + 1 };
	}
	return (struct ps_pick){ .idx = -1, .probes = s->n };
}

const struct ps_alloc_ops ps_alloc_rfc6056_5 = {
	.name = "rfc6056-5",
	.summary = "Algorithm 5, random increments: a global counter that starts random and gains "
		   "1 + U{0..N-1} before every probe (N = increment_max)",
	.source = "RFC 6056 §3.3.5",
	.state_size = sizeof(struct rfc6056_5),
	.caps = PS_CAP_RANDOM,
	.init = alg5_init,
	.pick = alg5_pick,
};
