/*
 * The occupancy of one host's ephemeral range and the availability rule
 * (DESIGN.md, "The availability rule"). The pool decides which ports are
 * usable for a request; strategies decide which usable port is chosen.
 *
 * Ports are handled as indexes into the range: idx = port - lo, 0 <= idx < n.
 * Per source address: a count of sockets on each port and a bitmap of
 * exclusive holders (bind0). Per (source address, destination) pair with
 * live entries: a bitmap of ports in use (live or TIME_WAIT), made on first
 * use and recycled when the pair empties, so idle destinations cost nothing.
 * Where no later request can take a TIME_WAIT entry over (tw_reuse), the
 * pair's in-use bit is the whole truth about a 4-tuple. Only connections
 * that may be taken over are also kept in a hash of 4-tuples, with the
 * time they entered TIME_WAIT, as the kernel's established hash does.
 *
 * Exact counts of the ports each address and pair has lost are kept as
 * ports are taken and released: a sample of the tightest destination costs
 * one step per pair, and a search on a pair with no usable port at all
 * fails at once.
 */
#ifndef PORTSIM_POOL_H
#define PORTSIM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/map.h"
#include "portsim/narrate.h"
#include "portsim/types.h"

/* Which sockets a connect() must not collide with. */
enum ps_unique {
	PS_UNIQUE_4TUPLE, /* Linux, FreeBSD connect(): a port may serve several destinations */
	PS_UNIQUE_PORT    /* macOS, OpenBSD, ns-3: one socket per (address, port) */
};

const char *ps_unique_name(enum ps_unique u);

#define PS_NO_CONN UINT32_MAX

/* One allocation request, as the pool and the strategies see it. */
/*
 * How a program has a socket's port chosen besides the kernel's default
 * (docs/allocators.md#per-socket-port-ranges); only the linux strategy reads it.
 */
enum ps_port_choice {
	PS_PORT_KERNEL,       /* the kernel's own search */
	PS_PORT_SOCKET_RANGE, /* IP_LOCAL_PORT_RANGE (Linux 6.3+) set to [lo, hi] */
	PS_PORT_NARROW_RANGE, /* IP_LOCAL_PORT_RANGE set to a random window of arg ports, per socket */
	PS_PORT_BIND_RETRY    /* bind() to a random port, again on EADDRINUSE, at most arg times */
};

struct ps_port_choice_cfg {
	enum ps_port_choice how;
	uint16_t lo, hi;
	uint32_t arg;
};

struct ps_request {
	enum ps_mode mode;
	uint32_t addr;     /* source address index */
	uint32_t src_ip;   /* source IPv4 address, host byte order (hash input) */
	uint32_t dst;      /* destination index */
	uint32_t dst_ip;   /* destination IPv4 address (hash input) */
	uint16_t dst_port; /* destination port (hash input) */
	bool loopback;     /* destination is on loopback */
	bool tw_takeover;  /* the host's tw_reuse policy lets this request take over TIME_WAIT */
	ps_time tw_min_age; /* ... once the TIME_WAIT entry is at least this old */
	ps_time now;
	const struct ps_port_choice_cfg *choice; /* NULL: the kernel's own search */
};

struct ps_pool_config {
	uint16_t lo, hi;           /* inclusive range */
	const uint64_t *reserved;  /* bitmap over all 65536 ports, or NULL */
	uint32_t naddrs;           /* source addresses, 1..65535 */
	uint32_t ndsts;            /* destinations, >= 1 */
	enum ps_unique unique;     /* rule for connect and bind-no-port */
};

struct ps_pair; /* bitmaps of one (address, destination) pair */
struct ps_narrator;

struct ps_pool {
	uint16_t lo, hi;
	uint32_t n, words;         /* ports in range; 64-bit words per bitmap */
	uint32_t swords;           /* words of a bitmap's summary: bit w = word w is full */
	uint32_t naddrs, ndsts;
	enum ps_unique unique;
	uint64_t *reserved;        /* [words] */
	uint64_t *any;             /* per address: [words] some socket holds (addr, port), then
				      [2 * swords] summaries of full words, even ports and odd */
	uint64_t *excl;            /* [naddrs * words] an exclusive socket holds (addr, port) */
	uint32_t *users;           /* [naddrs * n] sockets on (addr, port) */
	uint32_t *pair_of;         /* [naddrs * ndsts] pair slot + 1, 0 = none */
	uint32_t *addr_pairs;      /* [naddrs] pairs with entries on each address */
	uint64_t *addr_sockets;    /* [naddrs] sockets on each address */
	uint32_t *excl_ports;      /* [naddrs] unreserved ports an exclusive socket holds */
	uint32_t *busy_ports;      /* [naddrs] unreserved ports some socket holds */
	struct ps_pair *pairs;
	uint32_t npairs, pairs_cap, free_pair;
	struct ps_map tuples;      /* 4-tuples that may be taken over -> connection, TIME_WAIT entry time */
	uint64_t ports_in_use;     /* (addr, port) pairs with at least one socket */
	uint32_t reserved_in_range;
	struct ps_narrator *narrator; /* NULL but while an allocation is being told (narrate.h) */
};

