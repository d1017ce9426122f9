/* Compare: common random numbers, replications and their intervals, the metrics of compare.csv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/alloc.h"
#include "portsim/compare.h"
#include "support.h"

/* Two populations over 200 ports that run dry: the strategies differ, the workload must not. */
static const char busy_ini[] =
	"[run]\nduration_s = 30\nseed = 5\n"
	"[host]\nport_range = 50000-50199\ntime_wait_s = 10\n"
	"[workload.a]\nrate_per_s = 30\nduration_s = 0.5\n"
	"[workload.b]\narrival = constant\nrate_per_s = 7\nduration = lognormal\nduration_s = 2\n"
	"duration_sigma = 1\ncloser = 0.5\ndestinations = 3\n";

/* One destination, connections closed by the server at once: the pool stays empty. */
static const char quiet_ini[] =
	"[run]\nduration_s = 25\nseed = 2\n"
	"[host]\nport_range = 50000-50199\n"
	"[workload.a]\narrival = poisson\nrate_per_s = 100\nduration = fixed\nduration_s = 0.001\n"
	"closer = server\n";

static struct ps_compare_result run_compare(const struct ps_scenario *sc, const char *list,
					    unsigned reps, const char *dir)
{
	const char **names;
	char *buf, err[PS_ERR_MAX];
	size_t n;
	if (ps_compare_parse_strategies(list, &names, &n, &buf, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	struct ps_compare_options opt = {
		.strategies = names, .nstrategies = n, .replications = reps, .out_dir = dir,
	};
	struct ps_compare_result res;
	if (ps_compare(sc, &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	free(names);
	free(buf);
	return res;
}

static double mean_of(const struct ps_compare_result *r, size_t s, enum ps_cmp_metric m)
{
	return r->s[s].ci[m].mean;
}

/* The attempts of events.csv: "t_s,conn_id,dst" per open or fail, whatever their outcome. */
static char *attempts_of(const struct ps_scenario *base, const char *strategy, unsigned k)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	*sc = *base;
	snprintf(sc->strategy, sizeof(sc->strategy), "%s", strategy);
	sc->seed = ps_replication_seed(base->seed, k);
	char *dir = pst_tmpdir(), err[PS_ERR_MAX];
	struct ps_run_options opt = { .out_dir = dir, .events = true };
	struct ps_run_result res;
	if (ps_run(sc, &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	ps_run_result_fini(&res);
	char *p = pst_path(dir, "events.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	size_t len = strlen(text), used = 0;
	char *out = malloc(len + 1);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		/* t_s,conn_id,event,src_addr,src_port,dst_addr,dst_port,probes,error */
		char *f[9];
		int nf = 0;
		for (char *c = line; nf < 9; c++) {
			f[nf++] = c;
			c = strchr(c, ',');
			if (!c)
				break;
			*c = '\0';
		}
		if (nf < 7 || (strcmp(f[2], "open") && strcmp(f[2], "fail")))
			continue;
		used += (size_t)sprintf(out + used, "%s,%s,%s:%s\n", f[0], f[1], f[5], f[6]);
	}
	free(text);
	free(p);
	pst_rmtree(dir);
	free(dir);
	free(sc);
	return out;
}

static void test_strategies_see_the_same_arrivals(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(busy_ini);
	for (unsigned k = 0; k < 2; k++) {
		char *a = attempts_of(sc, "sequential", k), *b = attempts_of(sc, "rfc6056-2", k);
		assert_true(strlen(a) > 1000);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	struct ps_compare_result r = run_compare(sc, "sequential,rfc6056-2,linux", 3, NULL);
	for (unsigned k = 0; k < 3; k++) {
		assert_int_equal(r.s[0].requests[k], r.s[1].requests[k]);
		assert_int_equal(r.s[0].requests[k], r.s[2].requests[k]);
	}
	/* ... while the allocator still matters: this pool runs dry. */
	assert_true(mean_of(&r, 0, PS_CMP_FAILURE_RATIO) > 0);
	ps_compare_result_fini(&r);
	free(sc);
}

static void test_one_replication_is_the_plain_run(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(busy_ini);
	assert_int_equal(ps_replication_seed(sc->seed, 0), sc->seed);
	assert_true(ps_replication_seed(sc->seed, 1) != sc->seed + 1);
	struct ps_compare_result r = run_compare(sc, "linux", 1, NULL);
	struct ps_run_options opt = { .out_dir = NULL };
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_run(sc, &opt, &res, err, sizeof(err)), PS_DONE);
	const struct ps_ci *fr = &r.s[0].ci[PS_CMP_FAILURE_RATIO];
	assert_int_equal(fr->n, 1);
	assert_true(fr->mean == (double)res.m.failures / (double)res.m.attempts);
	assert_true(fr->low == fr->mean && fr->high == fr->mean);
	assert_true(r.s[0].ci[PS_CMP_PROBES_MAX].mean == res.m.probes_max);
	ps_run_result_fini(&res);
	ps_compare_result_fini(&r);
	free(sc);
}

static void test_intervals_shrink_with_replications(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(busy_ini);
	struct ps_compare_result few = run_compare(sc, "linux", 4, NULL);
	struct ps_compare_result many = run_compare(sc, "linux", 16, NULL);
	const enum ps_cmp_metric ms[] = { PS_CMP_FAILURE_RATIO, PS_CMP_PROBES_MEAN, PS_CMP_FIRST_FAILURE_S };
	for (size_t i = 0; i < 3; i++) {
		double h4 = ps_ci_half_width(&few.s[0].ci[ms[i]]);
		double h16 = ps_ci_half_width(&many.s[0].ci[ms[i]]);
		print_message("%s: half-width %.4g with 4 replications, %.4g with 16\n",
			      ps_cmp_metric_name(ms[i]), h4, h16);
		assert_true(h16 > 0 && h16 < h4);
	}
	ps_compare_result_fini(&few);
	ps_compare_result_fini(&many);
	free(sc);
}

static void test_predictability_of_sequential_linux_and_random(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(quiet_ini);
	struct ps_compare_result r = run_compare(sc, "sequential,linux,rfc6056-1", 2, NULL);
	for (size_t s = 0; s < 3; s++)
		print_message("%-10s same-destination G=1 %.4f G=10 %.4f; any destination G=1 %.4f G=10 %.4f\n",
			      r.s[s].name, mean_of(&r, s, PS_CMP_PREDICT_SAME_G1),
			      mean_of(&r, s, PS_CMP_PREDICT_SAME_G10), mean_of(&r, s, PS_CMP_PREDICT_ANY_G1),
			      mean_of(&r, s, PS_CMP_PREDICT_ANY_G10));
	/* sequential: the next port is the last plus one. */
	assert_true(mean_of(&r, 0, PS_CMP_PREDICT_SAME_G1) > 0.99);
	/* linux: steps of 2, 4, ... 16 with equal odds; the 10 s re-salt adds a few misses. */
	assert_true(fabs(mean_of(&r, 1, PS_CMP_PREDICT_SAME_G1) - 0.125) < 0.02);
	assert_true(mean_of(&r, 1, PS_CMP_PREDICT_SAME_G10) > 0.98);
	/* random: any of 200 differences, so the top G guess right G / 200 of the time. */
	assert_true(fabs(mean_of(&r, 2, PS_CMP_PREDICT_SAME_G1) - 1.0 / 200) < 0.005);
	assert_true(fabs(mean_of(&r, 2, PS_CMP_PREDICT_SAME_G10) - 10.0 / 200) < 0.015);
	/* One destination: the last port anywhere is the last port toward it. */
	for (size_t s = 0; s < 3; s++)
		assert_true(mean_of(&r, s, PS_CMP_PREDICT_ANY_G1) == mean_of(&r, s, PS_CMP_PREDICT_SAME_G1));
	ps_compare_result_fini(&r);
	free(sc);
}

static void test_peer_time_wait_collisions_are_counted(void **state)
{
	(void)state;
	/* Sequential cycles through 200 ports in 2 s: every port comes back within the peer's 60 s. */
	struct ps_scenario *sc = pst_scenario(quiet_ini);
	struct ps_compare_result r = run_compare(sc, "sequential", 1, NULL);
	double c = mean_of(&r, 0, PS_CMP_PEER_TW_COLLISIONS);
	print_message("sequential: %.0f peer TIME_WAIT collisions\n", c);
	assert_true(c > 1000);
	ps_compare_result_fini(&r);
	char err[PS_ERR_MAX];
	assert_int_equal(ps_scenario_set(sc, "host.peer_time_wait_s=0", err, sizeof(err)), 0);
	r = run_compare(sc, "sequential", 1, NULL);
	assert_true(mean_of(&r, 0, PS_CMP_PEER_TW_COLLISIONS) == 0);
	ps_compare_result_fini(&r);
	free(sc);
}

static void test_csv_files_in_long_form(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(busy_ini);
	char *dir = pst_tmpdir();
	struct ps_compare_result r = run_compare(sc, "sequential,linux", 2, dir);
	char *p = pst_path(dir, "compare.csv");
	char *text = pst_read_file(p, NULL);
	assert_non_null(text);
	assert_true(!strncmp(text, "strategy,metric,mean,ci95_low,ci95_high,n\n", 42));
	assert_non_null(strstr(text, "\nsequential,failure_ratio,"));
	assert_non_null(strstr(text, "\nlinux,predict_any_g10,"));
	assert_non_null(strstr(text, "\nlinux,reuse_median_s,"));
	assert_non_null(strstr(text, "\nlinux,peer_tw_collisions,"));
	free(text);
	free(p);
	p = pst_path(dir, "reuse_cdf.csv");
	text = pst_read_file(p, NULL);
	assert_non_null(text);
	assert_true(!strncmp(text, "strategy,reuse_s,cdf\n", 21));
	assert_non_null(strstr(text, "\nsequential,"));
	/* The last point of each strategy is its largest distance: the CDF reaches 1 there. */
	char *last = strrchr(text, ',');
	assert_non_null(last);
	assert_true(!strcmp(last, ",1\n"));
	free(text);
	free(p);
	ps_compare_result_fini(&r);
	pst_rmtree(dir);
	free(dir);
	free(sc);
}

static void test_no_failure_omits_first_failure(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario(quiet_ini);
	struct ps_compare_result r = run_compare(sc, "linux", 2, NULL);
	assert_int_equal(r.s[0].ci[PS_CMP_FIRST_FAILURE_S].n, 0);
	assert_true(r.s[0].ci[PS_CMP_FAILURE_RATIO].mean == 0);
	ps_compare_result_fini(&r);
	free(sc);
}

static void test_strategy_lists(void **state)
{
	(void)state;
	const char **names;
	char *buf, err[PS_ERR_MAX];
	size_t n;
	assert_int_equal(ps_compare_parse_strategies("all", &names, &n, &buf, err, sizeof(err)), 0);
	assert_int_equal(n, ps_alloc_registry_len);
	assert_string_equal(names[0], ps_alloc_registry[0]->name);
	free(names);
	free(buf);
	assert_int_equal(ps_compare_parse_strategies("linux,sequential", &names, &n, &buf, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[1], "sequential");
	free(names);
	free(buf);
	assert_int_equal(ps_compare_parse_strategies("linux,nope", &names, &n, &buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"nope\""));
	assert_int_equal(ps_compare_parse_strategies("linux,linux", &names, &n, &buf, err, sizeof(err)), -1);
	assert_int_equal(ps_compare_parse_strategies("linux,", &names, &n, &buf, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strategies_see_the_same_arrivals),
		cmocka_unit_test(test_one_replication_is_the_plain_run),
		cmocka_unit_test(test_intervals_shrink_with_replications),
		cmocka_unit_test(test_predictability_of_sequential_linux_and_random),
		cmocka_unit_test(test_peer_time_wait_collisions_are_counted),
		cmocka_unit_test(test_csv_files_in_long_form),
		cmocka_unit_test(test_no_failure_omits_first_failure),
		cmocka_unit_test(test_strategy_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
