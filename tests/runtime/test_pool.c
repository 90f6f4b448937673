/* test_pool.c -- the pooling kernels against plain loops over each window.
 *
 * Output sizes come from the IR's conv_out_size (with ceil_mode), as the
 * lowering computes them.  Max and average pooling visit the taps in the
 * same order as the loops here, so they must agree bit for bit; the
 * global average sums in interleaved lanes and is compared within a
 * relative 1e-6.  The 2x2/2 max pool stores 16 outputs at a time over
 * outputs it stores later: the floats after the output stay as they were.
 * Ties between +0 and -0 and NaN taps keep the loop's choice (the first
 * of equal maxima; NaN never). */
#include "rt_test.h"

enum { GUARD = 32 };    /* floats after the output no kernel may touch */

struct pool_case {
	int nc, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
	int ceil_mode, count_include_pad;
};

static void
ref_pool(const struct pool_case *p, int avg, const float *x, float *y,
         int oh, int ow)
{
	for (int c = 0; c < p->nc; c++)
	for (int oy = 0; oy < oh; oy++)
	for (int ox = 0; ox < ow; ox++) {
		float acc = avg ? 0.0f : -INFINITY;
		int n = 0;

		for (int r = 0; r < p->kh; r++)
		for (int s = 0; s < p->kw; s++) {
			int iy = oy * p->sh - p->pt + r * p->dh;
			int ix = ox * p->sw - p->pl + s * p->dw;
			int in = iy >= 0 && iy < p->h && ix >= 0 && ix < p->w;
			int inpad = iy >= -p->pt && iy < p->h + p->pb &&
			            ix >= -p->pl && ix < p->w + p->pr;

			n += p->count_include_pad ? inpad : in;
			if (!in)
				continue;
			if (avg)
				acc += x[(c * p->h + iy) * p->w + ix];
			else
				acc = fmaxf(acc, x[(c * p->h + iy) * p->w + ix]);
		}
		y[(c * oh + oy) * ow + ox] = avg ? acc / (float)n : acc;
	}
}

ParameterizedTestParameters(pool, matches_plain_loops)
{
	static struct pool_case cases[] = {
		/* nc h  w  kh kw sh sw dh dw pt pl pb pr ceil incl */
		{3, 8, 8, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0},
		{64, 14, 14, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0},
		{2, 7, 9, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0},
		{2, 7, 9, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 1, 0},
		{2, 40, 41, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0},
		{2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0},
		{2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, 1},
		{2, 7, 9, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1, 0},
		{2, 7, 9, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1},
		{2, 10, 11, 2, 3, 3, 2, 1, 1, 1, 0, 0, 1, 1, 1},
		{1, 11, 13, 3, 3, 1, 1, 2, 2, 2, 1, 0, 3, 0, 0},
		{1, 11, 13, 3, 3, 2, 1, 2, 2, 2, 1, 0, 3, 1, 1},
		{4, 5, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1},
		{1, 6, 6, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1, 0},
		{2, 1, 17, 1, 4, 1, 3, 1, 1, 0, 2, 0, 1, 1, 1},
	};

	return cr_make_param_array(struct pool_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct pool_case *p, pool, matches_plain_loops)
{
	int oh = (int)conv_out_size(p->h, p->kh, p->sh, p->dh, p->pt, p->pb,
	                            p->ceil_mode);
	int ow = (int)conv_out_size(p->w, p->kw, p->sw, p->dw, p->pl, p->pr,
	                            p->ceil_mode);
	int64_t ny = (int64_t)p->nc * oh * ow;
	float *x = rt_rand((int64_t)p->nc * p->h * p->w, 7);
	float *got = rt_zeros(ny + GUARD), *want = rt_zeros(ny);
	float guard[GUARD];

	cr_assert(oh > 0 && ow > 0);
	for (int i = 0; i < GUARD; i++)
		guard[i] = got[ny + i] = (float)i;
	qcc_rt_maxpool2d_f32(x, got, p->nc, p->h, p->w, oh, ow, p->kh, p->kw,
	                     p->sh, p->sw, p->dh, p->dw, p->pt, p->pl);
	ref_pool(p, 0, x, want, oh, ow);
	rt_assert_same(got, want, ny);
	rt_assert_same(got + ny, guard, GUARD);
	qcc_rt_avgpool2d_f32(x, got, p->nc, p->h, p->w, oh, ow, p->kh, p->kw,
	                     p->sh, p->sw, p->dh, p->dw, p->pt, p->pl, p->pb,
	                     p->pr, p->count_include_pad);
	ref_pool(p, 1, x, want, oh, ow);
	rt_assert_same(got, want, ny);
}

Test(pool, ceil_mode_windows_past_the_padding_do_not_count)
{
	/* 1x5 input, kernel 2, stride 2, ceil_mode: the third window holds
	 * x[4] alone; counting padding (none here) must still divide by 1. */
	float x[5] = {1, 2, 3, 4, 10}, y[3];

	cr_assert_eq(conv_out_size(5, 2, 2, 1, 0, 0, true), 3);
	qcc_rt_avgpool2d_f32(x, y, 1, 1, 5, 1, 3, 1, 2, 1, 2, 1, 1, 0, 0, 0, 0, 1);
	cr_assert_float_eq(y[0], 1.5f, 0);
	cr_assert_float_eq(y[1], 3.5f, 0);
	cr_assert_float_eq(y[2], 10.0f, 0);
}

Test(pool, global_average_matches_a_plain_mean)
{
	static const int sizes[] = {1, 7, 8, 49, 50, 196, 1001};

	for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
		int hw = sizes[t], nc = 5;
		float *x = rt_rand((int64_t)nc * hw, 8 + (uint32_t)t);
		float got[5], want[5], scale[5];

		qcc_rt_globalavgpool_f32(x, got, nc, hw);
		for (int c = 0; c < nc; c++) {
			double s = 0, a = 0;

			for (int i = 0; i < hw; i++) {
				s += x[c * hw + i];
				a += fabs(x[c * hw + i]);
			}
			want[c] = (float)(s / hw);
			scale[c] = (float)(a / hw);
		}
		rt_assert_near(got, want, scale, nc, 1e-6f, 0.0f);
	}
}

/* The vector 2x2/2 path picks what the four taps in order pick: the
 * first of equal maxima (+0 against -0) and never a NaN. */
Test(pool, max22_keeps_the_first_of_equal_maxima_and_skips_nan)
{
	enum { NC = 3, H = 4, W = 32, OW = 16 };
	float x[NC * H * W], got[NC * 2 * OW], want[NC * 2 * OW];

	for (int i = 0; i < NC * H * W; i++)
		x[i] = i % 3 == 0 ? -0.0f : i % 7 == 0 ? NAN : i % 5 == 0 ? 0.0f
		                                                     : -1.0f;
	qcc_rt_maxpool2d_f32(x, got, NC, H, W, 2, OW, 2, 2, 2, 2, 1, 1, 0, 0);
	for (int c = 0; c < NC; c++)
		for (int oy = 0; oy < 2; oy++)
			for (int ox = 0; ox < OW; ox++) {
				const float *r = x + (c * H + 2 * oy) * W + 2 * ox;
				float t = -INFINITY, v[4] = {r[0], r[1], r[W], r[W + 1]};

				for (int k = 0; k < 4; k++)
					t = v[k] > t ? v[k] : t;
				want[(c * 2 + oy) * OW + ox] = t;
			}
	rt_assert_same(got, want, NC * 2 * OW);
}
