#include "portsim/pool.h"
#include "portsim/narrate.h"

#include <stdlib.h>
#include <string.h>

#include "pool_internal.h"

const char *ps_unique_name(enum ps_unique u)
{
	return u == PS_UNIQUE_PORT ? "port" : "4tuple";
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

/* Is idx free for req by its bits alone (ps_pool_free)? pr is req's pair. */
static inline bool plainly_free(const struct ps_pool *p, const struct ps_request *req,
				const struct ps_pair *pr, uint32_t idx)
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
	const struct ps_map_slot *s = ps_map_get(&p->tuples, ps_tuple_key(req->addr, idx, req->dst));
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
