/*
 * The 4-tuples a server holds in TIME_WAIT after it closed first. It is
 * model state, owned by the run: a server that refuses a SYN on such a
 * 4-tuple (ns-3, tw_collision = refuse) asks it before letting a
 * connection through, and compare counts how often a new connection lands
 * on one (the instance-id collision of RFC 6056 §2.3). The client's own
 * TIME_WAIT is the host's (host.h); this is the other end's.
 *
 * An entry is (address index, port index, destination) and the time the
 * server lets it go. Expired entries are dropped before the table would
 * grow, so memory follows what one TIME_WAIT's worth of server closes
 * leaves alive.
 */
#ifndef PORTSIM_PEER_TW_H
#define PORTSIM_PEER_TW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/map.h"
#include "portsim/types.h"

struct ps_peer_tw {
	ps_time hold;      /* how long the server holds a 4-tuple; 0: nothing is kept */
	struct ps_map held; /* 4-tuple -> until when */
};

/* 0, or -1 (memory). hold 0 makes every call below a no-op that holds nothing. */
int ps_peer_tw_init(struct ps_peer_tw *p, ps_time hold);
void ps_peer_tw_fini(struct ps_peer_tw *p);

/* Does the table keep anything? Most runs need none of it, and ask this once per connection. */
static inline bool ps_peer_tw_kept(const struct ps_peer_tw *p)
{
	return p->hold != 0;
}

/* The server closed (addr, idx, dst) first at now: it holds the 4-tuple for `hold`. 0, or -1 (memory). */
int ps_peer_tw_close(struct ps_peer_tw *p, uint32_t addr, uint32_t idx, uint32_t dst, ps_time now);

/* Whether the server holds (addr, idx, dst) at now. */
bool ps_peer_tw_holds(const struct ps_peer_tw *p, uint32_t addr, uint32_t idx, uint32_t dst, ps_time now);

/*
 * A new connection on (addr, idx, dst) at now: the server's entry, if any,
 * is gone (taken over, or expired). True when it was still held: the new
 * connection collided with the server's TIME_WAIT.
 */
bool ps_peer_tw_take(struct ps_peer_tw *p, uint32_t addr, uint32_t idx, uint32_t dst, ps_time now);

/* The table's slot count (memory stays bounded; 0 when nothing is kept). */
size_t ps_peer_tw_slots(const struct ps_peer_tw *p);

#endif
