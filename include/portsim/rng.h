/*
 * The project's only source of randomness: xoshiro256** seeded through
 * splitmix64. A run derives one independent stream per purpose from
 * (seed, purpose, index), so changing the allocator never shifts the
 * workload's draws (common random numbers).
 */
#ifndef PORTSIM_RNG_H
#define PORTSIM_RNG_H

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

uint64_t ps_rng_next(struct ps_rng *r);

/* Uniform integer in [0, n), unbiased (Lemire's method); n > 0. */
uint64_t ps_rng_below(struct ps_rng *r, uint64_t n);

/* Uniform double in [0, 1) with 53 random bits. */
double ps_rng_uniform(struct ps_rng *r);

/* Uniform double in (0, 1]: safe under log(). */
double ps_rng_uniform_pos(struct ps_rng *r);

double ps_rng_exponential(struct ps_rng *r, double mean);

/* Standard normal (Box-Muller, one value per call). */
double ps_rng_normal(struct ps_rng *r);

#endif
