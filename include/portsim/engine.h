/*
 * The event queue and simulated clock. Events are ordered by (time,
 * sequence number), so equal times break ties by scheduling order on every
 * machine. Events whose delay is constant (TIME_WAIT expiry, fixed
 * durations) go into FIFO lanes, queues that stay sorted because they are
 * filled in time order; the others go into a radix wheel. A caller may
 * also keep an event outside the queue, numbered as if queued (see
 * ps_engine_pop_before_outside): a run keeps its arrivals so.
 *
 * The wheel works because time never runs backward: every event lies at or
 * after a base time, at most the time of the next event to come out. An
 * event sits at the level of the highest 6-bit digit in which its time
 * differs from the base, in the slot of that digit's value. The earliest
 * event is in the lowest busy slot of the lowest busy level: at level 0
 * (one time) it is that slot's head; in a slot of a few events it is
 * searched for; otherwise the slot's events move down, against a base
 * moved to the slot's start, each to the level where it now differs from
 * it. The wheel is asked only after the lanes, and moves nothing when a
 * lane's event comes before that slot. An event so moves at most ten
 * times, and usually once, where a heap would compare it at every level
 * of a tree. The wheel's earliest event, once found, stays known while
 * lanes' events and later ones come and go; so does a time before which
 * the wheel holds nothing.
 *
 * No allocation per event: wheel nodes come from a pool that grows by
 * doubling; a lane is a chain of fixed blocks, taken as it grows and given
 * back as it shrinks to a list that any lane takes from again, so the
 * queue's memory follows the most its lanes have held together (a ring
 * would touch all of its capacity). Blocks are cut from an arena
 * (arena.h), whose chunks are huge pages where the kernel has them: a
 * TIME_WAIT lane of a minute at 10,000 closes per second is 14 MB, and on
 * ordinary pages filling it takes 3,500 page faults. Queued events take
 * 24 bytes (time; sequence number and type in one word; id; gen), so an
 * event type must fit in 16 bits.
 * The earliest pending event is found once per event: ps_engine_peek_time
 * remembers where it is for the ps_engine_pop that follows. The lane with
 * the earliest head stays known until its event is popped, so the lanes'
 * heads are compared only then, and not at all while one lane holds events.
 */
#ifndef PORTSIM_ENGINE_H
#define PORTSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "portsim/arena.h"
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

/* The caller's type of a queued event. */
static inline uint32_t ps_qevent_type(const struct ps_qevent *q)
{
	return (uint32_t)(q->seq_type & 0xffff);
}

#define PS_LANE_BLOCK 1024

struct ps_lane_block {
	struct ps_lane_block *next;
	struct ps_qevent ev[PS_LANE_BLOCK];
};

struct ps_lane {
	struct ps_qevent *head, *tail;          /* next to pop; next free place */
	struct ps_qevent *head_end, *tail_end;  /* the ends of the first and the last block */
	struct ps_lane_block *first, *last; /* oldest, newest */
	size_t len, cap;    /* events; events its blocks can take */
};

#define PS_ENGINE_MAX_LANES 128

#define PS_WHEEL_LEVELS 11 /* 6-bit digits of a 64-bit time */
#define PS_WHEEL_SLOTS 64

struct ps_wheel_node {
	struct ps_qevent ev;
	uint32_t next; /* in its slot's list, or in the free list */
};

struct ps_wheel {
	struct ps_wheel_node *nodes;
	uint32_t cap, fresh, free;  /* nodes allocated; never used yet from fresh on; free list */
	uint32_t min, min_prev;     /* the node of the earliest event, once found (NIL until then); the one before it in its slot */
	unsigned min_level, min_slot; /* where it is */
	struct ps_qevent first;     /* a copy of it, so that comparing it takes no lookup */
	size_t len;
	ps_time base;               /* every event is at or after it */
	ps_time low;                /* so is every event, and no earlier than the last one popped */
	uint32_t levels;            /* bit l: level l holds events */
	uint64_t busy[PS_WHEEL_LEVELS]; /* bit s: slot s of the level holds events */
	struct ps_wheel_slot {
		uint32_t head, tail; /* its list's first and last node; NIL when empty */
	} slot[PS_WHEEL_LEVELS][PS_WHEEL_SLOTS];
};

struct ps_engine {
	ps_time now;
	uint64_t next_seq;
	uint64_t processed;
	struct ps_wheel wheel;
	int next_src;        /* where the earliest event is, once peek has looked */
	int next_lane;       /* the lane with the earliest head, once looked for */
	unsigned nlanes;
	uint64_t busy[2];    /* bit i: lane i holds events */
	struct ps_lane lanes[PS_ENGINE_MAX_LANES];
	struct ps_arena blocks;            /* where lane blocks are cut from */
	struct ps_lane_block *free_blocks; /* blocks lanes gave back, the last first; any lane takes from them */
};

/* Prepares an empty queue with nlanes FIFO lanes; returns 0, or -1 if nlanes is too large. */
int ps_engine_init(struct ps_engine *e, unsigned nlanes);
void ps_engine_fini(struct ps_engine *e);

/* Schedules an event at absolute time t >= now in the wheel; 0 or -1 (out of memory, t in the past, type >= 65536). */
int ps_engine_schedule(struct ps_engine *e, ps_time t, uint32_t type, uint32_t id, uint32_t gen);

/* Schedules in FIFO lane `lane`; t must not precede the lane's last event. 0 or -1. */
int ps_engine_schedule_lane(struct ps_engine *e, unsigned lane, ps_time t, uint32_t type,
			    uint32_t id, uint32_t gen);

/* Time of the earliest pending event, or PS_TIME_MAX when none. Remembers where it is for the next pop. */
ps_time ps_engine_peek_time(struct ps_engine *e);

/* Removes the earliest event into *ev, advances the clock to it; 1, or 0 when empty. */
int ps_engine_pop(struct ps_engine *e, struct ps_event *ev);

/* ps_engine_pop if the earliest event comes before `end`; else 0, and the clock stays. */
int ps_engine_pop_before(struct ps_engine *e, ps_time end, struct ps_event *ev);

/*
 * Events kept outside the queue. A caller whose source has one pending
 * event at a time, known in advance (a population's next arrival), can
 * keep it itself and spare it the queue's bookkeeping, as long as it is
 * ordered as if queued: it takes the event's sequence number when it
 * would have scheduled it, asks for queued events only before it, and
 * moves the clock to it when it plays it.
 */

/* The sequence number an event scheduled now would get; -1 (as uint64_t) once they are used up. */
uint64_t ps_engine_take_seq(struct ps_engine *e);

/*
 * ps_engine_pop if the earliest event comes before `end`, and before an
 * outside event at time t with sequence number seq (PS_TIME_MAX: none).
 */
int ps_engine_pop_before_outside(struct ps_engine *e, ps_time end, ps_time t, uint64_t seq, struct ps_event *ev);

/* The clock moves to t (not before now) for an outside event played there, which counts as processed. */
void ps_engine_play_outside(struct ps_engine *e, ps_time t);

/* Events queued, in the lanes and the wheel; not those a caller keeps outside. */
size_t ps_engine_pending(const struct ps_engine *e);

/*
 * The event k places behind the head of lane `lane` (0: the head), as
 * queued, or NULL when the lane holds no more. A lane is in time order,
 * so a caller can fetch what the events it will soon handle touch
 * (TIME_WAIT ends are far apart in memory) before it needs them.
 */
const struct ps_qevent *ps_engine_lane_at(const struct ps_engine *e, unsigned lane, size_t k);

#endif
