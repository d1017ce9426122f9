#include "portsim/pool.h"

#include <stdlib.h>
#include <string.h>

/* Bitmaps of one (address, destination) pair that holds entries. */
struct ps_pair {
	uint64_t *used;   /* live or TIME_WAIT toward this destination */
	uint64_t *tw;     /* the TIME_WAIT subset of used */
	uint32_t count;   /* entries; the pair is recycled at zero */
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
	p->naddrs = cfg->naddrs;
	p->ndsts = cfg->ndsts;
	p->unique = cfg->unique;
	p->reserved = calloc(p->words, sizeof(uint64_t));
	p->any = calloc((size_t)p->naddrs * p->words, sizeof(uint64_t));
	p->excl = calloc((size_t)p->naddrs * p->words, sizeof(uint64_t));
	p->users = calloc((size_t)p->naddrs * p->n, sizeof(uint32_t));
	p->pair_of = calloc((size_t)p->naddrs * p->ndsts, sizeof(uint32_t));
	p->addr_pairs = calloc(p->naddrs, sizeof(uint32_t));
	p->addr_sockets = calloc(p->naddrs, sizeof(uint64_t));
	p->free_pair = NO_PAIR;
	if (!p->reserved || !p->any || !p->excl || !p->users || !p->pair_of || !p->addr_pairs ||
	    !p->addr_sockets || ps_map_init(&p->tuples, 1024) != 0) {
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
		free(p->pairs[i].tw);
	}
	free(p->pairs);
	free(p->reserved);
	free(p->any);
	free(p->excl);
	free(p->users);
	free(p->pair_of);
	free(p->addr_pairs);
	free(p->addr_sockets);
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
		pr->used = calloc(p->words, sizeof(uint64_t));
		pr->tw = calloc(p->words, sizeof(uint64_t));
		if (!pr->used || !pr->tw) {
			free(pr->used);
			free(pr->tw);
			return NULL;
		}
		p->npairs++;
	}
	struct ps_pair *pr = &p->pairs[i];
	pr->count = 0;
	pr->key = addr * p->ndsts + dst;
	p->pair_of[(size_t)addr * p->ndsts + dst] = i + 1;
	p->addr_pairs[addr]++;
	return pr;
}

