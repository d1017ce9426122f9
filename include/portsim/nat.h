/*
 * A NAT between the inside hosts and the destinations (docs/allocators.md#nat-model).
 * Every connection an inside host opens is translated to an external
 * (address, port) from the NAT's pool; the NAT keeps the mapping while the
 * connection lives and for its own timers after (conntrack TIME_WAIT, UDP
 * timeout, the RFC 6888 hold), then frees the external port.
 *
 * The external pool is a struct ps_pool: endpoint-dependent mapping tests
 * the external 4-tuple (like connect()), endpoint-independent mapping holds
 * the external port for one inside endpoint toward every destination (like
 * bind(0)). NAT allocators are pluggable like host strategies.
 */
#ifndef PORTSIM_NAT_H
#define PORTSIM_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/host.h"
#include "portsim/map.h"
#include "portsim/pool.h"
#include "portsim/rng.h"
#include "portsim/types.h"

enum ps_nat_mapping { PS_NAT_ENDPOINT_DEPENDENT, PS_NAT_ENDPOINT_INDEPENDENT };
enum ps_nat_random { PS_NAT_RANDOM_NONE, PS_NAT_RANDOM, PS_NAT_RANDOM_FULLY };
/* nf-nat's search after port preservation fails (docs/allocators.md#the-conntrack-race). */
enum ps_nat_kernel {
	PS_NAT_KERNEL_CURRENT, /* 5.0 and later: runs from fresh random offsets */
	PS_NAT_KERNEL_PRE_5_0  /* before 5.0: one rover for all flows; --random a keyed hash */
};

struct ps_nat_config {
	uint16_t lo, hi;            /* external port range */
	uint32_t naddrs;            /* external addresses */
	uint32_t first_ip;          /* external address k is first_ip + k */
	uint32_t ninside;           /* inside hosts */
	const struct ps_endpoint *dsts;
	uint32_t ndsts;
	enum ps_nat_mapping mapping;
	ps_time tcp_linger;         /* after a TCP connection closes: conntrack TIME_WAIT */
	ps_time udp_linger;         /* after a UDP flow ends: the UDP timeout */
	ps_time hold;               /* then the port waits this long before a new mapping (RFC 6888 REQ-8) */
	ps_time idle_timeout;       /* an established connection idle this long loses its mapping; 0 = never */
	enum ps_err drop_err;       /* how a drop is reported (insert_failed, ErrorPortAllocation, ...) */
	/* allocator tunables */
	enum ps_nat_random random;  /* nf-nat: --random / --random-fully skip port preservation */
	bool persistent;            /* nf-nat: the external address depends on the source only */
	uint32_t block_size;        /* pba: ports per block */
	uint32_t max_blocks;        /* pba: blocks per inside host */
	bool block_random;          /* pba: random rather than sequential inside a block */
	bool block_grow_double;     /* pba: each new block doubles the host's ports (GCP dynamic) */
	uint32_t sharing_ratio;     /* deterministic: inside hosts per external address */
	uint32_t per_address_limit; /* simultaneous mappings per (external address, destination); 0 = none */
	uint64_t seed;
	/* the conntrack race */
	uint32_t cpus;              /* CPUs handling new flows; 1 = no race */
	ps_time confirm_window;     /* a choice is unconfirmed, invisible to other CPUs, this long */
	enum ps_nat_kernel kernel;
	bool retransmit;            /* a dropped SYN is retransmitted (the run's business) */
};

/* One translation request. */
struct ps_nat_request {
	uint32_t host;       /* inside host index */
	uint32_t inside_ip;
	uint16_t inside_port;
	uint32_t dst;
	bool udp;
	ps_time now;
};

struct ps_nat;

