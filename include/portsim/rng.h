/*
 * The project's only source of randomness: xoshiro256** seeded through
 * splitmix64. A run derives one independent stream per purpose from
 * (seed, purpose, index), so changing the allocator never shifts the
 * workload's draws (common random numbers).
 */
#ifndef PORTSIM_RNG_H
#define PORTSIM_RNG_H

#include <math.h>
#include <stdint.h>

struct ps_rng {
	uint64_t s[4];
};

/* What a stream is used for; part of the stream's identity. */
enum ps_stream {
	PS_STREAM_ARRIVALS = 1,
	PS_STREAM_DURATIONS,
	PS_STREAM_DESTINATIONS,
	PS_STREAM_CLOSER,
	PS_STREAM_SOURCES,
	PS_STREAM_ALLOCATOR, /* the allocator's own draws (random starts, increments) */
	PS_STREAM_SECRET     /* boot-time secrets: hash keys, initial tables */
};

/* One step of splitmix64: advances *x and returns a well-mixed value. */
uint64_t ps_splitmix64(uint64_t *x);

/* A 64-bit keyed mixing function of four words (the model's SipHash stand-in). */
uint64_t ps_mix64(uint64_t key, uint64_t a, uint64_t b, uint64_t c);

/* Seeds the stream for (seed, purpose, index); distinct triples give independent streams. */
void ps_rng_init(struct ps_rng *r, uint64_t seed, enum ps_stream purpose, uint64_t index);

/*
 * The draws below run several times per simulated connection, so they are
 * inline here; the rare rejection step of ps_rng_below stays in rng.c.
 */

/* The next 64-bit word of the stream (xoshiro256**). */
static inline uint64_t ps_rng_next(struct ps_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5;
	uint64_t out = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return out;
}

/* The rejection loop of ps_rng_below for a first product whose low half fell below n; its result. */
uint64_t ps_rng_below_retry(struct ps_rng *r, uint64_t n, uint64_t low, uint64_t high);

/* Uniform integer in [0, n), unbiased (Lemire's method); n > 0. */
static inline uint64_t ps_rng_below(struct ps_rng *r, uint64_t n)
{
	__extension__ unsigned __int128 m = (unsigned __int128)ps_rng_next(r) * n;
	uint64_t low = (uint64_t)m;

	/*
	 * Only a low half below n can fall in the biased zone, so the
	 * division that finds the exact threshold stays off the common path.
	 */
	if (low < n)
		return ps_rng_below_retry(r, n, low, (uint64_t)(m >> 64));
	return (uint64_t)(m >> 64);
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double ps_rng_uniform(struct ps_rng *r)
{
	return (double)(ps_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform double in (0, 1]: safe under log(). */
static inline double ps_rng_uniform_pos(struct ps_rng *r)
{
	return (double)((ps_rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Exponential with the given mean: -mean * log(U), U in (0, 1]. */
static inline double ps_rng_exponential(struct ps_rng *r, double mean)
{
	return -mean * log(ps_rng_uniform_pos(r));
}

/* Standard normal (Box-Muller, one value per call). */
double ps_rng_normal(struct ps_rng *r);

#endif
