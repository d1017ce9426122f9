/*
 * A study run by the schedulers people already run, for real: GNU parallel
 * on the job file of "study export --parallel", and a single-node Slurm
 * cluster (munged, slurmctld and slurmd started here, in a folder of their
 * own, on ports of their own) on the job array of "study export --slurm".
 * Each merge must give study.csv and study-points.csv byte for byte as a
 * "study run -j" does. Skipped, with the reason, where the programs are
 * missing (scripts/setup installs them) or, for Slurm, when not root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "study_support.h"
#include "support.h"

/* 3 points x 2 replications: seconds of work, and a pair of variables that advance together. */
static const char STUDY[] = "[study]\n"
			    "replications = 2\n"
			    "[run]\n"
			    "duration_s = 5\n"
			    "[host]\n"
			    "port_range = 50000-50099\n"
			    "time_wait_s = 2\n"
			    "[workload.c]\n"
			    "rate_per_s = ${rate=20, 40, 60}\n"
			    "destinations = ${1, 1, 2 ! rate}\n"
			    "duration = fixed\n"
			    "duration_s = 0.1\n"
			    "closer = client\n";

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command; its exit status, or -1. */
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The program's path, searched in PATH and the sbin folders root's PATH may lack; NULL when absent. */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
	for (char *d = strtok(dirs, ":"); d; d = strtok(NULL, ":")) {
		char *p = pst_path(d, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* study.csv and study-points.csv of two folders, the same bytes. */
static void expect_same_merge(const char *a, const char *b)
{
	const char *files[] = { "study.csv", "study-points.csv" };
	for (size_t i = 0; i < 2; i++) {
		char *x = pst_read_in(a, files[i]), *y = pst_read_in(b, files[i]);
		if (strcmp(x, y) != 0)
			fail_msg("%s differs between %s and %s:\n%s\n---\n%s", files[i], a, b, x, y);
		free(x);
		free(y);
	}
}

/* Writes the study into tmp and runs it with -j 2 into tmp/j; returns the study's path. */
static char *study_by_cores(const char *tmp)
{
	char *path = pst_path(tmp, "cluster.ini"), *j = pst_path(tmp, "j"), *out = NULL;
	assert_int_equal(pst_write_file(path, STUDY), 0);
	int rc = pst_run_cli(&out, (const char *[]){ "study", "run", path, "-j", "2", "--out", j, "--quiet", NULL });
	if (rc != 0)
		fail_msg("study run -j 2: exit %d\n%s", rc, out);
	free(out);
	free(j);
	return path;
}

static void export_to(const char *path, const char *dir, const char *what)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, (const char *[]){ "study", "export", path, what, "--limit", "2", "--out", dir, NULL });
	if (rc != 0)
		fail_msg("study export %s: exit %d\n%s", what, rc, out);
	free(out);
}

static void merge(const char *dir)
{
	char *out = NULL;
	int rc = pst_run_cli(&out, (const char *[]){ "study", "merge", dir, NULL });
	if (rc != 0)
		fail_msg("study merge %s: exit %d\n%s", dir, rc, out);
	free(out);
}

/* ---- GNU parallel ---- */

static void test_a_study_through_gnu_parallel_merges_to_the_bytes_of_study_run(void **state)
{
	(void)state;
	char *parallel = find_program("parallel");
	if (!parallel) {
		print_message("study through GNU parallel skipped: no parallel program (scripts/setup installs it: "
			      "apt-get install parallel)\n");
		skip();
	}
	char *tmp = pst_tmpdir(), *p = pst_path(tmp, "p"), *j = pst_path(tmp, "j");
	char *path = study_by_cores(tmp);
	export_to(path, p, "--parallel");
	/* Two at a time on this machine; --sshloginfile would spread the same file over several. */
	int rc = sh("cd '%s' && '%s' --will-cite --jobs 2 --halt now,fail=1 --joblog '%s/parallel.log' < '%s/study.jobs'",
		    tmp, parallel, p, p);
	assert_int_equal(rc, 0);
	merge(p);
	expect_same_merge(j, p);
	pst_rmtree(tmp);
	free(parallel), free(path), free(p), free(j), free(tmp);
}

/* ---- Slurm ---- */

struct slurm {
	char *dir, *conf;
	pid_t munged, ctld, slurmd;
	char why[512];
};

