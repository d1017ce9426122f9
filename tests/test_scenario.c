/* The scenario schema: parsing, defaults, --set, validation, errors, round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portsim/profile.h"
#include "portsim/scenario.h"
#include "support.h"

static bool reserved(const struct ps_scenario *sc, unsigned p)
{
	return sc->reserved[p / 64] >> (p % 64) & 1;
}

/* Parses text on top of the defaults; returns parse's result, message in err. */
static int parse(struct ps_scenario *sc, const char *text, char *err)
{
	ps_scenario_defaults(sc);
	err[0] = '\0';
	return ps_scenario_parse(sc, "s.ini", text, err, PS_ERR_MAX);
}

/* Expects text to fail with a message containing every one of the NULL-terminated parts. */
static void expect_error(const char *text, ...)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	char err[PS_ERR_MAX];
	va_list ap;

	assert_non_null(sc);
	assert_int_equal(parse(sc, text, err), -1);
	va_start(ap, text);
	for (const char *part; (part = va_arg(ap, const char *));) {
		if (!strstr(err, part))
			fail_msg("error \"%s\" lacks \"%s\"", err, part);
	}
	va_end(ap);
	assert_null(strchr(err, '\n'));
	free(sc);
}

static void expect_set_error(const char *assignment, const char *want)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	char err[PS_ERR_MAX];

	assert_non_null(sc);
	ps_scenario_defaults(sc);
	assert_int_equal(ps_scenario_set(sc, assignment, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	free(sc);
}

static void test_defaults_have_no_population_and_default_host(void **state)
{
	(void)state;
	struct ps_scenario sc;
	ps_scenario_defaults(&sc);
	assert_string_equal(sc.name, "default");
	assert_int_equal(sc.npop, 0);
	assert_true(sc.duration_s == 120);
	assert_int_equal(sc.seed, 1);
	assert_true(sc.sample_interval_s == 1);
	assert_string_equal(sc.strategy, "linux");
	assert_int_equal(sc.lo, 49152);
	assert_int_equal(sc.hi, 65535);
	assert_true(sc.time_wait_s == 60);
	assert_int_equal(sc.addresses, 1);
	assert_int_equal(sc.unique, PS_UNIQUE_4TUPLE);
	assert_int_equal(sc.tw_reuse, PS_TW_REUSE_LOOPBACK);
	assert_true(sc.tw_reuse_delay_ms == 1000);
	assert_false(sc.params.descending);
	assert_int_equal(sc.params.first_port, 0);
	for (size_t i = 0; i < 1024; i++)
		assert_int_equal(sc.reserved[i], 0);
}

static void test_default_ini_gives_documented_values(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, ps_scenario_default_ini, err), 0);
	assert_true(sc.duration_s == 120);
	assert_int_equal(sc.seed, 1);
	assert_true(sc.sample_interval_s == 1);
	assert_string_equal(sc.strategy, "linux");
	assert_int_equal(sc.lo, 49152);
	assert_int_equal(sc.hi, 65535);
	assert_true(sc.time_wait_s == 60);
	assert_int_equal(sc.npop, 1);
	const struct ps_population *p = &sc.pop[0];
	assert_string_equal(p->name, "client");
	assert_int_equal(p->arrival, PS_ARRIVAL_POISSON);
	assert_true(p->rate_per_s == 400);
	assert_int_equal(p->duration, PS_DURATION_EXPONENTIAL);
	assert_true(p->duration_s == 0.2);
	assert_int_equal(p->destinations, 1);
	assert_true(p->client_closes == 1.0);
	assert_int_equal(p->mode, PS_MODE_CONNECT);
	assert_true(p->start_s == 0);
}

static void test_default_ini_validates(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, ps_scenario_default_ini, err), 0);
	assert_int_equal(ps_scenario_validate(&sc, err, sizeof(err)), 0);
}

static void test_default_ini_exhausts_faster_than_time_wait_refills(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, ps_scenario_default_ini, err), 0);
	double sustainable = (sc.hi - sc.lo + 1) / sc.time_wait_s;
	double exhausted_at = (sc.hi - sc.lo + 1) / sc.pop[0].rate_per_s;
	assert_true(sc.pop[0].rate_per_s > sustainable);
	assert_true(exhausted_at < sc.time_wait_s && exhausted_at < sc.duration_s);
}

static void test_new_population_starts_from_schema_defaults(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[workload.web]\n", err), 0);
	assert_int_equal(sc.npop, 1);
	const struct ps_population *p = &sc.pop[0];
	assert_string_equal(p->name, "web");
	assert_int_equal(p->arrival, PS_ARRIVAL_POISSON);
	assert_true(p->rate_per_s == 100);
	assert_int_equal(p->duration, PS_DURATION_FIXED);
	assert_true(p->duration_s == 1);
	assert_true(p->duration_sigma == 1);
	assert_int_equal(p->destinations, 1);
	assert_true(p->client_closes == 1.0);
	assert_int_equal(p->mode, PS_MODE_CONNECT);
	assert_true(p->start_s == 0);
}

static void test_populations_keep_order_of_first_appearance(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc,
			       "[workload.b]\nrate_per_s = 1\n"
			       "[workload.a]\nrate_per_s = 2\n"
			       "[workload.b]\nmode = udp\n",
			       err),
			 0);
	assert_int_equal(sc.npop, 2);
	assert_string_equal(sc.pop[0].name, "b");
	assert_string_equal(sc.pop[1].name, "a");
	assert_int_equal(sc.pop[0].mode, PS_MODE_UDP);
	assert_true(sc.pop[1].rate_per_s == 2);
}

