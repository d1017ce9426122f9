#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <math.h>

#include "portsim/rng.h"
#include "portsim/types.h"

enum { SEQ_LEN = 64 };

static void fill(uint64_t *out, uint64_t seed, enum ps_stream purpose, uint64_t index)
{
	struct ps_rng r;
	ps_rng_init(&r, seed, purpose, index);
	for (int i = 0; i < SEQ_LEN; i++)
		out[i] = ps_rng_next(&r);
}

/* Counts positions where two sequences agree: independent streams should almost never. */
static int matches(const uint64_t *a, const uint64_t *b)
{
	int n = 0;
	for (int i = 0; i < SEQ_LEN; i++)
		n += a[i] == b[i];
	return n;
}

static void test_splitmix64_matches_reference_values(void **state)
{
	(void)state;
	/* Published splitmix64 outputs from state 0. */
	uint64_t x = 0;
	assert_true(ps_splitmix64(&x) == 0xe220a8397b1dcdafULL);
	assert_true(ps_splitmix64(&x) == 0x6e789e6aa1b965f4ULL);
	assert_true(ps_splitmix64(&x) == 0x06c45d188009454fULL);
}

static void test_xoshiro256ss_matches_reference_values(void **state)
{
	(void)state;
	/* xoshiro256** from state {1, 2, 3, 4}, as in the reference implementation. */
	struct ps_rng r = { .s = { 1, 2, 3, 4 } };
	assert_true(ps_rng_next(&r) == 11520ULL);
	assert_true(ps_rng_next(&r) == 0ULL);
	assert_true(ps_rng_next(&r) == 1509978240ULL);
	assert_true(ps_rng_next(&r) == 1215971899390074240ULL);
}

static void test_same_triple_gives_same_sequence(void **state)
{
	(void)state;
	uint64_t a[SEQ_LEN], b[SEQ_LEN];
	fill(a, 42, PS_STREAM_ARRIVALS, 3);
	fill(b, 42, PS_STREAM_ARRIVALS, 3);
	assert_memory_equal(a, b, sizeof(a));
}

static void test_different_purpose_gives_different_sequence(void **state)
{
	(void)state;
	uint64_t a[SEQ_LEN], b[SEQ_LEN];
	fill(a, 42, PS_STREAM_ARRIVALS, 0);
	fill(b, 42, PS_STREAM_DURATIONS, 0);
	assert_int_equal(matches(a, b), 0);
}

static void test_different_index_gives_different_sequence(void **state)
{
	(void)state;
	uint64_t a[SEQ_LEN], b[SEQ_LEN];
	fill(a, 42, PS_STREAM_ALLOCATOR, 0);
	fill(b, 42, PS_STREAM_ALLOCATOR, 1);
	assert_int_equal(matches(a, b), 0);
}

static void test_different_seed_gives_different_sequence(void **state)
{
	(void)state;
	uint64_t a[SEQ_LEN], b[SEQ_LEN];
	fill(a, 1, PS_STREAM_ARRIVALS, 0);
	fill(b, 2, PS_STREAM_ARRIVALS, 0);
	assert_int_equal(matches(a, b), 0);
}

static void test_swapped_words_give_different_sequences(void **state)
{
	(void)state;
	/* A XOR-based derivation would make these two triples the same stream. */
	uint64_t a[SEQ_LEN], b[SEQ_LEN], c[SEQ_LEN];
	fill(a, 1, PS_STREAM_ARRIVALS, 2);
	fill(b, 2, PS_STREAM_ARRIVALS, 1);
	fill(c, 1 ^ 3, (enum ps_stream)(PS_STREAM_ARRIVALS ^ 3), 2);
	assert_int_equal(matches(a, b), 0);
	assert_int_equal(matches(a, c), 0);
}

