/* test_fold_bn.c -- BatchNormalization folds into Conv and Gemm, or becomes
 * a ScaleShift, and the numbers stay the same (within 1e-5) either way. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
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

TestSuite(fold_bn, .init = setup, .fini = teardown);

/* Runs fold-bn as the pass manager would and returns "changed". */
static bool
run(Graph *g)
{
	bool changed = pass_fold_bn.run(&cx, g);

	arena_reset(cx.scratch);
	cr_assert_eq(cx.nerrors, 0, "fold-bn reported an error");
	ir_verify(&cx, g);
	return changed;
}

static Op *
first(const Graph *g, OpKind k)
{
	for_each_op(op, g)
		if (op->kind == k)
			return op;
	return NULL;
}

/* Folds g, then checks that no BN is left, that `scaleshifts` ScaleShift ops
 * are, and that g still computes what ref does. */
static void
check_folded(const Graph *ref, Graph *g, int scaleshifts)
{
	cr_assert(run(g));
	cr_assert_eq(tg_count(g, OP_BATCHNORM), 0);
	cr_assert_eq(tg_count(g, OP_SCALESHIFT), scaleshifts);
	tg_assert_close(&cx, ref, g, 1e-5f);
}

Test(fold_bn, removes_bn_after_single_use_conv)
{
	Graph *g = tg_conv_bn(&cx, 8, 3);
	Graph *ref = ir_clone(&cx, g);
	const Value *w = first(g, OP_CONV)->in[1];

	check_folded(ref, g, 0);
	cr_assert_eq(tg_count(g, OP_CONV), 1);
	cr_assert_neq(first(g, OP_CONV)->in[1], w, "weights were not replaced");
	cr_assert_eq(g->outputs[0], first(g, OP_CONV)->out[0]);
}

Test(fold_bn, gives_a_conv_without_bias_a_new_bias_and_keeps_its_loc)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 6, 6)));
	Value *w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(5, 3, 3, 3)), 3,
	                         -0.5f, 0.5f);
	Op *conv = tg_op(&cx, g, OP_CONV, 2, (Value *[]){x, w});
	Graph *ref;
	Op *c;

	conv->a.conv.kernel[0] = conv->a.conv.kernel[1] = 3;
	conv->a.conv.stride[0] = 2;
	tg_output(&cx, g, tg_bn(&cx, g, tg_infer(&cx, conv), 5));
	ref = ir_clone(&cx, g);
	check_folded(ref, g, 0);
	c = first(g, OP_CONV);
	cr_assert_eq(c->nin, 3);
	cr_assert(c->in[2] && c->in[2]->cst, "no constant bias");
	cr_assert_str_eq(c->loc.node, conv->loc.node);
	cr_assert_eq(c->a.conv.stride[0], 2, "attributes were not kept");
}

Test(fold_bn, folds_into_a_depthwise_conv)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 6, 7, 7)));
	Value *y = tg_conv(&cx, g, x, 6, 3, 1, 1, 6, 21);
	Graph *ref;

	tg_output(&cx, g, tg_bn(&cx, g, y, 22));
	ref = ir_clone(&cx, g);
	check_folded(ref, g, 0);
}

Test(fold_bn, folds_consecutive_bns_into_one_conv)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 5, 5)));
	Value *y = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 31);
	Graph *ref;

	tg_output(&cx, g, tg_bn(&cx, g, tg_bn(&cx, g, y, 32), 33));
	ref = ir_clone(&cx, g);
	check_folded(ref, g, 0);
	cr_assert_eq(g->nops > 0 && g->first == g->last, true);
}

Test(fold_bn, keeps_the_name_of_the_bn_result_for_the_graph_output)
{
	Graph *g = tg_conv_bn(&cx, 4, 1);

	cr_assert_str_eq(g->outputs[0]->name, "y0");
	cr_assert(run(g));
	cr_assert_str_eq(g->outputs[0]->name, "y0");
}

enum { C_NONE, C_SCALAR, C_ONE, C_N, C_1N, C_MN, C_M1, C_KINDS };

