/* conv_dw_plain.c -- the plain loop of the depthwise kernel vectorized
 * over channels (conv_dw_chan.c), for the shapes its band buffers cannot
 * take and for compilers without GNU C vectors: one output at a time,
 * taps in the order of qcc_rt_conv2d_f32 (kernel row, then kernel column,
 * from zero; the padding taps skipped), then the bias, the residual and
 * the activation, with x and y (and res) NCHW or channel-blocked as the
 * layout says.  The weights are the packed ones of conv_dw_chan.c. */
#include "../qcc_rt.h"
#include "conv_dw_chan.h"

/* Where channel ch of image n starts in a tensor of c channels and hw
 * pixels, NCHW or blocked (its pixels then QCC_RT_BLOCK_C floats apart). */
QCC_RT_INLINE ptrdiff_t
dwp_base(int32_t n, int32_t ch, int32_t c, ptrdiff_t hw, int32_t blocked)
{
	int32_t cv = ch % QCC_RT_BLOCK_C;

	if (blocked)
		return ((ptrdiff_t)n * c + ch - cv) * hw + cv;
	return ((ptrdiff_t)n * c + ch) * hw;
}

QCC_RT_API void
qcc_rt_dwc_plain_f32(const struct dwc_geom *g, const float *restrict x,
                     const float *restrict wp, const float *restrict bias,
                     const float *restrict res, float *restrict y,
                     int32_t nb, int32_t c, int32_t act, float alpha,
                     float beta, int32_t layout)
{
	int32_t n, ch, oy, ox, r, s, nt = g->kh * g->kw;
	int32_t xb = (layout & QCC_RT_LAYOUT_XB) != 0;
	int32_t yb = (layout & QCC_RT_LAYOUT_YB) != 0;
	ptrdiff_t xs = xb ? QCC_RT_BLOCK_C : 1, ys = yb ? QCC_RT_BLOCK_C : 1;
	ptrdiff_t xhw = (ptrdiff_t)g->h * g->wd, yhw = (ptrdiff_t)g->oh * g->ow;

	for (n = 0; n < nb; n++) {
		for (ch = 0; ch < c; ch++) {
			const float *xc = x + dwp_base(n, ch, c, xhw, xb);
			const float *wc = wp + (ptrdiff_t)(ch / DWC_V) * nt * DWC_V +
			                  ch % DWC_V;
			ptrdiff_t o = dwp_base(n, ch, c, yhw, yb);

			for (oy = 0; oy < g->oh; oy++)
				for (ox = 0; ox < g->ow; ox++) {
					ptrdiff_t q = o + ((ptrdiff_t)oy * g->ow + ox) * ys;
					float acc = 0.0f;

					for (r = 0; r < g->kh; r++) {
						int32_t iy = oy * g->sh - g->pt + r * g->dh;

						if (iy < 0 || iy >= g->h)
							continue;
						for (s = 0; s < g->kw; s++) {
							int32_t ix = ox * g->sw - g->pl + s * g->dw;

							if (ix >= 0 && ix < g->wd)
								acc = acc + wc[(r * g->kw + s) * DWC_V] *
								            xc[((ptrdiff_t)iy * g->wd + ix) *
								               xs];
						}
					}
					if (bias)
						acc = acc + bias[ch];
					if (res)
						acc = acc + res[q];
					y[q] = acc;
				}
		}
		/* elementwise: the same values whatever the layout */
		qcc_rt_act_row_f32(y + (ptrdiff_t)n * c * yhw, (int32_t)(c * yhw),
		                   act, alpha, beta);
	}
}
