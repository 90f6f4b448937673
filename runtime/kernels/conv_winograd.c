/* conv_winograd.c -- 3x3 convolution with stride 1, dilation 1 and group 1
 * by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2015).
 *
 * The output plane is cut into tiles of 2x2 pixels; tile (ty, tx) reads
 * the 4x4 input patch d_c at rows 2ty - pt .. +3, columns 2tx - pl .. +3 of
 * each input channel c (zero outside the image).  With
 *          | 1  0 -1  0 |        |  1    0    0  |
 *    B^T = | 0  1  1  0 |    G = | 1/2  1/2  1/2 |    A^T = | 1 1  1  0 |
 *          | 0 -1  1  0 |        | 1/2 -1/2  1/2 |          | 0 1 -1 -1 |
 *          | 0  1  0 -1 |        |  0    0    1  |
 * the tile of output channel m is
 *    Y = A^T [ sum over c of U[m,c] .* V[c] ] A,
 *    U[m,c] = G g[m,c] G^T (4x4),   V[c] = B^T d_c B (4x4)
 * exactly in real arithmetic: 16 multiplies per input channel for 4
 * outputs instead of 36.  For each of the 16 positions xi = 4i + j of the
 * 4x4 transforms the sum over c is a matrix product (output channels by
 * input channels times input channels by tiles), so the work is 16 GEMMs
 * plus transforms that only add.  U is computed at compile time
 * (backends/lower_winograd.c); V and the products live in the workspace
 * ws that plan-memory reserves for the op (QCC_RT_WINO2_WS floats).
 *
 * Rounding: the sums do not run in the plain loop's order and the
 * transforms add and subtract inputs before multiplying, so results differ
 * from qcc_rt_conv2d_f32's by a few ulp of the largest terms' magnitude
 * (tests/runtime/test_conv_winograd.c states the bound).
 *
 * Blocking: `rows` tile rows at a time (a block: nt = rows * tw tiles,
 * the caller sizes it so V stays in L2).  For a block:
 *   1. input transform: V[xi][c][t] for every tile t of the block (tiles
 *      contiguous, so the transform vectorizes over tiles), from 4 input
 *      rows copied with their zero padding into ws;
 *   2. for each panel of P output channels (P = nr, 16 or 32: one or two
 *      16-float vectors) and each group of R tiles (6 or 12; 4 for the
 *      last ones): 16 register tiles of R x P sums over c, each step one
 *      weight vector load per 16 channels and one broadcast per tile (as
 *      runtime/kernels/conv_gemm.c's tiles, transposed), into ws;
 *   3. the output transform of the group, vectorized over the panel's
 *      channels, then bias, residual (fuse-add's; may equal y) and the
 *      activation, and the valid outputs stored.
 * A panel's U (16 * c * P floats) is reused from cache by every group of
 * the block; V by every panel.
 *
 * Weights (qcc_rt.h): u[((q*16 + xi)*c + ci)*P + j] = U[q*P + j, ci][xi],
 * zero for output channels >= m.
 */
#include "../qcc_rt.h"
#include "../qcc_vec16.h"

enum {
	WG_NX = 16,            /* transform positions, 4x4 */
	WG_RMAX = 12,          /* tiles of the widest register tile */
	WG_TAIL = 4,           /* tiles of the register tile for the rest */
	WG_PMAX = 32           /* channels of the widest panel */
};

struct wg_geom {
	const float *x;        /* image n */
	const float *u;        /* transformed weights */
	const float *b;        /* bias or NULL */
	const float *res;      /* residual, image n, or NULL */
	float *y;              /* image n */
	float *v;              /* ws: V[xi][c][vs] of a block */
	float *mt;             /* ws: [16][R][P] sums of one group */
	float *rb;             /* ws: 4 padded input rows of wp floats */
	ptrdiff_t vs;          /* tiles per V row: block tiles + WG_TAIL */
	ptrdiff_t plane;       /* oh * ow */
	int32_t c, h, wd, m, oh, ow, pt, pl, tw, wp;
	int32_t act;
	float alpha, beta;
};

