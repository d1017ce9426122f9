/*
 * One run of a resolved configuration: the engine, workload, host, NAT
 * and observers wired together, and the event loop that plays arrivals,
 * closes, keepalive requests, idle timeouts, TIME_WAIT ends, retries and
 * NAT expiries in time order.
 */
#include "state.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portsim/interrupt.h"

/*
 * Schedules in the population's lane when the delay is the same for all;
 * else, for an arrival of population 0 served at once, notes it for the
 * drawing thread's sorted ends, which hold it already; else in the wheel.
 */
static int schedule_end(struct run *r, unsigned pop, ps_time t, uint32_t type, uint32_t id,
			uint32_t gen)
{
	if (r->cfg->workload.pop[pop].duration.kind == PS_DURATION_FIXED)
		return ps_engine_schedule_lane(&r->engine, LANE_END(pop), t, type, id, gen);
	if (r->ends.arming) {
		int noted = ps_run_end_arm(r, t, type, id, gen);
		if (noted != 0)
			return noted < 0 ? -1 : 0;
	}
	return ps_engine_schedule(&r->engine, t, type, id, gen);
}

static struct slot *slot_of(struct run *r, uint32_t conn)
{
	if (conn >= r->nslots) {
		uint32_t n = r->nslots ? r->nslots : 1024;
		while (n <= conn)
			n *= 2;
		struct slot *s = realloc(r->slots, (size_t)n * sizeof(*s));
		if (!s)
			return NULL;
		r->slots = s;
		r->nslots = n;
	}
	return &r->slots[conn];
}

static void idle_unlink(struct run *r, uint32_t conn)
{
	struct slot *s = &r->slots[conn];
	if (s->prev != NONE)
		r->slots[s->prev].next = s->next;
	else
		r->idle_head[s->pop][s->dst] = s->next;
	if (s->next != NONE)
		r->slots[s->next].prev = s->prev;
	s->idle = false;
}

static int schedule_retry(struct run *r, unsigned pop, const struct ps_attempt *a, uint32_t tries)
{
	const struct ps_workload_pop *p = &r->cfg->workload.pop[pop];
	if (tries > p->retries) {
		r->m->abandoned++;
		return 0;
	}
	double delay = p->retry_delay_s;
	if (p->retry_backoff == PS_BACKOFF_EXPONENTIAL)
		delay = ldexp(delay, (int)(tries - 1 < 60 ? tries - 1 : 60));
	ps_time t = r->engine.now + ps_time_from_s(delay > 3.1536e7 ? 3.1536e7 : delay);
	if (t >= r->end) {
		r->m->abandoned++;
		return 0;
	}
	uint32_t id = r->free_retry;
	if (id != NONE) {
		r->free_retry = r->retries[id].next_free;
	} else {
		if (r->nretries == r->retries_cap) {
			uint32_t cap = r->retries_cap ? r->retries_cap * 2 : 256;
			struct retry *nr = realloc(r->retries, (size_t)cap * sizeof(*nr));
			if (!nr)
				return -1;
			r->retries = nr;
			r->retries_cap = cap;
		}
		id = r->nretries++;
	}
	r->retries[id] = (struct retry){ .a = *a, .pop = pop, .tries = tries };
	return ps_engine_schedule(&r->engine, t, EV_RETRY, id, 0);
}

/* Counts one attempt's outcome: at its first SYN, or when its waiting SYN got through or gave up. */
static void count_attempt(struct run *r, const struct ps_attempt *a, uint32_t tries, enum ps_err err,
			  uint32_t probes)
{
	ps_metrics_attempt(r->m, r->engine.now, err, probes);
	if (tries > 0)
		r->m->retries++;
	if (r->has_nat) {
		r->hosts[a->addr].attempts++;
		r->hosts[a->addr].failures += err != PS_OK;
	}
}

