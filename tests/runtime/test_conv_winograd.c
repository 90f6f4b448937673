/* test_conv_winograd.c -- qcc_rt_conv2d_wino2_f32 and qcc_rt_conv2d_wino4_f32
 * (F(4x4, 3x3)) against the plain loop.
 *
 * The weights are transformed (U = G g G^T, in double) and packed here the
 * way qcc_rt.h states, independently of backends/lower_winograd.c.  The
 * reference is the convolution computed in double; Winograd sums in
 * another order than the plain loop and transforms inputs with additions
 * first, so it is held to a tolerance relative to the output's magnitude:
 *     |got - exact| <= WG_RTOL * max |exact|   over the tensor,
 * checked before the activation's nonlinearity can hide an error (the
 * cases with an activation compare against act(exact) with the same bound,
 * which a wrong value would still break).  WG_RTOL = 2^-17 (7.6e-6): a
 * single float rounding is 2^-24 relative, and F(2x2, 3x3) is known to lose
 * a few bits (its largest transform coefficients are 1 and 1/2, so the
 * loss grows only with the reduction length); the measured worst case over
 * these shapes, resnet18's included, is printed by tests/bench/wbench.c.
 * The plain loop (qcc_rt_conv2d_f32) meets the same bound, and a kernel
 * that drops one tap misses it by orders of magnitude.
 *
 * The cases cover odd and tiny images (a last tile half outside), no and
 * asymmetric padding, channel counts that leave partial panels, blocks of
 * one or several tile rows with a partial last block, the tail register
 * tiles, bias, residual (also equal to y), and the activations; with both
 * panel widths.  F(4x4, 3x3) has transform coefficients up to 8 (and 1/24
 * in G), so it loses more bits: WG4_RTOL = 2^-14 (6.1e-5; wbench measures
 * 3.9e-6 on fmnist's 64-channel 7x7 layer), still far below what one
 * dropped tap does (a test shows it).  Its cases add planes of several
 * tile groups (14x14, 11x13) and partial 64-channel panels.  The
 * workspace starts as NaN, so reading a byte the kernel did not write
 * shows. */
#include "rt_test.h"

#define WG_RTOL 7.62939453125e-6f
#define WG4_RTOL 6.103515625e-5f

struct wg_case {
	int nb, c, h, w, m, pt, pl, pb, pr;
	int bias, res, act, rows, res_in_y;
};

static void
ref_conv(const struct wg_case *p, const float *x, const float *w,
         const float *b, const float *res, double *y, int oh, int ow)
{
	for (int n = 0; n < p->nb; n++)
	for (int mo = 0; mo < p->m; mo++)
	for (int oy = 0; oy < oh; oy++)
	for (int ox = 0; ox < ow; ox++) {
		int64_t o = (((int64_t)n * p->m + mo) * oh + oy) * ow + ox;
		double acc = b ? b[mo] : 0.0;

		for (int c = 0; c < p->c; c++)
		for (int r = 0; r < 3; r++)
		for (int s = 0; s < 3; s++) {
			int iy = oy - p->pt + r, ix = ox - p->pl + s;

			if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w)
				continue;
			acc += (double)w[((mo * p->c + c) * 3 + r) * 3 + s] *
			       x[(((int64_t)n * p->c + c) * p->h + iy) * p->w + ix];
		}
		y[o] = res ? acc + res[o] : acc;
	}
}

/* U = G g G^T for every (mo, ci), packed in panels of nr; n = 4 for
 * F(2x2, 3x3), 6 for F(4x4, 3x3). */
static float *
pack(const float *w, int m, int c, int nr, int n)
{
	static const double G2[4][3] = {
		{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1},
	};
	static const double G4[6][3] = {
		{0.25, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0},
		{-1 / 6.0, 1 / 6.0, -1 / 6.0}, {1 / 24.0, 1 / 12.0, 1 / 6.0},
		{1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1},
	};
	const double (*G)[3] = n == 4 ? G2 : G4;
	int npan = (m + nr - 1) / nr, nx = n * n;
	float *u = rt_zeros((int64_t)npan * nx * c * nr);

	for (int mo = 0; mo < m; mo++)
		for (int ci = 0; ci < c; ci++) {
			const float *g = w + ((int64_t)mo * c + ci) * 9;
			double t[6][3];

			for (int i = 0; i < n; i++)
				for (int s = 0; s < 3; s++)
					t[i][s] = G[i][0] * g[s] + G[i][1] * g[3 + s] +
					          G[i][2] * g[6 + s];
			for (int i = 0; i < n; i++)
				for (int j = 0; j < n; j++) {
					double v = t[i][0] * G[j][0] + t[i][1] * G[j][1] +
					           t[i][2] * G[j][2];
					int q = mo / nr, xi = n * i + j;

					u[(((int64_t)q * nx + xi) * c + ci) * nr + mo % nr] =
					    (float)v;
				}
		}
	return u;
}

