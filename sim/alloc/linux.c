/*
 * Linux's connect() on an unbound socket, 5.18 and later:
 * __inet_hash_connect() in net/ipv4/inet_hashtables.c (ALLOCATORS.md §2.2).
 *
 * A keyed hash of (source, destination, destination port, 10-second epoch)
 * gives 64 bits: the low half indexes a table of perturbation counters, the
 * high half is added to the counter to give the start. The scan tries every
 * port of the range's low-end parity first (step 2), then the other parity.
 * After a success the counter advances by max(i, 2 * random_below(8)) + 2,
 * where i is how far the successful pass walked, so successive connections
 * to one destination climb by small even strides.
 *
 * SipHash and the boot secret are modelled by ps_mix64 and a key drawn from
 * the run's secret stream: port values cannot match a real kernel, the
 * statistics do.
 */
#include <stdlib.h>

#include "portsim/alloc.h"

struct linux_connect {
	uint32_t *table;
	uint32_t table_mask;
	uint64_t key;
	ps_time resalt;
	struct ps_rng rng;
	uint32_t n;
};

static int linux_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct linux_connect *s = state;
	uint32_t size = ctx->params->table_size;
	if (size == 0 || (size & (size - 1)) != 0)
		return -1;
	s->table = malloc((size_t)size * sizeof(*s->table));
	if (!s->table)
		return -1;
	s->table_mask = size - 1;
	s->n = ctx->n;
	s->resalt = ctx->params->resalt_ns ? ctx->params->resalt_ns : 10 * PS_NS_PER_S;
	struct ps_rng secret;
	ps_rng_init(&secret, ctx->seed, PS_STREAM_SECRET, ctx->instance);
	s->key = ps_rng_next(&secret);
	/* The kernel fills table_perturb with random bytes on first use. */
	for (uint32_t i = 0; i < size; i++)
		s->table[i] = (uint32_t)ps_rng_next(&secret);
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	return 0;
}

static void linux_fini(void *state)
{
	struct linux_connect *s = state;
	free(s->table);
}

static struct ps_pick linux_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct linux_connect *s = state;
	uint64_t epoch = req->now / s->resalt;
	uint64_t h = ps_mix64(s->key, ((uint64_t)req->src_ip << 32) | req->dst_ip, req->dst_port, epoch);
	uint32_t index = (uint32_t)h & s->table_mask;
	uint32_t remaining = s->n > 1 ? s->n & ~1u : s->n;
	uint32_t offset = (uint32_t)((s->table[index] + (uint32_t)(h >> 32)) % remaining) & ~1u;
	uint32_t per_pass = (remaining + 1) / 2;
	uint32_t idx;
	uint32_t before = 0; /* candidates examined by an exhausted first pass */
	int64_t k = ps_pool_scan(pool, req, offset, remaining, 2, per_pass, &idx);
	if (k < 0 && remaining > 1) {
		before = per_pass;
		k = ps_pool_scan(pool, req, offset + 1, remaining, 2, per_pass, &idx);
	}
	if (k < 0)
		return (struct ps_pick){ .idx = -1, .probes = before + (remaining > 1 ? per_pass : 1) };
	uint32_t i = 2 * (uint32_t)k; /* the kernel's loop variable within its pass */
	uint32_t jitter = 2 * (uint32_t)ps_rng_below(&s->rng, 8);
	s->table[index] += (i > jitter ? i : jitter) + 2;
	return (struct ps_pick){ .idx = (int32_t)idx, .probes = before + (uint32_t)k + 1 };
}

const struct ps_alloc_ops ps_alloc_linux = {
	.name = "linux",
	.summary = "Linux >= 5.18 connect(): hash(src, dst, dport, 10 s epoch) + 65536-entry perturbation "
		   "table, low-end parity first then the other, counter += max(i, 2*U{0..7}) + 2",
	.source = "torvalds/linux net/ipv4/inet_hashtables.c __inet_hash_connect; "
		  "net/core/secure_seq.c secure_ipv4_port_ephemeral",
	.state_size = sizeof(struct linux_connect),
	.caps = PS_CAP_USES_DEST | PS_CAP_RANDOM | PS_CAP_TIME,
	.init = linux_init,
	.pick = linux_pick,
	.fini = linux_fini,
};
