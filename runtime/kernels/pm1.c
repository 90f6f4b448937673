/* pm1.c -- the {-1,+1} bit-plane kernels (-quantize=pm1; the math is in
 * passes/decompose_pm1.h).  Planes are 32-bit words, bit b of word k
 * standing for channel 32k + b (1 for +1), rows padded with 0 bits.
 *
 * The popcount is plain C: the SWAR steps below, which LLVM recognises as
 * llvm.ctpop and, in the word loops, vectorizes to the target's own
 * instructions (AArch64 cnt plus pairwise adds, RVV vcpop.v with Zvbb,
 * x86 popcnt or the AVX2 nibble look-up); gcc compiles the same source for
 * the C backend.  A run of taps that lies inside the image is one
 * contiguous stretch of words in both operands (activation planes are
 * [n][plane][h][w][words], weights [o][plane][kh][kw][words]), so the
 * inner loop is as long as the row of the window allows.  Planes travel
 * as int32_t (the backends' typed constant arrays) and are read as
 * uint32_t, its unsigned variant, which C's aliasing rules allow.
 */
#include "../qcc_rt.h"

QCC_RT_INLINE int32_t
pm1_pop32(uint32_t v)
{
	v = v - ((v >> 1) & 0x55555555u);
	v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
	v = (v + (v >> 4)) & 0x0f0f0f0fu;
	return (int32_t)((v * 0x01010101u) >> 24);
}

/* sum of popcount(a[k] ^ b[k]), k < n */
QCC_RT_INLINE int32_t
pm1_xor_count(const uint32_t *restrict a, const uint32_t *restrict b,
              int32_t n)
{
	int32_t s = 0, k;

	for (k = 0; k < n; k++)
		s += pm1_pop32(a[k] ^ b[k]);
	return s;
}

QCC_RT_API void
qcc_rt_bitplane_pm1(const uint8_t *restrict x, int32_t *restrict ys,
                    int32_t nb, int32_t c, int32_t hw, int32_t planes,
                    int32_t words)
{
	uint32_t *y = (uint32_t *)ys;
	int32_t n, i, ch, p, k;
	ptrdiff_t total = (ptrdiff_t)nb * planes * hw * words;

	for (k = 0; k < total; k++)
		y[k] = 0;
	for (n = 0; n < nb; n++)
		for (i = 0; i < planes; i++)
			for (ch = 0; ch < c; ch++) {
				const uint8_t *xr = x + ((ptrdiff_t)n * c + ch) * hw;
				uint32_t *yr = y + ((ptrdiff_t)n * planes + i) * hw *
				               words + ch / 32;
				uint32_t sh = (uint32_t)(ch % 32);
				for (p = 0; p < hw; p++)
					yr[(ptrdiff_t)p * words] |=
						(uint32_t)((xr[p] >> i) & 1) << sh;
			}
}

/* Differing bits of plane row xr (image row iy, NULL when outside) against
 * weight row wr over the kw taps of one window row. */
QCC_RT_INLINE int32_t
pm1_row(const uint32_t *xr, const uint32_t *restrict wr,
        const uint32_t *restrict zp, int32_t ox0, int32_t wd, int32_t kw,
        int32_t dw, int32_t words)
{
	int32_t s = 0, kx, ix;

	if (xr && dw == 1 && ox0 >= 0 && ox0 + kw <= wd)
		return pm1_xor_count(xr + (ptrdiff_t)ox0 * words, wr, kw * words);
	for (kx = 0; kx < kw; kx++) {
		ix = ox0 + kx * dw;
		s += pm1_xor_count(xr && ix >= 0 && ix < wd
		                           ? xr + (ptrdiff_t)ix * words : zp,
		                   wr + (ptrdiff_t)kx * words, words);
	}
	return s;
}

/* The accumulator of output (n, f, oy, ox): bias[f] - sum_ij 2^(i+j)
 * (differing bits of activation plane i and weight plane j). */
