#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/config.h"
#include "portsim/scenario.h"
#include "portsim/workload.h"
#include "support.h"

#define SEED 20240607u
#define NS 1e9
#define TWO_PI 6.283185307179586476925286766559

/* A scenario from INI text on top of the defaults; heap-allocated because it is large. */
static struct ps_scenario *scenario(const char *ini)
{
	char err[PS_ERR_MAX];
	struct ps_scenario *sc = malloc(sizeof(*sc));
	assert_non_null(sc);
	ps_scenario_defaults(sc);
	if (ps_scenario_parse(sc, "test.ini", ini, err, sizeof(err)) != 0)
		fail_msg("scenario: %s", err);
	return sc;
}

static struct ps_workload *workload(const struct ps_scenario *sc)
{
	return pst_workload(sc, SEED);
}

static void done(struct ps_workload *w, struct ps_scenario *sc)
{
	pst_workload_free(w);
	free(sc);
}

/* Arrivals of population pop before end_s, fed back as `now` the way the run does. */
static uint64_t count_until(struct ps_workload *w, unsigned pop, double end_s, double from_s)
{
	ps_time end = ps_time_from_s(end_s), from = ps_time_from_s(from_s);
	uint64_t n = 0;
	for (ps_time t = ps_workload_next_arrival(w, pop, 0); t < end;
	     t = ps_workload_next_arrival(w, pop, t))
		n += t >= from;
	return n;
}

/* A Poisson count: within 4 standard errors (sd = sqrt(mean)); fails by chance 6e-5 of the time. */
static void assert_poisson_count(uint64_t n, double mean, const char *what)
{
	pst_assert_within((double)n, mean, sqrt(mean), 4, what);
}

/* ---- arrivals ---- */

static void test_constant_arrivals_fall_exactly_on_k_over_rate(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[run]\nduration_s = 1000\n"
					  "[workload.a]\narrival = constant\nrate_per_s = 1000\nstart_s = 0.5\n"
					  "[workload.b]\narrival = constant\nrate_per_s = 7\n");
	struct ps_workload *w = workload(sc);
	ps_time t = 0;
	for (uint64_t k = 0; k < 200000; k++) {
		t = ps_workload_next_arrival(w, 0, t);
		assert_true(t == 500000000ULL + k * 1000000ULL);
	}
	/* 1/7 s is not a whole number of ns, yet every 7th arrival lands on a whole second. */
	t = 0;
	for (uint64_t k = 0; k <= 7000; k++) {
		t = ps_workload_next_arrival(w, 1, t);
		if (k % 7 == 0)
			assert_true(t == k / 7 * PS_NS_PER_S);
		else
			assert_true(t == (ps_time)floor((double)k * 1e9 / 7 + 0.5));
	}
	done(w, sc);
}

static void test_poisson_rate_within_four_standard_errors(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[run]\nduration_s = 100\n"
					  "[workload.a]\narrival = poisson\nrate_per_s = 1000\nstart_s = 10\n");
	struct ps_workload *w = workload(sc);
	ps_time first = ps_workload_next_arrival(w, 0, 0);
	assert_true(first >= 10 * PS_NS_PER_S);
	ps_workload_fini(w);
	assert_int_equal(ps_workload_init(w, pst_workload_config(w), NULL, 0), 0);
	/* 90 s at 1000/s after start_s = 10. */
	assert_poisson_count(count_until(w, 0, 100, 0), 90000, "poisson count");
	done(w, sc);
}

static void test_onoff_rate_is_rate_times_on_fraction(void **state)
{
	(void)state;
	const double rate = 10000, on = 0.001, off = 0.003, T = 100;
	struct ps_scenario *sc = scenario("[run]\nduration_s = 100\n"
					  "[workload.a]\narrival = onoff\nrate_per_s = 10000\n"
					  "on_s = 0.001\noff_s = 0.003\n");
	struct ps_workload *w = workload(sc);
	double mean = rate * on / (on + off) * T;
	/*
	 * A Cox process counts more widely than Poisson: renewal-reward theory
	 * gives Var(time on) ~ T/E[C] * Var(on - f*C), C = on + off, f the on
	 * fraction; the count adds rate^2 times that to the Poisson part.
	 */
	double f = on / (on + off);
	double var_on = T / (on + off) * ((1 - f) * (1 - f) * on * on + f * f * off * off);
	double sd = sqrt(mean + rate * rate * var_on);
	pst_assert_within((double)count_until(w, 0, T, 0), mean, sd, 4, "onoff count");
	pst_assert_within(ps_scenario_mean_rate(sc, 0), 2500, 1e-9, 1, "onoff mean rate");
	done(w, sc);
}

