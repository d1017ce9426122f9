/*
 * Replaying a scenario against the live Linux kernel (docs/allocators.md#live-kernel-checks).
 *
 * ps_kernel_run moves the *calling process* into a fresh network namespace
 * (unshare(CLONE_NEWNET)): call it in a forked child so the caller's
 * namespace is untouched; the namespace disappears with that process. In it
 * the loopback interface is brought up, the scenario's range, reserved
 * ports and tw_reuse are written to /proc/sys/net/ipv4, a listener is
 * started on every destination, and the scenario's workload, resolved and
 * drawn exactly as `portsim run` resolves and draws it (config.h; same
 * seed, same streams), is played: each attempt opens a real socket in the
 * population's mode, reads its port with getsockname() and is closed from
 * the drawn side at its end time.
 *
 * Only loopback addresses are used. A destination already in 127.0.0.0/8
 * is used as it is; any other keeps its low 24 bits in 127/8 (10.0.0.k:80
 * becomes 127.0.0.k:80). A scenario whose destinations would collide, or
 * land on 127.0.0.0 or 127.255.255.255, is refused. tw_reuse = 2 (loopback
 * only) becomes 0 when the scenario's destinations are not loopback, so the
 * kernel treats the mapped destinations as the model treats the real ones.
 *
 * The kernel is the strategy: host.strategy, bind_strategy, udp_strategy,
 * unique and the strategy tunables are ignored. What the kernel cannot do
 * is refused: a TIME_WAIT other than 60 s, local_time_wait = false, more
 * than one source address, keepalive, retries, a destination port inside
 * the ephemeral range (the listener would take it out of the pool).
 *
 * The outputs are events.csv, in the schema of `portsim run --events`, and
 * summary.csv. Times are the real elapsed times since the start. What the
 * kernel does not show is not invented: probes is 0, and without tw_ends
 * there are no tw_end rows. tw_takeover rows, peak_time_wait and
 * peak_ports_in_use are inferred: a client-closed 4-tuple counts as
 * TIME_WAIT for time_wait_s after its close, and a new connection on that
 * 4-tuple within that time is a takeover (the kernel only hands it out by
 * taking the entry over). With tw_ends the namespace's /proc/net/tcp is
 * polled every PS_KERNEL_TW_POLL_MS (and never more than half the time a
 * reading takes) instead: an entry ends, with a tw_end row, at the first
 * reading that lacks it once the next reading lacks it too (a reading can
 * skip a live entry; tw_watch.h), which is what shows the timer wheel's
 * batches (docs/profiles.md#time_wait-on-the-timer-wheel).
 *
 * With `fast`, nobody waits for an arrival's time: opens and closes keep
 * their order but run back to back. That is faithful only where nothing
 * depends on elapsed time (TIME_WAIT expiry, the tw_reuse delay, the 10 s
 * re-salt of the connect() hash); the conformance test's cases are such.
 *
 * Every loop is bounded: attempts (PS_KERNEL_MAX_ATTEMPTS), live
 * connections (the range size times the destinations, which the kernel
 * cannot exceed), wall time (the scenario's duration plus
 * PS_KERNEL_SLACK_S), and each blocking call (connect, accept, the wait for
 * a peer's FIN) has a timeout.
 */
#ifndef PORTSIM_KERNEL_H
#define PORTSIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/metrics.h"
#include "portsim/run.h"
#include "portsim/scenario.h"

#define PS_KERNEL_DEFAULT_LIMIT_S 120.0
#define PS_KERNEL_MAX_ATTEMPTS 2000000u
#define PS_KERNEL_MAX_DESTINATIONS 4096u
#define PS_KERNEL_SLACK_S 60.0
#define PS_KERNEL_TW_POLL_MS 5

struct ps_kernel_options {
	const char *out_dir; /* NULL: write no files */
	double limit_s;      /* refuse a scenario whose duration_s exceeds this; 0: no limit */
	bool fast;           /* keep the order of opens and closes, not their times */
	bool progress;       /* progress lines on stderr */
	bool tw_ends;        /* poll /proc/net/tcp and write tw_end rows when TIME_WAIT entries end */
	bool search_time;    /* time connect() searches instead of replaying (ps_kernel_search_time) */
};

/* What a connect() search costs the live kernel, against the model's probe_ns. */
struct ps_kernel_search {
	uint32_t ports, trials;
	double empty_ns;          /* median connect() on the empty range */
	double full_ns;           /* ... with every port but one held toward the same destination */
	double per_candidate_ns;  /* (full - empty) / (ports / 2): one candidate of the search */
	double model_full_ns;     /* empty + ports / 2 x probe_ns: what the model adds for that search */
};

struct ps_kernel_result {
	struct ps_metrics m; /* owned: free with ps_kernel_result_fini */
	uint64_t events;     /* rows written to events.csv */
	double wall_s;
	double max_lag_s;    /* worst lateness of an action behind its scenario time */
	bool unavailable;    /* no namespace could be made (not Linux, no permission): err says why */
	/*
	 * TIME_WAIT sockets the kernel ended before time_wait_s: with --tw-ends,
	 * entries seen gone too soon; with tcp_tw_reuse = 0, ports taken again
	 * while the replay still counted them in TIME_WAIT. Either is the
	 * machine's doing (tw_lost_why: its TcpExt counters), not the
	 * allocator's. 0 in a clean run.
	 */
	uint64_t tw_lost;
	char tw_lost_why[192];
	char release[65];    /* uname -r */
};

/*
 * Whether the scenario can be replayed, without touching the kernel:
 * PS_DONE, or PS_BAD_INPUT with the reason in err. limit_s as in the options.
 */
enum ps_status ps_kernel_check(const struct ps_scenario *sc, double limit_s, char *err,
			       size_t size);

/*
 * Whether a network namespace can be made here, found in a short-lived
 * child so the caller stays where it is. false with the reason in why.
 */
bool ps_kernel_available(char *why, size_t size);

/*
 * Replays sc in a new network namespace entered by the calling process.
 * PS_DONE; PS_BAD_INPUT when the scenario cannot be replayed, or with
 * res->unavailable set when no namespace can be made; PS_FAILED on an
 * unexpected socket error, a timeout or I/O. err says why.
 */
enum ps_status ps_kernel_run(const struct ps_scenario *sc, const struct ps_kernel_options *opt,
			     struct ps_kernel_result *res, char *err, size_t size);

void ps_kernel_result_fini(struct ps_kernel_result *res);

/*
 * In a new network namespace entered by the calling process (call it in a
 * forked child): the scenario's range, a listener on 127.0.0.1:80, trials
 * connect() calls timed on the empty range, then the same with all ports
 * but one held by connections to it; fills *out and, with dir, writes
 * dir/search_time.csv. PS_DONE, PS_BAD_INPUT (the range holds port 80 or
 * more ports than descriptors), or PS_FAILED with err.
 */
enum ps_status ps_kernel_search_time(const struct ps_run_config *cfg, unsigned trials, double probe_ns,
				     struct ps_kernel_search *out, const char *dir, char *err, size_t size);

/* The loopback address destination ip is replayed on (see above). */
uint32_t ps_kernel_loopback_ip(uint32_t ip);

#endif
