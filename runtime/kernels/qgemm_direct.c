/* qgemm_direct.c -- integer convolution (group 1) on x86 straight from a
 * channel-interleaved copy of the input, without im2col: AVX512-VNNI
 * (four channels per 32-bit word, vpdpbusd) and AVX2 (two channels per
 * word, pmaddwd; its panels are in qgemm_cp_avx2.c).
 *
 * The weights come in the channel-group layouts of qcc_rt.h: panels of
 * mr output channels, word t = (cg*kh + r)*kw + s holding the weights of
 * channels kg*cg .. kg*cg + kg-1 at window tap (r, s) (kg = 4 in bytes,
 * kg = 2 in 16-bit halves).  The input rows a block of output rows reads
 * are copied once into planes of words, plane cg holding channels
 * kg*cg.. of one padded pixel per word (zx in the padding, as fold-shift
 * expects; 0 for channels past c), split by stride phase: sub-image
 * (a, b) holds the padded pixels (y*sh + a, x*sw + b), in rows of wq
 * words.  With wq as the row length of the output too, output pixel
 * p = oy*wq + ox reads tap (r, s) at word p + toff[r*kw + s] of the
 * plane (the sub-image of phase (r*dh % sh, s*dw % sw), row r*dh / sh,
 * column s*dw / sw), so each tap of a tile of consecutive pixels is plain
 * vector loads.  One vpdpbusd multiplies four codes (unsigned) by four
 * weights (signed) and adds the four products to an int32 lane exactly
 * (it does not saturate); one pmaddwd multiplies two 16-bit pairs
 * (|sum| <= 65280) exactly; K < 2^16 keeps every sum in int32.  The
 * columns ox >= ow of each row are computed and dropped.  The sums start
 * at the bias; the rescale rule of qelt.c (qcc_rt_requant_row_q8) writes
 * the outputs.  Integer sums do not depend on their order, so the results
 * equal qcc_rt_conv2d_q8's bit for bit.
 *
 * Blocks that do not fit the stack buffers (thousands of input channels,
 * windows over QD_TAPS taps, strides over QD_PH phases) take the im2col
 * form of qgemm.c in the same weight layout.  x86-64 only (VNNI with
 * clang only); the lowering calls these only for targets with the
 * instructions, and the C backend never does.
 */
#include "../qcc_rt.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
typedef uint16_t qd_u16_u __attribute__((aligned(1), may_alias));
#if defined(__clang__)
#define QD_VNNI 1
typedef int32_t qd_v16si __attribute__((vector_size(64)));
typedef int32_t qd_v16si_u __attribute__((vector_size(64), aligned(4),
                                          may_alias));
#else
#define QD_VNNI 0
#endif

/* No vectorizing across blocks (each block is one vector). */
#if defined(__clang__)
#define QD_SCALAR_LOOP \
	_Pragma("clang loop vectorize(disable) interleave(disable)")
#else
#define QD_SCALAR_LOOP
#endif

enum {
	QD_BLK = 16,     /* words per fill block */
	QD_MRMAX = QCC_RT_QD_MRMAX,  /* the largest panel height */
	QD_SB = QCC_RT_QD_SB,   /* pixels per block, a multiple of every tile */
	QD_XI = 24576,   /* words of interleaved input per block */
	QD_PH = 16,      /* stride phases (sh*sw) at most */
	QD_TAPS = 64,    /* window taps (kh*kw) at most */
	QD_QSHIFT = 52   /* the largest shift with zy folded in the rounding */
};

/* The block's geometry: ng planes of kg channels; nslot stride phases
 * (row phase pa, column phase pb) are read by some tap; each plane holds
 * nslot sub-images of sub words, rows of wq words. */
struct qd_geom {
	const uint8_t *x;  /* image n */
	int32_t c, h, wd, sh, sw, pt, pl, zx, kg, ng, wq, nslot, sub, plane;
	int32_t pa[QD_PH], pb[QD_PH];
};

/* acc[i*QD_SB + p] = b0[i] + the sum over planes cg and taps t of
 * w[(cg*ntap + t)*mr + i] times word toff[t] + p of plane cg, for
 * i < mr, p < npr (a multiple of the tile width). */
