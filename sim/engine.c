/*
 * The event queue (engine.h). Every event passes through here, so the
 * common paths (a lane's push and pop, the wheel's insert, the earliest
 * already known) are kept short, and what is rare (growth, moving a slot
 * down, a block used up, an event before the base) is in functions marked
 * noinline: inlined, they make the common path save registers on every
 * call, which link-time optimisation otherwise does.
 */
#include "portsim/engine.h"

#include "portsim/arena.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The wheel's first node pool: small, and growth is rare after it. */
#define INITIAL_NODES 64
#define NIL UINT32_MAX
#define DIGIT 6
/* A slot of at most this many events is searched for its earliest; a fuller one moves down. */
#define SCAN_MAX 8

/* next_src: the wheel, a lane index, nothing pending, or not known yet. */
#define SRC_WHEEL (-1)
#define SRC_NONE (-2)
#define SRC_UNKNOWN (-3)

/*
 * The sequence number leaves 16 bits for the type: 2^48 events are more
 * than any run schedules. The last number is never given, so no event's
 * order is the all-ones value earliest() starts from.
 */
#define TYPE_BITS 16
#define MAX_SEQ ((1ULL << (64 - TYPE_BITS)) - 1)

__extension__ typedef unsigned __int128 u128;

/* (time, sequence) as one number: a single compare the processor need not predict. */
static inline u128 order_of(ps_time t, uint64_t seq_type)
{
	return ((u128)t << 64) | seq_type;
}

static inline u128 order(const struct ps_qevent *a)
{
	return order_of(a->t, a->seq_type);
}

static inline int before(const struct ps_qevent *a, const struct ps_qevent *b)
{
	return order(a) < order(b);
}

/* An empty queue; storage comes on first use, so this cannot fail for lack of memory. */
static void reset(struct ps_engine *e, unsigned nlanes)
{
	memset(e, 0, sizeof(*e));
	e->nlanes = nlanes;
	e->next_src = e->next_lane = SRC_NONE;
	e->wheel.free = e->wheel.min = NIL;
	memset(e->wheel.slot, 0xff, sizeof(e->wheel.slot));
}

int ps_engine_init(struct ps_engine *e, unsigned nlanes)
{
	if (nlanes > PS_ENGINE_MAX_LANES)
		return -1;
	reset(e, nlanes);
	return 0;
}

void ps_engine_fini(struct ps_engine *e)
{
	free(e->wheel.nodes);
	ps_arena_fini(&e->blocks);
	reset(e, 0);
}

/*
 * The queued form of a new event, numbered now; 0, or -1 when the type
 * does not fit or the numbers are used up. ps_engine_take_seq numbers an
 * outside event by the same rule; written out here, not called, because
 * through a shared helper the compiler made every schedule 0.2 % dearer.
 */
static int make(struct ps_engine *e, struct ps_qevent *q, ps_time t, uint32_t type, uint32_t id,
		uint32_t gen)
{
	if (type >> TYPE_BITS || e->next_seq >= MAX_SEQ)
		return -1;
	*q = (struct ps_qevent){ .t = t, .seq_type = (e->next_seq++ << TYPE_BITS) | type, .id = id, .gen = gen };
	return 0;
}

uint64_t ps_engine_take_seq(struct ps_engine *e)
{
	return e->next_seq < MAX_SEQ ? e->next_seq++ : UINT64_MAX;
}

/* The event next_src names; src must name a pending one. */
static const struct ps_qevent *at(const struct ps_engine *e, int src)
{
	return src == SRC_WHEEL ? &e->wheel.first : e->lanes[src].head;
}

/* A new event just became pending in src: it may be the new earliest. */
static void note_new(struct ps_engine *e, int src, const struct ps_qevent *q)
{
	if (e->next_src == SRC_UNKNOWN)
		return;
	if (e->next_src == SRC_NONE || before(q, at(e, e->next_src)))
		e->next_src = src;
}

/* ---- the wheel ---- */

