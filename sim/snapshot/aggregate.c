/*
 * One or two readings into pools. Which sockets draw from the ephemeral
 * pool: a TCP socket whose local port a listener holds was accepted (its
 * port is the service's); every other TCP socket was opened outward, and
 * those whose port lies in the range fill the pool of their (source,
 * destination) under the 4-tuple rule, of their source address under the
 * port rule. Between two readings a connection is the same one when its
 * 4-tuple (and, live, its inode) is; what changed says who closed: a
 * connection gone to TIME_WAIT (or FIN_WAIT) was closed here, one that
 * vanished or sits in CLOSE_WAIT was closed by the peer.
 */
#include "portsim/snapshot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/profile.h"
#include "portsim/bounds.h"

enum { F_NEW = 1, F_CLIENT = 2, F_SERVER = 4 };

/* An outgoing TCP socket in the range, in one of the readings. */
struct item {
	struct ps_sock_addr src, dst;
	uint16_t dport, lport;
	uint8_t state, reading, flags; /* reading: 0 before, 1 now */
	uint64_t inode;
};

static int by_tuple(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = ps_sock_addr_cmp(&x->src, &y->src);
	if (!c)
		c = ps_sock_addr_cmp(&x->dst, &y->dst);
	if (!c)
		c = (int)x->dport - (int)y->dport;
	if (!c)
		c = (int)x->lport - (int)y->lport;
	if (!c)
		c = (int)x->reading - (int)y->reading;
	return c;
}

static bool bit(const uint64_t *bm, unsigned p)
{
	return bm[p >> 6] >> (p & 63) & 1;
}

static const char *setting(const struct ps_profile *p, const char *key)
{
	for (const char *const *s = p->settings; s[0]; s += 2)
		if (!strcmp(s[0], key))
			return s[1];
	return NULL;
}

static bool closing_here(uint8_t st)
{
	return st == PS_SOCK_TIME_WAIT || st == PS_SOCK_FIN_WAIT1 || st == PS_SOCK_FIN_WAIT2 ||
	       st == PS_SOCK_CLOSING;
}

static bool closing_there(uint8_t st)
{
	return st == PS_SOCK_CLOSE_WAIT || st == PS_SOCK_LAST_ACK;
}

/* The outgoing in-range TCP sockets of r; counts what else there is into rep when count. */
static int collect(const struct ps_snapshot_reading *r, uint8_t reading, const uint64_t *listening,
		   struct ps_snapshot_report *rep, bool count, struct item **out, size_t *n)
{
	*out = malloc((r->socks.n + 1) * sizeof(**out));
	if (!*out)
		return -1;
	*n = 0;
	for (size_t i = 0; i < r->socks.n; i++) {
		const struct ps_sock *s = &r->socks.v[i];
		if (count)
			rep->sockets++;
		if (s->proto == PS_SOCK_UDP) {
			rep->udp += count;
			continue;
		}
		if (s->state == PS_SOCK_LISTEN) {
			rep->listening += count;
			continue;
		}
		if (bit(listening, s->lport)) {
			rep->accepted += count;
			continue;
		}
		rep->outgoing += count;
		if (s->lport < rep->lo || s->lport > rep->hi) {
			rep->outside_range += count;
			continue;
		}
		/* Bound but unconnected: the port is held for every destination, counted with the listeners. */
		if (s->rport == 0)
			continue;
		(*out)[(*n)++] = (struct item){ .src = s->local, .dst = s->remote, .dport = s->rport,
						.lport = s->lport, .state = s->state, .reading = reading,
						.inode = s->inode };
	}
	return 0;
}

/* Marks new connections and closes, comparing the readings' sorted items. */
static void mark_changes(struct item *before, size_t nb, struct item *now, size_t nn)
{
	for (size_t i = 0; i < nn; i++) {
		struct item key = now[i];
		key.reading = 0;
		struct item *m = bsearch(&key, before, nb, sizeof(*before), by_tuple);
		bool fresh = !m || (m->state == PS_SOCK_TIME_WAIT && now[i].state != PS_SOCK_TIME_WAIT) ||
			     (m->inode && now[i].inode && m->inode != now[i].inode);
		if (!fresh)
			continue;
		now[i].flags |= F_NEW;
		now[i].flags |= closing_here(now[i].state) ? F_CLIENT : closing_there(now[i].state) ? F_SERVER : 0;
	}
	for (size_t i = 0; i < nb; i++) {
		uint8_t was = before[i].state;
		if (was == PS_SOCK_TIME_WAIT)
			continue;
		struct item key = before[i];
		key.reading = 1;
		struct item *m = bsearch(&key, now, nn, sizeof(*now), by_tuple);
		if (m && !(m->flags & F_NEW)) {
			if (closing_here(m->state) && !closing_here(was))
				before[i].flags |= F_CLIENT;
			else if (closing_there(m->state) && !closing_there(was))
				before[i].flags |= F_SERVER;
		} else if (!closing_here(was) && !closing_there(was)) {
			before[i].flags |= F_SERVER; /* gone without TIME_WAIT here: the peer closed, or a reset */
		}
	}
}

