/* test_softmax.c -- qcc_rt_softmax_f32 against a softmax in double with
 * libm's exp.  The kernel subtracts the maximum in float, which rounds
 * x - max by up to half an ulp of its size, so element i is allowed a
 * relative error of 1e-6 * (1 + |x - max|); sums run in another order. */
#include "rt_test.h"

struct sm_case {
	int outer, len, inner;
	float spread;          /* inputs in [-spread, spread) */
};

ParameterizedTestParameters(softmax, matches_double_precision)
{
	static struct sm_case cases[] = {
		{1, 10, 1, 5.0f}, {3, 1000, 1, 20.0f}, {2, 7, 13, 3.0f},
		{1, 5, 16, 1.0f}, {2, 3, 37, 80.0f}, {4, 1, 1, 1.0f},
		{1, 9, 1, 200.0f},
	};

	return cr_make_param_array(struct sm_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct sm_case *p, softmax, matches_double_precision)
{
	int64_t n = (int64_t)p->outer * p->len * p->inner;
	float *x = rt_rand(n, 51), *got = rt_zeros(n), *want = rt_zeros(n);
	float *scale = rt_zeros(n);

	for (int64_t i = 0; i < n; i++)
		x[i] *= p->spread;
	qcc_rt_softmax_f32(x, got, p->outer, p->len, p->inner);
	for (int o = 0; o < p->outer; o++)
		for (int j = 0; j < p->inner; j++) {
			const float *xc = x + (int64_t)o * p->len * p->inner + j;
			float *wc = want + (int64_t)o * p->len * p->inner + j;
			float *sc = scale + (int64_t)o * p->len * p->inner + j;
			double mx = xc[0], s = 0;

			for (int a = 1; a < p->len; a++)
				mx = fmax(mx, xc[a * p->inner]);
			for (int a = 0; a < p->len; a++)
				s += exp(xc[a * p->inner] - mx);
			for (int a = 0; a < p->len; a++) {
				wc[a * p->inner] = (float)(exp(xc[a * p->inner] - mx) / s);
				sc[a * p->inner] = wc[a * p->inner] *
				    (float)(1.0 + fabs(xc[a * p->inner] - mx));
			}
		}
	rt_assert_near(got, want, scale, n, 1e-6f, 1e-30f);
	for (int o = 0; o < p->outer; o++)
		for (int j = 0; j < p->inner; j++) {
			double s = 0;

			for (int a = 0; a < p->len; a++)
				s += got[((int64_t)o * p->len + a) * p->inner + j];
			cr_assert(fabs(s - 1.0) < 1e-5, "sum %g", s);
		}
}
