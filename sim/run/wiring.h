/*
 * What the run's files share: the run played from a resolved
 * configuration (run.c), the scenario entry that resolves it (entry.c),
 * and the files written besides the trace (outputs.c): hosts.csv behind a
 * NAT, and scenario.ini, the scenario as given, so a result can be run again.
 */
#ifndef PORTSIM_RUN_WIRING_H
#define PORTSIM_RUN_WIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/config.h"
#include "portsim/run.h"

struct ps_scenario;

/* Per inside host, so that "which VM runs out first" has an answer. */
struct ps_host_stats {
	uint64_t attempts, failures, nat_failures;
	uint32_t established, peak;
};

/* hosts.csv: one row per inside host behind the NAT (hosts: [cfg->host.naddrs]). 0 or -1 (errno). */
int ps_run_write_hosts(const char *dir, const struct ps_run_config *cfg,
		       const struct ps_host_stats *hosts);

/* scenario.ini, written then renamed like the CSV files. 0 or -1 (errno). */
int ps_run_write_scenario(const char *dir, const struct ps_scenario *sc);

/*
 * scenario.ini as ps_run_write_scenario writes it, but with each data file
 * the run read (trace_file, duration_file) copied into dir/data/ and named
 * there as data/NAME, so the folder repeats the run from anywhere
 * (bundle.c). 0 or -1 (errno).
 */
int ps_run_write_bundle(const char *dir, const struct ps_scenario *sc);

/* ps_run_resolved with wall_s counted from started (a wall_now() reading), so resolving counts too. */
enum ps_status ps_run_play(const struct ps_run_config *cfg, const struct ps_run_options *opt,
			   struct ps_run_result *res, double started, char *err, size_t size);

/* Seconds on a monotonic clock. */
double ps_run_wall_now(void);

/* ---- nat_view.c: the NAT's columns and figures, in runs with a NAT ---- */

struct ps_metrics;
struct ps_nat;
struct ps_trace_nat;

/* Marks m as a NAT run's (summary.csv gains the NAT's columns) and notes the NAT's pool. */
void ps_run_nat_start(struct ps_metrics *m, const struct ps_nat *nat);

/* The NAT's part of the sample row into *row, which it returns; notes the fewest free ports in m. */
struct ps_trace_nat *ps_run_nat_sample(struct ps_metrics *m, const struct ps_nat *nat, struct ps_trace_nat *row);

/* The NAT's peaks and first drop into m, at the end of the run. */
void ps_run_nat_finish(struct ps_metrics *m, const struct ps_nat *nat);

/* ---- watch.c: what the event loop does between events ---- */

struct ps_engine;
struct ps_trace;

/* Why a run's event loop stopped. */
enum ps_run_stop { PS_RUN_PLAYED, PS_RUN_NO_MEMORY, PS_RUN_WRITE_FAILED, PS_RUN_INTERRUPTED };

/* Every this many events or samples the loop calls ps_run_watch. */
#define PS_RUN_WATCH_EVERY 4096

struct ps_run_watch {
	bool on, tty;             /* progress; on a terminal one line redrawn each second, else a line each 10 s */
	double started, last_shown;
};

void ps_run_watch_start(struct ps_run_watch *w, bool progress);

/*
 * Looks up from the queue: PS_RUN_INTERRUPTED after a signal,
 * PS_RUN_WRITE_FAILED once a row of trace (NULL: none) could not be
 * written, else PS_RUN_PLAYED, drawing progress when it is time.
 */
enum ps_run_stop ps_run_watch(struct ps_run_watch *w, const struct ps_engine *e, ps_time end,
			      const struct ps_trace *trace);

/* The status of a run stopped early for why, with err saying so (trace: the run's, or NULL). */
enum ps_status ps_run_stopped(enum ps_run_stop why, const struct ps_trace *trace, const char *dir, uint64_t events,
			      char *err, size_t size);

/* The last progress line, when progress is on. */
void ps_run_watch_end(const struct ps_run_watch *w, const struct ps_engine *e, ps_time end);

/* The status of a run that could not start: out of memory is the machine's, the rest the user's. */
enum ps_status ps_run_init_failure(const char *err);

#endif
