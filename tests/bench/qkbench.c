/* qkbench.c -- time the integer convolution kernels alone (qgemm.c) on
 * the group-1 layer shapes of resnet18 and mobilenet_v2, and the
 * depthwise kernels (qconv_dw.c, qconv_dw_vnni.c) on mobilenet_v2's
 * depthwise layers (not a test: timings vary).
 *
 *     clang-19 -O3 -march=native -I runtime tests/bench/qkbench.c -o qkb
 *     ./qkb [REPS [NAME]]
 *
 * The last two lines add up the best times of every group-1 convolution
 * of each model (ms, layers that occur n times counted n times; the AVX2
 * Winograd column counts AVX2 direct's time where it does not apply, as
 * the lowering does).
 * Every tile code this CPU runs (portable, AVX2 with im2col and without,
 * AVX-512BW, AVX512-VNNI with im2col and without, AVX2 Winograd on 3x3
 * stride-1 shapes)
 * runs each shape (only those whose name contains NAME if given) REPS
 * times (default 20); the best time and GMAC/s are printed, and the
 * output must equal the scalar kernel qcc_rt_conv2d_q8's byte for byte
 * ("DIFF" otherwise, exit status 1).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define QCC_RT_API static
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../runtime/kernels/qelt.c"
#include "../../runtime/kernels/qrow.c"
#include "../../runtime/kernels/qnn.c"
#include "../../runtime/kernels/qgemm.c"
#include "../../runtime/kernels/qgemm_cp_avx2.c"
#include "../../runtime/kernels/qgemm_direct.c"
#include "../../runtime/kernels/qconv_wino_avx2.c"
#include "../../runtime/kernels/qconv_dw.c"
#include "../../runtime/kernels/qconv_dw_vnni.c"

struct shape {
	const char *name;
	int c, h, m, k, s, n;  /* n: how often the model has it */
};