/* 0, or -1 when out of memory or the configuration is invalid. */
int ps_pool_init(struct ps_pool *p, const struct ps_pool_config *cfg);
void ps_pool_fini(struct ps_pool *p);

/* Is port index idx usable for req? Counts no probe; pure. */
bool ps_pool_usable(const struct ps_pool *p, const struct ps_request *req, uint32_t idx);

/*
 * Walks the cyclic sequence idx_k = (start + k*step) mod m, k = 0..count-1,
 * and returns the first k whose index is usable (storing it in *idx), or -1.
 * Requires start < m <= n. Uses word-wide bitmap scans when step is 1, or 2
 * with m even; otherwise tests candidates one by one. Either way the answer
 * is the one a candidate-by-candidate loop would reach, so k + 1 is the
 * number of candidates the modelled algorithm examined.
 */
int64_t ps_pool_scan(const struct ps_pool *p, const struct ps_request *req, uint32_t start,
		     uint32_t m, uint32_t step, uint32_t count, uint32_t *idx);

/* The first usable index in [from, to) of the given parity (-1: any), or UINT32_MAX. */
uint32_t ps_pool_first(const struct ps_pool *p, const struct ps_request *req, uint32_t from,
		       uint32_t to, int parity);

/* ps_pool_scan over the indexes base + ((start + k*step) mod m), a sub-range of the pool. */
int64_t ps_pool_scan_at(const struct ps_pool *p, const struct ps_request *req, uint32_t base,
			uint32_t start, uint32_t m, uint32_t step, uint32_t count, uint32_t *idx);

/*
 * Is idx usable for req by its bits alone: in range, not reserved, held by
 * no exclusive socket, and unused toward req's destination (4-tuple rule)
 * or on the address (port rule)? true means ps_pool_usable is true; false
 * may still hide a usable index (a TIME_WAIT that req may take over). A
 * shortcut for searches whose first candidate is most often free: cheaper
 * than setting up a scan, it counts no probe and tells no narrator.
 */
bool ps_pool_free(const struct ps_pool *p, const struct ps_request *req, uint32_t idx);

/* Is idx in the administratively excluded set (reserved ports)? */
bool ps_pool_reserved(const struct ps_pool *p, uint32_t idx);

/*
 * Records a live socket on (addr, idx) toward dst; exclusive for bind0.
 * conn names the connection when a later request may take its TIME_WAIT
 * over (ps_pool_holder then finds it); PS_NO_CONN when none can, and the
 * pool keeps no 4-tuple record. 0 or -1 (memory).
 */
int ps_pool_add(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst, uint32_t conn,
		bool exclusive);

/* Moves the 4-tuple's entry into TIME_WAIT, entered at time now. */
void ps_pool_enter_time_wait(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst,
			     ps_time now);

/* Forgets the 4-tuple's entry (close without TIME_WAIT, TIME_WAIT end, take-over). */
void ps_pool_remove(struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst, bool exclusive);

/* Asks the processor to fetch the bits a change of the 4-tuple's entry will touch; changes nothing. */
void ps_pool_prefetch(const struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst);

/* Sockets (live or TIME_WAIT, toward any destination) on (addr, idx). */
uint32_t ps_pool_users(const struct ps_pool *p, uint32_t addr, uint32_t idx);

/* Connection holding the 4-tuple, if ps_pool_add was given one; else PS_NO_CONN. */
uint32_t ps_pool_holder(const struct ps_pool *p, uint32_t addr, uint32_t idx, uint32_t dst);

/* Ports a connect() could still get toward the worst-off (address, destination). */
uint32_t ps_pool_free_tightest(const struct ps_pool *p);

/* Why idx is refused for req, by the availability rule ps_pool_usable applies (narrate.h). */
enum ps_why ps_pool_why(const struct ps_pool *p, const struct ps_request *req, uint32_t idx);

#endif
