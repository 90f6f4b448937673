/* test_lower.c -- lower_graph on small graphs built by hand.
 *
 * The calls are run here through the qcc_rt static library by a small
 * dispatcher that checks each call's argument count and kinds against the
 * kernel's signature, and the outputs are compared with the reference
 * interpreter (ir/eval.c).  Offsets come from plan-memory. */
#include <signal.h>

#include "rt_test.h"
#include "backend.h"
#include "passes.h"

static Ctx cx;

static void
setup(void)
{
	ctx_init(&cx);
	cx.flags |= CTX_VERIFY_EACH;
}

static void
teardown(void)
{
	ctx_fini(&cx);
}

TestSuite(lower, .init = setup, .fini = teardown);

/* ---- running the calls ---------------------------------------------------- */

typedef struct Run {
	const Graph *g;
	const KCall *c;
	float *const *in;
	float *const *out;
	unsigned char *scratch;
} Run;

static void *
P(const Run *r, uint32_t i)
{
	const KArg *a = &r->c->args[i];
	const Buf *b = &a->u.buf;
	unsigned char *base = NULL;

	cr_assert(i < r->c->nargs && a->kind == KA_BUF,
	          "%s: argument %u is not a buffer", r->c->fn, i);
	switch (b->kind) {
	case BUF_NONE: return NULL;
	case BUF_INPUT: base = (unsigned char *)r->in[b->index]; break;
	case BUF_OUTPUT: base = (unsigned char *)r->out[b->index]; break;
	case BUF_SCRATCH: base = r->scratch; break;
	case BUF_CONST:
		base = (unsigned char *)r->g->values[b->index]->cst->data;
		break;
	}
	return base + b->offset;
}

static int32_t
I(const Run *r, uint32_t i)
{
	cr_assert(i < r->c->nargs && r->c->args[i].kind == KA_I32,
	          "%s: argument %u is not an int32_t", r->c->fn, i);
	return r->c->args[i].u.i;
}

static float
F(const Run *r, uint32_t i)
{
	cr_assert(i < r->c->nargs && r->c->args[i].kind == KA_F32,
	          "%s: argument %u is not a float", r->c->fn, i);
	return r->c->args[i].u.f;
}

/* A constant array argument (i32s) or a buffer. */
static const void *
A(const Run *r, uint32_t i, KArgKind k)
{
	const KArg *a = &r->c->args[i];

	if (a->kind == KA_BUF)
		return P(r, i);
	cr_assert(i < r->c->nargs && a->kind == k,
	          "%s: argument %u is not a constant array", r->c->fn, i);
	return a->u.arr.p;
}

static bool
is(const Run *r, const char *fn, uint32_t nargs)
{
	if (strcmp(r->c->fn, fn))
		return false;
	cr_assert_eq(r->c->nargs, nargs, "%s takes %u arguments, got %u", fn,
	             nargs, r->c->nargs);
	return true;
}

