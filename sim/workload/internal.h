/*
 * What the workload's files share and nobody else sees: the per-purpose
 * draws that ps_workload_draw puts together into one attempt.
 */
#ifndef PORTSIM_WORKLOAD_INTERNAL_H
#define PORTSIM_WORKLOAD_INTERNAL_H

#include "portsim/workload.h"

/* Draws one duration from the population's distribution (durations.c). */
ps_time ps_workload_duration(const struct ps_duration_config *d, struct ps_rng *r);

/* Draws one duration from an exponential distribution, whatever d->kind says. */
static inline ps_time ps_workload_exponential(const struct ps_duration_config *d, struct ps_rng *r)
{
	return ps_duration_from_s(ps_rng_exponential(r, d->mean_s));
}

/* The population's destination number k, 0 <= k < ndst (choice.c). */
uint32_t ps_workload_choose_dst(const struct ps_workload_pop *p, struct ps_pop_state *ps);

/* The next source address (less addr_base), round-robin (choice.c and the plain draw). */
static inline uint32_t ps_workload_round_robin(struct ps_pop_state *ps)
{
	/* next_addr stays below naddr, so stepping it needs no division. */
	uint32_t addr = ps->next_addr;
	ps->next_addr = addr + 1 < ps->naddr ? addr + 1 : 0;
	return addr;
}

/* The source address of the population's attempt toward shared destination dst (choice.c). */
uint32_t ps_workload_choose_source(const struct ps_workload_pop *p, struct ps_pop_state *ps, uint32_t dst);

/* 0, or -1 out of memory: the cumulative Zipf weights of the population's destinations (choice.c). */
int ps_workload_zipf_table(const struct ps_workload_pop *p, struct ps_pop_state *ps);

#endif
