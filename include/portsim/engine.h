/*
 * The event queue and simulated clock. Events are ordered by (time,
 * sequence number), so equal times break ties by scheduling order on every
 * machine. Randomly delayed events go into a 4-ary heap; events whose delay
 * is constant (TIME_WAIT expiry, fixed durations) go into FIFO lanes, ring
 * buffers that stay sorted because they are filled in time order.
 * No allocation per event: the heap and lanes grow by doubling.
 */
#ifndef PORTSIM_ENGINE_H
#define PORTSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "portsim/types.h"

struct ps_event {
	ps_time t;
	uint64_t seq;
	uint32_t type; /* meaning is the caller's */
	uint32_t id;   /* e.g. a connection slot or a population index */
	uint32_t gen;  /* lets the caller recognise stale events */
};

struct ps_lane {
	struct ps_event *buf;
	size_t cap, head, len; /* cap is a power of two */
};

#define PS_ENGINE_MAX_LANES 128

struct ps_engine {
	ps_time now;
	uint64_t next_seq;
	uint64_t processed;
	struct ps_event *heap;
	size_t heap_len, heap_cap;
	struct ps_lane lanes[PS_ENGINE_MAX_LANES];
	unsigned nlanes;
};

/* Prepares an empty queue with nlanes FIFO lanes; returns 0, or -1 if nlanes is too large. */
int ps_engine_init(struct ps_engine *e, unsigned nlanes);
void ps_engine_fini(struct ps_engine *e);

/* Schedules an event at absolute time t >= now in the heap; 0 or -1 (out of memory, or t in the past). */
int ps_engine_schedule(struct ps_engine *e, ps_time t, uint32_t type, uint32_t id, uint32_t gen);

/* Schedules in FIFO lane `lane`; t must not precede the lane's last event. 0 or -1. */
int ps_engine_schedule_lane(struct ps_engine *e, unsigned lane, ps_time t, uint32_t type,
			    uint32_t id, uint32_t gen);

/* Time of the earliest pending event, or PS_TIME_MAX when none. */
ps_time ps_engine_peek_time(const struct ps_engine *e);

/* Removes the earliest event into *ev, advances the clock to it; 1, or 0 when empty. */
int ps_engine_pop(struct ps_engine *e, struct ps_event *ev);

size_t ps_engine_pending(const struct ps_engine *e);

#endif
