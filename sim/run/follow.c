/*
 * The follower's hooks: which attempt gets a narrator, the 4-tuples'
 * holders (so a refusal can say since when), and port-P.csv, the life of
 * each followed port.
 */
#include "follow_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/host.h"
#include "portsim/nat.h"
#include "portsim/workload.h"

#define PORT_KEY_DST 0xFFFFFFFFu

const struct ps_map_slot *ps_follow_holder(const struct ps_follow *f, uint32_t addr, uint32_t idx, uint32_t dst)
{
	return ps_map_get(&f->tuples, ps_tuple_key(addr, idx, dst));
}

const struct ps_map_slot *ps_follow_port_holder(const struct ps_follow *f, uint32_t addr, uint32_t idx)
{
	const struct ps_map_slot *p = ps_map_get(&f->tuples, ps_tuple_key(addr, idx, PORT_KEY_DST));
	return p ? ps_map_get(&f->tuples, p->v[0]) : NULL;
}

static struct port_file *file_of(struct ps_follow *f, uint16_t port)
{
	for (size_t i = 0; i < f->cfg.nports; i++)
		if (f->files[i].port == port)
			return &f->files[i];
	return NULL;
}

/* Only explain needs every holder; following ports needs theirs alone. */
static bool tracked(struct ps_follow *f, uint16_t port)
{
	return f->cfg.target != PS_FOLLOW_NONE || file_of(f, port);
}

static void track(struct ps_follow *f, uint32_t addr, uint32_t idx, uint32_t dst, uint64_t v0, ps_time since)
{
	struct ps_map_slot *s = ps_map_put(&f->tuples, ps_tuple_key(addr, idx, dst));
	struct ps_map_slot *p = s ? ps_map_put(&f->tuples, ps_tuple_key(addr, idx, PORT_KEY_DST)) : NULL;
	if (!p)
		return; /* out of memory: the story loses a "since", the run goes on */
	s = ps_map_get(&f->tuples, ps_tuple_key(addr, idx, dst)); /* the put may have moved it */
	s->v[0] = v0;
	s->v[1] = since;
	p->v[0] = ps_tuple_key(addr, idx, dst);
}

static void untrack(struct ps_follow *f, uint32_t addr, uint32_t idx, uint32_t dst)
{
	struct ps_map_slot *s = ps_map_get(&f->tuples, ps_tuple_key(addr, idx, dst));
	if (s)
		ps_map_del(&f->tuples, s);
	struct ps_map_slot *p = ps_map_get(&f->tuples, ps_tuple_key(addr, idx, PORT_KEY_DST));
	if (p && p->v[0] == ps_tuple_key(addr, idx, dst))
		ps_map_del(&f->tuples, p);
}

static void row(struct port_file *pf, ps_time now, const char *event, uint64_t serial, uint32_t src_ip,
		const struct ps_endpoint *d, const char *reason)
{
	if (!pf->csv.f)
		return;
	char ts[32], src[16], dst[16];
	ps_time_format(ts, sizeof(ts), now);
	ps_ip_text(src, sizeof(src), src_ip);
	ps_ip_text(dst, sizeof(dst), d->ip);
	if (fprintf(pf->csv.f, "%s,%s,%" PRIu64 ",%s,%s,%u,%u,%u,%s\n", ts, event, serial, src, dst, d->port,
		    pf->established, pf->time_wait, reason) < 0)
		ps_csv_failed(&pf->csv);
}

