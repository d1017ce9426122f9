/*
 * The arena that lane blocks and pool bitmaps are cut from: pieces
 * aligned and apart, a new chunk when the newest is full, refusal of a
 * piece larger than a chunk, and chunks advised as huge pages where the
 * kernel has them (the "hg" flag /proc/self/smaps shows for the mapping).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portsim/arena.h"

static void test_pieces_are_aligned_apart_and_whole(void **state)
{
	(void)state;
	struct ps_arena a = { 0 };
	unsigned char *p[3];
	size_t sizes[3] = { 1, 100, 24584 };
	for (int i = 0; i < 3; i++) {
		p[i] = ps_arena_alloc(&a, sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % PS_ARENA_ALIGN, 0);
		memset(p[i], i + 1, sizes[i]);
	}
	/* Writing one piece left the others as they were (and ASan watches the bounds). */
	assert_int_equal(p[0][0], 1);
	assert_int_equal(p[1][99], 2);
	assert_int_equal(p[2][24583], 3);
	assert_true(p[1] >= p[0] + PS_ARENA_ALIGN);
	assert_true(p[2] >= p[1] + 128);
	ps_arena_fini(&a);
	assert_null(a.chunks);
}

static void test_a_full_chunk_leads_to_a_new_one(void **state)
{
	(void)state;
	struct ps_arena a = { 0 };
	/* Three pieces of over a third of a chunk: the third cannot fit in the first chunk. */
	size_t third = PS_ARENA_CHUNK / 3 + 1;
	char *x = ps_arena_alloc(&a, third), *y = ps_arena_alloc(&a, third);
	void *first = a.chunks;
	char *z = ps_arena_alloc(&a, third);
	assert_non_null(x);
	assert_non_null(y);
	assert_non_null(z);
	assert_ptr_not_equal(a.chunks, first);
	assert_int_equal((uintptr_t)a.chunks % PS_ARENA_CHUNK, 0);
	memset(x, 1, third);
	memset(y, 2, third);
	memset(z, 3, third);
	assert_int_equal(x[third - 1], 1);
	assert_int_equal(y[0], 2);
	/* The largest piece fits a chunk of its own; one byte more is refused. */
	assert_non_null(ps_arena_alloc(&a, PS_ARENA_MAX));
	assert_null(ps_arena_alloc(&a, PS_ARENA_MAX + 1));
	ps_arena_fini(&a);
	ps_arena_fini(&a);
}

/* Whether the mapping that holds p is advised as huge pages: 1, 0, or -1 when smaps does not say. */
static int advised_huge(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	char line[512];
	bool inside = false;
	int found = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char c;
		if (sscanf(line, "%lx-%lx %c", &lo, &hi, &c) == 3) {
			inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			found = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return found;
}

static void test_chunks_are_advised_as_huge_pages(void **state)
{
	(void)state;
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0) {
		print_message("SKIP: this kernel has no transparent huge pages, so there is nothing to advise\n");
		skip();
	}
	struct ps_arena a = { 0 };
	void *piece = ps_arena_alloc(&a, 4096);
	void *plain = malloc(PS_ARENA_CHUNK);
	assert_non_null(piece);
	assert_non_null(plain);
	int h = advised_huge(piece), p = advised_huge(plain);
	free(plain);
	ps_arena_fini(&a);
	if (h < 0 || p < 0) {
		print_message("SKIP: /proc/self/smaps shows no VmFlags here\n");
		skip();
	}
	/* The arena's chunk is advised; memory malloc gave, the same size, is not. */
	assert_int_equal(h, 1);
	assert_int_equal(p, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_are_aligned_apart_and_whole),
		cmocka_unit_test(test_a_full_chunk_leads_to_a_new_one),
		cmocka_unit_test(test_chunks_are_advised_as_huge_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