/* The level at which t is kept: its highest 6-bit digit that differs from the base. */
static unsigned level_of(ps_time t, ps_time base)
{
	/* Bit 0 set spares a branch: a time equal to the base is at level 0 either way. */
	return (unsigned)(63 - __builtin_clzll((t ^ base) | 1)) / DIGIT;
}

static void slot_append(struct ps_wheel *w, uint32_t n)
{
	ps_time t = w->nodes[n].ev.t;
	unsigned l = level_of(t, w->base), s = (unsigned)(t >> (DIGIT * l)) & (PS_WHEEL_SLOTS - 1);
	struct ps_wheel_slot *sl = &w->slot[l][s];
	w->nodes[n].next = NIL;
	if (sl->head == NIL) {
		sl->head = n;
		w->busy[l] |= 1ULL << s;
		w->levels |= 1u << l;
	} else {
		w->nodes[sl->tail].next = n;
	}
	sl->tail = n;
}

/* Detaches every node, then files each again against the base: its level follows a base that moved back. Rare. */
static __attribute__((noinline)) void refile(struct ps_wheel *w)
{
	uint32_t first = NIL, last = NIL;
	for (unsigned l = 0; l < PS_WHEEL_LEVELS; l++) {
		for (uint64_t m = w->busy[l]; m; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctzll(m);
			if (first == NIL)
				first = w->slot[l][s].head;
			else
				w->nodes[last].next = w->slot[l][s].head;
			last = w->slot[l][s].tail;
			w->slot[l][s].head = w->slot[l][s].tail = NIL;
		}
		w->busy[l] = 0;
	}
	w->levels = 0;
	w->min = NIL;
	if (last != NIL)
		w->nodes[last].next = NIL;
	/* Events of one time share a slot, so filing slot after slot keeps their order. */
	for (uint32_t n = first, next; n != NIL; n = next) {
		next = w->nodes[n].next;
		slot_append(w, n);
	}
}

/* A node for a new event when the free list is empty: never used yet, in a pool that doubles when full. NIL when out of memory. */
static __attribute__((noinline)) uint32_t node_fresh(struct ps_wheel *w)
{
	if (w->fresh == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : INITIAL_NODES;
		struct ps_wheel_node *nodes = cap > w->cap ? realloc(w->nodes, (size_t)cap * sizeof(*nodes)) : NULL;
		if (!nodes)
			return NIL;
		w->nodes = nodes;
		w->cap = cap;
	}
	return w->fresh++;
}

/* The lowest busy level and its lowest busy slot, where the earliest event is. */
static void lowest_slot(const struct ps_wheel *w, unsigned *level, unsigned *slot)
{
	*level = (unsigned)__builtin_ctz(w->levels);
	*slot = (unsigned)__builtin_ctzll(w->busy[*level]);
}

/* Slot s of level l has just been emptied. */
static void slot_emptied(struct ps_wheel *w, unsigned l, unsigned s)
{
	w->slot[l][s].head = w->slot[l][s].tail = NIL;
	if (!(w->busy[l] &= ~(1ULL << s)))
		w->levels &= ~(1u << l);
}

/* The earliest time slot s of level l can hold: the base's digits above l, then s, then zeros. */
static ps_time slot_start(ps_time base, unsigned l, unsigned s)
{
	unsigned top = DIGIT * (l + 1);
	ps_time high = top >= 64 ? 0 : base >> top << top;
	return high | (ps_time)s << (DIGIT * l);
}

/* Files again the events of slot s of level l, which no longer differ from the base in that digit. Out of line: a move is of many events. */
static __attribute__((noinline)) void slot_move_down(struct ps_wheel *w, unsigned l, unsigned s)
{
	uint32_t n = w->slot[l][s].head;
	slot_emptied(w, l, s);
	while (n != NIL) {
		uint32_t next = w->nodes[n].next;
		slot_append(w, n);
		n = next;
	}
}

