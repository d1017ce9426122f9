#include "portsim/nat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

static uint64_t endpoint_key(uint32_t ip, uint16_t port)
{
	return ((uint64_t)ip << 16) | port;
}

int ps_nat_init(struct ps_nat *nat, const struct ps_nat_config *cfg, const struct ps_nat_ops *ops,
		char *err, size_t size)
{
	memset(nat, 0, sizeof(*nat));
	nat->cfg = *cfg;
	nat->ops = ops;
	nat->free_map = NONE;
	nat->n = (uint32_t)cfg->hi - cfg->lo + 1;
	struct ps_pool_config pc = {
		.lo = cfg->lo, .hi = cfg->hi, .naddrs = cfg->naddrs, .ndsts = cfg->ndsts,
		.unique = PS_UNIQUE_4TUPLE,
	};
	nat->dst_count = calloc((size_t)cfg->naddrs * cfg->ndsts, sizeof(uint32_t));
	if (!nat->dst_count || ps_pool_init(&nat->pool, &pc) != 0 || ps_map_init(&nat->by_endpoint, 1024) != 0) {
		snprintf(err, size, "cannot set up the NAT's pool (%u addresses, ports %u-%u): out of memory",
			 cfg->naddrs, cfg->lo, cfg->hi);
		ps_nat_fini(nat);
		return -1;
	}
	nat->state = calloc(1, ops->state_size ? ops->state_size : 1);
	if (!nat->state) {
		snprintf(err, size, "out of memory");
		ps_nat_fini(nat);
		return -1;
	}
	struct ps_rng secret;
	ps_rng_init(&secret, cfg->seed, PS_STREAM_SECRET, 1000);
	nat->key = ps_rng_next(&secret);
	ps_rng_init(&nat->rng, cfg->seed, PS_STREAM_ALLOCATOR, 1000);
	ps_rng_init(&nat->cpu_rng, cfg->seed, PS_STREAM_ALLOCATOR, 2000);
	if (ops->init(nat->state, nat) != 0 || ps_nat_counts_init(nat) != 0) {
		snprintf(err, size, "cannot set up NAT allocator %s: its parameters do not fit the port range "
			 "(e.g. block_size or sharing_ratio), or out of memory", ops->name);
		ps_nat_fini(nat);
		return -1;
	}
	return 0;
}

void ps_nat_fini(struct ps_nat *nat)
{
	if (nat->state && nat->ops && nat->ops->fini)
		nat->ops->fini(nat->state);
	free(nat->state);
	ps_nat_counts_fini(nat);
	ps_map_fini(&nat->by_endpoint);
	free(nat->dst_count);
	free(nat->maps);
	free(nat->pending);
	ps_pool_fini(&nat->pool);
	memset(nat, 0, sizeof(*nat));
}

/* The pool request that states the mapping rule for req on external address addr. */
static struct ps_request pool_request(const struct ps_nat *nat, const struct ps_nat_request *req,
				      uint32_t addr)
{
	return (struct ps_request){
		.mode = nat->cfg.mapping == PS_NAT_ENDPOINT_INDEPENDENT ? PS_MODE_BIND0 : PS_MODE_CONNECT,
		.addr = addr, .dst = req->dst, .now = req->now,
	};
}

static bool under_limit(const struct ps_nat *nat, uint32_t addr, uint32_t dst)
{
	return !nat->cfg.per_address_limit ||
	       nat->dst_count[(size_t)addr * nat->cfg.ndsts + dst] < nat->cfg.per_address_limit;
}

bool ps_nat_usable(const struct ps_nat *nat, const struct ps_nat_request *req, uint32_t addr,
		   uint32_t idx)
{
	struct ps_request pr = pool_request(nat, req, addr);
	return under_limit(nat, addr, req->dst) && ps_pool_usable(&nat->pool, &pr, idx);
}

