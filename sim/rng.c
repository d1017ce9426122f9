#include "portsim/rng.h"

#include <math.h>

__extension__ typedef unsigned __int128 u128;

#define GOLDEN 0x9e3779b97f4a7c15ULL
#define TWO_PI 6.283185307179586476925286766559

/* The splitmix64 output function: a bijection, so distinct inputs never collide. */
static uint64_t fmix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t ps_splitmix64(uint64_t *x)
{
	*x += GOLDEN;
	return fmix(*x);
}

uint64_t ps_mix64(uint64_t key, uint64_t a, uint64_t b, uint64_t c)
{
	/*
	 * Each word is finalised on its own before being folded in, and each
	 * fold is followed by a full finaliser, so a one-bit change in any
	 * word (or the key) reaches every output bit. Distinct additive
	 * constants keep permuted words from hashing alike.
	 */
	uint64_t h = fmix(key + GOLDEN);
	h = fmix(h ^ fmix(a + 2 * GOLDEN));
	h = fmix(h ^ fmix(b + 3 * GOLDEN));
	h = fmix(h ^ fmix(c + 4 * GOLDEN));
	return fmix(h + key);
}

void ps_rng_init(struct ps_rng *r, uint64_t seed, enum ps_stream purpose, uint64_t index)
{
	/*
	 * Chain the three words through the finaliser: for a fixed prefix
	 * each step is a bijection of the next word, so streams can only
	 * coincide through a 64-bit collision of the whole chain. Plain XOR
	 * would make (seed ^ 1, purpose ^ 1) the same stream as (seed, purpose).
	 */
	uint64_t h = fmix(seed + GOLDEN);
	h = fmix(h ^ fmix((uint64_t)purpose + 2 * GOLDEN));
	h = fmix(h ^ fmix(index + 3 * GOLDEN));

	/* Four distinct splitmix outputs are never all zero, the one forbidden xoshiro state. */
	for (int i = 0; i < 4; i++)
		r->s[i] = ps_splitmix64(&h);
}

/* Out of line, so that the callers' common path saves none of the registers the loop needs. */
__attribute__((noinline)) uint64_t ps_rng_below_retry(struct ps_rng *r, uint64_t n, uint64_t low, uint64_t high)
{
	uint64_t threshold = -n % n;
	while (low < threshold) {
		u128 m = (u128)ps_rng_next(r) * n;
		low = (uint64_t)m;
		high = (uint64_t)(m >> 64);
	}
	return high;
}

double ps_rng_normal(struct ps_rng *r)
{
	/*
	 * The radius draw must avoid 0 for log(); the angle draw need not.
	 * Every call takes exactly two words, so later draws do not depend
	 * on the values seen.
	 */
	double u1 = ps_rng_uniform_pos(r);
	double u2 = ps_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
}