static void test_ramp_rate_goes_from_start_rate_to_end_rate(void **state)
{
	(void)state;
	/* Rate 100 + 9t over [0, 100]: the first tenth holds 1450 expected arrivals, the last 9550. */
	const char *ini = "[run]\nduration_s = 100\n"
			  "[workload.a]\narrival = ramp\nrate_per_s = 100\nrate_end_per_s = 1000\n";
	struct ps_scenario *sc = scenario(ini);
	struct ps_workload *w = workload(sc);
	assert_poisson_count(count_until(w, 0, 10, 0), 10 * (100 + 9 * 5), "ramp first tenth");
	ps_workload_fini(w);
	assert_int_equal(ps_workload_init(w, pst_workload_config(w), NULL, 0), 0);
	assert_poisson_count(count_until(w, 0, 100, 90), 10 * (100 + 9 * 95), "ramp last tenth");
	ps_workload_fini(w);
	assert_int_equal(ps_workload_init(w, pst_workload_config(w), NULL, 0), 0);
	assert_poisson_count(count_until(w, 0, 100, 0), 55000, "ramp total");
	pst_assert_within(ps_scenario_mean_rate(sc, 0), 550, 1e-9, 1, "ramp mean rate");
	done(w, sc);
}

static void test_ramp_down_to_zero_stops_at_the_end(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[run]\nduration_s = 10\n"
					  "[workload.a]\narrival = ramp\nrate_per_s = 1000\nrate_end_per_s = 0\n");
	struct ps_workload *w = workload(sc);
	uint64_t n = 0, late = 0;
	ps_time t = ps_workload_next_arrival(w, 0, 0);
	for (; t != PS_TIME_MAX; t = ps_workload_next_arrival(w, 0, t)) {
		n++;
		late += t >= 9 * PS_NS_PER_S;
	}
	assert_poisson_count(n, 5000, "ramp-down total");
	/* The last second holds 1000 * 1/2 * 1/10 = 50 expected. */
	assert_poisson_count(late, 50, "ramp-down last second");
	done(w, sc);
}

static void test_diurnal_peak_quarter_exceeds_trough_quarter(void **state)
{
	(void)state;
	const double rate = 1000, A = 0.8, P = 10, T = 100;
	struct ps_scenario *sc = scenario("[run]\nduration_s = 100\n"
					  "[workload.a]\narrival = diurnal\nrate_per_s = 1000\n"
					  "amplitude = 0.8\nperiod_s = 10\n");
	struct ps_workload *w = workload(sc);
	uint64_t peak = 0, trough = 0, total = 0;
	ps_time end = ps_time_from_s(T);
	for (ps_time t = ps_workload_next_arrival(w, 0, 0); t < end; t = ps_workload_next_arrival(w, 0, t)) {
		double phase = fmod((double)t / NS, P) / P;
		peak += phase >= 0.125 && phase < 0.375;
		trough += phase >= 0.625 && phase < 0.875;
		total++;
	}
	/* The quarter around the sine's top holds rate (P/4 + A P sqrt(2) / (2 pi)) per period. */
	double swing = A * P * sqrt(2) / (TWO_PI);
	double periods = T / P;
	assert_poisson_count(peak, rate * (P / 4 + swing) * periods, "diurnal peak quarter");
	assert_poisson_count(trough, rate * (P / 4 - swing) * periods, "diurnal trough quarter");
	assert_true(peak > trough);
	assert_poisson_count(total, rate * T, "diurnal total");
	done(w, sc);
}

