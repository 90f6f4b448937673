/* qgemm_isa.c -- qcc_rt_conv2d_qgemm_q8's AVX-512 tile code (which only
 * clang compiles, so the Criterion tests built with cc may not reach it)
 * against the scalar reference on random shapes, full-range values, for
 * every tile code this CPU runs.  Built and run by qgemm_isa.sh with
 * clang; prints one line and exits 1 on the first difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcc_rt.h"

#define QRAND_SEED 0x2545f4914f6cdd1dull
#include "qrand.h"

int
main(void)
{
	int maxisa = __builtin_cpu_supports("avx512bw") ? 2 :
	             __builtin_cpu_supports("avx2") ? 1 : 0;

	for (int it = 0; it < 300; it++) {
		int32_t c = range(1, 70), m = range(1, 300), kh = range(1, 4);
		int32_t kw = range(1, 4), s = range(1, 2), pd = range(0, 2);
		int32_t h = range(kh, 20), wd = range(kw, 40);
		int32_t oh = (h + 2 * pd - kh) / s + 1, ow = (wd + 2 * pd - kw) / s + 1;
		int32_t k = c * kh * kw, mr = QCC_RT_QG_MR, kp2 = (k + 1) / 2;
		int32_t np = (m + mr - 1) / mr, zx = range(0, 255), nq = m;
		size_t ny = (size_t)m * oh * ow;
		uint8_t *x = malloc((size_t)c * h * wd), *want = malloc(ny);
		uint8_t *got = malloc(ny);
		int8_t *w = malloc((size_t)m * k);
		int32_t *wp = calloc((size_t)np * kp2 * mr, sizeof *wp);
		int32_t *bias = malloc((size_t)m * 4), *mult = malloc((size_t)m * 4);
		int32_t *shift = malloc((size_t)m * 4);

		for (int32_t i = 0; i < c * h * wd; i++)
			x[i] = (uint8_t)range(0, 255);
		for (int32_t i = 0; i < m * k; i++)
			w[i] = (int8_t)range(-128, 127);
		for (int32_t i = 0; i < m; i++) {
			bias[i] = range(-100000, 100000);
			mult[i] = range(1 << 30, 0x7fffffff);
			shift[i] = range(30, 42);
		}
		for (int32_t q = 0; q < np; q++)
			for (int32_t t = 0; t < kp2; t++)
				for (int32_t i = 0; i < mr; i++) {
					int32_t o = q * mr + i, w0 = 0, w1 = 0;

					if (o < m) {
						w0 = w[o * k + 2 * t];
						w1 = 2 * t + 1 < k ? w[o * k + 2 * t + 1] : 0;
					}
					wp[(q * kp2 + t) * mr + i] = (int32_t)(
					        (uint32_t)(uint16_t)w0 |
					        (uint32_t)(uint16_t)w1 << 16);
				}
		qcc_rt_conv2d_q8(x, w, bias, want, 1, c, h, wd, m, oh, ow, kh, kw,
		                 s, s, 1, 1, pd, pd, 1, zx, mult, shift, nq, 7, 0,
		                 255);
		for (int isa = 0; isa <= maxisa; isa++) {
			memset(got, 0xa5, ny);
			void (*fn)(QCC_RT_QG_ARGS) = isa == 2
			        ? qcc_rt_conv2d_qgemm_avx512_q8
			        : isa == 1 ? qcc_rt_conv2d_qgemm_avx2_q8
			                   : qcc_rt_conv2d_qgemm_q8;

			fn(x, wp, bias, got, 1, c, h, wd, m, oh, ow, kh, kw, s, s, 1,
			   1, pd, pd, zx, mult, shift, nq, 7, 0, 255);
			if (memcmp(got, want, ny)) {
				printf("FAIL: isa %d differs from the reference on "
				       "case %d (c=%d m=%d k=%dx%d)\n", isa, it, c,
				       m, kh, kw);
				return 1;
			}
		}
		free(x), free(want), free(got), free(w), free(wp);
		free(bias), free(mult), free(shift);
	}
	printf("ok: tile codes 0..%d equal the reference on 300 shapes\n",
	       maxisa);
	return 0;
}
