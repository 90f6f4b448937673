/* test_qgemm.c -- the fast integer kernels (qgemm.c, qconv_dw.c, qrow.c)
 * against the scalar reference qcc_rt_conv2d_q8 and the rescale rule
 * qcc_rt_requant1_q8: byte-identical outputs on random shapes (edge tiles
 * in channels, pixels and reduction pairs, odd K, strides, dilations,
 * asymmetric and zero padding, several images), with full-range codes and
 * weights (-128..127) and the portable, AVX2 and AVX-512 tile codes. */
#include "rt_test.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int32_t
range(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(next() % (uint32_t)(hi - lo + 1));
}

/* The layout qcc_rt.h states for qcc_rt_conv2d_qgemm_q8. */
static int32_t *
pack(const int8_t *w, int32_t m, int32_t k)
{
	int32_t mr = QCC_RT_QG_MR, np = (m + mr - 1) / mr, kp2 = (k + 1) / 2;
	int32_t *p = calloc((size_t)np * kp2 * mr, sizeof *p);

	cr_assert(p);
	for (int32_t q = 0; q < np; q++)
		for (int32_t t = 0; t < kp2; t++)
			for (int32_t i = 0; i < mr; i++) {
				int32_t o = q * mr + i, w0 = 0, w1 = 0;

				if (o < m) {
					w0 = w[o * k + 2 * t];
					w1 = 2 * t + 1 < k ? w[o * k + 2 * t + 1] : 0;
				}
				p[(q * kp2 + t) * mr + i] = (int32_t)(
				        (uint32_t)(uint16_t)w0 |
				        (uint32_t)(uint16_t)w1 << 16);
			}
	return p;
}

