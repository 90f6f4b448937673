/* conv.c -- 2-D convolution over NCHW images: groups (depthwise too),
 * strides, dilations, padding, optional bias and a fused activation.
 *
 * Direct convolution as axpy sweeps over output rows.  For a block of
 * CONV_MB output channels and a run of output pixels of one row, the
 * reduction (input channel c, kernel row r, kernel column s, in that
 * order) is taken CONV_KT taps at a time, and each group of taps is one
 * loop over the pixels:
 *     y_i[l] = (((y_i[l] + w_i0 x_0[l]) + w_i1 x_1[l]) + ...)   i < CONV_MB
 * where x_t[l] is the input pixel tap t reads for output pixel l.  So one
 * x load feeds CONV_MB multiply-adds, each y element is loaded and stored
 * once per CONV_KT taps, the sums run in exactly the order of a plain loop,
 * and the pixel loop is contiguous (for stride 1), which LLVM's loop
 * vectorizer turns into full-width vector code.
 *
 * Pixels whose window leaves the image on the left or right are done one
 * at a time with the kernel columns that fall inside; kernel rows outside
 * the image are skipped per output row.  The bias is added after the sum,
 * then the activation.  A 1x1 convolution with stride 1 and no padding is
 * a matrix product W[m,c] X[c,h*w] and runs as one image row of h*w
 * pixels.  Output channels go in chunks whose weights fit in about
 * 128 KiB; rows in runs of CONV_RUN pixels, so a block's outputs stay in
 * L1 while its taps stream.
 */
#include "../qcc_rt.h"

enum {
	CONV_MB = 4, CONV_KT = 4, CONV_RUN = 256, CONV_CHUNK_FLOATS = 32768
};

struct conv_geom {
	const float *x;        /* first input channel of the group, image n */
	ptrdiff_t xplane;      /* h * wd */
	ptrdiff_t yplane;      /* oh * ow */
	int32_t cg;            /* input channels per group */
	int32_t h, wd, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t wsz;           /* cg * kh * kw: weights per output channel */
};

/* Four taps into four output rows: y_i[l] gets w[i*4 + t] * x_t[l*sw] for
 * t = 0..3 in order. */
QCC_RT_INLINE void
conv_axpy44(float *restrict y0, float *restrict y1, float *restrict y2,
            float *restrict y3, const float *restrict x0,
            const float *restrict x1, const float *restrict x2,
            const float *restrict x3, const float *w, int32_t n, int32_t sw)
{
	float w00 = w[0], w01 = w[1], w02 = w[2], w03 = w[3];
	float w10 = w[4], w11 = w[5], w12 = w[6], w13 = w[7];
	float w20 = w[8], w21 = w[9], w22 = w[10], w23 = w[11];
	float w30 = w[12], w31 = w[13], w32 = w[14], w33 = w[15];
	int32_t l;

	for (l = 0; l < n; l++) {
		float a = x0[l * sw], b = x1[l * sw], c = x2[l * sw], d = x3[l * sw];

		y0[l] = (((y0[l] + w00 * a) + w01 * b) + w02 * c) + w03 * d;
		y1[l] = (((y1[l] + w10 * a) + w11 * b) + w12 * c) + w13 * d;
		y2[l] = (((y2[l] + w20 * a) + w21 * b) + w22 * c) + w23 * d;
		y3[l] = (((y3[l] + w30 * a) + w31 * b) + w32 * c) + w33 * d;
	}
}

/* One tap into four output rows. */
QCC_RT_INLINE void
conv_axpy41(float *restrict y0, float *restrict y1, float *restrict y2,
            float *restrict y3, const float *restrict x0, float w0, float w1,
            float w2, float w3, int32_t n, int32_t sw)
{
	int32_t l;

	for (l = 0; l < n; l++) {
		float a = x0[l * sw];

		y0[l] = y0[l] + w0 * a;
		y1[l] = y1[l] + w1 * a;
		y2[l] = y2[l] + w2 * a;
		y3[l] = y3[l] + w3 * a;
	}
}

