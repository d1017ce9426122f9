/*
 * Linux's ephemeral port choice, one strategy per code path and era
 * (docs/allocators.md#linux):
 *
 *   linux       connect(), 5.18 and later: __inet_hash_connect()
 *   linux-5.12  connect(), 5.12-5.17: 256 perturbation counters
 *   linux-4.6   connect(), 4.6-5.11: one global hint
 *
 * Each hashes (source, destination, destination port) with a boot secret
 * and adds a counter to get the start, then tries every port of the
 * range's low-end parity (step 2), then the other parity (linux_walk.h).
 * bind(0) and UDP are in linux_bind.c.
 *
 * SipHash (MD5 before 4.12) and the boot secret are modelled by ps_mix64
 * and a key drawn from the run's secret stream: port values cannot match a
 * real kernel, the statistics do.
 */
#include <stdlib.h>

#include "portsim/alloc.h"
#include "portsim/narrate.h"

#include "linux_walk.h"

/*
 * connect() from a reduced offset: the low-end parity (offset forced even),
 * then offset + 1, unless the range is a single port.
 */
static struct parity_walk connect_walk(const struct ps_pool *pool, const struct ps_request *req,
				       uint32_t remaining, uint32_t offset)
{
	offset &= ~1u;
	return parity_walk(pool, req, remaining, offset, remaining > 1, offset + 1);
}

/* What every connect() era narrates: the hash, the counter it picked, the offset and the parity pass. */
static void tell_hash(const struct ps_pool *pool, const struct ps_request *req, const char *hash, uint64_t h,
		      uint32_t index, uint32_t counter, uint32_t addend, uint32_t offset, uint32_t remaining,
		      uint32_t counters)
{
	char src[16], dst[16];
	ps_ip_text(src, sizeof(src), req->src_ip);
	ps_ip_text(dst, sizeof(dst), req->dst_ip);
	ps_narrate(pool->narrator, "hash inputs: source %s, destination %s:%u; %s = 0x%016llx", src, dst,
		   req->dst_port, hash, (unsigned long long)h);
	ps_narrate(pool->narrator,
		   "it selects perturbation counter %u of %u, which holds %u; counter + %u, modulo the %u "
		   "candidates of a pass, gives offset %u",
		   index, counters, counter, addend, remaining, offset);
	uint32_t even = offset & ~1u;
	ps_narrate(pool->narrator,
		   "parity: connect() first tries the ports of the range's low-end parity (%s ports here, "
		   "offset %u = port %u, step 2), leaving the other half to bind(0); only if that pass finds "
		   "nothing does it try the other parity from port %u",
		   ((pool->lo + even) & 1) ? "odd" : "even", even, pool->lo + even, pool->lo + even + 1);
}

/* secure_ipv4_port_ephemeral() before 5.18: 32 bits, no time input. */
static uint32_t port_offset32(uint64_t key, const struct ps_request *req)
{
	return (uint32_t)ps_mix64(key, ((uint64_t)req->src_ip << 32) | req->dst_ip, req->dst_port, 0);
}

static uint64_t boot_key(const struct ps_alloc_ctx *ctx, struct ps_rng *secret)
{
	ps_rng_init(secret, ctx->seed, PS_STREAM_SECRET, ctx->instance);
	return ps_rng_next(secret);
}

/* ---- linux: 5.18 and later ---- */

/*
 * A keyed hash of (source, destination, destination port, 10-second epoch)
 * gives 64 bits: the low half indexes a table of perturbation counters, the
 * high half is added to the counter to give the start. After a success the
 * counter advances by max(i, 2 * random_below(8)) + 2, where i is how far
 * the successful pass walked, so successive connections to one destination
 * climb by small even strides.
 *
 * The hash changes only with the epoch, so the simulator remembers it per
 * (source, destination) for the epoch it was made in, and the epoch's
 * bounds, rather than hashing and dividing for every connection.
 */
#define MEMO_SIZE 1024     /* a power of two; one slot per destination for up to this many */
#define MEMO_VALID 0x10000 /* or'ed into the port of a filled slot */

struct offset_memo {
	uint64_t addrs;  /* source << 32 | destination */
	uint64_t epoch;
	uint64_t h;
	uint32_t port;   /* destination port | MEMO_VALID */
};

/* The memo's slot for (source, destination): one per destination while there are few. */
static inline uint32_t memo_slot(uint32_t addr, uint32_t dst)
{
	return (dst + addr * 0x9E3779B1u) & (MEMO_SIZE - 1);
}