/* The connection is established: observers, trace, and its end on the calendar. */
static int connected(struct run *r, unsigned pop, const struct ps_attempt *a, const struct ps_open_result *res,
		     uint64_t serial, uint32_t map, ps_time delay)
{
	const struct ps_workload_pop *p = &r->cfg->workload.pop[pop];
	ps_time now = r->engine.now;
	const struct ps_endpoint *d = &r->cfg->workload.dsts[a->dst];
	uint32_t src_ip = r->host.cfg.first_ip + a->addr;
	if (ps_metrics_delay(r->m, delay) != 0)
		return -1;
	const struct ps_conn *c = ps_host_conn(&r->host, res->conn);
	/* The server's entry for this 4-tuple, if it kept one, ends here (taken over, or expired). */
	bool peer_held = ps_peer_tw_kept(&r->peer) && a->mode != PS_MODE_UDP &&
			 ps_peer_tw_take(&r->peer, c->addr, c->idx, c->dst, now);
	if (r->observe && a->mode != PS_MODE_UDP) {
		bool fresh = ps_pool_users(&r->host.pool, c->addr, c->idx) == 1;
		if (res->taken_over != PS_NO_CONN && fresh)
			ps_observe_release(r->obs, c->addr, c->idx, now);
		if (ps_observe_alloc(r->obs, c->addr, c->idx, c->dst, now, fresh, peer_held) != 0)
			return -1;
	}
	if (res->taken_over != PS_NO_CONN) {
		r->m->tw_takeovers++;
		if (r->events)
			ps_trace_event(&r->trace, now, res->taken_over_serial, PS_EV_TW_TAKEOVER, src_ip, res->port,
				       d->ip, d->port, 0, PS_OK);
	}
	/* Tested here, not only in the trace: the call's thirteen arguments cost more than the row of most runs. */
	if (r->events)
		ps_trace_event_nat(&r->trace, now, serial, PS_EV_OPEN, src_ip, res->port, d->ip, d->port,
				   res->probes, PS_OK, map != NONE ? ps_nat_ext_ip(&r->nat, map) : 0,
				   map != NONE ? ps_nat_ext_port(&r->nat, map) : 0, delay);
	ps_run_note_occupancy(r);
	/* Only pooled connections and a NAT's mapping read the run's slot: others spare it a miss. */
	if (p->keepalive || r->has_nat) {
		struct slot *s = slot_of(r, res->conn);
		if (!s)
			return -1;
		*s = (struct slot){ .pop = pop, .dst = a->dst, .requests = 1, .prev = NONE, .next = NONE,
				    .client_closes = a->client_closes, .nat_map = map };
	}
	if (r->has_nat) {
		struct ps_host_stats *hs = &r->hosts[a->addr];
		if (++hs->established > hs->peak)
			hs->peak = hs->established;
		if (r->nat.live_maps > r->m->peak_nat_mappings)
			r->m->peak_nat_mappings = r->nat.live_maps;
	}
	ps_conn_cap_count(&r->cap, pop, a->addr, +1);
	uint32_t end = p->keepalive ? EV_REQUEST_END : a->client_closes ? EV_CLOSE : EV_SERVER_CLOSE;
	return schedule_end(r, pop, now + a->duration, end, res->conn, c->gen);
}

/* The attempt failed at now: the trace's row, then the workload's retry. */
static int failed(struct run *r, unsigned pop, const struct ps_attempt *a, uint32_t tries, uint64_t serial,
		  uint16_t port, uint32_t probes, enum ps_err err, ps_time delay)
{
	if (r->events) {
		const struct ps_endpoint *d = &r->cfg->workload.dsts[a->dst];
		ps_trace_event_nat(&r->trace, r->engine.now, serial, PS_EV_FAIL, r->host.cfg.first_ip + a->addr,
				   port, d->ip, d->port, probes, err, 0, 0, delay);
	}
	return schedule_retry(r, pop, a, tries + 1);
}

