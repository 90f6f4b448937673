/* qgemm.c -- integer convolution (group 1) as a register-blocked matrix
 * product over output pixels, u8 activations times i8 weights, int32 sums,
 * weights packed at compile time (backends/lower_qconv.c).
 *
 * With K = c*kh*kw and k = (ci*kh + r)*kw + s, image n's output plane is
 *     acc[mo, p] = bias[mo] + sum over k of w[mo, k] * B[k, p]
 * where p = oy*ow + ox runs over the output pixels and B[k, p] is the code
 * tap k of pixel p reads (zx outside the image: fold-shift put -zx sum w
 * into the bias, so a padded tap adds exactly nothing).  Then the rescale
 * rule of qelt.c per output channel.
 *
 * The arithmetic is 16-bit multiplies with 32-bit pair sums, the shape of
 * x86's pmaddwd, NEON's smlal and RVV's vwmacc: codes (0..255) and weights
 * (-128..127) fit i16 exactly, a pair sum |x0 w0 + x1 w1| <= 65280 fits
 * i32, and K < 2^16 keeps every sum in int32.  No 8-bit products are
 * summed in 16 bits (pmaddubsw would saturate), so every path is exact and
 * they all agree bit for bit.
 *
 * Layouts (32-bit words, low half first):
 *   weights  panels of QCC_RT_QG_MR output channels; word
 *            wp[(q*kp2 + t)*MR + i] holds w[q*MR + i, 2t] and w[.., 2t + 1]
 *            (kp2 = ceil(K/2) pairs, zero past K and past the last channel)
 *   B        a block of QG_KC pairs by QG_SB pixels packed on the stack,
 *            word bw[t*QG_SB + p] = B[2t, p] | B[2t + 1, p] << 16
 * The register tile is MR channels by QG_NR pixels: each pair step loads
 * QG_NR/8 vectors of B, broadcasts MR weight words and does MR * QG_NR/8
 * pmaddwd-and-add steps.  Partial sums over pair chunks live in an int32
 * block on the stack (QG_MC channels by QG_SB pixels), which the epilogue
 * rescales row by row (one multiplier per row, so it vectorizes).
 *
 * Three entry points share the code and differ in the tile: portable C
 * (or AVX2 when a C compiler builds with -mavx2), AVX2, AVX-512BW (x86-64
 * only, each tile compiled with a target attribute through the compilers'
 * vector extensions and pmaddwd builtins; AVX-512 with clang only).  The
 * lowering calls one only when the target has its instructions.  The
 * results are identical.
 */
#include "../qcc_rt.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define QG_X86 1
/* AVX2 through the compilers' vector extensions and pmaddwd builtin (the
 * kernels include no header but qcc_rt.h): 8 x i32 as 16 x i16, and a
 * vector type for unaligned loads and stores. */
typedef short qg_v16hi __attribute__((vector_size(32)));
typedef int32_t qg_v8si __attribute__((vector_size(32)));
typedef int32_t qg_v8si_u __attribute__((vector_size(32), aligned(4),
                                         may_alias));
#if defined(__clang__)
/* AVX-512BW: clang's pmaddwd builtin (gcc names it differently) */
#define QG_AVX512 1
typedef short qg_v32hi __attribute__((vector_size(64)));
typedef int32_t qg_v16si __attribute__((vector_size(64)));
typedef int32_t qg_v16si_u __attribute__((vector_size(64), aligned(4),
                                          may_alias));
#else
#define QG_AVX512 0
#endif
#else
#define QG_X86 0
#define QG_AVX512 0
#endif
#if defined(__AVX2__)
#define QG_AVX2_ALWAYS 1
#else
#define QG_AVX2_ALWAYS 0
#endif

enum {
	QG_MR = QCC_RT_QG_MR,
	QG_NR = 16,          /* pixels per register tile */
	QG_SB = 64,          /* pixels per block, a multiple of QG_NR */
	QG_KC = 128,         /* pairs per chunk */
	QG_MV = QCC_RT_QGV_MR,
	QG_MRMAX = 16,       /* the largest panel height */
	QG_MC = 42 * QG_MR   /* channels per block (rounded down to panels) */
};

/* A tile code: see qg_panel. */
typedef void qg_panel_fn(const int32_t *restrict w,
                         const uint32_t *restrict bw, int32_t nt,
                         int32_t npr, int32_t *restrict acc,
                         const int32_t *bias0, int first);