/* Four taps into one output row. */
QCC_RT_INLINE void
conv_axpy14(float *restrict y0, const float *restrict x0,
            const float *restrict x1, const float *restrict x2,
            const float *restrict x3, const float *w, int32_t n, int32_t sw)
{
	float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
	int32_t l;

	for (l = 0; l < n; l++)
		y0[l] = (((y0[l] + w0 * x0[l * sw]) + w1 * x1[l * sw]) +
		         w2 * x2[l * sw]) + w3 * x3[l * sw];
}

/* One tap into one output row. */
QCC_RT_INLINE void
conv_axpy11(float *restrict y0, const float *restrict x0, float w0, int32_t n,
            int32_t sw)
{
	int32_t l;

	for (l = 0; l < n; l++)
		y0[l] = y0[l] + w0 * x0[l * sw];
}

/* mb (CONV_MB or 1) output channels with weights wt, rows y + i*yplane,
 * at n pixels from column ox0 of row oy, over kernel rows [r0, r1) and
 * columns [s0, s1): y = bias + the sum, as the header describes. */
QCC_RT_INLINE void
conv_block(const struct conv_geom *g, const float *restrict wt,
           const float *restrict b, float *restrict y, int32_t mb, int32_t n,
           int32_t sw, int32_t oy, int32_t ox0, int32_t r0, int32_t r1,
           int32_t s0, int32_t s1)
{
	const float *xt[CONV_KT];
	float wq[CONV_MB * CONV_KT];
	float *yr[CONV_MB];
	int32_t i, l, c, r, s, t, nt = 0;
	int32_t iy0 = oy * g->sh - g->pt, ix0 = ox0 * g->sw - g->pl;

	for (i = 0; i < mb; i++) {
		yr[i] = y + (ptrdiff_t)i * g->yplane + ox0;
		for (l = 0; l < n; l++)
			yr[i][l] = 0.0f;
	}
	for (c = 0; c < g->cg; c++)
		for (r = r0; r < r1; r++)
			for (s = s0; s < s1; s++) {
				xt[nt] = g->x + (ptrdiff_t)c * g->xplane +
				         (ptrdiff_t)(iy0 + r * g->dh) * g->wd +
				         (ix0 + s * g->dw);
				for (i = 0; i < mb; i++)
					wq[i * CONV_KT + nt] =
					    wt[(ptrdiff_t)i * g->wsz +
					       ((ptrdiff_t)c * g->kh + r) * g->kw + s];
				if (++nt < CONV_KT)
					continue;
				nt = 0;
				if (mb == CONV_MB)
					conv_axpy44(yr[0], yr[1], yr[2], yr[3], xt[0], xt[1],
					            xt[2], xt[3], wq, n, sw);
				else
					conv_axpy14(yr[0], xt[0], xt[1], xt[2], xt[3], wq, n,
					            sw);
			}
	for (t = 0; t < nt; t++) {
		if (mb == CONV_MB)
			conv_axpy41(yr[0], yr[1], yr[2], yr[3], xt[t], wq[t],
			            wq[CONV_KT + t], wq[2 * CONV_KT + t],
			            wq[3 * CONV_KT + t], n, sw);
		else
			conv_axpy11(yr[0], xt[t], wq[t], n, sw);
	}
	if (b)
		for (i = 0; i < mb; i++)
			for (l = 0; l < n; l++)
				yr[i][l] = yr[i][l] + b[i];
}

/* Every channel of a chunk of nch (blocks of CONV_MB, then single ones)
 * at a run of n pixels; y points at row oy of the chunk's first channel. */
