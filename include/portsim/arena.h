/*
 * Memory for what a run cuts in numbers and keeps to its end: the event
 * queue's lane blocks. Pieces are cut from chunks: a first one of 256 KiB
 * on ordinary pages, so that a run that needs little (a lane of 10,000
 * events) keeps a small peak, then chunks of 2 MiB, aligned to their size
 * and advised to the kernel as huge pages, so that filling one takes a
 * page fault instead of 512. Faults are what a run spends most on while
 * TIME_WAIT fills: on this project's virtual machine one costs 14 to 23
 * µs, and a minute of TIME_WAIT at 10,000 closes per second is 14 MB of
 * lane (the README's Speed section has the measurements, and why the
 * pools' bitmaps are not cut from here). The advice is only advice: where
 * the kernel has no huge pages, or is not Linux, a chunk is ordinary
 * memory, faulted in page by page as it is written.
 *
 * Nothing is given back before ps_arena_fini: the caller keeps a list of
 * the pieces it reuses (the engine, its free blocks).
 */
#ifndef PORTSIM_ARENA_H
#define PORTSIM_ARENA_H

#include <stddef.h>

#define PS_ARENA_FIRST ((size_t)256 << 10)
#define PS_ARENA_CHUNK ((size_t)2 << 20)
#define PS_ARENA_ALIGN 64
/* The largest piece an arena cuts: a large chunk less the link at its start. */
#define PS_ARENA_MAX (PS_ARENA_CHUNK - PS_ARENA_ALIGN)

/* Zeroed, an arena is empty and ready; its first piece takes its first chunk. */
struct ps_arena {
	void *chunks; /* every chunk, the newest first; each begins with a link to the one before */
	char *next;   /* the unused rest of the newest chunk */
	size_t left;  /* its size in bytes */
};

/*
 * A piece of size bytes (rounded up to PS_ARENA_ALIGN, and so aligned; 0
 * counts as 1), uninitialised; NULL when out of memory or size exceeds
 * PS_ARENA_MAX.
 */
void *ps_arena_alloc(struct ps_arena *a, size_t size);

/* Gives every chunk back; the arena is empty again. */
void ps_arena_fini(struct ps_arena *a);

#endif
