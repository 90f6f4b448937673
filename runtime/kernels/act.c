/* act.c -- e^x and the activation functions of runtime/acts.def (the
 * other elementary functions they call are in math.c).
 *
 * qcc_rt_expf: x = n ln2 + r with n = round(x / ln2) and |r| <= ln2 / 2,
 * ln2 split in two (the high part has 9 bits, so n * ln2_hi is exact);
 * e^r by its Taylor series to r^7 (truncation error below 0.1 ulp on that
 * interval); 2^n is applied as two powers of two, 2^(n/2) and the rest,
 * so both are normal floats and the only rounding of a result in the
 * subnormal range is the last multiply.  x is clamped to [-104, 89]
 * first: e^89 overflows to inf, e^-104 rounds to 0.  No branches, so
 * loops calling it vectorize; within 1 ulp of libm's expf over every float
 * (tests/runtime/test_act.c sweeps them).
 *
 * Sigmoid, SiLU and Tanh are built on the same reduction without
 * branches, so a row of them vectorizes too (qcc_rt_act_row_f32; the conv
 * epilogues call it); Sigmoid and SiLU take e^-|x| from act_exp_negk,
 * cheaper than qcc_rt_expf (a degree-6 polynomial, one scaling, one
 * division per value: efficientnet_b0 applies SiLU to 6 million values):
 *   sigmoid  1 / (1 + e^-x)
 *   silu     x / (1 + e^-x)
 *   tanh     sign(x) m / (m + 2), m = e^(2|x|) - 1 by act_expm1, |x|
 *            clamped to 10 (tanh(10) rounds to 1)
 * Measured against double-precision references (tests/runtime/test_act.c):
 * at most 2 ulp for sigmoid and tanh, 3 for silu, where the result is a
 * normal float (subnormal results within 1e-37), over every 257th float
 * and NaN where the reference is.  Every
 * kernel applies an activation through these same functions, so the
 * results do not depend on which kernel applied it.
 */
#include "../qcc_rt.h"

/* e^x = act_exp_split(x, &s) * s: the returned part is a normal float (or
 * 0 or inf) and s a power of two, so the caller can multiply the first by
 * a factor before the one rounding into the subnormal range. */
static inline float
act_exp_split(float x, float *s)
{
	union { float f; uint32_t u; } s1, s2;
	float xc, fn, r, p;
	int32_t n, n1, n2;

	xc = x > -104.0f ? x : -104.0f;    /* also maps NaN to -104 */
	xc = xc < 89.0f ? xc : 89.0f;
	fn = (xc * 1.44269504f + 0x1.8p23f) - 0x1.8p23f;   /* round to even */
	n = (int32_t)fn;
	r = xc - fn * 0.693359375f;
	r = r - fn * -2.12194440e-4f;
	p = 1.0f / 5040.0f;
	p = p * r + 1.0f / 720.0f;
	p = p * r + 1.0f / 120.0f;
	p = p * r + 1.0f / 24.0f;
	p = p * r + 1.0f / 6.0f;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	n1 = n / 2;
	n2 = n - n1;
	s1.u = (uint32_t)(n1 + 127) << 23;
	s2.u = (uint32_t)(n2 + 127) << 23;
	*s = s2.f;
	return p * s1.f;
}

/* q = e^-|x| k, with k = 2^64 for x < 0 (so q is a normal float down to
 * e^-104, where x e^x is long subnormal) and k = 1 otherwise, returned in
 * *k; q = 0 where -|x| < -104 or x is NaN.  The reduction is qcc_rt_expf's,
 * with n read from the bits of the rounding sum (n, -150 to 0, sits in its
 * low bits) and -|x| clamped to -87 for x >= 0 (1 + q is 1 below that, and
 * 2^n stays normal); e^r is a degree-6 polynomial fitted to e^r's
 * relative error on |r| <= ln2 / 2 (2.0e-9 there, in double: no worse than
 * the series to r^7 it replaces, one multiply-add fewer).  Selects, no
 * branches, so rows vectorize. */
