/* test_shape.c -- shape inference for every op, and the messages for shapes
 * that do not fit. */
#include <criterion/criterion.h>
#include <stdlib.h>
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

TestSuite(shape, .init = setup, .fini = teardown);

static Value *
in(const int64_t *dim, int rank)
{
	return tg_input(&cx, g, tg_f32(&cx, dim, rank));
}

static Value *
cst(const int64_t *dim, int rank)
{
	return tg_const_rand(&cx, g, tg_f32(&cx, dim, rank), 1, -1, 1);
}

static Op *
op1(OpKind k, Value *x)
{
	return tg_op(&cx, g, k, 1, &x);
}

static Op *
op2(OpKind k, Value *a, Value *b)
{
	return tg_op(&cx, g, k, 2, (Value *[]){a, b});
}

static void
expect_type(Op *op, const int64_t *dim, int rank)
{
	char have[128], want[128];
	const TensorType *t = tg_infer(&cx, op)->type;
	const TensorType *w = tg_f32(&cx, dim, rank);

	cr_assert(type_eq(t, w), "inferred %s, want %s",
	          type_str(t, have, sizeof have),
	          type_str(w, want, sizeof want));
}

/* Inference must fail with one diagnostic containing msg. */
static void
expect_error(Op *op, const char *msg)
{
	const TensorType *out[4] = {0};
	char *text;
	size_t n;
	bool ok;

	cx.diagout = open_memstream(&text, &n);
	cx.nerrors = 0;
	ok = ir_infer_op(&cx, op, out);
	fclose(cx.diagout);
	cx.diagout = stderr;
	cr_assert_not(ok, "inference accepted what should not fit: %s", msg);
	cr_assert_eq(cx.nerrors, 1, "%d errors: %s", cx.nerrors, text);
	cr_assert(strstr(text, msg), "message\n  %s\ndoes not contain\n  %s",
	          text, msg);
	free(text);
}

static Op *
conv(Value *x, Value *w, int stride, int pad)
{
	Op *op = op2(OP_CONV, x, w);

	op->a.conv.stride[0] = op->a.conv.stride[1] = stride;
	for (int i = 0; i < 4; i++)
		op->a.conv.pad[i] = pad;
	return op;
}

Test(shape, conv_out_size_follows_the_onnx_formula)
{
	cr_assert_eq(conv_out_size(28, 3, 1, 1, 1, 1, false), 28);
	cr_assert_eq(conv_out_size(10, 3, 2, 2, 0, 0, false), 3);
	cr_assert_eq(conv_out_size(5, 2, 2, 1, 0, 0, false), 2);
	cr_assert_eq(conv_out_size(5, 2, 2, 1, 0, 0, true), 3);
	cr_assert_eq(conv_out_size(6, 3, 2, 1, 0, 0, true), 3);
	cr_assert_eq(conv_out_size(4, 4, 1, 1, 0, 0, true), 1);
	cr_assert_eq(conv_out_size(2, 3, 1, 1, 0, 0, false), -1);
	cr_assert_eq(conv_out_size(2, 3, 1, 1, 1, 0, false), 1);
	cr_assert_eq(conv_out_size(5, 1, 0, 1, 0, 0, false), -1);
}

Test(shape, ceil_mode_drops_a_window_that_starts_in_the_right_padding)
{
	/* in 5 + pads 1+1, kernel 2, stride 2: ceil would give 4 windows,
	 * but the 4th starts at padded position 6, past the input. */
	cr_assert_eq(conv_out_size(5, 2, 2, 1, 1, 1, false), 3);
	cr_assert_eq(conv_out_size(5, 2, 2, 1, 1, 1, true), 3);
	/* in 6 + pad 0+1, kernel 2, stride 2: 3 floor windows... */
	cr_assert_eq(conv_out_size(6, 2, 2, 1, 0, 1, false), 3);
	/* ...and ceil 4 would start at 6 = in + pad0: dropped */
	cr_assert_eq(conv_out_size(6, 2, 2, 1, 0, 1, true), 3);
	cr_assert_eq(conv_out_size(7, 2, 2, 1, 0, 0, true), 4);
}

