/*
 * The CSV writers of one run: summary.csv, timeseries.csv and, on request,
 * events.csv (DESIGN.md, "Outputs"). Column names carry their units.
 */
#ifndef PORTSIM_TRACE_H
#define PORTSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "portsim/csv.h"
#include "portsim/metrics.h"
#include "portsim/types.h"

#define PS_TIMESERIES_HEADER \
	"t_s,established,time_wait,ports_in_use,free_tightest,attempts,failures,probes_mean"
/*
 * Columns timeseries.csv and summary.csv gain in runs with a NAT, and only
 * there; summary.csv's go before wall_s, which stays last.
 */
#define PS_TIMESERIES_NAT_COLUMNS "nat_live,nat_lingering,nat_free_tightest,nat_drops"
#define PS_SUMMARY_NAT_COLUMNS \
	"peak_nat_live,peak_nat_lingering,nat_min_free_tightest,nat_pool_ports,nat_first_drop_s"
#define PS_SUMMARY_NAT_HEADER PS_SUMMARY_COLUMNS "," PS_SUMMARY_NAT_COLUMNS ",wall_s"
#define PS_EVENTS_HEADER \
	"t_s,conn_id,event,src_addr,src_port,dst_addr,dst_port,probes,error,nat_addr,nat_port,delay_s"
#define PS_PORTS_HEADER "t_s,port,ports,in_use"
#define PS_SUMMARY_COLUMNS \
	"scenario,strategy,seed,duration_s,attempts,successes,failures,failure_ratio," \
	"first_failure_s,peak_established,peak_time_wait,peak_ports_in_use,probes_mean," \
	"probes_p99,probes_max,tw_takeovers,requests,reused,retries,abandoned,nat_failures," \
	"peak_nat_mappings,delay_p50_s,delay_p99_s,delay_p999_s,delay_max_s,syn_retransmits,syn_timeouts," \
	"race_drops,tw_refusals,events"
#define PS_SUMMARY_HEADER PS_SUMMARY_COLUMNS ",wall_s"
/*
 * The column summary.csv gains when a population has max_connections,
 * after the NAT's columns if any: other runs keep their bytes.
 */
#define PS_SUMMARY_CAP_COLUMN "cap_failures"
#define PS_SUMMARY_HEADER_CAP PS_SUMMARY_COLUMNS "," PS_SUMMARY_CAP_COLUMN ",wall_s"
#define PS_HOSTS_HEADER \
	"host,inside_addr,population,attempts,failures,nat_failures,peak_established"

enum ps_trace_event {
	PS_EV_OPEN,
	PS_EV_FAIL,
	PS_EV_CLOSE,
	PS_EV_TW_END,
	PS_EV_TW_TAKEOVER,
	PS_EV_SYN_DROP    /* a SYN was dropped; the connection waits to retransmit it (syn.h) */
};

struct ps_trace {
	struct ps_csv timeseries, events, ports;
	bool with_events, with_ports;
};

/* What ps_trace_open writes besides timeseries.csv: bits. */
enum {
	PS_TRACE_EVENTS = 1,    /* events.csv */
	PS_TRACE_EVENTS_GZ = 2, /* events.csv.gz instead: the same bytes, gzip-compressed */
	PS_TRACE_PORTS = 4,     /* ports.csv */
	PS_TRACE_NAT = 8        /* timeseries.csv with the NAT's columns */
};

/* The NAT's part of a timeseries.csv row. */
struct ps_trace_nat {
	uint64_t live, lingering; /* mappings carrying a connection; mappings in their linger or hold */
	uint32_t free_tightest;   /* ps_nat_free_tightest */
	uint64_t drops;           /* attempts the NAT dropped in the interval */
};

/* Opens timeseries.csv and the files of `files` (PS_TRACE_* bits) in dir; 0 or -1 (errno set). */
int ps_trace_open(struct ps_trace *t, const char *dir, unsigned files);

/* 0 while every row so far was written; -1 with errno once one was not (a full disk). */
int ps_trace_check(const struct ps_trace *t);

/*
 * One events.csv row with the NAT's external address and port (nat_ip 0:
 * no NAT) and the connect delay (PS_TIME_MAX: none; open and fail rows
 * carry one).
 */
void ps_trace_event_nat(struct ps_trace *t, ps_time now, uint64_t conn_id, enum ps_trace_event ev,
			uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
			uint32_t probes, enum ps_err error, uint32_t nat_ip, uint16_t nat_port, ps_time delay);

/* One events.csv row; error may be PS_OK. */
void ps_trace_event(struct ps_trace *t, ps_time now, uint64_t conn_id, enum ps_trace_event ev,
		    uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
		    uint32_t probes, enum ps_err error);

/* One timeseries.csv row from the interval counters of m (which it then resets); nat: the NAT's columns, or NULL. */
void ps_trace_sample(struct ps_trace *t, ps_time now, uint64_t established, uint64_t time_wait,
		     uint64_t ports_in_use, uint32_t free_tightest, struct ps_metrics *m,
		     const struct ps_trace_nat *nat);

struct ps_pool;

/* ports.csv rows for time now: per bin of 64 ports, how many carry a socket on the first address. */
void ps_trace_ports(struct ps_trace *t, ps_time now, const struct ps_pool *pool);

/* Commits every file; 0 or -1. */
int ps_trace_commit(struct ps_trace *t);
void ps_trace_abort(struct ps_trace *t);

/* Writes summary.csv (one row) into dir: PS_SUMMARY_COLUMNS, a NAT run's columns, cap_failures with a cap, wall_s; 0 or -1 (errno set). */
int ps_summary_write(const char *dir, const char *scenario, const char *strategy, uint64_t seed,
		     ps_time duration, const struct ps_metrics *m, uint64_t events, double wall_s);

/* Formats an IPv4 address (host byte order) as dotted quad. */
void ps_ip_format(char *buf, unsigned long size, uint32_t ip);

#endif
