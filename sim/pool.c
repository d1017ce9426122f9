#include "portsim/pool.h"
#include "portsim/narrate.h"

#include <stdlib.h>
#include <string.h>

/* Bitmaps of one (address, destination) pair that holds entries. */
struct ps_pair {
	uint64_t *used;   /* [words] live or TIME_WAIT toward this destination, then its two summaries */
	uint64_t *rec;    /* [2 * words] or NULL: entries in the 4-tuple hash, then the TIME_WAIT subset */
	uint32_t count;   /* entries; the pair is recycled at zero */
	uint32_t own;     /* used ports neither reserved nor held by an exclusive socket */
	uint32_t key;     /* addr * ndsts + dst, or the next free slot when recycled */
};

/* A 4-tuple's map entry: v[0] = connection | IN_TW, v[1] = when it entered TIME_WAIT. */
#define IN_TW (1ULL << 32)
#define NO_PAIR UINT32_MAX

const char *ps_unique_name(enum ps_unique u)
{
	return u == PS_UNIQUE_PORT ? "port" : "4tuple";
}

static uint64_t tuple_key(uint32_t addr, uint32_t idx, uint32_t dst)
{
	return ((uint64_t)dst << 32) | ((uint64_t)addr << 16) | idx;
}

static bool bit(const uint64_t *bm, uint32_t i)
{
	return (bm[i >> 6] >> (i & 63)) & 1;
}

static void set_bit(uint64_t *bm, uint32_t i)
{
	bm[i >> 6] |= 1ULL << (i & 63);
}

static void clear_bit(uint64_t *bm, uint32_t i)
{
	bm[i >> 6] &= ~(1ULL << (i & 63));
}

/*
 * A summary of a bitmap: bit w of summary `parity` says that every bit of
 * that parity in word w is set. Scans skip such words 64 at a time, which
 * matters when a nearly full pool is walked end to end.
 */
#define EVEN_BITS 0x5555555555555555ULL
#define ODD_BITS 0xAAAAAAAAAAAAAAAAULL

static uint64_t *summary(const struct ps_pool *p, const uint64_t *bm, unsigned parity)
{
	return (uint64_t *)bm + p->words + parity * p->swords;
}

/* Sets bit idx of a summarised bitmap. */
static void set_noted(const struct ps_pool *p, uint64_t *bm, uint32_t idx)
{
	uint32_t w = idx >> 6;
	unsigned par = idx & 1;
	uint64_t m = EVEN_BITS << par; /* ODD_BITS for an odd index */
	bm[w] |= 1ULL << (idx & 63);
	if ((bm[w] & m) == m)
		set_bit(summary(p, bm, par), w);
}

static void clear_noted(const struct ps_pool *p, uint64_t *bm, uint32_t idx)
{
	clear_bit(bm, idx);
	clear_bit(summary(p, bm, idx & 1), idx >> 6);
}

/* The TIME_WAIT half of a pair's record bitmaps. */
static uint64_t *tw_bits(const struct ps_pool *p, const struct ps_pair *pr)
{
	return pr->rec + p->words;
}

/* Words per address in `any`: the bitmap, then its two summaries. */
static size_t any_stride(const struct ps_pool *p)
{
	return p->words + 2 * (size_t)p->swords;
}

static uint64_t *any_of(const struct ps_pool *p, uint32_t addr)
{
	return p->any + addr * any_stride(p);
}