/* Node n, after prev in slot s of level l, holds the wheel's earliest event. */
static void found(struct ps_wheel *w, uint32_t n, uint32_t prev, unsigned l, unsigned s)
{
	w->min = n;
	w->min_prev = prev;
	w->min_level = l;
	w->min_slot = s;
	w->first = w->nodes[n].ev;
}

/*
 * Finds the earliest event of slot s of level l: true, or false when the
 * slot holds more than SCAN_MAX. Which of a few random times is earliest
 * cannot be predicted, so the running best is chosen by selection, not
 * by a branch.
 */
static bool slot_search(struct ps_wheel *w, unsigned l, unsigned s)
{
	uint32_t n = w->slot[l][s].head, best = n, best_prev = NIL, k = 1;
	u128 best_key = order(&w->nodes[n].ev);
	for (uint32_t prev = n; (n = w->nodes[prev].next) != NIL; prev = n) {
		if (++k > SCAN_MAX)
			return false;
		u128 key = order(&w->nodes[n].ev);
		uint32_t take = -(uint32_t)(key < best_key); /* all ones when n is earlier */
		best = (n & take) | (best & ~take);
		best_prev = (prev & take) | (best_prev & ~take);
		best_key = key < best_key ? key : best_key;
	}
	found(w, best, best_prev, l, s);
	return true;
}

/*
 * Finds the wheel's earliest event, in the lowest busy slot, and keeps
 * its node in w->min; or leaves w->min NIL when its earliest event may
 * come after `bound` (the earliest lane's time), raising w->low to the
 * start of the slot that would have to move down. A slot of level 0 holds
 * events of one time, in scheduling order, so its head is the earliest; a
 * slot of a few events is searched. A fuller slot's events move down, in
 * list order, against a base moved to the slot's start: no event is
 * earlier, and neither is the event popped next (the wheel's, or a
 * lane's at or after that start), so every later event lands at or after
 * the new base. Out of line: most events find the earliest already known.
 */
static __attribute__((noinline)) void wheel_front(struct ps_wheel *w, ps_time bound)
{
	while (w->levels) {
		unsigned l, s;
		lowest_slot(w, &l, &s);
		if (l == 0) {
			found(w, w->slot[0][s].head, NIL, 0, s);
			return;
		}
		if (slot_search(w, l, s))
			return;
		ps_time start = slot_start(w->base, l, s);
		if (start > bound) {
			w->low = start;
			return;
		}
		w->base = start;
		slot_move_down(w, l, s);
	}
}

/*
 * Takes out the earliest event, which wheel_front has found in the lowest
 * busy slot. The base stays: the events left are where they were filed
 * against it, and a later event (at or after this one) files after them.
 * Events that came into its slot since it was found stay behind it in the
 * list, so the node before it is still the one wheel_front saw.
 */
static void wheel_pop(struct ps_wheel *w, struct ps_qevent *q)
{
	unsigned l = w->min_level, s = w->min_slot;
	uint32_t m = w->min, prev = w->min_prev, next = w->nodes[m].next;
	if (prev == NIL)
		w->slot[l][s].head = next;
	else
		w->nodes[prev].next = next;
	if (next == NIL) {
		if (prev == NIL)
			slot_emptied(w, l, s);
		else
			w->slot[l][s].tail = prev;
	}
	*q = w->first;
	w->low = q->t;
	w->min = NIL;
	w->nodes[m].next = w->free;
	w->free = m;
	w->len--;
}

/*
 * ps_engine_schedule when the wheel has no free node, or t comes before
 * the base. The base may have moved ahead of the clock, to the start of a
 * slot it pulled down while looking for the earliest event; an event
 * before it (scheduled between a peek and its pop) moves it back.
 */