typedef void qd_panel_fn(const int32_t *restrict w,
                         const uint32_t *restrict xi, int32_t ng,
                         int32_t plane, const int32_t *toff, int32_t ntap,
                         int32_t npr, int32_t *restrict acc,
                         const int32_t *b0);

/* As qd_panel_fn, the sums rescaled by the rule of qelt.c into o
 * (struct qcc_rt_qd_out of qcc_rt_q8.h). */
typedef void qd_panel_y_fn(const int32_t *restrict w,
                           const uint32_t *restrict xi, int32_t ng,
                           int32_t plane, const int32_t *toff, int32_t ntap,
                           int32_t npr, const struct qcc_rt_qd_out *o,
                           const int32_t *b0);

/* The word of plane cg for a pixel outside the image: zx in every field
 * of a channel below c (kg == g->kg, a constant where it is inlined). */
QCC_RT_INLINE uint32_t
qd_pad_word(const struct qd_geom *g, int32_t cg, int32_t kg)
{
	uint32_t z = 0;
	int32_t j;

	for (j = 0; j < kg; j++)
		if (kg * cg + j < g->c)
			z |= (uint32_t)g->zx << 32 / kg * j;
	return z;
}

/* Sub-image row o (wq words) of plane cg: input row iy, column j*sw + b -
 * pl for word j (kg == g->kg, a constant where it is inlined).  A field
 * of a channel past c repeats channel c - 1 (its weights are zero, so any
 * code adds nothing): every group takes the same vector loops. */
QCC_RT_INLINE void
qd_fill_row(const struct qd_geom *g, uint32_t *o, int32_t cg, int32_t iy,
            int32_t b, int32_t kg)
{
	uint32_t z = qd_pad_word(g, cg, kg);
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
	for (j = 0; j < kg; j++) {
		int32_t ch = kg * cg + j < g->c ? kg * cg + j : g->c - 1;

		r[j] = g->x + ((ptrdiff_t)ch * g->h + iy) * g->wd + off;
	}
	if (sw == 2)
		/* the even bytes of 16-bit loads (the last word's odd byte
		 * may lie past the tensor: that word is done below) */
		for (; lo < hi - 1; lo++) {
			uint32_t v = 0;

			for (j = 0; j < kg; j++)
				v |= (((const qd_u16_u *)r[j])[lo] & 0xffu)
				     << 32 / kg * j;
			o[lo] = v;
		}
	if (kg == 2 && sw == 1) {
		for (u = lo; u < hi; u++)
			o[u] = (uint32_t)r[0][u] | (uint32_t)r[1][u] << 16;
	} else if (kg == 4 && sw == 1) {
		for (u = lo; u < hi; u++)
			o[u] = (uint32_t)r[0][u] | (uint32_t)r[1][u] << 8 |
			       (uint32_t)r[2][u] << 16 | (uint32_t)r[3][u] << 24;
	} else {
		for (u = lo; u < hi; u++) {
			ptrdiff_t e = (ptrdiff_t)u * sw;
			uint32_t v = 0;

			for (j = 0; j < kg; j++)
				v |= (uint32_t)r[j][e] << 32 / kg * j;
			o[u] = v;
		}
	}
}

/* o[0..QD_BLK) = z: a fixed-size block the compiler vectorizes whole (a
 * loop over a short run would run in its scalar remainder). */
QCC_RT_INLINE void
qd_block_fill(uint32_t *restrict o, uint32_t z)
{
	int32_t t;

	for (t = 0; t < QD_BLK; t++)
		o[t] = z;
}

/* Words o[0..n) of plane cg from n consecutive pixels of its kg channels
 * from input row iy0 on (all in the image), in blocks of QD_BLK. */
