/* wbench.c -- time the Winograd F(2x2, 3x3) convolution against the direct
 * channel kernel on 3x3 stride-1 layer shapes (resnet18's and smaller
 * ones, to place select-conv's threshold), and measure its error (not a
 * test: timings vary).
 *
 *     clang-19 -O3 -march=native -I runtime tests/bench/wbench.c -o wb -lm
 *     ./wb [REPS [ROWS]]
 *
 * Each kernel file is included with QCC_RT_API static, as the C backend
 * does.  For every shape: the best of REPS (default 20) times of
 * qcc_rt_conv2d_packed16_f32 (qcc_rt_conv2d_packed_f32 without AVX-512)
 * and of qcc_rt_conv2d_wino2_f32 with blocks of ROWS tile rows (default:
 * as select-conv sizes them when memory is no constraint), in us and in
 * GMAC/s of the direct convolution's 9 MACs per output, the speedup, and
 * the largest |winograd - exact| and |direct - exact| relative to max
 * |exact| (exact: the sums in double); on planes of at most 8x8 also
 * qcc_rt_conv2d_wino4_f32 (F(4x4, 3x3), runtime/kernels/conv_wino4.c). */
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
#include "../../runtime/kernels/conv_packed.c"
#include "../../runtime/kernels/conv_winograd.c"
#include "../../runtime/kernels/conv_wino4.c"
#include "fbench.h"

#ifdef __AVX512F__
enum { WIDE = 1 };
#else
enum { WIDE = 0 };
#endif

struct shape {
	const char *name;
	int c, h, m, res;
};

static const struct shape shapes[] = {
    {"r18 l1 3x3 64", 64, 56, 64, 0},
    {"r18 l1 3x3 64 +res", 64, 56, 64, 1},
    {"r18 l2 3x3 128", 128, 28, 128, 0},
    {"r18 l3 3x3 256", 256, 14, 256, 0},
    {"r18 l4 3x3 512", 512, 7, 512, 0},
    {"r18 l4 3x3 512 +res", 512, 7, 512, 1},
    {"fmnist 3x3 64 7", 64, 7, 64, 0},
    {"3x3 32 112", 32, 112, 32, 0},
    {"3x3 16 56", 16, 56, 16, 0},
    {"3x3 8 28", 8, 28, 8, 0},
    {"3x3 3->64 224", 3, 224, 64, 0},
};

/* U = G g G^T packed in panels of nr, for F(2x2) (n 4) or F(4x4) (n 6) */
static float *
pack_wino(const float *w, int m, int c, int nr, int n)
{
	static const double G2[4][3] = {
		{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1},
	};
	static const double G4[6][3] = {
		{0.25, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0},
		{-1 / 6.0, 1 / 6.0, -1 / 6.0}, {1 / 24.0, 1 / 12.0, 1 / 6.0},
		{1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1},
	};
	const double (*G)[3] = n == 4 ? G2 : G4;
	int npan = (m + nr - 1) / nr, nx = n * n;
	float *u = calloc((size_t)npan * nx * c * nr, sizeof *u);

	for (int mo = 0; mo < m; mo++)
		for (int ci = 0; ci < c; ci++) {
			const float *g = w + ((size_t)mo * c + ci) * 9;
			double t[6][3];

			for (int i = 0; i < n; i++)
				for (int s = 0; s < 3; s++)
					t[i][s] = G[i][0] * g[s] + G[i][1] * g[3 + s] +
					          G[i][2] * g[6 + s];
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++)
					u[(((size_t)(mo / nr) * nx + n * i + j) * c + ci) * nr +
					  mo % nr] = (float)(t[i][0] * G[j][0] +
					                     t[i][1] * G[j][1] +
					                     t[i][2] * G[j][2]);
		}
	return u;
}

static void
exact_conv(const struct shape *s, const float *x, const float *w,
           const float *b, const float *res, double *y)
{
	int h = s->h;

	for (int mo = 0; mo < s->m; mo++)
		for (int oy = 0; oy < h; oy++)
			for (int ox = 0; ox < h; ox++) {
				double acc = b[mo];

				for (int c = 0; c < s->c; c++)
					for (int r = 0; r < 3; r++)
						for (int q = 0; q < 3; q++) {
							int iy = oy - 1 + r, ix = ox - 1 + q;

							if (iy < 0 || iy >= h || ix < 0 || ix >= h)
								continue;
							acc += (double)w[((mo * s->c + c) * 3 + r) * 3 + q] *
							       x[((size_t)c * h + iy) * h + ix];
						}
				if (res)
					acc += res[((size_t)mo * h + oy) * h + ox];
				y[((size_t)mo * h + oy) * h + ox] = acc;
			}
}

static double
relerr(const float *y, const double *e, size_t n)
{
	double big = 0, d = 0;

	for (size_t i = 0; i < n; i++) {
		big = fabs(e[i]) > big ? fabs(e[i]) : big;
		d = fabs(y[i] - e[i]) > d ? fabs(y[i] - e[i]) : d;
	}
	return d / big;
}