/* Puts waiting connection id's next SYN (or its giving up) on the calendar. */
static int syn_next(struct run *r, uint32_t id)
{
	const struct ps_syn_wait *w = &r->syn.v[id];
	ps_time dt = ps_syn_send_time(&r->cfg->syn, w->sent);
	ps_time t = w->first + (dt != PS_TIME_MAX ? dt : ps_syn_give_up(&r->cfg->syn));
	/* One that would still wait at the end is left waiting: its attempt is not counted. */
	return t < r->end ? ps_engine_schedule(&r->engine, t, EV_SYN, id, 0) : 0;
}

/* The connection's SYN was dropped: it keeps its port and waits for its next SYN. */
static int syn_wait(struct run *r, unsigned pop, const struct ps_attempt *a, uint32_t tries,
		    const struct ps_open_result *res, uint64_t serial, enum ps_syn_drop why)
{
	uint32_t id = ps_syn_table_add(&r->syn);
	if (id == NONE)
		return -1;
	const struct ps_conn *c = ps_host_conn(&r->host, res->conn);
	r->syn.v[id] = (struct ps_syn_wait){ .conn = res->conn, .gen = c->gen, .pop = pop, .tries = tries, .sent = 1,
					     .probes = res->probes, .port = res->port, .why = (uint8_t)why,
					     .first = r->engine.now, .serial = serial, .a = *a };
	if (r->events) {
		const struct ps_endpoint *d = &r->cfg->workload.dsts[a->dst];
		ps_trace_event_nat(&r->trace, r->engine.now, serial, PS_EV_SYN_DROP, r->host.cfg.first_ip + a->addr,
				   res->port, d->ip, d->port, 0, ps_run_syn_drop_err(&r->sx, why), 0, 0, PS_TIME_MAX);
	}
	return syn_next(r, id);
}

/* A waiting connection's timer: its next SYN, or giving up with ETIMEDOUT. */
static int on_syn(struct run *r, uint32_t id)
{
	struct ps_syn_wait w = r->syn.v[id];
	ps_time now = r->engine.now;
	struct ps_open_result res = { .conn = w.conn, .port = w.port, .probes = w.probes,
				      .taken_over = PS_NO_CONN };
	ps_time delay = ps_syn_delay(now - w.first, w.probes, r->cfg->probe_cost);
	enum ps_err err = PS_ETIMEDOUT;
	int sent = PS_RUN_SYN_FAILED;
	uint32_t map = NONE;
	if (ps_syn_send_time(&r->cfg->syn, w.sent) == now - w.first) {
		enum ps_syn_drop why;
		r->m->syn_retransmits++;
		sent = ps_run_syn_send(&r->sx, &w.a, w.conn, w.port, now, &map, &err, &why);
		if (sent < 0)
			return -1;
		if (sent == PS_RUN_SYN_DROPPED) {
			r->syn.v[id].sent++;
			r->syn.v[id].why = (uint8_t)why;
			return syn_next(r, id);
		}
	} else {
		/* The last SYN went unanswered: connect() fails and the socket frees its port. */
		r->m->syn_timeouts++;
		ps_host_close(&r->host, w.conn, now, false);
	}
	ps_syn_table_remove(&r->syn, id);
	count_attempt(r, &w.a, w.tries, sent == PS_RUN_SYN_THROUGH ? PS_OK : err, w.probes);
	if (r->follow)
		ps_follow_result(r->follow, &r->host, r->has_nat ? &r->nat : NULL, &w.a, w.serial, &res,
				 sent == PS_RUN_SYN_THROUGH ? PS_OK : err, map, now);
	if (sent != PS_RUN_SYN_THROUGH)
		return failed(r, w.pop, &w.a, w.tries, w.serial, w.port, w.probes, err, delay);
	return connected(r, w.pop, &w.a, &res, w.serial, map, delay);
}

/*
 * Serves one try of a request: an idle pooled connection if keepalive has
 * one, else a new connection. `tries` counts the connection attempts this
 * request has made before this one.
 */
