/* test_onnx_legacy.c -- models from opsets 1 to 6: consumed_inputs,
 * Add/Mul broadcast=1 with axis, Gemm's broadcast, Reshape's shape
 * attribute, Concat's default axis, and is_test on BatchNormalization and
 * Dropout. */
#include <criterion/criterion.h>
#include <string.h>

#include "onnx_builder.h"

static ObFixture F;

static void
setup(void)
{
	obf_init(&F);
}

static void
teardown(void)
{
	obf_fini(&F);
}

TestSuite(onnx_legacy, .init = setup, .fini = teardown);

static void
expect_type(const Value *v, const char *want)
{
	char buf[128];

	cr_assert_str_eq(type_str(v->type, buf, sizeof buf), want);
}

static void
bn_model(int64_t opset)
{
	obf_model(&F, opset, "1,2,3,3", "BatchNormalization", "x,s,b,m,v", "y");
	ob_init_f32(F.b, "s", "2", NULL);
	ob_init_f32(F.b, "b", "2", NULL);
	ob_init_f32(F.b, "m", "2", NULL);
	ob_init_f32(F.b, "v", "2", NULL);
}

Test(onnx_legacy, ignores_consumed_inputs_before_opset_6)
{
	Op *op;

	obf_model(&F, 5, "1,4", "Relu", "x", "y");
	ob_attr_ints(F.b, F.node, "consumed_inputs", 1, (int64_t[]){0});
	op = obf_import_op(&F);
	cr_assert_eq(op->kind, OP_RELU);
}

Test(onnx_legacy, rejects_consumed_inputs_from_opset_6)
{
	obf_model(&F, 6, "1,4", "Relu", "x", "y");
	ob_attr_ints(F.b, F.node, "consumed_inputs", 1, (int64_t[]){0});
	obf_expect_error(&F, "unknown attribute \"consumed_inputs\" for Relu "
	                     "(opset 6)");
}

Test(onnx_legacy, add_with_broadcast_and_axis_lines_up_a_constant)
{
	const float x[6] = {1, 2, 3, 4, 5, 6};
	float y[6];
	Op *op;

	/* A [1,2,3] + B [2] at axis 1: B[c] is added along dimension 1. */
	obf_model(&F, 6, "1,2,3", "Add", "x,b", "y");
	ob_init_f32(F.b, "b", "2", (float[]){10, 20});
	ob_attr_int(F.b, F.node, "broadcast", 1);
	ob_attr_int(F.b, F.node, "axis", 1);
	op = obf_import_op(&F);
	expect_type(op->in[1], "f32[2,1]");
	cr_assert_not_null(op->in[1]->cst);
	expect_type(op->out[0], "f32[1,2,3]");
	cr_assert(ir_eval_op(&F.cx, op,
	                     (const void *[]){x, value_f32(op->in[1])},
	                     (void *[]){y}));
	cr_assert_float_eq(y[2], 13.0f, 0);
	cr_assert_float_eq(y[3], 24.0f, 0);
}

Test(onnx_legacy, mul_with_broadcast_reshapes_a_computed_operand)
{
	Graph *g;

	F.b = ob_new(F.a, 6);
	ob_input(F.b, "x", "2,3,4");
	ob_input(F.b, "s", "3");
	ob_attr_int(F.b, ob_node(F.b, "Mul", "n", "x,s", "y"), "broadcast", 1);
	ob_attr_int(F.b, F.b->graph.node[0], "axis", 1);
	ob_output(F.b, "y");
	g = obf_import(&F, NULL);
	cr_assert_not_null(g, "%s", obf_diags(&F));
	cr_assert_eq(g->first->kind, OP_RESHAPE);
	cr_assert_eq(g->first->in[0], g->inputs[1]);
	expect_type(g->first->out[0], "f32[3,1]");
	cr_assert_eq(g->last->kind, OP_MUL);
	cr_assert_eq(g->last->in[1], g->first->out[0]);
	expect_type(g->last->out[0], "f32[2,3,4]");
}

