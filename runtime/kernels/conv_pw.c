/* conv_pw.c -- 1x1 convolution (group 1, stride 1, no padding) on short
 * planes as a matrix product vectorized over output channels, weights
 * packed at compile time.
 *
 * Image n's output is y[mo, p] = sum over ci of w[mo, ci] * x[ci, p].
 * qcc_rt_conv2d_gemm_f32 vectorizes over the pixels p, which wastes lanes
 * when a plane is short: 7x7 = 49 pixels fill 64.  This kernel vectorizes
 * over the output channels instead, whose counts are multiples of 16 in
 * most networks: the register tile is PW_P = 7 pixels times nv (1 to 3)
 * vectors of 16 channels; each step ci loads nv vectors of weights,
 * broadcasts the 7 inputs x[ci, p..p+6] (contiguous in NCHW) and does
 * 7 * nv multiply-adds into accumulators that stay in registers (21 of
 * AVX-512's 32 with nv = 3; 7 x 4 tiles spill and ran 10% slower).
 * Planes of 7x7 and 14x14 are whole tiles; on others the last tile is
 * moved back to end at the last pixel.  The tile is transposed on the way
 * out (its rows go to a stack buffer as vectors, then each channel's 7
 * pixels to y), a cost per output that only a long reduction amortizes:
 * lower_conv_packed.c takes this kernel for 1x1 convolutions when
 * qcc_rt_conv2d_gemm_f32's pixel tiles waste many lanes, with 512-bit
 * vectors only (with narrower ones the tile does not fit the registers).
 * While a tile runs it prefetches the weights of the next channel block,
 * one line per step (measured: 5 to 15% on 7x7 planes).
 *
 * Packed weights (backends/lower_conv_packed.c writes them, qcc_rt.h states
 * the layout): panels of QCC_RT_PANEL16 output channels, the panel's 16
 * weights of one input channel contiguous, zeros past the last channel.
 *
 * Every output sums its input channels in order, then the bias, then the
 * residual, then the activation, exactly as qcc_rt_conv2d_f32's loop does
 * for a 1x1 window.  Relu and Clip run on the registers (on the buffer if
 * a residual comes first); other activations run over the finished plane.
 */
#include "../qcc_rt.h"
#include "../qcc_vec16.h"

enum {
	PW_P = QCC_RT_PW_P,        /* pixels per tile */
	PW_L = QCC_RT_PANEL16,     /* channels per vector and per panel */
	PW_VMAX = 3,               /* vectors per tile row */
	PW_W = PW_L * PW_VMAX      /* widest tile, channels */
};

struct pw_geom {
	const float *x;      /* image n */
	const float *w;      /* packed weights */
	const float *b;      /* bias or NULL */
	const float *res;    /* residual, image n, or NULL */
	float *y;            /* image n */
	ptrdiff_t hw, wpanel; /* plane size; floats per weight panel */
	int32_t c, m, act;
	float alpha, beta;
};

/* The tile's finished rows in t ([PW_P][PW_W], channel co0 + j of pixel
 * p0 + i at t[i * PW_W + j]): the bias is already in; add the residual,
 * apply Relu or Clip, store the np x mc block transposed into y. */
QCC_RT_INLINE void
pw_out(const struct pw_geom *g, float *t, ptrdiff_t p0, int32_t np,
       int32_t co0, int32_t mc)
{
	int32_t i, j;
	float *yq = g->y + (ptrdiff_t)co0 * g->hw + p0;

	if (g->res) {
		const float *rq = g->res + (ptrdiff_t)co0 * g->hw + p0;

		for (j = 0; j < mc; j++)
			for (i = 0; i < np; i++)
				t[i * PW_W + j] += rq[j * g->hw + i];
		if (g->act == QCC_ACT_RELU || g->act == QCC_ACT_CLIP) {
			float lo = g->act == QCC_ACT_CLIP ? g->alpha : 0.0f;
			int32_t clip = g->act == QCC_ACT_CLIP;

			for (j = 0; j < mc; j++)
				for (i = 0; i < np; i++) {
					float v = t[i * PW_W + j];

					v = v < lo ? lo : v;
					t[i * PW_W + j] = clip && v > g->beta ? g->beta : v;
				}
		}
	}
	for (j = 0; j < mc; j++)
		for (i = 0; i < np; i++)
			yq[j * g->hw + i] = t[i * PW_W + j];
}

/* One tile: pixels [p0, p0 + np) (np <= PW_P; rows past np recompute the
 * first pixel and are not stored), channels [co0, co0 + mc) (mc <= 16 * nv;
 * lanes past m are the panels' zeros, not stored); pf: the weight panel
 * to prefetch.  nv and np are constants at every call but one. */
