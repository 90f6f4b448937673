/* test_qimport.c -- the integer kernels that imported (already-quantized)
 * models run are exact: u8 activations times full-range s8 weights
 * (-128..127), or i16 weights w - z_w in [-255, 255], accumulate in int32
 * with no 16-bit intermediate, checked against a 64-bit reference
 * computed here, including the worst cases (every activation 255 times
 * every weight -128 or 127) over reductions long enough to reach the
 * int32 bound.  A kernel that saturated pairs of products to 16 bits (as
 * vpmaddubsw does) would be off by millions in the accumulator.
 */
#include <stdint.h>

#include "rt_test.h"

static uint32_t seed = 12345;

static int32_t
rnd(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(tg_rand(&seed) % (uint32_t)(hi - lo + 1));
}

/* The rescale rule of ir/quant.c, restated in 64 bits. */
static int32_t
rule(int64_t acc, int32_t mult, int32_t shift, int32_t zy)
{
	int64_t r = (acc * mult + ((int64_t)1 << (shift - 1))) >> shift;

	r += zy;
	return r < 0 ? 0 : r > 255 ? 255 : (int32_t)r;
}

/* Activation row kind r over k entries: 0 all 255, 1 all 0, else random. */
static void
fill_act(uint8_t *a, int64_t k, int r)
{
	for (int64_t p = 0; p < k; p++)
		a[p] = (uint8_t)(r == 0 ? 255 : r == 1 ? 0 : rnd(0, 255));
}

/* Weight column kind c: 0 all lo, 1 all hi, 2 alternating, else random. */
static int32_t
weight(int c, int64_t p, int32_t lo, int32_t hi)
{
	switch (c) {
	case 0:
		return lo;
	case 1:
		return hi;
	case 2:
		return p % 2 ? hi : lo;
	default:
		return rnd(lo, hi);
	}
}

Test(qimport, gemm_q8_is_exact_for_u8_times_full_range_s8_up_to_the_int32_bound)
{
	/* 255 * 128 * 65536 = 2139095040 < 2^31 */
	enum { M = 4, N = 4, K = 65536 };
	uint8_t *a = malloc((size_t)M * K), y[M * N];
	int8_t *b = malloc((size_t)K * N);
	int32_t mult = 1 << 30, shift = 54, zy = 128;   /* 2^-24 */

	cr_assert(a && b);
	for (int i = 0; i < M; i++)
		fill_act(a + (int64_t)i * K, K, i == 3 ? 0 : i);
	for (int64_t p = 0; p < K; p++)
		for (int j = 0; j < N; j++)
			b[p * N + j] = (int8_t)weight(j, p, -128, 127);
	qcc_rt_gemm_q8(a, b, NULL, y, M, N, K, 0, &mult, &shift, 1, zy, 0, 255);
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			int64_t acc = 0;
			for (int64_t p = 0; p < K; p++)
				acc += (int64_t)a[(int64_t)i * K + p] * b[p * N + j];
			cr_assert_eq(y[i * N + j], rule(acc, mult, shift, zy),
			             "y[%d,%d] = %d, the 64-bit reference %d (acc "
			             "%lld)", i, j, y[i * N + j],
			             rule(acc, mult, shift, zy), (long long)acc);
		}
	cr_assert_eq(y[0], rule(-255LL * 128 * K, mult, shift, zy));
}

Test(qimport, conv2d_q8_is_exact_for_u8_times_full_range_s8_over_a_long_window)
{
	/* one output pixel per channel from 1024 x 3 x 3 taps */
	enum { C = 1024, HW = 3, M = 4, T = C * HW * HW };
	uint8_t *x = malloc(T), y[2 * M];
	int8_t *w = malloc((size_t)M * T);
	int32_t mult[M], shift[M], zy = 100;

	cr_assert(x && w);
	for (int m = 0; m < M; m++) {
		mult[m] = 1 << 30;
		shift[m] = 53 + m;       /* 2^-22 .. 2^-25 */
		for (int64_t p = 0; p < T; p++)
			w[(int64_t)m * T + p] = (int8_t)weight(m, p, -128, 127);
	}
	for (int r = 0; r < 2; r++) {
		fill_act(x, T, r == 0 ? 0 : 2);
		qcc_rt_conv2d_q8(x, w, NULL, y + r * M, 1, C, HW, HW, M, 1, 1, HW,
		                 HW, 1, 1, 1, 1, 0, 0, 1, 0, mult, shift, M, zy, 0,
		                 255);
		for (int m = 0; m < M; m++) {
			int64_t acc = 0;
			for (int64_t p = 0; p < T; p++)
				acc += (int64_t)x[p] * w[(int64_t)m * T + p];
			cr_assert_eq(y[r * M + m], rule(acc, mult[m], shift[m], zy),
			             "input %d channel %d: %d, the 64-bit reference "
			             "%d", r, m, y[r * M + m],
			             rule(acc, mult[m], shift[m], zy));
		}
	}
}

