/* test_gemm.c -- qcc_rt_gemm_f32 and qcc_rt_matmul_f32 against plain
 * triple loops summed in double.
 *
 * The kernels sum in float, some in interleaved lanes, so results are
 * compared within 1e-5 of the sum of the magnitudes of the terms (the
 * size of the rounding error any summation order can make). */
#include "rt_test.h"

enum { C_NONE, C_SCALAR, C_ROW, C_COL, C_FULL };

struct gemm_case {
	int m, n, k, ta, tb;
	float alpha, beta;
	int cshape, act;
};

ParameterizedTestParameters(gemm, matches_plain_loops)
{
	static struct gemm_case cases[] = {
		{1, 10, 64, 0, 1, 1.0f, 1.0f, C_ROW, QCC_ACT_NONE},
		{1, 37, 131, 0, 1, 1.0f, 1.0f, C_ROW, QCC_ACT_RELU},
		{5, 33, 20, 0, 0, 1.0f, 1.0f, C_FULL, QCC_ACT_NONE},
		{7, 29, 13, 1, 0, 0.5f, 2.0f, C_COL, QCC_ACT_CLIP},
		{6, 9, 17, 1, 1, 1.5f, -1.0f, C_SCALAR, QCC_ACT_NONE},
		{9, 4, 3, 0, 1, 1.0f, 0.0f, C_NONE, QCC_ACT_SIGMOID},
		{4, 16, 8, 0, 0, -2.0f, 0.25f, C_ROW, QCC_ACT_HARDSWISH},
		{3, 1, 1, 0, 0, 1.0f, 1.0f, C_FULL, QCC_ACT_NONE},
		{2, 3, 5, 1, 1, 1.0f, 1.0f, C_FULL, QCC_ACT_RELU},
	};

	return cr_make_param_array(struct gemm_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct gemm_case *p, gemm, matches_plain_loops)
{
	int m = p->m, n = p->n, k = p->k;
	float *a = rt_rand((int64_t)m * k, 11), *b = rt_rand((int64_t)k * n, 12);
	float *c = rt_rand((int64_t)m * n, 13);
	float *got = rt_zeros((int64_t)m * n), *want = rt_zeros((int64_t)m * n);
	float *scale = rt_zeros((int64_t)m * n);
	int rs = 0, cs = 0;

	switch (p->cshape) {
	case C_ROW: cs = 1; break;
	case C_COL: rs = 1; break;
	case C_FULL: rs = n; cs = 1; break;
	default: break;
	}
	qcc_rt_gemm_f32(a, b, p->cshape == C_NONE ? NULL : c, got, m, n, k,
	                p->ta, p->tb, p->alpha, p->beta, rs, cs, p->act, 0.0f,
	                1.0f);
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double s = 0, mag = 0, v;

			for (int q = 0; q < k; q++) {
				double t = (double)(p->ta ? a[q * m + i] : a[i * k + q]) *
				           (p->tb ? b[j * k + q] : b[q * n + j]);
				s += t;
				mag += fabs(t);
			}
			v = p->alpha * s;
			mag = fabs(p->alpha) * mag;
			if (p->cshape != C_NONE) {
				v += (double)p->beta * c[i * rs + j * cs];
				mag += fabs((double)p->beta * c[i * rs + j * cs]);
			}
			want[i * n + j] = rt_ref_act((float)v, p->act, 0.0f, 1.0f);
			scale[i * n + j] = (float)mag;
		}
	rt_assert_near(got, want, scale, (int64_t)m * n, 1e-5f, 1e-7f);
}

Test(matmul, broadcasts_batch_axes)
{
	/* A [2,1,3,4] times B [3,4,5] gives [2,3,3,5]. */
	int m = 3, k = 4, n = 5;
	int32_t dims[2] = {2, 3}, astr[2] = {12, 0}, bstr[2] = {0, 20};
	float *a = rt_rand(2 * 12, 21), *b = rt_rand(3 * 20, 22);
	float *got = rt_zeros(2 * 3 * 15), *want = rt_zeros(2 * 3 * 15);

	qcc_rt_matmul_f32(a, b, got, m, n, k, 2, dims, astr, bstr, QCC_ACT_NONE,
	                  0.0f, 0.0f);
	for (int i0 = 0; i0 < 2; i0++)
	for (int i1 = 0; i1 < 3; i1++)
	for (int i = 0; i < m; i++)
	for (int j = 0; j < n; j++) {
		float s = 0.0f;

		for (int q = 0; q < k; q++)
			s += a[i0 * 12 + i * k + q] * b[i1 * 20 + q * n + j];
		want[((i0 * 3 + i1) * m + i) * n + j] = s;
	}
	rt_assert_same(got, want, 2 * 3 * 15);
}

Test(matmul, single_product_with_activation)
{
	int m = 6, k = 33, n = 21;
	int32_t one = 1, zero = 0;
	float *a = rt_rand(m * k, 23), *b = rt_rand(k * n, 24);
	float *got = rt_zeros(m * n), *want = rt_zeros(m * n);

	qcc_rt_matmul_f32(a, b, got, m, n, k, 1, &one, &zero, &zero,
	                  QCC_ACT_RELU, 0.0f, 0.0f);
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			float s = 0.0f;

			for (int q = 0; q < k; q++)
				s += a[i * k + q] * b[q * n + j];
			want[i * n + j] = s > 0.0f ? s : 0.0f;
		}
	rt_assert_same(got, want, m * n);
}
