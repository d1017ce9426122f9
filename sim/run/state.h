/*
 * What the files of one run share (run.c plays it, close.c ends its
 * connections): the run's state, its event types and its lanes. Private
 * to sim/run/.
 */
#ifndef PORTSIM_RUN_STATE_H
#define PORTSIM_RUN_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "conn_cap.h"
#include "connect.h"
#include "wiring.h"

#include "portsim/draws.h"
#include "portsim/engine.h"
#include "portsim/follow.h"
#include "portsim/host.h"
#include "portsim/nat.h"
#include "portsim/syn.h"
#include "portsim/trace.h"
#include "portsim/tw_timer.h"
#include "portsim/workload.h"

/* A population's arrivals are not queued (struct arrivals below); everything else is an event of these types. */
enum {
	EV_CLOSE,        /* id: connection, gen: its generation; a connection without keepalive ends, the client closing */
	EV_SERVER_CLOSE, /* the same, the server closing: the event says who, so that its end reads no slot */
	EV_REQUEST_END,  /* id: connection; a keepalive request is done */
	EV_IDLE_TIMEOUT, /* id: connection, gen: its idle stamp */
	EV_TW_END,       /* id: connection, gen: its generation */
	EV_RETRY,        /* id: pending retry slot */
	EV_NAT_EXPIRE,   /* id: NAT mapping, gen: its generation; its linger and hold are over */
	EV_SYN,          /* id: waiting connection (syn.h); its next SYN, or giving up */
	EV_TW_HELD       /* + the socket mode; id: address << 16 | port index, gen: destination (a ps_tw) */
};

/* TIME_WAIT ends this far apart in the lane are fetched ahead: their pool bits are far apart in memory. */
#define TW_PREFETCH_AHEAD 16
/* Arrivals ahead at which a connect()'s reads are fetched: the strategy's state, then the pool's bits. */
#define OPEN_FAR 8
#define OPEN_NEAR 4

/*
 * Lanes for events that come in time order: lane 0 TIME_WAIT expiry; lane
 * 1 + 2i the ends of population i's connections or requests when its
 * duration is fixed; lane 2 + 2i its idle timeouts.
 */
#define LANE_TIME_WAIT 0
#define LANE_END(pop) (1 + 2 * (pop))
#define LANE_IDLE(pop) (2 + 2 * (pop))
#define LANES(npop) (1 + 2 * (npop))

/*
 * Each population's next arrival, the one it has pending at a time. The
 * run keeps them itself rather than in the queue: an arrival is a third
 * of a plain run's events, and the queue's bookkeeping for a lane that
 * holds one event (marking it busy, finding the earliest lane again) was
 * most of its cost. Each takes the sequence number the queue would have
 * given it, so that it is played in the same order as if queued. When the
 * drawing thread sorts population 0's ends (struct ends below), the next
 * one to play is kept here too, after the populations, as one more
 * source: the run's loop then compares nothing more than before.
 */
struct arrivals {
	ps_time t[PS_MAX_POPULATIONS + 1];   /* PS_TIME_MAX: none before the end */
	uint64_t seq[PS_MAX_POPULATIONS + 1];
	unsigned n;                          /* the populations, and the ends' place when sorted */
	unsigned first;                      /* the one that comes first */
};

/* Finds again which of the outside sources comes first. */
static inline void ps_run_outside_first(struct arrivals *ar)
{
	unsigned first = 0;
	for (unsigned i = 1; i < ar->n; i++)
		if (ar->t[i] < ar->t[first] || (ar->t[i] == ar->t[first] && ar->seq[i] < ar->seq[first]))
			first = i;
	ar->first = first;
}

#define NONE UINT32_MAX

/*
 * The ends of population 0's connections, when the drawing thread sorts
 * them (draws.h): the run notes, per arrival, the end it wants played,
 * with the sequence number the queue would have given it, and plays the
 * ends the thread hands over in order against the queue and the arrivals.
 * A note is kept at the arrival's number modulo ENDS_ARMED; an end whose
 * place is still taken (a connection longer than the last ENDS_ARMED
 * arrivals) goes to the queue instead, and the thread's copy is passed
 * over.
 */
#define ENDS_ARMED 16384u
#define NO_ARRIVAL UINT64_MAX

struct armed {
	uint64_t k;   /* the arrival's number; NO_ARRIVAL: the place is free */
	uint64_t seq; /* the queue's number for the end */
	uint32_t type, id, gen;
};

