/* Pieces cut from chunks: a small first one, then 2 MiB ones advised as huge pages (arena.h). */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE, beside the build's POSIX level */
#include "portsim/arena.h"

#include <stdlib.h>
#include <sys/mman.h>

struct chunk_link {
	struct chunk_link *next;
};

/* A chunk of size bytes: PS_ARENA_CHUNK, aligned to it and advised as a huge page, or the small first one. */
static struct chunk_link *chunk_new(size_t size)
{
	if (size < PS_ARENA_CHUNK)
		return aligned_alloc(PS_ARENA_ALIGN, size);
	void *c = aligned_alloc(PS_ARENA_CHUNK, PS_ARENA_CHUNK);
#ifdef MADV_HUGEPAGE
	/* Its answer does not matter: refused, the chunk is still memory, on ordinary pages. */
	if (c)
		(void)madvise(c, PS_ARENA_CHUNK, MADV_HUGEPAGE);
#endif
	return c;
}

void *ps_arena_alloc(struct ps_arena *a, size_t size)
{
	if (size > PS_ARENA_MAX)
		return NULL;
	/* Whole cache lines, and at least one: a piece of nothing still has a place of its own. */
	size = size ? (size + PS_ARENA_ALIGN - 1) / PS_ARENA_ALIGN * PS_ARENA_ALIGN : PS_ARENA_ALIGN;
	if (size > a->left) {
		/* A piece too large for the small first chunk takes a large one at once. */
		size_t bytes = !a->chunks && size <= PS_ARENA_FIRST - PS_ARENA_ALIGN ? PS_ARENA_FIRST : PS_ARENA_CHUNK;
		struct chunk_link *c = chunk_new(bytes);
		if (!c)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
		a->next = (char *)c + PS_ARENA_ALIGN;
		a->left = bytes - PS_ARENA_ALIGN;
	}
	void *p = a->next;
	a->next += size;
	a->left -= size;
	return p;
}

void ps_arena_fini(struct ps_arena *a)
{
	for (struct chunk_link *c = a->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	*a = (struct ps_arena){ 0 };
}