static int serve(struct run *r, unsigned pop, const struct ps_attempt *a, uint32_t tries)
{
	const struct ps_workload_pop *p = &r->cfg->workload.pop[pop];
	ps_time now = r->engine.now;
	if (p->keepalive) {
		uint32_t conn = r->idle_head[pop][a->dst];
		if (conn != NONE) {
			struct slot *s = &r->slots[conn];
			idle_unlink(r, conn);
			s->requests++;
			r->m->reused++;
			return schedule_end(r, pop, now + a->duration, EV_REQUEST_END, conn,
					    ps_host_conn(&r->host, conn)->gen);
		}
	}
	uint64_t serial = ++r->serial;
	struct ps_open_result res = { .err = PS_CONN_LIMIT };
	if (r->follow)
		ps_follow_attempt(r->follow, &r->host, r->has_nat ? &r->nat : NULL, a, serial, now);
	bool capped = ps_conn_cap_full(&r->cap, pop, a->addr);
	r->m->cap_failures += capped;
	if (!capped && ps_host_open(&r->host, a->mode, a->addr, a->dst, now, serial, pop, &res) != 0)
		return -1;
	uint32_t map = NONE;
	enum ps_err err = res.err;
	if (err == PS_OK && ps_run_syn_may_drop(&r->sx)) {
		enum ps_syn_drop why;
		int sent = ps_run_syn_send(&r->sx, a, res.conn, res.port, now, &map, &err, &why);
		if (sent < 0)
			return -1;
		if (sent == PS_RUN_SYN_DROPPED)
			return syn_wait(r, pop, a, tries, &res, serial, why);
	}
	count_attempt(r, a, tries, err, res.probes);
	if (r->follow)
		ps_follow_result(r->follow, &r->host, r->has_nat ? &r->nat : NULL, a, serial, &res, err, map, now);
	ps_time delay = ps_syn_delay(0, res.probes, r->cfg->probe_cost);
	if (err != PS_OK)
		return failed(r, pop, a, tries, serial, res.err == PS_OK ? res.port : 0, res.probes, err, delay);
	return connected(r, pop, a, &res, serial, map, delay);
}

/*
 * Fetches ahead what this population's coming connect()s will read: the
 * strategy's state OPEN_FAR arrivals ahead, then, OPEN_NEAR ahead, the
 * pool's bits that state points to. Two steps, because the second address
 * is known only once the first fetch is in: asked in one step, the wait
 * would only move into the fetch.
 */
static void open_ahead(struct run *r, unsigned pop)
{
	const struct ps_attempt *far = ps_draws_peek(r->draws, pop, OPEN_FAR);
	if (far)
		ps_host_open_ahead(&r->host, far->mode, far->addr, far->dst, false);
	const struct ps_attempt *near = ps_draws_peek(r->draws, pop, OPEN_NEAR);
	if (near)
		ps_host_open_ahead(&r->host, near->mode, near->addr, near->dst, true);
}

/* Population pop's next arrival comes at t (at or past the end: none); 0, or -1 when the queue's numbers are used up. */
static int arrival_next(struct run *r, unsigned pop, ps_time t)
{
	struct arrivals *ar = &r->arrivals;
	ar->t[pop] = PS_TIME_MAX;
	if (t < r->end) {
		/* Numbered where the queue would have been asked: after everything its predecessor scheduled. */
		if ((ar->seq[pop] = ps_engine_take_seq(&r->engine)) == UINT64_MAX)
			return -1;
		ar->t[pop] = t;
	}
	ps_run_outside_first(ar);
	return 0;
}