struct linux_connect {
	uint32_t *table;
	uint32_t remaining;
	uint64_t remaining_inv; /* for x % remaining without a division (fast_mod) */
	uint32_t table_mask;
	uint64_t key;
	ps_time resalt;
	ps_time epoch_lo, epoch_hi; /* now in [lo, hi) lies in epoch `epoch` */
	uint64_t epoch;
	struct ps_rng rng;
	uint32_t n;
	struct offset_memo memo[MEMO_SIZE];
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
	s->remaining = even_remaining(s->n);
	s->remaining_inv = UINT64_MAX / s->remaining + 1;
	s->resalt = ctx->params->resalt_ns ? ctx->params->resalt_ns : 10 * PS_NS_PER_S;
	struct ps_rng secret;
	s->key = boot_key(ctx, &secret);
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

__extension__ typedef unsigned __int128 u128;

/* x % d for 32-bit values from inv = UINT64_MAX / d + 1, exactly (Lemire, Kaser and Kurz 2019). */
static uint32_t fast_mod(uint32_t x, uint64_t inv, uint32_t d)
{
	return (uint32_t)(((u128)(inv * x) * d) >> 64);
}

/* The keyed hash of (source, destination, destination port, epoch of now). */
static uint64_t offset_hash(struct linux_connect *s, const struct ps_request *req)
{
	if (req->now < s->epoch_lo || req->now >= s->epoch_hi) {
		s->epoch = req->now / s->resalt;
		s->epoch_lo = s->epoch * s->resalt;
		s->epoch_hi = s->epoch_lo + s->resalt < s->epoch_lo ? PS_TIME_MAX : s->epoch_lo + s->resalt;
	}
	uint64_t addrs = ((uint64_t)req->src_ip << 32) | req->dst_ip;
	struct offset_memo *m = &s->memo[memo_slot(req->addr, req->dst)];
	if (m->addrs != addrs || m->epoch != s->epoch || m->port != (req->dst_port | MEMO_VALID))
		*m = (struct offset_memo){ .addrs = addrs, .epoch = s->epoch, .port = req->dst_port | MEMO_VALID,
					   .h = ps_mix64(s->key, addrs, req->dst_port, s->epoch) };
	return m->h;
}

/*
 * IP_LOCAL_PORT_RANGE (Linux 6.3, commit 91d0b78c5177 "inet: Add
 * IP_LOCAL_PORT_RANGE socket option"): each end of the socket's range
 * that lies inside the host's range replaces that end
 * (inet_sk_get_local_port_range()). Since a later change to
 * __inet_hash_connect() (`step = local_ports ? 1 : 2`) such a socket's
 * search walks every port from the hashed offset, with no even/odd split,
 * and the counter advances by max(i, random_below(8)) + 1.
 */
static struct ps_pick socket_range_pick(struct linux_connect *s, const struct ps_pool *pool,
					const struct ps_request *req, uint32_t sk_lo, uint32_t sk_hi)
{
	uint32_t lo = pool->lo, hi = pool->hi;
	if (sk_lo >= lo && sk_lo <= hi)
		lo = sk_lo;
	if (sk_hi >= lo && sk_hi <= hi)
		hi = sk_hi;
	uint64_t h = offset_hash(s, req);
	uint32_t index = (uint32_t)h & s->table_mask;
	uint32_t remaining = hi - lo + 1, idx = 0;
	uint32_t offset = (uint32_t)((s->table[index] + (uint32_t)(h >> 32)) % remaining);
	int64_t k = ps_pool_scan_at(pool, req, lo - pool->lo, offset, remaining, 1, remaining, &idx);
	if (k < 0)
		return (struct ps_pick){ .idx = -1, .probes = remaining };
	uint32_t jitter = (uint32_t)ps_rng_below(&s->rng, 8);
	s->table[index] += ((uint32_t)k > jitter ? (uint32_t)k : jitter) + 1;
	return (struct ps_pick){ .idx = (int32_t)idx, .probes = (uint32_t)k + 1 };
}

/*
 * What programs do against the even/odd search on a nearly full range:
 * set a narrow per-socket range at a random place, or bind() to random
 * ports (exclusive, as bind() without SO_REUSEADDR is) until one is free.
 */
static struct ps_pick user_pick(struct linux_connect *s, const struct ps_pool *pool, const struct ps_request *req)
{
	const struct ps_port_choice_cfg *c = req->choice;
	if (c->how == PS_PORT_SOCKET_RANGE)
		return socket_range_pick(s, pool, req, c->lo, c->hi);
	if (c->how == PS_PORT_NARROW_RANGE) {
		uint32_t width = c->arg < s->n ? c->arg : s->n;
		uint32_t lo = pool->lo + (uint32_t)ps_rng_below(&s->rng, s->n - width + 1);
		return socket_range_pick(s, pool, req, lo, lo + width - 1);
	}
	struct ps_request bind = *req;
	bind.mode = PS_MODE_BIND0;
	for (uint32_t t = 1; t <= c->arg; t++) {
		uint32_t idx = (uint32_t)ps_rng_below(&s->rng, s->n);
		if (ps_pool_usable(pool, &bind, idx))
			return (struct ps_pick){ .idx = (int32_t)idx, .probes = t };
	}
	return (struct ps_pick){ .idx = -1, .probes = c->arg };
}

static struct ps_pick linux_pick(void *state, const struct ps_pool *pool, const struct ps_request *req)
{
	struct linux_connect *s = state;
	if (req->choice && req->choice->how != PS_PORT_KERNEL)
		return user_pick(s, pool, req);
	uint64_t h = offset_hash(s, req);
	uint32_t index = (uint32_t)h & s->table_mask;
	uint32_t remaining = s->remaining;
	uint32_t offset = fast_mod(s->table[index] + (uint32_t)(h >> 32), s->remaining_inv, remaining);
	if (PS_NARRATING(pool))
		tell_hash(pool, req, "SipHash of (source, destination, destination port, the 10 s epoch)",
			  h, index, s->table[index], (uint32_t)(h >> 32), offset, remaining, s->table_mask + 1);
	struct parity_walk w = connect_walk(pool, req, remaining, offset);
	if (w.idx < 0)
		return (struct ps_pick){ .idx = -1, .probes = w.probes };
	uint32_t jitter = 2 * (uint32_t)ps_rng_below(&s->rng, 8);
	s->table[index] += (w.i > jitter ? w.i : jitter) + 2;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator,
			   "perturbation counter %u advances by max(i = %u, 2 x U{0..7} = %u) + 2 = %u, to %u: the "
			   "next connection toward this destination starts that much further on",
			   index, w.i, jitter, (w.i > jitter ? w.i : jitter) + 2, s->table[index]);
	return (struct ps_pick){ .idx = w.idx, .probes = w.probes };
}

