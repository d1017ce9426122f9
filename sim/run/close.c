/*
 * How a connection of a run ends: from either side, the NAT's hold on its
 * mapping, then TIME_WAIT, kept in the connection's slot when events.csv
 * must name it at the end or a later request may take it over, else in
 * the lane's entry alone, and the end of it.
 */
#include "state.h"

static void trace_conn(struct run *r, enum ps_trace_event ev, uint32_t conn)
{
	if (!r->events)
		return;
	const struct ps_conn *c = ps_host_conn(&r->host, conn);
	const struct ps_endpoint *d = &r->cfg->workload.dsts[c->dst];
	uint32_t map = r->has_nat ? r->slots[conn].nat_map : NONE;
	ps_trace_event_nat(&r->trace, r->engine.now, c->serial, ev, r->host.cfg.first_ip + c->addr,
			   ps_host_port(&r->host, conn), d->ip, d->port, 0, PS_OK,
			   map != NONE ? ps_nat_ext_ip(&r->nat, map) : 0,
			   map != NONE ? ps_nat_ext_port(&r->nat, map) : 0, PS_TIME_MAX);
}

/* The inside connection ended: the NAT keeps its mapping for its timers, then lets the port go. */
static int nat_close(struct run *r, uint32_t conn, bool udp)
{
	if (!r->has_nat)
		return 0;
	struct slot *s = &r->slots[conn];
	struct ps_host_stats *hs = &r->hosts[ps_host_conn(&r->host, conn)->addr];
	hs->established--;
	uint32_t map = s->nat_map;
	s->nat_map = NONE;
	ps_time t = ps_nat_close(&r->nat, map, udp, r->engine.now);
	if (t == PS_TIME_MAX)
		return 0;
	return ps_engine_schedule(&r->engine, t, EV_NAT_EXPIRE, map, r->nat.maps[map].gen);
}

/*
 * Tells the observer when (addr, idx) has just lost its last TCP socket.
 * It watches the TCP port space, where TIME_WAIT and reuse matter.
 */
static void note_release(struct run *r, enum ps_mode mode, uint32_t addr, uint32_t idx)
{
	if (r->observe && mode != PS_MODE_UDP && ps_pool_users(&r->host.pool, addr, idx) == 0)
		ps_observe_release(r->obs, addr, idx, r->engine.now);
}

/*
 * When a TIME_WAIT entered now ends: on Linux's timer wheel late, at a
 * bucket's edge, never earlier than a later close's (the lane stays in
 * order). Asked only for a close that leaves TIME_WAIT.
 */
static ps_time tw_end(const struct run *r)
{
	return ps_tw_timer_end(r->engine.now, r->time_wait, r->cfg->hz);
}

int ps_run_close(struct run *r, uint32_t conn, bool client_closes)
{
	const struct ps_conn *c = ps_host_conn(&r->host, conn);
	uint32_t gen = c->gen, addr = c->addr, idx = c->idx, dst = c->dst, pop = c->owner;
	bool udp = c->mode == PS_MODE_UDP;
	trace_conn(r, PS_EV_CLOSE, conn);
	if (ps_peer_tw_kept(&r->peer) && !client_closes && !udp &&
	    ps_peer_tw_close(&r->peer, addr, idx, dst, r->engine.now) != 0)
		return -1;
	if (nat_close(r, conn, udp) != 0)
		return -1;
	ps_conn_cap_count(&r->cap, pop, addr, -1);
	if (r->follow)
		ps_follow_close(r->follow, &r->host, conn, r->engine.now);
	if (!r->events && !r->follow) {
		/*
		 * The slot goes back now; the lane's entry carries what the end of
		 * TIME_WAIT needs. A follower names the connection at its end, so
		 * it keeps the slot, as events.csv does.
		 */
		struct ps_tw tw;
		enum ps_mode mode;
		int held = ps_host_close_detach(&r->host, conn, r->engine.now, client_closes, &tw, &mode);
		if (held)
			ps_run_note_occupancy(r);
		if (held == 2)
			return ps_engine_schedule_lane(&r->engine, LANE_TIME_WAIT, tw_end(r),
						       EV_TW_HELD + mode, (uint32_t)tw.addr << 16 | tw.idx, tw.dst);
		if (held == 1)
			return ps_engine_schedule_lane(&r->engine, LANE_TIME_WAIT, tw_end(r),
						       EV_TW_END, conn, gen);
	} else if (ps_host_close(&r->host, conn, r->engine.now, client_closes)) {
		if (r->follow)
			ps_follow_time_wait(r->follow, &r->host, conn, r->engine.now);
		ps_run_note_occupancy(r);
		return ps_engine_schedule_lane(&r->engine, LANE_TIME_WAIT, tw_end(r),
					       EV_TW_END, conn, gen);
	}
	note_release(r, udp ? PS_MODE_UDP : PS_MODE_CONNECT, addr, idx);
	return 0;
}

void ps_run_time_wait_end(struct run *r, const struct ps_event *ev)
{
	const struct ps_conn *c = ps_host_conn(&r->host, ev->id);
	if (c->gen != ev->gen || c->state != PS_CONN_TIME_WAIT)
		return;
	trace_conn(r, PS_EV_TW_END, ev->id);
	uint32_t addr = c->addr, idx = c->idx;
	enum ps_mode mode = c->mode;
	if (r->follow)
		ps_follow_tw_end(r->follow, &r->host, ev->id, r->engine.now);
	ps_host_time_wait_end(&r->host, ev->id, ev->gen);
	note_release(r, mode, addr, idx);
}

static struct ps_tw tw_of(uint32_t id, uint32_t gen)
{
	return (struct ps_tw){ .dst = gen, .addr = (uint16_t)(id >> 16), .idx = (uint16_t)id };
}

void ps_run_time_wait_held(struct run *r, const struct ps_event *ev)
{
	const struct ps_qevent *q = ps_engine_lane_at(&r->engine, LANE_TIME_WAIT, TW_PREFETCH_AHEAD);
	if (q && ps_qevent_type(q) >= EV_TW_HELD) {
		struct ps_tw ahead = tw_of(q->id, q->gen);
		ps_host_tw_prefetch(&r->host, &ahead);
	}
	struct ps_tw tw = tw_of(ev->id, ev->gen);
	enum ps_mode mode = (enum ps_mode)(ev->type - EV_TW_HELD);
	ps_host_tw_end(&r->host, &tw, mode);
	note_release(r, mode, tw.addr, tw.idx);
}
