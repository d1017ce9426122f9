/*
 * The shared destination table: every endpoint any population names,
 * once, so two populations naming the same address and port talk to the
 * same server; and each population's map from its own destination
 * numbers into it. Tables of a million destinations are built in one
 * pass: the index is sized up front and never rehashed for counted ones.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/grow.h"
#include "portsim/input.h"
#include "portsim/scenario.h"

/* ---- a hash from 64-bit keys to 32-bit values ---- */

static size_t slot_of(uint64_t key, size_t cap)
{
	/* A full finaliser: keys differ only in the address bits, above a port that is often constant. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static bool index_find(const struct ps_index *ix, uint64_t key, uint32_t *val)
{
	if (!ix->cap)
		return false;
	for (size_t i = slot_of(key, ix->cap);; i = (i + 1) & (ix->cap - 1)) {
		if (ix->slots[i].key == 0)
			return false;
		if (ix->slots[i].key == key + 1) {
			*val = ix->slots[i].val;
			return true;
		}
	}
}

static void index_place(struct ps_index *ix, uint64_t key, uint32_t val)
{
	size_t i = slot_of(key, ix->cap);
	while (ix->slots[i].key != 0)
		i = (i + 1) & (ix->cap - 1);
	ix->slots[i] = (struct ps_index_slot){ .key = key + 1, .val = val };
	ix->n++;
}

static int index_reserve(struct ps_index *ix, size_t want)
{
	/* At most half full keeps linear probing short. */
	if (2 * want <= ix->cap)
		return 0;
	size_t cap = 64;
	while (cap < 2 * want)
		cap *= 2;
	struct ps_index grown = { .slots = calloc(cap, sizeof(struct ps_index_slot)), .cap = cap };
	if (!grown.slots)
		return -1;
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].key)
			index_place(&grown, ix->slots[i].key - 1, ix->slots[i].val);
	free(ix->slots);
	*ix = grown;
	return 0;
}

static int index_put(struct ps_index *ix, uint64_t key, uint32_t val)
{
	if (index_reserve(ix, ix->n + 1) != 0)
		return -1;
	index_place(ix, key, val);
	return 0;
}

static uint64_t endpoint_key(uint32_t ip, uint16_t port)
{
	return ((uint64_t)ip << 16) | port;
}

/* ---- the shared table ---- */

static int shared_add(struct ps_dst_table *t, struct ps_endpoint ep, uint32_t *out)
{
	uint64_t key = endpoint_key(ep.ip, ep.port);
	uint32_t at;
	if (index_find(&t->shared, key, &at)) {
		/* One population calling a server local is enough: the host sees one peer. */
		t->dsts[at].loopback |= ep.loopback;
		*out = at;
		return 0;
	}
	if (t->ndsts == UINT32_MAX)
		return -1;
	struct ps_endpoint *d = ps_room_for(t->dsts, t->ndsts, &t->cap, sizeof(*d), 64);
	if (!d)
		return -1;
	t->dsts = d;
	if (index_put(&t->shared, key, t->ndsts) != 0)
		return -1;
	t->dsts[t->ndsts] = ep;
	*out = t->ndsts++;
	return 0;
}

void ps_load_table_done(struct ps_dst_table *t)
{
	free(t->shared.slots);
	memset(&t->shared, 0, sizeof(t->shared));
}

/* ---- one population's destinations ---- */

/* Covers shared indices below want; a plain array because a hash here costs a cache miss per row. */
static int local_reserve(struct ps_pop_dsts *pd, size_t want)
{
	if (want <= pd->local_cap)
		return 0;
	size_t cap = pd->local_cap ? pd->local_cap : 64;
	while (cap < want)
		cap *= 2;
	uint32_t *l = realloc(pd->local, cap * sizeof(*l));
	if (!l)
		return -1;
	memset(l + pd->local_cap, 0xff, (cap - pd->local_cap) * sizeof(*l));
	pd->local = l;
	pd->local_cap = cap;
	return 0;
}

int ps_load_pop_endpoint(struct ps_dst_table *t, struct ps_pop_dsts *pd, struct ps_endpoint ep,
			 uint32_t *out)
{
	if (!pd->local) {
		if (local_reserve(pd, t->ndsts + 1) != 0)
			return -1;
		for (uint32_t k = 0; k < pd->n; k++)
			pd->local[pd->map[k]] = k;
	}
	ep.loopback |= pd->loopback;
	uint32_t shared;
	if (shared_add(t, ep, &shared) != 0 || local_reserve(pd, (size_t)shared + 1) != 0)
		return -1;
	if (pd->local[shared] != UINT32_MAX) {
		*out = pd->local[shared];
		return 0;
	}
	if (pd->n == pd->map_cap) {
		size_t cap = 2 * pd->map_cap;
		uint32_t *m = realloc(pd->map, cap * sizeof(*m));
		if (!m)
			return -1;
		pd->map = m;
		pd->map_cap = cap;
	}
	pd->map[pd->n] = shared;
	pd->local[shared] = pd->n;
	*out = pd->n++;
	return 0;
}

int ps_load_pop_destinations(struct ps_dst_table *t, struct ps_pop_dsts *pd, const char *list,
			     uint32_t count, char *err, size_t size)
{
	const char *bad = NULL;
	size_t n = ps_endpoints_parse(list, NULL, 0, &bad);
	if (n == (size_t)-1) {
		char shown[PS_EXCERPT_SIZE];
		snprintf(err, size,
			 "[workload.%s] destination_list: bad entry \"%s\"; expected a.b.c.d:port, ...",
			 pd->name, ps_excerpt(shown, sizeof(shown), bad, strcspn(bad, ","), PS_EXCERPT_CHARS));
		return -1;
	}
	struct ps_endpoint *parsed = NULL;
	if (n) {
		parsed = malloc(n * sizeof(*parsed));
		if (!parsed)
			goto oom;
		ps_endpoints_parse(list, parsed, n, &bad);
	} else {
		n = count ? count : 1;
	}
	pd->map_cap = n;
	pd->map = malloc(n * sizeof(*pd->map));
	if (!pd->map)
		goto oom;
	/* Size the shared index once for the counted case, so a million destinations rehash never. */
	if (index_reserve(&t->shared, t->shared.n + n) != 0)
		goto oom;
	uint32_t first = pd->loopback ? PS_LOOPBACK_FIRST_IP : PS_DST_FIRST_IP;
	for (size_t k = 0; k < n; k++) {
		struct ps_endpoint ep = parsed ? parsed[k]
					       : (struct ps_endpoint){ .ip = first + (uint32_t)k,
								       .port = PS_DST_PORT };
		ep.loopback |= pd->loopback;
		if (shared_add(t, ep, &pd->map[k]) != 0)
			goto oom;
	}
	pd->n = (uint32_t)n;
	free(parsed);
	return 0;
oom:
	free(parsed);
	snprintf(err, size, "[workload.%s]: out of memory for %zu destinations", pd->name, n);
	return -1;
}

void ps_load_pop_done(struct ps_pop_dsts *pd)
{
	free(pd->local);
	pd->local = NULL;
	pd->local_cap = 0;
}
