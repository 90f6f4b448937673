/* qimport.c -- integer kernels for already-quantized models (quantized
 * import): conv and batched matmul with i16 weights, results rescaled to
 * u8 codes or kept as int32 accumulators (ConvInteger, MatMulInteger),
 * quantize / dequantize per axis at the float boundary, and the sign flip
 * between int8 codes and uint8 codes 128 higher (x ^ 0x80 in a byte).
 *
 * i16 weights hold w - z_w of imported u8 weights with a zero point (in
 * [-255, 255]).  Every product is formed in int32 and added to an int32
 * accumulator: no 16-bit intermediate, so nothing saturates.  The
 * compiler checked that the worst case, 510 * sum |w| over one output
 * channel plus the bias, fits int32 (passes/fold_qdq.c,
 * frontend/onnx_ops_qimport.c).  The rescale is qelt.c's rule.
 */
#include "../qcc_rt.h"

enum { QIMP_TILE = 128 };

/* acc[0..cnt) += wv * (the code of row at (ox0+i)*sw + off, zx where that
 * is outside [0, wd) or the row is outside the image): the columns that
 * read the image form one range [lo, hi), so the loop over it is a
 * contiguous multiply-accumulate when sw is 1. */
QCC_RT_INLINE void
qimp_tap(int32_t *acc, const uint8_t *row, int32_t wv, int32_t zx,
         int32_t ox0, int32_t cnt, int32_t sw, int32_t off, int32_t wd)
{
	int32_t lo, hi, i, zw = zx * wv;

	lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
	hi = wd - off <= 0 ? 0 : (wd - off + sw - 1) / sw;
	lo -= ox0;
	hi -= ox0;
	lo = lo < 0 ? 0 : lo > cnt ? cnt : lo;
	hi = hi < lo ? lo : hi > cnt ? cnt : hi;
	if (!row)
		lo = hi = cnt;
	for (i = 0; i < lo; i++)
		acc[i] += zw;
	for (i = lo; i < hi; i++)
		acc[i] += (int32_t)row[(ptrdiff_t)(ox0 + i) * sw + off] * wv;
	for (i = hi; i < cnt; i++)
		acc[i] += zw;
}

/* acc[0..cnt) = bias + the taps of output row oy, columns ox0..ox0+cnt
 * of output channel o (its input channel group at xg, weights wo); taps
 * outside the image read zx. */
QCC_RT_INLINE void
qimp_conv_row(int32_t *acc, const uint8_t *xg, const int16_t *wo, int32_t b,
              int32_t cg, int32_t h, int32_t wd, int32_t kh, int32_t kw,
              int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt,
              int32_t pl, int32_t zx, int32_t oy, int32_t ox0, int32_t cnt)
{
	int32_t i, ci, ky, kx;

	for (i = 0; i < cnt; i++)
		acc[i] = b;
	for (ci = 0; ci < cg; ci++)
		for (ky = 0; ky < kh; ky++) {
			int32_t iy = oy * sh - pt + ky * dh;
			const uint8_t *row = iy >= 0 && iy < h
			        ? xg + ((ptrdiff_t)ci * h + iy) * wd
			        : 0;

			for (kx = 0; kx < kw; kx++)
				qimp_tap(acc, row, wo[(ci * kh + ky) * kw + kx], zx,
				         ox0, cnt, sw, kx * dw - pl, wd);
		}
}

QCC_RT_API void
qcc_rt_conv2d_q16(const uint8_t *restrict x, const int16_t *restrict w,
                  const int32_t *restrict bias, uint8_t *restrict y,
                  int32_t nb, int32_t c, int32_t h, int32_t wd, int32_t m,
                  int32_t oh, int32_t ow, int32_t kh, int32_t kw, int32_t sh,
                  int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                  int32_t group, int32_t zx, const int32_t *mult,
                  const int32_t *shift, int32_t nq, int32_t zy, int32_t lo,
                  int32_t hi)
{
	int32_t cg = c / group, mg = m / group, n, o, oy, ox0, i;
	int32_t acc[QIMP_TILE];

	for (n = 0; n < nb; n++)
	for (o = 0; o < m; o++) {
		const uint8_t *xg = x + ((ptrdiff_t)n * c + (ptrdiff_t)(o / mg) *
		                         cg) * h * wd;
		const int16_t *wo = w + (ptrdiff_t)o * cg * kh * kw;
		uint8_t *yo = y + ((ptrdiff_t)n * m + o) * oh * ow;
		int32_t q = nq > 1 ? o : 0, b = bias ? bias[o] : 0;

		for (oy = 0; oy < oh; oy++)
		for (ox0 = 0; ox0 < ow; ox0 += QIMP_TILE) {
			int32_t cnt = ow - ox0 < QIMP_TILE ? ow - ox0 : QIMP_TILE;

			qimp_conv_row(acc, xg, wo, b, cg, h, wd, kh, kw, sh, sw,
			              dh, dw, pt, pl, zx, oy, ox0, cnt);
			for (i = 0; i < cnt; i++)
				yo[(ptrdiff_t)oy * ow + ox0 + i] =
				        (uint8_t)qcc_rt_requant1_q8(acc[i], mult[q],
				                                    shift[q], zy,
				                                    lo, hi);
		}
	}
}

