/*
 * Faults, played on the built binary: a signal in the middle of a long run, a full disk, an
 * unwritable folder, a reused folder, a killed `portsim kernel`. After each, the output folder is
 * either the complete earlier set, consistent with its MANIFEST, or the complete new one: never a
 * mix, never a file that looks finished and is not, never a temporary left behind.
 *
 * The disk cases mount a small tmpfs, in a mount namespace of this test's own so nothing shows
 * outside it; they need root and are skipped with the reason without it.
 */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "portsim/kernel.h"
#include "portsim/manifest.h"
#include "support.h"

/* A staging folder's path inside dir (malloc'd), or NULL. */
static char *staging_in(const char *dir)
{
	DIR *d = opendir(dir);
	char *found = NULL;
	struct dirent *e;
	while (d && !found && (e = readdir(d)))
		if (!strncmp(e->d_name, PS_STAGING_PREFIX, strlen(PS_STAGING_PREFIX)))
			found = pst_path(dir, e->d_name);
	if (d)
		closedir(d);
	return found;
}

/* Waits up to 20 s until a staging folder in dir holds name with something in it. */
static void wait_for_staged(const char *dir, const char *name)
{
	for (int i = 0; i < 2000; i++) {
		char *stage = staging_in(dir);
		if (stage) {
			char *p = pst_path(stage, name);
			struct stat st;
			bool there = stat(p, &st) == 0 && st.st_size > 0;
			free(p);
			free(stage);
			if (there)
				return;
		}
		pst_sleep_ms(10);
	}
	fail_msg("no %s staged in %s after 20 s", name, dir);
}

/* No temporary and no staging folder anywhere under dir. */
static void assert_clean(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (!strncmp(n, PS_STAGING_PREFIX, strlen(PS_STAGING_PREFIX)) || (len > 4 && !strcmp(n + len - 4, ".tmp")))
			fail_msg("%s/%s left behind", dir, n);
		char *p = pst_path(dir, n);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			assert_clean(p);
		free(p);
	}
	closedir(d);
}

/* dir is complete by its MANIFEST, made by a command holding `command`, and lists exactly `files`. */
static void assert_complete(const char *dir, const char *command, const char *const *files)
{
	struct ps_manifest m;
	char err[PS_ERR_MAX];
	int st = ps_manifest_read(dir, &m, err, sizeof(err));
	if (st != PS_MANIFEST_COMPLETE)
		fail_msg("%s", err);
	if (!strstr(m.command, command))
		fail_msg("%s was made by \"%s\", expected \"%s\"", dir, m.command, command);
	size_t n = 0;
	for (; files[n]; n++)
		if (!ps_manifest_lists(&m, files[n]))
			fail_msg("%s/MANIFEST does not list %s", dir, files[n]);
	assert_int_equal(m.nfiles, n);
	ps_manifest_fini(&m);
}

/* The log holds exactly one line, which holds needle. */
static void assert_one_line(const char *log, const char *needle)
{
	char *text = pst_read_file(log, NULL);
	assert_non_null(text);
	const char *nl = strchr(text, '\n');
	if (!nl || nl[1] != '\0' || !strstr(text, needle))
		fail_msg("expected one line holding \"%s\", got:\n%s", needle, text);
	free(text);
}

