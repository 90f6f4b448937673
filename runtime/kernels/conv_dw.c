/* conv_dw.c -- depthwise 2-D convolution (group == channels == output
 * channels, weights [c,1,kh,kw]) vectorized over runs of output pixels.
 *
 * Each channel is one image plane convolved with its own kh*kw taps, in
 * bands of output rows.  A band's input rows are first copied into a stack
 * buffer, padded with zeros and split by stride phase: sub-plane (a, b)
 * holds padded[i*sh + a][j*sw + b] in rows of q = ceil(padded width / sw)
 * floats (for stride 1, one sub-plane: the padded rows).  Tap (r, s) of
 * output (oy, ox) then reads sub-plane (r*dh % sh, s*dw % sw) at row
 * oy + r*dh/sh, column ox + s*dw/sw: one constant offset for the whole
 * band, so the band's outputs, at pitch q, are one flat run
 *     t[oy*q + ox] = sum over taps of w[r,s] * sub[off(r,s) + oy*q + ox]
 * done in tiles of DW_T adjacent sums held in registers, every tap one
 * broadcast weight times DW_T contiguous floats: no edges, no strided
 * reads, no per-pixel bookkeeping (the columns ox >= ow are computed and
 * dropped).  The epilogue then writes the band's output rows from t,
 * adding the bias and the residual, and applies the activation to the
 * band (contiguous in y) with loops that vectorize.
 *
 * Every output sums its taps in the order of a plain loop (kernel row,
 * then kernel column, starting from zero), then adds the bias, then the
 * residual, then applies the activation: the values of qcc_rt_conv2d_f32.
 * The padding taps the plain loop skips add w * 0 = +-0 here, which
 * changes no sum (a sum that starts at +0 is never -0, and x + -0 = x).
 *
 * Kernels with more than DW_MAXTAP taps, or rows too wide for one output
 * row's band to fit the buffers, take a plain loop per pixel (same
 * order). */
#include "../qcc_rt.h"

enum { DW_T = 16, DW_BUF = 6144, DW_TBUF = 4096, DW_MAXTAP = 49 };

/* For the loops over tiles: clang's loop vectorizer would otherwise
 * vectorize them across tiles, with gathers, after unrolling the tile. */
#if defined(__clang__)
#define DW_TILE_LOOP _Pragma("clang loop vectorize(disable) interleave(disable)")
#else
#define DW_TILE_LOOP
#endif

struct dw_geom {
	int32_t h, wd, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t q, rext;   /* sub-plane pitch, rows past a band's last */
};

/* Floats per sub-plane for a band of nr output rows: the rows, then the
 * slack the last tile reads past them (zeros). */
QCC_RT_INLINE ptrdiff_t
dw_sub_size(const struct dw_geom *g, int32_t nr)
{
	return (ptrdiff_t)(nr + g->rext) * g->q + (g->kw - 1) * g->dw / g->sw +
	       DW_T;
}

/* Output rows per band that fit the buffers (0: none). */
QCC_RT_INLINE int32_t
dw_band_rows(const struct dw_geom *g, int32_t oh)
{
	int32_t nr = (DW_TBUF - DW_T) / g->q;

	nr = nr < oh ? nr : oh;
	while (nr > 0 && (ptrdiff_t)g->sh * g->sw * dw_sub_size(g, nr) > DW_BUF)
		nr--;
	return nr;
}

/* The sub-planes of the band of nr output rows from oy0 of plane x into
 * buf (sub-plane size ss), with the stride sw a constant where the caller
 * passes one. */