QCC_RT_INLINE void
conv_blocks(const struct conv_geom *g, const float *restrict wt,
            const float *restrict b, float *restrict y, int32_t nch,
            int32_t n, int32_t oy, int32_t ox0, int32_t r0, int32_t r1,
            int32_t s0, int32_t s1)
{
	int32_t i;

	for (i = 0; i + CONV_MB <= nch; i += CONV_MB) {
		const float *wi = wt + (ptrdiff_t)i * g->wsz;
		const float *bi = b ? b + i : b;
		float *yi = y + i * g->yplane;

		if (g->sw == 1)
			conv_block(g, wi, bi, yi, CONV_MB, n, 1, oy, ox0, r0, r1, s0,
			           s1);
		else
			conv_block(g, wi, bi, yi, CONV_MB, n, g->sw, oy, ox0, r0, r1,
			           s0, s1);
	}
	for (; i < nch; i++) {
		const float *wi = wt + (ptrdiff_t)i * g->wsz;
		const float *bi = b ? b + i : b;
		float *yi = y + i * g->yplane;

		if (g->sw == 1)
			conv_block(g, wi, bi, yi, 1, n, 1, oy, ox0, r0, r1, s0, s1);
		else
			conv_block(g, wi, bi, yi, 1, n, g->sw, oy, ox0, r0, r1, s0,
			           s1);
	}
}

/* One output pixel whose window may leave the image left or right. */
QCC_RT_INLINE void
conv_edge(const struct conv_geom *g, const float *restrict wt,
          const float *restrict b, float *restrict y, int32_t nch,
          int32_t oy, int32_t ox, int32_t r0, int32_t r1)
{
	int32_t ix = ox * g->sw - g->pl;
	int32_t s0 = 0, s1 = g->kw;

	while (s0 < s1 && ix + s0 * g->dw < 0)
		s0++;
	while (s1 > s0 && ix + (s1 - 1) * g->dw >= g->wd)
		s1--;
	conv_blocks(g, wt, b, y, nch, 1, oy, ox, r0, r1, s0, s1);
}

/* [lo, hi): the output columns whose whole window is inside the image. */
QCC_RT_INLINE void
conv_inner_cols(const struct conv_geom *g, int32_t ow, int32_t *lo,
                int32_t *hi)
{
	int32_t span = g->wd - 1 + g->pl - (g->kw - 1) * g->dw;

	*lo = (g->pl + g->sw - 1) / g->sw;
	*lo = *lo < ow ? *lo : ow;
	*hi = span >= 0 ? span / g->sw + 1 : 0;
	*hi = *hi < ow ? *hi : ow;
	*hi = *hi > *lo ? *hi : *lo;
}

/* Output row oy of nch channels (only its edge columns if edges_only); y
 * points at the chunk's first plane. */
QCC_RT_INLINE void
conv_row(const struct conv_geom *g, const float *restrict wt,
         const float *restrict b, float *restrict y, int32_t nch, int32_t oy,
         int32_t ow, int32_t edges_only)
{
	int32_t iy = oy * g->sh - g->pt;
	int32_t r0 = 0, r1 = g->kh, lo, hi, ox, n;
	float *yr = y + (ptrdiff_t)oy * ow;

	while (r0 < r1 && iy + r0 * g->dh < 0)
		r0++;
	while (r1 > r0 && iy + (r1 - 1) * g->dh >= g->h)
		r1--;
	conv_inner_cols(g, ow, &lo, &hi);
	for (ox = 0; ox < lo; ox++)
		conv_edge(g, wt, b, yr, nch, oy, ox, r0, r1);
	for (; !edges_only && ox < hi; ox += n) {
		n = hi - ox < CONV_RUN ? hi - ox : CONV_RUN;
		conv_blocks(g, wt, b, yr, nch, n, oy, ox, r0, r1, 0, g->kw);
	}
	for (ox = hi; ox < ow; ox++)
		conv_edge(g, wt, b, yr, nch, oy, ox, r0, r1);
}

/* All oh rows of nch channels.  With unit strides and ow == wd (padding
 * that keeps the width), output pixel p = oy*ow + ox reads input pixel
 * p + (r*dh - pt)*wd + s*dw - pl for every tap, so the rows whose kernel
 * rows are all inside the image run as one stretch of pixels from the
 * first inner column of the first such row to the last inner column of
 * the last; the edge columns in between get wrapped-around sums there
 * (all reads stay inside the image) and are recomputed after. */
