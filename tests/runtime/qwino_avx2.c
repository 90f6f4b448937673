/* qwino_avx2.c -- the AVX2 Winograd F(2x2,3x3) integer convolution
 * (qconv_wino_avx2.c) against the scalar reference qcc_rt_conv2d_q8: 3x3,
 * stride 1, on random shapes (odd and even planes and channel counts,
 * output channels not a multiple of the panel, asymmetric padding 0 to 2,
 * two images, full-range codes and weights, shifts from 12 to 62, narrow
 * clamps), on resnet18's stride-1 3x3 layers, and on
 * the extreme cases of the exactness argument: every weight -128 or 127
 * against every code 255 or 0 with QCC_RT_WQ_MAXC channels.  The weights
 * are transformed as lower_qconv.c does.  Built with clang and run by
 * qwino_avx2.sh; prints one line, exits 1 on the first difference, 77 if
 * the CPU lacks AVX2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcc_rt.h"

#define QRAND_SEED 0x2545f4914f6cdd1dull
#include "qrand.h"

struct shape {
	int32_t nb, c, h, wd, m, pt, pl, pb, pr;
	int32_t wfix, xfix;  /* every weight / code this (if not 0), else random */
};

/* U = (2G) g (2G)^T by channel pair: the layout of qconv_wino_avx2.c. */
static int32_t *
transform(const int8_t *w, int32_t m, int32_t c)
{
	static const int32_t g2[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1},
	                                 {0, 0, 2}};
	int32_t mr = QCC_RT_QG_MR, ng = (c + 1) / 2;
	size_t nw = (size_t)(m + mr - 1) / mr * 16 * ng * mr;
	uint32_t *p = calloc(nw, sizeof *p);

	for (int32_t o = 0; o < m; o++)
		for (int32_t ci = 0; ci < c; ci++)
			for (int32_t pos = 0; pos < 16; pos++) {
				int32_t u = 0;

				for (int32_t t = 0; t < 9; t++)
					u += g2[pos / 4][t / 3] * g2[pos % 4][t % 3] *
					     w[((size_t)o * c + ci) * 9 + t];
				p[(((size_t)o / mr * 16 + pos) * ng + ci / 2) * mr +
				  o % mr] |= (uint32_t)(uint16_t)(int16_t)u
				             << 16 * (ci % 2);
			}
	return (int32_t *)p;
}

/* Runs shape s through the reference and the Winograd kernel; 0 if
 * equal. */
static int
check(const struct shape *s, int it)
{
	int32_t oh = s->h + s->pt + s->pb - 2, ow = s->wd + s->pl + s->pr - 2;
	int32_t k = s->c * 9, m = s->m, bad = 0, *wp;
	size_t nx = (size_t)s->nb * s->c * s->h * s->wd;
	size_t ny = (size_t)s->nb * m * oh * ow;
	struct qconv_check q;

	qconv_check_new(&q, nx, ny, m, k);
	for (size_t i = 0; i < nx; i++)
		q.x[i] = (uint8_t)(s->xfix ? s->xfix % 256 : range(0, 255));
	for (int32_t i = 0; i < m * k; i++)
		q.w[i] = (int8_t)(s->wfix ? s->wfix : range(-128, 127));
	if (s->xfix)
		q.zx = s->xfix % 256;
	qrand_rescale(q.bias, q.mult, q.shift, m);
	qcc_rt_conv2d_q8(q.x, q.w, q.bias, q.want, s->nb, s->c, s->h, s->wd, m,
	                 oh, ow, 3, 3, 1, 1, 1, 1, s->pt, s->pl, 1, q.zx, q.mult,
	                 q.shift, q.nq, q.zy, q.lo, q.hi);
	wp = transform(q.w, m, s->c);
	memset(q.got, 0xa5, ny);
	qcc_rt_conv2d_wino_avx2_q8(q.x, wp, q.bias, q.got, s->nb, s->c, s->h,
	                           s->wd, m, oh, ow, 3, 3, 1, 1, 1, 1, s->pt,
	                           s->pl, q.zx, q.mult, q.shift, q.nq, q.zy,
	                           q.lo, q.hi);
	if (memcmp(q.got, q.want, ny)) {
		printf("FAIL: the Winograd kernel differs from the reference on "
		       "case %d (nb=%d c=%d h=%d w=%d m=%d pads %d,%d,%d,%d)\n",
		       it, s->nb, s->c, s->h, s->wd, m, s->pt, s->pl, s->pb,
		       s->pr);
		bad = 1;
	}
	free(wp);
	qconv_check_free(&q);
	return bad;
}

int
main(void)
{
	static const struct shape fixed[] = {
		/* nb, c, h, wd, m, pt, pl, pb, pr, wfix, xfix */
		{1, 64, 56, 56, 64, 1, 1, 1, 1, 0, 0},
		{1, 128, 28, 28, 128, 1, 1, 1, 1, 0, 0},
		{1, 256, 14, 14, 256, 1, 1, 1, 1, 0, 0},
		{1, 512, 7, 7, 512, 1, 1, 1, 1, 0, 0},
		{1, QCC_RT_WQ_MAXC, 7, 7, 20, 1, 1, 1, 1, -128, 255},
		{1, QCC_RT_WQ_MAXC, 7, 7, 20, 1, 1, 1, 1, 127, 255},
		{1, QCC_RT_WQ_MAXC - 1, 9, 6, 13, 0, 2, 1, 0, -128, 255},
		{2, QCC_RT_WQ_MAXC, 5, 8, 7, 1, 1, 1, 1, -128, 256},  /* codes 0 */
		{1, 8, 300, 2, 9, 1, 1, 1, 1, 0, 0},
		{1, 9, 3, 300, 9, 0, 0, 0, 0, 0, 0},
	};
	int32_t n = 0;

	if (!__builtin_cpu_supports("avx2")) {
		printf("SKIP: this CPU has no AVX2\n");
		return 77;
	}
	for (int it = 0; it < 300; it++) {
		struct shape s;

		s.nb = range(1, 2);
		s.c = range(1, 90);
		s.m = range(1, 40);
		s.pt = range(0, 2);
		s.pl = range(0, 2);
		s.pb = range(0, 2);
		s.pr = range(0, 2);
		s.h = range(3 - s.pt - s.pb > 1 ? 3 - s.pt - s.pb : 1, 40);
		s.wd = range(3 - s.pl - s.pr > 1 ? 3 - s.pl - s.pr : 1, 70);
		s.wfix = s.xfix = 0;
		/* the kernel's precondition, as the lowering checks it */
		while (!QCC_RT_WQ_FITS(s.c, s.wd + s.pl + s.pr - 2))
			s.wd /= 2;
		if (check(&s, it))
			return 1;
		n++;
	}
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++, n++)
		if (check(&fixed[i], 300 + (int)i))
			return 1;
	printf("ok: the AVX2 Winograd kernel equals the reference on %d "
	       "shapes\n", n);
	return 0;
}
