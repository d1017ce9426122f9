/*
 * The run's draws (draws.h): in place, or made ahead by a thread and
 * handed over through one single-producer, single-consumer ring per
 * population; with the thread, population 0's connection ends too,
 * sorted on the thread's own calendar and handed over through one more
 * ring.
 *
 * What keeps the two cores from slowing each other: the thread draws on a
 * copy of the workload on cache lines of its own; each side publishes its
 * position in the ring only every so many items, on a line of its own, and
 * keeps its own copy of the ring's address; the thread refills a ring only
 * once a quarter of it is free, then in one go, published a chunk at a
 * time; and the run asks for the items a few lines ahead of the one it
 * reads, so moving them from the other core's cache overlaps its work.
 */
#include "portsim/draws.h"

#include "portsim/engine.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Items per ring (32 bytes each: 128 KiB): ahead enough to ride out the thread being descheduled. */
#define RING_ITEMS 4096u
#define RING_MASK (RING_ITEMS - 1)
/* The run publishes what it has taken every BATCH items. */
#define BATCH 64u
/* The thread's nap when every ring is full: a quarter of a ring lasts the run about 0.2 ms or more. */
#define NAP_NS 100000L
/* Items the thread publishes at a time while it refills a ring. */
#define CHUNK 256u
/* Items the run asks for ahead of the one it reads (two to a cache line). */
#define AHEAD 32u
/* Ends per ring (16 bytes each: 256 KiB): more than the arrivals ahead, so that it seldom fills. */
#define ENDS_ITEMS 16384u
#define ENDS_MASK (ENDS_ITEMS - 1)

struct item {
	struct ps_attempt a;
	ps_time next;
};

struct ps_draws_ring {
	_Alignas(64) atomic_uint_fast64_t tail; /* items the thread has published */
	_Alignas(64) atomic_uint_fast64_t head; /* items the run has taken, as of its last publication */
	/* the run's own */
	_Alignas(64) uint64_t taken, seen; /* taken so far; the tail when last read */
	struct item *buf;
	/* the thread's own: its own copy of buf too, since the run's line changes with every item taken */
	_Alignas(64) struct item *wbuf;
	uint64_t made;
	ps_time t; /* the arrival the next item is for */
	bool finished;
};

/* An arrival's end, as the ends ring hands it over: its time, and the arrival's number. */
struct end_item {
	ps_time t;
	uint64_t k;
};

/*
 * The ends of population 0's arrivals. The thread writes them in the
 * order the run plays them, (time, arrival number), and counts the items
 * it is done with: item k is done when every end up to its `next` is
 * written, so that nothing the run has not seen comes before arrival
 * k + 1. Items are published whether done or not: the ring may have to
 * be emptied by the run before an item's ends fit.
 */
struct ps_draws_ends {
	_Alignas(64) atomic_uint_fast64_t tail; /* ends the thread has published */
	atomic_uint_fast64_t done;              /* items it is done with, published after the tail */
	_Alignas(64) atomic_uint_fast64_t head; /* ends the run has taken, as of its last publication */
	/* the run's own */
	_Alignas(64) uint64_t taken, seen, done_seen; /* taken so far; the tail and done when last read */
	struct end_item *buf;
	/* the thread's own: its own copy of buf too, since the run's line changes with every end taken */
	_Alignas(64) struct end_item *wbuf;
	uint64_t made, room_head;              /* ends written; the head when last read */
	struct ps_engine *cal;                 /* the ends drawn and not yet written, in time order */
	uint64_t done_made;                    /* items done (see fill) */
	ps_time owed;                          /* 0, or the limit the last items' ends wait to be written up to */
};

struct drawer {
	pthread_t thread;
	atomic_bool stop;
	atomic_bool failed; /* the thread had no memory for an end: it draws no more */
};

/*
 * Writes to the ends ring every end the calendar holds before `limit`, in
 * order: true, or false when the ring filled first. Publishing is the
 * caller's.
 */
