/* qconv_wino_avx2.c -- integer 3x3 convolution (group 1, stride 1,
 * dilation 1) by Winograd's F(2x2,3x3) on AVX2 (pmaddwd), exact.
 *
 * Each 2x2 block of outputs (a tile) reads a 4x4 patch d of padded codes
 * (zx outside the image, as fold-shift expects) per input channel.  The
 * lowering (lower_qconv.c) transformed the weights at compile time into
 * U = (2G) g (2G)^T, 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]: integers
 * with |U| <= 9*128 = 1152; the kernel transforms the patch into V = B^T d
 * B (B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]: |V| <= 4*255 =
 * 1020), both int16.  Summed over channels, M = sum U (.) V; A^T M A (A^T
 * = [[1,1,1,0],[0,1,-1,-1]]) is 4 times the convolution's sum, exactly:
 * the identity holds over the rationals, U is 4 times G g G^T, and every
 * operation is an integer one.  pmaddwd adds two 16-bit products exactly
 * (|U*V| <= 1175040); c <= QCC_RT_WQ_MAXC = 512 keeps each M in int32
 * (512*1175040 < 2^31); A^T M A is taken in uint32, wrapping, which is
 * exact modulo 2^32, and its true value 4*S has |4*S| <= 4*9*512*255*128
 * < 2^31, so the int32 result is 4*S and >> 2 gives S.  S plus the bias
 * is rescaled by qcc_rt_requant_row_q8.  The results therefore equal
 * qcc_rt_conv2d_q8's bit for bit.
 *
 * Tiles are done in blocks of whole tile rows: V of the block (16
 * positions by ceil(c/2) channel pairs by the block's tiles, two channels
 * per 32-bit word as in qgemm_direct.c) is built once, then each panel of
 * QCC_RT_QG_MR output channels takes 16 tiles at a time: 16 small
 * products (one per position), the output transform, and the sums in
 * four planes (one per place in the tile) that are rescaled and woven
 * into the output rows.  Weights: word ((q*16 + pos)*ng + cg)*mr + i holds
 * U[pos] of output channel q*mr + i and input channels 2cg (low half),
 * 2cg + 1 (high half), zero past c and m.  The lowering calls this only
 * for targets with AVX2 and shapes with QCC_RT_WQ_FITS; the C backend
 * never does.
 */
#include "../qcc_rt.h"

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 12)
typedef short qw_v16hi __attribute__((vector_size(32)));
typedef int32_t qw_v8si __attribute__((vector_size(32)));
typedef uint32_t qw_v8su __attribute__((vector_size(32)));
typedef short qw_v16hi_u __attribute__((vector_size(32), aligned(4),
                                        may_alias));
typedef int32_t qw_v8si_u __attribute__((vector_size(32), aligned(4),
                                         may_alias));
typedef uint16_t qw_v16hu __attribute__((vector_size(32)));
typedef uint16_t qw_v8hu __attribute__((vector_size(16)));
typedef uint16_t qw_v8hu_u __attribute__((vector_size(16), aligned(1),
                                          may_alias));
typedef uint16_t qw_v16hu_u __attribute__((vector_size(32), aligned(1),
                                           may_alias));

#define QW_TARGET __attribute__((target("avx2")))

enum {
	QW_MR = QCC_RT_QG_MR,
	QW_V = QCC_RT_WQ_V,    /* words of V per block */
	QW_TB = QCC_RT_WQ_TB,  /* tiles per block at most */
	QW_E = QW_TB + 16      /* words per transformed-row buffer */
};

/* The block: tile rows ty0 .. ty0 + nty - 1 of ntw tiles, nt = nty*ntw,
 * npr = nt rounded up to 16 (the plane of V). */
struct qw_blk {
	const uint8_t *x;  /* image n */
	int32_t c, h, wd, pt, pl, zx, ng, ntw, ty0, nty, nt, npr;
};

/* Padded input row iy of channel pair cg as words at columns 2t + ph -
 * pl, t < n: channel 2cg in the low half, 2cg + 1 in the high (0 past
 * c), zx outside the image; 16 (or 8) words from 32 (16) bytes of each
 * row (their even bytes) where those lie in the row. */
