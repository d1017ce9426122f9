/*
 * Tables for randomly read data (table.h): zeroed, aligned, distinct,
 * large or small, and a slab's pieces never overlap however many chunks
 * it takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "portsim/table.h"

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_tables_small_and_huge_are_zeroed_aligned_and_writable(void **state)
{
	(void)state;
	static const size_t sizes[] = { 1, 100, 4096, PS_TABLE_HUGE_MIN - 1, PS_TABLE_HUGE_MIN, 3u << 20 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		unsigned char *p = ps_table_alloc(sizes[k]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 64, 0);
		assert_true(all_zero(p, sizes[k]));
		memset(p, 0xa5, sizes[k]);
		assert_int_equal(p[sizes[k] - 1], 0xa5);
		ps_table_free(p, sizes[k]);
	}
	assert_null(ps_table_alloc(0));
	ps_table_free(NULL, 10);
}

/* 3,000 pieces of a pool bitmap's size span chunks from 64 KiB up to huge pages. */
static void test_slab_pieces_are_zeroed_aligned_and_apart(void **state)
{
	(void)state;
	enum { N = 3000, SIZE = 3544 };
	static unsigned char *piece[N];
	struct ps_slab s;
	ps_slab_init(&s, SIZE);
	for (int i = 0; i < N; i++) {
		piece[i] = ps_slab_take(&s);
		assert_non_null(piece[i]);
		assert_int_equal((uintptr_t)piece[i] % 64, 0);
		assert_true(all_zero(piece[i], SIZE));
		memset(piece[i], i % 251 + 1, SIZE);
	}
	/* Every piece still holds its own mark: none was handed out twice or overlaps another. */
	for (int i = 0; i < N; i++) {
		assert_int_equal(piece[i][0], i % 251 + 1);
		assert_int_equal(piece[i][SIZE - 1], i % 251 + 1);
	}
	ps_slab_fini(&s);
	/* A slab can be used again after fini. */
	assert_non_null(ps_slab_take(&s));
	ps_slab_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_small_and_huge_are_zeroed_aligned_and_writable),
		cmocka_unit_test(test_slab_pieces_are_zeroed_aligned_and_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
