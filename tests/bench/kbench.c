/* kbench.c -- time the FP32 convolution kernels alone on the layer shapes
 * of resnet18 and mobilenet_v2, and the 1x1 and depthwise ones of
 * efficientnet_b0 that mobilenet_v2 lacks (1x1 on one pixel: the
 * squeeze-excitation layers), and the classifier's fully connected layer
 * (not a test: timings vary).
 *
 *     clang-19 -O3 -march=x86-64-v3 -I runtime tests/bench/kbench.c -o kb
 *     ./kb [REPS [NAME]]
 *
 * Each kernel file is included with QCC_RT_API static, as the C backend
 * does; every shape runs through the kernel lower_conv would pick (1x1:
 * the pixel kernel, or conv_pw's channel kernel on short planes with
 * 512-bit vectors, KB_PW=0 to compare; depthwise: conv_dw_chan as with 512-bit vectors, or
 * conv_dw's plane kernel with -DKB_DW_PLANE=1, other windows: the channel
 * kernel; only those whose name contains NAME if given), REPS times
 * (default 20; "+res" shapes with a residual added before the ReLU, as
 * resnet18's second convolution of a block), and the best time and GMAC/s are
 * printed, with the largest difference from qcc_rt_conv2d_f32 (the plain
 * loop) so a faster kernel cannot be a wrong one.  The depthwise shapes
 * also run on channel-blocked tensors ("blk ..." lines: x, y NCHW16c, as
 * between the 1x1 convolutions of an inverted residual block, compared
 * with the plain loop re-laid out) and as INT8 ("q8 ..." lines:
 * qcc_rt_conv2d_dw_q8 on random codes, "diff" counts the outputs that
 * differ from qcc_rt_conv2d_q8's).  The "pwb" lines (NAME pwb for them
 * alone) compare the 1x1 kernels on the 1x1 shapes of mobilenet_v2 and
 * efficientnet_b0 with channel-blocked tensors (bench_pw_blocked).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define QCC_RT_API static
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../runtime/kernels/act.c"
#include "../../runtime/kernels/math.c"
#include "../../runtime/kernels/conv.c"
#include "../../runtime/kernels/conv_dw.c"
#include "../../runtime/kernels/conv_dw_band.c"
#include "../../runtime/kernels/conv_dw_chan.c"
#include "../../runtime/kernels/conv_dw_plain.c"
#include "../../runtime/kernels/conv_gemm.c"
#include "../../runtime/kernels/conv_pw.c"
#include "../../runtime/kernels/conv_packed.c"
#include "../../runtime/kernels/conv_stem.c"
#include "../../runtime/kernels/qelt.c"
#include "../../runtime/kernels/qrow.c"
#include "../../runtime/kernels/qnn.c"
#include "../../runtime/kernels/qconv_dw.c"
#include "../../runtime/kernels/gemm.c"
#include "fbench.h"
#include "../runtime/nchw16c.h"

struct shape {
	const char *name;
	int c, h, m, k, s, dw, res;
};

static const struct shape shapes[] = {
    {"r18 conv1 7x7/2", 3, 224, 64, 7, 2, 0},
    {"mb stem 3x3/2 32", 3, 224, 32, 3, 2, 0},
    {"fm 3x3 1->16 28", 1, 28, 16, 3, 1, 0},
    {"fm 3x3/2 16->32 28", 16, 28, 32, 3, 2, 0},
    {"fm 1x1 32->64 14", 32, 14, 64, 1, 1, 0},
    {"fm 3x3 64 7", 64, 7, 64, 3, 1, 0},
    {"r18 l1 3x3 64", 64, 56, 64, 3, 1, 0},
    {"r18 l1 3x3 64 +res", 64, 56, 64, 3, 1, 0, 1},
    {"r18 l2 3x3/2 128", 64, 56, 128, 3, 2, 0},
    {"r18 l2 3x3 128", 128, 28, 128, 3, 1, 0},
    {"r18 l3 3x3 256", 256, 14, 256, 3, 1, 0},
    {"r18 l4 3x3 512", 512, 7, 512, 3, 1, 0},
    {"r18 l4 3x3 512 +res", 512, 7, 512, 3, 1, 0, 1},
    {"r18 ds 1x1/2 256", 128, 28, 256, 1, 2, 0},
    {"mb 1x1 32->16 112", 32, 112, 16, 1, 1, 0},
    {"mb 1x1 16->96 112", 16, 112, 96, 1, 1, 0},
    {"mb 1x1 144->24 56", 144, 56, 24, 1, 1, 0},
    {"mb 1x1 192->32 28", 192, 28, 32, 1, 1, 0},
    {"mb 1x1 384->64 14", 384, 14, 64, 1, 1, 0},
    {"mb 1x1 576->96 14", 576, 14, 96, 1, 1, 0},
    {"mb 1x1 960->320 7", 960, 7, 320, 1, 1, 0},
    {"mb 1x1 320->1280 7", 320, 7, 1280, 1, 1, 0},
    {"en 1x1 32->8 1", 32, 1, 8, 1, 1, 0},
    {"en 1x1 8->32 1", 8, 1, 32, 1, 1, 0},
    {"en 1x1 96->4 1", 96, 1, 4, 1, 1, 0},
    {"en 1x1 4->96 1", 4, 1, 96, 1, 1, 0},
    {"en 1x1 96->24 56", 96, 56, 24, 1, 1, 0},
    {"en 1x1 24->144 56", 24, 56, 144, 1, 1, 0},
    {"en 1x1 144->6 1", 144, 1, 6, 1, 1, 0},
    {"en 1x1 6->144 1", 6, 1, 144, 1, 1, 0},
    {"en 1x1 144->40 28", 144, 28, 40, 1, 1, 0},
    {"en 1x1 40->240 28", 40, 28, 240, 1, 1, 0},
    {"en 1x1 240->10 1", 240, 1, 10, 1, 1, 0},
    {"en 1x1 10->240 1", 10, 1, 240, 1, 1, 0},
    {"en 1x1 240->40 28", 240, 28, 40, 1, 1, 0},
    {"en 1x1 240->80 14", 240, 14, 80, 1, 1, 0},
    {"en 1x1 80->480 14", 80, 14, 480, 1, 1, 0},
    {"en 1x1 480->20 1", 480, 1, 20, 1, 1, 0},
    {"en 1x1 20->480 1", 20, 1, 480, 1, 1, 0},
    {"en 1x1 480->80 14", 480, 14, 80, 1, 1, 0},
    {"en 1x1 480->112 14", 480, 14, 112, 1, 1, 0},
    {"en 1x1 112->672 14", 112, 14, 672, 1, 1, 0},
    {"en 1x1 672->28 1", 672, 1, 28, 1, 1, 0},
    {"en 1x1 28->672 1", 28, 1, 672, 1, 1, 0},
    {"en 1x1 672->112 14", 672, 14, 112, 1, 1, 0},
    {"en 1x1 672->192 7", 672, 7, 192, 1, 1, 0},
    {"en 1x1 192->1152 7", 192, 7, 1152, 1, 1, 0},
    {"en 1x1 1152->48 1", 1152, 1, 48, 1, 1, 0},
    {"en 1x1 48->1152 1", 48, 1, 1152, 1, 1, 0},
    {"en 1x1 1152->192 7", 1152, 7, 192, 1, 1, 0},
    {"en 1x1 1152->320 7", 1152, 7, 320, 1, 1, 0},
    {"mb dw 3x3 32 112", 32, 112, 32, 3, 1, 1},
    {"mb dw 3x3/2 96 112", 96, 112, 96, 3, 2, 1},
    {"mb dw 3x3 144 56", 144, 56, 144, 3, 1, 1},
    {"mb dw 3x3 192 28", 192, 28, 192, 3, 1, 1},
    {"mb dw 3x3 384 14", 384, 14, 384, 3, 1, 1},
    {"mb dw 3x3 960 7", 960, 7, 960, 3, 1, 1},
    {"mb dw 3x3/2 144 56", 144, 56, 144, 3, 2, 1},
    {"mb dw 3x3/2 576 14", 576, 14, 576, 3, 2, 1},
    {"en dw 3x3/2 240 28", 240, 28, 240, 3, 2, 1},
    {"en dw 3x3 1152 7", 1152, 7, 1152, 3, 1, 1},
    {"en dw 5x5 240 28", 240, 28, 240, 5, 1, 1},
    {"en dw 5x5 672 14", 672, 14, 672, 5, 1, 1},
    {"en dw 5x5 1152 7", 1152, 7, 1152, 5, 1, 1},
    {"en dw 5x5/2 144 56", 144, 56, 144, 5, 2, 1},
    {"en dw 5x5/2 672 14", 672, 14, 672, 5, 2, 1},
};

/* [k][m] from [m][k]: a 1x1 convolution on one pixel is a row times this
 * matrix (lower_conv_packed.c calls qcc_rt_gemm_f32 so). */
