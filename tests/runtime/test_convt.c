/* test_convt.c -- ConvTranspose: qcc_rt_convtranspose2d_f32 against a
 * plain scatter loop, and the IR (shape inference and the reference
 * interpreter, ir/eval_convt.c) against the kernel.
 *
 * The kernel gathers per output in the order input channel, kernel row,
 * kernel column; the loop below scatters every input element instead, so
 * the sums run in another order and agree to rounding, not bit for bit.
 */
#include "rt_test.h"

struct convt_case {
	int nb, c, h, w, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, group;
	int bias, act;
};

static int
out_size(int in, int k, int s, int d, int p0, int p1)
{
	return s * (in - 1) + d * (k - 1) + 1 - p0 - p1;
}

static void
ref_convt(const struct convt_case *p, const float *x, const float *w,
          const float *b, float *y, int oh, int ow)
{
	int cg = p->c / p->group, mg = p->m / p->group;

	for (int i = 0; i < p->nb * p->m * oh * ow; i++)
		y[i] = 0.0f;
	for (int n = 0; n < p->nb; n++)
	for (int c = 0; c < p->c; c++)
	for (int iy = 0; iy < p->h; iy++)
	for (int ix = 0; ix < p->w; ix++)
	for (int mo = 0; mo < mg; mo++)
	for (int r = 0; r < p->kh; r++)
	for (int s = 0; s < p->kw; s++) {
		int oy = iy * p->sh - p->pt + r * p->dh;
		int ox = ix * p->sw - p->pl + s * p->dw;
		int m = c / cg * mg + mo;

		if (oy < 0 || oy >= oh || ox < 0 || ox >= ow)
			continue;
		y[((n * p->m + m) * oh + oy) * ow + ox] +=
		    x[((n * p->c + c) * p->h + iy) * p->w + ix] *
		    w[((c * mg + mo) * p->kh + r) * p->kw + s];
	}
	for (int i = 0; i < p->nb * p->m * oh * ow; i++) {
		float v = y[i] + (b ? b[i / (oh * ow) % p->m] : 0.0f);
		y[i] = rt_ref_act(v, p->act, 0.0f, 0.0f);
	}
}