static bool emit(struct ps_draws_ends *e, ps_time limit)
{
	struct ps_event ev;
	for (;;) {
		if (e->made - e->room_head == ENDS_ITEMS) {
			e->room_head = atomic_load_explicit(&e->head, memory_order_acquire);
			if (e->made - e->room_head == ENDS_ITEMS)
				return ps_engine_peek_time(e->cal) >= limit;
		}
		if (!ps_engine_pop_before(e->cal, limit, &ev))
			return true;
		e->wbuf[e->made++ & ENDS_MASK] = (struct end_item){ .t = ev.t, .k = (uint64_t)ev.gen << 32 | ev.id };
	}
}

/* Puts the end of arrival k at t (the item drawn for it) on the calendar, unless at or after the run's end. False when there was no memory. */
static bool end_of(struct ps_draws *d, struct ps_draws_ends *e, uint64_t k, ps_time t, const struct item *it)
{
	ps_time at = t + it->a.duration;
	if (at >= d->end || ps_engine_schedule(e->cal, at, 0, (uint32_t)k, (uint32_t)(k >> 32)) == 0)
		return true;
	struct drawer *w = d->thread;
	atomic_store_explicit(&w->failed, true, memory_order_release);
	return false;
}

/* Publishes the ends written, then how many items are done, then every item drawn: in that order, as the run reads them. */
static void publish(struct ps_draws_ring *r, struct ps_draws_ends *e, uint64_t done)
{
	if (e) {
		atomic_store_explicit(&e->tail, e->made, memory_order_release);
		atomic_store_explicit(&e->done, done, memory_order_release);
	}
	atomic_store_explicit(&r->tail, r->made, memory_order_release);
}

/*
 * Refills pop's ring when a quarter of it is free: whether it drew or
 * handed over anything. For population 0 with ends, the items of a chunk
 * are done once every end up to the last one's `next` is written: an end
 * at that time itself comes before that arrival, whose number the run
 * takes after the ends of the arrivals before it.
 */
static bool fill(struct ps_draws *d, unsigned pop)
{
	struct ps_draws_ring *r = &d->rings[pop];
	struct ps_draws_ends *e = pop == 0 ? d->ends_ring : NULL;
	bool moved = false;
	if (e && e->owed) {
		/* The last items' ends did not all fit; the thread draws on once they do. */
		uint64_t before = e->made;
		if (!emit(e, e->owed)) {
			publish(r, e, e->done_made);
			return e->made != before;
		}
		e->owed = 0;
		e->done_made = r->made;
		publish(r, e, r->made);
		moved = true;
	}
	if (r->finished)
		return moved;
	uint64_t room = RING_ITEMS - (r->made - atomic_load_explicit(&r->head, memory_order_acquire));
	if (room < RING_ITEMS / 4)
		return moved;
	for (uint64_t k = 0; k < room;) {
		/* Published a chunk at a time: the run, near the tail, need not wait for the whole refill. */
		uint64_t chunk = k + CHUNK < room ? k + CHUNK : room;
		bool last = false;
		for (; k < chunk; k++) {
			if (r->t >= d->end) {
				r->finished = last = true;
				break;
			}
			struct item *it = &r->wbuf[r->made & RING_MASK];
			/* As the run itself did: the attempt at arrival t, then the next arrival from t. */
			ps_workload_draw(d->own, pop, &it->a);
			ps_time t = r->t;
			it->next = ps_workload_next_arrival(d->own, pop, t);
			r->t = it->next;
			if (e && !end_of(d, e, r->made, t, it)) {
				last = true; /* the items before it are published; the run stops when it needs this one */
				break;
			}
			r->made++;
		}
		if (e) {
			ps_time limit = r->t < d->end ? r->t + 1 : d->end;
			if (!emit(e, limit)) {
				e->owed = limit;
				publish(r, e, e->done_made);
				return true;
			}
			e->done_made = r->made;
		}
		publish(r, e, e ? e->done_made : 0);
		if (last)
			break;
	}
	return true;
}