static float *
transpose(const float *w, int m, int k)
{
	float *t = malloc((size_t)m * k * sizeof *t + 64);

	for (int i = 0; i < k; i++)
		for (int j = 0; j < m; j++)
			t[(size_t)i * m + j] = w[(size_t)j * k + i];
	return t;
}

/* 1 when compiled for 512-bit vectors: lower_conv_packed.c then takes the
 * pixel kernel with 32-pixel tiles for 1x1 convolutions and the channel
 * kernel with 16-channel panels for the others. */
#ifdef __AVX512F__
enum { WIDE = 1 };
#else
enum { WIDE = 0 };
#endif
/* -DKB_DW_PLANE=1: the depthwise shapes through conv_dw.c's plane
 * kernel instead of conv_dw_chan.c's channel kernel */
#ifndef KB_DW_PLANE
#define KB_DW_PLANE 0
#endif
/* the pixel kernel's tile width (-DKB_NR=16 to try the narrow one) */
#ifndef KB_NR
#define KB_NR (WIDE ? 32 : 16)
#endif

/* Whether lower_conv_packed.c would take qcc_rt_conv2d_stem_f32 for s
 * (KB_NOSTEM=1 in the environment: never; KB_STEMALL=1: for any number
 * of input channels, to compare). */
static int
stem_ok(const struct shape *s, int oh)
{
	int ext = (s->k - 1) / s->s, wq = oh + ext;
	const char *e = getenv("KB_NOSTEM");

	return !(e && *e == '1') && !s->dw && s->k > 1 &&
	       (s->c <= 4 || getenv("KB_STEMALL")) &&
	       s->c * s->k * s->k <= QCC_RT_STEM_MAXK &&
	       QCC_RT_STEM_BAND(s->c, s->s, s->s, ext, wq) >= 1;
}