struct qg_geom {
	const uint8_t *x;    /* image n */
	int32_t c, h, wd, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, zx, k;
};

/* The codes of tap k for pixels [p0, p0 + np) into v (zx outside). */
QCC_RT_INLINE void
qg_tap_row(const struct qg_geom *g, int32_t k, int32_t p0, int32_t np,
           uint8_t *v)
{
	int32_t ci = k / (g->kh * g->kw), r = k / g->kw % g->kh, s = k % g->kw;
	int32_t oy = p0 / g->ow, ox = p0 % g->ow, j = 0;
	int32_t off = s * g->dw - g->pl;
	/* output columns ox with 0 <= ox*sw + off < wd */
	int32_t lo = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
	int32_t hi = g->wd - off <= 0 ? 0 : (g->wd - off + g->sw - 1) / g->sw;

	if (hi > g->ow)
		hi = g->ow;
	if (lo > hi)
		lo = hi;
	while (j < np) {
		int32_t n = g->ow - ox < np - j ? g->ow - ox : np - j;
		int32_t iy = oy * g->sh - g->pt + r * g->dh, e = ox + n, a, b, i;

		if (iy < 0 || iy >= g->h) {
			for (i = 0; i < n; i++)
				v[j + i] = (uint8_t)g->zx;
		} else {
			const uint8_t *row = g->x + ((ptrdiff_t)ci * g->h + iy) *
			                     g->wd + off;
			a = lo > ox ? (lo < e ? lo : e) : ox;
			b = hi < e ? (hi > a ? hi : a) : e;
			for (i = ox; i < a; i++)
				v[j + i - ox] = (uint8_t)g->zx;
			if (g->sw == 1)
				for (i = a; i < b; i++)
					v[j + i - ox] = row[i];
			else
				for (i = a; i < b; i++)
					v[j + i - ox] = row[(ptrdiff_t)i * g->sw];
			for (i = b; i < e; i++)
				v[j + i - ox] = (uint8_t)g->zx;
		}
		j += n;
		ox = 0;
		oy++;
	}
}

/* Words [t0, t0 + nt) of pixels [p0, p0 + np) into bw; pixels up to npr
 * (a multiple of the tile width) are zero.  kg codes per word, field j
 * (16 or 8 bits) holding: tap kg*t + j if !byc; else channel kg*cg + j
 * (0 past c) at window tap rs, where t = cg*kh*kw + rs (the channel-group
 * layouts of qgemm_direct.c). */
QCC_RT_INLINE void
qg_pack(const struct qg_geom *g, uint32_t *bw, int32_t t0, int32_t nt,
        int32_t p0, int32_t np, int32_t npr, int32_t kg, int32_t byc)
{
	uint8_t v[4][QG_SB];
	int32_t khw = g->kh * g->kw, t, p, j;

	for (j = 0; j < kg; j++)
		for (p = np; p < npr; p++)
			v[j][p] = 0;
	for (t = 0; t < nt; t++) {
		uint32_t *o = bw + (ptrdiff_t)t * QG_SB;

		for (j = 0; j < kg; j++) {
			int32_t ch = (t0 + t) / khw * kg + j;
			int32_t k = byc ? ch * khw + (t0 + t) % khw
			                : kg * (t0 + t) + j;

			if (byc ? ch < g->c : k < g->k)
				qg_tap_row(g, k, p0, np, v[j]);
			else
				for (p = 0; p < np; p++)
					v[j][p] = 0;
		}
		if (kg == 2)
			for (p = 0; p < npr; p++)
				o[p] = (uint32_t)v[0][p] | (uint32_t)v[1][p] << 16;
		else
			for (p = 0; p < npr; p++)
				o[p] = (uint32_t)v[0][p] |
				       (uint32_t)v[1][p] << 8 |
				       (uint32_t)v[2][p] << 16 |
				       (uint32_t)v[3][p] << 24;
	}
}

/* acc[i*QG_SB + p] = (first ? bias0[i] : acc[i*QG_SB + p]) + the sum over
 * pairs t < nt of the panel's words w[t*MR+i] times bw[t*QG_SB + p], for
 * i < MR, p < npr: portable C. */