QCC_RT_INLINE void
qd_fill_flat(const struct qd_geom *g, uint32_t *restrict o, int32_t cg,
             int32_t iy0, int32_t n, int32_t kg)
{
	const uint8_t *r = g->x + ((ptrdiff_t)kg * cg * g->h + iy0) * g->wd;
	ptrdiff_t cs = (ptrdiff_t)g->h * g->wd;
	int32_t u = 0, t;

	QD_SCALAR_LOOP
	for (; u + QD_BLK <= n; u += QD_BLK) {
		if (kg == 2)
			for (t = 0; t < QD_BLK; t++)
				o[u + t] = (uint32_t)r[u + t] |
				           (uint32_t)r[cs + u + t] << 16;
		else
			for (t = 0; t < QD_BLK; t++)
				o[u + t] = (uint32_t)r[u + t] |
				           (uint32_t)r[cs + u + t] << 8 |
				           (uint32_t)r[2 * cs + u + t] << 16 |
				           (uint32_t)r[3 * cs + u + t] << 24;
	}
	for (; u < n; u++) {
		uint32_t v = 0;

		for (t = 0; t < kg; t++)
			v |= (uint32_t)r[t * cs + u] << 32 / kg * t;
		o[u] = v;
	}
}

/* The sub-images of output rows [oy0, oy0 + nrows): sub-image row i of
 * slot k is padded row (oy0 + i)*sh + pa[k]; the words past the rows
 * (read only for dropped pixels) get the padding word. */
QCC_RT_INLINE void
qd_fill(const struct qd_geom *g, uint32_t *xi, int32_t oy0, int32_t nrows,
        int32_t kg)
{
	int32_t cg, k, i, u, iy0 = oy0 * g->sh + g->pa[0] - g->pt;
	/* one phase, whole rows of the image in order: the rows of a plane
	 * are one run of the input (1x1 convolutions) */
	int flat = g->nslot == 1 && g->sh == 1 && g->sw == 1 && g->pl == 0 &&
	           g->wq == g->wd && iy0 >= 0 && iy0 + nrows <= g->h;

	for (cg = 0; cg < g->ng; cg++)
		for (k = 0; k < g->nslot; k++) {
			uint32_t *o = xi + (ptrdiff_t)cg * g->plane +
			              (ptrdiff_t)k * g->sub;
			uint32_t z = qd_pad_word(g, cg, kg);

			if (flat && kg * cg + kg <= g->c)
				qd_fill_flat(g, o, cg, iy0, nrows * g->wq, kg);
			else
				for (i = 0; i < nrows; i++)
					qd_fill_row(g, o + (ptrdiff_t)i * g->wq, cg,
					            (oy0 + i) * g->sh + g->pa[k] - g->pt,
					            g->pb[k], kg);
			u = nrows * g->wq;
			QD_SCALAR_LOOP
			for (; u + QD_BLK <= g->sub; u += QD_BLK)
				qd_block_fill(o + u, z);
			for (; u < g->sub; u++)
				o[u] = z;
		}
}

#if QD_VNNI
#define QD_VNNI_TARGET \
	__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

typedef int64_t qd_v8di __attribute__((vector_size(64)));
typedef uint8_t qd_u8x16 __attribute__((vector_size(16)));
typedef char qd_i8x16 __attribute__((vector_size(16)));

/* The sums of the tile of pixels p0 .. p0 + 31 with AVX512-VNNI (four
 * channels per word): a[i][h] lane l = b0[i] + the sum over planes cg and
 * taps t of w[(cg*ntap + t)*mr + i] times word toff[t] + p0 + 16h + l of
 * plane cg; the weight word comes as an embedded broadcast. */
QD_VNNI_TARGET QCC_RT_INLINE void
qd_vnni_sums(qd_v16si a[QCC_RT_QGV_MR][2], const int32_t *restrict w,
             const uint32_t *restrict xi, int32_t ng, int32_t plane,
             const int32_t *toff, int32_t ntap, int32_t p0,
             const int32_t *b0)
{
	int32_t cg, t, i;

#pragma GCC unroll 16
	for (i = 0; i < QCC_RT_QGV_MR; i++)
		a[i][0] = a[i][1] = (qd_v16si){0} + b0[i];
	for (cg = 0; cg < ng; cg++) {
		const uint32_t *pl = xi + (ptrdiff_t)cg * plane + p0;

		for (t = 0; t < ntap; t++, w += QCC_RT_QGV_MR) {
			const qd_v16si_u *b = (const qd_v16si_u *)(pl + toff[t]);
			qd_v16si x0 = b[0], x1 = b[1];

#pragma GCC unroll 16
			for (i = 0; i < QCC_RT_QGV_MR; i++) {
				qd_v16si v = (qd_v16si){0} + w[i];

				a[i][0] = __builtin_ia32_vpdpbusd512(a[i][0], x0, v);
				a[i][1] = __builtin_ia32_vpdpbusd512(a[i][1], x1, v);
			}
		}
	}
}

