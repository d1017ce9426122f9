#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "portsim/alloc.h"


/* Starts the built portsim with argv, its stdout and stderr on fd (and other_end closed in it); the pid or -1. */
static pid_t spawn(const char *const *argv, int fd, int other_end)
{
	size_t argc = 0;
	while (argv[argc])
		argc++;
	char **args = calloc(argc + 2, sizeof(*args));
	if (!args)
		return -1;
	args[0] = (char *)PORTSIM_BIN;
	for (size_t i = 0; i < argc; i++)
		args[i + 1] = (char *)argv[i];
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		if (other_end >= 0)
			close(other_end);
		execv(PORTSIM_BIN, args);
		_exit(127);
	}
	free(args);
	return pid;
}

int pst_run_cli(char **out, const char *const *argv)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = spawn(argv, fds[1], fds[0]);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (;;) {
		if (len + 1024 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t r = read(fds[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *pst_shell(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		fail_msg("cannot run %s", cmd);
	size_t len = 0, cap = 4096, r;
	char *out = malloc(cap);
	while ((r = fread(out + len, 1, cap - 1 - len, p)) > 0) {
		len += r;
		if (cap - 1 - len < 1024)
			out = realloc(out, cap *= 2);
	}
	out[len] = '\0';
	int rc = pclose(p);
	*status = rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	return out;
}

int pst_shell_logged(const char *log, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd) - 64 - strlen(log));
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " >>'%s' 2>&1", log);
	int rc = system(cmd);
	return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void pst_fail_with_log(const char *log, const char *what)
{
	char *text = pst_read_file(log, NULL);
	fail_msg("%s; the commands said:\n%s", what, text ? text : "(nothing)");
}

void pst_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

pid_t pst_spawn_cli(const char *const *argv, const char *log)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	pid_t pid = spawn(argv, fd, -1);
	close(fd);
	return pid;
}

bool pst_exists(const char *dir, const char *name)
{
	char *p = pst_path(dir, name);
	bool yes = access(p, F_OK) == 0;
	free(p);
	return yes;
}

int pst_wait(pid_t pid, double timeout_s, int *status)
{
	for (double waited = 0; waited <= timeout_s; waited += 0.01) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR) {
			/* Not our child (any more): over when it no longer exists. */
			*status = 0;
			if (kill(pid, 0) != 0 && errno == ESRCH)
				return 0;
		}
		pst_sleep_ms(10);
	}
	return -1;
}

/* The lock this process holds, or -1: a second flock of the file here would wait for ourselves. */
static int kernel_lock = -1;

int pst_kernel_lock(void)
{
	if (kernel_lock >= 0)
		return kernel_lock;
	/* Read-only is enough for flock, so a lock file made by another user serves too. */
	int fd = open(PST_KERNEL_LOCK_FILE, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		print_message("cannot open %s: %s\n", PST_KERNEL_LOCK_FILE, strerror(errno));
		return -1;
	}
	bool said = false;
	for (int i = 0; i < 2400; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return kernel_lock = fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		if (!said) {
			print_message("waiting for another test using the live kernel (%s)\n", PST_KERNEL_LOCK_FILE);
			said = true;
		}
		pst_sleep_ms(100);
	}
	print_message("no lock on %s: %s\n", PST_KERNEL_LOCK_FILE,
		      errno == EWOULDBLOCK ? "another test held it for 240 s" : strerror(errno));
	close(fd);
	return -1;
}

void pst_kernel_unlock(int fd)
{
	if (fd >= 0 && fd == kernel_lock) {
		close(fd);
		kernel_lock = -1;
	}
}

char *pst_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int pst_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = strlen(text);
	int ok = fwrite(text, 1, n, f) == n;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

char *pst_tmpdir(void)
{
	char *t = strdup("/tmp/portsim-test-XXXXXX");
	if (!t || !mkdtemp(t)) {
		free(t);
		return NULL;
	}
	return t;
}