static inline float
act_exp_negk(float x, float *k)
{
	union { float f; uint32_t u; } a, t, s;
	float lo, fn, r, p;
	int32_t neg = x < 0.0f;

	a.f = x;
	a.u |= 0x80000000u;
	lo = neg ? -104.0f : -87.0f;
	lo = a.f > lo ? a.f : lo;
	t.f = lo * 1.44269504f + 0x1.8p23f;    /* 1.5 2^23 + n, round to even */
	fn = t.f - 0x1.8p23f;
	r = lo - fn * 0.693359375f;
	r = r - fn * -2.12194440e-4f;
	p = 1.384365178e-3f;
	p = p * r + 8.374155310e-3f;
	p = p * r + 4.166800207e-2f;
	p = p * r + 1.666643126e-1f;
	p = p * r + 4.999999421e-1f;
	p = p * r + 1.000000032f;
	p = p * r + 1.0f;
	s.u = (t.u << 23) + ((uint32_t)(neg ? 127 + 64 : 127) << 23);
	*k = neg ? 0x1p64f : 1.0f;
	p = p * s.f;
	return a.f > -104.0f ? p : 0.0f;
}

QCC_RT_API float
qcc_rt_expf(float x)
{
	float s, p = act_exp_split(x, &s);

	return x == x ? p * s : x;
}

/* e^x - 1 for 0 <= x <= 20: with x = n ln2 + r as in qcc_rt_expf,
 * e^x - 1 = 2^n (e^r - 1) + (2^n - 1), where e^r - 1 comes from its
 * series without the leading 1 (so it keeps its relative accuracy near
 * 0) and 2^n - 1 is exact up to n = 24. */
static inline float
act_expm1(float x)
{
	union { float f; uint32_t u; } s;
	float fn, r, p;
	int32_t n;

	fn = (x * 1.44269504f + 0x1.8p23f) - 0x1.8p23f;
	n = (int32_t)fn;
	r = x - fn * 0.693359375f;
	r = r - fn * -2.12194440e-4f;
	p = 1.0f / 40320.0f;
	p = p * r + 1.0f / 5040.0f;
	p = p * r + 1.0f / 720.0f;
	p = p * r + 1.0f / 120.0f;
	p = p * r + 1.0f / 24.0f;
	p = p * r + 1.0f / 6.0f;
	p = p * r + 0.5f;
	p = r + r * r * p;
	s.u = (uint32_t)(n + 127) << 23;
	return s.f * p + (s.f - 1.0f);
}

/* With q and k of act_exp_negk, e = q / k = e^-|x|: sigmoid is
 * 1 / (1 + e) = k / (k + q) for x >= 0 and e / (1 + e) = q / (k + q)
 * below, so it keeps its relative accuracy for large negative x instead of
 * losing it to 1 + e^-x = inf. */
static inline float
act_sigmoid(float x)
{
	float k, q = act_exp_negk(x, &k);

	return x == x ? (x < 0.0f ? q : k) / (k + q) : x;
}

/* x sigmoid(x) with the same q, k: below 0 the numerator x q is a normal
 * float down to where the result is subnormal, so a normal result near
 * -88 (where e^x is already subnormal) has all its bits.  Below -104
 * (and for -inf, NaN) q is 0 and the numerator x * 0: -0, and NaN for
 * -inf as in x / (1 + e^-x). */
static inline float
act_silu(float x)
{
	float k, q = act_exp_negk(x, &k);

	return (x < 0.0f ? x * q : x) / (k + q);
}

static inline float
act_tanh(float x)
{
	union { float f; uint32_t u; } a, t;
	float m;

	a.f = x;
	a.u &= 0x7fffffffu;
	a.f = a.f < 10.0f ? a.f : 10.0f;       /* also maps NaN to 10 */
	m = act_expm1(2.0f * a.f);
	t.f = m / (m + 2.0f);
	a.f = x;
	t.u |= a.u & 0x80000000u;
	return x == x ? t.f : x;
}

static inline float
act_hardsigmoid(float x, float alpha, float beta)
{
	float t = alpha * x + beta;

	t = t > 0.0f ? t : 0.0f;
	return t < 1.0f ? t : 1.0f;
}

static inline float
act_hardswish(float x)
{
	return x * act_hardsigmoid(x, 1.0f / 6.0f, 0.5f);
}

