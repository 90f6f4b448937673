/* qgemm_vnni.c -- integer convolution (group 1, stride 1) with AVX512-VNNI
 * straight from a channel-interleaved copy of the input, without im2col.
 *
 * The weights come in the _vnni layout of qcc_rt.h: panels of QD_MR
 * output channels, word t = (cq*kh + r)*kw + s holding the four weights
 * of channels 4cq..4cq+3 at window tap (r, s).  The input rows a block of
 * output rows reads are copied once into planes of words, plane cq
 * holding channels 4cq..4cq+3 of one padded pixel per word (zx in the
 * padding, as fold-shift expects; 0 for channels past c).  With the
 * padded width wpd as the row length of the output too, output pixel
 * p = oy*wpd + ox reads tap (r, s) at word p + r*dh*wpd + s*dw of the
 * plane, so each tap of a tile of 32 consecutive pixels is two vector
 * loads, and one vpdpbusd multiplies four codes (unsigned) by four weights
 * (signed) and adds the four products to an int32 lane exactly (it does
 * not saturate; K < 2^16 keeps every sum in int32).  The columns ox >=
 * ow of each row are computed and dropped.  The sums start at the bias;
 * the rescale rule of qelt.c (qcc_rt_requant_row_q8) writes the outputs.
 * Integer sums do not depend on their order, so the results equal
 * qcc_rt_conv2d_q8's bit for bit.
 *
 * Other strides, and blocks that do not fit the stack buffers (more than
 * about 6000 input channels), take the im2col form in qgemm.c
 * (qcc_rt_conv2d_qgemm_vnni_i2c_q8, same weight layout).  Compiled for
 * x86-64 by clang only; the lowering calls it only for targets with
 * AVX512-VNNI, and the C backend never does.
 */
#include "../qcc_rt.h"

#if defined(__x86_64__) && defined(__clang__)
typedef int32_t qd_v16si __attribute__((vector_size(64)));
typedef int32_t qd_v16si_u __attribute__((vector_size(64), aligned(4),
                                          may_alias));

enum {
	QD_MR = QCC_RT_QGV_MR,
	QD_NR = 32,      /* pixels per tile */
	QD_SB = 1024,    /* pixels per block, a multiple of QD_NR */
	QD_XI = 24576,   /* words of interleaved input per block */
	QD_PH = 16,      /* stride phases (sh*sw) at most */
	QD_TAPS = 64     /* window taps (kh*kw) at most */
};

/* The block's geometry: nslot stride phases (row phase pa, column phase
 * pb) are read by some tap; each plane holds nslot sub-images of sub
 * words, rows of wq words. */
struct qd_geom {
	const uint8_t *x;  /* image n */
	int32_t c, h, wd, sh, sw, pt, pl, zx, wq, nq4, nslot, sub, plane;
	int32_t pa[QD_PH], pb[QD_PH];
};

/* The word of quad cq for a pixel outside the image. */
static uint32_t
qd_pad_word(const struct qd_geom *g, int32_t cq)
{
	uint32_t z = 0;
	int32_t j;

	for (j = 0; j < 4; j++)
		if (4 * cq + j < g->c)
			z |= (uint32_t)g->zx << 8 * j;
	return z;
}

/* Sub-image row o (wq words) of quad cq: input row iy, column j*sw + b -
 * pl for word j. */
static void
qd_fill_row(const struct qd_geom *g, uint32_t *o, int32_t cq, int32_t iy,
            int32_t b)
{
	uint32_t z = qd_pad_word(g, cq);
	int32_t off = b - g->pl, sw = g->sw, lo, hi, u, j;
	const uint8_t *r[4];

	/* words j with 0 <= j*sw + off < wd */
	lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
	hi = g->wd - off <= 0 ? 0 : (g->wd - off + sw - 1) / sw;
	hi = hi > g->wq ? g->wq : hi;
	lo = lo > hi ? hi : lo;
	if (iy < 0 || iy >= g->h)
		lo = hi = g->wq;
	for (u = 0; u < lo; u++)
		o[u] = z;
	for (u = hi; u < g->wq; u++)
		o[u] = z;
	if (lo == hi)
		return;
	for (j = 0; j < 4; j++)
		r[j] = 4 * cq + j < g->c
		        ? g->x + ((ptrdiff_t)(4 * cq + j) * g->h + iy) * g->wd +
		                  off
		        : 0;
	if (4 * cq + 4 <= g->c && sw == 1) {
		for (u = lo; u < hi; u++)
			o[u] = (uint32_t)r[0][u] | (uint32_t)r[1][u] << 8 |
			       (uint32_t)r[2][u] << 16 | (uint32_t)r[3][u] << 24;
	} else if (4 * cq + 4 <= g->c) {
		for (u = lo; u < hi; u++) {
			ptrdiff_t e = (ptrdiff_t)u * sw;

			o[u] = (uint32_t)r[0][e] | (uint32_t)r[1][e] << 8 |
			       (uint32_t)r[2][e] << 16 | (uint32_t)r[3][e] << 24;
		}
	} else {
		for (u = lo; u < hi; u++) {
			uint32_t v = 0;

			for (j = 0; j < 4; j++)
				if (r[j])
					v |= (uint32_t)r[j][(ptrdiff_t)u * sw]
					     << 8 * j;
			o[u] = v;
		}
	}
}

