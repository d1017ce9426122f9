#include "portsim/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_SLOT UINT32_MAX

/* What a mode fails with when its strategy names no error of its own: Linux's errors. */
static const enum ps_err default_errors[PS_MODE_COUNT] = {
	[PS_MODE_CONNECT] = PS_EADDRNOTAVAIL,
	[PS_MODE_BIND0] = PS_EADDRINUSE,
	[PS_MODE_BIND_NO_PORT] = PS_EADDRNOTAVAIL,
	[PS_MODE_UDP] = PS_EAGAIN,
};

int ps_host_init(struct ps_host *h, const struct ps_host_config *cfg, char *err, size_t size)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	h->free_conn = NO_SLOT;
	for (unsigned m = 0; m < PS_MODE_COUNT; m++)
		for (unsigned lb = 0; lb < 2; lb++)
			h->takeover[m][lb] = cfg->unique == PS_UNIQUE_4TUPLE &&
					     (m == PS_MODE_CONNECT || m == PS_MODE_BIND_NO_PORT) &&
					     (cfg->tw_reuse == PS_TW_REUSE_ANY ||
					      (cfg->tw_reuse == PS_TW_REUSE_LOOPBACK && lb));
	struct ps_pool_config pc = {
		.lo = cfg->lo, .hi = cfg->hi, .reserved = cfg->reserved,
		.naddrs = cfg->naddrs, .ndsts = cfg->ndsts, .unique = cfg->unique,
	};
	/* Zeroed pages cost nothing until touched, so an unused UDP pool is nearly free. */
	if (ps_pool_init(&h->pool, &pc) != 0 || ps_pool_init(&h->udp_pool, &pc) != 0) {
		snprintf(err, size, "cannot set up the port pool (range %u-%u, %u addresses, %u destinations): "
			 "invalid or out of memory", cfg->lo, cfg->hi, cfg->naddrs, cfg->ndsts);
		ps_host_fini(h);
		return -1;
	}
	unsigned ninst = 0;
	for (unsigned m = 0; m < PS_MODE_COUNT; m++) {
		const struct ps_alloc_ops *ops = cfg->alloc[m];
		unsigned j;
		for (j = 0; j < ninst && h->inst[j].ops != ops; j++)
			;
		h->inst_of[m] = (uint8_t)j;
		if (j < ninst)
			continue;
		struct ps_alloc_ctx ctx = {
			.lo = cfg->lo, .hi = cfg->hi, .n = h->pool.n, .params = &h->cfg.params,
			.seed = cfg->seed, .instance = j,
		};
		h->inst[j].ops = ops;
		h->inst[j].state = calloc(1, ops->state_size ? ops->state_size : 1);
		ninst++;
		if (!h->inst[j].state || ops->init(h->inst[j].state, &ctx) != 0) {
			snprintf(err, size, "cannot initialise strategy %s: a parameter out of its range, or out of memory", ops->name);
			ps_host_fini(h);
			return -1;
		}
	}
	return 0;
}

void ps_host_fini(struct ps_host *h)
{
	for (unsigned j = 0; j < PS_MODE_COUNT; j++) {
		if (h->inst[j].state && h->inst[j].ops->fini)
			h->inst[j].ops->fini(h->inst[j].state);
		free(h->inst[j].state);
	}
	ps_pool_fini(&h->pool);
	ps_pool_fini(&h->udp_pool);
	free(h->conns);
	memset(h, 0, sizeof(*h));
}

static uint32_t conn_alloc(struct ps_host *h)
{
	if (h->free_conn != NO_SLOT) {
		uint32_t i = h->free_conn;
		h->free_conn = h->conns[i].next_free;
		return i;
	}
	if (h->nconns == h->conns_cap) {
		uint32_t cap = h->conns_cap ? h->conns_cap * 2 : 1024;
		struct ps_conn *c = realloc(h->conns, (size_t)cap * sizeof(*c));
		if (!c)
			return NO_SLOT;
		h->conns = c;
		h->conns_cap = cap;
	}
	h->conns[h->nconns].gen = 0;
	return h->nconns++;
}

