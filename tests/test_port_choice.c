/* Per-socket port ranges (IP_LOCAL_PORT_RANGE) and the user-space workarounds, under the linux strategy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/run.h"
#include "support.h"

/* Long connections to one destination from 40000-40099, with the population's choice appended. */
static void run_choice(const char *choice, unsigned count, char *dir_out, size_t size)
{
	char *dir = pst_tmpdir();
	char ini[512], path[256];
	snprintf(ini, sizeof(ini),
		 "[run]\nduration_s = %u\n[host]\nstrategy = linux\nport_range = 40000-40099\nprobe_ns = 0\n"
		 "[workload.c]\narrival = constant\nrate_per_s = 1\nduration = fixed\nduration_s = 100000\n%s\n",
		 count, choice);
	snprintf(path, sizeof(path), "%s/s.ini", dir);
	assert_int_equal(pst_write_file(path, ini), 0);
	char out[300];
	snprintf(out, sizeof(out), "%s/out", dir);
	char *log = NULL;
	int rc = pst_run_cli(&log, (const char *[]){ "run", path, "--events", "--quiet", "--out", out, NULL });
	if (rc != 0)
		fail_msg("portsim run: %s", log);
	free(log);
	snprintf(dir_out, size, "%s", dir);
	free(dir);
}

/* The source ports of the open rows of events.csv, in order; returns how many. */
static unsigned open_ports(const char *dir, unsigned *ports, unsigned max)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/out/events.csv", dir);
	char *text = pst_read_file(path, NULL);
	assert_non_null(text);
	unsigned n = 0;
	for (char *line = strchr(text, '\n'); line && n < max; line = strchr(line + 1, '\n')) {
		char ev[16];
		unsigned port;
		if (sscanf(line + 1, "%*[^,],%*[^,],%15[^,],%*[^,],%u", ev, &port) == 2 && !strcmp(ev, "open"))
			ports[n++] = port;
	}
	free(text);
	return n;
}

static void test_the_default_search_takes_every_even_port_before_an_odd_one(void **state)
{
	(void)state;
	char dir[256];
	unsigned ports[100];
	run_choice("", 60, dir, sizeof(dir));
	unsigned n = open_ports(dir, ports, 60);
	assert_int_equal(n, 60);
	for (unsigned i = 0; i < 50; i++)
		assert_int_equal(ports[i] % 2, 0);
	for (unsigned i = 50; i < 60; i++)
		assert_int_equal(ports[i] % 2, 1);
	pst_rmtree(dir);
}

static void test_a_socket_range_has_no_parity_split_and_intersects_the_host_range(void **state)
{
	(void)state;
	char dir[256];
	unsigned ports[100];
	/* 40050-40999 meets 40000-40099 in 40050-40099: 50 ports, both parities from the start. */
	run_choice("port_choice = socket-range\nsocket_port_range = 40050-40999", 50, dir, sizeof(dir));
	unsigned n = open_ports(dir, ports, 100), odd = 0;
	assert_int_equal(n, 50);
	for (unsigned i = 0; i < n; i++) {
		assert_true(ports[i] >= 40050 && ports[i] <= 40099);
		odd += ports[i] % 2;
	}
	assert_int_equal(odd, 25);
	/* Within the first 20 both parities already appear. */
	unsigned odd20 = 0;
	for (unsigned i = 0; i < 20; i++)
		odd20 += ports[i] % 2;
	assert_true(odd20 > 0 && odd20 < 20);
	pst_rmtree(dir);
}

static void test_a_narrow_window_stays_inside_the_range(void **state)
{
	(void)state;
	char dir[256];
	unsigned ports[100];
	run_choice("port_choice = narrow-range\nnarrow_width = 10", 40, dir, sizeof(dir));
	unsigned n = open_ports(dir, ports, 100);
	assert_true(n > 0);
	for (unsigned i = 0; i < n; i++)
		assert_true(ports[i] >= 40000 && ports[i] <= 40099);
	pst_rmtree(dir);
}

static void test_bind_retry_gives_up_after_its_tries(void **state)
{
	(void)state;
	struct ps_run_result res;
	/* One port, two tries each: once the port is held, every attempt examines 2 candidates and fails. */
	pst_run_ini("[run]\nduration_s = 5\n[host]\nstrategy = linux\nport_range = 40000-40000\n"
		    "[workload.c]\narrival = constant\nrate_per_s = 1\nduration = fixed\nduration_s = 100\n"
		    "port_choice = bind-retry\nbind_tries = 2\n",
		    &res);
	assert_int_equal(res.m.successes, 1);
	assert_int_equal(res.m.failures, 4);
	assert_int_equal(res.m.probes_max, 2);
	ps_run_result_fini(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_default_search_takes_every_even_port_before_an_odd_one),
		cmocka_unit_test(test_a_socket_range_has_no_parity_split_and_intersects_the_host_range),
		cmocka_unit_test(test_a_narrow_window_stays_inside_the_range),
		cmocka_unit_test(test_bind_retry_gives_up_after_its_tries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
