/* The INI reader: lines, sections, comments, quoting, empty values, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portsim/ini.h"

/* Every entry the reader handed over, one "line [section] key=value" per row. */
struct seen {
	char rows[32][160];
	size_t n;
	size_t stop_at; /* the callback returns nonzero on this entry (1-based); 0 = never */
};

static int collect(void *ctx, const struct ps_ini_entry *e)
{
	struct seen *s = ctx;
	assert_true(s->n < sizeof(s->rows) / sizeof(s->rows[0]));
	if (e->key)
		snprintf(s->rows[s->n], sizeof(s->rows[0]), "%u [%s] %s=%s", e->line,
			 e->section ? e->section : "-", e->key, e->value);
	else
		snprintf(s->rows[s->n], sizeof(s->rows[0]), "%u [%s]", e->line, e->section);
	s->n++;
	return s->stop_at && s->n == s->stop_at;
}

/* Reads text (its strlen bytes), expecting success and exactly the NULL-terminated rows. */
static void expect_rows(const char *text, ...)
{
	struct seen s = { .n = 0 };
	struct ps_ini_error err;
	va_list ap;
	size_t i = 0;

	if (ps_ini_parse(text, strlen(text), collect, &s, &err))
		fail_msg("line %u: %s \"%s\"", err.line, ps_ini_problem_text(err.problem), err.text);
	va_start(ap, text);
	for (const char *row; (row = va_arg(ap, const char *)); i++) {
		if (i >= s.n)
			fail_msg("row %zu \"%s\" missing", i, row);
		assert_string_equal(s.rows[i], row);
	}
	va_end(ap);
	assert_int_equal(s.n, i);
}

/* Reads text, expecting problem on line with the line's text. */
static void expect_problem(const char *text, enum ps_ini_problem problem, unsigned line,
			   const char *line_text)
{
	struct seen s = { .n = 0 };
	struct ps_ini_error err;

	assert_int_equal(ps_ini_parse(text, strlen(text), collect, &s, &err), -1);
	assert_int_equal(err.problem, problem);
	assert_int_equal(err.line, line);
	assert_string_equal(err.text, line_text);
}

static void test_sections_and_keys_arrive_in_order_with_their_lines(void **state)
{
	(void)state;
	expect_rows("[run]\nseed = 1\n\n[workload.web]\nrate_per_s = 5\n",
		    "1 [run]", "2 [run] seed=1", "4 [workload.web]", "5 [workload.web] rate_per_s=5", NULL);
}

static void test_section_names_and_keys_lose_their_blanks(void **state)
{
	(void)state;
	expect_rows("  [ host ]  \n\ttime_wait_s\t=  30  \n", "1 [host]", "2 [host] time_wait_s=30",
		    NULL);
}

static void test_key_before_any_section_has_no_section(void **state)
{
	(void)state;
	expect_rows("seed = 1\n[run]\n", "1 [-] seed=1", "2 [run]", NULL);
}

static void test_empty_value_at_end_of_file_without_newline(void **state)
{
	(void)state;
	expect_rows("[run]\nseed =", "1 [run]", "2 [run] seed=", NULL);
	expect_rows("[run]\nseed = \t", "1 [run]", "2 [run] seed=", NULL);
}

static void test_empty_value_never_reaches_the_next_line(void **state)
{
	(void)state;
	expect_rows("[workload.c]\ndestination_list =\ncloser = server   # the server closes\n"
		    "keepalive = true ; pooled\nmode = udp\n",
		    "1 [workload.c]", "2 [workload.c] destination_list=",
		    "3 [workload.c] closer=server", "4 [workload.c] keepalive=true",
		    "5 [workload.c] mode=udp", NULL);
}

