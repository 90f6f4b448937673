/* test_conv.c -- qcc_rt_conv2d_f32 against a plain seven-deep loop.
 *
 * The kernel sums each output in the same order as the loop below (input
 * channel, kernel row, kernel column, skipping taps outside the image,
 * then the bias), so the results must agree bit for bit, except through
 * the sigmoid, whose e^x differs from libm's by at most an ulp. */
#include "rt_test.h"

struct conv_case {
	int nb, c, h, w, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, group;
	int bias, act;
	float alpha, beta;
};

static int
out_size(int in, int k, int s, int d, int p0, int p1)
{
	return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

static void
ref_conv(const struct conv_case *p, const float *x, const float *w,
         const float *b, float *y, int oh, int ow)
{
	int cg = p->c / p->group, mg = p->m / p->group;

	for (int n = 0; n < p->nb; n++)
	for (int mo = 0; mo < p->m; mo++)
	for (int oy = 0; oy < oh; oy++)
	for (int ox = 0; ox < ow; ox++) {
		int gi = mo / mg;
		float acc = 0.0f, v;

		for (int c = 0; c < cg; c++)
		for (int r = 0; r < p->kh; r++) {
			int iy = oy * p->sh - p->pt + r * p->dh;

			if (iy < 0 || iy >= p->h)
				continue;
			for (int s = 0; s < p->kw; s++) {
				int ix = ox * p->sw - p->pl + s * p->dw;

				if (ix < 0 || ix >= p->w)
					continue;
				acc += w[((mo * cg + c) * p->kh + r) * p->kw + s] *
				       x[((n * p->c + gi * cg + c) * p->h + iy) * p->w + ix];
			}
		}
		v = b ? acc + b[mo] : acc;
		y[((n * p->m + mo) * oh + oy) * ow + ox] =
		    rt_ref_act(v, p->act, p->alpha, p->beta);
	}
}

ParameterizedTestParameters(conv, matches_plain_loops)
{
	static struct conv_case cases[] = {
		/* nb c  h  w  m kh kw sh sw dh dw pt pl pb pr g  b act */
		{1, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU, 0, 0},
		{1, 4, 11, 13, 8, 3, 3, 2, 2, 1, 1, 1, 0, 2, 1, 1, 1, QCC_ACT_NONE, 0, 0},
		{1, 3, 10, 12, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0, QCC_ACT_NONE, 0, 0},
		{1, 6, 9, 20, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1, QCC_ACT_CLIP, 0, 6},
		{1, 4, 12, 15, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4, 1, QCC_ACT_RELU, 0, 0},
		{1, 8, 9, 10, 12, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 2, 1, QCC_ACT_NONE, 0, 0},
		{1, 17, 5, 7, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_NONE, 0, 0},
		{2, 5, 9, 9, 7, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 0, QCC_ACT_RELU, 0, 0},
		{1, 2, 2, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE, 0, 0},
		{2, 3, 6, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_CLIP, -0.5f, 0.5f},
		{1, 64, 6, 6, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE, 0, 0},
		{1, 3, 6, 31, 4, 1, 5, 1, 1, 1, 1, 0, 2, 0, 2, 1, 1, QCC_ACT_HARDSWISH, 0, 0},
		{1, 3, 8, 6, 4, 5, 1, 1, 1, 1, 1, 2, 0, 2, 0, 1, 1, QCC_ACT_HARDSIGMOID, 0.2f, 0.5f},
		{1, 5, 5, 6, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE, 0, 0},
		{1, 3, 12, 45, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE, 0, 0},
		{1, 4, 9, 29, 4, 3, 3, 1, 2, 2, 1, 0, 3, 1, 0, 2, 1, QCC_ACT_NONE, 0, 0},
		{1, 3, 7, 7, 2, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, 1, QCC_ACT_NONE, 0, 0},
		{1, 16, 4, 4, 16, 3, 3, 1, 1, 3, 3, 3, 3, 3, 3, 16, 1, QCC_ACT_NONE, 0, 0},
		{1, 3, 8, 10, 4, 3, 3, 1, 1, 1, 1, 0, 1, 2, 1, 1, 1, QCC_ACT_RELU, 0, 0},
		{1, 5, 7, 7, 8, 5, 5, 1, 1, 1, 1, 3, 2, 1, 2, 1, 0, QCC_ACT_NONE, 0, 0},
		{1, 40, 19, 21, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE, 0, 0},
		{1, 6, 30, 30, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1, QCC_ACT_SIGMOID, 0, 0},
	};

	return cr_make_param_array(struct conv_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct conv_case *p, conv, matches_plain_loops)
{
	int oh = out_size(p->h, p->kh, p->sh, p->dh, p->pt, p->pb);
	int ow = out_size(p->w, p->kw, p->sw, p->dw, p->pl, p->pr);
	int64_t nx = (int64_t)p->nb * p->c * p->h * p->w;
	int64_t nw = (int64_t)p->m * (p->c / p->group) * p->kh * p->kw;
	int64_t ny = (int64_t)p->nb * p->m * oh * ow;
	float *x = rt_rand(nx, 1), *w = rt_rand(nw, 2);
	float *b = p->bias ? rt_rand(p->m, 3) : NULL;
	float *got = rt_zeros(ny), *want = rt_zeros(ny);

	cr_assert(oh > 0 && ow > 0);
	qcc_rt_conv2d_f32(x, w, b, got, p->nb, p->c, p->h, p->w, p->m, oh, ow,
	                  p->kh, p->kw, p->sh, p->sw, p->dh, p->dw, p->pt, p->pl,
	                  p->group, p->act, p->alpha, p->beta);
	ref_conv(p, x, w, b, want, oh, ow);
	if (p->act == QCC_ACT_SIGMOID)
		rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
	else
		rt_assert_same(got, want, ny);
}

Test(conv, sigmoid_output_is_within_two_ulp_of_libm)
{
	struct conv_case p = {1, 3, 6, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	                      QCC_ACT_SIGMOID, 0, 0};
	int64_t ny = 4 * 6 * 7;
	float *x = rt_rand(3 * 6 * 7, 4), *w = rt_rand(4 * 27, 5);
	float *b = rt_rand(4, 6), *got = rt_zeros(ny), *want = rt_zeros(ny);

	qcc_rt_conv2d_f32(x, w, b, got, 1, 3, 6, 7, 4, 6, 7, 3, 3, 1, 1, 1, 1, 1,
	                  1, 1, QCC_ACT_SIGMOID, 0, 0);
	ref_conv(&p, x, w, b, want, 6, 7);
	rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
}