ParameterizedTestParameters(convt, matches_a_scatter_loop)
{
	static struct convt_case cases[] = {
		/* nb c h w m kh kw sh sw dh dw pt pl pb pr g b act */
		{1, 1, 3, 3, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, QCC_ACT_NONE},
		{1, 1, 3, 3, 2, 3, 3, 3, 2, 1, 1, 0, 0, -1, -1, 1, 1, QCC_ACT_NONE},
		{1, 1, 3, 3, 2, 3, 3, 3, 2, 1, 1, 1, 2, 1, 2, 1, 0, QCC_ACT_NONE},
		{1, 1, 3, 3, 1, 2, 2, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, QCC_ACT_RELU},
		{2, 4, 5, 6, 6, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 2, 1, QCC_ACT_NONE},
		{1, 6, 4, 4, 6, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 6, 1, QCC_ACT_RELU},
		{1, 3, 1, 7, 4, 1, 5, 1, 3, 1, 2, 0, 2, 0, 1, 1, 1, QCC_ACT_NONE},
		{1, 8, 7, 5, 3, 5, 3, 1, 2, 2, 1, 2, 0, -2, 1, 1, 0, QCC_ACT_NONE},
	};

	return cr_make_param_array(struct convt_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct convt_case *p, convt, matches_a_scatter_loop)
{
	int oh = out_size(p->h, p->kh, p->sh, p->dh, p->pt, p->pb);
	int ow = out_size(p->w, p->kw, p->sw, p->dw, p->pl, p->pr);
	int64_t nx = (int64_t)p->nb * p->c * p->h * p->w;
	int64_t nw = (int64_t)p->c * (p->m / p->group) * p->kh * p->kw;
	int64_t ny = (int64_t)p->nb * p->m * oh * ow;
	float *x = rt_rand(nx, 1), *w = rt_rand(nw, 2);
	float *b = p->bias ? rt_rand(p->m, 3) : NULL;
	float *got = rt_zeros(ny), *want = rt_zeros(ny);

	cr_assert(oh > 0 && ow > 0);
	qcc_rt_convtranspose2d_f32(x, w, b, got, p->nb, p->c, p->h, p->w, p->m,
	                           oh, ow, p->kh, p->kw, p->sh, p->sw, p->dh,
	                           p->dw, p->pt, p->pl, p->group, p->act, 0.0f,
	                           0.0f);
	ref_convt(p, x, w, b, want, oh, ow);
	rt_assert_near(got, want, NULL, ny, 1e-5f, 1e-6f);
}

/* A stride-2 ConvTranspose whose kernel equals its stride is an exact
 * upsampling: every output is one input times one weight, plus bias. */
Test(convt, stride_equal_to_kernel_places_each_input_once)
{
	float x[4] = {1, 2, 3, 4}, w[4] = {1, 10, 100, 1000}, b[1] = {0.5f};
	float y[16];

	qcc_rt_convtranspose2d_f32(x, w, b, y, 1, 1, 2, 2, 1, 4, 4, 2, 2, 2, 2,
	                           1, 1, 0, 0, 1, QCC_ACT_NONE, 0, 0);
	cr_assert_float_eq(y[0], 1.5f, 0);
	cr_assert_float_eq(y[1], 10.5f, 0);
	cr_assert_float_eq(y[4], 100.5f, 0);
	cr_assert_float_eq(y[5], 1000.5f, 0);
	cr_assert_float_eq(y[2], 2.5f, 0);
	cr_assert_float_eq(y[15], 4000.5f, 0);
}

/* ---- the IR ------------------------------------------------------------- */

static Op *
convt_op(Ctx *cx, Graph *g, const TensorType *xt, const TensorType *wt,
         int group, int s, int pt, int pb)
{
	Value *x = tg_input(cx, g, xt);
	Value *w = tg_const_rand(cx, g, wt, 9, -1.0f, 1.0f);
	Op *op = tg_op(cx, g, OP_CONVTRANSPOSE, 2, (Value *[]){x, w});
	ConvAttr *a = &op->a.conv;

	for (int i = 0; i < 2; i++) {
		a->kernel[i] = 0;
		a->stride[i] = a->dilation[i] = 1;
		a->pad[i] = a->pad[i + 2] = 0;
	}
	a->stride[1] = s;
	a->pad[1] = pt;
	a->pad[3] = pb;
	if (xt->rank == 4) {
		a->stride[0] = s;
		a->pad[0] = pt;
		a->pad[2] = pb;
	}
	a->group = group;
	return op;
}

Test(convt, shape_follows_stride_kernel_and_pads)
{
	Ctx cx;
	Graph *g;
	Value *y;

	ctx_init(&cx);
	g = tg_graph(&cx);
	y = tg_infer(&cx, convt_op(&cx, g, tg_f32(&cx, TG_DIMS(1, 4, 5, 6)),
	                           tg_f32(&cx, TG_DIMS(4, 3, 3, 3)), 2, 2, 1,
	                           -1));
	/* 2*(5-1) + 3 - 1 + 1 = 11, 2*(6-1) + 3 - 1 + 1 = 13; M = 3*2 */
	cr_assert_eq(y->type->rank, 4);
	cr_assert_eq(y->type->dim[1], 6);
	cr_assert_eq(y->type->dim[2], 11);
	cr_assert_eq(y->type->dim[3], 13);
	y = tg_infer(&cx, convt_op(&cx, g, tg_f32(&cx, TG_DIMS(1, 1, 3)),
	                           tg_f32(&cx, TG_DIMS(1, 2, 3)), 1, 1, 0, 0));
	cr_assert_eq(y->type->rank, 3);
	cr_assert_eq(y->type->dim[2], 5);
	ctx_fini(&cx);
}

Test(convt, weight_channels_must_match_the_input)
{
	Ctx cx;
	Graph *g;
	const TensorType *out[1] = {0};
	char *buf = NULL;
	size_t len = 0;

	ctx_init(&cx);
	cx.diagout = open_memstream(&buf, &len);
	g = tg_graph(&cx);
	cr_assert_not(ir_infer_op(&cx, convt_op(&cx, g,
	                          tg_f32(&cx, TG_DIMS(1, 4, 5, 5)),
	                          tg_f32(&cx, TG_DIMS(3, 2, 3, 3)), 1, 1, 0, 0),
	                          out));
	fclose(cx.diagout);
	cx.diagout = stderr;
	cr_assert(strstr(buf, "has 4 channels but weight"), "got: %s", buf);
	free(buf);
	ctx_fini(&cx);
}

/* ir_eval_op (a double-precision scatter) against the kernel, through
 * the op's own attributes. */
Test(convt, interpreter_matches_the_kernel)
{
	Ctx cx;
	Graph *g;
	Op *op;
	float *x, *y, *want;
	const float *w;
	int64_t ny;

	ctx_init(&cx);
	g = tg_graph(&cx);
	op = convt_op(&cx, g, tg_f32(&cx, TG_DIMS(2, 4, 5, 6)),
	              tg_f32(&cx, TG_DIMS(4, 3, 3, 3)), 2, 2, 1, -1);
	tg_infer(&cx, op);
	ny = type_numel(op->out[0]->type);
	x = rt_rand(2 * 4 * 5 * 6, 11);
	w = value_f32(op->in[1]);
	y = rt_zeros(ny);
	want = rt_zeros(ny);
	cr_assert(ir_eval_op(&cx, op, (const void *[]){x, w}, (void *[]){y}));
	qcc_rt_convtranspose2d_f32(x, w, NULL, want, 2, 4, 5, 6, 6, 11, 13, 3,
	                           3, 2, 2, 1, 1, 1, 1, 2, QCC_ACT_NONE, 0, 0);
	rt_assert_near(y, want, NULL, ny, 1e-5f, 1e-6f);
	ctx_fini(&cx);
}