static void test_burst_repeats_one_time_then_jumps_one_interval(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[run]\nduration_s = 100\n"
					  "[workload.a]\narrival = burst\nburst_size = 50\nburst_interval_s = 2.5\nstart_s = 1\n"
					  "[workload.b]\narrival = burst\nburst_size = 3\n");
	struct ps_workload *w = workload(sc);
	ps_time t = 0;
	for (unsigned j = 0; j < 40; j++)
		for (unsigned i = 0; i < 50; i++) {
			t = ps_workload_next_arrival(w, 0, t);
			assert_true(t == PS_NS_PER_S + j * 2500000000ULL);
		}
	for (unsigned i = 0; i < 3; i++)
		assert_true(ps_workload_next_arrival(w, 1, 0) == 0);
	assert_true(ps_workload_next_arrival(w, 1, 0) == PS_TIME_MAX);
	pst_assert_within(ps_scenario_mean_rate(sc, 0), 20, 1e-9, 1, "burst mean rate");
	pst_assert_within(ps_scenario_mean_rate(sc, 1), 0.03, 1e-12, 1, "single burst mean rate");
	done(w, sc);
}

static void test_a_rate_too_slow_for_the_clock_ends_the_arrivals(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\narrival = constant\nrate_per_s = 0.000001\n"
					  "[workload.b]\narrival = poisson\nrate_per_s = 0.000001\n");
	struct ps_workload *w = workload(sc);
	ps_time t = 0;
	/* 1e6 s per gap: the 18447th arrival would pass 2^64 ns. */
	for (int k = 0; k < 20000 && t != PS_TIME_MAX; k++)
		t = ps_workload_next_arrival(w, 0, t);
	assert_true(t == PS_TIME_MAX);
	t = 0;
	for (int k = 0; k < 100000 && t != PS_TIME_MAX; k++)
		t = ps_workload_next_arrival(w, 1, t);
	assert_true(t == PS_TIME_MAX);
	done(w, sc);
}

static void test_changing_one_population_leaves_another_unchanged(void **state)
{
	(void)state;
	struct ps_scenario *a = scenario("[workload.x]\nrate_per_s = 10\nduration = exponential\ndestinations = 9\n"
					 "[workload.y]\nrate_per_s = 10\n");
	struct ps_scenario *b = scenario("[workload.x]\nrate_per_s = 10\nduration = exponential\ndestinations = 9\n"
					 "[workload.y]\nrate_per_s = 99\nduration = exponential\ndestinations = 4\n");
	struct ps_workload *wa = workload(a), *wb = workload(b);
	ps_time ta = 0, tb = 0;
	for (int k = 0; k < 1000; k++) {
		ta = ps_workload_next_arrival(wa, 0, ta);
		tb = ps_workload_next_arrival(wb, 0, tb);
		assert_true(ta == tb);
		struct ps_attempt x, y;
		ps_workload_draw(wa, 0, &x);
		ps_workload_draw(wb, 1, &y);
		ps_workload_draw(wb, 0, &y);
		assert_int_equal(x.dst, y.dst);
		assert_true(x.duration == y.duration);
	}
	done(wa, a);
	done(wb, b);
}

/* ---- durations ---- */

enum { NDRAW = 100000 };

/* Mean of NDRAW durations (s), and the fraction at or below q. */
static void draw_stats(struct ps_workload *w, double q, double *mean, double *below)
{
	double sum = 0;
	uint64_t n = 0;
	for (int i = 0; i < NDRAW; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		double s = (double)a.duration / NS;
		sum += s;
		n += s <= q;
	}
	*mean = sum / NDRAW;
	*below = (double)n / NDRAW;
}

/* A quantile's fraction: binomial sd sqrt(p(1-p)/N); 4 sd is 0.0063 at the median. */
static void assert_fraction(double observed, double p, const char *what)
{
	pst_assert_within(observed, p, sqrt(p * (1 - p) / NDRAW), 4, what);
}

static void test_fixed_duration_is_exact(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\nduration = fixed\nduration_s = 0.25\n");
	struct ps_workload *w = workload(sc);
	struct ps_attempt a;
	for (int i = 0; i < 10; i++) {
		ps_workload_draw(w, 0, &a);
		assert_true(a.duration == 250000000ULL);
	}
	done(w, sc);
}

static void test_exponential_duration_mean_and_median(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\nduration = exponential\nduration_s = 2\n");
	struct ps_workload *w = workload(sc);
	double mean, below;
	draw_stats(w, 2 * log(2), &mean, &below);
	/* sd of the mean is mean / sqrt(N). */
	pst_assert_within(mean, 2, 2 / sqrt(NDRAW), 4, "exponential mean");
	assert_fraction(below, 0.5, "exponential median");
	done(w, sc);
}

