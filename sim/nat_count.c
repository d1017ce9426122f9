/*
 * The NAT's exact counts for ps_nat_free_tightest: how full the fullest
 * (external address, destination), inside host and port block are, kept
 * as mappings take and release external ports, so that a sample reads
 * them instead of scanning ports. The largest of many counts that move by
 * one at a time is kept with a histogram of the counts: it rises with the
 * count that passes it and falls by one when its last holder falls.
 */
#include "portsim/nat.h"

#include <stdlib.h>
#include <string.h>

/* size counts 0..size-1, `all` of them at 0. 0 or -1 (memory). */
static int fullest_init(struct ps_nat_fullest *f, uint32_t size, uint32_t all)
{
	f->count = calloc(size, sizeof(*f->count));
	f->size = size;
	f->max = 0;
	if (!f->count)
		return -1;
	f->count[0] = all;
	return 0;
}

static void fullest_up(struct ps_nat_fullest *f, uint32_t from)
{
	if (!f->count || from + 1 >= f->size)
		return;
	f->count[from]--;
	f->count[from + 1]++;
	if (from + 1 > f->max)
		f->max = from + 1;
}

static void fullest_down(struct ps_nat_fullest *f, uint32_t from)
{
	if (!f->count || from == 0 || from >= f->size)
		return;
	f->count[from]--;
	f->count[from - 1]++;
	if (from == f->max && f->count[from] == 0)
		f->max = from - 1;
}

/* Whether the allocator gives each inside host ports of its own, and how many at most. */
static uint32_t host_cap(const struct ps_nat *nat)
{
	const struct ps_nat_config *c = &nat->cfg;
	if (!strcmp(nat->ops->name, "pba") && c->block_size) {
		uint64_t cap = (uint64_t)c->block_size * c->max_blocks;
		return cap < nat->n ? (uint32_t)cap : nat->n;
	}
	if (!strcmp(nat->ops->name, "deterministic") && c->sharing_ratio)
		return nat->n / c->sharing_ratio;
	return 0;
}

int ps_nat_counts_init(struct ps_nat *nat)
{
	struct ps_nat_counts *k = &nat->counts;
	const struct ps_nat_config *c = &nat->cfg;
	memset(k, 0, sizeof(*k));
	k->host_cap = host_cap(nat);
	if (c->per_address_limit &&
	    fullest_init(&k->pairs, nat->n + 2, c->naddrs * (c->ndsts ? c->ndsts : 1)) != 0)
		return -1;
	if (!k->host_cap)
		return 0;
	uint32_t inside = c->ninside ? c->ninside : 1;
	k->host_ports = calloc(inside, sizeof(*k->host_ports));
	if (!k->host_ports || fullest_init(&k->hosts, nat->n + 2, inside) != 0)
		return -1;
	if (!strcmp(nat->ops->name, "pba")) {
		k->block = c->block_size;
		k->nblocks = nat->n / c->block_size;
		k->block_ports = calloc((size_t)c->naddrs * (k->nblocks ? k->nblocks : 1), sizeof(*k->block_ports));
		if (!k->block_ports)
			return -1;
	}
	return 0;
}

void ps_nat_counts_fini(struct ps_nat *nat)
{
	struct ps_nat_counts *k = &nat->counts;
	free(k->host_ports);
	free(k->hosts.count);
	free(k->pairs.count);
	free(k->block_ports);
	memset(k, 0, sizeof(*k));
}

/* The pba block of an external port, or NULL for a port past the last whole block. */
static uint32_t *block_of(struct ps_nat_counts *k, uint32_t addr, uint32_t idx)
{
	if (!k->block_ports || idx / k->block >= k->nblocks)
		return NULL;
	return &k->block_ports[(size_t)addr * k->nblocks + idx / k->block];
}

void ps_nat_counts_take(struct ps_nat *nat, const struct ps_nat_map *m, bool fresh_port)
{
	struct ps_nat_counts *k = &nat->counts;
	if (k->pairs.count)
		fullest_up(&k->pairs, nat->dst_count[(size_t)m->addr * nat->cfg.ndsts + m->dst] - 1);
	if (!k->host_cap || !fresh_port)
		return;
	fullest_up(&k->hosts, k->host_ports[m->host]++);
	uint32_t *b = block_of(k, m->addr, m->idx);
	if (b && (*b)++ == 0)
		k->blocks_used++;
}

void ps_nat_counts_release(struct ps_nat *nat, const struct ps_nat_map *m, bool port_freed)
{
	struct ps_nat_counts *k = &nat->counts;
	if (k->pairs.count)
		fullest_down(&k->pairs, nat->dst_count[(size_t)m->addr * nat->cfg.ndsts + m->dst] + 1);
	if (!k->host_cap || !port_freed)
		return;
	fullest_down(&k->hosts, k->host_ports[m->host]--);
	uint32_t *b = block_of(k, m->addr, m->idx);
	if (b && --*b == 0)
		k->blocks_used--;
}

uint32_t ps_nat_pool_ports(const struct ps_nat *nat)
{
	const struct ps_nat_counts *k = &nat->counts;
	uint32_t all = k->host_cap ? k->host_cap : nat->n;
	uint32_t limit = nat->cfg.per_address_limit;
	return limit && limit < all ? limit : all;
}

uint32_t ps_nat_free_tightest(const struct ps_nat *nat)
{
	const struct ps_nat_counts *k = &nat->counts;
	uint32_t f;
	if (k->host_cap) {
		f = k->hosts.max < k->host_cap ? k->host_cap - k->hosts.max : 0;
		/* Every block taken: a host without one gets nothing. */
		if (k->block_ports && k->blocks_used >= nat->cfg.naddrs * k->nblocks && k->hosts.count[0] > 0)
			f = 0;
	} else {
		f = ps_pool_free_tightest(&nat->pool);
	}
	uint32_t limit = nat->cfg.per_address_limit;
	if (limit && k->pairs.count) {
		uint32_t left = k->pairs.max < limit ? limit - k->pairs.max : 0;
		f = left < f ? left : f;
	}
	return f;
}
