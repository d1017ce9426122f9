/*
 * Parameter studies: the ${...} syntax as OMNeT++ users write it, run
 * numbering and seeds, each run's scenario, running, resuming, merging,
 * exporting, and the figure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "portsim/search.h"
#include "portsim/study.h"
#include "study_support.h"
#include "support.h"

/* A small study: 2 strategies x 2 rates, 2 replications, a pool of 100 ports that 60/s overflows. */
static const char SMALL[] = "# a small study\n"
			    "[study]\n"
			    "replications = 2\n"
			    "seed = 5\n"
			    "\n"
			    "[run]\n"
			    "duration_s = 5\n"
			    "\n"
			    "[host]\n"
			    "strategy = ${linux, sequential}\n"
			    "port_range = 50000-50099\n"
			    "time_wait_s = 2\n"
			    "\n"
			    "[workload.c]\n"
			    "rate_per_s = ${rate=30, 60}\n"
			    "duration = fixed\n"
			    "duration_s = 0.1\n"
			    "destinations = 1\n"
			    "closer = client\n";

static void parse_ok(struct ps_study *s, const char *text)
{
	char err[PS_ERR_MAX];
	if (ps_study_parse(s, "x.ini", text, strlen(text), err, sizeof(err)) != 0)
		fail_msg("study refused: %s\n%s", err, text);
}