int64_t ps_nat_scan(const struct ps_nat *nat, const struct ps_nat_request *req, uint32_t addr,
		    uint32_t base, uint32_t start, uint32_t m, uint32_t step, uint32_t count,
		    uint32_t *idx)
{
	if (!under_limit(nat, addr, req->dst))
		return -1;
	struct ps_request pr = pool_request(nat, req, addr);
	return ps_pool_scan_at(&nat->pool, &pr, base, start, m, step, count, idx);
}

uint32_t ps_nat_hash_addr(const struct ps_nat *nat, const struct ps_nat_request *req, bool source_only)
{
	if (nat->cfg.naddrs == 1)
		return 0;
	const struct ps_endpoint *d = &nat->cfg.dsts[req->dst];
	uint64_t h = ps_mix64(nat->key, req->inside_ip, source_only ? 0 : d->ip, source_only ? 0 : d->port);
	return (uint32_t)(h % nat->cfg.naddrs);
}

/* The peaks of live and lingering mappings, after either moved up. */
static void note_peaks(struct ps_nat *nat)
{
	uint64_t live = nat->live_maps - nat->lingering_maps;
	if (live > nat->peak_live)
		nat->peak_live = live;
	if (nat->lingering_maps > nat->peak_lingering)
		nat->peak_lingering = nat->lingering_maps;
}

static uint32_t map_alloc(struct ps_nat *nat)
{
	if (nat->free_map != NONE) {
		uint32_t i = nat->free_map;
		nat->free_map = nat->maps[i].next_free;
		return i;
	}
	if (nat->nmaps == nat->maps_cap) {
		uint32_t cap = nat->maps_cap ? nat->maps_cap * 2 : 1024;
		struct ps_nat_map *m = realloc(nat->maps, (size_t)cap * sizeof(*m));
		if (!m)
			return NONE;
		nat->maps = m;
		nat->maps_cap = cap;
	}
	nat->maps[nat->nmaps].gen = 0;
	return nat->nmaps++;
}

static bool independent(const struct ps_nat *nat)
{
	return nat->cfg.mapping == PS_NAT_ENDPOINT_INDEPENDENT;
}

/* Lets the external port go: pool, counters, allocator, the endpoint index. */
static void map_free(struct ps_nat *nat, uint32_t i)
{
	struct ps_nat_map *m = &nat->maps[i];
	ps_pool_remove(&nat->pool, m->addr, m->idx, m->dst, independent(nat));
	nat->dst_count[(size_t)m->addr * nat->cfg.ndsts + m->dst]--;
	ps_nat_counts_release(nat, m, ps_pool_users(&nat->pool, m->addr, m->idx) == 0);
	nat->live_maps--;
	nat->lingering_maps -= m->lingering;
	struct ps_map_slot *s = ps_map_get(&nat->by_endpoint, endpoint_key(m->inside_ip, m->inside_port));
	if (s && s->v[0] == i)
		ps_map_del(&nat->by_endpoint, s);
	if (nat->ops->release && ps_pool_users(&nat->pool, m->addr, m->idx) == 0)
		nat->ops->release(nat->state, nat, m->addr, m->idx);
	m->gen++;
	m->lingering = false;
	m->next_free = nat->free_map;
	nat->free_map = i;
}