static void pair_release(struct ps_pool *p, uint32_t addr, uint32_t dst)
{
	uint32_t i = pair_index(p, addr, dst);
	/* An empty pair's bitmaps are all zero again, so a recycled pair needs no clearing. */
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
 * Word w of the candidate set: bits of ports that pass every test except
 * the TIME_WAIT age, which only entries in *tw_out still need.
 */
static uint64_t candidates(const struct ps_pool *p, const struct ps_request *req,
			   const struct ps_pair *pr, uint32_t w, uint64_t *tw_out)
{
	const uint64_t *res = p->reserved;
	size_t base = (size_t)req->addr * p->words;
	*tw_out = 0;
	if (!four_tuple(p, req))
		return ~(res[w] | p->any[base + w]);
	uint64_t busy = res[w] | p->excl[base + w];
	if (!pr)
		return ~busy;
	uint64_t used = pr->used[w];
	if (req->tw_takeover) {
		*tw_out = pr->tw[w] & ~busy;
		used &= ~pr->tw[w];
	}
	return ~(busy | used);
}

/* A TIME_WAIT entry may be taken over once it is old enough (tcp_twsk_unique). */
static bool tw_old_enough(const struct ps_pool *p, const struct ps_request *req, uint32_t idx)
{
	const struct ps_map_slot *s = ps_map_get(&p->tuples, tuple_key(req->addr, idx, req->dst));
	return s && (s->v[0] & IN_TW) && req->now >= s->v[1] && req->now - s->v[1] >= req->tw_min_age;
}

bool ps_pool_usable(const struct ps_pool *p, const struct ps_request *req, uint32_t idx)
{
	if (idx >= p->n)
		return false;
	uint64_t tw;
	uint64_t c = candidates(p, req, pair_get(p, req->addr, req->dst), idx >> 6, &tw);
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
			  const struct ps_pair *pr, uint32_t from, uint32_t to, int parity)
{
	const uint64_t pmask = parity < 0 ? ~0ULL : (parity ? 0xAAAAAAAAAAAAAAAAULL : 0x5555555555555555ULL);
	uint32_t i = from;
	while (i < to) {
		uint32_t w = i >> 6;
		uint64_t tw;
		uint64_t c = candidates(p, req, pr, w, &tw) & pmask;
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

uint32_t ps_pool_first(const struct ps_pool *p, const struct ps_request *req, uint32_t from,
		       uint32_t to, int parity)
{
	if (to > p->n)
		to = p->n;
	if (from >= to)
		return UINT32_MAX;
	return scan_span(p, req, pair_get(p, req->addr, req->dst), from, to, parity);
}

int64_t ps_pool_scan_at(const struct ps_pool *p, const struct ps_request *req, uint32_t base,
			uint32_t start, uint32_t m, uint32_t step, uint32_t count, uint32_t *idx)
{
	if (m == 0 || base > p->n || m > p->n - base || start >= m || step == 0 || count == 0)
		return -1;
	const struct ps_pair *pr = pair_get(p, req->addr, req->dst);
	bool fast = step == 1 || (step == 2 && m % 2 == 0);
	if (!fast) {
		uint32_t cur = start;
		for (uint32_t k = 0; k < count; k++) {
			if (ps_pool_usable(p, req, base + cur)) {
				*idx = base + cur;
				return k;
			}
			cur = (uint32_t)(((uint64_t)cur + step) % m);
		}
		return -1;
	}
	/* Bitmap words hold absolute indexes, so the parity to keep is that of base + start. */
	int parity = step == 2 ? (int)((base + start) & 1) : -1;
	/* The sequence covers [start, m) then wraps to [0, start), both offset by base. */
	uint32_t found = scan_span(p, req, pr, base + start, base + m, parity);
	uint64_t k;
	if (found != UINT32_MAX) {
		k = (found - base - start) / step;
	} else {
		found = scan_span(p, req, pr, base, base + start, parity);
		if (found == UINT32_MAX)
			return -1;
		/* Positions before the wrap: ceil((m - start) / step). */
		k = (m - start + step - 1) / step + (found - base) / step;
	}
	if (k >= count)
		return -1;
	*idx = found;
	return (int64_t)k;
}

int64_t ps_pool_scan(const struct ps_pool *p, const struct ps_request *req, uint32_t start,
		     uint32_t m, uint32_t step, uint32_t count, uint32_t *idx)
{
	return ps_pool_scan_at(p, req, 0, start, m, step, count, idx);
}

/* ---- bookkeeping ---- */

int ps_pool_add(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst, uint32_t conn,
		bool exclusive)
{
	struct ps_pair *pr = pair_make(p, addr, dst);
	if (!pr)
		return -1;
	struct ps_map_slot *t = ps_map_put(&p->tuples, tuple_key(addr, idx, dst));
	if (!t) {
		if (pr->count == 0)
			pair_release(p, addr, dst);
		return -1;
	}
	t->v[0] = conn;
	set_bit(pr->used, idx);
	pr->count++;
	p->addr_sockets[addr]++;
	size_t base = (size_t)addr * p->words;
	uint32_t *u = &p->users[(size_t)addr * p->n + idx];
	if ((*u)++ == 0) {
		set_bit(p->any + base, idx);
		p->ports_in_use++;
	}
	if (exclusive)
		set_bit(p->excl + base, idx);
	return 0;
}

void ps_pool_enter_time_wait(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst,
			     ps_time now)
{
	struct ps_map_slot *s = ps_map_get(&p->tuples, tuple_key(addr, idx, dst));
	uint32_t pi = pair_index(p, addr, dst);
	if (!s || pi == NO_PAIR)
		return;
	s->v[0] |= IN_TW;
	s->v[1] = now;
	set_bit(p->pairs[pi].tw, idx);
}

void ps_pool_remove(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst, bool exclusive)
{
	struct ps_map_slot *s = ps_map_get(&p->tuples, tuple_key(addr, idx, dst));
	uint32_t pi = pair_index(p, addr, dst);
	if (!s || pi == NO_PAIR)
		return;
	ps_map_del(&p->tuples, s);
	struct ps_pair *pr = &p->pairs[pi];
	clear_bit(pr->used, idx);
	clear_bit(pr->tw, idx);
	if (--pr->count == 0)
		pair_release(p, addr, dst);
	p->addr_sockets[addr]--;
	size_t base = (size_t)addr * p->words;
	uint32_t *u = &p->users[(size_t)addr * p->n + idx];
	if (--*u == 0) {
		clear_bit(p->any + base, idx);
		p->ports_in_use--;
	}
	if (exclusive)
		clear_bit(p->excl + base, idx);
}

uint32_t ps_pool_users(const struct ps_pool *p, uint32_t addr, uint32_t idx)
{
	return p->users[(size_t)addr * p->n + idx];
}

uint32_t ps_pool_holder(const struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst)
{
	const struct ps_map_slot *s = ps_map_get(&p->tuples, tuple_key(addr, idx, dst));
	return s ? (uint32_t)s->v[0] : PS_NO_CONN;
}

static uint32_t popcount_free(const struct ps_pool *p, const uint64_t *a, const uint64_t *b,
			      const uint64_t *c)
{
	uint32_t busy = 0;
	for (uint32_t w = 0; w < p->words; w++) {
		uint64_t x = p->reserved[w] | a[w] | (b ? b[w] : 0) | (c ? c[w] : 0);
		if (w == p->words - 1 && p->n % 64)
			x &= ~0ULL >> (64 - p->n % 64);
		busy += (uint32_t)__builtin_popcountll(x);
	}
	return p->n - busy;
}

uint32_t ps_pool_free_tightest(const struct ps_pool *p)
{
	/* An address or pair with no socket has every unreserved port free. */
	uint32_t best = p->n - p->reserved_in_range;
	for (uint32_t i = 0; i < p->npairs && p->unique == PS_UNIQUE_4TUPLE; i++) {
		const struct ps_pair *pr = &p->pairs[i];
		if (pr->count == 0)
			continue;
		uint32_t a = pr->key / p->ndsts;
		uint32_t f = popcount_free(p, p->excl + (size_t)a * p->words, pr->used, NULL);
		best = f < best ? f : best;
	}
	for (uint32_t a = 0; a < p->naddrs; a++) {
		if (p->addr_sockets[a] == 0)
			continue;
		const uint64_t *bm = p->unique == PS_UNIQUE_PORT ? p->any : p->excl;
		/* Under the 4-tuple rule a destination without a pair still loses the exclusive ports. */
		if (p->unique == PS_UNIQUE_4TUPLE && p->addr_pairs[a] >= p->ndsts)
			continue;
		uint32_t f = popcount_free(p, bm + (size_t)a * p->words, NULL, NULL);
		best = f < best ? f : best;
	}
	return best;
}