static void
run_call(const Run *r)
{
	if (is(r, "qcc_rt_conv2d_f32", 23))
		qcc_rt_conv2d_f32(P(r, 0), P(r, 1), P(r, 2), P(r, 3), I(r, 4),
		                  I(r, 5), I(r, 6), I(r, 7), I(r, 8), I(r, 9),
		                  I(r, 10), I(r, 11), I(r, 12), I(r, 13), I(r, 14),
		                  I(r, 15), I(r, 16), I(r, 17), I(r, 18), I(r, 19),
		                  I(r, 20), F(r, 21), F(r, 22));
	else if (is(r, "qcc_rt_conv2d_packed_f32", 23))
		qcc_rt_conv2d_packed_f32(P(r, 0), A(r, 1, KA_F32S), P(r, 2), P(r, 3),
		                         P(r, 4), I(r, 5), I(r, 6), I(r, 7), I(r, 8),
		                         I(r, 9), I(r, 10), I(r, 11), I(r, 12),
		                         I(r, 13), I(r, 14), I(r, 15), I(r, 16),
		                         I(r, 17), I(r, 18), I(r, 19), I(r, 20),
		                         F(r, 21), F(r, 22));
	else if (is(r, "qcc_rt_conv2d_dw_f32", 23))
		qcc_rt_conv2d_dw_f32(P(r, 0), P(r, 1), P(r, 2), P(r, 3), P(r, 4),
		                     I(r, 5), I(r, 6), I(r, 7), I(r, 8), I(r, 9),
		                     I(r, 10), I(r, 11), I(r, 12), I(r, 13),
		                     I(r, 14), I(r, 15), I(r, 16), I(r, 17),
		                     I(r, 18), I(r, 19), I(r, 20), F(r, 21),
		                     F(r, 22));
	else if (is(r, "qcc_rt_conv2d_dwc_f32", 25))
		qcc_rt_conv2d_dwc_f32(P(r, 0), A(r, 1, KA_F32S), P(r, 2), P(r, 3),
		                      P(r, 4), I(r, 5), I(r, 6), I(r, 7), I(r, 8),
		                      I(r, 9), I(r, 10), I(r, 11), I(r, 12),
		                      I(r, 13), I(r, 14), I(r, 15), I(r, 16),
		                      I(r, 17), I(r, 18), I(r, 19), I(r, 20),
		                      I(r, 21), F(r, 22), F(r, 23), I(r, 24));
	else if (is(r, "qcc_rt_conv2d_gemm_f32", 24))
		qcc_rt_conv2d_gemm_f32(P(r, 0), A(r, 1, KA_F32S), P(r, 2), P(r, 3),
		                       P(r, 4), I(r, 5), I(r, 6), I(r, 7), I(r, 8),
		                       I(r, 9), I(r, 10), I(r, 11), I(r, 12),
		                       I(r, 13), I(r, 14), I(r, 15), I(r, 16),
		                       I(r, 17), I(r, 18), I(r, 19), I(r, 20),
		                       I(r, 21), F(r, 22), F(r, 23));
	else if (is(r, "qcc_rt_conv2d_pw_f32", 13))
		qcc_rt_conv2d_pw_f32(P(r, 0), A(r, 1, KA_F32S), P(r, 2), P(r, 3),
		                     P(r, 4), I(r, 5), I(r, 6), I(r, 7), I(r, 8),
		                     I(r, 9), F(r, 10), F(r, 11), I(r, 12));
	else if (is(r, "qcc_rt_conv2d_stem_f32", 24))
		qcc_rt_conv2d_stem_f32(P(r, 0), A(r, 1, KA_F32S), P(r, 2), P(r, 3),
		                       P(r, 4), I(r, 5), I(r, 6), I(r, 7), I(r, 8),
		                       I(r, 9), I(r, 10), I(r, 11), I(r, 12),
		                       I(r, 13), I(r, 14), I(r, 15), I(r, 16),
		                       I(r, 17), I(r, 18), I(r, 19), I(r, 20),
		                       I(r, 21), F(r, 22), F(r, 23));
	else if (is(r, "qcc_rt_maxpool2d_f32", 15))
		qcc_rt_maxpool2d_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3), I(r, 4),
		                     I(r, 5), I(r, 6), I(r, 7), I(r, 8), I(r, 9),
		                     I(r, 10), I(r, 11), I(r, 12), I(r, 13),
		                     I(r, 14));
	else if (is(r, "qcc_rt_avgpool2d_f32", 18))
		qcc_rt_avgpool2d_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3), I(r, 4),
		                     I(r, 5), I(r, 6), I(r, 7), I(r, 8), I(r, 9),
		                     I(r, 10), I(r, 11), I(r, 12), I(r, 13),
		                     I(r, 14), I(r, 15), I(r, 16), I(r, 17));
	else if (is(r, "qcc_rt_globalavgpool_f32", 4))
		qcc_rt_globalavgpool_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3));
	else if (is(r, "qcc_rt_gemm_f32", 16))
		qcc_rt_gemm_f32(P(r, 0), A(r, 1, KA_F32S), P(r, 2), P(r, 3),
		                I(r, 4), I(r, 5), I(r, 6), I(r, 7), I(r, 8),
		                F(r, 9), F(r, 10), I(r, 11), I(r, 12), I(r, 13),
		                F(r, 14), F(r, 15));
	else if (is(r, "qcc_rt_matmul_f32", 13))
		qcc_rt_matmul_f32(P(r, 0), P(r, 1), P(r, 2), I(r, 3), I(r, 4),
		                  I(r, 5), I(r, 6), A(r, 7, KA_I32S),
		                  A(r, 8, KA_I32S), A(r, 9, KA_I32S), I(r, 10),
		                  F(r, 11), F(r, 12));
	else if (is(r, "qcc_rt_add_f32", 10) || is(r, "qcc_rt_mul_f32", 10))
		(strcmp(r->c->fn, "qcc_rt_add_f32") ? qcc_rt_mul_f32
		                                    : qcc_rt_add_f32)(
		    P(r, 0), P(r, 1), P(r, 2), I(r, 3), A(r, 4, KA_I32S),
		    A(r, 5, KA_I32S), A(r, 6, KA_I32S), I(r, 7), F(r, 8), F(r, 9));
	else if (is(r, "qcc_rt_binary_f32", 11))
		qcc_rt_binary_f32(P(r, 0), P(r, 1), P(r, 2), I(r, 3), I(r, 4),
		                  A(r, 5, KA_I32S), A(r, 6, KA_I32S),
		                  A(r, 7, KA_I32S), I(r, 8), F(r, 9), F(r, 10));
	else if (is(r, "qcc_rt_strided_f32", 5))
		qcc_rt_strided_f32(P(r, 0), P(r, 1), I(r, 2), A(r, 3, KA_I32S),
		                   A(r, 4, KA_I32S));
	else if (is(r, "qcc_rt_gather_f32", 7))
		qcc_rt_gather_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3), I(r, 4),
		                  I(r, 5), A(r, 6, KA_I32S));
	else if (is(r, "qcc_rt_pad_f32", 8))
		qcc_rt_pad_f32(P(r, 0), P(r, 1), I(r, 2), A(r, 3, KA_I32S),
		               A(r, 4, KA_I32S), A(r, 5, KA_I32S), I(r, 6), F(r, 7));
	else if (is(r, "qcc_rt_resize_f32", 8))
		qcc_rt_resize_f32(P(r, 0), P(r, 1), I(r, 2), A(r, 3, KA_I32S),
		                  A(r, 4, KA_I32S), A(r, 5, KA_I32S),
		                  A(r, 6, KA_I32S), A(r, 7, KA_F32S));
	else if (is(r, "qcc_rt_reduce_f32", 6))
		qcc_rt_reduce_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3),
		                  A(r, 4, KA_I32S), I(r, 5));
	else if (is(r, "qcc_rt_logsoftmax_f32", 5))
		qcc_rt_logsoftmax_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3), I(r, 4));
	else if (is(r, "qcc_rt_norm_rows_f32", 8))
		qcc_rt_norm_rows_f32(P(r, 0), P(r, 1), P(r, 2), P(r, 3), I(r, 4),
		                     I(r, 5), I(r, 6), F(r, 7));
	else if (is(r, "qcc_rt_lrn_f32", 9))
		qcc_rt_lrn_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3), I(r, 4), I(r, 5),
		               F(r, 6), F(r, 7), F(r, 8));
	else if (is(r, "qcc_rt_scaleshift_f32", 10))
		qcc_rt_scaleshift_f32(P(r, 0), A(r, 1, KA_F32S), A(r, 2, KA_F32S),
		                      P(r, 3), I(r, 4), I(r, 5), I(r, 6), I(r, 7),
		                      F(r, 8), F(r, 9));
	else if (is(r, "qcc_rt_act_f32", 6))
		qcc_rt_act_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3), F(r, 4), F(r, 5));
	else if (is(r, "qcc_rt_softmax_f32", 5))
		qcc_rt_softmax_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3), I(r, 4));
	else if (is(r, "qcc_rt_copy_f32", 3))
		qcc_rt_copy_f32(P(r, 0), P(r, 1), I(r, 2));
	else if (is(r, "qcc_rt_concat_f32", 5))
		qcc_rt_concat_f32(P(r, 0), P(r, 1), I(r, 2), I(r, 3), I(r, 4));
	else
		cr_assert_fail("unknown kernel %s", r->c->fn);
}

