#include "portsim/engine.h"

#include <stdlib.h>
#include <string.h>

/* The heap's first allocation: small, and growth is rare after it. */
#define INITIAL_CAP 64

/* next_src: the heap, a lane index, nothing pending, or not known yet. */
#define SRC_HEAP (-1)
#define SRC_NONE (-2)
#define SRC_UNKNOWN (-3)

/* The sequence number leaves 16 bits for the type: 2^48 events are more than any run schedules. */
#define TYPE_BITS 16
#define MAX_SEQ (1ULL << (64 - TYPE_BITS))

__extension__ typedef unsigned __int128 u128;

/* (time, sequence) as one number: a single compare the processor need not predict. */
static inline u128 order(const struct ps_qevent *a)
{
	return ((u128)a->t << 64) | a->seq_type;
}

static inline int before(const struct ps_qevent *a, const struct ps_qevent *b)
{
	return order(a) < order(b);
}

int ps_engine_init(struct ps_engine *e, unsigned nlanes)
{
	if (nlanes > PS_ENGINE_MAX_LANES)
		return -1;
	/* Storage comes on first use, so init cannot fail for lack of memory. */
	memset(e, 0, sizeof(*e));
	e->nlanes = nlanes;
	e->next_src = SRC_NONE;
	return 0;
}

static void lane_free(struct ps_lane *l)
{
	while (l->first) {
		struct ps_lane_block *next = l->first->next;
		free(l->first);
		l->first = next;
	}
	free(l->spare);
	memset(l, 0, sizeof(*l));
}

void ps_engine_fini(struct ps_engine *e)
{
	free(e->heap);
	for (unsigned i = 0; i < e->nlanes; i++)
		lane_free(&e->lanes[i]);
	memset(e, 0, sizeof(*e));
	e->next_src = SRC_NONE;
}

/* The queued form of a new event; 0, or -1 when the type does not fit. */
static int make(struct ps_engine *e, struct ps_qevent *q, ps_time t, uint32_t type, uint32_t id,
		uint32_t gen)
{
	if (type >> TYPE_BITS || e->next_seq >= MAX_SEQ)
		return -1;
	*q = (struct ps_qevent){ .t = t, .seq_type = (e->next_seq++ << TYPE_BITS) | type, .id = id, .gen = gen };
	return 0;
}

static const struct ps_qevent *lane_head(const struct ps_lane *l)
{
	return &l->first->ev[l->head];
}

/* The event next_src names; src must name a pending one. */
static const struct ps_qevent *at(const struct ps_engine *e, int src)
{
	return src == SRC_HEAP ? &e->heap[0] : lane_head(&e->lanes[src]);
}

/* A new event just became pending in src: it may be the new earliest. */
static void note_new(struct ps_engine *e, int src, const struct ps_qevent *q)
{
	if (e->next_src == SRC_UNKNOWN)
		return;
	if (e->next_src == SRC_NONE || before(q, at(e, e->next_src)))
		e->next_src = src;
}

static int heap_grow(struct ps_engine *e)
{
	size_t cap = e->heap_cap ? e->heap_cap * 2 : INITIAL_CAP;
	if (cap > SIZE_MAX / sizeof(*e->heap))
		return -1;
	struct ps_qevent *h = realloc(e->heap, cap * sizeof(*h));
	if (!h)
		return -1;
	e->heap = h;
	e->heap_cap = cap;
	return 0;
}

