/* conv_packed.c -- 2-D convolution (group 1) with weights packed at compile
 * time into panels of QCC_RT_PANEL output channels, register blocked.
 *
 * Packed layout (backends/lower_conv_packed.c writes it, qcc_rt.h states
 * it): for panel width P (QCC_RT_PANEL, or 16 for qcc_rt_conv2d_packed16_f32),
 * panel q and reduction index k = (ci*kh + r)*kw + s,
 *     wp[(q*K + k)*P + j] = w[q*P + j, ci, r, s]
 * with K = c*kh*kw and zeros past the last output channel.  So the weights
 * one tap gives to a panel are one contiguous vector.
 *
 * The work is tiles of up to PK_NP output pixels times two panels (or the
 * one left over): PK_NP * 2 * P accumulators that stay in registers over
 * the whole reduction (with P = 8, 6 x 16 floats is twelve 8-lane vectors:
 * AVX2's sixteen registers hold them, the two weight vectors and the
 * broadcast input; with P = 16 the same twelve registers of AVX-512's
 * thirty-two are 16-lane ones, twice the work per instruction).  Each tap is one input element per pixel times a
 * weight vector per panel, in the order input channel, kernel row, kernel
 * column, so every output sums its taps exactly as a plain loop would;
 * then the bias, then (if given) the residual, then the activation, and
 * the tile is stored once.
 *
 * A tile's pixels need not be neighbours: each has its own input and output
 * offset.  What they share is the set of taps inside the image (the window
 * class), so the output plane is cut into rectangles of rows with the same
 * kernel rows inside and columns with the same kernel columns inside (the
 * middle rectangle, usually nearly everything, has the whole window), and
 * each rectangle's pixels are taken in raster order in tiles of equal size
 * (at most PK_NP; 25 pixels are five tiles of 5, not four of 6 and a
 * lone pixel, whose tile would wait on its two accumulator chains).  Up
 * to PK_TB tiles (of up to PK_MAXCLS classes) are gathered, then every
 * panel pair runs over them: a panel pair's weights are reused from cache
 * PK_TB times, and all the weights are read once per PK_TB tiles.  A 1x1
 * convolution with stride 1 and no padding is one row of h*w pixels.
 */
#include "../qcc_rt.h"

enum {
	PK_NRMAX = 16, PK_NP = 6, PK_TB = 64, PK_MAXCLS = 16,
	PK_MAXTAPS = QCC_RT_PACKED_MAXTAPS
};

struct pk_geom {
	const float *x;      /* image n */
	const float *w;      /* packed weights */
	const float *b;      /* bias or NULL */
	const float *res;    /* residual, image n, or NULL */
	float *y;            /* image n */
	ptrdiff_t xplane, yplane, kpan;  /* kpan: floats per panel */
	int32_t c, h, wd, m, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t act, nr;     /* nr: the panel width, 8 or 16 */
	float alpha, beta;
};

/* The taps of one window class: input offsets from the pixel's tap (0,0)
 * and indices into a panel's per-channel weights. */
struct pk_taps {
	ptrdiff_t off[PK_MAXTAPS];
	int32_t widx[PK_MAXTAPS];
	int32_t n;
};

/* Tiles gathered for one sweep of the panels, and their window classes. */
struct pk_batch {
	ptrdiff_t xo[PK_TB][PK_NP];   /* input offset of each pixel's tap (0,0) */
	ptrdiff_t yo[PK_TB][PK_NP];   /* output offset */
	int32_t np[PK_TB];            /* pixels in the tile */
	int32_t cls[PK_TB];           /* index into taps */
	int32_t nt, ncls;
	struct pk_taps taps[PK_MAXCLS];
};

/* np (a constant after inlining) pixels times npan panels from output
 * channel m0: the sums, then the epilogue, stored. */
