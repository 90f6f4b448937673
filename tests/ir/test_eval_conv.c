/* test_eval_conv.c -- the interpreter's fast float Conv (ir/eval_conv.c)
 * against the plain loop that defines it, bit for bit, over shapes that
 * reach every path: the gemm tiles' edges, several packed blocks of rows
 * and columns, groups, depthwise, strides, dilations, asymmetric pads, a
 * kernel wider than the input, batches, no bias, the fused residual, and
 * each instruction set the CPU has. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static Ctx cx;
static Graph *g;

static void
setup(void)
{
	ctx_init(&cx);
	g = tg_graph(&cx);
}

static void
teardown(void)
{
	ctx_fini(&cx);
}

TestSuite(eval_conv, .init = setup, .fini = teardown);

typedef struct Shape {
	int64_t n, c, h, w, m, kh, kw;
	int32_t group, stride[2], dil[2], pad[4];
	bool bias, residual;
} Shape;

/* The definition: per output, bias then the taps in (c, ky, kx) order,
 * padding skipped, summed in double. */
static void
plain_conv(const Shape *s, const int64_t *od, const float *x, const float *w,
           const float *b, const float *r, float *y)
{
	int64_t cg = s->c / s->group, mg = s->m / s->group;

	for (int64_t n = 0; n < od[0]; n++)
	for (int64_t m = 0; m < od[1]; m++)
	for (int64_t oy = 0; oy < od[2]; oy++)
	for (int64_t ox = 0; ox < od[3]; ox++) {
		int64_t c0 = m / mg * cg, at;
		double sum = b ? b[m] : 0.0;

		for (int64_t c = 0; c < cg; c++)
		for (int64_t ky = 0; ky < s->kh; ky++)
		for (int64_t kx = 0; kx < s->kw; kx++) {
			int64_t iy = oy * s->stride[0] - s->pad[0] +
			             ky * s->dil[0];
			int64_t ix = ox * s->stride[1] - s->pad[1] +
			             kx * s->dil[1];
			if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
				continue;
			sum += (double)x[((n * s->c + c0 + c) * s->h + iy) *
			                 s->w + ix] *
			       w[((m * cg + c) * s->kh + ky) * s->kw + kx];
		}
		at = ((n * od[1] + m) * od[2] + oy) * od[3] + ox;
		y[at] = (float)sum;
		if (r)
			y[at] = y[at] + r[at];
	}
}

/* Runs s through ir_eval_conv_level at every level and compares each
 * result with plain_conv's, element by element (== : -0 equals +0). */
static void
check(const Shape *s, uint32_t seed)
{
	int64_t cg = s->c / s->group;
	Value *x = tg_input(&cx, g,
	                    tg_f32(&cx, TG_DIMS(s->n, s->c, s->h, s->w)));
	Value *w = tg_input(&cx, g,
	                    tg_f32(&cx, TG_DIMS(s->m, cg, s->kh, s->kw)));
	Value *b = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(s->m)));
	Value *ins[4] = {x, w, b, x};
	Op *op = tg_op(&cx, g, OP_CONV, s->bias ? 3 : 2, ins);
	ConvAttr *a = &op->a.conv;
	const TensorType *yt;
	int64_t nx = s->n * s->c * s->h * s->w, nw = s->m * cg * s->kh * s->kw;
	int64_t ny;
	float *xd, *wd, *bd, *rd = NULL, *want, *got;

	a->kernel[0] = (int32_t)s->kh;
	a->kernel[1] = (int32_t)s->kw;
	a->group = s->group;
	memcpy(a->stride, s->stride, sizeof a->stride);
	memcpy(a->dilation, s->dil, sizeof a->dilation);
	memcpy(a->pad, s->pad, sizeof a->pad);
	yt = tg_infer(&cx, op)->type;
	ny = type_numel(yt);
	xd = NEWARRAY(cx.perm, float, nx);
	wd = NEWARRAY(cx.perm, float, nw);
	bd = NEWARRAY(cx.perm, float, s->m);
	want = NEWARRAY(cx.perm, float, ny);
	got = NEWARRAY(cx.perm, float, ny);
	tg_fill_rand(xd, nx, seed, -2.0f, 2.0f);
	tg_fill_rand(wd, nw, seed + 1, -1.0f, 1.0f);
	tg_fill_rand(bd, s->m, seed + 2, -1.0f, 1.0f);
	if (s->residual) {
		rd = NEWARRAY(cx.perm, float, ny);
		tg_fill_rand(rd, ny, seed + 3, -1.0f, 1.0f);
		ins[2] = s->bias ? b : NULL;
		op->nin = 4;
		op->in = ins;
	}
	plain_conv(s, yt->dim, xd, wd, s->bias ? bd : NULL, rd, want);
	for (int level = 0; level <= 2; level++) {
		const float *in[4] = {xd, wd, s->bias ? bd : NULL, rd};
		memset(got, 0xff, (size_t)ny * sizeof *got); /* NaNs */
		ir_eval_conv_level(op, in, got, level);
		for (int64_t i = 0; i < ny; i++)
			cr_assert(got[i] == want[i],
			          "level %d, element %lld: %.9g, want %.9g",
			          level, (long long)i, got[i], want[i]);
	}
}