/* A NAT allocator: chooses the external address and port for a request. */
struct ps_nat_ops {
	const char *name;
	const char *summary;
	const char *source;
	size_t state_size;
	int (*init)(void *state, const struct ps_nat *nat);
	/*
	 * Picks a usable external (address, port index) for req, or returns
	 * false. *probes counts the candidates the modelled NAT examined.
	 */
	bool (*pick)(void *state, struct ps_nat *nat, const struct ps_nat_request *req, uint32_t *addr,
		     uint32_t *idx, uint32_t *probes);
	/* Optional: the external (addr, idx) is free again (its hold is over). */
	void (*release)(void *state, struct ps_nat *nat, uint32_t addr, uint32_t idx);
	void (*fini)(void *state);
};

extern const struct ps_nat_ops *const ps_nat_registry[];
extern const size_t ps_nat_registry_len;
const struct ps_nat_ops *ps_nat_find(const char *name);
void ps_nat_names(char *buf, size_t size, const char *sep);

/* A mapping: one external (address, port) serving one or more inside connections. */
struct ps_nat_map {
	uint32_t addr, idx;   /* external */
	uint32_t host;        /* inside host */
	uint32_t inside_ip;
	uint16_t inside_port;
	uint32_t dst;         /* endpoint-dependent: the destination; independent: the first one */
	uint32_t refs;        /* live connections using it */
	uint32_t gen;         /* bumped when the slot is reused */
	uint32_t next_free;
	bool lingering;
};

/*
 * Exact counts behind ps_nat_free_tightest, kept as external ports are
 * taken and released (nat_count.c), so a sample costs no scan of ports:
 * the fullest (address, destination) under a per-destination limit, and
 * for NATs that give each inside host ports of its own (pba, deterministic)
 * the fullest host and the port blocks in use.
 */
struct ps_nat_fullest {
	uint32_t *count;    /* [n] values of what is tracked: how many have each count */
	uint32_t max, size; /* the largest count present; counts run 0..size-1 */
};

struct ps_nat_counts {
	uint32_t host_cap;            /* ports one inside host may hold; 0: the hosts share the pool */
	uint32_t *host_ports;         /* [ninside] external ports carrying the host's mappings */
	struct ps_nat_fullest hosts;  /* over host_ports */
	struct ps_nat_fullest pairs;  /* over dst_count, with a per-destination limit */
	uint32_t block, nblocks;      /* pba: ports per block, blocks per address */
	uint32_t *block_ports;        /* pba: [naddrs * nblocks] ports of each block carrying a mapping */
	uint32_t blocks_used;         /* pba: blocks with a port carrying a mapping */
};

/* A new mapping whose conntrack entry is not confirmed yet: other CPUs do not see it. */
struct ps_nat_pending {
	uint32_t map, gen, cpu;
	ps_time until;
};

struct ps_nat {
	struct ps_nat_config cfg;
	const struct ps_nat_ops *ops;
	void *state;
	struct ps_pool pool;        /* external occupancy */
	uint32_t n;                 /* external ports per address */
	struct ps_nat_map *maps;
	uint32_t nmaps, maps_cap, free_map;
	struct ps_map by_endpoint;  /* inside endpoint -> its newest mapping */
	uint32_t *dst_count;        /* [naddrs * ndsts] live mappings per (address, destination) */
	struct ps_rng rng;          /* allocator draws */
	uint64_t key;               /* hash key for address choice */
	uint64_t drops, probes_sum;
	uint32_t probes_max;
	uint64_t live_maps;         /* every mapping, lingering ones included */
	uint64_t lingering_maps;    /* mappings whose connections are gone, in their linger or hold */
	uint64_t peak_live, peak_lingering; /* the most of each at once */
	ps_time first_drop;         /* when drops first became nonzero */
	struct ps_nat_counts counts;
	/* the conntrack race (cfg.cpus > 1) */
	struct ps_nat_pending *pending; /* choices still unconfirmed, oldest first */
	uint32_t npending, pending_cap;
	struct ps_rng cpu_rng;       /* which CPU handles a new flow */
	uint64_t race_drops;
	bool raced;                  /* the last ps_nat_open lost the race */
};