static void test_comments_blank_lines_and_whitespace_are_ignored(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc,
			       "# full-line comment\n"
			       "; another\n"
			       "\n"
			       "  [ host ]   # trailing\r\n"
			       "\ttime_wait_s\t=  30   # thirty seconds\r\n"
			       "strategy=sequential;not a comment\n",
			       err),
			 -1);
	/* ';' without white space before it is part of the value. */
	assert_non_null(strstr(err, "\"sequential;not a comment\""));
	assert_int_equal(parse(&sc,
			       "  [ host ]   # trailing\r\n"
			       "\ttime_wait_s\t=  30   ; thirty seconds\r\n"
			       "strategy=sequential\n",
			       err),
			 0);
	assert_true(sc.time_wait_s == 30);
	assert_string_equal(sc.strategy, "sequential");
}

static void test_every_host_key_parses(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc,
			       "[host]\n"
			       "port_range = 1024-2047\n"
			       "addresses = 4\n"
			       "unique = port\n"
			       "tw_reuse = 0\n"
			       "tw_reuse_delay_ms = 2.5\n"
			       "descending = yes\n"
			       "first_port = 1500\n",
			       err),
			 0);
	assert_int_equal(sc.lo, 1024);
	assert_int_equal(sc.hi, 2047);
	assert_int_equal(sc.addresses, 4);
	assert_int_equal(sc.unique, PS_UNIQUE_PORT);
	assert_int_equal(sc.tw_reuse, PS_TW_REUSE_NEVER);
	assert_true(sc.tw_reuse_delay_ms == 2.5);
	assert_true(sc.params.descending);
	assert_int_equal(sc.params.first_port, 1500);
}

static void test_every_boolean_spelling_is_accepted(void **state)
{
	(void)state;
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	for (size_t i = 0; i < 4; i++) {
		ps_scenario_defaults(&sc);
		char a[64];
		snprintf(a, sizeof(a), "host.descending=%s", yes[i]);
		assert_int_equal(ps_scenario_set(&sc, a, err, sizeof(err)), 0);
		assert_true(sc.params.descending);
		snprintf(a, sizeof(a), "host.descending=%s", no[i]);
		assert_int_equal(ps_scenario_set(&sc, a, err, sizeof(err)), 0);
		assert_false(sc.params.descending);
	}
}

static void test_reserved_ports_fill_the_bitmap(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[host]\nreserved_ports = 50000, 50010-50020,65535\n", err), 0);
	assert_true(reserved(&sc, 50000));
	assert_false(reserved(&sc, 50001));
	assert_false(reserved(&sc, 50009));
	assert_true(reserved(&sc, 50010));
	assert_true(reserved(&sc, 50015));
	assert_true(reserved(&sc, 50020));
	assert_false(reserved(&sc, 50021));
	assert_true(reserved(&sc, 65535));
}

static void test_empty_reserved_ports_clears_the_bitmap(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[host]\nreserved_ports = 50000\n", err), 0);
	assert_int_equal(ps_scenario_parse(&sc, "t.ini", "[host]\nreserved_ports =\n", err,
					   sizeof(err)),
			 0);
	assert_false(reserved(&sc, 50000));
}

static void test_closer_takes_client_server_or_probability(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc,
			       "[workload.a]\ncloser = 0.25\n"
			       "[workload.b]\ncloser = server\n"
			       "[workload.c]\ncloser = client\n",
			       err),
			 0);
	assert_true(sc.pop[0].client_closes == 0.25);
	assert_true(sc.pop[1].client_closes == 0.0);
	assert_true(sc.pop[2].client_closes == 1.0);
}

static void test_lognormal_workload_parses(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc,
			       "[workload.w]\narrival = constant\nduration = lognormal\n"
			       "duration_s = 3\nduration_sigma = 0.5\ndestinations = 1000\n"
			       "mode = bind-no-port\nstart_s = 10\n",
			       err),
			 0);
	assert_int_equal(sc.pop[0].arrival, PS_ARRIVAL_CONSTANT);
	assert_int_equal(sc.pop[0].duration, PS_DURATION_LOGNORMAL);
	assert_true(sc.pop[0].duration_sigma == 0.5);
	assert_int_equal(sc.pop[0].destinations, 1000);
	assert_int_equal(sc.pop[0].mode, PS_MODE_BIND_NO_PORT);
	assert_true(sc.pop[0].start_s == 10);
}

static void test_seed_takes_the_full_64_bit_range(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[run]\nseed = 18446744073709551615\n", err), 0);
	assert_true(sc.seed == UINT64_MAX);
}

static void test_out_of_range_number_shows_range_and_unit(void **state)
{
	(void)state;
	expect_error("[run]\n[host]\n\n\n\n# x\ntime_wait_s = -1\n",
		     "s.ini:7: [host] time_wait_s = \"-1\": out of range; allowed: 0 to 3600 (seconds)",
		     NULL);
}

