/*
 * What the follower's two files share: the hooks and the port files
 * (follow.c), and the story of one attempt (narrate.c).
 */
#ifndef PORTSIM_RUN_FOLLOW_INTERNAL_H
#define PORTSIM_RUN_FOLLOW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/csv.h"
#include "portsim/follow.h"
#include "portsim/map.h"
#include "portsim/narrate.h"
#include "portsim/pool.h"

/* A tracked 4-tuple's holder: v[0] its connection's serial, with TRACK_TW once in TIME_WAIT; v[1] since when. */
#define TRACK_TW (1ULL << 63)

/* A run of refused candidates walked with one stride, told as one line unless verbose. */
struct story_run {
	uint32_t count;
	uint32_t first, last, prev, lo, hi; /* indexes: in walking order, then the extremes */
	uint32_t stride;                    /* between successive ones; UINT32_MAX once irregular */
	uint32_t per[8];                    /* how many each class of refusal (narrate.c) took */
	ps_time oldest, newest;             /* when their holders opened or entered TIME_WAIT */
	bool timed;
};

struct story {
	char *text;
	size_t len, cap;
	bool failed_memory;
	struct story_run run;
	const struct ps_pool *run_pool;
	uint32_t candidates;                /* examined in the host's pool */
	uint32_t nat_candidates;
	uint32_t refused[8];                /* candidates of the host's pool per class */
	uint32_t dst_ip;
	uint16_t dst_port;
};

struct port_file {
	uint16_t port;
	struct ps_csv csv;
	uint32_t established, time_wait;
};

struct ps_follow {
	struct ps_narrator nr;
	struct ps_follow_config cfg;
	struct port_file files[PS_FOLLOW_PORTS_MAX];
	struct ps_map tuples;            /* (dst, addr, idx) -> holder; (all ones, addr, idx) -> a holder's key */
	/* the attempt in progress */
	struct ps_host *host;
	struct ps_nat *nat;
	const struct ps_attempt *a;
	uint64_t serial;
	ps_time now;
	bool telling, seen;
	/* the attempt told */
	uint64_t told;
	uint16_t told_port;
	uint32_t told_probes;
	struct story story;
};

/* The holder of (addr, idx) toward dst, or NULL; port_key: of any destination. */
const struct ps_map_slot *ps_follow_holder(const struct ps_follow *f, uint32_t addr, uint32_t idx, uint32_t dst);
const struct ps_map_slot *ps_follow_port_holder(const struct ps_follow *f, uint32_t addr, uint32_t idx);

/* narrate.c: the story of the attempt being told. */
void ps_story_begin(struct ps_follow *f);
void ps_story_say(struct ps_follow *f, const char *text);
void ps_story_walk(struct ps_follow *f, const struct ps_pool *pool, const struct ps_request *req,
		   const struct ps_walk *w);
void ps_story_end(struct ps_follow *f, const struct ps_open_result *res, enum ps_err err, uint32_t map);
void ps_story_fini(struct story *s);

#endif