Test(shape, conv_same_padding_keeps_the_spatial_size)
{
	Value *x = in(TG_DIMS(1, 3, 28, 28));
	Op *op = conv(x, cst(TG_DIMS(8, 3, 3, 3)), 1, 1);

	expect_type(op, TG_DIMS(1, 8, 28, 28));
}

Test(shape, conv_with_stride_dilation_and_asymmetric_pads)
{
	Value *x = in(TG_DIMS(2, 1, 10, 11));
	Op *op = conv(x, cst(TG_DIMS(4, 1, 3, 3)), 2, 0);

	op->a.conv.dilation[0] = op->a.conv.dilation[1] = 2;
	op->a.conv.pad[3] = 1;
	/* height (10 - 5)/2 + 1 = 3, width (11 + 1 - 5)/2 + 1 = 4 */
	expect_type(op, TG_DIMS(2, 4, 3, 4));
}

Test(shape, conv_groups_and_depthwise)
{
	Op *op = conv(in(TG_DIMS(1, 4, 6, 6)), cst(TG_DIMS(8, 2, 3, 3)), 1, 0);

	op->a.conv.group = 2;
	expect_type(op, TG_DIMS(1, 8, 4, 4));
	op = conv(in(TG_DIMS(1, 4, 6, 6)), cst(TG_DIMS(4, 1, 3, 3)), 2, 1);
	op->a.conv.group = 4;
	expect_type(op, TG_DIMS(1, 4, 3, 3));
}

Test(shape, conv_kernel_attribute_zero_means_take_it_from_the_weight)
{
	Op *op = conv(in(TG_DIMS(1, 3, 8, 8)), cst(TG_DIMS(2, 3, 5, 1)), 1, 0);

	op->a.conv.kernel[0] = 5;
	expect_type(op, TG_DIMS(1, 2, 4, 8));
}

Test(shape, conv_channel_mismatch_names_both_counts)
{
	Op *op = conv(in(TG_DIMS(1, 3, 8, 8)), cst(TG_DIMS(8, 4, 3, 3)), 1, 1);
	const TensorType *out[1];
	char *text;
	size_t n;

	cx.diagout = open_memstream(&text, &n);
	cr_assert_not(ir_infer_op(&cx, op, out));
	fclose(cx.diagout);
	cx.diagout = stderr;
	cr_assert_str_eq(text, "test.onnx: node \"n0\" (Conv): error: Conv "
	                 "input has 3 channels but weight expects 4 (group "
	                 "1)\n");
	free(text);
}

Test(shape, conv_errors)
{
	Value *x = in(TG_DIMS(1, 4, 8, 8));
	Op *op = conv(x, cst(TG_DIMS(6, 1, 3, 3)), 1, 0);

	op->a.conv.group = 4;
	expect_error(op, "Conv group 4 does not divide input channels 4 and "
	             "output channels 6");
	op = conv(x, cst(TG_DIMS(8, 4, 3, 3)), 1, 0);
	op->a.conv.kernel[0] = op->a.conv.kernel[1] = 5;
	expect_error(op, "Conv kernel_shape 5x5 does not match weight "
	             "f32[8,4,3,3]");
	op = tg_op(&cx, g, OP_CONV, 3, (Value *[]){x, cst(TG_DIMS(8, 4, 3, 3)),
	                                          cst(TG_DIMS(4))});
	expect_error(op, "Conv bias is f32[4] but must be [8]");
	expect_error(conv(x, cst(TG_DIMS(8, 4, 9, 9)), 1, 0),
	             "Conv window does not fit: input height 8 with padding "
	             "0+0 is smaller than kernel 9");
	expect_error(conv(in(TG_DIMS(4, 8, 8)), cst(TG_DIMS(8, 4, 3, 3)), 1, 0),
	             "Conv input must have rank 4, not f32[4,8,8]");
	op = conv(x, cst(TG_DIMS(8, 4, 3, 3)), 0, 0);
	expect_error(op, "strides and dilations must be positive");
	op = conv(x, cst(TG_DIMS(8, 4, 3, 3)), 1, 0);
	op->a.conv.pad[1] = -1;
	expect_error(op, "Conv has negative padding 0,-1,0,0");
}

