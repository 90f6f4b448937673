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

enum { DW_T = 16, DW_BUF = 4096, DW_TBUF = 2048, DW_MAXTAP = 49 };

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
 * passes one.  Only the image's pixels are written, and the rows outside
 * it: the padding columns and the slack past the rows keep the zeros the
 * caller wrote once (or, past a shorter last band, finite values that only
 * the dropped columns read). */
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

				if (iy < 0 || iy >= g->h)
					for (j = 0; j < q; j++)
						d[j] = 0.0f;
				else
					for (j = lo; j < hi; j++)
						d[j] = x[xr + (ptrdiff_t)j * sw];
			}
		}
}

/* How a tile ends: the sums as they are, + bias, + bias then ReLU or
 * Clip (only when there is no residual to add before the activation). */
enum { DW_END_SUM, DW_END_BIAS, DW_END_RELU, DW_END_CLIP };

/* The sums of taps w[0..nt) at offsets off from bi into t[0, DW_T * nu)
 * (nu adjacent tiles whose chains interleave), ended as end says; nt and
 * nu are constants where the caller passes them. */
QCC_RT_INLINE void
dw_tiles(const float *restrict bi, const float *restrict w,
         const ptrdiff_t *restrict off, float *restrict t, int32_t nt,
         int32_t nu, int32_t end, float bv, float alpha, float beta)
{
	float acc[2 * DW_T];
	int32_t j, k, n = DW_T * nu;

#pragma GCC unroll 32
	for (j = 0; j < n; j++)
		acc[j] = 0.0f;
#pragma GCC unroll 25
	for (k = 0; k < nt; k++) {
		const float *bk = bi + off[k];
		float wk = w[k];

#pragma GCC unroll 32
		for (j = 0; j < n; j++)
			acc[j] = acc[j] + wk * bk[j];
	}
	if (end != DW_END_SUM)
#pragma GCC unroll 32
		for (j = 0; j < n; j++)
			acc[j] = acc[j] + bv;
	if (end == DW_END_RELU)
#pragma GCC unroll 32
		for (j = 0; j < n; j++)
			acc[j] = acc[j] < 0.0f ? 0.0f : acc[j];
	if (end == DW_END_CLIP)
#pragma GCC unroll 32
		for (j = 0; j < n; j++) {
			float v = acc[j] < alpha ? alpha : acc[j];

			acc[j] = v > beta ? beta : v;
		}
#pragma GCC unroll 32
	for (j = 0; j < n; j++)
		t[j] = acc[j];
}

/* t[0..n) (rounded up to DW_T) = the sums of taps w[0..nt) at offsets
 * off into buf, ended as end says, with nt a constant where the caller
 * passes one; two tiles at a time while two remain. */
QCC_RT_INLINE void
dw_seq(const float *restrict buf, const float *restrict w,
       const ptrdiff_t *restrict off, float *restrict t, int32_t n,
       int32_t nt, int32_t end, float bv, float alpha, float beta)
{
	int32_t i;

	DW_TILE_LOOP
	for (i = 0; i + DW_T < n; i += 2 * DW_T)
		dw_tiles(buf + i, w, off, t + i, nt, 2, end, bv, alpha, beta);
	if (i < n)
		dw_tiles(buf + i, w, off, t + i, nt, 1, end, bv, alpha, beta);
}

/* y rows [0, nr) of width ow = t rows at pitch q (+ res), then the
 * activation over the nr * ow results unless the tiles applied it.  When
 * room says y and res have DW_T floats from the start of every row, rows
 * narrower than that are copied DW_T floats at a time (each row's excess
 * is overwritten by the next one). */
