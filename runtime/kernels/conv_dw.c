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
 * finished row -- the same values as qcc_rt_conv2d_f32 for these shapes.
 *
 * That per-row scheme spends most of its time on bookkeeping when planes
 * are small (a 7x7 plane has 2 edge pixels and a 5-pixel inner run per row,
 * both scalar), so planes are first done in bands through two stack
 * buffers when the band fits: the band's input rows are copied into buf
 * with the padding written out as zeros (a zero tap adds +-0 to a sum, so
 * the values are those of the skipping loop), and then every output is an
 * inner one.  With stride 1 both ways the band's output rows, at buf's
 * row pitch, form one flat sequence (the columns past ow are computed and
 * dropped), so a 7x7 plane is 63 outputs in tiles of DW_T instead of seven
 * rows of seven; other strides go row by row.  Wider planes keep the row
 * scheme (see dw_band_plan).  Each tile keeps DW_T sums
 * in registers over all kh*kw taps and stores them once into the second
 * buffer, from which the epilogue (bias, residual, activation) writes the
 * output rows with vector loops. */
#include "../qcc_rt.h"

enum { DW_T = 16, DW_H = 8, DW_BUF = 4096, DW_TBUF = 2048, DW_NARROW = 20 };

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
	/* pixel by pixel: a tile of variable length would keep its sums in
	 * memory, and every tile with them */
	for (; ox < hi; ox++)
		dw_pixel(g, xr, wr, b, rr, yr, ox, r1 - r0);
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
			qcc_rt_act_row_f32(y + (ptrdiff_t)oy * ow, ow, act, alpha, beta);
	}
}

/* t[0..n) (n rounded up to DW_T: t and b have the room) = the sums of kh
 * x kw taps w over the padded input b, output i reading b[i * sw + r *
 * rs + s * ds]. */
QCC_RT_INLINE void
dw_seq(const float *restrict b, const float *restrict w, float *restrict t,
       int32_t n, int32_t sw, ptrdiff_t rs, int32_t ds, int32_t kh,
       int32_t kw)
{
	int32_t i, j, r, s;

	for (i = 0; i < n; i += DW_T) {
		float acc[DW_T];
		const float *bi = b + (ptrdiff_t)i * sw;

#pragma GCC unroll 16
		for (j = 0; j < DW_T; j++)
			acc[j] = 0.0f;
#pragma GCC unroll 3
		for (r = 0; r < kh; r++)
#pragma GCC unroll 3
			for (s = 0; s < kw; s++) {
				const float *bs = bi + r * rs + (ptrdiff_t)s * ds;
				float ws = w[r * kw + s];

#pragma GCC unroll 16
				for (j = 0; j < DW_T; j++)
					acc[j] = acc[j] + ws * bs[j * sw];
			}
#pragma GCC unroll 16
		for (j = 0; j < DW_T; j++)
			t[i + j] = acc[j];
	}
}

/* y[0..n) = act(t + bias + res) with loops that vectorize. */
QCC_RT_INLINE void
dw_epilogue(const float *restrict t, const float *restrict b,
            const float *restrict res, float *restrict y, int32_t n,
            int32_t act, float alpha, float beta)
{
	float bv = b ? b[0] : 0.0f;
	int32_t i;

	for (i = 0; i < n; i++) {
		float v = b ? t[i] + bv : t[i];

		y[i] = res ? v + res[i] : v;
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
		qcc_rt_act_row_f32(y, n, act, alpha, beta);
		break;
	}
}

/* Geometry of the banded scheme: the padded row pitch, output rows per
 * band, and the length of a band's flat run (0: row by row). */
struct dw_band {
	int32_t pitch, rows, flat;
};

/* Whether to take the banded scheme for these planes: only narrow ones
 * (measured with tests/bench/kbench.c: 2 to 4 times faster at 7 and 14
 * columns, even at 28, slower from 56 on, where the copy and the second
 * pass cost more than the row scheme's edges), and only if one channel's
 * band of at least one output row fits the buffers; fills bd. */
QCC_RT_INLINE int32_t
dw_band_plan(const struct dw_geom *g, int32_t oh, int32_t ow,
             struct dw_band *bd)
{
	int32_t p = (ow - 1) * g->sw + (g->kw - 1) * g->dw + 1;
	int32_t slack = DW_T * g->sw + (g->kw - 1) * g->dw + 1;
	int32_t flat = g->sh == 1 && g->sw == 1, nr;

	bd->pitch = p;
	if (ow > DW_NARROW)
		return 0;
	for (nr = oh; nr > 0; nr--) {
		int32_t in = (nr - 1) * g->sh + (g->kh - 1) * g->dh + 1;
		int32_t nt = flat ? nr * p : nr * ow;

		if ((ptrdiff_t)in * p + slack <= DW_BUF && nt + DW_T <= DW_TBUF)
			break;
	}
	bd->rows = nr;
	bd->flat = flat;
	return nr > 0;
}

