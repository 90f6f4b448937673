/* test_verify.c -- ir_verify accepts sound graphs and aborts on each broken
 * invariant. */
#include <criterion/criterion.h>
#include <signal.h>

#include "helpers.h"

static Ctx cx;

static void
setup(void)
{
	ctx_init(&cx);
}

static void
teardown(void)
{
	ctx_fini(&cx);
}

TestSuite(verify, .init = setup, .fini = teardown);

/* input -> Conv -> Relu -> output */
static Graph *
conv_relu(Op **conv, Op **relu)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 2, 5, 5)));
	Value *y = tg_conv(&cx, g, x, 3, 3, 1, 1, 1, 5);

	*conv = y->def;
	*relu = tg_op(&cx, g, OP_RELU, 1, &y);
	tg_output(&cx, g, tg_infer(&cx, *relu));
	return g;
}

Test(verify, accepts_a_sound_graph_without_reporting_anything)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	ir_verify(&cx, g);
	ir_verify(&cx, tg_conv_bn(&cx, 4, 3));
	cr_assert_eq(cx.nerrors, 0);
}

Test(verify, accepts_untyped_results_before_shapes_are_inferred)
{
	Graph *g = ir_graph_new(&cx, "raw");
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(4)));
	Op *op = tg_op(&cx, g, OP_RELU, 1, &x);

	tg_output(&cx, g, op->out[0]);
	ir_verify(&cx, g);
}

Test(verify, accepts_omitted_optional_inputs)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	ir_set_input(conv, 2, NULL);
	ir_verify(&cx, g);
}

Test(verify, wrong_nuses_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	conv->out[0]->nuses++;
	ir_verify(&cx, g);
}

Test(verify, use_before_definition_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	Op *early = ir_op_new(&cx, g, OP_RELU, NULL, 1, conv->out, 1,
	                      (const TensorType *[]){conv->out[0]->type});

	early->a.act.kind = ACT_RELU;
	ir_insert_before(g, conv, early);
	ir_verify(&cx, g);
}

Test(verify, op_missing_from_the_list_leaves_its_result_undefined,
     .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);
	Op *dangling = ir_op_new(&cx, g, OP_RELU, NULL, 1, relu->out, 1,
	                         (const TensorType *[]){relu->out[0]->type});

	dangling->a.act.kind = ACT_RELU;
	ir_add_output(&cx, g, dangling->out[0]);
	ir_verify(&cx, g);
}

Test(verify, wrong_arity_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);
	Op *bad = ir_op_new(&cx, g, OP_RELU, NULL, 2,
	                    (Value *[]){relu->out[0], relu->out[0]}, 1, NULL);

	bad->a.act.kind = ACT_RELU;
	ir_append(g, bad);
	g->shaped = false;
	ir_verify(&cx, g);
}

Test(verify, missing_required_input_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	ir_set_input(conv, 1, NULL);
	g->shaped = false;
	ir_verify(&cx, g);
}

Test(verify, stale_result_type_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	conv->a.conv.stride[0] = 2;     /* the result is now 3x5, not 5x5 */
	ir_verify(&cx, g);
}

Test(verify, result_that_no_longer_infers_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	conv->a.conv.group = 2;     /* 2 input channels, 3 output: no fit */
	ir_verify(&cx, g);
}

Test(verify, untyped_result_in_a_shaped_graph_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	relu->out[0]->type = NULL;
	ir_verify(&cx, g);
}

Test(verify, duplicate_op_ids_abort, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	relu->id = conv->id;
	ir_verify(&cx, g);
}

Test(verify, undefined_graph_output_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	ir_add_output(&cx, g, NULL);
	ir_verify(&cx, g);
}

Test(verify, fused_activation_on_an_op_without_one_aborts, .signal = SIGABRT)
{
	Graph *g = tg_conv_bn(&cx, 4, 3);

	g->last->act.kind = ACT_RELU;
	ir_verify(&cx, g);
}

Test(verify, activation_op_with_a_different_act_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	relu->a.act.kind = ACT_SIGMOID;
	ir_verify(&cx, g);
}

Test(verify, per_axis_quant_must_cover_the_axis, .signal = SIGABRT)
{
	static const float scale[3] = {1, 1, 1};
	static const Quant q = {Q_AXIS, 0, 3, scale, NULL, 0};
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, type_new(&cx, DT_I8, 2, (int64_t[]){4, 2},
	                                     &q));

	tg_output(&cx, g, x);
	ir_verify(&cx, g);
}

Test(verify, per_axis_quant_with_the_right_size_passes)
{
	static const float scale[4] = {1, 1, 1, 1};
	static const Quant q = {Q_AXIS, 0, 4, scale, NULL, 0};
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, type_new(&cx, DT_I8, 2, (int64_t[]){4, 2},
	                                     &q));

	tg_output(&cx, g, x);
	ir_verify(&cx, g);
}

Test(verify, constant_of_the_wrong_size_aborts, .signal = SIGABRT)
{
	Op *conv, *relu;
	Graph *g = conv_relu(&conv, &relu);

	((Const *)conv->in[1]->cst)->nbytes -= 4;
	ir_verify(&cx, g);
}
