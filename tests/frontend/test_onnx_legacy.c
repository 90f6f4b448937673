/* test_onnx_legacy.c -- models from opsets 1 to 6: consumed_inputs,
 * Add/Mul broadcast=1 with axis, Gemm's broadcast, Reshape's shape
 * attribute, Concat's default axis, and is_test on BatchNormalization and
 * Dropout. */
#include <criterion/criterion.h>
#include <string.h>

#include "onnx_builder.h"

TestSuite(onnx_legacy, .init = obf_init, .fini = obf_fini);

static void
bn_model(int64_t opset)
{
	obf_model(opset, "1,2,3,3", "BatchNormalization", "x,s,b,m,v", "y");
	ob_init_f32(obf.b, "s", "2", NULL);
	ob_init_f32(obf.b, "b", "2", NULL);
	ob_init_f32(obf.b, "m", "2", NULL);
	ob_init_f32(obf.b, "v", "2", NULL);
}

Test(onnx_legacy, ignores_consumed_inputs_before_opset_6)
{
	Op *op;

	obf_model(5, "1,4", "Relu", "x", "y");
	ob_attr_ints(obf.b, obf.node, "consumed_inputs", 1, (int64_t[]){0});
	op = obf_import_op();
	cr_assert_eq(op->kind, OP_RELU);
}

Test(onnx_legacy, rejects_consumed_inputs_from_opset_6)
{
	obf_model(6, "1,4", "Relu", "x", "y");
	ob_attr_ints(obf.b, obf.node, "consumed_inputs", 1, (int64_t[]){0});
	obf_expect_error("unknown attribute \"consumed_inputs\" for Relu "
	                 "(opset 6)");
}

Test(onnx_legacy, add_with_broadcast_and_axis_lines_up_a_constant)
{
	const float x[6] = {1, 2, 3, 4, 5, 6};
	float y[6];
	Op *op;

	/* A [1,2,3] + B [2] at axis 1: B[c] is added along dimension 1. */
	obf_model(6, "1,2,3", "Add", "x,b", "y");
	ob_init_f32(obf.b, "b", "2", (float[]){10, 20});
	ob_attr_int(obf.b, obf.node, "broadcast", 1);
	ob_attr_int(obf.b, obf.node, "axis", 1);
	op = obf_import_op();
	obf_expect_type(op->in[1], "f32[2,1]");
	cr_assert_not_null(op->in[1]->cst);
	obf_expect_type(op->out[0], "f32[1,2,3]");
	cr_assert(ir_eval_op(&obf.cx, op,
	                     (const void *[]){x, value_f32(op->in[1])},
	                     (void *[]){y}));
	cr_assert_float_eq(y[2], 13.0f, 0);
	cr_assert_float_eq(y[3], 24.0f, 0);
}

Test(onnx_legacy, mul_with_broadcast_reshapes_a_computed_operand)
{
	Graph *g;

	obf.b = ob_new(obf.a, 6);
	ob_input(obf.b, "x", "2,3,4");
	ob_input(obf.b, "s", "3");
	ob_attr_int(obf.b, ob_node(obf.b, "Mul", "n", "x,s", "y"), "broadcast",
	            1);
	ob_attr_int(obf.b, obf.b->graph.node[0], "axis", 1);
	ob_output(obf.b, "y");
	g = obf_import(NULL);
	cr_assert_not_null(g, "%s", obf_diags());
	cr_assert_eq(g->first->kind, OP_RESHAPE);
	cr_assert_eq(g->first->in[0], g->inputs[1]);
	obf_expect_type(g->first->out[0], "f32[3,1]");
	cr_assert_eq(g->last->kind, OP_MUL);
	cr_assert_eq(g->last->in[1], g->first->out[0]);
	obf_expect_type(g->last->out[0], "f32[2,3,4]");
}

