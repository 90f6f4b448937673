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
 * row or its zero slack and are dropped.  A channel-blocked x whose rows take more than two tiles is
 * not copied: the tiles read its rows in place (rows above and below the
 * image read a row of zeros, a row's last tile is moved back to end with
 * the row), except a row's first and last tiles where
 * they reach the padding columns: those read small per-band buffers of
 * the columns they take, zero-padded.  The outputs of the band, bias
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
	if (g->kh > DWC_KMAX)
		g->nr = 0;
	while (g->nr > 0 && (dwc_buf_size(g, g->nr) > DWC_BUFV ||
	                     dwc_nin(g, g->nr) * g->wd > DWC_BUFV))
		g->nr--;
}

/* -DDWC_DIRECT=0: a blocked x copied to the buffer always (to compare) */
#ifndef DWC_DIRECT
#define DWC_DIRECT 1
#endif
#if DWC_VECTORS
/* Where a row of output tiles goes: pixels at y (pitch one pixel), res
 * (the same places) added unless NULL, then ReLU or Clip when vec. */
struct dwc_sink {
	float *y;
	const float *res;
	int32_t vec, clip;
	float alpha, beta;
};

/* What a band's rows read: the buffer, or (x not NULL) a blocked x's
 * plane read in place, rows outside the image read as zero (wd zero
 * pixels); a row's first and last tiles, where they reach the padding
 * columns (edge[e]), read the band's ni columns they take from ebuf[e]
 * instead, padded with zeros. */
struct dwc_src {
	const dwc_v *buf;
	const float *x, *zero;
	float *ebuf[2];
	int32_t edge[2], ic0[2], ni;
};

/* The n first of the t outputs acc of a tile from ox0 to o: bias vector
 * bv added unless NULL, then o's residual and activation (t a constant:
 * acc stays in registers). */
