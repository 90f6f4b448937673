/* test_conv_stem.c -- qcc_rt_conv2d_stem_f32 against a plain loop.
 *
 * The weights are packed as for qcc_rt_conv2d_gemm_f32 (qcc_rt.h).  The
 * kernel sums each output in the loop's order (input channel, kernel row,
 * kernel column, taps outside the image skipped, then the bias, then the
 * residual), so results must agree bit for bit except through the
 * transcendental activations.  The cases cover strides 1 to 3 (phase
 * planes), dilation, uneven padding, windows partly or wholly outside the
 * image, channel counts that leave partial panels, bands of several rows
 * and of one, tiles that follow output rows and tiles that run across
 * them (narrow outputs), several images, a residual, and the stems of
 * resnet18 and mobilenet_v2 at full size; with either tile width.  Row
 * tiles store whole vectors past a row's end (onto outputs a later tile
 * stores): the floats after the output stay as they were. */
#include "conv_ref.h"

enum { GUARD = 64 };    /* floats after the output the kernel must not touch */

static float *
pack(const float *w, int m, int k)
{
	return pack_pw(w, m, k, QCC_RT_GEMM_MR);
}

ParameterizedTestParameters(conv_stem, matches_plain_loops)
{
	static struct pk_case cases[] = {
		/* nb c  h  w  m kh kw sh sw dh dw pt pl pb pr b res act */
		{1, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU},
		{1, 4, 11, 13, 8, 3, 3, 2, 2, 1, 1, 1, 0, 2, 1, 1, 0, QCC_ACT_NONE},
		{1, 3, 10, 12, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, QCC_ACT_NONE},
		{1, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU},
		{2, 1, 28, 28, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU},
		{1, 2, 2, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE},
		{1, 3, 7, 7, 2, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, 0, QCC_ACT_NONE},
		{1, 3, 9, 9, 10, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 1, 1, QCC_ACT_RELU},
		{1, 3, 8, 10, 4, 3, 3, 1, 1, 1, 1, 0, 1, 2, 1, 1, 0, QCC_ACT_CLIP},
		{1, 2, 3, 3, 16, 2, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, QCC_ACT_NONE},
		{1, 4, 9, 29, 4, 3, 3, 1, 2, 2, 1, 0, 3, 1, 0, 1, 0, QCC_ACT_NONE},
		{1, 3, 6, 31, 4, 1, 5, 1, 1, 1, 1, 0, 2, 0, 2, 1, 0,
		 QCC_ACT_HARDSWISH},
		{1, 3, 12, 45, 25, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE},
		{1, 3, 30, 30, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0,
		 QCC_ACT_SIGMOID},
		{1, 3, 33, 70, 32, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 1, QCC_ACT_SILU},
		{1, 2, 40, 300, 7, 5, 5, 3, 2, 1, 2, 2, 1, 2, 0, 0, 0, QCC_ACT_RELU},
		{1, 3, 224, 224, 64, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, 0,
		 QCC_ACT_RELU},
		{1, 3, 224, 224, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0,
		 QCC_ACT_CLIP},
	};

	return cr_make_param_array(struct pk_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct pk_case *p, conv_stem, matches_plain_loops)
{
	int oh = out_size(p->h, p->kh, p->sh, p->dh, p->pt, p->pb);
	int ow = out_size(p->w, p->kw, p->sw, p->dw, p->pl, p->pr);
	int k = p->c * p->kh * p->kw;
	int ext = (p->kh - 1) * p->dh / p->sh;
	int wq = ow + (p->kw - 1) * p->dw / p->sw;
	int64_t nx = (int64_t)p->nb * p->c * p->h * p->w;
	int64_t ny = (int64_t)p->nb * p->m * oh * ow;
	float *x = rt_rand(nx, 1), *w = rt_rand((int64_t)p->m * k, 2);
	float *b = p->bias ? rt_rand(p->m, 3) : NULL;
	float *res = p->res ? rt_rand(ny, 4) : NULL;
	float *got = rt_rand(ny + GUARD, 5), *want = rt_zeros(ny);
	float *guard = rt_zeros(GUARD);

	cr_assert(oh > 0 && ow > 0);
	cr_assert(k <= QCC_RT_STEM_MAXK &&
	          QCC_RT_STEM_BAND(p->c, p->sh, p->sw, ext, wq) >= 1);
	ref_conv(p, x, w, b, res, want, oh, ow);
	memcpy(guard, got + ny, GUARD * sizeof(float));
	for (int nr = 16; nr <= 32; nr += 16) {
		qcc_rt_conv2d_stem_f32(x, pack(w, p->m, k), b, res, got, p->nb,
		                       p->c, p->h, p->w, p->m, oh, ow, p->kh, p->kw,
		                       p->sh, p->sw, p->dh, p->dw, p->pt, p->pl, nr,
		                       p->act, 0.0f, 6.0f);
		if (p->act == QCC_ACT_SIGMOID || p->act == QCC_ACT_SILU)
			rt_assert_near(got, want, NULL, ny, 4e-7f, 1e-37f);
		else
			rt_assert_same(got, want, ny);
		rt_assert_same(got + ny, guard, GUARD);
	}
}