/* Plans g, lowers it, runs the calls on random inputs and compares every
 * output with the interpreter within rtol.  Returns the calls. */
static KCall *
check_graph(Graph *g, uint32_t *ncalls, float rtol)
{
	float *in[8], *out[8], *want[8];
	KCall *calls;
	Run r;

	cr_assert(g->ninputs <= 8 && g->noutputs <= 8);
	cr_assert(pass_plan_memory.run(&cx, g) || true);
	arena_reset(cx.scratch);
	cr_assert(lower_graph(&cx, g, &calls, ncalls));
	for (uint32_t i = 0; i < g->ninputs; i++)
		in[i] = rt_rand(type_numel(g->inputs[i]->type), 100 + i);
	for (uint32_t i = 0; i < g->noutputs; i++) {
		int64_t n = type_numel(g->outputs[i]->type);

		out[i] = rt_zeros(n);
		want[i] = rt_zeros(n);
	}
	cr_assert(ir_eval(&cx, g, (const void *const *)in, (void *const *)want));
	r.g = g;
	r.in = in;
	r.out = out;
	r.scratch = calloc((size_t)g->scratch_size + 64, 1);
	for (uint32_t i = 0; i < *ncalls; i++) {
		r.c = &calls[i];
		run_call(&r);
	}
	for (uint32_t i = 0; i < g->noutputs; i++)
		rt_assert_near(out[i], want[i], NULL,
		               type_numel(g->outputs[i]->type), rtol, 1e-5f);
	return calls;
}

