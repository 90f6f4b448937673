/* test_onnx_ops.c -- each importer's attribute handling: what ends up in
 * the op's attribute struct, the result types, and the errors for
 * attributes and inputs qcc cannot honour. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onnx_builder.h"

TestSuite(onnx_ops, .init = obf_init, .fini = obf_fini);

Test(onnx_ops, conv_reads_strides_dilations_pads_and_group)
{
	obf_model(13, "1,4,9,9", "Conv", "x,w", "y");
	ob_init_f32(obf.b, "w", "6,2,3,3", NULL);
	obf_ints("strides", 2, (int64_t[]){2, 1});
	obf_ints("dilations", 2, (int64_t[]){1, 2});
	obf_ints("pads", 4, (int64_t[]){1, 0, 2, 3});
	obf_ints("kernel_shape", 2, (int64_t[]){3, 3});
	ob_attr_int(obf.b, obf.node, "group", 2);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_CONV);
	cr_assert_eq(op->nin, 2);
	cr_assert(op->a.conv.stride[0] == 2 && op->a.conv.stride[1] == 1);
	cr_assert(op->a.conv.dilation[0] == 1 && op->a.conv.dilation[1] == 2);
	cr_assert(op->a.conv.kernel[0] == 3 && op->a.conv.kernel[1] == 3);
	obf_expect_pads(op->a.conv.pad, 1, 0, 2, 3);
	cr_assert_eq(op->a.conv.group, 2);
	/* h: (9+3-3)/2+1 = 5; w: (9+3-5)/1+1 = 8 */
	obf_expect_type(op->out[0], "f32[1,6,5,8]");
}

Test(onnx_ops, conv_auto_pad_same_upper_puts_the_odd_pad_at_the_end)
{
	obf_model(13, "1,1,6,6", "Conv", "x,w", "y");
	ob_init_f32(obf.b, "w", "2,1,3,3", NULL);
	obf_ints("strides", 2, (int64_t[]){2, 2});
	ob_attr_string(obf.b, obf.node, "auto_pad", "SAME_UPPER");
	Op *op = obf_import_op();
	obf_expect_pads(op->a.conv.pad, 0, 0, 1, 1);
	obf_expect_type(op->out[0], "f32[1,2,3,3]");
}

Test(onnx_ops, conv_auto_pad_same_lower_puts_the_odd_pad_at_the_start)
{
	obf_model(13, "1,1,6,7", "Conv", "x,w", "y");
	ob_init_f32(obf.b, "w", "2,1,3,3", NULL);
	obf_ints("strides", 2, (int64_t[]){2, 1});
	ob_attr_string(obf.b, obf.node, "auto_pad", "SAME_LOWER");
	Op *op = obf_import_op();
	/* h: out 3, total 1 -> 1,0; w: out 7, total 2 -> 1,1 */
	obf_expect_pads(op->a.conv.pad, 1, 1, 0, 1);
	obf_expect_type(op->out[0], "f32[1,2,3,7]");
}

Test(onnx_ops, conv_auto_pad_valid_has_no_padding)
{
	obf_model(13, "1,1,6,6", "Conv", "x,w,", "y");
	ob_init_f32(obf.b, "w", "2,1,3,3", NULL);
	ob_attr_string(obf.b, obf.node, "auto_pad", "VALID");
	Op *op = obf_import_op();
	obf_expect_pads(op->a.conv.pad, 0, 0, 0, 0);
	cr_assert_eq(op->nin, 2);
	obf_expect_type(op->out[0], "f32[1,2,4,4]");
}

Test(onnx_ops, conv_rejects_an_unknown_auto_pad)
{
	obf_model(13, "1,1,6,6", "Conv", "x,w", "y");
	ob_init_f32(obf.b, "w", "2,1,3,3", NULL);
	ob_attr_string(obf.b, obf.node, "auto_pad", "SAME");
	obf_expect_error("auto_pad \"SAME\" is not one of NOTSET, SAME_UPPER, "
	                 "SAME_LOWER, VALID");
}

Test(onnx_ops, conv_rejects_1d_convolution)
{
	obf_model(13, "1,1,6", "Conv", "x,w", "y");
	ob_init_f32(obf.b, "w", "2,1,3", NULL);
	obf_expect_error(
	    "1-D Conv is not supported (input f32[1,1,6]); qcc supports "
	    "2-D only");
}

