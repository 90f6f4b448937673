/* qgemm_cp_avx2.c -- the AVX2 panel of qgemm_direct.c's integer
 * convolution: QCC_RT_QG_MR output channels by 16 pixels, two input
 * channels per 32-bit word (pmaddwd), and the same panel with its sums
 * rescaled in registers.
 *
 * One pmaddwd multiplies the two 16-bit codes of a word (0..255) by the
 * two 16-bit weights of the broadcast weight word (-128..127) and adds the
 * pair exactly (|sum| <= 65280); K < 2^16 keeps every sum in int32.
 * Integer sums do not depend on their order.  The rescale is the rule of
 * qelt.c for 32 <= shift <= 52 with zy folded into the rounding term rnd
 * = 2^(shift-1) + zy*2^shift (adding a multiple of 2^shift before the
 * flooring shift adds zy after it): v = acc*mult + rnd in 64 bits by
 * vpmuldq on the even and odd lanes (|acc*mult| < 2^62, rnd < 2^61), its
 * high 32 bits floor(v / 2^32) (|.| < 2^31), then an arithmetic shift by
 * shift - 32: floor(floor(v / 2^32) / 2^(shift-32)) = floor(v / 2^shift).
 * packssdw and packuswb saturate in order, so clamping the bytes to [lo,
 * hi] (0 <= lo <= hi <= 255) afterwards is the rule's clamp.  The results
 * equal qcc_rt_requant_row_q8's bit for bit.  x86-64 only; qgemm_direct.c
 * calls these.
 */
#include "../qcc_rt.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
typedef short qp_v16hi __attribute__((vector_size(32)));
typedef int32_t qp_v8si __attribute__((vector_size(32)));
typedef long long qp_v4di __attribute__((vector_size(32)));
typedef unsigned long long qp_v4du __attribute__((vector_size(32)));
typedef uint8_t qp_u8x16 __attribute__((vector_size(16)));
typedef long long qp_v2di __attribute__((vector_size(16)));
typedef int32_t qp_v8si_u __attribute__((vector_size(32), aligned(4),
                                         may_alias));
typedef uint8_t qp_u8x16_u __attribute__((vector_size(16), aligned(1),
                                          may_alias));

#define QP_TARGET __attribute__((target("avx2")))

/* a[i][h] lane l = b0[i] + the sum over planes cg and taps t of
 * w[(cg*ntap + t)*mr + i] times word toff[t] + p0 + 8h + l of plane cg. */
QP_TARGET QCC_RT_INLINE void
qp_sums(qp_v8si a[QCC_RT_QG_MR][2], const int32_t *restrict w,
        const uint32_t *restrict xi, int32_t ng, int32_t plane,
        const int32_t *toff, int32_t ntap, int32_t p0, const int32_t *b0)
{
	qp_v8si z = (qp_v8si){0, 0, 0, 0, 0, 0, 0, 0};
	int32_t cg, t, i;

#pragma GCC unroll 8
	for (i = 0; i < QCC_RT_QG_MR; i++)
		a[i][0] = a[i][1] = z + b0[i];
	for (cg = 0; cg < ng; cg++) {
		const uint32_t *pl = xi + (ptrdiff_t)cg * plane + p0;

		for (t = 0; t < ntap; t++, w += QCC_RT_QG_MR) {
			const qp_v8si_u *b = (const qp_v8si_u *)(pl + toff[t]);
			qp_v16hi x0 = (qp_v16hi)b[0], x1 = (qp_v16hi)b[1];

#pragma GCC unroll 8
			for (i = 0; i < QCC_RT_QG_MR; i++) {
				qp_v16hi v = (qp_v16hi)(z + w[i]);

				a[i][0] += __builtin_ia32_pmaddwd256(x0, v);
				a[i][1] += __builtin_ia32_pmaddwd256(x1, v);
			}
		}
	}
}

