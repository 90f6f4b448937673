/* qconv_dw.c -- integer depthwise convolution (group == c == m) on u8
 * codes, vectorized over runs of output pixels as conv_dw.c does.
 *
 * Each channel's plane is done in bands of output rows.  A band's input
 * rows are copied as int16 into a stack buffer padded with zx, the code of
 * real zero (fold-shift put -zx * sum w in the bias, so padding taps add
 * exactly what qcc_rt_conv2d_q8's do), and split by stride phase:
 * sub-plane (a, b) holds padded[i*sh + a][j*sw + b] in rows of q codes.
 * Tap (ky, kx) of output (oy, ox) then reads sub-plane (ky*dh % sh,
 * kx*dw % sw) at row oy + ky*dh/sh, column ox + kx*dw/sw: one offset for
 * the whole band, whose outputs at pitch q are one flat run
 *     acc[oy*q + ox] = bias + sum over taps of sub[off + oy*q + ox] * w
 * done in tiles of QDW_T 32-bit sums held in registers over all taps
 * (16-bit operands; the columns ox >= ow are computed and dropped).  The
 * rows are then rescaled by the rule of qelt.c (qrow.c).  Results equal
 * qcc_rt_conv2d_q8's bit for bit: integer sums do not depend on their
 * order.  Shapes whose band of one output row does not fit the buffers,
 * or with more than QDW_MAXTAP taps, are passed to qcc_rt_conv2d_q8.
 * ph and pw (the padded plane the lowering checked against
 * QCC_RT_QDW_MAXPAD) are not needed.
 */
#include "../qcc_rt.h"

enum { QDW_T = 16, QDW_BUF = 8192, QDW_TBUF = 2048, QDW_MAXTAP = 49 };

/* As DW_TILE_LOOP in conv_dw.c: no vectorizing across tiles. */
#if defined(__clang__)
#define QDW_TILE_LOOP \
	_Pragma("clang loop vectorize(disable) interleave(disable)")
#else
#define QDW_TILE_LOOP
#endif

struct qdw_geom {
	int32_t h, wd, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t q, rext;   /* sub-plane pitch, rows past a band's last */
};

/* Codes per sub-plane for a band of nr output rows: the rows, then the
 * slack the last tile reads past them. */
QCC_RT_INLINE ptrdiff_t
qdw_sub_size(const struct qdw_geom *g, int32_t nr)
{
	return (ptrdiff_t)(nr + g->rext) * g->q + (g->kw - 1) * g->dw / g->sw +
	       QDW_T;
}

/* Output rows per band that fit the buffers (0: none). */
QCC_RT_INLINE int32_t
qdw_band_rows(const struct qdw_geom *g, int32_t oh)
{
	int32_t nr = (QDW_TBUF - QDW_T) / g->q;

	nr = nr < oh ? nr : oh;
	while (nr > 0 &&
	       (ptrdiff_t)g->sh * g->sw * qdw_sub_size(g, nr) > QDW_BUF)
		nr--;
	return nr;
}

/* d[0..QDW_T) = the codes x[0], x[sw], ... (sw a constant where the
 * caller passes one), or zx if x is NULL: a fixed-size block, which the
 * compiler vectorizes whole (a loop over a short row would run in its
 * scalar remainder). */
QCC_RT_INLINE void
qdw_block(int16_t *restrict d, const uint8_t *restrict x, int32_t sw,
          int16_t zx)
{
	int32_t t;

	if (!x) {
		for (t = 0; t < QDW_T; t++)
			d[t] = zx;
		return;
	}
	for (t = 0; t < QDW_T; t++)
		d[t] = (int16_t)x[(ptrdiff_t)t * sw];
}

