/*
 * The report as a person reads it (text, tightest destination first) and
 * as a program reads it (snapshot.csv, one observation per row:
 * scope,source,destination,metric,value). An unknown figure is left out of
 * the CSV rather than written as a guess; "inf" means never.
 */
#include "portsim/snapshot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/csv.h"

int ps_snapshot_find_port(const struct ps_snapshot_reading *r, uint16_t port,
			  struct ps_snapshot_port_hits *hits)
{
	memset(hits, 0, sizeof(*hits));
	hits->idx = malloc((r->socks.n + 1) * sizeof(*hits->idx));
	if (!hits->idx)
		return -1;
	/* Holders of the port first, then sockets whose peer uses it. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->socks.n; i++) {
			const struct ps_sock *s = &r->socks.v[i];
			if (pass == 0 ? s->lport == port : s->lport != port && s->rport == port)
				hits->idx[hits->n++] = i;
		}
	return 0;
}

void ps_snapshot_port_hits_fini(struct ps_snapshot_port_hits *hits)
{
	free(hits->idx);
	memset(hits, 0, sizeof(*hits));
}

static void duration(char *buf, size_t size, double s)
{
	if (isnan(s))
		snprintf(buf, size, "-");
	else if (isinf(s))
		snprintf(buf, size, "never");
	else if (s < 120)
		snprintf(buf, size, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, size, "%.1f min", s / 60);
	else
		snprintf(buf, size, "%.1f h", s / 3600);
}

static void header(FILE *f, const struct ps_snapshot_host *h, const struct ps_snapshot_report *rep)
{
	char origin[PS_SNAPSHOT_ORIGIN_MAX * 4];
	ps_snapshot_excerpt(origin, sizeof(origin), h->origin, strlen(h->origin), PS_SNAPSHOT_ORIGIN_MAX);
	fprintf(f, "snapshot of %s", h->format == PS_DUMP_AUTO && !strcmp(h->origin, "live") ? "the live host"
												 : origin);
	if (h->format != PS_DUMP_AUTO)
		fprintf(f, " (%s dump)", ps_dump_format_name(h->format));
	if (h->system[0])
		fprintf(f, ", %s", h->system);
	if (h->when[0])
		fprintf(f, ", %s", h->when);
	if (rep->readings == 2)
		fprintf(f, ": 2 readings %.3g s apart", rep->interval_s);
	fprintf(f, "\n");
	fprintf(f, "pool: %u-%u (%s), %u reserved (%s), %u held by listeners or bound sockets: ", rep->lo,
		rep->hi, rep->range_from, rep->reserved_in_range, rep->reserved_from, rep->held_in_range);
	if (rep->port_rule)
		fprintf(f, "%u per source address, shared by every destination (%s: one connection per port)\n",
			rep->usable - rep->held_in_range, rep->os);
	else
		fprintf(f, "%u for each destination (%s: the 4-tuple rule)\n", rep->usable - rep->held_in_range,
			rep->os);
	fprintf(f, "rules: %s (from %s); TIME_WAIT %g s; tcp_tw_reuse %d", rep->os, rep->os_from,
		rep->time_wait_s, rep->tw_reuse);
	if (h->fin_timeout_s >= 0)
		fprintf(f, "; tcp_fin_timeout %d s", h->fin_timeout_s);
	if (h->conntrack_count >= 0)
		fprintf(f, "; conntrack %lld of %lld", (long long)h->conntrack_count, (long long)h->conntrack_max);
	fprintf(f, "\n");
	for (unsigned i = 0; i < h->nnotes; i++)
		fprintf(f, "not read: %s\n", h->notes[i]);
	fprintf(f, "sockets: %zu (%zu listening, %zu accepted, %zu outgoing of which %zu outside the range; "
		"%zu UDP)\n", rep->sockets, rep->listening, rep->accepted, rep->outgoing, rep->outside_range, rep->udp);
	if (rep->readings == 2) {
		double seen = 0;
		for (size_t i = 0; i < rep->nsrc; i++)
			seen += rep->src[i].st.rate_per_s;
		fprintf(f, "new connections: %.1f/s seen in the readings", seen);
		if (!isnan(rep->active_opens_per_s))
			fprintf(f, ", %.1f/s host-wide (Tcp ActiveOpens; the difference opened and closed between "
				"the readings, or went outside the range)", rep->active_opens_per_s);
		fprintf(f, "\n");
	}
}

static void print_sources(FILE *f, const struct ps_snapshot_report *rep)
{
	if (!rep->nsrc)
		return;
	fprintf(f, "\n%-26s %7s %7s %9s %6s %8s %5s\n", "source address", "in use", "ESTAB", "TIME_WAIT",
		"other", "outside", "UDP");
	for (size_t i = 0; i < rep->nsrc; i++) {
		const struct ps_snapshot_source *s = &rep->src[i];
		char a[64];
		ps_sock_addr_format(a, sizeof(a), &s->addr);
		fprintf(f, "%-26s %7u %7u %9u %6u %8u %5u\n", a, s->st.in_use, s->st.established,
			s->st.time_wait, s->st.other, s->outside_range, s->udp_in_use);
	}
}

static void print_dests(FILE *f, const struct ps_snapshot_report *rep, size_t top)
{
	if (!rep->ndst)
		return;
	size_t shown = top && top < rep->ndst ? top : rep->ndst;
	fprintf(f, "\n%-30s %-18s %6s %6s %6s %6s %5s %8s %9s\n", "destination, tightest first", "source",
		"in use", "share", "ESTAB", "TW", "other", "new/s", "full in");
	for (size_t i = 0; i < shown; i++) {
		const struct ps_snapshot_dest *d = &rep->dst[i];
		char dst[64], src[64], rate[16], full[24];
		ps_sock_endpoint_format(dst, sizeof(dst), &d->dst, d->dport);
		ps_sock_addr_format(src, sizeof(src), &d->src);
		if (d->st.rate_from == PS_RATE_NONE)
			snprintf(rate, sizeof(rate), "-");
		else
			snprintf(rate, sizeof(rate), "%.3g%s", d->st.rate_per_s,
				 d->st.rate_from == PS_RATE_TIME_WAIT ? "~" : "");
		duration(full, sizeof(full), d->st.exhaust_s);
		fprintf(f, "%-30s %-18s %6u %5.*f%% %6u %6u %5u %8s %9s\n", dst, src, d->st.in_use,
			d->st.share < 0.1 ? 2 : 1, 100 * d->st.share, d->st.established, d->st.time_wait, d->st.other, rate, full);
	}
	if (shown < rep->ndst)
		fprintf(f, "(%zu more destinations in snapshot.csv)\n", rep->ndst - shown);
	if (rep->readings == 1)
		fprintf(f, "one reading: ~ marks a rate estimated as TIME_WAIT / %g s (steady state, client "
			"closes); give --interval SECONDS for a measured rate and the time to exhaustion\n",
			rep->time_wait_s);
	fprintf(f, "\nsteady state at today's rate (holding = life before TIME_WAIT + TIME_WAIT x share "
		"closed here):\n");
	for (size_t i = 0; i < shown; i++) {
		const struct ps_snapshot_dest *d = &rep->dst[i];
		const struct ps_snapshot_stats *st = &d->st;
		char dst[64];
		ps_sock_endpoint_format(dst, sizeof(dst), &d->dst, d->dport);
		if (!(st->rate_per_s > 0)) {
			fprintf(f, "  %s: no new connections: %u held, no turnover\n", dst, st->in_use);
			continue;
		}
		bool out = st->steady_in_use > st->capacity;
		fprintf(f, "  %s: %.3g/s x %.3g s (%.3g s + %.0f %% x %g s) = %.0f ports of %u: %s; the pool "
			"sustains %.4g/s (deterministic) or %.4g/s (Erlang-B, %g %% blocking)",
			dst, st->rate_per_s, st->holding_s, st->lifetime_s, 100 * st->client_close,
			rep->time_wait_s, st->steady_in_use, st->capacity, out ? "runs out" : "fits",
			st->bound_per_s, st->erlang_per_s, 100 * rep->target);
		double x = st->erlang_per_s / st->rate_per_s;
		if (!out && x > 0)
			fprintf(f, ", %.*fx today's rate", x < 100 ? 1 : 0, x);
		fprintf(f, "\n");
	}
	if (rep->port_rule)
		fprintf(f, "(port rule: free ports, time to exhaustion and bounds are the source address's)\n");
}

void ps_snapshot_print(FILE *f, const struct ps_snapshot_host *h, const struct ps_snapshot_report *rep,
		       size_t top)
{
	header(f, h, rep);
	print_sources(f, rep);
	print_dests(f, rep, top);
}

void ps_snapshot_print_port(FILE *f, const struct ps_snapshot_reading *r, uint16_t port,
			    const struct ps_snapshot_port_hits *hits)
{
	fprintf(f, "\nport %u: %zu socket%s\n", port, hits->n, hits->n == 1 ? "" : "s");
	for (size_t i = 0; i < hits->n; i++) {
		const struct ps_sock *s = &r->socks.v[hits->idx[i]];
		char l[64], rm[64];
		ps_sock_endpoint_format(l, sizeof(l), &s->local, s->lport);
		ps_sock_endpoint_format(rm, sizeof(rm), &s->remote, s->rport);
		fprintf(f, "  %s %s -> %s  %s", s->proto == PS_SOCK_TCP ? "TCP" : "UDP", l, rm,
			ps_sock_state_name(s->state));
		if (s->lport != port)
			fprintf(f, "  (the peer's side: %u is its port)", port);
		char comm[4 * sizeof(s->comm)];
		ps_snapshot_excerpt(comm, sizeof(comm), s->comm, strlen(s->comm), sizeof(s->comm));
		if (s->pid)
			fprintf(f, "  pid %u%s%s%s", s->pid, comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
		else if (comm[0])
			fprintf(f, "  %s", comm);
		else if (s->state == PS_SOCK_TIME_WAIT)
			fprintf(f, "  no process: the kernel keeps it until TIME_WAIT ends");
		else
			fprintf(f, "  process: %s", hits->live ? "not found" : "not in the dump");
		fprintf(f, "\n");
	}
	if (hits->unreadable)
		fprintf(f, "  (the descriptors of %zu processes were not readable: run as root to see every owner)\n",
			hits->unreadable);
}

/* ---- snapshot.csv ---- */

static void row(FILE *f, const char *scope, const char *src, const char *dst, const char *metric, double v)
{
	if (isnan(v))
		return;
	if (isinf(v))
		fprintf(f, "%s,%s,%s,%s,inf\n", scope, src, dst, metric);
	else
		fprintf(f, "%s,%s,%s,%s,%.10g\n", scope, src, dst, metric, v);
}

struct metric {
	const char *name;
	double v; /* NAN: no row */
};

static void rows(FILE *f, const char *scope, const char *src, const char *dst, const struct metric *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		row(f, scope, src, dst, m[i].name, m[i].v);
}

static void stats_rows(FILE *f, const char *scope, const char *src, const char *dst,
		       const struct ps_snapshot_stats *st, unsigned readings)
{
	bool two = readings == 2;
	const struct metric m[] = {
		{ "in_use", st->in_use },
		{ "established", st->established },
		{ "time_wait", st->time_wait },
		{ "other", st->other },
		{ "free", st->free },
		{ "share", st->share },
		{ "in_use_before", two ? st->in_use_before : NAN },
		{ "new", two ? st->new_conns : NAN },
		{ "closed_here", two ? st->closed_client : NAN },
		{ "closed_by_peer", two ? st->closed_server : NAN },
		{ "growth_per_s", two ? st->growth_per_s : NAN },
		{ "exhaust_s", two ? st->exhaust_s : NAN },
		{ st->rate_from == PS_RATE_TIME_WAIT ? "rate_from_time_wait_per_s" : "rate_per_s",
		  st->rate_from == PS_RATE_NONE ? NAN : st->rate_per_s },
		{ "lifetime_s", st->lifetime_s },
		{ "client_close", st->client_close },
		{ "holding_s", st->holding_s },
		{ "holding_now_s", st->holding_now_s },
		{ "steady_in_use", st->steady_in_use },
		{ "bound_per_s", st->bound_per_s },
		{ "erlang_b_per_s", st->erlang_per_s },
	};
	rows(f, scope, src, dst, m, sizeof(m) / sizeof(m[0]));
}

/* A process name as a CSV field: no separators, no control bytes. */
static void clean(char *out, size_t size, const char *in)
{
	size_t n = 0;
	for (; *in && n + 1 < size; in++)
		out[n++] = (*in == ',' || (unsigned char)*in < 0x20 || (unsigned char)*in >= 0x7f) ? '_' : *in;
	out[n] = '\0';
}

int ps_snapshot_write_csv(const char *dir, const struct ps_snapshot_host *h,
			  const struct ps_snapshot_report *rep, const struct ps_snapshot_reading *r,
			  const struct ps_snapshot_port_hits *hits)
{
	struct ps_csv c;
	if (ps_csv_open(&c, dir, "snapshot.csv", "scope,source,destination,metric,value") != 0)
		return -1;
	FILE *f = c.f;
	const struct metric host[] = {
		{ "readings", rep->readings },
		{ "interval_s", rep->readings == 2 ? rep->interval_s : NAN },
		{ "range_lo", rep->lo },
		{ "range_hi", rep->hi },
		{ "reserved", rep->reserved_in_range },
		{ "held", rep->held_in_range },
		{ "usable", rep->usable },
		{ "port_rule", rep->port_rule },
		{ "time_wait_s", rep->time_wait_s },
		{ "tw_reuse", rep->tw_reuse },
		{ "fin_timeout_s", h->fin_timeout_s >= 0 ? h->fin_timeout_s : NAN },
		{ "conntrack_count", h->conntrack_count >= 0 ? (double)h->conntrack_count : NAN },
		{ "conntrack_max", h->conntrack_max >= 0 ? (double)h->conntrack_max : NAN },
		{ "sockets", (double)rep->sockets },
		{ "listening", (double)rep->listening },
		{ "accepted", (double)rep->accepted },
		{ "outgoing", (double)rep->outgoing },
		{ "outside_range", (double)rep->outside_range },
		{ "udp", (double)rep->udp },
		{ "active_opens_per_s", rep->active_opens_per_s },
		{ "erlang_b_target", rep->target },
	};
	rows(f, "host", "", "", host, sizeof(host) / sizeof(host[0]));
	for (size_t i = 0; i < rep->nsrc; i++) {
		const struct ps_snapshot_source *s = &rep->src[i];
		char a[64];
		ps_sock_addr_format(a, sizeof(a), &s->addr);
		stats_rows(f, "source", a, "", &s->st, rep->readings);
		row(f, "source", a, "", "outside_range", s->outside_range);
		row(f, "source", a, "", "udp_in_use", s->udp_in_use);
	}
	for (size_t i = 0; i < rep->ndst; i++) {
		const struct ps_snapshot_dest *d = &rep->dst[i];
		char a[64], e[64];
		ps_sock_addr_format(a, sizeof(a), &d->src);
		ps_sock_endpoint_format(e, sizeof(e), &d->dst, d->dport);
		stats_rows(f, "destination", a, e, &d->st, rep->readings);
	}
	for (size_t i = 0; hits && i < hits->n; i++) {
		const struct ps_sock *s = &r->socks.v[hits->idx[i]];
		char l[64], rm[64], comm[sizeof(s->comm)];
		ps_sock_endpoint_format(l, sizeof(l), &s->local, s->lport);
		ps_sock_endpoint_format(rm, sizeof(rm), &s->remote, s->rport);
		fprintf(f, "port,%s,%s,state,%s\n", l, rm, ps_sock_state_name(s->state));
		if (s->pid)
			fprintf(f, "port,%s,%s,pid,%u\n", l, rm, s->pid);
		clean(comm, sizeof(comm), s->comm);
		if (comm[0])
			fprintf(f, "port,%s,%s,process,%s\n", l, rm, comm);
	}
	return ps_csv_commit(&c);
}