int ps_pool_init(struct ps_pool *p, const struct ps_pool_config *cfg)
{
	memset(p, 0, sizeof(*p));
	if (cfg->lo == 0 || cfg->lo > cfg->hi || cfg->naddrs == 0 || cfg->naddrs > 65535 ||
	    cfg->ndsts == 0 || cfg->ndsts == UINT32_MAX)
		return -1;
	p->lo = cfg->lo;
	p->hi = cfg->hi;
	p->n = (uint32_t)cfg->hi - cfg->lo + 1;
	p->words = (p->n + 63) / 64;
	p->swords = (p->words + 63) / 64;
	p->naddrs = cfg->naddrs;
	p->ndsts = cfg->ndsts;
	p->unique = cfg->unique;
	p->reserved = calloc(p->words, sizeof(uint64_t));
	p->any = calloc((size_t)p->naddrs * any_stride(p), sizeof(uint64_t));
	p->excl = calloc((size_t)p->naddrs * p->words, sizeof(uint64_t));
	p->users = calloc((size_t)p->naddrs * p->n, sizeof(uint32_t));
	p->pair_of = calloc((size_t)p->naddrs * p->ndsts, sizeof(uint32_t));
	p->addr_pairs = calloc(p->naddrs, sizeof(uint32_t));
	p->addr_sockets = calloc(p->naddrs, sizeof(uint64_t));
	p->excl_ports = calloc(p->naddrs, sizeof(uint32_t));
	p->busy_ports = calloc(p->naddrs, sizeof(uint32_t));
	p->free_pair = NO_PAIR;
	if (!p->reserved || !p->any || !p->excl || !p->users || !p->pair_of || !p->addr_pairs ||
	    !p->addr_sockets || !p->excl_ports || !p->busy_ports || ps_map_init(&p->tuples, 16) != 0) {
		ps_pool_fini(p);
		return -1;
	}
	if (cfg->reserved) {
		for (uint32_t i = 0; i < p->n; i++) {
			if (bit(cfg->reserved, p->lo + i)) {
				set_bit(p->reserved, i);
				p->reserved_in_range++;
			}
		}
	}
	return 0;
}

void ps_pool_fini(struct ps_pool *p)
{
	for (uint32_t i = 0; i < p->npairs; i++) {
		free(p->pairs[i].used);
		free(p->pairs[i].rec);
	}
	free(p->pairs);
	free(p->reserved);
	free(p->any);
	free(p->excl);
	free(p->users);
	free(p->pair_of);
	free(p->addr_pairs);
	free(p->addr_sockets);
	free(p->excl_ports);
	free(p->busy_ports);
	ps_map_fini(&p->tuples);
	memset(p, 0, sizeof(*p));
}

/* ---- pairs ---- */

static uint32_t pair_index(const struct ps_pool *p, uint32_t addr, uint32_t dst)
{
	uint32_t v = p->pair_of[(size_t)addr * p->ndsts + dst];
	return v ? v - 1 : NO_PAIR;
}

static const struct ps_pair *pair_get(const struct ps_pool *p, uint32_t addr, uint32_t dst)
{
	uint32_t i = pair_index(p, addr, dst);
	return i == NO_PAIR ? NULL : &p->pairs[i];
}

static struct ps_pair *pair_make(struct ps_pool *p, uint32_t addr, uint32_t dst)
{
	uint32_t i = pair_index(p, addr, dst);
	if (i != NO_PAIR)
		return &p->pairs[i];
	if (p->free_pair != NO_PAIR) {
		i = p->free_pair;
		p->free_pair = p->pairs[i].key;
	} else {
		if (p->npairs == p->pairs_cap) {
			uint32_t cap = p->pairs_cap ? p->pairs_cap * 2 : 16;
			struct ps_pair *np = realloc(p->pairs, cap * sizeof(*np));
			if (!np)
				return NULL;
			p->pairs = np;
			p->pairs_cap = cap;
		}
		i = p->npairs;
		struct ps_pair *pr = &p->pairs[i];
		pr->used = calloc(p->words + 2 * (size_t)p->swords, sizeof(uint64_t));
		pr->rec = NULL;
		if (!pr->used)
			return NULL;
		p->npairs++;
	}
	struct ps_pair *pr = &p->pairs[i];
	pr->count = 0;
	pr->own = 0;
	pr->key = addr * p->ndsts + dst;
	p->pair_of[(size_t)addr * p->ndsts + dst] = i + 1;
	p->addr_pairs[addr]++;
	return pr;
}

static void pair_release(struct ps_pool *p, uint32_t addr, uint32_t dst)
{
	uint32_t i = pair_index(p, addr, dst);
	/* An empty pair's bitmaps and counts are all zero again, so a recycled pair needs no clearing. */
	p->pair_of[(size_t)addr * p->ndsts + dst] = 0;
	p->addr_pairs[addr]--;
	p->pairs[i].key = p->free_pair;
	p->free_pair = i;
}

