/* conv_wino4.c -- 3x3 convolution with stride 1, dilation 1 and group 1
 * by Winograd's F(4x4, 3x3), for small planes (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2015; interpolation
 * points 0, 1, -1, 2, -2 and infinity).
 *
 * The output plane is cut into tiles of 4x4 pixels; tile (ty, tx) reads
 * the 6x6 input patch d_c at rows 4ty - pt .. +5, columns 4tx - pl .. +5
 * of each input channel c (zero outside the image).  With
 *          | 4  0 -5  0  1  0 |        |  1/4    0     0  |
 *          | 0 -4 -4  1  1  0 |        | -1/6  -1/6  -1/6 |
 *    B^T = | 0  4 -4 -1  1  0 |    G = | -1/6   1/6  -1/6 |
 *          | 0 -2 -1  2  1  0 |        | 1/24  1/12   1/6 |
 *          | 0  2 -1 -2  1  0 |        | 1/24 -1/12   1/6 |
 *          | 0  4  0 -5  0  1 |        |   0     0     1  |
 *          | 1  1  1  1  1  0 |
 *    A^T = | 0  1 -1  2 -2  0 |
 *          | 0  1  1  4  4  0 |
 *          | 0  1 -1  8 -8  1 |
 * the tile of output channel m is
 *    Y = A^T [ sum over c of U[m,c] .* V[c] ] A,
 *    U[m,c] = G g[m,c] G^T (6x6),   V[c] = B^T d_c B (6x6),
 * exactly in real arithmetic: 36 multiplies per input channel for 16
 * outputs instead of 144.  For each of the 36 positions xi = 6i + j the
 * sum over c is a matrix product (output channels by input channels times
 * input channels by tiles).  U is computed at compile time
 * (backends/lower_winograd.c).  Against F(2x2, 3x3)
 * (runtime/kernels/conv_winograd.c) this does 2.25 times fewer multiplies
 * but its weights are 36/16 times larger and its rounding is worse (the
 * transforms' coefficients reach 8), so select-conv uses it where the
 * weights stay small and the plane is at most 8x8 (one group of tiles):
 * fmnist's 64-channel 7x7 layer.  Results differ from the plain loop's
 * by rounding: tests/runtime/test_conv_wino4.c states the bound.
 *
 * The work goes by groups of at most WG4_NT tiles (the register tile's
 * width) and panels of P = nr output channels (16, 32 or 64: one, two or
 * four 16-float vectors), in the workspace ws (QCC_RT_WINO4_WS floats):
 *   0. the image's input transposed to channels-last, xt[p][cp] (cp = c
 *      rounded up to 16, the extra lanes zero), and cp zeros for reads
 *      outside the image; so the transforms run over 16 channels at once;
 *   1. for each row i of the transform: V[j][k][c] of the group's tiles k,
 *      row i of B^T over the patch's rows, then B over its columns;
 *   2. for each j: the register tile of WG4_NT tiles by P channels summed
 *      over c (each step nv weight vectors, one broadcast per tile) into
 *      M[j][k][P];
 *   3. A over M's row (four columns), added into the group's outputs
 *      Yacc[k][16][P] with the row's coefficients of A^T;
 *   4. bias, residual (fuse-add's; may equal y), activation, and the
 *      outputs inside the image stored.
 * Every panel reads its U once per group; for one group (planes up to
 * 8x8) the weights stream through once per image.
 *
 * Weights (qcc_rt.h): u[((q*36 + xi)*c + ci)*P + j] = U[q*P + j, ci][xi],
 * zero for output channels >= m.
 */
#include "../qcc_rt.h"
#include "../qcc_vec16.h"

enum {
	WG4_NX = 36,           /* transform positions, 6x6 */
	WG4_NT = 4,            /* tiles of a group */
	WG4_PMAX = 64          /* channels of the widest panel */
};

