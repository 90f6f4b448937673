/* conv_dw_chan.c -- depthwise 2-D convolution vectorized over channels:
 * every vector lane is one of QCC_RT_DWC_V = 16 channels, so vectors stay
 * full whatever the plane's size or the stride (the plane kernel of
 * conv_dw.c wastes lanes and time on 7x7 and 14x14 planes and strides).
 *
 * For each block of 16 channels and each band of output rows, the band's
 * input rows are transposed from NCHW into a stack buffer of pixels, each
 * pixel one vector of the block's 16 channels, rows padded with zero
 * pixels as the convolution's padding says ([row][col][16]).  The input
 * rows of a band are contiguous in each channel's plane, so the transpose
 * takes them 16 pixels at a time, flat, whatever the row width: 16 loads
 * of 16 floats, an in-register 16x16 transpose, 16 pixel stores at their
 * padded places.  An output pixel is then
 *     o = sum over taps (r, s) of w[r, s] * buf[oy*sh + r*dh][ox*sw + s*dw]
 * with w[r, s] the vector of the block's 16 weights of that tap: tiles of
 * 7 (4 for AVX2) adjacent outputs of a row stay in registers, each tap
 * one weight vector times one buffer vector per output.  A row's last
 * tile may run past the row; its extra outputs read the buffer's next
 * row or its zero slack and are dropped.  The outputs of the band, bias
 * added, go to a second buffer of pixels; the epilogue transposes them
 * back to NCHW 16 pixels at a time, adds the residual and applies ReLU or
 * Clip on the vectors, other activations over each channel's rows.
 *
 * Every output sums its taps in the order of a plain loop (kernel row,
 * then kernel column, starting from zero), then adds the bias, then the
 * residual, then applies the activation: the values of qcc_rt_conv2d_f32.
 * The padding taps the plain loop skips add w * 0 = +-0 here, which
 * changes no sum (a sum that starts at +0 is never -0, and x + -0 = x).
 *
 * Weights come packed (backends/lower_nn.c), [ceil(c/16)][kh*kw][16],
 * zeros past the last channel.  Shapes whose band of one output row does
 * not fit the buffers, and compilers without GNU C vectors and
 * __builtin_shufflevector, take a plain loop per pixel (same order, same
 * values). */
#include "../qcc_rt.h"

enum {
	DWC_V = QCC_RT_DWC_V,
	DWC_BUFV = QCC_RT_DWC_BUF,   /* input band, pixels (36 KB) */
	DWC_OBUFV = 384,  /* output band, pixels (24 KB) */
	DWC_TMAX = 7
};

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define DWC_VECTORS 1
#else
#define DWC_VECTORS 0
#endif

struct dwc_geom {
	int32_t h, wd, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t pw;   /* buffer row, pixels: the padded columns the taps reach */
	int32_t t;    /* outputs per tile */
	int32_t nr;   /* output rows per band (0: none fit) */
};

/* Input rows of a band of nr output rows. */
QCC_RT_INLINE int32_t
dwc_nin(const struct dwc_geom *g, int32_t nr)
{
	return (nr - 1) * g->sh + (g->kh - 1) * g->dh + 1;
}

/* Pixels of the input buffer a band of nr rows uses, with the slack the
 * rows' last tiles read past it. */
QCC_RT_INLINE int32_t
dwc_buf_size(const struct dwc_geom *g, int32_t nr)
{
	return dwc_nin(g, nr) * g->pw + (g->t - 1) * g->sw;
}

/* Whether dwc_fill goes row by row (no table). */
QCC_RT_INLINE int32_t
dwc_by_rows(const struct dwc_geom *g)
{
	return g->wd >= 16 && g->wd <= g->pw - g->pl;
}

