/* conv_dw.c -- depthwise 2-D convolution (group == channels == output
 * channels, weights [c,1,kh,kw]) vectorized over the output width.
 *
 * Each channel is one image plane convolved with its own kh*kw taps.  An
 * output row splits into edge columns, whose window leaves the image on the
 * left or right (done one pixel at a time with the kernel columns that fall
 * inside), and the inner columns [lo, hi), done in tiles of DW_T (then
 * DW_H) adjacent output pixels.  A tile keeps its DW_T sums in a fixed-size
 * array that the compiler holds in vector registers; every tap is one
 * broadcast weight times DW_T input pixels (contiguous for stride 1, every
 * second one for stride 2), so the input row is read straight from memory
 * with no im2col and no per-pixel window bookkeeping.  When the inner run
 * is not a multiple of the tile, the last tile is moved back to end at hi
 * (recomputing a few pixels to the same values) rather than going scalar;
 * only runs shorter than DW_H pixels take a variable-length loop.
 *
 * Every output sums its taps in the order of a plain loop (kernel row,
 * then kernel column, taps outside the image skipped, starting from zero),
 * then adds the bias, then the residual, then applies the activation to the
 * finished row -- the same values as qcc_rt_conv2d_f32 for these shapes. */
#include "../qcc_rt.h"

enum { DW_T = 16, DW_H = 8 };

struct dw_geom {
	int32_t h, wd, kh, kw, sh, sw, dh, dw, pt, pl;
};

/* y[0..nt) = the inner outputs whose first input column is xr[0] of input
 * row xr (already at the first kernel row inside the image), kernel rows
 * [0, nr) of weights w (already at that row), then + bias, + res. */
QCC_RT_INLINE void
dw_tile(const struct dw_geom *g, const float *restrict xr,
        const float *restrict w, const float *restrict b,
        const float *restrict res, float *restrict y, int32_t nt,
        int32_t sw, int32_t nr)
{
	float acc[DW_T];
	int32_t j, r, s;

#pragma GCC unroll 16
	for (j = 0; j < DW_T; j++)
		acc[j] = 0.0f;
	for (r = 0; r < nr; r++) {
		const float *xrow = xr + (ptrdiff_t)r * g->dh * g->wd;
		const float *wr = w + (ptrdiff_t)r * g->kw;

		for (s = 0; s < g->kw; s++) {
			const float *xs = xrow + (ptrdiff_t)s * g->dw;
			float ws = wr[s];

#pragma GCC unroll 16
			for (j = 0; j < nt; j++)
				acc[j] = acc[j] + ws * xs[j * sw];
		}
	}
	if (b) {
		float bv = b[0];

#pragma GCC unroll 16
		for (j = 0; j < nt; j++)
			acc[j] = acc[j] + bv;
	}
	if (res) {
#pragma GCC unroll 16
		for (j = 0; j < nt; j++)
			acc[j] = acc[j] + res[j];
	}
#pragma GCC unroll 16
	for (j = 0; j < nt; j++)
		y[j] = acc[j];
}

/* One output pixel at column ox whose window may leave the image on the
 * left or right; xr, w, nr as for dw_tile, xr at input column 0. */
QCC_RT_INLINE void
dw_pixel(const struct dw_geom *g, const float *restrict xr,
         const float *restrict w, const float *restrict b,
         const float *restrict res, float *restrict y, int32_t ox, int32_t nr)
{
	int32_t ix = ox * g->sw - g->pl;
	int32_t s0 = 0, s1 = g->kw, r, s;
	float acc = 0.0f;

	while (s0 < s1 && ix + s0 * g->dw < 0)
		s0++;
	while (s1 > s0 && ix + (s1 - 1) * g->dw >= g->wd)
		s1--;
	for (r = 0; r < nr; r++) {
		const float *xrow = xr + (ptrdiff_t)r * g->dh * g->wd;

		for (s = s0; s < s1; s++)
			acc = acc + w[(ptrdiff_t)r * g->kw + s] *
			            xrow[ix + s * g->dw];
	}
	if (b)
		acc = acc + b[0];
	if (res)
		acc = acc + res[ox];
	y[ox] = acc;
}

