/* test_eltwise.c -- Add, Mul and ScaleShift against plain loops over
 * every output index.  One rounding per element, then the same
 * activation formula, so results agree bit for bit. */
#include "rt_test.h"
#include "ir.h"

struct elt_case {
	int rank;
	int32_t dims[6], astr[6], bstr[6];
	int64_t na, nb;        /* elements of a and b */
	int mul, act;
};

ParameterizedTestParameters(eltwise, matches_plain_loops)
{
	static struct elt_case cases[] = {
		/* same shape, merged to rank 1 */
		{1, {37}, {1}, {1}, 37, 37, 0, QCC_ACT_RELU},
		/* a scalar on either side */
		{1, {45}, {1}, {0}, 45, 1, 1, QCC_ACT_NONE},
		{1, {45}, {0}, {1}, 1, 45, 0, QCC_ACT_HARDSWISH},
		/* per channel: [2,3,5,7] + [1,3,1,1] */
		{3, {2, 3, 35}, {105, 35, 1}, {0, 1, 0}, 210, 3, 0, QCC_ACT_CLIP},
		/* both broadcast: [2,1,4,1] * [1,3,1,5] */
		{4, {2, 3, 4, 5}, {4, 0, 1, 0}, {0, 5, 0, 1}, 8, 15, 1, QCC_ACT_NONE},
		/* innermost broadcast on a: [3,1] + [3,6] */
		{2, {3, 6}, {1, 0}, {6, 1}, 3, 18, 0, QCC_ACT_SIGMOID},
		/* rank 6 */
		{6, {2, 1, 3, 2, 2, 3}, {36, 36, 12, 6, 3, 1}, {0, 0, 2, 1, 0, 0},
		 72, 6, 1, QCC_ACT_RELU},
	};

	return cr_make_param_array(struct elt_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct elt_case *p, eltwise, matches_plain_loops)
{
	int64_t ny = 1;
	float *a = rt_rand(p->na, 31), *b = rt_rand(p->nb, 32), *got, *want;

	for (int d = 0; d < p->rank; d++)
		ny *= p->dims[d];
	got = rt_zeros(ny);
	want = rt_zeros(ny);
	(p->mul ? qcc_rt_mul_f32 : qcc_rt_add_f32)(a, b, got, p->rank, p->dims,
	                                           p->astr, p->bstr, p->act,
	                                           -0.25f, 0.5f);
	for (int64_t i = 0; i < ny; i++) {
		int64_t r = i, ao = 0, bo = 0;

		for (int d = p->rank - 1; d >= 0; d--) {
			ao += r % p->dims[d] * p->astr[d];
			bo += r % p->dims[d] * p->bstr[d];
			r /= p->dims[d];
		}
		want[i] = rt_ref_act(p->mul ? a[ao] * b[bo] : a[ao] + b[bo],
		                     p->act, -0.25f, 0.5f);
	}
	if (p->act == QCC_ACT_SIGMOID)
		rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
	else
		rt_assert_same(got, want, ny);
}

Test(eltwise, works_in_place)
{
	int32_t dims[1] = {100}, one[1] = {1};
	float *a = rt_rand(100, 33), *b = rt_rand(100, 34), want[100];

	for (int i = 0; i < 100; i++)
		want[i] = a[i] * b[i];
	qcc_rt_mul_f32(a, b, a, 1, dims, one, one, QCC_ACT_NONE, 0, 0);
	rt_assert_same(a, want, 100);
}

Test(eltwise, scaleshift_is_per_channel)
{
	int nb = 2, c = 3, inner = 19;
	float *x = rt_rand(nb * c * inner, 35), *s = rt_rand(c, 36);
	float *t = rt_rand(c, 37), *got = rt_zeros(nb * c * inner);
	float *want = rt_zeros(nb * c * inner);

	qcc_rt_scaleshift_f32(x, s, t, got, nb, c, inner, QCC_ACT_RELU, 0, 0);
	for (int i = 0; i < nb * c * inner; i++) {
		int j = i / inner % c;

		want[i] = rt_ref_act(x[i] * s[j] + t[j], QCC_ACT_RELU, 0, 0);
	}
	rt_assert_same(got, want, nb * c * inner);
	qcc_rt_scaleshift_f32(x, s, t, x, nb, c, inner, QCC_ACT_RELU, 0, 0);
	rt_assert_same(x, want, nb * c * inner);
}

/* The squeeze-excitation product x[c, hw] * s[c] with a fused SiLU, rows
 * longer than the activation's chunk, out of place and in place on
 * either operand: exactly the one-element activation of each product. */
Test(eltwise, fused_silu_over_long_broadcast_rows_in_and_out_of_place)
{
	int32_t dims[2] = {3, 2500}, astr[2] = {2500, 1}, bstr[2] = {1, 0};
	int32_t sstr[2] = {1, 0}, xstr[2] = {2500, 1};
	int n = 3 * 2500;
	float *x = rt_rand(n, 7), *s = rt_rand(3, 8), *want = rt_zeros(n);
	float *got = rt_zeros(n), *ip = rt_zeros(n), *sp = rt_zeros(n);

	for (int i = 0; i < n; i++) {
		x[i] *= 8.0f;
		want[i] = qcc_rt_act1_f32(x[i] * s[i / 2500], QCC_ACT_SILU, 0, 0);
	}
	qcc_rt_mul_f32(x, s, got, 2, dims, astr, bstr, QCC_ACT_SILU, 0, 0);
	rt_assert_same(got, want, n);
	memcpy(ip, x, sizeof(float) * n);
	qcc_rt_mul_f32(ip, s, ip, 2, dims, astr, bstr, QCC_ACT_SILU, 0, 0);
	rt_assert_same(ip, want, n);
	/* y is the second operand: s * x with x broadcast the other way */
	memcpy(sp, x, sizeof(float) * n);
	qcc_rt_mul_f32(s, sp, sp, 2, dims, sstr, xstr, QCC_ACT_SILU, 0, 0);
	rt_assert_same(sp, want, n);
}