/* The sub-images of output rows [oy0, oy0 + nrows): sub-image row i of
 * slot k is padded row (oy0 + i)*sh + pa[k]; the words past the rows
 * (read only for dropped pixels) get the padding word. */
static void
qd_fill(const struct qd_geom *g, uint32_t *xi, int32_t oy0, int32_t nrows)
{
	int32_t cq, k, i, u;

	for (cq = 0; cq < g->nq4; cq++)
		for (k = 0; k < g->nslot; k++) {
			uint32_t *o = xi + (ptrdiff_t)cq * g->plane +
			              (ptrdiff_t)k * g->sub;
			uint32_t z = qd_pad_word(g, cq);

			for (i = 0; i < nrows; i++)
				qd_fill_row(g, o + (ptrdiff_t)i * g->wq, cq,
				            (oy0 + i) * g->sh + g->pa[k] - g->pt,
				            g->pb[k]);
			for (u = nrows * g->wq; u < g->sub; u++)
				o[u] = z;
		}
}

/* acc[i*QD_SB + p] = b0[i] + the sum over quads cq and taps t of
 * w[(cq*ntap + t)*QD_MR + i] times word toff[t] + p of plane cq, for
 * i < QD_MR, p < npr. */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
qd_panel(const int32_t *restrict w, const uint32_t *restrict xi,
         int32_t nq4, int32_t plane, const int32_t *toff, int32_t ntap,
         int32_t npr, int32_t *restrict acc, const int32_t *b0)
{
	int32_t p0, cq, t, i;

	for (p0 = 0; p0 < npr; p0 += QD_NR) {
		const int32_t *wt = w;
		qd_v16si a[QD_MR][2];

#pragma GCC unroll 16
		for (i = 0; i < QD_MR; i++)
			a[i][0] = a[i][1] = (qd_v16si){0} + b0[i];
		for (cq = 0; cq < nq4; cq++) {
			const uint32_t *pl = xi + (ptrdiff_t)cq * plane + p0;

			for (t = 0; t < ntap; t++, wt += QD_MR) {
				const qd_v16si_u *b =
				        (const qd_v16si_u *)(pl + toff[t]);
				qd_v16si x0 = b[0], x1 = b[1];

#pragma GCC unroll 16
				for (i = 0; i < QD_MR; i++) {
					qd_v16si v = (qd_v16si){0} + wt[i];

					a[i][0] = __builtin_ia32_vpdpbusd512(a[i][0],
					                                     x0, v);
					a[i][1] = __builtin_ia32_vpdpbusd512(a[i][1],
					                                     x1, v);
				}
			}
		}
#pragma GCC unroll 16
		for (i = 0; i < QD_MR; i++) {
			qd_v16si_u *o = (qd_v16si_u *)(acc + i * QD_SB + p0);

			o[0] = a[i][0];
			o[1] = a[i][1];
		}
	}
}

/* Phase slots and tap offsets for blocks of nr output rows; false if the
 * block does not fit the buffers. */
