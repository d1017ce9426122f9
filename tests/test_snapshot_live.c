/*
 * portsim snapshot against the real kernel. Each case forks a "lab": a
 * child that enters a private network namespace (unshare(CLONE_NEWNET),
 * loopback up, a small range, reserved ports and tcp_tw_reuse = 0 written
 * to its own /proc/sys), opens known connections on loopback, runs the
 * portsim binary inside the namespace (so it sees only the lab's sockets)
 * and closes everything; the namespace disappears with the lab. Without
 * permission for a namespace every case is skipped with the reason.
 *
 * - counts: 20 ESTABLISHED and 10 TIME_WAIT toward one destination, 5 and
 *   15 toward another, one connection from a port outside the range:
 *   every count is checked exactly, and --port names the lab's process;
 * - rates: 20/s held 2.5 s and closed by the server, 25/s held 0.2 s and
 *   closed by the client, 10 held open; --interval 2 must find each rate
 *   and the TIME_WAIT growth within RATE_TOL, and the host-wide
 *   ActiveOpens rate too; the time to exhaustion is free / growth;
 * - round trip: the scenario written from that reading passes `portsim
 *   check`, and `portsim run` of it holds the observed ESTABLISHED count
 *   (mean over the run after 10 s) within ROUND_TRIP_TOL, grows TIME_WAIT at
 *   the observed rate within SLOPE_TOL, and runs the pool the snapshot said
 *   runs out dry. Linux's TIME_WAIT is fixed at 60 s, so a seconds-long
 *   test cannot reach a TIME_WAIT steady state: that part is checked by
 *   its growth, the steady part by its occupancy.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "portsim/kernel.h"
#include "support.h"
#include "snapshot_support.h"

#define SKIP_CODE 77
#define RATE_TOL 0.10       /* measured rate and growth against the lab's known rates */
#define ROUND_TRIP_TOL 0.10 /* simulated ESTABLISHED against the observed */
#define SLOPE_TOL 0.15      /* simulated TIME_WAIT growth against the observed */

struct env {
	bool available;
	char why[512];
	int lock; /* pst_kernel_lock, or -1 */
};

/* ---- the lab: runs in the child, inside the namespace ---- */

static int write_sysctl(const char *name, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, value, strlen(value));
	close(fd);
	return w == (ssize_t)strlen(value) ? 0 : -1;
}

static int enter_namespace(const char *range, const char *reserved)
{
	if (unshare(CLONE_NEWNET) != 0)
		return -1;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	int rc = fd < 0 ? -1 : ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (fd >= 0)
		close(fd);
	if (rc != 0 || write_sysctl("ip_local_port_range", range) != 0 ||
	    write_sysctl("ip_local_reserved_ports", reserved) != 0 || write_sysctl("tcp_tw_reuse", "0") != 0)
		return -1;
	return 0;
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static int listener(const char *ip, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = sin_of(ip, port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4096) != 0)
		_exit(3);
	return fd;
}

struct conn {
	int c, s;
	uint16_t port;
	double close_at;
};