/* Moves the hole at i up until ev fits; ev is not in the array yet. */
static void sift_up(struct ps_qevent *h, size_t i, struct ps_qevent ev)
{
	u128 k = order(&ev);
	while (i > 0) {
		size_t parent = (i - 1) / 4;
		if (k >= order(&h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = ev;
}

/*
 * Heaps up to this many events stay in the processor's caches, where
 * choosing the earliest child without branches wins; larger ones wait on
 * memory, where branches let the processor fetch the next level early.
 */
#define CACHED_HEAP 8192

/* The earliest of four children, by a two-round tournament with no branch on the keys. */
static size_t least_of_four(const struct ps_qevent *h, size_t first)
{
	size_t a = order(&h[first + 1]) < order(&h[first]) ? first + 1 : first;
	size_t b = order(&h[first + 3]) < order(&h[first + 2]) ? first + 3 : first + 2;
	return order(&h[b]) < order(&h[a]) ? b : a;
}

/* The earliest of the children first .. last - 1 (at least one), branching on each. */
static size_t least_child(const struct ps_qevent *h, size_t first, size_t last)
{
	size_t best = first;
	for (size_t c = first + 1; c < last; c++)
		if (h[c].t < h[best].t || (h[c].t == h[best].t && h[c].seq_type < h[best].seq_type))
			best = c;
	return best;
}

/* Moves the hole at the root down until ev fits among len elements. */
static void sift_down(struct ps_qevent *h, size_t len, struct ps_qevent ev)
{
	u128 k = order(&ev);
	size_t i = 0;
	for (;;) {
		size_t first = 4 * i + 1;
		if (first >= len)
			break;
		size_t best = first + 4 <= len && len <= CACHED_HEAP ? least_of_four(h, first)
								  : least_child(h, first, first + 4 < len ? first + 4 : len);
		if (order(&h[best]) >= k)
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = ev;
}

int ps_engine_schedule(struct ps_engine *e, ps_time t, uint32_t type, uint32_t id, uint32_t gen)
{
	struct ps_qevent q;
	if (t < e->now || make(e, &q, t, type, id, gen) != 0)
		return -1;
	if (e->heap_len == e->heap_cap && heap_grow(e) != 0)
		return -1;
	sift_up(e->heap, e->heap_len++, q);
	note_new(e, SRC_HEAP, &q);
	return 0;
}

/* A block for the lane's tail: the spare if there is one. */
static struct ps_lane_block *block_take(struct ps_lane *l)
{
	struct ps_lane_block *b = l->spare;
	if (b) {
		l->spare = NULL;
	} else {
		if (!(b = malloc(sizeof(*b))))
			return NULL;
		l->cap += PS_LANE_BLOCK;
	}
	b->next = NULL;
	return b;
}

/* Keeps one emptied block for the next growth; frees the others. */
static void block_give(struct ps_lane *l, struct ps_lane_block *b)
{
	if (!l->spare) {
		l->spare = b;
		return;
	}
	free(b);
	l->cap -= PS_LANE_BLOCK;
}

int ps_engine_schedule_lane(struct ps_engine *e, unsigned lane, ps_time t, uint32_t type,
			    uint32_t id, uint32_t gen)
{
	if (lane >= e->nlanes || t < e->now)
		return -1;
	struct ps_lane *l = &e->lanes[lane];
	/* A lane is only sorted because callers fill it in time order; refuse anything else. */
	if (l->len && t < l->last->ev[l->tail - 1].t)
		return -1;
	struct ps_qevent q;
	if (make(e, &q, t, type, id, gen) != 0)
		return -1;
	if (!l->last || l->tail == PS_LANE_BLOCK) {
		struct ps_lane_block *b = block_take(l);
		if (!b)
			return -1;
		if (l->last)
			l->last->next = b;
		else
			l->first = b;
		l->last = b;
		l->tail = 0;
	}
	l->last->ev[l->tail++] = q;
	if (l->len++ == 0) {
		e->busy[lane >> 6] |= 1ULL << (lane & 63);
		note_new(e, (int)lane, &q);
	}
	return 0;
}

/* Drops the head event of a lane that holds one. */
static void lane_drop_head(struct ps_engine *e, unsigned lane)
{
	struct ps_lane *l = &e->lanes[lane];
	l->len--;
	if (++l->head < PS_LANE_BLOCK && l->len)
		return;
	/* The first block is used up, or the lane is empty: either way the next event starts afresh. */
	struct ps_lane_block *b = l->first;
	l->head = 0;
	if (l->len) {
		l->first = b->next;
	} else {
		e->busy[lane >> 6] &= ~(1ULL << (lane & 63));
		l->first = l->last = NULL;
		l->tail = 0;
	}
	block_give(l, b);
}

/*
 * Where the earliest pending event is. A scan of the heads of the lanes
 * that hold events is cheaper than a second heap for the handful of lanes
 * a run uses.
 */
static int earliest(const struct ps_engine *e)
{
	int src = SRC_NONE;
	u128 best = 0;
	if (e->heap_len) {
		best = order(&e->heap[0]);
		src = SRC_HEAP;
	}
	for (unsigned w = 0; w < 2; w++) {
		for (uint64_t m = e->busy[w]; m; m &= m - 1) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(m);
			u128 k = order(lane_head(&e->lanes[i]));
			if (src == SRC_NONE || k < best) {
				best = k;
				src = (int)i;
			}
		}
	}
	return src;
}

ps_time ps_engine_peek_time(struct ps_engine *e)
{
	int src = e->next_src == SRC_UNKNOWN ? earliest(e) : e->next_src;
	e->next_src = src;
	return src == SRC_NONE ? PS_TIME_MAX : at(e, src)->t;
}

int ps_engine_pop(struct ps_engine *e, struct ps_event *ev)
{
	int src = e->next_src == SRC_UNKNOWN ? earliest(e) : e->next_src;
	if (src == SRC_NONE)
		return 0;
	struct ps_qevent q;
	if (src == SRC_HEAP) {
		q = e->heap[0];
		if (--e->heap_len)
			sift_down(e->heap, e->heap_len, e->heap[e->heap_len]);
	} else {
		q = *lane_head(&e->lanes[src]);
		lane_drop_head(e, (unsigned)src);
	}
	e->next_src = SRC_UNKNOWN;
	*ev = (struct ps_event){ .t = q.t, .seq = q.seq_type >> TYPE_BITS,
				 .type = (uint32_t)(q.seq_type & ((1u << TYPE_BITS) - 1)), .id = q.id, .gen = q.gen };
	e->now = q.t;
	e->processed++;
	return 1;
}

size_t ps_engine_pending(const struct ps_engine *e)
{
	size_t n = e->heap_len;
	for (unsigned i = 0; i < e->nlanes; i++)
		n += e->lanes[i].len;
	return n;
}

uint32_t ps_engine_lane_ahead(const struct ps_engine *e, unsigned lane, size_t k)
{
	if (lane >= e->nlanes || k >= e->lanes[lane].len)
		return UINT32_MAX;
	const struct ps_lane *l = &e->lanes[lane];
	const struct ps_lane_block *b = l->first;
	/* Blocks after the first are full from their start. */
	for (k += l->head; k >= PS_LANE_BLOCK; k -= PS_LANE_BLOCK)
		b = b->next;
	return b->ev[k].id;
}
