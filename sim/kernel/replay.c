/*
 * The replay loop: the workload drawn exactly as `portsim run` draws it
 * (same seed, same streams), each arrival opened as a real socket at its
 * time (or back to back with `fast`), each connection closed from the
 * drawn side at its end, and what the kernel does not show inferred:
 * TIME_WAIT occupancy and takeovers of client-closed 4-tuples.
 */
#include "internal.h"

#ifdef __linux__

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NONE UINT32_MAX

enum { EV_ARRIVAL, EV_CLOSE };

static ps_time elapsed(const struct ps_replay *r)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t ns = (int64_t)(ts.tv_sec - r->t0.tv_sec) * 1000000000LL + (ts.tv_nsec - r->t0.tv_nsec);
	return ns > 0 ? (ps_time)ns : 0;
}

static void sleep_until(const struct ps_replay *r, ps_time t)
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

static void trace(struct ps_replay *r, ps_time t, uint64_t serial, enum ps_trace_event ev, uint32_t src,
		  uint16_t port, uint32_t dst, enum ps_err e)
{
	if (!r->tracing)
		return;
	ps_trace_event(&r->trace, t, serial, ev, src, port, r->kip[dst], r->cfg->workload.dsts[dst].port, 0, e);
	r->res->events++;
}

static void port_hold(struct ps_replay *r, uint32_t idx)
{
	if (r->port_ref[idx]++ == 0)
		r->ports_in_use++;
}

static void port_release(struct ps_replay *r, uint32_t idx)
{
	if (--r->port_ref[idx] == 0)
		r->ports_in_use--;
}

static void note_occupancy(struct ps_replay *r)
{
	ps_metrics_occupancy(&r->res->m, r->established, r->time_wait, r->ports_in_use);
}

/*
 * Ends the inferred TIME_WAIT of records older than time_wait; when the
 * kernel's own ends are watched, only drops the records they ended.
 */
static void tw_expire(struct ps_replay *r, ps_time now)
{
	while (r->head_seq < r->next_seq) {
		struct ps_tw_rec *rec = &r->ring[r->head_seq % r->ring_cap];
		uint64_t *slot = &r->tw_seq[rec->dst][rec->idx];
		bool live = *slot == r->head_seq + 1;
		if (r->opt->tw_ends ? live : rec->t + r->tw_len > now)
			break;
		if (live) {
			*slot = 0;
			r->time_wait--;
			port_release(r, rec->idx);
		}
		r->head_seq++;
	}
}

static int tw_add(struct ps_replay *r, ps_time t, const struct ps_kconn *c)
{
	if (!r->tw_seq[c->dst]) {
		r->tw_seq[c->dst] = calloc(r->n, sizeof(uint64_t));
		if (!r->tw_seq[c->dst])
			return -1;
	}
	if (r->next_seq - r->head_seq == r->ring_cap) {
		uint64_t cap = r->ring_cap ? 2 * r->ring_cap : 1024;
		struct ps_tw_rec *ring = malloc(cap * sizeof(*ring));
		if (!ring)
			return -1;
		for (uint64_t s = r->head_seq; s < r->next_seq; s++)
			ring[s % cap] = r->ring[s % r->ring_cap];
		free(r->ring);
		r->ring = ring;
		r->ring_cap = cap;
	}
	uint32_t idx = (uint32_t)c->port - r->cfg->host.lo;
	r->ring[r->next_seq % r->ring_cap] = (struct ps_tw_rec){ .t = t, .serial = c->serial, .dst = c->dst, .idx = idx };
	r->tw_seq[c->dst][idx] = ++r->next_seq;
	r->time_wait++;
	port_hold(r, idx);
	return 0;
}