/* x[M,K] -> Gemm(x, B, C) -> BN over the N columns -> output. */
static Graph *
gemm_bn(bool trans_b, float alpha, float beta, int ckind)
{
	enum { M = 3, K = 5, N = 4 };
	Graph *g = tg_graph(&cx);
	Value *in[3] = {tg_input(&cx, g, tg_f32(&cx, TG_DIMS(M, K)))};
	const TensorType *ct[C_KINDS] = {
		NULL, tg_f32(&cx, NULL, 0), tg_f32(&cx, TG_DIMS(1)),
		tg_f32(&cx, TG_DIMS(N)), tg_f32(&cx, TG_DIMS(1, N)),
		tg_f32(&cx, TG_DIMS(M, N)), tg_f32(&cx, TG_DIMS(M, 1)),
	};
	int nin = ckind == C_NONE ? 2 : 3;
	Op *op;

	in[1] = tg_const_rand(&cx, g, trans_b ? tg_f32(&cx, TG_DIMS(N, K)) :
	                      tg_f32(&cx, TG_DIMS(K, N)), 41, -1.0f, 1.0f);
	if (ckind != C_NONE)
		in[2] = tg_const_rand(&cx, g, ct[ckind], 42, -1.0f, 1.0f);
	op = tg_op(&cx, g, OP_GEMM, nin, in);
	op->a.gemm = (GemmAttr){alpha, beta, false, trans_b};
	tg_output(&cx, g, tg_bn(&cx, g, tg_infer(&cx, op), 43));
	return g;
}

Test(fold_bn, folds_into_gemm_with_and_without_transposed_b)
{
	for (int tb = 0; tb < 2; tb++) {
		Graph *g = gemm_bn(tb, 1.0f, 1.0f, C_NONE);
		Graph *ref = ir_clone(&cx, g);

		check_folded(ref, g, 0);
		cr_assert_eq(tg_count(g, OP_GEMM), 1, "transB %d", tb);
		cr_assert_eq(first(g, OP_GEMM)->nin, 3, "no C was added");
	}
}

Test(fold_bn, folds_into_gemm_with_alpha_beta_and_every_shape_of_c)
{
	static const float ab[][2] = {
		{1, 1}, {0.5f, 1}, {1, 2}, {-1.5f, 0.25f},
	};

	for (int ck = C_NONE; ck < C_KINDS; ck++)
		for (int i = 0; i < 4; i++)
			for (int tb = 0; tb < 2; tb++) {
				Graph *g = gemm_bn(tb, ab[i][0], ab[i][1], ck);
				Graph *ref = ir_clone(&cx, g);
				Op *gm;

				cr_assert(run(g), "C %d, case %d", ck, i);
				cr_assert_eq(tg_count(g, OP_BATCHNORM), 0);
				cr_assert_eq(tg_count(g, OP_SCALESHIFT), 0);
				gm = first(g, OP_GEMM);
				cr_assert_eq(gm->a.gemm.beta, 1.0f);
				cr_assert_eq(gm->a.gemm.alpha, ab[i][0]);
				tg_assert_close(&cx, ref, g, 1e-5f);
			}
}

/* The producer stays as it was and the BN becomes a ScaleShift. */
static void
check_not_folded_into(Graph *g, OpKind producer)
{
	Graph *ref = ir_clone(&cx, g);
	Op *p = first(g, producer);
	Value *w = p->in[1];
	Value *b = p->nin > 2 ? p->in[2] : NULL;

	check_folded(ref, g, 1);
	cr_assert_eq(first(g, producer), p);
	cr_assert_eq(p->in[1], w, "weights changed");
	if (b)
		cr_assert_eq(p->in[2], b, "bias changed");
	cr_assert_eq(first(g, OP_SCALESHIFT)->in[0], p->out[0]);
}

Test(fold_bn, makes_a_scaleshift_when_the_conv_result_has_two_uses)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));
	Value *y = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 51);

	tg_output(&cx, g, tg_bn(&cx, g, y, 52));
	tg_output(&cx, g, tg_act(&cx, g, y, (Act){ACT_RELU, 0, 0}));
	check_not_folded_into(g, OP_CONV);
}

Test(fold_bn, makes_a_scaleshift_when_the_conv_result_is_a_graph_output)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));
	Value *y = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 51);

	tg_output(&cx, g, tg_bn(&cx, g, y, 52));
	tg_output(&cx, g, y);
	check_not_folded_into(g, OP_CONV);
}