/* Runs portsim to its end with its output in log; returns the exit status. */
static int run_logged(const char *const *argv, const char *log)
{
	pid_t pid = pst_spawn_cli(argv, log);
	assert_true(pid > 0);
	int status;
	if (pst_wait(pid, 240, &status) != 0) {
		kill(pid, SIGKILL);
		fail_msg("portsim still running after 240 s");
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static const char *const run_a_files[] = { "events.csv", "timeseries.csv", "summary.csv", "scenario.ini", NULL };

/* A folder holding run A's complete set; then run B, long, stopped by sig in the middle. */
static void signal_in_the_middle(int sig, int want)
{
	char *dir = pst_tmpdir(), *out = pst_path(dir, "out"), *log = pst_path(dir, "log");
	assert_int_equal(run_logged((const char *const[]){ "run", "--duration", "20", "--events", "--quiet", "--out",
							   out, NULL }, log), 0);
	assert_complete(out, "--duration 20", run_a_files);
	char *a = pst_path(out, "events.csv"), *before = pst_read_file(a, NULL);
	pid_t pid = pst_spawn_cli((const char *const[]){ "run", "--duration", "1000000", "--events", "--ports",
							"--quiet", "--out", out, NULL }, log);
	assert_true(pid > 0);
	wait_for_staged(out, "events.csv.tmp");
	assert_int_equal(kill(pid, sig), 0);
	int status;
	if (pst_wait(pid, 30, &status) != 0) {
		kill(pid, SIGKILL);
		fail_msg("portsim did not stop within 30 s of %s", strsignal(sig));
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), want);
	assert_one_line(log, "interrupted");
	assert_one_line(log, "nothing was written");
	assert_clean(out);
	assert_complete(out, "--duration 20", run_a_files);
	assert_false(pst_exists(out, "ports.csv"));
	char *after = pst_read_file(a, NULL);
	assert_string_equal(before, after);
	free(after);
	free(before);
	free(a);
	free(log);
	free(out);
	pst_rmtree(dir);
	free(dir);
}

static void test_sigint_in_the_middle_leaves_the_earlier_set(void **state)
{
	(void)state;
	signal_in_the_middle(SIGINT, 130);
}

static void test_sigterm_in_the_middle_leaves_the_earlier_set(void **state)
{
	(void)state;
	signal_in_the_middle(SIGTERM, 143);
}

/* compare and capacity stop between (or inside) their runs, with one line and nothing written. */
static void test_analyses_stop_at_a_signal_with_one_line(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *out = pst_path(dir, "out"), *log = pst_path(dir, "log");
	static const char *const cmds[][12] = {
		{ "compare", "--duration", "3000", "-n", "100", "--quiet", "--out", NULL },
		{ "capacity", "--duration", "3000", "-n", "100", "--quiet", "--out", NULL },
	};
	for (int c = 0; c < 2; c++) {
		const char *argv[12];
		memcpy(argv, cmds[c], sizeof(argv));
		argv[7] = out;
		pid_t pid = pst_spawn_cli(argv, log);
		assert_true(pid > 0);
		pst_sleep_ms(1500);
		assert_int_equal(kill(pid, c ? SIGINT : SIGTERM), 0);
		int status;
		if (pst_wait(pid, 60, &status) != 0) {
			kill(pid, SIGKILL);
			fail_msg("portsim %s did not stop within 60 s", cmds[c][0]);
		}
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), c ? 130 : 143);
		assert_one_line(log, c ? "capacity interrupted by SIGINT" : "compare interrupted by SIGTERM");
		assert_false(pst_exists(dir, "out"));
	}
	free(log);
	free(out);
	pst_rmtree(dir);
	free(dir);
}

/* A run killed outright leaves its staging folder: the folder reads INCOMPLETE until a later run. */
static void test_a_killed_run_marks_the_folder_incomplete(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *out = pst_path(dir, "out"), *log = pst_path(dir, "log");
	pid_t pid = pst_spawn_cli((const char *const[]){ "run", "--duration", "1000000", "--events", "--quiet",
							"--out", out, NULL }, log);
	assert_true(pid > 0);
	wait_for_staged(out, "events.csv.tmp");
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(pst_wait(pid, 10, &status), 0);
	struct ps_manifest m;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_manifest_read(out, &m, err, sizeof(err)), PS_MANIFEST_INCOMPLETE);
	assert_non_null(strstr(err, "INCOMPLETE"));
	ps_manifest_fini(&m);
	assert_false(pst_exists(out, "events.csv"));
	/* Once it is old enough not to be a command starting up, the next run into the folder clears it. */
	char *stage = staging_in(out);
	struct timespec old[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };
	assert_int_equal(utimensat(AT_FDCWD, stage, old, 0), 0);
	assert_int_equal(run_logged((const char *const[]){ "run", "--duration", "5", "--quiet", "--out", out, NULL },
				    log), 0);
	assert_clean(out);
	assert_complete(out, "--duration 5", (const char *const[]){ "timeseries.csv", "summary.csv", "scenario.ini",
								  NULL });
	free(stage);
	free(log);
	free(out);
	pst_rmtree(dir);
	free(dir);
}

