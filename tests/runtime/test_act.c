/* test_act.c -- qcc_rt_expf against libm over the whole float range, the
 * branch-free Sigmoid, SiLU and Tanh against double-precision references,
 * the activations against their acts.def formulas, and the row kernel
 * against the one-element one. */
#include <float.h>

#include "rt_test.h"
#include "ir.h"

/* Position of f on the number line of floats, so ulp distance is a
 * difference. */
static int64_t
ordinal(float f)
{
	int32_t i;

	memcpy(&i, &f, sizeof i);
	return i < 0 ? -(int64_t)(i & 0x7fffffff) : i;
}

Test(act, codes_agree_with_the_ir)
{
#define ACT(id, name) cr_assert_eq((int)QCC_ACT_##id, (int)ACT_##id, #id);
#include "acts.def"
#undef ACT
}

Test(act, expf_is_within_one_ulp_of_libm_everywhere)
{
	int64_t worst = 0, n = 0;
	float at = 0.0f;

	/* every 61st bit pattern: 70 million floats, both signs, all
	 * exponents, NaNs and infinities included */
	for (uint64_t u = 0; u <= 0xffffffffu; u += 61) {
		uint32_t bits = (uint32_t)u;
		float x, got, want;
		int64_t d;

		memcpy(&x, &bits, sizeof x);
		got = qcc_rt_expf(x);
		want = expf(x);
		if (isnan(want)) {
			cr_assert(isnan(got), "expf(%a) = %a, want NaN", x, got);
			continue;
		}
		d = ordinal(got) - ordinal(want);
		d = d < 0 ? -d : d;
		if (d > worst) {
			worst = d;
			at = x;
		}
		n++;
	}
	cr_log_info("qcc_rt_expf: max error %lld ulp (at %a) over %lld values",
	            (long long)worst, at, (long long)n);
	cr_assert_leq(worst, 1, "max error %lld ulp at %a", (long long)worst, at);
}

Test(act, expf_edges)
{
	cr_assert(isinf(qcc_rt_expf(89.0f)) && qcc_rt_expf(89.0f) > 0);
	cr_assert(isinf(qcc_rt_expf(INFINITY)));
	cr_assert_eq(qcc_rt_expf(-INFINITY), 0.0f);
	cr_assert_eq(qcc_rt_expf(-104.0f), 0.0f);
	cr_assert_eq(qcc_rt_expf(0.0f), 1.0f);
	cr_assert_eq(qcc_rt_expf(-0.0f), 1.0f);
	cr_assert(isnan(qcc_rt_expf(NAN)));
	cr_assert_eq(qcc_rt_expf(88.72283f), expf(88.72283f));
	cr_assert_eq(qcc_rt_expf(-103.0f), expf(-103.0f));   /* subnormal */
}

struct act_case {
	int act;
	float alpha, beta;
};