static void test_out_of_range_for_every_numeric_key(void **state)
{
	(void)state;
	static const struct {
		const char *section, *key, *value, *allowed;
	} cases[] = {
		{ "run", "duration_s", "0", "0.001 to 31536000 (seconds)" },
		{ "run", "duration_s", "31536001", "0.001 to 31536000 (seconds)" },
		{ "run", "seed", "18446744073709551616", "0 to 18446744073709551615" },
		{ "run", "seed", "-1", "0 to 18446744073709551615" },
		{ "run", "sample_interval_s", "86401", "0.001 to 86400 (seconds)" },
		{ "host", "time_wait_s", "3600.5", "0 to 3600 (seconds)" },
		{ "host", "addresses", "0", "1 to 256" },
		{ "host", "addresses", "257", "1 to 256" },
		{ "host", "tw_reuse_delay_ms", "0.5", "1 to 60000 (milliseconds)" },
		{ "host", "first_port", "65536", "0 to 65535" },
		{ "workload.w", "rate_per_s", "0", "0.000001 to 10000000" },
		{ "workload.w", "duration_s", "-0.1", "0 to 31536000 (seconds)" },
		{ "workload.w", "duration_sigma", "11", "0 to 10" },
		{ "workload.w", "destinations", "1000001", "1 to 1000000" },
		{ "workload.w", "closer", "1.5", "a probability from 0 to 1" },
		{ "workload.w", "start_s", "1e300", "0 to 31536000 (seconds)" },
		{ "run", "duration_s", "1e999", "0.001 to 31536000 (seconds)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], where[128], allowed[128];
		snprintf(text, sizeof(text), "[%s]\n%s = %s\n", cases[i].section, cases[i].key,
			 cases[i].value);
		snprintf(where, sizeof(where), "s.ini:2: [%s] %s = \"%s\": out of range; allowed: ",
			 cases[i].section, cases[i].key, cases[i].value);
		snprintf(allowed, sizeof(allowed), "%s", cases[i].allowed);
		expect_error(text, where, allowed, NULL);
	}
}

static void test_malformed_numbers_are_rejected(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "12abc", "nan", "inf", "-inf", "1 2", "0x", "." };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], want[128];
		snprintf(text, sizeof(text), "[run]\nduration_s = %s\n", bad[i]);
		snprintf(want, sizeof(want), "[run] duration_s = \"%s\": not a number; allowed: 0.001",
			 bad[i]);
		expect_error(text, "s.ini:2:", want, NULL);
	}
}

static void test_malformed_integers_are_rejected(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "1.5", "+3", "3x", "0x10", " " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[host]\naddresses = %s\n", bad[i]);
		expect_error(text, "s.ini:2: [host] addresses = \"", "not a whole number; allowed: 1 to 256",
			     NULL);
	}
}

static void test_unknown_strategy_lists_the_registry(void **state)
{
	(void)state;
	expect_error("[run]\n\n[host]\nstrategy = bsd\n",
		     "s.ini:4: [host] strategy = \"bsd\": unknown strategy; allowed: sequential, rfc6056-1, ",
		     "linux-bind", "windows",
		     NULL);
}

static void test_misspelt_strategy_suggests_the_closest(void **state)
{
	(void)state;
	expect_error("[host]\nstrategy = linx\n",
		     "s.ini:2: [host] strategy = \"linx\": unknown strategy; did you mean \"linux\"? allowed: ",
		     NULL);
}

static void test_bad_enum_value_lists_the_values(void **state)
{
	(void)state;
	expect_error("[workload.w]\nmode = listen\n",
		     "s.ini:2: [workload.w] mode = \"listen\": unknown value; allowed: connect, bind0, bind-no-port, udp",
		     NULL);
	expect_error("[workload.w]\narrival = poison\n",
		     "unknown value; did you mean \"poisson\"? allowed: constant, poisson", NULL);
	expect_error("[host]\ntw_reuse = 3\n", "s.ini:2: [host] tw_reuse = \"3\": unknown value; allowed: 0, 1, 2",
		     NULL);
}

static void test_bad_boolean_lists_the_spellings(void **state)
{
	(void)state;
	expect_error("[host]\ndescending = maybe\n",
		     "s.ini:2: [host] descending = \"maybe\": not a boolean; allowed: true, false, yes, no, on, off, 1, 0",
		     NULL);
}

static void test_bad_port_range_is_rejected(void **state)
{
	(void)state;
	expect_error("[host]\nport_range = 60000-50000\n",
		     "s.ini:2: [host] port_range = \"60000-50000\": low end above high end; allowed: LO-HI", NULL);
	expect_error("[host]\nport_range = 0-100\n", "port_range = \"0-100\": not a range of ports; allowed: ",
		     NULL);
	expect_error("[host]\nport_range = 1000\n", "not a range of ports", NULL);
	expect_error("[host]\nport_range = 1000-70000\n", "not a range of ports", NULL);
}

static void test_bad_reserved_port_entry_is_named(void **state)
{
	(void)state;
	expect_error("[host]\nreserved_ports = 50000,7x,50010\n",
		     "s.ini:2: [host] reserved_ports = \"50000,7x,50010\": bad entry \"7x\"; allowed: ",
		     NULL);
	expect_error("[host]\nreserved_ports = 50000,\n", "bad entry \"\"", NULL);
	expect_error("[host]\nreserved_ports = 70000\n", "bad entry \"70000\"", NULL);
	expect_error("[host]\nreserved_ports = 50020-50010\n", "range 50020-50010 runs backwards", NULL);
}

static void test_bad_closer_is_rejected(void **state)
{
	(void)state;
	expect_error("[workload.w]\ncloser = both\n",
		     "s.ini:2: [workload.w] closer = \"both\": neither client, server nor a probability; allowed: client, server, or a probability",
		     NULL);
}