Test(shape, compute_ops_reject_non_f32_data)
{
	Value *x = tg_input(&cx, g, type_new(&cx, DT_I8, 4,
	                                     (int64_t[]){1, 4, 8, 8}, NULL));

	expect_error(conv(x, cst(TG_DIMS(8, 4, 3, 3)), 1, 0),
	             "Conv input has element type i8; only f32 is supported");
	expect_error(op1(OP_RELU, x), "Relu input has element type i8");
	expect_error(op2(OP_ADD, in(TG_DIMS(1)), x),
	             "Add input B has element type i8");
}

Test(shape, missing_required_input_is_an_error)
{
	Op *op = tg_op(&cx, g, OP_CONV, 2,
	               (Value *[]){in(TG_DIMS(1, 4, 8, 8)), NULL});

	expect_error(op, "Conv has no weight (input 1)");
}

Test(shape, batchnorm_and_scaleshift_keep_the_type)
{
	Value *x = in(TG_DIMS(2, 3, 4, 4)), *p = cst(TG_DIMS(3));

	expect_type(tg_op(&cx, g, OP_BATCHNORM, 5, (Value *[]){x, p, p, p, p}),
	            TG_DIMS(2, 3, 4, 4));
	expect_type(tg_op(&cx, g, OP_SCALESHIFT, 3, (Value *[]){x, p, p}),
	            TG_DIMS(2, 3, 4, 4));
	expect_type(tg_op(&cx, g, OP_BATCHNORM, 5,
	                  (Value *[]){in(TG_DIMS(5, 3)), p, p, p, p}),
	            TG_DIMS(5, 3));
}

Test(shape, batchnorm_and_scaleshift_parameter_sizes_must_match)
{
	Value *x = in(TG_DIMS(2, 3, 4, 4)), *p = cst(TG_DIMS(3));
	Value *q = cst(TG_DIMS(4));

	expect_error(tg_op(&cx, g, OP_BATCHNORM, 5, (Value *[]){x, p, p, q, p}),
	             "BatchNormalization mean is f32[4] but must be [3]");
	expect_error(tg_op(&cx, g, OP_SCALESHIFT, 3, (Value *[]){x, p, q}),
	             "SCALESHIFT shift is f32[4] but must be [3]");
	expect_error(tg_op(&cx, g, OP_BATCHNORM, 5,
	                   (Value *[]){in(TG_DIMS(3)), p, p, p, p}),
	             "BatchNormalization input must have rank 2 or more, not "
	             "f32[3]");
}

Test(shape, activations_keep_the_type)
{
	static const OpKind k[] = {OP_RELU, OP_CLIP, OP_SIGMOID, OP_HARDSIGMOID,
	                           OP_HARDSWISH, OP_IDENTITY};
	Value *x = in(TG_DIMS(2, 3, 5));

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		cr_assert_eq(tg_infer(&cx, op1(k[i], x))->type, x->type);
}

Test(shape, add_and_mul_broadcast_like_numpy)
{
	expect_type(op2(OP_ADD, in(TG_DIMS(2, 3, 4, 5)), in(TG_DIMS(5))),
	            TG_DIMS(2, 3, 4, 5));
	expect_type(op2(OP_MUL, in(TG_DIMS(2, 1, 4)), in(TG_DIMS(3, 1))),
	            TG_DIMS(2, 3, 4));
	expect_type(op2(OP_ADD, in(TG_DIMS(1, 3, 1, 1)),
	                in(TG_DIMS(2, 3, 4, 4))), TG_DIMS(2, 3, 4, 4));
	expect_type(op2(OP_MUL, in(TG_DIMS(4)), tg_input(&cx, g,
	                                                 tg_f32(&cx, NULL, 0))),
	            TG_DIMS(4));
	expect_error(op2(OP_ADD, in(TG_DIMS(2, 3)), in(TG_DIMS(4))),
	             "Add operands f32[2,3] and f32[4] do not broadcast");
}

