/* qrand.h -- the random numbers of the integer kernels' checks
 * (test_qconv_dw_avx2.c, test_qpool.c, qdw_vnni.c, qgemm_direct.c,
 * qgemm_isa.c, qwino_avx2.c): xorshift64 from the seed QRAND_SEED the
 * including file defines, so each check draws its own reproducible
 * sequence. */
#ifndef QRAND_H
#define QRAND_H

#include <stdint.h>
#include <stdlib.h>

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

/* One integer convolution check's buffers (nx input codes, ny output
 * codes, m x k weights, m rescales) and its random rule: one multiplier
 * or one per channel (nq), the zero points, and now and then a clamp
 * narrower than the codes' range (Relu6), drawn in this order. */
struct qconv_check {
	uint8_t *x, *want, *got;
	int8_t *w;
	int32_t *bias, *mult, *shift;
	int32_t nq, zx, zy, lo, hi;
};

static inline void
qconv_check_new(struct qconv_check *q, size_t nx, size_t ny, int32_t m,
                int32_t k)
{
	q->x = malloc(nx);
	q->want = malloc(ny);
	q->got = malloc(ny);
	q->w = malloc((size_t)m * k);
	q->bias = malloc((size_t)m * 4);
	q->mult = malloc((size_t)m * 4);
	q->shift = malloc((size_t)m * 4);
	q->nq = range(0, 3) ? m : 1;
	q->zx = range(0, 255);
	q->zy = range(0, 255);
	q->lo = range(0, 2) ? 0 : range(0, 120);
	q->hi = range(0, 2) ? 255 : range(130, 255);
}

static inline void
qconv_check_free(struct qconv_check *q)
{
	free(q->x), free(q->want), free(q->got), free(q->w);
	free(q->bias), free(q->mult), free(q->shift);
}

#endif
