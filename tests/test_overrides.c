/*
 * Overrides as users type them (ps_scenario_override) and whether a key
 * can change a run at all (ps_scenario_key_effect): the scenario layer's
 * half of "never a silently wrong answer".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/scenario.h"
#include "support.h"

#define SCENARIO_DIR PORTSIM_SOURCE_DIR "/scenarios"

static struct ps_scenario *scenario(const char *ini)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	char err[PS_ERR_MAX];
	assert_non_null(sc);
	ps_scenario_defaults(sc);
	if (ps_scenario_parse(sc, "s.ini", ini, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return sc;
}

static void test_override_refuses_a_population_the_scenario_lacks(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario(ps_scenario_default_ini);
	char err[PS_ERR_MAX];
	assert_int_equal(ps_scenario_override(sc, "workload.clinet.rate_per_s=250", err, sizeof(err)), -1);
	assert_string_equal(err, "--set workload.clinet.rate_per_s=250: the scenario has no population \"clinet\"; "
				 "did you mean \"client\"? allowed: workload.client, or +workload.NAME.KEY=VALUE to add a "
				 "population");
	assert_int_equal(sc->npop, 1);
	assert_int_equal(ps_scenario_override(sc, "workload.client.rate_per_s=250", err, sizeof(err)), 0);
	assert_true(sc->pop[0].rate_per_s == 250);
	/* ps_scenario_set, for files and programs, still creates on first sight. */
	assert_int_equal(ps_scenario_set(sc, "workload.batch.rate_per_s=5", err, sizeof(err)), 0);
	assert_int_equal(sc->npop, 2);
	free(sc);
}

static void test_plus_adds_a_population_and_only_that(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario(ps_scenario_default_ini);
	char err[PS_ERR_MAX];
	assert_int_equal(ps_scenario_override(sc, " +workload.db.rate_per_s=50", err, sizeof(err)), 0);
	assert_int_equal(sc->npop, 2);
	assert_string_equal(sc->pop[1].name, "db");
	assert_true(sc->pop[1].rate_per_s == 50);
	assert_int_equal(ps_scenario_override(sc, "workload.db.mode=udp", err, sizeof(err)), 0);
	assert_int_equal(ps_scenario_override(sc, "+workload.db.mode=udp", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the scenario has a population \"db\" already"));
	assert_int_equal(ps_scenario_override(sc, "+host.addresses=2", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'+' adds a population, and \"host\" is not one"));
	/* A bad value leaves no half-made population behind. */
	assert_int_equal(ps_scenario_override(sc, "+workload.x.rate_per_s=-1", err, sizeof(err)), -1);
	assert_int_equal(sc->npop, 2);
	free(sc);
}

static void expect_effect(const char *ini, const char *key, enum ps_key_effect want, const char *says)
{
	struct ps_scenario *sc = scenario(ini);
	char why[PS_ERR_MAX];
	enum ps_key_effect e = ps_scenario_key_effect(sc, key, why, sizeof(why));
	if (e != want)
		fail_msg("%s: effect %d, expected %d (%s)", key, (int)e, (int)want, why);
	if (says && !strstr(why, says))
		fail_msg("%s: \"%s\" does not say \"%s\"", key, why, says);
	if (want == PS_KEY_ACTS && why[0])
		fail_msg("%s acts, yet says \"%s\"", key, why);
	free(sc);
}

#define NAT "[nat]\nallocator = nf-nat\n[workload.w]\nhosts = 4\n"

