/* qrand.h -- the random numbers of the integer kernels' checks
 * (test_qconv_dw_avx2.c, test_qpool.c, qdw_vnni.c, qgemm_direct.c,
 * qgemm_isa.c): xorshift64 from the seed QRAND_SEED the including file
 * defines, so each check draws its own reproducible sequence. */
#ifndef QRAND_H
#define QRAND_H

#include <stdint.h>

static uint64_t rng = QRAND_SEED;

/* A number in [lo, hi]. */
static int32_t
range(int32_t lo, int32_t hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (int32_t)((rng >> 20) % (uint64_t)(hi - lo + 1));
}

#endif
