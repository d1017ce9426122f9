/*
 * The allocator interface. A strategy is one const struct of operations,
 * in the manner of Linux's struct tcp_congestion_ops: a name, a one-line
 * summary, the source it follows, the size of its private state (which the
 * host allocates), and callbacks. The registry lists them all; adding a
 * strategy is one file in sim/alloc/ and one line in sim/alloc/registry.c.
 *
 * A strategy never touches the clock or the workload. It asks the pool
 * which ports are usable and reports the port it chose and the number of
 * candidates the modelled system examined, which may be more than the
 * simulator needed to look at.
 *
 * Each pick also narrates itself (narrate.h): when the pool has a narrator
 * (portsim explain, run --follow-port; NULL otherwise), pick tells in its
 * own terms where it starts and what it remembers, and the pool's probe
 * functions tell each candidate. A new strategy brings its narration in its
 * own file; tests/test_explain.c checks every registered one tells some.
 */
#ifndef PORTSIM_ALLOC_H
#define PORTSIM_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/pool.h"
#include "portsim/rng.h"
#include "portsim/types.h"

/* windows: the allocation order, which Microsoft does not document. */
enum ps_order { PS_ORDER_SEQUENTIAL, PS_ORDER_RANDOM };

/* Tunables of the strategies; scenario keys under [host]. */
struct ps_alloc_params {
	bool descending;         /* sequential: walk downward (NetBSD's default) */
	uint32_t first_port;     /* sequential: port the cursor starts at; 0 = the range's low end */
	ps_time resalt_ns;       /* linux: hash re-salt period (10 s) */
	uint32_t table_size;     /* linux: perturbation table entries (65536) */
	uint32_t tries;          /* rfc6056-2: random draws before giving up; 0 = the range size */
	uint32_t table_length;   /* rfc6056-4: TABLE_LENGTH, counters in the table (10) */
	uint32_t increment_max;  /* rfc6056-5: N, the largest random increment (500) */
	uint32_t randomcps;      /* freebsd-legacy: allocations per second that stop randomization (10) */
	uint32_t randomtime_s;   /* freebsd-legacy: seconds randomization stays off (45) */
	uint32_t udp_hash_size;  /* linux-udp: slots of the UDP hash table, a power of two (256) */
	enum ps_order order;     /* windows: sequential or random start */
	bool tcp_randomize;      /* xnu: net.inet.tcp.randomize_ports (0) */
};

/* Fills *p with every strategy's documented defaults. */
void ps_alloc_params_default(struct ps_alloc_params *p);

/* What a strategy's init receives. */
struct ps_alloc_ctx {
	uint16_t lo, hi;  /* inclusive range */
	uint32_t n;       /* hi - lo + 1 */
	const struct ps_alloc_params *params;
	uint64_t seed;    /* run seed: derive PS_STREAM_ALLOCATOR / PS_STREAM_SECRET streams from it */
	uint32_t instance; /* distinguishes two instances of one strategy in a host */
};

struct ps_pick {
	int32_t idx;     /* chosen port index, or -1 on failure */
	uint32_t probes; /* candidates the modelled system examined */
};

/* Capability bits: optional abilities, so the core never guesses from NULLs. */
enum {
	PS_CAP_USES_DEST = 1u << 0,   /* the choice depends on the destination */
	PS_CAP_RANDOM = 1u << 1,      /* draws random numbers */
	PS_CAP_TIME = 1u << 2,        /* the choice depends on the time (re-salting) */
};

struct ps_alloc_ops {
	const char *name;
	const char *summary; /* one line: what it does */
	const char *source;  /* kernel file and function, or RFC section */
	size_t state_size;
	unsigned caps;
	enum ps_err fail_err; /* what the real counterpart returns when it finds nothing; PS_OK = the mode's usual error */
	/* 0, or -1 (out of memory); state is zeroed before the call. */
	int (*init)(void *state, const struct ps_alloc_ctx *ctx);
	struct ps_pick (*pick)(void *state, const struct ps_pool *pool, const struct ps_request *req);
	/*
	 * Optional: asks the processor to fetch what a coming pick from
	 * address addr toward destination dst will read, a few arrivals
	 * before it is made. With near false, what the start of its search
	 * depends on; with near true (later, when that should be at hand),
	 * the pool's bits at that start. Changes nothing.
	 */
	void (*ahead)(const void *state, const struct ps_pool *pool, uint32_t addr, uint32_t dst, bool near);
	/* Optional: told when a port it chose is released for good. */
	void (*release)(void *state, uint32_t idx);
	/* Optional: frees what init allocated. */
	void (*fini)(void *state);
};

/* Every strategy, in the order `portsim strategies` prints them. */
extern const struct ps_alloc_ops *const ps_alloc_registry[];
extern const size_t ps_alloc_registry_len;

/* The strategy called name, or NULL. */
const struct ps_alloc_ops *ps_alloc_find(const char *name);

/* Strategy names joined by sep ("sequential|rfc6056-1|linux") into buf. */
void ps_alloc_names(char *buf, size_t size, const char *sep);

#endif