/* Whether a 1x1 shape goes to the channel kernel (KB_1X1=packed in the
 * environment: always, to compare). */
static int
chan_1x1(const struct shape *s)
{
	const char *e = getenv("KB_1X1");

	return s->k == 1 && !s->dw && e && !strcmp(e, "packed");
}

/* Whether a 1x1 shape goes to the channel-vector kernel conv_pw.c, as
 * lower_conv_packed.c's is_pointwise decides: with 512-bit vectors, on
 * planes of at most QCC_RT_PW_MAXHW pixels, if its tiles fill 10% more
 * lanes than the pixel kernel's, or more lanes and the reduction is at
 * least 64 (KB_PW=0 in the environment: never, to compare). */
static int
pw_1x1(const struct shape *s)
{
	const char *e = getenv("KB_PW");
	int hw = s->h * s->h, slots = 0, rows = s->m / 12 * 12, r;
	double pix = (double)hw / ((hw + QCC_RT_PW_P - 1) / QCC_RT_PW_P *
	                           QCC_RT_PW_P);
	double chan = (double)s->m / ((s->m + 15) / 16 * 16), gemm;

	if (!WIDE || (e && *e == '0') || s->k != 1 || s->s != 1 || s->dw ||
	    s->h == 1 || hw > QCC_RT_PW_MAXHW)
		return 0;
	for (r = hw; r > 0; r -= r > 16 ? 32 : 16)
		slots += r > 16 ? 32 : 16;
	if (s->m > rows)
		rows += s->m - rows > 6 ? 12 : 6;
	gemm = (double)hw / slots * s->m / rows;
	return pix * chan >= gemm + 0.1 || (s->c >= 64 && pix * chan > gemm);
}