/* Output row oy of one channel: x, w, y, res at the channel's planes. */
QCC_RT_INLINE void
dw_row(const struct dw_geom *g, const float *restrict x,
       const float *restrict w, const float *restrict b,
       const float *restrict res, float *restrict y, int32_t oy, int32_t ow,
       int32_t sw, int32_t lo, int32_t hi)
{
	int32_t iy = oy * g->sh - g->pt;
	int32_t r0 = 0, r1 = g->kh, ox;
	const float *xr, *wr, *rr = res ? res + (ptrdiff_t)oy * ow : res;
	float *yr = y + (ptrdiff_t)oy * ow;

	while (r0 < r1 && iy + r0 * g->dh < 0)
		r0++;
	while (r1 > r0 && iy + (r1 - 1) * g->dh >= g->h)
		r1--;
	xr = x + (ptrdiff_t)(r0 < r1 ? iy + r0 * g->dh : 0) * g->wd;
	wr = w + (ptrdiff_t)r0 * g->kw;
	for (ox = 0; ox < lo; ox++)
		dw_pixel(g, xr, wr, b, rr, yr, ox, r1 - r0);
	for (ox = hi; ox < ow; ox++)
		dw_pixel(g, xr, wr, b, rr, yr, ox, r1 - r0);
#define DW_AT(o) \
	xr + ((ptrdiff_t)(o) * sw - g->pl), wr, b, rr ? rr + (o) : rr, yr + (o)
	for (ox = lo; ox + DW_T <= hi; ox += DW_T)
		dw_tile(g, DW_AT(ox), DW_T, sw, r1 - r0);
	if (ox < hi && hi - lo >= DW_T) {
		dw_tile(g, DW_AT(hi - DW_T), DW_T, sw, r1 - r0);
		ox = hi;
	}
	for (; ox + DW_H <= hi; ox += DW_H)
		dw_tile(g, DW_AT(ox), DW_H, sw, r1 - r0);
	if (ox < hi && hi - lo >= DW_H) {
		dw_tile(g, DW_AT(hi - DW_H), DW_H, sw, r1 - r0);
		ox = hi;
	}
	if (ox < hi)
		dw_tile(g, DW_AT(ox), hi - ox, sw, r1 - r0);
#undef DW_AT
}

/* One channel's output plane, with the stride sw a constant where the
 * caller passes one. */
QCC_RT_INLINE void
dw_plane(const struct dw_geom *g, const float *restrict x,
         const float *restrict w, const float *restrict b,
         const float *restrict res, float *restrict y, int32_t oh,
         int32_t ow, int32_t sw, int32_t lo, int32_t hi, int32_t act,
         float alpha, float beta)
{
	int32_t oy;

	for (oy = 0; oy < oh; oy++) {
		dw_row(g, x, w, b, res, y, oy, ow, sw, lo, hi);
		if (act != QCC_ACT_NONE)
			qcc_rt_act_f32(y + (ptrdiff_t)oy * ow, y + (ptrdiff_t)oy * ow,
			               ow, act, alpha, beta);
	}
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
	int32_t n, ch, lo, hi, span;
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
	span = wd - 1 + pl - (kw - 1) * dw;
	lo = (pl + sw - 1) / sw;
	lo = lo < ow ? lo : ow;
	hi = span >= 0 ? span / sw + 1 : 0;
	hi = hi < ow ? hi : ow;
	hi = hi > lo ? hi : lo;
	for (n = 0; n < nb; n++)
		for (ch = 0; ch < c; ch++) {
			ptrdiff_t p = (ptrdiff_t)n * c + ch;
			const float *xc = x + p * xplane, *wc = w + (ptrdiff_t)ch * kh * kw;
			const float *bc = bias ? bias + ch : bias;
			const float *rc = res ? res + p * yplane : res;
			float *yc = y + p * yplane;

			if (sw == 1)
				dw_plane(&g, xc, wc, bc, rc, yc, oh, ow, 1, lo, hi, act,
				         alpha, beta);
			else if (sw == 2)
				dw_plane(&g, xc, wc, bc, rc, yc, oh, ow, 2, lo, hi, act,
				         alpha, beta);
			else
				dw_plane(&g, xc, wc, bc, rc, yc, oh, ow, sw, lo, hi, act,
				         alpha, beta);
		}
}
