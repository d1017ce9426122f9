/*
 * Bounds: closed forms for the highest rate a pool of ports sustains, which
 * a user can check by hand beside a simulation. An analysis: it reads a
 * scenario and runs nothing.
 *
 * A scenario is first resolved into the pools that can run dry, each a
 * struct ps_pool_spec: the usable ports of one independent pool, how many
 * independent pools there are (destinations x addresses), the mean time a
 * port stays taken, the offered rate and the blocking target. The forms
 * need nothing else:
 *   deterministic bound = usable ports x destinations x addresses / holding
 *   Erlang-B            = A(c = usable ports, B = target) / holding
 *                         x destinations x addresses
 * Erlang-B is the M/G/c/c loss probability: exact for Poisson arrivals
 * spread evenly over the pools, whatever the duration distribution.
 *
 * The host's ephemeral ports: usable ports = range minus reserved ports;
 * destinations count only under the 4-tuple rule (connect, bind-no-port);
 * holding = mean duration + TIME_WAIT x P(client closes), rate-weighted
 * over the scaled populations. Behind a NAT every inside host has such a
 * pool of its own.
 *
 * A NAT's external pool is the second: its range, cut to the
 * per-destination limit (AWS, Azure NAT Gateway), toward each destination
 * under endpoint-dependent mapping (one pool for all under
 * endpoint-independent), on each external address; or, for port blocks
 * (pba: GCP Cloud NAT, Azure LB outbound, a CGN) and RFC 7422's fixed
 * slices, the ports one inside host may hold: block_size x max_blocks, no
 * more than its fair share of the blocks, or range / sharing_ratio.
 * Holding = mean duration + the NAT's linger after the close (conntrack
 * TIME_WAIT, the UDP timeout) + its hold.
 *
 * Pools kept per inside host bind first at the busiest host: the total
 * rate they allow is one host's bound / the busiest host's share of the
 * rate (x hosts when the rate is spread evenly). The pool with the lowest
 * deterministic bound binds.
 */
#ifndef PORTSIM_BOUNDS_H
#define PORTSIM_BOUNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/scenario.h"

/* The most pools ps_bounds_pools fills: enough for the host and a NAT, with room. */
#define PS_BOUNDS_POOLS_MAX 4

/* Why the simulation may differ from the closed forms: bits of ps_pool_spec.notes. */
enum ps_cap_note {
	PS_CAP_NOTE_GIVES_UP = 1u << 0,     /* rfc6056-2 with tries below the range */
	PS_CAP_NOTE_ZIPF = 1u << 1,         /* destination skew */
	PS_CAP_NOTE_PORT_LEVEL = 1u << 2,   /* bind0, udp or unique = port: destinations do not multiply */
	PS_CAP_NOTE_NOT_POISSON = 1u << 3,  /* Erlang-B assumes Poisson arrivals */
	PS_CAP_NOTE_PER_POOL = 1u << 4,     /* Erlang-B applied per (address, destination) pool */
	PS_CAP_NOTE_TW_REUSE = 1u << 5,     /* TIME_WAIT can be cut short */
	PS_CAP_NOTE_UNSCALED = 1u << 6,     /* burst and replay populations keep their rate */
	PS_CAP_NOTE_KEEPALIVE = 1u << 7,    /* the rate counts requests, not connections */
	PS_CAP_NOTE_RETRIES = 1u << 8,      /* failed attempts are tried again */
	PS_CAP_NOTE_SHORT_RUN = 1u << 9,    /* the run ends before the pool can fill */
	PS_CAP_NOTE_VARYING = 1u << 10,     /* ramp, on-off, diurnal: the peak rate matters */
	PS_CAP_NOTE_ADDRESSES = 1u << 11,   /* several source addresses, not an even Poisson split */
	PS_CAP_NOTE_NO_MEAN = 1u << 12,     /* no finite mean duration known to the formulas */
	PS_CAP_NOTE_NAT_GIVES_UP = 1u << 13, /* nf-nat drops after 248 probes with ports free */
	PS_CAP_NOTE_NAT_REOPEN = 1u << 14,  /* the NAT revives a lingering flow on the same inside port */
	PS_CAP_NOTE_COUNT = 15
};