/* The narrator's ear: every walk of the host's pools while the follower listens. */
static void on_walk(struct ps_narrator *n, const struct ps_pool *pool, const struct ps_request *req,
		    const struct ps_walk *w)
{
	struct ps_follow *f = (struct ps_follow *)n;
	bool host_pool = f->host && (pool == &f->host->pool || pool == &f->host->udp_pool);
	if (host_pool && f->cfg.target == PS_FOLLOW_PORT && !f->seen && f->cfg.port >= pool->lo &&
	    f->cfg.port <= pool->hi && ps_walk_position(w, f->cfg.port - pool->lo) >= 0)
		f->seen = true;
	for (size_t i = 0; host_pool && pool == &f->host->pool && i < f->cfg.nports; i++) {
		struct port_file *pf = &f->files[i];
		if (pf->port < pool->lo || pf->port > pool->hi)
			continue;
		uint32_t idx = pf->port - pool->lo;
		int64_t k = ps_walk_position(w, idx);
		if (k < 0 || k == w->found)
			continue;
		enum ps_why why = w->refused ? PS_WHY_USABLE : ps_pool_why(pool, req, idx);
		const char *reason = w->refused ? "excluded_by_strategy" : ps_why_name(why);
		const struct ps_map_slot *h = ps_follow_holder(f, req->addr, idx, req->dst);
		if (why == PS_WHY_TUPLE_BUSY && h && (h->v[0] & TRACK_TW))
			reason = "time_wait";
		row(pf, f->now, "skipped", f->serial, req->src_ip, &f->host->cfg.dsts[req->dst], reason);
	}
	if (f->telling)
		ps_story_walk(f, pool, req, w);
}

static void on_say(struct ps_narrator *n, const char *text)
{
	struct ps_follow *f = (struct ps_follow *)n;
	if (f->telling)
		ps_story_say(f, text);
}

struct ps_follow *ps_follow_new(const struct ps_follow_config *cfg)
{
	struct ps_follow *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->cfg = *cfg;
	if (f->cfg.nports > PS_FOLLOW_PORTS_MAX)
		f->cfg.nports = PS_FOLLOW_PORTS_MAX;
	for (size_t i = 0; i < f->cfg.nports; i++)
		f->files[i].port = cfg->ports[i];
	f->nr.say = on_say;
	f->nr.walk = on_walk;
	if (ps_map_init(&f->tuples, 1024) != 0) {
		free(f);
		return NULL;
	}
	return f;
}

void ps_follow_free(struct ps_follow *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->cfg.nports; i++)
		ps_csv_abort(&f->files[i].csv);
	ps_map_fini(&f->tuples);
	ps_story_fini(&f->story);
	free(f);
}

int ps_follow_open(struct ps_follow *f, const char *dir)
{
	for (size_t i = 0; i < f->cfg.nports; i++) {
		char name[32];
		snprintf(name, sizeof(name), "port-%u.csv", f->files[i].port);
		if (ps_csv_open(&f->files[i].csv, dir, name, PS_FOLLOW_HEADER) != 0)
			return -1;
	}
	return 0;
}

int ps_follow_commit(struct ps_follow *f)
{
	int r = 0, e = 0;
	for (size_t i = 0; i < f->cfg.nports; i++)
		if (ps_csv_commit(&f->files[i].csv) != 0 && r == 0) {
			r = -1;
			e = errno;
		}
	errno = e;
	return r;
}

uint64_t ps_follow_told(const struct ps_follow *f)
{
	return f->told;
}

const char *ps_follow_text(const struct ps_follow *f)
{
	return f->story.text;
}

uint16_t ps_follow_told_port(const struct ps_follow *f)
{
	return f->told_port;
}

uint32_t ps_follow_told_probes(const struct ps_follow *f)
{
	return f->told_probes;
}

uint32_t ps_follow_told_candidates(const struct ps_follow *f)
{
	return f->story.candidates;
}

/* ---- hooks ---- */

static void listen_to(struct ps_follow *f, struct ps_host *h, struct ps_nat *nat, bool on)
{
	struct ps_narrator *n = on ? &f->nr : NULL;
	h->pool.narrator = n;
	h->udp_pool.narrator = n;
	if (nat)
		nat->pool.narrator = f->telling ? n : NULL;
}