/* A TCP port free now on 127.0.0.1; 0 when none could be had. */
static unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	unsigned port = 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Starts argv in the background, its output into log; the child's pid, or -1. */
static pid_t daemon_start(char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void daemon_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		sleep_ms(50);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool still_running(pid_t pid)
{
	return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

/* Writes a munge key of random bytes; 0 or -1. */
static int munge_key(const char *path)
{
	unsigned char key[1024];
	int in = open("/dev/urandom", O_RDONLY);
	bool ok = in >= 0 && read(in, key, sizeof(key)) == (ssize_t)sizeof(key);
	if (in >= 0)
		close(in);
	int out = ok ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
	ok = out >= 0 && write(out, key, sizeof(key)) == (ssize_t)sizeof(key);
	if (out >= 0)
		close(out);
	return ok ? 0 : -1;
}

static int write_conf(struct slurm *c, unsigned ctld_port, unsigned slurmd_port)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "ClusterName=portsimtest\n"
		 "SlurmctldHost=localhost\n"
		 "SlurmctldPort=%u\n"
		 "SlurmdPort=%u\n"
		 "SlurmUser=root\n"
		 "SlurmdUser=root\n"
		 "AuthType=auth/munge\n"
		 "AuthInfo=socket=%s/munge/socket\n"
		 "CredType=cred/munge\n"
		 "StateSaveLocation=%s/state\n"
		 "SlurmdSpoolDir=%s/spool\n"
		 "SlurmctldPidFile=%s/slurmctld.pid\n"
		 "SlurmdPidFile=%s/slurmd.pid\n"
		 "SlurmctldLogFile=%s/slurmctld.log\n"
		 "SlurmdLogFile=%s/slurmd.log\n"
		 "ProctrackType=proctrack/linuxproc\n"
		 "TaskPlugin=task/none\n"
		 "SelectType=select/cons_tres\n"
		 "SelectTypeParameters=CR_Core\n"
		 "SchedulerType=sched/builtin\n"
		 "JobAcctGatherType=jobacct_gather/none\n"
		 "AccountingStorageType=accounting_storage/none\n"
		 "MpiDefault=none\n"
		 "ReturnToService=2\n"
		 "NodeName=localhost CPUs=2 State=UNKNOWN\n"
		 "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n",
		 ctld_port, slurmd_port, c->dir, c->dir, c->dir, c->dir, c->dir, c->dir, c->dir);
	return pst_write_file(c->conf, text);
}

/* Whether sinfo shows the node idle within seconds. */
static bool node_idle(const struct slurm *c, int seconds)
{
	char *log = pst_path(c->dir, "sinfo.out");
	bool idle = false;
	for (int i = 0; i < seconds * 5 && !idle && still_running(c->ctld) && still_running(c->slurmd); i++) {
		if (sh("sinfo -h -o %%t > '%s' 2>&1", log) == 0) {
			char *t = pst_read_file(log, NULL);
			idle = t && !strncmp(t, "idle", 4);
			free(t);
		}
		if (!idle)
			sleep_ms(200);
	}
	free(log);
	return idle;
}

/* The last line of a daemon's log, for a skip's reason. */
static void tail_of(const struct slurm *c, const char *name, char *buf, size_t size)
{
	char *p = pst_path(c->dir, name);
	char *t = pst_read_file(p, NULL);
	buf[0] = '\0';
	if (t) {
		size_t n = strlen(t);
		while (n && t[n - 1] == '\n')
			t[--n] = '\0';
		char *last = strrchr(t, '\n');
		snprintf(buf, size, "%s", last ? last + 1 : t);
	}
	free(t);
	free(p);
}

