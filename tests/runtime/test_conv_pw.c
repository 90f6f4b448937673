/* test_conv_pw.c -- qcc_rt_conv2d_pw_f32 against a plain loop.
 *
 * The weights are packed here the way qcc_rt.h states (and lowering does):
 * panels of QCC_RT_PANEL16 output channels.  The kernel sums each output
 * in the loop's order (input channel, then the bias, then the residual),
 * so results must agree bit for bit except through the sigmoid.  The cases
 * cover planes shorter than a tile, whole tiles (7x7, 14x14) and planes
 * whose last tile overlaps the one before; channel counts that leave a
 * partial vector, one, two or three vectors per block, and a last block
 * narrower than the others; batches, with and without bias and residual,
 * and every way the activation is applied (in registers, after the
 * residual in the buffer, over the finished plane). */
#include "conv_ref.h"

ParameterizedTestParameters(conv_pw, matches_plain_loops)
{
	static struct pk_case cases[] = {
		/* nb c  h  w  m kh kw sh sw dh dw pt pl pb pr b res act */
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, QCC_ACT_NONE},
		{1, 3, 2, 2, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_RELU},
		{1, 9, 1, 6, 17, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, QCC_ACT_CLIP},
		{1, 16, 7, 7, 48, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, QCC_ACT_CLIP},
		{1, 40, 7, 7, 160, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_CLIP},
		{2, 33, 7, 7, 100, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_NONE},
		{1, 70, 14, 14, 64, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_RELU},
		{1, 5, 3, 5, 33, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, QCC_ACT_CLIP},
		{2, 12, 5, 11, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0,
		 QCC_ACT_SIGMOID},
		{1, 300, 4, 4, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1,
		 QCC_ACT_HARDSWISH},
		{1, 7, 9, 8, 96, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, QCC_ACT_RELU},
		{1, 2, 7, 7, 7, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, QCC_ACT_NONE},
	};

	return cr_make_param_array(struct pk_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct pk_case *p, conv_pw, matches_plain_loops)
{
	int hw = p->h * p->w;
	int64_t nx = (int64_t)p->nb * p->c * hw;
	int64_t ny = (int64_t)p->nb * p->m * hw;
	float *x = rt_rand(nx, 1), *w = rt_rand((int64_t)p->m * p->c, 2);
	float *b = p->bias ? rt_rand(p->m, 3) : NULL;
	float *res = p->res ? rt_rand(ny, 4) : NULL;
	float *got = rt_rand(ny, 5), *want = rt_zeros(ny);

	cr_assert(out_size(p->h, 1, 1, 1, 0, 0) == p->h &&
	          out_size(p->w, 1, 1, 1, 0, 0) == p->w, "a 1x1 window, stride 1");
	ref_conv(p, x, w, b, res, want, p->h, p->w);
	qcc_rt_conv2d_pw_f32(x, pack_pw(w, p->m, p->c, QCC_RT_PANEL16), b, res,
	                     got, p->nb, p->c, hw, p->m, p->act, 0.0f, 6.0f, 0);
	if (p->act == QCC_ACT_SIGMOID)
		rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
	else
		rt_assert_same(got, want, ny);
}
