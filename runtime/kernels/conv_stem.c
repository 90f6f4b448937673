/* conv_stem.c -- 2-D convolution (group 1) with a short reduction, as a
 * register-blocked matrix product over output pixels that reads a padded,
 * stride-split copy of the input: the first layers of CNNs (3 input
 * channels, a 7x7/2 or 3x3/2 window) and other layers with few taps.
 *
 * With K = c*kh*kw and k = (ci*kh + r)*kw + s, output channel mo of pixel
 * (oy, ox) is the sum over k of w[mo, k] * xp[ci, oy*sh + r*dh, ox*sw +
 * s*dw], xp the input padded with zeros.  Split xp by stride phase:
 *     xs[ci, py, px, i, j] = xp[ci, i*sh + py, j*sw + px]
 * Then tap (ci, r, s) of pixel (oy, ox) is xs[ci, (r*dh) % sh,
 * (s*dw) % sw, oy + (r*dh) / sh, ox + (s*dw) / sw]: for a fixed tap,
 * consecutive output pixels read consecutive elements.  So with the phase
 * planes wq = ow + (kw-1)*dw/sw columns wide, the output pixel at flat
 * index q = oy*wq + ox reads tap k at xs + off[k] + q, one offset per tap,
 * and a register tile of rows output channels times 16 or 32 pixels loads
 * its inputs as whole vectors at every step k, broadcasts one weight per
 * row and does rows * pixels multiply-adds (conv_gemm.c's tile, with the
 * whole reduction in registers: no im2col, no partial sums).
 *
 * The copy is made for bands of output rows at a time, so it stays in a
 * stack buffer of QCC_RT_STEM_BUF floats (the band's input rows, split,
 * zeros for padding), and every row group of the weights runs over the
 * band's tiles.  Tiles follow output rows (a row of 112 pixels is tiles of
 * 32, 32, 32 and 16: no waste; a row of 28 one tile of 32) or, with a
 * residual and where that wastes more, run over the band's flat index,
 * crossing rows and computing the wq - ow columns between them for
 * nothing.  A row tile stores its vectors whole from the registers, also
 * past the row's end: those lanes land on the first outputs of the next
 * rows of the same channel, which later tiles store over (rows go in
 * increasing order), except at the plane's end and where a residual is
 * read (in place, it may be y), which go through a buffer (fmnist's
 * 1->16 28x28 stem: 4.1 -> 2.4 us against element copies of flat tiles).
 *
 * Weights are packed as qcc_rt_conv2d_gemm_f32's (panels of
 * QCC_RT_GEMM_MR output channels, one contiguous run of the panel's
 * weights per k).  Every output sums its taps in k order from zero (a
 * padding tap adds x * 0 = +-0, which leaves such a sum unchanged), then
 * the bias, then the residual, then the activation: qcc_rt_conv2d_f32's
 * order, so the results are the same.
 */
#include "../qcc_rt.h"
#include "../qcc_vec16.h"

enum {
	CS_MR = QCC_RT_GEMM_MR,
	CS_RMAX = 2 * CS_MR,
	CS_NRMAX = 32,
	CS_BUF = QCC_RT_STEM_BUF,
	CS_KMAX = QCC_RT_STEM_MAXK,
	CS_SEG = 4      /* output runs one flat tile touches, at most */
};

struct cs_geom {
	const float *w;      /* packed weights */
	const float *b;      /* bias or NULL */
	const float *res;    /* residual, image n, or NULL */
	float *y;            /* image n */
	const float *xs;     /* the band's split copy */
	ptrdiff_t yplane, kk;
	int32_t off[CS_KMAX];   /* tap k's offset in xs */
	int32_t m, ow, wq, act;
	float alpha, beta;
};

/* A tile's output runs: pixels [p, p + n) of the tile go to the plane at
 * o, for each of its ns runs. */
struct cs_runs {
	int32_t ns, p[CS_SEG], n[CS_SEG];
	ptrdiff_t o[CS_SEG];
};

/* Between a tile's rows (row i at t + i * CS_NRMAX) and the output
 * plane along the tile's runs, for channels [m0, m0 + mr): store, or
 * (load) gather the residual.  Not unrolled: one loop nest per tile. */