static void test_a_reused_folder_keeps_no_file_of_the_earlier_run(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *out = pst_path(dir, "out"), *log = pst_path(dir, "log");
	assert_int_equal(run_logged((const char *const[]){ "run", "--duration", "10", "--events", "--ports", "--quiet",
							   "--out", out, NULL }, log), 0);
	assert_true(pst_exists(out, "events.csv") && pst_exists(out, "ports.csv"));
	char *notes = pst_path(out, "notes.txt");
	assert_int_equal(pst_write_file(notes, "my own notes\n"), 0);
	assert_int_equal(run_logged((const char *const[]){ "run", "--duration", "10", "--seed", "2", "--quiet", "--out",
							   out, NULL }, log), 0);
	assert_false(pst_exists(out, "events.csv"));
	assert_false(pst_exists(out, "ports.csv"));
	/* Not portsim's: never deleted. */
	assert_true(pst_exists(out, "notes.txt"));
	assert_complete(out, "--seed 2", (const char *const[]){ "timeseries.csv", "summary.csv", "scenario.ini", NULL });
	assert_clean(out);
	free(notes);
	free(log);
	free(out);
	pst_rmtree(dir);
	free(dir);
}

/* Input found bad, at any stage before the run writes: exit 2 and no folder. */
static void test_bad_input_creates_no_folder(void **state)
{
	(void)state;
	char *dir = pst_tmpdir(), *out = pst_path(dir, "a/b"), *log = pst_path(dir, "log");
	static const char *const cmds[][12] = {
		{ "run", "--set", "workload.client.arrival=replay", "--set", "workload.client.trace_file=/nonexistent.csv",
		  "--out", NULL },
		{ "run", "--set", "workload.client.duration=empirical", "--set",
		  "workload.client.duration_file=/nonexistent.txt", "--out", NULL },
		{ "capacity", "--solve", "nat.nope", "-n", "1", "--out", NULL },
		{ "compare", "--strategies", "linux,nope", "--out", NULL },
	};
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		const char *argv[12];
		memcpy(argv, cmds[c], sizeof(argv));
		for (int i = 0; i < 12; i++)
			if (!argv[i]) {
				argv[i] = out;
				break;
			}
		assert_int_equal(run_logged(argv, log), 2);
		if (pst_exists(dir, "a"))
			fail_msg("portsim %s %s created %s", argv[0], argv[1], out);
	}
	free(log);
	free(out);
	pst_rmtree(dir);
	free(dir);
}

/* ---- the disk: a small tmpfs in a mount namespace of this process ---- */

/* Whether this process may mount; why not in why. */
static bool own_mounts(char *why, size_t size)
{
	static int done; /* 0 not tried, 1 yes, -1 no */
	static char reason[256];
	if (!done) {
		done = -1;
		if (geteuid() != 0)
			snprintf(reason, sizeof(reason), "not root: no tmpfs can be mounted");
		else if (unshare(CLONE_NEWNS) != 0)
			snprintf(reason, sizeof(reason), "no mount namespace: %s", strerror(errno));
		else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			snprintf(reason, sizeof(reason), "cannot make mounts private: %s", strerror(errno));
		else
			done = 1;
	}
	snprintf(why, size, "%s", reason);
	return done == 1;
}

/* Mounts a tmpfs of size with flags at a fresh directory (returned, malloc'd), or skips. */
static char *mount_tmpfs(unsigned long flags, const char *size)
{
	char why[256];
	if (!own_mounts(why, sizeof(why))) {
		print_message("SKIP: %s\n", why);
		skip();
	}
	char *mnt = pst_tmpdir();
	char opts[64];
	snprintf(opts, sizeof(opts), "size=%s", size);
	if (mount("tmpfs", mnt, "tmpfs", flags, opts) != 0) {
		int e = errno;
		rmdir(mnt);
		free(mnt);
		print_message("SKIP: cannot mount a tmpfs: %s\n", strerror(e));
		skip();
	}
	return mnt;
}

static void unmount(char *mnt)
{
	assert_int_equal(umount2(mnt, 0), 0);
	rmdir(mnt);
	free(mnt);
}

