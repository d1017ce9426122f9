/*
 * Where an attempt goes and where it comes from: the destination drawn
 * uniformly or by Zipf's law over the population's destinations, and the
 * source address taken round-robin, at random or by a hash of the
 * destination.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

int ps_workload_zipf_table(const struct ps_workload_pop *p, struct ps_pop_state *ps)
{
	ps->zipf_cdf = malloc((size_t)p->ndst * sizeof(double));
	if (!ps->zipf_cdf)
		return -1;
	double sum = 0;
	for (uint32_t k = 0; k < p->ndst; k++) {
		sum += pow((double)k + 1, -p->zipf_s);
		ps->zipf_cdf[k] = sum;
	}
	for (uint32_t k = 0; k < p->ndst; k++)
		ps->zipf_cdf[k] /= sum;
	/* A draw below 1 must always find a destination, whatever the rounding of the sum. */
	ps->zipf_cdf[p->ndst - 1] = 1.0;
	return 0;
}

/* Out of line, so that the uniform path saves none of the registers the search needs. */
__attribute__((noinline)) static uint32_t choose_zipf(const struct ps_workload_pop *p, struct ps_pop_state *ps)
{
	double u = ps_rng_uniform(&ps->dst_rng);
	uint32_t lo = 0, hi = p->ndst - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ps->zipf_cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

uint32_t ps_workload_choose_dst(const struct ps_workload_pop *p, struct ps_pop_state *ps)
{
	if (p->ndst <= 1)
		return 0;
	/* Only a Zipf population has a table. */
	if (!ps->zipf_cdf)
		return (uint32_t)ps_rng_below(&ps->dst_rng, p->ndst);
	return choose_zipf(p, ps);
}

/* Out of line, so that the other policies save none of the registers the hash needs. */
__attribute__((noinline)) static uint32_t choose_by_hash(const struct ps_pop_state *ps, uint32_t dst)
{
	const struct ps_endpoint *d = ps->cfg->ndsts ? &ps->cfg->dsts[dst] : NULL;
	uint64_t h = ps_mix64(ps->source_rng.s[0], d ? d->ip : 0, d ? d->port : 0, 0);
	return (uint32_t)(h % ps->naddr);
}

uint32_t ps_workload_choose_source(const struct ps_workload_pop *p, struct ps_pop_state *ps, uint32_t dst)
{
	uint32_t naddr = ps->naddr, addr;
	if (p->source_choice == PS_SOURCE_RANDOM) {
		addr = (uint32_t)ps_rng_below(&ps->source_rng, naddr);
	} else if (p->source_choice == PS_SOURCE_HASH) {
		addr = choose_by_hash(ps, dst);
	} else {
		addr = ps_workload_round_robin(ps);
	}
	return addr + p->addr_base;
}