static int on_arrival(struct run *r, unsigned pop)
{
	struct ps_attempt a;
	ps_time next;
	if (r->open_ahead)
		open_ahead(r, pop);
	if (ps_draws_next(r->draws, pop, r->engine.now, &a, &next) != 0)
		return -1;
	r->m->requests++;
	/*
	 * Apart, though its last lines repeat the sorted path's: one test then
	 * keeps the other populations' path as it was (1 % fewer instructions
	 * on the proxy shape, measured).
	 */
	if (pop != r->ends.pop) {
		if (serve(r, pop, &a, 0) != 0)
			return -1;
		return arrival_next(r, pop, next);
	}
	/* Served now, at the arrival's time, its end is the one the drawing thread sorted. */
	r->ends.arming = true;
	int rc = serve(r, pop, &a, 0);
	r->ends.arming = false;
	if (rc != 0)
		return -1;
	r->ends.played++;
	/* Ends of this arrival may now be judged; which source comes first, arrival_next finds. */
	if (!r->ends.next && ps_run_ends_look(r) != 0)
		return -1;
	return arrival_next(r, pop, next);
}

/* Takes the end r->ends.next names, the earliest of everything pending, as the event to play now; 0, or -1 (see ps_run_ends_look). */
static int take_end(struct run *r, struct ps_event *ev)
{
	struct ends *e = &r->ends;
	struct armed *a = e->next;
	*ev = (struct ps_event){ .t = r->arrivals.t[e->src], .seq = a->seq, .type = a->type, .id = a->id,
				 .gen = a->gen };
	a->k = NO_ARRIVAL;
	ps_draws_end_take(r->draws);
	ps_engine_play_outside(&r->engine, ev->t);
	if (ps_run_ends_look(r) != 0)
		return -1;
	ps_run_outside_first(&r->arrivals);
	return 0;
}

static bool live(const struct run *r, const struct ps_event *ev)
{
	const struct ps_conn *c = ps_host_conn(&r->host, ev->id);
	return c->gen == ev->gen && c->state == PS_CONN_ESTABLISHED;
}

static int on_request_end(struct run *r, const struct ps_event *ev)
{
	if (!live(r, ev))
		return 0;
	struct slot *s = &r->slots[ev->id];
	const struct ps_workload_pop *p = &r->cfg->workload.pop[s->pop];
	if (p->max_requests && s->requests >= p->max_requests)
		return ps_run_close(r, ev->id, s->client_closes);
	/* Most recently used first, as HTTP client pools hand them out. */
	uint32_t *head = &r->idle_head[s->pop][s->dst];
	s->prev = NONE;
	s->next = *head;
	if (*head != NONE)
		r->slots[*head].prev = ev->id;
	*head = ev->id;
	s->idle = true;
	s->idle_stamp = ++r->idle_stamp;
	ps_time idle = ps_time_from_s(p->idle_timeout_s);
	/* A NAT that forgets idle flows sooner breaks the pooled connection first. */
	s->nat_idle = r->has_nat && r->nat.cfg.idle_timeout && r->nat.cfg.idle_timeout < idle;
	if (s->nat_idle)
		return ps_engine_schedule(&r->engine, r->engine.now + r->nat.cfg.idle_timeout, EV_IDLE_TIMEOUT,
					  ev->id, s->idle_stamp);
	return ps_engine_schedule_lane(&r->engine, LANE_IDLE(s->pop), r->engine.now + idle, EV_IDLE_TIMEOUT,
				       ev->id, s->idle_stamp);
}

static int on_idle_timeout(struct run *r, const struct ps_event *ev)
{
	struct slot *s = &r->slots[ev->id];
	if (!s->idle || s->idle_stamp != ev->gen)
		return 0;
	idle_unlink(r, ev->id);
	if (s->nat_idle) {
		/* The NAT dropped the mapping; the next packet gets a reset, so no TIME_WAIT. */
		r->m->nat_idle_drops++;
		return ps_run_close(r, ev->id, false);
	}
	return ps_run_close(r, ev->id, s->client_closes);
}

static int on_retry(struct run *r, uint32_t id)
{
	struct retry t = r->retries[id];
	r->retries[id].next_free = r->free_retry;
	r->free_retry = id;
	return serve(r, t.pop, &t.a, t.tries);
}

