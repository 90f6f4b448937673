/* qnn.c -- integer conv, gemm and pooling on u8 codes (see qcc_rt.h and
 * qelt.c for the rescale rule).  Accumulators are int32: with |w| <= 127
 * and codes <= 255 a sum of up to 2^16 products cannot overflow.
 *
 * Conv reads zx for a tap in the padding, so the folded bias (which holds
 * -zx * sum w over the whole kernel) is exact at the borders too.  The
 * loops run output channel by output channel, the kernel taps outside,
 * the output row inside, so the innermost loop is a contiguous
 * multiply-accumulate the compiler vectorizes when the stride is 1.
 */
#include "../qcc_rt.h"

enum { QNN_TILE = 256 };

/* acc[0..n) += w * (the codes of row at ox*sw + off for output columns
 * ox0..ox0+n, zx where that is outside [0, wd)). */
QCC_RT_INLINE void
qnn_tap(int32_t *acc, const uint8_t *row, int32_t wv, int32_t zx,
        int32_t ox0, int32_t n, int32_t sw, int32_t off, int32_t wd)
{
	int32_t lo, hi, i;

	/* columns ox with 0 <= ox*sw + off < wd */
	lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
	hi = wd - off <= 0 ? 0 : (wd - off + sw - 1) / sw;
	lo -= ox0;
	hi -= ox0;
	lo = lo < 0 ? 0 : lo > n ? n : lo;
	hi = hi < lo ? lo : hi > n ? n : hi;
	for (i = 0; i < lo; i++)
		acc[i] += zx * wv;
	if (row) {
		for (i = lo; i < hi; i++)
			acc[i] += (int32_t)row[(ptrdiff_t)(ox0 + i) * sw + off] *
			          wv;
	} else {
		for (i = lo; i < hi; i++)
			acc[i] += zx * wv;
	}
	for (i = hi; i < n; i++)
		acc[i] += zx * wv;
}

QCC_RT_API void
qcc_rt_conv2d_q8(const uint8_t *restrict x, const int8_t *restrict w,
                 const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
                 int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh,
                 int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                 int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                 int32_t zx, const int32_t *mult, const int32_t *shift,
                 int32_t nq, int32_t zy, int32_t lo, int32_t hi)
{
	int32_t cg = c / group, mg = m / group;
	int32_t n, o, oy, ox0, ci, ky, kx, i;
	int32_t acc[QNN_TILE];

	for (n = 0; n < nb; n++)
	for (o = 0; o < m; o++) {
		const uint8_t *xg = x + ((ptrdiff_t)n * c + (ptrdiff_t)(o / mg) *
		                         cg) * h * wd;
		const int8_t *wo = w + (ptrdiff_t)o * cg * kh * kw;
		uint8_t *yo = y + ((ptrdiff_t)n * m + o) * oh * ow;
		int32_t q = nq > 1 ? o : 0, b = bias ? bias[o] : 0;

		for (oy = 0; oy < oh; oy++)
		for (ox0 = 0; ox0 < ow; ox0 += QNN_TILE) {
			int32_t cnt = ow - ox0 < QNN_TILE ? ow - ox0 : QNN_TILE;

			for (i = 0; i < cnt; i++)
				acc[i] = b;
			for (ci = 0; ci < cg; ci++)
			for (ky = 0; ky < kh; ky++) {
				int32_t iy = oy * sh - pt + ky * dh;
				const uint8_t *row = iy >= 0 && iy < h
				        ? xg + ((ptrdiff_t)ci * h + iy) * wd
				        : 0;
				for (kx = 0; kx < kw; kx++)
					qnn_tap(acc, row,
					        wo[(ci * kh + ky) * kw + kx], zx,
					        ox0, cnt, sw, kx * dw - pl, wd);
			}
			for (i = 0; i < cnt; i++)
				yo[oy * ow + ox0 + i] = (uint8_t)qcc_rt_requant1_q8(
				        acc[i], mult[q], shift[q], zy, lo, hi);
		}
	}
}