QCC_RT_API float
qcc_rt_act1_f32(float x, int32_t act, float alpha, float beta)
{
	float t;

	switch (act) {
	case QCC_ACT_RELU:
		return x > 0.0f ? x : 0.0f;
	case QCC_ACT_CLIP:
		t = x < alpha ? alpha : x;
		return t > beta ? beta : t;
	case QCC_ACT_SIGMOID:
		return act_sigmoid(x);
	case QCC_ACT_HARDSIGMOID:
		return act_hardsigmoid(x, alpha, beta);
	case QCC_ACT_HARDSWISH:
		return act_hardswish(x);
	case QCC_ACT_NEG:
		return -x;
	case QCC_ACT_ABS:
		return x < 0.0f ? -x : x;
	case QCC_ACT_SQRT:
		return qcc_rt_sqrtf(x);
	case QCC_ACT_EXP:
		return qcc_rt_expf(x);
	case QCC_ACT_LOG:
		return qcc_rt_logf(x);
	case QCC_ACT_RECIPROCAL:
		return 1.0f / x;
	case QCC_ACT_TANH:
		return act_tanh(x);
	case QCC_ACT_ERF:
		return qcc_rt_erff(x);
	case QCC_ACT_LEAKYRELU:
		return x >= 0.0f ? x : alpha * x;
	case QCC_ACT_ELU:
		return x > 0.0f ? x : alpha * qcc_rt_expm1f(x);
	case QCC_ACT_SELU:
		return beta * (x > 0.0f ? x : alpha * qcc_rt_expm1f(x));
	case QCC_ACT_SOFTPLUS:
		return qcc_rt_softplusf(x);
	case QCC_ACT_SIGN:
		return x < 0.0f ? -1.0f : x > 0.0f ? 1.0f : x;
	case QCC_ACT_SILU:
		return act_silu(x);
	default:
		return x;
	}
}

/* y[i] = act(x[i]): one loop per common activation, each branch-free, so
 * it vectorizes even when act is not a constant; the rest element by
 * element.  Inlined where x == y is visible (so the vectorizer sees the
 * exact overlap and needs no run-time alias check). */
QCC_RT_INLINE void
act_loop(const float *x, float *y, int32_t n, int32_t act, float alpha,
         float beta)
{
	int32_t i;

	switch (act) {
	case QCC_ACT_NONE:
		if (x != y)
			for (i = 0; i < n; i++)
				y[i] = x[i];
		break;
	case QCC_ACT_RELU:
		for (i = 0; i < n; i++)
			y[i] = x[i] > 0.0f ? x[i] : 0.0f;
		break;
	case QCC_ACT_CLIP:
		for (i = 0; i < n; i++) {
			float t = x[i] < alpha ? alpha : x[i];

			y[i] = t > beta ? beta : t;
		}
		break;
	case QCC_ACT_SIGMOID:
		for (i = 0; i < n; i++)
			y[i] = act_sigmoid(x[i]);
		break;
	case QCC_ACT_SILU:
		for (i = 0; i < n; i++)
			y[i] = act_silu(x[i]);
		break;
	case QCC_ACT_HARDSIGMOID:
		for (i = 0; i < n; i++)
			y[i] = act_hardsigmoid(x[i], alpha, beta);
		break;
	case QCC_ACT_HARDSWISH:
		for (i = 0; i < n; i++)
			y[i] = act_hardswish(x[i]);
		break;
	case QCC_ACT_TANH:
		for (i = 0; i < n; i++)
			y[i] = act_tanh(x[i]);
		break;
	default:
		for (i = 0; i < n; i++)
			y[i] = qcc_rt_act1_f32(x[i], act, alpha, beta);
		break;
	}
}

QCC_RT_API void
qcc_rt_act_row_f32(float *v, int32_t n, int32_t act, float alpha, float beta)
{
	act_loop(v, v, n, act, alpha, beta);
}

QCC_RT_API void
qcc_rt_act_f32(const float *x, float *y, int32_t n, int32_t act, float alpha,
               float beta)
{
	if (x == y)
		act_loop(y, y, n, act, alpha, beta);
	else
		act_loop(x, y, n, act, alpha, beta);
}
