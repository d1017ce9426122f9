/*
 * Counters and distributions of one run. Observers only watch: nothing
 * here changes the simulation.
 */
#ifndef PORTSIM_METRICS_H
#define PORTSIM_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "portsim/types.h"

/*
 * Connect delays, exactly: each distinct delay with its count. A delay is
 * a search cost plus a sum of SYN waits, so runs see few distinct values.
 */
struct ps_delays {
	ps_time *val;
	uint64_t *cnt;
	uint32_t cap, len;  /* open addressing; cap a power of two or 0 */
	uint32_t last;      /* the slot of the last delay added: runs repeat a few values */
	uint64_t n;         /* delays added */
	ps_time max;
};

struct ps_metrics {
	uint64_t attempts, successes, failures, tw_takeovers;
	uint64_t requests;   /* arrivals: with keepalive, requests; otherwise one per connection */
	uint64_t reused;     /* requests served by an idle pooled connection */
	uint64_t retries;    /* connection attempts that were retries */
	uint64_t abandoned;  /* requests that got no connection after all their tries */
	uint64_t nat_failures;   /* attempts the NAT dropped (no external port) */
	bool has_cap;            /* a population has max_connections: summary.csv gains cap_failures */
	uint64_t cap_failures;   /* attempts refused by max_connections */
	uint64_t nat_idle_drops; /* pooled connections whose NAT mapping idled out */
	uint64_t peak_nat_mappings;
	uint32_t nat_probes_max;  /* most candidates the NAT examined for one mapping */
	/* with a NAT (nat true): its peaks, and its free ports at the samples (nat_view.c) */
	bool nat;
	uint64_t peak_nat_live, peak_nat_lingering;
	uint32_t nat_min_free;        /* fewest free ports where the NAT was fullest, at a sample */
	uint32_t nat_pool_ports;      /* that count with no mapping: the pool that runs dry first */
	bool nat_dropped;
	ps_time nat_first_drop;
	uint64_t nat_failures_sampled; /* nat_failures at the last sample */
	uint64_t fail_by_err[PS_ERR_COUNT];
	bool failed;                 /* at least one failure */
	ps_time first_failure;       /* time of the first failure */
	uint64_t first_failure_attempt; /* its attempt number, 1-based */
	uint64_t peak_established, peak_time_wait, peak_ports_in_use;
	uint64_t probes_sum;
	uint32_t probes_max;
	uint64_t *probe_hist;        /* [hist_len]; the last bin gathers larger counts */
	uint32_t hist_len;
	/* connect delay (syn.h): first SYN to established, the port search's cost included */
	struct ps_delays delay;
	uint64_t syn_retransmits; /* SYNs sent again after one was dropped */
	uint64_t syn_timeouts;    /* connections that gave up after their last SYN (ETIMEDOUT) */
	uint64_t race_drops;      /* SYNs the NAT dropped: its conntrack confirm lost a race */
	uint64_t tw_refusals;     /* SYNs a server refused on a 4-tuple it held in TIME_WAIT */
	/* since the last sample */
	uint64_t iv_attempts, iv_failures, iv_probes;
};

/* 0 or -1; max_probes is the largest probe count to resolve exactly. */
int ps_metrics_init(struct ps_metrics *m, uint32_t max_probes);
void ps_metrics_fini(struct ps_metrics *m);

void ps_metrics_attempt(struct ps_metrics *m, ps_time now, enum ps_err err, uint32_t probes);

/* Notes the current occupancy for the peaks. */
void ps_metrics_occupancy(struct ps_metrics *m, uint64_t established, uint64_t time_wait,
			  uint64_t ports_in_use);

double ps_metrics_probes_mean(const struct ps_metrics *m);

/* The q-quantile (0..1) of probes per attempt. */
uint32_t ps_metrics_probes_quantile(const struct ps_metrics *m, double q);

/* Counts one connection's delay; 0 or -1 (memory). */
int ps_metrics_delay(struct ps_metrics *m, ps_time delay);

/* The q-quantile (0..1) of the delays: the smallest delay with at least ceil(q n) at or below it; 0 when none. */
ps_time ps_delays_quantile(const struct ps_delays *d, double q);

#endif