/* The plain loop, for shapes the buffers cannot take. */
static void
dwc_plain(const struct dwc_geom *g, const float *restrict x,
          const float *restrict wp, const float *restrict bias,
          const float *restrict res, float *restrict y, int32_t nb,
          int32_t c, int32_t act, float alpha, float beta)
{
	int32_t n, ch, oy, ox, r, s, nt = g->kh * g->kw;

	for (n = 0; n < nb; n++)
		for (ch = 0; ch < c; ch++) {
			const float *xc = x + ((ptrdiff_t)n * c + ch) * g->h * g->wd;
			const float *wc = wp + (ptrdiff_t)(ch / DWC_V) * nt * DWC_V +
			                  ch % DWC_V;
			ptrdiff_t o = ((ptrdiff_t)n * c + ch) * g->oh * g->ow;

			for (oy = 0; oy < g->oh; oy++)
				for (ox = 0; ox < g->ow; ox++) {
					float acc = 0.0f;

					for (r = 0; r < g->kh; r++) {
						int32_t iy = oy * g->sh - g->pt + r * g->dh;

						if (iy < 0 || iy >= g->h)
							continue;
						for (s = 0; s < g->kw; s++) {
							int32_t ix = ox * g->sw - g->pl + s * g->dw;

							if (ix >= 0 && ix < g->wd)
								acc = acc + wc[(r * g->kw + s) * DWC_V] *
								            xc[(ptrdiff_t)iy * g->wd + ix];
						}
					}
					if (bias)
						acc = acc + bias[ch];
					if (res)
						acc = acc + res[o + (ptrdiff_t)oy * g->ow + ox];
					y[o + (ptrdiff_t)oy * g->ow + ox] = acc;
				}
			qcc_rt_act_row_f32(y + o, g->oh * g->ow, act, alpha, beta);
		}
}

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
/* A pixel: 16 floats, one per channel of the block, as a GNU C vector
 * (each lane computes what the scalar expression would). */
typedef float dwc_v __attribute__((vector_size(64)));
typedef float dwc_vu __attribute__((vector_size(64), aligned(4)));
typedef int32_t dwc_i __attribute__((vector_size(64)));

QCC_RT_INLINE void
dwc_load(dwc_v *d, const float *p)
{
	*d = *(const dwc_vu *)p;
}

QCC_RT_INLINE void
dwc_store(float *p, const dwc_v *v)
{
	*(dwc_vu *)p = *v;
}

QCC_RT_INLINE void
dwc_splat(dwc_v *d, float s)
{
	dwc_v z = {0};

	*d = z + s;
}

/* act(v) for ReLU (x > 0 ? x : 0) and Clip, lane by lane as act.c does */
QCC_RT_INLINE void
dwc_clamp(dwc_v *v, int32_t clip, float alpha, float beta)
{
	dwc_v lo, hi;
	dwc_i m;

	dwc_splat(&lo, clip ? alpha : 0.0f);
	dwc_splat(&hi, beta);
	if (!clip) {
		m = *v > lo;
		*v = (dwc_v)((dwc_i)*v & m);
		return;
	}
	m = *v < lo;
	*v = (dwc_v)(((dwc_i)lo & m) | ((dwc_i)*v & ~m));
	m = *v > hi;
	*v = (dwc_v)(((dwc_i)hi & m) | ((dwc_i)*v & ~m));
}

/* In-lane interleaves of 32- and 64-bit pairs, then 128-bit lane
 * selections (x86's unpcklps, unpcklpd, shuff32x4 patterns). */
#define DWC_LOPS(a, b) __builtin_shufflevector(a, b, 0, 16, 1, 17, 4, 20, \
	5, 21, 8, 24, 9, 25, 12, 28, 13, 29)
#define DWC_HIPS(a, b) __builtin_shufflevector(a, b, 2, 18, 3, 19, 6, 22, \
	7, 23, 10, 26, 11, 27, 14, 30, 15, 31)
#define DWC_LOPD(a, b) __builtin_shufflevector(a, b, 0, 1, 16, 17, 4, 5, \
	20, 21, 8, 9, 24, 25, 12, 13, 28, 29)
#define DWC_HIPD(a, b) __builtin_shufflevector(a, b, 2, 3, 18, 19, 6, 7, \
	22, 23, 10, 11, 26, 27, 14, 15, 30, 31)
#define DWC_Q02(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, \
	11, 16, 17, 18, 19, 24, 25, 26, 27)
#define DWC_Q13(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, \
	15, 20, 21, 22, 23, 28, 29, 30, 31)

/* r[i][j] becomes r[j][i]: 4x4 blocks inside each 128-bit lane first
 * (32-bit, then 64-bit interleaves), then the lanes (two rounds of
 * 128-bit selections). */
