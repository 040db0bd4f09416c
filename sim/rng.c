/* rng.c — the simulator's own deterministic PRNG: xoshiro256** (Blackman &
 * Vigna's published algorithm, written from its description) seeded by
 * splitmix64.  Same seed, same stream, on every platform.
 */
#include <math.h>

#include "sim_int.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t v, int k)
{
	return (v << k) | (v >> (64 - k));
}

uint64_t sim_rng_next(sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double sim_rng_unif(sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double sim_rng_normal(sim_rng *r)
{
	/* Sum of 12 uniforms − 6: mean 0, variance 1, range ±6.  Three 64-bit
	 * draws give twelve 16-bit uniforms. */
	double sum = 0;
	int i, j;

	for (i = 0; i < 3; i++) {
		uint64_t v = sim_rng_next(r);

		for (j = 0; j < 4; j++) {
			sum += (double)(v & 0xffff) * (1.0 / 65536.0);
			v >>= 16;
		}
	}
	return sum - 6.0;
}

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	return (uint64_t)(sim_rng_unif(r) * (double)n) % n;
}

double sim_rng_exp(sim_rng *r, double mean)
{
	return -mean * log(1.0 - sim_rng_unif(r));
}