static __attribute__((noinline)) int prepare_then_schedule(struct ps_engine *e, ps_time t, uint32_t type,
							    uint32_t id, uint32_t gen)
{
	struct ps_wheel *w = &e->wheel;
	if (w->free == NIL) {
		uint32_t n = node_fresh(w);
		if (n == NIL)
			return -1;
		w->nodes[n].next = NIL;
		w->free = n;
	}
	if (t < w->base) {
		w->base = t;
		refile(w);
		e->next_src = SRC_UNKNOWN; /* the wheel's earliest has to be found again */
	}
	return ps_engine_schedule(e, t, type, id, gen);
}

int ps_engine_schedule(struct ps_engine *e, ps_time t, uint32_t type, uint32_t id, uint32_t gen)
{
	struct ps_wheel *w = &e->wheel;
	if (t < e->now)
		return -1;
	/* Handed off, so that the usual insertion calls nothing. */
	if (w->free == NIL || t < w->base)
		return prepare_then_schedule(e, t, type, id, gen);
	struct ps_qevent q;
	if (make(e, &q, t, type, id, gen) != 0)
		return -1;
	/* An event before the one a peek found: the wheel has to find it. */
	if (e->next_src != SRC_UNKNOWN && (e->next_src == SRC_NONE || before(&q, at(e, e->next_src))))
		e->next_src = SRC_UNKNOWN;
	/* The earliest event found stays the earliest unless this one comes before it. */
	if (w->min != NIL && before(&q, &w->first))
		w->min = NIL;
	if (t < w->low)
		w->low = t;
	uint32_t n = w->free;
	w->free = w->nodes[n].next;
	w->nodes[n].ev = q;
	slot_append(w, n);
	w->len++;
	return 0;
}

/* A block for a lane's tail: the one given back last (likely still in the cache), else a new one. NULL when out of memory. */
static struct ps_lane_block *block_take(struct ps_engine *e)
{
	struct ps_lane_block *b = e->free_blocks;
	if (b) {
		e->free_blocks = b->next;
		return b;
	}
	return ps_arena_alloc(&e->blocks, sizeof(*b));
}

/* A block a lane no longer needs goes to the engine's list, for whichever lane grows next. */
static void block_give(struct ps_engine *e, struct ps_lane_block *b)
{
	b->next = e->free_blocks;
	e->free_blocks = b;
}

/* The lane's last block is full, or it has none: a new one goes at its tail. 0 or -1. */
static int lane_grow(struct ps_engine *e, struct ps_lane *l)
{
	struct ps_lane_block *b = block_take(e);
	if (!b)
		return -1;
	b->next = NULL;
	l->cap += PS_LANE_BLOCK;
	if (l->last) {
		l->last->next = b;
	} else {
		l->first = b;
		l->head = b->ev;
		l->head_end = b->ev + PS_LANE_BLOCK;
	}
	l->last = b;
	l->tail = b->ev;
	l->tail_end = b->ev + PS_LANE_BLOCK;
	return 0;
}

/* Puts a new event at the tail of a lane with room for it; 0 or -1. */
static inline int lane_put(struct ps_engine *e, unsigned lane, ps_time t, uint32_t type, uint32_t id, uint32_t gen)
{
	struct ps_lane *l = &e->lanes[lane];
	struct ps_qevent q;
	if (make(e, &q, t, type, id, gen) != 0)
		return -1;
	*l->tail++ = q;
	if (l->len++ == 0) {
		e->busy[lane >> 6] |= 1ULL << (lane & 63);
		if (e->next_lane != SRC_UNKNOWN &&
		    (e->next_lane == SRC_NONE || before(&q, e->lanes[e->next_lane].head)))
			e->next_lane = (int)lane;
		note_new(e, (int)lane, &q);
	}
	return 0;
}

/* lane_put for a lane whose last block is full, or which has none. */
static __attribute__((noinline)) int grow_then_put(struct ps_engine *e, unsigned lane, ps_time t, uint32_t type,
						    uint32_t id, uint32_t gen)
{
	if (lane_grow(e, &e->lanes[lane]) != 0)
		return -1;
	return lane_put(e, lane, t, type, id, gen);
}

