#include "portsim/run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "portsim/engine.h"
#include "portsim/host.h"
#include "portsim/trace.h"
#include "portsim/workload.h"

enum {
	EV_ARRIVAL,
	EV_CLOSE_CLIENT, /* the client sends the first FIN */
	EV_CLOSE_SERVER,
	EV_TW_END
};

/* Lane 0 holds TIME_WAIT expiries; lane 1 + i the closes of population i when its duration is fixed. */
#define LANE_TIME_WAIT 0

struct run {
	const struct ps_scenario *sc;
	struct ps_engine engine;
	struct ps_host host;
	struct ps_workload wl;
	struct ps_metrics *m;
	struct ps_trace trace;
	bool tracing;
	ps_time end, time_wait;
	uint64_t serial;
};

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_occupancy(struct run *r)
{
	ps_metrics_occupancy(r->m, r->host.established, r->host.time_wait, r->host.pool.ports_in_use);
}

static void trace_conn(struct run *r, enum ps_trace_event ev, uint32_t conn)
{
	if (!r->tracing)
		return;
	const struct ps_conn *c = ps_host_conn(&r->host, conn);
	const struct ps_endpoint *d = &r->wl.dsts[c->dst];
	ps_trace_event(&r->trace, r->engine.now, c->serial, ev, r->host.cfg.first_ip + c->addr,
		       ps_host_port(&r->host, conn), d->ip, d->port, 0, PS_OK);
}

static int on_arrival(struct run *r, unsigned pop)
{
	ps_time now = r->engine.now;
	struct ps_attempt a;
	ps_workload_draw(&r->wl, pop, &a);
	uint64_t serial = ++r->serial;
	struct ps_open_result res;
	if (ps_host_open(&r->host, a.mode, a.addr, a.dst, now, serial, pop, &res) != 0)
		return -1;
	ps_metrics_attempt(r->m, now, res.err, res.probes);
	const struct ps_endpoint *d = &r->wl.dsts[a.dst];
	if (res.err != PS_OK) {
		if (r->tracing)
			ps_trace_event(&r->trace, now, serial, PS_EV_FAIL, r->host.cfg.first_ip + a.addr, 0,
				       d->ip, d->port, res.probes, res.err);
	} else {
		if (res.taken_over != PS_NO_CONN) {
			r->m->tw_takeovers++;
			if (r->tracing)
				ps_trace_event(&r->trace, now, res.taken_over_serial, PS_EV_TW_TAKEOVER,
					       r->host.cfg.first_ip + a.addr, res.port, d->ip, d->port, 0, PS_OK);
		}
		if (r->tracing)
			ps_trace_event(&r->trace, now, serial, PS_EV_OPEN, r->host.cfg.first_ip + a.addr, res.port,
				       d->ip, d->port, res.probes, PS_OK);
		note_occupancy(r);
		uint32_t type = a.client_closes ? EV_CLOSE_CLIENT : EV_CLOSE_SERVER;
		uint32_t gen = ps_host_conn(&r->host, res.conn)->gen;
		ps_time t = now + a.duration;
		int rc = r->sc->pop[pop].duration == PS_DURATION_FIXED
				 ? ps_engine_schedule_lane(&r->engine, 1 + pop, t, type, res.conn, gen)
				 : ps_engine_schedule(&r->engine, t, type, res.conn, gen);
		if (rc != 0)
			return -1;
	}
	ps_time next = ps_workload_next_arrival(&r->wl, pop, now);
	if (next < r->end && ps_engine_schedule(&r->engine, next, EV_ARRIVAL, pop, 0) != 0)
		return -1;
	return 0;
}

static int on_close(struct run *r, const struct ps_event *ev)
{
	const struct ps_conn *c = ps_host_conn(&r->host, ev->id);
	if (c->gen != ev->gen || c->state != PS_CONN_ESTABLISHED)
		return 0;
	trace_conn(r, PS_EV_CLOSE, ev->id);
	if (ps_host_close(&r->host, ev->id, r->engine.now, ev->type == EV_CLOSE_CLIENT)) {
		note_occupancy(r);
		return ps_engine_schedule_lane(&r->engine, LANE_TIME_WAIT, r->engine.now + r->time_wait,
					       EV_TW_END, ev->id, ev->gen);
	}
	return 0;
}

static void on_time_wait_end(struct run *r, const struct ps_event *ev)
{
	const struct ps_conn *c = ps_host_conn(&r->host, ev->id);
	if (c->gen != ev->gen || c->state != PS_CONN_TIME_WAIT)
		return;
	trace_conn(r, PS_EV_TW_END, ev->id);
	ps_host_time_wait_end(&r->host, ev->id, ev->gen);
}

static void sample(struct run *r, ps_time t)
{
	if (r->tracing)
		ps_trace_sample(&r->trace, t, r->host.established, r->host.time_wait,
				r->host.pool.ports_in_use, ps_pool_free_tightest(&r->host.pool), r->m);
	else
		r->m->iv_attempts = r->m->iv_failures = r->m->iv_probes = 0;
}

static void progress(const struct run *r, double started, uint64_t events)
{
	double el = wall_now() - started;
	double t = (double)r->engine.now / 1e9, end = (double)r->end / 1e9;
	fprintf(stderr, "\rportsim: %.1f of %.1f simulated s (%.0f%%), %" PRIu64 " events, %.2f M events/s   ",
		t, end, end > 0 ? 100.0 * t / end : 100.0, events, el > 0 ? (double)events / el / 1e6 : 0.0);
}

