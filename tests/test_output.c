/*
 * Output folders: staged, published with their MANIFEST last, checked against it; events.csv.gz;
 * and the estimate a long run announces. The faults (signals, full disk) are tests/test_faults.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "portsim/csv.h"
#include "portsim/manifest.h"
#include "portsim/output.h"
#include "portsim/run.h"
#include "support.h"

/* Writes one small file named name into dir through ps_csv (staged when dir is declared). */
static void write_csv(const char *dir, const char *name, const char *row)
{
	struct ps_csv c;
	assert_int_equal(ps_csv_open(&c, dir, name, "a,b"), 0);
	fprintf(c.f, "%s\n", row);
	assert_int_equal(ps_csv_commit(&c), 0);
}

/* Declares dir, writes the named files, publishes. */
static void publish(const char *dir, const char *command, const char *const *names)
{
	assert_int_equal(ps_output_begin(dir, command), 0);
	for (; *names; names++)
		write_csv(dir, *names, "1,2");
	char err[PS_ERR_MAX];
	if (ps_output_commit(err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* The folder's state, with err when not complete. */
static int state_of(const char *dir, struct ps_manifest *m, char *err, size_t size)
{
	err[0] = '\0';
	return ps_manifest_read(dir, m, err, size);
}

static void test_manifest_text_round_trips(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *p = pst_path(dir, "M");
	struct ps_manifest m = { 0 }, back = { 0 };
	m.command = strdup("portsim run 'a b.ini' --events");
	assert_int_equal(ps_manifest_add(&m, "events.csv", 5782943), 0);
	assert_int_equal(ps_manifest_add(&m, "summary.csv", 363), 0);
	assert_int_equal(ps_manifest_write(p, &m), 0);
	char *text = pst_read_file(p, NULL), err[256];
	assert_non_null(strstr(text, "portsim-manifest 1\ncommand portsim run 'a b.ini' --events\n"
				     "file 5782943 events.csv\nfile 363 summary.csv\nend 2\n"));
	assert_int_equal(ps_manifest_parse(text, &back, err, sizeof(err)), 0);
	assert_string_equal(back.command, m.command);
	assert_int_equal(back.nfiles, 2);
	assert_true(back.files[0].bytes == 5782943);
	assert_true(ps_manifest_lists(&back, "summary.csv"));
	assert_false(ps_manifest_lists(&back, "MANIFEST"));
	ps_manifest_fini(&back);
	/* A cut or foreign manifest is refused: it was not written whole by portsim. */
	static const char *const bad[] = {
		"portsim-manifest 1\ncommand x\nfile 1 a.csv\n",          /* no end line */
		"portsim-manifest 1\ncommand x\nfile 1 a.csv\nend 2\n",   /* wrong count */
		"portsim-manifest 1\ncommand x\nfile 1 ../a.csv\nend 1\n", /* outside the folder */
		"hello\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ps_manifest_parse(bad[i], &back, err, sizeof(err)), -1);
		ps_manifest_fini(&back);
	}
	free(text);
	ps_manifest_fini(&m);
	free(p);
	pst_rmtree(dir);
	free(dir);
}

static void test_a_folder_is_complete_only_as_its_manifest_says(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), err[PS_ERR_MAX];
	struct ps_manifest m;
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_MISSING);
	ps_manifest_fini(&m);
	/* A staging folder without a MANIFEST: a command writing, or one that was stopped. */
	char *stage = pst_path(dir, PS_STAGING_PREFIX "1");
	assert_int_equal(mkdir(stage, 0777), 0);
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_INCOMPLETE);
	assert_non_null(strstr(err, "INCOMPLETE"));
	ps_manifest_fini(&m);
	rmdir(stage);
	publish(dir, "portsim test", (const char *const[]){ "a.csv", "b.csv", NULL });
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_COMPLETE);
	assert_string_equal(m.command, "portsim test");
	assert_true(ps_manifest_lists(&m, "a.csv") && ps_manifest_lists(&m, "b.csv"));
	ps_manifest_fini(&m);
	/* A listed file that changed or went: not the result the manifest describes. */
	char *a = pst_path(dir, "a.csv");
	FILE *f = fopen(a, "a");
	fputs("3,4\n", f);
	fclose(f);
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_INCOMPLETE);
	assert_non_null(strstr(err, "a.csv"));
	ps_manifest_fini(&m);
	unlink(a);
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_INCOMPLETE);
	assert_non_null(strstr(err, "missing"));
	ps_manifest_fini(&m);
	char *mp = pst_path(dir, PS_MANIFEST_NAME);
	assert_int_equal(pst_write_file(mp, "not a manifest\n"), 0);
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_UNREADABLE);
	ps_manifest_fini(&m);
	free(mp);
	free(a);
	free(stage);
	pst_rmtree(dir);
	free(dir);
}