/* select-conv on g (it picks the pointwise and depthwise kernels by
 * cx.vec_bytes; lowering follows). */
static void
select_convs(Graph *g)
{
	pass_select_conv.run(&cx, g);
	arena_reset(cx.scratch);
}

static Op *
op2(Graph *g, OpKind k, Value *a, Value *b)
{
	Value *in[2] = {a, b};

	return tg_op(&cx, g, k, b ? 2 : 1, in);
}

static const char *
fn(const KCall *c)
{
	return c->fn + strlen("qcc_rt_");
}

/* ---- tests ---------------------------------------------------------------- */

Test(lower, conv_pool_flatten_gemm_runs_like_the_interpreter)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 8, 8)));
	Value *y = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 7);
	Op *pool, *flat, *gemm;
	Value *w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(10, 64)), 8, -1, 1);
	Value *b = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(10)), 9, -1, 1);
	Value *gin[3];
	uint32_t n;
	KCall *c;

	y->def->act.kind = ACT_RELU;
	pool = op2(g, OP_MAXPOOL, y, NULL);
	pool->a.pool.kernel[0] = pool->a.pool.kernel[1] = 2;
	pool->a.pool.stride[0] = pool->a.pool.stride[1] = 2;
	flat = op2(g, OP_FLATTEN, tg_infer(&cx, pool), NULL);
	gin[0] = tg_infer(&cx, flat);
	gin[1] = w;
	gin[2] = b;
	gemm = tg_op(&cx, g, OP_GEMM, 3, gin);
	gemm->a.gemm.trans_b = true;
	tg_output(&cx, g, tg_infer(&cx, gemm));
	c = check_graph(g, &n, 1e-5f);
	cr_assert_eq(n, 3, "calls: %u", n);
	/* 3 input channels: the stem kernel, weights in panels of 6 */
	cr_assert_str_eq(fn(&c[0]), "conv2d_stem_f32");
	cr_assert_str_eq(fn(&c[1]), "maxpool2d_f32");
	cr_assert_str_eq(fn(&c[2]), "gemm_f32");
	cr_assert_eq(c[0].args[0].u.buf.kind, BUF_INPUT);
	cr_assert_eq(c[0].args[1].kind, KA_F32S);
	cr_assert_eq(c[0].args[1].u.arr.n, QCC_RT_GEMM_MR * 27,
	             "one panel of QCC_RT_GEMM_MR channels");
	cr_assert_eq(c[0].args[3].u.buf.kind, BUF_NONE);
	cr_assert_eq(c[0].args[4].u.buf.kind, BUF_SCRATCH);
	cr_assert_eq(c[0].args[21].u.i, QCC_ACT_RELU);
	cr_assert_eq(c[2].args[3].u.buf.kind, BUF_OUTPUT);
	cr_assert_eq(c[2].op, gemm);
}

