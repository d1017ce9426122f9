/* unshare(), CLONE_NEWNET, struct ifreq and IP_BIND_ADDRESS_NO_PORT are GNU/Linux extensions. */
#define _GNU_SOURCE
#include "portsim/kernel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portsim/engine.h"
#include "portsim/trace.h"
#include "portsim/workload.h"

static void say(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

uint32_t ps_kernel_loopback_ip(uint32_t ip)
{
	return (ip >> 24) == 127 ? ip : (0x7Fu << 24) | (ip & 0x00FFFFFFu);
}

/* Destinations of the workload, mapped; 0 or -1 with err (PS_BAD_INPUT). */
static int check_destinations(const struct ps_scenario *sc, const struct ps_workload *w,
			      char *err, size_t size)
{
	if (w->ndsts > PS_KERNEL_MAX_DESTINATIONS) {
		say(err, size, "kernel: %u destinations, at most %u can be replayed (one listener each)",
		    w->ndsts, PS_KERNEL_MAX_DESTINATIONS);
		return -1;
	}
	bool any_loop = false, any_remote = false;
	for (uint32_t i = 0; i < w->ndsts; i++) {
		const struct ps_endpoint *d = &w->dsts[i];
		char a[16], b[16];
		uint32_t ip = ps_kernel_loopback_ip(d->ip);
		ps_ip_format(a, sizeof(a), d->ip);
		ps_ip_format(b, sizeof(b), ip);
		if (d->loopback)
			any_loop = true;
		else
			any_remote = true;
		if ((ip & 0x00FFFFFFu) == 0 || (ip & 0x00FFFFFFu) == 0x00FFFFFFu) {
			say(err, size, "kernel: destination %s would be replayed on %s, which is not a host address",
			    a, b);
			return -1;
		}
		if (d->port >= sc->lo && d->port <= sc->hi) {
			say(err, size,
			    "kernel: destination port %u lies in the ephemeral range %u-%u: its listener "
			    "would take it out of the pool",
			    d->port, sc->lo, sc->hi);
			return -1;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (ps_kernel_loopback_ip(w->dsts[j].ip) == ip && w->dsts[j].port == d->port) {
				char c[16];
				ps_ip_format(c, sizeof(c), w->dsts[j].ip);
				say(err, size, "kernel: destinations %s and %s would both be replayed on %s:%u", c,
				    a, b, d->port);
				return -1;
			}
		}
	}
	if (sc->tw_reuse == PS_TW_REUSE_LOOPBACK && any_loop && any_remote) {
		say(err, size,
		    "kernel: tw_reuse = 2 with both loopback and other destinations cannot be replayed "
		    "(on loopback every destination is loopback); set host.tw_reuse to 0 or 1");
		return -1;
	}
	return 0;
}

enum ps_status ps_kernel_check(const struct ps_scenario *sc, double limit_s, char *err,
			       size_t size)
{
	if (ps_scenario_validate(sc, err, size) != 0)
		return PS_BAD_INPUT;
	if (limit_s > 0 && sc->duration_s > limit_s) {
		say(err, size,
		    "kernel: the scenario lasts %g s of real time, above the limit of %g s; "
		    "raise it with --limit SECONDS (0: none) or shorten run.duration_s",
		    sc->duration_s, limit_s);
		return PS_BAD_INPUT;
	}
	if (sc->time_wait_s != 60.0) {
		say(err, size,
		    "kernel: [host] time_wait_s = %g, but Linux's TIME_WAIT is fixed at 60 s "
		    "(TCP_TIMEWAIT_LEN); set host.time_wait_s = 60",
		    sc->time_wait_s);
		return PS_BAD_INPUT;
	}
	if (!sc->local_time_wait) {
		say(err, size, "kernel: [host] local_time_wait = false is FreeBSD's; Linux keeps TIME_WAIT "
			       "toward loopback");
		return PS_BAD_INPUT;
	}
	if (sc->addresses != 1) {
		say(err, size, "kernel: [host] addresses = %u; only one source address can be replayed",
		    sc->addresses);
		return PS_BAD_INPUT;
	}
	for (unsigned i = 0; i < sc->npop; i++) {
		const struct ps_population *p = &sc->pop[i];
		if (p->keepalive || p->retries) {
			say(err, size, "kernel: [workload.%s] %s cannot be replayed; set it to %s", p->name,
			    p->keepalive ? "keepalive" : "retries", p->keepalive ? "false" : "0");
			return PS_BAD_INPUT;
		}
	}
	struct ps_workload w;
	memset(&w, 0, sizeof(w));
	if (ps_workload_init(&w, sc, sc->seed, err, size) != 0)
		return PS_BAD_INPUT;
	int rc = check_destinations(sc, &w, err, size);
	ps_workload_fini(&w);
	return rc == 0 ? PS_DONE : PS_BAD_INPUT;
}

void ps_kernel_result_fini(struct ps_kernel_result *res)
{
	ps_metrics_fini(&res->m);
}

#ifndef __linux__

bool ps_kernel_available(char *why, size_t size)
{
	say(why, size, "kernel: not Linux: the live-kernel replay needs Linux network namespaces");
	return false;
}

enum ps_status ps_kernel_run(const struct ps_scenario *sc, const struct ps_kernel_options *opt,
			     struct ps_kernel_result *res, char *err, size_t size)
{
	(void)sc;
	(void)opt;
	memset(res, 0, sizeof(*res));
	res->unavailable = true;
	ps_kernel_available(err, size);
	return PS_BAD_INPUT;
}

#else

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* A loopback connect() and its accept() complete within the call; a second is already a fault. */
#define CONNECT_TIMEOUT_MS 2000
/* Long enough for the peer's FIN to cross loopback on a loaded machine. */
#define FIN_WAIT_MS 200
#define NONE UINT32_MAX

enum { EV_ARRIVAL, EV_CLOSE };

struct kconn {
	int cfd, sfd;       /* client socket; accepted server socket (-1 for UDP) */
	uint64_t serial;
	uint32_t dst, gen, next_free;
	uint16_t port;
	uint32_t src_ip;
	bool client_closes, live;
	uint8_t mode;
};

/* A client-closed 4-tuple counted as TIME_WAIT until time_wait after its close. */
struct tw_rec {
	ps_time t;
	uint64_t serial;
	uint32_t dst, idx;
};

struct replay {
	const struct ps_scenario *sc;
	const struct ps_kernel_options *opt;
	struct ps_kernel_result *res;
	struct ps_workload wl;
	struct ps_engine engine;
	struct ps_trace trace;
	bool tracing;
	int *listeners;     /* per destination */
	uint32_t *kip;      /* per destination: its loopback address */
	struct kconn *conns;
	uint32_t nconns, cap_conns, max_conns, free_conn;
	uint64_t serial;
	ps_time end, tw_len;
	struct timespec t0;
	/* inferred TIME_WAIT: a FIFO of records, and per (destination, port) the live record's seq */
	struct tw_rec *ring;
	uint64_t ring_cap, head_seq, next_seq; /* records head_seq .. next_seq - 1 are in the ring */
	uint64_t **tw_seq;  /* [dst] lazily, [port index]: seq + 1 of its record, 0 for none */
	uint32_t *port_ref; /* [port index]: client sockets and inferred TIME_WAIT entries on it */
	uint64_t established, time_wait, ports_in_use;
	uint32_t n;
};

static ps_time elapsed(const struct replay *r)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t ns = (int64_t)(ts.tv_sec - r->t0.tv_sec) * 1000000000LL + (ts.tv_nsec - r->t0.tv_nsec);
	return ns > 0 ? (ps_time)ns : 0;
}