static void test_a_full_disk_stops_the_run_and_writes_nothing(void **state)
{
	(void)state;
	char *logdir = pst_tmpdir(), *log = pst_path(logdir, "log");
	char *mnt = mount_tmpfs(0, "1m");
	char *keep = pst_path(mnt, "keep"), *fresh = pst_path(mnt, "fresh");
	assert_int_equal(run_logged((const char *const[]){ "run", "--duration", "5", "--quiet", "--out", keep, NULL },
				    log), 0);
	static const char *const small[] = { "timeseries.csv", "summary.csv", "scenario.ini", NULL };
	assert_complete(keep, "--duration 5", small);
	/* Some 40 MB of events.csv: the disk fills within the first second of simulated traffic. */
	for (int i = 0; i < 2; i++) {
		const char *out = i ? fresh : keep;
		time_t t0 = time(NULL);
		assert_int_equal(run_logged((const char *const[]){ "run", "--duration", "3000", "--events", "--quiet",
								   "--out", out, NULL }, log), 1);
		assert_one_line(log, "No space left on device");
		assert_one_line(log, "stopped after");
		/* It stops at the first full buffer, not at the end of the 3000 s. */
		assert_true(time(NULL) - t0 < 60);
	}
	assert_complete(keep, "--duration 5", small);
	assert_clean(mnt);
	assert_false(pst_exists(mnt, "fresh"));
	free(keep);
	free(fresh);
	unmount(mnt);
	free(log);
	pst_rmtree(logdir);
	free(logdir);
}

static void test_an_unwritable_folder_fails_with_one_line(void **state)
{
	(void)state;
	char *logdir = pst_tmpdir(), *log = pst_path(logdir, "log");
	char *mnt = NULL, *ro;
	const char *reason;
	if (geteuid() == 0) {
		/* Root writes through permissions: a read-only mount is what stops it. */
		mnt = mount_tmpfs(MS_RDONLY, "1m");
		ro = strdup(mnt);
		reason = "Read-only file system";
	} else {
		ro = pst_tmpdir();
		assert_int_equal(chmod(ro, 0555), 0);
		reason = "Permission denied";
	}
	char *sub = pst_path(ro, "sub");
	const char *outs[] = { ro, sub };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(run_logged((const char *const[]){ "run", "--duration", "5", "--quiet", "--out", outs[i],
								   NULL }, log), 1);
		assert_one_line(log, reason);
	}
	assert_false(pst_exists(ro, "sub"));
	assert_false(pst_exists(ro, "summary.csv"));
	free(sub);
	if (mnt) {
		unmount(mnt);
	} else {
		chmod(ro, 0755);
		pst_rmtree(ro);
	}
	free(ro);
	free(log);
	pst_rmtree(logdir);
	free(logdir);
}

/* ---- portsim kernel: the child in the namespace lives and dies with its parent ---- */

/* A child process of parent, or 0. */
static pid_t child_of(pid_t parent)
{
	DIR *d = opendir("/proc");
	pid_t found = 0;
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		char path[300];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		char *text = pst_read_file(path, NULL);
		const char *close_paren = text ? strrchr(text, ')') : NULL;
		char st;
		int ppid;
		if (close_paren && sscanf(close_paren + 1, " %c %d", &st, &ppid) == 2 && ppid == parent)
			found = (pid_t)atoi(e->d_name);
		free(text);
	}
	if (d)
		closedir(d);
	return found;
}

/* Starts `portsim kernel` on a 20 s scenario into out; returns the parent's pid and, in *child, the replay's. */
static pid_t start_kernel(const char *out, const char *log, pid_t *child)
{
	pid_t pid = pst_spawn_cli((const char *const[]){ "kernel", "--duration", "20", "--set",
							"workload.client.rate_per_s=20", "--quiet", "--out", out, NULL },
				  log);
	assert_true(pid > 0);
	/* Playing, its first events written: the child now is the replay, not the short-lived check before it. */
	wait_for_staged(out, "events.csv.tmp");
	*child = child_of(pid);
	if (!*child)
		fail_msg("portsim kernel (pid %d) has no child while it plays", (int)pid);
	return pid;
}

