/* qconv_dw_avx2.c -- integer depthwise convolution (group == c == m) on u8
 * codes with AVX2 (pmaddwd), for x86 targets without AVX512-VNNI.
 *
 * Each channel's plane is done in bands of output rows, as qconv_dw.c
 * does, but the band's input is copied as 32-bit words that pair two
 * window rows: word W[y][x] holds the padded codes P[y][x] (low half) and
 * P[y + dh][x] (high half) as int16, zx (the code of real zero; fold-shift
 * put -zx * sum w in the bias) outside the image.  Window rows 2g and
 * 2g + 1 of output (oy, ox) at window column kx are then one word,
 * W[oy*sh + 2g*dh][ox*sw + kx*dw], and one pmaddwd with the weight word
 * (w[2g][kx], w[2g+1][kx]) (0 for the high half past the last row) adds
 * both products exactly (|sum| < 2^16).  The words are split by stride
 * phase like qconv_dw.c's codes: sub-plane (a, b) holds W[i*sh + a][j*sw
 * + b] in rows of q words, so pair (g, kx) of output (oy, ox) reads
 * sub-plane (2g*dh % sh, kx*dw % sw) at row oy + 2g*dh/sh, column ox +
 * kx*dw/sw: one offset for the whole band, whose outputs at pitch q are
 * one flat run done in tiles of QA_T consecutive outputs, QA_T/8 vectors
 * of eight int32 sums (the columns ox >= ow are computed and dropped).
 * The sums are rescaled in registers by the rule of qelt.c in the form of
 * qrow.c (shift >= 32; smaller shifts store the sums and call
 * qcc_rt_requant_row_q8), packed to codes in a flat row, whose rows of
 * ow are then copied into y.  Integer sums do not depend on their order:
 * the results equal qcc_rt_conv2d_q8's (and qcc_rt_conv2d_dw_q8's) bit
 * for bit.  Shapes whose band of one output row does not fit the buffers,
 * or with more than QA_MAXW weight words, go to qcc_rt_conv2d_dw_q8.
 * x86-64 with clang or gcc 12 on; the lowering calls it only for targets
 * with AVX2 and without AVX512-VNNI, and the C backend never does.
 */
#include "../qcc_rt.h"

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 12)
typedef uint8_t qa_u8x8 __attribute__((vector_size(8)));
typedef uint8_t qa_u8x16 __attribute__((vector_size(16)));
typedef uint8_t qa_u8x32 __attribute__((vector_size(32)));
typedef short qa_v8hi __attribute__((vector_size(16)));
typedef short qa_v16hi __attribute__((vector_size(32)));
typedef int32_t qa_v8si __attribute__((vector_size(32)));
typedef long long qa_v4di __attribute__((vector_size(32)));
typedef unsigned long long qa_v4du __attribute__((vector_size(32)));
typedef uint8_t qa_u8x8_u __attribute__((vector_size(8), aligned(1),
                                         may_alias));
typedef uint8_t qa_u8x16_u __attribute__((vector_size(16), aligned(1),
                                          may_alias));
typedef int32_t qa_v8si_u __attribute__((vector_size(32), aligned(4),
                                         may_alias));
typedef short qa_v16hi_u __attribute__((vector_size(32), aligned(1),
                                        may_alias));
typedef uint8_t qa_u8x32_u __attribute__((vector_size(32), aligned(1),
                                          may_alias));

#define QA_TARGET __attribute__((target("avx2")))

/* No vectorizing across tiles (each tile is vectors already). */
#if defined(__clang__)
#define QA_TILE_LOOP \
	_Pragma("clang loop vectorize(disable) interleave(disable)")
#else
#define QA_TILE_LOOP
#endif

enum {
	QA_T = 32,        /* outputs per tile: four vectors */
	QA_BUF = 6144,    /* words of the band's sub-planes */
	QA_TBUF = 2048,   /* flat outputs per band */
	QA_MAXW = 32,     /* weight words (ceil(kh/2) * kw) at most */
	QA_ZR = 4160      /* zx codes standing for rows outside the image */
};

struct qa_geom {
	int32_t h, wd, oh, ow, kw, sh, sw, dh, dw, pt, pl;
	int32_t kp;       /* window row pairs, ceil(kh/2) */
	int32_t q, rext;  /* sub-plane pitch, rows past a band's last */
};