Test(fold_bn, makes_a_scaleshift_when_the_conv_has_a_fused_activation)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));
	Value *y = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 61);

	y->def->act = (Act){ACT_RELU, 0, 0};
	tg_output(&cx, g, tg_bn(&cx, g, y, 62));
	check_not_folded_into(g, OP_CONV);
	cr_assert_eq(first(g, OP_CONV)->act.kind, ACT_RELU);
}

Test(fold_bn, makes_a_scaleshift_when_the_conv_weight_is_not_constant)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));
	Value *w = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(4, 3, 1, 1)));
	Op *conv = tg_op(&cx, g, OP_CONV, 2, (Value *[]){x, w});

	conv->a.conv.kernel[0] = conv->a.conv.kernel[1] = 1;
	tg_output(&cx, g, tg_bn(&cx, g, tg_infer(&cx, conv), 63));
	check_not_folded_into(g, OP_CONV);
}

Test(fold_bn, makes_a_scaleshift_when_the_conv_bias_is_not_constant)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));
	Value *w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(4, 3, 1, 1)), 64,
	                         -1.0f, 1.0f);
	Value *b = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(4)));
	Op *conv = tg_op(&cx, g, OP_CONV, 3, (Value *[]){x, w, b});

	conv->a.conv.kernel[0] = conv->a.conv.kernel[1] = 1;
	tg_output(&cx, g, tg_bn(&cx, g, tg_infer(&cx, conv), 65));
	check_not_folded_into(g, OP_CONV);
}

Test(fold_bn, makes_a_scaleshift_when_gemm_b_or_c_is_not_constant)
{
	for (int which = 1; which <= 2; which++) {
		Graph *g = tg_graph(&cx);
		const TensorType *bt = tg_f32(&cx, TG_DIMS(3, 4));
		const TensorType *ct = tg_f32(&cx, TG_DIMS(4));
		Value *in[3] = {
			tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3))),
			tg_const_rand(&cx, g, bt, 71, -1, 1),
			tg_const_rand(&cx, g, ct, 72, -1, 1),
		};
		Op *op;

		in[which] = tg_input(&cx, g, in[which]->type);
		op = tg_op(&cx, g, OP_GEMM, 3, in);
		tg_output(&cx, g, tg_bn(&cx, g, tg_infer(&cx, op), 73));
		check_not_folded_into(g, OP_GEMM);
		cr_assert_eq(first(g, OP_GEMM)->a.gemm.beta, 1.0f);
	}
}

Test(fold_bn, turns_a_lone_bn_into_a_scaleshift_with_the_bn_loc)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 5, 3, 3)));
	Value *y = tg_bn(&cx, g, x, 81);
	const char *node = y->def->loc.node;
	Graph *ref;
	Op *s;

	tg_output(&cx, g, y);
	ref = ir_clone(&cx, g);
	check_folded(ref, g, 1);
	s = first(g, OP_SCALESHIFT);
	cr_assert_eq(s->in[0], x);
	cr_assert_str_eq(s->loc.node, node);
	cr_assert_str_eq(g->outputs[0]->name, "y0");
}

Test(fold_bn, turns_a_bn_after_a_pool_into_a_scaleshift)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));
	Op *pool = tg_op(&cx, g, OP_GLOBALAVGPOOL, 1, &x);
	Graph *ref;

	tg_output(&cx, g, tg_bn(&cx, g, tg_infer(&cx, pool), 82));
	ref = ir_clone(&cx, g);
	check_folded(ref, g, 1);
}

Test(fold_bn, leaves_a_bn_whose_parameters_are_not_constant)
{
	Graph *g = tg_conv_bn(&cx, 4, 3);
	Op *bn = first(g, OP_BATCHNORM);
	const Value *w = first(g, OP_CONV)->in[1];

	ir_set_input(bn, 3, tg_input(&cx, g, bn->in[3]->type));
	cr_assert_not(run(g));
	cr_assert_eq(first(g, OP_BATCHNORM), bn);
	cr_assert_eq(first(g, OP_CONV)->in[1], w);
	cr_assert_eq(tg_count(g, OP_SCALESHIFT), 0);
}

Test(fold_bn, changes_nothing_without_a_bn)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));

	tg_output(&cx, g, tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 91));
	cr_assert_not(run(g));
	cr_assert_eq(tg_count(g, OP_CONV), 1);
}