static void test_nothing_is_created_before_the_first_file(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *top = pst_path(dir, "a"), *out = pst_path(top, "b");
	/* Declared, then refused before writing: no folder at all. */
	assert_int_equal(ps_output_begin(out, "portsim test"), 0);
	assert_false(pst_exists(dir, "a"));
	ps_output_abort();
	assert_false(pst_exists(dir, "a"));
	/* The first file makes the folders; a failure after it removes the ones it made. */
	assert_int_equal(ps_output_begin(out, "portsim test"), 0);
	write_csv(out, "x.csv", "1,2");
	assert_true(pst_exists(dir, "a/b"));
	assert_false(pst_exists(out, "x.csv"));
	assert_true(ps_output_staged());
	ps_output_abort();
	assert_false(pst_exists(dir, "a"));
	free(out);
	free(top);
	pst_rmtree(dir);
	free(dir);
}

static void test_publishing_replaces_only_what_the_old_manifest_lists(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), err[PS_ERR_MAX];
	char *notes = pst_path(dir, "notes.txt");
	assert_int_equal(pst_write_file(notes, "mine\n"), 0);
	publish(dir, "portsim first", (const char *const[]){ "a.csv", "events.csv", NULL });
	assert_true(pst_exists(dir, "events.csv"));
	/* Until it is published, the earlier set stands untouched beside the staged one. */
	assert_int_equal(ps_output_begin(dir, "portsim second"), 0);
	write_csv(dir, "a.csv", "5,6");
	assert_true(pst_exists(dir, "events.csv"));
	struct ps_manifest m;
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_COMPLETE);
	assert_string_equal(m.command, "portsim first");
	ps_manifest_fini(&m);
	assert_int_equal(ps_output_commit(err, sizeof(err)), 0);
	assert_false(pst_exists(dir, "events.csv"));
	assert_true(pst_exists(dir, "notes.txt"));
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_COMPLETE);
	assert_string_equal(m.command, "portsim second");
	assert_int_equal(m.nfiles, 1);
	ps_manifest_fini(&m);
	char *a = pst_path(dir, "a.csv"), *text = pst_read_file(a, NULL);
	assert_string_equal(text, "a,b\n5,6\n");
	free(text);
	free(a);
	/* No staging folder is left. */
	char stage[64];
	snprintf(stage, sizeof(stage), PS_STAGING_PREFIX "%ld", (long)getpid());
	assert_false(pst_exists(dir, stage));
	free(notes);
	pst_rmtree(dir);
	free(dir);
}

/* A staging folder nobody holds, older than a minute, is a killed command's: the next publication removes it. */
static void test_abandoned_staging_folders_go_at_the_next_publication(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), err[PS_ERR_MAX];
	char *dead = pst_path(dir, PS_STAGING_PREFIX "999999999"), *held = pst_path(dir, PS_STAGING_PREFIX "999999998");
	assert_int_equal(mkdir(dead, 0777), 0);
	assert_int_equal(mkdir(held, 0777), 0);
	char *leftover = pst_path(dead, "events.csv.tmp");
	assert_int_equal(pst_write_file(leftover, "half"), 0);
	struct timespec old[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };
	assert_int_equal(utimensat(AT_FDCWD, dead, old, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, held, old, 0), 0);
	/* A live command holds its folder's lock. */
	int fd = open(held, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	publish(dir, "portsim test", (const char *const[]){ "a.csv", NULL });
	assert_int_not_equal(access(dead, F_OK), 0);
	assert_int_equal(access(held, F_OK), 0);
	close(fd);
	struct ps_manifest m;
	assert_int_equal(state_of(dir, &m, err, sizeof(err)), PS_MANIFEST_COMPLETE);
	ps_manifest_fini(&m);
	free(leftover);
	free(dead);
	free(held);
	pst_rmtree(dir);
	free(dir);
}