static void
cs_move(const struct cs_geom *g, float *t, int32_t m0, int32_t mr,
        const struct cs_runs *ru, int32_t load)
{
	int32_t i, s, p;

	for (i = 0; i < mr; i++) {
		float *tr = t + i * CS_NRMAX;
		ptrdiff_t row = (ptrdiff_t)(m0 + i) * g->yplane;

		for (s = 0; s < ru->ns; s++) {
			if (load)
				for (p = 0; p < ru->n[s]; p++)
					tr[ru->p[s] + p] = g->res[row + ru->o[s] + p];
			else
				for (p = 0; p < ru->n[s]; p++)
					g->y[row + ru->o[s] + p] = tr[ru->p[s] + p];
		}
	}
}

/* Row mo of a tile (nv vectors in a): bias, the residual row rr (or
 * NULL), ReLU or Clip; then stored at yr if full, else into t. */
QCC_RT_INLINE void
cs_row_out(const struct cs_geom *g, qv16 *a, int32_t nv, const float *rr,
           int32_t mo, float *yr, float *t, int32_t full)
{
	qv16 u;
	int32_t v;

	if (g->b) {
		qv_splat(&u, g->b[mo]);
#pragma GCC unroll 2
		for (v = 0; v < nv; v++)
			qv_add(&a[v], &u);
	}
	if (rr)
#pragma GCC unroll 2
		for (v = 0; v < nv; v++) {
			qv_load(&u, rr + 16 * v);
			qv_add(&a[v], &u);
		}
	if (g->act == QCC_ACT_RELU || g->act == QCC_ACT_CLIP) {
		int32_t clip = g->act == QCC_ACT_CLIP;
		qv16 lo, hi;

		qv_splat(&lo, clip ? g->alpha : 0.0f);
		qv_splat(&hi, g->beta);
#pragma GCC unroll 2
		for (v = 0; v < nv; v++)
			qv_clamp(&a[v], &lo, &hi, clip);
	}
#pragma GCC unroll 2
	for (v = 0; v < nv; v++)
		qv_store(full ? yr + 16 * v : t + 16 * v, &a[v]);
}

/* One tile: output channels [m0, m0 + mr) (mr <= rows), 16 * nv pixels
 * whose tap 0 is at xq in the split copy, the whole reduction.  rows (6
 * or 12) and nv (1 or 2) are constants at every call.  A tile that is one
 * whole run is stored from the registers, others through t. */
QCC_RT_INLINE void
cs_tile(const struct cs_geom *g, const float *xq, int32_t m0, int32_t mr,
        const struct cs_runs *ru, int32_t rows, int32_t nv)
{
	qv16 acc[CS_RMAX][2];
	float t[CS_RMAX * CS_NRMAX], rt[CS_RMAX * CS_NRMAX];
	const float *w0 = g->w + (ptrdiff_t)(m0 / CS_MR) * g->kk * CS_MR;
	ptrdiff_t w1 = g->kk * CS_MR - CS_MR;   /* the next panel, from row 6 */
	ptrdiff_t yo = (ptrdiff_t)m0 * g->yplane + ru->o[0];
	int32_t i, v, k, full = ru->ns == 1 && ru->n[0] == 16 * nv;

	/* a run that ends before the plane's last 16 * nv outputs may be
	 * stored whole too: the lanes past it land on outputs of the same
	 * channel that later tiles store (rows in increasing order), unless a
	 * residual is read from there */
	full |= ru->ns == 1 && ru->p[0] == 0 && !g->res &&
	        ru->o[0] + 16 * nv <= g->yplane;

#pragma GCC unroll 12
	for (i = 0; i < rows; i++)
#pragma GCC unroll 2
		for (v = 0; v < nv; v++)
			qv_splat(&acc[i][v], 0.0f);
	for (k = 0; k < g->kk; k++) {
		const float *bk = xq + g->off[k];
		qv16 bv[2];

#pragma GCC unroll 2
		for (v = 0; v < nv; v++)
			qv_load(&bv[v], bk + 16 * v);
#pragma GCC unroll 12
		for (i = 0; i < rows; i++) {
			float wv = i < CS_MR ? w0[k * CS_MR + i] :
			                       w0[w1 + k * CS_MR + i];

#pragma GCC unroll 2
			for (v = 0; v < nv; v++)
				qv_fma(&acc[i][v], wv, &bv[v]);
		}
	}
	if (g->res) {
		for (i = 0; i < CS_RMAX * CS_NRMAX; i++)
			rt[i] = 0.0f;
		cs_move(g, rt, m0, mr, ru, 1);
	}
#pragma GCC unroll 12
	for (i = 0; i < rows; i++)
		if (i < mr)
			cs_row_out(g, acc[i], nv, g->res ? rt + i * CS_NRMAX : NULL,
			           m0 + i, g->y + yo + i * g->yplane, t + i * CS_NRMAX,
			           full);
	if (!full)
		cs_move(g, t, m0, mr, ru, 0);
}

