/*
 * Large randomly read tables in huge pages where Linux offers them
 * (table.h), smaller ones on the heap, aligned to a cache line. Anonymous mappings come zeroed; MADV_HUGEPAGE asks the kernel
 * to back them with 2 MiB pages even when transparent huge pages are only
 * given on request (the usual "madvise" setting). The mapping is aligned
 * to 2 MiB so that every page of it can be huge.
 */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE under strict C17 */
#endif

#include "portsim/table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

#if defined(__linux__) && defined(MADV_HUGEPAGE)
/* An aligned anonymous mapping of size bytes (a multiple of HUGE_PAGE), or NULL. */
static void *map_huge(size_t size)
{
	size_t span = size + HUGE_PAGE;
	if (span < size)
		return NULL;
	char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	/* Trim the unaligned head and the tail, so what is kept starts on a huge page. */
	uintptr_t at = (uintptr_t)raw, start = (at + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	size_t head = start - at, tail = span - head - size;
	if (head)
		munmap(raw, head);
	if (tail)
		munmap((char *)start + size, tail);
	/* Advice only: without huge pages the table still works, in small ones. */
	(void)madvise((void *)start, size, MADV_HUGEPAGE);
	return (void *)start;
}
#endif

void *ps_table_alloc(size_t size)
{
	if (size == 0)
		return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (size >= PS_TABLE_HUGE_MIN) {
		size_t whole = round_up(size, HUGE_PAGE);
		if (whole >= size)
			return map_huge(whole);
		return NULL;
	}
#endif
	/* Cache-line aligned, as the pieces of a slab promise to be. */
	size_t whole = round_up(size, 64);
	void *p = whole >= size ? aligned_alloc(64, whole) : NULL;
	if (p)
		memset(p, 0, whole);
	return p;
}

void ps_table_free(void *p, size_t size)
{
	if (!p)
		return;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (size >= PS_TABLE_HUGE_MIN) {
		munmap(p, round_up(size, HUGE_PAGE));
		return;
	}
#endif
	free(p);
}

/* ---- slabs ---- */

/* A chunk's header sits in its first 64 bytes; pieces follow, each on a cache line. */
struct ps_slab_chunk {
	struct ps_slab_chunk *next;
	size_t size;
};

#define HEADER 64
#define FIRST_CHUNK ((size_t)64 << 10)

void ps_slab_init(struct ps_slab *s, size_t size)
{
	s->piece = round_up(size ? size : 1, 64);
	s->next_size = FIRST_CHUNK;
	s->left = 0;
	s->chunks = NULL;
}

/*
 * Chunks double from 64 KiB to one huge page, so that a run with a few
 * pieces keeps a small footprint and one with many gets huge pages.
 */
void *ps_slab_take(struct ps_slab *s)
{
	if (s->left == 0) {
		size_t size = s->next_size;
		if (size < HEADER + s->piece)
			size = round_up(HEADER + s->piece, FIRST_CHUNK);
		struct ps_slab_chunk *c = ps_table_alloc(size);
		if (!c)
			return NULL;
		c->next = s->chunks;
		c->size = size;
		s->chunks = c;
		s->left = (size - HEADER) / s->piece;
		s->at = (char *)c + HEADER;
		if (s->next_size < HUGE_PAGE)
			s->next_size *= 2;
	}
	s->left--;
	void *piece = s->at;
	s->at += s->piece;
	return piece;
}

void ps_slab_fini(struct ps_slab *s)
{
	while (s->chunks) {
		struct ps_slab_chunk *next = s->chunks->next;
		ps_table_free(s->chunks, s->chunks->size);
		s->chunks = next;
	}
	s->left = 0;
	s->next_size = FIRST_CHUNK;
}
