/*
 * The arena that lane blocks are cut from: pieces
 * aligned and apart, a small first chunk then large ones, refusal of a
 * piece larger than a chunk, and the large chunks advised as huge pages
 * where the kernel has them (the "hg" flag /proc/self/smaps shows for the
 * mapping), the small one not.
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
	/* A piece of nothing still has a place of its own. */
	unsigned char *none = ps_arena_alloc(&a, 0), *after = ps_arena_alloc(&a, 1);
	assert_non_null(none);
	assert_true(after >= none + PS_ARENA_ALIGN);
	ps_arena_fini(&a);
	assert_null(a.chunks);
}

static void test_the_small_first_chunk_is_followed_by_large_ones(void **state)
{
	(void)state;
	struct ps_arena a = { 0 };
	/* The first chunk holds 256 KiB less its link: the fourth piece of 64 KiB takes a large chunk. */
	char *q[4];
	for (int i = 0; i < 4; i++) {
		q[i] = ps_arena_alloc(&a, (size_t)64 << 10);
		assert_non_null(q[i]);
		memset(q[i], i + 1, (size_t)64 << 10);
	}
	assert_int_equal((uintptr_t)a.chunks % PS_ARENA_CHUNK, 0);
	assert_ptr_equal(q[3], (char *)a.chunks + PS_ARENA_ALIGN);
	assert_int_equal(a.left, PS_ARENA_MAX - ((size_t)64 << 10));
	assert_int_equal(q[0][0], 1);
	assert_int_equal(q[2][((size_t)64 << 10) - 1], 3);
	/* Thirds of a large chunk: the third of them needs another. */
	size_t third = PS_ARENA_CHUNK / 3 + 1;
	char *x = ps_arena_alloc(&a, third), *y = ps_arena_alloc(&a, third);
	void *before = a.chunks;
	char *z = ps_arena_alloc(&a, third);
	assert_non_null(x);
	assert_non_null(y);
	assert_non_null(z);
	assert_ptr_not_equal(a.chunks, before);
	memset(x, 5, third);
	memset(z, 6, third);
	assert_int_equal(x[third - 1], 5);
	/* The largest piece fits a chunk of its own; one byte more is refused. */
	assert_non_null(ps_arena_alloc(&a, PS_ARENA_MAX));
	assert_null(ps_arena_alloc(&a, PS_ARENA_MAX + 1));
	ps_arena_fini(&a);
	ps_arena_fini(&a);
}

static void test_a_first_piece_too_large_for_the_small_chunk_takes_a_large_one(void **state)
{
	(void)state;
	struct ps_arena a = { 0 };
	char *p = ps_arena_alloc(&a, PS_ARENA_FIRST);
	assert_non_null(p);
	assert_int_equal((uintptr_t)a.chunks % PS_ARENA_CHUNK, 0);
	memset(p, 7, PS_ARENA_FIRST);
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

static void test_large_chunks_are_advised_as_huge_pages_and_the_first_is_not(void **state)
{
	(void)state;
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0) {
		print_message("SKIP: this kernel has no transparent huge pages, so there is nothing to advise\n");
		skip();
	}
	struct ps_arena a = { 0 };
	void *small = ps_arena_alloc(&a, 4096), *large = ps_arena_alloc(&a, PS_ARENA_FIRST);
	assert_non_null(small);
	assert_non_null(large);
	int s = advised_huge(small), l = advised_huge(large);
	ps_arena_fini(&a);
	if (s < 0 || l < 0) {
		print_message("SKIP: /proc/self/smaps shows no VmFlags here\n");
		skip();
	}
	assert_int_equal(s, 0);
	assert_int_equal(l, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_are_aligned_apart_and_whole),
		cmocka_unit_test(test_the_small_first_chunk_is_followed_by_large_ones),
		cmocka_unit_test(test_a_first_piece_too_large_for_the_small_chunk_takes_a_large_one),
		cmocka_unit_test(test_large_chunks_are_advised_as_huge_pages_and_the_first_is_not),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