static int dispatch(struct run *r, const struct ps_event *ev)
{
	switch (ev->type) {
	case EV_CLOSE:
	case EV_SERVER_CLOSE:
		return live(r, ev) ? ps_run_close(r, ev->id, ev->type == EV_CLOSE) : 0;
	case EV_REQUEST_END:
		return on_request_end(r, ev);
	case EV_IDLE_TIMEOUT:
		return on_idle_timeout(r, ev);
	case EV_TW_END:
		ps_run_time_wait_end(r, ev);
		return 0;
	case EV_RETRY:
		return on_retry(r, ev->id);
	case EV_NAT_EXPIRE:
		ps_nat_expire(&r->nat, ev->id, ev->gen, r->engine.now);
		return 0;
	case EV_SYN:
		return on_syn(r, ev->id);
	default:
		ps_run_time_wait_held(r, ev);
		return 0;
	}
	return 0;
}

static void sample(struct run *r, ps_time t)
{
	struct ps_trace_nat nat, *np = r->has_nat ? ps_run_nat_sample(r->m, &r->nat, &nat) : NULL;
	if (r->tracing) {
		ps_trace_sample(&r->trace, t, r->host.established, r->host.time_wait,
				ps_host_ports_in_use(&r->host), ps_pool_free_tightest(&r->host.pool), r->m, np);
		ps_trace_ports(&r->trace, t, &r->host.pool);
	} else
		r->m->iv_attempts = r->m->iv_failures = r->m->iv_probes = 0;
}

/* Plays the queue up to the end time, unless a signal, a failed write or memory stops it first. */
static enum ps_run_stop play(struct run *r, ps_time sample_dt, bool show_progress)
{
	struct ps_run_watch w;
	ps_run_watch_start(&w, show_progress);
	const struct ps_trace *t = r->tracing ? &r->trace : NULL;
	/* The watch looks once in PS_RUN_WATCH_EVERY events and samples: a count down, no test of a sample per event. */
	uint32_t until_watch = PS_RUN_WATCH_EVERY;
	enum ps_run_stop end = PS_RUN_PLAYED;
	struct ps_event ev;
	/*
	 * A row at t shows the state just before the events at t: its counts
	 * cover [t - dt, t). So the events before a sample's time play first,
	 * then the sample is taken. Past the last sample (the one at or before
	 * the end), the events before the end still play.
	 */
	for (ps_time next_sample = 0; end == PS_RUN_PLAYED; next_sample += sample_dt) {
		ps_time stop = next_sample < r->end ? next_sample : r->end;
		for (;;) {
			/*
			 * A queued event before the first arrival (or sorted
			 * end), else that arrival or end, until the sample's time.
			 */
			const struct arrivals *ar = &r->arrivals;
			unsigned first = ar->first;
			int failed = 0;
			bool queued = ps_engine_pop_before_outside(&r->engine, stop, ar->t[first], ar->seq[first], &ev);
			if (!queued && ar->t[first] >= stop)
				break;
			if (queued || first == r->ends.src) {
				/* One call for both, so that it stays inlined. */
				if (!queued)
					failed = take_end(r, &ev);
				if (!failed)
					failed = dispatch(r, &ev);
			} else {
				ps_engine_play_outside(&r->engine, ar->t[first]);
				failed = on_arrival(r, first);
			}
			if (failed) {
				end = PS_RUN_NO_MEMORY;
				break;
			}
			if (--until_watch == 0) {
				until_watch = PS_RUN_WATCH_EVERY;
				if ((end = ps_run_watch(&w, &r->engine, r->end, t)) != PS_RUN_PLAYED)
					break;
			}
		}
		if (end != PS_RUN_PLAYED || next_sample > r->end)
			break;
		sample(r, next_sample);
		if (--until_watch == 0) {
			until_watch = PS_RUN_WATCH_EVERY;
			end = ps_run_watch(&w, &r->engine, r->end, t);
		}
	}
	if (end == PS_RUN_PLAYED)
		end = ps_run_watch(&w, &r->engine, r->end, t);
	ps_run_watch_end(&w, &r->engine, r->end);
	return end;
}

