/* conv_ref.h -- what the group-1 float convolution kernel tests share
 * (test_conv_packed.c, test_conv_gemm.c, test_conv_stem.c): a case's
 * geometry, the plain loop they are checked against (input channel, kernel
 * row, kernel column, taps outside the image skipped, then the bias, the
 * residual and the activation), and weights packed into panels of pw
 * output channels, [ceil(m/pw)][k][pw], as qcc_rt.h states and lowering
 * does. */
#ifndef QCC_TEST_CONV_REF_H
#define QCC_TEST_CONV_REF_H

#include "rt_test.h"

struct pk_case {
	int nb, c, h, w, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
	int bias, res, act;
};

static int
out_size(int in, int k, int s, int d, int p0, int p1)
{
	return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

static void
ref_conv(const struct pk_case *p, const float *x, const float *w,
         const float *b, const float *res, float *y, int oh, int ow)
{
	for (int n = 0; n < p->nb; n++)
	for (int mo = 0; mo < p->m; mo++)
	for (int oy = 0; oy < oh; oy++)
	for (int ox = 0; ox < ow; ox++) {
		int o = ((n * p->m + mo) * oh + oy) * ow + ox;
		float acc = 0.0f, v;

		for (int c = 0; c < p->c; c++)
		for (int r = 0; r < p->kh; r++) {
			int iy = oy * p->sh - p->pt + r * p->dh;

			if (iy < 0 || iy >= p->h)
				continue;
			for (int s = 0; s < p->kw; s++) {
				int ix = ox * p->sw - p->pl + s * p->dw;

				if (ix < 0 || ix >= p->w)
					continue;
				acc += w[((mo * p->c + c) * p->kh + r) * p->kw + s] *
				       x[((n * p->c + c) * p->h + iy) * p->w + ix];
			}
		}
		v = b ? acc + b[mo] : acc;
		v = res ? v + res[o] : v;
		y[o] = rt_ref_act(v, p->act, 0.0f, 6.0f);
	}
}

static float *
pack_pw(const float *w, int m, int k, int pw)
{
	int npan = (m + pw - 1) / pw;
	float *p = rt_zeros((int64_t)npan * k * pw);

	for (int o = 0; o < m; o++)
		for (int i = 0; i < k; i++)
			p[((o / pw) * k + i) * pw + o % pw] = w[o * k + i];
	return p;
}

#endif
