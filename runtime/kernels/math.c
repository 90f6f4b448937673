/* math.c -- the elementary functions the kernels need, without libm:
 * sqrt, log, tanh, erf and pow for float, and the double-precision e^x and
 * log they are built from.
 *
 * Every float function computes in double and rounds once at the end, so
 * the float result is within an ulp of the true value (tests/runtime
 * checks them against libm).  The double helpers only need to be good to
 * well below float precision, about 1e-13 relative:
 *   e^x:  x = n ln2 + r, |r| <= ln2/2, e^r by Taylor to r^12, 2^n built
 *         from its exponent bits;
 *   log:  x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s)
 *         with s = (m-1)/(m+1), |s| < 0.172, by its series to s^19;
 *   sqrt: a first guess from halving the exponent bits, then Newton
 *         steps (each doubles the correct bits: 5 steps from 4%);
 *   erf:  the Taylor series of erf around 0 for |x| < 4 (terms fall
 *         below 1e-17 of the sum within 90 steps), +-1 beyond, where
 *         1 - erf(4) = 1.5e-8 already rounds to 1 in float;
 *   tanh: (e^2x - 1) / (e^2x + 1) for |x| >= 2^-12, x below, +-1 from 9;
 *   expm1: e^x - 1 in double (good to 1e-11 relative for |x| >= 1e-5),
 *         x + x^2/2 below, where the subtraction would not be;
 *   softplus: max(x, 0) + log(1 + e^-|x|), e^x below -30;
 *   pow:  e^(y log|x|), with the sign of an odd integer power of a
 *         negative base, NaN for a non-integer power of one, and the
 *         zero and infinity cases of C99's pow.
 * No branches depend on loop indices, so callers' loops stay simple.
 */
#include "../qcc_rt.h"

typedef union {
	double d;
	uint64_t u;
} MathBits;

static inline double
math_inf(void)
{
	MathBits b;

	b.u = 0x7ff0000000000000ull;
	return b.d;
}

static inline double
math_exp_d(double x)
{
	MathBits s;
	double n, r, p;
	int64_t k;

	if (x != x)
		return x;
	if (x > 709.0)
		return math_inf();
	if (x < -745.0)
		return 0.0;
	n = x * 1.4426950408889634;
	n = n < 0 ? n - 0.5 : n + 0.5;
	k = (int64_t)n;
	r = x - (double)k * 0.6931471803691238;
	r = r - (double)k * 1.9082149292705877e-10;
	p = 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	/* 2^k as two normal powers of two, so k down to -1074 works */
	s.u = (uint64_t)(k / 2 + 1023) << 52;
	p *= s.d;
	s.u = (uint64_t)(k - k / 2 + 1023) << 52;
	return p * s.d;
}