static Op *
pool(OpKind k, Value *x, int kernel, int stride, int pad, bool ceil)
{
	Op *op = op1(k, x);

	op->a.pool.kernel[0] = op->a.pool.kernel[1] = kernel;
	op->a.pool.stride[0] = op->a.pool.stride[1] = stride;
	for (int i = 0; i < 4; i++)
		op->a.pool.pad[i] = pad;
	op->a.pool.ceil_mode = ceil;
	return op;
}

Test(shape, pools_floor_and_ceil)
{
	Value *x = in(TG_DIMS(1, 2, 5, 5));

	expect_type(pool(OP_MAXPOOL, x, 2, 2, 0, false), TG_DIMS(1, 2, 2, 2));
	expect_type(pool(OP_MAXPOOL, x, 2, 2, 0, true), TG_DIMS(1, 2, 3, 3));
	expect_type(pool(OP_AVGPOOL, x, 3, 1, 1, false), TG_DIMS(1, 2, 5, 5));
	expect_type(pool(OP_AVGPOOL, x, 2, 2, 1, true), TG_DIMS(1, 2, 3, 3));
	expect_type(pool(OP_AVGPOOL, in(TG_DIMS(1, 1, 6, 7)), 3, 2, 0, true),
	            TG_DIMS(1, 1, 3, 3));
}

Test(shape, pool_errors)
{
	Value *x = in(TG_DIMS(1, 2, 5, 5));

	expect_error(pool(OP_MAXPOOL, x, 2, 2, 2, false),
	             "MaxPool padding 2,2,2,2 must be smaller than kernel 2x2");
	expect_error(pool(OP_AVGPOOL, x, 0, 1, 0, false),
	             "AveragePool has no kernel_shape");
	expect_error(pool(OP_AVGPOOL, x, 6, 1, 0, false),
	             "AveragePool window does not fit: input height 5");
	expect_error(pool(OP_MAXPOOL, in(TG_DIMS(2, 5, 5)), 2, 2, 0, false),
	             "MaxPool input must have rank 4, not f32[2,5,5]");
}

Test(shape, global_average_pool_keeps_batch_and_channels)
{
	expect_type(op1(OP_GLOBALAVGPOOL, in(TG_DIMS(2, 3, 7, 7))),
	            TG_DIMS(2, 3, 1, 1));
	expect_error(op1(OP_GLOBALAVGPOOL, in(TG_DIMS(2, 3))),
	             "GlobalAveragePool input must have rank 3 or more");
}

Test(shape, flatten_splits_at_axis)
{
	Value *x = in(TG_DIMS(2, 3, 4, 5));
	Op *op;

	expect_type(op1(OP_FLATTEN, x), TG_DIMS(2, 60));
	op = op1(OP_FLATTEN, x);
	op->a.axis.axis = 0;
	expect_type(op, TG_DIMS(1, 120));
	op = op1(OP_FLATTEN, x);
	op->a.axis.axis = 4;
	expect_type(op, TG_DIMS(120, 1));
	op = op1(OP_FLATTEN, x);
	op->a.axis.axis = 5;
	expect_error(op, "Flatten axis 5 is out of range for f32[2,3,4,5]");
}

static Op *
reshape(Value *x, const int64_t *shape, int rank, bool allowzero)
{
	Op *op = op1(OP_RESHAPE, x);

	op->a.reshape.rank = rank;
	for (int i = 0; i < rank; i++)
		op->a.reshape.shape[i] = shape[i];
	op->a.reshape.allowzero = allowzero;
	return op;
}

