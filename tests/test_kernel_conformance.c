/*
 * The live kernel against the `linux` model (docs/allocators.md#live-kernel-checks): each case
 * is a small scenario played once by `ps_kernel_run` in a forked child (which
 * enters a fresh network namespace) and once by `ps_run`; both write
 * events.csv, and the test reads the two files the same way.
 *
 * What must match exactly is checked exactly (exhaustion counts, the
 * parity order, per-destination sharing, exclusivity, reserved ports, the
 * errors). What is random, the stride between successive ports, is checked
 * with a chi-square test of homogeneity.
 *
 * Facts about the live kernel the cases respect: the perturbation table is
 * shared by every namespace, so runs are not independent draws and no case
 * relies on a start value; the 10 s re-salt falls on the kernel's own clock,
 * so any run may contain a jump, which the stride case bins apart; tw_reuse
 * is pinned to 0. Every case runs with `fast` (order kept, no waiting) and a
 * range of a few hundred ports, so the whole test takes well under a second
 * or two. When no namespace can be made the test is skipped with the reason.
 *
 * Other programs' connections share that table too. The test holds the
 * live-kernel lock (pst_kernel_lock) against every other test of this kind,
 * the stride case talks to a destination of its own that nobody else's
 * connections hash with, and a stride run that shows more jumps than its
 * 10 s epochs can explain was disturbed anyway: it is run once more. So is
 * a run whose kernel ended a TIME_WAIT socket early (a port taken over with
 * tw_reuse = 0: the machine's memory or orphan limits, not the allocator;
 * the kernel side prints the TcpExt counters that say which). The
 * forked kernel side ends with _exit, so a failed case's leftovers never
 * reach the next case's child through the leak checker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "portsim/kernel.h"
#include "portsim/run.h"
#include "portsim/scenario.h"
#include "support.h"

#define SKIP_CODE 77
/* The kernel side's exit when the replay found TIME_WAIT sockets the kernel ended early (res.tw_lost). */
#define DISTURBED_CODE 3

struct ev {
	double t;        /* seconds since the start: real time on the kernel side */
	uint64_t conn;
	char kind;       /* 'o'pen, 'f'ail, 'c'lose, 't'w_takeover */
	uint16_t port;
	char dst[16];
	char err[16];
};

struct trace {
	struct ev *ev;
	size_t n;
};

struct env {
	bool available;
	char why[512];
	int lock; /* pst_kernel_lock's, or -1 */
};

static void trace_free(struct trace *t)
{
	free(t->ev);
	t->ev = NULL;
	t->n = 0;
}

/* Reads an events.csv written by either side. */
static void read_events(const char *dir, struct trace *t)
{
	char *path = pst_path(dir, "events.csv");
	char *text = pst_read_file(path, NULL);
	if (!text)
		fail_msg("no %s", path);
	free(path);
	size_t cap = 1024;
	t->ev = malloc(cap * sizeof(*t->ev));
	t->n = 0;
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save); /* the header */
	while ((line = strtok_r(NULL, "\n", &save))) {
		char event[16] = "", dst[16] = "", err[16] = "";
		unsigned long long conn = 0;
		unsigned port = 0;
		/* t_s,conn_id,event,src_addr,src_port,dst_addr,dst_port,probes,error */
		char *f[9] = { NULL };
		int k = 0;
		for (char *p = line; k < 9; k++) {
			f[k] = p;
			char *c = strchr(p, ',');
			if (!c) {
				k++;
				break;
			}
			*c = '\0';
			p = c + 1;
		}
		assert_int_equal(k, 9);
		conn = strtoull(f[1], NULL, 10);
		snprintf(event, sizeof(event), "%s", f[2]);
		port = (unsigned)strtoul(f[4], NULL, 10);
		snprintf(dst, sizeof(dst), "%s", f[5]);
		snprintf(err, sizeof(err), "%s", f[8]);
		if (t->n == cap) {
			cap *= 2;
			t->ev = realloc(t->ev, cap * sizeof(*t->ev));
		}
		struct ev *e = &t->ev[t->n++];
		*e = (struct ev){ .t = strtod(f[0], NULL), .conn = conn, .kind = event[0] == 't' && event[1] == 'w' && event[3] == 't'
								     ? 't' : event[0],
				  .port = (uint16_t)port };
		memcpy(e->dst, dst, sizeof(dst));
		memcpy(e->err, err, sizeof(err));
	}
	free(text);
}