static void test_keys_the_run_never_reads_are_inert(void **state)
{
	(void)state;
	const char *def = ps_scenario_default_ini;
	expect_effect(def, "nat.addresses", PS_KEY_INERT, "the scenario has no NAT ([nat] allocator = none)");
	expect_effect(def, "nat.preset", PS_KEY_ACTS, NULL);
	expect_effect(def, "nat.allocator", PS_KEY_ACTS, NULL);
	expect_effect(def, "workload.client.hosts", PS_KEY_INERT, "no NAT");
	expect_effect(def, "workload.client.burst_size", PS_KEY_INERT, "arrival = poisson does not read burst_size");
	expect_effect(def, "workload.client.rate_per_s", PS_KEY_ACTS, NULL);
	expect_effect(def, "workload.client.duration_sigma", PS_KEY_INERT, "duration = exponential");
	expect_effect(def, "workload.client.duration_s", PS_KEY_ACTS, NULL);
	expect_effect(def, "workload.client.zipf_s", PS_KEY_INERT, "choice = uniform");
	expect_effect(def, "workload.client.max_requests", PS_KEY_INERT, "keepalive = false");
	expect_effect(def, "host.bind_strategy", PS_KEY_INERT, "mode = bind0");
	expect_effect(def, "host.addresses", PS_KEY_ACTS, NULL);
	expect_effect(def, "run.seed", PS_KEY_ACTS, NULL);
	expect_effect(NAT, "host.addresses", PS_KEY_INERT, "behind the NAT");
	expect_effect(NAT, "workload.w.hosts", PS_KEY_ACTS, NULL);
	expect_effect(NAT, "nat.addresses", PS_KEY_ACTS, NULL);
	expect_effect(NAT, "nat.random", PS_KEY_ACTS, NULL);
	expect_effect(NAT, "nat.block_size", PS_KEY_INERT, "allocator = nf-nat does not read block_size");
	expect_effect(NAT, "nat.udp_timeout_s", PS_KEY_INERT, "mode = udp");
	expect_effect(NAT, "nat.idle_timeout_s", PS_KEY_INERT, "keepalive = true");
	expect_effect("[workload.w]\narrival = replay\n", "workload.w.start_s", PS_KEY_INERT, "arrival = replay");
	expect_effect("[workload.w]\narrival = replay\n", "workload.w.choice", PS_KEY_INERT, NULL);
	expect_effect("[workload.w]\nduration = lognormal\nduration_median_s = 1\n", "workload.w.duration_s",
		      PS_KEY_INERT, "duration_median_s is set");
	expect_effect("[workload.w]\ndestination_list = 10.0.0.1:80\n", "workload.w.destinations", PS_KEY_INERT,
		      "destination_list is set");
	expect_effect("[host]\ntw_reuse = 0\n[workload.w]\n", "host.tw_reuse_delay_ms", PS_KEY_INERT, "tw_reuse = 0");
	expect_effect("[workload.w]\nmode = bind0\n", "host.unique", PS_KEY_INERT, "connect or bind-no-port");
}

static void test_keys_a_count_or_the_strategy_could_wake_are_idle(void **state)
{
	(void)state;
	const char *def = ps_scenario_default_ini;
	expect_effect(def, "host.tries", PS_KEY_IDLE, "rfc6056-2");
	expect_effect("[host]\nstrategy = rfc6056-2\n[workload.w]\n", "host.tries", PS_KEY_ACTS, NULL);
	expect_effect("[host]\nprofile = netbsd\n[workload.w]\n", "host.descending", PS_KEY_ACTS, NULL);
	/* bind(0) sockets under their own strategy: the connect() strategy serves nobody. */
	expect_effect("[host]\nbind_strategy = sequential\n[workload.w]\nmode = bind0\n", "host.strategy", PS_KEY_IDLE,
		      NULL);
	expect_effect("[host]\nbind_strategy = sequential\n[workload.w]\nmode = bind0\n", "host.first_port",
		      PS_KEY_ACTS, NULL);
	expect_effect(def, "workload.client.retry_delay_s", PS_KEY_IDLE, "retries = 0");
	expect_effect("[workload.w]\nretries = 1\n", "workload.w.retry_backoff", PS_KEY_IDLE, "retries = 1");
	expect_effect("[workload.w]\nretries = 2\n", "workload.w.retry_backoff", PS_KEY_ACTS, NULL);
	expect_effect(def, "workload.client.source_choice", PS_KEY_IDLE, "one source address");
	expect_effect("[host]\naddresses = 2\n[workload.w]\n", "workload.w.source_choice", PS_KEY_ACTS, NULL);
	expect_effect("[nat]\nallocator = pba\n[workload.w]\n", "nat.pool_size", PS_KEY_IDLE, "block_size = 512");
	expect_effect("[nat]\npreset = azure-lb-outbound\n[workload.w]\n", "nat.pool_size", PS_KEY_ACTS, NULL);
}

static void test_unknown_keys_say_what_is_there(void **state)
{
	(void)state;
	const char *def = ps_scenario_default_ini;
	expect_effect(def, "nat.adresses", PS_KEY_UNKNOWN, "unknown key; did you mean \"addresses\"?");
	expect_effect(def, "workload.nope.hosts", PS_KEY_UNKNOWN, "no population \"nope\"");
	expect_effect(def, "mars.x", PS_KEY_UNKNOWN, "unknown section \"mars\"");
	expect_effect(def, "addresses", PS_KEY_UNKNOWN, "is not SECTION.KEY");
	assert_true(ps_scenario_key_is_whole("nat.addresses"));
	assert_true(ps_scenario_key_is_whole("workload.any.hosts"));
	assert_true(ps_scenario_key_is_whole("run.seed"));
	assert_false(ps_scenario_key_is_whole("run.duration_s"));
	assert_false(ps_scenario_key_is_whole("host.strategy"));
	assert_false(ps_scenario_key_is_whole("nat.nothing"));
}

/* Fails unless the override that starts at k (KEY=VALUE) names a key that can change sc's run. */
static size_t check_suggested(const struct ps_scenario *sc, const char *file, const char *k)
{
	char key[128], why[PS_ERR_MAX];
	k += strspn(k, " ");
	size_t n = strcspn(k, "=]\n");
	if (k[n] != '=' || n >= sizeof(key))
		return 0;
	memcpy(key, k, n);
	key[n] = '\0';
	enum ps_key_effect e = ps_scenario_key_effect(sc, key, why, sizeof(why));
	if (e == PS_KEY_INERT || e == PS_KEY_UNKNOWN)
		fail_msg("%s suggests %s, which cannot change its run: %s", file, key, why);
	return 1;
}