/* Plays the queue up to the end time; 0 or -1 (out of memory). */
static int play(struct run *r, ps_time sample_dt, bool show_progress)
{
	ps_time next_sample = 0;
	double started = wall_now(), last_shown = started;
	struct ps_event ev;
	while (ps_engine_peek_time(&r->engine) < r->end && ps_engine_pop(&r->engine, &ev)) {
		/* A row at t shows the state just before the events at t: its counts cover [t - dt, t). */
		while (next_sample <= ev.t) {
			sample(r, next_sample);
			next_sample += sample_dt;
		}
		int rc = 0;
		switch (ev.type) {
		case EV_ARRIVAL:
			rc = on_arrival(r, ev.id);
			break;
		case EV_CLOSE_CLIENT:
		case EV_CLOSE_SERVER:
			rc = on_close(r, &ev);
			break;
		case EV_TW_END:
			on_time_wait_end(r, &ev);
			break;
		}
		if (rc != 0)
			return -1;
		if (show_progress && (r->engine.processed & 0xffff) == 0 && wall_now() - last_shown >= 1.0) {
			last_shown = wall_now();
			progress(r, started, r->engine.processed);
		}
	}
	while (next_sample <= r->end) {
		sample(r, next_sample);
		next_sample += sample_dt;
	}
	if (show_progress) {
		progress(r, started, r->engine.processed);
		fputc('\n', stderr);
	}
	return 0;
}

static int write_scenario(const char *dir, const struct ps_scenario *sc)
{
	size_t need = ps_scenario_format(sc, NULL, 0) + 1;
	char buf[1 << 16];
	if (need > sizeof(buf)) {
		errno = ENOMEM;
		return -1;
	}
	ps_scenario_format(sc, buf, sizeof(buf));
	struct ps_csv c;
	/* Not a CSV, but the same write-then-rename keeps it all-or-nothing. */
	if (ps_csv_open(&c, dir, "scenario.ini", NULL) != 0)
		return -1;
	fputs(buf, c.f);
	return ps_csv_commit(&c);
}

enum ps_status ps_run(const struct ps_scenario *sc, const struct ps_run_options *opt,
		      struct ps_run_result *res, char *err, size_t size)
{
	memset(res, 0, sizeof(*res));
	if (ps_scenario_validate(sc, err, size) != 0)
		return PS_BAD_INPUT;
	double started = wall_now();
	struct run r = { .sc = sc, .m = &res->m };
	r.end = ps_time_from_s(sc->duration_s);
	r.time_wait = ps_time_from_s(sc->time_wait_s);
	enum ps_status st = PS_FAILED;
	bool engine_up = false, host_up = false, wl_up = false;

	if (ps_metrics_init(&res->m, (uint32_t)sc->hi - sc->lo + 1) != 0 ||
	    ps_workload_init(&r.wl, sc, sc->seed) != 0) {
		snprintf(err, size, "out of memory");
		goto out;
	}
	wl_up = true;
	if (ps_engine_init(&r.engine, 1 + sc->npop) != 0) {
		snprintf(err, size, "out of memory");
		goto out;
	}
	engine_up = true;
	struct ps_host_config hc = {
		.lo = sc->lo, .hi = sc->hi, .reserved = sc->reserved, .naddrs = sc->addresses,
		.first_ip = PS_SRC_FIRST_IP, .dsts = r.wl.dsts, .ndsts = r.wl.ndsts,
		.time_wait = r.time_wait, .tw_reuse = sc->tw_reuse,
		.tw_reuse_delay = ps_time_from_s(sc->tw_reuse_delay_ms / 1000.0), .unique = sc->unique,
		.no_local_time_wait = !sc->local_time_wait, .params = sc->params, .seed = sc->seed,
	};
	hc.params.resalt_ns = ps_time_from_s(sc->resalt_s);
	for (enum ps_mode m = 0; m < PS_MODE_COUNT; m++)
		hc.alloc[m] = ps_alloc_find(ps_scenario_strategy_for(sc, m));
	if (ps_host_init(&r.host, &hc, err, size) != 0)
		goto out;
	host_up = true;

	if (opt->out_dir) {
		if (ps_trace_open(&r.trace, opt->out_dir, opt->events) != 0) {
			snprintf(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
			goto out;
		}
		r.tracing = true;
	}
	for (unsigned i = 0; i < sc->npop; i++) {
		ps_time t = ps_workload_next_arrival(&r.wl, i, 0);
		if (t < r.end && ps_engine_schedule(&r.engine, t, EV_ARRIVAL, i, 0) != 0) {
			snprintf(err, size, "out of memory");
			goto out;
		}
	}
	if (play(&r, ps_time_from_s(sc->sample_interval_s), opt->progress) != 0) {
		snprintf(err, size, "out of memory after %" PRIu64 " events", r.engine.processed);
		goto out;
	}
	res->events = r.engine.processed;
	res->wall_s = wall_now() - started;
	if (r.tracing) {
		r.tracing = false;
		if (ps_trace_commit(&r.trace) != 0 ||
		    ps_summary_write(opt->out_dir, sc->name, sc->strategy, sc->seed, r.end, &res->m,
				     res->events, res->wall_s) != 0 ||
		    write_scenario(opt->out_dir, sc) != 0) {
			snprintf(err, size, "%s: cannot write outputs: %s", opt->out_dir, strerror(errno));
			goto out;
		}
	}
	st = PS_DONE;
out:
	if (r.tracing)
		ps_trace_abort(&r.trace);
	if (host_up)
		ps_host_fini(&r.host);
	if (engine_up)
		ps_engine_fini(&r.engine);
	if (wl_up)
		ps_workload_fini(&r.wl);
	if (st != PS_DONE)
		ps_metrics_fini(&res->m);
	return st;
}

void ps_run_result_fini(struct ps_run_result *res)
{
	ps_metrics_fini(&res->m);
}