/*
 * A pick a few arrivals away: the counter its start adds, then, once that
 * is at hand, the pool's word at the start. The memo's hash is the one the
 * pick will use unless the epoch turns or the slot is refilled first, and
 * the counter moves only if the same destination comes in between: then
 * the fetch is merely wasted. For a thousand destinations both are far
 * apart in memory, and each would otherwise be a wait in every connect().
 */
static void linux_ahead(const void *state, const struct ps_pool *pool, uint32_t addr, uint32_t dst, bool near)
{
	const struct linux_connect *s = state;
	uint64_t h = s->memo[memo_slot(addr, dst)].h;
	const uint32_t *counter = &s->table[(uint32_t)h & s->table_mask];
	if (!near) {
		__builtin_prefetch(counter);
		return;
	}
	uint32_t offset = fast_mod(*counter + (uint32_t)(h >> 32), s->remaining_inv, s->remaining) & ~1u;
	ps_pool_prefetch(pool, addr, offset, dst);
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
	.ahead = linux_ahead,
	.fini = linux_fini,
};

/* ---- linux-5.12: 5.12 to 5.17 ---- */

/*
 * Commit 190cc82489f4 replaced the global hint by 256 counters indexed by
 * hash_32(port_offset, 8). The offset is the same 32 bits the index came
 * from, there is no time in the hash and no 0-7 increment. Commit
 * c579bd1b4021, merged with it, skips one candidate in 1/16 of the
 * connections whose first candidate was free: the stride is then 4, not 2.
 */
#define LINUX_5_12_SHIFT 8
#define GOLDEN_RATIO_32 0x61C88647u

struct linux_5_12 {
	uint32_t table[1u << LINUX_5_12_SHIFT];
	uint64_t key;
	struct ps_rng rng;
	uint32_t n;
};

static int linux_5_12_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct linux_5_12 *s = state;
	struct ps_rng secret;
	s->key = boot_key(ctx, &secret);
	/* net_get_random_once(table_perturb): random counters. */
	for (uint32_t i = 0; i < (1u << LINUX_5_12_SHIFT); i++)
		s->table[i] = (uint32_t)ps_rng_next(&secret);
	ps_rng_init(&s->rng, ctx->seed, PS_STREAM_ALLOCATOR, ctx->instance);
	s->n = ctx->n;
	return 0;
}

