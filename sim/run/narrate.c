/*
 * The story of one attempt, from what the pool and the strategy tell while
 * they work (narrate.h): the strategy's own sentences as they come, every
 * candidate examined with why it was refused (runs of candidates refused
 * for one reason as one line, unless verbose), and the outcome as the
 * application sees it.
 */
#include "follow_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/host.h"
#include "portsim/nat.h"
#include "portsim/workload.h"

/* What refused a candidate, as the story groups them. */
enum cls { C_FREE, C_RESERVED, C_EXCLUSIVE, C_PORT, C_ESTABLISHED, C_TIME_WAIT, C_YOUNG, C_STRATEGY };

static const char *const cls_counted[] = {
	[C_FREE] = "free", [C_RESERVED] = "reserved", [C_EXCLUSIVE] = "bound exclusively",
	[C_PORT] = "held by another socket", [C_ESTABLISHED] = "in use toward this destination",
	[C_TIME_WAIT] = "in TIME_WAIT toward this destination", [C_YOUNG] = "in TIME_WAIT too young to take over",
	[C_STRATEGY] = "passed over by the strategy",
};

static void add(struct story *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct story *s, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(s->text ? s->text + s->len : NULL, s->text ? s->cap - s->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (s->text && s->len + (size_t)n < s->cap) {
			s->len += (size_t)n;
			return;
		}
		size_t cap = s->cap ? s->cap : 4096;
		while (cap <= s->len + (size_t)n)
			cap *= 2;
		char *t = realloc(s->text, cap);
		if (!t) {
			s->failed_memory = true;
			return;
		}
		s->text = t;
		s->cap = cap;
	}
}