Test(shape, reshape_copies_zeros_and_infers_minus_one)
{
	Value *x = in(TG_DIMS(2, 3, 4));

	expect_type(reshape(x, TG_DIMS(0, -1), false), TG_DIMS(2, 12));
	expect_type(reshape(x, TG_DIMS(-1), false), TG_DIMS(24));
	expect_type(reshape(x, TG_DIMS(4, 0, 2), false), TG_DIMS(4, 3, 2));
	expect_type(reshape(in(TG_DIMS(0, 3)), TG_DIMS(3, 0), true),
	            TG_DIMS(3, 0));
}

Test(shape, reshape_errors)
{
	Value *x = in(TG_DIMS(2, 3, 4));

	expect_error(reshape(x, TG_DIMS(-1, -1), false),
	             "Reshape shape has more than one -1");
	expect_error(reshape(x, TG_DIMS(5, -1), false),
	             "Reshape cannot infer the -1 in its shape: 24 elements of "
	             "f32[2,3,4] do not divide into 5");
	expect_error(reshape(x, TG_DIMS(5, 5), false),
	             "Reshape of f32[2,3,4] (24 elements) to f32[5,5] (25 "
	             "elements)");
	expect_error(reshape(x, TG_DIMS(0, -1), true),
	             "Reshape cannot infer the -1");
	expect_error(reshape(x, TG_DIMS(1, 1, 1, 0), false),
	             "Reshape shape has 0 at position 3 but the input "
	             "f32[2,3,4] has no such dimension");
}

Test(shape, views_accept_any_byte_sized_type)
{
	const TensorType *t = type_new(&cx, DT_I64, 2, (int64_t[]){2, 3}, NULL);
	Value *x = tg_input(&cx, g, t);
	Value *y = tg_infer(&cx, reshape(x, TG_DIMS(3, 2), false));
	Value *p = tg_input(&cx, g,
	                    type_new(&cx, DT_I4, 1, (int64_t[]){4}, NULL));

	cr_assert_eq(y->type->dt, DT_I64);
	cr_assert_eq(tg_infer(&cx, op1(OP_IDENTITY, x))->type, t);
	expect_error(op1(OP_FLATTEN, p), "Flatten input has packed element "
	             "type i4");
}

static Op *
gemm(Value *a, Value *b, Value *c, bool ta, bool tb)
{
	Op *op = tg_op(&cx, g, OP_GEMM, c ? 3 : 2, (Value *[]){a, b, c});

	op->a.gemm.trans_a = ta;
	op->a.gemm.trans_b = tb;
	return op;
}

Test(shape, gemm_with_transposes_and_broadcast_c)
{
	expect_type(gemm(in(TG_DIMS(4, 3)), cst(TG_DIMS(3, 5)), NULL, 0, 0),
	            TG_DIMS(4, 5));
	expect_type(gemm(in(TG_DIMS(3, 4)), cst(TG_DIMS(5, 3)), cst(TG_DIMS(5)),
	                 1, 1), TG_DIMS(4, 5));
	expect_type(gemm(in(TG_DIMS(4, 3)), cst(TG_DIMS(3, 5)),
	                 cst(TG_DIMS(4, 1)), 0, 0), TG_DIMS(4, 5));
	expect_type(gemm(in(TG_DIMS(4, 3)), cst(TG_DIMS(3, 5)),
	                 cst(TG_DIMS(4, 5)), 0, 0), TG_DIMS(4, 5));
	expect_type(gemm(in(TG_DIMS(4, 3)), cst(TG_DIMS(3, 5)),
	                 tg_const_rand(&cx, g, tg_f32(&cx, NULL, 0), 1, 0, 1),
	                 0, 0), TG_DIMS(4, 5));
}

Test(shape, gemm_errors)
{
	expect_error(gemm(in(TG_DIMS(4, 3)), cst(TG_DIMS(5, 3)), NULL, 0, 0),
	             "Gemm A f32[4,3] has K = 3 but B f32[5,3] has K = 5");
	expect_error(gemm(in(TG_DIMS(4, 3)), cst(TG_DIMS(3, 5)),
	                  cst(TG_DIMS(4)), 0, 0),
	             "Gemm C f32[4] does not broadcast to [4,5]");
	expect_error(gemm(in(TG_DIMS(2, 4, 3)), cst(TG_DIMS(3, 5)), NULL, 0, 0),
	             "Gemm input A must have rank 2");
}

