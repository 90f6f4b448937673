/* qdw_vnni.c -- the AVX512-VNNI depthwise convolution (qconv_dw_vnni.c)
 * against the scalar reference qcc_rt_conv2d_q8 (group == c == m): random
 * shapes (strides 1 and 2, and 3 now and then, apart per axis, row
 * dilations, windows up to 10 columns (two weight words per tap row up to
 * 8), asymmetric padding, two images, per-channel and per-tensor
 * rescales, shifts from 12 to 62, clamps, full-range codes and weights),
 * shapes for the raw-plane form (unit strides, ow == wd, small planes),
 * planes that take several bands, mobilenet_v2's and efficientnet_b0's
 * depthwise layers, and shapes it passes on to qcc_rt_conv2d_dw_q8
 * (column stride 3, column dilation, wide windows).  Built with clang and
 * run by qdw_vnni.sh; prints one line, exits 1 on the first difference,
 * 77 without AVX512-VNNI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcc_rt.h"

#define QRAND_SEED 0x243f6a8885a308d3ull
#include "qrand.h"

struct shape {
	int32_t nb, c, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

/* Runs shape s through the reference and the VNNI kernel; 0 if equal. */
static int
check(const struct shape *s, int it)
{
	int32_t oh = (s->h + s->pt + s->pb - s->dh * (s->kh - 1) - 1) / s->sh + 1;
	int32_t ow = (s->wd + s->pl + s->pr - s->dw * (s->kw - 1) - 1) / s->sw + 1;
	int32_t c = s->c, k = s->kh * s->kw, nq = range(0, 3) ? c : 1;
	size_t nx = (size_t)s->nb * c * s->h * s->wd;
	size_t ny = (size_t)s->nb * c * oh * ow;
	uint8_t *x = malloc(nx), *want = malloc(ny), *got = malloc(ny);
	int8_t *w = malloc((size_t)c * k);
	int32_t *bias = malloc((size_t)c * 4), *mult = malloc((size_t)c * 4);
	int32_t *shift = malloc((size_t)c * 4);
	int32_t zx = range(0, 255), zy = range(0, 255), bad = 0;
	int32_t lo = range(0, 3) ? 0 : 20, hi = range(0, 3) ? 255 : 200;
	const int32_t *bp = range(0, 7) ? bias : NULL;

	for (size_t i = 0; i < nx; i++)
		x[i] = (uint8_t)range(0, 255);
	for (int32_t i = 0; i < c * k; i++)
		w[i] = (int8_t)range(-128, 127);
	x[0] = 255;
	w[0] = -128;
	for (int32_t i = 0; i < c; i++) {
		bias[i] = range(-100000, 100000);
		mult[i] = range(1 << 30, 0x7fffffff);
		shift[i] = range(0, 4) ? range(32, 44)
		           : range(0, 1) ? range(12, 31) : range(45, 62);
	}
	qcc_rt_conv2d_q8(x, w, bp, want, s->nb, c, s->h, s->wd, c, oh, ow,
	                 s->kh, s->kw, s->sh, s->sw, s->dh, s->dw, s->pt, s->pl,
	                 c, zx, mult, shift, nq, zy, lo, hi);
	memset(got, 0xa5, ny);
	qcc_rt_conv2d_dw_vnni_q8(x, w, bp, got, s->nb, c,
	                         s->h, s->wd, oh, ow, s->kh, s->kw, s->sh, s->sw,
	                         s->dh, s->dw, s->pt, s->pl, s->pt + s->h,
	                         s->pl + s->wd, zx, mult, shift, nq, zy, lo, hi);
	if (memcmp(got, want, ny)) {
		printf("FAIL: the VNNI depthwise conv differs from the reference "
		       "on case %d (c=%d h=%d w=%d k=%dx%d s=%d,%d d=%d,%d "
		       "pad=%d,%d,%d,%d)\n", it, c, s->h, s->wd, s->kh, s->kw,
		       s->sh, s->sw, s->dh, s->dw, s->pt, s->pl, s->pb, s->pr);
		bad = 1;
	}
	free(x), free(want), free(got), free(w);
	free(bias), free(mult), free(shift);
	return bad;
}

int
main(void)
{
	static const struct shape fixed[] = {
		/* nb, c, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr */
		{1, 32, 112, 112, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 96, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{1, 144, 56, 56, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 144, 56, 56, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{1, 192, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 384, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 576, 14, 14, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{1, 960, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 240, 28, 28, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
		{1, 144, 56, 56, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2},
		{2, 3, 230, 60, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{2, 3, 230, 61, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{2, 2, 150, 112, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2},
		{1, 2, 9, 3000, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 2, 40, 40, 33, 33, 1, 1, 1, 1, 16, 16, 16, 16},
		/* efficientnet_b0's 5x5 layers on small planes */
		{1, 480, 14, 14, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
		{1, 1152, 7, 7, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
		{2, 5, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
	};
	int n = sizeof fixed / sizeof fixed[0];

	if (!__builtin_cpu_supports("avx512vnni") ||
	    !__builtin_cpu_supports("avx512bw")) {
		printf("SKIP: this CPU has no AVX512-VNNI\n");
		return 77;
	}
	for (int it = 0; it < 700; it++) {
		/* from 400 on, unit strides, ow == wd and small planes: the
		 * raw-plane form */
		int raw = it >= 400;
		struct shape s;

		s.nb = range(1, 2);
		s.c = range(1, 20);
		s.kh = range(1, 5);
		s.kw = range(1, raw ? 8 : 10);
		s.sh = raw ? 1 : range(1, 3);
		s.sw = raw ? 1 : range(0, 3) ? range(1, 2) : 3;
		s.dh = range(1, 2);
		s.dw = raw || range(0, 3) ? 1 : 2;
		s.pt = range(0, 3);
		s.pl = range(0, raw ? s.kw - 1 : 3);
		s.pb = range(0, 3);
		s.pr = raw ? s.kw - 1 - s.pl : range(0, 3);
		s.h = range(s.dh * (s.kh - 1) + 1, 40);
		s.wd = raw ? range(s.kw, 1024 / s.h > s.kw ? 1024 / s.h : s.kw)
		           : range(s.dw * (s.kw - 1) + 1, 90);
		if (check(&s, it))
			return 1;
	}
	for (int i = 0; i < n; i++)
		if (check(&fixed[i], 700 + i))
			return 1;
	printf("ok: the VNNI depthwise conv equals the reference on %d shapes\n",
	       700 + n);
	return 0;
}
