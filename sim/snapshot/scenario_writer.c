/*
 * The scenario that reproduces a snapshot: the host's profile, range and
 * reserved ports, and one population per busy destination whose mean
 * occupancy is what was observed. By Little's law a population with
 * Poisson arrivals at rate r, mean life d before TIME_WAIT and a share p
 * of client closes holds r (d + p TIME_WAIT) ports on average, whatever
 * the distribution of d: so the observed rate, life and share are all it
 * needs. Destinations are merged over source addresses (a scenario's
 * populations spread over host.addresses in turn); an IPv6 destination,
 * which a scenario cannot name, gets an IPv4 stand-in, said in a comment.
 */
#include "portsim/snapshot.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/scenario.h"

#define RUN_MIN_S 120.0
#define RUN_MAX_S 86400.0
#define FOREVER_S 31536000.0 /* the longest duration_s: longer than any run */

struct text {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void out(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (int pass = 0; pass < 2 && !t->oom; pass++) {
		va_start(ap, fmt);
		int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = 2 * t->cap + (size_t)n + 1;
		char *b = realloc(t->buf, cap);
		if (!b)
			t->oom = true;
		else
			t->buf = b, t->cap = cap;
	}
}

/* A destination merged over every source address. */
struct busy {
	struct ps_sock_addr dst;
	uint16_t dport;
	struct ps_snapshot_stats st;
};

static int by_busy(const void *a, const void *b)
{
	const struct busy *x = a, *y = b;
	if (x->st.in_use != y->st.in_use)
		return x->st.in_use > y->st.in_use ? -1 : 1;
	int c = ps_sock_addr_cmp(&x->dst, &y->dst);
	return c ? c : (int)x->dport - (int)y->dport;
}

static size_t merge(const struct ps_snapshot_report *rep, struct busy *b)
{
	size_t n = 0;
	for (size_t i = 0; i < rep->ndst; i++) {
		const struct ps_snapshot_dest *d = &rep->dst[i];
		size_t k = 0;
		while (k < n && (ps_sock_addr_cmp(&b[k].dst, &d->dst) || b[k].dport != d->dport))
			k++;
		if (k == n)
			b[n++] = (struct busy){ .dst = d->dst, .dport = d->dport };
		struct ps_snapshot_stats *m = &b[k].st;
		m->in_use += d->st.in_use;
		m->established += d->st.established;
		m->time_wait += d->st.time_wait;
		m->other += d->st.other;
		m->in_use_before += d->st.in_use_before;
		m->time_wait_before += d->st.time_wait_before;
		m->new_conns += d->st.new_conns;
		m->closed_client += d->st.closed_client;
		m->closed_server += d->st.closed_server;
	}
	uint32_t capacity = rep->usable - rep->held_in_range;
	for (size_t k = 0; k < n; k++)
		ps_snapshot_headroom(&b[k].st, capacity, b[k].st.in_use, rep->interval_s, rep->time_wait_s,
				     rep->erlang_load);
	qsort(b, n, sizeof(*b), by_busy);
	return n;
}

/* "to_10_0_0_1_443": a population name of letters, digits and '_'. */
static void pop_name(char *buf, size_t size, const struct busy *b)
{
	char a[64];
	ps_sock_addr_format(a, sizeof(a), &b->dst);
	size_t n = (size_t)snprintf(buf, size, "to_%s_%u", a, b->dport);
	for (size_t i = 0; i < n && i < size; i++)
		if (buf[i] == '.' || buf[i] == ':')
			buf[i] = '_';
}

/* The destination as a scenario can name it: IPv4 itself, IPv6 a stand-in (127.255.0.k or 10.255.0.k). */
static void scenario_endpoint(char *buf, size_t size, const struct busy *b, unsigned k)
{
	if (ps_sock_addr_is_v4(&b->dst))
		snprintf(buf, size, "%u.%u.%u.%u:%u", b->dst.b[12], b->dst.b[13], b->dst.b[14], b->dst.b[15],
			 b->dport);
	else
		snprintf(buf, size, "%s.255.%u.%u:%u", ps_sock_addr_is_loopback(&b->dst) ? "127" : "10",
			 k / 250, k % 250 + 1, b->dport);
}

static void reserved_list(struct text *t, const struct ps_snapshot_report *rep)
{
	bool any = false;
	for (uint32_t p = rep->lo; p <= rep->hi; p++) {
		if (!(rep->reserved[p >> 6] >> (p & 63) & 1))
			continue;
		uint32_t q = p;
		while (q + 1 <= rep->hi && (rep->reserved[(q + 1) >> 6] >> ((q + 1) & 63) & 1))
			q++;
		if (!any)
			out(t, "reserved_ports = ");
		out(t, q > p ? "%s%u-%u" : "%s%u", any ? "," : "", p, q);
		any = true;
		p = q;
	}
	if (any)
		out(t, "\n");
}

static void header(struct text *t, const struct ps_snapshot_host *h, const struct ps_snapshot_report *rep)
{
	out(t, "# What %s looked like, as a scenario: written by portsim snapshot.\n",
	    strcmp(h->origin, "live") ? "the dumped host" : "this host");
	/* A file name may hold anything; a comment must stay one line. */
	char origin[PS_SNAPSHOT_ORIGIN_MAX * 4];
	ps_snapshot_excerpt(origin, sizeof(origin), h->origin, strlen(h->origin), PS_SNAPSHOT_ORIGIN_MAX);
	out(t, "# Measured: %s", strcmp(h->origin, "live") ? origin : "live /proc/net");
	if (h->format != PS_DUMP_AUTO)
		out(t, " (%s dump)", ps_dump_format_name(h->format));
	if (h->system[0])
		out(t, ", %s", h->system);
	if (h->when[0])
		out(t, ", %s", h->when);
	if (rep->readings == 2)
		out(t, ";\n#   two readings %g s apart: rates are measured.\n", rep->interval_s);
	else
		out(t, ";\n#   one reading: rates are TIME_WAIT / %g s, which assumes a steady state and client "
		       "closes.\n", rep->time_wait_s);
	out(t, "# Pool: %u-%u (%s), %u reserved (%s), %u held by listeners: %u usable %s (%s).\n", rep->lo,
	    rep->hi, rep->range_from, rep->reserved_in_range, rep->reserved_from, rep->held_in_range,
	    rep->usable - rep->held_in_range, rep->port_rule ? "per source address" : "per destination", rep->os);
	out(t, "# Each population is one busy destination: Poisson arrivals at the observed rate, an\n"
	       "# exponential life before TIME_WAIT of the observed mean (Little's law: two readings show\n"
	       "# the mean, not the distribution), the observed share of closes made here. Its mean\n"
	       "# occupancy is then the one observed. Run it with portsim run or portsim capacity.\n");
}

char *ps_snapshot_scenario(const struct ps_snapshot_host *h, const struct ps_snapshot_report *rep,
			   char *err, size_t size)
{
	struct busy *b = calloc(rep->ndst + 1, sizeof(*b));
	struct text t = { .buf = malloc(4096), .cap = 4096 };
	if (!b || !t.buf) {
		free(b);
		free(t.buf);
		snprintf(err, size, "snapshot: out of memory");
		return NULL;
	}
	size_t n = merge(rep, b), keep = 0, left = 0, left_ports = 0;
	double longest = 0;
	for (size_t i = 0; i < n; i++) {
		if (b[i].st.in_use == 0 && !(b[i].st.rate_per_s > 0))
			continue;
		if (keep < PS_MAX_POPULATIONS) {
			b[keep++] = b[i];
			if (b[i].st.holding_s > longest)
				longest = b[i].st.holding_s;
		} else {
			left++;
			left_ports += b[i].st.in_use;
		}
	}
	if (keep == 0) {
		snprintf(err, size, "snapshot: --scenario: no outgoing connection in the range %u-%u to "
			 "reproduce", rep->lo, rep->hi);
		free(b);
		free(t.buf);
		return NULL;
	}
	/* Three holding times: long enough for the occupancy to settle and be seen settled. */
	double run = ceil(fmin(RUN_MAX_S, fmax(RUN_MIN_S, 3 * longest)) / 10) * 10;
	header(&t, h, rep);
	if (left)
		out(&t, "# Left out: %zu quieter destinations holding %zu ports (a scenario holds %d populations).\n",
		    left, left_ports, PS_MAX_POPULATIONS);
	size_t nsrc = 0;
	for (size_t i = 0; i < rep->nsrc; i++)
		nsrc += rep->src[i].st.in_use > 0;
	if (nsrc > 1)
		out(&t, "# %zu source addresses were busy; the populations spread over them in turn.\n", nsrc);
	out(&t, "\n[run]\nduration_s = %g\nseed = 1\nsample_interval_s = 1\n", run);
	out(&t, "\n[host]\nprofile = %s\nport_range = %u-%u\n", rep->os, rep->lo, rep->hi);
	reserved_list(&t, rep);
	if (!strcmp(rep->os, "linux") && rep->tw_reuse >= 0 && rep->tw_reuse <= 2)
		out(&t, "tw_reuse = %d\n", rep->tw_reuse);
	if (nsrc > 1)
		out(&t, "addresses = %zu\n", nsrc > 256 ? (size_t)256 : nsrc);
	for (size_t i = 0; i < keep; i++) {
		const struct ps_snapshot_stats *st = &b[i].st;
		char name[80], ep[64], real[64];
		pop_name(name, sizeof(name), &b[i]);
		scenario_endpoint(ep, sizeof(ep), &b[i], (unsigned)i);
		ps_sock_endpoint_format(real, sizeof(real), &b[i].dst, b[i].dport);
		out(&t, "\n[workload.%s]\n# %s: %u in use (%u ESTABLISHED, %u TIME_WAIT, %u other)", name, real,
		    st->in_use, st->established, st->time_wait, st->other);
		if (!ps_sock_addr_is_v4(&b[i].dst))
			out(&t, "; named %s here (a scenario names IPv4 only)", ep);
		if (!(st->rate_per_s > 0)) {
			/* No turnover: a fixed set of connections, open for the whole run. */
			out(&t, "; no new connections: held open for the whole run\narrival = burst\nburst_size = %u\n"
				"burst_interval_s = 0\nduration = fixed\nduration_s = %.0f\n"
				"closer = server\ndestination_list = %s\n", st->in_use ? st->in_use : 1, FOREVER_S, ep);
			continue;
		}
		double rate = fmin(1e7, fmax(1e-6, st->rate_per_s));
		double p = st->client_close;
		out(&t, "\n# %.4g new/s (%s), %.4g s before TIME_WAIT, %.0f %% closed here: holding %.4g s\n",
		    st->rate_per_s, st->rate_from == PS_RATE_MEASURED ? "measured" : "from TIME_WAIT",
		    st->lifetime_s, 100 * p, st->holding_s);
		out(&t, "arrival = poisson\nrate_per_s = %.6g\nduration = exponential\nduration_s = %.6g\n", rate,
		    fmin(FOREVER_S, st->lifetime_s));
		if (p >= 1)
			out(&t, "closer = client\n");
		else if (p <= 0)
			out(&t, "closer = server\n");
		else
			out(&t, "closer = %.4f\n", p);
		out(&t, "destination_list = %s\n", ep);
	}
	free(b);
	if (t.oom) {
		free(t.buf);
		snprintf(err, size, "snapshot: out of memory");
		return NULL;
	}
	return t.buf;
}