static void test_below_stays_below_n(void **state)
{
	(void)state;
	const uint64_t ns[] = { 1, 2, 3, 7, 10, 1000, 28232, (1ULL << 63) + 1, UINT64_MAX };
	struct ps_rng r;
	ps_rng_init(&r, 5, PS_STREAM_ALLOCATOR, 0);
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
		for (int i = 0; i < 10000; i++)
			assert_true(ps_rng_below(&r, ns[k]) < ns[k]);
}

/* Lemire's method as published, in one piece: what the inline draw and its out-of-line retry must equal. */
static uint64_t below_reference(struct ps_rng *r, uint64_t n)
{
	__extension__ unsigned __int128 m = (unsigned __int128)ps_rng_next(r) * n;
	if ((uint64_t)m < n) {
		uint64_t threshold = -n % n;
		while ((uint64_t)m < threshold)
			m = __extension__(unsigned __int128)ps_rng_next(r) * n;
	}
	return (uint64_t)(m >> 64);
}

static void test_below_matches_the_reference_and_takes_as_many_words(void **state)
{
	(void)state;
	/* 2^63 + 1 rejects almost half the words, so the retry runs often. */
	const uint64_t ns[] = { 1, 2, 3, 1000, (1ULL << 63) + 1, 0xaaaaaaaaaaaaaaabULL, UINT64_MAX };
	struct ps_rng r, ref;
	ps_rng_init(&r, 77, PS_STREAM_DESTINATIONS, 4);
	ref = r;
	for (int i = 0; i < 20000; i++) {
		uint64_t n = ns[i % (int)(sizeof(ns) / sizeof(ns[0]))];
		assert_true(ps_rng_below(&r, n) == below_reference(&ref, n));
	}
	assert_memory_equal(r.s, ref.s, sizeof(r.s));
}

/* Pearson's statistic for counts against an even split. */
static double chi_square(const unsigned *count, int bins, unsigned draws)
{
	double expected = (double)draws / bins, x2 = 0;
	for (int i = 0; i < bins; i++) {
		double d = count[i] - expected;
		x2 += d * d / expected;
	}
	return x2;
}

static void test_below_is_roughly_uniform(void **state)
{
	(void)state;
	enum { BINS = 10, DRAWS = 100000 };
	unsigned count[BINS] = { 0 };
	struct ps_rng r;
	ps_rng_init(&r, 12345, PS_STREAM_DESTINATIONS, 0);
	for (int i = 0; i < DRAWS; i++)
		count[ps_rng_below(&r, BINS)]++;
	/* 27.88 is the p = 0.001 point for 9 degrees of freedom; the seed is fixed, so no flakes. */
	assert_true(chi_square(count, BINS, DRAWS) < 27.88);
}

static void test_below_is_uniform_for_a_huge_n(void **state)
{
	(void)state;
	/*
	 * With n = 2^64 / 1.5, a plain modulo would put half again as many
	 * draws in the lower half of the range as in the upper.
	 */
	enum { BINS = 10, DRAWS = 100000 };
	const uint64_t n = 0xaaaaaaaaaaaaaaabULL;
	unsigned count[BINS] = { 0 };
	struct ps_rng r;
	ps_rng_init(&r, 12345, PS_STREAM_DESTINATIONS, 1);
	for (int i = 0; i < DRAWS; i++) {
		uint64_t v = ps_rng_below(&r, n);
		count[(unsigned)((__extension__(unsigned __int128)v * BINS) / n)]++;
	}
	assert_true(chi_square(count, BINS, DRAWS) < 27.88);
}

static void test_uniform_stays_in_half_open_intervals(void **state)
{
	(void)state;
	struct ps_rng r;
	ps_rng_init(&r, 9, PS_STREAM_DURATIONS, 0);
	for (int i = 0; i < 100000; i++) {
		double u = ps_rng_uniform(&r);
		double p = ps_rng_uniform_pos(&r);
		assert_true(u >= 0.0 && u < 1.0);
		assert_true(p > 0.0 && p <= 1.0);
	}
}

