#include "portsim/map.h"

#include <stdlib.h>

/* The splitmix64 finalizer: consecutive ports and destinations must not cluster. */
static size_t home(uint64_t key, size_t mask)
{
	key = (key ^ (key >> 30)) * 0xbf58476d1ce4e5b9ULL;
	key = (key ^ (key >> 27)) * 0x94d049bb133111ebULL;
	return (size_t)(key ^ (key >> 31)) & mask;
}

static size_t round_cap(size_t want)
{
	size_t cap = 16;
	while (cap < want)
		cap *= 2;
	return cap;
}

static struct ps_map_slot *empty_table(size_t cap)
{
	struct ps_map_slot *s = malloc(cap * sizeof(*s));
	for (size_t i = 0; s && i < cap; i++)
		s[i].key = PS_MAP_EMPTY;
	return s;
}

int ps_map_init(struct ps_map *m, size_t cap)
{
	m->cap = round_cap(cap);
	m->len = 0;
	m->slots = empty_table(m->cap);
	return m->slots ? 0 : -1;
}

void ps_map_fini(struct ps_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

/* The slot holding key, or the empty slot where it would go. */
static struct ps_map_slot *probe(struct ps_map_slot *slots, size_t cap, uint64_t key)
{
	size_t mask = cap - 1;
	size_t i = home(key, mask);
	while (slots[i].key != key && slots[i].key != PS_MAP_EMPTY)
		i = (i + 1) & mask;
	return &slots[i];
}

struct ps_map_slot *ps_map_get(const struct ps_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	struct ps_map_slot *s = probe(m->slots, m->cap, key);
	return s->key == key ? s : NULL;
}

/* Moves every entry keep() accepts (all, when keep is NULL) into a fresh table of cap slots. */
static int rehash(struct ps_map *m, size_t cap, bool (*keep)(const struct ps_map_slot *, void *), void *ctx)
{
	struct ps_map_slot *slots = empty_table(cap);
	if (!slots)
		return -1;
	size_t len = 0;
	for (size_t i = 0; i < m->cap; i++) {
		const struct ps_map_slot *s = &m->slots[i];
		if (s->key != PS_MAP_EMPTY && (!keep || keep(s, ctx))) {
			*probe(slots, cap, s->key) = *s;
			len++;
		}
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	m->len = len;
	return 0;
}

struct ps_map_slot *ps_map_put(struct ps_map *m, uint64_t key)
{
	struct ps_map_slot *s = ps_map_get(m, key);
	if (s)
		return s;
	/* Keep the load at most one half, so probe chains stay short even near a full pool. */
	if ((m->len + 1) * 2 > m->cap && rehash(m, round_cap(m->cap * 2), NULL, NULL) != 0)
		return NULL;
	s = probe(m->slots, m->cap, key);
	*s = (struct ps_map_slot){ .key = key };
	m->len++;
	return s;
}

void ps_map_del(struct ps_map *m, struct ps_map_slot *slot)
{
	size_t mask = m->cap - 1, i = (size_t)(slot - m->slots), j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (m->slots[j].key == PS_MAP_EMPTY)
			break;
		/* j's entry may fill the hole at i unless its home lies cyclically in (i, j]. */
		if (((j - home(m->slots[j].key, mask)) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = PS_MAP_EMPTY;
	m->len--;
}

int ps_map_filter(struct ps_map *m, bool (*keep)(const struct ps_map_slot *s, void *ctx), void *ctx)
{
	size_t live = 0;
	for (size_t i = 0; i < m->cap; i++)
		live += m->slots[i].key != PS_MAP_EMPTY && keep(&m->slots[i], ctx);
	return rehash(m, round_cap(4 * (live + 1)), keep, ctx);
}