/* Gives the slot back: events that still name it see a new generation. */
static void conn_free(struct ps_host *h, uint32_t id)
{
	struct ps_conn *c = &h->conns[id];
	c->state = PS_CONN_FREE;
	c->gen++;
	c->next_free = h->free_conn;
	h->free_conn = id;
}

/* The port goes back to the pool and the strategy. */
static void port_release(struct ps_host *h, enum ps_mode mode, uint32_t addr, uint32_t idx, uint32_t dst)
{
	ps_pool_remove(ps_host_pool(h, mode), addr, idx, dst, mode == PS_MODE_BIND0);
	const struct ps_alloc_inst *in = &h->inst[h->inst_of[mode]];
	if (in->ops->release)
		in->ops->release(in->state, idx);
}

/* Lets the port go for good: pool, strategy, arena. */
static void conn_release(struct ps_host *h, uint32_t id)
{
	struct ps_conn *c = &h->conns[id];
	port_release(h, c->mode, c->addr, c->idx, c->dst);
	if (c->state == PS_CONN_TIME_WAIT)
		h->time_wait--;
	else
		h->established--;
	conn_free(h, id);
}

/* The pool a socket of this mode draws from: UDP has a port space of its own. */
static const struct ps_pool *pool_of(const struct ps_host *h, enum ps_mode mode)
{
	return mode == PS_MODE_UDP ? &h->udp_pool : &h->pool;
}

/* Worked out once at init (h->takeover): every open and every close asks. */
static bool may_take_over(const struct ps_host *h, enum ps_mode mode, bool loopback)
{
	return h->takeover[mode][loopback];
}

int ps_host_open(struct ps_host *h, enum ps_mode mode, uint32_t addr, uint32_t dst, ps_time now,
		 uint64_t serial, uint32_t owner, struct ps_open_result *res)
{
	const struct ps_endpoint *d = &h->cfg.dsts[dst];
	struct ps_request req = {
		.mode = mode, .addr = addr, .src_ip = h->cfg.first_ip + addr, .dst = dst,
		.dst_ip = d->ip, .dst_port = d->port, .loopback = d->loopback,
		.tw_takeover = may_take_over(h, mode, d->loopback), .tw_min_age = h->cfg.tw_reuse_delay,
		.now = now, .choice = h->cfg.choice ? &h->cfg.choice[owner] : NULL,
	};
	const struct ps_alloc_inst *in = &h->inst[h->inst_of[mode]];
	struct ps_pool *pool = ps_host_pool(h, mode);
	struct ps_pick pick = in->ops->pick(in->state, pool, &req);
	memset(res, 0, sizeof(*res));
	res->probes = pick.probes;
	res->taken_over = PS_NO_CONN;
	if (pick.idx < 0) {
		enum ps_err e = in->ops->fail_err;
		res->err = e != PS_OK ? e : default_errors[mode];
		return 0;
	}
	uint32_t idx = (uint32_t)pick.idx;
	/* The pool offers a held 4-tuple only when its TIME_WAIT may be taken over. */
	uint32_t old = req.tw_takeover ? ps_pool_holder(pool, addr, idx, dst) : PS_NO_CONN;
	if (old != PS_NO_CONN) {
		res->taken_over = old;
		res->taken_over_serial = h->conns[old].serial;
		conn_release(h, old);
	}
	uint32_t id = conn_alloc(h);
	if (id == NO_SLOT)
		return -1;
	struct ps_conn *c = &h->conns[id];
	/* Only a connection whose TIME_WAIT a later request may take over needs its 4-tuple recorded. */
	uint32_t rec = req.tw_takeover ? id : PS_NO_CONN;
	if (ps_pool_add(pool, addr, idx, dst, rec, mode == PS_MODE_BIND0) != 0) {
		c->next_free = h->free_conn;
		h->free_conn = id;
		return -1;
	}
	c->serial = serial;
	c->addr = (uint16_t)addr;
	c->dst = dst;
	c->idx = (uint16_t)idx;
	c->owner = owner;
	c->mode = (uint8_t)mode;
	c->state = PS_CONN_ESTABLISHED;
	h->established++;
	res->conn = id;
	res->port = (uint16_t)(h->cfg.lo + idx);
	return 0;
}