static void
run(const struct shape *s, const float *x, const float *wp, const float *w,
    const float *b, const float *res, float *y, int oh, int pad)
{
	if (s->dw && KB_DW_PLANE)
		qcc_rt_conv2d_dw_f32(x, w, b, NULL, y, 1, s->c, s->h, s->h, s->m,
		                     oh, oh, s->k, s->k, s->s, s->s, 1, 1, pad,
		                     pad, QCC_ACT_RELU, 0, 0);
	else if (s->dw)
		qcc_rt_conv2d_dwc_f32(x, wp, b, NULL, y, 1, s->c, s->h, s->h, s->m,
		                      oh, oh, s->k, s->k, s->s, s->s, 1, 1, pad,
		                      pad, WIDE ? 8 : 4, QCC_ACT_RELU, 0, 0, 0);
	else if (stem_ok(s, oh))
		qcc_rt_conv2d_stem_f32(x, wp, b, res, y, 1, s->c, s->h, s->h, s->m,
		                       oh, oh, s->k, s->k, s->s, s->s, 1, 1, pad,
		                       pad, KB_NR, QCC_ACT_RELU, 0, 0);
	else if (s->k == 1 && s->h == 1)
		qcc_rt_gemm_f32(x, wp, b, y, 1, s->m, s->c, 0, 0, 1.0f, 1.0f, 0, 1,
		                QCC_ACT_RELU, 0, 0);
	else if (pw_1x1(s))
		qcc_rt_conv2d_pw_f32(x, wp, b, res, y, 1, s->c, s->h * s->h, s->m,
		                     QCC_ACT_RELU, 0, 0, 0);
	else if (s->k == 1 && !chan_1x1(s))
		qcc_rt_conv2d_gemm_f32(x, wp, b, NULL, y, 1, s->c, s->h, s->h,
		                       s->m, oh, oh, 1, 1, s->s, s->s, 1, 1, 0, 0,
		                       KB_NR, QCC_ACT_RELU, 0, 0);
	else if (WIDE)
		qcc_rt_conv2d_packed16_f32(x, wp, b, res, y, 1, s->c, s->h, s->h,
		                           s->m, oh, oh, s->k, s->k, s->s, s->s, 1,
		                           1, pad, pad, QCC_ACT_RELU, 0, 0);
	else
		qcc_rt_conv2d_packed_f32(x, wp, b, res, y, 1, s->c, s->h, s->h,
		                         s->m, oh, oh, s->k, s->k, s->s, s->s, 1,
		                         1, pad, pad, QCC_ACT_RELU, 0, 0);
}

/* The depthwise shape s through conv_dw_chan on blocked x and y (layout
 * XB | YB), checked against r (NCHW); returns the best time in ns. */
static double
run_dw_blocked(const struct shape *s, const float *x, const float *wp,
               const float *b, const float *r, int oh, int pad, int reps)
{
	size_t ny = (size_t)s->m * oh * oh;
	float *xb = nchw16c_relayout(x, 1, s->c, (int64_t)s->h * s->h, 1);
	float *y = malloc(ny * sizeof *y), *yn;
	double best = 1e30, md = 0;

	for (int t = 0; t < reps; t++) {
		double t0 = now_ns();

		qcc_rt_conv2d_dwc_f32(xb, wp, b, NULL, y, 1, s->c, s->h, s->h, s->m,
		                      oh, oh, s->k, s->k, s->s, s->s, 1, 1, pad, pad,
		                      WIDE ? 8 : 4, QCC_ACT_RELU, 0, 0,
		                      QCC_RT_LAYOUT_XB | QCC_RT_LAYOUT_YB);
		t0 = now_ns() - t0;
		best = t0 < best ? t0 : best;
	}
	yn = nchw16c_relayout(y, 1, s->m, (int64_t)oh * oh, 0);
	for (size_t j = 0; j < ny; j++)
		md = fabs(yn[j] - r[j]) > md ? fabs(yn[j] - r[j]) : md;
	printf("blk %-18s %9.1f us %7.1f GMAC/s  maxdiff %.2g\n", s->name,
	       best / 1e3, (double)ny * s->k * s->k / best, md);
	free(xb), free(y), free(yn);
	return best;
}

/* The INT8 depthwise kernel on shape s (stride and pad as the FP32 run);
 * returns the best time in ns. */