QCC_RT_API void
qcc_rt_conv2d_q16_i32(const uint8_t *restrict x, const int16_t *restrict w,
                      const int32_t *restrict bias, int32_t *restrict y,
                      int32_t nb, int32_t c, int32_t h, int32_t wd, int32_t m,
                      int32_t oh, int32_t ow, int32_t kh, int32_t kw,
                      int32_t sh, int32_t sw, int32_t dh, int32_t dw,
                      int32_t pt, int32_t pl, int32_t group, int32_t zx)
{
	int32_t cg = c / group, mg = m / group, n, o, oy, ox0, cnt;

	for (n = 0; n < nb; n++)
	for (o = 0; o < m; o++) {
		const uint8_t *xg = x + ((ptrdiff_t)n * c + (ptrdiff_t)(o / mg) *
		                         cg) * h * wd;
		const int16_t *wo = w + (ptrdiff_t)o * cg * kh * kw;
		int32_t *yo = y + ((ptrdiff_t)n * m + o) * oh * ow;
		int32_t b = bias ? bias[o] : 0;

		for (oy = 0; oy < oh; oy++)
		for (ox0 = 0; ox0 < ow; ox0 += QIMP_TILE) {
			cnt = ow - ox0 < QIMP_TILE ? ow - ox0 : QIMP_TILE;
			qimp_conv_row(yo + (ptrdiff_t)oy * ow + ox0, xg, wo, b, cg,
			              h, wd, kh, kw, sh, sw, dh, dw, pt, pl, zx,
			              oy, ox0, cnt);
		}
	}
}

/* acc[0..n) = sum_p (a[p] - za) * b[p*n + j]: one row of A times B. */
QCC_RT_INLINE void
qimp_matmul_row(int32_t *acc, const uint8_t *a, const int16_t *b, int32_t n,
                int32_t k, int32_t za)
{
	int32_t j, p;

	for (j = 0; j < n; j++)
		acc[j] = 0;
	for (p = 0; p < k; p++) {
		int32_t av = (int32_t)a[p] - za;
		const int16_t *br = b + (ptrdiff_t)p * n;
		for (j = 0; j < n; j++)
			acc[j] += av * br[j];
	}
}

QCC_RT_API void
qcc_rt_matmul_q16(const uint8_t *restrict a, const int16_t *restrict b,
                  uint8_t *restrict y, int32_t nb, int32_t m, int32_t n,
                  int32_t k, int32_t astride, int32_t bstride, int32_t za,
                  const int32_t *mult, const int32_t *shift, int32_t nq,
                  int32_t zy, int32_t lo, int32_t hi)
{
	int32_t bi, i, j0, j, cnt;
	int32_t acc[QIMP_TILE];

	for (bi = 0; bi < nb; bi++)
		for (i = 0; i < m; i++) {
			const uint8_t *ar = a + (ptrdiff_t)bi * astride +
			                    (ptrdiff_t)i * k;
			uint8_t *yr = y + ((ptrdiff_t)bi * m + i) * n;

			for (j0 = 0; j0 < n; j0 += QIMP_TILE) {
				int32_t p;
				cnt = n - j0 < QIMP_TILE ? n - j0 : QIMP_TILE;
				for (j = 0; j < cnt; j++)
					acc[j] = 0;
				for (p = 0; p < k; p++) {
					int32_t av = (int32_t)ar[p] - za;
					const int16_t *br = b + (ptrdiff_t)bi *
					                    bstride + (ptrdiff_t)p *
					                    n + j0;
					for (j = 0; j < cnt; j++)
						acc[j] += av * br[j];
				}
				for (j = 0; j < cnt; j++) {
					int32_t q = nq > 1 ? j0 + j : 0;
					yr[j0 + j] = (uint8_t)qcc_rt_requant1_q8(
					        acc[j], mult[q], shift[q], zy, lo,
					        hi);
				}
			}
		}
}

QCC_RT_API void
qcc_rt_matmul_q16_i32(const uint8_t *restrict a, const int16_t *restrict b,
                      int32_t *restrict y, int32_t nb, int32_t m, int32_t n,
                      int32_t k, int32_t astride, int32_t bstride, int32_t za)
{
	int32_t bi, i;

	for (bi = 0; bi < nb; bi++)
		for (i = 0; i < m; i++)
			qimp_matmul_row(y + ((ptrdiff_t)bi * m + i) * n,
			                a + (ptrdiff_t)bi * astride +
			                (ptrdiff_t)i * k,
			                b + (ptrdiff_t)bi * bstride, n, k, za);
}

QCC_RT_API void
qcc_rt_signflip_q8(const uint8_t *restrict x, uint8_t *restrict y, int32_t n)
{
	int32_t i;

	for (i = 0; i < n; i++)
		y[i] = (uint8_t)(x[i] ^ 0x80);
}

QCC_RT_API void
qcc_rt_quantize_axis_q8(const float *restrict x, uint8_t *restrict y,
                        int32_t outer, int32_t ch, int32_t inner,
                        const float *inv_scale, const int32_t *zp,
                        int32_t lo, int32_t hi)
{
	int32_t o, c;

	for (o = 0; o < outer; o++)
		for (c = 0; c < ch; c++) {
			ptrdiff_t at = ((ptrdiff_t)o * ch + c) * inner;
			qcc_rt_quantize_q8(x + at, y + at, inner, inv_scale[c],
			                   zp[c], lo, hi);
		}
}

QCC_RT_API void
qcc_rt_dequantize_axis_q8(const uint8_t *restrict x, float *restrict y,
                          int32_t outer, int32_t ch, int32_t inner,
                          const float *scale, const int32_t *zp)
{
	int32_t o, c;

	for (o = 0; o < outer; o++)
		for (c = 0; c < ch; c++) {
			ptrdiff_t at = ((ptrdiff_t)o * ch + c) * inner;
			qcc_rt_dequantize_q8(x + at, y + at, inner, scale[c], zp[c]);
		}
}