static int
qd_layout(struct qd_geom *g, int32_t *toff, int32_t nr, int32_t kh,
          int32_t kw, int32_t dh, int32_t dw)
{
	int32_t slot[QD_PH], r, s, k, npr, extra = 0;

	for (k = 0; k < g->sh * g->sw; k++)
		slot[k] = -1;
	g->nslot = 0;
	for (r = 0; r < kh; r++)
		for (s = 0; s < kw; s++) {
			int32_t a = r * dh % g->sh, b = s * dw % g->sw;
			int32_t ph = a * g->sw + b;

			if (slot[ph] < 0) {
				slot[ph] = g->nslot;
				g->pa[g->nslot] = a;
				g->pb[g->nslot++] = b;
			}
		}
	npr = (nr * g->wq + QD_NR - 1) / QD_NR * QD_NR;
	/* the farthest word a tap reads past the tile */
	extra = (kh - 1) * dh / g->sh * g->wq + (kw - 1) * dw / g->sw;
	g->sub = npr + extra;
	g->plane = g->nslot * g->sub;
	if (npr > QD_SB || (int64_t)g->nq4 * g->plane > QD_XI)
		return 0;
	for (r = 0; r < kh; r++)
		for (s = 0; s < kw; s++)
			toff[r * kw + s] =
			        slot[r * dh % g->sh * g->sw + s * dw % g->sw] *
			                g->sub +
			        r * dh / g->sh * g->wq + s * dw / g->sw;
	return 1;
}

/* A row of acc (nr output rows of wq words, npr in all) rescaled into
 * nr output rows of ow codes at y: the whole row in full vectors, then
 * the kept columns copied. */
static void
qd_store(const int32_t *acc, uint8_t *y, int32_t nr, int32_t ow,
         int32_t wq, int32_t npr, int32_t mult, int32_t shift, int32_t zy,
         int32_t lo, int32_t hi)
{
	uint8_t t[QD_SB];
	int32_t rr, i;

	qcc_rt_requant_row_q8(acc, t, npr, mult, shift, zy, lo, hi);
	if (wq == ow) {
		for (i = 0; i < nr * ow; i++)
			y[i] = t[i];
		return;
	}
	for (rr = 0; rr < nr; rr++)
		for (i = 0; i < ow; i++)
			y[(ptrdiff_t)rr * ow + i] = t[rr * wq + i];
}

QCC_RT_API void
qcc_rt_conv2d_qgemm_vnni_q8(QCC_RT_QG_ARGS)
{
	uint32_t xi[QD_XI];
	int32_t acc[QD_MR * QD_SB], toff[QD_TAPS];
	struct qd_geom g;
	int32_t nq4 = (c + 3) / 4, kpw = nq4 * kh * kw, npix = oh * ow;
	int32_t rows = 0, n, oy0, q, i;

	g.c = c; g.h = h; g.wd = wd; g.sh = sh; g.sw = sw; g.pt = pt;
	g.pl = pl; g.zx = zx; g.nq4 = nq4;
	g.wq = ow + (kw - 1) * dw / sw;
	if (sh * sw <= QD_PH && kh * kw <= QD_TAPS)
		while (rows < oh &&
		       qd_layout(&g, toff, rows + 1, kh, kw, dh, dw))
			rows++;
	if (rows == 0) {
		qcc_rt_conv2d_qgemm_vnni_i2c_q8(x, wp, bias, y, nb, c, h, wd, m,
		                                oh, ow, kh, kw, sh, sw, dh, dw,
		                                pt, pl, zx, mult, shift, nq, zy,
		                                lo, hi);
		return;
	}
	for (n = 0; n < nb; n++) {
		g.x = x + (ptrdiff_t)n * c * h * wd;
		for (oy0 = 0; oy0 < oh; oy0 += rows) {
			int32_t nr = oh - oy0 < rows ? oh - oy0 : rows;
			int32_t npr = (nr * g.wq + QD_NR - 1) / QD_NR * QD_NR;

			qd_layout(&g, toff, nr, kh, kw, dh, dw);
			qd_fill(&g, xi, oy0, nr + (kh - 1) * dh / sh);
			for (q = 0; q < m; q += QD_MR) {
				int32_t b0[QD_MR];

				for (i = 0; i < QD_MR; i++)
					b0[i] = bias && q + i < m ? bias[q + i] : 0;
				qd_panel(wp + (ptrdiff_t)(q / QD_MR) * kpw * QD_MR,
				         xi, nq4, g.plane, toff, kh * kw, npr,
				         acc, b0);
				for (i = 0; i < QD_MR && q + i < m; i++)
					qd_store(acc + i * QD_SB, y + ((ptrdiff_t)n * m +
					         q + i) * npix + (ptrdiff_t)oy0 * ow,
					         nr, ow, g.wq, npr, mult[nq > 1 ? q + i : 0],
					         shift[nq > 1 ? q + i : 0], zy, lo, hi);
			}
		}
	}
}
#endif
