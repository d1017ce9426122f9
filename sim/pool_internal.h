/*
 * What the pool's two halves share (pool.c: the availability rule and the
 * searches; pool_occupancy.c: the bits and counts as sockets come and go):
 * a pair's bitmaps and the small helpers that read and write them.
 */
#ifndef PORTSIM_POOL_INTERNAL_H
#define PORTSIM_POOL_INTERNAL_H

#include "portsim/pool.h"

/* Bitmaps of one (address, destination) pair that holds entries. */
struct ps_pair {
	uint64_t *used;   /* [words] live or TIME_WAIT toward this destination, then its two summaries */
	uint64_t *rec;    /* [2 * words] or NULL: entries in the 4-tuple hash, then the TIME_WAIT subset */
	uint32_t count;   /* entries; the pair is recycled at zero */
	uint32_t own;     /* used ports neither reserved nor held by an exclusive socket */
	uint32_t key;     /* addr * ndsts + dst, or the next free slot when recycled */
};

/* A 4-tuple's map entry: v[0] = connection | IN_TW, v[1] = when it entered TIME_WAIT. */
#define IN_TW (1ULL << 32)
#define NO_PAIR UINT32_MAX

static inline bool bit(const uint64_t *bm, uint32_t i)
{
	return (bm[i >> 6] >> (i & 63)) & 1;
}

static inline void set_bit(uint64_t *bm, uint32_t i)
{
	bm[i >> 6] |= 1ULL << (i & 63);
}

static inline void clear_bit(uint64_t *bm, uint32_t i)
{
	bm[i >> 6] &= ~(1ULL << (i & 63));
}

/*
 * A summary of a bitmap: bit w of summary `parity` says that every bit of
 * that parity in word w is set. Scans skip such words 64 at a time, which
 * matters when a nearly full pool is walked end to end.
 */
#define EVEN_BITS 0x5555555555555555ULL
#define ODD_BITS 0xAAAAAAAAAAAAAAAAULL

static inline uint64_t *summary(const struct ps_pool *p, const uint64_t *bm, unsigned parity)
{
	return (uint64_t *)bm + p->words + parity * p->swords;
}

/* Sets bit idx of a summarised bitmap. */
static inline void set_noted(const struct ps_pool *p, uint64_t *bm, uint32_t idx)
{
	uint32_t w = idx >> 6;
	unsigned par = idx & 1;
	uint64_t m = EVEN_BITS << par; /* ODD_BITS for an odd index */
	bm[w] |= 1ULL << (idx & 63);
	if ((bm[w] & m) == m)
		set_bit(summary(p, bm, par), w);
}

static inline void clear_noted(const struct ps_pool *p, uint64_t *bm, uint32_t idx)
{
	clear_bit(bm, idx);
	clear_bit(summary(p, bm, idx & 1), idx >> 6);
}

/* The TIME_WAIT half of a pair's record bitmaps. */
static inline uint64_t *tw_bits(const struct ps_pool *p, const struct ps_pair *pr)
{
	return pr->rec + p->words;
}

/* Words per address in `any`: the bitmap, then its two summaries. */
static inline size_t any_stride(const struct ps_pool *p)
{
	return p->words + 2 * (size_t)p->swords;
}

static inline uint64_t *any_of(const struct ps_pool *p, uint32_t addr)
{
	return p->any + addr * any_stride(p);
}

static inline uint32_t pair_index(const struct ps_pool *p, uint32_t addr, uint32_t dst)
{
	uint32_t v = p->pair_of[(size_t)addr * p->ndsts + dst];
	return v ? v - 1 : NO_PAIR;
}

static inline const struct ps_pair *pair_get(const struct ps_pool *p, uint32_t addr, uint32_t dst)
{
	uint32_t i = pair_index(p, addr, dst);
	return i == NO_PAIR ? NULL : &p->pairs[i];
}

#endif
