/* conv_pw_isa.c -- qcc_rt_conv2d_pw_f32's transposing store (shuffles
 * that only clang compiles, so the Criterion tests built with cc may not
 * reach it) against the plain loop, qcc_rt_conv2d_f32, on random shapes:
 * planes shorter than a tile, whole tiles and an overlapping last tile,
 * channel counts that leave partial vectors, with and without bias and
 * residual, every way the activation is applied, each of the four layouts
 * (x and/or y and res channel-blocked, NCHW16c, where their channel counts
 * are multiples of 16: compared re-laid out).  Built and run by
 * conv_pw_isa.sh with clang for this CPU; prints one line and exits 1 on
 * the first difference. */
#include <stdio.h>
#include <stdlib.h>

#include "qcc_rt.h"
#include "nchw16c.h"

static uint32_t seed = 12345;

/* A pseudo-random integer in [lo, hi] (a linear congruential step). */
static int32_t
range(int32_t lo, int32_t hi)
{
	seed = seed * 1664525u + 1013904223u;
	return lo + (int32_t)((seed >> 8) % (uint32_t)(hi - lo + 1));
}

static float *
randf(size_t n)
{
	float *v = malloc(n * sizeof *v + 64);

	for (size_t i = 0; i < n; i++)
		v[i] = (float)range(-(1 << 20), 1 << 20) / (float)(1 << 20);
	return v;
}

int
main(void)
{
	static const int32_t acts[] = {QCC_ACT_NONE, QCC_ACT_RELU, QCC_ACT_CLIP,
	                               QCC_ACT_HARDSWISH};

	for (int it = 0; it < 400; it++) {
		int32_t nb = range(1, 2), c = range(1, 80), m = range(1, 130);
		int32_t hw = it % 4 == 0 ? range(1, 30) : 7 * range(1, 30);
		int32_t lay = range(0, 3);

		c = lay & QCC_RT_LAYOUT_XB ? 16 * range(1, 6) : c;
		m = lay & QCC_RT_LAYOUT_YB ? 16 * range(1, 9) : m;
		hw = it % 16 == 1 ? range(1000, 4000) : hw;
		int32_t act = acts[range(0, 3)], hasb = range(0, 1);
		int32_t hasr = range(0, 1), npan = (m + 15) / 16;
		size_t nx = (size_t)nb * c * hw, ny = (size_t)nb * m * hw;
		float *x = randf(nx), *w = randf((size_t)m * c), *b = randf(m);
		float *res = randf(ny), *got = randf(ny), *want = randf(ny);
		float *wp = calloc((size_t)npan * c * 16, sizeof *wp);

		for (int32_t o = 0; o < m; o++)
			for (int32_t i = 0; i < c; i++)
				wp[((size_t)(o / 16) * c + i) * 16 + o % 16] =
				    w[(size_t)o * c + i];
		qcc_rt_conv2d_f32(x, w, hasb ? b : NULL, want, nb, c, 1, hw, m, 1,
		                  hw, 1, 1, 1, 1, 1, 1, 0, 0, 1, QCC_ACT_NONE, 0,
		                  0);
		for (size_t i = 0; i < ny; i++)
			want[i] = hasr ? want[i] + res[i] : want[i];
		qcc_rt_act_row_f32(want, (int32_t)ny, act, 0.0f, 6.0f);
		int32_t xb = lay & QCC_RT_LAYOUT_XB, yb = lay & QCC_RT_LAYOUT_YB;
		float *bx = xb ? nchw16c_relayout(x, nb, c, hw, 1) : x;
		float *bres = yb ? nchw16c_relayout(res, nb, m, hw, 1) : res;

		qcc_rt_conv2d_pw_f32(bx, wp, hasb ? b : NULL, hasr ? bres : NULL,
		                     got, nb, c, hw, m, act, 0.0f, 6.0f, lay);
		if (yb) {
			float *t = nchw16c_relayout(got, nb, m, hw, 0);

			free(got);
			got = t;
		}
		for (size_t i = 0; i < ny; i++)
			if (got[i] != want[i]) {
				printf("nb %d c %d hw %d m %d act %d bias %d res %d layout "
				       "%d: output %zu is %.9g, the plain loop's %.9g\n", nb,
				       c, hw, m, act, hasb, hasr, lay, i, got[i], want[i]);
				return 1;
			}
		if (bx != x)
			free(bx);
		if (bres != res)
			free(bres);
		free(x), free(w), free(b), free(res), free(got), free(want);
		free(wp);
	}
	printf("400 random shapes equal the plain loop\n");
	return 0;
}