/* ---- the availability rule ---- */

/*
 * Does req use the 4-tuple rule? connect() and IP_BIND_ADDRESS_NO_PORT do
 * under a 4tuple host; bind(0) and UDP autobind always test the port alone.
 */
static bool four_tuple(const struct ps_pool *p, const struct ps_request *req)
{
	return p->unique == PS_UNIQUE_4TUPLE &&
	       (req->mode == PS_MODE_CONNECT || req->mode == PS_MODE_BIND_NO_PORT);
}

/*
 * What a search for one request reads: a port is a candidate unless it is
 * in res, a or b (b may be NULL); tw holds the TIME_WAIT entries of b it
 * may take over (or is NULL); full, when not NULL, summarises a word's
 * bits blocked by a (or b) for each parity.
 */
struct view {
	const uint64_t *res, *a, *b, *tw, *full;
};

static struct view view_of(const struct ps_pool *p, const struct ps_request *req, const struct ps_pair *pr)
{
	struct view v = { .res = p->reserved };
	if (!four_tuple(p, req)) {
		v.a = any_of(p, req->addr);
		v.full = v.a;
		return v;
	}
	v.a = p->excl + (size_t)req->addr * p->words;
	if (!pr)
		return v;
	v.b = pr->used;
	if (req->tw_takeover && pr->rec)
		v.tw = tw_bits(p, pr);
	else
		v.full = pr->used; /* with no take-over, a used port is never a candidate */
	return v;
}

/*
 * Word w of the candidate set: bits of ports that pass every test except
 * the TIME_WAIT age, which only entries in *tw_out still need.
 */
static uint64_t candidates(const struct view *v, uint32_t w, uint64_t *tw_out)
{
	uint64_t busy = v->res[w] | v->a[w];
	*tw_out = 0;
	if (!v->b)
		return ~busy;
	uint64_t used = v->b[w];
	if (v->tw) {
		*tw_out = v->tw[w] & ~busy;
		used &= ~v->tw[w];
	}
	return ~(busy | used);
}

/* The first word in [w, wend) not known to be full for the parity (-1: both), or wend. */
static uint32_t open_word(const struct ps_pool *p, const struct view *v, int parity, uint32_t w,
			  uint32_t wend)
{
	const uint64_t *even = summary(p, v->full, 0), *odd = summary(p, v->full, 1);
	while (w < wend) {
		uint32_t sw = w >> 6;
		uint64_t full = parity == 0 ? even[sw] : parity == 1 ? odd[sw] : even[sw] & odd[sw];
		uint64_t open = ~full & (~0ULL << (w & 63));
		if (open) {
			w = sw * 64 + (uint32_t)__builtin_ctzll(open);
			return w < wend ? w : wend;
		}
		w = (sw + 1) * 64;
	}
	return wend;
}

/*
 * No index at all is usable for req: the exact counts say so without a
 * look at the bitmaps. TIME_WAIT entries that may be taken over could still
 * be usable, so a pair that has some never counts as full.
 */
static bool none_usable(const struct ps_pool *p, const struct ps_request *req, const struct ps_pair *pr)
{
	uint32_t left = p->n - p->reserved_in_range;
	if (!four_tuple(p, req))
		return left == p->busy_ports[req->addr];
	if (pr && req->tw_takeover && pr->rec)
		return false;
	return left == p->excl_ports[req->addr] + (pr ? pr->own : 0);
}

/*
 * Is idx free for req by its bits alone (ps_pool_free)? The pair's word
 * is read first: where the answer is no, it is most often why.
 */
static inline bool plainly_free(const struct ps_pool *p, const struct ps_request *req, const struct ps_pair *pr,
				uint32_t idx)
{
	uint32_t w = idx >> 6;
	uint64_t busy;
	if (four_tuple(p, req))
		busy = (pr ? pr->used[w] : 0) | p->excl[(size_t)req->addr * p->words + w];
	else
		busy = any_of(p, req->addr)[w];
	return !(((busy | p->reserved[w]) >> (idx & 63)) & 1);
}