/* log x for finite x > 0. */
static inline double
math_log_d(double x)
{
	MathBits b;
	double m, s, z, p;
	int64_t e;

	b.d = x;
	e = (int64_t)((b.u >> 52) & 0x7ff) - 1023;
	if (e == -1023) {        /* subnormal: scale by 2^64 */
		b.d = x * 18446744073709551616.0;
		e = (int64_t)((b.u >> 52) & 0x7ff) - 1023 - 64;
	}
	b.u = (b.u & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
	m = b.d;
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	s = (m - 1.0) / (m + 1.0);
	z = s * s;
	p = 1.0 / 19.0;
	p = p * z + 1.0 / 17.0;
	p = p * z + 1.0 / 15.0;
	p = p * z + 1.0 / 13.0;
	p = p * z + 1.0 / 11.0;
	p = p * z + 1.0 / 9.0;
	p = p * z + 1.0 / 7.0;
	p = p * z + 1.0 / 5.0;
	p = p * z + 1.0 / 3.0;
	p = p * z + 1.0;
	return (double)e * 0.6931471805599453 + 2.0 * s * p;
}

QCC_RT_API float
qcc_rt_logf(float x)
{
	if (x != x || x < 0.0f)
		return (x - x) / (x - x);     /* NaN */
	if (x == 0.0f)
		return -1.0f / (x * x);        /* -inf */
	if (x > 3.4028235e38f)
		return x;
	return (float)math_log_d((double)x);
}

QCC_RT_API float
qcc_rt_sqrtf(float x)
{
	MathBits b;
	double d = (double)x, y;
	int i;

	if (x != x || x < 0.0f)
		return (x - x) / (x - x);
	if (x == 0.0f || x > 3.4028235e38f)
		return x;
	b.d = d;
	b.u = (b.u >> 1) + 0x1ff7a3bea91d9b1bull;
	y = b.d;
	for (i = 0; i < 5; i++)
		y = 0.5 * (y + d / y);
	return (float)y;
}

QCC_RT_API float
qcc_rt_tanhf(float x)
{
	double a = x < 0.0f ? -(double)x : (double)x, t;

	if (x != x)
		return x;
	if (a < 0.000244140625)
		return x;
	if (a >= 9.0)
		t = 1.0;
	else {
		t = math_exp_d(2.0 * a);
		t = (t - 1.0) / (t + 1.0);
	}
	return (float)(x < 0.0f ? -t : t);
}

QCC_RT_API float
qcc_rt_erff(float x)
{
	double a = x < 0.0f ? -(double)x : (double)x, z, term, sum;
	int n;

	if (x != x)
		return x;
	if (a >= 4.0)
		return x < 0.0f ? -1.0f : 1.0f;
	z = a * a;
	term = a;                          /* (-1)^n a^(2n+1) / n! */
	sum = a;
	for (n = 1; n < 90; n++) {
		term *= -z / n;
		sum += term / (2 * n + 1);
		if (term < 1e-17 * sum && -term < 1e-17 * sum)
			break;
	}
	sum *= 1.1283791670955126;          /* 2 / sqrt(pi) */
	return (float)(x < 0.0f ? -sum : sum);
}

/* 1 if y is an odd integer, 0 if an even one, -1 if not an integer. */
static inline int
math_parity(float y)
{
	float h;

	if (y != y || y - y != 0.0f)
		return -1;                   /* NaN, inf */
	if (y >= 16777216.0f || y <= -16777216.0f)
		return 0;
	if ((float)(int32_t)y != y)
		return -1;
	h = y * 0.5f;
	return (float)(int32_t)h == h ? 0 : 1;
}

QCC_RT_API float
qcc_rt_powf(float x, float y)
{
	int par, neg = x < 0.0f || (x == 0.0f && 1.0f / x < 0.0f);
	double ax, t;

	if (y == 0.0f || x == 1.0f)
		return 1.0f;
	if (x != x || y != y)
		return x + y;
	par = math_parity(y);
	ax = x < 0.0f ? -(double)x : (double)x;
	if (x < 0.0f && par < 0 && ax - ax == 0.0 && y - y == 0.0f)
		return (y - y) / (y - y);    /* NaN */
	if (ax == 0.0)
		t = y > 0.0f ? 0.0 : math_inf();
	else if (ax - ax != 0.0)         /* inf */
		t = y > 0.0f ? ax : 0.0;
	else if (y - y != 0.0f)          /* y = +-inf */
		t = ax == 1.0 ? 1.0 : (ax > 1.0) == (y > 0.0f) ? math_inf()
		                                               : 0.0;
	else
		t = math_exp_d((double)y * math_log_d(ax));
	return (float)(neg && par == 1 ? -t : t);
}

QCC_RT_API float
qcc_rt_expm1f(float x)
{
	double d = (double)x;

	if (x != x)
		return x;
	if (d > -1e-5 && d < 1e-5)
		return (float)(d + 0.5 * d * d);
	return (float)(math_exp_d(d) - 1.0);
}

/* max(x, 0) + log(1 + e^-|x|), the log by its series where e^-|x| is
 * tiny; e^x itself below -30. */
QCC_RT_API float
qcc_rt_softplusf(float x)
{
	double d = (double)x, a = d < 0.0 ? -d : d, t, l;

	if (x != x)
		return x;
	if (d < -30.0)
		return (float)math_exp_d(d);
	if (d > 30.0)
		return x;
	t = math_exp_d(-a);
	/* log(1 + t) for small t by its series: 1 + t would drop t's bits */
	l = t < 1e-4 ? t - t * t * (0.5 - t / 3.0) : math_log_d(1.0 + t);
	return (float)((d > 0.0 ? d : 0.0) + l);
}
