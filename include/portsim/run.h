/*
 * One run: resolves a scenario (config.h), wires the configurations to an
 * engine, a workload, a host, a NAT and the observers, and plays it. The
 * only place that knows all of them. Two runs share nothing, so analyses
 * and tests may make as many as they like.
 */
#ifndef PORTSIM_RUN_H
#define PORTSIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/config.h"
#include "portsim/metrics.h"
#include "portsim/observe.h"
#include "portsim/scenario.h"

struct ps_run_options {
	const char *out_dir;  /* NULL: write no files */
	bool events;          /* also write events.csv */
	bool events_gz;       /* write events.csv.gz (gzip of events.csv's bytes) instead of events.csv */
	bool ports;           /* also write ports.csv (occupancy per port bin and sample) */
	bool progress;        /* progress on stderr: a line redrawn on a terminal, else a line every 10 s */
	bool observe;         /* fill the result's obs (only compare reports it); else obs stays empty */
	struct ps_follow *follow; /* NULL, or told every attempt and port change (follow.h) */
	/*
	 * Draw the workload ahead on a second thread (draws.h): worth it for a
	 * run with a core to spare beside it, not for analyses that already
	 * run a simulation on every core. Outputs are the same either way.
	 */
	bool draw_ahead;
};

struct ps_run_result {
	struct ps_metrics m;  /* owned by the result: free with ps_run_result_fini */
	struct ps_observe obs; /* reuse distance, peer TIME_WAIT collisions, predictability (opt->observe); owned too */
	uint64_t events;      /* engine events processed */
	double wall_s;
};

/*
 * Exit-code-like status: 0 done, 1 run-time (I/O, memory), 2 bad scenario;
 * PS_INTERRUPTED when a signal stopped it (interrupt.h): the command exits
 * 128 + the signal.
 */
enum ps_status { PS_DONE = 0, PS_FAILED = 1, PS_BAD_INPUT = 2, PS_INTERRUPTED = 3 };

/*
 * Validates and resolves sc, then plays it. With opt->out_dir it writes
 * summary.csv, scenario.ini, hosts.csv (with a NAT) and what the options
 * ask for. PS_DONE (free res with ps_run_result_fini), or the status with
 * the reason in err and nothing left to free. Writing stops at the first
 * row that cannot be written (PS_FAILED), and the event loop at a signal
 * (PS_INTERRUPTED); either way the files it had open are removed.
 */
enum ps_status ps_run(const struct ps_scenario *sc, const struct ps_run_options *opt,
		      struct ps_run_result *res, char *err, size_t size);

/*
 * Plays an already resolved configuration, as ps_run does, so one
 * resolution may serve several runs; it writes everything ps_run writes
 * but scenario.ini, which only the scenario can give.
 */
enum ps_status ps_run_resolved(const struct ps_run_config *cfg, const struct ps_run_options *opt,
			       struct ps_run_result *res, char *err, size_t size);

void ps_run_result_fini(struct ps_run_result *res);

/* What a run of a scenario will cost, from its rates, before it starts. */
struct ps_run_estimate {
	double attempts;      /* connection attempts (requests, with keepalive) over the run */
	double events;        /* engine events: about 3 per attempt (arrival, close, end of TIME_WAIT) */
	double events_bytes;  /* size of events.csv: about 3 rows per attempt */
};

/* Events and events.csv size for sc, from each population's mean rate times the duration. */
void ps_run_estimate(const struct ps_scenario *sc, struct ps_run_estimate *e);

#endif