/* The live kernel, held for one test; released by the teardown even when the test fails. */
struct kernel_env {
	char *dir;
	int lock;
	pid_t parent, child; /* to kill if a failing test left them */
};

static int kernel_setup(void **state)
{
	struct kernel_env *k = calloc(1, sizeof(*k));
	k->lock = -1;
	*state = k;
	return 0;
}

static int kernel_teardown(void **state)
{
	struct kernel_env *k = *state;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (k->child > 0)
		kill(k->child, SIGKILL);
	if (k->parent > 0)
		kill(k->parent, SIGKILL);
	if (k->dir) {
		pst_rmtree(k->dir);
		free(k->dir);
	}
	pst_kernel_unlock(k->lock);
	free(k);
	return 0;
}

static struct kernel_env *need_kernel(void **state)
{
	struct kernel_env *k = *state;
	char why[512];
	if (!ps_kernel_available(why, sizeof(why))) {
		print_message("SKIP: %s\n", why);
		skip();
	}
	k->lock = pst_kernel_lock();
	if (k->lock < 0) {
		print_message("SKIP: the live kernel stayed busy with another test\n");
		skip();
	}
	k->dir = pst_tmpdir();
	return k;
}

static void test_kernel_child_dies_with_a_killed_parent(void **state)
{
	struct kernel_env *k = need_kernel(state);
	char *out = pst_path(k->dir, "out"), *log = pst_path(k->dir, "log");
	/* Orphans come to this process, which can then see the child end. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid_t child, parent = start_kernel(out, log, &child);
	k->parent = parent;
	k->child = child;
	assert_int_equal(kill(parent, SIGKILL), 0);
	int status;
	assert_int_equal(pst_wait(parent, 5, &status), 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	k->parent = 0;
	if (pst_wait(child, 2, &status) != 0)
		fail_msg("the replay (pid %d) outlived its killed parent by 2 s", (int)child);
	k->child = 0;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	/* Nothing appears later: the folder never looks finished. */
	pst_sleep_ms(1000);
	assert_false(pst_exists(out, "events.csv"));
	assert_false(pst_exists(out, "summary.csv"));
	assert_false(pst_exists(out, PS_MANIFEST_NAME));
	struct ps_manifest m;
	char err[PS_ERR_MAX];
	assert_int_equal(ps_manifest_read(out, &m, err, sizeof(err)), PS_MANIFEST_INCOMPLETE);
	ps_manifest_fini(&m);
	free(log);
	free(out);
}

static void test_kernel_passes_a_signal_on_and_writes_nothing(void **state)
{
	struct kernel_env *k = need_kernel(state);
	char *out = pst_path(k->dir, "out"), *log = pst_path(k->dir, "log");
	pid_t child, parent = start_kernel(out, log, &child);
	k->parent = parent;
	k->child = child;
	assert_int_equal(kill(parent, SIGTERM), 0);
	int status;
	if (pst_wait(parent, 10, &status) != 0)
		fail_msg("portsim kernel did not stop within 10 s of SIGTERM");
	k->parent = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 143);
	/* The parent waited for it: the child is gone with it. */
	assert_true(kill(child, 0) != 0 && errno == ESRCH);
	k->child = 0;
	assert_one_line(log, "kernel interrupted by SIGTERM");
	assert_false(pst_exists(k->dir, "out"));
	free(log);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigint_in_the_middle_leaves_the_earlier_set),
		cmocka_unit_test(test_sigterm_in_the_middle_leaves_the_earlier_set),
		cmocka_unit_test(test_analyses_stop_at_a_signal_with_one_line),
		cmocka_unit_test(test_a_killed_run_marks_the_folder_incomplete),
		cmocka_unit_test(test_a_reused_folder_keeps_no_file_of_the_earlier_run),
		cmocka_unit_test(test_bad_input_creates_no_folder),
		cmocka_unit_test(test_a_full_disk_stops_the_run_and_writes_nothing),
		cmocka_unit_test(test_an_unwritable_folder_fails_with_one_line),
		cmocka_unit_test_setup_teardown(test_kernel_child_dies_with_a_killed_parent, kernel_setup,
						kernel_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_passes_a_signal_on_and_writes_nothing, kernel_setup,
						kernel_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