/* Words per sub-plane for a band of nr output rows: the rows, then the
 * slack the last tile and the fill's blocks write and read past them. */
static ptrdiff_t
qa_sub_size(const struct qa_geom *g, int32_t nr)
{
	return (ptrdiff_t)(nr + g->rext) * g->q + (g->kw - 1) * g->dw / g->sw +
	       QA_T;
}

/* Output rows per band that fit the buffers (0: none). */
static int32_t
qa_band_rows(const struct qa_geom *g)
{
	int32_t nr = (QA_TBUF - QA_T) / g->q;

	nr = nr < g->oh ? nr : g->oh;
	while (nr > 0 &&
	       (ptrdiff_t)g->sh * g->sw * qa_sub_size(g, nr) > QA_BUF)
		nr--;
	return nr;
}

/* Sixteen codes from r at col, stride sw (1 or 2, a constant where the
 * caller passes one), as int16. */
QA_TARGET QCC_RT_INLINE qa_v16hi
qa_codes16(const uint8_t *r, ptrdiff_t col, int32_t sw)
{
	if (sw == 1)
		return __builtin_convertvector(*(const qa_u8x16_u *)(r + col),
		                               qa_v16hi);
	return *(const qa_v16hi_u *)(r + col) &
	       ((qa_v16hi){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} +
	        0xff);
}

/* Words [jlo, jhi) of W row d from the code rows s0 (low halves) and s1
 * (high halves) at columns col + j*sw, sw a constant where the caller
 * passes one; blk: whether reading 16*sw codes past the last column is
 * safe.  Blocks of sixteen words run past jhi into the right padding and
 * the next rows' left padding, which zx pairs then put back (the next
 * rows' own words are written after them; past the last row is the
 * slack). */