QCC_RT_API void
qcc_rt_gemm_q8(const uint8_t *restrict a, const int8_t *restrict b,
               const int32_t *restrict bias, uint8_t *restrict y, int32_t m,
               int32_t n, int32_t k, int32_t trans_b, const int32_t *mult,
               const int32_t *shift, int32_t nq, int32_t zy, int32_t lo,
               int32_t hi)
{
	int32_t i, j, p;

	for (i = 0; i < m; i++) {
		const uint8_t *ar = a + (ptrdiff_t)i * k;

		/* four columns at a time: four independent sums per step */
		for (j = 0; trans_b && j + 4 <= n; j += 4) {
			const int8_t *b0 = b + (ptrdiff_t)j * k, *b1 = b0 + k;
			const int8_t *b2 = b1 + k, *b3 = b2 + k;
			int32_t s0 = bias ? bias[j] : 0, s1 = bias ? bias[j + 1] : 0;
			int32_t s2 = bias ? bias[j + 2] : 0;
			int32_t s3 = bias ? bias[j + 3] : 0, t, q;

			for (p = 0; p < k; p++) {
				int32_t av = ar[p];

				s0 += av * b0[p];
				s1 += av * b1[p];
				s2 += av * b2[p];
				s3 += av * b3[p];
			}
			for (t = 0; t < 4; t++) {
				q = nq > 1 ? j + t : 0;
				y[(ptrdiff_t)i * n + j + t] = (uint8_t)qcc_rt_requant1_q8(
				        t == 0 ? s0 : t == 1 ? s1 : t == 2 ? s2 : s3,
				        mult[q], shift[q], zy, lo, hi);
			}
		}
		for (; j < n; j++) {
			int32_t acc = bias ? bias[j] : 0, q = nq > 1 ? j : 0;
			if (trans_b) {
				const int8_t *br = b + (ptrdiff_t)j * k;
				for (p = 0; p < k; p++)
					acc += (int32_t)ar[p] * br[p];
			} else {
				for (p = 0; p < k; p++)
					acc += (int32_t)ar[p] * b[(ptrdiff_t)p * n + j];
			}
			y[(ptrdiff_t)i * n + j] = (uint8_t)qcc_rt_requant1_q8(
			        acc, mult[q], shift[q], zy, lo, hi);
		}
	}
}

/* The 2x2 stride-2 max pool with every window inside the plane (the usual
 * one): the four taps of each output, no bounds to clip.  The maximum of
 * codes does not depend on the order, so this gives the general loop's
 * values (fmnist's 64-channel 14x14 plane: the general loop was 9% of the
 * INT8 network's time). */
static void
qnn_max22(const uint8_t *restrict x, uint8_t *restrict y, int32_t nc,
          int32_t h, int32_t w, int32_t oh, int32_t ow)
{
	int32_t p, oy, ox;

	for (p = 0; p < nc; p++)
		for (oy = 0; oy < oh; oy++) {
			const uint8_t *r0 = x + ((ptrdiff_t)p * h + 2 * oy) * w;
			const uint8_t *r1 = r0 + w;
			uint8_t *yr = y + ((ptrdiff_t)p * oh + oy) * ow;

			for (ox = 0; ox < ow; ox++) {
				uint8_t a = r0[2 * ox], b = r0[2 * ox + 1];
				uint8_t c = r1[2 * ox], d = r1[2 * ox + 1];

				a = b > a ? b : a;
				c = d > c ? d : c;
				yr[ox] = c > a ? c : a;
			}
		}
}

/* Max pooling row by row: each window tap inside the image updates the
 * running maxima of a tile of output columns (a loop over columns that
 * vectorizes); taps in the padding are left out, and a window with no tap
 * inside gives 0, as the plain definition with the maximum started at 0
 * (codes are unsigned). */