QCC_RT_INLINE void
dw_fill(const struct dw_geom *g, const float *restrict x, float *restrict buf,
        ptrdiff_t ss, int32_t oy0, int32_t nr, int32_t sw)
{
	int32_t a, b, k, j, q = g->q, rows = nr + g->rext;

	for (a = 0; a < g->sh; a++)
		for (b = 0; b < sw; b++) {
			float *sub = buf + (ptrdiff_t)(a * sw + b) * ss;
			/* columns j with 0 <= j*sw + b - pl < wd */
			int32_t lo = g->pl - b > 0 ? (g->pl - b + sw - 1) / sw : 0;
			int32_t hi = (g->wd + g->pl - b + sw - 1) / sw;

			hi = hi < q ? hi : q;
			lo = lo < hi ? lo : hi;
			for (k = 0; k < rows; k++) {
				int32_t iy = (oy0 + k) * g->sh + a - g->pt;
				float *d = sub + (ptrdiff_t)k * q;
				ptrdiff_t xr = (ptrdiff_t)iy * g->wd + b - g->pl;

				if (iy < 0 || iy >= g->h) {
					for (j = 0; j < q; j++)
						d[j] = 0.0f;
					continue;
				}
				for (j = 0; j < lo; j++)
					d[j] = 0.0f;
				for (j = lo; j < hi; j++)
					d[j] = x[xr + (ptrdiff_t)j * sw];
				for (j = hi; j < q; j++)
					d[j] = 0.0f;
			}
			for (j = rows * q; j < ss; j++)
				sub[j] = 0.0f;
		}
}

/* t[0..n) (rounded up to DW_T) = the sums of taps w[0..nt) at offsets
 * off into buf, with nt a constant where the caller passes one. */
QCC_RT_INLINE void
dw_seq(const float *restrict buf, const float *restrict w,
       const ptrdiff_t *restrict off, float *restrict t, int32_t n,
       int32_t nt)
{
	int32_t i, j, k;

	DW_TILE_LOOP
	for (i = 0; i < n; i += DW_T) {
		float acc[DW_T];
		const float *bi = buf + i;

#pragma GCC unroll 16
		for (j = 0; j < DW_T; j++)
			acc[j] = 0.0f;
#pragma GCC unroll 25
		for (k = 0; k < nt; k++) {
			const float *bk = bi + off[k];
			float wk = w[k];

#pragma GCC unroll 16
			for (j = 0; j < DW_T; j++)
				acc[j] = acc[j] + wk * bk[j];
		}
#pragma GCC unroll 16
		for (j = 0; j < DW_T; j++)
			t[i + j] = acc[j];
	}
}

/* y rows [0, nr) of width ow = t rows at pitch q + bias + res, then the
 * activation over the nr * ow results. */
QCC_RT_INLINE void
dw_epilogue(const float *restrict t, int32_t q, const float *restrict b,
            const float *restrict res, float *restrict y, int32_t nr,
            int32_t ow, int32_t act, float alpha, float beta)
{
	float bv = b ? b[0] : 0.0f;
	int32_t k, i, n = nr * ow;

	for (k = 0; k < nr; k++) {
		const float *tk = t + (ptrdiff_t)k * q;
		float *yk = y + (ptrdiff_t)k * ow;

		if (b && res) {
			const float *rk = res + (ptrdiff_t)k * ow;

			for (i = 0; i < ow; i++)
				yk[i] = tk[i] + bv + rk[i];
		} else if (b) {
			for (i = 0; i < ow; i++)
				yk[i] = tk[i] + bv;
		} else if (res) {
			const float *rk = res + (ptrdiff_t)k * ow;

			for (i = 0; i < ow; i++)
				yk[i] = tk[i] + rk[i];
		} else {
			for (i = 0; i < ow; i++)
				yk[i] = tk[i];
		}
	}
	switch (act) {
	case QCC_ACT_NONE:
		break;
	case QCC_ACT_RELU:
		for (i = 0; i < n; i++)
			y[i] = y[i] < 0.0f ? 0.0f : y[i];
		break;
	case QCC_ACT_CLIP:
		for (i = 0; i < n; i++) {
			float v = y[i] < alpha ? alpha : y[i];

			y[i] = v > beta ? beta : v;
		}
		break;
	default:
		qcc_rt_act_f32(y, y, n, act, alpha, beta);
		break;
	}
}