/* A TIME_WAIT entry may be taken over once it is old enough (tcp_twsk_unique). */
static bool tw_old_enough(const struct ps_pool *p, const struct ps_request *req, uint32_t idx)
{
	const struct ps_map_slot *s = ps_map_get(&p->tuples, tuple_key(req->addr, idx, req->dst));
	return s && (s->v[0] & IN_TW) && req->now >= s->v[1] && req->now - s->v[1] >= req->tw_min_age;
}

static bool usable(const struct ps_pool *p, const struct ps_request *req, uint32_t idx)
{
	if (idx >= p->n)
		return false;
	uint64_t tw;
	struct view v = view_of(p, req, pair_get(p, req->addr, req->dst));
	uint64_t c = candidates(&v, idx >> 6, &tw);
	uint64_t m = 1ULL << (idx & 63);
	if (!(c & m))
		return false;
	return !(tw & m) || tw_old_enough(p, req, idx);
}

bool ps_pool_reserved(const struct ps_pool *p, uint32_t idx)
{
	return idx < p->n && bit(p->reserved, idx);
}

/*
 * First usable index in [from, to) whose parity matches `parity` (or any
 * index when parity < 0), or UINT32_MAX.
 */
static uint32_t scan_span(const struct ps_pool *p, const struct ps_request *req,
			  const struct view *v, uint32_t from, uint32_t to, int parity)
{
	const uint64_t pmask = parity < 0 ? ~0ULL : (parity ? ODD_BITS : EVEN_BITS);
	const uint32_t wlast = (to + 63) >> 6;
	uint32_t i = from;
	while (i < to) {
		uint32_t w = i >> 6;
		if (v->full) {
			uint32_t open = open_word(p, v, parity, w, wlast);
			if (open != w) {
				w = open;
				i = w * 64;
				if (i >= to)
					break;
			}
		}
		uint64_t tw;
		uint64_t c = candidates(v, w, &tw) & pmask;
		c &= ~0ULL << (i & 63);
		uint32_t wend = (w + 1) * 64;
		if (to < wend)
			c &= ~0ULL >> (wend - to);
		while (c) {
			uint32_t b = (uint32_t)__builtin_ctzll(c);
			uint32_t idx = w * 64 + b;
			if (!((tw >> b) & 1) || tw_old_enough(p, req, idx))
				return idx;
			c &= c - 1;
		}
		i = wend;
	}
	return UINT32_MAX;
}

static uint32_t first_usable(const struct ps_pool *p, const struct ps_request *req,
			     const struct ps_pair *pr, uint32_t from, uint32_t to, int parity)
{
	if (to > p->n)
		to = p->n;
	if (from >= to || none_usable(p, req, pr))
		return UINT32_MAX;
	struct view v = view_of(p, req, pr);
	return scan_span(p, req, &v, from, to, parity);
}

static int64_t scan_at(const struct ps_pool *p, const struct ps_request *req, uint32_t base,
		       uint32_t start, uint32_t m, uint32_t step, uint32_t count, uint32_t *idx)
{
	if (m == 0 || base > p->n || m > p->n - base || start >= m || step == 0 || count == 0)
		return -1;
	const struct ps_pair *pr = pair_get(p, req->addr, req->dst);
	if (plainly_free(p, req, pr, base + start)) {
		*idx = base + start;
		return 0;
	}
	if (none_usable(p, req, pr))
		return -1;
	struct view v = view_of(p, req, pr);
	bool fast = step == 1 || (step == 2 && m % 2 == 0);
	if (!fast) {
		uint32_t cur = start;
		for (uint32_t k = 0; k < count; k++) {
			if (usable(p, req, base + cur)) {
				*idx = base + cur;
				return k;
			}
			cur = (uint32_t)(((uint64_t)cur + step) % m);
		}
		return -1;
	}
	/* Bitmap words hold absolute indexes, so the parity to keep is that of base + start. */
	int parity = step == 2 ? (int)((base + start) & 1) : -1;
	/*
	 * The sequence covers [start, m) then wraps to [0, start), both offset
	 * by base; neither span goes past the count-th position.
	 */
	uint64_t before_wrap = (m - start + step - 1) / step;
	uint64_t reach = (uint64_t)start + ((count < before_wrap ? count : before_wrap) - 1) * step + 1;
	uint32_t found = scan_span(p, req, &v, base + start, base + (uint32_t)reach, parity);
	uint64_t k;
	if (found != UINT32_MAX) {
		k = (found - base - start) / step;
	} else {
		if (count <= before_wrap)
			return -1;
		/* After the wrap the walk starts at 0, or with step 2 (m even) at start's parity. */
		uint64_t after = (step == 2 ? start & 1 : 0) + (count - before_wrap - 1) * step + 1;
		found = scan_span(p, req, &v, base, base + (after < start ? (uint32_t)after : start), parity);
		if (found == UINT32_MAX)
			return -1;
		k = before_wrap + (found - base) / step;
	}
	if (k >= count)
		return -1;
	*idx = found;
	return (int64_t)k;
}

