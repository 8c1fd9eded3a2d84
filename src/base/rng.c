/**
 * @file rng.c
 * @brief Philox4x32-10 draws keyed by (seed, stream, layer, id, coordinate) (see rng.h).
 *
 * key     = (seed low 32 bits, seed high 32 bits)
 * counter = (id low, id high, coord, stream << 24 | layer & 0xffffff)
 * One block gives 128 bits: two 64-bit words -> two uniforms in (0, 1) -> Box-Muller.
 */
#include "rwpo/base/rng.h"

#include <math.h>

#include <Random123/philox.h>

static void block(uint64_t seed, uint32_t stream, uint32_t layer, uint64_t id, uint32_t coord,
                  double *u0, double *u1)
{
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t c = {{(uint32_t)id, (uint32_t)(id >> 32), coord,
                           (stream << 24) | (layer & 0xffffffu)}};
    philox4x32_ctr_t r = philox4x32(c, k);
    uint64_t a = ((uint64_t)r.v[0] << 32) | r.v[1];
    uint64_t b = ((uint64_t)r.v[2] << 32) | r.v[3];
    /* (0, 1): add half an ulp of 2^-53 so 0 is never returned. */
    *u0 = ((double)(a >> 11) + 0.5) * 0x1.0p-53;
    *u1 = ((double)(b >> 11) + 0.5) * 0x1.0p-53;
}

double rng_uniform(uint64_t seed, uint32_t stream, uint32_t layer, uint64_t id, uint32_t coord)
{
    double u0, u1;
    block(seed, stream, layer, id, coord, &u0, &u1);
    return u0;
}

double rng_normal(uint64_t seed, uint32_t stream, uint32_t layer, uint64_t id, uint32_t coord)
{
    double u0, u1;
    block(seed, stream, layer, id, coord, &u0, &u1);
    return sqrt(-2.0 * log(u0)) * cos(6.283185307179586476925286766559 * u1);
}
