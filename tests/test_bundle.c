/*
 * A run's folder repeats the run: the scenario.ini written beside the
 * outputs, run again from another directory, gives the same outputs, byte
 * for byte (wall_s aside), for every curated scenario and for scenarios
 * that read data files, which are copied into the folder as data-NAME.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

#define SCENARIO_DIR PORTSIM_SOURCE_DIR "/scenarios"

static void run_ok(const char *const *argv)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, argv);
	if (rc != 0) {
		char line[1024] = "";
		for (const char *const *a = argv; *a; a++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", *a);
		fail_msg("portsim%s: exit %d\n%s", line, rc, out);
	}
	free(out);
}

/* summary.csv with its last column, wall_s, cut from every line: the one output that measures the machine. */
static void drop_wall(char *text)
{
	char *w = text;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		char *end = nl ? nl : line + strlen(line);
		char *comma = end;
		while (comma > line && *comma != ',')
			comma--;
		size_t keep = (size_t)(comma > line ? comma - line : end - line);
		memmove(w, line, keep);
		w += keep;
		if (nl)
			*w++ = '\n';
		line = nl ? nl + 1 : end;
	}
	*w = '\0';
}

/* Fails unless trees a and b hold the same files with the same bytes; returns how many files. */
static size_t same_tree(const char *a, const char *b)
{
	size_t n, m, files = 0;
	char **names = pst_list_dir(a, &n), **theirs = pst_list_dir(b, &m);
	if (!names || !theirs)
		fail_msg("cannot list %s or %s", a, b);
	if (m != n)
		fail_msg("%s holds %zu entries, %s %zu", b, m, a, n);
	for (size_t i = 0; i < n; i++) {
		char *pa = pst_path(a, names[i]), *pb = pst_path(b, names[i]);
		struct stat st;
		assert_int_equal(stat(pa, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			files += same_tree(pa, pb);
		} else {
			size_t la, lb;
			char *ta = pst_read_file(pa, &la), *tb = pst_read_file(pb, &lb);
			if (!tb)
				fail_msg("%s has no %s", b, names[i]);
			if (!strcmp(names[i], "summary.csv")) {
				drop_wall(ta);
				drop_wall(tb);
				la = strlen(ta);
				lb = strlen(tb);
			}
			/* The MANIFEST records the command, whose scenario path differs by design; and
			 * summary.csv's size in it moves with wall_s. The files it lists must match. */
			bool manifest = !strcmp(names[i], "MANIFEST");
			if (!manifest && (la != lb || memcmp(ta, tb, la)))
				fail_msg("%s and %s differ", pa, pb);
			free(ta);
			free(tb);
			files++;
		}
		free(pa);
		free(pb);
	}
	pst_free_list(names);
	pst_free_list(theirs);
	return files;
}

static void test_every_curated_scenario_repeats_from_its_scenario_ini(void **state)
{
	(void)state;
	char *root = pst_tmpdir(), *elsewhere = pst_path(root, "elsewhere");
	assert_int_equal(mkdir(elsewhere, 0700), 0);
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	size_t count, n = 0;
	char **names = pst_list_dir(SCENARIO_DIR, &count);
	assert_non_null(names);
	for (size_t i = 0; i < count; i++) {
		const char *name = names[i];
		size_t len = strlen(name);
		if (len <= 4 || strcmp(name + len - 4, ".ini"))
			continue;
		char *src = pst_path(SCENARIO_DIR, name);
		char *first = pst_path(root, name), *again = pst_path(elsewhere, name);
		char *ini = pst_path(first, "scenario.ini");
		/* Ten simulated seconds show every writer at work and keep the test short. */
		run_ok((const char *[]){ "run", src, "--duration", "10", "--events", "--ports", "--quiet", "--out", first,
					 NULL });
		assert_int_equal(chdir(elsewhere), 0);
		run_ok((const char *[]){ "run", ini, "--events", "--ports", "--quiet", "--out", name, NULL });
		assert_int_equal(chdir(cwd), 0);
		assert_true(same_tree(first, again) >= 5);
		free(src);
		free(first);
		free(again);
		free(ini);
		n++;
	}
	pst_free_list(names);
	assert_true(n >= 12);
	pst_rmtree(root);
	free(root);
	free(elsewhere);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = pst_path(dir, name);
	assert_int_equal(pst_write_file(p, text), 0);
	free(p);
}

static void make_dir(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
}

static void expect_file(const char *dir, const char *name, const char *text)
{
	char *p = pst_path(dir, name);
	char *got = pst_read_file(p, NULL);
	if (!got)
		fail_msg("%s is missing", p);
	assert_string_equal(got, text);
	free(got);
	free(p);
}

static void test_data_files_travel_with_the_outputs(void **state)
{
	(void)state;
	static const char trace[] = "t_s,dst\n0.1,0\n0.2,10.0.0.9:80\n0.5,1\n";
	static const char other[] = "t_s,dst,duration_s\n0.3,0,0.1\n";
	static const char durations[] = "0.5\n1.5\n# a comment\n2\n";
	char *root = pst_tmpdir();
	make_dir(root, "in");
	make_dir(root, "in/sub");
	make_dir(root, "in/sub/traces");
	make_dir(root, "in/other");
	write_file(root, "in/sub/traces/t.csv", trace);
	write_file(root, "in/other/t.csv", other);
	write_file(root, "in/d.txt", durations);
	/* Two populations share one trace, a third has another of the same name; paths go up and down. */
	write_file(root, "in/sub/s.ini",
		   "[run]\nduration_s = 5\n"
		   "[workload.a]\narrival = replay\ntrace_file = traces/t.csv\ndestinations = 2\n"
		   "duration = empirical\nduration_file = ../d.txt\n"
		   "[workload.b]\narrival = replay\ntrace_file = traces/t.csv\ndestinations = 2\n"
		   "[workload.c]\narrival = replay\ntrace_file = ../other/t.csv\n");
	char *ini = pst_path(root, "in/sub/s.ini"), *out = pst_path(root, "out"), *again = pst_path(root, "again");
	run_ok((const char *[]){ "run", ini, "--events", "--quiet", "--out", out, NULL });
	expect_file(out, "data-t.csv", trace);
	expect_file(out, "data-t-2.csv", other);
	expect_file(out, "data-d.txt", durations);
	char *written = pst_path(out, "scenario.ini");
	char *text = pst_read_file(written, NULL);
	assert_non_null(strstr(text, "[workload.a]\narrival = replay"));
	assert_non_null(strstr(text, "trace_file = data-t.csv\n"));
	assert_non_null(strstr(text, "duration_file = data-d.txt\n"));
	assert_non_null(strstr(text, "trace_file = data-t-2.csv\n"));
	assert_null(strstr(text, root));
	assert_non_null(strstr(text, "\nname = s\n"));
	free(text);

	/* From anywhere else, and after the folder moved: the same outputs and the same folder. */
	char *moved = pst_path(root, "moved"), *moved_ini = pst_path(moved, "scenario.ini");
	assert_int_equal(rename(out, moved), 0);
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(root), 0);
	run_ok((const char *[]){ "run", moved_ini, "--events", "--quiet", "--out", "again", NULL });
	assert_int_equal(chdir(cwd), 0);
	assert_true(same_tree(moved, again) >= 6);

	/* Into its own folder: the copies are their own sources, and stay as they were. */
	run_ok((const char *[]){ "run", moved_ini, "--events", "--quiet", "--out", moved, NULL });
	assert_true(same_tree(moved, again) >= 6);

	free(written);
	free(moved_ini);
	free(moved);
	free(again);
	free(ini);
	free(out);
	pst_rmtree(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_curated_scenario_repeats_from_its_scenario_ini),
		cmocka_unit_test(test_data_files_travel_with_the_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