static void run_fini(struct run *r)
{
	if (r->tracing)
		ps_trace_abort(&r->trace);
	ps_host_fini(&r->host);
	ps_engine_fini(&r->engine);
	if (r->draws) {
		ps_draws_stop(r->draws);
		free(r->draws);
	}
	ps_run_ends_fini(r);
	ps_workload_fini(&r->wl);
	for (unsigned i = 0; i < PS_MAX_POPULATIONS; i++)
		free(r->idle_head[i]);
	free(r->slots);
	free(r->retries);
	if (r->has_nat)
		ps_nat_fini(&r->nat);
	free(r->hosts);
	ps_conn_cap_fini(&r->cap);
	ps_syn_table_fini(&r->syn);
	ps_peer_tw_fini(&r->peer);
}

/* Everything but the trace files; 0, or -1 with err filled. */
static int run_init(struct run *r, const struct ps_run_config *cfg, bool draw_ahead, char *err, size_t size)
{
	const struct ps_workload_config *wc = &cfg->workload;
	r->cfg = cfg;
	r->end = cfg->end;
	r->time_wait = cfg->host.time_wait;
	r->free_retry = NONE;
	r->has_nat = cfg->has_nat;
	r->nhosts = cfg->host.naddrs;
	if (ps_conn_cap_init(&r->cap, cfg) != 0) {
		snprintf(err, size, "out of memory");
		return -1;
	}
	r->m->has_cap = r->cap.on;
	ps_syn_table_init(&r->syn);
	if (ps_workload_init(&r->wl, wc, err, size) != 0)
		return -1;
	if (ps_engine_init(&r->engine, LANES(wc->npop)) != 0) {
		snprintf(err, size, "too many populations");
		return -1;
	}
	if (ps_host_init(&r->host, &cfg->host, err, size) != 0)
		return -1;
	if (r->has_nat) {
		r->hosts = calloc(r->nhosts, sizeof(*r->hosts));
		if (!r->hosts) {
			snprintf(err, size, "out of memory");
			return -1;
		}
		if (ps_nat_init(&r->nat, &cfg->nat, cfg->nat_ops, err, size) != 0)
			return -1;
		ps_run_nat_start(r->m, &r->nat);
	}
	r->sx = (struct ps_run_syn_ctx){ cfg, &r->host, r->has_nat ? &r->nat : NULL, &r->peer, r->m, r->hosts };
	for (unsigned i = 0; i < wc->npop; i++) {
		if (!wc->pop[i].keepalive)
			continue;
		r->idle_head[i] = malloc((size_t)wc->ndsts * sizeof(uint32_t));
		if (!r->idle_head[i]) {
			snprintf(err, size, "out of memory");
			return -1;
		}
		memset(r->idle_head[i], 0xff, (size_t)wc->ndsts * sizeof(uint32_t));
	}
	/* On cache lines of its own: the drawing thread reads it, the run writes its neighbours. */
	r->draws = aligned_alloc(64, (sizeof(*r->draws) + 63) / 64 * 64);
	if (!r->draws) {
		snprintf(err, size, "out of memory");
		return -1;
	}
	/*
	 * Population 0's ends are sorted by the thread when they would go to
	 * the wheel (durations not all one), and when its connections cost
	 * the run more than the sorting costs the thread: not for pooled
	 * requests, most of which open nothing, and with which the thread
	 * became the slower side.
	 */
	bool sort_ends = wc->npop > 0 && wc->pop[0].duration.kind != PS_DURATION_FIXED && !wc->pop[0].keepalive;
	ps_draws_start(r->draws, &r->wl, r->end, draw_ahead, sort_ends);
	for (unsigned i = 0; i <= PS_MAX_POPULATIONS; i++)
		r->arrivals.t[i] = PS_TIME_MAX;
	r->arrivals.n = wc->npop;
	if (ps_run_ends_init(r) != 0) {
		snprintf(err, size, "out of memory");
		return -1;
	}
	/* Decided once: for most strategies, or without the thread, an arrival looks at nothing ahead. */
	r->open_ahead = r->draws->threaded && ps_host_looks_ahead(&r->host);
	for (unsigned i = 0; i < wc->npop; i++) {
		if (arrival_next(r, i, ps_draws_first(r->draws, i)) != 0) {
			snprintf(err, size, "out of memory");
			return -1;
		}
	}
	return 0;
}

