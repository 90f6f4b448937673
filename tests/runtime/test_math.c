/* test_math.c -- the libm-free elementary functions of runtime/kernels/
 * math.c against libm: every one within a small number of ulps over a
 * sweep of the float line, and the special values C99 defines. */
#include "rt_test.h"

/* Position of f on the number line of floats, so ulp distance is a
 * difference. */
static int64_t
ordinal(float f)
{
	int32_t i;

	memcpy(&i, &f, sizeof i);
	return i < 0 ? -(int64_t)(i & 0x7fffffff) : i;
}

static int64_t
ulps(float got, float want)
{
	int64_t d;

	if (isnan(want))
		return isnan(got) ? 0 : INT32_MAX;
	d = ordinal(got) - ordinal(want);
	return d < 0 ? -d : d;
}

typedef float Fn1(float);

static float ref_expm1(float x) { return (float)expm1((double)x); }
static float ref_softplus(float x)
{
	return x > 30.0f ? x : (float)log1p(exp((double)x));
}
static float ref_sqrt(float x) { return (float)sqrt((double)x); }
static float ref_log(float x) { return (float)log((double)x); }
static float ref_tanh(float x) { return (float)tanh((double)x); }
static float ref_erf(float x) { return (float)erf((double)x); }

/* Worst ulp error of fn against ref over every 97th bit pattern. */
static int64_t
sweep(Fn1 *fn, Fn1 *ref, const char *name)
{
	int64_t worst = 0;
	float at = 0.0f;

	for (uint64_t u = 0; u <= 0xffffffffu; u += 97) {
		uint32_t bits = (uint32_t)u;
		float x;
		int64_t d;

		memcpy(&x, &bits, sizeof x);
		d = ulps(fn(x), ref(x));
		if (d > worst) {
			worst = d;
			at = x;
		}
	}
	cr_log_info("%s: max error %lld ulp at %a", name, (long long)worst,
	            at);
	return worst;
}

Test(math, sqrt_is_correctly_rounded)
{
	cr_assert_eq(sweep(qcc_rt_sqrtf, ref_sqrt, "sqrtf"), 0);
	cr_assert(isnan(qcc_rt_sqrtf(-1.0f)));
	cr_assert(isinf(qcc_rt_sqrtf(INFINITY)));
	cr_assert(signbit(qcc_rt_sqrtf(-0.0f)));
}

Test(math, log_within_one_ulp)
{
	cr_assert_leq(sweep(qcc_rt_logf, ref_log, "logf"), 1);
	cr_assert(isinf(qcc_rt_logf(0.0f)) && qcc_rt_logf(0.0f) < 0);
	cr_assert(isnan(qcc_rt_logf(-2.0f)));
	cr_assert_eq(qcc_rt_logf(1.0f), 0.0f);
}

Test(math, tanh_within_one_ulp)
{
	cr_assert_leq(sweep(qcc_rt_tanhf, ref_tanh, "tanhf"), 1);
	cr_assert_eq(qcc_rt_tanhf(INFINITY), 1.0f);
	cr_assert_eq(qcc_rt_tanhf(-INFINITY), -1.0f);
}

Test(math, erf_within_one_ulp)
{
	cr_assert_leq(sweep(qcc_rt_erff, ref_erf, "erff"), 1);
	cr_assert_eq(qcc_rt_erff(-INFINITY), -1.0f);
}

Test(math, expm1_and_softplus_within_one_ulp)
{
	cr_assert_leq(sweep(qcc_rt_expm1f, ref_expm1, "expm1f"), 1);
	cr_assert_leq(sweep(qcc_rt_softplusf, ref_softplus, "softplusf"), 1);
}

Test(math, pow_within_one_ulp_on_a_grid)
{
	int64_t worst = 0;
	float wx = 0, wy = 0;

	for (int i = -400; i <= 400; i++) {
		for (int j = -300; j <= 300; j++) {
			float x = (float)i * 0.0625f + (float)j * 1e-4f;
			float y = (float)j * 0.03125f;
			float want = (float)pow((double)x, (double)y);
			int64_t d = ulps(qcc_rt_powf(x, y), want);

			if (d > worst) {
				worst = d;
				wx = x;
				wy = y;
			}
		}
	}
	cr_log_info("powf: max error %lld ulp at (%a, %a)", (long long)worst,
	            wx, wy);
	cr_assert_leq(worst, 1, "pow(%a, %a) off by %lld ulp", wx, wy,
	              (long long)worst);
}

Test(math, pow_special_values_follow_c99)
{
	static const float v[] = {0.0f, -0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 0.5f,
	                          -0.5f, 3.0f, -3.0f, INFINITY, -INFINITY,
	                          NAN, 1e-30f, 1e30f};
	int n = (int)(sizeof v / sizeof v[0]);

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			float want = powf(v[i], v[j]), got = qcc_rt_powf(v[i], v[j]);
			if (isnan(want))
				cr_assert(isnan(got), "pow(%g, %g) = %g", v[i], v[j], got);
			else if (want == 0.0f || isinf(want))
				cr_assert(got == want, "pow(%g, %g) = %g, want %g",
				          v[i], v[j], got, want);
			else
				cr_assert_leq(ulps(got, want), 1, "pow(%g, %g) = %g, want %g",
				              v[i], v[j], got, want);
		}
}