static void load(struct ps_scenario *sc, const char *name, const char *ini)
{
	char err[PS_ERR_MAX];
	ps_scenario_defaults(sc);
	if (ps_scenario_parse(sc, name, ini, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	snprintf(sc->name, sizeof(sc->name), "%s", name);
}

/* Plays ini against the kernel once in a child; fills t. Returns whether the replay saw TIME_WAIT sockets end early. */
static bool run_kernel_once(const char *name, const char *ini, struct trace *t)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	load(sc, name, ini);
	char *dir = pst_tmpdir();
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ps_kernel_options opt = { .out_dir = dir, .limit_s = 10, .fast = true };
		struct ps_kernel_result res;
		char err[PS_ERR_MAX];
		enum ps_status st = ps_kernel_run(sc, &opt, &res, err, sizeof(err));
		int code = 0;
		if (st != PS_DONE) {
			fprintf(stderr, "kernel side of %s: %s\n", name, err);
			code = res.unavailable ? SKIP_CODE : 1;
		} else {
			if (res.tw_lost) {
				fprintf(stderr, "kernel side of %s: %llu TIME_WAIT socket(s) ended early (%s)\n", name,
					(unsigned long long)res.tw_lost,
					res.tw_lost_why[0] ? res.tw_lost_why : "no TcpExt counter says why");
				code = DISTURBED_CODE;
			}
			ps_kernel_result_fini(&res);
		}
		free(sc);
		free(dir);
		fflush(NULL);
		/* Not exit(): the leak checker would judge the heap inherited from this test. */
		_exit(code);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(sc);
	bool disturbed = WIFEXITED(status) && WEXITSTATUS(status) == DISTURBED_CODE;
	if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && !disturbed)) {
		pst_rmtree(dir);
		free(dir);
		fail_msg("the kernel side of %s failed (status %d)", name, status);
	}
	read_events(dir, t);
	pst_rmtree(dir);
	free(dir);
	return disturbed;
}

/*
 * Plays ini against the kernel; fills t. Every case pins tw_reuse = 0, so a
 * port taken over from TIME_WAIT is the machine's kernel ending that socket
 * early (memory pressure, an orphan reset), not the allocator; the replay
 * says so (ps_kernel_result.tw_lost). Such a run is played again, at most
 * twice; a kernel that keeps doing it fails the case.
 */
static void run_kernel(const char *name, const char *ini, struct trace *t)
{
	for (int tries = 1; run_kernel_once(name, ini, t); tries++) {
		if (tries == 3)
			fail_msg("the kernel side of %s ended TIME_WAIT sockets early in each of %d runs", name, tries);
		print_message("  kernel side of %s disturbed: TIME_WAIT socket(s) ended early; once more\n", name);
		trace_free(t);
	}
}

static void run_model(const char *name, const char *ini, struct trace *t)
{
	struct ps_scenario *sc = malloc(sizeof(*sc));
	load(sc, name, ini);
	char *dir = pst_tmpdir();
	struct ps_run_options opt = { .out_dir = dir, .events = true };
	struct ps_run_result res;
	char err[PS_ERR_MAX];
	if (ps_run(sc, &opt, &res, err, sizeof(err)) != PS_DONE)
		fail_msg("model side of %s: %s", name, err);
	ps_run_result_fini(&res);
	free(sc);
	read_events(dir, t);
	pst_rmtree(dir);
	free(dir);
}