/* A new connection on (dst, port): was it a TIME_WAIT entry's 4-tuple? Then it took it over. */
static void tw_takeover(struct ps_replay *r, ps_time t, uint32_t dst, uint16_t port, uint32_t src)
{
	uint32_t idx = (uint32_t)port - r->cfg->host.lo;
	if (!r->tw_seq[dst] || !r->tw_seq[dst][idx])
		return;
	uint64_t seq = r->tw_seq[dst][idx] - 1;
	r->tw_seq[dst][idx] = 0;
	r->time_wait--;
	port_release(r, idx);
	r->res->m.tw_takeovers++;
	trace(r, t, r->ring[seq % r->ring_cap].serial, PS_EV_TW_TAKEOVER, src, port, dst, PS_OK);
}

/* A TIME_WAIT socket the kernel removed: the entry of (destination, port) ends at t, with a tw_end row. */
static void tw_gone(void *ctx, const struct ps_tw_key *k, ps_time t)
{
	struct ps_replay *r = ctx;
	uint16_t port = (uint16_t)(k->hi >> 48), rport = (uint16_t)k->hi;
	uint32_t rip = (uint32_t)(k->hi >> 16);
	if (port < r->cfg->host.lo || port > r->cfg->host.hi)
		return;
	uint32_t idx = (uint32_t)port - r->cfg->host.lo;
	for (uint32_t d = 0; d < r->cfg->workload.ndsts; d++) {
		if (r->kip[d] != rip || r->cfg->workload.dsts[d].port != rport || !r->tw_seq[d] || !r->tw_seq[d][idx])
			continue;
		uint64_t seq = r->tw_seq[d][idx] - 1;
		const struct ps_tw_rec *rec = &r->ring[seq % r->ring_cap];
		r->tw_seq[d][idx] = 0;
		r->time_wait--;
		port_release(r, idx);
		/* The wheel only ever ends an entry late: one gone sooner was ended by something else. */
		if (t - rec->t < r->tw_len)
			r->early_ends++;
		trace(r, t, rec->serial, PS_EV_TW_END, (uint32_t)k->lo, port, d, PS_OK);
		return;
	}
}

/*
 * Sleeps until t; with tw_ends, reading the socket table every
 * PS_KERNEL_TW_POLL_MS on the way (at most every other reading's length,
 * so that a full table does not take all the time). 0, or -1 with err.
 */
static int wait_until(struct ps_replay *r, ps_time t, char *err, size_t size)
{
	if (!r->opt->tw_ends) {
		sleep_until(r, t);
		return 0;
	}
	for (;;) {
		ps_time now = elapsed(r);
		if (now >= r->next_poll) {
			/* A time of 0 would read as "seen" in the watch; no reading comes that early anyway. */
			if (ps_kernel_tcp_time_wait(&r->table) != 0 ||
			    ps_tw_watch_update(&r->watch, r->table.keys, r->table.n, now ? now : 1, tw_gone, r) != 0) {
				ps_kernel_say(err, size, "kernel: cannot read /proc/net/tcp in the namespace");
				return -1;
			}
			ps_time took = elapsed(r) - now, gap = PS_KERNEL_TW_POLL_MS * 1000000ULL;
			r->next_poll = elapsed(r) + (2 * took > gap ? 2 * took : gap);
		}
		if (elapsed(r) >= t)
			return 0;
		sleep_until(r, t < r->next_poll ? t : r->next_poll);
	}
}

static int new_conn(struct ps_replay *r, uint32_t *id)
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
		struct ps_kconn *c = realloc(r->conns, (size_t)cap * sizeof(*c));
		if (!c)
			return -1;
		r->conns = c;
		r->cap_conns = cap;
	}
	*id = r->nconns++;
	r->conns[*id].gen = 0;
	return 0;
}

