/*
 * portsim explain and run --follow-port tell what the simulation did: the
 * port and probes the narration reports for an attempt are those events.csv
 * records for it, for every strategy, for failed attempts, behind a NAT and
 * for --port; port-P.csv agrees with events.csv on every open, close and
 * end of TIME_WAIT of P.
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

#include "portsim/alloc.h"
#include "portsim/follow.h"
#include "support.h"

/* 1,000 ports, ten reserved, filled in 5 s and failing after, under the strategy given (%s). */
#define SMALL                                                                                               \
	"[run]\nduration_s = 8\nseed = 3\n[host]\nstrategy = %s\nport_range = 50000-50999\n"                \
	"reserved_ports = 50010-50019\ntime_wait_s = 60\n[workload.client]\narrival = poisson\nrate_per_s = 200\n" \
	"duration = exponential\nduration_s = 0.5\n"

struct row {
	char event[16];
	unsigned port, probes;
	double t;
};

/* Field i of a CSV line (no quoting in events.csv), into buf. */
static const char *field(const char *line, int i, char *buf, size_t size)
{
	while (i-- > 0 && line)
		line = strchr(line, ',') ? strchr(line, ',') + 1 : NULL;
	snprintf(buf, size, "%.*s", line ? (int)strcspn(line, ",") : 0, line ? line : "");
	return buf;
}

/* The open or fail row of attempt n in dir/events.csv. */
static struct row attempt_row(const char *dir, uint64_t n)
{
	char *path = pst_path(dir, "events.csv");
	char *text = pst_read_file(path, NULL);
	assert_non_null(text);
	struct row r = { .port = 0 };
	char id[32], ev[16], port[16], probes[16], t[32];
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		field(line, 2, ev, sizeof(ev));
		if (strtoull(field(line, 1, id, sizeof(id)), NULL, 10) != n || (strcmp(ev, "open") && strcmp(ev, "fail")))
			continue;
		snprintf(r.event, sizeof(r.event), "%s", ev);
		r.port = (unsigned)atoi(field(line, 4, port, sizeof(port)));
		r.probes = (unsigned)atoi(field(line, 7, probes, sizeof(probes)));
		r.t = strtod(field(line, 0, t, sizeof(t)), NULL);
		break;
	}
	free(text);
	free(path);
	return r;
}

/* Runs ini into a new folder with events.csv; returns the folder (malloc'd). */
static char *run_with_events(const char *ini)
{
	char *dir = pst_tmpdir();
	struct ps_scenario *sc = pst_scenario(ini);
	struct ps_run_options opt = { .out_dir = dir, .events = true };
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_run(sc, &opt, &res, err, sizeof(err)), PS_DONE);
	ps_run_result_fini(&res);
	free(sc);
	return dir;
}

/* Replays ini with a follower for cfg; returns it (free with ps_follow_free). */
static struct ps_follow *replay(const char *ini, const struct ps_follow_config *cfg)
{
	struct ps_follow *f = ps_follow_new(cfg);
	assert_non_null(f);
	struct ps_scenario *sc = pst_scenario(ini);
	struct ps_run_options opt = { .follow = f };
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_run(sc, &opt, &res, err, sizeof(err)), PS_DONE);
	ps_run_result_fini(&res);
	free(sc);
	return f;
}

/* Attempt n told as events.csv in dir records it; the story names the port, counts the probes and says why. */
static void check_attempt(const char *ini, const char *dir, uint64_t n, const char *strategy)
{
	struct row r = attempt_row(dir, n);
	assert_true(r.event[0]);
	struct ps_follow_config cfg = { .target = PS_FOLLOW_ATTEMPT, .attempt = n };
	struct ps_follow *f = replay(ini, &cfg);
	const char *text = ps_follow_text(f);
	assert_non_null(text);
	if (ps_follow_told_port(f) != r.port || ps_follow_told_probes(f) != r.probes ||
	    ps_follow_told_candidates(f) != r.probes)
		fail_msg("%s attempt %" PRIu64 ": events.csv says %s port %u after %u probes; the story says port %u, "
			 "%u probes, %u candidates told:\n%s",
			 strategy, n, r.event, r.port, r.probes, ps_follow_told_port(f), ps_follow_told_probes(f),
			 ps_follow_told_candidates(f), text);
	char want[64];
	if (r.port)
		snprintf(want, sizeof(want), "Chosen: port %u, after ", r.port);
	else
		snprintf(want, sizeof(want), "What the application sees: ");
	if (!strstr(text, want))
		fail_msg("%s attempt %" PRIu64 ": no \"%s\" in:\n%s", strategy, n, want, text);
	/* The strategy tells its own algorithm: a sentence that is no candidate's. */
	bool own = false;
	for (const char *l = strstr(text, "\n  "); l && !own; l = strstr(l + 1, "\n  "))
		own = strncmp(l, "\n  skipped", 10) && strncmp(l, "\n  port", 7);
	if (!own)
		fail_msg("%s tells nothing of its own algorithm:\n%s", strategy, text);
	ps_follow_free(f);
}