int ps_engine_schedule_lane(struct ps_engine *e, unsigned lane, ps_time t, uint32_t type,
			    uint32_t id, uint32_t gen)
{
	if (lane >= e->nlanes || t < e->now)
		return -1;
	struct ps_lane *l = &e->lanes[lane];
	/* A lane is only sorted because callers fill it in time order; refuse anything else. */
	if (l->len && t < l->tail[-1].t)
		return -1;
	/* Growth is handed off, so that the usual insertion, into a block with room, calls nothing. */
	if (l->tail == l->tail_end)
		return grow_then_put(e, lane, t, type, id, gen);
	return lane_put(e, lane, t, type, id, gen);
}

/* The first block is used up: the next event starts the second. */
static __attribute__((noinline)) void next_block(struct ps_engine *e, struct ps_lane *l)
{
	struct ps_lane_block *b = l->first;
	l->first = b->next;
	l->head = l->first->ev;
	l->head_end = l->head + PS_LANE_BLOCK;
	l->cap -= PS_LANE_BLOCK;
	block_give(e, b);
}

/* Takes out the head event of a lane that holds one; what is rare is out of line. */
static inline void lane_pop(struct ps_engine *e, unsigned lane, struct ps_qevent *q)
{
	struct ps_lane *l = &e->lanes[lane];
	*q = *l->head++;
	l->len--;
	if (l->head == l->tail) {
		/*
		 * An empty lane keeps its block for the next event, from its
		 * start: a lane that holds one event at a time (the ends of
		 * fixed-duration connections at a low rate) would otherwise
		 * give its block back and take it again for every event.
		 */
		e->busy[lane >> 6] &= ~(1ULL << (lane & 63));
		l->head = l->tail = l->first->ev;
	} else if (l->head == l->head_end) {
		next_block(e, l);
	}
}

/*
 * Where the earliest pending event is. A scan of the heads of the lanes
 * that hold events is cheaper than a heap of lanes for the handful a run
 * uses; the wheel is asked last, so that it moves nothing down when a
 * lane's event comes first.
 */
/* The lane that holds events when only one does, SRC_NONE when none does, else SRC_UNKNOWN: nothing to compare. */
static inline int lane_alone(const struct ps_engine *e)
{
	uint64_t one = e->busy[0];
	if (one & (one - 1) || e->busy[1])
		return SRC_UNKNOWN;
	return one ? __builtin_ctzll(one) : SRC_NONE;
}

/* The lane with the earliest head, or SRC_NONE. */
static int lanes_earliest(const struct ps_engine *e)
{
	int src = lane_alone(e);
	if (src != SRC_UNKNOWN)
		return src;
	src = SRC_NONE;
	u128 best = ~(u128)0;
	for (unsigned w = 0; w < 2; w++) {
		for (uint64_t m = e->busy[w]; m; m &= m - 1) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(m);
			u128 k = order(e->lanes[i].head);
			if (k < best) {
				best = k;
				src = (int)i;
			}
		}
	}
	return src;
}

/*
 * Where the earliest pending event is. `outside` is the time of an event
 * the caller keeps outside the queue (PS_TIME_MAX: none): the wheel need
 * not look past it. *exact says whether the answer is the earliest of all
 * pending events; when the wheel stopped looking at `outside`, it is only
 * known that nothing pending comes at or before that time, and the answer
 * must not be kept.
 */
static inline int earliest(struct ps_engine *e, ps_time outside, bool *exact)
{
	/* The earliest lane stays known until its event is popped (or an empty lane gets an earlier one). */
	if (e->next_lane == SRC_UNKNOWN)
		e->next_lane = lanes_earliest(e);
	int src = e->next_lane;
	u128 best = src == SRC_NONE ? ~(u128)0 : order(e->lanes[src].head);
	struct ps_wheel *w = &e->wheel;
	*exact = true;
	if (w->len) {
		/* The wheel's earliest stays known from one event to the next while lanes' events go first. */
		ps_time lane = (ps_time)(best >> 64), bound = lane < outside ? lane : outside;
		if (w->min == NIL && bound >= w->low)
			wheel_front(w, bound);
		if (w->min != NIL) {
			if (order(&w->first) < best)
				src = SRC_WHEEL;
		} else {
			/* The wheel holds nothing before w->low, which is past bound; past the lane's head too, unless bound was outside's. */
			*exact = w->low > lane;
		}
	}
	return src;
}