/* Connects to ip:port (from source port `from`, or an ephemeral one when 0) and accepts on lfd. */
static struct conn open_conn(int lfd, const char *ip, uint16_t port, uint16_t from)
{
	/* Close-on-exec: the portsim the lab starts must not keep its sockets open. */
	struct conn k = { .c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	if (from) {
		struct sockaddr_in b = sin_of("127.0.0.1", from);
		if (bind(k.c, (struct sockaddr *)&b, sizeof(b)) != 0)
			_exit(4);
	}
	struct sockaddr_in a = sin_of(ip, port), me;
	socklen_t len = sizeof(me);
	if (connect(k.c, (struct sockaddr *)&a, sizeof(a)) != 0 || (k.s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 ||
	    getsockname(k.c, (struct sockaddr *)&me, &len) != 0)
		_exit(5);
	k.port = ntohs(me.sin_port);
	return k;
}

/* The first closer's FIN has reached the other side (it reads end of file). */
static void await_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	poll(&p, 1, 200);
}

static void close_conn(struct conn *k, bool client_first)
{
	int first = client_first ? k->c : k->s, second = client_first ? k->s : k->c;
	close(first);
	await_eof(second);
	close(second);
}

/* Waits (up to 1 s) until no TCP socket of the namespace is half-closed. */
static void settle(void)
{
	for (int i = 0; i < 100; i++) {
		char *t = pst_read_file("/proc/net/tcp", NULL);
		bool busy = false;
		for (char *l = t ? strchr(t, '\n') : NULL; l && l[1]; l = strchr(l + 1, '\n')) {
			char st[3] = "";
			if (sscanf(l + 1, "%*s %*s %*s %2s", st) == 1)
				busy |= !strcmp(st, "04") || !strcmp(st, "05") || !strcmp(st, "09") || !strcmp(st, "0B");
		}
		free(t);
		if (!busy)
			return;
		usleep(10000);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts portsim with args (NULL-terminated), stdout and stderr into dir/out.txt. */
static pid_t start_portsim(const char *dir, const char *const *args)
{
	char *out = pst_path(dir, "out.txt");
	const char *argv[24] = { PORTSIM_BIN };
	for (int i = 0; args[i] && i < 22; i++)
		argv[i + 1] = args[i];
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(PORTSIM_BIN, (char *const *)argv);
		_exit(127);
	}
	free(out);
	return pid;
}

static int wait_status(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The counts lab: known connections, one snapshot; writes dir/lab.txt for the test. */
static int lab_counts(const char *dir)
{
	if (enter_namespace("40000 40099", "40010-40019") != 0)
		return SKIP_CODE;
	int la = listener("127.0.0.2", 8080), lb = listener("127.0.0.3", 9090);
	struct conn keep[32];
	size_t nkeep = 0;
	uint64_t ports[1024] = { 0 };
	unsigned distinct = 0;
	struct { int lfd; const char *ip; uint16_t port; int est, tw; } plan[2] = {
		{ la, "127.0.0.2", 8080, 20, 10 }, { lb, "127.0.0.3", 9090, 5, 15 },
	};
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < plan[d].est + plan[d].tw; i++) {
			struct conn k = open_conn(plan[d].lfd, plan[d].ip, plan[d].port, 0);
			if (!(ports[k.port >> 6] >> (k.port & 63) & 1))
				distinct++;
			ports[k.port >> 6] |= 1ULL << (k.port & 63);
			if (i < plan[d].est)
				keep[nkeep++] = k;
			else
				close_conn(&k, true);
		}
	struct conn outside = open_conn(la, "127.0.0.2", 8080, 30000);
	settle();
	char port[16], csv[512], ini[512];
	snprintf(port, sizeof(port), "%u", keep[0].port);
	snprintf(csv, sizeof(csv), "%s/out", dir);
	snprintf(ini, sizeof(ini), "%s/s.ini", dir);
	const char *args[] = { "snapshot", "--out", csv, "--port", port, "--scenario", ini, NULL };
	int rc = wait_status(start_portsim(dir, args));
	char *lab = pst_path(dir, "lab.txt");
	FILE *f = fopen(lab, "w");
	fprintf(f, "%d %u %u %ld\n", rc, distinct, keep[0].port, (long)getpid());
	fclose(f);
	free(lab);
	for (size_t i = 0; i < nkeep; i++)
		close_conn(&keep[i], true);
	close_conn(&outside, true);
	return 0;
}

/* ---- the test side ---- */

/* Forks the lab; returns its exit status. */
static int run_lab(int (*lab)(const char *), const char *dir)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(lab(dir));
	return wait_status(pid);
}

static void need_namespace(void **state)
{
	const struct env *e = *state;
	if (!e->available) {
		print_message("SKIP: %s\n", e->why);
		skip();
	}
}

/* A lab's folder: out/snapshot.csv, s.ini, out.txt (what portsim printed), lab.txt (what the lab knows). */
struct lab {
	char *dir;
	char *facts;  /* lab.txt: portsim's exit status first */
	char *output; /* out.txt */
	struct pst_csv csv;
};

static void lab_run(int (*fn)(const char *), struct lab *l)
{
	l->dir = pst_tmpdir();
	assert_int_equal(run_lab(fn, l->dir), 0);
	char *facts = pst_path(l->dir, "lab.txt"), *out = pst_path(l->dir, "out.txt"), *csv = pst_path(l->dir, "out");
	l->facts = pst_read_file(facts, NULL);
	l->output = pst_read_file(out, NULL);
	assert_non_null(l->facts);
	assert_non_null(l->output);
	if (atoi(l->facts) != 0 || getenv("PST_VERBOSE"))
		fputs(l->output, stderr);
	if (atoi(l->facts) != 0)
		fail_msg("portsim snapshot exited %d (its output above)", atoi(l->facts));
	pst_csv_load(&l->csv, csv);
	free(facts);
	free(out);
	free(csv);
}

static void lab_done(struct lab *l)
{
	pst_csv_free(&l->csv);
	free(l->facts);
	free(l->output);
	pst_rmtree(l->dir);
	free(l->dir);
}

static void test_snapshot_counts_every_socket_of_the_namespace_exactly(void **state)
{
	need_namespace(state);
	struct lab lab;
	lab_run(lab_counts, &lab);
	struct pst_csv c = lab.csv;
	char *dir = lab.dir, *text = lab.output;
	unsigned distinct = 0, port = 0;
	long pid = 0;
	assert_int_equal(sscanf(lab.facts, "%*d %u %u %ld", &distinct, &port, &pid), 3);
	print_message("counts: A 30 (20 ESTABLISHED, 10 TIME_WAIT), B 20 (5, 15); %u distinct ports\n", distinct);
	assert_int_equal(pst_csv_get(&c, "host", "", "", "reserved"), 10);
	assert_int_equal(pst_csv_get(&c, "host", "", "", "usable"), 90);
	assert_int_equal(pst_csv_get(&c, "host", "", "", "listening"), 2);
	assert_int_equal(pst_csv_get(&c, "host", "", "", "accepted"), 26);
	assert_int_equal(pst_csv_get(&c, "host", "", "", "outgoing"), 51);
	assert_int_equal(pst_csv_get(&c, "host", "", "", "outside_range"), 1);
	assert_int_equal(pst_csv_get(&c, "host", "", "", "tw_reuse"), 0);
	assert_int_equal(pst_csv_get(&c, "source", "127.0.0.1", "", "in_use"), distinct);
	assert_int_equal(pst_csv_get(&c, "source", "127.0.0.1", "", "outside_range"), 1);
	const char *a = "127.0.0.2:8080", *b = "127.0.0.3:9090";
	assert_int_equal(pst_csv_get(&c, "destination", "127.0.0.1", a, "in_use"), 30);
	assert_int_equal(pst_csv_get(&c, "destination", "127.0.0.1", a, "established"), 20);
	assert_int_equal(pst_csv_get(&c, "destination", "127.0.0.1", a, "time_wait"), 10);
	assert_int_equal(pst_csv_get(&c, "destination", "127.0.0.1", a, "other"), 0);
	assert_int_equal(pst_csv_get(&c, "destination", "127.0.0.1", a, "free"), 60);
	assert_int_equal(pst_csv_get(&c, "destination", "127.0.0.1", b, "in_use"), 20);
	assert_int_equal(pst_csv_get(&c, "destination", "127.0.0.1", b, "established"), 5);
	assert_int_equal(pst_csv_get(&c, "destination", "127.0.0.1", b, "time_wait"), 15);
	/* --port: the page's question, answered with the holder's process. */
	char want[128];
	snprintf(want, sizeof(want), "127.0.0.1:%u -> 127.0.0.2:8080  ESTABLISHED  pid %ld", port, pid);
	if (!strstr(text, want)) {
		fputs(text, stderr);
		fail_msg("no \"%s\" in the output above", want);
	}
	char *ini = pst_path(dir, "s.ini");
	char *check_out = NULL;
	const char *argv[] = { "check", ini, NULL };
	assert_int_equal(pst_run_cli(&check_out, argv), 0);
	free(check_out);
	free(ini);
	lab_done(&lab);
}

/* ---- rates and the round trip ---- */

struct flow {
	int lfd;
	const char *ip;
	uint16_t port;
	double rate, life;
	bool client_first;
	struct conn q[512];
	size_t head, n;
	double next;
};

static void flow_step(struct flow *f, double t)
{
	while (f->next <= t) {
		struct conn k = open_conn(f->lfd, f->ip, f->port, 0);
		k.close_at = f->next + f->life;
		f->q[(f->head + f->n++) % 512] = k;
		f->next += 1 / f->rate;
	}
	while (f->n && f->q[f->head].close_at <= t) {
		close_conn(&f->q[f->head], f->client_first);
		f->head = (f->head + 1) % 512;
		f->n--;
	}
}

static double flow_due(const struct flow *f)
{
	return f->n && f->q[f->head].close_at < f->next ? f->q[f->head].close_at : f->next;
}

/* Steady traffic, a snapshot with --interval 2 once it has settled, and the scenario from it. */
static int lab_rates(const char *dir)
{
	if (enter_namespace("40000 40999", "40500-40509") != 0)
		return SKIP_CODE;
	int la = listener("127.0.0.2", 8080), lb = listener("127.0.0.3", 9090), lc = listener("127.0.0.4", 7070);
	static struct flow flows[2];
	flows[0] = (struct flow){ .lfd = la, .ip = "127.0.0.2", .port = 8080, .rate = 20, .life = 2.5 };
	flows[1] = (struct flow){ .lfd = lb, .ip = "127.0.0.3", .port = 9090, .rate = 25, .life = 0.2,
				  .client_first = true };
	struct conn held[10];
	for (int i = 0; i < 10; i++)
		held[i] = open_conn(lc, "127.0.0.4", 7070, 0);
	char csv[512], ini[512];
	snprintf(csv, sizeof(csv), "%s/out", dir);
	snprintf(ini, sizeof(ini), "%s/s.ini", dir);
	const char *args[] = { "snapshot", "--interval", "2", "--out", csv, "--scenario", ini, NULL };
	double t0 = now_s(), start = t0 + 2.7;
	for (int i = 0; i < 2; i++)
		flows[i].next = t0;
	pid_t snap = 0;
	int rc = -1;
	for (;;) {
		double t = now_s();
		if (!snap && t >= start)
			snap = start_portsim(dir, args);
		int status;
		if (snap && waitpid(snap, &status, WNOHANG) == snap) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
			break;
		}
		if (t > t0 + 15) {
			kill(snap, SIGKILL);
			wait_status(snap);
			break;
		}
		for (int i = 0; i < 2; i++)
			flow_step(&flows[i], t);
		double due = fmin(flow_due(&flows[0]), flow_due(&flows[1]));
		if (!snap)
			due = fmin(due, start);
		due = fmin(due, t + 0.01) - now_s();
		if (due > 0)
			usleep((useconds_t)(due * 1e6));
	}
	char *lab = pst_path(dir, "lab.txt");
	FILE *f = fopen(lab, "w");
	fprintf(f, "%d\n", rc);
	fclose(f);
	free(lab);
	for (int i = 0; i < 2; i++)
		while (flows[i].n) {
			close_conn(&flows[i].q[flows[i].head], true);
			flows[i].head = (flows[i].head + 1) % 512;
			flows[i].n--;
		}
	for (int i = 0; i < 10; i++)
		close_conn(&held[i], true);
	return 0;
}

