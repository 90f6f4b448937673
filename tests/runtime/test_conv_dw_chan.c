/* test_conv_dw_chan.c -- qcc_rt_conv2d_dwc_f32 (depthwise convolution
 * vectorized over blocks of 16 channels) against a plain loop and against
 * qcc_rt_conv2d_dw_f32.
 *
 * The kernel sums each output in the loop's order, so results must agree
 * bit for bit except through the sigmoid.  The cases cover channel counts
 * that are not a multiple of 16 (a partial last block), both tile widths
 * (7 for tw 8, and 4) with rows that are and are not a multiple, strides 1,
 * 2 and 3, kernels 1x1 to 7x7 with dilations and asymmetric pads, rows
 * narrower than the 16 pixels the transposes take (runs crossing rows),
 * band ends with a few pixels left (scalar) or more (the moved-back last
 * run), right columns no tap reaches, many bands with a residual (rows
 * 16 wide or more keep the rows bands share), batches,
 * and shapes too wide for the buffer (the plain loop).  The same cases,
 * their channels rounded up to whole blocks of 16, run with x, y or both
 * channel-blocked (NCHW16c) and must give the NCHW call's results, re-laid
 * out, bit for bit. */
#include "nchw16c.h"
#include "rt_test.h"

struct dwc_case {
	int nb, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
	int bias, res, act, tw;
};