static int by_source(const void *a, const void *b)
{
	const struct ps_snapshot_source *x = a, *y = b;
	return ps_sock_addr_cmp(&x->addr, &y->addr);
}

/* Adds the counts of one item to st. */
static void count_item(struct ps_snapshot_stats *st, const struct item *it)
{
	if (it->reading == 0) {
		st->in_use_before++;
		st->time_wait_before += it->state == PS_SOCK_TIME_WAIT;
	} else {
		st->in_use++;
		st->established += it->state == PS_SOCK_ESTABLISHED;
		st->time_wait += it->state == PS_SOCK_TIME_WAIT;
		st->other += it->state != PS_SOCK_ESTABLISHED && it->state != PS_SOCK_TIME_WAIT;
		st->new_conns += (it->flags & F_NEW) != 0;
	}
	st->closed_client += (it->flags & F_CLIENT) != 0;
	st->closed_server += (it->flags & F_SERVER) != 0;
}

static struct ps_snapshot_source *source_of(struct ps_snapshot_report *rep, const struct ps_sock_addr *a)
{
	struct ps_snapshot_source key = { .addr = *a };
	return bsearch(&key, rep->src, rep->nsrc, sizeof(*rep->src), by_source);
}

/* Sources: every address with an outgoing TCP socket (in the range or not) or a UDP port in the range. */
static int build_sources(struct ps_snapshot_report *rep, const struct ps_snapshot_reading *now,
			 const uint64_t *listening, const struct item *all, size_t nall)
{
	rep->src = calloc(now->socks.n + nall + 1, sizeof(*rep->src));
	if (!rep->src)
		return -1;
	for (size_t i = 0; i < nall; i++)
		rep->src[rep->nsrc++].addr = all[i].src;
	for (size_t i = 0; i < now->socks.n; i++) {
		const struct ps_sock *s = &now->socks.v[i];
		if (s->proto == PS_SOCK_UDP ? (s->lport >= rep->lo && s->lport <= rep->hi)
					    : (s->state != PS_SOCK_LISTEN && !bit(listening, s->lport)))
			rep->src[rep->nsrc++].addr = s->local;
	}
	qsort(rep->src, rep->nsrc, sizeof(*rep->src), by_source);
	size_t k = 0;
	for (size_t i = 0; i < rep->nsrc; i++)
		if (k == 0 || by_source(&rep->src[k - 1], &rep->src[i]))
			rep->src[k++] = rep->src[i];
	rep->nsrc = k;
	/* Ports in use per source: distinct local ports, each reading apart (items are sorted by tuple). */
	uint64_t *seen = calloc(2 * 1024 * rep->nsrc + 1, sizeof(uint64_t));
	if (!seen)
		return -1;
	for (size_t i = 0; i < nall; i++) {
		struct ps_snapshot_source *src = source_of(rep, &all[i].src);
		uint64_t *bm = seen + (size_t)(src - rep->src) * 2048 + all[i].reading * 1024;
		if (!bit(bm, all[i].lport)) {
			bm[all[i].lport >> 6] |= 1ULL << (all[i].lport & 63);
			*(all[i].reading ? &src->st.in_use : &src->st.in_use_before) += 1;
		}
		struct ps_snapshot_stats *st = &src->st;
		uint32_t in_use = st->in_use, before = st->in_use_before;
		count_item(st, &all[i]);
		st->in_use = in_use;
		st->in_use_before = before;
	}
	for (size_t i = 0; i < now->socks.n; i++) {
		const struct ps_sock *s = &now->socks.v[i];
		struct ps_snapshot_source *src = source_of(rep, &s->local);
		if (!src)
			continue;
		if (s->proto == PS_SOCK_UDP)
			src->udp_in_use += s->lport >= rep->lo && s->lport <= rep->hi;
		else if (s->state != PS_SOCK_LISTEN && !bit(listening, s->lport))
			src->outside_range += s->lport < rep->lo || s->lport > rep->hi;
	}
	free(seen);
	return 0;
}

/* Busiest source address first (after which source_of's search no longer works). */
static int by_use(const void *a, const void *b)
{
	const struct ps_snapshot_source *x = a, *y = b;
	if (x->st.in_use != y->st.in_use)
		return x->st.in_use > y->st.in_use ? -1 : 1;
	return by_source(a, b);
}

