/* Helpers shared by the tests: running the portsim binary, files, temp dirs. */
#ifndef PORTSIM_TEST_SUPPORT_H
#define PORTSIM_TEST_SUPPORT_H

#include <stddef.h>

/* Runs the built portsim with argv (NULL-terminated, without argv[0]);
 * stores stdout and stderr together in *out (malloc'd, NUL-terminated);
 * returns the exit status, or -1 if it could not run. */
int pst_run_cli(char **out, const char *const *argv);

/* Runs the shell command cmd; returns what it wrote on stdout (malloc'd, NUL-terminated) and
 * stores its exit status in *status (-1 if it did not exit normally). */
char *pst_shell(const char *cmd, int *status);

/* Runs the shell command (printf-style), its stdout and stderr appended to the file log; returns
 * its exit status, -1 if it did not exit normally. For steps whose output matters only on failure. */
int pst_shell_logged(const char *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fails the test with what, followed by everything the commands wrote into log. */
void pst_fail_with_log(const char *log, const char *what);

/* The whole file, malloc'd and NUL-terminated; *len gets its length (may be NULL). NULL on error. */
char *pst_read_file(const char *path, size_t *len);

/* Writes text to path; 0 or -1. */
int pst_write_file(const char *path, const char *text);

/* A fresh directory under /tmp, malloc'd. */
char *pst_tmpdir(void);

/* Removes dir and everything below it. */
void pst_rmtree(const char *dir);

/* The names in dir but "." and "..", sorted, NULL-terminated and malloc'd (free with pst_free_list); NULL if dir cannot be read. */
char **pst_list_dir(const char *dir, size_t *n);
void pst_free_list(char **names);

/* dir "/" name, malloc'd. */
char *pst_path(const char *dir, const char *name);

/* ---- processes, and the live kernel ---- */
#include <sys/types.h>

/* Starts the built portsim with argv (NULL-terminated, without argv[0]), its stdout and stderr
 * going to the file log; returns its pid, or -1. */
pid_t pst_spawn_cli(const char *const *argv, const char *log);

/* Sleeps ms milliseconds. */
void pst_sleep_ms(long ms);

/* Whether dir/name exists. */
#include <stdbool.h>
bool pst_exists(const char *dir, const char *name);

/* Waits up to timeout_s seconds for pid to end; 0 with its wait status in *status (0 when pid is
 * not this process's child), or -1 if it is still running. */
int pst_wait(pid_t pid, double timeout_s, int *status);

/*
 * Takes the lock every test that uses the live kernel holds while it does (a flock on
 * PST_KERNEL_LOCK_FILE), so no two of them run at once, from any build or checkout: the kernel's
 * port-perturbation table and its 10 s re-salt are shared by every network namespace, so one test's
 * connections move another's ports. Waits up to 240 s. Returns the lock's descriptor (held until
 * pst_kernel_unlock or the process ends; asked again while held, the same one), or -1 after
 * printing why.
 */
#define PST_KERNEL_LOCK_FILE "/tmp/portsim-live-kernel.lock"
int pst_kernel_lock(void);
void pst_kernel_unlock(int fd);

/* ---- scenarios and runs from INI text ---- */
#include "portsim/run.h"
#include "portsim/scenario.h"

/* A scenario (malloc'd) from INI text on top of the defaults, validated; fails the test on error. */
struct ps_scenario *pst_scenario(const char *ini);

/* Runs INI text in memory (no files) into *res; fails the test on error. Free with ps_run_result_fini. */
void pst_run_ini(const char *ini, struct ps_run_result *res);

/* ---- workloads resolved from scenarios ---- */
#include "portsim/config.h"
#include "portsim/workload.h"

/* sc resolved (malloc'd); fails the test on error. Free with pst_config_free. */
struct ps_run_config *pst_config(const struct ps_scenario *sc);
void pst_config_free(struct ps_run_config *cfg);

/* sc resolved and its workload made with seed (malloc'd); fails the test on error. */
struct ps_workload *pst_workload(const struct ps_scenario *sc, uint64_t seed);

/* The configuration a pst_workload was made from, to make it again. */
const struct ps_workload_config *pst_workload_config(struct ps_workload *w);

/* Frees a pst_workload with its configuration. */
void pst_workload_free(struct ps_workload *w);

/* |observed - expected| within z standard deviations, with a message that shows both sides. */
void pst_assert_within(double observed, double expected, double sd, double z, const char *what);

/* ---- numbers ---- */
#include <math.h>

/* a within eps of b, or the test fails naming both (cmocka's float assertion rounds to float). */
#define assert_double_equal(a, b, eps)                                                    \
	do {                                                                              \
		double a_ = (a), b_ = (b);                                                \
		if (!(fabs(a_ - b_) <= (eps)))                                            \
			fail_msg("%s = %.12g, expected %.12g within %g", #a, a_, b_, (double)(eps)); \
	} while (0)

#endif

/* ---- hosts for strategy tests ---- */
#include <stdbool.h>
#include <stdint.h>

#include "portsim/host.h"

#define PST_NDSTS 64
/* Destinations 0..62 are 10.0.0.1+i:443; destination PST_LOOPBACK is 127.0.0.1:443, on loopback. */
#define PST_LOOPBACK 63

/* Fills cfg for one source address (192.0.2.1), PST_NDSTS destinations, the given range and
 * strategy for every mode, TIME_WAIT 60 s, the 4-tuple rule, tw_reuse 0, strategy defaults. */
void pst_host_config(struct ps_host_config *cfg, const char *strategy, uint16_t lo, uint16_t hi,
		     uint64_t seed);

/* ps_host_init that fails the test on error. */
void pst_host_init(struct ps_host *h, const struct ps_host_config *cfg);

/* Shorthand: pst_host_config with defaults, then pst_host_init. */
void pst_host_up(struct ps_host *h, const char *strategy, uint16_t lo, uint16_t hi, uint64_t seed);

/* Opens a connection in mode toward dst at time now (failing the test only on out-of-memory). */
struct ps_open_result pst_open(struct ps_host *h, enum ps_mode mode, uint32_t dst, ps_time now);

/* Opens a connection that must succeed and lets the server close it at once (the port is free
 * again), returning its port: the pool stays empty. */
uint16_t pst_short(struct ps_host *h, enum ps_mode mode, uint32_t dst, ps_time now);