/* Does closing conn, from this side or not, leave a TIME_WAIT? Only the side that sends the first FIN keeps one; UDP has none. */
static bool keeps_time_wait(const struct ps_host *h, const struct ps_conn *c, bool active)
{
	/* The setting first: most runs have it off, and then the destination's entry is not read. */
	bool local = h->cfg.no_local_time_wait && h->cfg.dsts[c->dst].loopback;
	return active && c->mode != PS_MODE_UDP && h->cfg.time_wait > 0 && !local;
}

bool ps_host_close(struct ps_host *h, uint32_t conn, ps_time now, bool active)
{
	struct ps_conn *c = &h->conns[conn];
	if (keeps_time_wait(h, c, active)) {
		c->state = PS_CONN_TIME_WAIT;
		ps_pool_enter_time_wait(ps_host_pool(h, c->mode), c->addr, c->idx, c->dst, now);
		h->established--;
		h->time_wait++;
		return true;
	}
	conn_release(h, conn);
	return false;
}

int ps_host_close_detach(struct ps_host *h, uint32_t conn, ps_time now, bool active, struct ps_tw *tw,
			 enum ps_mode *mode)
{
	struct ps_conn *c = &h->conns[conn];
	*mode = (enum ps_mode)c->mode;
	/* A 4-tuple a later request may take over is found through its slot, which must stay. */
	if (!keeps_time_wait(h, c, active) || may_take_over(h, *mode, h->cfg.dsts[c->dst].loopback))
		return ps_host_close(h, conn, now, active) ? 1 : 0;
	*tw = (struct ps_tw){ .dst = c->dst, .addr = c->addr, .idx = c->idx };
	h->established--;
	h->time_wait++;
	conn_free(h, conn);
	return 2;
}

void ps_host_tw_end(struct ps_host *h, const struct ps_tw *tw, enum ps_mode mode)
{
	port_release(h, mode, tw->addr, tw->idx, tw->dst);
	h->time_wait--;
}

void ps_host_open_ahead(const struct ps_host *h, enum ps_mode mode, uint32_t addr, uint32_t dst, bool near)
{
	const struct ps_alloc_inst *in = &h->inst[h->inst_of[mode]];
	if (in->ops->ahead)
		in->ops->ahead(in->state, pool_of(h, mode), addr, dst, near);
}

bool ps_host_looks_ahead(const struct ps_host *h)
{
	for (unsigned m = 0; m < PS_MODE_COUNT; m++)
		if (h->inst[h->inst_of[m]].ops->ahead)
			return true;
	return false;
}

void ps_host_tw_prefetch(const struct ps_host *h, const struct ps_tw *tw)
{
	ps_pool_prefetch(&h->pool, tw->addr, tw->idx, tw->dst);
}

bool ps_host_time_wait_end(struct ps_host *h, uint32_t conn, uint32_t gen)
{
	if (conn >= h->nconns || h->conns[conn].gen != gen || h->conns[conn].state != PS_CONN_TIME_WAIT)
		return false;
	conn_release(h, conn);
	return true;
}

const struct ps_conn *ps_host_conn(const struct ps_host *h, uint32_t conn)
{
	return &h->conns[conn];
}

struct ps_pool *ps_host_pool(struct ps_host *h, enum ps_mode mode)
{
	/* h is not const here, so neither is what pool_of found in it. */
	return (struct ps_pool *)pool_of(h, mode);
}

uint64_t ps_host_ports_in_use(const struct ps_host *h)
{
	return h->pool.ports_in_use + h->udp_pool.ports_in_use;
}

uint16_t ps_host_port(const struct ps_host *h, uint32_t conn)
{
	return (uint16_t)(h->cfg.lo + h->conns[conn].idx);
}