ParameterizedTestParameters(act, matches_formulas)
{
	static struct act_case cases[] = {
		{QCC_ACT_NONE, 0, 0}, {QCC_ACT_RELU, 0, 0},
		{QCC_ACT_CLIP, -1.0f, 6.0f}, {QCC_ACT_CLIP, 0.0f, 0.5f},
		{QCC_ACT_SIGMOID, 0, 0}, {QCC_ACT_HARDSIGMOID, 0.2f, 0.5f},
		{QCC_ACT_HARDSWISH, 0, 0}, {QCC_ACT_NEG, 0, 0},
		{QCC_ACT_ABS, 0, 0}, {QCC_ACT_SQRT, 0, 0}, {QCC_ACT_EXP, 0, 0},
		{QCC_ACT_LOG, 0, 0}, {QCC_ACT_RECIPROCAL, 0, 0},
		{QCC_ACT_TANH, 0, 0}, {QCC_ACT_ERF, 0, 0},
		{QCC_ACT_LEAKYRELU, 0.1f, 0}, {QCC_ACT_ELU, 2.0f, 0},
		{QCC_ACT_SELU, 1.67326f, 1.0507f}, {QCC_ACT_SOFTPLUS, 0, 0},
		{QCC_ACT_SIGN, 0, 0}, {QCC_ACT_SILU, 0, 0},
	};

	return cr_make_param_array(struct act_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct act_case *p, act, matches_formulas)
{
	int n = 1003;
	float *x = rt_rand(n, 41), *got = rt_zeros(n), *want = rt_zeros(n);

	for (int i = 0; i < n; i++) {
		x[i] *= 12.0f;
		want[i] = rt_ref_act(x[i], p->act, p->alpha, p->beta);
	}
	x[0] = 100.0f;
	x[1] = -100.0f;
	want[0] = rt_ref_act(x[0], p->act, p->alpha, p->beta);
	want[1] = rt_ref_act(x[1], p->act, p->alpha, p->beta);
	qcc_rt_act_f32(x, got, n, p->act, p->alpha, p->beta);
	switch (p->act) {
	case QCC_ACT_SIGMOID:
	case QCC_ACT_EXP:
	case QCC_ACT_LOG:
	case QCC_ACT_TANH:
	case QCC_ACT_ERF:
	case QCC_ACT_ELU:
	case QCC_ACT_SELU:
	case QCC_ACT_SOFTPLUS:
	case QCC_ACT_SILU:
		/* libm's float functions are within an ulp or two as well */
		for (int i = 0; i < n; i++)
			if (isnan(want[i]))
				cr_assert(isnan(got[i]), "x = %g: got %g, want NaN",
				          x[i], got[i]);
			else if (isinf(want[i]))
				cr_assert(got[i] == want[i], "x = %g: got %g, want %g",
				          x[i], got[i], want[i]);
			else
				cr_assert(fabsf(got[i] - want[i]) <=
				          3e-7f * fabsf(want[i]) + 1e-37f,
				          "x = %g: got %.9g, want %.9g", x[i], got[i],
				          want[i]);
		break;
	default:
		for (int i = 0; i < n; i++) {
			if (!isnan(want[i]))
				continue;
			cr_assert(isnan(got[i]), "x = %g: got %g, want NaN", x[i],
			          got[i]);
			want[i] = got[i];
		}
		rt_assert_same(got, want, n);
		break;
	}
	qcc_rt_act_f32(x, x, n, p->act, p->alpha, p->beta);
	rt_assert_same(x, got, n);
}

static double
ref_sigmoid(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

static double
ref_silu(double x)
{
	return x / (1.0 + exp(-x));
}

/* Largest distance in ulp of act(x) from ref(x) rounded to float, over
 * every 257th bit pattern (16.7 million floats, all exponents, both
 * signs), where the result is normal; results that are both subnormal must
 * agree to 1e-37 absolute; NaN exactly where the reference is NaN. */
static int64_t
sweep_ulp(int act, double (*ref)(double), const char *name)
{
	int64_t worst = 0;
	float at = 0.0f;

	for (uint64_t u = 0; u <= 0xffffffffu; u += 257) {
		uint32_t bits = (uint32_t)u;
		float x, got, want;
		int64_t d;

		memcpy(&x, &bits, sizeof x);
		got = qcc_rt_act1_f32(x, act, 0.0f, 0.0f);
		want = (float)ref((double)x);
		if (isnan(want)) {
			cr_assert(isnan(got), "%s(%a) = %a, want NaN", name, x, got);
			continue;
		}
		if (fabsf(want) < FLT_MIN && fabsf(got) < FLT_MIN) {
			cr_assert(fabsf(got - want) <= 1e-37f, "%s(%a) = %a, want %a",
			          name, x, got, want);
			continue;
		}
		d = ordinal(got) - ordinal(want);
		d = d < 0 ? -d : d;
		if (d > worst) {
			worst = d;
			at = x;
		}
	}
	cr_log_info("%s: max error %lld ulp (at %a)", name, (long long)worst, at);
	return worst;
}

Test(act, sigmoid_is_within_two_ulp_everywhere)
{
	cr_assert_leq(sweep_ulp(QCC_ACT_SIGMOID, ref_sigmoid, "sigmoid"), 2);
	cr_assert_eq(qcc_rt_act1_f32(-100.0f, QCC_ACT_SIGMOID, 0, 0),
	             (float)ref_sigmoid(-100.0));          /* subnormal */
	cr_assert_eq(qcc_rt_act1_f32(INFINITY, QCC_ACT_SIGMOID, 0, 0), 1.0f);
	cr_assert_eq(qcc_rt_act1_f32(-INFINITY, QCC_ACT_SIGMOID, 0, 0), 0.0f);
}

Test(act, silu_is_within_three_ulp_everywhere)
{
	cr_assert_leq(sweep_ulp(QCC_ACT_SILU, ref_silu, "silu"), 3);
	/* e^-88.5 is subnormal, -88.5 e^-88.5 is not */
	cr_assert_eq(qcc_rt_act1_f32(-88.5f, QCC_ACT_SILU, 0, 0),
	             (float)ref_silu(-88.5));
	cr_assert_eq(qcc_rt_act1_f32(INFINITY, QCC_ACT_SILU, 0, 0), INFINITY);
	cr_assert_eq(qcc_rt_act1_f32(1000.0f, QCC_ACT_SILU, 0, 0), 1000.0f);
	cr_assert(signbit(qcc_rt_act1_f32(-1000.0f, QCC_ACT_SILU, 0, 0)));
}

Test(act, tanh_is_within_two_ulp_everywhere)
{
	cr_assert_leq(sweep_ulp(QCC_ACT_TANH, tanh, "tanh"), 2);
	cr_assert_eq(qcc_rt_act1_f32(10.0f, QCC_ACT_TANH, 0, 0), 1.0f);
	cr_assert_eq(qcc_rt_act1_f32(-INFINITY, QCC_ACT_TANH, 0, 0), -1.0f);
	cr_assert(signbit(qcc_rt_act1_f32(-0.0f, QCC_ACT_TANH, 0, 0)));
}

/* The row kernel (what the conv epilogues call) and qcc_rt_act_f32 out of
 * place give exactly what the one-element function gives, for every
 * kind, including the lengths that leave a vector remainder. */
Test(act, row_kernel_matches_the_one_element_function)
{
	int n = 1037;
	float *x = rt_rand(n, 43), *row = rt_zeros(n), *out = rt_zeros(n),
	      *want = rt_zeros(n);

	for (int i = 0; i < n; i++)
		x[i] *= 40.0f;
	x[3] = NAN;
	x[4] = -INFINITY;
	x[5] = INFINITY;
	x[6] = -0.0f;
	for (int act = 0; act <= QCC_ACT_SILU; act++)
		for (int len = n - 7; len <= n; len += 7) {
			float alpha = act == QCC_ACT_CLIP ? -1.0f : 0.2f;
			float beta = act == QCC_ACT_CLIP ? 6.0f : 0.5f;

			memcpy(row, x, sizeof(float) * n);
			for (int i = 0; i < len; i++)
				want[i] = qcc_rt_act1_f32(x[i], act, alpha, beta);
			qcc_rt_act_row_f32(row, len, act, alpha, beta);
			qcc_rt_act_f32(x, out, len, act, alpha, beta);
			rt_assert_same(row, want, len);
			rt_assert_same(out, want, len);
			cr_assert(!memcmp(row + len, x + len,
			                  sizeof(float) * (n - len)),
			          "act %d wrote past the row", act);
		}
}