static int
out_size(int in, int k, int s, int d, int p0, int p1)
{
	return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

static void
ref_conv_dw(const struct dwc_case *p, const float *x, const float *w,
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

/* w [c][taps] packed as qcc_rt.h says: [ceil(c/16)][taps][16]. */
static float *
pack_dw(const float *w, int c, int taps)
{
	int nb = (c + QCC_RT_DWC_V - 1) / QCC_RT_DWC_V;
	float *p = rt_zeros((int64_t)nb * taps * QCC_RT_DWC_V);

	for (int ch = 0; ch < c; ch++)
		for (int k = 0; k < taps; k++)
			p[((ch / QCC_RT_DWC_V) * taps + k) * QCC_RT_DWC_V +
			  ch % QCC_RT_DWC_V] = w[ch * taps + k];
	return p;
}

static struct dwc_case cases[] = {
	/* nb c   h    w kh kw sh sw dh dw pt pl pb pr b res act tw */
	{1, 16, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU, 8},
	{1, 37, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_CLIP, 8},
	{1, 20, 14, 14, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_CLIP,
	 8},
	{1, 5, 14, 14, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 0, QCC_ACT_NONE, 4},
	{1, 33, 14, 14, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, QCC_ACT_RELU,
	 8},
	{1, 17, 28, 28, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 0, 0, QCC_ACT_NONE,
	 8},
	{2, 18, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU,
	 4},
	{1, 16, 56, 56, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_CLIP,
	 8},
	{1, 3, 9, 11, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0, QCC_ACT_NONE, 8},
	{1, 7, 12, 40, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 1, 0,
	 QCC_ACT_HARDSWISH, 8},
	{1, 19, 10, 26, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	 QCC_ACT_SIGMOID, 4},
	{1, 3, 8, 29, 1, 5, 1, 3, 1, 1, 0, 2, 0, 2, 1, 0, QCC_ACT_NONE, 8},
	{1, 21, 6, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, QCC_ACT_NONE, 4},
	{1, 2, 3, 3, 2, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, QCC_ACT_NONE, 8},
	{1, 4, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU, 8},
	{1, 16, 9, 20, 3, 3, 1, 1, 1, 1, 0, 1, 2, 1, 1, 0, QCC_ACT_RELU, 8},
	{1, 24, 200, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU,
	 8},
	{1, 16, 21, 17, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, QCC_ACT_CLIP,
	 8},
	{1, 16, 40, 112, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_CLIP,
	 8},
	{1, 16, 12, 60, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 1, 0, QCC_ACT_NONE, 4},
	{1, 20, 30, 40, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, QCC_ACT_RELU, 8},
	{1, 16, 31, 50, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE, 8},
	{1, 16, 61, 31, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 0, QCC_ACT_RELU, 8},
	/* one output row's band does not fit: the plain loop */
	{1, 17, 9, 120, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 1, 1, QCC_ACT_RELU,
	 8},
	{1, 3, 4, 500, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE, 8},
};

ParameterizedTestParameters(conv_dw_chan, matches_plain_loops)
{
	return cr_make_param_array(struct dwc_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct dwc_case *p, conv_dw_chan, matches_plain_loops)
{
	int oh = out_size(p->h, p->kh, p->sh, p->dh, p->pt, p->pb);
	int ow = out_size(p->w, p->kw, p->sw, p->dw, p->pl, p->pr);
	int taps = p->kh * p->kw;
	int64_t ny = (int64_t)p->nb * p->c * oh * ow;
	float *x = rt_rand((int64_t)p->nb * p->c * p->h * p->w, 1);
	float *w = rt_rand((int64_t)p->c * taps, 2);
	float *b = p->bias ? rt_rand(p->c, 3) : NULL;
	float *res = p->res ? rt_rand(ny, 4) : NULL;
	float *got = rt_rand(ny, 5), *want = rt_zeros(ny);

	cr_assert(oh > 0 && ow > 0);
	qcc_rt_conv2d_dwc_f32(x, pack_dw(w, p->c, taps), b, res, got, p->nb,
	                      p->c, p->h, p->w, p->c, oh, ow, p->kh, p->kw,
	                      p->sh, p->sw, p->dh, p->dw, p->pt, p->pl, p->tw,
	                      p->act, 0.0f, 6.0f, 0);
	ref_conv_dw(p, x, w, b, res, want, oh, ow);
	if (p->act == QCC_ACT_SIGMOID)
		rt_assert_near(got, want, NULL, ny, 2.5e-7f, 0.0f);
	else
		rt_assert_same(got, want, ny);
}

ParameterizedTestParameters(conv_dw_chan, blocked_layouts_give_the_nchw_results)
{
	return cr_make_param_array(struct dwc_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct dwc_case *p, conv_dw_chan,
                  blocked_layouts_give_the_nchw_results)
{
	int c = (p->c + 15) / 16 * 16;
	int oh = out_size(p->h, p->kh, p->sh, p->dh, p->pt, p->pb);
	int ow = out_size(p->w, p->kw, p->sw, p->dw, p->pl, p->pr);
	int taps = p->kh * p->kw;
	int64_t hw = (int64_t)p->h * p->w, ohw = (int64_t)oh * ow;
	int64_t ny = (int64_t)p->nb * c * ohw;
	float *x = rt_rand((int64_t)p->nb * c * hw, 21);
	float *wp = pack_dw(rt_rand((int64_t)c * taps, 22), c, taps);
	float *b = p->bias ? rt_rand(c, 23) : NULL;
	float *res = p->res ? rt_rand(ny, 24) : NULL;
	float *want = rt_rand(ny, 25);
	float *xb = nchw16c_relayout(x, p->nb, c, hw, 1);
	float *rb = res ? nchw16c_relayout(res, p->nb, c, ohw, 1) : NULL;

	qcc_rt_conv2d_dwc_f32(x, wp, b, res, want, p->nb, c, p->h, p->w, c, oh,
	                      ow, p->kh, p->kw, p->sh, p->sw, p->dh, p->dw, p->pt,
	                      p->pl, p->tw, p->act, 0.0f, 6.0f, 0);
	for (int layout = 1; layout <= 3; layout++) {
		int xbl = layout & QCC_RT_LAYOUT_XB, ybl = layout & QCC_RT_LAYOUT_YB;
		float *got = rt_rand(ny, 26 + layout);

		qcc_rt_conv2d_dwc_f32(xbl ? xb : x, wp, b, ybl ? rb : res, got,
		                      p->nb, c, p->h, p->w, c, oh, ow, p->kh, p->kw,
		                      p->sh, p->sw, p->dh, p->dw, p->pt, p->pl, p->tw,
		                      p->act, 0.0f, 6.0f, layout);
		if (ybl)
			got = nchw16c_relayout(got, p->nb, c, ohw, 0);
		cr_log_info("layout %d", layout);
		rt_assert_same(got, want, ny);
	}
}

Test(conv_dw_chan, agrees_with_the_plane_kernel)
{
	int c = 40, oh = 14, ow = 14;
	int64_t ny = (int64_t)c * oh * ow;
	float *x = rt_rand((int64_t)c * 28 * 28, 6), *w = rt_rand(c * 9, 7);
	float *b = rt_rand(c, 8), *res = rt_rand(ny, 11);
	float *got = rt_rand(ny, 9), *want = rt_rand(ny, 10);

	qcc_rt_conv2d_dwc_f32(x, pack_dw(w, c, 9), b, res, got, 1, c, 28, 28, c,
	                      oh, ow, 3, 3, 2, 2, 1, 1, 1, 1, 8, QCC_ACT_CLIP,
	                      0.0f, 6.0f, 0);
	qcc_rt_conv2d_dw_f32(x, w, b, res, want, 1, c, 28, 28, c, oh, ow, 3, 3,
	                     2, 2, 1, 1, 1, 1, QCC_ACT_CLIP, 0.0f, 6.0f);
	rt_assert_same(got, want, ny);
}

/* SiLU without a residual is applied to the band's pixels before they are
 * transposed back (with one, after the residual): either way each value
 * is what the kernel without an activation gives, passed through
 * qcc_rt_act_row_f32, bit for bit; partial block, 5x5 stride 2 and 3x3. */
Test(conv_dw_chan, silu_in_the_band_equals_silu_after_the_kernel)
{
	static const int shapes[][5] = {
		/* c h kh sh res */
		{19, 28, 5, 2, 0}, {32, 14, 3, 1, 0}, {21, 9, 3, 1, 1},
	};

	for (int i = 0; i < 3; i++) {
		int c = shapes[i][0], h = shapes[i][1], k = shapes[i][2];
		int s = shapes[i][3], pad = k / 2, oh = (h + 2 * pad - k) / s + 1;
		int64_t ny = (int64_t)c * oh * oh;
		float *x = rt_rand((int64_t)c * h * h, 12);
		float *w = rt_rand(c * k * k, 13), *b = rt_rand(c, 14);
		float *res = shapes[i][4] ? rt_rand(ny, 15) : NULL;
		float *got = rt_rand(ny, 16), *want = rt_rand(ny, 17);
		float *wp = pack_dw(w, c, k * k);

		for (int64_t j = 0; j < (int64_t)c * h * h; j++)
			x[j] *= 8.0f;
		qcc_rt_conv2d_dwc_f32(x, wp, b, res, got, 1, c, h, h, c, oh, oh, k,
		                      k, s, s, 1, 1, pad, pad, 8, QCC_ACT_SILU, 0.0f,
		                      0.0f, 0);
		qcc_rt_conv2d_dwc_f32(x, wp, b, res, want, 1, c, h, h, c, oh, oh, k,
		                      k, s, s, 1, 1, pad, pad, 8, QCC_ACT_NONE, 0.0f,
		                      0.0f, 0);
		qcc_rt_act_row_f32(want, (int32_t)ny, QCC_ACT_SILU, 0.0f, 0.0f);
		rt_assert_same(got, want, ny);
	}
}