static void test_unknown_key_suggests_the_closest(void **state)
{
	(void)state;
	expect_error("[run]\n\n[host]\ntime_wiat_s = 30\n",
		     "s.ini:4: [host] time_wiat_s: unknown key; did you mean \"time_wait_s\"? allowed: profile, strategy, bind_strategy, ",
		     "first_port", NULL);
}

static void test_unknown_key_far_from_every_key_has_no_suggestion(void **state)
{
	(void)state;
	expect_error("[workload.w]\ncolour = blue\n",
		     "s.ini:2: [workload.w] colour: unknown key; allowed: arrival, rate_per_s, ", NULL);
}

static void test_unknown_section_lists_the_sections(void **state)
{
	(void)state;
	expect_error("[run]\n[frobnicate]\n",
		     "s.ini:2: [frobnicate]: unknown section; allowed: [run], [host], [nat], [workload.NAME]", NULL);
}

static void test_misspelt_section_suggests_the_closest(void **state)
{
	(void)state;
	expect_error("[run]\n[hots]\n",
		     "s.ini:2: [hots]: unknown section; did you mean \"[host]\"? allowed: [run], [host], [nat], [workload.NAME]",
		     NULL);
	expect_error("[workloads.web]\n", "did you mean \"[workload.web]\"?", NULL);
}

static void test_bad_population_name_is_rejected(void **state)
{
	(void)state;
	expect_error("[workload.a b]\n", "s.ini:1: [workload.a b]: bad population name; allowed: [workload.NAME]",
		     NULL);
	expect_error("[workload]\n", "s.ini:1: [workload]: bad population name", NULL);
	expect_error("[workload.0123456789012345678901234567890123456789012345678901234567890123]\n",
		     "bad population name", NULL);
}

static void test_too_many_populations_is_an_error(void **state)
{
	(void)state;
	char text[64 * (PS_MAX_POPULATIONS + 1)];
	size_t len = 0;
	for (int i = 0; i <= PS_MAX_POPULATIONS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "[workload.p%d]\n", i);
	char where[64];
	snprintf(where, sizeof(where), "s.ini:%d: [workload.p%d]: too many populations",
		 PS_MAX_POPULATIONS + 1, PS_MAX_POPULATIONS);
	expect_error(text, where, "allowed: at most 32", NULL);
}

static void test_key_outside_any_section_is_an_error(void **state)
{
	(void)state;
	expect_error("# head\nduration_s = 5\n[run]\n",
		     "s.ini:2: duration_s = \"5\": key outside any section; allowed: put it under [run]",
		     NULL);
	expect_error("mode = udp\n", "s.ini:1: mode = \"udp\": key outside any section; allowed: put it under [workload.NAME]",
		     NULL);
}

static void test_malformed_line_is_an_error(void **state)
{
	(void)state;
	expect_error("[run]\nduration_s 5\n", "s.ini:2: \"duration_s 5\": malformed line; allowed: ", NULL);
	expect_error("[run]\n= 5\n", "s.ini:2: \"= 5\": malformed line", NULL);
	expect_error("[run\n", "s.ini:1: \"[run\": malformed section header; allowed: ", NULL);
}

static void test_duplicate_key_names_both_lines(void **state)
{
	(void)state;
	expect_error("[host]\ntime_wait_s = 60\n[run]\n[host]\ntime_wait_s = 30\n",
		     "s.ini:5: [host] time_wait_s = \"30\": set twice (first set on line 2)", NULL);
}

static void test_same_key_in_two_populations_is_not_a_duplicate(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[workload.a]\nrate_per_s = 1\n[workload.b]\nrate_per_s = 2\n", err), 0);
}

/* Regression: an empty value once scanned on into the next lines and cut them at a comment. */
static void test_empty_value_keeps_every_later_key(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"[workload.c]\ndestination_list =\ncloser = server\nkeepalive = true\n",
		"[workload.c]\ndestination_list =\ncloser = server   # the server closes\n"
		"keepalive = true ; pooled\n",
		"[workload.c]\r\ndestination_list =\r\ncloser = server # x\r\nkeepalive = true\r\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct ps_scenario sc;
		char err[PS_ERR_MAX];
		if (parse(&sc, texts[i], err))
			fail_msg("%s", err);
		assert_int_equal(sc.npop, 1);
		assert_string_equal(sc.pop[0].destination_list, "");
		assert_true(sc.pop[0].client_closes == 0.0);
		assert_true(sc.pop[0].keepalive);
	}
}

static void test_empty_value_is_an_error_for_a_key_that_needs_one(void **state)
{
	(void)state;
	/* At the end of the text, without a newline: the reader must stop at the end. */
	expect_error("[run]\nseed =", "s.ini:2: [run] seed = \"\": not a whole number; allowed: 0 to ", NULL);
	expect_error("[workload.w]\ncloser =\nmode = udp\n",
		     "s.ini:2: [workload.w] closer = \"\": neither client, server nor a probability", NULL);
}

static void test_empty_value_gives_a_list_or_file_key_its_default(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[workload.w]\ntrace_file = t.csv\n", err), 0);
	assert_int_equal(ps_scenario_parse(&sc, "t.ini", "[workload.w]\ntrace_file =", err, sizeof(err)), 0);
	assert_string_equal(sc.pop[0].trace_file, "");
	assert_int_equal(parse(&sc, "[host]\nreserved_ports = # none\n[run]\nseed = 4\n", err), 0);
	assert_false(reserved(&sc, 50000));
	assert_true(sc.seed == 4);
}

