/* qconv_dw.c -- integer depthwise convolution (group == c == m) on u8
 * codes, vectorized over the output row.
 *
 * Each channel's plane is first copied into a padded int16 plane on the
 * stack (QCC_RT_QDW_MAXPAD elements at most; the lowering checks), the
 * border holding zx, the code of real zero (fold-shift put -zx * sum w in
 * the bias, so border taps add exactly nothing).  Every tap is then a
 * branch-free multiply-add over a whole output row:
 *     acc[ox] += pad[(oy*sh + ky*dh) * pw + ox*sw + kx*dw] * w[ky, kx]
 * with 16-bit operands and 32-bit sums (pmaddwd, smlal, vwmacc), and the
 * row is rescaled by the rule of qelt.c.  Results equal qcc_rt_conv2d_q8's
 * bit for bit: integer sums do not depend on their order.
 */
#include "../qcc_rt.h"

enum { QDW_ROW = 256 };

QCC_RT_API void
qcc_rt_conv2d_dw_q8(const uint8_t *restrict x, const int8_t *restrict w,
                    const int32_t *restrict bias, uint8_t *restrict y,
                    int32_t nb, int32_t c, int32_t h, int32_t wd, int32_t oh,
                    int32_t ow, int32_t kh, int32_t kw, int32_t sh,
                    int32_t sw, int32_t dh, int32_t dw, int32_t pt,
                    int32_t pl, int32_t ph, int32_t pw, int32_t zx,
                    const int32_t *mult, const int32_t *shift, int32_t nq,
                    int32_t zy, int32_t lo, int32_t hi)
{
	int16_t pad[QCC_RT_QDW_MAXPAD];
	int32_t acc[QDW_ROW];
	int32_t n, ch, i, j, oy, ox0, ky, kx;

	for (n = 0; n < nb; n++)
	for (ch = 0; ch < c; ch++) {
		const uint8_t *xc = x + ((ptrdiff_t)n * c + ch) * h * wd;
		uint8_t *yc = y + ((ptrdiff_t)n * c + ch) * oh * ow;
		const int8_t *wc = w + (ptrdiff_t)ch * kh * kw;
		int32_t q = nq > 1 ? ch : 0, b = bias ? bias[ch] : 0;

		for (i = 0; i < ph * pw; i++)
			pad[i] = (int16_t)zx;
		for (i = 0; i < h; i++)
			for (j = 0; j < wd; j++)
				pad[(i + pt) * pw + j + pl] = xc[i * wd + j];
		for (oy = 0; oy < oh; oy++)
		for (ox0 = 0; ox0 < ow; ox0 += QDW_ROW) {
			int32_t cnt = ow - ox0 < QDW_ROW ? ow - ox0 : QDW_ROW;

			for (i = 0; i < cnt; i++)
				acc[i] = b;
			for (ky = 0; ky < kh; ky++)
			for (kx = 0; kx < kw; kx++) {
				const int16_t *r = pad + (oy * sh + ky * dh) * pw +
				                   ox0 * sw + kx * dw;
				int32_t wv = wc[ky * kw + kx];

				if (sw == 1)
					for (i = 0; i < cnt; i++)
						acc[i] += (int32_t)r[i] * wv;
				else
					for (i = 0; i < cnt; i++)
						acc[i] += (int32_t)r[i * sw] * wv;
			}
			qcc_rt_requant_row_q8(acc, yc + oy * ow + ox0, cnt,
			                      mult[q], shift[q], zy, lo, hi);
		}
	}
}