static int on_arrival(struct ps_replay *r, unsigned pop, ps_time sim_now, char *err, size_t size)
{
	const struct ps_host_config *host = &r->cfg->host;
	struct ps_attempt a;
	ps_workload_draw(&r->wl, pop, &a);
	struct ps_metrics *m = &r->res->m;
	m->requests++;
	if (r->serial >= PS_KERNEL_MAX_ATTEMPTS) {
		ps_kernel_say(err, size, "kernel: more than %u attempts: stopped", PS_KERNEL_MAX_ATTEMPTS);
		return -1;
	}
	uint64_t serial = ++r->serial;
	int fd;
	uint16_t port = 0;
	uint32_t src = INADDR_LOOPBACK;
	enum ps_err e;
	if (ps_kernel_open(r, a.mode, a.dst, &fd, &port, &src, &e, err, size) != 0)
		return -1;
	ps_time t = elapsed(r);
	tw_expire(r, t);
	ps_metrics_attempt(m, t, e, 0);
	if (e != PS_OK) {
		trace(r, t, serial, PS_EV_FAIL, src, 0, a.dst, e);
		return 0;
	}
	if (port < host->lo || port > host->hi) {
		close(fd);
		ps_kernel_say(err, size, "kernel: got port %u outside the range %u-%u: was the sysctl applied?",
			      port, host->lo, host->hi);
		return -1;
	}
	int sfd = -1;
	if (a.mode != PS_MODE_UDP) {
		sfd = ps_kernel_accept(r->listeners[a.dst], port);
		if (sfd < 0) {
			close(fd);
			ps_kernel_say(err, size, "kernel: the listener did not accept port %u's connection", port);
			return -1;
		}
	}
	uint32_t id;
	if (new_conn(r, &id) != 0) {
		close(fd);
		if (sfd >= 0)
			close(sfd);
		ps_kernel_say(err, size,
			      "kernel: more than %u live connections, as many as the descriptor limit "
			      "(ulimit -n) allows: stopped",
			      r->max_conns);
		return -1;
	}
	struct ps_kconn *c = &r->conns[id];
	*c = (struct ps_kconn){ .cfd = fd, .sfd = sfd, .serial = serial, .dst = a.dst, .gen = c->gen + 1,
				.next_free = NONE, .port = port, .src_ip = src, .client_closes = a.client_closes,
				.live = true, .mode = (uint8_t)a.mode };
	tw_takeover(r, t, a.dst, port, src);
	trace(r, t, serial, PS_EV_OPEN, src, port, a.dst, PS_OK);
	r->established++;
	port_hold(r, (uint32_t)port - host->lo);
	note_occupancy(r);
	ps_time end = sim_now + a.duration;
	if (end < sim_now)
		end = PS_TIME_MAX;
	if (end < r->end && ps_engine_schedule(&r->engine, end, EV_CLOSE, id, c->gen) != 0) {
		ps_kernel_say(err, size, "out of memory");
		return -1;
	}
	return 0;
}

static int on_close(struct ps_replay *r, uint32_t id, uint32_t gen, char *err, size_t size)
{
	struct ps_kconn *c = &r->conns[id];
	if (!c->live || c->gen != gen)
		return 0;
	ps_time t = elapsed(r);
	tw_expire(r, t);
	trace(r, t, c->serial, PS_EV_CLOSE, c->src_ip, c->port, c->dst, PS_OK);
	bool active = c->client_closes || c->sfd < 0;
	ps_kernel_hang_up(c);
	c->live = false;
	r->established--;
	uint32_t idx = (uint32_t)c->port - r->cfg->host.lo;
	/* UDP keeps no TIME_WAIT; a TCP client that closed first does. */
	if (active && c->mode != PS_MODE_UDP) {
		if (tw_add(r, t, c) != 0) {
			ps_kernel_say(err, size, "out of memory");
			return -1;
		}
	}
	port_release(r, idx);
	note_occupancy(r);
	c->next_free = r->free_conn;
	r->free_conn = id;
	return 0;
}