/* One sentence explaining a note bit; "" for an unknown bit. */
const char *ps_capacity_note_text(unsigned bit);

/* One pool of ports, resolved: all the closed forms read. */
struct ps_pool_spec {
	const char *name;          /* "host": the hosts' ephemeral ports; "nat": the NAT's external ports */
	uint32_t usable_ports;     /* ports each independent pool can give out: range minus reserved */
	uint32_t destinations;     /* independent pools per address: 1 when a port serves one socket */
	uint32_t addresses;        /* addresses, each with its own independent pools */
	double holding_s;          /* mean time a port stays taken toward one destination; NAN if unknown */
	double linger_s;           /* the part of holding_s after the close: TIME_WAIT, or the NAT's linger + hold */
	uint32_t hosts;            /* inside hosts, each with pools of its own; 1 for a pool all share */
	double busiest_share;      /* share of the rate the busiest host offers: 1 / hosts when even; 1 */
	double offered_per_s;      /* the rate offered to the pool as the scenario gives it */
	double target;             /* blocking probability allowed, in (0, 1) */
	unsigned notes;            /* enum ps_cap_note bits that apply to this pool */
};

/* The closed forms of one pool. */
struct ps_pool_bound {
	struct ps_pool_spec pool;    /* what they were computed from */
	double deterministic_per_s;  /* NAN if the holding time is unknown */
	double erlang_load;          /* A in Erlangs, per independent pool */
	double erlang_per_s;         /* the total rate by Erlang-B; NAN if the holding time is unknown */
};

/*
 * Whether population p's load scales with the rate a capacity search sets:
 * every arrival process but burst and replay, whose load stays as written.
 * The closed forms describe these populations only.
 */
bool ps_population_scaled(const struct ps_population *p);

/* The total rate_per_s of sc's scaled populations. */
double ps_scaled_rate(const struct ps_scenario *sc);

/*
 * Resolves the pools of sc that can run dry, at failure ratio target
 * (0 < target < 1), into out[0..max). Returns how many it wrote: the
 * host's ("host"), then the NAT's ("nat") when the scenario has one and it
 * resolves; PS_BOUNDS_POOLS_MAX always has room for all.
 */
size_t ps_bounds_pools(const struct ps_scenario *sc, double target, struct ps_pool_spec *out, size_t max);

/*
 * One line naming the pool that binds among b[0..n) and why, with the
 * other pools' bounds beside it ("binding: the NAT's 64,512 ports held
 * 120.05 s each (0.05 s open + 120 s linger) -> 537/s; each inside host's
 * own 28,232 ports would allow 470/s per host x 100 hosts = 47,015/s"),
 * into buf (no newline); "" when no pool has a bound. Returns buf.
 */
char *ps_bounds_explain(const struct ps_pool_bound *b, size_t n, char *buf, size_t size);

/* The deterministic bound: ports usable ports, each held holding_s on average, sustain ports / holding_s new connections per second (NAN without a positive, finite holding time). */
double ps_bound_deterministic(double ports, double holding_s);

/* The closed forms of pool p into *out. */
void ps_bounds_pool(const struct ps_pool_spec *p, struct ps_pool_bound *out);

/* ps_bounds_pools, then ps_bounds_pool on each; returns how many it wrote into out. */
size_t ps_bounds(const struct ps_scenario *sc, double target, struct ps_pool_bound *out, size_t max);

/*
 * The index of the pool that binds among b[0..n): the lowest deterministic
 * bound, a pool without one only when no pool has one. 0 when n <= 1.
 */
size_t ps_bounds_binding(const struct ps_pool_bound *b, size_t n);

/*
 * Erlang-B: the probability that an arrival finds all c servers busy when
 * the offered load is a Erlangs (arrival rate times mean holding time),
 * by the stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)).
 * It holds for Poisson arrivals and any holding-time distribution (M/G/c/c).
 */
double ps_erlang_b(unsigned c, double a);

/* The offered load a with ps_erlang_b(c, a) == target (0 < target < 1), by bisection to 1e-12 relative. */
double ps_erlang_b_load(unsigned c, double target);

#endif
