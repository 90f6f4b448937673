/* conv_dw_chan.c -- depthwise 2-D convolution vectorized over channels:
 * every vector lane is one of QCC_RT_DWC_V = 16 channels, so vectors stay
 * full whatever the plane's size or the stride (the plane kernel of
 * conv_dw.c wastes lanes and time on 7x7 and 14x14 planes and strides).
 *
 * For each block of 16 channels and each band of output rows, the band's
 * input rows go to a stack buffer of pixels, each pixel one vector of the
 * block's 16 channels, rows padded with zero pixels as the convolution's
 * padding says ([row][col][16]; conv_dw_band.c: transposed from NCHW,
 * copied from a channel-blocked x).  An output pixel is then
 *     o = sum over taps (r, s) of w[r, s] * buf[oy*sh + r*dh][ox*sw + s*dw]
 * with w[r, s] the vector of the block's 16 weights of that tap: tiles of
 * 7 (4 for AVX2) adjacent outputs of a row stay in registers, each tap
 * one weight vector times one buffer vector per output.  A row's last
 * tile may run past the row; its extra outputs read the buffer's next
 * row or its zero slack and are dropped.  The outputs of the band, bias
 * added, go to a second buffer of pixels which conv_dw_band.c transposes
 * back to NCHW with the residual and the activation; a channel-blocked y
 * takes them straight from the tiles, the residual (blocked too) added
 * and ReLU or Clip applied on the vectors, other activations over the
 * band's stored pixels.
 *
 * Every output sums its taps in the order of a plain loop (kernel row,
 * then kernel column, starting from zero), then adds the bias, then the
 * residual, then applies the activation: the values of qcc_rt_conv2d_f32,
 * whatever the layout.  The padding taps the plain loop skips add
 * w * 0 = +-0 here, which changes no sum (a sum that starts at +0 is
 * never -0, and x + -0 = x).
 *
 * Weights come packed (backends/lower_nn.c), [ceil(c/16)][kh*kw][16],
 * zeros past the last channel.  Shapes whose band of one output row does
 * not fit the buffers, and compilers without GNU C vectors and
 * __builtin_shufflevector, take a plain loop per pixel (conv_dw_plain.c,
 * same order, same values). */
#include "../qcc_rt.h"
#include "conv_dw_chan.h"

/* The geometry, tile width and band height of a shape; tw is the widest
 * tile the target's registers hold (8 or 4).  Tiles are 7 wide when 8
 * fit: exact on the planes of mobilenet_v2 and efficientnet_b0 (7 to 112
 * wide), as fast as 8 (kbench), and the 8-wide tiles doubled qcc's LLVM
 * time on a call with AVX-512 (fmnist sample: 1.2 to 2.4 s CPU). */
static void
dwc_plan(struct dwc_geom *g, int32_t tw)
{
	g->pw = (g->ow - 1) * g->sw + (g->kw - 1) * g->dw + 1;
	g->t = tw >= 8 ? 7 : 4;
	g->nr = g->oh < DWC_OBUFV / g->ow ? g->oh : DWC_OBUFV / g->ow;
	while (g->nr > 0 && (dwc_buf_size(g, g->nr) > DWC_BUFV ||
	                     dwc_nin(g, g->nr) * g->wd > DWC_BUFV))
		g->nr--;
}

#if DWC_VECTORS
/* Where a row of output tiles goes: pixels at y (pitch one pixel), res
 * (the same places) added unless NULL, then ReLU or Clip when vec. */
struct dwc_sink {
	float *y;
	const float *res;
	int32_t vec, clip;
	float alpha, beta;
};

/* Output row k of the band: tiles of t outputs, kh x kw taps, stride sw
 * (constants where the caller passes them), bias vector bv added unless
 * NULL, to o's pixels from o->y + ox0 pixels on. */