/* The AVX512-VNNI panel: 8 channels by 32 pixels, sums into acc. */
QD_VNNI_TARGET static void
qd_panel_vnni(const int32_t *restrict w, const uint32_t *restrict xi,
              int32_t ng, int32_t plane, const int32_t *toff, int32_t ntap,
              int32_t npr, int32_t *restrict acc, const int32_t *b0)
{
	int32_t p0, i;

	for (p0 = 0; p0 < npr; p0 += 32) {
		qd_v16si a[QCC_RT_QGV_MR][2];

		qd_vnni_sums(a, w, xi, ng, plane, toff, ntap, p0, b0);
#pragma GCC unroll 16
		for (i = 0; i < QCC_RT_QGV_MR; i++) {
			qd_v16si_u *o = (qd_v16si_u *)(acc + i * QD_SB + p0);

			o[0] = a[i][0];
			o[1] = a[i][1];
		}
	}
}

/* 16 sums rescaled by the rule of qelt.c for 32 <= shift <= QD_QSHIFT:
 * the even and odd lanes' products by vpmuldq, rounded and shifted in
 * 64-bit lanes, the low halves put back in lane order and clamped (|r| <
 * 2^30 for shift >= 32).  zy is folded into the rounding term rnd =
 * 2^(shift-1) + zy*2^shift: adding a multiple of 2^shift before the
 * flooring shift adds zy after it, and |acc*mult| < 2^62 with rnd < 2^61
 * stays in int64. */