static void need_kernel(void **state)
{
	const struct env *e = *state;
	if (!e->available) {
		print_message("SKIP: %s\n", e->why);
		skip();
	}
}

/* Successful opens before the first failure, and that failure's error ("" when none). */
static size_t opens_before_fail(const struct trace *t, const char **err)
{
	size_t n = 0;
	*err = "";
	for (size_t i = 0; i < t->n; i++) {
		if (t->ev[i].kind == 'f') {
			*err = t->ev[i].err;
			return n;
		}
		n += t->ev[i].kind == 'o';
	}
	return n;
}

static size_t count_kind(const struct trace *t, char kind)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->ev[i].kind == kind;
	return n;
}

/* Whether every open's port of parity `first` comes before any of the other, and how many of it. */
static bool parity_first(const struct trace *t, unsigned first, const char *dst, size_t *nfirst)
{
	bool other_seen = false;
	*nfirst = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct ev *e = &t->ev[i];
		if (e->kind != 'o' || (dst && strcmp(e->dst, dst) != 0))
			continue;
		if (e->port % 2 == first) {
			if (other_seen)
				return false;
			(*nfirst)++;
		} else {
			other_seen = true;
		}
	}
	return true;
}

static void row(const char *what, const char *kernel, const char *model, const char *expected)
{
	print_message("  %-44s | %-16s | %-16s | %s\n", what, kernel, model, expected);
}

static void rowu(const char *what, size_t kernel, size_t model, size_t expected)
{
	char k[32], m[32], x[32];
	snprintf(k, sizeof(k), "%zu", kernel);
	snprintf(m, sizeof(m), "%zu", model);
	snprintf(x, sizeof(x), "%zu", expected);
	row(what, k, m, x);
}

#define ONE_DST \
	"[run]\nduration_s = 1\nseed = %d\n" \
	"[host]\nprofile = linux\nport_range = %s\nreserved_ports = %s\ntw_reuse = 0\n" \
	"[workload.c]\narrival = constant\nrate_per_s = %d\nduration = fixed\nduration_s = %s\n" \
	"closer = %s\nmode = %s\ndestinations = %d\n"

static void scenario(char *buf, size_t size, int seed, const char *range, const char *reserved,
		     int attempts, const char *duration, const char *closer, const char *mode, int ndst)
{
	snprintf(buf, size, ONE_DST, seed, range, reserved, attempts, duration, closer, mode, ndst);
}

/* Whether any open used port p. */
static bool used(const struct trace *t, uint16_t p)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ev[i].kind == 'o' && t->ev[i].port == p)
			return true;
	return false;
}

/* L11, L13: client closes first (TIME_WAIT), one destination: the range, then EADDRNOTAVAIL. */
static void test_kernel_exhaustion_count_is_the_range(void **state)
{
	need_kernel(state);
	char ini[1024];
	scenario(ini, sizeof(ini), 1, "40000-40299", "", 400, "0", "client", "connect", 1);
	struct trace k, m;
	run_kernel("exhaustion", ini, &k);
	run_model("exhaustion", ini, &m);
	const char *ke, *me;
	size_t kn = opens_before_fail(&k, &ke), mn = opens_before_fail(&m, &me);
	rowu("exhaustion 40000-40299: opens before 1st fail", kn, mn, 300);
	row("  error of the first failure", ke, me, "EADDRNOTAVAIL");
	assert_int_equal(kn, 300);
	assert_int_equal(mn, 300);
	assert_string_equal(ke, "EADDRNOTAVAIL");
	assert_string_equal(me, "EADDRNOTAVAIL");
	trace_free(&k);
	trace_free(&m);
}

/*
 * An odd-sized range, 40000-40300. The kernel's loop (the same in
 * __inet_hash_connect and inet_csk_find_open_port) makes remaining even
 * (300) but wraps a candidate only when it reaches high + 1, not at
 * low + remaining: a pass starting at offset 0 covers 40000-40298, one
 * starting higher covers 40300 instead of 40000. Every port is reachable,
 * but one pass misses one of the two ends, so the count before the first
 * failure is 300 or 301 depending on where the last pass started. The
 * model (sim/alloc/linux.c) wraps the same way, so it must reach 40300 too.
 */
