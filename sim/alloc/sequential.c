/*
 * One global cursor that moves to the next usable port: the traditional
 * BSD allocator that RFC 6056 §2.2 replaces, NetBSD's default "bsd"
 * algorithm (descending), and ns-3's Ipv4EndPointDemux::AllocateEphemeralPort.
 */
#include "portsim/alloc.h"
#include "portsim/narrate.h"

struct sequential {
	uint32_t cursor; /* index of the next candidate */
	uint32_t n;
	bool descending;
};

static int sequential_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct sequential *s = state;
	uint32_t first = ctx->params->first_port;
	s->n = ctx->n;
	s->descending = ctx->params->descending;
	if (first >= ctx->lo && first <= ctx->hi)
		s->cursor = first - ctx->lo;
	else
		s->cursor = s->descending ? s->n - 1 : 0;
	return 0;
}

static struct ps_pick sequential_pick(void *state, const struct ps_pool *pool,
				      const struct ps_request *req)
{
	struct sequential *s = state;
	/* Walking down is walking up by n - 1 modulo n. */
	uint32_t step = s->descending && s->n > 1 ? s->n - 1 : 1;
	uint32_t idx;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator,
			   "one cursor for the whole host stands at port %u, the one after the last port chosen; "
			   "the search walks %s by one, wrapping at the end of the range",
			   pool->lo + s->cursor, step == 1 ? "up" : "down");
	int64_t k = ps_pool_scan(pool, req, s->cursor, s->n, step, s->n, &idx);
	if (k < 0)
		return (struct ps_pick){ .idx = -1, .probes = s->n };
	s->cursor = (uint32_t)(((uint64_t)idx + step) % s->n);
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "the cursor moves to port %u, for whichever connection comes next",
			   pool->lo + s->cursor);
	return (struct ps_pick){ .idx = (int32_t)idx, .probes = (uint32_t)k + 1 };
}

const struct ps_alloc_ops ps_alloc_sequential = {
	.name = "sequential",
	.summary = "global cursor: try the port after the last one chosen, +1 with wrap (descending = true: -1)",
	.source = "RFC 6056 §2.2 (traditional BSD); NetBSD sys/netinet/portalgo.c \"bsd\"; "
		  "ns-3 ipv4-end-point-demux.cc AllocateEphemeralPort",
	.state_size = sizeof(struct sequential),
	.caps = 0,
	.init = sequential_init,
	.pick = sequential_pick,
};
