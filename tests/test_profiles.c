/*
 * Each profile's exhaustion point: connections that never close, to one
 * destination and to three. Systems that test the 4-tuple give every
 * destination the whole range; systems that test the port alone give the
 * range once, whatever the number of destinations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "portsim/run.h"
#include "portsim/scenario.h"
#include "support.h"

struct expectation {
	const char *profile;
	const char *extra;   /* more [host] lines */
	uint64_t ports;      /* usable ports in the profile's range */
	int per_destination; /* 4-tuple: each destination gets them all */
};

/* Successes among `attempts` connect() calls that never close, spread over k destinations. */
static uint64_t successes(const struct expectation *e, unsigned k, uint64_t attempts)
{
	char text[1024];
	double rate = 10000;
	snprintf(text, sizeof(text),
		 "[run]\nduration_s = %.6f\nsample_interval_s = 0.001\n[host]\nprofile = %s\n%s\n"
		 "[workload.c]\narrival = constant\nrate_per_s = %.0f\nduration = fixed\nduration_s = 1000000\n"
		 "destinations = %u\n",
		 ((double)attempts - 0.5) / rate, e->profile, e->extra, rate, k);
	struct ps_run_result res;
	pst_run_ini(text, &res);
	assert_int_equal(res.m.attempts, attempts);
	uint64_t s = res.m.successes;
	ps_run_result_fini(&res);
	return s;
}

static void check(const struct expectation *e)
{
	for (unsigned k = 1; k <= 3; k += 2) {
		uint64_t want = e->per_destination ? e->ports * k : e->ports;
		/* Destinations are drawn at random: offer enough that each one fills up. */
		uint64_t got = successes(e, k, want + (k == 1 ? 100 : 3000));
		if (got != want)
			fail_msg("profile %s %s, %u destination(s): %llu connections before exhaustion, expected %llu",
				 e->profile, e->extra, k, (unsigned long long)got, (unsigned long long)want);
	}
}

static void test_linux_gives_each_destination_the_whole_range(void **state)
{
	(void)state;
	check(&(struct expectation){ "linux", "", 28232, 1 });
	check(&(struct expectation){ "linux", "port_range = 49152-65535", 16384, 1 });
}

static void test_freebsd_gives_each_destination_the_whole_range(void **state)
{
	(void)state;
	check(&(struct expectation){ "freebsd", "port_range = 40000-49999", 10000, 1 });
}

static void test_rfc6056_gives_each_destination_the_whole_range(void **state)
{
	(void)state;
	check(&(struct expectation){ "rfc6056", "port_range = 40000-49999", 10000, 1 });
}

static void test_macos_gives_16384_ports_in_total(void **state)
{
	(void)state;
	check(&(struct expectation){ "macos", "", 16384, 0 });
}

static void test_port_level_systems_give_the_range_once(void **state)
{
	(void)state;
	check(&(struct expectation){ "netbsd", "", 16384, 0 });
	check(&(struct expectation){ "windows", "", 16384, 0 });
	check(&(struct expectation){ "ns3", "", 16384, 0 });
}

static void test_openbsd_gives_its_range_less_the_bad_ports(void **state)
{
	(void)state;
	/* 40000-49151 holds no baddynamic port (they all lie below 40000). */
	check(&(struct expectation){ "openbsd", "port_range = 40000-49151", 9152, 0 });
}

/* ns-3's server is a TcpSocketBase too: it holds TIME_WAIT for 2 x MaxSegLifetime = 240 s, as the client does. */
static void test_ns3_server_time_wait_is_2_msl(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[host]\nprofile = ns3\n[workload.c]\n");
	assert_true(sc->time_wait_s == 240);
	assert_true(sc->peer_time_wait_s == 240);
	free(sc);
	sc = pst_scenario("[host]\nprofile = linux\n[workload.c]\n");
	assert_true(sc->peer_time_wait_s == 60);
	free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_gives_each_destination_the_whole_range),
		cmocka_unit_test(test_freebsd_gives_each_destination_the_whole_range),
		cmocka_unit_test(test_rfc6056_gives_each_destination_the_whole_range),
		cmocka_unit_test(test_macos_gives_16384_ports_in_total),
		cmocka_unit_test(test_port_level_systems_give_the_range_once),
		cmocka_unit_test(test_openbsd_gives_its_range_less_the_bad_ports),
		cmocka_unit_test(test_ns3_server_time_wait_is_2_msl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
