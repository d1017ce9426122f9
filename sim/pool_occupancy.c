/* The pool's occupancy as sockets come and go: bitmaps, exact counts, records of 4-tuples (pool.h). */
#include "portsim/pool.h"

#include <stdlib.h>

#include "pool_internal.h"

/* ---- pairs ---- */

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
	struct ps_map_slot *t = ps_map_put(&p->tuples, ps_tuple_key(addr, idx, dst));
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
__attribute__((noinline)) static int add_with_extras(struct ps_pool *p, uint32_t addr, uint32_t idx,
						     uint32_t dst, uint32_t conn, bool exclusive)
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
	struct ps_map_slot *s = ps_map_get(&p->tuples, ps_tuple_key(addr, idx, dst));
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
		ps_map_del(&p->tuples, ps_map_get(&p->tuples, ps_tuple_key(addr, idx, dst)));
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
	const struct ps_map_slot *s = ps_map_get(&p->tuples, ps_tuple_key(addr, idx, dst));
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

