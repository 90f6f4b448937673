/* qrand.h -- the random numbers of the integer kernels' checks
 * (test_qconv_dw_avx2.c, test_qpool.c, qdw_vnni.c, qgemm_direct.c,
 * qgemm_isa.c, qwino_avx2.c): xorshift64 from the seed QRAND_SEED the
 * including file defines, so each check draws its own reproducible
 * sequence. */
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

/* The bias, mult and shift of m output channels as the convolution
 * checks draw them: shifts mostly 32..44, now and then 12..31 or 45..62. */
static inline void
qrand_rescale(int32_t *bias, int32_t *mult, int32_t *shift, int32_t m)
{
	for (int32_t i = 0; i < m; i++) {
		bias[i] = range(-100000, 100000);
		mult[i] = range(1 << 30, 0x7fffffff);
		shift[i] = range(0, 4) ? range(32, 44)
		           : range(0, 1) ? range(12, 31) : range(45, 62);
	}
}

#endif
