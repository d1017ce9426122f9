/*
 * The run's draws (draws.h): in place, or made ahead by a thread and
 * handed over through one single-producer, single-consumer ring per
 * population.
 *
 * What keeps the two cores from slowing each other: the thread draws on a
 * copy of the workload on cache lines of its own; each side publishes its
 * position in the ring only every so many items, on a line of its own; the
 * thread refills a ring only once a quarter of it is free, then in one go;
 * and the run asks for the items a few lines ahead of the one it reads, so
 * moving them from the other core's cache overlaps its work.
 */
#include "portsim/draws.h"

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
/* Items the run asks for ahead of the one it reads (two to a cache line). */
#define AHEAD 32u

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
	/* the thread's own */
	_Alignas(64) uint64_t made;
	ps_time t; /* the arrival the next item is for */
	bool finished;
};

struct drawer {
	pthread_t thread;
	atomic_bool stop;
};

/* Refills pop's ring when a quarter of it is free: whether it drew anything. */
static bool fill(struct ps_draws *d, unsigned pop)
{
	struct ps_draws_ring *r = &d->rings[pop];
	if (r->finished)
		return false;
	uint64_t room = RING_ITEMS - (r->made - atomic_load_explicit(&r->head, memory_order_acquire));
	if (room < RING_ITEMS / 4)
		return false;
	for (uint64_t k = 0; k < room; k++) {
		if (r->t >= d->end) {
			r->finished = true;
			break;
		}
		struct item *it = &r->buf[r->made & RING_MASK];
		/* As the run itself did: the attempt at arrival t, then the next arrival from t. */
		ps_workload_draw(d->own, pop, &it->a);
		it->next = ps_workload_next_arrival(d->own, pop, r->t);
		r->t = it->next;
		r->made++;
	}
	atomic_store_explicit(&r->tail, r->made, memory_order_release);
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
		if (!open || atomic_load_explicit(&w->stop, memory_order_relaxed))
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
	free(d->own);
	d->own = NULL;
}

/* Sizes rounded up to whole cache lines, as aligned_alloc wants. */
static void *lines(size_t size)
{
	return aligned_alloc(64, (size + 63) / 64 * 64);
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
			r->buf = lines(RING_ITEMS * sizeof(*r->buf));
			ok &= r->buf != NULL;
		}
	}
	int rc = -1;
	if (ok) {
		atomic_init(&w->stop, false);
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

void ps_draws_start(struct ps_draws *d, struct ps_workload *wl, ps_time end, bool thread)
{
	*d = (struct ps_draws){ .wl = wl, .end = end, .npop = wl->cfg->npop };
	for (unsigned i = 0; i < d->npop; i++)
		d->first[i] = ps_workload_next_arrival(wl, i, 0);
	/* Without a thread (none to be had, or no memory for its rings) the same draws are made in place. */
	d->threaded = thread && d->npop > 0 && start_thread(d) == 0;
}

ps_time ps_draws_first(const struct ps_draws *d, unsigned pop)
{
	return d->first[pop];
}

/* Waits for the thread to publish pop's next item: rare, as it runs ahead. */
static __attribute__((noinline)) void wait_for(struct ps_draws_ring *r)
{
	for (unsigned spins = 0; (r->seen = atomic_load_explicit(&r->tail, memory_order_acquire)) == r->taken;
	     spins++)
		if (spins >= 64)
			sched_yield(); /* on one core, the thread needs this one to draw */
}

void ps_draws_next(struct ps_draws *d, unsigned pop, ps_time now, struct ps_attempt *a, ps_time *next)
{
	if (!d->threaded) {
		ps_workload_draw(d->wl, pop, a);
		*next = ps_workload_next_arrival(d->wl, pop, now);
		return;
	}
	struct ps_draws_ring *r = &d->rings[pop];
	if (r->taken == r->seen)
		wait_for(r);
	__builtin_prefetch(&r->buf[(r->taken + AHEAD) & RING_MASK]);
	const struct item *it = &r->buf[r->taken & RING_MASK];
	*a = it->a;
	*next = it->next;
	if ((++r->taken & (BATCH - 1)) == 0)
		atomic_store_explicit(&r->head, r->taken, memory_order_release);
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