static double
run_q8(const struct shape *s, int oh, int pad, int reps)
{
	int hw = s->h, kk = s->k * s->k;
	int ph = (oh - 1) * s->s + s->k, pw = ph;
	size_t nx = (size_t)s->c * hw * hw, ny = (size_t)s->c * oh * oh;
	uint8_t *x = malloc(nx), *y = malloc(ny), *r = malloc(ny);
	int8_t *w = malloc((size_t)s->c * kk);
	int32_t *b = malloc((size_t)s->c * sizeof *b), mult = 1518500250;
	int32_t shift = 40, zx = 3, zy = 7;
	uint32_t seed = 7;
	double best = 1e30;
	size_t nd = 0;

	ph = ph > pad + hw ? ph : pad + hw;
	pw = ph;
	for (size_t i = 0; i < nx; i++)
		x[i] = (uint8_t)((seed = seed * 1664525u + 1013904223u) >> 24);
	for (int i = 0; i < s->c * kk; i++)
		w[i] = (int8_t)((seed = seed * 1664525u + 1013904223u) >> 24);
	for (int i = 0; i < s->c; i++)
		b[i] = (int32_t)((seed = seed * 1664525u + 1013904223u) >> 16) -
		       32768;
	qcc_rt_conv2d_q8(x, w, b, r, 1, s->c, hw, hw, s->c, oh, oh, s->k, s->k,
	                 s->s, s->s, 1, 1, pad, pad, s->c, zx, &mult, &shift, 1,
	                 zy, 0, 255);
	for (int t = 0; t < reps; t++) {
		double t0 = now_ns();

		qcc_rt_conv2d_dw_q8(x, w, b, y, 1, s->c, hw, hw, oh, oh, s->k, s->k,
		                    s->s, s->s, 1, 1, pad, pad, ph, pw, zx, &mult,
		                    &shift, 1, zy, 0, 255);
		t0 = now_ns() - t0;
		best = t0 < best ? t0 : best;
	}
	for (size_t i = 0; i < ny; i++)
		nd += y[i] != r[i];
	printf("q8 %-19s %9.1f us %7.1f GMAC/s  diff %zu\n", s->name, best / 1e3,
	       (double)ny * kk / best, nd);
	free(x), free(y), free(r), free(w), free(b);
	return best;
}

/* The classifier of mobilenet_v2 and efficientnet_b0: y = x W^T + b, x
 * [1,1280], W [1000,1280], through qcc_rt_gemm_f32 as lower_nn.c calls it
 * (its sums are not in k order: maxdiff against the plain loop is a
 * rounding difference).  Returns the best time in ns. */
static double
bench_fc(int reps)
{
	enum { N = 1000, K = 1280 };
	float *x = randf(K, 1), *w = randf((size_t)N * K, 2), *b = randf(N, 3);
	float *y = malloc(N * sizeof *y);
	double best = 1e30, md = 0;

	for (int t = 0; t < reps; t++) {
		double t0 = now_ns();

		qcc_rt_gemm_f32(x, w, b, y, 1, N, K, 0, 1, 1.0f, 1.0f, 0, 1,
		                QCC_ACT_NONE, 0, 0);
		t0 = now_ns() - t0;
		best = t0 < best ? t0 : best;
	}
	for (int j = 0; j < N; j++) {
		float acc = 0.0f;

		for (int p = 0; p < K; p++)
			acc += x[p] * w[(size_t)j * K + p];
		acc += b[j];
		md = fabs(y[j] - acc) > md ? fabs(y[j] - acc) : md;
	}
	printf("%-22s %9.1f us %7.1f GMAC/s  maxdiff %.2g\n", "fc 1280->1000",
	       best / 1e3, (double)N * K / best, md);
	free(x), free(w), free(b), free(y);
	return best;
}

/* The 1x1 shapes of mobilenet_v2 and efficientnet_b0 on planes of 7x7 to
 * 112x112 ("pwb" lines), each through qcc_rt_conv2d_gemm_f32 (NCHW) and
 * qcc_rt_conv2d_pw_f32 in its four layouts: NCHW, x blocked (xb), y
 * blocked (yb), both (xyb); "-" where a side's channels are not a multiple
 * of 16.  Best GMAC/s, and the largest difference from the plain loop
 * over all of them (outputs re-laid out to NCHW first). */
