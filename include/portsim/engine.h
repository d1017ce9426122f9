/*
 * The event queue and simulated clock. Events are ordered by (time,
 * sequence number), so equal times break ties by scheduling order on every
 * machine. Randomly delayed events go into a 4-ary heap; events whose delay
 * is constant (TIME_WAIT expiry, fixed durations) go into FIFO lanes, queues
 * that stay sorted because they are filled in time order.
 * No allocation per event: the heap grows by doubling; a lane is a chain
 * of fixed blocks, taken and given back as it grows and shrinks, so its
 * memory follows its length (a ring would touch all of its capacity).
 *
 * Queued events are stored in 24 bytes (time; sequence number and type in
 * one word; id; gen), so an event type must fit in 16 bits. The earliest
 * pending event is found once per event: ps_engine_peek_time remembers
 * where it is for the ps_engine_pop that follows.
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

/* An event as the queue keeps it: order = seq_type >> 16, type = its low 16 bits. */
struct ps_qevent {
	ps_time t;
	uint64_t seq_type;
	uint32_t id, gen;
};

#define PS_LANE_BLOCK 1024

struct ps_lane_block {
	struct ps_lane_block *next;
	struct ps_qevent ev[PS_LANE_BLOCK];
};

struct ps_lane {
	struct ps_lane_block *first, *last, *spare; /* oldest, newest, one kept for reuse */
	size_t head, tail;  /* next to pop in first; next free in last */
	size_t len, cap;    /* events; events the blocks held (spare included) can take */
};

#define PS_ENGINE_MAX_LANES 128

struct ps_engine {
	ps_time now;
	uint64_t next_seq;
	uint64_t processed;
	struct ps_qevent *heap;
	size_t heap_len, heap_cap;
	int next_src;        /* where the earliest event is, once peek has looked */
	unsigned nlanes;
	uint64_t busy[2];    /* bit i: lane i holds events */
	struct ps_lane lanes[PS_ENGINE_MAX_LANES];
};

/* Prepares an empty queue with nlanes FIFO lanes; returns 0, or -1 if nlanes is too large. */
int ps_engine_init(struct ps_engine *e, unsigned nlanes);
void ps_engine_fini(struct ps_engine *e);

/* Schedules an event at absolute time t >= now in the heap; 0 or -1 (out of memory, t in the past, type >= 65536). */
int ps_engine_schedule(struct ps_engine *e, ps_time t, uint32_t type, uint32_t id, uint32_t gen);

/* Schedules in FIFO lane `lane`; t must not precede the lane's last event. 0 or -1. */
int ps_engine_schedule_lane(struct ps_engine *e, unsigned lane, ps_time t, uint32_t type,
			    uint32_t id, uint32_t gen);

/* Time of the earliest pending event, or PS_TIME_MAX when none. Remembers where it is for the next pop. */
ps_time ps_engine_peek_time(struct ps_engine *e);

/* Removes the earliest event into *ev, advances the clock to it; 1, or 0 when empty. */
int ps_engine_pop(struct ps_engine *e, struct ps_event *ev);

size_t ps_engine_pending(const struct ps_engine *e);

/*
 * The id of the event k places behind the head of lane `lane` (0: the
 * head), or UINT32_MAX when the lane holds no more. A lane is in time
 * order, so a caller can fetch the records of the events it will soon
 * handle (TIME_WAIT ends are far apart in memory) before it needs them.
 */
uint32_t ps_engine_lane_ahead(const struct ps_engine *e, unsigned lane, size_t k);

#endif