/* Tightest first: fewest free ports, soonest exhausted, most in use; then by name, for stable output. */
static int by_tightness(const void *a, const void *b)
{
	const struct ps_snapshot_dest *x = a, *y = b;
	if (x->st.free != y->st.free)
		return x->st.free < y->st.free ? -1 : 1;
	double ex = isnan(x->st.exhaust_s) ? INFINITY : x->st.exhaust_s;
	double ey = isnan(y->st.exhaust_s) ? INFINITY : y->st.exhaust_s;
	if (ex != ey)
		return ex < ey ? -1 : 1;
	if (x->st.in_use != y->st.in_use)
		return x->st.in_use > y->st.in_use ? -1 : 1;
	int c = ps_sock_addr_cmp(&x->src, &y->src);
	if (!c)
		c = ps_sock_addr_cmp(&x->dst, &y->dst);
	return c ? c : (int)x->dport - (int)y->dport;
}

/* The pool's shape: OS rules, range, reserved and listening ports. */
static enum ps_status pool(struct ps_snapshot_report *rep, const struct ps_snapshot_host *h,
			   const struct ps_snapshot_options *opt, const uint64_t *held, char *err,
			   size_t size)
{
	const char *os = opt->os ? opt->os : h->os[0] ? h->os : "linux";
	rep->os_from = opt->os ? "--os" : h->format == PS_DUMP_AUTO ? "the live host" : "the dump's format";
	const struct ps_profile *p = ps_profile_find(os);
	if (!p || !setting(p, "port_range")) {
		snprintf(err, size, "snapshot: --os \"%s\": unknown; allowed: linux, freebsd, macos, openbsd, "
			 "netbsd, windows", os);
		return PS_BAD_INPUT;
	}
	snprintf(rep->os, sizeof(rep->os), "%s", os);
	const char *unique = setting(p, "unique"), *tw = setting(p, "time_wait_s");
	const char *reuse = setting(p, "tw_reuse");
	rep->port_rule = unique && !strcmp(unique, "port");
	rep->time_wait_s = tw ? atof(tw) : 60;
	rep->tw_reuse = h->tw_reuse >= 0 ? h->tw_reuse : reuse ? atoi(reuse) : 0;
	if (opt->range_set) {
		rep->lo = opt->lo, rep->hi = opt->hi, rep->range_from = "--range";
	} else if (h->have_range) {
		rep->lo = h->lo, rep->hi = h->hi, rep->range_from = "ip_local_port_range";
	} else {
		ps_snapshot_parse_range(setting(p, "port_range"), &rep->lo, &rep->hi);
		rep->range_from = "the profile's default";
	}
	if (opt->reserved_set) {
		memcpy(rep->reserved, opt->reserved, sizeof(rep->reserved));
		rep->reserved_from = "--reserved";
	} else if (h->have_reserved) {
		memcpy(rep->reserved, h->reserved, sizeof(rep->reserved));
		rep->reserved_from = "ip_local_reserved_ports";
	} else {
		rep->reserved_from = "none known";
	}
	for (unsigned q = rep->lo; q <= rep->hi; q++) {
		rep->reserved_in_range += bit(rep->reserved, q);
		rep->held_in_range += !bit(rep->reserved, q) && bit(held, q);
	}
	rep->usable = (uint32_t)(rep->hi - rep->lo + 1) - rep->reserved_in_range;
	return PS_DONE;
}