QD_VNNI_TARGET QCC_RT_INLINE qd_u8x16
qd_rescale_q(qd_v16si acc, int32_t mult, int64_t rnd, int64_t shift,
             qd_v16si lo, qd_v16si hi)
{
	/* mult in every 32-bit lane: in 64-bit lanes clang would see a
	 * 64-bit product and take vpmullq */
	qd_v16si m = (qd_v16si){0} + mult;
	qd_v8di e = __builtin_ia32_pmuldq512(acc, m) + rnd;
	qd_v8di o = __builtin_ia32_pmuldq512((qd_v16si)((qd_v8di)acc >> 32),
	                                     m) + rnd;
	qd_v16si r;

	e >>= shift;
	o >>= shift;
	r = __builtin_shufflevector((qd_v16si)e, (qd_v16si)o, 0, 16, 2, 18, 4,
	                            20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
	r = __builtin_elementwise_min(__builtin_elementwise_max(r, lo), hi);
	return __builtin_convertvector(r, qd_u8x16);
}

/* 16 codes to y[0..n) (n clamped to [0, 16]) by a masked store. */
QD_VNNI_TARGET QCC_RT_INLINE void
qd_put16(uint8_t *y, qd_u8x16 v, int32_t n)
{
	unsigned short k = n >= 16 ? 0xffff : n <= 0 ? 0
	                   : (unsigned short)((1u << n) - 1);

	__builtin_ia32_storedquqi128_mask((qd_i8x16 *)y, (qd_i8x16)v, k);
}

/* qd_panel_vnni with the sums rescaled in registers by qd_rescale_q and
 * written to o (every channel there, every shift in its range). */
QD_VNNI_TARGET static void
qd_panel_vnni_y(const int32_t *restrict w, const uint32_t *restrict xi,
                int32_t ng, int32_t plane, const int32_t *toff,
                int32_t ntap, int32_t npr, const struct qcc_rt_qd_out *ot,
                const int32_t *b0)
{
	qd_v16si lo = (qd_v16si){0} + ot->lo, hi = (qd_v16si){0} + ot->hi;
	int32_t p0, i;

	for (p0 = 0; p0 < npr; p0 += 32) {
		qd_v16si a[QCC_RT_QGV_MR][2];
		int32_t n = ot->n - p0;

		qd_vnni_sums(a, w, xi, ng, plane, toff, ntap, p0, b0);
#pragma GCC unroll 16
		for (i = 0; i < QCC_RT_QGV_MR; i++) {
			qd_put16(ot->y[i] + p0, qd_rescale_q(a[i][0], ot->mult[i],
			         ot->r64[i], ot->s64[i], lo, hi), n);
			qd_put16(ot->y[i] + p0 + 16, qd_rescale_q(a[i][1],
			         ot->mult[i], ot->r64[i], ot->s64[i], lo, hi), n - 16);
		}
	}
}
#endif

/* Phase slots and tap offsets for blocks of nr output rows, tiles of nt
 * pixels; false if the block does not fit the buffers. */
static int
qd_layout(struct qd_geom *g, int32_t *toff, int32_t nr, int32_t nt,
          int32_t kh, int32_t kw, int32_t dh, int32_t dw)
{
	int32_t slot[QD_PH], r, s, k, npr;

	for (k = 0; k < g->sh * g->sw; k++)
		slot[k] = -1;
	g->nslot = 0;
	for (r = 0; r < kh; r++)
		for (s = 0; s < kw; s++) {
			int32_t a = r * dh % g->sh, b = s * dw % g->sw;

			if (slot[a * g->sw + b] < 0) {
				slot[a * g->sw + b] = g->nslot;
				g->pa[g->nslot] = a;
				g->pb[g->nslot++] = b;
			}
		}
	npr = (nr * g->wq + nt - 1) / nt * nt;
	/* plus the farthest word a tap reads past the tile */
	g->sub = npr + (kh - 1) * dh / g->sh * g->wq + (kw - 1) * dw / g->sw;
	g->plane = g->nslot * g->sub;
	if (npr > QD_SB || (int64_t)g->ng * g->plane > QD_XI)
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
 * nr output rows of ow codes at y: straight if the rows have no dropped
 * columns, else the whole row in full vectors and the kept columns
 * copied. */
static void
qd_store(const int32_t *acc, uint8_t *y, int32_t nr, int32_t ow,
         int32_t wq, int32_t npr, int32_t mult, int32_t shift, int32_t zy,
         int32_t lo, int32_t hi)
{
	uint8_t t[QD_SB];
	int32_t rr, i;

	if (wq == ow) {
		qcc_rt_requant_row_q8(acc, y, nr * ow, mult, shift, zy, lo, hi);
		return;
	}
	qcc_rt_requant_row_q8(acc, t, npr, mult, shift, zy, lo, hi);
	for (rr = 0; rr < nr; rr++)
		for (i = 0; i < ow; i++)
			y[(ptrdiff_t)rr * ow + i] = t[rr * wq + i];
}

/* o for channels q .. q + mr - 1, channel q's codes at y0, planes npix
 * apart; false if a panel cannot rescale them (channels past m, a shift
 * outside [32, QD_QSHIFT]). */
static int
qd_out_set(struct qcc_rt_qd_out *o, uint8_t *y0, ptrdiff_t npix, int32_t q,
           int32_t m, int32_t mr, const int32_t *mult, const int32_t *shift,
           int32_t nq, int32_t zy)
{
	int32_t i;

	if (q + mr > m)
		return 0;
	for (i = 0; i < mr; i++) {
		int32_t e = nq > 1 ? q + i : 0, s = shift[e];

		if (s < 32 || s > QD_QSHIFT)
			return 0;
		o->y[i] = y0 + i * npix;
		o->mult[i] = mult[e];
		o->r64[i] = ((int64_t)1 << (s - 1)) + (int64_t)zy * ((int64_t)1 << s);
		o->s64[i] = s;
	}
	return 1;
}

/* The convolution with panel (mr channels by tiles of nt pixels, kg
 * channels per word); false (nothing written) if even one output row
 * does not fit the buffers. */
QCC_RT_INLINE int
qd_conv(const uint8_t *restrict x, const int32_t *restrict wp,
        const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
        int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
        int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
        int32_t dw, int32_t pt, int32_t pl, int32_t zx, const int32_t *mult,
        const int32_t *shift, int32_t nq, int32_t zy, int32_t lo, int32_t hi,
        qd_panel_fn *panel, qd_panel_y_fn *panel_y, int32_t mr, int32_t nt,
        int32_t kg)
{
	uint32_t xi[QD_XI];
	int32_t acc[QD_MRMAX * QD_SB], toff[QD_TAPS];
	struct qd_geom g;
	int32_t ng = (c + kg - 1) / kg, kpw = ng * kh * kw, npix = oh * ow;
	int32_t rows = 0, n, oy0, q, i;

	g.c = c; g.h = h; g.wd = wd; g.sh = sh; g.sw = sw; g.pt = pt;
	g.pl = pl; g.zx = zx; g.kg = kg; g.ng = ng;
	g.wq = ow + (kw - 1) * dw / sw;
	if (sh * sw <= QD_PH && kh * kw <= QD_TAPS)
		while (rows < oh &&
		       qd_layout(&g, toff, rows + 1, nt, kh, kw, dh, dw))
			rows++;
	if (rows == 0)
		return 0;
	for (n = 0; n < nb; n++) {
		g.x = x + (ptrdiff_t)n * c * h * wd;
		for (oy0 = 0; oy0 < oh; oy0 += rows) {
			int32_t nr = oh - oy0 < rows ? oh - oy0 : rows;
			int32_t npr = (nr * g.wq + nt - 1) / nt * nt;

			qd_layout(&g, toff, nr, nt, kh, kw, dh, dw);
			qd_fill(&g, xi, oy0, nr + (kh - 1) * dh / sh, kg);
			for (q = 0; q < m; q += mr) {
				int32_t b0[QD_MRMAX];
				struct qcc_rt_qd_out ot;

				for (i = 0; i < mr; i++)
					b0[i] = bias && q + i < m ? bias[q + i] : 0;
				/* no dropped columns: rescaled in the panel */
				ot.n = nr * ow;
				ot.lo = lo;
				ot.hi = hi;
				if (panel_y && g.wq == ow &&
				    qd_out_set(&ot, y + ((ptrdiff_t)n * m + q) * npix +
				               (ptrdiff_t)oy0 * ow, npix, q, m, mr, mult,
				               shift, nq, zy)) {
					panel_y(wp + (ptrdiff_t)(q / mr) * kpw * mr, xi, ng,
					        g.plane, toff, kh * kw, npr, &ot, b0);
					continue;
				}
				panel(wp + (ptrdiff_t)(q / mr) * kpw * mr, xi, ng,
				      g.plane, toff, kh * kw, npr, acc, b0);
				for (i = 0; i < mr && q + i < m; i++)
					qd_store(acc + i * QD_SB, y + ((ptrdiff_t)n * m +
					         q + i) * npix + (ptrdiff_t)oy0 * ow,
					         nr, ow, g.wq, npr, mult[nq > 1 ? q + i : 0],
					         shift[nq > 1 ? q + i : 0], zy, lo, hi);
			}
		}
	}
	return 1;
}

#define QD_PASS                                                               \
	x, wp, bias, y, nb, c, h, wd, m, oh, ow, kh, kw, sh, sw, dh, dw, pt,   \
	pl, zx, mult, shift, nq, zy, lo, hi

QCC_RT_API void
qcc_rt_conv2d_qgemm_cp_avx2_q8(QCC_RT_QG_ARGS)
{
	if (!qd_conv(QD_PASS, qcc_rt_qd_avx2_panel, qcc_rt_qd_avx2_panel_y,
	             QCC_RT_QG_MR, 16, 2))
		qcc_rt_conv2d_qgemm_cp_i2c_q8(QD_PASS);
}

#if QD_VNNI
QCC_RT_API void
qcc_rt_conv2d_qgemm_vnni_q8(QCC_RT_QG_ARGS)
{
	if (!qd_conv(QD_PASS, qd_panel_vnni, qd_panel_vnni_y, QCC_RT_QGV_MR,
	             32, 4))
		qcc_rt_conv2d_qgemm_vnni_i2c_q8(QD_PASS);
}
#endif
#endif
