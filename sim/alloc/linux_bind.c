/*
 * Linux's ephemeral port choice for bind(0) and UDP (docs/allocators.md#linux):
 *
 *   linux-bind  bind(port 0): inet_csk_find_open_port()
 *   linux-udp   UDP bind(0) / autobind: udp_lib_get_port()
 *
 * bind(0) walks the parity opposite to connect()'s first, so that the two
 * users meet as late as possible; UDP has no parity split and no
 * per-destination state. The connect() eras are in linux.c.
 */
#include <stdlib.h>

#include "portsim/alloc.h"

#include "linux_walk.h"

/* ---- linux-bind: bind(port 0) ---- */

/*
 * A uniform start forced odd, i.e. the parity opposite to low, step 2, then
 * the other parity from offset - 1. Availability is port-level (the pool
 * applies it to bind(0) requests) and nothing is remembered. The
 * SO_REUSEADDR half-range split and ip_autobind_reuse do not apply: the
 * model has neither.
 */
struct linux_bind {
	struct ps_rng rng;
	uint32_t n;
};

static int linux_bind_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct linux_bind *s = state;
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	s->n = ctx->n;
	return 0;
}

static struct ps_pick linux_bind_pick(void *state, const struct ps_pool *pool,
				      const struct ps_request *req)
{
	struct linux_bind *s = state;
	uint32_t remaining = even_remaining(s->n);
	uint32_t offset = (uint32_t)ps_rng_below(&s->rng, remaining) | 1u;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator,
			   "bind(0) draws a uniform offset and forces it odd: %u (port %u); it walks that parity, "
			   "the one opposite to the range's low end, by steps of 2, then the other parity from "
			   "port %u, testing the port alone (any socket on it refuses it)",
			   offset % remaining, pool->lo + offset % remaining, pool->lo + (offset - 1) % remaining);
	/*
	 * offset may equal remaining only when remaining is 1; the kernel's
	 * `port -= remaining` then wraps it to low, and its second pass tries
	 * that port again.
	 */
	struct parity_walk w = parity_walk(pool, req, remaining, offset % remaining, true,
					   (offset - 1) % remaining);
	return (struct ps_pick){ .idx = w.idx, .probes = w.probes };
}

const struct ps_alloc_ops ps_alloc_linux_bind = {
	.name = "linux-bind",
	.summary = "Linux bind(port 0): uniform start forced to the parity opposite to low, step 2, "
		   "then the other parity; port-level conflicts, no state",
	.source = "torvalds/linux net/ipv4/inet_connection_sock.c inet_csk_find_open_port",
	.state_size = sizeof(struct linux_bind),
	.caps = PS_CAP_RANDOM,
	.fail_err = PS_EADDRINUSE,
	.init = linux_bind_init,
	.pick = linux_bind_pick,
};

/* ---- linux-udp: UDP bind(0) and autobind ---- */

/*
 * A random u32 gives both the first slot, low + reciprocal_scale(rand,
 * remaining), and the step, (rand | 1) * hash size, added to a 16-bit port
 * number. The step is an odd multiple of the hash size, so from `first` it
 * visits, in scrambled order, every port number that shares first's hash
 * slot before coming back to first; then the walk moves to slot first + 1,
 * for hash-size slots. Together the slots visit every 16-bit port number
 * exactly once, so an exhausted search has examined each port of the range
 * once. Any socket on (address, port) blocks it, whatever its destination.
 */
struct linux_udp {
	struct ps_rng rng;
	uint32_t slots;
	uint32_t n;
	uint16_t lo, hi;
};

static int linux_udp_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct linux_udp *s = state;
	uint32_t size = ctx->params->udp_hash_size;
	if (size == 0 || size > 65536 || (size & (size - 1)) != 0)
		return -1;
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	s->slots = size;
	s->n = ctx->n;
	s->lo = ctx->lo;
	s->hi = ctx->hi;
	return 0;
}

static struct ps_pick linux_udp_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct linux_udp *s = state;
	uint32_t rand = (uint32_t)ps_rng_next(&s->rng);
	/*
	 * Each in-range port is examined once in the whole walk: when none is
	 * usable the answer is known without walking 65536 numbers.
	 */
	uint32_t any;
	if (PS_NARRATING(pool))
		pool->narrator->muted++;
	int64_t some = ps_pool_scan(pool, req, 0, s->n, 1, s->n, &any);
	if (PS_NARRATING(pool))
		pool->narrator->muted--;
	if (some < 0) {
		if (PS_NARRATING(pool)) {
			ps_narrate(pool->narrator, "no port of the range is usable: the walk examines each of the %u "
				   "once, in its scrambled order (listed here by port)", s->n);
			ps_narrate_walk(pool->narrator, pool, req,
					&(struct ps_walk){ .m = s->n, .step = 1, .count = s->n, .found = -1 });
		}
		return (struct ps_pick){ .idx = -1, .probes = s->n };
	}
	uint16_t first = (uint16_t)(s->lo + (uint32_t)(((uint64_t)rand * s->n) >> 32));
	uint16_t step = (uint16_t)((rand | 1u) * s->slots);
	uint16_t last = (uint16_t)(first + s->slots);
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator,
			   "a random 32-bit value 0x%08x gives the first port %u and the step %u (an odd multiple "
			   "of the %u hash slots): it visits the ports of %u's slot in scrambled order, then the "
			   "next slot's",
			   rand, first, step, s->slots, first);
	uint32_t probes = 0;
	do {
		uint16_t snum = first;
		do {
			if (snum >= s->lo && snum <= s->hi) {
				uint32_t idx = (uint32_t)snum - s->lo;
				probes++;
				if (ps_pool_usable(pool, req, idx))
					return (struct ps_pick){ .idx = (int32_t)idx, .probes = probes };
			}
			snum = (uint16_t)(snum + step);
		} while (snum != first);
		first = (uint16_t)(first + 1);
	} while (first != last);
	/* Unreachable: the bitmap scan above found a usable port. */
	return (struct ps_pick){ .idx = -1, .probes = probes };
}

const struct ps_alloc_ops ps_alloc_linux_udp = {
	.name = "linux-udp",
	.summary = "Linux UDP autobind: uniform first slot, every port of that hash slot in scrambled "
		   "order (step = odd multiple of the hash size), then the next slots; no parity",
	.source = "torvalds/linux net/ipv4/udp.c udp_lib_get_port",
	.state_size = sizeof(struct linux_udp),
	.caps = PS_CAP_RANDOM,
	.fail_err = PS_EAGAIN,
	.init = linux_udp_init,
	.pick = linux_udp_pick,
};