void ps_follow_attempt(struct ps_follow *f, struct ps_host *h, struct ps_nat *nat, const struct ps_attempt *a,
		       uint64_t serial, ps_time now)
{
	f->host = h;
	f->nat = nat;
	f->a = a;
	f->serial = serial;
	f->now = now;
	f->seen = false;
	f->telling = !f->told && ((f->cfg.target == PS_FOLLOW_ATTEMPT && serial == f->cfg.attempt) ||
				  (f->cfg.target == PS_FOLLOW_AT && now >= f->cfg.at));
	bool watch = f->telling || f->cfg.nports > 0 || (f->cfg.target == PS_FOLLOW_PORT && !f->told);
	if (f->telling)
		ps_story_begin(f);
	listen_to(f, h, nat, watch);
}

void ps_follow_result(struct ps_follow *f, struct ps_host *h, struct ps_nat *nat, const struct ps_attempt *a,
		      uint64_t serial, const struct ps_open_result *res, enum ps_err err, uint32_t map, ps_time now)
{
	listen_to(f, h, nat, false);
	const struct ps_endpoint *d = &h->cfg.dsts[a->dst];
	uint32_t src_ip = h->cfg.first_ip + a->addr;
	if (f->cfg.target == PS_FOLLOW_PORT && !f->told && (f->seen || (res->err == PS_OK && res->port == f->cfg.port)))
		f->told = serial;
	if (f->telling) {
		f->telling = false;
		f->told = serial;
		f->told_port = res->err == PS_OK ? res->port : 0;
		f->told_probes = res->probes;
		ps_story_end(f, res, err, map);
	}
	if (res->err != PS_OK)
		return;
	bool udp = a->mode == PS_MODE_UDP;
	const struct ps_conn *c = ps_host_conn(h, res->conn);
	struct port_file *pf = udp ? NULL : file_of(f, res->port);
	if (res->taken_over != PS_NO_CONN) {
		untrack(f, c->addr, c->idx, c->dst);
		if (pf) {
			pf->time_wait--;
			row(pf, now, "tw_takeover", res->taken_over_serial, src_ip, d, "");
		}
	}
	if (err != PS_OK) {
		/* The NAT dropped it: the inside socket let its port go at once. */
		if (pf) {
			row(pf, now, "chosen", serial, src_ip, d, "");
			row(pf, now, "close", serial, src_ip, d, ps_err_name(err));
		}
		return;
	}
	if (!udp && tracked(f, res->port))
		track(f, c->addr, c->idx, c->dst, serial, now);
	if (pf) {
		pf->established++;
		row(pf, now, "chosen", serial, src_ip, d, "");
	}
}

/* A followed port's row for connection conn's event, after its counts moved by est and tw. */
static void conn_row(struct ps_follow *f, const struct ps_host *h, uint32_t conn, ps_time now, const char *event,
		     int est, int tw)
{
	const struct ps_conn *c = ps_host_conn(h, conn);
	struct port_file *pf = file_of(f, ps_host_port(h, conn));
	if (!pf)
		return;
	pf->established += (uint32_t)est;
	pf->time_wait += (uint32_t)tw;
	row(pf, now, event, c->serial, h->cfg.first_ip + c->addr, &h->cfg.dsts[c->dst], "");
}

void ps_follow_close(struct ps_follow *f, const struct ps_host *h, uint32_t conn, ps_time now)
{
	const struct ps_conn *c = ps_host_conn(h, conn);
	if (c->mode == PS_MODE_UDP)
		return;
	untrack(f, c->addr, c->idx, c->dst);
	conn_row(f, h, conn, now, "close", -1, 0);
}

void ps_follow_time_wait(struct ps_follow *f, const struct ps_host *h, uint32_t conn, ps_time now)
{
	const struct ps_conn *c = ps_host_conn(h, conn);
	if (tracked(f, ps_host_port(h, conn)))
		track(f, c->addr, c->idx, c->dst, c->serial | TRACK_TW, now);
	conn_row(f, h, conn, now, "time_wait", 0, 1);
}

void ps_follow_tw_end(struct ps_follow *f, const struct ps_host *h, uint32_t conn, ps_time now)
{
	const struct ps_conn *c = ps_host_conn(h, conn);
	untrack(f, c->addr, c->idx, c->dst);
	conn_row(f, h, conn, now, "tw_end", 0, -1);
}
