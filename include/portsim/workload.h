/*
 * The offered load: for each population, when the next connection attempt
 * comes, where it goes, how long it lives and who closes it. Every draw
 * comes from a stream of its own per population and purpose, so the same
 * seed offers the same load whatever the strategy (common random numbers).
 */
#ifndef PORTSIM_WORKLOAD_H
#define PORTSIM_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "portsim/host.h"
#include "portsim/rng.h"
#include "portsim/scenario.h"
#include "portsim/types.h"

/* Destination k of a population is 10.0.0.1 + k, port 80: populations with K >= 1 share 10.0.0.1:80. */
#define PS_DST_FIRST_IP 0x0A000001u
#define PS_DST_PORT 80
/* Source address k of the host is 192.0.2.1 + k (TEST-NET-1). */
#define PS_SRC_FIRST_IP 0xC0000201u

struct ps_pop_state {
	uint64_t arrivals;   /* attempts offered so far */
	uint32_t next_addr;  /* round-robin over source addresses */
	struct ps_rng arrival_rng, duration_rng, dst_rng, closer_rng;
};

struct ps_workload {
	const struct ps_scenario *sc;
	struct ps_endpoint *dsts;
	uint32_t ndsts;
	struct ps_pop_state pops[PS_MAX_POPULATIONS];
};

/* One connection attempt, fully drawn. */
struct ps_attempt {
	uint32_t dst;
	uint32_t addr;
	ps_time duration;
	bool client_closes;
	enum ps_mode mode;
};

/* 0, or -1 when out of memory. sc must outlive w. */
int ps_workload_init(struct ps_workload *w, const struct ps_scenario *sc, uint64_t seed);
void ps_workload_fini(struct ps_workload *w);

/*
 * Time of population pop's next arrival after one at `now` (or its first
 * arrival, when none has come yet); PS_TIME_MAX when it offers no more.
 * Constant arrivals fall exactly on start + k/rate, without drift.
 */
ps_time ps_workload_next_arrival(struct ps_workload *w, unsigned pop, ps_time now);

/* Draws destination, source address, duration and closer for one attempt of pop. */
void ps_workload_draw(struct ps_workload *w, unsigned pop, struct ps_attempt *a);

#endif