/* ---- the probe functions, told to a narrator when one listens (narrate.h) ---- */

bool ps_pool_usable(const struct ps_pool *p, const struct ps_request *req, uint32_t idx)
{
	bool ok = usable(p, req, idx);
	if (PS_NARRATING(p))
		ps_narrate_walk(p->narrator, p, req,
				&(struct ps_walk){ .base = idx, .m = 1, .step = 1, .count = 1, .found = ok ? 0 : -1 });
	return ok;
}

uint32_t ps_pool_first(const struct ps_pool *p, const struct ps_request *req, uint32_t from,
		       uint32_t to, int parity)
{
	uint32_t found = first_usable(p, req, pair_get(p, req->addr, req->dst), from, to, parity);
	if (PS_NARRATING(p)) {
		to = to < p->n ? to : p->n;
		from += parity >= 0 && (int)(from & 1) != parity;
		uint32_t step = parity < 0 ? 1 : 2, m = to > from ? to - from : 0;
		struct ps_walk w = { .base = from, .m = m, .step = step, .count = (m + step - 1) / step,
				     .found = found == UINT32_MAX ? -1 : (int64_t)((found - from) / step) };
		ps_narrate_walk(p->narrator, p, req, &w);
	}
	return found;
}

bool ps_pool_free(const struct ps_pool *p, const struct ps_request *req, uint32_t idx)
{
	return idx < p->n && plainly_free(p, req, pair_get(p, req->addr, req->dst), idx);
}

int64_t ps_pool_scan_at(const struct ps_pool *p, const struct ps_request *req, uint32_t base,
			uint32_t start, uint32_t m, uint32_t step, uint32_t count, uint32_t *idx)
{
	int64_t k = scan_at(p, req, base, start, m, step, count, idx);
	if (PS_NARRATING(p) && m > 0 && start < m)
		ps_narrate_walk(p->narrator, p, req,
				&(struct ps_walk){ .base = base, .start = start, .m = m, .step = step,
						   .count = count, .found = k });
	return k;
}

int64_t ps_pool_scan(const struct ps_pool *p, const struct ps_request *req, uint32_t start,
		     uint32_t m, uint32_t step, uint32_t count, uint32_t *idx)
{
	return ps_pool_scan_at(p, req, 0, start, m, step, count, idx);
}

/* ---- bookkeeping ---- */

/*
 * An exclusive holder came to or left (addr, idx) while other sockets sit
 * there: the pairs that use idx count it as their own loss, or stop to.
 * Never on the simulator's paths, where an exclusive socket is alone on its
 * port; kept so that the counts stay exact whatever the caller does.
 */
static void shift_own(struct ps_pool *p, uint32_t addr, uint32_t idx, int delta)
{
	for (uint32_t i = 0; i < p->npairs; i++) {
		struct ps_pair *pr = &p->pairs[i];
		if (pr->count && pr->key / p->ndsts == addr && bit(pr->used, idx))
			pr->own += (uint32_t)delta;
	}
}

/* Makes the pair's record bitmaps on its first connection that may be taken over. */
static int record(struct ps_pool *p, struct ps_pair *pr, uint32_t addr, uint32_t idx, uint32_t dst,
		  uint32_t conn)
{
	if (!pr->rec && !(pr->rec = calloc(2 * (size_t)p->words, sizeof(uint64_t))))
		return -1;
	struct ps_map_slot *t = ps_map_put(&p->tuples, tuple_key(addr, idx, dst));
	if (!t)
		return -1;
	t->v[0] = conn;
	set_bit(pr->rec, idx);
	return 0;
}

