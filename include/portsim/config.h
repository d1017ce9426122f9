/*
 * A resolved run: a scenario turned, once and in one place, into the
 * configuration each component takes: the engine's settings, the host's
 * (its strategies as ops, not names), the NAT's (with its allocator's ops)
 * and the workload's (its trace and duration files loaded, its
 * destinations one endpoint table). Below the run wiring nothing sees a
 * scenario, looks a name up or opens an input file.
 *
 * The address plan: a population given a count K of destinations uses
 * 10.0.0.1 ... 10.0.0.K port 80 (127.0.0.1 ... with loopback = true); one
 * given destination_list uses those endpoints, 127.0.0.0/8 ones marked
 * loopback; a replayed trace may add endpoints of its own. Source address
 * k of the host is 192.0.2.1 + k; behind a NAT, inside host k is
 * 10.128.0.1 + k and external address k is 203.0.113.1 + k.
 *
 * Who may call it: the run wiring (run.h), the kernel replay, analyses
 * and tests. A resolved configuration owns its storage; it may be moved,
 * not copied, and is freed with ps_run_config_fini.
 */
#ifndef PORTSIM_CONFIG_H
#define PORTSIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/host.h"
#include "portsim/nat.h"
#include "portsim/syn.h"
#include "portsim/types.h"
#include "portsim/workload.h"

struct ps_scenario;

#define PS_DST_FIRST_IP 0x0A000001u      /* 10.0.0.1 */
#define PS_LOOPBACK_FIRST_IP 0x7F000001u /* 127.0.0.1 */
#define PS_DST_PORT 80
#define PS_SRC_FIRST_IP 0xC0000201u      /* 192.0.2.1, TEST-NET-1 */
#define PS_INSIDE_FIRST_IP 0x0A800001u   /* 10.128.0.1 */
#define PS_NAT_FIRST_IP 0xCB007101u      /* 203.0.113.1 */

#define PS_RUN_LABEL_MAX 64

/* The storage behind the configurations' pointers: what resolving made or loaded. */
struct ps_run_data {
	uint64_t *reserved;                            /* [1024]: the host's reserved ports */
	struct ps_endpoint *dsts;                      /* the shared destination table */
	uint32_t *dst_map[PS_MAX_POPULATIONS];         /* each population's destinations */
	struct ps_replay_row *rows[PS_MAX_POPULATIONS]; /* replayed traces */
	double *empirical[PS_MAX_POPULATIONS];         /* empirical durations */
	struct ps_port_choice_cfg *choice;             /* [npop], or NULL: every population leaves it to the kernel */
};

struct ps_run_config {
	char name[PS_RUN_LABEL_MAX];     /* the scenario's, for summary.csv */
	char strategy[PS_RUN_LABEL_MAX]; /* the host's strategy as the scenario names it, for summary.csv */
	/* the engine */
	ps_time end;                     /* nothing happens at or after it */
	ps_time sample_interval;
	uint64_t seed;
	/* the observers */
	ps_time peer_time_wait;          /* the server's TIME_WAIT when it closes first */
	uint32_t hz;                     /* TIME_WAIT ends on this timer wheel (tw_timer.h); 0 = exactly */
	uint32_t max_connections[PS_MAX_POPULATIONS]; /* open at once per host of each population; 0 = no cap */
	/* connect delay (syn.h) */
	struct ps_syn_schedule syn;      /* the client's SYN retransmissions */
	enum ps_tw_collision tw_collision; /* a SYN on a 4-tuple in the server's TIME_WAIT */
	ps_time probe_cost;              /* one candidate port of a search */
	/* the components */
	struct ps_host_config host;
	bool has_nat;
	struct ps_nat_config nat;        /* when has_nat */
	const struct ps_nat_ops *nat_ops;
	struct ps_workload_config workload;
	struct ps_run_data data;         /* owned */
};

/*
 * Validates sc and resolves it into cfg, reading the files it names
 * (relative paths from the scenario's directory). 0, or -1 with a message
 * in err: the scenario's own (see ps_scenario_validate), a file that cannot
 * be read, is no regular file of at most PS_DATA_FILE_MAX bytes (input.h)
 * or holds a bad line, led by the key that named it
 * (NAME: [workload.P] trace_file = "V": FILE:LINE: what is wrong), or "out
 * of memory". cfg needs ps_run_config_fini either way; it does not point into sc.
 */
int ps_run_config_resolve(const struct ps_scenario *sc, struct ps_run_config *cfg, char *err,
			  size_t size);

/* Frees what resolving loaded; safe on a zeroed or failed configuration, and twice. */
void ps_run_config_fini(struct ps_run_config *cfg);

/*
 * Mean offered rate of population pop over the run (attempts per second),
 * for capacity formulas. A replayed trace counts its rows within the run;
 * one that cannot be read counts 0 (resolving says why).
 */
double ps_scenario_mean_rate(const struct ps_scenario *sc, unsigned pop);

#endif