void pst_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *p = pst_path(dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			pst_rmtree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **pst_list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	*n = 0;
	if (!d)
		return NULL;
	size_t cap = 16;
	char **names = malloc(cap * sizeof(*names));
	for (struct dirent *e; names && (e = readdir(d));) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (*n + 1 == cap) {
			cap *= 2;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				break;
		}
		names[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (names) {
		qsort(names, *n, sizeof(*names), by_name);
		names[*n] = NULL;
	}
	return names;
}

void pst_free_list(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}

char *pst_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* ---- hosts for strategy tests ---- */

static const struct ps_endpoint *test_dsts(void)
{
	static struct ps_endpoint d[PST_NDSTS];
	for (uint32_t i = 0; i < PST_NDSTS; i++)
		d[i] = (struct ps_endpoint){ .ip = 0x0A000001 + i, .port = 443 };
	d[PST_LOOPBACK] = (struct ps_endpoint){ .ip = 0x7F000001, .port = 443, .loopback = true };
	return d;
}

void pst_host_config(struct ps_host_config *cfg, const char *strategy, uint16_t lo, uint16_t hi,
		     uint64_t seed)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lo = lo;
	cfg->hi = hi;
	cfg->naddrs = 1;
	cfg->first_ip = 0xC0000201;
	cfg->dsts = test_dsts();
	cfg->ndsts = PST_NDSTS;
	cfg->time_wait = 60 * PS_NS_PER_S;
	cfg->tw_reuse = PS_TW_REUSE_NEVER;
	cfg->tw_reuse_delay = PS_NS_PER_S;
	cfg->unique = PS_UNIQUE_4TUPLE;
	cfg->seed = seed;
	ps_alloc_params_default(&cfg->params);
	const struct ps_alloc_ops *ops = ps_alloc_find(strategy);
	if (!ops)
		fail_msg("no strategy \"%s\"", strategy);
	for (int m = 0; m < PS_MODE_COUNT; m++)
		cfg->alloc[m] = ops;
}

void pst_host_init(struct ps_host *h, const struct ps_host_config *cfg)
{
	char err[256];
	if (ps_host_init(h, cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

void pst_host_up(struct ps_host *h, const char *strategy, uint16_t lo, uint16_t hi, uint64_t seed)
{
	struct ps_host_config cfg;
	pst_host_config(&cfg, strategy, lo, hi, seed);
	pst_host_init(h, &cfg);
}

struct ps_open_result pst_open(struct ps_host *h, enum ps_mode mode, uint32_t dst, ps_time now)
{
	struct ps_open_result r;
	if (ps_host_open(h, mode, 0, dst, now, 0, 0, &r) != 0)
		fail_msg("out of memory");
	return r;
}

uint16_t pst_short(struct ps_host *h, enum ps_mode mode, uint32_t dst, ps_time now)
{
	struct ps_open_result r = pst_open(h, mode, dst, now);
	if (r.err != PS_OK)
		fail_msg("no port at %llu ns: %s", (unsigned long long)now, ps_err_name(r.err));
	ps_host_close(h, r.conn, now, false);
	return r.port;
}

/* ---- scenarios and runs from INI text ---- */

struct ps_scenario *pst_scenario(const char *ini)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	char err[PS_ERR_MAX];
	if (!sc)
		fail_msg("out of memory");
	ps_scenario_defaults(sc);
	if (ps_scenario_parse(sc, "test", ini, err, sizeof(err)) != 0 ||
	    ps_scenario_validate(sc, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return sc;
}

void pst_run_ini(const char *ini, struct ps_run_result *res)
{
	struct ps_scenario *sc = pst_scenario(ini);
	struct ps_run_options opt = { 0 };
	char err[PS_ERR_MAX];
	if (ps_run(sc, &opt, res, err, sizeof(err)) != PS_DONE)
		fail_msg("%s", err);
	free(sc);
}

/* ---- workloads resolved from scenarios ---- */

struct ps_run_config *pst_config(const struct ps_scenario *sc)
{
	char err[PS_ERR_MAX];
	struct ps_run_config *cfg = malloc(sizeof(*cfg));
	if (!cfg)
		fail_msg("out of memory");
	if (ps_run_config_resolve(sc, cfg, err, sizeof(err)) != 0)
		fail_msg("resolve: %s", err);
	return cfg;
}

void pst_config_free(struct ps_run_config *cfg)
{
	ps_run_config_fini(cfg);
	free(cfg);
}

/* A workload and the configuration it was made from, freed together. */
struct resolved {
	struct ps_workload w; /* first: a workload's address is its struct resolved's */
	struct ps_run_config cfg;
};

struct ps_workload *pst_workload(const struct ps_scenario *sc, uint64_t seed)
{
	char err[PS_ERR_MAX];
	struct resolved *r = malloc(sizeof(*r));
	if (!r)
		fail_msg("out of memory");
	if (ps_run_config_resolve(sc, &r->cfg, err, sizeof(err)) != 0)
		fail_msg("resolve: %s", err);
	r->cfg.workload.seed = seed;
	if (ps_workload_init(&r->w, &r->cfg.workload, err, sizeof(err)) != 0)
		fail_msg("workload: %s", err);
	return &r->w;
}

const struct ps_workload_config *pst_workload_config(struct ps_workload *w)
{
	return &((struct resolved *)w)->cfg.workload;
}

void pst_workload_free(struct ps_workload *w)
{
	struct resolved *r = (struct resolved *)w;
	ps_workload_fini(&r->w);
	ps_run_config_fini(&r->cfg);
	free(r);
}

void pst_assert_within(double observed, double expected, double sd, double z, const char *what)
{
	if (!(fabs(observed - expected) <= z * sd))
		fail_msg("%s: observed %.6g, expected %.6g +- %.3g (%.1f sd)", what, observed, expected,
			 z * sd, z);
}