static void test_unterminated_quote_is_an_error(void **state)
{
	(void)state;
	expect_error("[workload.w]\ntrace_file = \"a.csv\n",
		     "s.ini:2: \"trace_file = \"a.csv\": malformed quoted value; allowed: ", NULL);
}

static void test_byte_order_mark_at_the_top_is_ignored(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "\xEF\xBB\xBF[run]\nseed = 9\n", err), 0);
	assert_true(sc.seed == 9);
}

static void test_failed_parse_leaves_scenario_unchanged(void **state)
{
	(void)state;
	struct ps_scenario sc, before;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, ps_scenario_default_ini, err), 0);
	memcpy(&before, &sc, sizeof(sc));
	assert_int_equal(ps_scenario_parse(&sc, "t.ini", "[host]\ntime_wait_s = 1\n[workload.new]\nbogus = 1\n",
					   err, sizeof(err)),
			 -1);
	assert_memory_equal(&sc, &before, sizeof(sc));
}

static void test_error_is_truncated_to_the_buffer(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[24];
	memset(err, 'x', sizeof(err));
	ps_scenario_defaults(&sc);
	assert_int_equal(ps_scenario_parse(&sc, "a-rather-long-file-name.ini", "[host]\nstrategy = bsd\n",
					   err, 16),
			 -1);
	assert_int_equal(strlen(err), 15);
	assert_int_equal(err[16], 'x');
}

static void test_set_overrides_a_file_value(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, ps_scenario_default_ini, err), 0);
	assert_int_equal(ps_scenario_set(&sc, "host.time_wait_s=30", err, sizeof(err)), 0);
	assert_int_equal(ps_scenario_set(&sc, "workload.client.rate_per_s = 50", err, sizeof(err)), 0);
	assert_true(sc.time_wait_s == 30);
	assert_true(sc.pop[0].rate_per_s == 50);
	assert_int_equal(sc.npop, 1);
}

static void test_set_creates_a_population(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, ps_scenario_default_ini, err), 0);
	assert_int_equal(ps_scenario_set(&sc, "workload.batch.mode=bind0", err, sizeof(err)), 0);
	assert_int_equal(sc.npop, 2);
	assert_string_equal(sc.pop[1].name, "batch");
	assert_int_equal(sc.pop[1].mode, PS_MODE_BIND0);
	assert_true(sc.pop[1].rate_per_s == 100);
}

static void test_set_out_of_range_names_the_assignment(void **state)
{
	(void)state;
	expect_set_error("host.time_wait_s=-1",
			 "--set host.time_wait_s=-1: out of range; allowed: 0 to 3600 (seconds)");
}

static void test_set_unknown_key_suggests_the_closest(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	ps_scenario_defaults(&sc);
	assert_int_equal(ps_scenario_set(&sc, "run.sead=3", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--set run.sead=3: unknown key; did you mean \"seed\"? allowed: duration_s, seed, sample_interval_s"));
}

static void test_set_malformed_assignment_shows_the_expected_form(void **state)
{
	(void)state;
	expect_set_error("xyz", "--set \"xyz\": expected section.key=value (e.g. host.strategy=linux)");
	expect_set_error("strategy=linux",
			 "--set \"strategy=linux\": expected section.key=value (e.g. host.strategy=linux)");
	expect_set_error("host.=1", "--set \"host.=1\": expected section.key=value (e.g. host.strategy=linux)");
}

static void test_set_failure_creates_no_population(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	ps_scenario_defaults(&sc);
	assert_int_equal(ps_scenario_set(&sc, "workload.x.rate_per_s=-5", err, sizeof(err)), -1);
	assert_int_equal(sc.npop, 0);
}

static void test_load_names_the_scenario_after_the_file_stem(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *path = pst_path(dir, "exhaust.v2.ini");
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(pst_write_file(path, ps_scenario_default_ini), 0);
	ps_scenario_defaults(&sc);
	assert_int_equal(ps_scenario_load(&sc, path, err, sizeof(err)), 0);
	assert_string_equal(sc.name, "exhaust.v2");
	assert_int_equal(sc.npop, 1);
	free(path);
	pst_rmtree(dir);
	free(dir);
}