QCC_RT_INLINE void
dwc_put(dwc_v *acc, const dwc_v *bv, const struct dwc_sink *o, int32_t ox0,
        int32_t n, int32_t t)
{
	int32_t i;
	dwc_v rv;

#pragma GCC unroll 8
	for (i = 0; i < t; i++) {
		ptrdiff_t q = (ptrdiff_t)(ox0 + i) * DWC_V;

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

/* The tile of t outputs from ox0 (n of them kept): kh x kw taps, stride
 * sw, dilation dw (constants where the caller passes them) on kh pixel
 * rows, the tile's first input pixel at column col of each; then
 * dwc_put. */
QCC_RT_INLINE void
dwc_tile(const float *const *rows, ptrdiff_t col, const float *restrict w,
         const dwc_v *bv, const struct dwc_sink *o, int32_t ox0, int32_t n,
         int32_t t, int32_t kh, int32_t kw, int32_t sw, int32_t dw)
{
	dwc_v acc[DWC_TMAX], xv, wk;
	int32_t r, s, i;

#pragma GCC unroll 8
	for (i = 0; i < t; i++)
		dwc_splat(&acc[i], 0.0f);
#pragma GCC unroll 5
	for (r = 0; r < kh; r++) {
		const float *rr = rows[r] + col * DWC_V;

#pragma GCC unroll 5
		for (s = 0; s < kw; s++) {
			dwc_load(&wk, w + (r * kw + s) * DWC_V);
#pragma GCC unroll 8
			for (i = 0; i < t; i++) {
				dwc_load(&xv, rr + (ptrdiff_t)(i * sw + s * dw) * DWC_V);
				acc[i] = acc[i] + wk * xv;
			}
		}
	}
	if (n == t)
		dwc_put(acc, bv, o, ox0, t, t);
	else
		dwc_put(acc, bv, o, ox0, n, t);
}

/* The band of nr output rows from oy0 of the tile whose input columns
 * start at ic0, from a blocked plane xb, into e: ni pixels per input row,
 * zeros outside the image. */
static void
dwc_edge_fill(const struct dwc_geom *g, const float *restrict xb,
              float *restrict e, int32_t ic0, int32_t ni, int32_t oy0,
              int32_t nr)
{
	int32_t ja = ic0 < 0 ? -ic0 : 0, jb = g->wd - ic0 < ni ? g->wd - ic0 : ni;
	int32_t nin = dwc_nin(g, nr), y0 = oy0 * g->sh - g->pt, k, j;
	dwc_v z, v;

	dwc_splat(&z, 0.0f);
	for (k = 0; k < nin; k++, e += (ptrdiff_t)ni * DWC_V) {
		const float *xr;

		if (y0 + k < 0 || y0 + k >= g->h) {
			for (j = 0; j < ni; j++)
				dwc_store(e + (ptrdiff_t)j * DWC_V, &z);
			continue;
		}
		xr = xb + (ptrdiff_t)(y0 + k) * g->wd * DWC_V;
		for (j = 0; j < ja; j++)
			dwc_store(e + (ptrdiff_t)j * DWC_V, &z);
		for (; j < jb; j++) {
			dwc_load(&v, xr + (ptrdiff_t)(ic0 + j) * DWC_V);
			dwc_store(e + (ptrdiff_t)j * DWC_V, &v);
		}
		for (; j < ni; j++)
			dwc_store(e + (ptrdiff_t)j * DWC_V, &z);
	}
}

/* An output row: tiles of t outputs; read in place, the last moved back
 * to end with the row when the row has t outputs or more (outputs
 * computed twice get the same values twice; from the buffer a last tile
 * that runs past the row is faster, AVX2 kbench).  rows[0] are the kh input rows: the buffer's (x
 * NULL), a tile from column ox0*sw; or x's in place, from ox0*sw - pl,
 * the first and last tiles from rows[1] and rows[2] (src->ebuf) if they
 * are edge tiles. */
QCC_RT_INLINE void
dwc_row(const struct dwc_geom *g, const struct dwc_src *src,
        const float *const (*rows)[DWC_KMAX], const float *restrict w,
        const dwc_v *bv, const struct dwc_sink *o, int32_t t, int32_t kh,
        int32_t kw, int32_t sw, int32_t dw)
{
	/* a copy the tiles' stores cannot change: kept in registers */
	struct dwc_sink so = *o;
	int32_t ox0;

	for (ox0 = 0; ox0 < g->ow; ox0 += t) {
		int32_t n = g->ow - ox0 < t ? g->ow - ox0 : t;
		const float *const *rp = rows[0];
		ptrdiff_t col = ox0 * sw;

		if (n < t && g->ow >= t && src->x) {
			ox0 = g->ow - t;
			n = t;
			col = ox0 * sw;
		}
		if (src->x && ox0 == 0 && src->edge[0]) {
			rp = rows[1];
			col = 0;
		} else if (src->x && ox0 + t >= g->ow && src->edge[1]) {
			rp = rows[2];
			col = 0;
		} else if (src->x) {
			col -= g->pl;
		}
		dwc_tile(rp, col, w, bv, &so, ox0, n, t, kh, kw, sw, dw);
	}
}

/* dwc_row with tiles of t (a constant), 3x3 windows, strides 1 and 2 and
 * dilation 1 as constants too (5x5 ones as constants would keep 25
 * weights in registers, and spill). */
QCC_RT_INLINE void
dwc_row_t(const struct dwc_geom *g, const struct dwc_src *src,
          const float *const (*rows)[DWC_KMAX], const float *restrict w,
          const dwc_v *bv, const struct dwc_sink *o, int32_t t)
{
	int32_t k3 = g->kh == 3 && g->kw == 3;

	if (g->dw == 1 && k3 && g->sw == 1)
		dwc_row(g, src, rows, w, bv, o, t, 3, 3, 1, 1);
	else if (g->dw == 1 && k3 && g->sw == 2)
		dwc_row(g, src, rows, w, bv, o, t, 3, 3, 2, 1);
	else if (g->dw == 1 && g->sw == 1)
		dwc_row(g, src, rows, w, bv, o, t, g->kh, g->kw, 1, 1);
	else if (g->dw == 1 && g->sw == 2)
		dwc_row(g, src, rows, w, bv, o, t, g->kh, g->kw, 2, 1);
	else
		dwc_row(g, src, rows, w, bv, o, t, g->kh, g->kw, g->sw, g->dw);
}

/* rows[0..2][0..kh): the input rows of output row k of the band from
 * oy0 (dwc_row). */
QCC_RT_INLINE void
dwc_row_ptrs(const struct dwc_geom *g, const struct dwc_src *src,
             const float *(*rows)[DWC_KMAX], int32_t oy0, int32_t k)
{
	ptrdiff_t ep = (ptrdiff_t)src->ni * DWC_V;
	int32_t r;

	for (r = 0; r < g->kh; r++) {
		int32_t iy = (oy0 + k) * g->sh - g->pt + r * g->dh;
		int32_t kr = k * g->sh + r * g->dh;

		if (!src->x) {
			rows[0][r] = (const float *)(src->buf + kr * g->pw);
			continue;
		}
		rows[0][r] = iy >= 0 && iy < g->h ?
		             src->x + (ptrdiff_t)iy * g->wd * DWC_V : src->zero;
		rows[1][r] = src->ebuf[0] + kr * ep;
		rows[2][r] = src->ebuf[1] + kr * ep;
	}
}

/* The band's nr output rows from oy0 to o's pixels (pitch ow), o.res (if
 * any) moving along (inlined: o's fields are constants in each caller). */
QCC_RT_INLINE void
dwc_rows(const struct dwc_geom *g, const struct dwc_src *src,
         const float *restrict w, const dwc_v *bv, struct dwc_sink o,
         int32_t oy0, int32_t nr)
{
	ptrdiff_t pitch = (ptrdiff_t)g->ow * DWC_V;
	const float *rows[3][DWC_KMAX];
	const float *const (*rp)[DWC_KMAX] =
	    (const float *const (*)[DWC_KMAX])rows;
	int32_t k;

	for (k = 0; k < nr; k++) {
		dwc_row_ptrs(g, src, rows, oy0, k);
		if (g->t == 7)
			dwc_row_t(g, src, rp, w, bv, &o, 7);
		else
			dwc_row_t(g, src, rp, w, bv, &o, 4);
		o.y += pitch;
		if (o.res)
			o.res += pitch;
	}
}

/* Whether a blocked x can be read in place: rows of more than two tiles,
 * every tile but the first and the last inside the image: src set up for it in buf (the zero
 * row, then the two edge buffers), and the band height that leaves room
 * for them returned (0: no). */
static int32_t
dwc_direct(const struct dwc_geom *g, struct dwc_src *src, dwc_v *buf)
{
	int32_t ni = (g->t - 1) * g->sw + (g->kw - 1) * g->dw + 1;
	int32_t last = g->ow >= g->t ? g->ow - g->t : 0, ox0, e, nr = g->nr;

	if (g->ow <= 2 * g->t)
		return 0;   /* no tile inside: the buffer copies no more */
	for (ox0 = g->t; ox0 < last; ox0 += g->t)
		if (ox0 * g->sw - g->pl < 0 || ox0 * g->sw - g->pl + ni > g->wd)
			return 0;
	while (nr > 0 && g->wd + 2 * dwc_nin(g, nr) * ni > DWC_BUFV + 1)
		nr--;
	if (!DWC_DIRECT || nr == 0)
		return 0;
	src->ni = ni;
	src->zero = (const float *)buf;
	for (e = 0; e < 2; e++) {
		src->ic0[e] = (e ? last : 0) * g->sw - g->pl;
		src->edge[e] = src->ic0[e] < 0 || src->ic0[e] + ni > g->wd;
		src->ebuf[e] = (float *)(buf + g->wd + e * dwc_nin(g, nr) * ni);
	}
	src->edge[1] = src->edge[1] && last > 0;
	return nr;
}

/* The band of nr output rows from oy0 of a block with nc channels, from
 * src to y's block (yp, res's rp, planes yplane apart): through o and
 * qcc_rt_dwc_out to NCHW, or straight to a blocked y (yb), the activation
 * act: ReLU and Clip on the vectors, others over the stored pixels (the
 * band's pixels, when there is no residual, before they are transposed:
 * one call on whole vectors instead of one per channel row). */
static void
dwc_band_out(const struct dwc_geom *g, const struct dwc_src *src,
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
		dwc_rows(g, src, w, bv, s, oy0, nr);
		if (!vec && act != QCC_ACT_NONE)
			qcc_rt_act_row_f32(s.y, nr * g->ow * DWC_V, act, alpha, beta);
		return;
	}
	dwc_rows(g, src, w, bv, s, oy0, nr);
	if (!rp && !vec && act != QCC_ACT_NONE) {
		qcc_rt_act_row_f32((float *)o, nr * g->ow * DWC_V, act, alpha, beta);
		act = QCC_ACT_NONE;
	}
	qcc_rt_dwc_out(o, yp, rp, yplane, nc, p0, nr * g->ow, act, alpha, beta);
}
/* Every block of 16 channels, band by band, through buf (filled from x
 * as layout says: with tab, or by rows keeping those the next band
 * shares, from NCHW; by plain copies from blocked pixels) or, blocked x
 * and room for one tile's edge buffer and a zero row, from x in place;
 * then out. */
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
	int32_t nz = dwc_buf_size(g, g->nr), nrd = 0;
	struct dwc_src src = {buf, NULL, NULL, {NULL, NULL}, {0, 0}, {0, 0}, 0};

	if (xb)
		nrd = dwc_direct(g, &src, buf);
	if (nrd)
		nz = g->wd;   /* the zero row; the edge buffers are filled whole */
	for (i = 0; i < nz; i++)
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
				if (xb && nrd) {
					nr = g->oh - oy0 < nrd ? g->oh - oy0 : nrd;
					src.x = x + p * xplane;
					for (v = 0; v < 2; v++)
						if (src.edge[v])
							dwc_edge_fill(g, src.x, src.ebuf[v], src.ic0[v],
							              src.ni, oy0, nr);
				} else if (xb) {
					qcc_rt_dwc_fill_blocked(g, x + p * xplane, buf, oy0, nr);
				}
				if (xb) {
					dwc_band_out(g, &src, w, bias ? &bv : NULL, o,
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
				dwc_band_out(g, &src, w, bias ? &bv : NULL, o, y + p * yplane,
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
