/* test_conv_pw.c -- qcc_rt_conv2d_pw_f32 against a plain loop, and its
 * channel-blocked layouts against its NCHW one.
 *
 * The weights are packed here the way qcc_rt.h states (and lowering does):
 * panels of QCC_RT_PANEL16 output channels.  The kernel sums each output
 * in the loop's order (input channel, then the bias, then the residual),
 * so results must agree bit for bit except through the sigmoid.  The cases
 * cover planes shorter than a tile, whole tiles (7x7, 14x14) and planes
 * whose last tile overlaps the one before; channel counts that leave a
 * partial vector, one, two or three vectors per block, and a last block
 * narrower than the others, blocks of 16 channels in tiles of 21 pixels;
 * batches, with and without bias and residual, and every way the
 * activation is applied (in registers, after the residual in the buffer,
 * over the finished plane).
 *
 * Every case whose input (output) channels are a multiple of 16 runs again
 * with x (y and res) channel-blocked, NCHW16c as qcc_rt.h lays it out:
 * re-laid back, the output must equal the NCHW call's bit for bit. */
#include "conv_ref.h"
#include "nchw16c.h"

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
		/* channel counts that block on both sides */
		{1, 16, 1, 5, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_RELU},
		{2, 32, 3, 3, 48, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_CLIP},
		{1, 64, 7, 7, 64, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_NONE},
		{2, 48, 14, 14, 144, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1,
		 QCC_ACT_CLIP},
		{1, 144, 10, 11, 32, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0,
		 QCC_ACT_SILU},
		{1, 16, 23, 23, 96, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, QCC_ACT_RELU},
		{1, 24, 40, 40, 144, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0,
		 QCC_ACT_CLIP},
		{1, 144, 29, 29, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1,
		 QCC_ACT_NONE},
		{1, 96, 9, 9, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1,
		 QCC_ACT_HARDSWISH},
		{2, 32, 6, 6, 80, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0,
		 QCC_ACT_SIGMOID},
		/* blocks of 16 channels: tiles of 21 pixels */
		{1, 32, 3, 7, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_RELU},
		{2, 16, 2, 11, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_CLIP},
		{1, 32, 5, 5, 112, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, QCC_ACT_NONE},
		{1, 13, 5, 9, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, QCC_ACT_RELU},
		{1, 48, 20, 20, 160, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1,
		 QCC_ACT_HARDSWISH},
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
	float *wp = pack_pw(w, p->m, p->c, QCC_RT_PANEL16);

	cr_assert(out_size(p->h, 1, 1, 1, 0, 0) == p->h &&
	          out_size(p->w, 1, 1, 1, 0, 0) == p->w, "a 1x1 window, stride 1");
	ref_conv(p, x, w, b, res, want, p->h, p->w);
	qcc_rt_conv2d_pw_f32(x, wp, b, res, got, p->nb, p->c, hw, p->m, p->act,
	                     0.0f, 6.0f, 0);
	if (p->act == QCC_ACT_SIGMOID || p->act == QCC_ACT_SILU)
		rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
	else
		rt_assert_same(got, want, ny);
	for (int lay = 1; lay < 4; lay++) {
		int xb = lay & QCC_RT_LAYOUT_XB, yb = lay & QCC_RT_LAYOUT_YB;
		float *bx = x, *bres = res, *by = rt_rand(ny, 6), *back;

		if ((xb && p->c % 16) || (yb && p->m % 16))
			continue;
		if (xb)
			bx = nchw16c_relayout(x, p->nb, p->c, hw, 1);
		if (yb && res)
			bres = nchw16c_relayout(res, p->nb, p->m, hw, 1);
		qcc_rt_conv2d_pw_f32(bx, wp, b, bres, by, p->nb, p->c, hw, p->m,
		                     p->act, 0.0f, 6.0f, lay);
		back = yb ? nchw16c_relayout(by, p->nb, p->m, hw, 0) : by;
		for (int64_t i = 0; i < ny; i++)
			if (memcmp(&back[i], &got[i], sizeof(float)))
				cr_assert_fail("layout %d, element %lld: got %.9g, NCHW "
				               "%.9g", lay, (long long)i, back[i], got[i]);
	}
}