struct wg4_geom {
	const float *x;        /* image n */
	const float *u;        /* transformed weights */
	const float *b;        /* bias or NULL */
	const float *res;      /* residual, image n, or NULL */
	float *y;              /* image n */
	float *xt;             /* ws: [h * wd][cp] the input, channels last */
	float *zero;           /* ws: cp zeros */
	float *v;              /* ws: [6][WG4_NT][cp] one row of V */
	float *mr;             /* ws: [6][WG4_NT][P] one row of sums */
	float *yacc;           /* ws: [WG4_NT][16][P] the group's outputs */
	ptrdiff_t plane;       /* oh * ow */
	int32_t c, cp, h, wd, m, oh, ow, pt, pl, tw;
	int32_t act;
	float alpha, beta;
};

/* Lane by lane: d = a + s * b, d = a + b, d = a - b (d may be a or b). */
#if defined(__GNUC__) || defined(__clang__)
QCC_RT_INLINE void
wg4_axpy(qv16 *d, const qv16 *a, float s, const qv16 *b)
{
	*d = *a + s * *b;
}

QCC_RT_INLINE void
wg4_add(qv16 *d, const qv16 *a, const qv16 *b)
{
	*d = *a + *b;
}

QCC_RT_INLINE void
wg4_sub(qv16 *d, const qv16 *a, const qv16 *b)
{
	*d = *a - *b;
}
#else
QCC_RT_INLINE void
wg4_axpy(qv16 *d, const qv16 *a, float s, const qv16 *b)
{
	int32_t l;

	for (l = 0; l < 16; l++)
		d->f[l] = a->f[l] + s * b->f[l];
}

QCC_RT_INLINE void
wg4_add(qv16 *d, const qv16 *a, const qv16 *b)
{
	int32_t l;

	for (l = 0; l < 16; l++)
		d->f[l] = a->f[l] + b->f[l];
}

QCC_RT_INLINE void
wg4_sub(qv16 *d, const qv16 *a, const qv16 *b)
{
	int32_t l;

	for (l = 0; l < 16; l++)
		d->f[l] = a->f[l] - b->f[l];
}
#endif

/* o[0..5] = B^T d, d[0..5] six vectors; the rows of B^T as
 *   o0 = 4 d0 - 5 d2 + d4          o3 = (d4 - d2) + 2 (d3 - d1)
 *   o1 = (d4 - 4 d2) + (d3 - 4 d1) o4 = (d4 - d2) - 2 (d3 - d1)
 *   o2 = (d4 - 4 d2) - (d3 - 4 d1) o5 = 4 d1 - 5 d3 + d5 */
QCC_RT_INLINE void
wg4_bt(const qv16 *d, qv16 *o)
{
	qv16 t1, t2, t3, t4;

	wg4_axpy(&t1, &d[3], -4.0f, &d[1]);
	wg4_axpy(&t2, &d[4], -4.0f, &d[2]);
	wg4_sub(&t3, &d[3], &d[1]);
	wg4_sub(&t4, &d[4], &d[2]);
	wg4_axpy(&o[0], &d[4], 4.0f, &d[0]);
	wg4_axpy(&o[0], &o[0], -5.0f, &d[2]);
	wg4_add(&o[1], &t2, &t1);
	wg4_sub(&o[2], &t2, &t1);
	wg4_axpy(&o[3], &t4, 2.0f, &t3);
	wg4_axpy(&o[4], &t4, -2.0f, &t3);
	wg4_axpy(&o[5], &d[5], 4.0f, &d[1]);
	wg4_axpy(&o[5], &o[5], -5.0f, &d[3]);
}

/* The 16 channels from cg of xt at (iy, ix), zeros outside the image. */
QCC_RT_INLINE void
wg4_px(const struct wg4_geom *g, int32_t iy, int32_t ix, int32_t cg,
       qv16 *d)
{
	int32_t in = iy >= 0 && iy < g->h && ix >= 0 && ix < g->wd;

	qv_load(d, in ? g->xt + ((ptrdiff_t)iy * g->wd + ix) * g->cp + cg
	              : g->zero + cg);
}