static void test_exponential_mean_within_two_percent(void **state)
{
	(void)state;
	enum { DRAWS = 200000 };
	const double mean = 3.5;
	double sum = 0;
	struct ps_rng r;
	ps_rng_init(&r, 2024, PS_STREAM_DURATIONS, 0);
	for (int i = 0; i < DRAWS; i++) {
		double x = ps_rng_exponential(&r, mean);
		assert_true(x >= 0.0);
		sum += x;
	}
	assert_float_equal(sum / DRAWS, mean, 0.02 * mean);
}

static void test_normal_has_zero_mean_and_unit_variance(void **state)
{
	(void)state;
	enum { DRAWS = 200000 };
	double sum = 0, sumsq = 0;
	struct ps_rng r;
	ps_rng_init(&r, 77, PS_STREAM_DURATIONS, 2);
	for (int i = 0; i < DRAWS; i++) {
		double x = ps_rng_normal(&r);
		sum += x;
		sumsq += x * x;
	}
	double m = sum / DRAWS;
	double var = sumsq / DRAWS - m * m;
	assert_float_equal(m, 0.0, 0.01);
	assert_float_equal(var, 1.0, 0.02);
}

static void test_mix64_depends_on_every_word(void **state)
{
	(void)state;
	uint64_t h = ps_mix64(1, 2, 3, 4);
	assert_true(h == ps_mix64(1, 2, 3, 4));
	assert_true(h != ps_mix64(0, 2, 3, 4));
	assert_true(h != ps_mix64(1, 3, 3, 4));
	assert_true(h != ps_mix64(1, 2, 2, 4));
	assert_true(h != ps_mix64(1, 2, 3, 5));
	assert_true(h != ps_mix64(1, 3, 2, 4));
}

static void test_mix64_flips_about_half_the_bits(void **state)
{
	(void)state;
	/* Avalanche: one input bit changed should flip ~32 of 64 output bits on average. */
	enum { TRIALS = 4000 };
	struct ps_rng r;
	unsigned long flips = 0;
	ps_rng_init(&r, 1, PS_STREAM_SECRET, 0);
	for (int i = 0; i < TRIALS; i++) {
		uint64_t w[4];
		for (int k = 0; k < 4; k++)
			w[k] = ps_rng_next(&r);
		uint64_t h = ps_mix64(w[0], w[1], w[2], w[3]);
		int k = i % 4;
		w[k] ^= 1ULL << (i % 64);
		flips += (unsigned long)__builtin_popcountll(h ^ ps_mix64(w[0], w[1], w[2], w[3]));
	}
	double avg = (double)flips / TRIALS;
	assert_float_equal(avg, 32.0, 0.5);
}