/* The output runs of a tile of np pixels from flat index q0 of the band
 * starting at output row oy0. */
QCC_RT_INLINE void
cs_plan_runs(const struct cs_geom *g, int32_t oy0, int32_t q0, int32_t np,
             struct cs_runs *ru)
{
	int32_t p = 0, q, oy, ox, n;

	ru->ns = 0;
	while (p < np && ru->ns < CS_SEG) {
		q = q0 + p;
		oy = q / g->wq;
		ox = q - oy * g->wq;
		if (ox >= g->ow) {
			p += g->wq - ox;
			continue;
		}
		n = g->ow - ox < np - p ? g->ow - ox : np - p;
		ru->p[ru->ns] = p;
		ru->n[ru->ns] = n;
		ru->o[ru->ns++] = (ptrdiff_t)(oy0 + oy) * g->ow + ox;
		p += n;
	}
}

/* The band's pixels [q0, q1) of the flat index, tiles nr wide while more
 * than 16 remain, for every row group. */
QCC_RT_INLINE void
cs_run(const struct cs_geom *g, int32_t oy0, int32_t q0, int32_t q1,
       int32_t nr)
{
	struct cs_runs ru;
	int32_t q, nw, np, m0, mr, rows, rmax = nr == 32 ? CS_RMAX : CS_MR;

	for (q = q0; q < q1; q += nw) {
		nw = q1 - q > 16 ? nr : 16;
		np = q1 - q < nw ? q1 - q : nw;
		cs_plan_runs(g, oy0, q, np, &ru);
		for (m0 = 0; m0 < g->m; m0 += rows) {
			mr = g->m - m0 < rmax ? g->m - m0 : rmax;
			rows = mr > CS_MR ? CS_RMAX : CS_MR;
			if (rows == CS_RMAX && nw == 32)
				cs_tile(g, g->xs + q, m0, mr, &ru, CS_RMAX, 2);
			else if (rows == CS_RMAX)
				cs_tile(g, g->xs + q, m0, mr, &ru, CS_RMAX, 1);
			else if (nw == 32)
				cs_tile(g, g->xs + q, m0, mr, &ru, CS_MR, 2);
			else
				cs_tile(g, g->xs + q, m0, mr, &ru, CS_MR, 1);
		}
	}
}

/* Pixels computed for a run of n: tiles of nr while more than 16 remain,
 * then one of 16. */
QCC_RT_INLINE int32_t
cs_cost(int32_t n, int32_t nr)
{
	int32_t c = 0;

	while (n > 16) {
		c += nr;
		n -= nr;
	}
	return n > 0 ? c + 16 : c;
}

/* d[j] = x[ci, iy, j*sw + ix0] for j < wq, zero outside the image: the
 * columns inside are [j0, j1), copied without tests. */