static const struct shape pwb_shapes[] = {
    {"mb 32->16 112", 32, 112, 16, 1, 1},
    {"mb 16->96 112", 16, 112, 96, 1, 1},
    {"mb 96->24 56", 96, 56, 24, 1, 1},
    {"mb 24->144 56", 24, 56, 144, 1, 1},
    {"mb 144->24 56", 144, 56, 24, 1, 1},
    {"mb 144->32 28", 144, 28, 32, 1, 1},
    {"mb 32->192 28", 32, 28, 192, 1, 1},
    {"mb 192->32 28", 192, 28, 32, 1, 1},
    {"mb 192->64 14", 192, 14, 64, 1, 1},
    {"mb 64->384 14", 64, 14, 384, 1, 1},
    {"mb 384->64 14", 384, 14, 64, 1, 1},
    {"mb 384->96 14", 384, 14, 96, 1, 1},
    {"mb 96->576 14", 96, 14, 576, 1, 1},
    {"mb 576->96 14", 576, 14, 96, 1, 1},
    {"mb 576->160 7", 576, 7, 160, 1, 1},
    {"mb 160->960 7", 160, 7, 960, 1, 1},
    {"mb 960->160 7", 960, 7, 160, 1, 1},
    {"en 144->40 28", 144, 28, 40, 1, 1},
    {"en 40->240 28", 40, 28, 240, 1, 1},
    {"en 240->40 28", 240, 28, 40, 1, 1},
    {"en 240->80 14", 240, 14, 80, 1, 1},
    {"en 80->480 14", 80, 14, 480, 1, 1},
    {"en 480->112 14", 480, 14, 112, 1, 1},
    {"en 112->672 14", 112, 14, 672, 1, 1},
    {"en 672->112 14", 672, 14, 112, 1, 1},
    {"en 672->192 7", 672, 7, 192, 1, 1},
    {"en 192->1152 7", 192, 7, 1152, 1, 1},
    {"en 1152->192 7", 1152, 7, 192, 1, 1},
};

/* One kernel on s (lay < 0: qcc_rt_conv2d_gemm_f32, else
 * qcc_rt_conv2d_pw_f32 in layout lay) REPS times: best ns; *md takes the
 * largest difference from r. */
static double
time_pw(const struct shape *s, const float *x, const float *xb,
        const float *wg, const float *wp, const float *b, const float *r,
        float *y, int lay, int reps, double *md)
{
	int hw = s->h * s->h;
	double best = 1e30;
	float *t = y;

	for (int i = 0; i < reps; i++) {
		double t0 = now_ns();

		if (lay < 0)
			qcc_rt_conv2d_gemm_f32(x, wg, b, NULL, y, 1, s->c, s->h, s->h,
			                       s->m, s->h, s->h, 1, 1, 1, 1, 1, 1, 0, 0,
			                       KB_NR, QCC_ACT_RELU, 0, 0);
		else
			qcc_rt_conv2d_pw_f32(lay & QCC_RT_LAYOUT_XB ? xb : x, wp, b,
			                     NULL, y, 1, s->c, hw, s->m, QCC_ACT_RELU,
			                     0, 0, lay);
		t0 = now_ns() - t0;
		best = t0 < best ? t0 : best;
	}
	if (lay > 0 && (lay & QCC_RT_LAYOUT_YB))
		t = nchw16c_relayout(y, 1, s->m, hw, 0);
	for (size_t j = 0; j < (size_t)s->m * hw; j++)
		*md = fabs(t[j] - r[j]) > *md ? fabs(t[j] - r[j]) : *md;
	if (t != y)
		free(t);
	return best;
}

static double
bench_pw_blocked(int reps, const char *name)
{
	double tot = 0;
	int shown = 0;

	for (size_t i = 0; i < sizeof pwb_shapes / sizeof pwb_shapes[0]; i++) {
		const struct shape *s = &pwb_shapes[i];
		int hw = s->h * s->h;
		size_t ny = (size_t)s->m * hw;
		float *x = randf((size_t)s->c * hw, 1), *w = randf((size_t)s->m * s->c, 2);
		float *b = randf((size_t)s->m, 3), *xb = NULL;
		float *y = malloc(ny * sizeof *y), *r = malloc(ny * sizeof *r);
		float *wg = pack(w, s->m, s->c, QCC_RT_GEMM_MR);
		float *wp = pack(w, s->m, s->c, QCC_RT_PANEL16);
		char line[160];
		int len = snprintf(line, sizeof line, "pwb %s", s->name);
		double md = 0, ns;

		if (!strstr(line, name))
			goto next;
		if (!shown++)
			printf("%-19s GMAC/s: gemm     pw     xb     yb    xyb\n",
			       "pwb (1x1, ReLU)");
		if (s->c % 16 == 0)
			xb = nchw16c_relayout(x, 1, s->c, hw, 1);
		qcc_rt_conv2d_f32(x, w, b, r, 1, s->c, s->h, s->h, s->m, s->h, s->h,
		                  1, 1, 1, 1, 1, 1, 0, 0, 1, QCC_ACT_RELU, 0, 0);
		len = snprintf(line, sizeof line, "pwb %-15s       ", s->name);
		for (int lay = -1; lay < 4; lay++) {
			if ((lay > 0 && (lay & QCC_RT_LAYOUT_XB) && s->c % 16) ||
			    (lay > 0 && (lay & QCC_RT_LAYOUT_YB) && s->m % 16)) {
				len += snprintf(line + len, sizeof line - len, " %6s", "-");
				continue;
			}
			ns = time_pw(s, x, xb, wg, wp, b, r, y, lay, reps, &md);
			tot += ns;
			len += snprintf(line + len, sizeof line - len, " %6.1f",
			                (double)ny * s->c / ns);
		}
		printf("%s  maxdiff %.2g\n", line, md);
next:
		free(x), free(w), free(b), free(xb), free(y), free(r), free(wg);
		free(wp);
	}
	return tot;
}

