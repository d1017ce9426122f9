#include "portsim/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "portsim/pool.h"

static const char *const event_names[] = {
	[PS_EV_OPEN] = "open",
	[PS_EV_FAIL] = "fail",
	[PS_EV_CLOSE] = "close",
	[PS_EV_TW_END] = "tw_end",
	[PS_EV_TW_TAKEOVER] = "tw_takeover",
	[PS_EV_SYN_DROP] = "syn_drop",
};

void ps_ip_format(char *buf, unsigned long size, uint32_t ip)
{
	snprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

int ps_trace_open(struct ps_trace *t, const char *dir, unsigned files)
{
	memset(t, 0, sizeof(*t));
	t->with_events = files & (PS_TRACE_EVENTS | PS_TRACE_EVENTS_GZ);
	t->with_ports = files & PS_TRACE_PORTS;
	bool gz = files & PS_TRACE_EVENTS_GZ;
	const char *header = files & PS_TRACE_NAT ? PS_TIMESERIES_HEADER "," PS_TIMESERIES_NAT_COLUMNS
						  : PS_TIMESERIES_HEADER;
	if (ps_csv_open(&t->timeseries, dir, "timeseries.csv", header) != 0 ||
	    (t->with_events && !gz && ps_csv_open(&t->events, dir, "events.csv", PS_EVENTS_HEADER) != 0) ||
	    (gz && ps_csv_open_gz(&t->events, dir, "events.csv.gz", PS_EVENTS_HEADER) != 0) ||
	    (t->with_ports && ps_csv_open(&t->ports, dir, "ports.csv", PS_PORTS_HEADER) != 0)) {
		int e = errno;
		ps_trace_abort(t);
		errno = e;
		return -1;
	}
	return 0;
}

int ps_trace_check(const struct ps_trace *t)
{
	if (ps_csv_check(&t->timeseries) != 0 || ps_csv_check(&t->events) != 0 || ps_csv_check(&t->ports) != 0)
		return -1;
	return 0;
}

void ps_trace_ports(struct ps_trace *t, ps_time now, const struct ps_pool *pool)
{
	if (!t->with_ports)
		return;
	char ts[32];
	ps_time_format(ts, sizeof(ts), now);
	/* A bin is one word of the occupancy bitmap, so a count is one popcount. */
	for (uint32_t w = 0; w < pool->words; w++) {
		uint32_t first = w * 64, width = pool->n - first < 64 ? pool->n - first : 64;
		uint64_t bits = pool->any[w];
		if (width < 64)
			bits &= ~0ULL >> (64 - width);
		if (fprintf(t->ports.f, "%s,%u,%u,%d\n", ts, pool->lo + first, width, __builtin_popcountll(bits)) < 0)
			ps_csv_failed(&t->ports);
	}
}

void ps_trace_event_nat(struct ps_trace *t, ps_time now, uint64_t conn_id, enum ps_trace_event ev,
			uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
			uint32_t probes, enum ps_err error, uint32_t nat_ip, uint16_t nat_port, ps_time delay)
{
	if (!t->with_events)
		return;
	char ts[32], src[16], dst[16], sport[8] = "", nat[16] = "", nport[8] = "", ds[32] = "";
	if (delay != PS_TIME_MAX)
		ps_time_format(ds, sizeof(ds), delay);
	ps_time_format(ts, sizeof(ts), now);
	ps_ip_format(src, sizeof(src), src_ip);
	ps_ip_format(dst, sizeof(dst), dst_ip);
	/* A failed attempt has no source port: leave the field empty. */
	if (ev != PS_EV_FAIL || src_port)
		snprintf(sport, sizeof(sport), "%u", src_port);
	if (nat_ip) {
		ps_ip_format(nat, sizeof(nat), nat_ip);
		snprintf(nport, sizeof(nport), "%u", nat_port);
	}
	if (fprintf(t->events.f, "%s,%" PRIu64 ",%s,%s,%s,%s,%u,%u,%s,%s,%s,%s\n", ts, conn_id, event_names[ev], src,
		    sport, dst, dst_port, probes, ps_err_name(error), nat, nport, ds) < 0)
		ps_csv_failed(&t->events);
}

void ps_trace_event(struct ps_trace *t, ps_time now, uint64_t conn_id, enum ps_trace_event ev,
		    uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
		    uint32_t probes, enum ps_err error)
{
	ps_trace_event_nat(t, now, conn_id, ev, src_ip, src_port, dst_ip, dst_port, probes, error, 0, 0, PS_TIME_MAX);
}

void ps_trace_sample(struct ps_trace *t, ps_time now, uint64_t established, uint64_t time_wait,
		     uint64_t ports_in_use, uint32_t free_tightest, struct ps_metrics *m,
		     const struct ps_trace_nat *nat)
{
	char ts[32], tail[96] = "";
	ps_time_format(ts, sizeof(ts), now);
	double mean = m->iv_attempts ? (double)m->iv_probes / (double)m->iv_attempts : 0.0;
	if (nat)
		snprintf(tail, sizeof(tail), ",%" PRIu64 ",%" PRIu64 ",%u,%" PRIu64, nat->live, nat->lingering,
			 nat->free_tightest, nat->drops);
	if (fprintf(t->timeseries.f, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%" PRIu64 ",%" PRIu64 ",%.3f%s\n",
		    ts, established, time_wait, ports_in_use, free_tightest, m->iv_attempts, m->iv_failures, mean,
		    tail) < 0)
		ps_csv_failed(&t->timeseries);
	m->iv_attempts = m->iv_failures = m->iv_probes = 0;
}

int ps_trace_commit(struct ps_trace *t)
{
	struct ps_csv *files[] = { &t->timeseries, &t->events, &t->ports };
	int r = 0, e = 0;
	for (int i = 0; i < 3; i++)
		if (ps_csv_commit(files[i]) != 0 && r == 0) {
			r = -1;
			e = errno;
		}
	/* The first failure's reason; the files after it are committed (or removed) all the same. */
	errno = e;
	return r;
}

void ps_trace_abort(struct ps_trace *t)
{
	ps_csv_abort(&t->timeseries);
	ps_csv_abort(&t->events);
	ps_csv_abort(&t->ports);
}

int ps_summary_write(const char *dir, const char *scenario, const char *strategy, uint64_t seed,
		     ps_time duration, const struct ps_metrics *m, uint64_t events, double wall_s)
{
	struct ps_csv c;
	char header[sizeof(PS_SUMMARY_NAT_HEADER) + sizeof(PS_SUMMARY_CAP_COLUMN) + 1];
	snprintf(header, sizeof(header), "%s%s%s,wall_s", PS_SUMMARY_COLUMNS, m->nat ? "," PS_SUMMARY_NAT_COLUMNS : "",
		 m->has_cap ? "," PS_SUMMARY_CAP_COLUMN : "");
	if (ps_csv_open(&c, dir, "summary.csv", header) != 0)
		return -1;
	char dur[32], first[32] = "";
	ps_time_format(dur, sizeof(dur), duration);
	if (m->failed)
		ps_time_format(first, sizeof(first), m->first_failure);
	double ratio = m->attempts ? (double)m->failures / (double)m->attempts : 0.0;
	/* Connect delays: p50, p99, p99.9 and the largest; empty when no connection was established. */
	static const double q[3] = { 0.5, 0.99, 0.999 };
	char d[4][32] = { "", "", "", "" };
	for (int i = 0; i < 4 && m->delay.n; i++)
		ps_time_format(d[i], sizeof(d[i]), i < 3 ? ps_delays_quantile(&m->delay, q[i]) : m->delay.max);
	fprintf(c.f,
		"%s,%s,%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%s,%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%.3f,%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",%s,%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		scenario, strategy, seed, dur, m->attempts, m->successes, m->failures, ratio, first,
		m->peak_established, m->peak_time_wait, m->peak_ports_in_use, ps_metrics_probes_mean(m),
		ps_metrics_probes_quantile(m, 0.99), m->probes_max, m->tw_takeovers, m->requests, m->reused,
		m->retries, m->abandoned, m->nat_failures, m->peak_nat_mappings, d[0], d[1], d[2], d[3],
		m->syn_retransmits, m->syn_timeouts, m->race_drops, m->tw_refusals, events);
	if (m->nat) {
		/* Before wall_s: the columns every run has keep their places, and wall_s stays last. */
		char drop[32] = "";
		if (m->nat_dropped)
			ps_time_format(drop, sizeof(drop), m->nat_first_drop);
		fprintf(c.f, ",%" PRIu64 ",%" PRIu64 ",%u,%u,%s", m->peak_nat_live, m->peak_nat_lingering,
			m->nat_min_free, m->nat_pool_ports, drop);
	}
	if (m->has_cap)
		fprintf(c.f, ",%" PRIu64, m->cap_failures);
	fprintf(c.f, ",%.3f\n", wall_s);
	return ps_csv_commit(&c);
}