QA_TARGET QCC_RT_INLINE void
qa_fill_row(int32_t *d, const uint8_t *s0, const uint8_t *s1, ptrdiff_t col,
            int32_t jlo, int32_t jhi, int32_t sw, int blk, qa_v8si zv)
{
	int32_t j = jlo;

	if (blk) {
		QA_TILE_LOOP
		for (; j < jhi; j += 16) {
			qa_v16hi lo = qa_codes16(s0, col + (ptrdiff_t)j * sw, sw);
			qa_v16hi hi = qa_codes16(s1, col + (ptrdiff_t)j * sw, sw);

			*(qa_v16hi_u *)(d + j) = __builtin_shufflevector(lo, hi, 0,
			        16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
			*(qa_v16hi_u *)(d + j + 8) = __builtin_shufflevector(lo, hi,
			        8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30,
			        15, 31);
		}
		*(qa_v8si_u *)(d + jhi) = zv;
		*(qa_v8si_u *)(d + jhi + 8) = zv;
		return;
	}
	for (; j < jhi; j++) {
		ptrdiff_t cj = col + (ptrdiff_t)j * sw;

		d[j] = (int32_t)((uint32_t)s0[cj] | (uint32_t)s1[cj] << 16);
	}
}

/* W row d, whose low halves come from image row r of x or zr outside
 * the image, high halves likewise from row r + dh; blocks when both rows
 * have 16*sw codes readable past any column (rows below rsafe, and
 * zr). */
QA_TARGET QCC_RT_INLINE void
qa_fill_edge(const struct qa_geom *g, int32_t *d, const uint8_t *x,
             int32_t r, const uint8_t *zr, ptrdiff_t col, int32_t jlo,
             int32_t jhi, int32_t sw, int32_t rsafe, qa_v8si zv)
{
	int32_t r1 = r + g->dh;
	int in0 = r >= 0 && r < g->h, in1 = r1 >= 0 && r1 < g->h;

	qa_fill_row(d, in0 ? x + (ptrdiff_t)r * g->wd : zr,
	            in1 ? x + (ptrdiff_t)r1 * g->wd : zr, col, jlo, jhi, sw,
	            sw <= 2 && (!in0 || r < rsafe) && (!in1 || r1 < rsafe),
	            zv);
}

/* The sub-planes the taps read of the band of nr output rows from oy0
 * of plane x into buf (sub-plane size ss), sw a constant where the
 * caller passes one: row k of sub-plane (a, b) is W[(oy0 + k)*sh +
 * a][j*sw + b], j < q, of which only the image columns are written (the
 * padding columns keep the zx pairs written once).  xn: codes from x to
 * the end of the tensor; rows outside the image read zr (zx codes). */
QA_TARGET QCC_RT_INLINE void
qa_fill(const struct qa_geom *g, const uint8_t *x, ptrdiff_t xn,
        const uint8_t *zr, int32_t *buf, ptrdiff_t ss, const uint8_t *need,
        int32_t oy0, int32_t nr, int32_t sw, int32_t zz)
{
	int32_t a, b, k, rows = nr + g->rext, h = g->h;
	/* image rows [0, rsafe) have 16*sw codes readable past any column */
	ptrdiff_t over = xn - (ptrdiff_t)(g->q + 16) * sw;
	int32_t rsafe = over < 0 ? 0 : over / g->wd + 1 < h ?
	                (int32_t)(over / g->wd + 1) : h;
	qa_v8si zv = (qa_v8si){0, 0, 0, 0, 0, 0, 0, 0} + zz;

	for (a = 0; a < g->sh; a++)
		for (b = 0; b < sw; b++) {
			int32_t *sub = buf + (ptrdiff_t)(a * sw + b) * ss;
			/* columns j with 0 <= j*sw + b - pl < wd */
			int32_t lo = g->pl - b > 0 ? (g->pl - b + sw - 1) / sw : 0;
			int32_t hi = (g->wd + g->pl - b + sw - 1) / sw;
			int32_t r0 = oy0 * g->sh + a - g->pt;
			/* rows [ka, kb) read two image rows with blocks */
			int32_t ka = r0 >= 0 ? 0 : (-r0 + g->sh - 1) / g->sh;
			int32_t top = (rsafe < h ? rsafe : h) - g->dh - r0;
			int32_t kb = top <= 0 ? 0 : (top + g->sh - 1) / g->sh;

			if (!need[a * sw + b])
				continue;
			hi = hi < g->q ? hi : g->q;
			lo = lo < hi ? lo : hi;
			kb = sw > 2 ? 0 : kb < rows ? kb : rows;
			ka = ka < kb ? ka : kb;
			QA_TILE_LOOP
			for (k = 0; k < rows; k++) {
				if (k == ka && ka < kb) {
					const uint8_t *x0 = x + (ptrdiff_t)(r0 + k * g->sh) *
					                    g->wd;

					QA_TILE_LOOP
					for (; k < kb; k++, x0 += g->sh * g->wd)
						qa_fill_row(sub + (ptrdiff_t)k * g->q, x0,
						            x0 + g->dh * g->wd, b - g->pl, lo, hi,
						            sw, 1, zv);
					if (k == rows)
						break;
				}
				qa_fill_edge(g, sub + (ptrdiff_t)k * g->q, x,
				             r0 + k * g->sh, zr, b - g->pl, lo, hi, sw,
				             rsafe, zv);
			}
		}
}

/* max(v, lo) and min(v, hi) code by code. */
QA_TARGET QCC_RT_INLINE qa_u8x32
qa_clamp(qa_u8x32 v, qa_u8x32 lo, qa_u8x32 hi)
{
	qa_u8x32 m = (qa_u8x32)(v < lo);

	v = (v & ~m) | (lo & m);
	m = (qa_u8x32)(v > hi);
	return (v & ~m) | (hi & m);
}

/* Eight sums rescaled by the rule of qelt.c for shift >= 33, less zy:
 * with T = (acc * mult) >> 32, the high halves of vpmuldq's even and odd
 * products (|T| < 2^30), and k = shift - 33, the rule's result plus zy
 * is ((T >> k) + 1 + 2*zy) >> 1, as qrow.c argues for >> 31 (2^(shift-1)
 * is a multiple of 2^32).  r1 is 1 + 2*zy. */
QA_TARGET QCC_RT_INLINE qa_v8si
qa_rescale(qa_v8si acc, qa_v8si m, int32_t k, qa_v8si r1)
{
	qa_v8si e = (qa_v8si)__builtin_ia32_pmuldq256(acc, m);
	qa_v8si o = (qa_v8si)__builtin_ia32_pmuldq256(
	        (qa_v8si)((qa_v4du)acc >> 32), m);
	qa_v8si t = __builtin_shufflevector(e, o, 1, 9, 3, 11, 5, 13, 7, 15);

	return ((t >> k) + r1) >> 1;
}

/* Flat outputs [0, n) of the band in buf (rounded up to a tile): codes
 * into u when shift >= 33, else the sums into t; nw (the weight words)
 * a constant where the caller passes one.  The packs saturate the
 * results to [0, 255] in order, so clamping the codes to [lo, hi] after
 * them is the rule's clamp. */
QA_TARGET QCC_RT_INLINE void
qa_run(const int32_t *buf, const int32_t *wp, const ptrdiff_t *off,
       uint8_t *u, int32_t *t, int32_t n, int32_t nw, int32_t bv,
       int32_t mult, int32_t shift, int32_t zy, int32_t lo, int32_t hi)
{
	qa_v8si z = (qa_v8si){0, 0, 0, 0, 0, 0, 0, 0};
	qa_v8si mv = z + mult, r1 = z + (1 + 2 * zy);
	qa_v8si perm = (qa_v8si){0, 4, 1, 5, 2, 6, 3, 7};
	qa_u8x32 lov = (qa_u8x32)(z + (int32_t)((uint32_t)lo * 0x01010101u));
	qa_u8x32 hiv = (qa_u8x32)(z + (int32_t)((uint32_t)hi * 0x01010101u));
	int32_t f0, k, j, big = shift >= 33;

	QA_TILE_LOOP
	for (f0 = 0; f0 < n; f0 += QA_T) {
		qa_v8si acc[QA_T / 8];

#pragma GCC unroll 4
		for (j = 0; j < QA_T / 8; j++)
			acc[j] = z + bv;
#pragma GCC unroll 32
		for (k = 0; k < nw; k++) {
			const int32_t *p = buf + off[k] + f0;
			qa_v16hi wv = (qa_v16hi)(z + wp[k]);

#pragma GCC unroll 4
			for (j = 0; j < QA_T / 8; j++)
				acc[j] += __builtin_ia32_pmaddwd256(
				        (qa_v16hi)*(const qa_v8si_u *)(p + 8 * j), wv);
		}
		if (big) {
			qa_v8si r[QA_T / 8];
			qa_v16hi p01, p23;

#pragma GCC unroll 4
			for (j = 0; j < QA_T / 8; j++)
				r[j] = qa_rescale(acc[j], mv, shift - 33, r1);
			p01 = __builtin_ia32_packssdw256(r[0], r[1]);
			p23 = __builtin_ia32_packssdw256(r[2], r[3]);
			*(qa_u8x32_u *)(u + f0) = qa_clamp((qa_u8x32)
			        __builtin_ia32_permvarsi256((qa_v8si)
			                __builtin_ia32_packuswb256(p01, p23), perm),
			        lov, hiv);
		} else {
#pragma GCC unroll 4
			for (j = 0; j < QA_T / 8; j++)
				*(qa_v8si_u *)(t + f0 + 8 * j) = acc[j];
		}
	}
}

/* y rows [0, nr) of width ow = u rows at pitch q; ny is the size of y
 * from there to the end of the tensor.  Copies go 16 codes at a time
 * while y has room (each row's excess is overwritten by the next). */
QA_TARGET QCC_RT_INLINE void
qa_rows(const uint8_t *u, int32_t q, uint8_t *y, int32_t nr, int32_t ow,
        ptrdiff_t ny)
{
	int32_t k, i;

	QA_TILE_LOOP
	for (k = 0; k < nr; k++) {
		const uint8_t *uk = u + (ptrdiff_t)k * q;
		uint8_t *yk = y + (ptrdiff_t)k * ow;

		i = 0;
		QA_TILE_LOOP
		for (; i < ow && (ptrdiff_t)k * ow + i + 16 <= ny; i += 16)
			*(qa_u8x16_u *)(yk + i) = *(const qa_u8x16_u *)(uk + i);
		for (; i < ow; i++)
			yk[i] = uk[i];
	}
}

/* Channel ch's weight words: (w[2g][kx], w[2g+1][kx]) in 16-bit halves,
 * 0 past the last row. */
static void
qa_weights(const struct qa_geom *g, int32_t *wp, const int8_t *wc,
           int32_t kh)
{
	int32_t gp, s;

	for (gp = 0; gp < g->kp; gp++)
		for (s = 0; s < g->kw; s++) {
			int32_t w0 = wc[2 * gp * g->kw + s];
			int32_t w1 = 2 * gp + 1 < kh ? wc[(2 * gp + 1) * g->kw + s] : 0;

			wp[gp * g->kw + s] = (int32_t)((uint32_t)(uint16_t)w0 |
			                               (uint32_t)(uint16_t)w1 << 16);
		}
}

/* The buffers and per-call constants of qa_conv: two band buffers and
 * two rows of codes, so that no band is read right after it was written
 * (loads of words stored just before at other offsets than they were
 * stored would wait for the stores to reach the cache). */
struct qa_work {
	int32_t buf[2][QA_BUF], t[QA_TBUF], wp[QA_MAXW];
	ptrdiff_t off[QA_MAXW], ss;
	uint8_t u[2][QA_TBUF + 16], zr[QA_ZR], need[64];
	int32_t zz, nrb, nb, c, kh, nq, zy, lo, hi;
	int32_t xdiv;     /* output planes per input plane: 1, or c */
	ptrdiff_t held[2];  /* the input band in buf[i]: plane*oh + oy0 */
	const int32_t *bias, *mult, *shift;
};

/* A band: plane pc (image pc / c, channel pc % c), output rows from oy0. */
struct qa_job {
	ptrdiff_t pc;
	int32_t oy0, nr;
};

/* The band after j (nr 0 past the last plane): plane by plane, or with
 * one input plane (xdiv c) band by band, the c planes of a band in a row
 * (they read the same input rows). */
static struct qa_job
qa_next(const struct qa_geom *g, const struct qa_work *k, struct qa_job j)
{
	if (k->xdiv > 1 && (j.pc + 1) % k->c) {
		j.pc++;
		return j;
	}
	if (k->xdiv > 1)
		j.pc -= k->c - 1;
	j.oy0 += j.nr;
	if (j.oy0 >= g->oh) {
		j.oy0 = 0;
		j.pc += k->xdiv > 1 ? k->c : 1;
	}
	j.nr = j.pc < (ptrdiff_t)k->nb * k->c ?
	       (g->oh - j.oy0 < k->nrb ? g->oh - j.oy0 : k->nrb) : 0;
	return j;
}

/* Band j's codes in u into its rows of y.  Copies may run past its rows
 * up to the end of y (plane by plane, the bands after it are written
 * later) or of its plane (band by band, the next plane's first rows may
 * be written already). */
QA_TARGET QCC_RT_INLINE void
qa_out(const struct qa_geom *g, const struct qa_work *k, const uint8_t *u,
       uint8_t *y, const struct qa_job *j)
{
	ptrdiff_t ohw = (ptrdiff_t)g->oh * g->ow;
	ptrdiff_t at = j->pc * ohw + (ptrdiff_t)j->oy0 * g->ow;
	ptrdiff_t end = k->xdiv > 1 ? (j->pc + 1) * ohw
	                            : (ptrdiff_t)k->nb * k->c * ohw;

	qa_rows(u, g->q, y + at, j->nr, g->ow, end - at);
}

/* Band j from buf into u, nw a constant where the caller passes one. */
QA_TARGET QCC_RT_INLINE void
qa_compute_nw(const struct qa_geom *g, struct qa_work *k, const int8_t *w,
              const int32_t *buf, uint8_t *u, const struct qa_job *j,
              int32_t nw)
{
	int32_t ch = (int32_t)(j->pc % k->c), qi = k->nq > 1 ? ch : 0;
	int32_t n = j->nr * g->q, m = k->mult[qi], sf = k->shift[qi];

	qa_weights(g, k->wp, w + (ptrdiff_t)ch * k->kh * g->kw, k->kh);
	qa_run(buf, k->wp, k->off, u, k->t, n, nw, k->bias ? k->bias[ch] : 0,
	       m, sf, k->zy, k->lo, k->hi);
	if (sf < 33)
		qcc_rt_requant_row_q8(k->t, u, n, m, sf, k->zy, k->lo, k->hi);
}

/* qa_compute_nw for the window sizes of the models (3x3, 5x5) and
 * others: one copy of each, whatever the stride (their tiles do not
 * depend on it). */
QA_TARGET __attribute__((noinline)) static void
qa_compute(const struct qa_geom *g, struct qa_work *k, const int8_t *w,
           const int32_t *buf, uint8_t *u, const struct qa_job *j)
{
	int32_t nw = g->kp * g->kw;

	if (nw == 6)
		qa_compute_nw(g, k, w, buf, u, j, 6);
	else if (nw == 15)
		qa_compute_nw(g, k, w, buf, u, j, 15);
	else
		qa_compute_nw(g, k, w, buf, u, j, nw);
}

/* qa_fill for band j of x into buf, strides 1 and 2 apart. */
QA_TARGET __attribute__((noinline)) static void
qa_fill_job(const struct qa_geom *g, const struct qa_work *k,
            const uint8_t *x, int32_t *buf, const struct qa_job *j)
{
	ptrdiff_t hw = (ptrdiff_t)g->h * g->wd;
	ptrdiff_t px = j->pc / k->xdiv;
	const uint8_t *xc = x + px * hw;
	ptrdiff_t xn = ((ptrdiff_t)k->nb * k->c / k->xdiv - px) * hw;

	if (g->sw == 1)
		qa_fill(g, xc, xn, k->zr, buf, k->ss, k->need, j->oy0, j->nr, 1,
		        k->zz);
	else if (g->sw == 2)
		qa_fill(g, xc, xn, k->zr, buf, k->ss, k->need, j->oy0, j->nr, 2,
		        k->zz);
	else
		qa_fill(g, xc, xn, k->zr, buf, k->ss, k->need, j->oy0, j->nr,
		        g->sw, k->zz);
}

/* Every band: per band b, fill b + 1, compute b, copy out b - 1. */
QA_TARGET static void
qa_loop(const struct qa_geom *g, struct qa_work *k, const uint8_t *x,
        const int8_t *w, uint8_t *y)
{
	struct qa_job cur = {0, 0, 0}, prev = {0, 0, 0}, nx;
	int32_t b = 0;

	cur.nr = g->oh < k->nrb ? g->oh : k->nrb;
	k->held[1] = -1;
	k->held[0] = 0;
	qa_fill_job(g, k, x, k->buf[0], &cur);
	for (; cur.nr > 0; cur = nx, b ^= 1) {
		ptrdiff_t key;

		nx = qa_next(g, k, cur);
		key = nx.pc / k->xdiv * g->oh + nx.oy0;
		if (nx.nr > 0 && k->held[b ^ 1] != key) {
			qa_fill_job(g, k, x, k->buf[b ^ 1], &nx);
			k->held[b ^ 1] = key;
		}
		qa_compute(g, k, w, k->buf[b], k->u[b], &cur);
		if (prev.nr > 0)
			qa_out(g, k, k->u[b ^ 1], y, &prev);
		prev = cur;
	}
	qa_out(g, k, k->u[b ^ 1], y, &prev);
}

/* k's weight offsets, the sub-planes they read and the zx words. */
static void
qa_setup(const struct qa_geom *g, struct qa_work *k, int32_t nrb,
         int32_t zx)
{
	int32_t gp, s, i, sw = g->sw;

	k->ss = qa_sub_size(g, nrb);
	k->zz = (int32_t)((uint32_t)(uint16_t)zx * 0x10001u);
	for (i = 0; i < g->sh * sw * k->ss; i++)
		k->buf[0][i] = k->buf[1][i] = k->zz;
	for (i = 0; i < QA_ZR; i++)
		k->zr[i] = (uint8_t)zx;
	for (i = 0; i < g->sh * sw; i++)
		k->need[i] = 0;
	for (gp = 0; gp < g->kp; gp++)
		for (s = 0; s < g->kw; s++) {
			int32_t a = 2 * gp * g->dh, e = s * g->dw;
			int32_t sub = a % g->sh * sw + e % sw;

			k->need[sub] = 1;
			k->off[gp * g->kw + s] = (ptrdiff_t)sub * k->ss +
			                         (ptrdiff_t)(a / g->sh) * g->q + e / sw;
		}
}

QA_TARGET static void
qa_conv(const uint8_t *restrict x, const int8_t *restrict w,
        const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
        int32_t c, int32_t kh, const struct qa_geom *g, int32_t nrb,
        int32_t zx, const int32_t *mult, const int32_t *shift, int32_t nq,
        int32_t zy, int32_t lo, int32_t hi, int32_t xdiv)
{
	struct qa_work k;

	qa_setup(g, &k, nrb, zx);
	k.nrb = nrb;
	k.nb = nb;
	k.c = c;
	k.kh = kh;
	k.nq = nq;
	k.zy = zy;
	k.lo = lo;
	k.hi = hi;
	k.bias = bias;
	k.mult = mult;
	k.shift = shift;
	k.xdiv = xdiv;
	qa_loop(g, &k, x, w, y);
}

/* The depthwise convolution (xdiv 1) or the convolution of one input
 * channel into c (xdiv c), whose output plane pc reads input plane
 * pc / xdiv; shapes the buffers do not take go to qcc_rt_conv2d_dw_q8 or
 * qcc_rt_conv2d_q8. */
static void
qa_entry(const uint8_t *restrict x, const int8_t *restrict w,
         const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
         int32_t c, int32_t h, int32_t wd, int32_t oh, int32_t ow,
         int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
         int32_t dw, int32_t pt, int32_t pl, int32_t ph, int32_t pw,
         int32_t zx, const int32_t *mult, const int32_t *shift, int32_t nq,
         int32_t zy, int32_t lo, int32_t hi, int32_t xdiv)
{
	struct qa_geom g;
	int32_t nrb = 0;

	g.h = h;
	g.wd = wd;
	g.oh = oh;
	g.ow = ow;
	g.kw = kw;
	g.sh = sh;
	g.sw = sw;
	g.dh = dh;
	g.dw = dw;
	g.pt = pt;
	g.pl = pl;
	g.kp = (kh + 1) / 2;
	/* the padded width the taps reach, in sub-plane columns */
	g.q = ((ow - 1) * sw + (kw - 1) * dw + 1 + sw - 1) / sw;
	g.rext = 2 * (g.kp - 1) * dh / sh;
	if (g.kp * kw <= QA_MAXW && sh * sw <= 64 &&
	    (int64_t)sw * (g.q + 16) <= QA_ZR)
		nrb = qa_band_rows(&g);
	if (nrb > 0)
		qa_conv(x, w, bias, y, nb, c, kh, &g, nrb, zx, mult, shift, nq,
		        zy, lo, hi, xdiv);
	else if (xdiv == 1)
		qcc_rt_conv2d_dw_q8(x, w, bias, y, nb, c, h, wd, oh, ow, kh, kw,
		                    sh, sw, dh, dw, pt, pl, ph, pw, zx, mult,
		                    shift, nq, zy, lo, hi);
	else
		qcc_rt_conv2d_q8(x, w, bias, y, nb, 1, h, wd, c, oh, ow, kh, kw,
		                 sh, sw, dh, dw, pt, pl, 1, zx, mult, shift, nq, zy,
		                 lo, hi);
}

#define QA_ARGS                                                               \
	const uint8_t *restrict x, const int8_t *restrict w,                  \
	const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,        \
	int32_t c, int32_t h, int32_t wd, int32_t oh, int32_t ow, int32_t kh, \
	int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,           \
	int32_t pt, int32_t pl, int32_t ph, int32_t pw, int32_t zx,           \
	const int32_t *mult, const int32_t *shift, int32_t nq, int32_t zy,    \
	int32_t lo, int32_t hi
#define QA_PASS                                                               \
	x, w, bias, y, nb, c, h, wd, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl,   \
	ph, pw, zx, mult, shift, nq, zy, lo, hi

QCC_RT_API void
qcc_rt_conv2d_dw_avx2_q8(QA_ARGS)
{
	qa_entry(QA_PASS, 1);
}

QCC_RT_API void
qcc_rt_conv2d_c1_avx2_q8(QA_ARGS)
{
	qa_entry(QA_PASS, c);
}
#endif