QCC_RT_INLINE void
pk_tile(const struct pk_geom *g, const struct pk_taps *t,
        const ptrdiff_t *xo, const ptrdiff_t *yo, int32_t m0, int32_t npan,
        int32_t np, int32_t nr)
{
	float acc[PK_NP][2 * PK_NRMAX], out[PK_NP][2 * PK_NRMAX];
	const float *wq = g->w + (ptrdiff_t)(m0 / nr) * g->kpan;
	ptrdiff_t wstep = (ptrdiff_t)g->kh * g->kw * nr;
	int32_t ci, k, p, j, mlim, inl;

#pragma GCC unroll 6
	for (p = 0; p < np; p++)
#pragma GCC unroll 32
		for (j = 0; j < 2 * nr; j++)
			acc[p][j] = 0.0f;
	for (ci = 0; ci < g->c; ci++) {
		const float *xc = g->x + (ptrdiff_t)ci * g->xplane;
		const float *wc = wq + (ptrdiff_t)ci * wstep;

		for (k = 0; k < t->n; k++) {
			const float *xs = xc + t->off[k];
			const float *w0 = wc + (ptrdiff_t)t->widx[k] * nr;
			const float *w1 = w0 + g->kpan;

#pragma GCC unroll 6
			for (p = 0; p < np; p++) {
				float xv = xs[xo[p]];

#pragma GCC unroll 16
				for (j = 0; j < nr; j++)
					acc[p][j] += xv * w0[j];
				if (npan == 2)
#pragma GCC unroll 16
					for (j = 0; j < nr; j++)
						acc[p][nr + j] += xv * w1[j];
			}
		}
	}
	/* acc only ever indexed by constants, so it stays in registers; the
	 * epilogue's variable indices read a copy */
#pragma GCC unroll 6
	for (p = 0; p < np; p++)
#pragma GCC unroll 32
		for (j = 0; j < 2 * nr; j++)
			out[p][j] = acc[p][j];
	mlim = g->m - m0 < npan * nr ? g->m - m0 : npan * nr;
	/* ReLU and Clip inline per value (a call per pixel costs the stem a
	 * quarter of its time); the transcendental ones by rows, which the
	 * same functions make equal to the inline values */
	inl = g->act == QCC_ACT_NONE || g->act == QCC_ACT_RELU ||
	      g->act == QCC_ACT_CLIP;
	for (p = 0; p < np; p++) {
		for (j = 0; j < mlim; j++) {
			ptrdiff_t o = (ptrdiff_t)(m0 + j) * g->yplane + yo[p];

			if (g->b)
				out[p][j] = out[p][j] + g->b[m0 + j];
			if (g->res)
				out[p][j] = out[p][j] + g->res[o];
			if (inl)
				out[p][j] = qcc_rt_act1_f32(out[p][j], g->act,
				                            g->alpha, g->beta);
		}
		if (!inl)
			qcc_rt_act_row_f32(out[p], mlim, g->act, g->alpha,
			                   g->beta);
		for (j = 0; j < mlim; j++)
			g->y[(ptrdiff_t)(m0 + j) * g->yplane + yo[p]] = out[p][j];
	}
}

/* One tile with np a constant in each branch, so pk_tile's pixel loops
 * unroll. */
QCC_RT_INLINE void
pk_tile_np(const struct pk_geom *g, const struct pk_taps *t,
           const ptrdiff_t *xo, const ptrdiff_t *yo, int32_t m0,
           int32_t npan, int32_t np, int32_t nr)
{
	switch (np) {
	case 6:
		pk_tile(g, t, xo, yo, m0, npan, 6, nr);
		break;
	case 5:
		pk_tile(g, t, xo, yo, m0, npan, 5, nr);
		break;
	case 4:
		pk_tile(g, t, xo, yo, m0, npan, 4, nr);
		break;
	case 3:
		pk_tile(g, t, xo, yo, m0, npan, 3, nr);
		break;
	case 2:
		pk_tile(g, t, xo, yo, m0, npan, 2, nr);
		break;
	default:
		pk_tile(g, t, xo, yo, m0, npan, 1, nr);
		break;
	}
}

/* Every panel pair over the gathered tiles; empties the batch but keeps
 * the classes. */