static bool near(double got, double want, double tol)
{
	return fabs(got - want) <= tol * fabs(want);
}

static void expect_near(const char *what, double got, double want, double tol)
{
	print_message("  %-44s %10.4g  expected %10.4g  (%+.1f %%, tolerance %.0f %%)\n", what, got, want,
		      100 * (got / want - 1), 100 * tol);
	if (!near(got, want, tol))
		fail_msg("%s: %g, expected %g within %.0f %%", what, got, want, 100 * tol);
}

/* Column col of timeseries.csv at every row, into v (at most max); returns the rows. */
static size_t timeseries(const char *dir, const char *col, double *t, double *v, size_t max)
{
	char *path = pst_path(dir, "timeseries.csv");
	char *text = pst_read_file(path, NULL);
	if (!text)
		fail_msg("no %s", path);
	free(path);
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	int want = -1, i = 0;
	for (char *s = NULL, *f = strtok_r(line, ",", &s); f; f = strtok_r(NULL, ",", &s), i++)
		if (!strcmp(f, col))
			want = i;
	assert_true(want > 0);
	size_t n = 0;
	while ((line = strtok_r(NULL, "\n", &save)) && n < max) {
		char *s = NULL, *f = strtok_r(line, ",", &s);
		t[n] = strtod(f, NULL);
		for (i = 1; i <= want; i++)
			f = strtok_r(NULL, ",", &s);
		v[n++] = strtod(f, NULL);
	}
	free(text);
	return n;
}

