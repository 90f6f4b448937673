/* qgemm_vnni.c -- the AVX512-VNNI integer convolution (qgemm_vnni.c,
 * without im2col, and qgemm.c's _vnni_i2c form) against the scalar
 * reference qcc_rt_conv2d_q8 on random shapes: strides 1 to 3 (apart per
 * axis), dilations, asymmetric padding, two images, channel counts that
 * are not multiples of 4, full-range codes and weights; then shapes the
 * stack buffers cannot hold (very many channels, a 9x9 window, stride 5),
 * which take the im2col form.  Built with clang and run by qgemm_vnni.sh;
 * prints one line, exits 1 on the first difference, 77 if the CPU lacks
 * AVX512-VNNI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcc_rt.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static int32_t
range(int32_t lo, int32_t hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (int32_t)((rng >> 20) % (uint64_t)(hi - lo + 1));
}

struct shape {
	int32_t nb, c, h, wd, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

/* The _vnni layout of qcc_rt.h. */
static int32_t *
pack(const int8_t *w, int32_t m, int32_t c, int32_t khw)
{
	int32_t mr = QCC_RT_QGV_MR, np = (m + mr - 1) / mr;
	int32_t kp4 = (c + 3) / 4 * khw;
	int32_t *p = calloc((size_t)np * kp4 * mr, sizeof *p);

	for (int32_t q = 0; q < np; q++)
		for (int32_t t = 0; t < kp4; t++)
			for (int32_t i = 0; i < mr; i++) {
				int32_t o = q * mr + i, cq = t / khw;
				uint32_t v = 0;

				for (int32_t j = 0; j < 4; j++)
					if (o < m && 4 * cq + j < c)
						v |= (uint32_t)(uint8_t)w[((size_t)o * c +
						                           4 * cq + j) *
						                          khw + t % khw]
						     << 8 * j;
				p[(q * kp4 + t) * mr + i] = (int32_t)v;
			}
	return p;
}

/* Runs shape s through the reference and both VNNI forms; 0 if equal. */
static int
check(const struct shape *s, int it)
{
	int32_t oh = (s->h + s->pt + s->pb - s->dh * (s->kh - 1) - 1) / s->sh + 1;
	int32_t ow = (s->wd + s->pl + s->pr - s->dw * (s->kw - 1) - 1) / s->sw + 1;
	int32_t k = s->c * s->kh * s->kw, m = s->m, nq = range(0, 3) ? m : 1;
	size_t nx = (size_t)s->nb * s->c * s->h * s->wd;
	size_t ny = (size_t)s->nb * m * oh * ow;
	uint8_t *x = malloc(nx), *want = malloc(ny), *got = malloc(ny);
	int8_t *w = malloc((size_t)m * k);
	int32_t *bias = malloc((size_t)m * 4), *mult = malloc((size_t)m * 4);
	int32_t *shift = malloc((size_t)m * 4), *wp;
	int32_t zx = range(0, 255), zy = range(0, 255), bad = 0;

	for (size_t i = 0; i < nx; i++)
		x[i] = (uint8_t)range(0, 255);
	for (int32_t i = 0; i < m * k; i++)
		w[i] = (int8_t)range(-128, 127);
	x[0] = 255;
	w[0] = -128;
	for (int32_t i = 0; i < m; i++) {
		bias[i] = range(-100000, 100000);
		mult[i] = range(1 << 30, 0x7fffffff);
		shift[i] = range(0, 4) ? range(32, 44) : range(12, 31);
	}
	wp = pack(w, m, s->c, s->kh * s->kw);
	qcc_rt_conv2d_q8(x, w, bias, want, s->nb, s->c, s->h, s->wd, m, oh, ow,
	                 s->kh, s->kw, s->sh, s->sw, s->dh, s->dw, s->pt, s->pl,
	                 1, zx, mult, shift, nq, zy, 0, 255);
	for (int f = 0; f < 2 && !bad; f++) {
		void (*fn)(QCC_RT_QG_ARGS) = f ? qcc_rt_conv2d_qgemm_vnni_i2c_q8
		                               : qcc_rt_conv2d_qgemm_vnni_q8;

		memset(got, 0xa5, ny);
		fn(x, wp, bias, got, s->nb, s->c, s->h, s->wd, m, oh, ow, s->kh,
		   s->kw, s->sh, s->sw, s->dh, s->dw, s->pt, s->pl, zx, mult,
		   shift, nq, zy, 0, 255);
		if (memcmp(got, want, ny)) {
			printf("FAIL: %s differs from the reference on case %d "
			       "(c=%d h=%d w=%d m=%d k=%dx%d s=%d,%d d=%d,%d)\n",
			       f ? "vnni_i2c" : "vnni", it, s->c, s->h, s->wd, m,
			       s->kh, s->kw, s->sh, s->sw, s->dh, s->dw);
			bad = 1;
		}
	}
	free(x), free(want), free(got), free(w), free(wp);
	free(bias), free(mult), free(shift);
	return bad;
}

int
main(void)
{
	static const struct shape big[] = {
		/* nb, c, h, wd, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr */
		{1, 2000, 6, 7, 9, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
		{1, 5, 20, 21, 17, 9, 9, 1, 1, 1, 1, 4, 4, 4, 4},
		{2, 6, 23, 26, 10, 3, 3, 5, 5, 1, 1, 1, 1, 1, 1},
		{1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 3, 64, 64, 16, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3},
	};

	if (!__builtin_cpu_supports("avx512vnni") ||
	    !__builtin_cpu_supports("avx512bw")) {
		printf("SKIP: this CPU has no AVX512-VNNI\n");
		return 77;
	}
	for (int it = 0; it < 400; it++) {
		struct shape s;

		s.nb = range(1, 2);
		s.c = range(1, 70);
		s.m = range(1, 40);
		s.kh = range(1, 5);
		s.kw = range(1, 5);
		s.sh = range(1, 3);
		s.sw = range(1, 3);
		s.dh = range(1, 2);
		s.dw = range(1, 2);
		s.pt = range(0, 2);
		s.pl = range(0, 2);
		s.pb = range(0, 2);
		s.pr = range(0, 2);
		s.h = range(s.dh * (s.kh - 1) + 1, 40);
		s.wd = range(s.dw * (s.kw - 1) + 1, 90);
		if (check(&s, it))
			return 1;
	}
	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
		if (check(&big[i], 400 + (int)i))
			return 1;
	printf("ok: the VNNI forms equal the reference on 405 shapes\n");
	return 0;
}
