/*
 * The offered load: for each population, when the next connection attempt
 * comes, where it goes, from which source address, how long it lives and
 * who closes it. Every draw comes from a stream of its own per population
 * and purpose, so the same seed offers the same load whatever the strategy
 * (common random numbers).
 *
 * Destinations: all populations share one table of endpoints, so two
 * populations naming the same address and port talk to the same server.
 * A population given a count K uses 10.0.0.1 ... 10.0.0.K port 80
 * (127.0.0.1 ... with loopback = true); one given destination_list uses
 * those endpoints, 127.0.0.0/8 ones marked loopback.
 */
#ifndef PORTSIM_WORKLOAD_H
#define PORTSIM_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/host.h"
#include "portsim/rng.h"
#include "portsim/scenario.h"
#include "portsim/types.h"

#define PS_DST_FIRST_IP 0x0A000001u      /* 10.0.0.1 */
#define PS_LOOPBACK_FIRST_IP 0x7F000001u /* 127.0.0.1 */
#define PS_DST_PORT 80
/* Source address k of the host is 192.0.2.1 + k (TEST-NET-1). */
#define PS_SRC_FIRST_IP 0xC0000201u
/* Behind a NAT, inside host k is 10.128.0.1 + k and external address k is 203.0.113.1 + k. */
#define PS_INSIDE_FIRST_IP 0x0A800001u
#define PS_NAT_FIRST_IP 0xCB007101u

/* One row of a replayed trace. */
struct ps_replay_row {
	ps_time t;
	uint32_t dst;       /* index into the population's destinations */
	ps_time duration;   /* PS_TIME_MAX: draw it from the duration distribution */
};

struct ps_pop_state {
	uint64_t arrivals;   /* arrival times handed out so far */
	uint64_t drawn;      /* attempts drawn so far */
	uint32_t next_addr;  /* round-robin over source addresses */
	uint32_t addr_base, naddr; /* the source addresses (inside hosts) this population uses */
	uint32_t *dst_map;   /* population destination k -> index in the shared table */
	uint32_t ndst;
	double *zipf_cdf;    /* [ndst], for choice = zipf */
	/* arrival process state */
	ps_time on_until, off_until; /* onoff: current period */
	uint32_t burst_left;         /* burst: attempts left at burst_t */
	ps_time burst_t;
	struct ps_replay_row *rows;  /* replay */
	size_t nrows;
	double *empirical;           /* empirical durations, seconds */
	size_t nempirical;
	struct ps_rng arrival_rng, duration_rng, dst_rng, closer_rng, source_rng;
};

struct ps_workload {
	const struct ps_scenario *sc;
	struct ps_endpoint *dsts;    /* the shared destination table */
	uint32_t ndsts;
	struct ps_pop_state pops[PS_MAX_POPULATIONS];
};

/* One connection attempt, fully drawn. */
struct ps_attempt {
	uint32_t dst;        /* index into the shared table */
	uint32_t addr;       /* source address index */
	ps_time duration;
	bool client_closes;
	enum ps_mode mode;
};

/*
 * 0, or -1 with a message in err: out of memory, or a trace, duration or
 * destination file/list that cannot be read (FILE:LINE: what is wrong).
 * sc must outlive w. Relative paths are taken from sc->dir.
 */
int ps_workload_init(struct ps_workload *w, const struct ps_scenario *sc, uint64_t seed, char *err,
		     size_t size);
void ps_workload_fini(struct ps_workload *w);

/*
 * Time of population pop's next arrival (its first, on the first call);
 * `now` is the time of the arrival being handled. PS_TIME_MAX when it
 * offers no more. Constant arrivals fall exactly on start + k/rate; a burst
 * returns the same time burst_size times in a row.
 */
ps_time ps_workload_next_arrival(struct ps_workload *w, unsigned pop, ps_time now);

/* Draws destination, source address, duration and closer for pop's next attempt. */
void ps_workload_draw(struct ps_workload *w, unsigned pop, struct ps_attempt *a);

/* Mean offered rate of pop over the run (attempts per second), for capacity formulas. */
double ps_workload_mean_rate(const struct ps_scenario *sc, unsigned pop);

#endif