ParameterizedTestParameters(conv_winograd, matches_the_convolution)
{
	static struct wg_case cases[] = {
		/* nb c  h   w   m pt pl pb pr b res act rows res_in_y */
		{1, 3, 7, 9, 5, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU, 1, 0},
		{1, 16, 8, 8, 16, 1, 1, 1, 1, 1, 1, QCC_ACT_NONE, 2, 0},
		{2, 17, 11, 13, 33, 1, 1, 1, 1, 1, 1, QCC_ACT_CLIP, 3, 0},
		{1, 64, 14, 14, 64, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU, 7, 0},
		{1, 64, 14, 14, 64, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU, 3, 1},
		{1, 8, 5, 6, 20, 0, 0, 0, 0, 0, 0, QCC_ACT_NONE, 1, 0},
		{1, 8, 6, 7, 12, 2, 0, 1, 2, 1, 0, QCC_ACT_SIGMOID, 2, 0},
		{1, 40, 19, 21, 40, 1, 1, 1, 1, 1, 1, QCC_ACT_HARDSWISH, 4, 0},
		{1, 4, 1, 1, 4, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE, 1, 0},
		{1, 128, 7, 7, 70, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU, 4, 0},
		{1, 5, 3, 40, 7, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE, 1, 0},
		{3, 6, 9, 4, 50, 0, 1, 2, 0, 0, 1, QCC_ACT_NONE, 2, 1},
		{1, 256, 14, 14, 32, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU, 7, 0},
	};

	return cr_make_param_array(struct wg_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

/* want = act(the convolution in double) for case p; returns max |exact|. */
static double
expect(const struct wg_case *p, const float *x, const float *w,
       const float *b, const float *res, float *want, int oh, int ow)
{
	int64_t ny = (int64_t)p->nb * p->m * oh * ow;
	double *exact = malloc((size_t)ny * sizeof(double)), big = 0.0;

	cr_assert(oh > 0 && ow > 0 && exact);
	ref_conv(p, x, w, b, res, exact, oh, ow);
	for (int64_t i = 0; i < ny; i++) {
		big = fabs(exact[i]) > big ? fabs(exact[i]) : big;
		want[i] = rt_ref_act((float)exact[i], p->act, 0.0f, 6.0f);
	}
	free(exact);
	return big;
}

/* ws as NaN; the residual for case p: res, or a copy of it in got. */
static const float *
prepare(const struct wg_case *p, float *ws, int64_t nws, const float *res,
        float *got, int64_t ny)
{
	for (int64_t i = 0; i < nws; i++)
		ws[i] = NAN;
	if (!p->res_in_y)
		return res;
	memcpy(got, res, (size_t)ny * sizeof(float));
	return got;
}

ParameterizedTest(struct wg_case *p, conv_winograd, matches_the_convolution)
{
	int oh = p->h + p->pt + p->pb - 2, ow = p->w + p->pl + p->pr - 2;
	int64_t nx = (int64_t)p->nb * p->c * p->h * p->w;
	int64_t ny = (int64_t)p->nb * p->m * oh * ow;
	int64_t nws = QCC_RT_WINO2_WS((int64_t)p->c, (ow + 1) / 2, p->rows);
	float *x = rt_rand(nx, 1), *w = rt_rand((int64_t)p->m * p->c * 9, 2);
	float *b = p->bias ? rt_rand(p->m, 3) : NULL;
	float *res = p->res ? rt_rand(ny, 4) : NULL;
	float *got = rt_zeros(ny), *want = rt_zeros(ny), *ws = rt_zeros(nws);
	double big = expect(p, x, w, b, res, want, oh, ow);

	for (int nr = 16; nr <= 32; nr += 16) {
		const float *r = prepare(p, ws, nws, res, got, ny);

		qcc_rt_conv2d_wino2_f32(x, pack(w, p->m, p->c, nr, 4), b, r, got, ws,
		                        p->nb, p->c, p->h, p->w, p->m, oh, ow,
		                        p->pt, p->pl, p->rows, nr, p->act, 0.0f,
		                        6.0f);
		rt_assert_near(got, want, NULL, ny, 0.0f, WG_RTOL * (float)big);
	}
}

ParameterizedTestParameters(conv_winograd, f4x4_matches_the_convolution)
{
	static struct wg_case cases[] = {
		/* nb c  h   w   m pt pl pb pr b res act rows res_in_y */
		{1, 64, 7, 7, 64, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU, 0, 0},
		{1, 3, 7, 9, 5, 1, 1, 1, 1, 1, 0, QCC_ACT_RELU, 0, 0},
		{2, 17, 8, 8, 33, 1, 1, 1, 1, 1, 1, QCC_ACT_CLIP, 0, 0},
		{1, 64, 7, 7, 70, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU, 0, 1},
		{1, 8, 5, 6, 20, 0, 0, 0, 0, 0, 0, QCC_ACT_NONE, 0, 0},
		{1, 8, 6, 7, 12, 2, 0, 1, 2, 1, 0, QCC_ACT_SIGMOID, 0, 0},
		{1, 40, 14, 14, 40, 1, 1, 1, 1, 1, 1, QCC_ACT_HARDSWISH, 0, 0},
		{1, 4, 1, 1, 4, 1, 1, 1, 1, 1, 0, QCC_ACT_NONE, 0, 0},
		{3, 6, 9, 4, 50, 0, 1, 2, 0, 0, 1, QCC_ACT_NONE, 0, 1},
		{1, 128, 11, 13, 16, 1, 1, 1, 1, 1, 1, QCC_ACT_RELU, 0, 0},
	};

	return cr_make_param_array(struct wg_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

/* F(4x4, 3x3), every panel width, to WG4_RTOL. */
ParameterizedTest(struct wg_case *p, conv_winograd,
                  f4x4_matches_the_convolution)
{
	int oh = p->h + p->pt + p->pb - 2, ow = p->w + p->pl + p->pr - 2;
	int64_t nx = (int64_t)p->nb * p->c * p->h * p->w;
	int64_t ny = (int64_t)p->nb * p->m * oh * ow;
	int64_t nws = QCC_RT_WINO4_WS((int64_t)p->c, p->h, p->w);
	float *x = rt_rand(nx, 1), *w = rt_rand((int64_t)p->m * p->c * 9, 2);
	float *b = p->bias ? rt_rand(p->m, 3) : NULL;
	float *res = p->res ? rt_rand(ny, 4) : NULL;
	float *got = rt_zeros(ny), *want = rt_zeros(ny), *ws = rt_zeros(nws);
	double big = expect(p, x, w, b, res, want, oh, ow);

	for (int nr = 16; nr <= 64; nr *= 2) {
		const float *r = prepare(p, ws, nws, res, got, ny);

		qcc_rt_conv2d_wino4_f32(x, pack(w, p->m, p->c, nr, 6), b, r, got, ws,
		                        p->nb, p->c, p->h, p->w, p->m, oh, ow,
		                        p->pt, p->pl, nr, p->act, 0.0f, 6.0f);
		rt_assert_near(got, want, NULL, ny, 0.0f, WG4_RTOL * (float)big);
	}
}

/* A convolution that drops one tap misses WG4_RTOL by far: the bound is
 * tight enough to catch a wrong transform coefficient. */
Test(conv_winograd, f4x4_bound_catches_a_dropped_tap)
{
	struct wg_case p = {1, 64, 7, 7, 64, 1, 1, 1, 1, 1, 0, 0, 0, 0};
	int64_t ny = (int64_t)p.m * 49, nw = (int64_t)p.m * p.c * 9;
	float *x = rt_rand((int64_t)p.c * 49, 1), *w = rt_rand(nw, 2);
	float *b = rt_rand(p.m, 3), *want = rt_zeros(ny), *got = rt_zeros(ny);
	float *ws = rt_zeros(QCC_RT_WINO4_WS(64, 7, 7));
	double big = expect(&p, x, w, b, NULL, want, 7, 7), d = 0.0;

	w[5 * 9 + 4] = 0.0f;    /* output channel 0, input channel 5, centre */
	qcc_rt_conv2d_wino4_f32(x, pack(w, p.m, p.c, 64, 6), b, NULL, got, ws, 1,
	                        p.c, 7, 7, p.m, 7, 7, 1, 1, 64, QCC_ACT_NONE, 0.0f,
	                        0.0f);
	for (int64_t i = 0; i < ny; i++)
		d = fabs(got[i] - want[i]) > d ? fabs(got[i] - want[i]) : d;
	cr_assert_gt(d, 10.0 * WG4_RTOL * big, "dropped tap: %g of %g", d, big);
}

/* The plain loop meets the bound the Winograd kernel is held to, so the
 * bound is not looser than float arithmetic needs. */
Test(conv_winograd, bound_holds_for_the_plain_loop)
{
	struct wg_case p = {1, 256, 14, 14, 32, 1, 1, 1, 1, 1, 1, 0, 1, 0};
	int64_t ny = (int64_t)p.m * 14 * 14;
	float *x = rt_rand((int64_t)p.c * 196, 1);
	float *w = rt_rand((int64_t)p.m * p.c * 9, 2), *b = rt_rand(p.m, 3);
	float *res = rt_rand(ny, 4), *got = rt_zeros(ny), *want = rt_zeros(ny);
	double *exact = malloc((size_t)ny * sizeof(double));
	double big = 0.0;

	cr_assert(exact);
	ref_conv(&p, x, w, b, res, exact, 14, 14);
	qcc_rt_conv2d_f32(x, w, b, got, 1, p.c, 14, 14, p.m, 14, 14, 3, 3, 1, 1,
	                  1, 1, 1, 1, 1, QCC_ACT_NONE, 0.0f, 0.0f);
	for (int64_t i = 0; i < ny; i++) {
		big = fabs(exact[i]) > big ? fabs(exact[i]) : big;
		got[i] += res[i];
		want[i] = (float)exact[i];
	}
	rt_assert_near(got, want, NULL, ny, 0.0f, WG_RTOL * (float)big);
}
