/* rt_test.h -- small helpers shared by the runtime kernel tests: buffers,
 * a reference activation written with libm, and comparisons that name the
 * first element that differs. */
#ifndef QCC_RT_TEST_H
#define QCC_RT_TEST_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "qcc_rt.h"

/* n random floats in [-1, 1) from seed; freed by the process exit (each
 * Criterion test runs in its own process). */
static inline float *
rt_rand(int64_t n, uint32_t seed)
{
	float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));

	cr_assert(p);
	tg_fill_rand(p, n, seed, -1.0f, 1.0f);
	return p;
}

static inline float *
rt_zeros(int64_t n)
{
	float *p = calloc((size_t)(n > 0 ? n : 1), sizeof(float));

	cr_assert(p);
	return p;
}

/* The activation as acts.def defines it, with libm's expf. */
static inline float
rt_ref_act(float x, int act, float alpha, float beta)
{
	float t;

	switch (act) {
	case QCC_ACT_RELU:
		return x > 0.0f ? x : 0.0f;
	case QCC_ACT_CLIP:
		return fminf(fmaxf(x, alpha), beta);
	case QCC_ACT_SIGMOID:
		return 1.0f / (1.0f + expf(-x));
	case QCC_ACT_HARDSIGMOID:
		return fmaxf(0.0f, fminf(1.0f, alpha * x + beta));
	case QCC_ACT_HARDSWISH:
		t = fmaxf(0.0f, fminf(1.0f, x * (1.0f / 6.0f) + 0.5f));
		return x * t;
	case QCC_ACT_NEG:
		return -x;
	case QCC_ACT_ABS:
		return fabsf(x);
	case QCC_ACT_SQRT:
		return sqrtf(x);
	case QCC_ACT_EXP:
		return expf(x);
	case QCC_ACT_LOG:
		return logf(x);
	case QCC_ACT_RECIPROCAL:
		return 1.0f / x;
	case QCC_ACT_TANH:
		return tanhf(x);
	case QCC_ACT_ERF:
		return erff(x);
	case QCC_ACT_LEAKYRELU:
		return x >= 0.0f ? x : alpha * x;
	case QCC_ACT_ELU:
		return x > 0.0f ? x : alpha * expm1f(x);
	case QCC_ACT_SELU:
		return beta * (x > 0.0f ? x : alpha * expm1f(x));
	case QCC_ACT_SOFTPLUS:
		return x > 30.0f ? x : log1pf(expf(x));
	case QCC_ACT_SILU:
		return (float)((double)x / (1.0 + exp(-(double)x)));
	case QCC_ACT_SIGN:
		return x < 0.0f ? -1.0f : x > 0.0f ? 1.0f : x;
	default:
		return x;
	}
}

/* Bit-for-bit equality of n floats. */
static inline void
rt_assert_same(const float *got, const float *want, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (memcmp(&got[i], &want[i], sizeof(float)))
			cr_assert_fail("element %lld: got %.9g, want %.9g",
			               (long long)i, got[i], want[i]);
}

/* |got - want| <= rtol * (scale[i] or |want| if scale is NULL) + atol. */
static inline void
rt_assert_near(const float *got, const float *want, const float *scale,
               int64_t n, float rtol, float atol)
{
	for (int64_t i = 0; i < n; i++) {
		float s = scale ? scale[i] : fabsf(want[i]);

		if (!(fabsf(got[i] - want[i]) <= rtol * s + atol))
			cr_assert_fail("element %lld: got %.9g, want %.9g "
			               "(tolerance %.3g)", (long long)i, got[i],
			               want[i], (double)(rtol * s + atol));
	}
}

#endif
