/*
 * `portsim snapshot` as a user runs it: from saved dumps, its outputs
 * (snapshot.csv, a scenario that `portsim check` accepts), --port, and the
 * project's rules for bad input: exit 2, one line naming the file, the line
 * and the value, and nothing written (not even the --out folder).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"
#include "snapshot_support.h"

#define DATA PORTSIM_SOURCE_DIR "/tests/data/snapshot/"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Runs portsim with argv; checks the exit status and that each of want is in the output. */
static char *expect(int status, const char *const *argv, const char *const *want)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, argv);
	if (rc != status)
		fail_msg("exit %d, expected %d:\n%s", rc, status, out);
	for (size_t i = 0; want && want[i]; i++)
		if (!strstr(out, want[i]))
			fail_msg("no \"%s\" in:\n%s", want[i], out);
	return out;
}

static void test_bad_dump_exits_2_naming_the_line_and_writes_nothing(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *dump = pst_path(dir, "ss.txt"), *out = pst_path(dir, "new"),
	     *ini = pst_path(dir, "s.ini");
	assert_int_equal(pst_write_file(dump, "ESTAB 0 0 10.0.0.1:40000 1.2.3.4:80\nESTAB 0 0 10.0.0.1:4x 1.2.3.4:80\n"), 0);
	free(expect(2, (const char *const[]){ "snapshot", dump, "--out", out, "--scenario", ini, NULL },
		    (const char *const[]){ "ss.txt:2:", "\"4x\"", "allowed", NULL }));
	assert_false(exists(out));
	assert_false(exists(ini));
	free(expect(2, (const char *const[]){ "snapshot", "/nonexistent/dump.txt", "--out", out, NULL },
		    (const char *const[]){ "/nonexistent/dump.txt", NULL }));
	assert_false(exists(out));
	free(dump);
	free(out);
	free(ini);
	pst_rmtree(dir);
	free(dir);
}

static void test_bad_options_exit_2(void **state)
{
	(void)state;
	const char *ss = DATA "ss-tan.txt";
	free(expect(2, (const char *const[]){ "snapshot", ss, "--range", "60000-1000", NULL },
		    (const char *const[]){ "--range \"60000-1000\"", "allowed", NULL }));
	free(expect(2, (const char *const[]){ "snapshot", ss, "--reserved", "1-2-3", NULL },
		    (const char *const[]){ "--reserved", NULL }));
	free(expect(2, (const char *const[]){ "snapshot", ss, "--interval", "0", NULL },
		    (const char *const[]){ "--interval \"0\"", "0.1 to 3600", NULL }));
	free(expect(2, (const char *const[]){ "snapshot", ss, "--port", "70000", NULL },
		    (const char *const[]){ "--port", NULL }));
	free(expect(2, (const char *const[]){ "snapshot", ss, ss, NULL }, (const char *const[]){ "--interval", NULL }));
	free(expect(2, (const char *const[]){ "snapshot", ss, "--interval", "5", NULL },
		    (const char *const[]){ "second dump", NULL }));
	free(expect(2, (const char *const[]){ "snapshot", ss, "--format", "csv", NULL },
		    (const char *const[]){ "powershell", NULL }));
	free(expect(2, (const char *const[]){ "snapshot", ss, "--os", "plan9", NULL },
		    (const char *const[]){ "\"plan9\"", "macos", NULL }));
	free(expect(2, (const char *const[]){ "snapshot", "--fly", NULL },
		    (const char *const[]){ "unknown option \"--fly\"", NULL }));
	free(expect(0, (const char *const[]){ "snapshot", "--help", NULL },
		    (const char *const[]){ "--interval", "--scenario", "--port", "Get-NetTCPConnection", NULL }));
}