QCC_RT_INLINE void
dwc_row(const struct dwc_geom *g, const dwc_v *restrict buf,
        const float *restrict w, const dwc_v *bv, const struct dwc_sink *o,
        int32_t k, int32_t t, int32_t kh, int32_t kw, int32_t sw)
{
	int32_t ox0, r, s, i, n;

	for (ox0 = 0; ox0 < g->ow; ox0 += t) {
		dwc_v acc[DWC_TMAX];
		const dwc_v *b0 = buf + (k * g->sh) * g->pw + ox0 * sw;

#pragma GCC unroll 8
		for (i = 0; i < t; i++)
			dwc_splat(&acc[i], 0.0f);
#pragma GCC unroll 5
		for (r = 0; r < kh; r++)
#pragma GCC unroll 5
			for (s = 0; s < kw; s++) {
				const dwc_v *bk = b0 + r * g->dh * g->pw + s * g->dw;
				dwc_v wk;

				dwc_load(&wk, w + (r * kw + s) * DWC_V);
#pragma GCC unroll 8
				for (i = 0; i < t; i++)
					acc[i] = acc[i] + wk * bk[i * sw];
			}
		n = g->ow - ox0 < t ? g->ow - ox0 : t;
#pragma GCC unroll 8
		for (i = 0; i < t; i++) {
			ptrdiff_t q = (ptrdiff_t)(ox0 + i) * DWC_V;
			dwc_v rv;

			if (i >= n)
				break;
			if (bv)
				acc[i] = acc[i] + *bv;
			if (o->res) {
				dwc_load(&rv, o->res + q);
				acc[i] = acc[i] + rv;
			}
			if (o->vec)
				dwc_clamp(&acc[i], o->clip, o->alpha, o->beta);
			dwc_store(o->y + q, &acc[i]);
		}
	}
}

/* dwc_row with tiles of t (a constant), the common windows and strides
 * as constants too. */
QCC_RT_INLINE void
dwc_row_t(const struct dwc_geom *g, const dwc_v *restrict buf,
          const float *restrict w, const dwc_v *bv, const struct dwc_sink *o,
          int32_t k, int32_t t)
{
	if (g->kh == 3 && g->kw == 3 && g->sw == 1)
		dwc_row(g, buf, w, bv, o, k, t, 3, 3, 1);
	else if (g->kh == 3 && g->kw == 3 && g->sw == 2)
		dwc_row(g, buf, w, bv, o, k, t, 3, 3, 2);
	else if (g->sw == 1)
		dwc_row(g, buf, w, bv, o, k, t, g->kh, g->kw, 1);
	else if (g->sw == 2)
		dwc_row(g, buf, w, bv, o, k, t, g->kh, g->kw, 2);
	else
		dwc_row(g, buf, w, bv, o, k, t, g->kh, g->kw, g->sw);
}

/* The band's nr output rows to o's pixels (pitch ow), o->res (if any)
 * moving along. */
static void
dwc_rows(const struct dwc_geom *g, const dwc_v *restrict buf,
         const float *restrict w, const dwc_v *bv, struct dwc_sink o,
         int32_t nr)
{
	ptrdiff_t pitch = (ptrdiff_t)g->ow * DWC_V;
	int32_t k;

	for (k = 0; k < nr; k++) {
		if (g->t == 7)
			dwc_row_t(g, buf, w, bv, &o, k, 7);
		else
			dwc_row_t(g, buf, w, bv, &o, k, 4);
		o.y += pitch;
		if (o.res)
			o.res += pitch;
	}
}

/* The band of nr output rows from oy0 of a block with nc channels, from
 * buf to y's block (yp, res's rp, planes yplane apart): through o and
 * qcc_rt_dwc_out to NCHW, or straight to a blocked y (yb), the activation
 * act: ReLU and Clip on the vectors, others over the stored pixels (the
 * band's pixels, when there is no residual, before they are transposed:
 * one call on whole vectors instead of one per channel row). */
static void
dwc_band_out(const struct dwc_geom *g, const dwc_v *restrict buf,
             const float *restrict w, const dwc_v *bv, dwc_v *restrict o,
             float *restrict yp, const float *restrict rp, int32_t nc,
             int32_t oy0, int32_t nr, int32_t act, float alpha, float beta,
             int32_t yb)
{
	ptrdiff_t yplane = (ptrdiff_t)g->oh * g->ow, p0 = (ptrdiff_t)oy0 * g->ow;
	int32_t vec = act == QCC_ACT_RELU || act == QCC_ACT_CLIP;
	struct dwc_sink s = {(float *)o, NULL, 0, act == QCC_ACT_CLIP, alpha,
	                     beta};

	if (yb) {
		s.y = yp + p0 * DWC_V;
		s.res = rp ? rp + p0 * DWC_V : NULL;
		s.vec = vec;
		dwc_rows(g, buf, w, bv, s, nr);
		if (!vec && act != QCC_ACT_NONE)
			qcc_rt_act_row_f32(s.y, nr * g->ow * DWC_V, act, alpha, beta);
		return;
	}
	dwc_rows(g, buf, w, bv, s, nr);
	if (!rp && !vec && act != QCC_ACT_NONE) {
		qcc_rt_act_row_f32((float *)o, nr * g->ow * DWC_V, act, alpha, beta);
		act = QCC_ACT_NONE;
	}
	qcc_rt_dwc_out(o, yp, rp, yplane, nc, p0, nr * g->ow, act, alpha, beta);
}

