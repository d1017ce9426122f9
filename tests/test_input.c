/* What every reader of user input shares (portsim/input.h): numbers, input files, excerpts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portsim/input.h"
#include "support.h"

static void test_real_numbers_are_decimal_with_fraction_and_exponent(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		double v;
	} good[] = {
		{ "0", 0 }, { "2", 2 }, { "2.5", 2.5 }, { ".5", 0.5 }, { "2.", 2 }, { "1e6", 1e6 }, { "2.5E-3", 2.5e-3 },
		{ "1e+3", 1e3 }, { "-4", -4 }, { "-0", 0 }, { "007", 7 }, { "1.7976931348623157e308", 1.7976931348623157e308 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		double v = -1;
		if (ps_number_real(good[i].text, &v) != PS_NUMBER_OK || v != good[i].v)
			fail_msg("\"%s\" read as %g", good[i].text, v);
	}
	double z;
	assert_int_equal(ps_number_real("-0", &z), PS_NUMBER_OK);
	assert_false(signbit(z));
	static const char *const bad[] = { "", "0x10", "0x1p3", "+5", "inf", "-inf", "nan", "infinity", " 5", "5 ",
					   "1_000", "1,5", "1e", "1e+", ".", "-", "-.", "e5", "1.2.3", "--1", "5s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v;
		if (ps_number_real(bad[i], &v) != PS_NUMBER_BAD)
			fail_msg("\"%s\" was taken for a number", bad[i]);
	}
	assert_int_equal(ps_number_real("1e999", &z), PS_NUMBER_TOO_BIG);
	assert_int_equal(ps_number_real("-1e999", &z), PS_NUMBER_TOO_BIG);
}

static void test_whole_numbers_are_digits_only(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(ps_number_whole("18446744073709551615", &v), PS_NUMBER_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ps_number_whole("0", &v), PS_NUMBER_OK);
	assert_true(v == 0);
	assert_int_equal(ps_number_whole("18446744073709551616", &v), PS_NUMBER_TOO_BIG);
	static const char *const bad[] = { "", "-1", "+1", "1.0", "1e3", "0x10", " 1", "1 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ps_number_whole(bad[i], &v) != PS_NUMBER_BAD)
			fail_msg("\"%s\" was taken for a whole number", bad[i]);
}

static void test_scan_finds_the_longest_number_at_the_start(void **state)
{
	(void)state;
	assert_int_equal(ps_number_scan("100:200"), 3);
	assert_int_equal(ps_number_scan("2.5e3:1"), 5);
	assert_int_equal(ps_number_scan("1e:"), 1);
	assert_int_equal(ps_number_scan("0x10"), 1);
	assert_int_equal(ps_number_scan("x"), 0);
	assert_int_equal(ps_number_scan("+1"), 0);
}

static void test_excerpts_escape_every_byte_outside_printable_ascii_and_cut(void **state)
{
	(void)state;
	char buf[PS_EXCERPT_SIZE];
	assert_string_equal(ps_excerpt_text(buf, sizeof(buf), "plain text"), "plain text");
	assert_string_equal(ps_excerpt_text(buf, sizeof(buf), "\x1b[31mred\x07\n\t\x7f\xc3\xa9"),
			    "\\x1b[31mred\\x07\\x0a\\x09\\x7f\\xc3\\xa9");
	const char *long_text = "0123456789012345678901234567890123456789SECRET";
	assert_string_equal(ps_excerpt_text(buf, sizeof(buf), long_text), "0123456789012345678901234567890123456789...");
	/* A buffer too small never splits an escape. */
	char small[8];
	assert_string_equal(ps_excerpt(small, sizeof(small), "ab\x1b\x1b", 4, 40), "ab\\x1b");
	assert_true(ps_excerpt_needs_escape("a\x1b"));
	assert_false(ps_excerpt_needs_escape("a b"));
}

static void test_only_regular_files_within_the_limit_open(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *file = pst_path(dir, "f"), *fifo = pst_path(dir, "p"), *big = pst_path(dir, "big");
	char why[256];
	uint64_t bytes = 0;
	assert_int_equal(pst_write_file(file, "12345"), 0);
	FILE *f = ps_input_open(file, 5, &bytes, why, sizeof(why));
	assert_non_null(f);
	assert_true(bytes == 5);
	fclose(f);
	assert_null(ps_input_open(file, 4, NULL, why, sizeof(why)));
	assert_string_equal(why, "too big (5 bytes); allowed: a regular file of at most 4 bytes");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A FIFO without a writer would block a plain open() forever. */
	assert_null(ps_input_open(fifo, 100, NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "not a regular file but a FIFO"));
	assert_null(ps_input_open(dir, 100, NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "not a regular file but a directory"));
	assert_null(ps_input_open("/dev/zero", PS_DATA_FILE_MAX, NULL, why, sizeof(why)));
	assert_string_equal(why, "not a regular file but a character device; allowed: a regular file of at most 256 MiB");
	int fd = open(big, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)PS_DATA_FILE_MAX + 1), 0);
	close(fd);
	assert_null(ps_input_open(big, PS_DATA_FILE_MAX, NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "too big (268435457 bytes)"));
	assert_null(ps_input_open("/nonexistent/x", 100, NULL, why, sizeof(why)));
	assert_string_equal(why, "cannot read: No such file or directory");
	pst_rmtree(dir);
	free(dir);
	free(file);
	free(fifo);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_numbers_are_decimal_with_fraction_and_exponent),
		cmocka_unit_test(test_whole_numbers_are_digits_only),
		cmocka_unit_test(test_scan_finds_the_longest_number_at_the_start),
		cmocka_unit_test(test_excerpts_escape_every_byte_outside_printable_ascii_and_cut),
		cmocka_unit_test(test_only_regular_files_within_the_limit_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