/* Every override a curated scenario suggests (--set in its commands, [KEY=VALUE] in its claims) changes its run. */
static void test_the_overrides_curated_scenarios_suggest_are_not_inert(void **state)
{
	(void)state;
	DIR *d = opendir(SCENARIO_DIR);
	assert_non_null(d);
	size_t checked = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len <= 4 || strcmp(e->d_name + len - 4, ".ini"))
			continue;
		char *path = pst_path(SCENARIO_DIR, e->d_name);
		char *text = pst_read_file(path, NULL);
		struct ps_scenario *sc = malloc(sizeof(*sc));
		char err[PS_ERR_MAX];
		ps_scenario_defaults(sc);
		assert_int_equal(ps_scenario_load(sc, path, err, sizeof(err)), 0);
		for (const char *line = text; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0)) {
			if (*line != '#')
				continue;
			const char *end = line + strcspn(line, "\n");
			for (const char *p = line; (p = strstr(p, "--set ")) != NULL && p < end; p += 6)
				checked += check_suggested(sc, e->d_name, p + 6);
			if (!strncmp(line, "# expect [", 10))
				for (const char *p = line + 9; p && *p != ']' && p < end; p = strchr(p + 1, ','))
					checked += check_suggested(sc, e->d_name, p + 1);
		}
		free(sc);
		free(text);
		free(path);
	}
	closedir(d);
	assert_true(checked >= 20);
}

static void test_the_name_is_a_key_and_reads_back(void **state)
{
	(void)state;
	struct ps_scenario *sc = scenario("[run]\nname = storm-2.v1\n[workload.w]\n");
	assert_string_equal(sc->name, "storm-2.v1");
	char text[16384];
	ps_scenario_format(sc, text, sizeof(text));
	assert_non_null(strstr(text, "\nsample_interval_s = 1\nname = storm-2.v1\n"));
	free(sc);
	char *dir = pst_tmpdir(), *path = pst_path(dir, "my scenario,v2.ini");
	char err[PS_ERR_MAX];
	assert_int_equal(pst_write_file(path, "[workload.w]\n"), 0);
	sc = scenario("");
	assert_int_equal(ps_scenario_load(sc, path, err, sizeof(err)), 0);
	/* A stem a name may not hold is made one: it stands bare in summary.csv. */
	assert_string_equal(sc->name, "my_scenario_v2");
	free(sc);
	pst_rmtree(dir);
	free(dir);
	free(path);
}

static void expect_invalid(const char *ini, const char *says)
{
	struct ps_scenario *sc = scenario(ini);
	char err[PS_ERR_MAX];
	assert_int_equal(ps_scenario_validate(sc, err, sizeof(err)), -1);
	if (!strstr(err, says))
		fail_msg("\"%s\" does not say \"%s\"", err, says);
	free(sc);
}

static void test_every_arrival_process_is_held_to_the_rate_cap(void **state)
{
	(void)state;
	expect_invalid("[workload.w]\narrival = burst\nburst_size = 1\nburst_interval_s = 1e-9\n",
		       "burst_size / burst_interval_s = 1000000000 attempts per second; allowed: at most 10000000");
	expect_invalid("[workload.w]\narrival = diurnal\nrate_per_s = 8000000\namplitude = 0.5\n",
		       "the diurnal peak rate_per_s x (1 + amplitude) = 12000000");
	struct ps_scenario *sc = scenario("[workload.w]\narrival = burst\nburst_size = 10000000\nburst_interval_s = 1\n");
	char err[PS_ERR_MAX];
	assert_int_equal(ps_scenario_validate(sc, err, sizeof(err)), 0);
	free(sc);
}

static void test_a_nat_block_wider_than_the_range_is_invalid(void **state)
{
	(void)state;
	expect_invalid("[nat]\nallocator = pba\nport_range = 2000-2099\nblock_size = 101\n[workload.w]\n",
		       "[nat] pba: blocks of 101 ports do not fit port_range 2000-2099 (100 ports)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_override_refuses_a_population_the_scenario_lacks),
		cmocka_unit_test(test_plus_adds_a_population_and_only_that),
		cmocka_unit_test(test_keys_the_run_never_reads_are_inert),
		cmocka_unit_test(test_keys_a_count_or_the_strategy_could_wake_are_idle),
		cmocka_unit_test(test_unknown_keys_say_what_is_there),
		cmocka_unit_test(test_the_overrides_curated_scenarios_suggest_are_not_inert),
		cmocka_unit_test(test_the_name_is_a_key_and_reads_back),
		cmocka_unit_test(test_every_arrival_process_is_held_to_the_rate_cap),
		cmocka_unit_test(test_a_nat_block_wider_than_the_range_is_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
