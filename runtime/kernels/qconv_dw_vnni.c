/* qconv_dw_vnni.c -- integer depthwise convolution (group == c == m) on u8
 * codes with AVX512-VNNI, for strides 1 or 2 and no column dilation.
 *
 * Each channel's plane is done in bands of output rows.  The input rows a
 * band reads are copied into a u8 buffer padded with zx, the code of real
 * zero (fold-shift put -zx * sum w in the bias, so padding taps add
 * exactly what qcc_rt_conv2d_q8's do), rows of pitch pp split by row
 * phase: plane a holds the padded rows (oy0 + i)*sh + a.  With q = pp/sw,
 * output (oy, ox) of the band is "flat" output f = oy*q + ox, and its tap
 * (ky, kx) is byte sw*f + (ky*dh/sh)*pp + kx of plane ky*dh % sh: the
 * band's outputs at pitch q are one flat run (the columns ox >= ow are
 * computed and dropped).  Four taps kx = 4g .. 4g+3 of a flat output are
 * four consecutive bytes, so one 32-bit lane of an unaligned load is the
 * four codes vpdpbusd multiplies by the weight word of (ky, g): loads at
 * byte offsets sw*f0 + sw*r give 16 outputs f0 + (4/sw)*i + r, i < 16,
 * in accumulator r (r < 4/sw): 64 outputs (sw 1) or 32 (sw 2) per tile,
 * each vpdpbusd adding four u8 x i8 products to an int32 lane exactly.
 * The accumulators are rescaled in registers by the rule of qelt.c
 * (64-bit lanes), interleaved back into flat order and stored in a flat
 * row of codes, whose rows of ow are then copied into y.  Integer sums do
 * not depend on their order: the results equal qcc_rt_conv2d_q8's (and
 * qcc_rt_conv2d_dw_q8's) bit for bit.
 *
 * Band k + 1 is copied in before band k is computed, and band k - 1's
 * codes are copied out after it, each in the other of two buffers:
 * reading bytes stored just before at other offsets than they were stored
 * would wait for the stores to reach the cache.  Other shapes (strides
 * above 2, column dilation, windows over 8 columns, bands of one row that
 * do not fit) go to qcc_rt_conv2d_dw_q8.  x86-64 with clang
 * only; the lowering calls it only for targets with AVX512-VNNI (which
 * all have AVX512-BW), and the C backend never does.
 */
#include "../qcc_rt.h"

#if defined(__x86_64__) && defined(__clang__)
typedef char qv_i8x64 __attribute__((vector_size(64)));
typedef uint8_t qv_u8x32 __attribute__((vector_size(32)));
typedef uint8_t qv_u8x64 __attribute__((vector_size(64)));
typedef uint16_t qv_u16x16 __attribute__((vector_size(32)));
typedef int64_t qv_v8di __attribute__((vector_size(64)));
typedef int32_t qv_v16si __attribute__((vector_size(64)));
typedef int32_t qv_v16si_u __attribute__((vector_size(64), aligned(1),
                                          may_alias));
typedef uint8_t qv_u8x64_u __attribute__((vector_size(64), aligned(1),
                                          may_alias));
typedef uint8_t qv_u8x32_u __attribute__((vector_size(32), aligned(1),
                                          may_alias));

#define QV_TARGET \
	__attribute__((target("avx512f,avx512bw,avx512vnni")))

enum {
	QV_PBUF = 16384,  /* padded bytes per band */
	QV_UBUF = 4096,   /* flat outputs per band */
	QV_SLACK = 256,   /* bytes past a band's planes that tiles read */
	QV_MAXW = 32,     /* weight words (kh * ceil(kw/4)) at most */
	QV_WBUF = 8192    /* weight words of all channels at most */
};

struct qv_geom {
	int32_t c, h, wd, oh, ow, kh, kw, sh, sw, dh, pt, pl;
	int32_t kg;       /* weight words per tap row, ceil(kw/4) */
	int32_t pp, q;    /* padded row pitch, flat output pitch pp/sw */
	int32_t nrb;      /* output rows per band */
	int32_t rows;     /* padded rows per plane and band */
	int32_t nband;    /* bands per plane */
	int32_t lo, hi;   /* padded columns holding image codes */
	ptrdiff_t plane;  /* bytes per plane */
};