static void *draw_ahead(void *arg)
{
	struct ps_draws *d = arg;
	struct drawer *w = d->thread;
	for (;;) {
		bool drew = false, open = false;
		for (unsigned i = 0; i < d->npop; i++) {
			drew |= fill(d, i);
			open |= !d->rings[i].finished;
		}
		/* The last item may still wait for its ends. */
		open |= d->ends_ring && d->ends_ring->owed;
		if (!open || atomic_load_explicit(&w->stop, memory_order_relaxed) ||
		    atomic_load_explicit(&w->failed, memory_order_relaxed))
			return NULL;
		if (!drew) {
			struct timespec nap = { 0, NAP_NS };
			nanosleep(&nap, NULL);
		}
	}
}

static void free_rings(struct ps_draws *d)
{
	if (d->rings)
		for (unsigned i = 0; i < d->npop; i++)
			free(d->rings[i].buf);
	free(d->rings);
	d->rings = NULL;
	if (d->ends_ring) {
		free(d->ends_ring->buf);
		if (d->ends_ring->cal)
			ps_engine_fini(d->ends_ring->cal);
		free(d->ends_ring->cal);
		free(d->ends_ring);
		d->ends_ring = NULL;
	}
	free(d->own);
	d->own = NULL;
}

/* Sizes rounded up to whole cache lines, as aligned_alloc wants. */
static void *lines(size_t size)
{
	return aligned_alloc(64, (size + 63) / 64 * 64);
}

/* The ends ring and the thread's calendar; false when there is no memory for them. */
static bool start_ends(struct ps_draws *d)
{
	struct ps_draws_ends *e = d->ends_ring = lines(sizeof(*e));
	if (!e)
		return false;
	memset(e, 0, sizeof(*e));
	atomic_init(&e->tail, 0);
	atomic_init(&e->done, 0);
	atomic_init(&e->head, 0);
	e->buf = e->wbuf = lines(ENDS_ITEMS * sizeof(*e->buf));
	/* Made an empty queue at once, so that free_rings may finish it whatever failed. */
	if ((e->cal = lines(sizeof(*e->cal))) != NULL)
		ps_engine_init(e->cal, 0);
	return e->buf && e->cal;
}