Test(lower, one_pixel_1x1_conv_is_a_row_times_transposed_weights)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 40, 1, 1)));
	Value *y = tg_conv(&cx, g, x, 10, 1, 1, 0, 1, 3);
	Value *z = tg_conv(&cx, g, y, 37, 1, 1, 0, 1, 5);
	uint32_t n;
	KCall *c;

	y->def->act.kind = ACT_SILU;
	z->def->act.kind = ACT_SIGMOID;
	tg_output(&cx, g, z);
	c = check_graph(g, &n, 1e-6f);
	cr_assert_eq(n, 2, "calls: %u", n);
	cr_assert_str_eq(fn(&c[0]), "gemm_f32");
	cr_assert_str_eq(fn(&c[1]), "gemm_f32");
	cr_assert_eq(c[0].args[1].kind, KA_F32S);
	cr_assert_eq(c[0].args[1].u.arr.n, 40 * 10);
	cr_assert_eq(c[0].args[4].u.i, 2, "rows: the batch");
	cr_assert_eq(c[1].args[5].u.i, 37);
	cr_assert_eq(c[1].args[6].u.i, 10);
	cr_assert_eq(c[1].args[8].u.i, 0, "B untransposed: [k][m]");
}

Test(lower, batchnorm_becomes_scaleshift_with_constant_arrays)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 4, 5)));
	uint32_t n;
	KCall *c;

	tg_output(&cx, g, tg_bn(&cx, g, x, 5));
	c = check_graph(g, &n, 1e-5f);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(fn(&c[0]), "scaleshift_f32");
	cr_assert_eq(c[0].args[1].kind, KA_F32S);
	cr_assert_eq(c[0].args[1].u.arr.n, 3);
}

Test(lower, broadcast_add_mul_merge_axes)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 4, 5)));
	Value *ch = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3, 1, 1)), 3, -1, 1);
	Value *row = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 1, 4, 1)));
	Value *a, *m;
	uint32_t n;
	KCall *c;

	a = tg_infer(&cx, op2(g, OP_ADD, x, ch));
	a->def->act.kind = ACT_RELU;
	m = tg_infer(&cx, op2(g, OP_MUL, row, a));
	tg_output(&cx, g, m);
	c = check_graph(g, &n, 1e-6f);
	cr_assert_eq(n, 2);
	/* [2,3,4,5] + [3,1,1]: dims {2,3,20}, strides {60,20,1} and {0,1,0} */
	cr_assert_eq(c[0].args[3].u.i, 3);
	cr_assert_eq(((const int32_t *)c[0].args[4].u.arr.p)[2], 20);
	cr_assert_eq(((const int32_t *)c[0].args[6].u.arr.p)[1], 1);
}

/* Every binary op kind over broadcast operands, and the unary math
 * activations after it, through the generic binary kernel; Pow and Log
 * get positive inputs (Abs, Exp) so no NaN appears. */
Test(lower, binary_and_unary_math_run_like_the_interpreter)
{
	static const OpKind bins[] = {OP_SUB, OP_DIV, OP_MAX, OP_MIN, OP_POW,
	                              OP_PRELU};
	static const struct {
		OpKind op;
		Act act;
	} un[] = {
	    {OP_NEG, {ACT_NEG, 0, 0}},         {OP_TANH, {ACT_TANH, 0, 0}},
	    {OP_ERF, {ACT_ERF, 0, 0}},         {OP_ABS, {ACT_ABS, 0, 0}},
	    {OP_SQRT, {ACT_SQRT, 0, 0}},       {OP_EXP, {ACT_EXP, 0, 0}},
	    {OP_LOG, {ACT_LOG, 0, 0}},         {OP_SOFTPLUS, {ACT_SOFTPLUS, 0, 0}},
	    {OP_ELU, {ACT_ELU, 0.5f, 0}},      {OP_LEAKYRELU, {ACT_LEAKYRELU, 0.2f, 0}},
	    {OP_SELU, {ACT_SELU, 1.6f, 1.05f}}, {OP_RECIPROCAL, {ACT_RECIPROCAL, 0, 0}},
	};

	for (size_t b = 0; b < sizeof bins / sizeof *bins; b++) {
		Graph *g = tg_graph(&cx);
		Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 4, 5)));
		Value *ch = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3, 1, 1)),
		                          3, 0.5f, 2.0f);
		Value *v;
		Op *op;
		uint32_t n;
		KCall *c;

		if (bins[b] == OP_POW)
			x = tg_infer(&cx, tg_op(&cx, g, OP_ABS, 1, &x));
		if (bins[b] == OP_POW)
			x->def->a.act.kind = ACT_ABS;
		v = tg_infer(&cx, op2(g, bins[b], x, ch));
		for (size_t u = 0; u < sizeof un / sizeof *un; u++) {
			op = tg_op(&cx, g, un[u].op, 1, &v);
			op->a.act = un[u].act;
			v = tg_infer(&cx, op);
		}
		tg_output(&cx, g, v);
		c = check_graph(g, &n, 1e-5f);
		cr_assert_str_eq(fn(&c[bins[b] == OP_POW]), "binary_f32");
	}
}