Test(shape, matmul_follows_numpy)
{
	expect_type(op2(OP_MATMUL, in(TG_DIMS(2, 3)), cst(TG_DIMS(3, 4))),
	            TG_DIMS(2, 4));
	expect_type(op2(OP_MATMUL, in(TG_DIMS(3)), cst(TG_DIMS(3, 4))),
	            TG_DIMS(4));
	expect_type(op2(OP_MATMUL, in(TG_DIMS(2, 3)), cst(TG_DIMS(3))),
	            TG_DIMS(2));
	expect_type(op2(OP_MATMUL, in(TG_DIMS(3)), cst(TG_DIMS(3))), NULL, 0);
	expect_type(op2(OP_MATMUL, in(TG_DIMS(2, 1, 3, 4)),
	                cst(TG_DIMS(5, 4, 6))), TG_DIMS(2, 5, 3, 6));
	expect_type(op2(OP_MATMUL, in(TG_DIMS(7, 2, 3)), cst(TG_DIMS(3, 4))),
	            TG_DIMS(7, 2, 4));
	expect_type(op2(OP_MATMUL, in(TG_DIMS(3)), cst(TG_DIMS(7, 3, 4))),
	            TG_DIMS(7, 4));
}

Test(shape, matmul_errors)
{
	expect_error(op2(OP_MATMUL, in(TG_DIMS(2, 3)), cst(TG_DIMS(4, 5))),
	             "MatMul A f32[2,3] has K = 3 but B f32[4,5] has K = 4");
	expect_error(op2(OP_MATMUL, in(TG_DIMS(2, 3, 4)),
	                 cst(TG_DIMS(3, 4, 5))),
	             "MatMul batch dimensions of f32[2,3,4] and f32[3,4,5] do "
	             "not broadcast");
}

Test(shape, softmax_keeps_the_type_and_checks_the_axis)
{
	Value *x = in(TG_DIMS(2, 10));
	Op *op = op1(OP_SOFTMAX, x);

	cr_assert_eq(op->a.softmax.axis, 1);
	cr_assert_eq(tg_infer(&cx, op)->type, x->type);
	op = op1(OP_SOFTMAX, x);
	op->a.softmax.axis = 2;
	expect_error(op, "Softmax axis 2 is out of range for f32[2,10]");
}

Test(shape, concat_sums_the_axis)
{
	Op *op = tg_op(&cx, g, OP_CONCAT, 3,
	               (Value *[]){in(TG_DIMS(1, 2, 4)), in(TG_DIMS(1, 3, 4)),
	                           cst(TG_DIMS(1, 1, 4))});

	op->a.axis.axis = 1;
	expect_type(op, TG_DIMS(1, 6, 4));
}

Test(shape, concat_errors)
{
	Value *i64 = tg_input(&cx, g, type_new(&cx, DT_I64, 3,
	                                       (int64_t[]){1, 3, 4}, NULL));
	Op *op = op2(OP_CONCAT, in(TG_DIMS(1, 2, 4)), in(TG_DIMS(1, 3, 5)));

	op->a.axis.axis = 1;
	expect_error(op, "Concat input 1 is f32[1,3,5] but input 0 is "
	             "f32[1,2,4]; they may differ only along axis 1");
	op = op2(OP_CONCAT, in(TG_DIMS(1, 2, 4)), i64);
	op->a.axis.axis = 1;
	expect_error(op, "Concat input 1 is i64[1,3,4]");
	op = op2(OP_CONCAT, in(TG_DIMS(1, 2, 4)), in(TG_DIMS(1, 2, 4)));
	op->a.axis.axis = 3;
	expect_error(op, "Concat axis 3 is out of range for f32[1,2,4]");
}