/* Brings the one-node cluster up; false with c->why when it cannot be. */
static bool slurm_up(struct slurm *c)
{
	if (geteuid() != 0) {
		snprintf(c->why, sizeof(c->why), "not root: slurmd and slurmctld run as root here");
		return false;
	}
	static const char *const needed[] = { "munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", NULL };
	char *prog[6] = { 0 };
	for (size_t i = 0; needed[i]; i++) {
		prog[i] = find_program(needed[i]);
		if (!prog[i]) {
			snprintf(c->why, sizeof(c->why),
				 "no %s program (scripts/setup installs it: apt-get install slurm-wlm munge)", needed[i]);
			for (size_t k = 0; k < i; k++)
				free(prog[k]);
			return false;
		}
	}
	c->dir = pst_tmpdir();
	c->conf = pst_path(c->dir, "slurm.conf");
	char sub[4][600];
	const char *subs[] = { "munge", "state", "spool", "log" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(sub[i], sizeof(sub[i]), "%s/%s", c->dir, subs[i]);
		mkdir(sub[i], 0700);
	}
	char key[700], sock[700], pid[700], mlog[700], seed[700];
	snprintf(key, sizeof(key), "%s/munge/munge.key", c->dir);
	snprintf(sock, sizeof(sock), "%s/munge/socket", c->dir);
	snprintf(pid, sizeof(pid), "%s/munge/munged.pid", c->dir);
	snprintf(mlog, sizeof(mlog), "%s/munge/munged.log", c->dir);
	snprintf(seed, sizeof(seed), "%s/munge/munged.seed", c->dir);
	unsigned ctld_port = free_port(), slurmd_port = free_port();
	bool ok = munge_key(key) == 0 && ctld_port && slurmd_port && ctld_port != slurmd_port &&
		  write_conf(c, ctld_port, slurmd_port) == 0;
	if (!ok)
		snprintf(c->why, sizeof(c->why), "cannot write the munge key or slurm.conf into %s", c->dir);
	setenv("SLURM_CONF", c->conf, 1);
	char *out = pst_path(c->dir, "munged.out"), *ctld_out = pst_path(c->dir, "slurmctld.out");
	char *d_out = pst_path(c->dir, "slurmd.out");
	if (ok) {
		/* --force: the test's folder under /tmp is not the locked-down one munged wants in production. */
		char *margv[] = { prog[0], "-F", "--force", "--key-file", key, "--socket", sock, "--pid-file", pid,
				  "--log-file", mlog, "--seed-file", seed, NULL };
		c->munged = daemon_start(margv, out);
		for (int i = 0; i < 50 && access(sock, F_OK) != 0 && still_running(c->munged); i++)
			sleep_ms(100);
		ok = access(sock, F_OK) == 0;
		if (!ok) {
			char last[200];
			tail_of(c, "munge/munged.log", last, sizeof(last));
			snprintf(c->why, sizeof(c->why), "munged did not start: %s", last);
		}
	}
	if (ok) {
		char *cargv[] = { prog[1], "-D", "-i", "-f", c->conf, NULL };
		char *dargv[] = { prog[2], "-D", "-N", "localhost", "-f", c->conf, NULL };
		c->ctld = daemon_start(cargv, ctld_out);
		c->slurmd = daemon_start(dargv, d_out);
		ok = node_idle(c, 30);
		if (!ok) {
			char a[200], b[200];
			tail_of(c, "slurmctld.log", a, sizeof(a));
			tail_of(c, "slurmd.log", b, sizeof(b));
			snprintf(c->why, sizeof(c->why), "the node did not come up idle in 30 s: slurmctld: %s; slurmd: %s",
				 a, b);
		}
	}
	free(out), free(ctld_out), free(d_out);
	for (size_t i = 0; i < 6; i++)
		free(prog[i]);
	return ok;
}

static void slurm_down(struct slurm *c)
{
	daemon_stop(c->slurmd);
	daemon_stop(c->ctld);
	daemon_stop(c->munged);
	unsetenv("SLURM_CONF");
	if (c->dir)
		pst_rmtree(c->dir);
	free(c->dir);
	free(c->conf);
}

static void test_a_study_through_a_slurm_job_array_merges_to_the_bytes_of_study_run(void **state)
{
	struct slurm *c = *state;
	if (!slurm_up(c)) {
		print_message("study through Slurm skipped: %s\n", c->why);
		skip();
	}
	char *tmp = pst_tmpdir(), *s = pst_path(tmp, "s"), *j = pst_path(tmp, "j");
	char *path = study_by_cores(tmp);
	export_to(path, s, "--slurm");
	char *idfile = pst_path(tmp, "job");
	int rc = sh("sbatch --parsable '%s/study.sbatch' > '%s' 2>&1", s, idfile);
	char *id = pst_read_file(idfile, NULL);
	if (rc != 0 || !id)
		fail_msg("sbatch failed: %s", id ? id : "");
	id[strcspn(id, ";\n")] = '\0';
	/* The array is done when squeue no longer lists it. */
	bool done = false;
	for (int i = 0; i < 600 && !done; i++) {
		sleep_ms(200);
		done = sh("test -z \"$(squeue -h -j %s 2>/dev/null)\"", id) == 0;
	}
	if (!done)
		fail_msg("job array %s did not finish in 120 s", id);
	merge(s);
	expect_same_merge(j, s);
	free(id), free(idfile), free(path), free(s), free(j);
	pst_rmtree(tmp);
	free(tmp);
}

/* The cluster is taken down whatever the test did, a failure included. */
static int slurm_setup(void **state)
{
	*state = calloc(1, sizeof(struct slurm));
	return *state ? 0 : -1;
}

static int slurm_teardown(void **state)
{
	slurm_down(*state);
	free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_study_through_gnu_parallel_merges_to_the_bytes_of_study_run),
		cmocka_unit_test_setup_teardown(test_a_study_through_a_slurm_job_array_merges_to_the_bytes_of_study_run,
						slurm_setup, slurm_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
