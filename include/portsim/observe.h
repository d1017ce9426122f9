/*
 * Observers for comparing strategies: how soon a port comes back after it
 * is released (reuse distance), how often a new connection lands on a
 * 4-tuple the peer still holds in TIME_WAIT (the instance-id collision of
 * RFC 6056 §2.3; the run says so from its peer_tw.h table), and how
 * predictable the next port is. They watch the run and never change it.
 */
#ifndef PORTSIM_OBSERVE_H
#define PORTSIM_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/types.h"

/* A histogram with logarithmic bins: quantiles of values spanning many decades, within ~1 %. */
struct ps_loghist {
	uint64_t *bins;
	uint32_t nbins, per_decade;
	double lo;          /* values below lo (and zeros) are counted in `low` */
	uint64_t n, low;
	double min, max;    /* exact extremes */
};

/* 0 or -1 (memory); bins cover [lo, hi) with per_decade bins per factor of ten. */
int ps_loghist_init(struct ps_loghist *h, double lo, double hi, unsigned per_decade);
void ps_loghist_fini(struct ps_loghist *h);
void ps_loghist_add(struct ps_loghist *h, double v);
/* Adds every observation of `from` (same bins) to `into`. */
void ps_loghist_merge(struct ps_loghist *into, const struct ps_loghist *from);
/* The q-quantile (0..1); min for q = 0; NAN when empty. */
double ps_loghist_quantile(const struct ps_loghist *h, double q);
/* Fraction of observations <= v. */
double ps_loghist_cdf(const struct ps_loghist *h, double v);

#define PS_PREDICT_G 10

/*
 * Predictability of the next port from the last one: the share of
 * allocations whose port equals the previous port plus one of the G most
 * frequent differences seen so far (differences taken modulo the range).
 */
struct ps_predict {
	uint32_t n;                 /* range size */
	uint32_t *count;            /* [n] occurrences of each difference */
	uint32_t top[PS_PREDICT_G]; /* the most frequent differences, most frequent first */
	unsigned ntop;
	uint64_t trials;            /* allocations with a previous port to compare with */
	uint64_t hits[PS_PREDICT_G + 1]; /* hits[g]: the difference was among the top g */
};

/* When a port was last released: at = release time + 1 (0: no release pending), and allocs then. */
struct ps_release {
	ps_time at;
	uint64_t alloc;
};

struct ps_observe {
	uint32_t naddrs, n, ndsts;
	uint64_t allocs;                /* successful allocations so far */
	struct ps_release *released;    /* [naddrs * n]: each port's last release, read together */
	struct ps_loghist reuse_s;      /* seconds between a port's release and its next allocation */
	struct ps_loghist reuse_allocs; /* allocations in between */
	uint64_t peer_tw_collisions;    /* new connections on a 4-tuple in the peer's TIME_WAIT */
	uint32_t *last_port_to;         /* [ndsts]: last port index toward each destination, or UINT32_MAX */
	uint32_t last_port;             /* last port index toward any destination, or UINT32_MAX */
	struct ps_predict same_dst, any_dst;
};

/* 0 or -1 (memory). */
int ps_observe_init(struct ps_observe *o, uint32_t naddrs, uint32_t n, uint32_t ndsts);
void ps_observe_fini(struct ps_observe *o);

/*
 * A connection got port idx on address addr toward dst at now; port_was_free
 * says no socket held (addr, idx) just before (it then counts for reuse
 * distance); peer_held, that the server still held the 4-tuple in TIME_WAIT
 * (peer_tw.h), which counts a collision. Returns -1 only when out of memory.
 */
int ps_observe_alloc(struct ps_observe *o, uint32_t addr, uint32_t idx, uint32_t dst, ps_time now,
		     bool port_was_free, bool peer_held);

/* The last socket on (addr, idx) went away at now. */
void ps_observe_release(struct ps_observe *o, uint32_t addr, uint32_t idx, ps_time now);

/* Share (0..1) of allocations predicted with the g (1..PS_PREDICT_G) most frequent differences. */
double ps_observe_predictability(const struct ps_observe *o, bool same_dst, unsigned g);

#endif
