/*
 * OpenBSD's in_pcbpickport() in sys/netinet/in_pcb.c (docs/allocators.md#openbsd).
 *
 * count = higher - lower; candidate = lower + arc4random_uniform(count),
 * which lies in [lower, higher - 1]. Each round of the inner loop checks
 * "count-- < 0", then increments the candidate (wrapping to lower past
 * higher), and repeats while in_baddynamic() says the port is excluded; the
 * outer loop repeats while in_pcblookup_local() finds a user. So the first
 * port examined is the drawn one + 1, the walk is ascending, excluded ports
 * use up the same count as tested ones, and a failed search has examined
 * count + 1 = N ports, every port of the range once. Failure is
 * EADDRNOTAVAIL.
 *
 * The excluded ports are the default baddynamic bitmaps, set in ip_init()
 * from DEFBADDYNAMICPORTS_TCP / _UDP (sys/netinet/in_pcb.h, rev. 1.171,
 * 2025). For UDP, in_baddynamic() also refuses udpencap_port (4500 by
 * default, netinet/ipsec_output.c) in kernels built with IPSEC, as GENERIC
 * is. The lists change between releases and the sysctls
 * net.inet.{tcp,udp}.baddynamic can edit them; these are the defaults.
 */
#include "portsim/alloc.h"
#include "portsim/narrate.h"

static const uint16_t bad_tcp[] = {
	587, 749, 750, 751, 853, 871, 2049,
	6000, 6001, 6002, 6003, 6004, 6005, 6006, 6007, 6008, 6009, 6010,
};

static const uint16_t bad_udp[] = {
	623, 664, 749, 750, 751, 2049,
	3784, 3785, 7784,
	4500, /* udpencap_port */
};

#define OPENBSD_MAXBAD (sizeof(bad_tcp) / sizeof(bad_tcp[0]))
_Static_assert(sizeof(bad_udp) <= sizeof(bad_tcp), "OPENBSD_MAXBAD must cover both lists");

enum { OB_TCP, OB_UDP, OB_PROTOS };

struct openbsd {
	struct ps_rng rng;
	uint32_t n;
	/* Excluded port indexes inside the range, ascending, per protocol. */
	uint32_t bad[OB_PROTOS][OPENBSD_MAXBAD];
	uint32_t nbad[OB_PROTOS];
};

static void collect_bad(struct openbsd *s, int proto, const uint16_t *list, size_t len,
			const struct ps_alloc_ctx *ctx)
{
	uint32_t *out = s->bad[proto];
	uint32_t m = 0;
	for (size_t i = 0; i < len; i++)
		if (list[i] >= ctx->lo && list[i] <= ctx->hi)
			out[m++] = list[i] - ctx->lo;
	/* Insertion sort: the lists are short and not all ascending. */
	for (uint32_t i = 1; i < m; i++)
		for (uint32_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			uint32_t t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	s->nbad[proto] = m;
}

static int openbsd_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct openbsd *s = state;
	s->n = ctx->n;
	collect_bad(s, OB_TCP, bad_tcp, sizeof(bad_tcp) / sizeof(bad_tcp[0]), ctx);
	collect_bad(s, OB_UDP, bad_udp, sizeof(bad_udp) / sizeof(bad_udp[0]), ctx);
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	return 0;
}

/* Distance from cur, walking up with wrap, to the next excluded index; n when none. */
static uint32_t next_bad(const uint32_t *bad, uint32_t nbad, uint32_t cur, uint32_t n)
{
	uint32_t best = n;
	for (uint32_t i = 0; i < nbad; i++) {
		uint32_t d = bad[i] >= cur ? bad[i] - cur : bad[i] + n - cur;
		if (d < best)
			best = d;
	}
	return best;
}

static struct ps_pick openbsd_pick(void *state, const struct ps_pool *pool,
				   const struct ps_request *req)
{
	struct openbsd *s = state;
	int proto = req->mode == PS_MODE_UDP ? OB_UDP : OB_TCP;
	uint32_t n = s->n;
	uint32_t drawn = n > 1 ? (uint32_t)ps_rng_below(&s->rng, n - 1) : 0;
	uint32_t cur = drawn + 1 == n ? 0 : drawn + 1;
	uint32_t examined = 0;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "in_pcbpickport draws port %u and tries the one after it, port %u, then "
			   "+1 with wrap, passing over the %u baddynamic ports of the range", pool->lo + drawn,
			   pool->lo + cur, s->nbad[proto]);
	/* Scan the runs between excluded ports word-wide; each excluded port costs one probe. */
	while (examined < n) {
		uint32_t run = next_bad(s->bad[proto], s->nbad[proto], cur, n);
		if (run > n - examined)
			run = n - examined;
		if (run > 0) {
			uint32_t idx;
			int64_t k = ps_pool_scan(pool, req, cur, n, 1, run, &idx);
			if (k >= 0)
				return (struct ps_pick){ .idx = (int32_t)idx,
							 .probes = examined + (uint32_t)k + 1 };
			examined += run;
			cur = (uint32_t)(((uint64_t)cur + run) % n);
		}
		if (examined < n) {
			if (PS_NARRATING(pool))
				ps_narrate_walk(pool->narrator, pool, req,
						&(struct ps_walk){ .base = cur, .m = 1, .step = 1, .count = 1, .found = -1,
								   .refused = "in OpenBSD's baddynamic list" });
			examined++;
			cur = cur + 1 == n ? 0 : cur + 1;
		}
	}
	return (struct ps_pick){ .idx = -1, .probes = n };
}

const struct ps_alloc_ops ps_alloc_openbsd = {
	.name = "openbsd",
	.summary = "uniform draw in [first, last-1], then +1 with wrap from the port after it, "
		   "skipping the default baddynamic ports (TCP or UDP list)",
	.source = "OpenBSD sys/netinet/in_pcb.c in_pcbpickport; in_pcb.h DEFBADDYNAMICPORTS_TCP/_UDP",
	.state_size = sizeof(struct openbsd),
	.caps = PS_CAP_RANDOM,
	.fail_err = PS_EADDRNOTAVAIL,
	.init = openbsd_init,
	.pick = openbsd_pick,
};