/* 16384 as "16,384". */
static const char *thousands(char *buf, size_t size, uint64_t v)
{
	char raw[32];
	int n = snprintf(raw, sizeof(raw), "%" PRIu64, v), o = 0;
	for (int i = 0; i < n && o + 2 < (int)size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}

static const char *seconds(char *buf, size_t size, ps_time t)
{
	ps_time_format(buf, size, t);
	return buf;
}

static const char *mode_call(enum ps_mode m)
{
	switch (m) {
	case PS_MODE_BIND0:
		return "bind(port 0), then connect()";
	case PS_MODE_BIND_NO_PORT:
		return "connect() after bind() with IP_BIND_ADDRESS_NO_PORT";
	case PS_MODE_UDP:
		return "a UDP connect() (autobind)";
	default:
		return "connect()";
	}
}

static const char *err_sentence(enum ps_err e)
{
	switch (e) {
	case PS_EADDRNOTAVAIL:
		return "EADDRNOTAVAIL (\"Cannot assign requested address\")";
	case PS_EADDRINUSE:
		return "EADDRINUSE (\"Address already in use\")";
	case PS_EAGAIN:
		return "EAGAIN (\"Resource temporarily unavailable\")";
	case PS_WSAEADDRINUSE:
		return "WSAEADDRINUSE (10048, \"Only one usage of each socket address is normally permitted\")";
	case PS_WSAENOBUFS:
		return "WSAENOBUFS (10055)";
	default:
		return NULL;
	}
}

void ps_story_fini(struct story *s)
{
	free(s->text);
	memset(s, 0, sizeof(*s));
}

void ps_story_begin(struct ps_follow *f)
{
	struct story *s = &f->story;
	ps_story_fini(s);
	const struct ps_host *h = f->host;
	const struct ps_endpoint *d = &h->cfg.dsts[f->a->dst];
	const struct ps_alloc_ops *ops = h->inst[h->inst_of[f->a->mode]].ops;
	char src[16], dst[16], t[32], n1[32], n2[32], n3[32];
	ps_ip_text(src, sizeof(src), h->cfg.first_ip + f->a->addr);
	ps_ip_text(dst, sizeof(dst), d->ip);
	s->dst_ip = d->ip;
	s->dst_port = d->port;
	const struct ps_pool *pool = ps_host_pool(f->host, f->a->mode);
	add(s, "Attempt %" PRIu64 " at t = %s s: %s from %s to %s:%u.\n", f->serial, seconds(t, sizeof(t), f->now),
	    mode_call(f->a->mode), src, dst, d->port);
	add(s, "The host has %s connections established and %s in TIME_WAIT; its range is %u-%u (%s ports), "
	       "and the %s strategy chooses.\n",
	    thousands(n1, sizeof(n1), h->established), thousands(n2, sizeof(n2), h->time_wait), pool->lo, pool->hi,
	    thousands(n3, sizeof(n3), pool->n), ops->name);
}

static void flush_run(struct ps_follow *f);

void ps_story_say(struct ps_follow *f, const char *text)
{
	flush_run(f);
	add(&f->story, "  %s.\n", text);
}

/* Why idx was refused, with the holder's serial and time when known. */
static enum cls classify(const struct ps_follow *f, const struct ps_pool *pool, const struct ps_request *req,
			 const struct ps_walk *w, uint32_t idx, bool nat, const struct ps_map_slot **holder)
{
	*holder = NULL;
	if (w->refused)
		return C_STRATEGY;
	switch (ps_pool_why(pool, req, idx)) {
	case PS_WHY_USABLE:
		return C_FREE;
	case PS_WHY_RESERVED:
	case PS_WHY_OUTSIDE:
		return C_RESERVED;
	case PS_WHY_EXCLUSIVE:
		return C_EXCLUSIVE;
	case PS_WHY_PORT_BUSY:
		if (!nat)
			*holder = ps_follow_port_holder(f, req->addr, idx);
		return C_PORT;
	case PS_WHY_TW_YOUNG:
		if (!nat)
			*holder = ps_follow_holder(f, req->addr, idx, req->dst);
		return C_YOUNG;
	case PS_WHY_TUPLE_BUSY:
		break;
	}
	if (nat)
		return C_ESTABLISHED;
	*holder = ps_follow_holder(f, req->addr, idx, req->dst);
	return *holder && ((*holder)->v[0] & TRACK_TW) ? C_TIME_WAIT : C_ESTABLISHED;
}

/* The reason of a class, toward the attempt's destination. */
static void reason(const struct story *s, enum cls c, const char *refused, bool nat, char *buf, size_t size)
{
	char dst[16];
	ps_ip_text(dst, sizeof(dst), s->dst_ip);
	switch (c) {
	case C_RESERVED:
		snprintf(buf, size, "reserved (ip_local_reserved_ports)");
		break;
	case C_EXCLUSIVE:
		snprintf(buf, size, "bound exclusively by a bind(0) socket");
		break;
	case C_PORT:
		snprintf(buf, size, "held by another socket (this request needs the port to itself)");
		break;
	case C_ESTABLISHED:
		snprintf(buf, size, nat ? "mapped already toward this destination" : "in use toward %s:%u", dst,
			 s->dst_port);
		break;
	case C_TIME_WAIT:
		snprintf(buf, size, "in TIME_WAIT toward %s:%u", dst, s->dst_port);
		break;
	case C_YOUNG:
		snprintf(buf, size, "in TIME_WAIT toward %s:%u, too young to be taken over", dst, s->dst_port);
		break;
	case C_STRATEGY:
		snprintf(buf, size, "%s", refused ? refused : "passed over");
		break;
	default:
		snprintf(buf, size, "free");
	}
}

static void flush_run(struct ps_follow *f)
{
	struct story *s = &f->story;
	struct story_run *r = &s->run;
	if (r->count == 0)
		return;
	const struct ps_pool *pool = s->run_pool;
	bool nat = f->nat && pool == &f->nat->pool;
	char why[160], n[32], a[32], b[32];
	int classes = 0, only = 0;
	for (int c = 0; c < 8; c++)
		if (r->per[c]) {
			classes++;
			only = c;
		}
	const char *kind = r->stride == 2 ? (((pool->lo + r->first) & 1) ? "odd " : "even ")
			   : r->stride == 1 ? "consecutive " : "";
	if (r->count == 1) {
		reason(s, (enum cls)only, NULL, nat, why, sizeof(why));
		add(s, "  %sskipped port %u, %s", nat ? "NAT: " : "", pool->lo + r->first, why);
	} else {
		add(s, "  %sskipped %s %sports", nat ? "NAT: " : "", thousands(n, sizeof(n), r->count), kind);
		if (classes == 1) {
			reason(s, (enum cls)only, NULL, nat, why, sizeof(why));
			add(s, " %s", why);
		}
		if (r->stride == UINT32_MAX)
			add(s, ", between %u and %u", pool->lo + r->lo, pool->lo + r->hi);
		else
			add(s, ", %u%s%u", pool->lo + r->first, r->last < r->first ? " around the range to " : "-",
			    pool->lo + r->last);
		for (int c = 0, i = 0; classes > 1 && c < 8; c++) {
			if (!r->per[c])
				continue;
			reason(s, (enum cls)c, NULL, nat, why, sizeof(why));
			add(s, "%s%s %s", i++ ? ", " : ": ", thousands(n, sizeof(n), r->per[c]), why);
		}
	}
	if (r->timed)
		add(s, r->oldest == r->newest ? " (in TIME_WAIT since %s s)" : " (entered TIME_WAIT between %s s and %s s)",
		    seconds(a, sizeof(a), r->oldest), seconds(b, sizeof(b), r->newest));
	add(s, ".\n");
	memset(r, 0, sizeof(*r));
}

static void one_line(struct ps_follow *f, const struct ps_pool *pool, uint32_t idx, enum cls c, const char *refused,
		     const struct ps_map_slot *holder, bool nat)
{
	struct story *s = &f->story;
	char why[160], t[32];
	reason(s, c, refused, nat, why, sizeof(why));
	add(s, "  %sport %u: %s", nat ? "NAT: " : "", pool->lo + idx, why);
	if (holder)
		add(s, " since %s s (connection %" PRIu64 ")", seconds(t, sizeof(t), holder->v[1]),
		    (uint64_t)(holder->v[0] & ~TRACK_TW));
	add(s, ".\n");
}

void ps_story_walk(struct ps_follow *f, const struct ps_pool *pool, const struct ps_request *req,
		   const struct ps_walk *w)
{
	struct story *s = &f->story;
	bool nat = f->nat && pool == &f->nat->pool;
	uint32_t examined = ps_walk_examined(w);
	for (uint32_t k = 0; k < examined; k++) {
		uint32_t idx = ps_walk_at(w, k);
		const struct ps_map_slot *holder;
		enum cls c = (int64_t)k == w->found ? C_FREE : classify(f, pool, req, w, idx, nat, &holder);
		if ((int64_t)k == w->found)
			holder = NULL;
		if (nat)
			s->nat_candidates++;
		else {
			s->candidates++;
			s->refused[c]++;
		}
		if (c == C_FREE) {
			flush_run(f);
			add(s, "  %sport %u is free%s: chosen.\n", nat ? "NAT: external " : "", pool->lo + idx,
			    nat ? "" : " toward this destination");
			continue;
		}
		if (f->cfg.verbose || c == C_STRATEGY) {
			flush_run(f);
			one_line(f, pool, idx, c, w->refused, holder, nat);
			continue;
		}
		struct story_run *r = &s->run;
		uint32_t stride = (idx + pool->n - r->prev) % pool->n;
		/* A regular walk breaks where its stride does (a parity pass ends); an irregular one goes on. */
		if (r->count && (s->run_pool != pool || (r->count > 1 && r->stride <= 2 && stride != r->stride)))
			flush_run(f);
		if (r->count == 0) {
			*r = (struct story_run){ .count = 1, .first = idx, .last = idx, .prev = idx, .lo = idx,
						 .hi = idx };
			s->run_pool = pool;
		} else {
			r->stride = r->count == 1 ? stride : r->stride == stride ? stride : UINT32_MAX;
			r->count++;
			r->last = r->prev = idx;
			r->lo = idx < r->lo ? idx : r->lo;
			r->hi = idx > r->hi ? idx : r->hi;
		}
		r->per[c]++;
		if (holder && (c == C_TIME_WAIT || c == C_YOUNG)) {
			ps_time since = holder->v[1];
			r->oldest = !r->timed || since < r->oldest ? since : r->oldest;
			r->newest = !r->timed || since > r->newest ? since : r->newest;
			r->timed = true;
		}
	}
}

void ps_story_end(struct ps_follow *f, const struct ps_open_result *res, enum ps_err err, uint32_t map)
{
	flush_run(f);
	struct story *s = &f->story;
	char n[32], m[32];
	const char *call = mode_call(f->a->mode);
	if (res->err == PS_OK) {
		add(s, "Chosen: port %u, after %s candidate%s (the probes events.csv records: %s).\n", res->port,
		    thousands(n, sizeof(n), s->candidates), s->candidates == 1 ? "" : "s",
		    thousands(m, sizeof(m), res->probes));
		if (res->taken_over != PS_NO_CONN)
			add(s, "It takes over the TIME_WAIT entry of connection %" PRIu64 " on that 4-tuple (tw_reuse).\n",
			    res->taken_over_serial);
		if (f->nat && err == PS_OK && map != UINT32_MAX) {
			char ip[16];
			ps_ip_text(ip, sizeof(ip), ps_nat_ext_ip(f->nat, map));
			add(s, "The NAT translates it to external %s:%u.\n", ip, ps_nat_ext_port(f->nat, map));
		} else if (err != PS_OK) {
			add(s, "The NAT found no external port for it (%s): the SYN is dropped, the inside socket lets "
			       "port %u go, and the application sees a connection that never answers.\n",
			    ps_err_name(err), res->port);
		}
		return;
	}
	add(s, "Failed: every one of the %s candidates examined was refused (", thousands(n, sizeof(n), s->candidates));
	bool first = true;
	for (int c = C_RESERVED; c <= C_STRATEGY; c++) {
		if (!s->refused[c])
			continue;
		add(s, "%s%s %s", first ? "" : ", ", thousands(m, sizeof(m), s->refused[c]), cls_counted[c]);
		first = false;
	}
	add(s, "; the probes events.csv records: %s).\n", thousands(m, sizeof(m), res->probes));
	const char *e = err_sentence(res->err);
	add(s, "What the application sees: %s fails with %s.\n", call, e ? e : ps_err_name(res->err));
}