/* Every group-1 convolution of resnet18, then of mobilenet_v2. */
static const struct shape shapes[] = {
    {"r18 conv1 7x7/2", 3, 224, 64, 7, 2, 1},
    {"r18 3x3 64 56", 64, 56, 64, 3, 1, 4},
    {"r18 3x3/2 64->128", 64, 56, 128, 3, 2, 1},
    {"r18 3x3 128 28", 128, 28, 128, 3, 1, 3},
    {"r18 1x1/2 64->128", 64, 56, 128, 1, 2, 1},
    {"r18 3x3/2 128->256", 128, 28, 256, 3, 2, 1},
    {"r18 3x3 256 14", 256, 14, 256, 3, 1, 3},
    {"r18 1x1/2 128->256", 128, 28, 256, 1, 2, 1},
    {"r18 3x3/2 256->512", 256, 14, 512, 3, 2, 1},
    {"r18 3x3 512 7", 512, 7, 512, 3, 1, 3},
    {"r18 1x1/2 256->512", 256, 14, 512, 1, 2, 1},
    {"mb 3x3/2 3->32 224", 3, 224, 32, 3, 2, 1},
    {"mb 96->576 14", 96, 14, 576, 1, 1, 3},
    {"mb 160->960 7", 160, 7, 960, 1, 1, 3},
    {"mb 24->144 56", 24, 56, 144, 1, 1, 2},
    {"mb 576->96 14", 576, 14, 96, 1, 1, 2},
    {"mb 320->1280 7", 320, 7, 1280, 1, 1, 1},
    {"mb 16->96 112", 16, 112, 96, 1, 1, 1},
    {"mb 64->384 14", 64, 14, 384, 1, 1, 4},
    {"mb 960->160 7", 960, 7, 160, 1, 1, 2},
    {"mb 960->320 7", 960, 7, 320, 1, 1, 1},
    {"mb 32->192 28", 32, 28, 192, 1, 1, 3},
    {"mb 384->64 14", 384, 14, 64, 1, 1, 3},
    {"mb 144->24 56", 144, 56, 24, 1, 1, 1},
    {"mb 192->32 28", 192, 28, 32, 1, 1, 2},
    {"mb 96->24 56", 96, 56, 24, 1, 1, 1},
    {"mb 384->96 14", 384, 14, 96, 1, 1, 1},
    {"mb 32->16 112", 32, 112, 16, 1, 1, 1},
    {"mb 576->160 7", 576, 7, 160, 1, 1, 1},
    {"mb 144->32 28", 144, 28, 32, 1, 1, 1},
    {"mb 192->64 14", 192, 14, 64, 1, 1, 1},
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Weights [m][c][khw] in panels of mr channels, kg codes per word (in
 * 16-bit or 8-bit fields): by tap k (byc 0) or by channel group (byc 1,
 * the layouts of qgemm_direct.c). */
static int32_t *
pack(const int8_t *w, int m, int c, int khw, int mr, int kg, int byc)
{
	int np = (m + mr - 1) / mr, k = c * khw;
	int kw = byc ? (c + kg - 1) / kg * khw : (k + kg - 1) / kg;
	int32_t *p = calloc((size_t)np * kw * mr, sizeof *p);

	for (int q = 0; q < np; q++)
		for (int t = 0; t < kw; t++)
			for (int i = 0; i < mr; i++) {
				uint32_t v = 0;

				for (int j = 0; j < kg; j++) {
					int o = q * mr + i;
					int ci = byc ? t / khw * kg + j : 0;
					int kk = byc ? ci * khw + t % khw : kg * t + j;
					uint32_t b = o < m && kk < k && ci < c ?
					        (uint32_t)(int32_t)w[o * k + kk] : 0;

					v |= (b & (kg == 2 ? 0xffffu : 0xffu))
					     << (32 / kg * j);
				}
				p[(q * kw + t) * mr + i] = (int32_t)v;
			}
	return p;
}

/* Winograd F(2x2,3x3) weights (kg 0; the layout of qconv_wino_avx2.c):
 * U = (2G) g (2G)^T in 16-bit halves by channel pair. */
static int32_t *
pack_wino(const int8_t *w, int m, int c)
{
	static const int g2[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1},
	                             {0, 0, 2}};
	int mr = QG_MR, np = (m + mr - 1) / mr, ng = (c + 1) / 2;
	uint32_t *p = calloc((size_t)np * 16 * ng * mr, sizeof *p);

	for (int o = 0; o < m; o++)
		for (int ci = 0; ci < c; ci++)
			for (int a = 0; a < 16; a++) {
				int u = 0;

				for (int r = 0; r < 9; r++)
					u += g2[a / 4][r / 3] * w[(o * c + ci) * 9 + r] *
					     g2[a % 4][r % 3];
				p[((o / mr * 16 + a) * ng + ci / 2) * mr + o % mr] |=
				        (uint32_t)(uint16_t)u << 16 * (ci % 2);
			}
	return (int32_t *)p;
}

typedef void conv_fn(QCC_RT_QG_ARGS);

/* The depthwise layers of mobilenet_v2 (c, h, k, stride, n). */
static const struct shape dw_shapes[] = {
    {"mb dw 32 112", 32, 112, 32, 3, 1, 1},
    {"mb dw/2 96 112", 96, 112, 96, 3, 2, 1},
    {"mb dw 144 56", 144, 56, 144, 3, 1, 1},
    {"mb dw/2 144 56", 144, 56, 144, 3, 2, 1},
    {"mb dw 192 28", 192, 28, 192, 3, 1, 2},
    {"mb dw/2 192 28", 192, 28, 192, 3, 2, 1},
    {"mb dw 384 14", 384, 14, 384, 3, 1, 4},
    {"mb dw 576 14", 576, 14, 576, 3, 1, 2},
    {"mb dw/2 576 14", 576, 14, 576, 3, 2, 1},
    {"mb dw 960 7", 960, 7, 960, 3, 1, 3},
};

typedef void dw_fn(const uint8_t *restrict x, const int8_t *restrict w,
                   const int32_t *restrict bias, uint8_t *restrict y,
                   int32_t nb, int32_t c, int32_t h, int32_t wd, int32_t oh,
                   int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                   int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t ph,
                   int32_t pw, int32_t zx, const int32_t *mult,
                   const int32_t *shift, int32_t nq, int32_t zy, int32_t lo,
                   int32_t hi);