static void test_empty_value_reads_only_its_own_bytes(void **state)
{
	(void)state;
	/* Not NUL-terminated: the reader must stop at len, not at a terminator. */
	char *text = malloc(12);
	struct seen s = { .n = 0 };
	struct ps_ini_error err;

	assert_non_null(text);
	memcpy(text, "[run]\nseed =", 12);
	assert_int_equal(ps_ini_parse(text, 12, collect, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rows[1], "2 [run] seed=");
	free(text);
}

static void test_inline_comments_start_after_a_blank(void **state)
{
	(void)state;
	expect_rows("[a]\nx = 1 # one\ny = 2\t; two\nz = 3 ; x # y\n", "1 [a]", "2 [a] x=1", "3 [a] y=2",
		    "4 [a] z=3", NULL);
}

static void test_hash_or_semicolon_inside_a_word_is_part_of_the_value(void **state)
{
	(void)state;
	expect_rows("[a]\nx = a#b\ny = sequential;not a comment\nz =#c\n", "1 [a]", "2 [a] x=a#b",
		    "3 [a] y=sequential;not a comment", "4 [a] z=#c", NULL);
}

static void test_comment_right_after_equals_leaves_the_value_empty(void **state)
{
	(void)state;
	expect_rows("[a]\nx = # nothing\ny =\t; nothing\n", "1 [a]", "2 [a] x=", "3 [a] y=", NULL);
}

static void test_full_line_comments_and_blank_lines_are_skipped(void **state)
{
	(void)state;
	expect_rows("# one\n; two\n   # three\n\n \t \n[a]\n", "6 [a]", NULL);
}

static void test_comment_may_follow_a_section_header(void **state)
{
	(void)state;
	expect_rows("[a] # x\n[b];y\n[c]#z\n", "1 [a]", "2 [b]", "3 [c]", NULL);
}

static void test_quoted_value_keeps_hash_and_semicolon(void **state)
{
	(void)state;
	expect_rows("[a]\nx = \"a # b ; c\"\ny = \"  padded  \"  # comment\nz = \"\"\n", "1 [a]",
		    "2 [a] x=a # b ; c", "3 [a] y=  padded  ", "4 [a] z=", NULL);
}

static void test_quoted_value_unescapes_quote_and_backslash_only(void **state)
{
	(void)state;
	expect_rows("[a]\nx = \"say \\\"hi\\\" \\\\ c:\\dir\"\n", "1 [a]",
		    "2 [a] x=say \"hi\" \\ c:\\dir", NULL);
}

static void test_quote_inside_a_bare_value_is_kept(void **state)
{
	(void)state;
	expect_rows("[a]\nx = a \"b\"\n", "1 [a]", "2 [a] x=a \"b\"", NULL);
}

static void test_unterminated_quote_is_an_error_on_its_line(void **state)
{
	(void)state;
	expect_problem("[a]\nx = 1\ny = \"open # c\n", PS_INI_BAD_QUOTE, 3, "y = \"open # c");
	expect_problem("[a]\ny = \"x\" trailing\n", PS_INI_BAD_QUOTE, 2, "y = \"x\" trailing");
	expect_problem("[a]\ny = \"x\\\"", PS_INI_BAD_QUOTE, 2, "y = \"x\\\"");
}

static void test_utf8_bom_at_the_top_is_skipped(void **state)
{
	(void)state;
	expect_rows("\xEF\xBB\xBF[run]\nseed = 1\n", "1 [run]", "2 [run] seed=1", NULL);
	expect_rows("\xEF\xBB\xBF# comment\n[run]\n", "2 [run]", NULL);
}

static void test_crlf_line_endings_are_read_like_lf(void **state)
{
	(void)state;
	expect_rows("[run]\r\nseed = 1\r\n\r\nx = 2 # c\r\ny =\r\n", "1 [run]", "2 [run] seed=1",
		    "4 [run] x=2", "5 [run] y=", NULL);
}

static void test_line_without_equals_is_an_error_with_its_line_number(void **state)
{
	(void)state;
	expect_problem("[run]\n\n# c\nduration_s 5  \r\nseed = 1\n", PS_INI_BAD_LINE, 4, "duration_s 5");
	expect_problem("[run]\n= 5\n", PS_INI_BAD_LINE, 2, "= 5");
}

static void test_malformed_section_header_is_an_error(void **state)
{
	(void)state;
	expect_problem("[run\n", PS_INI_BAD_SECTION, 1, "[run");
	expect_problem("x = 1\n[run] extra\n", PS_INI_BAD_SECTION, 2, "[run] extra");
	expect_problem("[a]b]\n", PS_INI_BAD_SECTION, 1, "[a]b]");
}

static void test_the_first_error_stops_the_reader(void **state)
{
	(void)state;
	struct seen s = { .n = 0 };
	struct ps_ini_error err;
	const char *text = "[a]\nx = 1\nbad\ny = 2\n";

	assert_int_equal(ps_ini_parse(text, strlen(text), collect, &s, &err), -1);
	assert_int_equal(err.line, 3);
	assert_int_equal(s.n, 2);
}

static void test_callback_can_stop_the_reader(void **state)
{
	(void)state;
	struct seen s = { .n = 0, .stop_at = 2 };
	struct ps_ini_error err;
	const char *text = "[a]\nx = 1\ny = 2\n";

	assert_int_equal(ps_ini_parse(text, strlen(text), collect, &s, &err), -1);
	assert_int_equal(err.problem, PS_INI_STOPPED);
	assert_int_equal(err.line, 2);
	assert_int_equal(s.n, 2);
}

static void test_duplicate_keys_are_all_handed_over(void **state)
{
	(void)state;
	expect_rows("[a]\nx = 1\nx = 2\n", "1 [a]", "2 [a] x=1", "3 [a] x=2", NULL);
}

static void test_nul_byte_ends_the_text(void **state)
{
	(void)state;
	const char text[] = "[a]\nx = 1\n\0y = 2\n";
	struct seen s = { .n = 0 };
	struct ps_ini_error err;

	assert_int_equal(ps_ini_parse(text, sizeof(text) - 1, collect, &s, &err), 0);
	assert_int_equal(s.n, 2);
}

static void test_long_line_error_text_is_cut_to_fit(void **state)
{
	(void)state;
	size_t n = 3 * PS_INI_TEXT_MAX;
	char *text = malloc(n + 1);
	struct seen s = { .n = 0 };
	struct ps_ini_error err;

	assert_non_null(text);
	memset(text, 'x', n);
	text[n] = '\0';
	assert_int_equal(ps_ini_parse(text, n, collect, &s, &err), -1);
	assert_int_equal(err.problem, PS_INI_BAD_LINE);
	assert_int_equal(strlen(err.text), PS_INI_TEXT_MAX - 1);
	free(text);
}

/* Writes value, reads it back as "k = <written>", and expects value again. */
static void expect_round_trip(const char *value, const char *written)
{
	char buf[256], text[300];
	struct seen s = { .n = 0 };
	struct ps_ini_error err;

	assert_int_equal(ps_ini_write_value(buf, sizeof(buf), value), strlen(written));
	assert_string_equal(buf, written);
	snprintf(text, sizeof(text), "[a]\nk = %s\n", buf);
	assert_int_equal(ps_ini_parse(text, strlen(text), collect, &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rows[1] + strlen("2 [a] k="), value);
}

static void test_written_values_read_back_as_themselves(void **state)
{
	(void)state;
	expect_round_trip("plain.csv", "plain.csv");
	expect_round_trip("a#b;c", "a#b;c");
	expect_round_trip("", "");
	expect_round_trip("a #b.csv", "\"a #b.csv\"");
	expect_round_trip("x ;y", "\"x ;y\"");
	expect_round_trip(" lead", "\" lead\"");
	expect_round_trip("trail\t", "\"trail\t\"");
	expect_round_trip("\"quoted\"", "\"\\\"quoted\\\"\"");
	expect_round_trip("\"a\\b #c", "\"\\\"a\\\\b #c\"");
	/* After "k = " a leading '#' or ';' would open a comment. */
	expect_round_trip("#x.csv", "\"#x.csv\"");
	expect_round_trip(";y", "\";y\"");
}

static void test_written_value_truncates_like_snprintf(void **state)
{
	(void)state;
	char buf[6];
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(ps_ini_write_value(buf, 4, "a #b"), 6);
	assert_string_equal(buf, "\"a ");
	assert_int_equal(buf[4], 'z');
	assert_int_equal(ps_ini_write_value(NULL, 0, "a #b"), 6);
	assert_int_equal(ps_ini_write_value(NULL, 0, "ab"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_and_keys_arrive_in_order_with_their_lines),
		cmocka_unit_test(test_section_names_and_keys_lose_their_blanks),
		cmocka_unit_test(test_key_before_any_section_has_no_section),
		cmocka_unit_test(test_empty_value_at_end_of_file_without_newline),
		cmocka_unit_test(test_empty_value_never_reaches_the_next_line),
		cmocka_unit_test(test_empty_value_reads_only_its_own_bytes),
		cmocka_unit_test(test_inline_comments_start_after_a_blank),
		cmocka_unit_test(test_hash_or_semicolon_inside_a_word_is_part_of_the_value),
		cmocka_unit_test(test_comment_right_after_equals_leaves_the_value_empty),
		cmocka_unit_test(test_full_line_comments_and_blank_lines_are_skipped),
		cmocka_unit_test(test_comment_may_follow_a_section_header),
		cmocka_unit_test(test_quoted_value_keeps_hash_and_semicolon),
		cmocka_unit_test(test_quoted_value_unescapes_quote_and_backslash_only),
		cmocka_unit_test(test_quote_inside_a_bare_value_is_kept),
		cmocka_unit_test(test_unterminated_quote_is_an_error_on_its_line),
		cmocka_unit_test(test_utf8_bom_at_the_top_is_skipped),
		cmocka_unit_test(test_crlf_line_endings_are_read_like_lf),
		cmocka_unit_test(test_line_without_equals_is_an_error_with_its_line_number),
		cmocka_unit_test(test_malformed_section_header_is_an_error),
		cmocka_unit_test(test_the_first_error_stops_the_reader),
		cmocka_unit_test(test_callback_can_stop_the_reader),
		cmocka_unit_test(test_duplicate_keys_are_all_handed_over),
		cmocka_unit_test(test_nul_byte_ends_the_text),
		cmocka_unit_test(test_long_line_error_text_is_cut_to_fit),
		cmocka_unit_test(test_written_values_read_back_as_themselves),
		cmocka_unit_test(test_written_value_truncates_like_snprintf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