enum ps_status ps_run_init_failure(const char *err)
{
	return strstr(err, "out of memory") ? PS_FAILED : PS_BAD_INPUT;
}

enum ps_status ps_run_play(const struct ps_run_config *cfg, const struct ps_run_options *opt,
				  struct ps_run_result *res, double started, char *err, size_t size)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	r.m = &res->m;
	r.obs = &res->obs;
	r.follow = opt->follow;
	enum ps_status st = PS_FAILED;
	/* Between the runs of an analysis too: a signal stops the next one before it starts. */
	if (ps_interrupted())
		return ps_run_stopped(PS_RUN_INTERRUPTED, NULL, opt->out_dir, 0, err, size);
	if (ps_metrics_init(&res->m, (uint32_t)cfg->host.hi - cfg->host.lo + 1) != 0) {
		snprintf(err, size, "out of memory");
		return PS_FAILED;
	}
	if (run_init(&r, cfg, opt->draw_ahead, err, size) != 0) {
		st = ps_run_init_failure(err);
		goto out;
	}
	r.observe = opt->observe;
	/* The server's TIME_WAIT is kept when its refusal (ns-3) or compare's collision count reads it. */
	bool peer = opt->observe || cfg->tw_collision == PS_TW_REFUSE;
	if (ps_peer_tw_init(&r.peer, peer ? cfg->peer_time_wait : 0) != 0 ||
	    (r.observe && ps_observe_init(&res->obs, r.nhosts, r.host.pool.n, cfg->workload.ndsts) != 0)) {
		snprintf(err, size, "out of memory");
		goto out;
	}
	if (opt->out_dir) {
		unsigned files = (opt->events_gz ? PS_TRACE_EVENTS_GZ : opt->events ? PS_TRACE_EVENTS : 0) |
				 (opt->ports ? PS_TRACE_PORTS : 0) | (r.has_nat ? PS_TRACE_NAT : 0);
		if (ps_trace_open(&r.trace, opt->out_dir, files) != 0) {
			snprintf(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
			goto out;
		}
		r.tracing = true;
		r.events = r.trace.with_events;
	}
	enum ps_run_stop why = play(&r, cfg->sample_interval, opt->progress);
	if (why != PS_RUN_PLAYED) {
		st = ps_run_stopped(why, r.tracing ? &r.trace : NULL, opt->out_dir, r.engine.processed, err, size);
		goto out;
	}
	res->events = r.engine.processed;
	res->wall_s = ps_run_wall_now() - started;
	if (r.has_nat)
		ps_run_nat_finish(&res->m, &r.nat);
	if (r.tracing) {
		r.tracing = false;
		if (ps_trace_commit(&r.trace) != 0 ||
		    ps_summary_write(opt->out_dir, cfg->name, cfg->strategy, cfg->seed, r.end, &res->m,
				     res->events, res->wall_s) != 0 ||
		    (r.has_nat && ps_run_write_hosts(opt->out_dir, cfg, r.hosts) != 0)) {
			snprintf(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
			goto out;
		}
	}
	st = PS_DONE;
out:
	run_fini(&r);
	if (st != PS_DONE)
		ps_run_result_fini(res);
	return st;
}

enum ps_status ps_run_resolved(const struct ps_run_config *cfg, const struct ps_run_options *opt,
			       struct ps_run_result *res, char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
	return ps_run_play(cfg, opt, res, ps_run_wall_now(), err, size);
}

void ps_run_result_fini(struct ps_run_result *res)
{
	ps_metrics_fini(&res->m);
	ps_observe_fini(&res->obs);
}