QCC_RT_INLINE void
dwc_transpose(dwc_v *r)
{
	dwc_v t[16];
	int32_t i;

#pragma GCC unroll 8
	for (i = 0; i < 8; i++) {
		t[2 * i] = DWC_LOPS(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = DWC_HIPS(r[2 * i], r[2 * i + 1]);
	}
#pragma GCC unroll 4
	for (i = 0; i < 4; i++) {
		r[4 * i] = DWC_LOPD(t[4 * i], t[4 * i + 2]);
		r[4 * i + 1] = DWC_HIPD(t[4 * i], t[4 * i + 2]);
		r[4 * i + 2] = DWC_LOPD(t[4 * i + 1], t[4 * i + 3]);
		r[4 * i + 3] = DWC_HIPD(t[4 * i + 1], t[4 * i + 3]);
	}
#pragma GCC unroll 4
	for (i = 0; i < 4; i++) {
		t[i] = DWC_Q02(r[i], r[i + 4]);
		t[i + 4] = DWC_Q13(r[i], r[i + 4]);
		t[i + 8] = DWC_Q02(r[i + 8], r[i + 12]);
		t[i + 12] = DWC_Q13(r[i + 8], r[i + 12]);
	}
#pragma GCC unroll 8
	for (i = 0; i < 8; i++) {
		r[i] = DWC_Q02(t[i], t[i + 8]);
		r[i + 8] = DWC_Q13(t[i], t[i + 8]);
	}
}
/* Where the band of nr output rows from oy0 puts the image's pixels:
 * tab[i] is the buffer pixel of the band's i-th image pixel (flat from
 * its first image row *ya), DWC_BUFV (a spare slot) for columns no tap
 * reaches.  Returns the number of pixels. */
static int32_t
dwc_table(const struct dwc_geom *g, int32_t oy0, int32_t nr,
          int32_t *restrict tab, int32_t *ya)
{
	int32_t y0 = oy0 * g->sh - g->pt, nin = dwc_nin(g, nr);
	int32_t yb = y0 + nin < g->h ? y0 + nin : g->h;
	int32_t ncol = g->pw - g->pl, n = 0, iy, ix;

	*ya = y0 > 0 ? y0 : 0;
	for (iy = *ya; iy < yb; iy++)
		for (ix = 0; ix < g->wd; ix++)
			tab[n++] = ix < ncol ? (iy - y0) * g->pw + g->pl + ix : DWC_BUFV;
	return n;
}

/* The 16 pixels from x of the block's nc channels (planes xplane apart)
 * to buf at tab[0..16). */
QCC_RT_INLINE void
dwc_chunk(const float *restrict x, ptrdiff_t xplane, int32_t nc,
          dwc_v *restrict buf, const int32_t *restrict tab)
{
	dwc_v r[16];
	int32_t v, j;

#pragma GCC unroll 16
	for (v = 0; v < 16; v++)
		if (v < nc)
			dwc_load(&r[v], x + v * xplane);
		else
			dwc_splat(&r[v], 0.0f);
	dwc_transpose(r);
#pragma GCC unroll 16
	for (j = 0; j < 16; j++)
		buf[tab[j]] = r[j];
}

/* The 16 pixels from x of the block's nc channels (planes xplane apart)
 * to the 16 consecutive buffer pixels from d. */
QCC_RT_INLINE void
dwc_chunk_run(const float *restrict x, ptrdiff_t xplane, int32_t nc,
              dwc_v *restrict d)
{
	dwc_v r[16];
	int32_t v, j;

#pragma GCC unroll 16
	for (v = 0; v < 16; v++)
		if (v < nc)
			dwc_load(&r[v], x + v * xplane);
		else
			dwc_splat(&r[v], 0.0f);
	dwc_transpose(r);
#pragma GCC unroll 16
	for (j = 0; j < 16; j++)
		d[j] = r[j];
}

/* The band of nr output rows from oy0: input rows of the block's nc
 * channels into buf.  The padding columns keep the zeros written once,
 * rows outside the image get zeros.  Rows of 16 pixels or more, all
 * read, go row by row (the first keep rows are there already: the last
 * ones of the band before, moved up), 16 pixels at a time, the last run of a row moved
 * back to end with it (its first pixels are written twice, with the same
 * values); others go flat, 16 pixels at a time whatever the row, through
 * tab (dwc_table, ntab pixels from row ya), the last run moved back too
 * unless only a few pixels are left. */
static void
dwc_fill(const struct dwc_geom *g, const float *restrict x, ptrdiff_t xplane,
         int32_t nc, dwc_v *restrict buf, int32_t oy0, int32_t nr,
         int32_t keep, const int32_t *restrict tab, int32_t ntab, int32_t ya)
{
	int32_t nin = dwc_nin(g, nr), y0 = oy0 * g->sh - g->pt;
	int32_t ncol = g->wd < g->pw - g->pl ? g->wd : g->pw - g->pl;
	int32_t yb = y0 + nin < g->h ? y0 + nin : g->h;
	int32_t k, j, v, i;
	const float *xa = x + (ptrdiff_t)ya * g->wd;
	dwc_v z;

	dwc_splat(&z, 0.0f);
	for (k = keep; k < nin; k++)
		if (y0 + k < 0 || y0 + k >= g->h)
			for (j = 0; j < ncol; j++)
				buf[k * g->pw + g->pl + j] = z;
	if (dwc_by_rows(g)) {
		for (k = ya > y0 + keep ? ya : y0 + keep; k < yb; k++) {
			const float *xr = x + (ptrdiff_t)k * g->wd;
			dwc_v *d = buf + (k - y0) * g->pw + g->pl;

			for (j = 0; j + 16 <= g->wd; j += 16)
				dwc_chunk_run(xr + j, xplane, nc, d + j);
			if (j < g->wd)
				dwc_chunk_run(xr + g->wd - 16, xplane, nc,
				              d + g->wd - 16);
		}
		return;
	}
	for (i = 0; i + 16 <= ntab; i += 16)
		dwc_chunk(xa + i, xplane, nc, buf, tab + i);
	if (ntab - i > 3 && ntab >= 16) {
		dwc_chunk(xa + ntab - 16, xplane, nc, buf, tab + ntab - 16);
		return;
	}
	for (; i < ntab; i++) {
		dwc_v t = z;

		for (v = 0; v < nc; v++)
			t[v] = xa[v * xplane + i];
		buf[tab[i]] = t;
	}
}

/* Buffer rows [from, from + n) to rows [0, n) (from > 0): the input rows
 * the next band shares with the one before. */
static void
dwc_move_rows(const struct dwc_geom *g, dwc_v *restrict buf, int32_t from,
              int32_t n)
{
	int32_t i, e = n * g->pw;
	dwc_v *src = buf + from * g->pw;

	for (i = 0; i < e; i++)
		buf[i] = src[i];
}

/* Output row k of the band: tiles of t outputs, kh x kw taps, stride sw
 * (constants where the caller passes them), bias vector bv added unless
 * NULL. */
QCC_RT_INLINE void
dwc_row(const struct dwc_geom *g, const dwc_v *restrict buf,
        const float *restrict w, const dwc_v *bv, dwc_v *restrict o,
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
			if (bv)
				acc[i] = acc[i] + *bv;
			if (i < n)
				o[ox0 + i] = acc[i];
		}
	}
}