static void test_lognormal_duration_mean_when_no_median(void **state)
{
	(void)state;
	const double sigma = 0.5, m = 2;
	struct ps_scenario *sc = scenario("[workload.a]\nduration = lognormal\nduration_s = 2\nduration_sigma = 0.5\n");
	struct ps_workload *w = workload(sc);
	double mean, below;
	draw_stats(w, m * exp(-sigma * sigma / 2), &mean, &below);
	pst_assert_within(mean, m, m * sqrt(exp(sigma * sigma) - 1) / sqrt(NDRAW), 4, "lognormal mean");
	assert_fraction(below, 0.5, "lognormal median from the mean");
	done(w, sc);
}

static void test_lognormal_duration_median_when_given(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\nduration = lognormal\nduration_median_s = 3\n"
					  "duration_sigma = 1\nduration_s = 100\n");
	struct ps_workload *w = workload(sc);
	double mean, below;
	draw_stats(w, 3, &mean, &below);
	assert_fraction(below, 0.5, "lognormal median");
	double expect = 3 * exp(0.5);
	pst_assert_within(mean, expect, expect * sqrt(exp(1) - 1) / sqrt(NDRAW), 4, "lognormal mean from median");
	done(w, sc);
}

static void test_pareto_duration_median_and_mean(void **state)
{
	(void)state;
	/* alpha = 3: mean alpha xm / (alpha - 1) = 1.5, variance 0.75, finite so the mean test holds. */
	struct ps_scenario *sc = scenario("[workload.a]\nduration = pareto\nduration_shape = 3\nduration_min_s = 1\n");
	struct ps_workload *w = workload(sc);
	double mean, below;
	draw_stats(w, pow(2, 1.0 / 3), &mean, &below);
	assert_fraction(below, 0.5, "pareto median");
	pst_assert_within(mean, 1.5, sqrt(0.75) / sqrt(NDRAW), 4, "pareto mean");
	double below_min;
	draw_stats(w, 1 - 1e-9, &mean, &below_min);
	assert_true(below_min == 0);
	done(w, sc);
}

static void test_heavy_pareto_is_clamped_to_a_year(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\nduration = pareto\nduration_shape = 0.01\nduration_min_s = 1\n");
	struct ps_workload *w = workload(sc);
	unsigned clamped = 0;
	for (int i = 0; i < 1000; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		assert_true(a.duration <= 31536000ULL * PS_NS_PER_S);
		clamped += a.duration == 31536000ULL * PS_NS_PER_S;
	}
	assert_true(clamped > 0);
	done(w, sc);
}

static void test_uniform_duration_bounds_and_mean(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\nduration = uniform\nduration_min_s = 2\nduration_max_s = 6\n");
	struct ps_workload *w = workload(sc);
	double sum = 0;
	for (int i = 0; i < NDRAW; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		assert_true(a.duration >= 2 * PS_NS_PER_S && a.duration <= 6 * PS_NS_PER_S);
		sum += (double)a.duration / NS;
	}
	pst_assert_within(sum / NDRAW, 4, (4 / sqrt(12)) / sqrt(NDRAW), 4, "uniform mean");
	done(w, sc);
}

static void test_empirical_duration_draws_the_file_values(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *path = pst_path(dir, "durations.txt");
	assert_int_equal(pst_write_file(path, "# seconds, one per line\n0.5\n\n1.5\n1.5   # twice\n4\n"), 0);
	char ini[1024];
	snprintf(ini, sizeof(ini), "[workload.a]\nduration = empirical\nduration_file = durations.txt\n");
	struct ps_scenario *sc = scenario(ini);
	snprintf(sc->dir, sizeof(sc->dir), "%s", dir);
	struct ps_workload *w = workload(sc);
	unsigned n[3] = { 0 };
	for (int i = 0; i < NDRAW; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		if (a.duration == 500000000ULL)
			n[0]++;
		else if (a.duration == 1500000000ULL)
			n[1]++;
		else if (a.duration == 4000000000ULL)
			n[2]++;
		else
			fail_msg("drew %llu ns, not a value of the file", (unsigned long long)a.duration);
	}
	assert_fraction((double)n[0] / NDRAW, 0.25, "empirical 0.5");
	assert_fraction((double)n[1] / NDRAW, 0.5, "empirical 1.5");
	assert_fraction((double)n[2] / NDRAW, 0.25, "empirical 4");
	done(w, sc);
	pst_rmtree(dir);
	free(path);
	free(dir);
}