/* Writes text to bad.ini, loads it, and expects an error of the file's path then after_path. */
static void expect_load_error(const char *text, const char *after_path)
{
	char *dir = pst_tmpdir();
	char *path = pst_path(dir, "bad.ini");
	struct ps_scenario sc;
	char err[PS_ERR_MAX], want[PS_ERR_MAX];
	assert_int_equal(pst_write_file(path, text), 0);
	ps_scenario_defaults(&sc);
	assert_int_equal(ps_scenario_load(&sc, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s%s", path, after_path);
	assert_non_null(strstr(err, want));
	free(path);
	pst_rmtree(dir);
	free(dir);
}

static void test_load_errors_carry_the_path_and_line(void **state)
{
	(void)state;
	expect_load_error("[run]\nseed = x\n", ":2: [run] seed = \"x\": not a whole number");
}

/* Regression: this file was read past its end (the value scan ran beyond the buffer). */
static void test_load_reads_an_empty_value_at_end_of_file(void **state)
{
	(void)state;
	expect_load_error("[run]\nseed =", ":2: [run] seed = \"\": not a whole number");
}

static void test_load_missing_file_says_why(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	ps_scenario_defaults(&sc);
	assert_int_equal(ps_scenario_load(&sc, "/nonexistent/x.ini", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/x.ini: cannot read: No such file or directory");
}

static void test_load_rejects_files_over_one_mebibyte(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	char *path = pst_path(dir, "big.ini");
	size_t n = 1024 * 1024 + 1;
	char *text = malloc(n + 1);
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	memset(text, '\n', n);
	text[n] = '\0';
	assert_int_equal(pst_write_file(path, text), 0);
	ps_scenario_defaults(&sc);
	assert_int_equal(ps_scenario_load(&sc, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too big"));
	assert_non_null(strstr(err, path));
	free(text);
	free(path);
	pst_rmtree(dir);
	free(dir);
}

static void test_validate_wants_a_population(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	ps_scenario_defaults(&sc);
	assert_int_equal(ps_scenario_validate(&sc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "default: no [workload.NAME] section: a scenario needs at least one population of clients"));
}

static void test_validate_rejects_sample_interval_longer_than_run(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[run]\nduration_s = 5\nsample_interval_s = 10\n[workload.w]\n", err), 0);
	assert_int_equal(ps_scenario_validate(&sc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "default: [run] sample_interval_s = 10 is longer than duration_s = 5"));
	assert_non_null(strstr(err, "shorten sample_interval_s"));
}

static void test_validate_rejects_a_fully_reserved_range(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[host]\nport_range = 50000-50010\nreserved_ports = 49000-50005,50006-50010\n"
				    "[workload.w]\n", err),
			 0);
	assert_int_equal(ps_scenario_validate(&sc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reserves every port of port_range 50000-50010"));
	assert_int_equal(ps_scenario_set(&sc, "host.reserved_ports=50000-50009", err, sizeof(err)), 0);
	assert_int_equal(ps_scenario_validate(&sc, err, sizeof(err)), 0);
}

static void test_validate_rejects_a_population_starting_after_the_run(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[run]\nduration_s = 100\n[workload.late]\nstart_s = 100\n", err), 0);
	assert_int_equal(ps_scenario_validate(&sc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[workload.late] start_s = 100 is not before [run] duration_s = 100"));
	assert_non_null(strstr(err, "lower start_s or raise duration_s"));
}

static const char busy_ini[] =
	"[run]\nduration_s = 33.3\nseed = 18446744073709551615\nsample_interval_s = 0.1\n"
	"[host]\nstrategy = sequential\nport_range = 1-65535\n"
	"reserved_ports = 1,3,5-9,1000-2000,65535\ntime_wait_s = 0.123456789012345\n"
	"addresses = 256\nunique = port\ntw_reuse = 1\ntw_reuse_delay_ms = 1e-0\n"
	"descending = on\nfirst_port = 65535\n"
	"[workload.a-1]\narrival = constant\nrate_per_s = 0.000001\nduration = lognormal\n"
	"duration_s = 0.30000000000000004\nduration_sigma = 2.5\ndestinations = 1000000\n"
	"closer = 0.1\nmode = udp\nstart_s = 12.5\n"
	"[workload.b_2]\ncloser = server\nmode = bind-no-port\n"
	"[workload.c]\ncloser = 1e-300\nrate_per_s = 10000000\n";

/* Formats sc and parses the text back into fresh defaults. */
static void round_trip(const struct ps_scenario *sc, struct ps_scenario *back)
{
	char err[PS_ERR_MAX];
	size_t need = ps_scenario_format(sc, NULL, 0);
	char *text = malloc(need + 1);
	assert_int_equal(ps_scenario_format(sc, text, need + 1), need);
	assert_int_equal(strlen(text), need);
	ps_scenario_defaults(back);
	if (ps_scenario_parse(back, "formatted", text, err, sizeof(err)))
		fail_msg("%s\n%s", err, text);
	free(text);
	/* The formatted text spells every key, so all of them come back as set by the user. */
	memcpy(back->explicit_keys, sc->explicit_keys, sizeof(back->explicit_keys));
	/* Where each value was read (file and line) is the text's, not the scenario's. */
	memcpy(back->origin, sc->origin, sizeof(back->origin));
	memcpy(back->key_line, sc->key_line, sizeof(back->key_line));
}

static void test_format_round_trips_the_default_scenario(void **state)
{
	(void)state;
	struct ps_scenario sc, back;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, ps_scenario_default_ini, err), 0);
	round_trip(&sc, &back);
	assert_memory_equal(&sc, &back, sizeof(sc));
}

static void test_format_round_trips_every_key(void **state)
{
	(void)state;
	struct ps_scenario sc, back;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, busy_ini, err), 0);
	round_trip(&sc, &back);
	assert_memory_equal(&sc, &back, sizeof(sc));
}

static void test_format_writes_every_key_and_compact_ranges(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX], text[8192];
	assert_int_equal(parse(&sc, busy_ini, err), 0);
	memcpy(sc.name, "busy", 5);
	assert_true(ps_scenario_format(&sc, text, sizeof(text)) < sizeof(text));
	assert_true(strncmp(text, "# portsim scenario \"busy\", fully resolved\n", 42) == 0);
	assert_non_null(strstr(text, "reserved_ports = 1,3,5-9,1000-2000,65535\n"));
	assert_non_null(strstr(text, "time_wait_s = 0.123456789012345\n"));
	assert_non_null(strstr(text, "seed = 18446744073709551615\n"));
	assert_non_null(strstr(text, "closer = server\n"));
	assert_non_null(strstr(text, "closer = 0.1\n"));
	assert_non_null(strstr(text, "descending = true\n"));
	assert_non_null(strstr(text, "\n[workload.b_2]\narrival = poisson\n"));
	assert_non_null(strstr(text, "rate_per_s = 10000000\n"));
}

static void test_format_of_defaults_writes_an_empty_list_without_trailing_space(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char text[4096];
	ps_scenario_defaults(&sc);
	ps_scenario_format(&sc, text, sizeof(text));
	assert_non_null(strstr(text, "\nreserved_ports =\n"));
	assert_null(strstr(text, " \n"));
}

static void test_format_truncates_like_snprintf(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX], small[32], full[4096];
	assert_int_equal(parse(&sc, ps_scenario_default_ini, err), 0);
	size_t need = ps_scenario_format(&sc, full, sizeof(full));
	assert_int_equal(ps_scenario_format(&sc, small, sizeof(small)), need);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
}

static void test_quoted_file_name_keeps_its_hash_and_writes_back_quoted(void **state)
{
	(void)state;
	struct ps_scenario sc, back;
	char err[PS_ERR_MAX], text[8192];
	assert_int_equal(parse(&sc, "[workload.w]\ntrace_file = \"runs #3.csv\"  # quoted\n", err), 0);
	assert_string_equal(sc.pop[0].trace_file, "runs #3.csv");
	ps_scenario_format(&sc, text, sizeof(text));
	assert_non_null(strstr(text, "\ntrace_file = \"runs #3.csv\"\n"));
	round_trip(&sc, &back);
	assert_memory_equal(&sc, &back, sizeof(sc));
}

static void test_profile_sets_every_host_key_the_file_leaves_alone(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[host]\nprofile = macos\n", err), 0);
	assert_int_equal(sc.lo, 49152);
	assert_true(sc.time_wait_s == 30.0);
	assert_int_equal(sc.unique, PS_UNIQUE_PORT);
	assert_string_equal(sc.strategy, "xnu");
	assert_string_equal(ps_scenario_strategy_for(&sc, PS_MODE_UDP), "xnu");
	assert_int_equal(parse(&sc, "[host]\nprofile = linux\n", err), 0);
	assert_int_equal(sc.lo, 32768);
	assert_int_equal(sc.hi, 60999);
	assert_string_equal(ps_scenario_strategy_for(&sc, PS_MODE_CONNECT), "linux");
	assert_string_equal(ps_scenario_strategy_for(&sc, PS_MODE_BIND0), "linux-bind");
	assert_string_equal(ps_scenario_strategy_for(&sc, PS_MODE_UDP), "linux-udp");
	assert_string_equal(ps_scenario_strategy_for(&sc, PS_MODE_BIND_NO_PORT), "linux");
}

static void test_explicit_key_beats_profile_before_or_after_it(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[host]\nport_range = 49152-65535\nprofile = linux\ntime_wait_s = 5\n", err), 0);
	assert_int_equal(sc.lo, 49152);
	assert_true(sc.time_wait_s == 5.0);
	assert_string_equal(sc.strategy, "linux");
	/* A profile given later on the command line still leaves the file's own keys alone. */
	assert_int_equal(ps_scenario_set(&sc, "host.profile=ns3", err, sizeof(err)), 0);
	assert_int_equal(sc.lo, 49152);
	assert_true(sc.time_wait_s == 5.0);
	assert_string_equal(sc.strategy, "sequential");
	assert_int_equal(sc.params.first_port, 49153);
	assert_int_equal(sc.unique, PS_UNIQUE_PORT);
}

static void test_no_profile_keeps_the_iana_pool(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[host]\nstrategy = freebsd\n", err), 0);
	assert_string_equal(sc.profile, "none");
	assert_int_equal(sc.lo, 49152);
	assert_int_equal(sc.hi, 65535);
	assert_string_equal(ps_scenario_strategy_for(&sc, PS_MODE_BIND0), "freebsd");
}

static void test_unknown_profile_lists_the_profiles(void **state)
{
	(void)state;
	expect_error("[host]\nprofile = solaris\n",
		     "s.ini:2: [host] profile = \"solaris\": unknown profile; allowed: none, linux, freebsd, macos, "
		     "openbsd, netbsd, windows, ns3, rfc6056",
		     NULL);
	expect_error("[host]\nprofile = linx\n", "did you mean \"linux\"?", NULL);
}

static void test_every_profile_setting_is_a_valid_host_value(void **state)
{
	(void)state;
	for (size_t i = 0; i < ps_profiles_len; i++) {
		struct ps_scenario sc;
		char err[PS_ERR_MAX], text[128];
		snprintf(text, sizeof(text), "[host]\nprofile = %s\n[workload.c]\nrate_per_s = 1\n",
			 ps_profiles[i].name);
		if (parse(&sc, text, err) != 0 || ps_scenario_validate(&sc, err, sizeof(err)) != 0)
			fail_msg("profile %s: %s", ps_profiles[i].name, err);
		/* Each setting took: format the scenario and find every key = value pair. */
		char out[8192];
		ps_scenario_format(&sc, out, sizeof(out));
		for (const char *const *kv = ps_profiles[i].settings; kv[0]; kv += 2) {
			char want[128];
			snprintf(want, sizeof(want), "\n%s = %s\n", kv[0], kv[1]);
			if (!strstr(out, want))
				fail_msg("profile %s: \"%s = %s\" not applied", ps_profiles[i].name, kv[0], kv[1]);
		}
	}
}

static void test_non_power_of_two_table_is_rejected(void **state)
{
	(void)state;
	struct ps_scenario sc;
	char err[PS_ERR_MAX];
	assert_int_equal(parse(&sc, "[host]\nperturb_table_size = 1000\n[workload.c]\nrate_per_s = 1\n", err), 0);
	assert_int_equal(ps_scenario_validate(&sc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "perturb_table_size = 1000: not a power of two"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_have_no_population_and_default_host),
		cmocka_unit_test(test_default_ini_gives_documented_values),
		cmocka_unit_test(test_default_ini_validates),
		cmocka_unit_test(test_default_ini_exhausts_faster_than_time_wait_refills),
		cmocka_unit_test(test_new_population_starts_from_schema_defaults),
		cmocka_unit_test(test_populations_keep_order_of_first_appearance),
		cmocka_unit_test(test_comments_blank_lines_and_whitespace_are_ignored),
		cmocka_unit_test(test_every_host_key_parses),
		cmocka_unit_test(test_every_boolean_spelling_is_accepted),
		cmocka_unit_test(test_reserved_ports_fill_the_bitmap),
		cmocka_unit_test(test_empty_reserved_ports_clears_the_bitmap),
		cmocka_unit_test(test_closer_takes_client_server_or_probability),
		cmocka_unit_test(test_lognormal_workload_parses),
		cmocka_unit_test(test_seed_takes_the_full_64_bit_range),
		cmocka_unit_test(test_out_of_range_number_shows_range_and_unit),
		cmocka_unit_test(test_out_of_range_for_every_numeric_key),
		cmocka_unit_test(test_malformed_numbers_are_rejected),
		cmocka_unit_test(test_malformed_integers_are_rejected),
		cmocka_unit_test(test_unknown_strategy_lists_the_registry),
		cmocka_unit_test(test_misspelt_strategy_suggests_the_closest),
		cmocka_unit_test(test_bad_enum_value_lists_the_values),
		cmocka_unit_test(test_bad_boolean_lists_the_spellings),
		cmocka_unit_test(test_bad_port_range_is_rejected),
		cmocka_unit_test(test_bad_reserved_port_entry_is_named),
		cmocka_unit_test(test_bad_closer_is_rejected),
		cmocka_unit_test(test_unknown_key_suggests_the_closest),
		cmocka_unit_test(test_unknown_key_far_from_every_key_has_no_suggestion),
		cmocka_unit_test(test_unknown_section_lists_the_sections),
		cmocka_unit_test(test_misspelt_section_suggests_the_closest),
		cmocka_unit_test(test_bad_population_name_is_rejected),
		cmocka_unit_test(test_too_many_populations_is_an_error),
		cmocka_unit_test(test_key_outside_any_section_is_an_error),
		cmocka_unit_test(test_malformed_line_is_an_error),
		cmocka_unit_test(test_duplicate_key_names_both_lines),
		cmocka_unit_test(test_same_key_in_two_populations_is_not_a_duplicate),
		cmocka_unit_test(test_empty_value_keeps_every_later_key),
		cmocka_unit_test(test_empty_value_is_an_error_for_a_key_that_needs_one),
		cmocka_unit_test(test_empty_value_gives_a_list_or_file_key_its_default),
		cmocka_unit_test(test_unterminated_quote_is_an_error),
		cmocka_unit_test(test_byte_order_mark_at_the_top_is_ignored),
		cmocka_unit_test(test_failed_parse_leaves_scenario_unchanged),
		cmocka_unit_test(test_error_is_truncated_to_the_buffer),
		cmocka_unit_test(test_set_overrides_a_file_value),
		cmocka_unit_test(test_set_creates_a_population),
		cmocka_unit_test(test_set_out_of_range_names_the_assignment),
		cmocka_unit_test(test_set_unknown_key_suggests_the_closest),
		cmocka_unit_test(test_set_malformed_assignment_shows_the_expected_form),
		cmocka_unit_test(test_set_failure_creates_no_population),
		cmocka_unit_test(test_load_names_the_scenario_after_the_file_stem),
		cmocka_unit_test(test_load_errors_carry_the_path_and_line),
		cmocka_unit_test(test_load_reads_an_empty_value_at_end_of_file),
		cmocka_unit_test(test_load_missing_file_says_why),
		cmocka_unit_test(test_load_rejects_files_over_one_mebibyte),
		cmocka_unit_test(test_validate_wants_a_population),
		cmocka_unit_test(test_validate_rejects_sample_interval_longer_than_run),
		cmocka_unit_test(test_validate_rejects_a_fully_reserved_range),
		cmocka_unit_test(test_validate_rejects_a_population_starting_after_the_run),
		cmocka_unit_test(test_format_round_trips_the_default_scenario),
		cmocka_unit_test(test_format_round_trips_every_key),
		cmocka_unit_test(test_format_writes_every_key_and_compact_ranges),
		cmocka_unit_test(test_format_of_defaults_writes_an_empty_list_without_trailing_space),
		cmocka_unit_test(test_format_truncates_like_snprintf),
		cmocka_unit_test(test_quoted_file_name_keeps_its_hash_and_writes_back_quoted),
		cmocka_unit_test(test_profile_sets_every_host_key_the_file_leaves_alone),
		cmocka_unit_test(test_explicit_key_beats_profile_before_or_after_it),
		cmocka_unit_test(test_no_profile_keeps_the_iana_pool),
		cmocka_unit_test(test_unknown_profile_lists_the_profiles),
		cmocka_unit_test(test_every_profile_setting_is_a_valid_host_value),
		cmocka_unit_test(test_non_power_of_two_table_is_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
