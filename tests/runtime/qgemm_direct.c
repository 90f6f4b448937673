/* qgemm_direct.c -- the x86 integer convolutions in channel-group weight
 * layouts (qgemm_direct.c without im2col, AVX2 and AVX512-VNNI, and the
 * im2col forms of qgemm.c they fall back to) against the scalar
 * reference qcc_rt_conv2d_q8 on random shapes: strides 1 to 3 (apart per
 * axis), dilations, asymmetric padding, two images, channel counts that
 * are not multiples of 2 or 4, full-range codes and weights, shifts from
 * 12 to 62 and narrow output clamps; then shapes
 * the stack buffers cannot hold (very many channels, a 9x9 window,
 * stride 5), which take the im2col form, and 1x1 shapes without padding
 * (whose input rows are filled as one run).  Built with clang and run by
 * qgemm_direct.sh; prints one line, exits 1 on the first difference, 77
 * if the CPU lacks AVX2 (the VNNI forms are left out without
 * AVX512-VNNI). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcc_rt.h"

#define QRAND_SEED 0x9e3779b97f4a7c15ull
#include "qrand.h"

struct shape {
	int32_t nb, c, h, wd, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

/* The channel-group layouts of qcc_rt.h: mr channels per panel, kg
 * channels per word in fields of 32/kg bits. */
static int32_t *
pack(const int8_t *w, int32_t m, int32_t c, int32_t khw, int32_t mr,
     int32_t kg)
{
	int32_t np = (m + mr - 1) / mr, kpw = (c + kg - 1) / kg * khw;
	int32_t *p = calloc((size_t)np * kpw * mr, sizeof *p);

	for (int32_t q = 0; q < np; q++)
		for (int32_t t = 0; t < kpw; t++)
			for (int32_t i = 0; i < mr; i++) {
				int32_t o = q * mr + i, cg = t / khw;
				uint32_t v = 0;

				for (int32_t j = 0; j < kg; j++)
					if (o < m && kg * cg + j < c)
						v |= ((uint32_t)(int32_t)w[((size_t)o *
						        c + kg * cg + j) * khw + t % khw] &
						      (kg == 2 ? 0xffffu : 0xffu))
						     << 32 / kg * j;
				p[(q * kpw + t) * mr + i] = (int32_t)v;
			}
	return p;
}

static int vnni;

/* Runs shape s through the reference and the four forms (the VNNI ones
 * only with VNNI); 0 if all equal. */
static int
check(const struct shape *s, int it)
{
	int32_t oh = (s->h + s->pt + s->pb - s->dh * (s->kh - 1) - 1) / s->sh + 1;
	int32_t ow = (s->wd + s->pl + s->pr - s->dw * (s->kw - 1) - 1) / s->sw + 1;
	int32_t k = s->c * s->kh * s->kw, m = s->m, bad = 0, *wp;
	size_t nx = (size_t)s->nb * s->c * s->h * s->wd;
	size_t ny = (size_t)s->nb * m * oh * ow;
	struct qconv_check q;

	qconv_check_new(&q, nx, ny, m, k);
	for (size_t i = 0; i < nx; i++)
		q.x[i] = (uint8_t)range(0, 255);
	for (int32_t i = 0; i < m * k; i++)
		q.w[i] = (int8_t)range(-128, 127);
	q.x[0] = 255;
	q.w[0] = -128;
	qrand_rescale(q.bias, q.mult, q.shift, m);
	qcc_rt_conv2d_q8(q.x, q.w, q.bias, q.want, s->nb, s->c, s->h, s->wd, m,
	                 oh, ow, s->kh, s->kw, s->sh, s->sw, s->dh, s->dw, s->pt,
	                 s->pl, 1, q.zx, q.mult, q.shift, q.nq, q.zy, q.lo, q.hi);
	for (int f = 0; f < 4 && !bad; f++) {
		static const char *const name[] = {"cp_avx2", "cp_i2c", "vnni",
		                                   "vnni_i2c"};
		void (*fn[])(QCC_RT_QG_ARGS) = {
			qcc_rt_conv2d_qgemm_cp_avx2_q8, qcc_rt_conv2d_qgemm_cp_i2c_q8,
			qcc_rt_conv2d_qgemm_vnni_q8, qcc_rt_conv2d_qgemm_vnni_i2c_q8};

		if (f >= 2 && !vnni)
			break;
		wp = f < 2 ? pack(q.w, m, s->c, s->kh * s->kw, QCC_RT_QG_MR, 2)
		           : pack(q.w, m, s->c, s->kh * s->kw, QCC_RT_QGV_MR, 4);
		memset(q.got, 0xa5, ny);
		fn[f](q.x, wp, q.bias, q.got, s->nb, s->c, s->h, s->wd, m, oh, ow,
		      s->kh, s->kw, s->sh, s->sw, s->dh, s->dw, s->pt, s->pl, q.zx,
		      q.mult, q.shift, q.nq, q.zy, q.lo, q.hi);
		free(wp);
		if (memcmp(q.got, q.want, ny)) {
			printf("FAIL: %s differs from the reference on case %d "
			       "(c=%d h=%d w=%d m=%d k=%dx%d s=%d,%d d=%d,%d)\n",
			       name[f], it, s->c, s->h, s->wd, m, s->kh, s->kw,
			       s->sh, s->sw, s->dh, s->dw);
			bad = 1;
		}
	}
	qconv_check_free(&q);
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
		/* 1x1 without padding: the input rows of a block as one run */
		{1, 24, 56, 56, 144, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
		{1, 160, 7, 7, 960, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
		{2, 96, 14, 14, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
		{1, 30, 9, 13, 20, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
		{1, 16, 112, 112, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
	};

	if (!__builtin_cpu_supports("avx2")) {
		printf("SKIP: this CPU has no AVX2\n");
		return 77;
	}
	vnni = __builtin_cpu_supports("avx512vnni") &&
	       __builtin_cpu_supports("avx512bw");
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
	printf("ok: the AVX2%s forms equal the reference on %d shapes\n",
	       vnni ? " and VNNI" : "", 400 + (int)(sizeof big / sizeof big[0]));
	return 0;
}