/* A bind0 socket comes to (addr, idx): the exclusive bit and the counts it moves. */
static void hold_exclusive(struct ps_pool *p, uint32_t addr, uint32_t idx)
{
	uint64_t *excl = p->excl + (size_t)addr * p->words;
	if (bit(excl, idx))
		return;
	set_bit(excl, idx);
	if (!bit(p->reserved, idx)) {
		p->excl_ports[addr]++;
		if (ps_pool_users(p, addr, idx))
			shift_own(p, addr, idx, -1);
	}
}

/* The last bind0 socket left (addr, idx). */
static void drop_exclusive(struct ps_pool *p, uint32_t addr, uint32_t idx)
{
	uint64_t *excl = p->excl + (size_t)addr * p->words;
	if (!bit(excl, idx))
		return;
	clear_bit(excl, idx);
	if (!bit(p->reserved, idx)) {
		p->excl_ports[addr]--;
		if (ps_pool_users(p, addr, idx))
			shift_own(p, addr, idx, +1);
	}
}

/*
 * Is (addr, idx) lost to every destination already, reserved or held by an
 * exclusive socket? Then a pair that uses it does not count it as its own.
 */
static bool lost_to_all(const struct ps_pool *p, uint32_t addr, uint32_t idx)
{
	uint32_t w = idx >> 6;
	return ((p->reserved[w] | p->excl[(size_t)addr * p->words + w]) >> (idx & 63)) & 1;
}

/* The first socket came to (addr, idx). Out of line: see ps_pool_add. */
__attribute__((noinline)) static void port_taken(struct ps_pool *p, uint32_t addr, uint32_t idx)
{
	set_noted(p, any_of(p, addr), idx);
	p->ports_in_use++;
	p->busy_ports[addr] += !bit(p->reserved, idx);
}

/* A socket comes to (addr, idx) toward the pair's destination: bits and counts. */
static void count_in(struct ps_pool *p, struct ps_pair *pr, uint32_t addr, uint32_t idx)
{
	if (!bit(pr->used, idx)) {
		set_noted(p, pr->used, idx);
		pr->own += !lost_to_all(p, addr, idx);
	}
	pr->count++;
	p->addr_sockets[addr]++;
	if (p->users[(size_t)addr * p->n + idx]++ == 0)
		port_taken(p, addr, idx);
}

/* ps_pool_add for a new pair, a 4-tuple to record or an exclusive socket. */
__attribute__((noinline)) static int add_with_extras(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst,
						     uint32_t conn, bool exclusive)
{
	struct ps_pair *pr = pair_make(p, addr, dst);
	if (!pr)
		return -1;
	if (conn != PS_NO_CONN && record(p, pr, addr, idx, dst, conn) != 0) {
		if (pr->count == 0)
			pair_release(p, addr, dst);
		return -1;
	}
	if (exclusive)
		hold_exclusive(p, addr, idx);
	count_in(p, pr, addr, idx);
	return 0;
}

int ps_pool_add(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst, uint32_t conn,
		bool exclusive)
{
	/*
	 * Most sockets join a pair that exists, with nothing to record, on a
	 * port that other destinations use already. That path calls nothing
	 * before its end, so it needs no registers saved: what it rarely does
	 * besides lives in functions of its own.
	 */
	uint32_t pi = pair_index(p, addr, dst);
	if (pi == NO_PAIR || conn != PS_NO_CONN || exclusive)
		return add_with_extras(p, addr, idx, dst, conn, exclusive);
	count_in(p, &p->pairs[pi], addr, idx);
	return 0;
}

void ps_pool_enter_time_wait(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst,
			     ps_time now)
{
	uint32_t pi = pair_index(p, addr, dst);
	if (pi == NO_PAIR)
		return;
	struct ps_pair *pr = &p->pairs[pi];
	/* Only a recorded 4-tuple can be taken over; for the others the in-use bit says it all. */
	if (!pr->rec || !bit(pr->rec, idx))
		return;
	struct ps_map_slot *s = ps_map_get(&p->tuples, tuple_key(addr, idx, dst));
	s->v[0] |= IN_TW;
	s->v[1] = now;
	set_bit(tw_bits(p, pr), idx);
}

