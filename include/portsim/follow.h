/*
 * Following a run from inside it, through the same code that plays it:
 * one allocation told step by step (portsim explain), and the lives of
 * chosen ports (portsim run --follow-port). The run calls the ps_follow_*
 * hooks when it has a follower (ps_run_options.follow) and not otherwise;
 * the follower attaches a narrator (narrate.h) to the host's pools for the
 * attempts it wants told, so the pool and the strategy tell what they do
 * as they do it.
 */
#ifndef PORTSIM_FOLLOW_H
#define PORTSIM_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portsim/types.h"

#define PS_FOLLOW_PORTS_MAX 16

/* Which attempt portsim explain tells. */
enum ps_follow_target {
	PS_FOLLOW_NONE,     /* none: only the followed ports */
	PS_FOLLOW_ATTEMPT,  /* the attempt numbered attempt (events.csv's conn_id) */
	PS_FOLLOW_AT,       /* the first attempt at or after time at */
	PS_FOLLOW_PORT      /* the first attempt that chooses or examines port */
};

#define PS_FOLLOW_HEADER "t_s,event,conn_id,src_addr,dst_addr,dst_port,established,time_wait,reason"

struct ps_follow_config {
	uint16_t ports[PS_FOLLOW_PORTS_MAX]; /* port-P.csv for each */
	size_t nports;
	enum ps_follow_target target;
	uint64_t attempt;
	ps_time at;
	uint16_t port;
	bool verbose;                        /* every candidate on its own line, not runs of them */
};

struct ps_follow;

/* A follower for cfg; NULL when out of memory. */
struct ps_follow *ps_follow_new(const struct ps_follow_config *cfg);
void ps_follow_free(struct ps_follow *f);

/* Opens port-P.csv for every followed port in dir; 0 or -1 (errno set). */
int ps_follow_open(struct ps_follow *f, const char *dir);
/* Commits them; 0 or -1 (errno set). Removes them on failure, as ps_follow_free does when uncommitted. */
int ps_follow_commit(struct ps_follow *f);

/* The attempt told (0: the target never came), and its text, or NULL. */
uint64_t ps_follow_told(const struct ps_follow *f);
const char *ps_follow_text(const struct ps_follow *f);
/* The told attempt's port (0 when it failed) and the probes the simulation counted for it. */
uint16_t ps_follow_told_port(const struct ps_follow *f);
uint32_t ps_follow_told_probes(const struct ps_follow *f);
/* Candidates the narration examined in the host's pool for the told attempt. */
uint32_t ps_follow_told_candidates(const struct ps_follow *f);

/* ---- the run's hooks ---- */

struct ps_host;
struct ps_nat;
struct ps_attempt;
struct ps_open_result;

/* Attempt `serial` is about to ask the host (and nat, or NULL) for a port. */
void ps_follow_attempt(struct ps_follow *f, struct ps_host *h, struct ps_nat *nat, const struct ps_attempt *a,
		       uint64_t serial, ps_time now);
/* ... and got res; err is the attempt's outcome (the NAT's drop, when it dropped); map its NAT mapping or UINT32_MAX. */
void ps_follow_result(struct ps_follow *f, struct ps_host *h, struct ps_nat *nat, const struct ps_attempt *a,
		      uint64_t serial, const struct ps_open_result *res, enum ps_err err, uint32_t map, ps_time now);
/* Connection conn is about to close. */
void ps_follow_close(struct ps_follow *f, const struct ps_host *h, uint32_t conn, ps_time now);
/* Connection conn has just entered TIME_WAIT. */
void ps_follow_time_wait(struct ps_follow *f, const struct ps_host *h, uint32_t conn, ps_time now);
/* Connection conn's TIME_WAIT is about to end. */
void ps_follow_tw_end(struct ps_follow *f, const struct ps_host *h, uint32_t conn, ps_time now);

#endif