static void test_closer_probability(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\ncloser = 0.3\n[workload.b]\ncloser = server\n");
	struct ps_workload *w = workload(sc);
	unsigned n = 0;
	for (int i = 0; i < NDRAW; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		n += a.client_closes;
		ps_workload_draw(w, 1, &a);
		assert_false(a.client_closes);
	}
	assert_fraction((double)n / NDRAW, 0.3, "client closes");
	done(w, sc);
}

static void test_duration_from_s_is_time_from_s_clamped(void **state)
{
	(void)state;
	const double edges[] = { 0.0, -0.0, -1.0, NAN, -INFINITY, INFINITY, 5e-324, 0.4e-9, 0.5e-9, 0.25,
				 PS_MAX_DURATION_S, nextafter(PS_MAX_DURATION_S, 0), nextafter(PS_MAX_DURATION_S, 1e300),
				 1e300 };
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		double s = edges[i];
		ps_time want = s >= 0 ? ps_time_from_s(s > PS_MAX_DURATION_S ? PS_MAX_DURATION_S : s) : 0;
		assert_true(ps_duration_from_s(s) == want);
	}
	/* Every scale from 2^-40 s to 2^35 s. */
	for (int i = 0; i < 200000; i++) {
		double s = ldexp(1 + i / 200000.0, i % 76 - 40);
		assert_true(ps_duration_from_s(s) == ps_time_from_s(s > PS_MAX_DURATION_S ? PS_MAX_DURATION_S : s));
	}
}

static void test_plain_shape_draws_as_any_shape_does(void **state)
{
	(void)state;
	/*
	 * A closer drawn at random takes the general path; a fixed one the
	 * plain path. The closer has a stream of its own, so everything else
	 * must come out the same.
	 */
	const char *shape = "[host]\naddresses = 3\n[workload.a]\ndestinations = 7\nduration = exponential\n"
			    "duration_s = 0.2\n";
	char ini_plain[256], ini_any[256];
	snprintf(ini_plain, sizeof(ini_plain), "%scloser = client\n", shape);
	snprintf(ini_any, sizeof(ini_any), "%scloser = 0.5\n", shape);
	struct ps_scenario *a = scenario(ini_plain), *b = scenario(ini_any);
	struct ps_workload *wa = workload(a), *wb = workload(b);
	assert_true(wa->pops[0].plain);
	assert_false(wb->pops[0].plain);
	unsigned addrs = 0;
	for (int k = 0; k < 10000; k++) {
		struct ps_attempt x, y;
		ps_workload_draw(wa, 0, &x);
		ps_workload_draw(wb, 0, &y);
		assert_int_equal(x.dst, y.dst);
		assert_int_equal(x.addr, y.addr);
		assert_true(x.duration == y.duration);
		assert_int_equal(x.mode, y.mode);
		assert_true(x.client_closes);
		addrs |= 1u << x.addr;
	}
	assert_int_equal(addrs, 7);
	done(wa, a);
	done(wb, b);
}

/* ---- destinations and sources ---- */

static void test_zipf_choice_frequencies(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\ndestinations = 10\nchoice = zipf\nzipf_s = 1\n");
	struct ps_workload *w = workload(sc);
	unsigned n[10] = { 0 };
	for (int i = 0; i < NDRAW; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		assert_true(a.dst < 10);
		n[a.dst]++;
	}
	double h = 0;
	for (int k = 1; k <= 10; k++)
		h += 1.0 / k;
	/* 1/H_10 = 0.3414 for destination 0, half that for 1, a tenth of it for 9. */
	for (int k = 0; k < 10; k++)
		assert_fraction((double)n[k] / NDRAW, 1.0 / (k + 1) / h, "zipf frequency");
	assert_true(w->cfg->dsts[0].ip == PS_DST_FIRST_IP && w->cfg->dsts[9].ip == PS_DST_FIRST_IP + 9);
	done(w, sc);
}