/* Best times of the depthwise kernel(s) on dw_shapes; 1 on a
 * difference. */
static int
bench_dw(int reps, const char *only)
{
	dw_fn *fn[2] = {qcc_rt_conv2d_dw_q8, qcc_rt_conv2d_dw_vnni_q8};
	int nf = __builtin_cpu_supports("avx512vnni") ? 2 : 1, bad = 0;
	double tot[2] = {0, 0};

	printf("%-20s %12s %12s   (GMAC/s, best of %d)\n", "depthwise",
	       "portable", "vnni", reps);
	for (size_t i = 0; i < sizeof dw_shapes / sizeof dw_shapes[0]; i++) {
		const struct shape *s = &dw_shapes[i];
		int oh = (s->h + 2 - 3) / s->s + 1, c = s->c;
		size_t nx = (size_t)c * s->h * s->h, ny = (size_t)c * oh * oh;
		uint8_t *x = malloc(nx), *want = malloc(ny), *got = malloc(ny);
		int8_t *w = malloc((size_t)c * 9);
		int32_t *bias = malloc(sizeof(int32_t) * c);
		int32_t mult[1] = {0x5a000000}, shift[1] = {45};

		if (only && !strstr(s->name, only))
			continue;
		for (size_t j = 0; j < nx; j++)
			x[j] = (uint8_t)rand();
		for (int j = 0; j < c * 9; j++)
			w[j] = (int8_t)(rand() & 0xff);
		for (int j = 0; j < c; j++)
			bias[j] = rand() % 100000 - 50000;
		qcc_rt_conv2d_q8(x, w, bias, want, 1, c, s->h, s->h, c, oh, oh, 3,
		                 3, s->s, s->s, 1, 1, 1, 1, c, 3, mult, shift, 1,
		                 128, 0, 255);
		printf("%-20s", s->name);
		for (int f = 0; f < nf; f++) {
			double best = 1e9;

			for (int r = 0; r < reps; r++) {
				double t0 = now();

				fn[f](x, w, bias, got, 1, c, s->h, s->h, oh, oh, 3, 3,
				      s->s, s->s, 1, 1, 1, 1, s->h + 2, s->h + 2, 3,
				      mult, shift, 1, 128, 0, 255);
				t0 = now() - t0;
				best = t0 < best ? t0 : best;
			}
			if (memcmp(got, want, ny)) {
				printf(" %12s", "DIFF");
				bad = 1;
			} else {
				printf(" %12.1f", (double)ny * 9 / best * 1e-9);
			}
			tot[f] += best * s->n;
		}
		printf("\n");
		free(x), free(want), free(got), free(w), free(bias);
	}
	printf("%-20s %12.3f %12.3f\n", "mobilenet_v2 dw ms", tot[0] * 1e3,
	       tot[1] * 1e3);
	return bad;
}

