/* test_conv_dw.c -- qcc_rt_conv2d_dw_f32 against a plain loop and against
 * qcc_rt_conv2d_f32.
 *
 * The kernel sums each output in the loop's order (kernel row, kernel
 * column, taps outside the image skipped, then the bias, then the
 * residual), so results must agree bit for bit except through the sigmoid.
 * The cases cover strides 1, 2 and 3, kernel sizes 1 to 7, dilations,
 * asymmetric pads, inner runs shorter than a tile, exactly a tile, a tile
 * plus a few pixels (the moved-back last tile), images smaller than the
 * kernel and windows with no tap inside, and planes narrow enough for the
 * banded scheme (padding written out as zeros). */
#include "rt_test.h"

struct dw_case {
	int nb, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
	int bias, res, act;
};

static int
out_size(int in, int k, int s, int d, int p0, int p1)
{
	return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

static void
ref_conv_dw(const struct dw_case *p, const float *x, const float *w,
            const float *b, const float *res, float *y, int oh, int ow)
{
	for (int n = 0; n < p->nb; n++)
	for (int c = 0; c < p->c; c++)
	for (int oy = 0; oy < oh; oy++)
	for (int ox = 0; ox < ow; ox++) {
		int o = ((n * p->c + c) * oh + oy) * ow + ox;
		float acc = 0.0f, v;

		for (int r = 0; r < p->kh; r++) {
			int iy = oy * p->sh - p->pt + r * p->dh;

			if (iy < 0 || iy >= p->h)
				continue;
			for (int s = 0; s < p->kw; s++) {
				int ix = ox * p->sw - p->pl + s * p->dw;

				if (ix < 0 || ix >= p->w)
					continue;
				acc += w[(c * p->kh + r) * p->kw + s] *
				       x[((n * p->c + c) * p->h + iy) * p->w + ix];
			}
		}
		v = b ? acc + b[c] : acc;
		v = res ? v + res[o] : v;
		y[o] = rt_ref_act(v, p->act, 0.0f, 6.0f);
	}
}

ParameterizedTestParameters(conv_dw, matches_plain_loops)
{
	static struct dw_case cases[] = {
		/* nb c  h   w kh kw sh sw dh dw pt pl pb pr b res act */
		{1, 3, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU},
		{1, 4, 11, 13, 3, 3, 2, 2, 1, 1, 1, 0, 2, 1, 1, 0, QCC_ACT_NONE},
		{1, 3, 10, 12, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, QCC_ACT_NONE},
		{1, 5, 9, 10, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, 0, QCC_ACT_CLIP},
		{2, 6, 18, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU},
		{1, 2, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE},
		{1, 3, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_CLIP},
		{1, 3, 14, 14, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 0, QCC_ACT_CLIP},
		{1, 4, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE},
		{1, 32, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
		 QCC_ACT_HARDSWISH},
		{3, 5, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE},
		{1, 2, 30, 41, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE},
		{1, 2, 33, 45, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU},
		{1, 3, 19, 37, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 1, 0, QCC_ACT_RELU},
		{1, 2, 12, 40, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 1, 0,
		 QCC_ACT_HARDSWISH},
		{1, 3, 8, 29, 1, 5, 1, 3, 1, 1, 0, 2, 0, 2, 1, 0, QCC_ACT_NONE},
		{1, 3, 9, 20, 3, 3, 1, 1, 1, 1, 0, 1, 2, 1, 1, 0, QCC_ACT_RELU},
		{1, 5, 6, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_NONE},
		{1, 2, 3, 3, 2, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, QCC_ACT_NONE},
		{1, 4, 10, 26, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
		 QCC_ACT_SIGMOID},
		{1, 2, 5, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, QCC_ACT_NONE},
		/* narrow planes take the banded scheme: stride 2 with a
		 * residual, several bands, a dilated 5x5 */
		{1, 3, 21, 17, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_CLIP},
		{1, 2, 200, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU},
		{2, 3, 9, 11, 5, 5, 1, 1, 2, 2, 4, 3, 4, 3, 1, 0, QCC_ACT_NONE},
	};

	return cr_make_param_array(struct dw_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct dw_case *p, conv_dw, matches_plain_loops)
{
	int oh = out_size(p->h, p->kh, p->sh, p->dh, p->pt, p->pb);
	int ow = out_size(p->w, p->kw, p->sw, p->dw, p->pl, p->pr);
	int64_t nx = (int64_t)p->nb * p->c * p->h * p->w;
	int64_t ny = (int64_t)p->nb * p->c * oh * ow;
	float *x = rt_rand(nx, 1), *w = rt_rand((int64_t)p->c * p->kh * p->kw, 2);
	float *b = p->bias ? rt_rand(p->c, 3) : NULL;
	float *res = p->res ? rt_rand(ny, 4) : NULL;
	float *got = rt_rand(ny, 5), *want = rt_zeros(ny);

	cr_assert(oh > 0 && ow > 0);
	qcc_rt_conv2d_dw_f32(x, w, b, res, got, p->nb, p->c, p->h, p->w, p->c,
	                     oh, ow, p->kh, p->kw, p->sh, p->sw, p->dh, p->dw,
	                     p->pt, p->pl, p->act, 0.0f, 6.0f);
	ref_conv_dw(p, x, w, b, res, want, oh, ow);
	if (p->act == QCC_ACT_SIGMOID)
		rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
	else
		rt_assert_same(got, want, ny);
}

Test(conv_dw, agrees_with_the_grouped_convolution)
{
	int oh = 14, ow = 14;
	int64_t ny = 8 * 14 * 14;
	float *x = rt_rand(8 * 28 * 28, 6), *w = rt_rand(8 * 9, 7);
	float *b = rt_rand(8, 8), *got = rt_rand(ny, 9), *want = rt_rand(ny, 10);

	qcc_rt_conv2d_dw_f32(x, w, b, NULL, got, 1, 8, 28, 28, 8, oh, ow, 3, 3,
	                     2, 2, 1, 1, 1, 1, QCC_ACT_CLIP, 0.0f, 6.0f);
	qcc_rt_conv2d_f32(x, w, b, want, 1, 8, 28, 28, 8, oh, ow, 3, 3, 2, 2, 1,
	                  1, 1, 1, 8, QCC_ACT_CLIP, 0.0f, 6.0f);
	rt_assert_same(got, want, ny);
}