static QCC_RT_UNUSED void
qg_panel(const int32_t *restrict w, const uint32_t *restrict bw, int32_t nt,
         int32_t npr, int32_t *restrict acc, const int32_t *bias0,
         int first)
{
	int32_t p0, t, i, p;

	for (p0 = 0; p0 < npr; p0 += QG_NR) {
		int32_t s[QG_MR][QG_NR];

#pragma GCC unroll 8
		for (i = 0; i < QG_MR; i++)
#pragma GCC unroll 16
			for (p = 0; p < QG_NR; p++)
				s[i][p] = 0;
		for (t = 0; t < nt; t++) {
			const uint32_t *b = bw + (ptrdiff_t)t * QG_SB + p0;
			int32_t b0[QG_NR], b1[QG_NR];

#pragma GCC unroll 16
			for (p = 0; p < QG_NR; p++) {
				b0[p] = (int32_t)(b[p] & 0xffff);
				b1[p] = (int32_t)(b[p] >> 16);
			}
#pragma GCC unroll 8
			for (i = 0; i < QG_MR; i++) {
				int32_t wv = w[t * QG_MR + i];
				int32_t w0 = (int32_t)(int16_t)(uint16_t)(wv & 0xffff);
				int32_t w1 = (int32_t)(int16_t)(uint16_t)((uint32_t)wv >> 16);

#pragma GCC unroll 16
				for (p = 0; p < QG_NR; p++)
					s[i][p] += b0[p] * w0 + b1[p] * w1;
			}
		}
		for (i = 0; i < QG_MR; i++)
			for (p = 0; p < QG_NR; p++)
				acc[i * QG_SB + p0 + p] = s[i][p] + (first ? bias0[i] :
				        acc[i * QG_SB + p0 + p]);
	}
}

#if QG_X86
/* The same with AVX2: two 8-pixel vectors per channel, pmaddwd. */
__attribute__((target("avx2"))) static void
qg_panel_avx2(const int32_t *restrict w, const uint32_t *restrict bw,
              int32_t nt, int32_t npr, int32_t *restrict acc,
              const int32_t *bias0, int first)
{
	int32_t p0, t, i;

	for (p0 = 0; p0 < npr; p0 += QG_NR) {
		qg_v8si s[QG_MR][2];

#pragma GCC unroll 8
		for (i = 0; i < QG_MR; i++)
			s[i][0] = s[i][1] = (qg_v8si){0, 0, 0, 0, 0, 0, 0, 0};
		for (t = 0; t < nt; t++) {
			const qg_v8si_u *b = (const qg_v8si_u *)(bw +
			        (ptrdiff_t)t * QG_SB + p0);
			qg_v16hi b0 = (qg_v16hi)b[0], b1 = (qg_v16hi)b[1];

#pragma GCC unroll 8
			for (i = 0; i < QG_MR; i++) {
				int32_t v = w[t * QG_MR + i];
				qg_v16hi wv = (qg_v16hi)(qg_v8si){v, v, v, v, v, v,
				                                  v, v};

				s[i][0] += __builtin_ia32_pmaddwd256(b0, wv);
				s[i][1] += __builtin_ia32_pmaddwd256(b1, wv);
			}
		}
#pragma GCC unroll 8
		for (i = 0; i < QG_MR; i++) {
			qg_v8si_u *a = (qg_v8si_u *)(acc + i * QG_SB + p0);
			int32_t v = bias0[i];
			qg_v8si c0 = {v, v, v, v, v, v, v, v}, c1 = c0;

			if (!first) {
				c0 = a[0];
				c1 = a[1];
			}
			a[0] = c0 + s[i][0];
			a[1] = c1 + s[i][1];
		}
	}
}
#endif

#if QG_AVX512
/* The same with AVX-512BW: 32 pixels (two 16-lane vectors) per channel;
 * npr is a multiple of 32.  With AVX512-VNNI the compiler fuses each
 * pmaddwd and add into vpdpwssd. */
