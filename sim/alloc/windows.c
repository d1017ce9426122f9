/*
 * Windows (Vista and later) wildcard-port assignment (docs/allocators.md#windows).
 *
 * The stack is closed and Microsoft does not document the order in which it
 * hands out dynamic ports, so the order is a parameter:
 *   order = sequential: a machine-wide cursor, +1 with wrap (what
 *           dataplane.org reports for XP/2003);
 *   order = random:     a uniform random start, then +1 with wrap (the
 *           headers' SO_RANDOMIZE_PORT, "randomize assignment of wildcard
 *           ports", hints that randomizing exists at least per socket).
 * Results from either are unverified. TCP and UDP have their own dynamic
 * ranges (netsh int ipv4 set dynamicport tcp|udp), so each keeps its own
 * cursor; that split is also an assumption.
 *
 * Whether a port is shared across destinations (auto-reuse,
 * SO_REUSE_UNICASTPORT) or owned machine-wide (the SO_PORT_SCALABILITY page
 * describes the default ~64K machine-wide pool) is the host's `unique`
 * setting.
 *
 * The failure code: the KB articles disagree. KB 319502 describes
 * connections through anonymous ports failing with WSAEADDRINUSE (10048)
 * once TIME_WAIT holds the whole 1024-5000 range; KB 196271 reports
 * WSAENOBUFS (10055) when connections need ports above MaxUserPort on
 * XP/2003. A strategy has one failure code; the model follows KB 319502,
 * whose case (ports held in TIME_WAIT) is the one the simulator produces.
 * No statement for Vista and later was found.
 */
#include "portsim/alloc.h"
#include "portsim/narrate.h"

enum { WIN_TCP, WIN_UDP, WIN_PROTOS };

struct windows {
	struct ps_rng rng;
	uint32_t n;
	uint32_t cursor[WIN_PROTOS];
	bool random;
};

static int windows_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct windows *s = state;
	s->n = ctx->n;
	s->random = ctx->params->order == PS_ORDER_RANDOM;
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	return 0;
}

static struct ps_pick windows_pick(void *state, const struct ps_pool *pool,
				   const struct ps_request *req)
{
	struct windows *s = state;
	int proto = req->mode == PS_MODE_UDP ? WIN_UDP : WIN_TCP;
	uint32_t start = s->random ? (uint32_t)ps_rng_below(&s->rng, s->n) : s->cursor[proto];
	uint32_t idx;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "Windows (order assumed, not documented): %s port %u, then +1 with wrap",
			   s->random ? "a uniform random start," : "the machine-wide cursor stands at", pool->lo + start);
	int64_t k = ps_pool_scan(pool, req, start, s->n, 1, s->n, &idx);
	if (k < 0)
		return (struct ps_pick){ .idx = -1, .probes = s->n };
	s->cursor[proto] = idx + 1 == s->n ? 0 : idx + 1;
	return (struct ps_pick){ .idx = (int32_t)idx, .probes = (uint32_t)k + 1 };
}

const struct ps_alloc_ops ps_alloc_windows = {
	.name = "windows",
	.summary = "order not documented by the vendor; configurable: sequential (machine-wide cursor, "
		   "+1 with wrap) or random (uniform start, +1 with wrap); fails with WSAEADDRINUSE",
	.source = "Microsoft KB 929851 (dynamic range 49152-65535), SO_PORT_SCALABILITY docs, "
		  "KB 319502 (10048 on exhaustion); order unverified",
	.state_size = sizeof(struct windows),
	.caps = PS_CAP_RANDOM,
	.fail_err = PS_WSAEADDRINUSE,
	.init = windows_init,
	.pick = windows_pick,
};