QCC_RT_INLINE void
dw_epilogue(const float *restrict t, int32_t q, const float *restrict res,
            float *restrict y, int32_t nr, int32_t ow, int32_t room,
            int32_t act, float alpha, float beta)
{
	int32_t k, i;

	for (k = 0; k < nr; k++) {
		const float *tk = t + (ptrdiff_t)k * q;
		const float *rk = res ? res + (ptrdiff_t)k * ow : res;
		float *yk = y + (ptrdiff_t)k * ow;

		if (room && res)
#pragma GCC unroll 16
			for (i = 0; i < DW_T; i++)
				yk[i] = tk[i] + rk[i];
		else if (room)
#pragma GCC unroll 16
			for (i = 0; i < DW_T; i++)
				yk[i] = tk[i];
		else if (res)
			for (i = 0; i < ow; i++)
				yk[i] = tk[i] + rk[i];
		else
			for (i = 0; i < ow; i++)
				yk[i] = tk[i];
	}
	if (act != QCC_ACT_NONE)
		qcc_rt_act_row_f32(y, nr * ow, act, alpha, beta);
}

/* How the tiles of a plane end (*act becomes NONE when they apply it). */
QCC_RT_INLINE int32_t
dw_end(const float *b, const float *res, int32_t *act)
{
	int32_t end = b ? DW_END_BIAS : DW_END_SUM;

	if (!res && *act == QCC_ACT_RELU)
		end = b ? DW_END_RELU : end;
	if (!res && *act == QCC_ACT_CLIP)
		end = b ? DW_END_CLIP : end;
	if (end == DW_END_RELU || end == DW_END_CLIP)
		*act = QCC_ACT_NONE;
	return end;
}

/* The band of nr output rows from oy0 whose sub-planes are in buf: the
 * tiles into t, then dw_epilogue into y (rows copied DW_T floats at a
 * time where y and res have room). */
QCC_RT_INLINE void
dw_band(const struct dw_geom *g, const ptrdiff_t *off,
        const float *restrict buf, float *restrict t,
        const float *restrict w, const float *restrict b,
        const float *restrict res, float *restrict y, int32_t oy0,
        int32_t nr, int32_t ow, ptrdiff_t ny, int32_t end, int32_t act,
        float alpha, float beta)
{
	int32_t nt = g->kh * g->kw;
	ptrdiff_t o = (ptrdiff_t)oy0 * ow;
	float bv = b ? b[0] : 0.0f;
	int32_t room = ow < DW_T && o + (ptrdiff_t)(nr - 1) * ow + DW_T <= ny;

	if (nt == 9)
		dw_seq(buf, w, off, t, nr * g->q, 9, end, bv, alpha, beta);
	else if (nt == 25)
		dw_seq(buf, w, off, t, nr * g->q, 25, end, bv, alpha, beta);
	else
		dw_seq(buf, w, off, t, nr * g->q, nt, end, bv, alpha, beta);
	dw_epilogue(t, g->q, res ? res + o : res, y + o, nr, ow, room, act,
	            alpha, beta);
}

/* The band's sub-planes into buf, with the stride a constant for 1 and 2. */
QCC_RT_INLINE void
dw_fill_any(const struct dw_geom *g, const float *restrict x,
            float *restrict buf, ptrdiff_t ss, int32_t oy0, int32_t nr)
{
	if (g->sw == 1)
		dw_fill(g, x, buf, ss, oy0, nr, 1);
	else if (g->sw == 2)
		dw_fill(g, x, buf, ss, oy0, nr, 2);
	else
		dw_fill(g, x, buf, ss, oy0, nr, g->sw);
}

/* One channel's plane in bands of nrb rows. */
QCC_RT_INLINE void
dw_plane(const struct dw_geom *g, int32_t nrb, const ptrdiff_t *off,
         float *restrict buf, float *restrict t, const float *restrict x,
         const float *restrict w, const float *restrict b,
         const float *restrict res, float *restrict y, int32_t oh,
         int32_t ow, ptrdiff_t ny, int32_t act, float alpha, float beta)
{
	int32_t oy0, nr, end = dw_end(b, res, &act);
	ptrdiff_t ss = dw_sub_size(g, nrb);

	for (oy0 = 0; oy0 < oh; oy0 += nr) {
		nr = oh - oy0 < nrb ? oh - oy0 : nrb;
		dw_fill_any(g, x, buf, ss, oy0, nr);
		dw_band(g, off, buf, t, w, b, res, y, oy0, nr, ow, ny, end, act,
		        alpha, beta);
	}
}