Test(onnx_ops, conv_rejects_strides_of_the_wrong_length)
{
	obf_model(13, "1,1,6,6", "Conv", "x,w", "y");
	ob_init_f32(obf.b, "w", "2,1,3,3", NULL);
	obf_ints("strides", 3, (int64_t[]){1, 1, 1});
	obf_expect_error(
	    "attribute \"strides\" has 3 values; a 2-D Conv needs 2");
}

Test(onnx_ops, batchnorm_reads_epsilon_and_ignores_momentum)
{
	obf_model(15, "1,3,4,4", "BatchNormalization", "x,s,b,m,v", "y");
	ob_init_f32(obf.b, "s", "3", NULL);
	ob_init_f32(obf.b, "b", "3", NULL);
	ob_init_f32(obf.b, "m", "3", NULL);
	ob_init_f32(obf.b, "v", "3", NULL);
	ob_attr_float(obf.b, obf.node, "epsilon", 1e-3f);
	ob_attr_float(obf.b, obf.node, "momentum", 0.9f);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_BATCHNORM);
	cr_assert_float_eq(op->a.bn.eps, 1e-3f, 0);
	obf_expect_type(op->out[0], "f32[1,3,4,4]");
}

Test(onnx_ops, batchnorm_rejects_used_training_outputs)
{
	obf_model(9, "1,3,4,4", "BatchNormalization", "x,s,b,m,v", "y,rm");
	ob_init_f32(obf.b, "s", "3", NULL);
	ob_init_f32(obf.b, "b", "3", NULL);
	ob_init_f32(obf.b, "m", "3", NULL);
	ob_init_f32(obf.b, "v", "3", NULL);
	ob_output(obf.b, "rm");
	obf_expect_error("output \"rm\" (training statistics) is used, but qcc "
	                 "imports only the first output of BatchNormalization");
}

Test(onnx_ops, batchnorm_rejects_training_mode)
{
	obf_model(15, "1,3,4,4", "BatchNormalization", "x,s,b,m,v", "y");
	ob_init_f32(obf.b, "s", "3", NULL);
	ob_init_f32(obf.b, "b", "3", NULL);
	ob_init_f32(obf.b, "m", "3", NULL);
	ob_init_f32(obf.b, "v", "3", NULL);
	ob_attr_int(obf.b, obf.node, "training_mode", 1);
	obf_expect_error(
	    "BatchNormalization in training mode is not supported");
}

Test(onnx_ops, clip_before_opset_11_reads_min_and_max_attributes)
{
	obf_model(6, "1,4", "Clip", "x", "y");
	ob_attr_float(obf.b, obf.node, "min", 0.0f);
	ob_attr_float(obf.b, obf.node, "max", 6.0f);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_CLIP);
	cr_assert_eq(op->a.act.kind, ACT_CLIP);
	cr_assert_float_eq(op->a.act.alpha, 0.0f, 0);
	cr_assert_float_eq(op->a.act.beta, 6.0f, 0);
}

Test(onnx_ops, clip_from_opset_11_reads_constant_min_and_max_inputs)
{
	obf_model(13, "1,4", "Clip", "x,lo,hi", "y");
	ob_init_f32(obf.b, "lo", "", (float[]){-1.5f});
	ob_init_f32(obf.b, "hi", "", (float[]){2.5f});
	Op *op = obf_import_op();
	cr_assert_eq(op->nin, 1);
	cr_assert_float_eq(op->a.act.alpha, -1.5f, 0);
	cr_assert_float_eq(op->a.act.beta, 2.5f, 0);
}

Test(onnx_ops, clip_without_bounds_is_unbounded)
{
	obf_model(13, "1,4", "Clip", "x,,hi", "y");
	ob_init_f32(obf.b, "hi", "", (float[]){6});
	Op *op = obf_import_op();
	cr_assert(isinf(op->a.act.alpha) && op->a.act.alpha < 0);
	cr_assert_float_eq(op->a.act.beta, 6.0f, 0);
}

Test(onnx_ops, clip_rejects_min_and_max_attributes_from_opset_11)
{
	obf_model(13, "1,4", "Clip", "x", "y");
	ob_attr_float(obf.b, obf.node, "min", 0.0f);
	obf_expect_error("unknown attribute \"min\" for Clip (opset 13)");
}