static void test_snapshot_measures_rates_and_its_scenario_reproduces_the_occupancy(void **state)
{
	need_namespace(state);
	struct lab lab;
	lab_run(lab_rates, &lab);
	struct pst_csv c = lab.csv;
	char *dir = lab.dir;
	const char *a = "127.0.0.2:8080", *b = "127.0.0.3:9090", *k = "127.0.0.4:7070", *s = "127.0.0.1";
	print_message("snapshot --interval 2 against known traffic:\n");
	expect_near("A: rate (20/s, server closes)", pst_csv_get(&c, "destination", s, a, "rate_per_s"), 20,
		    RATE_TOL);
	expect_near("A: life before close (2.5 s)", pst_csv_get(&c, "destination", s, a, "lifetime_s"), 2.5,
		    RATE_TOL);
	assert_true(pst_csv_get(&c, "destination", s, a, "client_close") <= 0.05);
	expect_near("B: rate (25/s, client closes)", pst_csv_get(&c, "destination", s, b, "rate_per_s"), 25,
		    RATE_TOL);
	expect_near("B: TIME_WAIT growth (25/s)", pst_csv_get(&c, "destination", s, b, "growth_per_s"), 25,
		    RATE_TOL);
	assert_true(pst_csv_get(&c, "destination", s, b, "client_close") >= 0.95);
	expect_near("host-wide ActiveOpens rate (45/s)", pst_csv_get(&c, "host", "", "", "active_opens_per_s"),
		    45, RATE_TOL);
	double free_b = pst_csv_get(&c, "destination", s, b, "free"),
	       growth_b = pst_csv_get(&c, "destination", s, b, "growth_per_s");
	assert_int_equal(free_b, 990 - pst_csv_get(&c, "destination", s, b, "in_use"));
	expect_near("B: time to exhaustion = free / growth", pst_csv_get(&c, "destination", s, b, "exhaust_s"),
		    free_b / growth_b, 1e-6);
	expect_near("B: ... against free / 25", pst_csv_get(&c, "destination", s, b, "exhaust_s"), free_b / 25,
		    RATE_TOL);
	assert_int_equal(pst_csv_get(&c, "destination", s, k, "in_use"), 10);
	assert_true(isnan(pst_csv_get(&c, "destination", s, k, "holding_s")));
	assert_true(pst_csv_get(&c, "destination", s, b, "steady_in_use") > 990);
	assert_true(pst_csv_get(&c, "destination", s, a, "steady_in_use") < 990);
	double observed = pst_csv_get(&c, "destination", s, a, "established") +
			  pst_csv_get(&c, "destination", s, b, "established") +
			  pst_csv_get(&c, "destination", s, k, "established");

	/* The round trip: the written scenario loads, and a run of it looks like the host. */
	char *ini = pst_path(dir, "s.ini"), *sim = pst_path(dir, "sim"), *o = NULL;
	const char *check[] = { "check", ini, NULL };
	assert_int_equal(pst_run_cli(&o, check), 0);
	free(o);
	const char *run[] = { "run", ini, "--out", sim, "--quiet", NULL };
	if (pst_run_cli(&o, run) != 0)
		fail_msg("portsim run of the written scenario failed:\n%s", o);
	free(o);
	static double t[100000], est[100000], tw[100000];
	size_t n = timeseries(sim, "established", t, est, 100000);
	assert_int_equal(timeseries(sim, "time_wait", t, tw, 100000), n);
	double sum = 0, tw5 = NAN, tw30 = NAN;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i] >= 10)
			sum += est[i], m++;
		if (t[i] == 5)
			tw5 = tw[i];
		if (t[i] == 30)
			tw30 = tw[i];
	}
	print_message("the written scenario, run by portsim run:\n");
	expect_near("ESTABLISHED, mean after 10 s, vs observed", sum / (double)m, observed, ROUND_TRIP_TOL);
	expect_near("TIME_WAIT growth from 5 s to 30 s vs B's", (tw30 - tw5) / 25, growth_b, SLOPE_TOL);
	char *summary_path = pst_path(sim, "summary.csv");
	char *summary = pst_read_file(summary_path, NULL);
	assert_non_null(summary);
	/* summary.csv's 7th column is failures: B's pool, which the snapshot said runs out, does. */
	char *row = strchr(summary, '\n') + 1;
	for (int col = 0; col < 6; col++)
		row = strchr(row, ',') + 1;
	assert_true(strtoull(row, NULL, 10) > 0);
	free(summary);
	free(summary_path);
	free(ini);
	free(sim);
	lab_done(&lab);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	e->available = ps_kernel_available(e->why, sizeof(e->why));
	if (!e->available)
		print_message("snapshot_live skipped: %s\n", e->why);
	/* Other live-kernel tests share the TIME_WAIT tables and sysctl defaults: one at a time. */
	e->lock = e->available ? pst_kernel_lock() : -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	if (e->lock >= 0)
		pst_kernel_unlock(e->lock);
	free(e);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_counts_every_socket_of_the_namespace_exactly),
		cmocka_unit_test(test_snapshot_measures_rates_and_its_scenario_reproduces_the_occupancy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
