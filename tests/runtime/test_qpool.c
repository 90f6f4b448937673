/* test_qpool.c -- the integer max pooling kernel (qnn.c, vectorized row by
 * row) against the plain definition on random shapes: strides, dilations,
 * padding wider than the window reach (windows entirely in the padding
 * give 0), planes wider than the kernel's column tile; and its own path for
 * 2x2 windows of stride 2 inside the plane, on even and odd planes. */
#include "rt_test.h"

#define QRAND_SEED 0x2545f4914f6cdd1dull
#include "qrand.h"

/* The definition: the largest code of the window taps inside the plane,
 * 0 if none. */
static uint8_t
ref_max(const uint8_t *xp, int32_t h, int32_t w, int32_t oy, int32_t ox,
        int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
        int32_t dw, int32_t pt, int32_t pl)
{
	uint8_t mx = 0;

	for (int32_t ky = 0; ky < kh; ky++)
		for (int32_t kx = 0; kx < kw; kx++) {
			int32_t iy = oy * sh - pt + ky * dh;
			int32_t ix = ox * sw - pl + kx * dw;

			if (iy >= 0 && iy < h && ix >= 0 && ix < w &&
			    xp[iy * w + ix] > mx)
				mx = xp[iy * w + ix];
		}
	return mx;
}

/* One pooling of random codes against the definition. */
static void
check_pool(int it, int32_t nc, int32_t h, int32_t w, int32_t kh, int32_t kw,
           int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt,
           int32_t pl)
{
	int32_t oh = (h + 2 * pt - dh * (kh - 1) - 1) / sh + 1;
	int32_t ow = (w + 2 * pl - dw * (kw - 1) - 1) / sw + 1;
	uint8_t *x, *y;

	if (oh < 1 || ow < 1)
		return;
	x = malloc((size_t)nc * h * w);
	y = malloc((size_t)nc * oh * ow);
	cr_assert(x && y);
	for (int32_t i = 0; i < nc * h * w; i++)
		x[i] = (uint8_t)range(0, 255);
	qcc_rt_maxpool2d_q8(x, y, nc, h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt,
	                    pl);
	for (int32_t p = 0; p < nc; p++)
		for (int32_t oy = 0; oy < oh; oy++)
			for (int32_t ox = 0; ox < ow; ox++) {
				uint8_t want = ref_max(x + (size_t)p * h * w, h, w, oy,
				                       ox, kh, kw, sh, sw, dh, dw, pt,
				                       pl);
				uint8_t got = y[((size_t)p * oh + oy) * ow + ox];

				cr_assert_eq(got, want, "case %d: plane %d (%d, %d) "
				             "is %d, want %d", it, p, oy, ox, got,
				             want);
			}
	free(x);
	free(y);
}

Test(qpool, max_pool_equals_the_definition_on_random_shapes)
{
	for (int it = 0; it < 300; it++) {
		int32_t nc = range(1, 5), kh = range(1, 4), kw = range(1, 4);
		int32_t sh = range(1, 3), sw = range(1, 3), dh = range(1, 2);
		int32_t dw = range(1, 2), pt = range(0, 5), pl = range(0, 5);
		int32_t h = range(1, 30), w = it % 10 == 0 ? range(250, 700)
		                                           : range(1, 60);

		check_pool(it, nc, h, w, kh, kw, sh, sw, dh, dw, pt, pl);
	}
}

Test(qpool, two_by_two_stride_two_pools_equal_the_definition)
{
	check_pool(0, 64, 14, 14, 2, 2, 2, 2, 1, 1, 0, 0);   /* fmnist's */
	for (int it = 1; it < 200; it++)
		check_pool(it, range(1, 9), range(2, 40), range(2, 70), 2, 2, 2, 2,
		           1, 1, 0, 0);
}