QCC_RT_INLINE void
pk_flush(const struct pk_geom *g, struct pk_batch *bt)
{
	int32_t m0, i;

	for (m0 = 0; m0 < g->m; m0 += 2 * g->nr) {
		if (g->m - m0 > g->nr && g->nr == 16)
			for (i = 0; i < bt->nt; i++)
				pk_tile_np(g, &bt->taps[bt->cls[i]], bt->xo[i], bt->yo[i],
				           m0, 2, bt->np[i], 16);
		else if (g->nr == 16)
			for (i = 0; i < bt->nt; i++)
				pk_tile_np(g, &bt->taps[bt->cls[i]], bt->xo[i], bt->yo[i],
				           m0, 1, bt->np[i], 16);
		else if (g->m - m0 > g->nr)
			for (i = 0; i < bt->nt; i++)
				pk_tile_np(g, &bt->taps[bt->cls[i]], bt->xo[i], bt->yo[i],
				           m0, 2, bt->np[i], 8);
		else
			for (i = 0; i < bt->nt; i++)
				pk_tile_np(g, &bt->taps[bt->cls[i]], bt->xo[i], bt->yo[i],
				           m0, 1, bt->np[i], 8);
	}
	bt->nt = 0;
}

/* Ends the tile being filled (p pixels) and flushes a full batch; the
 * class being used moves to slot 0 so the batch can go on. */
QCC_RT_INLINE void
pk_end_tile(const struct pk_geom *g, struct pk_batch *bt, int32_t p)
{
	int32_t cl = bt->ncls - 1, k;

	bt->np[bt->nt] = p;
	bt->cls[bt->nt++] = cl;
	if (bt->nt < PK_TB)
		return;
	pk_flush(g, bt);
	/* element by element: a struct copy would be a memcpy call */
	for (k = 0; cl > 0 && k < bt->taps[cl].n; k++) {
		bt->taps[0].off[k] = bt->taps[cl].off[k];
		bt->taps[0].widx[k] = bt->taps[cl].widx[k];
	}
	bt->taps[0].n = bt->taps[cl].n;
	bt->ncls = 1;
}

/* The kernel rows [*r0, *r1) inside the image for output row oy (columns
 * likewise with the other geometry). */
QCC_RT_INLINE void
pk_inside(int32_t o, int32_t st, int32_t pad, int32_t dil, int32_t k,
          int32_t n, int32_t *k0, int32_t *k1)
{
	int32_t i = o * st - pad;

	*k0 = 0;
	*k1 = k;
	while (*k0 < *k1 && i + *k0 * dil < 0)
		(*k0)++;
	while (*k1 > *k0 && i + (*k1 - 1) * dil >= n)
		(*k1)--;
}

/* Output rows [y0, y1) times columns [x0, x1), all of one window class
 * (kernel rows [r0, r1), columns [s0, s1)), into the batch.  A class with
 * no taps still gives bias, residual and activation. */
QCC_RT_INLINE void
pk_rect(const struct pk_geom *g, struct pk_batch *bt, int32_t y0,
        int32_t y1, int32_t x0, int32_t x1, int32_t r0, int32_t r1,
        int32_t s0, int32_t s1)
{
	struct pk_taps *t;
	int32_t r, s, oy, ox, p = 0, n, nt, done = 0;

	if (bt->ncls == PK_MAXCLS) {
		pk_flush(g, bt);
		bt->ncls = 0;
	}
	t = &bt->taps[bt->ncls++];
	t->n = 0;
	for (r = r0; r < r1; r++)
		for (s = s0; s < s1; s++) {
			t->off[t->n] =
			    (ptrdiff_t)r * g->dh * g->wd + (ptrdiff_t)s * g->dw;
			t->widx[t->n++] = r * g->kw + s;
		}
	n = (y1 - y0) * (x1 - x0);
	nt = (n + PK_NP - 1) / PK_NP;
	for (oy = y0; oy < y1; oy++)
		for (ox = x0; ox < x1; ox++) {
			bt->xo[bt->nt][p] =
			    (ptrdiff_t)(oy * g->sh - g->pt) * g->wd +
			    (ox * g->sw - g->pl);
			bt->yo[bt->nt][p] = (ptrdiff_t)oy * g->ow + ox;
			/* tiles of n / nt pixels, the first n % nt one more */
			if (++p < n / nt + (done < n % nt))
				continue;
			pk_end_tile(g, bt, p);
			done++;
			p = 0;
		}
}

