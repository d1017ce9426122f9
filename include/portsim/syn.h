/*
 * Connect delay: when a connection's SYN is retransmitted and when it
 * gives up, and the connections that wait meanwhile.
 *
 * A SYN dropped on the way (at a NAT that found no port or lost the
 * conntrack race, at a server that refuses a 4-tuple it holds in
 * TIME_WAIT) is retransmitted on the client system's schedule: Linux waits
 * 1 s and doubles (tcp_syn_retries = 6: SYNs at 0, 1, 3, 7, 15, 31, 63 s,
 * ETIMEDOUT at 127 s); the BSDs use the tcp_syn_backoff table and a 75 s
 * connection-establishment timer; Windows waits 3 s and gives up after two
 * retransmissions (21 s). The connection holds its port all along. Its
 * delay is the time from its first SYN to the SYN that got through, plus
 * what its port search cost (candidates examined times a per-candidate
 * time). docs/profiles.md#syn-retransmission has each system's source.
 */
#ifndef PORTSIM_SYN_H
#define PORTSIM_SYN_H

#include <stdbool.h>
#include <stdint.h>

#include "portsim/types.h"
#include "portsim/workload.h"

/* How the wait between two SYNs grows. */
enum ps_syn_backoff {
	PS_SYN_DOUBLING, /* rto, 2 rto, 4 rto, ... up to 120 s (Linux TCP_RTO_MAX) */
	PS_SYN_BSD       /* rto times tcp_syn_backoff[] = 1,1,1,1,1,2,4,8,16,32,64,64,64 */
};

/* What a server does with a SYN on a 4-tuple it still holds in TIME_WAIT. */
enum ps_tw_collision {
	PS_TW_COUNT,  /* accepts it (Linux recycles the TIME_WAIT); the observer counts a collision */
	PS_TW_REFUSE  /* drops it (ns-3): the client retransmits until the TIME_WAIT is over */
};

struct ps_syn_schedule {
	ps_time rto;                 /* the wait after the first SYN */
	uint32_t retries;            /* retransmissions before giving up */
	enum ps_syn_backoff backoff;
	ps_time timeout;             /* connection-establishment timer (BSD keepinit); 0 = none */
};

/*
 * When SYN k (0 = the first) is sent, counted from the first: 0 for k = 0;
 * PS_TIME_MAX when the schedule sends no SYN k (more than `retries`
 * retransmissions, or at or after the establishment timer).
 */
ps_time ps_syn_send_time(const struct ps_syn_schedule *s, uint32_t k);

/* When connect() fails with ETIMEDOUT, counted from the first SYN. */
ps_time ps_syn_give_up(const struct ps_syn_schedule *s);

/*
 * A connection whose SYN was dropped: what it needs to finish when a later
 * SYN gets through or when it gives up. The table hands out slot numbers
 * for the engine's events and reuses them.
 */
struct ps_syn_wait {
	uint32_t conn, gen;      /* the host's connection and its generation */
	uint32_t pop, tries;     /* the population, and the request's earlier attempts */
	uint32_t sent;           /* SYNs sent so far */
	uint32_t probes;         /* candidates the port search examined */
	uint32_t next_free;
	uint16_t port;
	uint8_t why;             /* enum ps_syn_drop of the last drop */
	ps_time first;           /* when the first SYN left */
	uint64_t serial;
	struct ps_attempt a;     /* the attempt, for a retry after ETIMEDOUT */
};

/* Why a SYN was dropped. */
enum ps_syn_drop {
	PS_SYN_DROP_NAT,      /* the NAT found no external port */
	PS_SYN_DROP_RACE,     /* the NAT's conntrack confirm lost a race to another CPU */
	PS_SYN_DROP_PEER_TW   /* the server holds the 4-tuple in TIME_WAIT and refuses */
};

struct ps_syn_table {
	struct ps_syn_wait *v;
	uint32_t len, cap, free;
};

void ps_syn_table_init(struct ps_syn_table *t);
void ps_syn_table_fini(struct ps_syn_table *t);

/* A free slot, or UINT32_MAX when out of memory. */
uint32_t ps_syn_table_add(struct ps_syn_table *t);

/* Gives slot id back. */
void ps_syn_table_remove(struct ps_syn_table *t, uint32_t id);

/* The connect delay of probes candidates at probe_cost each, on top of wait. */
ps_time ps_syn_delay(ps_time wait, uint32_t probes, ps_time probe_cost);

#endif