QCC_RT_API void
qcc_rt_maxpool2d_q8(const uint8_t *restrict x, uint8_t *restrict y,
                    int32_t nc, int32_t h, int32_t w, int32_t oh, int32_t ow,
                    int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                    int32_t dw, int32_t pt, int32_t pl)
{
	uint8_t mx[QNN_TILE];
	int32_t p, oy, ox0, ky, kx, i;

	if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1 &&
	    pt == 0 && pl == 0 && 2 * oh <= h && 2 * ow <= w) {
		qnn_max22(x, y, nc, h, w, oh, ow);
		return;
	}
	for (p = 0; p < nc; p++) {
		const uint8_t *xp = x + (ptrdiff_t)p * h * w;

		for (oy = 0; oy < oh; oy++)
		for (ox0 = 0; ox0 < ow; ox0 += QNN_TILE) {
			int32_t n = ow - ox0 < QNN_TILE ? ow - ox0 : QNN_TILE;

			for (i = 0; i < n; i++)
				mx[i] = 0;
			for (ky = 0; ky < kh; ky++) {
				int32_t iy = oy * sh - pt + ky * dh;

				if (iy < 0 || iy >= h)
					continue;
				for (kx = 0; kx < kw; kx++) {
					int32_t off = kx * dw - pl, lo, hi;
					const uint8_t *row = xp + (ptrdiff_t)iy * w +
					                     off;

					/* columns ox with 0 <= ox*sw + off < w */
					lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
					hi = w - off <= 0 ? 0 : (w - off + sw - 1) / sw;
					lo = lo - ox0 < 0 ? 0 : lo - ox0 > n ? n
					                                     : lo - ox0;
					hi = hi - ox0 < lo ? lo : hi - ox0 > n ? n
					                                       : hi - ox0;
					if (sw == 1)
						for (i = lo; i < hi; i++) {
							uint8_t v = row[ox0 + i];

							mx[i] = v > mx[i] ? v : mx[i];
						}
					else
						for (i = lo; i < hi; i++) {
							uint8_t v = row[(ptrdiff_t)(ox0 + i) *
							                sw];

							mx[i] = v > mx[i] ? v : mx[i];
						}
				}
			}
			for (i = 0; i < n; i++)
				y[(ptrdiff_t)oy * ow + ox0 + i] = mx[i];
		}
		y += (ptrdiff_t)oh * ow;
	}
}

QCC_RT_API void
qcc_rt_avgpool2d_q8(const uint8_t *restrict x, uint8_t *restrict y,
                    int32_t nc, int32_t h, int32_t w, int32_t oh, int32_t ow,
                    int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                    int32_t dw, int32_t pt, int32_t pl, int32_t pb, int32_t pr,
                    int32_t count_include_pad, int32_t zx)
{
	int32_t p, oy, ox, ky, kx;

	for (p = 0; p < nc; p++) {
		const uint8_t *xp = x + (ptrdiff_t)p * h * w;
		for (oy = 0; oy < oh; oy++)
			for (ox = 0; ox < ow; ox++) {
				int32_t sum = 0, cnt = 0, npad = 0;
				for (ky = 0; ky < kh; ky++) {
					int32_t iy = oy * sh - pt + ky * dh;
					for (kx = 0; kx < kw; kx++) {
						int32_t ix = ox * sw - pl + kx * dw;
						if (iy < h + pb && ix < w + pr)
							npad++;
						if (iy < 0 || iy >= h || ix < 0 ||
						    ix >= w)
							continue;
						sum += xp[iy * w + ix];
						cnt++;
					}
				}
				if (count_include_pad) {
					sum += (npad - cnt) * zx;
					cnt = npad;
				}
				/* sum >= 0: the flooring division is plain */
				*y++ = (uint8_t)(cnt ? (2 * sum + cnt) / (2 * cnt)
				                     : 0);
			}
	}
}

QCC_RT_API void
qcc_rt_globalavgpool_q8(const uint8_t *restrict x, uint8_t *restrict y,
                        int32_t nc, int32_t hw, int32_t zx, int32_t mult,
                        int32_t shift, int32_t zy, int32_t lo, int32_t hi)
{
	int32_t c, i;

	for (c = 0; c < nc; c++) {
		int32_t acc = 0;
		for (i = 0; i < hw; i++)
			acc += (int32_t)x[(ptrdiff_t)c * hw + i] - zx;
		y[c] = (uint8_t)qcc_rt_requant1_q8(acc, mult, shift, zy, lo, hi);
	}
}