Test(onnx_legacy, add_without_broadcast_needs_equal_shapes)
{
	obf_model(6, "1,2,3", "Add", "x,b", "y");
	ob_init_f32(obf.b, "b", "3", NULL);
	obf_expect_error("Add without broadcast=1 needs inputs of one "
	                 "shape, not f32[1,2,3] and f32[3]");
}

Test(onnx_legacy, add_rejects_a_broadcast_that_does_not_fit)
{
	obf_model(6, "1,2,3", "Add", "x,b", "y");
	ob_init_f32(obf.b, "b", "3", NULL);
	ob_attr_int(obf.b, obf.node, "broadcast", 1);
	ob_attr_int(obf.b, obf.node, "axis", 1);
	obf_expect_error("Add cannot broadcast B f32[3] into A f32[1,2,3] "
	                 "at axis 1");
}

Test(onnx_legacy, gemm_c_must_be_full_size_without_broadcast)
{
	obf_model(6, "2,3", "Gemm", "x,w,c", "y");
	ob_init_f32(obf.b, "w", "3,4", NULL);
	ob_init_f32(obf.b, "c", "4", NULL);
	obf_expect_error("Gemm C f32[4] must be [2,4] without broadcast=1");
}

Test(onnx_legacy, gemm_c_broadcasts_with_broadcast)
{
	Op *op;

	obf_model(6, "2,3", "Gemm", "x,w,c", "y");
	ob_init_f32(obf.b, "w", "3,4", NULL);
	ob_init_f32(obf.b, "c", "4", NULL);
	ob_attr_int(obf.b, obf.node, "broadcast", 1);
	op = obf_import_op();
	obf_expect_type(op->out[0], "f32[2,4]");
}

Test(onnx_legacy, reshape_before_opset_5_reads_the_shape_attribute)
{
	Op *op;

	obf_model(4, "2,6", "Reshape", "x", "y");
	ob_attr_ints(obf.b, obf.node, "shape", 3, (int64_t[]){0, 3, -1});
	op = obf_import_op();
	cr_assert_eq(op->a.reshape.rank, 3);
	obf_expect_type(op->out[0], "f32[2,3,2]");
}

Test(onnx_legacy, reshape_from_opset_5_needs_the_shape_input)
{
	obf_model(5, "2,6", "Reshape", "x", "y");
	obf_expect_error("Reshape takes 2 inputs, not 1");
}

Test(onnx_legacy, concat_before_opset_4_defaults_to_axis_1)
{
	Op *op;

	obf_model(3, "2,3", "Concat", "x,x", "y");
	op = obf_import_op();
	cr_assert_eq(op->a.axis.axis, 1);
	obf_expect_type(op->out[0], "f32[2,6]");
}

Test(onnx_legacy, batchnorm_before_opset_7_needs_is_test)
{
	bn_model(6);
	obf_expect_error("BatchNormalization with is_test=0 (training "
	                 "mode) is not supported");
}

Test(onnx_legacy, batchnorm_before_opset_7_imports_with_is_test)
{
	Op *op;

	bn_model(6);
	ob_attr_int(obf.b, obf.node, "is_test", 1);
	ob_attr_int(obf.b, obf.node, "spatial", 1);
	op = obf_import_op();
	cr_assert_eq(op->kind, OP_BATCHNORM);
}

Test(onnx_legacy, dropout_before_opset_7_with_is_test_is_an_alias)
{
	Graph *g;
	Onnx__NodeProto *d;

	obf.b = ob_new(obf.a, 6);
	ob_input(obf.b, "x", "1,3");
	d = ob_node(obf.b, "Dropout", "drop", "x", "d");
	ob_attr_int(obf.b, d, "is_test", 1);
	ob_attr_float(obf.b, d, "ratio", 0.25f);
	ob_node(obf.b, "Sigmoid", "s", "d", "y");
	ob_output(obf.b, "y");
	g = obf_import(NULL);
	cr_assert_not_null(g, "%s", obf_diags());
	cr_assert_eq(g->first, g->last);
	cr_assert_eq(g->first->in[0], g->inputs[0]);
}