/* *o = row i of B^T d (as wg4_bt), d the column ix of the patch whose
 * top row is iy0, channels from cg. */
QCC_RT_INLINE void
wg4_bt_row(const struct wg4_geom *g, int32_t iy0, int32_t ix, int32_t cg,
           int32_t i, qv16 *o)
{
	qv16 d[6], t1, t2;

	if (i == 0 || i == 5) {
		wg4_px(g, iy0 + (i == 0 ? 4 : 5), ix, cg, &d[0]);
		wg4_px(g, iy0 + (i == 0 ? 0 : 1), ix, cg, &d[1]);
		wg4_px(g, iy0 + (i == 0 ? 2 : 3), ix, cg, &d[2]);
		wg4_axpy(o, &d[0], 4.0f, &d[1]);
		wg4_axpy(o, o, -5.0f, &d[2]);
		return;
	}
	wg4_px(g, iy0 + 1, ix, cg, &d[1]);
	wg4_px(g, iy0 + 2, ix, cg, &d[2]);
	wg4_px(g, iy0 + 3, ix, cg, &d[3]);
	wg4_px(g, iy0 + 4, ix, cg, &d[4]);
	if (i <= 2) {
		wg4_axpy(&t1, &d[3], -4.0f, &d[1]);
		wg4_axpy(&t2, &d[4], -4.0f, &d[2]);
		if (i == 1)
			wg4_add(o, &t2, &t1);
		else
			wg4_sub(o, &t2, &t1);
		return;
	}
	wg4_sub(&t1, &d[3], &d[1]);
	wg4_sub(&t2, &d[4], &d[2]);
	wg4_axpy(o, &t2, i == 3 ? 2.0f : -2.0f, &t1);
}

/* Coefficient of row a of A^T at column i. */
QCC_RT_INLINE float
wg4_at(int32_t a, int32_t i)
{
	static const float at[4][6] = {
		{1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f},
		{0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 0.0f},
		{0.0f, 1.0f, 1.0f, 4.0f, 4.0f, 0.0f},
		{0.0f, 1.0f, -1.0f, 8.0f, -8.0f, 1.0f},
	};

	return at[a][i];
}

/* Step 0: xt[p][ci] = x[ci][p] for the image, zero lanes past c; zeros. */
QCC_RT_INLINE void
wg4_transpose(const struct wg4_geom *g)
{
	ptrdiff_t p, hw = (ptrdiff_t)g->h * g->wd;
	int32_t ci;

	for (ci = 0; ci < g->c; ci++) {
		const float *xc = g->x + ci * hw;

		for (p = 0; p < hw; p++)
			g->xt[p * g->cp + ci] = xc[p];
	}
	for (p = 0; p < hw; p++)
		for (ci = g->c; ci < g->cp; ci++)
			g->xt[p * g->cp + ci] = 0.0f;
	for (ci = 0; ci < g->cp; ci++)
		g->zero[ci] = 0.0f;
}

/* Step 1 for row i: V[j][k][ci] of the tiles t0 + k, k < nt; zeros for
 * the register tile's slots past nt. */
QCC_RT_INLINE void
wg4_input(const struct wg4_geom *g, int32_t t0, int32_t nt, int32_t i)
{
	ptrdiff_t js = (ptrdiff_t)WG4_NT * g->cp;
	qv16 w[6], o[6];
	int32_t k, b, j, cg;

	for (k = 0; k < WG4_NT; k++) {
		float *vk = g->v + (ptrdiff_t)k * g->cp;
		int32_t t = t0 + k, iy0, ix0;

		if (k >= nt) {
			for (j = 0; j < 6; j++)
				for (cg = 0; cg < g->cp; cg++)
					vk[j * js + cg] = 0.0f;
			continue;
		}
		iy0 = 4 * (t / g->tw) - g->pt;
		ix0 = 4 * (t % g->tw) - g->pl;
		for (cg = 0; cg < g->cp; cg += 16) {
			for (b = 0; b < 6; b++)
				wg4_bt_row(g, iy0, ix0 + b, cg, i, &w[b]);
			wg4_bt(w, o);
			for (j = 0; j < 6; j++)
				qv_store(vk + j * js + cg, &o[j]);
		}
	}
}

