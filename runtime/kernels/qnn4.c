/* qnn4.c -- integer conv and gemm with 4-bit weights (-quantize=w4a4,
 * w4a8): the weights are i4 codes in [-8, 7] (qcc writes [-7, 7]) packed
 * two per byte over the flat tensor, element i in byte i / 2, the low
 * nibble for even i.  Activations are u8 codes as in qnn.c (a 4-bit
 * activation is a code in [0, 15] stored one per byte, so the same loads
 * serve w4a4 and w4a8).  The arithmetic and the rescale are those of
 * qcc_rt_conv2d_q8 / qcc_rt_gemm_q8 exactly, so the results are bit for
 * bit the interpreter's (ir/eval_quant.c).
 *
 * The conv loop order is qnn.c's: one weight per tap, unpacked outside
 * the row loop, so the innermost loop is the same contiguous multiply-
 * accumulate that vectorizes (NEON, RVV, SSE) when the stride is 1.
 */
#include "../qcc_rt.h"

enum { QNN4_TILE = 256 };

/* Weight i of packed i4 data, sign-extended. */
QCC_RT_INLINE int32_t
qnn4_w(const uint8_t *w, ptrdiff_t i)
{
	int32_t v = (w[i >> 1] >> (4 * (int32_t)(i & 1))) & 15;

	return v > 7 ? v - 16 : v;
}

/* acc[0..n) += wv * x at columns ox*sw + off (zx outside [0, wd) or for
 * a row in the padding, row == 0). */
QCC_RT_INLINE void
qnn4_tap(int32_t *acc, const uint8_t *row, int32_t wv, int32_t zx,
         int32_t ox0, int32_t n, int32_t sw, int32_t off, int32_t wd)
{
	int32_t lo, hi, i;

	lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
	hi = wd - off <= 0 ? 0 : (wd - off + sw - 1) / sw;
	lo -= ox0;
	hi -= ox0;
	lo = lo < 0 ? 0 : lo > n ? n : lo;
	hi = hi < lo ? lo : hi > n ? n : hi;
	if (!row) {
		lo = 0;
		hi = 0;
	}
	for (i = 0; i < lo; i++)
		acc[i] += zx * wv;
	for (i = lo; i < hi; i++)
		acc[i] += (int32_t)row[(ptrdiff_t)(ox0 + i) * sw + off] * wv;
	for (i = hi; i < n; i++)
		acc[i] += zx * wv;
}

QCC_RT_API void
qcc_rt_conv2d_w4(const uint8_t *restrict x, const uint8_t *restrict w,
                 const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
                 int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh,
                 int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                 int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t group,
                 int32_t zx, const int32_t *mult, const int32_t *shift,
                 int32_t nq, int32_t zy, int32_t lo, int32_t hi)
{
	int32_t cg = c / group, mg = m / group;
	int32_t n, o, oy, ox0, ci, ky, kx, i;
	int32_t acc[QNN4_TILE];

	for (n = 0; n < nb; n++)
	for (o = 0; o < m; o++) {
		const uint8_t *xg = x + ((ptrdiff_t)n * c + (ptrdiff_t)(o / mg) *
		                         cg) * h * wd;
		ptrdiff_t wo = (ptrdiff_t)o * cg * kh * kw;
		uint8_t *yo = y + ((ptrdiff_t)n * m + o) * oh * ow;
		int32_t q = nq > 1 ? o : 0, b = bias ? bias[o] : 0;

		for (oy = 0; oy < oh; oy++)
		for (ox0 = 0; ox0 < ow; ox0 += QNN4_TILE) {
			int32_t cnt = ow - ox0 < QNN4_TILE ? ow - ox0 : QNN4_TILE;

			for (i = 0; i < cnt; i++)
				acc[i] = b;
			for (ci = 0; ci < cg; ci++)
			for (ky = 0; ky < kh; ky++) {
				int32_t iy = oy * sh - pt + ky * dh;
				const uint8_t *row = iy >= 0 && iy < h
				        ? xg + ((ptrdiff_t)ci * h + iy) * wd
				        : 0;
				for (kx = 0; kx < kw; kx++)
					qnn4_tap(acc, row,
					         qnn4_w(w, wo + (ci * kh + ky) *
					                kw + kx),
					         zx, ox0, cnt, sw, kx * dw - pl,
					         wd);
			}
			for (i = 0; i < cnt; i++)
				yo[oy * ow + ox0 + i] = (uint8_t)qcc_rt_requant1_q8(
				        acc[i], mult[q], shift[q], zy, lo, hi);
		}
	}
}

QCC_RT_API void
qcc_rt_gemm_w4(const uint8_t *restrict a, const uint8_t *restrict b,
               const int32_t *restrict bias, uint8_t *restrict y, int32_t m,
               int32_t n, int32_t k, int32_t trans_b, const int32_t *mult,
               const int32_t *shift, int32_t nq, int32_t zy, int32_t lo,
               int32_t hi)
{
	int32_t i, j, p;

	for (i = 0; i < m; i++) {
		const uint8_t *ar = a + (ptrdiff_t)i * k;
		for (j = 0; j < n; j++) {
			int32_t acc = bias ? bias[j] : 0, q = nq > 1 ? j : 0;
			for (p = 0; p < k; p++)
				acc += (int32_t)ar[p] *
				       qnn4_w(b, trans_b ? (ptrdiff_t)j * k + p
				                         : (ptrdiff_t)p * n + j);
			y[(ptrdiff_t)i * n + j] = (uint8_t)qcc_rt_requant1_q8(
			        acc, mult[q], shift[q], zy, lo, hi);
		}
	}
}