/* Transpose, a negative-step Slice, Tile, Expand, Gather and the three
 * Pad modes, each checked bit for bit against the interpreter. */
Test(lower, index_ops_move_elements_like_the_interpreter)
{
	static const int64_t idx[] = {2, 0, 2, 1};
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 4, 5)));
	Value *v, *in[2];
	const TensorType *it;
	uint32_t n;
	Op *op;

	op = tg_op(&cx, g, OP_TRANSPOSE, 1, &x);
	memcpy(op->a.transpose.perm, (int32_t[]){2, 0, 3, 1}, 4 * 4);
	v = tg_infer(&cx, op);                                /* [4,2,5,3] */
	op = tg_op(&cx, g, OP_SLICE, 1, &v);
	for (int i = 0; i < 4; i++) {
		op->a.slice.start[i] = 0;
		op->a.slice.step[i] = 1;
		op->a.slice.len[i] = v->type->dim[i];
	}
	op->a.slice.start[2] = 4;
	op->a.slice.step[2] = -2;
	op->a.slice.len[2] = 3;
	v = tg_infer(&cx, op);                                /* [4,2,3,3] */
	op = tg_op(&cx, g, OP_TILE, 1, &v);
	memcpy(op->a.tile.rep, (int64_t[]){1, 2, 1, 2}, 4 * 8);
	v = tg_infer(&cx, op);                                /* [4,4,3,6] */
	it = type_new(&cx, DT_I64, 2, (int64_t[]){2, 2}, NULL);
	in[0] = v;
	in[1] = ir_const(&cx, g, it, idx, "idx");
	op = tg_op(&cx, g, OP_GATHER, 2, in);
	op->a.axis.axis = 2;
	v = tg_infer(&cx, op);                                /* [4,4,2,2,6] */
	for (int m = PAD_CONSTANT; m <= PAD_EDGE; m++) {
		op = tg_op(&cx, g, OP_PAD, 1, &v);
		op->a.pad.mode = (PadMode)m;
		op->a.pad.value = 0.5f;
		op->a.pad.before[4] = 2;
		op->a.pad.after[4] = 3;
		op->a.pad.before[1] = 1;
		v = tg_infer(&cx, op);
	}
	op = tg_op(&cx, g, OP_EXPAND, 1, &v);
	op->a.reshape.rank = 6;
	memcpy(op->a.reshape.shape, (int64_t[]){2, 1, 1, 1, 1, 1}, 6 * 8);
	v = tg_infer(&cx, op);
	tg_output(&cx, g, v);
	check_graph(g, &n, 0.0f);
}

/* Resize in every coordinate mode, linear and each nearest rounding,
 * up- and downsampling, against the interpreter. */
Test(lower, resize_tables_match_the_interpreter)
{
	static const float scale[4] = {1.0f, 1.5f, 1.7f, 0.6f};

	for (int coord = COORD_HALF_PIXEL;
	     coord <= COORD_TF_HALF_PIXEL_FOR_NEAREST; coord++) {
		for (int m = 0; m < 5; m++) {
			Graph *g = tg_graph(&cx);
			Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 2, 5, 7)));
			Op *op = tg_op(&cx, g, OP_RESIZE, 1, &x);
			uint32_t n;

			op->a.resize.mode = m == 4 ? RESIZE_LINEAR : RESIZE_NEAREST;
			op->a.resize.nearest = (NearestMode)(m & 3);
			op->a.resize.coord = (CoordMode)coord;
			for (int i = 0; i < 4; i++) {
				op->a.resize.scale[i] = scale[i];
				op->a.resize.out[i] =
				    (int64_t)(x->type->dim[i] * scale[i]);
			}
			tg_output(&cx, g, tg_infer(&cx, op));
			check_graph(g, &n, 1e-6f);
		}
	}
}