QCC_RT_INLINE int32_t
pm1_acc(const uint32_t *x, const uint32_t *w, const uint32_t *zpl,
        int32_t bias, int32_t n, int32_t f, int32_t oy, int32_t ox,
        int32_t planes, int32_t h, int32_t wd, int32_t wplanes, int32_t kh,
        int32_t kw, int32_t words, int32_t sh, int32_t sw, int32_t dh,
        int32_t dw, int32_t pt, int32_t pl)
{
	ptrdiff_t plane = (ptrdiff_t)h * wd * words;
	ptrdiff_t wtap = (ptrdiff_t)kh * kw * words;
	int32_t acc = bias, i, j, ky;

	for (j = 0; j < wplanes; j++)
	for (i = 0; i < planes; i++) {
		const uint32_t *xp = x + ((ptrdiff_t)n * planes + i) * plane;
		const uint32_t *wp = w + ((ptrdiff_t)f * wplanes + j) * wtap;
		int32_t diff = 0;
		for (ky = 0; ky < kh; ky++) {
			int32_t iy = oy * sh - pt + ky * dh;
			diff += pm1_row(iy >= 0 && iy < h
			                        ? xp + (ptrdiff_t)iy * wd * words
			                        : 0,
			                wp + (ptrdiff_t)ky * kw * words,
			                zpl + (ptrdiff_t)i * words,
			                ox * sw - pl, wd, kw, dw, words);
		}
		acc -= diff << (i + j);
	}
	return acc;
}

QCC_RT_API void
qcc_rt_conv2d_pm1(const int32_t *restrict xs, const int32_t *restrict ws,
                  const int32_t *restrict bias, const int32_t *restrict zs,
                  uint8_t *restrict y, int32_t nb, int32_t planes,
                  int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
                  int32_t wplanes, int32_t kh, int32_t kw, int32_t words,
                  int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt,
                  int32_t pl, const int32_t *mult, const int32_t *shift,
                  int32_t nq, int32_t zy, int32_t lo, int32_t hi)
{
	const uint32_t *x = (const uint32_t *)xs, *w = (const uint32_t *)ws;
	const uint32_t *zpl = (const uint32_t *)zs;
	int32_t n, f, oy, ox;

	for (n = 0; n < nb; n++)
	for (f = 0; f < m; f++)
	for (oy = 0; oy < oh; oy++)
	for (ox = 0; ox < ow; ox++) {
		int32_t q = nq > 1 ? f : 0;
		int64_t r = pm1_acc(x, w, zpl, bias[f], n, f, oy, ox, planes, h,
		                    wd, wplanes, kh, kw, words, sh, sw, dh, dw,
		                    pt, pl);
		r = (r * mult[q] + ((int64_t)1 << (shift[q] - 1))) >> shift[q];
		r += zy;
		*y++ = (uint8_t)(r < lo ? lo : r > hi ? hi : r);
	}
}

/* The same accumulators as floats, unscaled (1-bit models imported as they
 * are, passes/match_pm1.c: a ScaleShift applies the weights' scale and the
 * float bias). */
QCC_RT_API void
qcc_rt_conv2d_pm1_f32(const int32_t *restrict xs, const int32_t *restrict ws,
                      const int32_t *restrict bias,
                      const int32_t *restrict zs, float *restrict y,
                      int32_t nb, int32_t planes, int32_t h, int32_t wd,
                      int32_t m, int32_t oh, int32_t ow, int32_t wplanes,
                      int32_t kh, int32_t kw, int32_t words, int32_t sh,
                      int32_t sw, int32_t dh, int32_t dw, int32_t pt,
                      int32_t pl)
{
	const uint32_t *x = (const uint32_t *)xs, *w = (const uint32_t *)ws;
	const uint32_t *zpl = (const uint32_t *)zs;
	int32_t n, f, oy, ox;

	for (n = 0; n < nb; n++)
	for (f = 0; f < m; f++)
	for (oy = 0; oy < oh; oy++)
	for (ox = 0; ox < ow; ox++)
		*y++ = (float)pm1_acc(x, w, zpl, bias[f], n, f, oy, ox, planes,
		                      h, wd, wplanes, kh, kw, words, sh, sw, dh,
		                      dw, pt, pl);
}