QW_TARGET static void
qw_row(const struct qw_blk *b, uint32_t *o, int32_t cg, int32_t iy,
       int32_t ph, int32_t n)
{
	int32_t c0 = 2 * cg, two = c0 + 1 < b->c, t;
	uint32_t z = (uint32_t)b->zx | (two ? (uint32_t)b->zx << 16 : 0);
	const uint8_t *r0, *r1;

	if (iy < 0 || iy >= b->h) {
		for (t = 0; t < n; t++)
			o[t] = z;
		return;
	}
	r0 = b->x + ((ptrdiff_t)c0 * b->h + iy) * b->wd;
	r1 = two ? r0 + (ptrdiff_t)b->h * b->wd : r0;
	for (t = 0; t < n && 2 * t + ph - b->pl < 0; t++)
		o[t] = z;
	for (; t + 16 <= n && 2 * t + ph - b->pl + 32 <= b->wd; t += 16) {
		int32_t col = 2 * t + ph - b->pl;
		qw_v16hu e0 = *(const qw_v16hu_u *)(r0 + col) & 0xff;
		qw_v16hu e1 = *(const qw_v16hu_u *)(r1 + col) &
		              (uint16_t)(two ? 0xff : 0);

		*(qw_v16hu_u *)(o + t) = __builtin_shufflevector(e0, e1, 0, 16,
		        1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
		*(qw_v16hu_u *)(o + t + 8) = __builtin_shufflevector(e0, e1, 8,
		        24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
	}
	for (; t + 8 <= n && 2 * t + ph - b->pl + 16 <= b->wd; t += 8) {
		int32_t col = 2 * t + ph - b->pl;
		qw_v8hu e0 = *(const qw_v8hu_u *)(r0 + col) & 0xff;
		qw_v8hu e1 = *(const qw_v8hu_u *)(r1 + col) &
		             (uint16_t)(two ? 0xff : 0);

		*(qw_v16hu_u *)(o + t) = __builtin_shufflevector(e0, e1, 0, 8,
		        1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
	}
	for (; t < n; t++) {
		int32_t col = 2 * t + ph - b->pl;

		if (col < 0 || col >= b->wd)
			o[t] = z;
		else
			o[t] = (uint32_t)r0[col] |
			       (two ? (uint32_t)r1[col] << 16 : 0);
	}
}

/* V of the block for channel pair cg: V[(pos*ng + cg)*npr + p] for tile p
 * (tile row p / ntw, column p % ntw), 0 for p in [nt, npr). */
QW_TARGET static void
qw_input(const struct qw_blk *b, uint32_t *restrict v, int32_t cg)
{
	uint32_t e[4][QW_E], o[4][QW_E];
	int32_t n = (b->ntw + 7) / 8 * 8 + 1, tyl, r, t0, k, a, j, p;
	ptrdiff_t ps = (ptrdiff_t)b->ng * b->npr;
	uint32_t *vc = v + (ptrdiff_t)cg * b->npr;

	for (tyl = 0; tyl < b->nty; tyl++) {
		int32_t iy0 = 2 * (b->ty0 + tyl) - b->pt;

		for (r = 0; r < 4; r++) {
			qw_row(b, e[r], cg, iy0 + r, 0, n);
			qw_row(b, o[r], cg, iy0 + r, 1, n);
		}
		for (t0 = 0; t0 < b->ntw; t0 += 8) {
			qw_v16hi d[4][4], vv[16];
			int32_t nw = b->ntw - t0 < 8 ? b->ntw - t0 : 8;

			/* along the row: d0 - d2, d1 + d2, d2 - d1, d1 - d3 */
			for (r = 0; r < 4; r++) {
				qw_v16hi ev = *(const qw_v16hi_u *)(e[r] + t0);
				qw_v16hi e1 = *(const qw_v16hi_u *)(e[r] + t0 + 1);
				qw_v16hi ov = *(const qw_v16hi_u *)(o[r] + t0);
				qw_v16hi o1 = *(const qw_v16hi_u *)(o[r] + t0 + 1);

				d[r][0] = ev - e1;
				d[r][1] = ov + e1;
				d[r][2] = e1 - ov;
				d[r][3] = ov - o1;
			}
			/* down the column, the same */
			for (k = 0; k < 4; k++) {
				vv[k] = d[0][k] - d[2][k];
				vv[4 + k] = d[1][k] + d[2][k];
				vv[8 + k] = d[2][k] - d[1][k];
				vv[12 + k] = d[1][k] - d[3][k];
			}
			p = tyl * b->ntw + t0;
			for (a = 0; a < 16; a++) {
				uint32_t *dst = vc + a * ps + p;

				if (nw == 8) {
					*(qw_v16hi_u *)dst = vv[a];
				} else {
					qw_v8si w = (qw_v8si)vv[a];

					for (j = 0; j < nw; j++)
						dst[j] = (uint32_t)w[j];
				}
			}
		}
	}
	for (a = 0; a < 16; a++)
		for (p = b->nt; p < b->npr; p++)
			vc[a * ps + p] = 0;
}

/* The four places of 16 tiles p0.. of panel q into s (s[pl*npr + p],
 * place pl = 2*row + column in the tile): sums S + b0[i] for channel i at
 * s + i*4*npr. */
QW_TARGET static void
qw_tiles(const struct qw_blk *b, const int32_t *restrict u,
         const uint32_t *restrict v, int32_t p0, const int32_t *b0,
         int32_t *restrict s)
{
	qw_v8si m[16][QW_MR][2];
	ptrdiff_t ps = (ptrdiff_t)b->ng * b->npr;
	int32_t pos, cg, i, h;

	for (pos = 0; pos < 16; pos++) {
		const int32_t *w = u + (ptrdiff_t)pos * b->ng * QW_MR;
		const uint32_t *vp = v + pos * ps + p0;
		qw_v8si a[QW_MR][2];

#pragma GCC unroll 8
		for (i = 0; i < QW_MR; i++)
			a[i][0] = a[i][1] = (qw_v8si){0, 0, 0, 0, 0, 0, 0, 0};
		for (cg = 0; cg < b->ng; cg++, w += QW_MR) {
			const qw_v8si_u *x = (const qw_v8si_u *)(vp + cg * b->npr);
			qw_v16hi x0 = (qw_v16hi)x[0], x1 = (qw_v16hi)x[1];

#pragma GCC unroll 8
			for (i = 0; i < QW_MR; i++) {
				qw_v16hi wv = (qw_v16hi)((qw_v8si){0, 0, 0, 0, 0, 0,
				                                   0, 0} + w[i]);

				a[i][0] += __builtin_ia32_pmaddwd256(x0, wv);
				a[i][1] += __builtin_ia32_pmaddwd256(x1, wv);
			}
		}
#pragma GCC unroll 8
		for (i = 0; i < QW_MR; i++) {
			m[pos][i][0] = a[i][0];
			m[pos][i][1] = a[i][1];
		}
	}
	for (i = 0; i < QW_MR; i++)
		for (h = 0; h < 2; h++) {
			qw_v8su t0[4], t1[4], y[4];
			int32_t k, q;

			for (k = 0; k < 4; k++) {
				qw_v8su m0 = (qw_v8su)m[k][i][h];
				qw_v8su m1 = (qw_v8su)m[4 + k][i][h];
				qw_v8su m2 = (qw_v8su)m[8 + k][i][h];
				qw_v8su m3 = (qw_v8su)m[12 + k][i][h];

				t0[k] = m0 + m1 + m2;
				t1[k] = m1 - m2 - m3;
			}
			y[0] = t0[0] + t0[1] + t0[2];
			y[1] = t0[1] - t0[2] - t0[3];
			y[2] = t1[0] + t1[1] + t1[2];
			y[3] = t1[1] - t1[2] - t1[3];
			for (q = 0; q < 4; q++)
				*(qw_v8si_u *)(s + ((ptrdiff_t)i * 4 + q) * b->npr +
				               p0 + 8 * h) = ((qw_v8si)y[q] >> 2) + b0[i];
		}
}

/* Output rows of the block for panel q's channels i < mr (those below
 * m): the place planes rescaled, then woven into rows 2*(ty0 + tyl) + r
 * (below oh), columns 2*tx + cl (below ow). */
static void
qw_store(const struct qw_blk *b, const int32_t *s, uint8_t *y, int32_t q,
         int32_t m, int32_t oh, int32_t ow, const int32_t *mult,
         const int32_t *shift, int32_t nq, int32_t zy, int32_t lo,
         int32_t hi)
{
	uint8_t k[4 * QW_TB];
	int32_t i, tyl, r, cl, tx;

	for (i = 0; i < QW_MR && q * QW_MR + i < m; i++) {
		int32_t o = q * QW_MR + i, e = nq > 1 ? o : 0;
		uint8_t *yo = y + (ptrdiff_t)o * oh * ow;

		qcc_rt_requant_row_q8(s + (ptrdiff_t)i * 4 * b->npr, k,
		                      4 * b->npr, mult[e], shift[e], zy, lo, hi);
		for (tyl = 0; tyl < b->nty; tyl++)
			for (r = 0; r < 2; r++) {
				int32_t oy = 2 * (b->ty0 + tyl) + r;
				uint8_t *row = yo + (ptrdiff_t)oy * ow;
				const uint8_t *k0 = k + (2 * r) * b->npr + tyl * b->ntw;
				const uint8_t *k1 = k0 + b->npr;

				if (oy >= oh)
					break;
				for (tx = 0; tx < ow / 2; tx++) {
					row[2 * tx] = k0[tx];
					row[2 * tx + 1] = k1[tx];
				}
				for (cl = 0; cl < ow % 2; cl++)
					row[ow - 1] = k0[ow / 2];
			}
	}
}

QCC_RT_API QW_TARGET void
qcc_rt_conv2d_wino_avx2_q8(QCC_RT_QG_ARGS)
{
	uint32_t v[QW_V];
	int32_t s[QW_MR * 4 * QW_TB];
	struct qw_blk b;
	int32_t nty, n, cg, q, p0, i, nty_max, tyn = (oh + 1) / 2;
	int32_t npan = (m + QW_MR - 1) / QW_MR;

	(void)kh; (void)kw; (void)sh; (void)sw; (void)dh; (void)dw;
	b.c = c; b.h = h; b.wd = wd; b.pt = pt; b.pl = pl; b.zx = zx;
	b.ng = (c + 1) / 2;
	b.ntw = (ow + 1) / 2;
	for (nty_max = 1; nty_max < tyn; nty_max++) {
		int32_t np = ((nty_max + 1) * b.ntw + 15) / 16 * 16;

		if (np > QW_TB || (int64_t)16 * b.ng * np > QW_V)
			break;
	}
	for (n = 0; n < nb; n++) {
		b.x = x + (ptrdiff_t)n * c * h * wd;
		for (b.ty0 = 0; b.ty0 < tyn; b.ty0 += nty) {
			uint8_t *yn = y + (ptrdiff_t)n * m * oh * ow;

			nty = tyn - b.ty0 < nty_max ? tyn - b.ty0 : nty_max;
			b.nty = nty;
			b.nt = nty * b.ntw;
			b.npr = (b.nt + 15) / 16 * 16;
			for (cg = 0; cg < b.ng; cg++)
				qw_input(&b, v, cg);
			for (q = 0; q < npan; q++) {
				int32_t b0[QW_MR];

				for (i = 0; i < QW_MR; i++)
					b0[i] = bias && q * QW_MR + i < m
					                ? bias[q * QW_MR + i] : 0;
				for (p0 = 0; p0 < b.npr; p0 += 16)
					qw_tiles(&b, wp + (ptrdiff_t)q * 16 * b.ng * QW_MR,
					         v, p0, b0, s);
				qw_store(&b, s, yn, q, m, oh, ow, mult, shift, nq, zy,
				         lo, hi);
			}
		}
	}
}
#endif