/* d = a + b + c and d = a - b - c, lane by lane */
#if defined(__GNUC__) || defined(__clang__)
QCC_RT_INLINE void
wg_add3(qv16 *d, const qv16 *a, const qv16 *b, const qv16 *c)
{
	*d = *a + *b + *c;
}

QCC_RT_INLINE void
wg_sub3(qv16 *d, const qv16 *a, const qv16 *b, const qv16 *c)
{
	*d = *a - *b - *c;
}
#else
QCC_RT_INLINE void
wg_add3(qv16 *d, const qv16 *a, const qv16 *b, const qv16 *c)
{
	int32_t i;

	for (i = 0; i < 16; i++)
		d->f[i] = a->f[i] + b->f[i] + c->f[i];
}

QCC_RT_INLINE void
wg_sub3(qv16 *d, const qv16 *a, const qv16 *b, const qv16 *c)
{
	int32_t i;

	for (i = 0; i < 16; i++)
		d->f[i] = a->f[i] - b->f[i] - c->f[i];
}
#endif

/* Input row iy of channel plane xc into r[0, wp): column j holds
 * x[iy, j - pl], zero outside the image. */
QCC_RT_INLINE void
wg_row(const struct wg_geom *g, const float *xc, int32_t iy, float *r)
{
	const float *xr = xc + (ptrdiff_t)iy * g->wd;
	int32_t j, j0 = g->pl, j1 = g->pl + g->wd;

	if (iy < 0 || iy >= g->h) {
		for (j = 0; j < g->wp; j++)
			r[j] = 0.0f;
		return;
	}
	if (j1 > g->wp)
		j1 = g->wp;
	if (j0 > j1)
		j0 = j1;
	for (j = 0; j < j0; j++)
		r[j] = 0.0f;
	for (j = j0; j < j1; j++)
		r[j] = xr[j - g->pl];
	for (j = j1; j < g->wp; j++)
		r[j] = 0.0f;
}

/* Step 1 for tile rows [ty0, ty0 + nrow): V[xi][ci][t] = (B^T d B)[xi]
 * for tile t of the block, B^T over the four rows first (whole rows at a
 * time), then B over each tile's columns; the WG_TAIL slots past the
 * block's tiles are zero. */
QCC_RT_INLINE void
wg_input(const struct wg_geom *g, int32_t ty0, int32_t nrow)
{
	ptrdiff_t xs = (ptrdiff_t)g->c * g->vs, nt = (ptrdiff_t)nrow * g->tw;
	int32_t ci, t, i, j, k, tw = g->tw, wp = g->wp;
	float *restrict r0 = g->rb;
	float *restrict r1 = r0 + wp;
	float *restrict r2 = r1 + wp;
	float *restrict r3 = r2 + wp;

	for (ci = 0; ci < g->c; ci++) {
		const float *xc = g->x + (ptrdiff_t)ci * g->h * g->wd;
		float *vc = g->v + (ptrdiff_t)ci * g->vs;

		for (t = 0; t < nrow; t++) {
			int32_t iy = 2 * (ty0 + t) - g->pt;

			wg_row(g, xc, iy, r0);
			wg_row(g, xc, iy + 1, r1);
			wg_row(g, xc, iy + 2, r2);
			wg_row(g, xc, iy + 3, r3);
			for (j = 0; j < wp; j++) {
				float d0 = r0[j], d1 = r1[j], d2 = r2[j], d3 = r3[j];

				r0[j] = d0 - d2;
				r1[j] = d1 + d2;
				r2[j] = d2 - d1;
				r3[j] = d1 - d3;
			}
			for (i = 0; i < 4; i++) {
				const float *restrict r = g->rb + i * wp;
				float *restrict v0 = vc + 4 * i * xs + (ptrdiff_t)t * tw;
				float *restrict v1 = v0 + xs;
				float *restrict v2 = v1 + xs;
				float *restrict v3 = v2 + xs;

				for (k = 0; k < tw; k++) {
					float e0 = r[2 * k], o0 = r[2 * k + 1];
					float e1 = r[2 * k + 2], o1 = r[2 * k + 3];

					v0[k] = e0 - e1;
					v1[k] = o0 + e1;
					v2[k] = e1 - o0;
					v3[k] = o0 - o1;
				}
			}
		}
		for (i = 0; i < WG_NX; i++)
			for (k = 0; k < WG_TAIL; k++)
				vc[i * xs + nt + k] = 0.0f;
	}
}

