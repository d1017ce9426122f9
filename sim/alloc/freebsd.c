/*
 * FreeBSD's ephemeral port choice (docs/allocators.md#freebsd).
 *
 * freebsd: in_pcb_lport_dest() in sys/netinet/in_pcb.c (13 and later).
 * With net.inet.ip.portrange.randomized = 1 (the default) the range's
 * lastport is set to first + arc4random() % (last - first), which lies in
 * [first, last - 1]; the loop then pre-increments it, so the first candidate
 * is in [first + 1, last] and the low end is reached only by wrapping. The
 * loop guard is "if (count-- < 0)" with count = last - first: a
 * post-decrement compared with < 0 lets last - first + 1 = N candidates
 * through, so a failed scan examines every port of the range, ending on the
 * random lastport itself. (4.4BSD's in_pcbbind guarded with "<= 0" and left
 * one port untried; FreeBSD's code since 7 does not.) Exhaustion returns
 * EADDRNOTAVAIL, for bind(0) as for connect.
 *
 * freebsd-legacy: in_pcbbind_setup() / in_pcb_lport() of FreeBSD 7-12, the
 * same walk with the rate-based fallback. Every allocation that is not UDP
 * bumps ipport_tcpallocs before the walk, whether or not it succeeds.
 * ipport_tick() runs once a second: when more than ipport_randomcps
 * allocations happened since the previous tick, ipport_stoprandom is set to
 * ipport_randomtime; otherwise a nonzero ipport_stoprandom drops by one.
 * While it is nonzero, TCP skips the random draw and lastport just carries
 * on from the last port handed out; UDP always draws. TCP and UDP keep
 * separate lastport values (separate pcbinfos), so a UDP allocation never
 * moves the TCP counter. "first == last" disables the draw.
 *
 * Which TCP-ness counts: FreeBSD 7 tests "pcbinfo != &udbinfo", so UDP is
 * not counted, and that is what the model does. After UDP-Lite was added
 * the test became "pcbinfo != &V_udbinfo || pcbinfo != &V_ulitecbinfo",
 * which is always true, so those later releases (seen in the 12-era file)
 * count UDP allocations as well.
 *
 * The availability rule differs between the two eras (legacy FreeBSD's
 * connect() bound through in_pcblookup_local, a port-level test; 13+ looks
 * up the full 4-tuple); that is the host's `unique` setting, not ours.
 */
#include "portsim/alloc.h"
#include "portsim/narrate.h"

enum { FB_TCP, FB_UDP, FB_PROTOS };

struct freebsd {
	struct ps_rng rng;
	uint32_t n;
	/* Legacy only: index of the next candidate, i.e. lastport + 1, per protocol. */
	uint32_t cursor[FB_PROTOS];
	uint64_t tcpallocs, tcplastcount;
	uint64_t last_tick;     /* whole seconds of simulated time already ticked */
	uint32_t stoprandom;    /* ticks left with randomization off */
	uint32_t randomcps, randomtime;
};

static int freebsd_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct freebsd *s = state;
	s->n = ctx->n;
	s->randomcps = ctx->params->randomcps;
	s->randomtime = ctx->params->randomtime_s;
	/* A zeroed lastport (port 0) wraps to first on the first increment. */
	s->cursor[FB_TCP] = s->cursor[FB_UDP] = 0;
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	return 0;
}

/* lastport = first + arc4random() % (last - first); the walk starts one past it. */
static uint32_t random_start(struct freebsd *s)
{
	if (s->n < 2)
		return 0;
	return (uint32_t)ps_rng_below(&s->rng, s->n - 1) + 1;
}

/* The do/while of in_pcb_lport_dest: N candidates from start, ascending with wrap. */
static struct ps_pick walk(const struct freebsd *s, const struct ps_pool *pool,
			   const struct ps_request *req, uint32_t start, uint32_t *next)
{
	uint32_t idx;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "lastport is port %u; the do/while loop tries lastport + 1 = port %u, "
			   "then +1 with wrap, for at most %u candidates",
			   pool->lo + (start ? start - 1 : s->n - 1), pool->lo + start, s->n);
	int64_t k = ps_pool_scan(pool, req, start, s->n, 1, s->n, &idx);
	if (k < 0) {
		/* N increments bring lastport back to where it was. */
		*next = start;
		return (struct ps_pick){ .idx = -1, .probes = s->n };
	}
	*next = idx + 1 == s->n ? 0 : idx + 1;
	return (struct ps_pick){ .idx = (int32_t)idx, .probes = (uint32_t)k + 1 };
}

static struct ps_pick freebsd_pick(void *state, const struct ps_pool *pool,
				   const struct ps_request *req)
{
	struct freebsd *s = state;
	uint32_t next;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "FreeBSD draws lastport = first + arc4random() %% (last - first)");
	return walk(s, pool, req, random_start(s), &next);
}

/* Runs the ipport_tick() callouts due by now; ticks fall on whole seconds. */
static void legacy_ticks(struct freebsd *s, ps_time now)
{
	uint64_t due = now / PS_NS_PER_S;
	if (due <= s->last_tick)
		return;
	if (s->tcpallocs - s->tcplastcount > s->randomcps)
		s->stoprandom = s->randomtime;
	else if (s->stoprandom > 0)
		s->stoprandom--;
	s->tcplastcount = s->tcpallocs;
	/* Every later tick up to now saw no allocation. */
	uint64_t idle = due - s->last_tick - 1;
	s->stoprandom = idle >= s->stoprandom ? 0 : s->stoprandom - (uint32_t)idle;
	s->last_tick = due;
}

static struct ps_pick legacy_pick(void *state, const struct ps_pool *pool,
				  const struct ps_request *req)
{
	struct freebsd *s = state;
	bool udp = req->mode == PS_MODE_UDP;
	int proto = udp ? FB_UDP : FB_TCP;
	legacy_ticks(s, req->now);
	bool dorandom = (s->stoprandom == 0 || udp) && s->n > 1;
	if (!udp)
		s->tcpallocs++;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "%s", dorandom ? "randomization is on: lastport is drawn at random"
			   : "randomization is off (more than randomcps TCP allocations in a second turned it off "
			     "for randomtime): lastport is the last port chosen");
	uint32_t start = dorandom ? random_start(s) : s->cursor[proto];
	return walk(s, pool, req, start, &s->cursor[proto]);
}

const struct ps_alloc_ops ps_alloc_freebsd = {
	.name = "freebsd",
	.summary = "random lastport in [first, last-1], then +1 with wrap from the port after it; "
		   "a failed scan tries all N ports",
	.source = "FreeBSD sys/netinet/in_pcb.c in_pcb_lport_dest (13-15)",
	.state_size = sizeof(struct freebsd),
	.caps = PS_CAP_RANDOM,
	.fail_err = PS_EADDRNOTAVAIL,
	.init = freebsd_init,
	.pick = freebsd_pick,
};

const struct ps_alloc_ops ps_alloc_freebsd_legacy = {
	.name = "freebsd-legacy",
	.summary = "as freebsd, but more than randomcps TCP allocations in a 1-s tick turn the random "
		   "start off for randomtime s (sequential lastport); UDP always random, not counted",
	.source = "FreeBSD 7-12 sys/netinet/in_pcb.c in_pcbbind_setup / in_pcb_lport, ipport_tick",
	.state_size = sizeof(struct freebsd),
	.caps = PS_CAP_RANDOM | PS_CAP_TIME,
	.fail_err = PS_EADDRNOTAVAIL,
	.init = freebsd_init,
	.pick = legacy_pick,
};