/* One channel's output plane, band by band. */
QCC_RT_INLINE void
dw_plane(const struct dw_geom *g, int32_t nrb, const float *restrict x,
         const float *restrict w, const float *restrict b,
         const float *restrict res, float *restrict y, int32_t oh,
         int32_t ow, int32_t act, float alpha, float beta)
{
	float buf[DW_BUF], t[DW_TBUF];
	ptrdiff_t off[DW_MAXTAP];
	int32_t oy0, nr, r, s, nt = g->kh * g->kw;
	ptrdiff_t ss = dw_sub_size(g, nrb);

	for (r = 0; r < g->kh; r++)
		for (s = 0; s < g->kw; s++) {
			int32_t a = r * g->dh, c = s * g->dw;

			off[r * g->kw + s] =
			    (ptrdiff_t)(a % g->sh * g->sw + c % g->sw) * ss +
			    (ptrdiff_t)(a / g->sh) * g->q + c / g->sw;
		}
	for (oy0 = 0; oy0 < oh; oy0 += nr) {
		ptrdiff_t o = (ptrdiff_t)oy0 * ow;

		nr = oh - oy0 < nrb ? oh - oy0 : nrb;
		if (g->sw == 1)
			dw_fill(g, x, buf, ss, oy0, nr, 1);
		else if (g->sw == 2)
			dw_fill(g, x, buf, ss, oy0, nr, 2);
		else
			dw_fill(g, x, buf, ss, oy0, nr, g->sw);
		if (nt == 9)
			dw_seq(buf, w, off, t, nr * g->q, 9);
		else if (nt == 25)
			dw_seq(buf, w, off, t, nr * g->q, 25);
		else
			dw_seq(buf, w, off, t, nr * g->q, nt);
		dw_epilogue(t, g->q, b, res ? res + o : res, y + o, nr, ow, act,
		            alpha, beta);
	}
}

/* One channel's output plane with a plain loop per pixel (kernels or rows
 * too large for the buffers). */
static void
dw_plane_plain(const struct dw_geom *g, const float *restrict x,
               const float *restrict w, const float *restrict b,
               const float *restrict res, float *restrict y, int32_t oh,
               int32_t ow, int32_t act, float alpha, float beta)
{
	int32_t oy, ox, r, s;

	for (oy = 0; oy < oh; oy++) {
		for (ox = 0; ox < ow; ox++) {
			float acc = 0.0f;

			for (r = 0; r < g->kh; r++) {
				int32_t iy = oy * g->sh - g->pt + r * g->dh;

				if (iy < 0 || iy >= g->h)
					continue;
				for (s = 0; s < g->kw; s++) {
					int32_t ix = ox * g->sw - g->pl + s * g->dw;

					if (ix >= 0 && ix < g->wd)
						acc = acc + w[r * g->kw + s] *
						            x[(ptrdiff_t)iy * g->wd + ix];
				}
			}
			if (b)
				acc = acc + b[0];
			if (res)
				acc = acc + res[(ptrdiff_t)oy * ow + ox];
			y[(ptrdiff_t)oy * ow + ox] = acc;
		}
	}
	qcc_rt_act_f32(y, y, oh * ow, act, alpha, beta);
}

QCC_RT_API void
qcc_rt_conv2d_dw_f32(const float *restrict x, const float *restrict w,
                     const float *restrict bias, const float *restrict res,
                     float *restrict y, int32_t nb, int32_t c, int32_t h,
                     int32_t wd, int32_t m, int32_t oh, int32_t ow,
                     int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                     int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                     int32_t act, float alpha, float beta)
{
	struct dw_geom g;
	int32_t n, ch, pw, nrb;
	ptrdiff_t xplane = (ptrdiff_t)h * wd, yplane = (ptrdiff_t)oh * ow;

	(void)m;
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
	/* the padded width the taps reach */
	pw = (ow - 1) * sw + (kw - 1) * dw + 1;
	g.q = (pw + sw - 1) / sw;
	g.rext = (kh - 1) * dh / sh;
	nrb = kh * kw <= DW_MAXTAP ? dw_band_rows(&g, oh) : 0;
	for (n = 0; n < nb; n++)
		for (ch = 0; ch < c; ch++) {
			ptrdiff_t p = (ptrdiff_t)n * c + ch;
			const float *xc = x + p * xplane, *wc = w + (ptrdiff_t)ch * kh * kw;
			const float *bc = bias ? bias + ch : bias;
			const float *rc = res ? res + p * yplane : res;
			float *yc = y + p * yplane;

			if (nrb > 0)
				dw_plane(&g, nrb, xc, wc, bc, rc, yc, oh, ow, act, alpha,
				         beta);
			else
				dw_plane_plain(&g, xc, wc, bc, rc, yc, oh, ow, act, alpha,
				               beta);
		}
}