/* The tile codes this CPU runs: 0 portable, 1 AVX2, 2 AVX-512BW. */
static int
max_isa(void)
{
	if (__builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512f"))
		return 2;
	return __builtin_cpu_supports("avx2") ? 1 : 0;
}

static const char *const isa_name[] = {"qgemm portable", "qgemm avx2",
                                       "qgemm avx512bw"};


struct shape {
	int32_t nb, c, h, wd, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
	int32_t oh, ow;
};

static struct shape
random_shape(int depthwise)
{
	struct shape s;

	s.nb = range(1, 2);
	s.c = range(1, depthwise ? 20 : 40);
	s.m = depthwise ? s.c : range(1, 40);
	s.kh = range(1, 5);
	s.kw = range(1, 5);
	s.sh = range(1, 3);
	s.sw = range(1, 3);
	s.dh = range(1, 2);
	s.dw = range(1, 2);
	s.pt = range(0, 2);
	s.pl = range(0, 2);
	s.pb = range(0, 2);
	s.pr = range(0, 2);
	s.h = range(s.dh * (s.kh - 1) + 1, 30);
	s.wd = range(s.dw * (s.kw - 1) + 1, 90);
	s.oh = (s.h + s.pt + s.pb - s.dh * (s.kh - 1) - 1) / s.sh + 1;
	s.ow = (s.wd + s.pl + s.pr - s.dw * (s.kw - 1) - 1) / s.sw + 1;
	return s;
}

struct qdata {
	uint8_t *x, *want, *got;
	int8_t *w;
	int32_t *bias, *mult, *shift;
	int32_t zx, nq, zy, lo, hi;
	size_t ny;
};

static struct qdata
random_data(const struct shape *s, int32_t wc)
{
	struct qdata d;
	size_t nx = (size_t)s->nb * s->c * s->h * s->wd;
	size_t nw = (size_t)s->m * wc * s->kh * s->kw;

	d.ny = (size_t)s->nb * s->m * s->oh * s->ow;
	d.x = malloc(nx);
	d.w = malloc(nw);
	d.want = malloc(d.ny);
	d.got = malloc(d.ny);
	d.bias = malloc((size_t)s->m * sizeof(int32_t));
	d.mult = malloc((size_t)s->m * sizeof(int32_t));
	d.shift = malloc((size_t)s->m * sizeof(int32_t));
	cr_assert(d.x && d.w && d.want && d.got && d.bias && d.mult && d.shift);
	for (size_t i = 0; i < nx; i++)
		d.x[i] = (uint8_t)next();
	for (size_t i = 0; i < nw; i++)
		d.w[i] = (int8_t)(next() & 0xff);
	/* the extremes, so products at the i16 limits are exercised */
	d.x[0] = 255;
	d.w[0] = -128;
	d.nq = next() % 4 ? s->m : 1;
	for (int32_t i = 0; i < s->m; i++) {
		d.bias[i] = range(-200000, 200000);
		d.mult[i] = (int32_t)(0x40000000u + next() % 0x40000000u);
		/* mostly the vectorized range (>= 32), sometimes below */
		d.shift[i] = next() % 5 ? range(32, 44) : range(12, 31);
	}
	d.zx = range(0, 255);
	d.zy = range(0, 255);
	d.lo = range(0, 60);
	d.hi = range(190, 255);
	return d;
}

/* The entry point of tile code isa (AVX-512 only when clang built the
 * runtime; otherwise AVX2 stands in). */
static void
qgemm(int isa, const uint8_t *x, const int32_t *wp, const int32_t *bias,
      uint8_t *y, const struct shape *s, const struct qdata *d)
{
	void (*fn)(QCC_RT_QG_ARGS) = qcc_rt_conv2d_qgemm_q8;

#if defined(__x86_64__)
	if (isa >= 1)
		fn = qcc_rt_conv2d_qgemm_avx2_q8;
#if defined(__clang__)
	if (isa == 2)
		fn = qcc_rt_conv2d_qgemm_avx512_q8;
#endif
#endif
	fn(x, wp, bias, y, s->nb, s->c, s->h, s->wd, s->m, s->oh, s->ow, s->kh,
	   s->kw, s->sh, s->sw, s->dh, s->dw, s->pt, s->pl, d->zx, d->mult,
	   d->shift, d->nq, d->zy, d->lo, d->hi);
}

static void
expect_same(const struct qdata *d, const char *what, int iter)
{
	for (size_t i = 0; i < d->ny; i++)
		cr_assert_eq(d->got[i], d->want[i], "%s, case %d: element %zu "
		             "is %d, the reference %d", what, iter, i,
		             d->got[i], d->want[i]);
}

Test(qgemm, packed_conv_equals_the_scalar_kernel_on_random_shapes)
{
	int maxisa = max_isa();

	for (int it = 0; it < 150; it++) {
		struct shape s = random_shape(0);
		struct qdata d = random_data(&s, s.c);
		int32_t *wp = pack(d.w, s.m, s.c * s.kh * s.kw);

		qcc_rt_conv2d_q8(d.x, d.w, d.bias, d.want, s.nb, s.c, s.h, s.wd,
		                 s.m, s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh,
		                 s.dw, s.pt, s.pl, 1, d.zx, d.mult, d.shift, d.nq,
		                 d.zy, d.lo, d.hi);
		for (int isa = 0; isa <= maxisa; isa++) {
			memset(d.got, 0xa5, d.ny);
			qgemm(isa, d.x, wp, d.bias, d.got, &s, &d);
			expect_same(&d, isa_name[isa], it);
		}
	}
}

/* Blocks of the kernel: more pixels than a block (64), more channels
 * than a channel block (252), more pairs than a chunk (128), and K at
 * the largest odd sizes resnet-like layers reach. */
Test(qgemm, packed_conv_handles_every_block_boundary)
{
	static const int32_t cases[][6] = {
		/* c, h=w, m, k, stride, pad */
		{3, 23, 64, 7, 2, 3},   {64, 9, 13, 3, 1, 1},
		{257, 5, 7, 1, 1, 0},   {29, 8, 253, 3, 1, 1},
		{512, 3, 260, 3, 1, 1}, {1, 1, 1, 1, 1, 0},
	};
	int maxisa = max_isa();

	for (size_t it = 0; it < sizeof cases / sizeof cases[0]; it++) {
		const int32_t *c = cases[it];
		struct shape s = {1, c[0], c[1], c[1], c[2], c[3], c[3], c[4],
		                  c[4], 1, 1, c[5], c[5], c[5], c[5], 0, 0};
		struct qdata d;
		int32_t *wp;

		s.oh = s.ow = (s.h + 2 * c[5] - c[3]) / c[4] + 1;
		d = random_data(&s, s.c);
		wp = pack(d.w, s.m, s.c * s.kh * s.kw);
		qcc_rt_conv2d_q8(d.x, d.w, d.bias, d.want, 1, s.c, s.h, s.wd,
		                 s.m, s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, 1, 1,
		                 s.pt, s.pl, 1, d.zx, d.mult, d.shift, d.nq, d.zy,
		                 d.lo, d.hi);
		for (int isa = 0; isa <= maxisa; isa++) {
			qgemm(isa, d.x, wp, d.bias, d.got, &s, &d);
			expect_same(&d, isa_name[isa],
			            (int)it);
		}
	}
}

Test(qgemm, depthwise_conv_equals_the_scalar_kernel_on_random_shapes)
{
	for (int it = 0; it < 200; it++) {
		struct shape s = random_shape(1);
		struct qdata d = random_data(&s, 1);
		int32_t ph = s.pt + s.h, pw = s.pl + s.wd;
		int32_t rh = (s.oh - 1) * s.sh + (s.kh - 1) * s.dh + 1;
		int32_t rw = (s.ow - 1) * s.sw + (s.kw - 1) * s.dw + 1;

		ph = rh > ph ? rh : ph;
		pw = rw > pw ? rw : pw;
		cr_assert(s.sh * s.sw * ((ph + s.sh - 1) / s.sh + 1) *
		          ((pw + s.sw - 1) / s.sw) <= QCC_RT_QDW_MAXPAD);
		qcc_rt_conv2d_q8(d.x, d.w, d.bias, d.want, s.nb, s.c, s.h, s.wd,
		                 s.c, s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh,
		                 s.dw, s.pt, s.pl, s.c, d.zx, d.mult, d.shift,
		                 d.nq, d.zy, d.lo, d.hi);
		memset(d.got, 0xa5, d.ny);
		qcc_rt_conv2d_dw_q8(d.x, d.w, d.bias, d.got, s.nb, s.c, s.h, s.wd,
		                    s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw,
		                    s.pt, s.pl, ph, pw, d.zx, d.mult, d.shift, d.nq,
		                    d.zy, d.lo, d.hi);
		expect_same(&d, "depthwise", it);
	}
}

/* Planes tall enough that the depthwise kernel takes them in several
 * bands of output rows (its buffers hold at most 2048 sums), with every
 * stride phase and both kernel sizes of the torchvision models. */
Test(qgemm, depthwise_conv_equals_the_scalar_kernel_on_planes_of_several_bands)
{
	static const int32_t cases[][6] = {
		/* h, wd, k, stride, pad, channels */
		{230, 60, 3, 1, 1, 3},
		{230, 61, 3, 2, 1, 3},
		{150, 112, 5, 2, 2, 2},
		{120, 90, 5, 1, 2, 2},
	};

	for (int it = 0; it < 4; it++) {
		const int32_t *k = cases[it];
		struct shape s = {2, k[5], k[0], k[1], k[5], k[2], k[2], k[3], k[3],
		                  1, 1, k[4], k[4], k[4], k[4], 0, 0};
		struct qdata d;

		s.oh = (s.h + 2 * s.pt - s.kh) / s.sh + 1;
		s.ow = (s.wd + 2 * s.pl - s.kw) / s.sw + 1;
		d = random_data(&s, 1);
		qcc_rt_conv2d_q8(d.x, d.w, d.bias, d.want, s.nb, s.c, s.h, s.wd,
		                 s.c, s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh,
		                 s.dw, s.pt, s.pl, s.c, d.zx, d.mult, d.shift,
		                 d.nq, d.zy, d.lo, d.hi);
		memset(d.got, 0xa5, d.ny);
		qcc_rt_conv2d_dw_q8(d.x, d.w, d.bias, d.got, s.nb, s.c, s.h, s.wd,
		                    s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw,
		                    s.pt, s.pl, s.pt + s.h, s.pl + s.wd, d.zx, d.mult,
		                    d.shift, d.nq, d.zy, d.lo, d.hi);
		expect_same(&d, "depthwise, several bands", it);
	}
}

Test(qgemm, requant_row_follows_the_rule_for_every_shift_and_extreme_sums)
{
	enum { N = 997 };
	int32_t acc[N];
	uint8_t got[N];

	for (int it = 0; it < 4000; it++) {
		int32_t mult = it % 3 ? (int32_t)(next() & 0x7fffffff)
		                      : 0x7fffffff - range(0, 3);
		int32_t shift = range(1, 62), zy = range(0, 255);
		int32_t lo = range(0, 127), hi = lo + range(0, 128);

		for (int i = 0; i < N; i++)
			acc[i] = i % 5 ? (int32_t)((uint32_t)next() << 16 ^ next())
			               : range(-3000, 3000);
		acc[0] = INT32_MIN;
		acc[1] = INT32_MAX;
		qcc_rt_requant_row_q8(acc, got, N, mult, shift, zy, lo, hi);
		for (int i = 0; i < N; i++)
			cr_assert_eq(got[i], (uint8_t)qcc_rt_requant1_q8(acc[i],
			             mult, shift, zy, lo, hi), "acc %d mult %d "
			             "shift %d", acc[i], mult, shift);
	}
}
