/*
 * -j N changes how long compare and capacity take, never what they say:
 * every file they write and everything they print is the same for -j 1,
 * -j 2 and -j 3, for the rate search, the sweep and --solve alike.
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

#include "support.h"

/* Poisson arrivals to two destinations: replications differ, and the pool of 500 ports fills. */
static const char scenario_ini[] =
	"[run]\nduration_s = 20\nseed = 5\n"
	"[host]\nport_range = 50000-50499\ntime_wait_s = 10\n"
	"[workload.c]\narrival = poisson\nrate_per_s = 60\nduration = exponential\nduration_s = 0.5\n"
	"closer = client\ndestinations = 2\n";

/* 50 ports per address and about 100 held: a few addresses are needed. */
static const char solve_ini[] =
	"[run]\nduration_s = 30\nseed = 9\n"
	"[host]\nport_range = 50000-50049\ntime_wait_s = 10\n"
	"[workload.c]\narrival = poisson\nrate_per_s = 10\nduration = fixed\nduration_s = 0.1\n"
	"closer = client\n";

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of dir, by name: "NAME\n" and its bytes, one after the other (malloc'd). */
static char *contents(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	char *names[32];
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		assert_true(n < 32);
		names[n] = strdup(e->d_name);
		assert_non_null(names[n++]);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	size_t len = 0;
	char *all = strdup("");
	assert_non_null(all);
	for (size_t i = 0; i < n; i++) {
		char *p = pst_path(dir, names[i]);
		size_t flen;
		char *text = pst_read_file(p, &flen);
		assert_non_null(text);
		size_t nlen = strlen(names[i]);
		all = realloc(all, len + nlen + 1 + flen + 1);
		assert_non_null(all);
		memcpy(all + len, names[i], nlen);
		all[len + nlen] = '\n';
		memcpy(all + len + nlen + 1, text, flen);
		len += nlen + 1 + flen;
		all[len] = '\0';
		free(text);
		free(p);
		free(names[i]);
	}
	return all;
}

/* Runs portsim args... -j jobs --out DIR/out (a fresh directory); its output and its files. */
static void run(const char *dir, const char *const *args, const char *jobs, char **printed, char **files)
{
	const char *argv[24];
	size_t n = 0;
	char *out = pst_path(dir, "out");
	pst_rmtree(out);
	for (; args[n]; n++)
		argv[n] = args[n];
	argv[n++] = "-j";
	argv[n++] = jobs;
	argv[n++] = "--out";
	argv[n++] = out;
	argv[n] = NULL;
	int rc = pst_run_cli(printed, argv);
	if (rc != 0)
		fail_msg("portsim %s ... -j %s: exit %d\n%s", args[0], jobs, rc, *printed);
	*files = contents(out);
	free(out);
}

/* The command gives the same output and files with every -j of jobs (NULL-terminated). */
static void same_for_every_jobs(const char *const *args, const char *const *jobs)
{
	char *dir = pst_tmpdir(), *printed, *files;
	run(dir, args, jobs[0], &printed, &files);
	/* More than a header: rows of numbers. */
	assert_true(strlen(files) > 80);
	for (const char *const *j = jobs + 1; *j; j++) {
		char *p, *f;
		run(dir, args, *j, &p, &f);
		if (strcmp(p, printed) != 0)
			fail_msg("portsim %s: -j %s prints\n%s\n-j %s printed\n%s", args[0], *j, p, jobs[0], printed);
		if (strcmp(f, files) != 0)
			fail_msg("portsim %s: -j %s writes other files than -j %s:\n%s\n---\n%s", args[0], *j, jobs[0],
				 f, files);
		free(p);
		free(f);
	}
	free(printed);
	free(files);
	pst_rmtree(dir);
	free(dir);
}

/* A command on a scenario and the -j values to give it; "INI" in args stands for the scenario's file. */
struct jobs_case {
	const char *ini;
	const char *args[10];
	const char *jobs[4];
};

static void same_for_every_case(const struct jobs_case *cases, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		char *dir = pst_tmpdir(), *path = pst_path(dir, "s.ini");
		assert_int_equal(pst_write_file(path, cases[c].ini), 0);
		const char *args[10];
		for (size_t i = 0; i < 10; i++)
			args[i] = cases[c].args[i] && !strcmp(cases[c].args[i], "INI") ? path : cases[c].args[i];
		same_for_every_jobs(args, cases[c].jobs);
		pst_rmtree(dir);
		free(dir);
		free(path);
	}
}

static void test_compare(void **state)
{
	(void)state;
	static const struct jobs_case cases[] = {
		{ scenario_ini, { "compare", "INI", "-s", "linux,sequential,rfc6056-2,freebsd", "-n", "2" }, { "1", "2" } },
		{ scenario_ini, { "compare", "INI", "-s", "linux,xnu", "-n", "5" }, { "1", "3", "2" } },
	};
	same_for_every_case(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_capacity_search_sweep_and_solve(void **state)
{
	(void)state;
	static const struct jobs_case cases[] = {
		{ scenario_ini, { "capacity", "INI", "-n", "2" }, { "1", "2" } },
		{ scenario_ini, { "capacity", "INI", "-n", "5", "--max-failure", "0.01" }, { "1", "3" } },
		{ scenario_ini, { "capacity", "INI", "--sweep", "rate=20:80:15", "-n", "2" }, { "1", "2" } },
		{ scenario_ini, { "capacity", "INI", "--sweep", "rate=30:60:30", "-n", "5" }, { "1", "3" } },
		{ solve_ini, { "capacity", "INI", "--solve", "host.addresses", "-n", "2" }, { "1", "2" } },
		{ solve_ini, { "capacity", "INI", "--solve", "host.addresses", "-n", "5" }, { "1", "3" } },
	};
	same_for_every_case(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_bad_jobs_exit_2_naming_the_value(void **state)
{
	(void)state;
	char *out = NULL;
	assert_int_equal(pst_run_cli(&out, (const char *[]){ "compare", "-j", "0", NULL }), 2);
	assert_non_null(strstr(out, "--jobs \"0\": allowed: a whole number from 1 to 1024"));
	free(out);
	setenv("PORTSIM_JOBS", "many", 1);
	assert_int_equal(pst_run_cli(&out, (const char *[]){ "capacity", "--out", "/nonexistent/x", NULL }), 2);
	assert_string_equal(out, "portsim: capacity: environment PORTSIM_JOBS = \"many\": allowed: a whole "
				 "number from 1 to 1024\n");
	free(out);
	unsetenv("PORTSIM_JOBS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_capacity_search_sweep_and_solve),
		cmocka_unit_test(test_bad_jobs_exit_2_naming_the_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
