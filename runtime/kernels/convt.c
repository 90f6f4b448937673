/* convt.c -- ConvTranspose (the gradient of a 2-D convolution), direct.
 *
 * Each output element gathers what the input elements scatter into it:
 * for kernel row ky, output row oy is reached from input row
 * iy = (oy + pt - ky*dh) / sh when that division is exact and iy is
 * inside x; likewise for columns.  So every output is written once, with
 * no zero fill and no scatter.  The taps an output row (column) uses are
 * found once per row (column) into small lists; the sum then runs over
 * input channel, kernel row, kernel column, in float, and the bias and
 * fused activation are applied last.  Kernels are at most
 * QCC_RT_CONVT_MAXTAPS (64) wide along each axis; the lowering checks it.
 */
#include "../qcc_rt.h"


/* The taps k < kn with (o + p - k*d) = i*s, 0 <= i < n: their k into ks
 * and i into is; returns the count. */
static inline int32_t
convt_taps(int32_t o, int32_t p, int32_t kn, int32_t d, int32_t s, int32_t n,
           int32_t *ks, int32_t *is)
{
	int32_t cnt = 0;

	for (int32_t k = 0; k < kn; k++) {
		int32_t t = o + p - k * d;

		if (t < 0 || t % s || t / s >= n)
			continue;
		ks[cnt] = k;
		is[cnt] = t / s;
		cnt++;
	}
	return cnt;
}

QCC_RT_API void
qcc_rt_convtranspose2d_f32(const float *restrict x, const float *restrict w,
                           const float *restrict bias, float *restrict y,
                           int32_t nb, int32_t c, int32_t h, int32_t wd,
                           int32_t m, int32_t oh, int32_t ow, int32_t kh,
                           int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                           int32_t dw, int32_t pt, int32_t pl, int32_t group,
                           int32_t act, float alpha, float beta)
{
	int32_t cg = c / group, mg = m / group;
	int32_t ky[QCC_RT_CONVT_MAXTAPS], iy[QCC_RT_CONVT_MAXTAPS];
	int32_t kx[QCC_RT_CONVT_MAXTAPS], ix[QCC_RT_CONVT_MAXTAPS];

	if (kh > QCC_RT_CONVT_MAXTAPS || kw > QCC_RT_CONVT_MAXTAPS)
		return;
	for (int32_t n = 0; n < nb; n++)
	for (int32_t mo = 0; mo < m; mo++) {
		int32_t g = mo / mg, ml = mo % mg;
		const float *xg = x + ((int64_t)n * c + (int64_t)g * cg) * h * wd;
		const float *wg = w + ((int64_t)g * cg * mg + ml) * kh * kw;
		float *yp = y + ((int64_t)n * m + mo) * oh * ow;
		float b = bias ? bias[mo] : 0.0f;

		for (int32_t oy = 0; oy < oh; oy++) {
			int32_t ny = convt_taps(oy, pt, kh, dh, sh, h, ky, iy);

			for (int32_t ox = 0; ox < ow; ox++) {
				int32_t nx = convt_taps(ox, pl, kw, dw, sw, wd, kx,
				                        ix);
				float acc = 0.0f;

				for (int32_t ci = 0; ci < cg; ci++) {
					const float *xc = xg + (int64_t)ci * h * wd;
					const float *wc = wg + (int64_t)ci * mg * kh * kw;

					for (int32_t a = 0; a < ny; a++)
						for (int32_t e = 0; e < nx; e++)
							acc += xc[iy[a] * wd + ix[e]] *
							       wc[ky[a] * kw + kx[e]];
				}
				yp[oy * ow + ox] =
				    qcc_rt_act1_f32(acc + b, act, alpha, beta);
			}
		}
	}
}