/* select_conv.c's block without a memory constraint: the image in the
 * fewest blocks of equal tile rows whose workspace is at most 1 MB. */
static int
default_rows(const struct shape *s)
{
	int tw = (s->h + 1) / 2, th = tw, rows = 1;

	for (int nblk = 1; nblk <= th; nblk++) {
		rows = (th + nblk - 1) / nblk;
		if (QCC_RT_WINO2_WS(4L * s->c, tw, rows) <= 1L << 20)
			break;
	}
	return rows;
}

/* F(4x4, 3x3) on planes of at most 8x8 (select-conv's rule): best of
 * reps, speedup against the direct time td, error against e. */
static void
time_wino4(const struct shape *s, const float *x, const float *w,
           const float *b, const float *res, const double *e, int reps,
           double td)
{
	int nr = WIDE ? 64 : 16;
	size_t ny = (size_t)s->m * s->h * s->h;
	float *u = pack_wino(w, s->m, s->c, nr, 6);
	float *ws = malloc(QCC_RT_WINO4_WS((size_t)s->c, s->h, s->h) * 4);
	float *y = malloc(ny * 4);
	double best = 1e30, macs = (double)ny * s->c * 9;

	for (int t = 0; t < reps; t++) {
		double t0 = now_ns();

		qcc_rt_conv2d_wino4_f32(x, u, b, res, y, ws, 1, s->c, s->h, s->h,
		                        s->m, s->h, s->h, 1, 1, nr, QCC_ACT_NONE, 0,
		                        0);
		t0 = now_ns() - t0;
		best = t0 < best ? t0 : best;
	}
	printf("%-20s F(4x4, 3x3)           wino4 %8.1f us %6.1f GMAC/s  x%.2f  "
	       "err wino4 %.2g\n",
	       s->name, best / 1e3, macs / best, td / best, relerr(y, e, ny));
	free(u), free(ws), free(y);
}

int
main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 20;
	int frows = argc > 2 ? atoi(argv[2]) : 0;
	int nr = WIDE ? 32 : 16, pw = WIDE ? 16 : 8;

	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
		const struct shape *s = &shapes[k];
		size_t nx = (size_t)s->c * s->h * s->h, ny = (size_t)s->m * s->h * s->h;
		int rows = frows > 0 ? frows : default_rows(s);
		int tw = (s->h + 1) / 2;
		float *x = randf(nx, 1), *w = randf((size_t)s->m * s->c * 9, 2);
		float *b = randf(s->m, 3), *res = s->res ? randf(ny, 4) : NULL;
		float *wp = pack(w, s->m, s->c * 9, pw);
		float *u = pack_wino(w, s->m, s->c, nr, 4);
		float *ws = malloc(QCC_RT_WINO2_WS((size_t)s->c, tw, rows) * 4);
		float *yd = malloc(ny * 4), *yw = malloc(ny * 4);
		double *e = malloc(ny * sizeof *e), td = 1e30, tw2 = 1e30;
		double macs = (double)ny * s->c * 9;

		for (int t = 0; t < reps; t++) {
			double t0 = now_ns();

			if (WIDE)
				qcc_rt_conv2d_packed16_f32(x, wp, b, res, yd, 1, s->c, s->h,
				                           s->h, s->m, s->h, s->h, 3, 3, 1,
				                           1, 1, 1, 1, 1, QCC_ACT_NONE, 0, 0);
			else
				qcc_rt_conv2d_packed_f32(x, wp, b, res, yd, 1, s->c, s->h,
				                         s->h, s->m, s->h, s->h, 3, 3, 1, 1,
				                         1, 1, 1, 1, QCC_ACT_NONE, 0, 0);
			t0 = now_ns() - t0;
			td = t0 < td ? t0 : td;
			t0 = now_ns();
			qcc_rt_conv2d_wino2_f32(x, u, b, res, yw, ws, 1, s->c, s->h,
			                        s->h, s->m, s->h, s->h, 1, 1, rows, nr,
			                        QCC_ACT_NONE, 0, 0);
			t0 = now_ns() - t0;
			tw2 = t0 < tw2 ? t0 : tw2;
		}
		exact_conv(s, x, w, b, res, e);
		printf("%-20s rows %2d  direct %8.1f us %6.1f  wino %8.1f us %6.1f "
		       "GMAC/s  x%.2f  err wino %.2g direct %.2g\n",
		       s->name, rows, td / 1e3, macs / td, tw2 / 1e3, macs / tw2,
		       td / tw2, relerr(yw, e, ny), relerr(yd, e, ny));
		if (s->h <= 8)
			time_wino4(s, x, w, b, res, e, reps, td);
		free(x), free(w), free(b), free(res), free(wp), free(u), free(ws);
		free(yd), free(yw), free(e);
	}
	return 0;
}