/* Bias, residual and activation of the four outputs o[] of 16 channels
 * from mc (nc of them real) of the tile at (oy, ox) (ny x nx of its
 * outputs inside the image), then the valid ones stored.  bq: the panel's
 * bias, zero past the last channel. */
QCC_RT_INLINE void
wg_finish(const struct wg_geom *g, qv16 *o, const float *bq, int32_t mc,
          int32_t nc, int32_t oy, int32_t ox, int32_t ny, int32_t nx)
{
	float io[4][16];
	qv16 t;
	int32_t k, l, clip = g->act == QCC_ACT_CLIP;
	ptrdiff_t base = (ptrdiff_t)mc * g->plane + (ptrdiff_t)oy * g->ow + ox;

	qv_load(&t, bq);
	for (k = 0; k < 4; k++)
		qv_add(&o[k], &t);
	if (g->res) {
		for (k = 0; k < 4; k++) {
			ptrdiff_t p = base + (k >> 1) * g->ow + (k & 1);
			int32_t in = (k >> 1) < ny && (k & 1) < nx;

			for (l = 0; l < 16; l++)
				io[k][l] = in && l < nc ? g->res[p + l * g->plane] : 0.0f;
			qv_load(&t, io[k]);
			qv_add(&o[k], &t);
		}
	}
	if (g->act == QCC_ACT_RELU || clip) {
		qv16 lo, hi;

		qv_splat(&lo, clip ? g->alpha : 0.0f);
		qv_splat(&hi, g->beta);
		for (k = 0; k < 4; k++)
			qv_clamp(&o[k], &lo, &hi, clip);
	}
	for (k = 0; k < 4; k++)
		qv_store(io[k], &o[k]);
	if (g->act != QCC_ACT_NONE && g->act != QCC_ACT_RELU && !clip)
		qcc_rt_act_row_f32(io[0], 64, g->act, g->alpha, g->beta);
	for (k = 0; k < 4; k++) {
		ptrdiff_t p = base + (k >> 1) * g->ow + (k & 1);

		if ((k >> 1) >= ny || (k & 1) >= nx)
			continue;
		for (l = 0; l < nc; l++)
			g->y[p + l * g->plane] = io[k][l];
	}
}

/* Step 3 for tiles [t0, t0 + nt) of the image (nt <= rows), channels
 * [m0, m0 + 16 * nv), from the sums at g->mt. */
QCC_RT_INLINE void
wg_output(const struct wg_geom *g, ptrdiff_t t0, int32_t nt, int32_t m0,
          const float *bq, int32_t rows, int32_t nv)
{
	int32_t r, k, j, pw = 16 * nv;
	ptrdiff_t xs = (ptrdiff_t)rows * pw;

	for (r = 0; r < nt; r++) {
		ptrdiff_t t = t0 + r;
		int32_t oy = 2 * (int32_t)(t / g->tw), ox = 2 * (int32_t)(t % g->tw);
		int32_t ny = g->oh - oy < 2 ? 1 : 2, nx = g->ow - ox < 2 ? 1 : 2;

		for (k = 0; k < nv; k++) {
			const float *p = g->mt + r * pw + 16 * k;
			qv16 x[WG_NX], s[8], o[4];
			int32_t mc = m0 + 16 * k, nc = g->m - mc < 16 ? g->m - mc : 16;

			if (nc <= 0)
				break;
#pragma GCC unroll 16
			for (j = 0; j < WG_NX; j++)
				qv_load(&x[j], p + j * xs);
#pragma GCC unroll 4
			for (j = 0; j < 4; j++) {
				wg_add3(&s[j], &x[j], &x[4 + j], &x[8 + j]);
				wg_sub3(&s[4 + j], &x[4 + j], &x[8 + j], &x[12 + j]);
			}
			wg_add3(&o[0], &s[0], &s[1], &s[2]);
			wg_sub3(&o[1], &s[1], &s[2], &s[3]);
			wg_add3(&o[2], &s[4], &s[5], &s[6]);
			wg_sub3(&o[3], &s[5], &s[6], &s[7]);
			wg_finish(g, o, bq + 16 * k, mc, nc, oy, ox, ny, nx);
		}
	}
}