static void test_kernel_odd_range_reaches_the_top_port(void **state)
{
	need_kernel(state);
	char ini[1024];
	scenario(ini, sizeof(ini), 1, "40000-40300", "", 400, "0", "client", "connect", 1);
	struct trace k, m;
	run_kernel("exhaustion-odd", ini, &k);
	run_model("exhaustion-odd", ini, &m);
	const char *ke, *me;
	size_t kn = opens_before_fail(&k, &ke), mn = opens_before_fail(&m, &me);
	bool kt = used(&k, 40300), mt = used(&m, 40300);
	rowu("exhaustion 40000-40300 (odd): opens", kn, mn, 301);
	row("  top port 40300 ever chosen", kt ? "yes" : "no", mt ? "yes" : "no", "yes");
	assert_in_range(kn, 300, 301);
	assert_in_range(mn, 300, 301);
	/* The wrap subtracts remaining, not n: the top port of an odd range is reachable. */
	assert_true(mt);
	assert_string_equal(ke, "EADDRNOTAVAIL");
	assert_string_equal(me, "EADDRNOTAVAIL");
	trace_free(&k);
	trace_free(&m);
}

/* Opens per destination address. */
static void per_dst(const struct trace *t, const char *const *dsts, size_t ndst, size_t *out)
{
	for (size_t d = 0; d < ndst; d++) {
		out[d] = 0;
		for (size_t i = 0; i < t->n; i++)
			out[d] += t->ev[i].kind == 'o' && !strcmp(t->ev[i].dst, dsts[d]);
	}
}