int
main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 20;
	double tot = 0;

	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const struct shape *s = &shapes[i];

		if (argc > 2 && !strstr(s->name, argv[2]))
			continue;
		int pad = s->k / 2, oh = (s->h + 2 * pad - s->k) / s->s + 1;
		int cin = s->dw ? 1 : s->c, kk = cin * s->k * s->k;
		size_t ny = (size_t)s->m * oh * oh;
		float *x = randf((size_t)s->c * s->h * s->h, 1);
		float *w = randf((size_t)s->m * kk, 2);
		float *b = randf((size_t)s->m, 3);
		float *y = malloc(ny * sizeof *y), *r = malloc(ny * sizeof *r);
		float *res = s->res ? randf(ny, 4) : NULL;
		float *wp = s->dw ? pack(w, s->c, kk, QCC_RT_DWC_V) :
		            s->k == 1 && s->h == 1 ? transpose(w, s->m, kk) :
		            pw_1x1(s) ? pack(w, s->m, kk, QCC_RT_PANEL16) :
		            pack(w, s->m, kk,
		                 (s->k == 1 && !chan_1x1(s)) || stem_ok(s, oh) ?
		                 QCC_RT_GEMM_MR :
		                              WIDE ? QCC_RT_PANEL16 : QCC_RT_PANEL);
		double best = 1e30, md = 0, macs;

		qcc_rt_conv2d_f32(x, w, b, r, 1, s->c, s->h, s->h, s->m, oh, oh,
		                  s->k, s->k, s->s, s->s, 1, 1, pad, pad,
		                  s->dw ? s->c : 1,
		                  s->res ? QCC_ACT_NONE : QCC_ACT_RELU, 0, 0);
		for (size_t j = 0; res && j < ny; j++)
			r[j] = r[j] + res[j] > 0 ? r[j] + res[j] : 0;
		for (int t = 0; t < reps; t++) {
			double t0 = now_ns();

			run(s, x, wp, w, b, res, y, oh, pad);
			t0 = now_ns() - t0;
			best = t0 < best ? t0 : best;
		}
		for (size_t j = 0; j < ny; j++)
			md = fabs(y[j] - r[j]) > md ? fabs(y[j] - r[j]) : md;
		macs = (double)ny * kk;
		tot += best;
		printf("%-22s %9.1f us %7.1f GMAC/s  maxdiff %.2g\n", s->name,
		       best / 1e3, macs / best, md);
		if (s->dw && !KB_DW_PLANE && s->c % 16 == 0)
			tot += run_dw_blocked(s, x, wp, b, r, oh, pad, reps);
		free(x), free(w), free(b), free(y), free(r), free(wp), free(res);
	}
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const struct shape *s = &shapes[i];
		char name[64];
		int pad = s->k / 2, oh = (s->h + 2 * pad - s->k) / s->s + 1;

		snprintf(name, sizeof name, "q8 %s", s->name);
		if (s->dw && (argc <= 2 || strstr(name, argv[2])))
			tot += run_q8(s, oh, pad, reps);
	}
	if (argc <= 2 || strstr("fc 1280->1000", argv[2]))
		tot += bench_fc(reps);
	tot += bench_pw_blocked(reps, argc > 2 ? argv[2] : "");
	printf("total best %.1f us\n", tot / 1e3);
	return 0;
}