/* On a terminal one line redrawn; in a log, one line each time. */
static void progress(const struct ps_replay *r, bool last)
{
	const struct ps_metrics *m = &r->res->m;
	bool tty = isatty(fileno(stderr));
	fprintf(stderr,
		"%sportsim: kernel %.1f of %.1f s, %" PRIu64 " attempts, %" PRIu64 " failed, %" PRIu64
		" established, %" PRIu64 " in TIME_WAIT%s",
		tty ? "\r" : "", (double)elapsed(r) / 1e9, (double)r->end / 1e9, m->attempts, m->failures,
		r->established, r->time_wait, !tty || last ? "\n" : "   ");
}

static int play(struct ps_replay *r, char *err, size_t size)
{
	const struct ps_kernel_options *opt = r->opt;
	ps_time deadline = ps_time_from_s((opt->fast ? 0 : r->cfg->workload.end_s) + PS_KERNEL_SLACK_S);
	ps_time last_shown = 0;
	struct ps_event ev;
	while (ps_engine_peek_time(&r->engine) < r->end && ps_engine_pop(&r->engine, &ev)) {
		if (!opt->fast) {
			if (wait_until(r, ev.t, err, size) != 0)
				return -1;
			ps_time now = elapsed(r);
			double lag = now > ev.t ? (double)(now - ev.t) / 1e9 : 0.0;
			if (lag > r->res->max_lag_s)
				r->res->max_lag_s = lag;
		}
		if (elapsed(r) > deadline) {
			ps_kernel_say(err, size, "kernel: still running after %.0f s of real time: stopped",
				      (double)deadline / 1e9);
			return -1;
		}
		if (ev.type == EV_ARRIVAL) {
			if (on_arrival(r, ev.id, ev.t, err, size) != 0)
				return -1;
			ps_time next = ps_workload_next_arrival(&r->wl, ev.id, ev.t);
			if (next < r->end && ps_engine_schedule(&r->engine, next, EV_ARRIVAL, ev.id, 0) != 0) {
				ps_kernel_say(err, size, "out of memory");
				return -1;
			}
		} else if (on_close(r, ev.id, ev.gen, err, size) != 0) {
			return -1;
		}
		if (r->tracing && ps_csv_check(&r->trace.events) != 0) {
			ps_kernel_say(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
			return -1;
		}
		if (opt->progress && elapsed(r) - last_shown >= PS_NS_PER_S) {
			last_shown = elapsed(r);
			progress(r, false);
		}
	}
	if (!opt->fast && wait_until(r, r->end, err, size) != 0)
		return -1;
	/* An entry the last reading lacked is confirmed (or found skipped) by one more. */
	if (!opt->fast && opt->tw_ends && wait_until(r, r->next_poll, err, size) != 0)
		return -1;
	tw_expire(r, elapsed(r));
	if (opt->progress)
		progress(r, true);
	return 0;
}

static void replay_fini(struct ps_replay *r)
{
	uint32_t ndsts = r->cfg->workload.ndsts;
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
		for (uint32_t d = 0; d < ndsts; d++)
			if (r->listeners[d] >= 0)
				close(r->listeners[d]);
	if (r->tw_seq)
		for (uint32_t d = 0; d < ndsts; d++)
			free(r->tw_seq[d]);
	free(r->tw_seq);
	free(r->ring);
	free(r->port_ref);
	free(r->conns);
	free(r->listeners);
	free(r->kip);
	ps_tw_watch_fini(&r->watch);
	ps_kernel_tcp_table_fini(&r->table);
	ps_engine_fini(&r->engine);
	ps_workload_fini(&r->wl);
}

/* Sizes the tables and the live-connection bound; 0, or -1 out of memory. */
static int replay_init(struct ps_replay *r)
{
	const struct ps_workload_config *w = &r->cfg->workload;
	uint64_t max = (uint64_t)r->n * (w->ndsts ? w->ndsts : 1);
	r->max_conns = max > 1000000 ? 1000000 : (uint32_t)max;
	r->listeners = calloc(w->ndsts + 1, sizeof(int));
	r->kip = calloc(w->ndsts + 1, sizeof(uint32_t));
	r->tw_seq = calloc(w->ndsts + 1, sizeof(uint64_t *));
	r->port_ref = calloc(r->n, sizeof(uint32_t));
	if (!r->listeners || !r->kip || !r->tw_seq || !r->port_ref)
		return -1;
	for (uint32_t d = 0; d < w->ndsts; d++)
		r->kip[d] = ps_kernel_loopback_ip(w->dsts[d].ip);
	uint64_t fds = ps_kernel_raise_nofile(2 * (uint64_t)r->max_conns + w->ndsts + 64);
	/* Beyond this many live connections the run stops with a message: it never hangs on EMFILE. */
	if (fds < 2 * (uint64_t)r->max_conns + w->ndsts + 64)
		r->max_conns = fds > w->ndsts + 64 + 2 ? (uint32_t)((fds - w->ndsts - 64) / 2) : 1;
	return 0;
}

enum ps_status ps_kernel_replay(const struct ps_run_config *cfg, const struct ps_kernel_options *opt,
				struct ps_kernel_result *res, char *err, size_t size)
{
	if (ps_metrics_init(&res->m, 1) != 0) {
		ps_kernel_say(err, size, "out of memory");
		return PS_FAILED;
	}
	const struct ps_workload_config *w = &cfg->workload;
	struct ps_replay r;
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.opt = opt;
	r.res = res;
	r.free_conn = NONE;
	r.end = cfg->end;
	r.tw_len = cfg->host.time_wait;
	r.n = (uint32_t)cfg->host.hi - cfg->host.lo + 1;
	enum ps_status st = PS_FAILED;
	if (ps_workload_init(&r.wl, w, err, size) != 0) {
		st = PS_BAD_INPUT;
		goto out;
	}
	if (ps_engine_init(&r.engine, 0) != 0 || replay_init(&r) != 0) {
		ps_kernel_say(err, size, "out of memory");
		goto out;
	}
	if (ps_kernel_unshare(err, size) != 0) {
		res->unavailable = true;
		st = PS_BAD_INPUT;
		goto out;
	}
	bool remote = w->ndsts > 0 && !w->dsts[0].loopback;
	if (ps_kernel_setup_namespace(&cfg->host, remote, err, size) != 0 || ps_kernel_listen(&r, err, size) != 0)
		goto out;
	if (opt->out_dir) {
		memset(&r.trace, 0, sizeof(r.trace));
		if (ps_csv_open(&r.trace.events, opt->out_dir, "events.csv", PS_EVENTS_HEADER) != 0) {
			ps_kernel_say(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
			goto out;
		}
		r.trace.with_events = true;
		r.tracing = true;
	}
	for (unsigned i = 0; i < w->npop; i++) {
		ps_time t = ps_workload_next_arrival(&r.wl, i, 0);
		if (t < r.end && ps_engine_schedule(&r.engine, t, EV_ARRIVAL, i, 0) != 0) {
			ps_kernel_say(err, size, "out of memory");
			goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	if (play(&r, err, size) != 0)
		goto out;
	res->wall_s = (double)elapsed(&r) / 1e9;
	res->tw_lost = r.early_ends + (cfg->host.tw_reuse == PS_TW_REUSE_NEVER ? res->m.tw_takeovers : 0);
	if (res->tw_lost)
		ps_kernel_early_ends(res->tw_lost_why, sizeof(res->tw_lost_why));
	if (r.tracing) {
		r.tracing = false;
		char strategy[96];
		snprintf(strategy, sizeof(strategy), "kernel-%s", res->release);
		if (ps_csv_commit(&r.trace.events) != 0 ||
		    ps_summary_write(opt->out_dir, cfg->name, strategy, cfg->seed, r.end, &res->m, res->events,
				     res->wall_s) != 0) {
			ps_kernel_say(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
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

#else
typedef int ps_kernel_replay_needs_linux;
#endif