struct ends {
	unsigned pop;           /* 0 when the thread sorts ends, else no population's number */
	unsigned src;           /* the ends' place in struct arrivals when it does, else none */
	bool arming;            /* an arrival of population 0 is being served: its end may be noted */
	uint64_t played;        /* population 0's arrivals played: those the thread's ends may be judged against */
	struct armed *armed;    /* [ENDS_ARMED] */
	struct armed *next;     /* the note of the next end to play, or NULL: none before population 0's next arrival */
};

/* What the run keeps per connection slot beyond the host's record. */
struct slot {
	uint32_t pop, dst;
	uint32_t requests;         /* keepalive: requests served */
	uint32_t prev, next;       /* keepalive: idle list links */
	uint32_t idle_stamp;       /* matches the pending idle timeout while idle */
	uint32_t nat_map;          /* the NAT mapping, when there is a NAT */
	bool idle, client_closes;
	bool nat_idle;             /* the pending idle timeout is the NAT's, not the pool's */
};

/* An attempt that failed and waits for its next try. */
struct retry {
	struct ps_attempt a;
	uint32_t pop, tries, next_free;
};

struct run {
	const struct ps_run_config *cfg;
	struct ps_engine engine;
	struct arrivals arrivals;
	struct ends ends;
	struct ps_host host;
	struct ps_workload wl;
	struct ps_draws *draws;      /* wl's draws, made ahead on a second core when the options allow */
	bool open_ahead;             /* the draws are made ahead and a strategy can use them (open_ahead) */
	struct ps_metrics *m;
	struct ps_observe *obs;
	bool observe;                /* obs is filled: only compare reports it */
	struct ps_peer_tw peer;      /* the server's TIME_WAIT 4-tuples, when a refusal or compare needs them */
	struct ps_trace trace;
	bool tracing;
	bool events;                 /* events.csv: a TIME_WAIT end names its connection, so it keeps its slot */
	ps_time end, time_wait;
	uint64_t serial;
	struct slot *slots;
	uint32_t nslots;
	uint32_t *idle_head[PS_MAX_POPULATIONS]; /* keepalive populations: per destination */
	uint32_t idle_stamp;
	struct retry *retries;
	uint32_t nretries, retries_cap, free_retry;
	bool has_nat;
	struct ps_conn_cap cap;      /* max_connections: open connections per population or inside host */
	struct ps_nat nat;
	struct ps_host_stats *hosts; /* [sources] with a NAT */
	uint32_t nhosts;
	struct ps_follow *follow;    /* explain, --follow-port; NULL in plain runs */
	struct ps_syn_table syn;     /* connections whose SYN was dropped */
	struct ps_run_syn_ctx sx;    /* what a SYN's trip touches */
};

static inline void ps_run_note_occupancy(struct run *r)
{
	ps_metrics_occupancy(r->m, r->host.established, r->host.time_wait, ps_host_ports_in_use(&r->host));
}

/* ---- ends.c: population 0's ends, sorted by the drawing thread ---- */

/* Prepares the notes when the draws sort the ends; 0, or -1 (memory). */
int ps_run_ends_init(struct run *r);
void ps_run_ends_fini(struct run *r);

/* Notes the end of the arrival being served, at t: 1, or 0 when it must be queued instead, or -1 (numbers used up). */
int ps_run_end_arm(struct run *r, ps_time t, uint32_t type, uint32_t id, uint32_t gen);

/*
 * Finds the next end to play (r->ends.next, or NULL) and puts it in its
 * place among the outside sources, after one was played and after an
 * arrival of population 0 when none was in sight; which source comes
 * first is the caller's to find again (ps_run_outside_first). 0, or -1
 * when the thread stopped (memory).
 */
int ps_run_ends_look(struct run *r);

/* ---- close.c: how a connection ends ---- */

/* Closes a connection from the side the attempt drew; TIME_WAIT if the client closed. 0, or -1 (memory). */
int ps_run_close(struct run *r, uint32_t conn, bool client_closes);

/* A TIME_WAIT kept in its connection slot (EV_TW_END) is over, unless the event is stale. */
void ps_run_time_wait_end(struct run *r, const struct ps_event *ev);

/* A TIME_WAIT the lane holds (EV_TW_HELD + mode) is over. */
void ps_run_time_wait_held(struct run *r, const struct ps_event *ev);

#endif