Test(qimport, matmul_q16_i32_gives_the_exact_accumulators_of_u8_weights_with_a_zero_point)
{
	/* (a - za) * (w - zw) with za = 0 and w - zw = -255: 255 * 255 *
	 * 33000 = 2145825000 < 2^31 */
	enum { NB = 2, M = 4, N = 4, K = 33000 };
	uint8_t *a = malloc((size_t)NB * M * K);
	int16_t *b = malloc((size_t)NB * K * N * sizeof(int16_t));
	int32_t *y = malloc((size_t)NB * M * N * sizeof(int32_t));

	cr_assert(a && b && y);
	for (int bi = 0; bi < NB; bi++) {
		for (int i = 0; i < M; i++)
			fill_act(a + ((int64_t)bi * M + i) * K, K, i == 3 ? 2 : i);
		for (int64_t p = 0; p < K; p++)
			for (int j = 0; j < N; j++)
				b[((int64_t)bi * K + p) * N + j] =
				        (int16_t)weight(j, p, -255, 255);
	}
	for (int za = 0; za < 256; za += 255) {
		qcc_rt_matmul_q16_i32(a, b, y, NB, M, N, K, M * K, K * N, za);
		for (int bi = 0; bi < NB; bi++)
		for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			int64_t acc = 0;
			for (int64_t p = 0; p < K; p++)
				acc += ((int64_t)a[((int64_t)bi * M + i) * K + p] -
				        za) * b[((int64_t)bi * K + p) * N + j];
			cr_assert_eq(y[(bi * M + i) * N + j], acc,
			             "za %d y[%d,%d,%d] = %d, the 64-bit "
			             "reference %lld", za, bi, i, j,
			             y[(bi * M + i) * N + j], (long long)acc);
		}
	}
	cr_assert_eq(y[N], 255LL * 255 * K);   /* za 255, row 1: (0-255)*(-255) */
}

Test(qimport, conv2d_q16_matches_the_64_bit_reference_with_padding_and_groups)
{
	enum { C = 6, H = 5, W = 7, M = 4, G = 2, KH = 3, KW = 3 };
	enum { CG = C / G, OH = 5, OW = 4 };   /* pad 1, stride 1x2 */
	uint8_t x[C * H * W], y[M * OH * OW];
	int16_t w[M * CG * KH * KW];
	int32_t yi[M * OH * OW], bias[M], mult[M], shift[M];
	int32_t zx = 37, zy = 90;

	for (int i = 0; i < C * H * W; i++)
		x[i] = (uint8_t)(i % 5 == 0 ? 255 : rnd(0, 255));
	for (int i = 0; i < M * CG * KH * KW; i++)
		w[i] = (int16_t)(i % 7 == 0 ? -255 : rnd(-255, 255));
	for (int m = 0; m < M; m++) {
		bias[m] = rnd(-100000, 100000);
		mult[m] = rnd(1 << 30, INT32_MAX);
		shift[m] = 47 + m;
	}
	qcc_rt_conv2d_q16(x, w, bias, y, 1, C, H, W, M, OH, OW, KH, KW, 1, 2,
	                  1, 1, 1, 1, G, zx, mult, shift, M, zy, 0, 255);
	qcc_rt_conv2d_q16_i32(x, w, bias, yi, 1, C, H, W, M, OH, OW, KH, KW, 1,
	                      2, 1, 1, 1, 1, G, zx);
	for (int m = 0; m < M; m++)
	for (int oy = 0; oy < OH; oy++)
	for (int ox = 0; ox < OW; ox++) {
		int64_t acc = bias[m];
		int k = (m * OH + oy) * OW + ox;
		for (int c = 0; c < CG; c++)
		for (int ky = 0; ky < KH; ky++)
		for (int kx = 0; kx < KW; kx++) {
			int iy = oy - 1 + ky, ix = ox * 2 - 1 + kx;
			int32_t xv = iy >= 0 && iy < H && ix >= 0 && ix < W
			                     ? x[((m / 2 * CG + c) * H + iy) * W + ix]
			                     : zx;
			acc += (int64_t)xv * w[((m * CG + c) * KH + ky) * KW + kx];
		}
		cr_assert_eq(yi[k], acc, "acc[%d,%d,%d] = %d, reference %lld", m,
		             oy, ox, yi[k], (long long)acc);
		cr_assert_eq(y[k], rule(acc, mult[m], shift[m], zy));
	}
}