static void check_format(ps_time t, const char *want)
{
	char buf[32];
	int n = ps_time_format(buf, sizeof(buf), t);
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

static void test_time_format_examples(void **state)
{
	(void)state;
	check_format(0, "0.0");
	check_format(1500000000ULL, "1.5");
	check_format(60000000000ULL, "60.0");
	check_format(12000000001ULL, "12.000000001");
	check_format(1, "0.000000001");
	check_format(250000000ULL, "0.25");
	check_format(PS_TIME_MAX, "18446744073.709551615");
}

static void test_time_format_truncates_like_snprintf(void **state)
{
	(void)state;
	char buf[4];
	assert_int_equal(ps_time_format(buf, sizeof(buf), 12000000001ULL), 12);
	assert_string_equal(buf, "12.");
}

static void test_time_from_s_rounds_to_nearest_ns(void **state)
{
	(void)state;
	assert_true(ps_time_from_s(0.5) == 500000000ULL);
	assert_true(ps_time_from_s(0.0) == 0);
	assert_true(ps_time_from_s(60.0) == 60000000000ULL);
	assert_true(ps_time_from_s(0.1) == 100000000ULL);
	assert_true(ps_time_from_s(1e-9) == 1);
	assert_true(ps_time_from_s(0.4e-9) == 0);
	assert_true(ps_time_from_s(86400.000000001) == 86400000000001ULL);
}

/* ps_time_from_s as first written, with unsigned conversions and an overflow test. */
static ps_time time_from_s_reference(double s)
{
	if (s <= 0)
		return 0;
	if (!(s < 18446744073.0))
		return PS_TIME_MAX;
	ps_time whole = (ps_time)s;
	double frac = s - (double)whole;
	ps_time ns = whole * PS_NS_PER_S;
	ps_time fns = (ps_time)(frac * 1e9 + 0.5);
	if (ns > PS_TIME_MAX - fns)
		return PS_TIME_MAX;
	return ns + fns;
}

static void test_time_from_s_matches_the_unsigned_formula(void **state)
{
	(void)state;
	const double edges[] = { 0.0, -0.0, -1.0, NAN, INFINITY, -INFINITY, 5e-324, 0.5e-9, 0.9999999999999999,
				 9223372036.854775807, 18446744072.5, 18446744072.999998, 18446744073.0, 1e300 };
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		assert_true(ps_time_from_s(edges[i]) == time_from_s_reference(edges[i]));
	/* Every scale from 2^-40 s to past the limit, and the last seconds below it. */
	struct ps_rng r;
	ps_rng_init(&r, 3, PS_STREAM_SECRET, 0);
	for (int i = 0; i < 200000; i++) {
		double u = ps_rng_uniform(&r);
		double s = i & 1 ? ldexp(u, i % 76 - 40) : 18446744073.0 - 4 * u;
		assert_true(ps_time_from_s(s) == time_from_s_reference(s));
	}
	assert_true(ps_time_from_s(nextafter(18446744073.0, 0)) == 18446744072999996185ULL);
}

static void test_mode_and_error_names(void **state)
{
	(void)state;
	assert_string_equal(ps_mode_name(PS_MODE_CONNECT), "connect");
	assert_string_equal(ps_mode_name(PS_MODE_BIND0), "bind0");
	assert_string_equal(ps_mode_name(PS_MODE_BIND_NO_PORT), "bind-no-port");
	assert_string_equal(ps_mode_name(PS_MODE_UDP), "udp");
	assert_string_equal(ps_err_name(PS_OK), "");
	assert_string_equal(ps_err_name(PS_EADDRNOTAVAIL), "EADDRNOTAVAIL");
	assert_string_equal(ps_err_name(PS_EADDRINUSE), "EADDRINUSE");
	assert_string_equal(ps_err_name(PS_EAGAIN), "EAGAIN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splitmix64_matches_reference_values),
		cmocka_unit_test(test_xoshiro256ss_matches_reference_values),
		cmocka_unit_test(test_same_triple_gives_same_sequence),
		cmocka_unit_test(test_different_purpose_gives_different_sequence),
		cmocka_unit_test(test_different_index_gives_different_sequence),
		cmocka_unit_test(test_different_seed_gives_different_sequence),
		cmocka_unit_test(test_swapped_words_give_different_sequences),
		cmocka_unit_test(test_below_stays_below_n),
		cmocka_unit_test(test_below_matches_the_reference_and_takes_as_many_words),
		cmocka_unit_test(test_below_is_roughly_uniform),
		cmocka_unit_test(test_below_is_uniform_for_a_huge_n),
		cmocka_unit_test(test_uniform_stays_in_half_open_intervals),
		cmocka_unit_test(test_exponential_mean_within_two_percent),
		cmocka_unit_test(test_normal_has_zero_mean_and_unit_variance),
		cmocka_unit_test(test_mix64_depends_on_every_word),
		cmocka_unit_test(test_mix64_flips_about_half_the_bits),
		cmocka_unit_test(test_time_format_examples),
		cmocka_unit_test(test_time_format_truncates_like_snprintf),
		cmocka_unit_test(test_time_from_s_rounds_to_nearest_ns),
		cmocka_unit_test(test_time_from_s_matches_the_unsigned_formula),
		cmocka_unit_test(test_mode_and_error_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