static enum ps_err nat_open(struct ps_nat *nat, const struct ps_nat_request *req, uint32_t *map)
{
	uint64_t key = endpoint_key(req->inside_ip, req->inside_port);
	struct ps_map_slot *s = ps_map_get(&nat->by_endpoint, key);
	/*
	 * Endpoint-independent: one external port per inside endpoint, whatever
	 * the destination. Endpoint-dependent: a SYN on a flow whose mapping still
	 * lingers revives it, as conntrack re-opens a TIME_WAIT entry
	 * (tcp_packet in nf_conntrack_proto_tcp.c), keeping its external port.
	 */
	uint32_t old = s ? (uint32_t)s->v[0] : 0;
	if (s && (independent(nat) || (nat->maps[old].lingering && nat->maps[old].dst == req->dst))) {
		struct ps_nat_map *m = &nat->maps[old];
		if (m->lingering) {
			ps_pool_remove(&nat->pool, m->addr, m->idx, m->dst, independent(nat));
			if (ps_pool_add(&nat->pool, m->addr, m->idx, m->dst, PS_NO_CONN, independent(nat)) != 0)
				return PS_ERR_COUNT;
			m->lingering = false;
			nat->lingering_maps--;
			m->gen++;
		}
		m->refs++;
		note_peaks(nat);
		*map = old;
		return PS_OK;
	}
	uint32_t addr = 0, idx = 0, probes = 0;
	bool ok = nat->ops->pick(nat->state, nat, req, &addr, &idx, &probes);
	nat->probes_sum += probes;
	if (probes > nat->probes_max)
		nat->probes_max = probes;
	if (!ok) {
		if (nat->drops++ == 0)
			nat->first_drop = req->now;
		return nat->cfg.drop_err;
	}
	uint32_t i = map_alloc(nat);
	if (i == NONE || ps_pool_add(&nat->pool, addr, idx, req->dst, PS_NO_CONN, independent(nat)) != 0)
		return PS_ERR_COUNT;
	struct ps_nat_map *m = &nat->maps[i];
	m->addr = addr;
	m->idx = idx;
	m->host = req->host;
	m->inside_ip = req->inside_ip;
	m->inside_port = req->inside_port;
	m->dst = req->dst;
	m->refs = 1;
	m->lingering = false;
	nat->dst_count[(size_t)addr * nat->cfg.ndsts + req->dst]++;
	ps_nat_counts_take(nat, m, ps_pool_users(&nat->pool, addr, idx) == 1);
	nat->live_maps++;
	note_peaks(nat);
	struct ps_map_slot *e = ps_map_put(&nat->by_endpoint, key);
	if (!e)
		return PS_ERR_COUNT;
	e->v[0] = i;
	*map = i;
	return PS_OK;
}


/* ---- the conntrack race ---- */

/* Whether pending entry p is a choice another CPU has not confirmed yet (its mapping still in the pool, live). */
static bool pending_hidden(const struct ps_nat *nat, const struct ps_nat_pending *p, uint32_t cpu)
{
	const struct ps_nat_map *m = &nat->maps[p->map];
	return p->cpu != cpu && m->gen == p->gen && !m->lingering;
}

/* Takes the other CPUs' unconfirmed choices out of the pool (hide) or puts them back. */
static int pending_show(struct ps_nat *nat, uint32_t cpu, bool hide)
{
	for (uint32_t i = 0; i < nat->npending; i++) {
		const struct ps_nat_pending *p = &nat->pending[i];
		if (!pending_hidden(nat, p, cpu))
			continue;
		const struct ps_nat_map *m = &nat->maps[p->map];
		uint32_t *count = &nat->dst_count[(size_t)m->addr * nat->cfg.ndsts + m->dst];
		if (hide) {
			ps_pool_remove(&nat->pool, m->addr, m->idx, m->dst, independent(nat));
			(*count)--;
		} else {
			if (ps_pool_add(&nat->pool, m->addr, m->idx, m->dst, PS_NO_CONN, independent(nat)) != 0)
				return -1;
			(*count)++;
		}
	}
	return 0;
}

/* Whether the external tuple of mapping i is one a hidden choice holds: the later confirm fails. */
static bool clashes(const struct ps_nat *nat, uint32_t i, uint32_t cpu)
{
	const struct ps_nat_map *n = &nat->maps[i];
	for (uint32_t k = 0; k < nat->npending; k++) {
		const struct ps_nat_pending *p = &nat->pending[k];
		const struct ps_nat_map *m = &nat->maps[p->map];
		if (p->map != i && pending_hidden(nat, p, cpu) && m->addr == n->addr && m->idx == n->idx &&
		    (independent(nat) || m->dst == n->dst))
			return true;
	}
	return false;
}