__attribute__((target("avx512f,avx512bw"))) static void
qg_panel_avx512(const int32_t *restrict w, const uint32_t *restrict bw,
                int32_t nt, int32_t npr, int32_t *restrict acc,
                const int32_t *bias0, int first)
{
	int32_t p0, t, i;

	for (p0 = 0; p0 < npr; p0 += 32) {
		qg_v16si s[QG_MR][2];

#pragma GCC unroll 8
		for (i = 0; i < QG_MR; i++)
			s[i][0] = s[i][1] = (qg_v16si){0};
		for (t = 0; t < nt; t++) {
			const qg_v16si_u *b = (const qg_v16si_u *)(bw +
			        (ptrdiff_t)t * QG_SB + p0);
			qg_v32hi b0 = (qg_v32hi)b[0], b1 = (qg_v32hi)b[1];

#pragma GCC unroll 8
			for (i = 0; i < QG_MR; i++) {
				int32_t v = w[t * QG_MR + i];
				qg_v32hi wv = (qg_v32hi)((qg_v16si){0} + v);

				s[i][0] += __builtin_ia32_pmaddwd512(b0, wv);
				s[i][1] += __builtin_ia32_pmaddwd512(b1, wv);
			}
		}
#pragma GCC unroll 8
		for (i = 0; i < QG_MR; i++) {
			qg_v16si_u *a = (qg_v16si_u *)(acc + i * QG_SB + p0);
			qg_v16si c0 = (qg_v16si){0} + bias0[i], c1 = c0;

			if (!first) {
				c0 = a[0];
				c1 = a[1];
			}
			a[0] = c0 + s[i][0];
			a[1] = c1 + s[i][1];
		}
	}
}

/* The byte layout with AVX512-VNNI: word w[t*QG_MV + i] holds four
 * weights and bw[t*QG_SB + p] four codes, one vpdpbusd multiplies them
 * (codes unsigned, weights signed) and adds the four products to the
 * int32 lane exactly (vpdpbusd does not saturate).  QG_MV channels by
 * 32 pixels; the weight word comes as an embedded broadcast. */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
qg_panel_vnni(const int32_t *restrict w, const uint32_t *restrict bw,
              int32_t nt, int32_t npr, int32_t *restrict acc,
              const int32_t *bias0, int first)
{
	int32_t p0, t, i;

	for (p0 = 0; p0 < npr; p0 += 32) {
		qg_v16si s[QG_MV][2];

#pragma GCC unroll 16
		for (i = 0; i < QG_MV; i++)
			s[i][0] = s[i][1] = (qg_v16si){0};
		for (t = 0; t < nt; t++) {
			const qg_v16si_u *b = (const qg_v16si_u *)(bw +
			        (ptrdiff_t)t * QG_SB + p0);
			qg_v16si b0 = b[0], b1 = b[1];

#pragma GCC unroll 16
			for (i = 0; i < QG_MV; i++) {
				qg_v16si wv = (qg_v16si){0} + w[t * QG_MV + i];

				s[i][0] = __builtin_ia32_vpdpbusd512(s[i][0], b0,
				                                     wv);
				s[i][1] = __builtin_ia32_vpdpbusd512(s[i][1], b1,
				                                     wv);
			}
		}
#pragma GCC unroll 16
		for (i = 0; i < QG_MV; i++) {
			qg_v16si_u *a = (qg_v16si_u *)(acc + i * QG_SB + p0);
			qg_v16si c0 = (qg_v16si){0} + bias0[i], c1 = c0;

			if (!first) {
				c0 = a[0];
				c1 = a[1];
			}
			a[0] = c0 + s[i][0];
			a[1] = c1 + s[i][1];
		}
	}
}
#endif

/* Rows [0, mc) of acc (channels m0..) rescaled into y's planes. */
QCC_RT_INLINE void
qg_store(const int32_t *acc, uint8_t *y, ptrdiff_t yplane, int32_t m0,
         int32_t mc, int32_t np, const int32_t *mult, const int32_t *shift,
         int32_t nq, int32_t zy, int32_t lo, int32_t hi)
{
	int32_t i;

	for (i = 0; i < mc; i++) {
		int32_t q = nq > 1 ? m0 + i : 0;

		qcc_rt_requant_row_q8(acc + i * QG_SB, y + (m0 + i) * yplane, np,
		                      mult[q], shift[q], zy, lo, hi);
	}
}

/* The convolution with a tile code: panel, its pixel multiple nrr, its
 * panel height mr, and the weight layout of wp: kg codes per word, by
 * tap (byc 0) or by channel group (byc 1, see qg_pack). */