/* dwc_row with tiles of t (a constant), the common windows and strides
 * as constants too. */
QCC_RT_INLINE void
dwc_row_t(const struct dwc_geom *g, const dwc_v *restrict buf,
          const float *restrict w, const dwc_v *bv, dwc_v *restrict o,
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

/* The band's nr output rows into o (pitch ow). */
static void
dwc_rows(const struct dwc_geom *g, const dwc_v *restrict buf,
         const float *restrict w, const dwc_v *bv, dwc_v *restrict o,
         int32_t nr)
{
	int32_t k;

	for (k = 0; k < nr; k++) {
		dwc_v *ok = o + k * g->ow;

		if (g->t == 7)
			dwc_row_t(g, buf, w, bv, ok, k, 7);
		else
			dwc_row_t(g, buf, w, bv, ok, k, 4);
	}
}

/* The 16 output pixels o of the block's nc channels to y from pixel q0 of
 * each plane (yplane apart), + res, ReLU or Clip when vec. */
QCC_RT_INLINE void
dwc_out_chunk(const dwc_v *restrict o, float *restrict y,
              const float *restrict res, ptrdiff_t yplane, int32_t nc,
              ptrdiff_t q0, int32_t vec, int32_t clip, float alpha,
              float beta)
{
	dwc_v r[16], t;
	int32_t v;

#pragma GCC unroll 16
	for (v = 0; v < 16; v++)
		r[v] = o[v];
	dwc_transpose(r);
	for (v = 0; v < nc; v++) {
		ptrdiff_t q = v * yplane + q0;

		if (res) {
			dwc_load(&t, res + q);
			r[v] = r[v] + t;
		}
		if (vec)
			dwc_clamp(&r[v], clip, alpha, beta);
		dwc_store(y + q, &r[v]);
	}
}

/* np output pixels o of the block's nc channels to y from pixel p0 of each
 * plane (yplane apart), + res, then the activation; 16 pixels at a time,
 * a shorter last run moved back as in dwc_fill. */
static void
dwc_out(const dwc_v *restrict o, float *restrict y,
        const float *restrict res, ptrdiff_t yplane, int32_t nc,
        ptrdiff_t p0, int32_t np, int32_t act, float alpha, float beta)
{
	int32_t i, v, vec = act == QCC_ACT_RELU || act == QCC_ACT_CLIP;
	int32_t clip = act == QCC_ACT_CLIP;

	for (i = 0; i + 16 <= np; i += 16)
		dwc_out_chunk(o + i, y, res, yplane, nc, p0 + i, vec, clip, alpha,
		              beta);
	if (np - i > 3 && np >= 16) {
		dwc_out_chunk(o + np - 16, y, res, yplane, nc, p0 + np - 16, vec,
		              clip, alpha, beta);
		i = np;
	}
	for (; i < np; i++)
		for (v = 0; v < nc; v++) {
			ptrdiff_t q = v * yplane + p0 + i;
			float t = o[i][v];

			if (res)
				t = t + res[q];
			if (act == QCC_ACT_RELU)
				t = t > 0.0f ? t : 0.0f;
			if (clip) {
				t = t < alpha ? alpha : t;
				t = t > beta ? beta : t;
			}
			y[q] = t;
		}
	if (!vec && act != QCC_ACT_NONE)
		for (v = 0; v < nc; v++)
			qcc_rt_act_row_f32(y + v * yplane + p0, np, act, alpha, beta);
}

/* Every block of 16 channels, band by band, through buf, tab and o. */
static void
dwc_blocks(const struct dwc_geom *g, const float *restrict x,
           const float *restrict wp, const float *restrict bias,
           const float *restrict res, float *restrict y, int32_t nb,
           int32_t c, int32_t act, float alpha, float beta)
{
	dwc_v buf[DWC_BUFV + 1], o[DWC_OBUFV];
	int32_t tab[DWC_BUFV];
	ptrdiff_t xplane = (ptrdiff_t)g->h * g->wd, yplane = (ptrdiff_t)g->oh *
	                                                     g->ow;
	int32_t n, cb, oy0, nr, v, i, ya, ntab = 0, inner, keep, nin = 0;
	int32_t tnr = 0, toy0 = 0, tinner = 0;   /* what tab holds */
	int32_t nt = g->kh * g->kw;
	/* an activation other than ReLU and Clip, no residual: applied to
	 * the band's pixels before they are transposed, one call on whole
	 * vectors instead of one per channel row */
	int32_t pre = !res && act != QCC_ACT_NONE && act != QCC_ACT_RELU &&
	              act != QCC_ACT_CLIP;

	for (i = 0; i < dwc_buf_size(g, g->nr); i++)
		dwc_splat(&buf[i], 0.0f);
	for (n = 0; n < nb; n++)
		for (cb = 0; cb * DWC_V < c; cb++) {
			int32_t ch0 = cb * DWC_V, nc = c - ch0 < DWC_V ? c - ch0 : DWC_V;
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
				/* a band's table serves every block, and the bands
				 * inside the image share one */
				inner = y0 >= 0 && y0 + dwc_nin(g, nr) <= g->h;
				if (!dwc_by_rows(g) && (nr != tnr || (oy0 != toy0 &&
				                                      !(inner && tinner)))) {
					ntab = dwc_table(g, oy0, nr, tab, &ya);
					tnr = nr;
					toy0 = oy0;
					tinner = inner;
				}
				ya = y0 > 0 ? y0 : 0;
				if (keep > 0)
					dwc_move_rows(g, buf, nin - keep, keep);
				dwc_fill(g, x + p * xplane, xplane, nc, buf, oy0, nr, keep,
				         tab, ntab, ya);
				nin = dwc_nin(g, nr);
				keep = dwc_by_rows(g) && oy0 + nr < g->oh ? nin - nr * g->sh
				                                          : 0;
				keep = keep > 0 ? keep : 0;
				dwc_rows(g, buf, w, bias ? &bv : NULL, o, nr);
				if (pre)
					qcc_rt_act_row_f32((float *)o, nr * g->ow * DWC_V, act,
					                   alpha, beta);
				dwc_out(o, y + p * yplane, res ? res + p * yplane : res,
				        yplane, nc, (ptrdiff_t)oy0 * g->ow, nr * g->ow,
				        pre ? QCC_ACT_NONE : act, alpha, beta);
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
	(void)layout;
	dwc_plan(&g, tw);
#if DWC_VECTORS
	if (g.nr > 0) {
		dwc_blocks(&g, x, wp, bias, res, y, nb, c, act, alpha, beta);
		return;
	}
#endif
	dwc_plain(&g, x, wp, bias, res, y, nb, c, act, alpha, beta);
}
