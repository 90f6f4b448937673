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
 * AVX-512's 32 with nv = 3; 7 x 4 tiles spill and ran 10% slower).  A
 * block of 16 channels (nv = 1) takes three groups of 7 pixels, 21
 * accumulators sharing each weight load, where the plane has 21 pixels
 * (a 112x112 plane's 32->16: 66 to 85 GMAC/s, 82 to 108 with y blocked).
 * Planes of 7x7 and 14x14 are whole tiles; on others the last tile is
 * moved back to end at the last pixel.  The tile is transposed on the way
 * out, a cost per output that only a long enough reduction amortizes:
 * compiled by clang, each vector's 16 channels x 7 pixels (plus a copy)
 * go through three rounds of two-vector shuffles into eight vectors of
 * two channels x 8 pixels, stored 8 floats at a time (the 8th is the next
 * tile's first pixel, which that tile rewrites; a plane's last tile, and
 * every tile with other compilers, go through a stack buffer and scalar
 * copies).
 * lower_conv_packed.c takes this kernel for 1x1 convolutions when
 * qcc_rt_conv2d_gemm_f32's pixel tiles waste lanes, with 512-bit vectors
 * only (with narrower ones the tile does not fit the registers).  While a
 * tile runs it prefetches the weights of the next channel block, one line
 * per step (measured: 5 to 15% on 7x7 planes).
 *
 * Packed weights (backends/lower_conv_packed.c writes them, qcc_rt.h states
 * the layout): panels of QCC_RT_PANEL16 output channels, the panel's 16
 * weights of one input channel contiguous, zeros past the last channel.
 *
 * Channel-blocked tensors (layout, qcc_rt.h): with x blocked (NCHW16c) a
 * step's 7 broadcasts read one channel of 7 consecutive pixels 16 floats
 * apart (a block's 16 steps read 7 whole lines); with y (and res) blocked
 * each vector of the tile is one pixel's 16 channels of a block, stored
 * straight, no transpose.
 *
 * Every output sums its input channels in order, then the bias, then the
 * residual, then the activation, exactly as qcc_rt_conv2d_f32's loop does
 * for a 1x1 window, in every layout.  Relu and Clip run on the registers
 * (on the buffer if a residual comes first with NCHW y); other activations
 * run over the finished image (elementwise: the same in any layout).
 */
#include "../qcc_rt.h"
#include "../qcc_vec16.h"

enum {
	PW_P = QCC_RT_PW_P,        /* pixels per tile */
	PW_L = QCC_RT_PANEL16,     /* channels per vector and per panel */
	PW_VMAX = 3,               /* vectors per tile row */
	PW_W = PW_L * PW_VMAX      /* widest tile, channels */
};
#ifndef PW_XBUDGET
#define PW_XBUDGET 100000000
#endif

struct pw_geom {
	const float *x;      /* image n */
	const float *w;      /* packed weights */
	const float *b;      /* bias or NULL */
	const float *res;    /* residual, image n, or NULL */
	float *y;            /* image n */
	ptrdiff_t hw, wpanel; /* plane size; floats per weight panel */
	int32_t c, m, act;
	int32_t yb;          /* y and res channel-blocked */
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

#if defined(__clang__)
typedef float pw_v8 __attribute__((vector_size(32), aligned(4)));

/* r[0..7] (16 channels of 8 pixels each) to o[0..7]: o[k] holds channel
 * 2k of pixels 0..7, then channel 2k + 1 (three rounds of two-vector
 * shuffles). */
QCC_RT_INLINE void
pw_transpose(const qv16 *r, qv16 *o)
{
	qv16 a[4][2], b[2][4];
	int32_t j;

	for (j = 0; j < 4; j++) {
		a[j][0] = __builtin_shufflevector(r[2 * j], r[2 * j + 1], 0, 16, 1,
		          17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
		a[j][1] = __builtin_shufflevector(r[2 * j], r[2 * j + 1], 8, 24, 9,
		          25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
	}
	for (j = 0; j < 2; j++) {
		b[j][0] = __builtin_shufflevector(a[2 * j][0], a[2 * j + 1][0], 0,
		          1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
		b[j][1] = __builtin_shufflevector(a[2 * j][0], a[2 * j + 1][0], 8,
		          9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
		b[j][2] = __builtin_shufflevector(a[2 * j][1], a[2 * j + 1][1], 0,
		          1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
		b[j][3] = __builtin_shufflevector(a[2 * j][1], a[2 * j + 1][1], 8,
		          9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
	}
	for (j = 0; j < 4; j++) {
		o[2 * j] = __builtin_shufflevector(b[0][j], b[1][j], 0, 1, 2, 3, 16,
		           17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
		o[2 * j + 1] = __builtin_shufflevector(b[0][j], b[1][j], 8, 9, 10,
		               11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
	}
}

/* The tile's vector v (channels co0 + 16v ..., bias in) stored transposed,
 * with the residual and Relu or Clip applied on the way: 8 pixels per
 * channel, the 8th spilling into the next tile's first pixel, which that
 * tile rewrites (so not for a plane's last tile). */
QCC_RT_INLINE void
pw_store8(const struct pw_geom *g, const qv16 *r, ptrdiff_t p0, int32_t co0,
          int32_t mc)
{
	qv16 o[8], lo, hi;
	int32_t k, clip = g->act == QCC_ACT_CLIP;
	int32_t act = g->act == QCC_ACT_RELU || clip;

	pw_transpose(r, o);
	qv_splat(&lo, clip ? g->alpha : 0.0f);
	qv_splat(&hi, g->beta);
#pragma GCC unroll 8
	for (k = 0; k < 8; k++) {
		ptrdiff_t o0 = (ptrdiff_t)(co0 + 2 * k) * g->hw + p0;
		int32_t two = 2 * k + 1 < mc;

		if (2 * k >= mc)
			break;
		if (g->res) {
			pw_v8 r0 = *(const pw_v8 *)(g->res + o0), r1 = r0;

			if (two)
				r1 = *(const pw_v8 *)(g->res + o0 + g->hw);
			o[k] += __builtin_shufflevector(r0, r1, 0, 1, 2, 3, 4, 5, 6, 7, 8,
			                                9, 10, 11, 12, 13, 14, 15);
		}
		if (act)
			qv_clamp(&o[k], &lo, &hi, clip);
		*(pw_v8 *)(g->y + o0) = __builtin_shufflevector(o[k], o[k], 0, 1, 2,
		                        3, 4, 5, 6, 7);
		if (two)
			*(pw_v8 *)(g->y + o0 + g->hw) = __builtin_shufflevector(o[k],
			                                 o[k], 8, 9, 10, 11, 12, 13, 14,
			                                 15);
	}
}
#endif

/* The tile's rows (bias in) stored straight into a blocked y: row i of
 * column v is one vector, pixel p0 + i of channel block co0/16 + v (with
 * ng == 3 groups of pixels: pixel p0 + 7v + i of block co0/16), to which
 * the blocked residual is added before Relu or Clip; rows past np are not
 * stored. */
QCC_RT_INLINE void
pw_store_blocked(const struct pw_geom *g, qv16 (*acc)[PW_VMAX], ptrdiff_t p0,
                 int32_t np, int32_t co0, int32_t nv, int32_t ng)
{
	int32_t i, v, clip = g->act == QCC_ACT_CLIP;
	int32_t act = g->act == QCC_ACT_RELU || clip;
	qv16 lo, hi, r;

	qv_splat(&lo, clip ? g->alpha : 0.0f);
	qv_splat(&hi, g->beta);
#pragma GCC unroll 3
	for (v = 0; v < nv * ng; v++) {
		ptrdiff_t o = ng > 1 ? ((co0 / PW_L) * g->hw + p0 + PW_P * v) * PW_L :
		              ((co0 / PW_L + v) * g->hw + p0) * PW_L;

#pragma GCC unroll 7
		for (i = 0; i < PW_P; i++, o += PW_L) {
			if (i >= np)
				break;
			if (g->res) {
				qv_load(&r, g->res + o);
				qv_add(&acc[i][v], &r);
			}
			if (act)
				qv_clamp(&acc[i][v], &lo, &hi, clip);
			qv_store(g->y + o, &acc[i][v]);
		}
	}
}

/* One tile: pixels [p0, p0 + np) (np <= PW_P; rows past np recompute the
 * first pixel and are not stored), channels [co0, co0 + mc) (mc <= 16 * nv;
 * lanes past m are the panels' zeros, not stored); or, with ng == 3 (nv
 * 1, np PW_P), three such groups of pixels side by side, p0 to p0 + 21,
 * whose 21 accumulators share each weight load.  pf: the weight panel to
 * prefetch.  nv, ng and np are constants at every call but one, xb (x
 * channel-blocked: step k broadcasts x[((k/16) * hw + p) * 16 + k%16])
 * at every call. */
QCC_RT_INLINE void
pw_tile(const struct pw_geom *g, ptrdiff_t p0, int32_t np, int32_t co0,
        int32_t mc, int32_t nv, int32_t ng, int32_t xb, const float *pf)
{
	qv16 acc[PW_P][PW_VMAX];
	float t[PW_P * PW_W];
	const float *w0 = g->w + (ptrdiff_t)(co0 / PW_L) * g->wpanel;
	const float *xk;
	ptrdiff_t xs = xb ? PW_L : 1, ks = xb ? 1 : g->hw;
	int32_t i, v, k, kb, kg = xb ? PW_L : g->c, na = nv * ng;

#pragma GCC unroll 7
	for (i = 0; i < PW_P; i++)
#pragma GCC unroll 3
		for (v = 0; v < na; v++)
			qv_splat(&acc[i][v], 0.0f);
#pragma GCC unroll 1
	for (kb = 0; kb < g->c; kb += kg) {
		xk = g->x + (xb ? (ptrdiff_t)kb * g->hw + p0 * PW_L : p0);
#pragma GCC unroll 1
		for (k = kb; k < kb + kg; k++, xk += ks) {
			const float *wk = w0 + (ptrdiff_t)k * PW_L;
			qv16 wv[PW_VMAX];

			qv_prefetch(pf + (ptrdiff_t)k * PW_L);
#pragma GCC unroll 3
			for (v = 0; v < nv; v++)
				qv_load(&wv[v], wk + v * g->wpanel);
#pragma GCC unroll 7
			for (i = 0; i < PW_P; i++) {
				float xi = xk[(i < np ? i : 0) * xs];

				if (ng > 1) {
#pragma GCC unroll 3
					for (v = 0; v < ng; v++)
						qv_fma(&acc[i][v], xk[(i + PW_P * v) * xs], &wv[0]);
					continue;
				}
#pragma GCC unroll 3
				for (v = 0; v < nv; v++)
					qv_fma(&acc[i][v], xi, &wv[v]);
			}
		}
	}
	if (g->b) {
		float bb[PW_W];
		qv16 bv;

		for (v = 0; v < 16 * nv; v++)
			bb[v] = v < mc ? g->b[co0 + v] : 0.0f;
#pragma GCC unroll 3
		for (v = 0; v < na; v++) {
			qv_load(&bv, bb + (ng > 1 ? 0 : 16 * v));
#pragma GCC unroll 7
			for (i = 0; i < PW_P; i++)
				qv_add(&acc[i][v], &bv);
		}
	}
	if (g->yb) {
		pw_store_blocked(g, acc, p0, np, co0, nv, ng);
		return;
	}
#if defined(__clang__)
	if (p0 + PW_P * ng < g->hw) {
#pragma GCC unroll 3
		for (v = 0; v < na; v++) {
			qv16 r[8];
			int32_t cv = ng > 1 ? 0 : 16 * v;

#pragma GCC unroll 7
			for (i = 0; i < PW_P; i++)
				r[i] = acc[i][v];
			r[7] = r[6];
			pw_store8(g, r, ng > 1 ? p0 + PW_P * v : p0, co0 + cv, mc - cv);
		}
		return;
	}
#endif
	if (!g->res && (g->act == QCC_ACT_RELU || g->act == QCC_ACT_CLIP)) {
		int32_t clip = g->act == QCC_ACT_CLIP;
		qv16 lo, hi;

		qv_splat(&lo, clip ? g->alpha : 0.0f);
		qv_splat(&hi, g->beta);
#pragma GCC unroll 7
		for (i = 0; i < PW_P; i++)
#pragma GCC unroll 3
			for (v = 0; v < na; v++)
				qv_clamp(&acc[i][v], &lo, &hi, clip);
	}
#pragma GCC unroll 3
	for (k = 0; k < ng; k++) {
#pragma GCC unroll 7
		for (i = 0; i < PW_P; i++)
#pragma GCC unroll 3
			for (v = 0; v < nv; v++)
				qv_store(t + i * PW_W + 16 * v, &acc[i][k + v]);
		pw_out(g, t, p0 + PW_P * k, np, co0, mc);
	}
}

/* Channels [co0, co0 + mc) over the whole plane, tiles nv vectors wide
 * and ng groups of PW_P pixels long; a plane of at least ng * PW_P pixels
 * in whole tiles, the last one moved back to end at the last pixel (its
 * first pixels are computed twice, the same way both times). */
QCC_RT_INLINE void
pw_block(const struct pw_geom *g, int32_t co0, int32_t mc, int32_t nv,
         int32_t ng, int32_t xb)
{
	ptrdiff_t p0, t, npan = (g->m + PW_L - 1) / PW_L, q, tp = PW_P * ng;

	if (g->hw < PW_P) {
		pw_tile(g, 0, (int32_t)g->hw, co0, mc, nv, 1, xb, g->w);
		return;
	}
	for (p0 = 0, t = 0; p0 < g->hw; p0 += tp, t++) {
		q = co0 / PW_L + nv + t % PW_VMAX;
		q = q < npan ? q : npan - 1;
		pw_tile(g, p0 + tp <= g->hw ? p0 : g->hw - tp, PW_P, co0, mc, nv,
		        ng, xb, g->w + q * g->wpanel);
	}
}

/* Image g->x to g->y, a block of output channels at a time (measured on
 * 56x56 and 112x112 planes: also walking the pixels in chunks that keep
 * x in L1 or L2 across the blocks changes nothing).  A block of 16
 * channels takes tiles of 21 pixels where the plane has them. */
QCC_RT_INLINE void
pw_image(const struct pw_geom *g, int32_t xb)
{
	int32_t co0, mc;

	for (co0 = 0; co0 < g->m; co0 += mc) {
		mc = g->m - co0 < PW_W ? g->m - co0 : PW_W;
		/* 49 to 64 left: two blocks of at most 32 rather than 48 and a
		 * 1-vector tile (one weight load per 7 multiply-adds) */
		if (g->m - co0 > PW_W && g->m - co0 <= PW_W + PW_L)
			mc = 2 * PW_L;
		if (mc > 2 * PW_L)
			pw_block(g, co0, mc, 3, 1, xb);
		else if (mc > PW_L)
			pw_block(g, co0, mc, 2, 1, xb);
		else if (g->hw >= PW_P * PW_VMAX)
			pw_block(g, co0, mc, 1, PW_VMAX, xb);
		else
			pw_block(g, co0, mc, 1, 1, xb);
	}
}

QCC_RT_API void
qcc_rt_conv2d_pw_f32(const float *restrict x, const float *restrict wp,
                     const float *restrict bias, const float *res, float *y,
                     int32_t nb, int32_t c, int32_t hw, int32_t m,
                     int32_t act, float alpha, float beta, int32_t layout)
{
	struct pw_geom g;
	int32_t n, co0, tact;

	g.w = wp;
	g.b = bias;
	g.hw = hw;
	g.wpanel = (ptrdiff_t)c * PW_L;
	g.c = c;
	g.m = m;
	g.yb = (layout & QCC_RT_LAYOUT_YB) != 0;
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
		if (layout & QCC_RT_LAYOUT_XB)
			pw_image(&g, 1);
		else
			pw_image(&g, 0);
		if (!tact && act != QCC_ACT_NONE && (ptrdiff_t)m * hw <= 0x7fffffff)
			qcc_rt_act_row_f32(g.y, (int32_t)(m * hw), act, alpha, beta);
		else if (!tact && act != QCC_ACT_NONE)
			for (co0 = 0; co0 < m; co0++)
				qcc_rt_act_row_f32(g.y + (ptrdiff_t)co0 * hw, hw, act,
				                   alpha, beta);
	}
}