/* A band: plane pc (image pc / c, channel ch) and band bd of it. */
struct qv_job {
	ptrdiff_t pc;
	int32_t ch, bd;
};

/* The band after j. */
static struct qv_job
qv_next(const struct qv_geom *g, struct qv_job j)
{
	if (++j.bd == g->nband) {
		j.bd = 0;
		j.pc++;
		if (++j.ch == g->c)
			j.ch = 0;
	}
	return j;
}

/* ceil(v / d) for v >= 0 and d = 1 or 2 (the row strides taken). */
static int32_t
qv_cdiv(int32_t v, int32_t d)
{
	return d == 1 ? v : (v + 1) >> 1;
}

/* Bits [0, n) of a 64-lane mask, n clamped to [0, 64]. */
static uint64_t
qv_mask(int32_t n)
{
	return n <= 0 ? 0 : n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

/* n bytes from s to d by masked 64-byte moves. */
QV_TARGET QCC_RT_INLINE void
qv_copy(uint8_t *d, const uint8_t *s, int32_t n)
{
	int32_t i;

	for (i = 0; i < n; i += 64) {
		uint64_t m = qv_mask(n - i);
		qv_i8x64 v = __builtin_ia32_loaddquqi512_mask(
		        (const qv_i8x64 *)(s + i), (qv_i8x64){0}, m);

		__builtin_ia32_storedquqi512_mask((qv_i8x64 *)(d + i), v, m);
	}
}

/* The padded rows of band j into pb: plane a, row i is padded row
 * (oy0 + i)*sh + a.  The padding columns hold the zx the caller wrote;
 * rows outside the image are written zx unless zok (they hold zx from
 * the last band filled into pb, which had the same band number). */
QV_TARGET static void
qv_fill(const struct qv_geom *g, const uint8_t *x, uint8_t *pb,
        const struct qv_job *jb, int32_t zx, int zok)
{
	int32_t oy0 = jb->bd * g->nrb, a, i, j;
	int32_t n = g->hi - g->lo;
	const uint8_t *xc = x + jb->pc * g->h * g->wd + g->lo - g->pl;
	uint64_t mn = qv_mask(n);
	qv_i8x64 z = (qv_i8x64){0} + (char)zx;

	for (a = 0; a < g->sh; a++) {
		uint8_t *d = pb + a * g->plane;
		/* rows i0 .. i1 - 1 are in the image */
		int32_t y0 = oy0 * g->sh + a - g->pt;
		int32_t i0 = y0 >= 0 ? 0 : qv_cdiv(-y0, g->sh);
		int32_t i1 = y0 >= g->h ? 0 : qv_cdiv(g->h - y0, g->sh);
		const uint8_t *src;

		i1 = i1 < g->rows ? i1 : g->rows;
		i0 = i0 < i1 ? i0 : i1;
		for (i = 0; !zok && i < g->rows; i++) {
			if (i == i0)
				i = i1;
			if (i >= g->rows)
				break;
			for (j = 0; j < g->pp; j += 64)
				__builtin_ia32_storedquqi512_mask(
				        (qv_i8x64 *)(d + (ptrdiff_t)i * g->pp + j), z,
				        qv_mask(g->pp - j));
		}
		src = xc + (ptrdiff_t)(y0 + i0 * g->sh) * g->wd;
		d += (ptrdiff_t)i0 * g->pp + g->lo;
		if (n <= 64) {
			for (i = i0; i < i1; i++) {
				__builtin_ia32_storedquqi512_mask((qv_i8x64 *)d,
				        __builtin_ia32_loaddquqi512_mask(
				                (const qv_i8x64 *)src, z, mn), mn);
				src += (ptrdiff_t)g->sh * g->wd;
				d += g->pp;
			}
		} else {
			for (i = i0; i < i1; i++) {
				qv_copy(d, src, n);
				src += (ptrdiff_t)g->sh * g->wd;
				d += g->pp;
			}
		}
	}
}

/* 16 sums rescaled by the rule of qelt.c: the even and odd lanes'
 * products by vpmuldq, rounded and shifted in 64-bit lanes, the low
 * halves put back in lane order and clamped in 32-bit lanes when
 * shift >= 32 (|result| < 2^30 then), else clamped in 64-bit lanes
 * first; the codes stay in 32-bit lanes. */
QV_TARGET QCC_RT_INLINE qv_v16si
qv_rescale(qv_v16si acc, qv_v16si m, qv_v8di rnd, qv_v8di sh, int32_t big,
           int32_t lo, int32_t hi, int32_t zy)
{
	qv_v8di e = __builtin_ia32_pmuldq512(acc, m);
	qv_v8di o = __builtin_ia32_pmuldq512(
	        (qv_v16si)((qv_v8di)acc >> 32), m);
	qv_v16si r;

	e = (e + rnd) >> sh;
	o = (o + rnd) >> sh;
	if (!big) {
		e = __builtin_elementwise_min(
		        __builtin_elementwise_max(e + zy, (qv_v8di){0} + lo),
		        (qv_v8di){0} + hi) - zy;
		o = __builtin_elementwise_min(
		        __builtin_elementwise_max(o + zy, (qv_v8di){0} + lo),
		        (qv_v8di){0} + hi) - zy;
	}
	r = __builtin_shufflevector((qv_v16si)e, (qv_v16si)o, 0, 16, 2, 18, 4,
	                            20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30) +
	    zy;
	return __builtin_elementwise_min(
	        __builtin_elementwise_max(r, (qv_v16si){0} + lo),
	        (qv_v16si){0} + hi);
}

/* The codes of four accumulators r (lane i: output 4i + r, codes in
 * 32-bit lanes) in output order: lane i's bytes are outputs 4i .. 4i+3. */
QV_TARGET QCC_RT_INLINE qv_u8x64
qv_weave4(const qv_v16si *b)
{
	return (qv_u8x64)(b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24);
}

/* Flat outputs [0, n) of the band in pb into u (rounded up to a tile),
 * with sw and nw = kh*kg constants where the caller passes them. */
QV_TARGET QCC_RT_INLINE void
qv_run(const uint8_t *pb, const int32_t *wq,
       const ptrdiff_t *off, uint8_t *u, int32_t n, int32_t sw, int32_t nw,
       int32_t bv, int32_t mult, int32_t shift, int32_t zy, int32_t lo,
       int32_t hi)
{
	qv_v16si ws[QV_MAXW], m = (qv_v16si){0} + mult;
	qv_v8di rnd = (qv_v8di){0} + ((int64_t)1 << (shift - 1));
	qv_v8di s = (qv_v8di){0} + shift;
	int32_t f0, k, r, np = 4 / sw, big = shift >= 32;

	for (k = 0; k < nw; k++)
		ws[k] = (qv_v16si){0} + wq[k];
	for (f0 = 0; f0 < n; f0 += 16 * np) {
		qv_v16si acc[4];
		qv_v16si b[4];

#pragma GCC unroll 4
		for (r = 0; r < np; r++)
			acc[r] = (qv_v16si){0} + bv;
#pragma GCC unroll 16
		for (k = 0; k < nw; k++) {
			const uint8_t *p = pb + off[k] + (ptrdiff_t)sw * f0;

#pragma GCC unroll 4
			for (r = 0; r < np; r++)
				acc[r] = __builtin_ia32_vpdpbusd512(
				        acc[r], *(const qv_v16si_u *)(p + sw * r),
				        ws[k]);
		}
#pragma GCC unroll 4
		for (r = 0; r < np; r++)
			b[r] = qv_rescale(acc[r], m, rnd, s, big, lo, hi, zy);
		if (np == 4) {
			*(qv_u8x64_u *)(u + f0) = qv_weave4(b);
		} else {
			*(qv_u8x32_u *)(u + f0) = (qv_u8x32)__builtin_convertvector(
			        b[0] | b[1] << 8, qv_u16x16);
		}
	}
}

/* Band j's flat codes in u into its rows of y. */
QV_TARGET static void
qv_out(const struct qv_geom *g, const uint8_t *u, uint8_t *y,
       const struct qv_job *jb)
{
	int32_t oy0 = jb->bd * g->nrb, i;
	int32_t nr = g->oh - oy0 < g->nrb ? g->oh - oy0 : g->nrb;
	uint8_t *yb = y + (jb->pc * g->oh + oy0) * g->ow;
	uint64_t mo = qv_mask(g->ow);

	if (g->ow > 64) {
		for (i = 0; i < nr; i++)
			qv_copy(yb + (ptrdiff_t)i * g->ow, u + (ptrdiff_t)i * g->q,
			        g->ow);
		return;
	}
	for (i = 0; i < nr; i++)
		__builtin_ia32_storedquqi512_mask(
		        (qv_i8x64 *)(yb + (ptrdiff_t)i * g->ow),
		        __builtin_ia32_loaddquqi512_mask(
		                (const qv_i8x64 *)(u + (ptrdiff_t)i * g->q),
		                (qv_i8x64){0}, mo), mo);
}

/* Band k from pb into u, with sw a constant where the caller passes one;
 * wq: the weight words of every channel. */
QV_TARGET QCC_RT_INLINE void
qv_band(const struct qv_geom *g, const int32_t *wq, const int32_t *bias,
        const uint8_t *pb, uint8_t *u, const struct qv_job *jb,
        const ptrdiff_t *off, const int32_t *mult, const int32_t *shift,
        int32_t nq, int32_t zy, int32_t lo, int32_t hi, int32_t sw)
{
	int32_t ch = jb->ch, oy0 = jb->bd * g->nrb;
	int32_t nr = g->oh - oy0 < g->nrb ? g->oh - oy0 : g->nrb;
	int32_t nw = g->kh * g->kg, qi = nq > 1 ? ch : 0;
	int32_t bv = bias ? bias[ch] : 0, n = nr * g->q;
	const int32_t *wc = wq + (ptrdiff_t)ch * nw;

	if (nw == 3)
		qv_run(pb, wc, off, u, n, sw, 3, bv, mult[qi], shift[qi], zy, lo,
		       hi);
	else if (nw == 10)
		qv_run(pb, wc, off, u, n, sw, 10, bv, mult[qi], shift[qi], zy,
		       lo, hi);
	else
		qv_run(pb, wc, off, u, n, sw, nw, bv, mult[qi], shift[qi], zy,
		       lo, hi);
}

/* The convolution of images [0, nb), its geometry checked by the caller:
 * per band k, fill k + 1, compute k, copy out k - 1. */
QV_TARGET static void
qv_conv(const uint8_t *restrict x, const int8_t *restrict w,
        const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
        const struct qv_geom *g, int32_t zx, const int32_t *mult,
        const int32_t *shift, int32_t nq, int32_t zy, int32_t lo,
        int32_t hi)
{
	uint8_t pb[2][QV_PBUF], u[2][QV_UBUF];
	int32_t wq[QV_WBUF];
	ptrdiff_t off[QV_MAXW], k, njob = (ptrdiff_t)nb * g->c * g->nband, i;
	int32_t ky, gg, j, nw = g->kh * g->kg, last[2];
	struct qv_job cur = {0, 0, 0}, prev = {0, 0, 0};

	for (i = 0; i < QV_PBUF; i++)
		pb[0][i] = pb[1][i] = (uint8_t)zx;
	for (ky = 0; ky < g->kh; ky++)
		for (gg = 0; gg < g->kg; gg++)
			off[ky * g->kg + gg] = ky * g->dh % g->sh * g->plane +
			                       (ptrdiff_t)(ky * g->dh / g->sh) * g->pp +
			                       4 * gg;
	for (i = 0; i < g->c; i++)
		for (ky = 0; ky < g->kh; ky++)
			for (gg = 0; gg < g->kg; gg++) {
				const int8_t *wr = w + (i * g->kh + ky) * g->kw + 4 * gg;
				uint32_t v = 0;

				for (j = 0; j < 4 && 4 * gg + j < g->kw; j++)
					v |= (uint32_t)(uint8_t)wr[j] << (8 * j);
				wq[i * nw + ky * g->kg + gg] = (int32_t)v;
			}
	/* the buffers start all zx: fit for any band number */
	last[0] = last[1] = -1;
	qv_fill(g, x, pb[0], &cur, zx, 1);
	last[0] = 0;
	for (k = 0; k < njob; k++) {
		struct qv_job nx = qv_next(g, cur);
		int b = (int)((k + 1) & 1);

		if (k + 1 < njob) {
			qv_fill(g, x, pb[b], &nx, zx,
			        last[b] < 0 || last[b] == nx.bd);
			last[b] = nx.bd;
		}
		if (g->sw == 1)
			qv_band(g, wq, bias, pb[k & 1], u[k & 1], &cur, off, mult,
			        shift, nq, zy, lo, hi, 1);
		else
			qv_band(g, wq, bias, pb[k & 1], u[k & 1], &cur, off, mult,
			        shift, nq, zy, lo, hi, 2);
		if (k > 0)
			qv_out(g, u[(k - 1) & 1], y, &prev);
		prev = cur;
		cur = nx;
	}
	qv_out(g, u[(njob - 1) & 1], y, &prev);
}

/* The raw-plane form, for unit strides, no column dilation and ow == wd
 * (planes of at most QR_MAXPIX outputs): output p = oy*ow + ox reads tap
 * (ky, kx) at byte p + (ky*dh - pt)*wd + kx - pl of its plane when the
 * tap is in the image, so the load at byte f0 + r + off[t] of the plane,
 * off[t] = (ky*dh - pt)*wd + 4g - pl for weight word t = ky*kg + g, holds
 * in lane i the taps 4g .. 4g+3 of output f0 + 4i + r, as a band's flat
 * rows do.  The bytes of taps outside the image or past kw, and of
 * outputs past the plane, are masked off the load and keep zx (masked-off
 * bytes are not read: loads may reach before or past the plane).  No
 * band is copied in or out: the codes go straight to y. */
enum {
	QR_MAXPIX = 1024,  /* outputs per plane at most */
	QR_MASKS = 1024    /* load masks (64-output tiles * words * 4) */
};

/* mk[(tile*nw + t)*4 + r] for every 64-output tile: bit 4i + b set iff
 * output f0 + 4i + r < n exists and tap (ky, 4g + b) of it is a tap of
 * the window inside the image. */
static void
qr_masks(uint64_t *mk, int32_t n, int32_t h, int32_t wd, int32_t kh,
         int32_t kw, int32_t kg, int32_t dh, int32_t pt, int32_t pl)
{
	uint64_t col[2][QR_MAXPIX];  /* taps of word g inside, by column */
	int32_t nw = kh * kg, ntile = (n + 63) / 64, p, g, b, ky;

	for (g = 0; g < kg; g++)
		for (p = 0; p < wd; p++) {
			col[g][p] = 0;
			for (b = 0; b < 4; b++) {
				int32_t kx = 4 * g + b, ix = p + kx - pl;

				if (kx < kw && ix >= 0 && ix < wd)
					col[g][p] |= (uint64_t)1 << b;
			}
		}
	for (p = 0; p < ntile * nw * 4; p++)
		mk[p] = 0;
	for (p = 0; p < n; p++) {
		int32_t oy = p / wd, ox = p % wd, i = p % 64 / 4, r = p % 4;
		uint64_t *m = mk + (ptrdiff_t)p / 64 * nw * 4 + r;

		for (ky = 0; ky < kh; ky++) {
			int32_t iy = oy + ky * dh - pt;

			if (iy >= 0 && iy < h)
				for (g = 0; g < kg; g++)
					m[(ky * kg + g) * 4] |= col[g][ox] << 4 * i;
		}
	}
}

/* The raw-plane form on images [0, nb); nw = kh*kg a constant where the
 * caller passes one. */
QV_TARGET QCC_RT_INLINE void
qr_conv(const uint8_t *restrict x, const int32_t *wq, const int32_t *bias,
        uint8_t *restrict y, ptrdiff_t npl, int32_t c, int32_t h, int32_t wd,
        int32_t n, const ptrdiff_t *off, const uint64_t *mk, int32_t nw,
        int32_t zx, const int32_t *mult, const int32_t *shift, int32_t nq,
        int32_t zy, int32_t lo, int32_t hi)
{
	qv_i8x64 z = (qv_i8x64){0} + (char)zx;
	ptrdiff_t pc;
	int32_t f0, t, r;

	for (pc = 0; pc < npl; pc++) {
		int32_t ch = (int32_t)(pc % c), qi = nq > 1 ? ch : 0;
		const uint8_t *xc = x + pc * h * wd;
		uint8_t *yc = y + pc * n;
		qv_v16si ws[QV_MAXW], m = (qv_v16si){0} + mult[qi];
		qv_v8di rnd = (qv_v8di){0} + ((int64_t)1 << (shift[qi] - 1));
		qv_v8di s = (qv_v8di){0} + shift[qi];
		int32_t bv = bias ? bias[ch] : 0, big = shift[qi] >= 32;
		const uint64_t *mt = mk;

		for (t = 0; t < nw; t++)
			ws[t] = (qv_v16si){0} + wq[ch * nw + t];
		for (f0 = 0; f0 < n; f0 += 64) {
			qv_v16si acc[4];
			qv_v16si b[4];

#pragma GCC unroll 4
			for (r = 0; r < 4; r++)
				acc[r] = (qv_v16si){0} + bv;
#pragma GCC unroll 16
			for (t = 0; t < nw; t++, mt += 4) {
				const uint8_t *pt = xc + off[t] + f0;

#pragma GCC unroll 4
				for (r = 0; r < 4; r++)
					acc[r] = __builtin_ia32_vpdpbusd512(acc[r],
					        (qv_v16si)__builtin_ia32_loaddquqi512_mask(
					                (const qv_i8x64 *)(pt + r), z, mt[r]),
					        ws[t]);
			}
#pragma GCC unroll 4
			for (r = 0; r < 4; r++)
				b[r] = qv_rescale(acc[r], m, rnd, s, big, lo, hi, zy);
			__builtin_ia32_storedquqi512_mask((qv_i8x64 *)(yc + f0),
			        (qv_i8x64)qv_weave4(b), qv_mask(n - f0));
		}
	}
}

/* The raw-plane form if the shape takes it (false: nothing written). */
QV_TARGET static int
qr_try(const uint8_t *restrict x, const int8_t *restrict w,
       const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
       int32_t c, int32_t h, int32_t wd, int32_t oh, int32_t ow, int32_t kh,
       int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
       int32_t pt, int32_t pl, int32_t zx, const int32_t *mult,
       const int32_t *shift, int32_t nq, int32_t zy, int32_t lo, int32_t hi)
{
	uint64_t mk[QR_MASKS];
	int32_t wq[QV_WBUF];
	ptrdiff_t off[QV_MAXW];
	int32_t kg = (kw + 3) / 4, nw = kh * kg, n = oh * ow, i, ky, g, j;
	ptrdiff_t npl = (ptrdiff_t)nb * c;

	if (sh != 1 || sw != 1 || dw != 1 || ow != wd || kw > 8 ||
	    n > QR_MAXPIX || nw > QV_MAXW || (int64_t)c * nw > QV_WBUF ||
	    (int64_t)(n + 63) / 64 * nw * 4 > QR_MASKS)
		return 0;
	qr_masks(mk, n, h, wd, kh, kw, kg, dh, pt, pl);
	for (ky = 0; ky < kh; ky++)
		for (g = 0; g < kg; g++)
			off[ky * kg + g] = (ptrdiff_t)(ky * dh - pt) * wd + 4 * g - pl;
	for (i = 0; i < c; i++)
		for (ky = 0; ky < kh; ky++)
			for (g = 0; g < kg; g++) {
				const int8_t *wr = w + (i * kh + ky) * kw + 4 * g;
				uint32_t v = 0;

				for (j = 0; j < 4 && 4 * g + j < kw; j++)
					v |= (uint32_t)(uint8_t)wr[j] << (8 * j);
				wq[i * nw + ky * kg + g] = (int32_t)v;
			}
	if (nw == 3)
		qr_conv(x, wq, bias, y, npl, c, h, wd, n, off, mk, 3, zx, mult,
		        shift, nq, zy, lo, hi);
	else
		qr_conv(x, wq, bias, y, npl, c, h, wd, n, off, mk, nw, zx, mult,
		        shift, nq, zy, lo, hi);
	return 1;
}

/* Output rows per band that fit the buffers (0: none) for geometry g
 * with pp and q set. */
static int32_t
qv_band_rows(const struct qv_geom *g)
{
	int32_t nr = g->oh, tile = 64 / g->sw;

	while (nr > 0 &&
	       ((ptrdiff_t)nr * g->q + tile > QV_UBUF ||
	        (ptrdiff_t)g->sh * (nr + (g->kh - 1) * g->dh / g->sh) *
	                        g->pp + QV_SLACK > QV_PBUF))
		nr--;
	return nr;
}

QCC_RT_API void
qcc_rt_conv2d_dw_vnni_q8(const uint8_t *restrict x, const int8_t *restrict w,
                         const int32_t *restrict bias, uint8_t *restrict y,
                         int32_t nb, int32_t c, int32_t h, int32_t wd,
                         int32_t oh, int32_t ow, int32_t kh, int32_t kw,
                         int32_t sh, int32_t sw, int32_t dh, int32_t dw,
                         int32_t pt, int32_t pl, int32_t ph, int32_t pw,
                         int32_t zx, const int32_t *mult,
                         const int32_t *shift, int32_t nq, int32_t zy,
                         int32_t lo, int32_t hi)
{
	struct qv_geom g;
	int32_t need;

	if (qr_try(x, w, bias, y, nb, c, h, wd, oh, ow, kh, kw, sh, sw, dh, dw,
	           pt, pl, zx, mult, shift, nq, zy, lo, hi))
		return;
	g.c = c; g.h = h; g.wd = wd; g.oh = oh; g.ow = ow; g.kh = kh;
	g.kw = kw; g.sh = sh; g.sw = sw; g.dh = dh; g.pt = pt; g.pl = pl;
	g.kg = (kw + 3) / 4;
	/* the padded columns the taps read, rounded up to a multiple of sw */
	need = (ow - 1) * sw + kw;
	g.pp = (need + sw - 1) / sw * sw;
	g.q = g.pp / sw;
	g.nrb = 0;
	if ((sw == 1 || sw == 2) && dw == 1 && kw <= 8 && sh <= 2 &&
	    kh * g.kg <= QV_MAXW && (int64_t)c * kh * g.kg <= QV_WBUF)
		g.nrb = qv_band_rows(&g);
	if (g.nrb <= 0) {
		qcc_rt_conv2d_dw_q8(x, w, bias, y, nb, c, h, wd, oh, ow, kh, kw,
		                    sh, sw, dh, dw, pt, pl, ph, pw, zx, mult,
		                    shift, nq, zy, lo, hi);
		return;
	}
	g.rows = g.nrb + (kh - 1) * dh / sh;
	g.plane = (ptrdiff_t)g.rows * g.pp;
	g.nband = (oh + g.nrb - 1) / g.nrb;
	/* padded columns [lo, hi) are image columns 0 .. */
	g.lo = pl < g.pp ? pl : g.pp;
	g.hi = pl + wd < g.pp ? pl + wd : g.pp;
	g.hi = g.hi > g.lo ? g.hi : g.lo;
	qv_conv(x, w, bias, y, nb, &g, zx, mult, shift, nq, zy, lo, hi);
}
#endif