/* L5: several destinations, each gets the whole range (the 4-tuple rule). */
static void four_tuple_case(const char *mode, const char *label)
{
	char ini[1024];
	/* 1500 uniform draws over 3 destinations: each gets well over 300 (mean 500, sd 18). */
	scenario(ini, sizeof(ini), 2, "40000-40299", "", 1500, "10", "client", mode, 3);
	struct trace k, m;
	run_kernel("four-tuple", ini, &k);
	run_model("four-tuple", ini, &m);
	static const char *const kd[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3" };
	static const char *const md[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
	size_t kc[3], mc[3];
	per_dst(&k, kd, 3, kc);
	per_dst(&m, md, 3, mc);
	for (size_t d = 0; d < 3; d++) {
		char what[96];
		snprintf(what, sizeof(what), "%s: opens to destination %zu", label, d + 1);
		rowu(what, kc[d], mc[d], 300);
		assert_int_equal(kc[d], 300);
		assert_int_equal(mc[d], 300);
		/* Within a destination, the low end's parity first: connect()'s order. */
		size_t kf, mf;
		assert_true(parity_first(&k, 0, kd[d], &kf));
		assert_true(parity_first(&m, 0, md[d], &mf));
		assert_int_equal(kf, 150);
		assert_int_equal(mf, 150);
	}
	trace_free(&k);
	trace_free(&m);
}

static void test_kernel_each_destination_gets_the_whole_range(void **state)
{
	need_kernel(state);
	four_tuple_case("connect", "4-tuple (connect)");
}

/* L7: IP_BIND_ADDRESS_NO_PORT behaves like connect(). */
static void test_kernel_bind_no_port_behaves_like_connect(void **state)
{
	need_kernel(state);
	four_tuple_case("bind-no-port", "bind-no-port");
}

/* L1: every port of the low end's parity before any of the other. */
static void test_kernel_connect_uses_low_parity_first(void **state)
{
	need_kernel(state);
	char ini[1024];
	scenario(ini, sizeof(ini), 3, "40000-40299", "", 300, "10", "client", "connect", 1);
	struct trace k, m;
	run_kernel("parity", ini, &k);
	run_model("parity", ini, &m);
	size_t kf, mf;
	bool ko = parity_first(&k, 0, NULL, &kf), mo = parity_first(&m, 0, NULL, &mf);
	row("parity: all even before any odd (connect)", ko ? "yes" : "no", mo ? "yes" : "no", "yes");
	rowu("parity: even ports used first", kf, mf, 150);
	assert_true(ko);
	assert_true(mo);
	assert_int_equal(kf, 150);
	assert_int_equal(mf, 150);
	trace_free(&k);
	trace_free(&m);
}

/* L6, L1: bind(0) ports are exclusive across destinations and take the other parity first. */
static void test_kernel_bind0_is_exclusive_and_odd_first(void **state)
{
	need_kernel(state);
	char ini[1024];
	scenario(ini, sizeof(ini), 4, "40000-40299", "", 600, "10", "client", "bind0", 2);
	struct trace k, m;
	run_kernel("bind0", ini, &k);
	run_model("bind0", ini, &m);
	const char *ke, *me;
	opens_before_fail(&k, &ke);
	opens_before_fail(&m, &me);
	size_t ko = count_kind(&k, 'o'), mo = count_kind(&m, 'o');
	rowu("bind0, 2 destinations: opens in total", ko, mo, 300);
	row("  error once the range is used", ke, me, "EADDRINUSE");
	size_t kf, mf;
	bool kodd = parity_first(&k, 1, NULL, &kf), modd = parity_first(&m, 1, NULL, &mf);
	row("bind0: all odd before any even", kodd ? "yes" : "no", modd ? "yes" : "no", "yes");
	assert_int_equal(ko, 300);
	assert_int_equal(mo, 300);
	assert_string_equal(ke, "EADDRINUSE");
	assert_string_equal(me, "EADDRINUSE");
	assert_true(kodd);
	assert_true(modd);
	assert_int_equal(kf, 150);
	assert_int_equal(mf, 150);
	/* Exclusive: no port twice, whatever the destination. */
	for (int side = 0; side < 2; side++) {
		const struct trace *t = side ? &m : &k;
		unsigned char seen[300] = { 0 };
		for (size_t i = 0; i < t->n; i++) {
			if (t->ev[i].kind != 'o')
				continue;
			assert_in_range(t->ev[i].port, 40000, 40299);
			assert_int_equal(seen[t->ev[i].port - 40000]++, 0);
		}
	}
	trace_free(&k);
	trace_free(&m);
}

static bool is_reserved(uint16_t p)
{
	return (p >= 40010 && p <= 40019) || p == 40101 || (p >= 40150 && p <= 40160);
}

/* L9: reserved ports are never chosen, by connect(), bind(0) or UDP. */
static void test_kernel_never_picks_reserved_ports(void **state)
{
	need_kernel(state);
	static const struct {
		const char *mode;
		size_t expect;
		const char *err;
	} cases[] = {
		{ "connect", 278, "EADDRNOTAVAIL" },
		{ "bind0", 278, "EADDRINUSE" },
		{ "udp", 278, "EAGAIN" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char ini[1024];
		scenario(ini, sizeof(ini), 5, "40000-40299", "40010-40019,40101,40150-40160", 400, "10",
			 "client", cases[c].mode, 1);
		struct trace k, m;
		run_kernel("reserved", ini, &k);
		run_model("reserved", ini, &m);
		const char *ke, *me;
		size_t kn = opens_before_fail(&k, &ke), mn = opens_before_fail(&m, &me);
		size_t kr = 0, mr = 0;
		for (size_t i = 0; i < k.n; i++)
			kr += k.ev[i].kind == 'o' && is_reserved(k.ev[i].port);
		for (size_t i = 0; i < m.n; i++)
			mr += m.ev[i].kind == 'o' && is_reserved(m.ev[i].port);
		char what[96];
		snprintf(what, sizeof(what), "reserved (22 of 300), %s: opens", cases[c].mode);
		rowu(what, kn, mn, cases[c].expect);
		snprintf(what, sizeof(what), "reserved, %s: reserved ports chosen", cases[c].mode);
		rowu(what, kr, mr, 0);
		assert_int_equal(kr, 0);
		assert_int_equal(mr, 0);
		assert_int_equal(kn, cases[c].expect);
		assert_int_equal(mn, cases[c].expect);
		assert_string_equal(ke, cases[c].err);
		assert_string_equal(me, cases[c].err);
		trace_free(&k);
		trace_free(&m);
	}
}

/* L13, L14: UDP autobind has no parity split: the whole (odd-sized) range, then EAGAIN. */
static void test_kernel_udp_uses_every_port_then_eagain(void **state)
{
	need_kernel(state);
	char ini[1024];
	scenario(ini, sizeof(ini), 6, "40000-40300", "", 400, "10", "client", "udp", 2);
	struct trace k, m;
	run_kernel("udp", ini, &k);
	run_model("udp", ini, &m);
	const char *ke, *me;
	size_t kn = opens_before_fail(&k, &ke), mn = opens_before_fail(&m, &me);
	rowu("udp, 301 ports, 2 destinations: opens", kn, mn, 301);
	row("  error once the range is used", ke, me, "EAGAIN");
	assert_int_equal(kn, 301);
	assert_int_equal(mn, 301);
	assert_string_equal(ke, "EAGAIN");
	assert_string_equal(me, "EAGAIN");
	trace_free(&k);
	trace_free(&m);
}

#define STEP_BINS 8 /* strides 2, 4, ..., 16 */

/* Strides between successive ports, modulo the even part of the range; larger ones are jumps. */
static void strides(const struct trace *t, uint32_t remaining, uint64_t *bins, uint64_t *jumps)
{
	int32_t prev = -1;
	for (size_t i = 0; i < t->n; i++) {
		if (t->ev[i].kind != 'o')
			continue;
		int32_t p = t->ev[i].port;
		if (prev >= 0) {
			uint32_t d = (uint32_t)((p - prev + (int32_t)remaining) % (int32_t)remaining);
			if (d >= 2 && d <= 16 && d % 2 == 0)
				bins[d / 2 - 1]++;
			else
				(*jumps)++;
		}
		prev = p;
	}
}

/*
 * L2: toward one destination, with the pool kept empty (the server closes
 * first, so no 4-tuple is ever blocked), successive ports climb by
 * max(i, 2 U{0..7}) + 2 = 2, 4, ..., 16, each with probability 1/8. The
 * kernel's and the model's stride counts are compared by a chi-square test
 * of homogeneity on the 2 x 8 table (7 degrees of freedom); the threshold
 * 24.32 is the 0.999 quantile of chi-square(7): a true agreement fails
 * once in a thousand runs. Strides outside 2..16 are the 10 s re-salt
 * (which, on the kernel, falls on its own clock ticks at any point of the
 * run) and are counted apart, not tested.
 */
/* Jumps the re-salt can explain in t: one per 10 s epoch the opens span, counting the one they start in. */
static uint64_t epoch_jumps(const struct trace *t)
{
	double first = -1, last = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->ev[i].kind != 'o')
			continue;
		if (first < 0)
			first = t->ev[i].t;
		last = t->ev[i].t;
	}
	return first < 0 ? 0 : 1 + (uint64_t)((last - first) / 10.0);
}

/* A loopback destination of this run's own, outside the range, so no other program's connections share its counter. */
static void own_destination(char *buf, size_t size)
{
	unsigned r = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
	snprintf(buf, size, "127.%u.%u.%u:%u", 1 + (r >> 24) % 250, (r >> 16) & 255, 1 + (r >> 8) % 250,
		 1024 + r % 30000);
}

static void test_kernel_strides_match_in_distribution(void **state)
{
	need_kernel(state);
	char ini[1024], dst[64];
	own_destination(dst, sizeof(dst));
	snprintf(ini, sizeof(ini),
		 "[run]\nduration_s = 1\nseed = 7\n"
		 "[host]\nprofile = linux\nport_range = 32768-60999\ntw_reuse = 0\n"
		 "[workload.c]\narrival = constant\nrate_per_s = 2000\nduration = fixed\nduration_s = 0\n"
		 "closer = server\nmode = connect\ndestination_list = %s\n", dst);
	struct trace k, m;
	uint64_t kb[STEP_BINS] = { 0 }, mb[STEP_BINS] = { 0 }, kj = 0, mj = 0;
	for (int attempt = 0;; attempt++) {
		run_kernel("steps", ini, &k);
		memset(kb, 0, sizeof(kb));
		kj = 0;
		strides(&k, 28232, kb, &kj);
		uint64_t explained = epoch_jumps(&k);
		if (kj <= explained || attempt == 1)
			break;
		print_message("  kernel side disturbed: %llu jumps where its epochs explain %llu; once more\n",
			      (unsigned long long)kj, (unsigned long long)explained);
		trace_free(&k);
	}
	run_model("steps", ini, &m);
	strides(&m, 28232, mb, &mj);
	double nk = 0, nm = 0;
	for (int b = 0; b < STEP_BINS; b++) {
		nk += (double)kb[b];
		nm += (double)mb[b];
	}
	double chi2 = 0;
	for (int b = 0; b < STEP_BINS; b++) {
		double col = (double)(kb[b] + mb[b]);
		double ek = col * nk / (nk + nm), em = col * nm / (nk + nm);
		if (ek > 0)
			chi2 += ((double)kb[b] - ek) * ((double)kb[b] - ek) / ek;
		if (em > 0)
			chi2 += ((double)mb[b] - em) * ((double)mb[b] - em) / em;
		char what[64];
		snprintf(what, sizeof(what), "stride %d: count", 2 * (b + 1));
		rowu(what, (size_t)kb[b], (size_t)mb[b], 1999 / 8);
	}
	rowu("other strides (re-salt jumps)", (size_t)kj, (size_t)mj, 0);
	char ks[32];
	snprintf(ks, sizeof(ks), "%.2f", chi2);
	row("chi-square homogeneity, 7 dof", ks, "", "< 24.32 (p = 0.001)");
	assert_true(nk >= 1900 && nm >= 1900);
	assert_true(chi2 < 24.32);
	/* A 10 s window holds at most one re-salt on the kernel side; the model's run is 1 s, none. */
	assert_true(kj <= 2);
	assert_int_equal(mj, 0);
	trace_free(&k);
	trace_free(&m);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	e->lock = -1;
	e->available = ps_kernel_available(e->why, sizeof(e->why));
	if (e->available && (e->lock = pst_kernel_lock()) < 0) {
		e->available = false;
		snprintf(e->why, sizeof(e->why), "the live kernel stayed busy with another test (%s)",
			 PST_KERNEL_LOCK_FILE);
	}
	if (e->available) {
		print_message("kernel_conformance: the live kernel against the linux model\n");
		row("case", "kernel", "model", "expected");
	} else {
		print_message("kernel_conformance skipped: %s\n", e->why);
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	pst_kernel_unlock(e->lock);
	free(e);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_exhaustion_count_is_the_range),
		cmocka_unit_test(test_kernel_odd_range_reaches_the_top_port),
		cmocka_unit_test(test_kernel_each_destination_gets_the_whole_range),
		cmocka_unit_test(test_kernel_connect_uses_low_parity_first),
		cmocka_unit_test(test_kernel_strides_match_in_distribution),
		cmocka_unit_test(test_kernel_bind0_is_exclusive_and_odd_first),
		cmocka_unit_test(test_kernel_bind_no_port_behaves_like_connect),
		cmocka_unit_test(test_kernel_never_picks_reserved_ports),
		cmocka_unit_test(test_kernel_udp_uses_every_port_then_eagain),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
