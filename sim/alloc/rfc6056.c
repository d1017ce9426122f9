/*
 * The algorithms of RFC 6056 §3.3. Algorithm 1 (simple port randomization)
 * draws a fresh start for every allocation and walks +1 from there; a free
 * port just past a run of busy ones is therefore chosen more often, a bias
 * the RFC describes and the model keeps.
 */
#include "portsim/alloc.h"

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
