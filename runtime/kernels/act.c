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
 * loops calling it vectorize.
 */
#include "../qcc_rt.h"

QCC_RT_API float
qcc_rt_expf(float x)
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
	p = p * s1.f * s2.f;
	return x == x ? p : x;
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
		return 1.0f / (1.0f + qcc_rt_expf(-x));
	case QCC_ACT_HARDSIGMOID:
		t = alpha * x + beta;
		t = t > 0.0f ? t : 0.0f;
		return t < 1.0f ? t : 1.0f;
	case QCC_ACT_HARDSWISH:
		t = x * (1.0f / 6.0f) + 0.5f;
		t = t > 0.0f ? t : 0.0f;
		t = t < 1.0f ? t : 1.0f;
		return x * t;
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
		return qcc_rt_tanhf(x);
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
	default:
		return x;
	}
}

/* One loop per activation, so each vectorizes even when act is not a
 * constant. */
QCC_RT_API void
qcc_rt_act_f32(const float *x, float *y, int32_t n, int32_t act, float alpha,
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
			y[i] = qcc_rt_act1_f32(x[i], QCC_ACT_RELU, alpha, beta);
		break;
	case QCC_ACT_CLIP:
		for (i = 0; i < n; i++)
			y[i] = qcc_rt_act1_f32(x[i], QCC_ACT_CLIP, alpha, beta);
		break;
	case QCC_ACT_SIGMOID:
		for (i = 0; i < n; i++)
			y[i] = qcc_rt_act1_f32(x[i], QCC_ACT_SIGMOID, alpha, beta);
		break;
	case QCC_ACT_HARDSIGMOID:
		for (i = 0; i < n; i++)
			y[i] = qcc_rt_act1_f32(x[i], QCC_ACT_HARDSIGMOID, alpha,
			                       beta);
		break;
	default:
		for (i = 0; i < n; i++)
			y[i] = qcc_rt_act1_f32(x[i], act, alpha, beta);
		break;
	}
}