static void test_dump_gives_csv_and_a_scenario_portsim_check_accepts(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *ini = pst_path(dir, "host.ini");
	free(expect(0, (const char *const[]){ "snapshot", DATA "ss-tan.txt", "--out", dir, "--scenario", ini, NULL },
		    (const char *const[]){ "93.184.216.34:443", "tightest first", "[2001:db8::1]:443", NULL }));
	struct pst_csv c;
	pst_csv_load(&c, dir);
	assert_int_equal(pst_csv_get(&c, "destination", "10.0.0.5", "93.184.216.34:443", "in_use"), 8);
	assert_int_equal(pst_csv_get(&c, "destination", "10.0.0.5", "93.184.216.34:443", "time_wait"), 4);
	assert_int_equal(pst_csv_get(&c, "host", "", "", "usable"), 28232);
	assert_true(pst_csv_get(&c, "destination", "10.0.0.5", "93.184.216.34:443", "rate_from_time_wait_per_s") > 0);
	pst_csv_free(&c);
	char *text = pst_read_file(ini, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "# Measured: "));
	assert_non_null(strstr(text, "[workload.to_93_184_216_34_443]"));
	free(text);
	free(expect(0, (const char *const[]){ "check", ini, NULL }, (const char *const[]){ "profile = linux", NULL }));
	free(ini);
	pst_rmtree(dir);
	free(dir);
}

static void test_two_dumps_an_interval_apart_give_rates(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *a = pst_path(dir, "a.txt"), *b = pst_path(dir, "b.txt");
	assert_int_equal(pst_write_file(a, "ESTAB 0 0 10.0.0.5:40000 10.9.0.1:443\n"), 0);
	assert_int_equal(pst_write_file(b, "TIME-WAIT 0 0 10.0.0.5:40000 10.9.0.1:443\n"
					   "ESTAB 0 0 10.0.0.5:40001 10.9.0.1:443\n"
					   "TIME-WAIT 0 0 10.0.0.5:40002 10.9.0.1:443\n"), 0);
	free(expect(0, (const char *const[]){ "snapshot", a, b, "--interval", "4", "--range", "40000-40009", "--out",
					      dir, NULL },
		    (const char *const[]){ "2 readings 4 s apart", "runs out", NULL }));
	struct pst_csv c;
	pst_csv_load(&c, dir);
	assert_true(pst_csv_get(&c, "destination", "10.0.0.5", "10.9.0.1:443", "rate_per_s") == 0.5);
	assert_true(pst_csv_get(&c, "destination", "10.0.0.5", "10.9.0.1:443", "growth_per_s") == 0.5);
	assert_true(pst_csv_get(&c, "destination", "10.0.0.5", "10.9.0.1:443", "exhaust_s") == 14);
	assert_true(pst_csv_get(&c, "host", "", "", "interval_s") == 4);
	pst_csv_free(&c);
	free(a);
	free(b);
	pst_rmtree(dir);
	free(dir);
}

static void test_port_names_state_destination_and_process(void **state)
{
	(void)state;
	char *dir = pst_tmpdir();
	free(expect(0, (const char *const[]){ "snapshot", DATA "windows-netstat-ano.txt", "--port", "50123", "--out", dir,
					      NULL },
		    (const char *const[]){ "port 50123: 1 socket", "192.168.1.5:50123 -> 52.1.2.3:443  ESTABLISHED  pid 5678",
					   NULL }));
	char *path = pst_path(dir, "snapshot.csv"), *csv = pst_read_file(path, NULL);
	assert_non_null(strstr(csv, "\nport,192.168.1.5:50123,52.1.2.3:443,state,ESTABLISHED\n"));
	assert_non_null(strstr(csv, "\nport,192.168.1.5:50123,52.1.2.3:443,pid,5678\n"));
	free(csv);
	free(path);
	pst_rmtree(dir);
	free(dir);
}

static void test_live_reading_needs_no_privilege(void **state)
{
	(void)state;
	if (access("/proc/net/tcp", R_OK) != 0) {
		print_message("SKIP: no /proc/net/tcp: not Linux\n");
		skip();
	}
	char *dir = pst_tmpdir();
	free(expect(0, (const char *const[]){ "snapshot", "--out", dir, "--quiet", NULL }, NULL));
	struct pst_csv c;
	pst_csv_load(&c, dir);
	assert_true(pst_csv_get(&c, "host", "", "", "range_lo") >= 1);
	assert_true(pst_csv_get(&c, "host", "", "", "readings") == 1);
	pst_csv_free(&c);
	pst_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_dump_exits_2_naming_the_line_and_writes_nothing),
		cmocka_unit_test(test_bad_options_exit_2),
		cmocka_unit_test(test_dump_gives_csv_and_a_scenario_portsim_check_accepts),
		cmocka_unit_test(test_two_dumps_an_interval_apart_give_rates),
		cmocka_unit_test(test_port_names_state_destination_and_process),
		cmocka_unit_test(test_live_reading_needs_no_privilege),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