QCC_RT_API QP_TARGET void
qcc_rt_qd_avx2_panel(const int32_t *restrict w, const uint32_t *restrict xi,
                     int32_t ng, int32_t plane, const int32_t *toff,
                     int32_t ntap, int32_t npr, int32_t *restrict acc,
                     const int32_t *b0)
{
	int32_t p0, i;

	for (p0 = 0; p0 < npr; p0 += 16) {
		qp_v8si a[QCC_RT_QG_MR][2];

		qp_sums(a, w, xi, ng, plane, toff, ntap, p0, b0);
#pragma GCC unroll 8
		for (i = 0; i < QCC_RT_QG_MR; i++) {
			qp_v8si_u *o = (qp_v8si_u *)(acc + i * QCC_RT_QD_SB + p0);

			o[0] = a[i][0];
			o[1] = a[i][1];
		}
	}
}

/* floor((acc*m + rnd) / 2^32) lane by lane (the header's argument). */
QP_TARGET QCC_RT_INLINE qp_v8si
qp_high(qp_v8si acc, qp_v8si m, qp_v4di rnd)
{
	qp_v4di e = (qp_v4di)__builtin_ia32_pmuldq256(acc, m) + rnd;
	qp_v4di o = (qp_v4di)__builtin_ia32_pmuldq256(
	        (qp_v8si)((qp_v4du)acc >> 32), m) + rnd;

	return (qp_v8si)__builtin_ia32_pblendd256((qp_v8si)((qp_v4du)e >> 32),
	                                          (qp_v8si)o, 0xaa);
}

/* max(v, lo) and min(v, hi) code by code. */
QP_TARGET QCC_RT_INLINE qp_u8x16
qp_clamp(qp_u8x16 v, qp_u8x16 lo, qp_u8x16 hi)
{
	qp_u8x16 k = (qp_u8x16)(v < lo);

	v = (v & ~k) | (lo & k);
	k = (qp_u8x16)(v > hi);
	return (v & ~k) | (hi & k);
}

/* The 16 codes of sums a0 (pixels 0..7) and a1 (8..15). */
QP_TARGET QCC_RT_INLINE qp_u8x16
qp_codes(qp_v8si a0, qp_v8si a1, qp_v8si m, qp_v4di rnd, int32_t k,
         qp_u8x16 lo, qp_u8x16 hi)
{
	qp_v8si perm = (qp_v8si){0, 4, 1, 5, 0, 4, 1, 5};
	qp_v8si r0 = qp_high(a0, m, rnd) >> k, r1 = qp_high(a1, m, rnd) >> k;
	/* lane halves hold pixels 0-3, 8-11 and 4-7, 12-15 */
	qp_v16hi p = (qp_v16hi)__builtin_ia32_packssdw256(r0, r1);
	qp_v8si b = (qp_v8si)__builtin_ia32_packuswb256(p, p);
	qp_v8si q = __builtin_ia32_permvarsi256(b, perm);

	return qp_clamp((qp_u8x16)__builtin_ia32_extract128i256((qp_v4di)q, 0),
	                lo, hi);
}

QCC_RT_API QP_TARGET void
qcc_rt_qd_avx2_panel_y(const int32_t *restrict w,
                       const uint32_t *restrict xi, int32_t ng,
                       int32_t plane, const int32_t *toff, int32_t ntap,
                       int32_t npr, const struct qcc_rt_qd_out *o,
                       const int32_t *b0)
{
	qp_u8x16 lo = (qp_u8x16){0} + (uint8_t)o->lo;
	qp_u8x16 hi = (qp_u8x16){0} + (uint8_t)o->hi;
	int32_t p0, i, j;

	for (p0 = 0; p0 < npr; p0 += 16) {
		qp_v8si a[QCC_RT_QG_MR][2];
		int32_t n = o->n - p0;

		qp_sums(a, w, xi, ng, plane, toff, ntap, p0, b0);
#pragma GCC unroll 8
		for (i = 0; i < QCC_RT_QG_MR; i++) {
			qp_v8si m = (qp_v8si){0, 0, 0, 0, 0, 0, 0, 0} + o->mult[i];
			qp_v4di rnd = (qp_v4di){0, 0, 0, 0} + o->r64[i];
			qp_u8x16 c = qp_codes(a[i][0], a[i][1], m, rnd,
			                      (int32_t)o->s64[i] - 32, lo, hi);
			uint8_t *y = o->y[i] + p0;

			if (n >= 16)
				*(qp_u8x16_u *)y = c;
			else
				for (j = 0; j < n; j++)
					y[j] = c[j];
		}
	}
}
#endif