void ps_pool_remove(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst, bool exclusive)
{
	uint32_t pi = pair_index(p, addr, dst);
	if (pi == NO_PAIR || !bit(p->pairs[pi].used, idx))
		return;
	struct ps_pair *pr = &p->pairs[pi];
	if (pr->rec && bit(pr->rec, idx)) {
		ps_map_del(&p->tuples, ps_map_get(&p->tuples, tuple_key(addr, idx, dst)));
		clear_bit(pr->rec, idx);
		clear_bit(tw_bits(p, pr), idx);
	}
	clear_noted(p, pr->used, idx);
	pr->own -= !lost_to_all(p, addr, idx);
	if (--pr->count == 0)
		pair_release(p, addr, dst);
	p->addr_sockets[addr]--;
	if (--p->users[(size_t)addr * p->n + idx] == 0) {
		clear_noted(p, any_of(p, addr), idx);
		p->ports_in_use--;
		p->busy_ports[addr] -= !bit(p->reserved, idx);
	}
	if (exclusive)
		drop_exclusive(p, addr, idx);
}

void ps_pool_prefetch(const struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst)
{
	uint32_t pi = pair_index(p, addr, dst);
	if (pi != NO_PAIR)
		__builtin_prefetch(&p->pairs[pi].used[idx >> 6], 1);
	__builtin_prefetch(&p->users[(size_t)addr * p->n + idx], 1);
}

uint32_t ps_pool_users(const struct ps_pool *p, uint32_t addr, uint32_t idx)
{
	return p->users[(size_t)addr * p->n + idx];
}

uint32_t ps_pool_holder(const struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst)
{
	if (p->tuples.len == 0)
		return PS_NO_CONN;
	const struct ps_map_slot *s = ps_map_get(&p->tuples, tuple_key(addr, idx, dst));
	return s ? (uint32_t)s->v[0] : PS_NO_CONN;
}

uint32_t ps_pool_free_tightest(const struct ps_pool *p)
{
	/* An address or pair with no socket has every unreserved port free. */
	const uint32_t left = p->n - p->reserved_in_range;
	uint32_t best = left;
	for (uint32_t i = 0; i < p->npairs && p->unique == PS_UNIQUE_4TUPLE; i++) {
		const struct ps_pair *pr = &p->pairs[i];
		if (pr->count == 0)
			continue;
		uint32_t f = left - p->excl_ports[pr->key / p->ndsts] - pr->own;
		best = f < best ? f : best;
	}
	for (uint32_t a = 0; a < p->naddrs; a++) {
		if (p->addr_sockets[a] == 0)
			continue;
		/* Under the 4-tuple rule a destination without a pair still loses the exclusive ports. */
		if (p->unique == PS_UNIQUE_4TUPLE && p->addr_pairs[a] >= p->ndsts)
			continue;
		uint32_t f = left - (p->unique == PS_UNIQUE_PORT ? p->busy_ports[a] : p->excl_ports[a]);
		best = f < best ? f : best;
	}
	return best;
}

enum ps_why ps_pool_why(const struct ps_pool *p, const struct ps_request *req, uint32_t idx)
{
	if (idx >= p->n)
		return PS_WHY_OUTSIDE;
	if (bit(p->reserved, idx))
		return PS_WHY_RESERVED;
	if (bit(p->excl + (size_t)req->addr * p->words, idx))
		return PS_WHY_EXCLUSIVE;
	if (!four_tuple(p, req))
		return bit(any_of(p, req->addr), idx) ? PS_WHY_PORT_BUSY : PS_WHY_USABLE;
	const struct ps_pair *pr = pair_get(p, req->addr, req->dst);
	if (!pr || !bit(pr->used, idx))
		return PS_WHY_USABLE;
	if (req->tw_takeover && pr->rec && bit(tw_bits(p, pr), idx))
		return tw_old_enough(p, req, idx) ? PS_WHY_USABLE : PS_WHY_TW_YOUNG;
	return PS_WHY_TUPLE_BUSY;
}