/* The next run of columns from ox0 that share their kernel columns: sets
 * *x1 past it and [*s0, *s1) (rows likewise). */
QCC_RT_INLINE void
pk_band(int32_t o0, int32_t no, int32_t st, int32_t pad, int32_t dil,
        int32_t k, int32_t n, int32_t *o1, int32_t *k0, int32_t *k1)
{
	int32_t a, b;

	pk_inside(o0, st, pad, dil, k, n, k0, k1);
	for (*o1 = o0 + 1; *o1 < no; (*o1)++) {
		pk_inside(*o1, st, pad, dil, k, n, &a, &b);
		if (a != *k0 || b != *k1)
			break;
	}
}

/* The convolution with panels of nr (8 or 16) output channels. */
QCC_RT_INLINE void
pk_conv(const float *restrict x, const float *restrict wp,
        const float *restrict bias, const float *res, float *y, int32_t nb,
        int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
        int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
        int32_t dw, int32_t pt, int32_t pl, int32_t nr, int32_t act,
        float alpha, float beta)
{
	struct pk_geom g;
	struct pk_batch bt;
	int32_t n, y0, y1, x0, x1, r0, r1, s0, s1;

	if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 &&
	    oh == h && ow == wd) {
		wd = ow = h * wd;
		h = oh = 1;
	}
	g.w = wp;
	g.b = bias;
	g.xplane = (ptrdiff_t)h * wd;
	g.yplane = (ptrdiff_t)oh * ow;
	g.kpan = (ptrdiff_t)c * kh * kw * nr;
	g.nr = nr;
	g.c = c;
	g.h = h;
	g.wd = wd;
	g.m = m;
	g.oh = oh;
	g.ow = ow;
	g.kh = kh;
	g.kw = kw;
	g.sh = sh;
	g.sw = sw;
	g.dh = dh;
	g.dw = dw;
	g.pt = pt;
	g.pl = pl;
	g.act = act;
	g.alpha = alpha;
	g.beta = beta;
	for (n = 0; n < nb; n++) {
		bt.nt = bt.ncls = 0;
		g.x = x + (ptrdiff_t)n * c * g.xplane;
		g.y = y + (ptrdiff_t)n * m * g.yplane;
		g.res = res ? res + (ptrdiff_t)n * m * g.yplane : res;
		for (y0 = 0; y0 < oh; y0 = y1) {
			pk_band(y0, oh, sh, pt, dh, kh, h, &y1, &r0, &r1);
			for (x0 = 0; x0 < ow; x0 = x1) {
				pk_band(x0, ow, sw, pl, dw, kw, wd, &x1, &s0, &s1);
				pk_rect(&g, &bt, y0, y1, x0, x1, r0, r1, s0, s1);
			}
		}
		pk_flush(&g, &bt);
	}
}

QCC_RT_API void
qcc_rt_conv2d_packed_f32(const float *restrict x, const float *restrict wp,
                         const float *restrict bias, const float *res,
                         float *y, int32_t nb, int32_t c, int32_t h,
                         int32_t wd, int32_t m, int32_t oh, int32_t ow,
                         int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                         int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                         int32_t act, float alpha, float beta)
{
	pk_conv(x, wp, bias, res, y, nb, c, h, wd, m, oh, ow, kh, kw, sh, sw, dh,
	        dw, pt, pl, QCC_RT_PANEL, act, alpha, beta);
}

QCC_RT_API void
qcc_rt_conv2d_packed16_f32(const float *restrict x,
                           const float *restrict wp,
                           const float *restrict bias, const float *res,
                           float *y, int32_t nb, int32_t c, int32_t h,
                           int32_t wd, int32_t m, int32_t oh, int32_t ow,
                           int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                           int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                           int32_t act, float alpha, float beta)
{
	pk_conv(x, wp, bias, res, y, nb, c, h, wd, m, oh, ow, kh, kw, sh, sw, dh,
	        dw, pt, pl, 16, act, alpha, beta);
}