QCC_RT_INLINE void
qg_conv(const uint8_t *restrict x, const int32_t *restrict wp,
        const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
        int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
        int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
        int32_t dw, int32_t pt, int32_t pl, int32_t zx, const int32_t *mult,
        const int32_t *shift, int32_t nq, int32_t zy, int32_t lo, int32_t hi,
        qg_panel_fn *panel, int32_t nrr, int32_t mr, int32_t kg,
        int32_t byc)
{
	int32_t acc[QG_MC * QG_SB];
	uint32_t bw[QG_KC * QG_SB];
	struct qg_geom g;
	int32_t k = c * kh * kw, npix = oh * ow;
	int32_t kpw = byc ? (c + kg - 1) / kg * kh * kw : (k + kg - 1) / kg;
	int32_t mcb = QG_MC / mr * mr, n, p0, m0, t0, q, i;

	g.c = c; g.h = h; g.wd = wd; g.oh = oh; g.ow = ow; g.kh = kh;
	g.kw = kw; g.sh = sh; g.sw = sw; g.dh = dh; g.dw = dw; g.pt = pt;
	g.pl = pl; g.zx = zx; g.k = k;
	for (n = 0; n < nb; n++) {
		g.x = x + (ptrdiff_t)n * c * h * wd;
		for (p0 = 0; p0 < npix; p0 += QG_SB) {
			int32_t np = npix - p0 < QG_SB ? npix - p0 : QG_SB;
			int32_t npr = (np + nrr - 1) / nrr * nrr;

			for (m0 = 0; m0 < m; m0 += mcb) {
				int32_t mc = m - m0 < mcb ? m - m0 : mcb;

				for (t0 = 0; t0 < kpw; t0 += QG_KC) {
					int32_t nt = kpw - t0 < QG_KC ? kpw - t0
					                              : QG_KC;

					qg_pack(&g, bw, t0, nt, p0, np, npr, kg, byc);
					for (q = 0; q < mc; q += mr) {
						const int32_t *wq = wp +
						        ((ptrdiff_t)((m0 + q) / mr) *
						                 kpw + t0) * mr;
						int32_t b0[QG_MRMAX];

						for (i = 0; i < mr; i++)
							b0[i] = bias && q + i < mc ?
							        bias[m0 + q + i] : 0;
						panel(wq, bw, nt, npr, acc + q * QG_SB,
						      b0, t0 == 0);
					}
				}
				qg_store(acc, y + (ptrdiff_t)n * m * npix + p0,
				         npix, m0, mc, np, mult, shift, nq, zy,
				         lo, hi);
			}
		}
	}
}

#define QG_PASS                                                               \
	x, wp, bias, y, nb, c, h, wd, m, oh, ow, kh, kw, sh, sw, dh, dw, pt,   \
	pl, zx, mult, shift, nq, zy, lo, hi

/* One entry point per tile code, each naming only its own panel, so an
 * object keeps no code for instructions its target lacks (even at -O0). */
QCC_RT_API void
qcc_rt_conv2d_qgemm_q8(QCC_RT_QG_ARGS)
{
#if QG_X86 && QG_AVX2_ALWAYS
	qg_conv(QG_PASS, qg_panel_avx2, QG_NR, QG_MR, 2, 0);
#else
	qg_conv(QG_PASS, qg_panel, QG_NR, QG_MR, 2, 0);
#endif
}

#if QG_X86
QCC_RT_API void
qcc_rt_conv2d_qgemm_avx2_q8(QCC_RT_QG_ARGS)
{
	qg_conv(QG_PASS, qg_panel_avx2, QG_NR, QG_MR, 2, 0);
}

/* With weights in channel pairs (qgemm_direct.c's AVX2 layout). */
QCC_RT_API void
qcc_rt_conv2d_qgemm_cp_i2c_q8(QCC_RT_QG_ARGS)
{
	qg_conv(QG_PASS, qg_panel_avx2, QG_NR, QG_MR, 2, 1);
}
#endif

#if QG_AVX512
QCC_RT_API void
qcc_rt_conv2d_qgemm_avx512_q8(QCC_RT_QG_ARGS)
{
	qg_conv(QG_PASS, qg_panel_avx512, 32, QG_MR, 2, 0);
}

QCC_RT_API void
qcc_rt_conv2d_qgemm_vnni_i2c_q8(QCC_RT_QG_ARGS)
{
	qg_conv(QG_PASS, qg_panel_vnni, 32, QG_MV, 4, 1);
}
#endif