/* Input rows [iy0, iy0 + nin) of channel plane x, columns from -pl, into
 * buf at pitch p, zeros outside the image and in the slack past them
 * (what the last tiles read beyond the rows). */
QCC_RT_INLINE void
dw_fill(const struct dw_geom *g, const float *restrict x, float *restrict buf,
        int32_t iy0, int32_t nin, int32_t p)
{
	int32_t i, j, ix0 = -g->pl;
	int32_t lo = ix0 < 0 ? -ix0 : 0;
	int32_t hi = g->wd - ix0 < p ? g->wd - ix0 : p;
	int32_t slack = DW_T * g->sw + (g->kw - 1) * g->dw + 1;

	for (i = 0; i < nin; i++) {
		int32_t iy = iy0 + i;
		float *d = buf + (ptrdiff_t)i * p;

		if (iy < 0 || iy >= g->h || hi <= lo) {
			for (j = 0; j < p; j++)
				d[j] = 0.0f;
			continue;
		}
		for (j = 0; j < lo; j++)
			d[j] = 0.0f;
		for (j = lo; j < hi; j++)
			d[j] = x[(ptrdiff_t)iy * g->wd + ix0 + j];
		for (j = hi; j < p; j++)
			d[j] = 0.0f;
	}
	for (j = 0; j < slack; j++)
		buf[(ptrdiff_t)nin * p + j] = 0.0f;
}

/* One channel's output plane band by band (dw_band_plan said it fits). */
QCC_RT_INLINE void
dw_plane_banded(const struct dw_geom *g, const struct dw_band *bd,
                const float *restrict x, const float *restrict w,
                const float *restrict b, const float *restrict res,
                float *restrict y, int32_t oh, int32_t ow, int32_t act,
                float alpha, float beta)
{
	float buf[DW_BUF], t[DW_TBUF];
	int32_t oy0, nr, j, p = bd->pitch;
	ptrdiff_t rs = (ptrdiff_t)g->dh * p;

	for (oy0 = 0; oy0 < oh; oy0 += nr) {
		nr = oh - oy0 < bd->rows ? oh - oy0 : bd->rows;
		dw_fill(g, x, buf, oy0 * g->sh - g->pt,
		        (nr - 1) * g->sh + (g->kh - 1) * g->dh + 1, p);
		if (bd->flat && g->kh == 3 && g->kw == 3)
			dw_seq(buf, w, t, nr * p, 1, rs, g->dw, 3, 3);
		else if (bd->flat)
			dw_seq(buf, w, t, nr * p, 1, rs, g->dw, g->kh, g->kw);
		else if (g->sw == 2 && g->kh == 3 && g->kw == 3)
			for (j = 0; j < nr; j++)
				dw_seq(buf + (ptrdiff_t)j * g->sh * p, w, t + j * ow, ow,
				       2, rs, g->dw, 3, 3);
		else
			for (j = 0; j < nr; j++)
				dw_seq(buf + (ptrdiff_t)j * g->sh * p, w, t + j * ow, ow,
				       g->sw, rs, g->dw, g->kh, g->kw);
		for (j = 0; j < nr; j++) {
			ptrdiff_t o = (ptrdiff_t)(oy0 + j) * ow;

			dw_epilogue(t + (bd->flat ? j * p : j * ow), b,
			            res ? res + o : res, y + o, ow, act, alpha, beta);
		}
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
	struct dw_band bd;
	int32_t n, ch, lo, hi, span, banded, ract;
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
	banded = dw_band_plan(&g, oh, ow, &bd);
	/* Relu and Clip row by row; the transcendental activations over the
	 * whole plane, where the rows (7 to 112 pixels) are too short for the
	 * row kernel's vector loops */
	ract = act == QCC_ACT_RELU || act == QCC_ACT_CLIP ? act : QCC_ACT_NONE;
	for (n = 0; n < nb; n++)
		for (ch = 0; ch < c; ch++) {
			ptrdiff_t p = (ptrdiff_t)n * c + ch;
			const float *xc = x + p * xplane, *wc = w + (ptrdiff_t)ch * kh * kw;
			const float *bc = bias ? bias + ch : bias;
			const float *rc = res ? res + p * yplane : res;
			float *yc = y + p * yplane;

			if (banded)
				dw_plane_banded(&g, &bd, xc, wc, bc, rc, yc, oh, ow, ract,
				                alpha, beta);
			else if (sw == 1)
				dw_plane(&g, xc, wc, bc, rc, yc, oh, ow, 1, lo, hi, ract,
				         alpha, beta);
			else if (sw == 2)
				dw_plane(&g, xc, wc, bc, rc, yc, oh, ow, 2, lo, hi, ract,
				         alpha, beta);
			else
				dw_plane(&g, xc, wc, bc, rc, yc, oh, ow, sw, lo, hi, ract,
				         alpha, beta);
			if (ract != act)
				qcc_rt_act_row_f32(yc, (int32_t)yplane, act, alpha, beta);
		}
}