static void test_every_strategy_tells_what_events_csv_records(void **state)
{
	(void)state;
	for (size_t i = 0; i < ps_alloc_registry_len; i++) {
		const char *name = ps_alloc_registry[i]->name;
		char ini[1024];
		snprintf(ini, sizeof(ini), SMALL, name);
		char *dir = run_with_events(ini);
		/* The first, one in the middle, the last before the pool runs dry, and failures. */
		uint64_t attempts[] = { 1, 2, 500, 985, 1100, 1400 };
		for (size_t k = 0; k < sizeof(attempts) / sizeof(attempts[0]); k++)
			check_attempt(ini, dir, attempts[k], name);
		pst_rmtree(dir);
		free(dir);
	}
}

static void test_a_failure_says_why_every_candidate_was_refused(void **state)
{
	(void)state;
	const char *ini = "[run]\nduration_s = 8\nseed = 3\n[host]\nstrategy = linux\nport_range = 50000-50999\n"
			  "reserved_ports = 50010-50019\ntime_wait_s = 60\n[workload.client]\narrival = poisson\n"
			  "rate_per_s = 200\nduration = exponential\nduration_s = 0.5\n";
	char *dir = run_with_events(ini);
	struct row r = attempt_row(dir, 1400);
	assert_string_equal(r.event, "fail");
	struct ps_follow_config cfg = { .target = PS_FOLLOW_ATTEMPT, .attempt = 1400 };
	struct ps_follow *f = replay(ini, &cfg);
	const char *text = ps_follow_text(f);
	assert_non_null(strstr(text, "Failed: every one of the 1,000 candidates examined was refused ("));
	assert_non_null(strstr(text, "10 reserved"));
	assert_non_null(strstr(text, "in TIME_WAIT toward this destination"));
	assert_non_null(strstr(text, "connect() fails with EADDRNOTAVAIL"));
	/* Summarised: each parity pass is one line, with how many of its ports each reason refused. */
	assert_non_null(strstr(text, "skipped 500 even ports, "));
	assert_non_null(strstr(text, "skipped 500 odd ports, "));
	assert_non_null(strstr(text, ": 5 reserved (ip_local_reserved_ports), "));
	ps_follow_free(f);
	/* Verbose: a line per candidate, each TIME_WAIT with its time and connection. */
	cfg.verbose = true;
	f = replay(ini, &cfg);
	text = ps_follow_text(f);
	size_t lines = 0;
	for (const char *l = strstr(text, "\n  port "); l; l = strstr(l + 1, "\n  port "))
		lines++;
	assert_int_equal(lines, 1000);
	assert_non_null(strstr(text, "in TIME_WAIT toward 10.0.0.1:80 since "));
	ps_follow_free(f);
	pst_rmtree(dir);
	free(dir);
}

static void test_port_finds_the_first_attempt_that_chooses_or_examines_it(void **state)
{
	(void)state;
	const char *ini = "[run]\nduration_s = 8\nseed = 3\n[host]\nstrategy = sequential\nport_range = 50000-50999\n"
			  "time_wait_s = 60\n[workload.client]\narrival = poisson\nrate_per_s = 200\nduration = exponential\n"
			  "duration_s = 0.5\n";
	/* Sequential: port 50000 + k - 1 goes to attempt k, and no earlier attempt looks at it. */
	struct ps_follow_config cfg = { .target = PS_FOLLOW_PORT, .port = 50123 };
	struct ps_follow *f = replay(ini, &cfg);
	assert_int_equal(ps_follow_told(f), 124);
	ps_follow_free(f);
	/* Linux at low load: odd 50001 is never chosen, and first examined once the evens run out. */
	const char *linux_ini = "[run]\nduration_s = 8\nseed = 3\n[host]\nstrategy = linux\nport_range = 50000-50999\n"
				"time_wait_s = 60\n[workload.client]\narrival = poisson\nrate_per_s = 200\n"
				"duration = exponential\nduration_s = 0.5\n";
	char *dir = run_with_events(linux_ini);
	cfg.port = 50001;
	f = replay(linux_ini, &cfg);
	uint64_t n = ps_follow_told(f);
	ps_follow_free(f);
	assert_true(n > 480);
	check_attempt(linux_ini, dir, n, "linux --port");
	pst_rmtree(dir);
	free(dir);
}

static void test_at_tells_the_first_attempt_at_or_after_the_time(void **state)
{
	(void)state;
	char ini[1024];
	snprintf(ini, sizeof(ini), SMALL, "rfc6056-1");
	char *dir = run_with_events(ini);
	struct ps_follow_config cfg = { .target = PS_FOLLOW_AT, .at = ps_time_from_s(2.5) };
	struct ps_follow *f = replay(ini, &cfg);
	uint64_t n = ps_follow_told(f);
	ps_follow_free(f);
	assert_true(n > 1);
	assert_true(attempt_row(dir, n).t >= 2.5);
	assert_true(attempt_row(dir, n - 1).t < 2.5);
	check_attempt(ini, dir, n, "rfc6056-1 --at");
	pst_rmtree(dir);
	free(dir);
}