static int pending_add(struct ps_nat *nat, uint32_t map, uint32_t cpu, ps_time until)
{
	if (nat->npending == nat->pending_cap) {
		uint32_t cap = nat->pending_cap ? 2 * nat->pending_cap : 16;
		struct ps_nat_pending *p = realloc(nat->pending, (size_t)cap * sizeof(*p));
		if (!p)
			return -1;
		nat->pending = p;
		nat->pending_cap = cap;
	}
	nat->pending[nat->npending++] = (struct ps_nat_pending){ map, nat->maps[map].gen, cpu, until };
	return 0;
}

enum ps_err ps_nat_open(struct ps_nat *nat, const struct ps_nat_request *req, uint32_t *map)
{
	nat->raced = false;
	if (nat->cfg.cpus <= 1 || nat->cfg.confirm_window == 0)
		return nat_open(nat, req, map);
	/* Confirmed by now: every CPU sees them. Entries expire in the order they were made. */
	uint32_t done = 0;
	while (done < nat->npending && nat->pending[done].until <= req->now)
		done++;
	if (done) {
		memmove(nat->pending, nat->pending + done, (nat->npending - done) * sizeof(*nat->pending));
		nat->npending -= done;
	}
	uint32_t cpu = (uint32_t)ps_rng_below(&nat->cpu_rng, nat->cfg.cpus);
	uint32_t maps_before = nat->nmaps, free_before = nat->free_map;
	if (pending_show(nat, cpu, true) != 0)
		return PS_ERR_COUNT;
	enum ps_err err = nat_open(nat, req, map);
	/* A new mapping (not a revived one) that took a hidden choice's tuple loses at confirm. */
	bool fresh = err == PS_OK && (nat->nmaps != maps_before || nat->free_map != free_before);
	if (fresh && clashes(nat, *map, cpu)) {
		map_free(nat, *map);
		nat->race_drops++;
		nat->raced = true;
		err = PS_NAT_INSERT_FAILED;
	}
	if (pending_show(nat, cpu, false) != 0)
		return PS_ERR_COUNT;
	if (fresh && !nat->raced && pending_add(nat, *map, cpu, req->now + nat->cfg.confirm_window) != 0)
		return PS_ERR_COUNT;
	return err;
}

ps_time ps_nat_close(struct ps_nat *nat, uint32_t i, bool udp, ps_time now)
{
	struct ps_nat_map *m = &nat->maps[i];
	if (--m->refs > 0)
		return PS_TIME_MAX;
	ps_time linger = (udp ? nat->cfg.udp_linger : nat->cfg.tcp_linger) + nat->cfg.hold;
	if (linger == 0) {
		map_free(nat, i);
		return PS_TIME_MAX;
	}
	m->lingering = true;
	nat->lingering_maps++;
	note_peaks(nat);
	ps_pool_enter_time_wait(&nat->pool, m->addr, m->idx, m->dst, now);
	return now + linger;
}

void ps_nat_expire(struct ps_nat *nat, uint32_t i, uint32_t gen, ps_time now)
{
	(void)now;
	if (i < nat->nmaps && nat->maps[i].gen == gen && nat->maps[i].lingering)
		map_free(nat, i);
}

uint32_t ps_nat_ext_ip(const struct ps_nat *nat, uint32_t map)
{
	return nat->cfg.first_ip + nat->maps[map].addr;
}

uint16_t ps_nat_ext_port(const struct ps_nat *nat, uint32_t map)
{
	return (uint16_t)(nat->cfg.lo + nat->maps[map].idx);
}

bool ps_nat_endpoint_map(const struct ps_nat *nat, uint32_t inside_ip, uint16_t inside_port,
			 uint32_t *addr, uint32_t *idx)
{
	const struct ps_map_slot *s = ps_map_get(&nat->by_endpoint, endpoint_key(inside_ip, inside_port));
	if (!s)
		return false;
	*addr = nat->maps[s->v[0]].addr;
	*idx = nat->maps[s->v[0]].idx;
	return true;
}
