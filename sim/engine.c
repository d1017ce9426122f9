#include "portsim/engine.h"

#include <stdlib.h>
#include <string.h>

/* Small enough that an idle lane costs little, large enough that growth is rare. */
#define INITIAL_CAP 64

static int before(const struct ps_event *a, const struct ps_event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

int ps_engine_init(struct ps_engine *e, unsigned nlanes)
{
	if (nlanes > PS_ENGINE_MAX_LANES)
		return -1;
	/* Storage comes on first use, so init cannot fail for lack of memory. */
	memset(e, 0, sizeof(*e));
	e->nlanes = nlanes;
	return 0;
}

void ps_engine_fini(struct ps_engine *e)
{
	free(e->heap);
	for (unsigned i = 0; i < e->nlanes; i++)
		free(e->lanes[i].buf);
	memset(e, 0, sizeof(*e));
}

static int heap_grow(struct ps_engine *e)
{
	size_t cap = e->heap_cap ? e->heap_cap * 2 : INITIAL_CAP;
	if (cap > SIZE_MAX / sizeof(*e->heap))
		return -1;
	struct ps_event *h = realloc(e->heap, cap * sizeof(*h));
	if (!h)
		return -1;
	e->heap = h;
	e->heap_cap = cap;
	return 0;
}

/* Moves the hole at i up until ev fits; ev is not in the array yet. */
static void sift_up(struct ps_event *h, size_t i, struct ps_event ev)
{
	while (i > 0) {
		size_t parent = (i - 1) / 4;
		if (!before(&ev, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = ev;
}

/* Moves the hole at i down until ev fits among len elements. */
static void sift_down(struct ps_event *h, size_t len, size_t i, struct ps_event ev)
{
	for (;;) {
		size_t first = 4 * i + 1;
		if (first >= len)
			break;
		size_t last = first + 4 < len ? first + 4 : len;
		size_t best = first;
		for (size_t c = first + 1; c < last; c++)
			if (before(&h[c], &h[best]))
				best = c;
		if (!before(&h[best], &ev))
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = ev;
}

int ps_engine_schedule(struct ps_engine *e, ps_time t, uint32_t type, uint32_t id, uint32_t gen)
{
	if (t < e->now)
		return -1;
	if (e->heap_len == e->heap_cap && heap_grow(e) != 0)
		return -1;
	struct ps_event ev = { .t = t, .seq = e->next_seq++, .type = type, .id = id, .gen = gen };
	sift_up(e->heap, e->heap_len++, ev);
	return 0;
}

static struct ps_event *lane_head(const struct ps_lane *l)
{
	return &l->buf[l->head];
}

static struct ps_event *lane_tail(const struct ps_lane *l)
{
	return &l->buf[(l->head + l->len - 1) & (l->cap - 1)];
}

/* Unwraps the ring into a buffer twice the size, so head returns to 0. */
static int lane_grow(struct ps_lane *l)
{
	size_t cap = l->cap ? l->cap * 2 : INITIAL_CAP;
	if (cap > SIZE_MAX / sizeof(*l->buf))
		return -1;
	struct ps_event *buf = malloc(cap * sizeof(*buf));
	if (!buf)
		return -1;
	if (l->len) {
		size_t first = l->cap - l->head;
		if (first > l->len)
			first = l->len;
		memcpy(buf, l->buf + l->head, first * sizeof(*buf));
		memcpy(buf + first, l->buf, (l->len - first) * sizeof(*buf));
	}
	free(l->buf);
	l->buf = buf;
	l->cap = cap;
	l->head = 0;
	return 0;
}

int ps_engine_schedule_lane(struct ps_engine *e, unsigned lane, ps_time t, uint32_t type,
			    uint32_t id, uint32_t gen)
{
	if (lane >= e->nlanes || t < e->now)
		return -1;
	struct ps_lane *l = &e->lanes[lane];
	/* A lane is only sorted because callers fill it in time order; refuse anything else. */
	if (l->len && t < lane_tail(l)->t)
		return -1;
	if (l->len == l->cap && lane_grow(l) != 0)
		return -1;
	l->buf[(l->head + l->len) & (l->cap - 1)] =
		(struct ps_event){ .t = t, .seq = e->next_seq++, .type = type, .id = id, .gen = gen };
	l->len++;
	return 0;
}

/*
 * The earliest pending event: -1 for the heap, a lane index otherwise,
 * or -2 when nothing is pending. A linear scan of the lane heads is
 * cheaper than a second heap for the handful of lanes a run uses.
 */
static int earliest(const struct ps_engine *e)
{
	const struct ps_event *best = NULL;
	int src = -2;

	if (e->heap_len) {
		best = &e->heap[0];
		src = -1;
	}
	for (unsigned i = 0; i < e->nlanes; i++) {
		const struct ps_lane *l = &e->lanes[i];
		if (l->len && (!best || before(lane_head(l), best))) {
			best = lane_head(l);
			src = (int)i;
		}
	}
	return src;
}

ps_time ps_engine_peek_time(const struct ps_engine *e)
{
	int src = earliest(e);
	if (src == -2)
		return PS_TIME_MAX;
	if (src == -1)
		return e->heap[0].t;
	return lane_head(&e->lanes[src])->t;
}

int ps_engine_pop(struct ps_engine *e, struct ps_event *ev)
{
	int src = earliest(e);
	if (src == -2)
		return 0;
	if (src == -1) {
		*ev = e->heap[0];
		e->heap_len--;
		if (e->heap_len)
			sift_down(e->heap, e->heap_len, 0, e->heap[e->heap_len]);
	} else {
		struct ps_lane *l = &e->lanes[src];
		*ev = *lane_head(l);
		l->head = (l->head + 1) & (l->cap - 1);
		l->len--;
	}
	e->now = ev->t;
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