/* The sub-planes of the band of nr output rows from oy0 of plane x into
 * buf (sub-plane size ss), with the stride sw a constant where the caller
 * passes one; xn is the number of codes from x to the end of the tensor.
 * Only the image's codes are written, and the rows outside it (zx): the
 * padding columns keep the zx the caller wrote once, the slack past the
 * rows zx or codes that only dropped columns read.  With sw == 1 (the
 * strided loads of sw == 2 vectorize badly in blocks) rows go in blocks of
 * QDW_T: a block that runs past a row's image columns writes codes into
 * its right padding and the next row's left padding, which a block of zx
 * then puts back (the next row's own codes are written after; past the
 * last row is the slack). */
QCC_RT_INLINE void
qdw_fill(const struct qdw_geom *g, const uint8_t *restrict x,
         ptrdiff_t xn, int16_t *restrict buf, ptrdiff_t ss, int32_t oy0,
         int32_t nr, int32_t sw, int16_t zx)
{
	int32_t a, b, k, j, q = g->q, rows = nr + g->rext;

	for (a = 0; a < g->sh; a++)
		for (b = 0; b < sw; b++) {
			int16_t *sub = buf + (ptrdiff_t)(a * sw + b) * ss;
			/* columns j with 0 <= j*sw + b - pl < wd */
			int32_t lo = g->pl - b > 0 ? (g->pl - b + sw - 1) / sw : 0;
			int32_t hi = (g->wd + g->pl - b + sw - 1) / sw;

			hi = hi < q ? hi : q;
			lo = lo < hi ? lo : hi;
			QDW_TILE_LOOP
			for (k = 0; k < rows; k++) {
				int32_t iy = (oy0 + k) * g->sh + a - g->pt;
				int16_t *d = sub + (ptrdiff_t)k * q;
				ptrdiff_t xr = (ptrdiff_t)iy * g->wd + b - g->pl;

				if (iy < 0 || iy >= g->h) {
					QDW_TILE_LOOP
					for (j = 0; j < q; j += QDW_T)
						qdw_block(d + j, 0, sw, zx);
					continue;
				}
				j = lo;
				QDW_TILE_LOOP
				for (; sw == 1 && j < hi && xr + j + QDW_T <= xn;
				     j += QDW_T)
					qdw_block(d + j, x + xr + j, 1, zx);
				if (j > hi)
					qdw_block(d + hi, 0, 1, zx);
				for (; j < hi; j++)
					d[j] = (int16_t)x[xr + (ptrdiff_t)j * sw];
			}
		}
}

/* t[0..n) (rounded up to QDW_T) = bv + the taps w[0..nt) at offsets off
 * into buf, with nt a constant where the caller passes one. */
QCC_RT_INLINE void
qdw_seq(const int16_t *restrict buf, const int8_t *restrict w,
        const ptrdiff_t *restrict off, int32_t *restrict t, int32_t n,
        int32_t nt, int32_t bv)
{
	int32_t i, j, k;

	QDW_TILE_LOOP
	for (i = 0; i < n; i += QDW_T) {
		int32_t acc[QDW_T];
		const int16_t *bi = buf + i;

#pragma GCC unroll 16
		for (j = 0; j < QDW_T; j++)
			acc[j] = bv;
#pragma GCC unroll 25
		for (k = 0; k < nt; k++) {
			const int16_t *bk = bi + off[k];
			int32_t wk = w[k];

#pragma GCC unroll 16
			for (j = 0; j < QDW_T; j++)
				acc[j] += (int32_t)bk[j] * wk;
		}
#pragma GCC unroll 16
		for (j = 0; j < QDW_T; j++)
			t[i + j] = acc[j];
	}
}

/* y rows [0, nr) of width ow = u rows at pitch q; ny is the size of y
 * from there to the end of the tensor.  Rows narrower than QDW_T are
 * copied QDW_T codes at a time while y has room (each row's excess is
 * overwritten by the next one). */