/* Planes p0 .. p1 - 1 (of nb * c) whose bands are whole planes, through
 * two buffers: the next plane is copied before this one's tiles run, so
 * the tiles never load what was stored just before (a store to load
 * forwarding that fails: it stalled a 14x14 plane's tiles for about half
 * their time). */
QCC_RT_INLINE void
dw_planes2(const struct dw_geom *g, const ptrdiff_t *off, float *buf,
           ptrdiff_t ss2, float *restrict t, const float *restrict x,
           const float *restrict w, const float *restrict bias,
           const float *restrict res, float *restrict y, int32_t c,
           ptrdiff_t np, int32_t oh, int32_t ow, ptrdiff_t ny, int32_t act,
           float alpha, float beta)
{
	ptrdiff_t p, xplane = (ptrdiff_t)g->h * g->wd, yplane = (ptrdiff_t)oh * ow;
	ptrdiff_t ss = dw_sub_size(g, oh);
	int32_t a = act, end = dw_end(bias, res, &a);

	dw_fill_any(g, x, buf, ss, 0, oh);
	for (p = 0; p < np; p++) {
		int32_t ch = (int32_t)(p % c);
		float *cur = buf + (p & 1) * ss2;

		if (p + 1 < np)
			dw_fill_any(g, x + (p + 1) * xplane, buf + ((p + 1) & 1) * ss2, ss,
			            0, oh);
		dw_band(g, off, cur, t, w + (ptrdiff_t)ch * g->kh * g->kw,
		        bias ? bias + ch : bias, res ? res + p * yplane : res,
		        y + p * yplane, 0, oh, ow, ny - p * yplane, end, a, alpha,
		        beta);
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
	qcc_rt_act_row_f32(y, oh * ow, act, alpha, beta);
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
	float buf[DW_BUF], t[DW_TBUF];
	ptrdiff_t off[DW_MAXTAP], ss, i;
	struct dw_geom g;
	int32_t n, ch, pw, nrb, r, s;
	ptrdiff_t xplane = (ptrdiff_t)h * wd, yplane = (ptrdiff_t)oh * ow;
	ptrdiff_t ny = (ptrdiff_t)nb * c * yplane;

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
	ss = nrb > 0 ? dw_sub_size(&g, nrb) : 0;
	for (i = 0; i < sh * sw * ss; i++)
		buf[i] = 0.0f;
	for (r = 0; r < kh; r++)
		for (s = 0; s < kw && nrb > 0; s++) {
			int32_t a = r * dh, e = s * dw;

			off[r * kw + s] = (ptrdiff_t)(a % sh * sw + e % sw) * ss +
			                  (ptrdiff_t)(a / sh) * g.q + e / sw;
		}
	if (nrb >= oh && 2 * sh * sw * ss <= DW_BUF) {
		for (i = sh * sw * ss; i < 2 * sh * sw * ss; i++)
			buf[i] = 0.0f;
		dw_planes2(&g, off, buf, sh * sw * ss, t, x, w, bias, res, y, c,
		           (ptrdiff_t)nb * c, oh, ow, ny, act, alpha, beta);
		return;
	}
	for (n = 0; n < nb; n++)
		for (ch = 0; ch < c; ch++) {
			ptrdiff_t p = (ptrdiff_t)n * c + ch;
			const float *xc = x + p * xplane, *wc = w + (ptrdiff_t)ch * kh * kw;
			const float *bc = bias ? bias + ch : bias;
			const float *rc = res ? res + p * yplane : res;
			float *yc = y + p * yplane;

			if (nrb > 0)
				dw_plane(&g, nrb, off, buf, t, xc, wc, bc, rc, yc, oh, ow,
				         ny - p * yplane, act, alpha, beta);
			else
				dw_plane_plain(&g, xc, wc, bc, rc, yc, oh, ow, act, alpha,
				               beta);
		}
}