Test(onnx_legacy, add_without_broadcast_needs_equal_shapes)
{
	obf_model(&F, 6, "1,2,3", "Add", "x,b", "y");
	ob_init_f32(F.b, "b", "3", NULL);
	obf_expect_error(&F, "Add without broadcast=1 needs inputs of one "
	                     "shape, not f32[1,2,3] and f32[3]");
}

Test(onnx_legacy, add_rejects_a_broadcast_that_does_not_fit)
{
	obf_model(&F, 6, "1,2,3", "Add", "x,b", "y");
	ob_init_f32(F.b, "b", "3", NULL);
	ob_attr_int(F.b, F.node, "broadcast", 1);
	ob_attr_int(F.b, F.node, "axis", 1);
	obf_expect_error(&F, "Add cannot broadcast B f32[3] into A f32[1,2,3] "
	                     "at axis 1");
}

Test(onnx_legacy, gemm_c_must_be_full_size_without_broadcast)
{
	obf_model(&F, 6, "2,3", "Gemm", "x,w,c", "y");
	ob_init_f32(F.b, "w", "3,4", NULL);
	ob_init_f32(F.b, "c", "4", NULL);
	obf_expect_error(&F, "Gemm C f32[4] must be [2,4] without broadcast=1");
}

Test(onnx_legacy, gemm_c_broadcasts_with_broadcast)
{
	Op *op;

	obf_model(&F, 6, "2,3", "Gemm", "x,w,c", "y");
	ob_init_f32(F.b, "w", "3,4", NULL);
	ob_init_f32(F.b, "c", "4", NULL);
	ob_attr_int(F.b, F.node, "broadcast", 1);
	op = obf_import_op(&F);
	expect_type(op->out[0], "f32[2,4]");
}

Test(onnx_legacy, reshape_before_opset_5_reads_the_shape_attribute)
{
	Op *op;

	obf_model(&F, 4, "2,6", "Reshape", "x", "y");
	ob_attr_ints(F.b, F.node, "shape", 3, (int64_t[]){0, 3, -1});
	op = obf_import_op(&F);
	cr_assert_eq(op->a.reshape.rank, 3);
	expect_type(op->out[0], "f32[2,3,2]");
}

Test(onnx_legacy, reshape_from_opset_5_needs_the_shape_input)
{
	obf_model(&F, 5, "2,6", "Reshape", "x", "y");
	obf_expect_error(&F, "Reshape takes 2 inputs, not 1");
}

Test(onnx_legacy, concat_before_opset_4_defaults_to_axis_1)
{
	Op *op;

	obf_model(&F, 3, "2,3", "Concat", "x,x", "y");
	op = obf_import_op(&F);
	cr_assert_eq(op->a.axis.axis, 1);
	expect_type(op->out[0], "f32[2,6]");
}

Test(onnx_legacy, batchnorm_before_opset_7_needs_is_test)
{
	bn_model(6);
	obf_expect_error(&F, "BatchNormalization with is_test=0 (training "
	                     "mode) is not supported");
}

Test(onnx_legacy, batchnorm_before_opset_7_imports_with_is_test)
{
	Op *op;

	bn_model(6);
	ob_attr_int(F.b, F.node, "is_test", 1);
	ob_attr_int(F.b, F.node, "spatial", 1);
	op = obf_import_op(&F);
	cr_assert_eq(op->kind, OP_BATCHNORM);
}

Test(onnx_legacy, dropout_before_opset_7_with_is_test_is_an_alias)
{
	Graph *g;
	Onnx__NodeProto *d;

	F.b = ob_new(F.a, 6);
	ob_input(F.b, "x", "1,3");
	d = ob_node(F.b, "Dropout", "drop", "x", "d");
	ob_attr_int(F.b, d, "is_test", 1);
	ob_attr_float(F.b, d, "ratio", 0.25f);
	ob_node(F.b, "Sigmoid", "s", "d", "y");
	ob_output(F.b, "y");
	g = obf_import(&F, NULL);
	cr_assert_not_null(g, "%s", obf_diags(&F));
	cr_assert_eq(g->first, g->last);
	cr_assert_eq(g->first->in[0], g->inputs[0]);
}