static enum ps_status analyze(const struct ps_snapshot_host *h, const struct ps_snapshot_reading *before,
			      const struct ps_snapshot_reading *now, const struct ps_snapshot_options *opt,
			      struct ps_snapshot_report *rep, uint64_t *listening, char *err, size_t size)
{
	uint64_t *held = listening + 1024;
	for (size_t i = 0; i < now->socks.n; i++) {
		const struct ps_sock *s = &now->socks.v[i];
		if (s->proto == PS_SOCK_TCP && s->state == PS_SOCK_LISTEN)
			listening[s->lport >> 6] |= 1ULL << (s->lport & 63);
	}
	for (size_t i = 0; i < now->socks.n; i++) {
		const struct ps_sock *s = &now->socks.v[i];
		if (s->proto == PS_SOCK_TCP && (s->state == PS_SOCK_LISTEN || (s->rport == 0 && !bit(listening, s->lport))))
			held[s->lport >> 6] |= 1ULL << (s->lport & 63);
	}
	enum ps_status st = pool(rep, h, opt, held, err, size);
	if (st != PS_DONE)
		return st;
	rep->readings = before ? 2 : 1;
	rep->interval_s = before ? opt->interval_s : 0;
	rep->target = opt->target > 0 ? opt->target : 0.001;
	rep->active_opens_per_s = NAN;
	if (before && now->active_opens >= 0 && before->active_opens >= 0 && rep->interval_s > 0)
		rep->active_opens_per_s = (double)(now->active_opens - before->active_opens) / rep->interval_s;
	struct item *b = NULL, *n = NULL, *all = NULL;
	size_t nb = 0, nn = 0;
	st = PS_FAILED;
	snprintf(err, size, "snapshot: out of memory");
	if (collect(now, 1, listening, rep, true, &n, &nn) != 0 ||
	    collect(before ? before : now, 0, listening, rep, false, &b, &nb) != 0)
		goto out;
	qsort(n, nn, sizeof(*n), by_tuple);
	qsort(b, nb, sizeof(*b), by_tuple);
	if (before)
		mark_changes(b, nb, n, nn);
	all = malloc((nb + nn + 1) * sizeof(*all));
	if (!all)
		goto out;
	memcpy(all, b, nb * sizeof(*b));
	memcpy(all + nb, n, nn * sizeof(*n));
	qsort(all, nb + nn, sizeof(*all), by_tuple);
	rep->dst = calloc(nn + nb + 1, sizeof(*rep->dst));
	if (!rep->dst || build_sources(rep, now, listening, all, nb + nn) != 0)
		goto out;
	for (size_t i = 0; i < nb + nn; i++) {
		struct ps_snapshot_dest *d = rep->ndst ? &rep->dst[rep->ndst - 1] : NULL;
		if (!d || ps_sock_addr_cmp(&d->src, &all[i].src) || ps_sock_addr_cmp(&d->dst, &all[i].dst) ||
		    d->dport != all[i].dport) {
			d = &rep->dst[rep->ndst++];
			*d = (struct ps_snapshot_dest){ .src = all[i].src, .dst = all[i].dst, .dport = all[i].dport };
		}
		count_item(&d->st, &all[i]);
	}
	uint32_t capacity = rep->usable - rep->held_in_range;
	rep->erlang_load = ps_erlang_b_load(capacity, rep->target);
	for (size_t i = 0; i < rep->nsrc; i++)
		ps_snapshot_headroom(&rep->src[i].st, capacity, rep->src[i].st.in_use, rep->interval_s,
				     rep->time_wait_s, rep->erlang_load);
	for (size_t i = 0; i < rep->ndst; i++) {
		struct ps_snapshot_dest *d = &rep->dst[i];
		const struct ps_snapshot_source *src = source_of(rep, &d->src);
		ps_snapshot_headroom(&d->st, capacity, rep->port_rule ? src->st.in_use : d->st.in_use,
				     rep->interval_s, rep->time_wait_s, rep->erlang_load);
		/* Under the port rule every destination of a source draws from the source's one pool. */
		if (rep->port_rule) {
			d->st.exhaust_s = src->st.exhaust_s;
			d->st.bound_per_s = src->st.bound_per_s;
			d->st.erlang_per_s = src->st.erlang_per_s;
		}
	}
	qsort(rep->dst, rep->ndst, sizeof(*rep->dst), by_tightness);
	qsort(rep->src, rep->nsrc, sizeof(*rep->src), by_use);
	st = PS_DONE;
out:
	free(all);
	free(b);
	free(n);
	return st;
}

enum ps_status ps_snapshot_analyze(const struct ps_snapshot_host *h,
				   const struct ps_snapshot_reading *before,
				   const struct ps_snapshot_reading *now,
				   const struct ps_snapshot_options *opt, struct ps_snapshot_report *rep,
				   char *err, size_t size)
{
	memset(rep, 0, sizeof(*rep));
	if (before && !(opt->interval_s > 0)) {
		snprintf(err, size, "snapshot: two readings need the interval between them (--interval SECONDS)");
		return PS_BAD_INPUT;
	}
	uint64_t *listening = calloc(2 * 1024, sizeof(uint64_t));
	if (!listening) {
		snprintf(err, size, "snapshot: out of memory");
		return PS_FAILED;
	}
	enum ps_status st = analyze(h, before, now, opt, rep, listening, err, size);
	free(listening);
	if (st != PS_DONE)
		ps_snapshot_report_fini(rep);
	return st;
}

void ps_snapshot_report_fini(struct ps_snapshot_report *rep)
{
	free(rep->src);
	free(rep->dst);
	rep->src = NULL;
	rep->dst = NULL;
	rep->nsrc = rep->ndst = 0;
}