/* 0, or -1 with a reason in err. */
int ps_nat_init(struct ps_nat *nat, const struct ps_nat_config *cfg, const struct ps_nat_ops *ops,
		char *err, size_t size);
void ps_nat_fini(struct ps_nat *nat);

/*
 * Translates a new inside connection: stores the mapping index in *map and
 * returns PS_OK, or returns the configured drop error. -1 is never returned;
 * an allocation failure is reported as PS_ERR_COUNT.
 *
 * With several CPUs the flow is handled on one drawn at random, and its
 * choice cannot see the choices other CPUs made less than confirm_window
 * ago; when it picks the external tuple one of those holds, its confirm
 * fails: the function returns PS_NAT_INSERT_FAILED and sets nat->raced
 * (docs/allocators.md#the-conntrack-race).
 */
enum ps_err ps_nat_open(struct ps_nat *nat, const struct ps_nat_request *req, uint32_t *map);

/*
 * The inside connection on mapping `map` ended at now. When it was the
 * mapping's last, the mapping lingers and the function returns the time at
 * which ps_nat_expire must be called (with the mapping's current gen);
 * otherwise PS_TIME_MAX.
 */
ps_time ps_nat_close(struct ps_nat *nat, uint32_t map, bool udp, ps_time now);

/* Ends a lingering mapping if gen still names it: the external port is free again. */
void ps_nat_expire(struct ps_nat *nat, uint32_t map, uint32_t gen, ps_time now);

/* The external address and port of a mapping. */
uint32_t ps_nat_ext_ip(const struct ps_nat *nat, uint32_t map);
uint16_t ps_nat_ext_port(const struct ps_nat *nat, uint32_t map);

/* Is the external (addr, idx) usable for req under the mapping rule (and the per-address limit)? */
bool ps_nat_usable(const struct ps_nat *nat, const struct ps_nat_request *req, uint32_t addr,
		   uint32_t idx);

/* Like ps_pool_scan over external indexes base + (start + k*step) mod m of address addr. */
int64_t ps_nat_scan(const struct ps_nat *nat, const struct ps_nat_request *req, uint32_t addr,
		    uint32_t base, uint32_t start, uint32_t m, uint32_t step, uint32_t count,
		    uint32_t *idx);

/* The external (addr, idx) of the newest mapping of an inside endpoint, if it has one. */
bool ps_nat_endpoint_map(const struct ps_nat *nat, uint32_t inside_ip, uint16_t inside_port,
			 uint32_t *addr, uint32_t *idx);

/*
 * External ports a new mapping could still get where the NAT is fullest:
 * toward the worst-off (external address, destination), less what a
 * per-destination limit leaves; for NATs that give each inside host ports
 * of its own (pba, deterministic), the fullest host's: block_size x
 * max_blocks (or range / sharing_ratio) less its ports carrying a mapping,
 * and 0 once every port block is taken while some host has none. Exact,
 * from counts kept as ports are taken and released.
 */
uint32_t ps_nat_free_tightest(const struct ps_nat *nat);

/* What ps_nat_free_tightest gives with no mapping at all: the size of the pool that runs dry first. */
uint32_t ps_nat_pool_ports(const struct ps_nat *nat);

/* Internal to the NAT (nat.c, nat_count.c): the counts' life and changes. */
int ps_nat_counts_init(struct ps_nat *nat);
void ps_nat_counts_fini(struct ps_nat *nat);
void ps_nat_counts_take(struct ps_nat *nat, const struct ps_nat_map *m, bool fresh_port);
void ps_nat_counts_release(struct ps_nat *nat, const struct ps_nat_map *m, bool port_freed);

/* An address index chosen by a keyed hash of (inside address, destination) — or of the inside address alone. */
uint32_t ps_nat_hash_addr(const struct ps_nat *nat, const struct ps_nat_request *req, bool source_only);

#endif