#define ONE {1, 1}
#define NOPAD {0, 0, 0, 0}

Test(eval_conv, pointwise_convs_match_the_plain_loop_across_blocks)
{
	/* 24x24 = 576 pixels: two column blocks; 300 channels: two row
	 * blocks; 13 outputs: a partial tile of channels */
	check(&(Shape){1, 300, 24, 24, 13, 1, 1, 1, ONE, ONE, NOPAD, true,
	               false}, 11);
	check(&(Shape){1, 16, 5, 7, 64, 1, 1, 1, ONE, ONE, NOPAD, true,
	               false}, 12);
}

Test(eval_conv, strided_padded_convs_match_the_plain_loop)
{
	/* a resnet stem in miniature: 7x7 stride 2 pad 3 */
	check(&(Shape){1, 3, 29, 31, 16, 7, 7, 1, {2, 2}, ONE, {3, 3, 3, 3},
	               true, false}, 21);
	check(&(Shape){1, 40, 9, 9, 24, 3, 3, 1, {2, 2}, ONE, {1, 1, 1, 1},
	               true, false}, 22);
	check(&(Shape){1, 8, 11, 10, 9, 3, 3, 1, {3, 1}, ONE, {0, 2, 1, 0},
	               true, false}, 23);
}

Test(eval_conv, dilated_and_non_square_kernels_match_the_plain_loop)
{
	check(&(Shape){1, 6, 12, 12, 10, 3, 3, 1, ONE, {2, 3}, {2, 3, 2, 3},
	               true, false}, 31);
	check(&(Shape){1, 5, 8, 9, 7, 3, 1, 1, ONE, ONE, {1, 0, 1, 0}, true,
	               false}, 32);
	/* a kernel wider than the input: every output mostly padding */
	check(&(Shape){1, 4, 3, 3, 8, 5, 5, 1, ONE, ONE, {2, 2, 2, 2}, true,
	               false}, 33);
}

Test(eval_conv, grouped_and_depthwise_convs_match_the_plain_loop)
{
	/* two groups of 6 outputs: the gemm loop per group */
	check(&(Shape){1, 8, 10, 10, 12, 3, 3, 2, ONE, ONE, {1, 1, 1, 1},
	               true, false}, 41);
	/* depthwise, stride 1 and 2: the direct loop */
	check(&(Shape){1, 16, 14, 14, 16, 3, 3, 16, ONE, ONE, {1, 1, 1, 1},
	               true, false}, 42);
	check(&(Shape){1, 16, 15, 15, 16, 3, 3, 16, {2, 2}, ONE,
	               {1, 1, 1, 1}, true, false}, 43);
	/* two outputs per group: direct with several input channels */
	check(&(Shape){1, 6, 7, 7, 6, 3, 3, 3, ONE, {2, 2}, {2, 2, 2, 2},
	               true, false}, 44);
}

Test(eval_conv, batches_missing_bias_and_the_residual_match_the_plain_loop)
{
	check(&(Shape){2, 7, 6, 6, 9, 3, 3, 1, ONE, ONE, {1, 1, 1, 1}, false,
	               false}, 51);
	check(&(Shape){2, 8, 6, 6, 8, 3, 3, 8, ONE, ONE, {1, 1, 1, 1}, false,
	               true}, 52);
	check(&(Shape){1, 8, 6, 6, 8, 1, 1, 1, ONE, ONE, NOPAD, true, true},
	      53);
}