QCC_RT_INLINE void
cs_copy_row(float *d, const float *x, int32_t ci, int32_t iy, int32_t ix0,
            int32_t h, int32_t wd, int32_t sw, int32_t wq)
{
	const float *xr = x;
	int32_t j, j0 = 0, j1 = 0;

	if (iy >= 0 && iy < h) {
		xr = x + ((ptrdiff_t)ci * h + iy) * wd + ix0;
		j0 = ix0 >= 0 ? 0 : (-ix0 + sw - 1) / sw;
		j1 = wd - ix0 > 0 ? (wd - ix0 + sw - 1) / sw : 0;
		j1 = j1 < wq ? j1 : wq;
		j0 = j0 < j1 ? j0 : j1;
	}
	for (j = 0; j < j0; j++)
		d[j] = 0.0f;
	if (sw == 1)
		for (j = j0; j < j1; j++)
			d[j] = xr[j];
	else if (sw == 2)
		for (j = j0; j < j1; j++)
			d[j] = xr[2 * j];
	else
		for (j = j0; j < j1; j++)
			d[j] = xr[(ptrdiff_t)j * sw];
	for (j = j1; j < wq; j++)
		d[j] = 0.0f;
}

QCC_RT_API void
qcc_rt_conv2d_stem_f32(const float *restrict x, const float *restrict wp,
                       const float *restrict bias, const float *res,
                       float *y, int32_t nb, int32_t c, int32_t h,
                       int32_t wd, int32_t m, int32_t oh, int32_t ow,
                       int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                       int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                       int32_t nr, int32_t act, float alpha, float beta)
{
	float xs[CS_BUF];
	struct cs_geom g;
	int32_t ext = (kh - 1) * dh / sh, band, rows, plane, n, oy0, nrow;
	int32_t ci, py, px, i, r, s, k, mo, flat;

	g.wq = ow + (kw - 1) * dw / sw;
	band = QCC_RT_STEM_BAND(c, sh, sw, ext, g.wq);
	band = band < 1 ? 1 : band > oh ? oh : band;
	rows = band + ext;
	plane = rows * g.wq;
	g.w = wp;
	g.b = bias;
	g.yplane = (ptrdiff_t)oh * ow;
	g.kk = (ptrdiff_t)c * kh * kw;
	g.m = m;
	g.ow = ow;
	g.act = act == QCC_ACT_RELU || act == QCC_ACT_CLIP ? act : QCC_ACT_NONE;
	g.alpha = alpha;
	g.beta = beta;
	g.xs = xs;
	for (ci = 0, k = 0; ci < c; ci++)
		for (r = 0; r < kh; r++)
			for (s = 0; s < kw; s++)
				g.off[k++] = ((ci * sh + r * dh % sh) * sw + s * dw % sw) *
				             plane + r * dh / sh * g.wq + s * dw / sw;
	for (i = c * sh * sw * plane; i < CS_BUF; i++)
		xs[i] = 0.0f;
	nr = nr == 32 ? 32 : 16;
	/* a flat tile of nr pixels touches at most (nr - 2) / wq + 2 runs */
	flat = res && (nr - 2) / g.wq + 2 <= CS_SEG &&
	       cs_cost((band - 1) * g.wq + ow, nr) < band * cs_cost(ow, nr);
	for (n = 0; n < nb; n++) {
		const float *xn = x + (ptrdiff_t)n * c * h * wd;

		g.y = y + (ptrdiff_t)n * m * g.yplane;
		g.res = res ? res + (ptrdiff_t)n * m * g.yplane : res;
		for (oy0 = 0; oy0 < oh; oy0 += band) {
			nrow = oh - oy0 < band ? oh - oy0 : band;
			for (ci = 0; ci < c; ci++)
				for (py = 0; py < sh; py++)
					for (px = 0; px < sw; px++)
						for (i = 0; i < nrow + ext; i++)
							cs_copy_row(xs + ((ci * sh + py) * sw + px) *
							                     plane + i * g.wq,
							            xn, ci, (oy0 + i) * sh + py - pt, px - pl,
							            h, wd, sw, g.wq);
			if (flat)
				cs_run(&g, oy0, 0, (nrow - 1) * g.wq + ow, nr);
			else
				for (i = 0; i < nrow; i++)
					cs_run(&g, oy0, i * g.wq, i * g.wq + ow, nr);
			if (act != g.act)
				for (mo = 0; mo < m; mo++)
					qcc_rt_act_row_f32(g.y + (ptrdiff_t)mo * g.yplane +
					                       (ptrdiff_t)oy0 * ow,
					                   nrow * ow, act, alpha, beta);
		}
	}
}