static void test_explain_behind_a_nat_names_the_external_port(void **state)
{
	(void)state;
	const char *ini = "[run]\nduration_s = 2\nseed = 1\n[host]\nprofile = linux\n[nat]\npreset = aws-nat-gateway\n"
			  "[workload.app]\nhosts = 2\narrival = constant\nrate_per_s = 100\nduration = fixed\nduration_s = 1\n";
	char *dir = run_with_events(ini);
	check_attempt(ini, dir, 7, "behind a NAT");
	struct ps_follow_config cfg = { .target = PS_FOLLOW_ATTEMPT, .attempt = 7 };
	struct ps_follow *f = replay(ini, &cfg);
	assert_non_null(strstr(ps_follow_text(f), "The NAT translates it to external "));
	ps_follow_free(f);
	pst_rmtree(dir);
	free(dir);
}

static void test_the_cli_tells_and_refuses(void **state)
{
	(void)state;
	char *out = NULL;
	const char *one[] = { "explain", "--attempt", "3", "--strategy", "sequential", NULL };
	assert_int_equal(pst_run_cli(&out, one), 0);
	assert_non_null(strstr(out, "Chosen: port 49154, after 1 candidate"));
	free(out);
	const char *both[] = { "explain", "--attempt", "3", "--port", "60409", NULL };
	assert_int_equal(pst_run_cli(&out, both), 2);
	free(out);
	const char *beyond[] = { "explain", "--attempt", "999999999", "--duration", "1", NULL };
	assert_int_equal(pst_run_cli(&out, beyond), 2);
	free(out);
	/* The default's first failure: every port in TIME_WAIT or in use. */
	const char *first[] = { "explain", NULL };
	assert_int_equal(pst_run_cli(&out, first), 0);
	assert_non_null(strstr(out, "The first attempt to fail is attempt 16385."));
	assert_non_null(strstr(out, "skipped 8,192 even ports in TIME_WAIT toward 10.0.0.1:80"));
	assert_non_null(strstr(out, "connect() fails with EADDRNOTAVAIL"));
	free(out);
}

/* The rows of events.csv with port p and one of the events, as "t,id,event" lines. */
static char *events_of_port(const char *dir, unsigned p)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "awk -F, '$5 == %u && ($3 == \"open\" || $3 == \"close\" || $3 == \"tw_end\") "
		 "{ print $1 \",\" $2 \",\" ($3 == \"open\" ? \"chosen\" : $3) }' '%s/events.csv'",
		 p, dir);
	int st;
	char *s = pst_shell(cmd, &st);
	assert_int_equal(st, 0);
	return s;
}

static void test_follow_port_agrees_with_events_csv(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	const char *argv[] = { "run", "--duration", "100", "--events", "--follow-port", "60409", "--follow-port",
			       "49152", "--out", dir, "--quiet", NULL };
	char *out = NULL;
	assert_int_equal(pst_run_cli(&out, argv), 0);
	free(out);
	for (unsigned p = 49152; p; p = p == 49152 ? 60409 : 0) {
		char name[32], cmd[512];
		snprintf(name, sizeof(name), "port-%u.csv", p);
		assert_true(pst_exists(dir, name));
		snprintf(cmd, sizeof(cmd),
			 "awk -F, '$2 == \"chosen\" || $2 == \"close\" || $2 == \"tw_end\" { print $1 \",\" $3 \",\" $2 }' "
			 "'%s/%s'",
			 dir, name);
		int st;
		char *mine = pst_shell(cmd, &st);
		char *theirs = events_of_port(dir, p);
		assert_string_equal(mine, theirs);
		assert_true(strlen(mine) > 0);
		free(mine);
		free(theirs);
	}
	/* 60409, odd, is passed over while the evens last, in TIME_WAIT after it first closed. */
	int st;
	char *cmd = NULL;
	char buf[512];
	snprintf(buf, sizeof(buf), "grep -c ',skipped,.*,time_wait$' '%s/port-60409.csv'", dir);
	cmd = pst_shell(buf, &st);
	assert_true(atoi(cmd) > 0);
	free(cmd);
	pst_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_strategy_tells_what_events_csv_records),
		cmocka_unit_test(test_a_failure_says_why_every_candidate_was_refused),
		cmocka_unit_test(test_port_finds_the_first_attempt_that_chooses_or_examines_it),
		cmocka_unit_test(test_at_tells_the_first_attempt_at_or_after_the_time),
		cmocka_unit_test(test_explain_behind_a_nat_names_the_external_port),
		cmocka_unit_test(test_the_cli_tells_and_refuses),
		cmocka_unit_test(test_follow_port_agrees_with_events_csv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