Test(onnx_ops, clip_rejects_a_computed_bound)
{
	obf_model(13, "1,4", "Clip", "x,x", "y");
	obf_expect_error("Clip min (\"x\") must be a constant");
}

Test(onnx_ops, hardsigmoid_has_onnx_defaults)
{
	obf_model(13, "1,4", "HardSigmoid", "x", "y");
	ob_attr_float(obf.b, obf.node, "alpha", 0.25f);
	Op *op = obf_import_op();
	cr_assert_eq(op->a.act.kind, ACT_HARDSIGMOID);
	cr_assert_float_eq(op->a.act.alpha, 0.25f, 0);
	cr_assert_float_eq(op->a.act.beta, 0.5f, 0);
}

Test(onnx_ops, hardswish_needs_opset_14)
{
	obf_model(13, "1,4", "HardSwish", "x", "y");
	obf_expect_error(
	    "operator HardSwish needs opset 14 or later; the model "
	    "imports opset 13");
}

Test(onnx_ops, softmax_before_opset_13_is_legacy_with_axis_1)
{
	obf_model(11, "2,3,4", "Softmax", "x", "y");
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_SOFTMAX);
	cr_assert(op->a.softmax.legacy);
	cr_assert_eq(op->a.softmax.axis, 1);
}

Test(onnx_ops, softmax_from_opset_13_defaults_to_the_last_axis)
{
	obf_model(13, "2,3,4", "Softmax", "x", "y");
	Op *op = obf_import_op();
	cr_assert_not(op->a.softmax.legacy);
	cr_assert_eq(op->a.softmax.axis, 2);
}

Test(onnx_ops, softmax_rejects_an_axis_out_of_range)
{
	obf_model(13, "2,3,4", "Softmax", "x", "y");
	ob_attr_int(obf.b, obf.node, "axis", -4);
	obf_expect_error(
	    "Softmax axis -4 is out of range for input f32[2,3,4]");
}

Test(onnx_ops, reshape_copies_zero_and_infers_minus_one)
{
	obf_model(13, "2,3,4,5", "Reshape", "x,s", "y");
	ob_init_i64(obf.b, "s", "3", (int64_t[]){0, -1, 5});
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_RESHAPE);
	cr_assert_eq(op->nin, 1);
	cr_assert_eq(op->a.reshape.rank, 3);
	cr_assert(op->a.reshape.shape[0] == 0 && op->a.reshape.shape[1] == -1);
	cr_assert_not(op->a.reshape.allowzero);
	obf_expect_type(op->out[0], "f32[2,12,5]");
}

Test(onnx_ops, reshape_rejects_a_computed_shape)
{
	obf_model(13, "2,3", "Reshape", "x,x", "y");
	obf_expect_error("Reshape shape (\"x\") must be a constant");
}

Test(onnx_ops, maxpool_reads_its_window_and_ceil_mode)
{
	obf_model(12, "1,2,7,7", "MaxPool", "x", "y");
	obf_ints("kernel_shape", 2, (int64_t[]){3, 3});
	obf_ints("strides", 2, (int64_t[]){2, 2});
	ob_attr_int(obf.b, obf.node, "ceil_mode", 1);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_MAXPOOL);
	cr_assert(op->a.pool.kernel[0] == 3 && op->a.pool.stride[1] == 2);
	cr_assert(op->a.pool.ceil_mode);
	obf_expect_type(op->out[0], "f32[1,2,3,3]");
}

Test(onnx_ops, maxpool_needs_a_kernel_shape)
{
	obf_model(12, "1,2,7,7", "MaxPool", "x", "y");
	obf_expect_error("MaxPool needs attribute \"kernel_shape\"");
}

Test(onnx_ops, maxpool_rejects_storage_order)
{
	obf_model(12, "1,2,7,7", "MaxPool", "x", "y");
	obf_ints("kernel_shape", 2, (int64_t[]){3, 3});
	ob_attr_int(obf.b, obf.node, "storage_order", 1);
	obf_expect_error("MaxPool with storage_order=1 is not supported");
}