static struct ps_pick linux_5_12_pick(void *state, const struct ps_pool *pool,
				      const struct ps_request *req)
{
	struct linux_5_12 *s = state;
	uint32_t port_offset = port_offset32(s->key, req);
	/* include/linux/hash.h hash_32(): multiply, keep the top bits. */
	uint32_t index = (port_offset * GOLDEN_RATIO_32) >> (32 - LINUX_5_12_SHIFT);
	uint32_t remaining = even_remaining(s->n);
	uint32_t offset = (s->table[index] + port_offset) % remaining;
	if (PS_NARRATING(pool))
		tell_hash(pool, req, "keyed hash of (source, destination, destination port), no time", port_offset,
			  index, s->table[index], port_offset, offset, remaining, 1u << LINUX_5_12_SHIFT);
	struct parity_walk w = connect_walk(pool, req, remaining, offset);
	if (w.idx < 0)
		return (struct ps_pick){ .idx = -1, .probes = w.probes };
	/* The kernel draws only when i is 0 (`!i && !(prandom_u32() % 16)`). */
	uint32_t i = w.i;
	if (i == 0 && ps_rng_below(&s->rng, 16) == 0)
		i = 2;
	s->table[index] += i + 2;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator, "counter %u advances by i + 2 = %u (i = %u%s), to %u", index, i + 2, i,
			   i != w.i ? ", one first-try success in 16 skips a port" : "", s->table[index]);
	return (struct ps_pick){ .idx = w.idx, .probes = w.probes };
}

const struct ps_alloc_ops ps_alloc_linux_5_12 = {
	.name = "linux-5.12",
	.summary = "Linux 5.12-5.17 connect(): hash(src, dst, dport) + 256 counters indexed by "
		   "hash_32, low-end parity first, counter += i + 2 (i = 2 in 1/16 of first-try "
		   "successes), no re-salt",
	.source = "torvalds/linux net/ipv4/inet_hashtables.c __inet_hash_connect "
		  "(commits 190cc82489f4, c579bd1b4021)",
	.state_size = sizeof(struct linux_5_12),
	.caps = PS_CAP_USES_DEST | PS_CAP_RANDOM,
	.init = linux_5_12_init,
	.pick = linux_5_12_pick,
};

/* ---- linux-4.6: 4.6 to 5.11 ---- */

/*
 * RFC 6056 Algorithm 3 with Linux's parity split (commit 1580ab63fc9a): a
 * static u32 hint, shared by every destination, is added to the hash and
 * advanced by i + 2 after each success. A connection anywhere moves every
 * destination's start, which is what let David Dworken count a host's
 * connections from outside.
 */
struct linux_4_6 {
	uint64_t key;
	uint32_t hint;
	uint32_t n;
};

static int linux_4_6_init(void *state, const struct ps_alloc_ctx *ctx)
{
	struct linux_4_6 *s = state;
	struct ps_rng secret;
	s->key = boot_key(ctx, &secret);
	s->hint = 0; /* a static variable: zero at boot */
	s->n = ctx->n;
	return 0;
}

static struct ps_pick linux_4_6_pick(void *state, const struct ps_pool *pool,
				     const struct ps_request *req)
{
	struct linux_4_6 *s = state;
	uint32_t remaining = even_remaining(s->n);
	uint32_t offset = (s->hint + port_offset32(s->key, req)) % remaining;
	if (PS_NARRATING(pool))
		tell_hash(pool, req, "keyed hash of (source, destination, destination port)", port_offset32(s->key, req),
			  0, s->hint, port_offset32(s->key, req), offset, remaining, 1);
	struct parity_walk w = connect_walk(pool, req, remaining, offset);
	if (w.idx < 0)
		return (struct ps_pick){ .idx = -1, .probes = w.probes };
	s->hint += w.i + 2;
	if (PS_NARRATING(pool))
		ps_narrate(pool->narrator,
			   "the one global hint, shared by every destination, advances by i + 2 = %u, to %u",
			   w.i + 2, s->hint);
	return (struct ps_pick){ .idx = w.idx, .probes = w.probes };
}

const struct ps_alloc_ops ps_alloc_linux_4_6 = {
	.name = "linux-4.6",
	.summary = "Linux 4.6-5.11 connect(): hash(src, dst, dport) + one global hint, low-end parity "
		   "first then the other, hint += i + 2 after every success",
	.source = "torvalds/linux net/ipv4/inet_hashtables.c __inet_hash_connect (commit 1580ab63fc9a)",
	.state_size = sizeof(struct linux_4_6),
	.caps = PS_CAP_USES_DEST | PS_CAP_RANDOM,
	.init = linux_4_6_init,
	.pick = linux_4_6_pick,
};