/* Step 3 for row i: z = (row i of M) A for each tile and vector, added
 * into Yacc with A^T's column i. */
QCC_RT_INLINE void
wg4_output(const struct wg4_geom *g, int32_t nt, int32_t i, int32_t nv)
{
	int32_t k, l, a, b, pw = 16 * nv;
	ptrdiff_t js = (ptrdiff_t)WG4_NT * pw;

	for (k = 0; k < nt; k++)
		for (l = 0; l < nv; l++) {
			const float *mk = g->mr + k * pw + 16 * l;
			float *yk = g->yacc + (ptrdiff_t)k * 16 * pw + 16 * l;
			qv16 mm[6], s1, d1, s2, d2, z[4];
			int32_t j;

			for (j = 0; j < 6; j++)
				qv_load(&mm[j], mk + j * js);
			wg4_add(&s1, &mm[1], &mm[2]);
			wg4_sub(&d1, &mm[1], &mm[2]);
			wg4_add(&s2, &mm[3], &mm[4]);
			wg4_sub(&d2, &mm[3], &mm[4]);
			wg4_add(&z[0], &mm[0], &s1);
			wg4_add(&z[0], &z[0], &s2);
			wg4_axpy(&z[1], &d1, 2.0f, &d2);
			wg4_axpy(&z[2], &s1, 4.0f, &s2);
			wg4_axpy(&z[3], &d1, 8.0f, &d2);
			wg4_add(&z[3], &z[3], &mm[5]);
			for (a = 0; a < 4; a++) {
				float s = wg4_at(a, i);

				if (s == 0.0f)
					continue;
				for (b = 0; b < 4; b++) {
					float *q = yk + (a * 4 + b) * pw;
					qv16 t;

					qv_load(&t, q);
					wg4_axpy(&t, &t, s, &z[b]);
					qv_store(q, &t);
				}
			}
		}
}

/* Step 4: bias, residual and activation of the group's outputs in
 * channels [m0, m0 + nc), the ones inside the image stored. */
QCC_RT_INLINE void
wg4_finish(const struct wg4_geom *g, int32_t t0, int32_t nt, int32_t m0,
           int32_t nc, const float *bq, int32_t nv)
{
	int32_t k, o, l, pw = 16 * nv, clip = g->act == QCC_ACT_CLIP;
	qv16 lo, hi;

	qv_splat(&lo, clip ? g->alpha : 0.0f);
	qv_splat(&hi, g->beta);
	for (k = 0; k < nt; k++)
		for (o = 0; o < 16; o++) {
			int32_t oy = 4 * ((t0 + k) / g->tw) + (o >> 2);
			int32_t ox = 4 * ((t0 + k) % g->tw) + (o & 3);
			ptrdiff_t p = (ptrdiff_t)m0 * g->plane + (ptrdiff_t)oy * g->ow + ox;
			float *row = g->yacc + ((ptrdiff_t)k * 16 + o) * pw;

			if (oy >= g->oh || ox >= g->ow)
				continue;
			for (l = 0; l < nv; l++) {
				qv16 t, bv;

				qv_load(&t, row + 16 * l);
				qv_load(&bv, bq + 16 * l);
				wg4_add(&t, &t, &bv);
				qv_store(row + 16 * l, &t);
			}
			if (g->res)
				for (l = 0; l < nc; l++)
					row[l] += g->res[p + l * g->plane];
			if (g->act == QCC_ACT_RELU || clip)
				for (l = 0; l < nv; l++) {
					qv16 t;

					qv_load(&t, row + 16 * l);
					qv_clamp(&t, &lo, &hi, clip);
					qv_store(row + 16 * l, &t);
				}
			else if (g->act != QCC_ACT_NONE)
				qcc_rt_act_row_f32(row, nc, g->act, g->alpha, g->beta);
			for (l = 0; l < nc; l++)
				g->y[p + l * g->plane] = row[l];
		}
}