/* Every block of 16 channels, band by band, through buf (filled from x
 * as layout says: with tab, or by rows keeping those the next band
 * shares, from NCHW; by plain copies from blocked pixels), then out. */
static void
dwc_blocks(const struct dwc_geom *g, const float *restrict x,
           const float *restrict wp, const float *restrict bias,
           const float *restrict res, float *restrict y, int32_t nb,
           int32_t c, int32_t act, float alpha, float beta, int32_t layout)
{
	dwc_v buf[DWC_BUFV + 1], o[DWC_OBUFV];
	int32_t tab[DWC_BUFV];
	ptrdiff_t xplane = (ptrdiff_t)g->h * g->wd, yplane = (ptrdiff_t)g->oh *
	                                                     g->ow;
	int32_t n, cb, oy0, nr, v, i, ya, ntab = 0, inner, keep, nin = 0;
	int32_t tnr = 0, toy0 = 0, tinner = 0;   /* what tab holds */
	int32_t nt = g->kh * g->kw, xb = (layout & QCC_RT_LAYOUT_XB) != 0;
	int32_t yb = (layout & QCC_RT_LAYOUT_YB) != 0;

	for (i = 0; i < dwc_buf_size(g, g->nr); i++)
		dwc_splat(&buf[i], 0.0f);
	for (n = 0; n < nb; n++)
		for (cb = 0; cb * DWC_V < c; cb++) {
			int32_t ch0 = cb * DWC_V, nc = c - ch0 < DWC_V ? c - ch0 : DWC_V;
			/* a block starts at the same place in both layouts */
			ptrdiff_t p = (ptrdiff_t)n * c + ch0;
			const float *w = wp + (ptrdiff_t)cb * nt * DWC_V;
			dwc_v bv;

			dwc_splat(&bv, 0.0f);
			if (bias && nc == DWC_V)
				dwc_load(&bv, bias + ch0);
			for (v = 0; bias && nc < DWC_V && v < nc; v++)
				bv[v] = bias[ch0 + v];
			keep = 0;
			for (oy0 = 0; oy0 < g->oh; oy0 += nr) {
				int32_t y0 = oy0 * g->sh - g->pt;

				nr = g->oh - oy0 < g->nr ? g->oh - oy0 : g->nr;
				if (xb) {
					qcc_rt_dwc_fill_blocked(g, x + p * xplane, buf, oy0, nr);
					dwc_band_out(g, buf, w, bias ? &bv : NULL, o,
					             y + p * yplane, res ? res + p * yplane : res,
					             nc, oy0, nr, act, alpha, beta, yb);
					continue;
				}
				/* a band's table serves every block, and the bands
				 * inside the image share one */
				inner = y0 >= 0 && y0 + dwc_nin(g, nr) <= g->h;
				if (!dwc_by_rows(g) && (nr != tnr || (oy0 != toy0 &&
				                                      !(inner && tinner)))) {
					ntab = qcc_rt_dwc_table(g, oy0, nr, tab, &ya);
					tnr = nr;
					toy0 = oy0;
					tinner = inner;
				}
				ya = y0 > 0 ? y0 : 0;
				if (keep > 0)
					qcc_rt_dwc_move_rows(g, buf, nin - keep, keep);
				qcc_rt_dwc_fill(g, x + p * xplane, xplane, nc, buf, oy0, nr,
				                keep, tab, ntab, ya);
				nin = dwc_nin(g, nr);
				keep = dwc_by_rows(g) && oy0 + nr < g->oh ? nin - nr * g->sh
				                                          : 0;
				keep = keep > 0 ? keep : 0;
				dwc_band_out(g, buf, w, bias ? &bv : NULL, o, y + p * yplane,
				             res ? res + p * yplane : res, nc, oy0, nr, act,
				             alpha, beta, yb);
			}
		}
}
#endif

QCC_RT_API void
qcc_rt_conv2d_dwc_f32(const float *restrict x, const float *restrict wp,
                      const float *restrict bias, const float *restrict res,
                      float *restrict y, int32_t nb, int32_t c, int32_t h,
                      int32_t wd, int32_t m, int32_t oh, int32_t ow,
                      int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                      int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                      int32_t tw, int32_t act, float alpha, float beta,
                      int32_t layout)
{
	struct dwc_geom g = {h, wd, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl,
	                     0, 0, 0};

	(void)m;
	dwc_plan(&g, tw);
#if DWC_VECTORS
	if (g.nr > 0) {
		dwc_blocks(&g, x, wp, bias, res, y, nb, c, act, alpha, beta,
		           layout);
		return;
	}
#endif
	qcc_rt_dwc_plain_f32(&g, x, wp, bias, res, y, nb, c, act, alpha, beta,
	                     layout);
}
