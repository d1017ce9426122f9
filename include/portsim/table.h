/*
 * Memory for the large tables the run reads at random: the pool's
 * per-destination bitmaps, its per-port counts, Linux's perturbation
 * table. A run touches them at a new place for nearly every connection,
 * so on Linux they are asked for in 2 MiB pages (transparent huge pages,
 * where the kernel offers them): one translation covers what 512 small
 * pages would, and the misses of the translation buffer go. Elsewhere, or
 * for small tables, it is plain zeroed heap memory.
 *
 * ps_table_alloc / ps_table_free: one zeroed table, freed with its size.
 * struct ps_slab: many equal zeroed pieces carved from such tables, all
 * given back at once by ps_slab_fini (the pool's pair bitmaps, which a
 * pair keeps for its next use when it empties).
 */
#ifndef PORTSIM_TABLE_H
#define PORTSIM_TABLE_H

#include <stddef.h>

/* Tables from this size on are worth huge pages; smaller ones come from the heap. */
#define PS_TABLE_HUGE_MIN ((size_t)1 << 20)

/* size zeroed bytes (size > 0), 64-byte aligned, or NULL when memory runs out. */
void *ps_table_alloc(size_t size);

/* Gives back a table of ps_table_alloc, with the size it was asked for; NULL is ignored. */
void ps_table_free(void *p, size_t size);

struct ps_slab_chunk;

struct ps_slab {
	size_t piece;                 /* bytes per piece, a multiple of 64 */
	size_t next_size;             /* bytes of the next chunk */
	size_t left;                  /* pieces left in the newest chunk, from at on */
	char *at;
	struct ps_slab_chunk *chunks; /* newest first */
};

/* A slab of pieces of at least size bytes (size > 0), each 64-byte aligned. */
void ps_slab_init(struct ps_slab *s, size_t size);

/* One zeroed piece, or NULL when memory runs out. */
void *ps_slab_take(struct ps_slab *s);

/* Gives back every piece and chunk. */
void ps_slab_fini(struct ps_slab *s);

#endif