QCC_RT_INLINE void
pw_tile(const struct pw_geom *g, ptrdiff_t p0, int32_t np, int32_t co0,
        int32_t mc, int32_t nv, const float *pf)
{
	qv16 acc[PW_P][PW_VMAX];
	float t[PW_P * PW_W];
	const float *w0 = g->w + (ptrdiff_t)(co0 / PW_L) * g->wpanel;
	const float *xk = g->x + p0;
	int32_t i, v, k;

#pragma GCC unroll 7
	for (i = 0; i < PW_P; i++)
#pragma GCC unroll 3
		for (v = 0; v < nv; v++)
			qv_splat(&acc[i][v], 0.0f);
#pragma GCC unroll 1
	for (k = 0; k < g->c; k++, xk += g->hw) {
		const float *wk = w0 + (ptrdiff_t)k * PW_L;
		qv16 wv[PW_VMAX];

		qv_prefetch(pf + (ptrdiff_t)k * PW_L);
#pragma GCC unroll 3
		for (v = 0; v < nv; v++)
			qv_load(&wv[v], wk + v * g->wpanel);
#pragma GCC unroll 7
		for (i = 0; i < PW_P; i++) {
			float xi = xk[i < np ? i : 0];

#pragma GCC unroll 3
			for (v = 0; v < nv; v++)
				qv_fma(&acc[i][v], xi, &wv[v]);
		}
	}
	if (g->b) {
		float bb[PW_W];
		qv16 bv;

		for (v = 0; v < 16 * nv; v++)
			bb[v] = v < mc ? g->b[co0 + v] : 0.0f;
#pragma GCC unroll 3
		for (v = 0; v < nv; v++) {
			qv_load(&bv, bb + 16 * v);
#pragma GCC unroll 7
			for (i = 0; i < PW_P; i++)
				qv_add(&acc[i][v], &bv);
		}
	}
	if (!g->res && (g->act == QCC_ACT_RELU || g->act == QCC_ACT_CLIP)) {
		int32_t clip = g->act == QCC_ACT_CLIP;
		qv16 lo, hi;

		qv_splat(&lo, clip ? g->alpha : 0.0f);
		qv_splat(&hi, g->beta);
#pragma GCC unroll 7
		for (i = 0; i < PW_P; i++)
#pragma GCC unroll 3
			for (v = 0; v < nv; v++)
				qv_clamp(&acc[i][v], &lo, &hi, clip);
	}
#pragma GCC unroll 7
	for (i = 0; i < PW_P; i++)
#pragma GCC unroll 3
		for (v = 0; v < nv; v++)
			qv_store(t + i * PW_W + 16 * v, &acc[i][v]);
	pw_out(g, t, p0, np, co0, mc);
}

/* Channels [co0, co0 + mc) over the whole plane, tiles nv vectors wide;
 * a plane of at least PW_P pixels in whole tiles, the last one moved back
 * to end at the last pixel (its first pixels are computed twice, the same
 * way both times). */
QCC_RT_INLINE void
pw_block(const struct pw_geom *g, int32_t co0, int32_t mc, int32_t nv)
{
	ptrdiff_t p0, t, npan = (g->m + PW_L - 1) / PW_L, q;

	if (g->hw < PW_P) {
		pw_tile(g, 0, (int32_t)g->hw, co0, mc, nv, g->w);
		return;
	}
	for (p0 = 0, t = 0; p0 < g->hw; p0 += PW_P, t++) {
		q = co0 / PW_L + nv + t % PW_VMAX;
		q = q < npan ? q : npan - 1;
		pw_tile(g, p0 + PW_P <= g->hw ? p0 : g->hw - PW_P, PW_P, co0, mc,
		        nv, g->w + q * g->wpanel);
	}
}

QCC_RT_API void
qcc_rt_conv2d_pw_f32(const float *restrict x, const float *restrict wp,
                     const float *restrict bias, const float *res, float *y,
                     int32_t nb, int32_t c, int32_t hw, int32_t m,
                     int32_t act, float alpha, float beta)
{
	struct pw_geom g;
	int32_t n, co0, mc, tact;

	g.w = wp;
	g.b = bias;
	g.hw = hw;
	g.wpanel = (ptrdiff_t)c * PW_L;
	g.c = c;
	g.m = m;
	tact = act == QCC_ACT_RELU || act == QCC_ACT_CLIP;
	g.act = tact ? act : QCC_ACT_NONE;
	g.alpha = alpha;
	g.beta = beta;
	if (hw < 1 || m < 1)
		return;
	for (n = 0; n < nb; n++) {
		g.x = x + (ptrdiff_t)n * c * hw;
		g.y = y + (ptrdiff_t)n * m * hw;
		g.res = res ? res + (ptrdiff_t)n * m * hw : res;
		for (co0 = 0; co0 < m; co0 += mc) {
			mc = m - co0 < PW_W ? m - co0 : PW_W;
			if (mc > 2 * PW_L)
				pw_block(&g, co0, mc, 3);
			else if (mc > PW_L)
				pw_block(&g, co0, mc, 2);
			else
				pw_block(&g, co0, mc, 1);
		}
		if (!tact && act != QCC_ACT_NONE && (ptrdiff_t)m * hw <= 0x7fffffff)
			qcc_rt_act_row_f32(g.y, (int32_t)(m * hw), act, alpha, beta);
		else if (!tact && act != QCC_ACT_NONE)
			for (co0 = 0; co0 < m; co0++)
				qcc_rt_act_row_f32(g.y + (ptrdiff_t)co0 * hw, hw, act,
				                   alpha, beta);
	}
}