/* 0, or -1 when the thread or its memory could not be had. */
static int start_thread(struct ps_draws *d)
{
	struct drawer *w = lines(sizeof(*w));
	d->own = lines(sizeof(*d->own));
	d->rings = lines(d->npop * sizeof(*d->rings));
	/* Zeroed before anything can fail: free_rings then frees no buffer that was never had. */
	if (d->rings)
		memset(d->rings, 0, d->npop * sizeof(*d->rings));
	bool ok = w && d->own && d->rings;
	if (ok) {
		/* A plain copy: the tables it points to (Zipf weights) are only read, and freed with wl. */
		memcpy(d->own, d->wl, sizeof(*d->own));
		for (unsigned i = 0; i < d->npop; i++) {
			struct ps_draws_ring *r = &d->rings[i];
			*r = (struct ps_draws_ring){ .t = d->first[i], .finished = d->first[i] >= d->end };
			atomic_init(&r->tail, 0);
			atomic_init(&r->head, 0);
			r->buf = r->wbuf = lines(RING_ITEMS * sizeof(*r->buf));
			ok &= r->buf != NULL;
		}
	}
	if (ok && d->ends)
		ok = start_ends(d);
	int rc = -1;
	if (ok) {
		atomic_init(&w->stop, false);
		atomic_init(&w->failed, false);
		d->thread = w;
		/* Signals are the run's to handle: the thread blocks them all. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = pthread_create(&w->thread, NULL, draw_ahead, d);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (rc != 0) {
		free_rings(d);
		free(w);
		d->thread = NULL;
		return -1;
	}
	return 0;
}

void ps_draws_start(struct ps_draws *d, struct ps_workload *wl, ps_time end, bool thread, bool ends)
{
	*d = (struct ps_draws){ .wl = wl, .end = end, .npop = wl->cfg->npop };
	for (unsigned i = 0; i < d->npop; i++)
		d->first[i] = ps_workload_next_arrival(wl, i, 0);
	d->ends = ends && thread && d->npop > 0;
	/* Without a thread (none to be had, or no memory for its rings) the same draws are made in place. */
	d->threaded = thread && d->npop > 0 && start_thread(d) == 0;
	d->ends &= d->threaded;
}

ps_time ps_draws_first(const struct ps_draws *d, unsigned pop)
{
	return d->first[pop];
}

/*
 * While the run waits for the thread: it says how far it has taken, since
 * the thread may wait for room in the ends ring; on one core it lets the
 * thread run. False when the thread stopped for want of memory.
 */
static bool waiting(struct ps_draws *d, unsigned spins)
{
	if (spins == 0 && d->ends_ring)
		atomic_store_explicit(&d->ends_ring->head, d->ends_ring->taken, memory_order_release);
	struct drawer *w = d->thread;
	if (atomic_load_explicit(&w->failed, memory_order_acquire))
		return false;
	if (spins >= 64)
		sched_yield();
	return true;
}

/* Waits for the thread to publish pop's next item: rare, as it runs ahead. 0, or -1 (see ps_draws_next). */
static __attribute__((noinline)) int wait_for(struct ps_draws *d, struct ps_draws_ring *r)
{
	for (unsigned spins = 0; (r->seen = atomic_load_explicit(&r->tail, memory_order_acquire)) == r->taken;
	     spins++)
		if (!waiting(d, spins))
			return -1;
	return 0;
}

int ps_draws_next(struct ps_draws *d, unsigned pop, ps_time now, struct ps_attempt *a, ps_time *next)
{
	if (!d->threaded) {
		ps_workload_draw(d->wl, pop, a);
		*next = ps_workload_next_arrival(d->wl, pop, now);
		return 0;
	}
	struct ps_draws_ring *r = &d->rings[pop];
	if (r->taken == r->seen && wait_for(d, r) != 0)
		return -1;
	__builtin_prefetch(&r->buf[(r->taken + AHEAD) & RING_MASK]);
	const struct item *it = &r->buf[r->taken & RING_MASK];
	*a = it->a;
	*next = it->next;
	if ((++r->taken & (BATCH - 1)) == 0)
		atomic_store_explicit(&r->head, r->taken, memory_order_release);
	return 0;
}

int ps_draws_end_next(struct ps_draws *d, uint64_t arrival, ps_time *t, uint64_t *k)
{
	struct ps_draws_ends *e = d->ends_ring;
	for (unsigned spins = 0; e->taken == e->seen; spins++) {
		/* The tail was read after done: every end before arrival done_seen was in it. */
		if (e->done_seen >= arrival)
			return 0;
		e->done_seen = atomic_load_explicit(&e->done, memory_order_acquire);
		e->seen = atomic_load_explicit(&e->tail, memory_order_acquire);
		if (e->taken == e->seen && e->done_seen < arrival && !waiting(d, spins))
			return -1;
	}
	const struct end_item *it = &e->buf[e->taken & ENDS_MASK];
	*t = it->t;
	*k = it->k;
	return 1;
}

void ps_draws_end_take(struct ps_draws *d)
{
	struct ps_draws_ends *e = d->ends_ring;
	if ((++e->taken & (BATCH - 1)) == 0)
		atomic_store_explicit(&e->head, e->taken, memory_order_release);
}

const struct ps_attempt *ps_draws_peek(const struct ps_draws *d, unsigned pop, unsigned k)
{
	if (!d->threaded)
		return NULL;
	const struct ps_draws_ring *r = &d->rings[pop];
	/* Only what the last look at the tail showed: reading the tail itself would pull its line over. */
	if (r->seen - r->taken <= k)
		return NULL;
	return &r->buf[(r->taken + k) & RING_MASK].a;
}

void ps_draws_stop(struct ps_draws *d)
{
	struct drawer *w = d->thread;
	if (w) {
		atomic_store_explicit(&w->stop, true, memory_order_relaxed);
		pthread_join(w->thread, NULL);
		free(w);
		d->thread = NULL;
	}
	free_rings(d);
	d->threaded = false;
}