Test(onnx_ops, averagepool_reads_count_include_pad)
{
	obf_model(13, "1,2,4,4", "AveragePool", "x", "y");
	obf_ints("kernel_shape", 2, (int64_t[]){2, 2});
	obf_ints("pads", 4, (int64_t[]){1, 1, 1, 1});
	ob_attr_int(obf.b, obf.node, "count_include_pad", 1);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_AVGPOOL);
	cr_assert(op->a.pool.count_include_pad);
	obf_expect_pads(op->a.pool.pad, 1, 1, 1, 1);
	obf_expect_type(op->out[0], "f32[1,2,5,5]");
}

Test(onnx_ops, gemm_reads_alpha_beta_and_transposes)
{
	obf_model(13, "4,3", "Gemm", "x,w,c", "y");
	ob_init_f32(obf.b, "w", "5,4", NULL);
	ob_init_f32(obf.b, "c", "5", NULL);
	ob_attr_float(obf.b, obf.node, "alpha", 0.5f);
	ob_attr_float(obf.b, obf.node, "beta", 2.0f);
	ob_attr_int(obf.b, obf.node, "transA", 1);
	ob_attr_int(obf.b, obf.node, "transB", 1);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_GEMM);
	cr_assert_eq(op->nin, 3);
	cr_assert_float_eq(op->a.gemm.alpha, 0.5f, 0);
	cr_assert_float_eq(op->a.gemm.beta, 2.0f, 0);
	cr_assert(op->a.gemm.trans_a && op->a.gemm.trans_b);
	obf_expect_type(op->out[0], "f32[3,5]");
}

Test(onnx_ops, gemm_rejects_a_transpose_flag_that_is_not_boolean)
{
	obf_model(13, "4,3", "Gemm", "x,w", "y");
	ob_init_f32(obf.b, "w", "3,5", NULL);
	ob_attr_int(obf.b, obf.node, "transA", 2);
	obf_expect_error("attribute \"transA\" must be 0 or 1, not 2");
}

Test(onnx_ops, flatten_normalizes_a_negative_axis)
{
	obf_model(13, "2,3,4,5", "Flatten", "x", "y");
	ob_attr_int(obf.b, obf.node, "axis", -1);
	Op *op = obf_import_op();
	cr_assert_eq(op->a.axis.axis, 3);
	obf_expect_type(op->out[0], "f32[24,5]");
}

Test(onnx_ops, concat_normalizes_its_axis)
{
	obf_model(13, "2,3", "Concat", "x,c", "y");
	ob_init_f32(obf.b, "c", "2,4", NULL);
	ob_attr_int(obf.b, obf.node, "axis", -1);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_CONCAT);
	cr_assert_eq(op->a.axis.axis, 1);
	obf_expect_type(op->out[0], "f32[2,7]");
}

Test(onnx_ops, add_and_mul_broadcast)
{
	obf_model(13, "2,3,4", "Add", "x,c", "y");
	ob_init_f32(obf.b, "c", "3,1", NULL);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_ADD);
	obf_expect_type(op->out[0], "f32[2,3,4]");
}

/* x = [[1,2],[3,4]] through a 2x2 box filter with auto_pad; the odd pad
 * row and column go at the end (SAME_UPPER) or the start (SAME_LOWER). */
static void
expect_same_pad_sums(const char *auto_pad, const float *want)
{
	const float x[4] = {1, 2, 3, 4};
	float y[4];
	Graph *g;

	obf_model(13, "1,1,2,2", "Conv", "x,w", "y");
	ob_init_f32(obf.b, "w", "1,1,2,2", (float[]){1, 1, 1, 1});
	ob_attr_string(obf.b, obf.node, "auto_pad", auto_pad);
	g = obf_import(NULL);
	cr_assert_not_null(g, "%s", obf_diags());
	cr_assert(ir_eval(&obf.cx, g, (const void *[]){x}, (void *[]){y}));
	for (int i = 0; i < 4; i++)
		cr_assert_float_eq(y[i], want[i], 0, "y[%d] = %g, want %g", i,
		                   y[i], want[i]);
}

Test(onnx_ops, conv_same_upper_pads_after_the_input_when_run)
{
	expect_same_pad_sums("SAME_UPPER", (float[]){10, 6, 7, 4});
}

Test(onnx_ops, conv_same_lower_pads_before_the_input_when_run)
{
	expect_same_pad_sums("SAME_LOWER", (float[]){1, 3, 4, 10});
}