int
main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 20, bad = 0;
	double tot[2][8] = {{0}};
	const char *only = argc > 2 ? argv[2] : NULL;
	struct {
		const char *name;
		conv_fn *fn;
		int mr, kg, byc, ok;
	} codes[] = {
	    {"portable", qcc_rt_conv2d_qgemm_q8, QG_MR, 2, 0, 1},
	    {"avx2", qcc_rt_conv2d_qgemm_avx2_q8, QG_MR, 2, 0,
	     __builtin_cpu_supports("avx2")},
	    {"avx2 direct", qcc_rt_conv2d_qgemm_cp_avx2_q8, QG_MR, 2, 1,
	     __builtin_cpu_supports("avx2")},
	    {"avx512bw", qcc_rt_conv2d_qgemm_avx512_q8, QG_MR, 2, 0,
	     __builtin_cpu_supports("avx512bw")},
	    {"vnni i2c", qcc_rt_conv2d_qgemm_vnni_i2c_q8, QG_MV, 4, 1,
	     __builtin_cpu_supports("avx512vnni")},
	    {"vnni direct", qcc_rt_conv2d_qgemm_vnni_q8, QG_MV, 4, 1,
	     __builtin_cpu_supports("avx512vnni")},
	    {"avx2 wino", qcc_rt_conv2d_wino_avx2_q8, QG_MR, 0, 0,
	     __builtin_cpu_supports("avx2")},
	};

	printf("%-20s", "layer");
	for (size_t j = 0; j < sizeof codes / sizeof codes[0]; j++)
		printf(" %12s", codes[j].name);
	printf("   (GMAC/s, best of %d)\n", reps);
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const struct shape *s = &shapes[i];
		int pad = s->k / 2, oh = (s->h + 2 * pad - s->k) / s->s + 1;
		int k = s->c * s->k * s->k;
		size_t nx = (size_t)s->c * s->h * s->h, ny = (size_t)s->m * oh * oh;
		uint8_t *x = malloc(nx), *want = malloc(ny), *got = malloc(ny);
		int8_t *w = malloc((size_t)s->m * k);
		int32_t *bias = malloc(sizeof(int32_t) * s->m);
		int32_t mult[1] = {0x5a000000}, shift[1] = {45};
		double macs = (double)ny * k, direct = 0;

		if (only && !strstr(s->name, only))
			continue;
		srand(7);
		for (size_t j = 0; j < nx; j++)
			x[j] = (uint8_t)rand();
		for (int j = 0; j < s->m * k; j++)
			w[j] = (int8_t)(rand() & 0xff);
		for (int j = 0; j < s->m; j++)
			bias[j] = rand() % 100000 - 50000;
		qcc_rt_conv2d_q8(x, w, bias, want, 1, s->c, s->h, s->h, s->m, oh,
		                 oh, s->k, s->k, s->s, s->s, 1, 1, pad, pad, 1, 3,
		                 mult, shift, 1, 128, 0, 255);
		printf("%-20s", s->name);
		for (size_t j = 0; j < sizeof codes / sizeof codes[0]; j++) {
			int32_t *wp;
			double best = 1e9;

			if (!codes[j].ok || (!codes[j].kg &&
			    (s->k != 3 || s->s != 1 || s->c > QCC_RT_WQ_MAXC ||
			     !QCC_RT_WQ_FITS(s->c, oh)))) {
				printf(" %12s", "-");
				/* the model's total: what the lowering runs */
				if (codes[j].ok)
					tot[s->name[0] == 'm'][j] += direct * s->n;
				continue;
			}
			wp = codes[j].kg ? pack(w, s->m, s->c, s->k * s->k,
			                        codes[j].mr, codes[j].kg,
			                        codes[j].byc)
			                 : pack_wino(w, s->m, s->c);
			for (int r = 0; r < reps; r++) {
				double t0 = now();

				codes[j].fn(x, wp, bias, got, 1, s->c, s->h, s->h,
				            s->m, oh, oh, s->k, s->k, s->s, s->s, 1,
				            1, pad, pad, 3, mult, shift, 1, 128, 0,
				            255);
				t0 = now() - t0;
				best = t0 < best ? t0 : best;
			}
			if (memcmp(got, want, ny)) {
				printf(" %12s", "DIFF");
				bad = 1;
			} else {
				printf(" %12.1f", macs / best * 1e-9);
			}
			tot[s->name[0] == 'm'][j] += best * s->n;
			if (codes[j].fn == qcc_rt_conv2d_qgemm_cp_avx2_q8)
				direct = best;
			free(wp);
		}
		printf("\n");
		free(x);
		free(want);
		free(got);
		free(w);
		free(bias);
	}
	bad |= bench_dw(reps, only);
	for (int md = 0; md < 2; md++) {
		printf("%-20s", md ? "mobilenet_v2 ms" : "resnet18 ms");
		for (size_t j = 0; j < sizeof codes / sizeof codes[0]; j++)
			printf(" %12.3f", tot[md][j] * 1e3);
		printf("\n");
	}
	return bad;
}
