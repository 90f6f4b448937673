/* qconv_dw.c -- integer depthwise convolution (group == c == m) on u8
 * codes, vectorized over whole output planes.
 *
 * Each channel's plane is first copied into an int16 plane padded to
 * ph x pw on the stack, the border holding zx, the code of real zero
 * (fold-shift put -zx * sum w in the bias, so border taps add exactly
 * nothing).  The padded plane is split by stride phase: sub-plane (a, b)
 * holds padded[i*sh + a][j*sw + b], rows of pq = ceil(pw / sw) codes.  Tap
 * (ky, kx) of output (oy, ox) then reads sub-plane (ky*dh % sh,
 * kx*dw % sw) at row oy + ky*dh / sh, column ox + kx*dw / sw: a constant
 * offset for the whole plane.  So every tap is one long branch-free
 * multiply-add over oh rows of pq sums,
 *     acc[oy*pq + x] += sub[(oy + ky*dh/sh) * pq + x + kx*dw/sw] * w[ky,kx]
 * (16-bit operands, 32-bit sums; the columns x >= ow are computed and
 * dropped), and the rows are rescaled by the rule of qelt.c.  Results
 * equal qcc_rt_conv2d_q8's bit for bit: integer sums do not depend on
 * their order.
 */
#include "../qcc_rt.h"

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
	int16_t sub[QCC_RT_QDW_MAXPAD];
	int32_t acc[QCC_RT_QDW_MAXPAD];
	/* sub-plane rows (one spare for the dropped columns' reads) and
	 * pitch */
	int32_t pr = (ph + sh - 1) / sh + 1, pq = (pw + sw - 1) / sw;
	ptrdiff_t ssize = (ptrdiff_t)pr * pq, n, ch;
	int32_t i, j, a, b, ky, kx, np = oh * pq;

	for (n = 0; n < nb; n++)
	for (ch = 0; ch < c; ch++) {
		const uint8_t *xc = x + (n * c + ch) * h * wd;
		uint8_t *yc = y + (n * c + ch) * oh * ow;
		const int8_t *wc = w + ch * kh * kw;
		int32_t q = nq > 1 ? (int32_t)ch : 0, bv = bias ? bias[ch] : 0;

		for (i = 0; i < sh * sw * ssize; i++)
			sub[i] = (int16_t)zx;
		for (i = 0; i < h; i++) {
			int32_t r = i + pt;
			const uint8_t *xr = xc + (ptrdiff_t)i * wd;

			/* padded column jj*sw + b is input column jj*sw + b - pl */
			for (b = 0; b < sw; b++) {
				int16_t *row = sub + ((ptrdiff_t)(r % sh) * sw + b) *
				               ssize + (ptrdiff_t)(r / sh) * pq;
				int32_t j0 = pl - b > 0 ? (pl - b + sw - 1) / sw : 0;

				if (sw == 1)
					for (j = 0; j < wd; j++)
						row[j + pl] = xr[j];
				else
					for (j = j0; j * sw + b - pl < wd; j++)
						row[j] = xr[j * sw + b - pl];
			}
		}
		for (i = 0; i < np; i++)
			acc[i] = bv;
		for (ky = 0; ky < kh; ky++)
		for (kx = 0; kx < kw; kx++) {
			int32_t wv = wc[ky * kw + kx];

			a = ky * dh;
			b = kx * dw;
			{
				const int16_t *s = sub + ((ptrdiff_t)(a % sh) * sw +
				                          b % sw) * ssize +
				                   (ptrdiff_t)(a / sh) * pq + b / sw;

				for (i = 0; i < np; i++)
					acc[i] += (int32_t)s[i] * wv;
			}
		}
		for (i = 0; i < oh; i++)
			qcc_rt_requant_row_q8(acc + (ptrdiff_t)i * pq, yc + i * ow,
			                      ow, mult[q], shift[q], zy, lo, hi);
	}
}