QCC_RT_INLINE void
qdw_rows(const uint8_t *restrict u, int32_t q, uint8_t *restrict y,
         int32_t nr, int32_t ow, ptrdiff_t ny)
{
	int32_t k, i;

	QDW_TILE_LOOP
	for (k = 0; k < nr; k++) {
		const uint8_t *uk = u + (ptrdiff_t)k * q;
		uint8_t *yk = y + (ptrdiff_t)k * ow;

		if (ow < QDW_T && (ptrdiff_t)k * ow + QDW_T <= ny)
#pragma GCC unroll 16
			for (i = 0; i < QDW_T; i++)
				yk[i] = uk[i];
		else
			for (i = 0; i < ow; i++)
				yk[i] = uk[i];
	}
}

QCC_RT_API void
qcc_rt_conv2d_dw_q8(const uint8_t *restrict x, const int8_t *restrict w,
                    const int32_t *restrict bias, uint8_t *restrict y,
                    int32_t nb, int32_t c, int32_t h, int32_t wd, int32_t oh,
                    int32_t ow, int32_t kh, int32_t kw, int32_t sh,
                    int32_t sw, int32_t dh, int32_t dw, int32_t pt,
                    int32_t pl, int32_t ph, int32_t pw, int32_t zx,
                    const int32_t *mult, const int32_t *shift, int32_t nq,
                    int32_t zy, int32_t lo, int32_t hi)
{
	int16_t buf[QDW_BUF];
	int32_t t[QDW_TBUF];
	uint8_t u[QDW_TBUF];
	ptrdiff_t off[QDW_MAXTAP], ss, i, n, ch;
	struct qdw_geom g;
	int32_t nrb, r, s, oy0, nr, nt = kh * kw;

	(void)ph;
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
	nrb = nt <= QDW_MAXTAP ? qdw_band_rows(&g, oh) : 0;
	if (nrb <= 0) {
		qcc_rt_conv2d_q8(x, w, bias, y, nb, c, h, wd, c, oh, ow, kh, kw, sh,
		                 sw, dh, dw, pt, pl, c, zx, mult, shift, nq, zy, lo,
		                 hi);
		return;
	}
	ss = qdw_sub_size(&g, nrb);
	for (i = 0; i < sh * sw * ss; i++)
		buf[i] = (int16_t)zx;
	for (r = 0; r < kh; r++)
		for (s = 0; s < kw; s++) {
			int32_t a = r * dh, e = s * dw;

			off[r * kw + s] = (ptrdiff_t)(a % sh * sw + e % sw) * ss +
			                  (ptrdiff_t)(a / sh) * g.q + e / sw;
		}
	for (n = 0; n < nb; n++)
	for (ch = 0; ch < c; ch++) {
		const uint8_t *xc = x + (n * c + ch) * h * wd;
		ptrdiff_t xn = (nb * c - n * c - ch) * h * wd;
		uint8_t *yc = y + (n * c + ch) * oh * ow;
		const int8_t *wc = w + ch * kh * kw;
		int32_t qi = nq > 1 ? (int32_t)ch : 0, bv = bias ? bias[ch] : 0;

		for (oy0 = 0; oy0 < oh; oy0 += nr) {
			nr = oh - oy0 < nrb ? oh - oy0 : nrb;
			if (sw == 1)
				qdw_fill(&g, xc, xn, buf, ss, oy0, nr, 1, (int16_t)zx);
			else if (sw == 2)
				qdw_fill(&g, xc, xn, buf, ss, oy0, nr, 2, (int16_t)zx);
			else
				qdw_fill(&g, xc, xn, buf, ss, oy0, nr, sw,
				         (int16_t)zx);
			if (nt == 9)
				qdw_seq(buf, wc, off, t, nr * g.q, 9, bv);
			else if (nt == 25)
				qdw_seq(buf, wc, off, t, nr * g.q, 25, bv);
			else
				qdw_seq(buf, wc, off, t, nr * g.q, nt, bv);
			qcc_rt_requant_row_q8(t, u, nr * g.q, mult[qi], shift[qi], zy,
			                      lo, hi);
			qdw_rows(u, g.q, yc + (ptrdiff_t)oy0 * ow, nr, ow,
			         (ptrdiff_t)(nb * c - n * c - ch) * oh * ow -
			         (ptrdiff_t)oy0 * ow);
		}
	}
}