/* The whole of a gzip file, decompressed. */
static char *gunzip(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	assert_non_null(gz);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	int r;
	while ((r = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	assert_true(r == 0);
	gzclose(gz);
	*len = n;
	return buf;
}

static void test_events_gz_holds_the_bytes_of_events_csv(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *plain = pst_path(dir, "plain"), *gz = pst_path(dir, "gz"), *gz2 = pst_path(dir, "gz2");
	char *out = NULL;
	const char *argv[] = { "run", "--duration", "30", "--seed", "3", "--quiet", NULL, NULL, "--out", NULL, NULL };
	const struct {
		const char *flag, *dir;
	} runs[] = { { "--events", plain }, { "--events-gz", gz }, { "--events-gz", gz2 } };
	for (int i = 0; i < 3; i++) {
		argv[6] = runs[i].flag;
		argv[7] = "--ports";
		argv[9] = runs[i].dir;
		if (pst_run_cli(&out, argv) != 0)
			fail_msg("%s", out);
		free(out);
	}
	assert_false(pst_exists(gz, "events.csv"));
	char *p = pst_path(plain, "events.csv"), *q = pst_path(gz, "events.csv.gz"), *q2 = pst_path(gz2, "events.csv.gz");
	size_t n, m, n1, n2;
	char *want = pst_read_file(p, &n), *got = gunzip(q, &m);
	assert_true(n > 10000);
	assert_int_equal(n, m);
	assert_memory_equal(want, got, n);
	/* Deterministic: no time, no name in the header; the same run gives the same bytes. */
	char *z1 = pst_read_file(q, &n1), *z2 = pst_read_file(q2, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(z1, z2, n1);
	assert_int_equal((unsigned char)z1[3], 0);                 /* FLG: no name, no comment */
	assert_memory_equal(z1 + 4, "\0\0\0\0", 4);                /* MTIME 0 */
	/* And the gzip program agrees, when there is one. */
	if (system("command -v gzip >/dev/null 2>&1") == 0) {
		char cmd[1024];
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s' | cmp -s - '%s'", q, p);
		assert_int_equal(system(cmd), 0);
	}
	struct ps_manifest man;
	char err[PS_ERR_MAX];
	assert_int_equal(state_of(gz, &man, err, sizeof(err)), PS_MANIFEST_COMPLETE);
	assert_true(ps_manifest_lists(&man, "events.csv.gz"));
	ps_manifest_fini(&man);
	free(z1);
	free(z2);
	free(want);
	free(got);
	free(p);
	free(q);
	free(q2);
	free(plain);
	free(gz);
	free(gz2);
	pst_rmtree(dir);
	free(dir);
}

static void test_the_estimate_follows_rates_and_duration(void **state)
{
	(void)state;
	struct ps_scenario *sc = pst_scenario("[run]\nduration_s = 100\n"
					      "[workload.a]\nrate_per_s = 400\n"
					      "[workload.b]\narrival = onoff\nrate_per_s = 100\non_s = 1\noff_s = 3\n");
	struct ps_run_estimate e;
	ps_run_estimate(sc, &e);
	/* 400 x 100 + 100 x 1/4 x 100 */
	assert_true(e.attempts > 42499 && e.attempts < 42501);
	assert_true(e.events > 3 * 42499 && e.events < 3 * 42501);
	/* About 1.5 GB for ten million connections with --events: tens of bytes per row. */
	assert_true(e.events_bytes / e.events > 40 && e.events_bytes / e.events < 80);
	free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_text_round_trips),
		cmocka_unit_test(test_a_folder_is_complete_only_as_its_manifest_says),
		cmocka_unit_test(test_nothing_is_created_before_the_first_file),
		cmocka_unit_test(test_publishing_replaces_only_what_the_old_manifest_lists),
		cmocka_unit_test(test_abandoned_staging_folders_go_at_the_next_publication),
		cmocka_unit_test(test_events_gz_holds_the_bytes_of_events_csv),
		cmocka_unit_test(test_the_estimate_follows_rates_and_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