QCC_RT_INLINE void
conv_plane(const struct conv_geom *g, const float *restrict wt,
           const float *restrict b, float *restrict y, int32_t nch,
           int32_t oh, int32_t ow)
{
	int32_t oy, ylo = 0, yhi = oh, lo, hi, n;
	ptrdiff_t p, p1;

	conv_inner_cols(g, ow, &lo, &hi);
	if (g->sw != 1 || g->sh != 1 || ow != g->wd || lo >= hi) {
		for (oy = 0; oy < oh; oy++)
			conv_row(g, wt, b, y, nch, oy, ow, 0);
		return;
	}
	while (ylo < oh && ylo - g->pt < 0)
		ylo++;
	while (yhi > ylo && yhi - 1 - g->pt + (g->kh - 1) * g->dh >= g->h)
		yhi--;
	for (oy = 0; oy < ylo; oy++)
		conv_row(g, wt, b, y, nch, oy, ow, 0);
	p1 = (ptrdiff_t)(yhi - 1) * ow + hi;
	for (p = (ptrdiff_t)ylo * ow + lo; p < p1; p += n) {
		n = p1 - p < CONV_RUN ? (int32_t)(p1 - p) : CONV_RUN;
		conv_blocks(g, wt, b, y, nch, n, 0, (int32_t)p, 0, g->kh, 0,
		            g->kw);
	}
	for (oy = ylo; oy < yhi; oy++)
		conv_row(g, wt, b, y, nch, oy, ow, 1);
	for (oy = yhi > ylo ? yhi : ylo; oy < oh; oy++)
		conv_row(g, wt, b, y, nch, oy, ow, 0);
}

QCC_RT_API void
qcc_rt_conv2d_f32(const float *restrict x, const float *restrict w,
                  const float *restrict bias, float *restrict y, int32_t nb,
                  int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh,
                  int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                  int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                  int32_t group, int32_t act, float alpha, float beta)
{
	struct conv_geom g;
	int32_t n, gi, mg, m0, nch, chunk;

	if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 &&
	    oh == h && ow == wd) {
		wd = ow = h * wd;
		h = oh = 1;
	}
	g.xplane = (ptrdiff_t)h * wd;
	g.yplane = (ptrdiff_t)oh * ow;
	g.cg = c / group;
	g.h = h;
	g.wd = wd;
	g.kh = kh;
	g.kw = kw;
	g.sh = sh;
	g.sw = sw;
	g.dh = dh;
	g.dw = dw;
	g.pt = pt;
	g.pl = pl;
	g.wsz = g.cg * kh * kw;
	mg = m / group;
	chunk = CONV_CHUNK_FLOATS / (g.wsz > 0 ? g.wsz : 1);
	chunk = chunk / CONV_MB * CONV_MB;
	chunk = chunk > CONV_MB ? chunk : CONV_MB;
	for (n = 0; n < nb; n++) {
		for (gi = 0; gi < group; gi++) {
			ptrdiff_t mfirst = (ptrdiff_t)gi * mg;

			g.x = x + ((ptrdiff_t)n * c + (ptrdiff_t)gi * g.cg) * g.xplane;
			for (m0 = 0; m0 < mg; m0 += chunk) {
				ptrdiff_t mc = mfirst + m0;
				float *yc = y + ((ptrdiff_t)n * m + mc) * g.yplane;

				nch = mg - m0 < chunk ? mg - m0 : chunk;
				conv_plane(&g, w + mc * g.wsz, bias ? bias + mc : bias, yc,
				           nch, oh, ow);
				if (act != QCC_ACT_NONE)
					qcc_rt_act_f32(yc, yc, (int32_t)(nch * g.yplane), act,
					               alpha, beta);
			}
		}
	}
}