/* Panel q of the group of nt tiles from t0: steps 1 to 4. */
QCC_RT_INLINE void
wg4_panel(const struct wg4_geom *g, int32_t t0, int32_t nt, int32_t q,
          int32_t nv)
{
	float bq[WG4_PMAX];
	int32_t i, j, l, pw = 16 * nv, m0 = q * pw;
	int32_t nc = g->m - m0 < pw ? g->m - m0 : pw;
	ptrdiff_t vs = (ptrdiff_t)WG4_NT * g->cp, ms = (ptrdiff_t)WG4_NT * pw;
	const float *uq = g->u + (ptrdiff_t)q * WG4_NX * g->c * pw;

	for (l = 0; l < pw; l++)
		bq[l] = g->b && l < nc ? g->b[m0 + l] : 0.0f;
	for (l = 0; l < WG4_NT * 16 * pw; l++)
		g->yacc[l] = 0.0f;
	for (i = 0; i < 6; i++) {
		wg4_input(g, t0, nt, i);
		for (j = 0; j < 6; j++)
			qv_tile_dot(uq + (ptrdiff_t)(6 * i + j) * g->c * pw,
			            g->v + j * vs, 1, g->cp, g->c, g->mr + j * ms,
			            WG4_NT, nv);
		wg4_output(g, nt, i, nv);
	}
	wg4_finish(g, t0, nt, m0, nc, bq, nv);
}

/* Every group and panel of image n, panels of 16 * nv channels. */
QCC_RT_INLINE void
wg4_image(const struct wg4_geom *g, int32_t nv)
{
	int32_t t0, q, pw = 16 * nv, npan = (g->m + pw - 1) / pw;
	int32_t ntile = (g->oh + 3) / 4 * g->tw;

	wg4_transpose(g);
	for (t0 = 0; t0 < ntile; t0 += WG4_NT)
		for (q = 0; q < npan; q++)
			wg4_panel(g, t0, ntile - t0 < WG4_NT ? ntile - t0 : WG4_NT, q,
			          nv);
}

QCC_RT_API void
qcc_rt_conv2d_wino4_f32(const float *restrict x, const float *restrict u,
                        const float *restrict bias, const float *res,
                        float *y, float *restrict ws, int32_t nb, int32_t c,
                        int32_t h, int32_t wd, int32_t m, int32_t oh,
                        int32_t ow, int32_t pt, int32_t pl, int32_t nr,
                        int32_t act, float alpha, float beta)
{
	struct wg4_geom g;
	int32_t n;

	g.u = u;
	g.b = bias;
	g.c = c;
	g.cp = (c + 15) / 16 * 16;
	g.h = h;
	g.wd = wd;
	g.m = m;
	g.oh = oh;
	g.ow = ow;
	g.pt = pt;
	g.pl = pl;
	g.tw = (ow + 3) / 4;
	g.plane = (ptrdiff_t)oh * ow;
	g.act = act;
	g.alpha = alpha;
	g.beta = beta;
	g.xt = ws;
	g.zero = g.xt + (ptrdiff_t)h * wd * g.cp;
	g.v = g.zero + g.cp;
	g.mr = g.v + 6 * WG4_NT * g.cp;
	g.yacc = g.mr + 6 * WG4_NT * WG4_PMAX;
	for (n = 0; n < nb; n++) {
		g.x = x + (ptrdiff_t)n * c * h * wd;
		g.y = y + (ptrdiff_t)n * m * g.plane;
		g.res = res ? res + (ptrdiff_t)n * m * g.plane : res;
		/* nv a constant in each call, for the unrolling */
		if (nr == 64)
			wg4_image(&g, 4);
		else if (nr == 32)
			wg4_image(&g, 2);
		else
			wg4_image(&g, 1);
	}
}