static void test_uniform_choice_covers_destinations_evenly(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[workload.a]\ndestinations = 5\n");
	struct ps_workload *w = workload(sc);
	unsigned n[5] = { 0 };
	for (int i = 0; i < NDRAW; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		assert_true(a.dst < 5);
		n[a.dst]++;
	}
	for (int k = 0; k < 5; k++)
		assert_fraction((double)n[k] / NDRAW, 0.2, "uniform frequency");
	done(w, sc);
}

static void test_round_robin_source_cycles(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[host]\naddresses = 3\n[workload.a]\nsource_choice = round-robin\n");
	struct ps_workload *w = workload(sc);
	for (unsigned i = 0; i < 10; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		assert_int_equal(a.addr, i % 3);
	}
	done(w, sc);
}

static void test_random_source_covers_addresses_evenly(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[host]\naddresses = 4\n[workload.a]\nsource_choice = random\n");
	struct ps_workload *w = workload(sc);
	unsigned n[4] = { 0 };
	for (int i = 0; i < NDRAW; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, 0, &a);
		assert_true(a.addr < 4);
		n[a.addr]++;
	}
	for (int k = 0; k < 4; k++)
		assert_fraction((double)n[k] / NDRAW, 0.25, "random source frequency");
	done(w, sc);
}

static void test_hash_source_fixes_an_address_per_destination(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[host]\naddresses = 4\n"
					  "[workload.a]\nsource_choice = hash\ndestinations = 50\n"
					  "[workload.b]\nsource_choice = hash\ndestinations = 50\n");
	struct ps_workload *w = workload(sc);
	uint32_t seen[50];
	memset(seen, 0xff, sizeof(seen));
	unsigned used = 0;
	for (int i = 0; i < 5000; i++) {
		struct ps_attempt a;
		ps_workload_draw(w, (unsigned)i & 1, &a);
		assert_true(a.addr < 4);
		if (seen[a.dst] == UINT32_MAX) {
			seen[a.dst] = a.addr;
			used |= 1u << a.addr;
		}
		/* Both populations send a destination through the same address. */
		assert_int_equal(a.addr, seen[a.dst]);
	}
	assert_int_equal(used, 0xf);
	done(w, sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constant_arrivals_fall_exactly_on_k_over_rate),
		cmocka_unit_test(test_poisson_rate_within_four_standard_errors),
		cmocka_unit_test(test_onoff_rate_is_rate_times_on_fraction),
		cmocka_unit_test(test_ramp_rate_goes_from_start_rate_to_end_rate),
		cmocka_unit_test(test_ramp_down_to_zero_stops_at_the_end),
		cmocka_unit_test(test_diurnal_peak_quarter_exceeds_trough_quarter),
		cmocka_unit_test(test_burst_repeats_one_time_then_jumps_one_interval),
		cmocka_unit_test(test_a_rate_too_slow_for_the_clock_ends_the_arrivals),
		cmocka_unit_test(test_changing_one_population_leaves_another_unchanged),
		cmocka_unit_test(test_fixed_duration_is_exact),
		cmocka_unit_test(test_exponential_duration_mean_and_median),
		cmocka_unit_test(test_lognormal_duration_mean_when_no_median),
		cmocka_unit_test(test_lognormal_duration_median_when_given),
		cmocka_unit_test(test_pareto_duration_median_and_mean),
		cmocka_unit_test(test_heavy_pareto_is_clamped_to_a_year),
		cmocka_unit_test(test_uniform_duration_bounds_and_mean),
		cmocka_unit_test(test_empirical_duration_draws_the_file_values),
		cmocka_unit_test(test_closer_probability),
		cmocka_unit_test(test_duration_from_s_is_time_from_s_clamped),
		cmocka_unit_test(test_plain_shape_draws_as_any_shape_does),
		cmocka_unit_test(test_zipf_choice_frequencies),
		cmocka_unit_test(test_uniform_choice_covers_destinations_evenly),
		cmocka_unit_test(test_round_robin_source_cycles),
		cmocka_unit_test(test_random_source_covers_addresses_evenly),
		cmocka_unit_test(test_hash_source_fixes_an_address_per_destination),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