static void expect_values(const struct ps_study *s, size_t v, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	if (s->vars[v].nvalues != n)
		fail_msg("%s: %zu values, expected %zu", s->vars[v].name, s->vars[v].nvalues, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(s->vars[v].values[i], want[i]);
}

static void test_lists_and_ranges_expand_as_in_omnetpp(void **state)
{
	(void)state;
	struct ps_study s;
	parse_ok(&s, "[workload.c]\n"
		     "rate_per_s = ${1, 2, 5, 10..50 step 10}\n"
		     "duration_s = ${0.1..0.3 step 0.1}\n"
		     "destinations = ${5..1 step -2}\n"
		     "destination_list = ${\"10.0.0.1:80,10.0.0.2:80\", 10.0.0.3:80\\,10.0.0.4:80, f(1,2)}\n");
	assert_int_equal(s.nvars, 4);
	expect_values(&s, 0, (const char *[]){ "1", "2", "5", "10", "20", "30", "40", "50", NULL });
	expect_values(&s, 1, (const char *[]){ "0.1", "0.2", "0.3", NULL });
	expect_values(&s, 2, (const char *[]){ "5", "3", "1", NULL });
	expect_values(&s, 3, (const char *[]){ "10.0.0.1:80,10.0.0.2:80", "10.0.0.3:80,10.0.0.4:80", "f(1,2)", NULL });
	/* Unnamed variables are named by their key, in the order of the file. */
	assert_string_equal(s.vars[0].name, "workload.c.rate_per_s");
	assert_string_equal(s.vars[3].name, "workload.c.destination_list");
	assert_int_equal(s.npoints, 8 * 3 * 3 * 3);
	assert_int_equal(s.replications, 1);
	ps_study_fini(&s);
}

static void test_runs_nest_the_last_variable_innermost_and_replications_inside_it(void **state)
{
	(void)state;
	struct ps_study s;
	parse_ok(&s, "[study]\nrepeat = 2\n[host]\nstrategy = ${linux, sequential}\n[workload.c]\nrate_per_s = ${a=1,2,3}\n");
	assert_int_equal(s.npoints, 6);
	assert_int_equal(s.nruns, 12);
	/* Run K is replication K mod 2 of point K div 2; point p = 3 * strategy + rate. */
	static const struct {
		size_t run, point;
		unsigned rep;
		const char *strategy, *rate;
	} want[] = {
		{ 0, 0, 0, "linux", "1" },	{ 1, 0, 1, "linux", "1" },	{ 2, 1, 0, "linux", "2" },
		{ 5, 2, 1, "linux", "3" },	{ 6, 3, 0, "sequential", "1" }, { 11, 5, 1, "sequential", "3" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(ps_study_point(&s, want[i].run), want[i].point);
		assert_int_equal(ps_study_replication(&s, want[i].run), want[i].rep);
		assert_string_equal(ps_study_value(&s, want[i].point, 0), want[i].strategy);
		assert_string_equal(ps_study_value(&s, want[i].point, 1), want[i].rate);
	}
	ps_study_fini(&s);
}

static void test_bang_pairs_a_variable_with_another_instead_of_crossing(void **state)
{
	(void)state;
	struct ps_study s;
	/* OMNeT++'s own example: hosts and load follow plan; a later '!' may name an earlier variable. */
	parse_ok(&s, "[workload.c]\n"
		     "hosts = ${hosts = 10, 20, 50, 100 ! plan}\n"
		     "rate_per_s = ${plan = 1, 2, 3, 4}\n"
		     "duration_s = ${0.2, 0.3, 0.3, 0.4 ! hosts}\n"
		     "destinations = ${1, 2}\n");
	assert_int_equal(s.nvars, 4);
	assert_int_equal(s.vars[0].follows, 1);
	assert_int_equal(s.vars[2].follows, 1); /* through hosts, to the loop */
	assert_int_equal(s.npoints, 8);
	static const char *const plan[] = { "1", "2", "3", "4" }, *const hosts[] = { "10", "20", "50", "100" };
	static const char *const load[] = { "0.2", "0.3", "0.3", "0.4" }, *const dests[] = { "1", "2" };
	for (size_t p = 0; p < s.npoints; p++) {
		assert_string_equal(ps_study_value(&s, p, 1), plan[p / 2]);
		assert_string_equal(ps_study_value(&s, p, 0), hosts[p / 2]);
		assert_string_equal(ps_study_value(&s, p, 2), load[p / 2]);
		assert_string_equal(ps_study_value(&s, p, 3), dests[p % 2]);
	}
	ps_study_fini(&s);
}

static void test_run_text_keeps_every_line_in_place_without_the_study_section(void **state)
{
	(void)state;
	struct ps_study s;
	parse_ok(&s, "[study]\nreplications = 3\n[workload.c]\nrate_per_s = ${r=100, 200}  # the rate\n"
		     "destination_list = \"10.0.0.1:${r}, 10.0.0.2:80\"\nstart_s = ${repetition}\n"
		     "arrival = constant ; run ${runnumber}\n");
	char *t = ps_study_text(&s, 4); /* point 1 (r = 200), replication 1 */
	assert_non_null(t);
	assert_string_equal(t, "\n\n[workload.c]\nrate_per_s = 200\n"
			       "destination_list = 10.0.0.1:200, 10.0.0.2:80\nstart_s = 1\narrival = constant\n");
	free(t);
	ps_study_fini(&s);
}

static void test_replication_r_of_every_point_runs_with_the_same_seed(void **state)
{
	(void)state;
	struct ps_study s;
	parse_ok(&s, SMALL);
	uint64_t *seeds = malloc(s.nruns * sizeof(*seeds));
	char err[PS_ERR_MAX];
	assert_int_equal(ps_study_check(&s, seeds, err, sizeof(err)), PS_DONE);
	for (size_t k = 0; k < s.nruns; k++)
		assert_true(seeds[k] == ps_replication_seed(5, ps_study_replication(&s, k)));
	assert_true(seeds[0] == 5);
	ps_study_fini(&s);

	/* Without [study] seed the scenario's [run] seed is the base; runnumber gives each run its own. */
	parse_ok(&s, "[study]\nreplications = 2\nseed_set = ${runnumber}\n[run]\nseed = 9\n[workload.c]\n"
		     "rate_per_s = ${1, 2}\n");
	assert_int_equal(ps_study_check(&s, seeds, err, sizeof(err)), PS_DONE);
	for (size_t k = 0; k < s.nruns; k++)
		assert_true(seeds[k] == ps_replication_seed(9, (unsigned)k));
	struct ps_scenario *sc = malloc(sizeof(*sc));
	assert_int_equal(ps_study_scenario(&s, 3, sc, err, sizeof(err)), 0);
	assert_true(sc->seed == ps_replication_seed(9, 3));
	assert_string_equal(sc->name, "x");
	assert_double_equal(sc->pop[0].rate_per_s, 2, 0);
	free(sc);
	free(seeds);
	ps_study_fini(&s);
}

static void expect_error(const char *text, const char *const *want)
{
	struct ps_study s;
	char err[PS_ERR_MAX];
	int rc = ps_study_parse(&s, "x.ini", text, strlen(text), err, sizeof(err));
	if (rc == 0) {
		rc = ps_study_check(&s, NULL, err, sizeof(err)) == PS_DONE ? 0 : -1;
		ps_study_fini(&s);
	}
	if (rc == 0)
		fail_msg("accepted:\n%s", text);
	for (size_t i = 0; want[i]; i++)
		if (!strstr(err, want[i]))
			fail_msg("\"%s\" not in the message:\n  %s", want[i], err);
	if (strchr(err, '\n'))
		fail_msg("more than one line: %s", err);
}

static void test_bad_studies_name_file_line_key_value_and_what_is_allowed(void **state)
{
	(void)state;
	expect_error("[study]\nreplications = 0\n",
		     (const char *[]){ "x.ini:2: [study] replications = \"0\"", "allowed: a whole number from 1", NULL });
	expect_error("[study]\nrepeat = 2\nreplications = 3\n", (const char *[]){ "x.ini:3:", "set twice (first set on line 2)", NULL });
	expect_error("[study]\nseeds = 2\n", (const char *[]){ "unknown key", "allowed: replications (or repeat)", NULL });
	expect_error("[study]\nseed_set = 3\n", (const char *[]){ "seed_set = \"3\"", "repetition", "runnumber", NULL });
	expect_error("[c]\nk = ${1..}\n", (const char *[]){ "x.ini:2: [c] k = \"${1..}\": bad range \"1..\"", "FROM..TO", NULL });
	expect_error("[c]\nk = ${10..1}\n", (const char *[]){ "empty range", "negative STEP", NULL });
	expect_error("[c]\nk = ${1..9 step 0}\n", (const char *[]){ "step of 0", NULL });
	expect_error("[c]\nk = ${1, 2\n", (const char *[]){ "unclosed ${", NULL });
	expect_error("[c]\nk = ${1,,2}\n", (const char *[]){ "empty item", "\"\" for an empty value", NULL });
	expect_error("[c]\nk = ${x}\n", (const char *[]){ "unknown variable \"x\"", "a single value needs no ${}", NULL });
	expect_error("[c]\na = ${r=1,2}\nb = ${1,2,3 ! r}\n", (const char *[]){ "x.ini:3:", "has 3 values, and \"r\" 2", NULL });
	expect_error("[c]\na = ${1,2 ! q}\n", (const char *[]){ "unknown variable \"q\" after '!'", NULL });
	expect_error("[c]\na = ${p=1,2 ! q}\nb = ${q=1,2 ! p}\n", (const char *[]){ "circle", NULL });
	expect_error("[c]\na = ${p=1,2 ! q}\nb = ${q=1,2 ! z}\n", (const char *[]){ "x.ini:3:", "unknown variable \"z\"", NULL });
	expect_error("[c]\na = ${p=1,2 ! p}\n", (const char *[]){ "\"p\" follows itself", NULL });
	expect_error("[c]\na = ${r=1}\nb = ${r=2}\n", (const char *[]){ "x.ini:3:", "defined twice (first on line 2)", NULL });
	expect_error("[c]\na = ${failure_ratio=1}\n", (const char *[]){ "\"failure_ratio\" is taken", NULL });
	expect_error("[c.${1,2}]\n", (const char *[]){ "x.ini:1:", "in a section name", NULL });
	expect_error("[c]\na = ${1..200000}\n", (const char *[]){ "at most 100000 values", NULL });
	expect_error("[study]\nrepeat = 1000\n[c]\na = ${1..2000}\n", (const char *[]){ "2000000 runs", "at most 1000000", NULL });
	/* The scenario itself, point by point: its own message with the study's line, then the point. */
	expect_error("[host]\nstrategy = ${linux, nosuch}\n[workload.c]\nrate_per_s = 5\n",
		     (const char *[]){ "unknown strategy", "(point 1: host.strategy=nosuch)", NULL });
	expect_error("\n[workload.c]\nrate_per_s = ${r=1, -5}\n",
		     (const char *[]){ "x.ini:3: [workload.c] rate_per_s = \"-5\": out of range", "(point 1: r=-5)", NULL });
}

/* ---- running ---- */

static char *write_study(const char *dir, const char *name, const char *text)
{
	char *path = pst_path(dir, name);
	assert_int_equal(pst_write_file(path, text), 0);
	return path;
}

static void load_ok(struct ps_study *s, const char *path)
{
	char err[PS_ERR_MAX];
	if (ps_study_load(s, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* Text without each line's last column (summary.csv's wall_s). */
static char *without_wall(const char *csv)
{
	char *out = strdup(csv), *w = out;
	for (const char *line = csv; *line;) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
		const char *comma = end;
		while (comma > line && *comma != ',')
			comma--;
		memcpy(w, line, (size_t)(comma - line));
		w += comma - line;
		*w++ = '\n';
		line = nl ? nl + 1 : end;
	}
	*w = '\0';
	return out;
}

static void prepare_ok(const struct ps_study *s, const char *dir)
{
	char err[PS_ERR_MAX];
	if (ps_study_prepare(s, dir, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
}

static bool starts(const char *text, const char *prefix)
{
	return !strncmp(text, prefix, strlen(prefix));
}

static size_t lines(const char *text)
{
	size_t n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* A temporary folder with the small study in it and two output folders, a and b. */
struct bench {
	char *tmp, *a, *b, *path;
	struct ps_study s;
};

static void bench_up(struct bench *w)
{
	w->tmp = pst_tmpdir();
	w->a = pst_path(w->tmp, "a");
	w->b = pst_path(w->tmp, "b");
	mkdir(w->a, 0777);
	mkdir(w->b, 0777);
	w->path = write_study(w->tmp, "small.ini", SMALL);
	load_ok(&w->s, w->path);
	prepare_ok(&w->s, w->a);
}

static void bench_down(struct bench *w)
{
	ps_study_fini(&w->s);
	pst_rmtree(w->tmp);
	free(w->path), free(w->a), free(w->b), free(w->tmp);
}

static void test_replication_zero_is_portsim_run_of_the_point(void **state)
{
	(void)state;
	struct bench w;
	bench_up(&w);
	char err[PS_ERR_MAX];
	size_t run = 6; /* point 3: sequential at 60/s, replication 0 */
	assert_int_equal(ps_study_run_one(&w.s, w.a, run, err, sizeof(err)), PS_DONE);
	assert_true(ps_study_done(w.a, run));
	/* The point's scenario in a file of the same name, run by portsim run with the same seed. */
	char *text = ps_study_text(&w.s, run);
	char *point = write_study(w.b, "small.ini", text);
	char *out = pst_path(w.b, "out"), *log = NULL;
	int rc = pst_run_cli(&log, (const char *[]){ "run", point, "--seed", "5", "--out", out, "--quiet", NULL });
	assert_int_equal(rc, 0);
	char *x = pst_read_in(out, "summary.csv"), *y = pst_read_in(w.a, "runs/6/summary.csv");
	char *xs = without_wall(x), *ys = without_wall(y);
	assert_string_equal(xs, ys);
	assert_non_null(strstr(ys, "small,sequential,5,"));
	free(xs), free(ys), free(x), free(y), free(log), free(out), free(point), free(text);
	bench_down(&w);
}

struct tally {
	size_t ended, failed;
	char last[PS_ERR_MAX];
};

static void on_end(void *arg, size_t run, enum ps_status st, const char *why)
{
	struct tally *t = arg;
	(void)run;
	t->ended++;
	if (st != PS_DONE) {
		t->failed++;
		snprintf(t->last, sizeof(t->last), "%s", why);
	}
}

static void run_all_ok(const struct ps_study *s, const char *dir, unsigned jobs, size_t want_ran)
{
	struct tally t = { 0 };
	struct ps_study_batch b = { .jobs = jobs, .ended = on_end, .arg = &t };
	char err[PS_ERR_MAX];
	if (ps_study_run_all(s, dir, &b, err, sizeof(err)) != PS_DONE)
		fail_msg("%s (last: %s)", err, t.last);
	assert_int_equal(b.ran, want_ran);
	assert_int_equal(b.skipped, s->nruns - want_ran);
	assert_int_equal(t.ended, want_ran);
}

static void merge_ok(const struct ps_study *s, const char *dir, size_t want_missing, const char *want_list)
{
	struct ps_study_merged m;
	char err[PS_ERR_MAX];
	if (ps_study_merge(s, dir, &m, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	assert_int_equal(m.missing, want_missing);
	assert_int_equal(m.merged, s->nruns - want_missing);
	assert_string_equal(m.missing_runs, want_list);
	ps_study_merged_fini(&m);
}

static void test_runs_resume_and_merge_to_the_same_bytes_in_any_order(void **state)
{
	(void)state;
	struct bench w;
	bench_up(&w);
	const struct ps_study *s = &w.s;
	assert_int_equal(s->nruns, 8);
	run_all_ok(s, w.a, 3, 8);
	merge_ok(s, w.a, 0, "");
	char *table = pst_read_in(w.a, "study.csv"), *points = pst_read_in(w.a, "study-points.csv");
	assert_int_equal(lines(table), 9);
	assert_true(starts(table, "run,point,replication,host.strategy,rate,scenario,strategy,seed,duration_s,attempts,"));
	assert_null(strstr(table, "wall_s"));
	assert_non_null(strstr(table, "\n5,2,1,sequential,30,small,sequential,"));
	char *wall = pst_read_in(w.a, "study-wall.csv");
	assert_int_equal(lines(wall), 9);

	/* A run lost: merge says which; the next run makes only that one, and the bytes come back. */
	char *lost = pst_path(w.a, "runs/3");
	pst_rmtree(lost);
	merge_ok(s, w.a, 1, "3");
	run_all_ok(s, w.a, 2, 1);
	merge_ok(s, w.a, 0, "");
	char *again = pst_read_in(w.a, "study.csv");
	assert_string_equal(again, table);

	/* Backwards, one at a time, elsewhere: the same study.csv and study-points.csv. */
	prepare_ok(s, w.b);
	char err[PS_ERR_MAX];
	for (size_t k = s->nruns; k-- > 0;)
		assert_int_equal(ps_study_run_one(s, w.b, k, err, sizeof(err)), PS_DONE);
	merge_ok(s, w.b, 0, "");
	char *table_b = pst_read_in(w.b, "study.csv"), *points_b = pst_read_in(w.b, "study-points.csv");
	assert_string_equal(table_b, table);
	assert_string_equal(points_b, points);

	/* A folder serves one study. */
	struct ps_study other;
	char *path2 = write_study(w.tmp, "small2.ini", "[workload.c]\nrate_per_s = ${1,2}\n");
	load_ok(&other, path2);
	assert_int_equal(ps_study_prepare(&other, w.a, err, sizeof(err)), PS_BAD_INPUT);
	assert_non_null(strstr(err, "holds the runs of another study"));
	ps_study_fini(&other);

	free(table_b), free(points_b), free(again), free(lost), free(wall), free(table), free(points), free(path2);
	bench_down(&w);
}

static void test_points_hold_the_mean_and_interval_of_their_replications(void **state)
{
	(void)state;
	struct bench w;
	bench_up(&w);
	run_all_ok(&w.s, w.a, 2, 8);
	merge_ok(&w.s, w.a, 0, "");
	char *table = pst_read_in(w.a, "study.csv"), *points = pst_read_in(w.a, "study-points.csv");
	assert_true(starts(points, "point,host.strategy,rate,metric,mean,ci95_low,ci95_high,n\n"));
	/* Point 3 (sequential, 60/s): runs 6 and 7; failure_ratio is column 13 of study.csv. */
	double fr[2];
	for (int r = 0; r < 2; r++) {
		char key[16];
		snprintf(key, sizeof(key), "\n%d,3,%d,", 6 + r, r);
		const char *row = strstr(table, key);
		assert_non_null(row);
		row++;
		for (int col = 1; col < 13; col++)
			row = strchr(row, ',') + 1;
		fr[r] = strtod(row, NULL);
	}
	assert_true(fr[0] > 0 && fr[1] > 0);
	const char *row = strstr(points, "\n3,sequential,60,failure_ratio,");
	assert_non_null(row);
	double mean, lo, hi;
	unsigned n;
	assert_int_equal(sscanf(row + strlen("\n3,sequential,60,failure_ratio,"), "%lf,%lf,%lf,%u", &mean, &lo, &hi, &n), 4);
	assert_int_equal(n, 2);
	assert_double_equal(mean, (fr[0] + fr[1]) / 2, 1e-6);
	assert_true(lo <= mean && mean <= hi && (fr[0] == fr[1] || lo < hi));
	/* No failure at 30/s: first_failure_s has no value, and says so with n = 0. */
	assert_non_null(strstr(points, "\n0,linux,30,first_failure_s,,,,0\n"));
	free(table), free(points);
	bench_down(&w);
}

static void test_a_failing_run_is_reported_and_left_missing(void **state)
{
	(void)state;
	char *tmp = pst_tmpdir();
	char *trace = pst_path(tmp, "here.csv");
	assert_int_equal(pst_write_file(trace, "t_s,dst\n0.1,10.0.0.1:80\n0.2,10.0.0.1:80\n"), 0);
	char *path = write_study(tmp, "replay.ini",
				 "[run]\nduration_s = 1\n[workload.c]\narrival = replay\ntrace_file = ${here.csv, gone.csv}\n");
	struct ps_study s;
	load_ok(&s, path);
	char err[PS_ERR_MAX];
	/* The scenario is fine on paper: the missing file shows only when the run reads it. */
	assert_int_equal(ps_study_check(&s, NULL, err, sizeof(err)), PS_DONE);
	prepare_ok(&s, tmp);
	struct tally t = { 0 };
	struct ps_study_batch b = { .jobs = 2, .ended = on_end, .arg = &t };
	assert_int_equal(ps_study_run_all(&s, tmp, &b, err, sizeof(err)), PS_FAILED);
	assert_int_equal(b.ran, 1);
	assert_int_equal(b.failed, 1);
	assert_non_null(strstr(err, "1 of 2 runs failed: 1"));
	assert_non_null(strstr(t.last, "run 1: "));
	assert_non_null(strstr(t.last, "gone.csv"));
	merge_ok(&s, tmp, 1, "1");
	ps_study_fini(&s);
	pst_rmtree(tmp);
	free(path), free(trace), free(tmp);
}

/* ---- the command ---- */

static char *cli(int want, const char *const *argv)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, argv);
	if (rc != want)
		fail_msg("exit %d, expected %d:\n%s", rc, want, out);
	return out;
}

static void expect_in(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("\"%s\" not in:\n%s", want, text);
}

static void test_plan_lists_every_run_with_its_values_seed_and_folder(void **state)
{
	(void)state;
	char *tmp = pst_tmpdir(), *path = write_study(tmp, "small.ini", SMALL), *out = pst_path(tmp, "o");
	char *text = cli(0, (const char *[]){ "study", "plan", path, "--out", out, NULL });
	expect_in(text, "study small: 2 variables, 4 points x 2 replications = 8 runs\n");
	expect_in(text, "rate (line 15): 2 values");
	expect_in(text, "common random numbers");
	char row[512];
	snprintf(row, sizeof(row), "\n7      3      1           %-20" PRIu64 " sequential    60   %s/runs/7\n",
		 ps_replication_seed(5, 1), out);
	expect_in(text, row);
	free(text);
	free(out), free(path);
	pst_rmtree(tmp);
	free(tmp);
}

static void test_the_command_refuses_bad_usage_with_one_line(void **state)
{
	(void)state;
	char *tmp = pst_tmpdir(), *path = write_study(tmp, "small.ini", SMALL);
	static const struct {
		const char *argv[6];
		const char *want;
	} cases[] = {
		{ { "study", NULL }, "study: which verb? allowed: plan, run, merge, export" },
		{ { "study", "fly", "x", NULL }, "study: unknown verb \"fly\"" },
		{ { "study", "run", NULL }, "study run: a study file is needed" },
		{ { "study", "merge", NULL }, "study merge: the study's output folder is needed" },
		{ { "study", "plan", "SMALL", "-j", "2", NULL }, "study plan: --jobs is not an option of plan" },
		{ { "study", "run", "SMALL", "--run", "8", NULL }, "--run 8: no such run; allowed: 0 to 7" },
		{ { "study", "export", "SMALL", NULL }, "allowed: --slurm, --parallel, or both" },
		{ { "study", "plan", "/nonexistent.ini", NULL }, "/nonexistent.ini: cannot read" },
		{ { "study", "merge", "/nonexistent", NULL }, "is \"/nonexistent\" the --out folder of a study?" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[6] = { 0 };
		for (size_t j = 0; cases[i].argv[j]; j++)
			argv[j] = !strcmp(cases[i].argv[j], "SMALL") ? path : cases[i].argv[j];
		char *text = cli(2, argv);
		expect_in(text, cases[i].want);
		if (strchr(text, '\n') != text + strlen(text) - 1)
			fail_msg("not one line:\n%s", text);
		free(text);
	}
	char *help = cli(0, (const char *[]){ "study", "--help", NULL });
	expect_in(help, "usage: portsim study VERB STUDY|DIR");
	expect_in(help, "plan STUDY:");
	expect_in(help, "--slurm");
	free(help);
	free(path);
	pst_rmtree(tmp);
	free(tmp);
}

static void test_run_merges_and_export_writes_slurm_and_parallel_jobs(void **state)
{
	(void)state;
	char *tmp = pst_tmpdir(), *path = write_study(tmp, "small.ini", SMALL), *out = pst_path(tmp, "o");
	char *text = cli(0, (const char *[]){ "study", "run", path, "-j", "2", "--out", out, NULL });
	expect_in(text, "8 runs: 8 ran now (2 at once), 0 finished before, 0 failed");
	expect_in(text, "merged 8 of 8 runs");
	free(text);
	text = cli(0, (const char *[]){ "study", "run", path, "--run", "3", "--out", out, NULL });
	expect_in(text, "run 3 was finished already");
	free(text);
	text = cli(0, (const char *[]){ "study", "export", path, "--slurm", "--parallel", "--limit", "3", "--out", out,
					"--portsim", "/opt/portsim", NULL });
	free(text);
	char *sbatch = pst_read_in(out, "study.sbatch"), *jobs = pst_read_in(out, "study.jobs");
	expect_in(sbatch, "#!/bin/bash\n");
	expect_in(sbatch, "\n#SBATCH --array=0-7%3\n");
	char want[1024];
	snprintf(want, sizeof(want),
		 "\nexec '/opt/portsim' study run '%s' --run \"$SLURM_ARRAY_TASK_ID\" --out '%s' --quiet\n", path, out);
	expect_in(sbatch, want);
	assert_int_equal(lines(jobs), 8);
	snprintf(want, sizeof(want), "'/opt/portsim' study run '%s' --run 7 --out '%s' --quiet\n", path, out);
	expect_in(jobs, want);
	free(sbatch), free(jobs);

	/* merge exits 1 and names what is missing. */
	char *lost = pst_path(out, "runs/2");
	pst_rmtree(lost);
	text = cli(1, (const char *[]){ "study", "merge", out, NULL });
	expect_in(text, "merged 7 of 8 runs");
	expect_in(text, "1 run missing: 2; run it with");
	expect_in(text, "sbatch --array=2 ");
	free(text), free(lost);
	free(out), free(path);
	pst_rmtree(tmp);
	free(tmp);
}

static void test_the_figure_draws_a_column_against_a_variable(void **state)
{
	(void)state;
	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		print_message("no gnuplot: the figure is not drawn\n");
		skip();
	}
	struct bench w;
	bench_up(&w);
	run_all_ok(&w.s, w.a, 2, 8);
	merge_ok(&w.s, w.a, 0, "");
	char cmd[1024];
	const char *args[] = { "", "x=rate by=host.strategy y=probes_mean logy", "x=host.strategy by=rate" };
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		snprintf(cmd, sizeof(cmd), "gnuplot -c '%s/scripts/study.gp' '%s' %s", PORTSIM_SOURCE_DIR, w.a, args[i]);
		assert_int_equal(system(cmd), 0);
		char *png = pst_path(w.a, "study.png");
		struct stat sb;
		assert_int_equal(stat(png, &sb), 0);
		assert_true(sb.st_size > 1000);
		remove(png);
		free(png);
	}
	/* A variable the study lacks is refused. */
	snprintf(cmd, sizeof(cmd), "gnuplot -c '%s/scripts/study.gp' '%s' x=nosuch 2>/dev/null", PORTSIM_SOURCE_DIR, w.a);
	int rc = system(cmd);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
	bench_down(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_and_ranges_expand_as_in_omnetpp),
		cmocka_unit_test(test_runs_nest_the_last_variable_innermost_and_replications_inside_it),
		cmocka_unit_test(test_bang_pairs_a_variable_with_another_instead_of_crossing),
		cmocka_unit_test(test_run_text_keeps_every_line_in_place_without_the_study_section),
		cmocka_unit_test(test_replication_r_of_every_point_runs_with_the_same_seed),
		cmocka_unit_test(test_bad_studies_name_file_line_key_value_and_what_is_allowed),
		cmocka_unit_test(test_replication_zero_is_portsim_run_of_the_point),
		cmocka_unit_test(test_runs_resume_and_merge_to_the_same_bytes_in_any_order),
		cmocka_unit_test(test_points_hold_the_mean_and_interval_of_their_replications),
		cmocka_unit_test(test_a_failing_run_is_reported_and_left_missing),
		cmocka_unit_test(test_plan_lists_every_run_with_its_values_seed_and_folder),
		cmocka_unit_test(test_the_command_refuses_bad_usage_with_one_line),
		cmocka_unit_test(test_run_merges_and_export_writes_slurm_and_parallel_jobs),
		cmocka_unit_test(test_the_figure_draws_a_column_against_a_variable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