/* earliest() for the queue alone: always exact. */
static inline int earliest_queued(struct ps_engine *e)
{
	bool exact;
	return earliest(e, PS_TIME_MAX, &exact);
}

ps_time ps_engine_peek_time(struct ps_engine *e)
{
	int src = e->next_src == SRC_UNKNOWN ? earliest_queued(e) : e->next_src;
	e->next_src = src;
	return src == SRC_NONE ? PS_TIME_MAX : at(e, src)->t;
}

/* Takes out the event at src, which must be the earliest pending one. */
static inline void take(struct ps_engine *e, int src, struct ps_event *ev)
{
	struct ps_qevent q;
	if (src == SRC_WHEEL) {
		wheel_pop(&e->wheel, &q);
	} else {
		lane_pop(e, (unsigned)src, &q);
		/* Found now when it takes no comparing: before a lane that empties gets its next event. */
		e->next_lane = lane_alone(e);
	}
	e->next_src = SRC_UNKNOWN;
	*ev = (struct ps_event){ .t = q.t, .seq = q.seq_type >> TYPE_BITS,
				 .type = (uint32_t)(q.seq_type & ((1u << TYPE_BITS) - 1)), .id = q.id, .gen = q.gen };
	e->now = q.t;
	e->processed++;
}

int ps_engine_pop(struct ps_engine *e, struct ps_event *ev)
{
	int src = e->next_src == SRC_UNKNOWN ? earliest_queued(e) : e->next_src;
	if (src == SRC_NONE)
		return 0;
	take(e, src, ev);
	return 1;
}

int ps_engine_pop_before(struct ps_engine *e, ps_time end, struct ps_event *ev)
{
	return ps_engine_pop_before_outside(e, end, PS_TIME_MAX, 0, ev);
}

int ps_engine_pop_before_outside(struct ps_engine *e, ps_time end, ps_time t, uint64_t seq, struct ps_event *ev)
{
	int src = e->next_src;
	if (src == SRC_UNKNOWN) {
		bool exact;
		src = earliest(e, t, &exact);
		if (exact)
			e->next_src = src;
	}
	if (src == SRC_NONE)
		return 0;
	/* Queued, the outside event would order as (t, seq) with type 0; seq < 2^48, so the shift keeps it. */
	const struct ps_qevent *q = at(e, src);
	if (q->t >= end || order(q) >= order_of(t, seq << TYPE_BITS))
		return 0;
	take(e, src, ev);
	return 1;
}

void ps_engine_play_outside(struct ps_engine *e, ps_time t)
{
	e->now = t;
	e->processed++;
}

size_t ps_engine_pending(const struct ps_engine *e)
{
	size_t n = e->wheel.len;
	for (unsigned i = 0; i < e->nlanes; i++)
		n += e->lanes[i].len;
	return n;
}

const struct ps_qevent *ps_engine_lane_at(const struct ps_engine *e, unsigned lane, size_t k)
{
	if (lane >= e->nlanes || k >= e->lanes[lane].len)
		return NULL;
	const struct ps_lane *l = &e->lanes[lane];
	/* Most looks stay in the head's block. */
	if (k < (size_t)(l->head_end - l->head))
		return l->head + k;
	const struct ps_lane_block *b = l->first;
	/* Blocks after the first are full from their start. */
	for (k += (size_t)(l->head - b->ev); k >= PS_LANE_BLOCK; k -= PS_LANE_BLOCK)
		b = b->next;
	return &b->ev[k];
}