static void sleep_until(const struct replay *r, ps_time t)
{
	struct timespec ts = r->t0;
	ts.tv_sec += (time_t)(t / PS_NS_PER_S);
	ts.tv_nsec += (long)(t % PS_NS_PER_S);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	/* Absolute time: an EINTR restart cannot overshoot, and a bounded number of retries is plenty. */
	for (int i = 0; i < 100; i++)
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != EINTR)
			break;
}

static int write_proc(const char *name, const char *value, char *err, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		say(err, size, "kernel: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	size_t len = strlen(value);
	ssize_t w = write(fd, value, len);
	int e = errno;
	close(fd);
	if (w != (ssize_t)len) {
		say(err, size, "kernel: cannot write \"%s\" to %s: %s", value, path,
		    w < 0 ? strerror(e) : "short write");
		return -1;
	}
	return 0;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The reserved ports of the range as ip_local_reserved_ports wants them: "a,b-c,..." */
static char *reserved_list(const struct ps_scenario *sc)
{
	size_t cap = 64, len = 0;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (uint32_t p = sc->lo; p <= sc->hi;) {
		if (!(sc->reserved[p >> 6] >> (p & 63) & 1)) {
			p++;
			continue;
		}
		uint32_t q = p;
		while (q + 1 <= sc->hi && (sc->reserved[(q + 1) >> 6] >> ((q + 1) & 63) & 1))
			q++;
		if (cap - len < 16) {
			cap *= 2;
			char *t = realloc(s, cap);
			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
		len += (size_t)snprintf(s + len, cap - len, q > p ? "%s%u-%u" : "%s%u", len ? "," : "", p, q);
		p = q + 1;
	}
	if (len == 0)
		strcpy(s, "\n"); /* an empty write is refused; a lone newline clears the list */
	return s;
}

/* Brings lo up and applies the scenario's sysctls in the namespace just entered. */
static int setup_namespace(const struct replay *r, char *err, size_t size)
{
	const struct ps_scenario *sc = r->sc;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		say(err, size, "kernel: socket: %s", strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	int e = errno;
	close(fd);
	if (rc != 0) {
		say(err, size, "kernel: cannot bring lo up: %s", strerror(e));
		return -1;
	}
	char buf[64];
	/* The range's low end may not fall below ip_unprivileged_port_start. */
	if (sc->lo < 1024) {
		snprintf(buf, sizeof(buf), "%u", sc->lo);
		if (write_proc("ip_unprivileged_port_start", buf, err, size) != 0)
			return -1;
	}
	snprintf(buf, sizeof(buf), "%u %u", sc->lo, sc->hi);
	if (write_proc("ip_local_port_range", buf, err, size) != 0)
		return -1;
	char *list = reserved_list(sc);
	if (!list) {
		say(err, size, "out of memory");
		return -1;
	}
	rc = write_proc("ip_local_reserved_ports", list, err, size);
	free(list);
	if (rc != 0)
		return -1;
	bool remote = r->wl.ndsts > 0 && !r->wl.dsts[0].loopback;
	int reuse = sc->tw_reuse == PS_TW_REUSE_LOOPBACK && remote ? 0 : (int)sc->tw_reuse;
	snprintf(buf, sizeof(buf), "%d", reuse);
	if (write_proc("tcp_tw_reuse", buf, err, size) != 0)
		return -1;
	/* Linux 6.14 and later: the delay in ms; older kernels have their fixed 1-2 s. */
	if (reuse && file_exists("/proc/sys/net/ipv4/tcp_tw_reuse_delay")) {
		snprintf(buf, sizeof(buf), "%.0f", sc->tw_reuse_delay_ms < 1 ? 1 : sc->tw_reuse_delay_ms);
		if (write_proc("tcp_tw_reuse_delay", buf, err, size) != 0)
			return -1;
	}
	return 0;
}

static struct sockaddr_in sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(ip);
	a.sin_port = htons(port);
	return a;
}

static int start_listeners(struct replay *r, char *err, size_t size)
{
	bool tcp = false;
	for (unsigned i = 0; i < r->sc->npop; i++)
		tcp |= r->sc->pop[i].mode != PS_MODE_UDP;
	for (uint32_t d = 0; d < r->wl.ndsts; d++)
		r->listeners[d] = -1;
	if (!tcp)
		return 0;
	for (uint32_t d = 0; d < r->wl.ndsts; d++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			say(err, size, "kernel: socket: %s", strerror(errno));
			return -1;
		}
		r->listeners[d] = fd;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in a = sin_of(r->kip[d], r->wl.dsts[d].port);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4096) != 0) {
			char ip[16];
			ps_ip_format(ip, sizeof(ip), r->kip[d]);
			say(err, size, "kernel: cannot listen on %s:%u: %s", ip, r->wl.dsts[d].port,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Raises the descriptor limit toward need (two per connection the kernel
 * could give, plus the listeners) as far as the hard limit allows, and
 * returns how many descriptors may be used.
 */
static uint64_t raise_nofile(uint64_t need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return need;
	struct rlimit up = { (rlim_t)need, (rlim_t)need };
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max >= need) {
		up.rlim_max = rl.rlim_max;
	} else if (setrlimit(RLIMIT_NOFILE, &up) == 0) {
		return need;
	} else {
		/* No CAP_SYS_RESOURCE: as far as the hard limit goes. */
		up.rlim_cur = up.rlim_max = rl.rlim_max;
	}
	if (setrlimit(RLIMIT_NOFILE, &up) != 0)
		return rl.rlim_cur;
	return up.rlim_cur;
}

static void trace(struct replay *r, ps_time t, uint64_t serial, enum ps_trace_event ev, uint32_t src,
		  uint16_t port, uint32_t dst, enum ps_err e)
{
	if (!r->tracing)
		return;
	ps_trace_event(&r->trace, t, serial, ev, src, port, r->kip[dst], r->wl.dsts[dst].port, 0, e);
	r->res->events++;
}

static void port_hold(struct replay *r, uint32_t idx)
{
	if (r->port_ref[idx]++ == 0)
		r->ports_in_use++;
}

static void port_release(struct replay *r, uint32_t idx)
{
	if (--r->port_ref[idx] == 0)
		r->ports_in_use--;
}

static void note_occupancy(struct replay *r)
{
	ps_metrics_occupancy(&r->res->m, r->established, r->time_wait, r->ports_in_use);
}

/* Ends the inferred TIME_WAIT of records older than time_wait. */
static void tw_expire(struct replay *r, ps_time now)
{
	while (r->head_seq < r->next_seq) {
		struct tw_rec *rec = &r->ring[r->head_seq % r->ring_cap];
		if (rec->t + r->tw_len > now)
			break;
		uint64_t *slot = &r->tw_seq[rec->dst][rec->idx];
		if (*slot == r->head_seq + 1) {
			*slot = 0;
			r->time_wait--;
			port_release(r, rec->idx);
		}
		r->head_seq++;
	}
}

static int tw_add(struct replay *r, ps_time t, const struct kconn *c)
{
	if (!r->tw_seq[c->dst]) {
		r->tw_seq[c->dst] = calloc(r->n, sizeof(uint64_t));
		if (!r->tw_seq[c->dst])
			return -1;
	}
	if (r->next_seq - r->head_seq == r->ring_cap) {
		uint64_t cap = r->ring_cap ? 2 * r->ring_cap : 1024;
		struct tw_rec *ring = malloc(cap * sizeof(*ring));
		if (!ring)
			return -1;
		for (uint64_t s = r->head_seq; s < r->next_seq; s++)
			ring[s % cap] = r->ring[s % r->ring_cap];
		free(r->ring);
		r->ring = ring;
		r->ring_cap = cap;
	}
	uint32_t idx = (uint32_t)c->port - r->sc->lo;
	r->ring[r->next_seq % r->ring_cap] = (struct tw_rec){ .t = t, .serial = c->serial, .dst = c->dst, .idx = idx };
	r->tw_seq[c->dst][idx] = ++r->next_seq;
	r->time_wait++;
	port_hold(r, idx);
	return 0;
}

/* A new connection on (dst, port): was it a TIME_WAIT entry's 4-tuple? Then it took it over. */
static void tw_takeover(struct replay *r, ps_time t, uint32_t dst, uint16_t port, uint32_t src)
{
	uint32_t idx = (uint32_t)port - r->sc->lo;
	if (!r->tw_seq[dst] || !r->tw_seq[dst][idx])
		return;
	uint64_t seq = r->tw_seq[dst][idx] - 1;
	r->tw_seq[dst][idx] = 0;
	r->time_wait--;
	port_release(r, idx);
	r->res->m.tw_takeovers++;
	trace(r, t, r->ring[seq % r->ring_cap].serial, PS_EV_TW_TAKEOVER, src, port, dst, PS_OK);
}

static int new_conn(struct replay *r, uint32_t *id)
{
	if (r->free_conn != NONE) {
		*id = r->free_conn;
		r->free_conn = r->conns[*id].next_free;
		return 0;
	}
	if (r->nconns == r->cap_conns) {
		if (r->cap_conns >= r->max_conns)
			return -1;
		uint32_t cap = r->cap_conns ? 2 * r->cap_conns : 1024;
		if (cap > r->max_conns)
			cap = r->max_conns;
		struct kconn *c = realloc(r->conns, (size_t)cap * sizeof(*c));
		if (!c)
			return -1;
		r->conns = c;
		r->cap_conns = cap;
	}
	*id = r->nconns++;
	r->conns[*id].gen = 0;
	return 0;
}

static enum ps_err err_of(int e)
{
	switch (e) {
	case EADDRNOTAVAIL:
		return PS_EADDRNOTAVAIL;
	case EADDRINUSE:
		return PS_EADDRINUSE;
	case EAGAIN:
		return PS_EAGAIN;
	default:
		return PS_OK;
	}
}

/* Accepts the connection whose client port is port from listener fd; the fd, or -1. */
static int accept_peer(int fd, uint16_t port)
{
	/* One accept per connect, serially: the queue's head is ours; a few more tries cover strays. */
	for (int tries = 0; tries < 4; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, CONNECT_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int s = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
		if (s < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			return -1;
		}
		if (ntohs(peer.sin_port) == port)
			return s;
		close(s);
	}
	return -1;
}

/*
 * Opens one socket as the mode says. Returns 0 with *fd and *port, or with
 * *e set when the kernel refused a port; -1 with err on anything else.
 */
static int open_socket(struct replay *r, enum ps_mode mode, uint32_t dst, int *fd, uint16_t *port,
		       uint32_t *src, enum ps_err *e, char *err, size_t size)
{
	*fd = -1;
	*e = PS_OK;
	int s = socket(AF_INET, (mode == PS_MODE_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (s < 0) {
		say(err, size, "kernel: socket: %s", strerror(errno));
		return -1;
	}
	struct timeval tv = { CONNECT_TIMEOUT_MS / 1000, (CONNECT_TIMEOUT_MS % 1000) * 1000 };
	/* On Linux SO_SNDTIMEO bounds a blocking connect(). */
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	const char *what = "connect";
	int rc = 0;
	if (mode == PS_MODE_BIND0) {
		struct sockaddr_in any = sin_of(INADDR_ANY, 0);
		what = "bind";
		rc = bind(s, (struct sockaddr *)&any, sizeof(any));
	} else if (mode == PS_MODE_BIND_NO_PORT) {
		int one = 1;
		struct sockaddr_in a = sin_of(INADDR_LOOPBACK, 0);
		what = "bind";
		rc = setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (rc == 0)
			rc = bind(s, (struct sockaddr *)&a, sizeof(a));
	}
	if (rc == 0) {
		struct sockaddr_in a = sin_of(r->kip[dst], r->wl.dsts[dst].port);
		what = "connect";
		rc = connect(s, (struct sockaddr *)&a, sizeof(a));
	}
	if (rc != 0) {
		int en = errno;
		close(s);
		*e = err_of(en);
		if (*e != PS_OK)
			return 0;
		char ip[16];
		ps_ip_format(ip, sizeof(ip), r->kip[dst]);
		say(err, size, "kernel: %s toward %s:%u (%s): %s", what, ip, r->wl.dsts[dst].port,
		    ps_mode_name(mode), en == EINPROGRESS ? "timed out" : strerror(en));
		return -1;
	}
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	if (getsockname(s, (struct sockaddr *)&me, &len) != 0) {
		say(err, size, "kernel: getsockname: %s", strerror(errno));
		close(s);
		return -1;
	}
	*fd = s;
	*port = ntohs(me.sin_port);
	*src = ntohl(me.sin_addr.s_addr);
	return 0;
}

static int on_arrival(struct replay *r, unsigned pop, ps_time sim_now, char *err, size_t size)
{
	struct ps_attempt a;
	ps_workload_draw(&r->wl, pop, &a);
	struct ps_metrics *m = &r->res->m;
	m->requests++;
	if (r->serial >= PS_KERNEL_MAX_ATTEMPTS) {
		say(err, size, "kernel: more than %u attempts: stopped", PS_KERNEL_MAX_ATTEMPTS);
		return -1;
	}
	uint64_t serial = ++r->serial;
	int fd;
	uint16_t port = 0;
	uint32_t src = INADDR_LOOPBACK;
	enum ps_err e;
	if (open_socket(r, a.mode, a.dst, &fd, &port, &src, &e, err, size) != 0)
		return -1;
	ps_time t = elapsed(r);
	tw_expire(r, t);
	ps_metrics_attempt(m, t, e, 0);
	if (e != PS_OK) {
		trace(r, t, serial, PS_EV_FAIL, src, 0, a.dst, e);
		return 0;
	}
	if (port < r->sc->lo || port > r->sc->hi) {
		close(fd);
		say(err, size, "kernel: got port %u outside the range %u-%u: was the sysctl applied?", port,
		    r->sc->lo, r->sc->hi);
		return -1;
	}
	int sfd = -1;
	if (a.mode != PS_MODE_UDP) {
		sfd = accept_peer(r->listeners[a.dst], port);
		if (sfd < 0) {
			close(fd);
			say(err, size, "kernel: the listener did not accept port %u's connection", port);
			return -1;
		}
	}
	uint32_t id;
	if (new_conn(r, &id) != 0) {
		close(fd);
		if (sfd >= 0)
			close(sfd);
		say(err, size,
		    "kernel: more than %u live connections, as many as the descriptor limit "
		    "(ulimit -n) allows: stopped",
		    r->max_conns);
		return -1;
	}
	struct kconn *c = &r->conns[id];
	*c = (struct kconn){ .cfd = fd, .sfd = sfd, .serial = serial, .dst = a.dst, .gen = c->gen + 1,
			     .next_free = NONE, .port = port, .src_ip = src, .client_closes = a.client_closes,
			     .live = true, .mode = (uint8_t)a.mode };
	tw_takeover(r, t, a.dst, port, src);
	trace(r, t, serial, PS_EV_OPEN, src, port, a.dst, PS_OK);
	r->established++;
	port_hold(r, (uint32_t)port - r->sc->lo);
	note_occupancy(r);
	ps_time end = sim_now + a.duration;
	if (end < sim_now)
		end = PS_TIME_MAX;
	if (end < r->end && ps_engine_schedule(&r->engine, end, EV_CLOSE, id, c->gen) != 0) {
		say(err, size, "out of memory");
		return -1;
	}
	return 0;
}

/* Waits (bounded) until fd has seen its peer's FIN, so that closing it is the passive close. */
static void await_fin(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	for (int i = 0; i < 4; i++)
		if (poll(&p, 1, FIN_WAIT_MS) >= 0 || errno != EINTR)
			return;
}

static int on_close(struct replay *r, uint32_t id, uint32_t gen, char *err, size_t size)
{
	struct kconn *c = &r->conns[id];
	if (!c->live || c->gen != gen)
		return 0;
	ps_time t = elapsed(r);
	tw_expire(r, t);
	trace(r, t, c->serial, PS_EV_CLOSE, c->src_ip, c->port, c->dst, PS_OK);
	bool active = c->client_closes || c->sfd < 0;
	if (c->sfd < 0) {
		close(c->cfd);
	} else if (c->client_closes) {
		/* The client's FIN first; then the server's, so the client reaches TIME_WAIT, not FIN_WAIT2. */
		close(c->cfd);
		await_fin(c->sfd);
		close(c->sfd);
	} else {
		close(c->sfd);
		await_fin(c->cfd);
		close(c->cfd);
	}
	c->live = false;
	r->established--;
	uint32_t idx = (uint32_t)c->port - r->sc->lo;
	/* UDP keeps no TIME_WAIT; a TCP client that closed first does. */
	if (active && c->mode != PS_MODE_UDP) {
		if (tw_add(r, t, c) != 0) {
			say(err, size, "out of memory");
			return -1;
		}
	}
	port_release(r, idx);
	note_occupancy(r);
	c->next_free = r->free_conn;
	r->free_conn = id;
	return 0;
}

static void progress(const struct replay *r, bool last)
{
	const struct ps_metrics *m = &r->res->m;
	fprintf(stderr,
		"\rportsim: kernel %.1f of %.1f s, %" PRIu64 " attempts, %" PRIu64 " failed, %" PRIu64
		" established, %" PRIu64 " in TIME_WAIT   %s",
		(double)elapsed(r) / 1e9, (double)r->end / 1e9, m->attempts, m->failures, r->established,
		r->time_wait, last ? "\n" : "");
}

static int play(struct replay *r, char *err, size_t size)
{
	const struct ps_kernel_options *opt = r->opt;
	ps_time deadline = ps_time_from_s((opt->fast ? 0 : r->sc->duration_s) + PS_KERNEL_SLACK_S);
	ps_time last_shown = 0;
	struct ps_event ev;
	while (ps_engine_peek_time(&r->engine) < r->end && ps_engine_pop(&r->engine, &ev)) {
		if (!opt->fast) {
			sleep_until(r, ev.t);
			ps_time now = elapsed(r);
			double lag = now > ev.t ? (double)(now - ev.t) / 1e9 : 0.0;
			if (lag > r->res->max_lag_s)
				r->res->max_lag_s = lag;
		}
		if (elapsed(r) > deadline) {
			say(err, size, "kernel: still running after %.0f s of real time: stopped",
			    (double)deadline / 1e9);
			return -1;
		}
		if (ev.type == EV_ARRIVAL) {
			if (on_arrival(r, ev.id, ev.t, err, size) != 0)
				return -1;
			ps_time next = ps_workload_next_arrival(&r->wl, ev.id, ev.t);
			if (next < r->end && ps_engine_schedule(&r->engine, next, EV_ARRIVAL, ev.id, 0) != 0) {
				say(err, size, "out of memory");
				return -1;
			}
		} else if (on_close(r, ev.id, ev.gen, err, size) != 0) {
			return -1;
		}
		if (opt->progress && elapsed(r) - last_shown >= PS_NS_PER_S) {
			last_shown = elapsed(r);
			progress(r, false);
		}
	}
	if (!opt->fast)
		sleep_until(r, r->end);
	tw_expire(r, elapsed(r));
	if (opt->progress)
		progress(r, true);
	return 0;
}

static void replay_fini(struct replay *r)
{
	if (r->tracing)
		ps_csv_abort(&r->trace.events);
	for (uint32_t i = 0; i < r->nconns; i++) {
		if (!r->conns[i].live)
			continue;
		close(r->conns[i].cfd);
		if (r->conns[i].sfd >= 0)
			close(r->conns[i].sfd);
	}
	if (r->listeners)
		for (uint32_t d = 0; d < r->wl.ndsts; d++)
			if (r->listeners[d] >= 0)
				close(r->listeners[d]);
	if (r->tw_seq)
		for (uint32_t d = 0; d < r->wl.ndsts; d++)
			free(r->tw_seq[d]);
	free(r->tw_seq);
	free(r->ring);
	free(r->port_ref);
	free(r->conns);
	free(r->listeners);
	free(r->kip);
	ps_engine_fini(&r->engine);
	ps_workload_fini(&r->wl);
}

bool ps_kernel_available(char *why, size_t size)
{
	pid_t pid = fork();
	if (pid < 0) {
		say(why, size, "kernel: fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : (errno & 0x7f) + 1);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	int e = WIFEXITED(status) ? WEXITSTATUS(status) - 1 : 0;
	say(why, size,
	    "kernel: cannot make a network namespace (unshare(CLONE_NEWNET): %s); it needs root or "
	    "CAP_SYS_ADMIN and CAP_NET_ADMIN, and a kernel with network namespaces",
	    e > 0 ? strerror(e) : "the probe died");
	return false;
}

enum ps_status ps_kernel_run(const struct ps_scenario *sc, const struct ps_kernel_options *opt,
			     struct ps_kernel_result *res, char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(res->release, sizeof(res->release), "%s", u.release);
	enum ps_status st = ps_kernel_check(sc, opt->limit_s, err, size);
	if (st != PS_DONE)
		return st;
	if (ps_metrics_init(&res->m, 1) != 0) {
		say(err, size, "out of memory");
		return PS_FAILED;
	}
	struct replay r;
	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.opt = opt;
	r.res = res;
	r.free_conn = NONE;
	r.end = ps_time_from_s(sc->duration_s);
	r.tw_len = ps_time_from_s(sc->time_wait_s);
	r.n = (uint32_t)sc->hi - sc->lo + 1;
	st = PS_FAILED;
	if (ps_workload_init(&r.wl, sc, sc->seed, err, size) != 0) {
		st = PS_BAD_INPUT;
		goto out;
	}
	if (ps_engine_init(&r.engine, 0) != 0) {
		say(err, size, "out of memory");
		goto out;
	}
	uint64_t max = (uint64_t)r.n * (r.wl.ndsts ? r.wl.ndsts : 1);
	r.max_conns = max > 1000000 ? 1000000 : (uint32_t)max;
	r.listeners = calloc(r.wl.ndsts + 1, sizeof(int));
	r.kip = calloc(r.wl.ndsts + 1, sizeof(uint32_t));
	r.tw_seq = calloc(r.wl.ndsts + 1, sizeof(uint64_t *));
	r.port_ref = calloc(r.n, sizeof(uint32_t));
	if (!r.listeners || !r.kip || !r.tw_seq || !r.port_ref) {
		say(err, size, "out of memory");
		goto out;
	}
	for (uint32_t d = 0; d < r.wl.ndsts; d++)
		r.kip[d] = ps_kernel_loopback_ip(r.wl.dsts[d].ip);
	uint64_t fds = raise_nofile(2 * (uint64_t)r.max_conns + r.wl.ndsts + 64);
	/* Beyond this many live connections the run stops with a message: it never hangs on EMFILE. */
	if (fds < 2 * (uint64_t)r.max_conns + r.wl.ndsts + 64)
		r.max_conns = fds > r.wl.ndsts + 64 + 2 ? (uint32_t)((fds - r.wl.ndsts - 64) / 2) : 1;
	if (unshare(CLONE_NEWNET) != 0) {
		int e = errno;
		res->unavailable = true;
		say(err, size,
		    "kernel: cannot make a network namespace (unshare(CLONE_NEWNET): %s); run as root "
		    "or with CAP_SYS_ADMIN and CAP_NET_ADMIN",
		    strerror(e));
		st = PS_BAD_INPUT;
		goto out;
	}
	if (setup_namespace(&r, err, size) != 0 || start_listeners(&r, err, size) != 0)
		goto out;
	if (opt->out_dir) {
		memset(&r.trace, 0, sizeof(r.trace));
		if (ps_csv_open(&r.trace.events, opt->out_dir, "events.csv", PS_EVENTS_HEADER) != 0) {
			say(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
			goto out;
		}
		r.trace.with_events = true;
		r.tracing = true;
	}
	for (unsigned i = 0; i < sc->npop; i++) {
		ps_time t = ps_workload_next_arrival(&r.wl, i, 0);
		if (t < r.end && ps_engine_schedule(&r.engine, t, EV_ARRIVAL, i, 0) != 0) {
			say(err, size, "out of memory");
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	if (play(&r, err, size) != 0)
		goto out;
	res->wall_s = (double)elapsed(&r) / 1e9;
	if (r.tracing) {
		r.tracing = false;
		char strategy[96];
		snprintf(strategy, sizeof(strategy), "kernel-%s", res->release);
		if (ps_csv_commit(&r.trace.events) != 0 ||
		    ps_summary_write(opt->out_dir, sc->name, strategy, sc->seed, r.end, &res->m, res->events,
				     res->wall_s) != 0) {
			say(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
			goto out;
		}
	}
	st = PS_DONE;
out:
	replay_fini(&r);
	if (st != PS_DONE)
		ps_metrics_fini(&res->m);
	return st;
}

#endif
