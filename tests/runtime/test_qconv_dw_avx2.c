/* test_qconv_dw_avx2.c -- the AVX2 integer depthwise convolution
 * (qconv_dw_avx2.c) against the portable one (qconv_dw.c) and the scalar
 * reference qcc_rt_conv2d_q8: byte-identical outputs on random shapes
 * (strides 1 to 3 apart per axis, dilations, windows 1x1 to 7x7, odd
 * widths, asymmetric and zero padding, two images, per-channel and
 * per-tensor rescales with shifts above and below 32, clamps, full-range
 * codes and weights), mobilenet_v2's and efficientnet_b0's depthwise
 * layers, planes of several bands, and shapes it passes on to the
 * portable kernel; and its form for one input channel against
 * qcc_rt_conv2d_q8.  Skipped on a CPU without AVX2. */
#include "rt_test.h"

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 12)
#define QRAND_SEED 0x6a09e667f3bcc908ull
#include "qrand.h"

struct shape {
	int32_t nb, c, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

static void
need_avx2(void)
{
	if (!__builtin_cpu_supports("avx2"))
		cr_skip_test("this CPU has no AVX2");
}

/* Runs shape s through the reference, the portable and the AVX2 kernel
 * and asserts that all three agree byte for byte; with one, s is a
 * group-1 convolution of one input channel into c (the reference against
 * qcc_rt_conv2d_c1_avx2_q8). */
static void
check_conv(const struct shape *s, int it, int one)
{
	int32_t oh = (s->h + s->pt + s->pb - s->dh * (s->kh - 1) - 1) / s->sh + 1;
	int32_t ow = (s->wd + s->pl + s->pr - s->dw * (s->kw - 1) - 1) / s->sw + 1;
	int32_t c = s->c, k = s->kh * s->kw, nq = range(0, 3) ? c : 1;
	size_t nx = (size_t)s->nb * (one ? 1 : c) * s->h * s->wd;
	size_t ny = (size_t)s->nb * c * oh * ow;
	uint8_t *x = malloc(nx), *want = malloc(ny), *port = malloc(ny);
	uint8_t *got = malloc(ny);
	int8_t *w = malloc((size_t)c * k);
	int32_t *bias = malloc((size_t)c * 4), *mult = malloc((size_t)c * 4);
	int32_t *shift = malloc((size_t)c * 4);
	int32_t zx = range(0, 255), zy = range(0, 255);
	int32_t lo = range(0, 3) ? 0 : 20, hi = range(0, 3) ? 255 : 200;
	const int32_t *bp = range(0, 7) ? bias : NULL;

	cr_assert(x && want && port && got && w && bias && mult && shift);
	for (size_t i = 0; i < nx; i++)
		x[i] = (uint8_t)range(0, 255);
	for (int32_t i = 0; i < c * k; i++)
		w[i] = (int8_t)range(-128, 127);
	/* the extremes, so products at the int16 limits are exercised */
	x[0] = 255;
	w[0] = -128;
	for (int32_t i = 0; i < c; i++) {
		bias[i] = range(-100000, 100000);
		mult[i] = range(1 << 30, 0x7fffffff);
		shift[i] = range(0, 4) ? range(32, 44) : range(12, 31);
	}
	qcc_rt_conv2d_q8(x, w, bp, want, s->nb, one ? 1 : c, s->h, s->wd, c, oh,
	                 ow, s->kh, s->kw, s->sh, s->sw, s->dh, s->dw, s->pt,
	                 s->pl, one ? 1 : c, zx, mult, shift, nq, zy, lo, hi);
	memcpy(port, want, ny);
	memset(got, 0xa5, ny);
	if (!one)
		qcc_rt_conv2d_dw_q8(x, w, bp, port, s->nb, c, s->h, s->wd, oh, ow,
		                    s->kh, s->kw, s->sh, s->sw, s->dh, s->dw, s->pt,
		                    s->pl, s->pt + s->h, s->pl + s->wd, zx, mult,
		                    shift, nq, zy, lo, hi);
	(one ? qcc_rt_conv2d_c1_avx2_q8 : qcc_rt_conv2d_dw_avx2_q8)(x, w, bp,
	        got, s->nb, c, s->h, s->wd, oh, ow, s->kh, s->kw, s->sh, s->sw,
	        s->dh, s->dw, s->pt, s->pl, s->pt + s->h, s->pl + s->wd, zx,
	        mult, shift, nq, zy, lo, hi);
	cr_assert(!memcmp(port, want, ny), "the portable depthwise conv "
	          "differs from the reference on case %d", it);
	for (size_t i = 0; i < ny; i++)
		cr_assert_eq(got[i], want[i], "case %d (c=%d h=%d w=%d k=%dx%d "
		             "s=%d,%d d=%d,%d pad=%d,%d,%d,%d): output %zu is %d, "
		             "the portable kernel's %d", it, c, s->h, s->wd, s->kh,
		             s->kw, s->sh, s->sw, s->dh, s->dw, s->pt, s->pl,
		             s->pb, s->pr, i, got[i], want[i]);
	free(x), free(want), free(port), free(got), free(w);
	free(bias), free(mult), free(shift);
}

static void
check(const struct shape *s, int it)
{
	check_conv(s, it, 0);
}

static struct shape
random_shape(void)
{
	struct shape s;

	s.nb = range(1, 2);
	s.c = range(1, 12);
	s.kh = range(1, 7);
	s.kw = range(1, 7);
	s.sh = range(0, 3) ? range(1, 2) : 3;
	s.sw = range(0, 3) ? range(1, 2) : 3;
	s.dh = range(0, 3) ? 1 : 2;
	s.dw = range(0, 3) ? 1 : 2;
	s.pt = range(0, 3);
	s.pl = range(0, 3);
	s.pb = range(0, 3);
	s.pr = range(0, 3);
	s.h = range(s.dh * (s.kh - 1) + 1, 40);
	s.wd = range(s.dw * (s.kw - 1) + 1, 90);
	return s;
}

Test(qconv_dw_avx2, equals_the_portable_kernel_on_random_shapes)
{
	need_avx2();
	for (int it = 0; it < 600; it++) {
		struct shape s = random_shape();

		check(&s, it);
	}
}

/* The convolution of one input channel (qcc_rt_conv2d_c1_avx2_q8), as
 * the Fashion-MNIST sample's first layer, on random shapes and planes of
 * several bands, against qcc_rt_conv2d_q8. */
Test(qconv_dw_avx2, one_input_channel_equals_the_reference_on_random_shapes)
{
	static const struct shape cases[] = {
		{1, 16, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 16, 28, 28, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{2, 5, 150, 112, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2},
		{2, 3, 230, 61, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 3, 40, 40, 9, 9, 1, 1, 1, 1, 4, 4, 4, 4},
	};

	need_avx2();
	for (int it = 0; it < 1000; it++) {
		struct shape s = random_shape();

		check_conv(&s, it, 1);
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_conv(&cases[i], 1000 + (int)i, 1);
}

Test(qconv_dw_avx2, equals_the_portable_kernel_on_the_depthwise_layers_of_the_models)
{
	static const struct shape layers[] = {
		/* nb, c, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr */
		{1, 32, 112, 112, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 96, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{1, 144, 56, 56, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 144, 56, 56, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{1, 192, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 192, 28, 28, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{1, 384, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 576, 14, 14, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{1, 960, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 240, 28, 28, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
		{1, 144, 56, 56, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2},
		{1, 672, 14, 14, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
		{1, 672, 14, 14, 5, 5, 2, 2, 1, 1, 1, 1, 2, 2},
		{1, 1152, 7, 7, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
		{1, 16, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
	};

	need_avx2();
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
		check(&layers[i], (int)i);
}

/* Planes that take several bands (the band buffers hold 2048 outputs and
 * 6144 words), odd widths, and shapes passed on to the portable kernel
 * (a window of more weight words than the kernel holds, a row too wide
 * for one band). */
Test(qconv_dw_avx2, equals_the_portable_kernel_on_several_bands_and_passed_on_shapes)
{
	static const struct shape cases[] = {
		{2, 3, 230, 60, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{2, 3, 230, 61, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
		{2, 2, 150, 112, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2},
		{1, 2, 120, 91, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2},
		{1, 3, 77, 33, 3, 3, 2, 1, 2, 1, 0, 1, 2, 0},
		{1, 2, 9, 3000, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 2, 9, 2100, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 2, 40, 40, 9, 9, 1, 1, 1, 1, 4, 4, 4, 4},
		{1, 2, 40, 40, 33, 33, 1, 1, 1, 1, 16, 16, 16, 16},
		{1, 5, 31, 31, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3},
	};

	need_avx2();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(&cases[i], (int)i);
}
#else
Test(qconv_dw_avx2, is_not_built_by_this_compiler, .disabled = true)
{
}
#endif