/* Steps 2 and 3 for one group: tiles [t, t + nt) of the block starting at
 * image tile tb, panel q. */
QCC_RT_INLINE void
wg_group(const struct wg_geom *g, ptrdiff_t tb, int32_t t, int32_t nt,
         int32_t q, const float *bq, int32_t rows, int32_t nv)
{
	ptrdiff_t xs = (ptrdiff_t)g->c * g->vs;
	const float *uq = g->u + (ptrdiff_t)q * WG_NX * g->c * 16 * nv;
	int32_t xi;

	for (xi = 0; xi < WG_NX; xi++)
		qv_tile_dot(uq + (ptrdiff_t)xi * g->c * 16 * nv, g->v + xi * xs + t,
		            g->vs, 1, g->c, g->mt + xi * rows * 16 * nv, rows, nv);
	wg_output(g, tb + t, nt, q * 16 * nv, bq, rows, nv);
}

/* Every panel and group of a block of nt tiles from image tile tb, panels
 * of 16 * nv channels, groups of rows tiles then WG_TAIL. */
QCC_RT_INLINE void
wg_block(const struct wg_geom *g, ptrdiff_t tb, int32_t nt, int32_t rows,
         int32_t nv)
{
	float bq[WG_PMAX];
	int32_t q, t, j, pw = 16 * nv, npan = (g->m + pw - 1) / pw;

	for (q = 0; q < npan; q++) {
		for (j = 0; j < pw; j++)
			bq[j] = g->b && q * pw + j < g->m ? g->b[q * pw + j] : 0.0f;
		for (t = 0; t + rows <= nt; t += rows)
			wg_group(g, tb, t, rows, q, bq, rows, nv);
		for (; t < nt; t += WG_TAIL)
			wg_group(g, tb, t, nt - t < WG_TAIL ? nt - t : WG_TAIL, q, bq,
			         WG_TAIL, nv);
	}
}

QCC_RT_API void
qcc_rt_conv2d_wino2_f32(const float *restrict x, const float *restrict u,
                        const float *restrict bias, const float *res,
                        float *y, float *restrict ws, int32_t nb, int32_t c,
                        int32_t h, int32_t wd, int32_t m, int32_t oh,
                        int32_t ow, int32_t pt, int32_t pl, int32_t rows,
                        int32_t nr, int32_t act, float alpha, float beta)
{
	struct wg_geom g;
	int32_t n, ty0, nrow, th = (oh + 1) / 2;

	g.u = u;
	g.b = bias;
	g.c = c;
	g.h = h;
	g.wd = wd;
	g.m = m;
	g.oh = oh;
	g.ow = ow;
	g.pt = pt;
	g.pl = pl;
	g.tw = (ow + 1) / 2;
	g.wp = 2 * g.tw + 2;
	g.plane = (ptrdiff_t)oh * ow;
	g.act = act;
	g.alpha = alpha;
	g.beta = beta;
	if (rows < 1)
		rows = 1;
	g.vs = (ptrdiff_t)rows * g.tw + WG_TAIL;
	g.v = ws;
	g.mt = ws + WG_NX * c * g.vs;
	g.rb = g.mt + WG_NX * WG_RMAX * WG_PMAX;
	for (n = 0; n < nb; n++) {
		g.x = x + (ptrdiff_t)n * c * h * wd;
		g.y = y + (ptrdiff_t)n * m * g.plane;
		g.res = res ? res + (ptrdiff_t)n * m * g.plane : res;
		for (ty0 = 0; ty0 < th; ty0 += rows) {
			nrow = th - ty0 < rows ? th - ty0 : rows;
			wg_input(&g, ty0, nrow);
			/* rows and nv constants in each call, for the unrolling */
			if (nr == 32)
				wg_block(&g, (ptrdiff_t)ty0 * g.tw, nrow * g.tw, WG_RMAX, 2);
			else
				wg_block(&g, (ptrdiff_t)ty0 * g.tw, nrow * g.tw, 6, 1);
		}
	}
}
