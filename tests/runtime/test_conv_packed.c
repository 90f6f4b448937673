/* test_conv_packed.c -- qcc_rt_conv2d_packed_f32 and its 16-channel-panel
 * twin qcc_rt_conv2d_packed16_f32 against a plain loop.
 *
 * The weights are packed here the way qcc_rt.h states (and lowering does).
 * The kernel sums each output in the loop's order (input channel, kernel
 * row, kernel column, taps outside the image skipped, then the bias, then
 * the residual), so results must agree bit for bit except through the
 * sigmoid.  The cases cover channel counts that leave a partial panel or
 * an odd panel, images smaller than the kernel, windows with no tap inside,
 * more window classes and more tiles than the kernel gathers at once, runs
 * of neighbouring pixels of every length the 16-channel panels take, and
 * a residual that is the output buffer itself. */
#include "conv_ref.h"

static float *
pack(const float *w, int m, int k)
{
	return pack_pw(w, m, k, QCC_RT_PANEL);
}

ParameterizedTestParameters(conv_packed, matches_plain_loops)
{
	static struct pk_case cases[] = {
		/* nb c  h  w  m kh kw sh sw dh dw pt pl pb pr b res act */
		{1, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU},
		{1, 4, 11, 13, 8, 3, 3, 2, 2, 1, 1, 1, 0, 2, 1, 1, 0, QCC_ACT_NONE},
		{1, 3, 10, 12, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 0, 0, QCC_ACT_NONE},
		{1, 8, 9, 10, 12, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, 0, QCC_ACT_CLIP},
		{1, 17, 5, 7, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_NONE},
		{2, 5, 9, 9, 7, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, QCC_ACT_RELU},
		{1, 2, 2, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE},
		{2, 3, 6, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, QCC_ACT_RELU},
		{1, 64, 6, 6, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE},
		{1, 3, 6, 31, 4, 1, 5, 1, 1, 1, 1, 0, 2, 0, 2, 1, 0,
		 QCC_ACT_HARDSWISH},
		{1, 5, 5, 6, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE},
		{1, 3, 12, 45, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE},
		{1, 4, 9, 29, 4, 3, 3, 1, 2, 2, 1, 0, 3, 1, 0, 1, 0, QCC_ACT_NONE},
		{1, 3, 7, 7, 2, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, 0, QCC_ACT_NONE},
		{1, 3, 9, 9, 10, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 1, 1, QCC_ACT_RELU},
		{1, 3, 8, 10, 4, 3, 3, 1, 1, 1, 1, 0, 1, 2, 1, 1, 0, QCC_ACT_RELU},
		{1, 5, 7, 7, 8, 5, 5, 1, 1, 1, 1, 3, 2, 1, 2, 0, 0, QCC_ACT_NONE},
		{1, 40, 19, 21, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE},
		{1, 6, 30, 30, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
		 QCC_ACT_SIGMOID},
		{1, 16, 20, 21, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_RELU},
		{1, 7, 14, 14, 17, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU},
		{1, 3, 4, 4, 9, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1, 0, QCC_ACT_RELU},
		{1, 2, 3, 3, 16, 2, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, QCC_ACT_NONE},
		/* runs of 6 to 12 neighbours (16-channel panels), stride 1 and 2,
		 * rows of 7, 13, 25 and 37 pixels */
		{1, 3, 31, 38, 20, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, 1, QCC_ACT_RELU},
		{1, 9, 5, 15, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU},
		{1, 5, 6, 27, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, QCC_ACT_NONE},
		{1, 4, 9, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU},
	};

	return cr_make_param_array(struct pk_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct pk_case *p, conv_packed, matches_plain_loops)
{
	int oh = out_size(p->h, p->kh, p->sh, p->dh, p->pt, p->pb);
	int ow = out_size(p->w, p->kw, p->sw, p->dw, p->pl, p->pr);
	int k = p->c * p->kh * p->kw;
	int64_t nx = (int64_t)p->nb * p->c * p->h * p->w;
	int64_t ny = (int64_t)p->nb * p->m * oh * ow;
	float *x = rt_rand(nx, 1), *w = rt_rand((int64_t)p->m * k, 2);
	float *b = p->bias ? rt_rand(p->m, 3) : NULL;
	float *res = p->res ? rt_rand(ny, 4) : NULL;
	float *got = rt_rand(ny, 5), *want = rt_zeros(ny);

	cr_assert(oh > 0 && ow > 0);
	qcc_rt_conv2d_packed_f32(x, pack(w, p->m, k), b, res, got, p->nb, p->c,
	                         p->h, p->w, p->m, oh, ow, p->kh, p->kw, p->sh,
	                         p->sw, p->dh, p->dw, p->pt, p->pl, p->act, 0.0f,
	                         6.0f);
	ref_conv(p, x, w, b, res, want, oh, ow);
	if (p->act == QCC_ACT_SIGMOID)
		rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
	else
		rt_assert_same(got, want, ny);
	/* the 16-channel panels of qcc_rt_conv2d_packed16_f32, the same sums */
	got = rt_rand(ny, 5);
	qcc_rt_conv2d_packed16_f32(x, pack_pw(w, p->m, k, QCC_RT_PANEL16), b,
	                           res, got, p->nb, p->c, p->h, p->w, p->m, oh,
	                           ow, p->kh, p->kw, p->sh, p->sw, p->dh, p->dw,
	                           p->pt, p->pl, p->act, 0.0f, 6.0f);
	if (p->act == QCC_ACT_SIGMOID)
		rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
	else
		rt_assert_same(got, want, ny);
}

Test(conv_packed, residual_may_be_the_output_buffer)
{
	struct pk_case p = {1, 6, 9, 11, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1,
	                    1, 1, QCC_ACT_RELU};
	int64_t ny = 20 * 9 * 11;
	float *x = rt_rand(6 * 9 * 11, 6), *w = rt_rand(20 * 54, 7);
	float *b = rt_rand(20, 8), *res = rt_rand(ny, 9), *want = rt_zeros(ny);
	float *y = rt_zeros(ny);

	memcpy(y, res, (size_t)ny * sizeof(float));
	ref_conv(&p, x, w, b, res, want, 9, 11);
	qcc_rt_conv2d_packed_f32(x, pack(w, 20, 54), b, y, y, 1, 6, 9, 11, 20,
	                         9, 11, 3, 3, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU,
	                         0.0f, 6.0f);
	rt_assert_same(y, want, ny);
}
