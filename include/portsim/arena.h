/*
 * Memory for what a run cuts in numbers and keeps to its end: an event
 * lane's blocks, a pool's bitmaps. Pieces are cut from chunks of 2 MiB,
 * aligned to their size and advised to the kernel as huge pages, so that
 * filling a chunk takes one page fault instead of 512. Faults are what a
 * run spends most on while TIME_WAIT fills: on this project's virtual
 * machine one costs about 18 µs, and a minute of TIME_WAIT at 10,000
 * closes per second is 14 MB of lane (the README's Speed section has the
 * measurements). The advice is only advice: where the kernel has no huge
 * pages, or is not Linux, a chunk is ordinary memory, faulted in page by
 * page as it is written, and a run's peak memory is then what it touches.
 *
 * Nothing is given back before ps_arena_fini: the callers keep lists of
 * the pieces they reuse (the engine its free blocks, the pool its free
 * pairs).
 */
#ifndef PORTSIM_ARENA_H
#define PORTSIM_ARENA_H

#include <stddef.h>

#define PS_ARENA_CHUNK ((size_t)2 << 20)
#define PS_ARENA_ALIGN 64
/* The largest piece an arena cuts: a chunk less the link at its start. */
#define PS_ARENA_MAX (PS_ARENA_CHUNK - PS_ARENA_ALIGN)

/* Zeroed, an arena is empty and ready; its first piece takes its first chunk. */
struct ps_arena {
	void *chunks; /* every chunk, the newest first; each begins with a link to the one before */
	char *next;   /* the unused rest of the newest chunk */
	size_t left;  /* its size in bytes */
};

/*
 * A piece of size bytes (rounded up to PS_ARENA_ALIGN, and so aligned),
 * uninitialised; NULL when out of memory or size exceeds PS_ARENA_MAX.
 */
void *ps_arena_alloc(struct ps_arena *a, size_t size);

/* Gives every chunk back; the arena is empty again. */
void ps_arena_fini(struct ps_arena *a);

#endif