/* LRN, InstanceNormalization, LayerNormalization, LogSoftmax and every
 * reduction over a non-contiguous axis set, against the interpreter. */
Test(lower, norms_and_reductions_run_like_the_interpreter)
{
	static const OpKind red[] = {OP_REDUCEMEAN, OP_REDUCEMAX, OP_REDUCESUM,
	                             OP_REDUCEL2};

	for (size_t k = 0; k < sizeof red / sizeof *red; k++) {
		Graph *g = tg_graph(&cx);
		Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 4, 5)));
		Value *sc = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3)), 7, 0.5f, 2);
		Value *bi = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3)), 8, -1, 1);
		Value *ls = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(4, 5)), 9,
		                          0.5f, 2);
		Value *in[3] = {x, sc, bi}, *v;
		Op *op;
		uint32_t n;

		op = tg_op(&cx, g, OP_LRN, 1, &x);
		op->a.lrn = (LrnAttr){3, 0.5f, 0.75f, 1.5f};
		in[0] = tg_infer(&cx, op);
		op = tg_op(&cx, g, OP_INSTNORM, 3, in);
		op->a.norm.eps = 1e-3f;
		in[0] = tg_infer(&cx, op);
		in[1] = ls;
		op = tg_op(&cx, g, OP_LAYERNORM, 2, in);
		op->a.norm = (NormAttr){2, 1e-4f};
		v = tg_infer(&cx, op);
		op = tg_op(&cx, g, OP_LOGSOFTMAX, 1, &v);
		op->a.softmax.axis = 1;
		v = tg_infer(&cx, op);
		op = tg_op(&cx, g, red[k], 1, &v);
		op->a.reduce.axes = 0xa;    /* axes 1 and 3 */
		op->a.reduce.keepdims = k & 1;
		tg_output(&cx, g, tg_infer(&cx, op));
		check_graph(g, &n, 1e-5f);
	}
}

Test(lower, matmul_softmax_concat_pools)
{
	Graph *g = tg_graph(&cx);
	Value *a = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 1, 3, 4)));
	Value *b = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3, 4, 5)), 4, -1, 1);
	Value *im = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 2, 7, 9)));
	Value *mm, *sm, *cat, *ap, *gp, *cin[3];
	Op *op;
	uint32_t n;

	mm = tg_infer(&cx, op2(g, OP_MATMUL, a, b));
	op = op2(g, OP_SOFTMAX, mm, NULL);
	op->a.softmax.axis = 2;
	sm = tg_infer(&cx, op);
	tg_output(&cx, g, sm);
	op = op2(g, OP_AVGPOOL, im, NULL);
	op->a.pool.kernel[0] = op->a.pool.kernel[1] = 3;
	op->a.pool.stride[0] = op->a.pool.stride[1] = 2;
	op->a.pool.pad[0] = op->a.pool.pad[1] = 1;
	op->a.pool.ceil_mode = true;
	ap = tg_infer(&cx, op);
	gp = tg_infer(&cx, op2(g, OP_GLOBALAVGPOOL, im, NULL));
	cin[0] = gp;
	cin[1] = tg_infer(&cx, op2(g, OP_GLOBALAVGPOOL, ap, NULL));
	cin[2] = gp;
	op = tg_op(&cx, g, OP_CONCAT, 3, cin);
	op->a.axis.axis = 1;
	cat = tg_infer(&cx, op);
	tg_output(&cx, g, cat);
	check_graph(g, &n, 1e-5f);
}

Test(lower, outputs_living_elsewhere_are_copied)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 6)));
	Value *k = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(1, 6)), 2, -1, 1);
	Value *r;
	uint32_t n;
	KCall *c;

	r = tg_infer(&cx, op2(g, OP_RELU, x, NULL));
	tg_output(&cx, g, r);
	tg_output(&cx, g, x);
	tg_output(&cx, g, r);
	tg_output(&cx, g, k);
	c = check_graph(g, &n, 0.0f);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(fn(&c[0]), "act_f32");
	for (uint32_t i = 1; i < 4; i++) {
		cr_assert_str_eq(fn(&c[i]), "copy_f32");
		cr_assert_null(c[i].op);
		cr_assert_eq(c[i].args[1].u.buf.kind, BUF_OUTPUT);
		cr_assert_eq(c[i].args[1].u.buf.index, i);
	}
	cr_assert_eq(c[2].args[0].u.buf.kind, BUF_OUTPUT);
	cr_assert_eq(c[3].args[0].u.buf.kind, BUF_CONST);
}

Test(lower, views_copy_only_when_their_buffers_differ)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 2)));
	Value *f, *r, *f2;
	uint32_t n;
	KCall *c;

	f = tg_infer(&cx, op2(g, OP_FLATTEN, x, NULL));   /* input: copied */
	r = tg_infer(&cx, op2(g, OP_RELU, f, NULL));
	f2 = tg_infer(&cx, op2(g, OP_IDENTITY, r, NULL)); /* aliased */
	tg_output(&cx, g, tg_infer(&cx, op2(g, OP_SIGMOID, f2, NULL)));
	c = check_graph(g, &n, 1e-6f);
	cr_assert_eq(n, 3, "calls: %u", n);
	cr_assert_str_eq(fn(&c[0]), "copy_f32");
	cr_assert_str_eq(fn(&c[1]), "act_f32");
	cr_assert_str_eq(fn(&c[2]), "act_f32");
}

/* Depthwise convolutions: the channel kernel (packed weights) for wide
 * vectors, the plane kernel without (select-conv's choice); both run like
 * the interpreter. */
Test(lower, depthwise_conv_picks_its_kernel_by_vector_width)
{
	static const int vb[] = {0, 32, 64};
	static const char *want[] = {"conv2d_dw_f32", "conv2d_dwc_f32",
	                             "conv2d_dwc_f32"};

	for (int i = 0; i < 3; i++) {
		Graph *g = tg_graph(&cx);
		Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 20, 14, 14)));
		uint32_t n;
		KCall *c;

		cx.vec_bytes = vb[i];
		tg_output(&cx, g, tg_conv(&cx, g, x, 20, 3, 2, 1, 20, 30));
		select_convs(g);
		c = check_graph(g, &n, 1e-6f);
		cr_assert_eq(n, 1, "calls: %u", n);
		cr_assert_str_eq(fn(&c[0]), want[i]);
	}
}

/* 1x1 convolutions: the channel-vector kernel with 512-bit vectors on
 * planes up to 32x32 when the pixel kernel's tiles would waste many lanes
 * (7x7 planes, 32 channels in 12-row tiles) or some and the reduction is
 * not short; the pixel kernel otherwise (select-conv's choice); both run
 * like the interpreter. */
Test(lower, pointwise_conv_picks_its_kernel_by_plane_and_vector_width)
{
	static const struct {
		int vb, c, hw, m;
		const char *want;
	} t[] = {
		{64, 24, 7, 48, "conv2d_pw_f32"},
		{32, 24, 7, 48, "conv2d_gemm_f32"},
		{64, 24, 8, 48, "conv2d_gemm_f32"},
		{64, 24, 7, 20, "conv2d_gemm_f32"},
		{64, 70, 14, 48, "conv2d_pw_f32"},
		{64, 40, 14, 48, "conv2d_gemm_f32"},
		{64, 16, 28, 32, "conv2d_pw_f32"},
		{64, 16, 28, 48, "conv2d_gemm_f32"},
		{64, 80, 56, 32, "conv2d_gemm_f32"},
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		Graph *g = tg_graph(&cx);
		Value *x = tg_input(&cx, g,
		                    tg_f32(&cx, TG_DIMS(1, t[i].c, t[i].hw, t[i].hw)));
		uint32_t n;
		KCall *c;

		cx.vec_bytes = t[i].vb;
		tg_output(&cx, g, tg_conv(&cx, g, x, t[i].m, 1, 1, 0, 1, 30));
		select_convs(g);
		c = check_graph(g, &n, 1e-6f);
		cr_assert_eq(n, 1, "calls: %u", n);
		cr_assert_str_eq(fn(&c[0]), t[i].want, "case %zu", i);
	}
}

Test(lower, value_buf_without_a_plan_is_a_bug, .signal = SIGABRT)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(4)));
	Value *r = tg_infer(&cx, op2(g, OP_RELU, x, NULL));

	tg_output(&cx, g, tg_infer(&cx, op2(g, OP_RELU, r, NULL)));
	value_buf(g, r);
}
