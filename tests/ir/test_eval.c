/* test_eval.c -- the reference interpreter against hand-computed values. */
#include <criterion/criterion.h>
#include <math.h>
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

TestSuite(eval, .init = setup, .fini = teardown);

static Value *
in(const int64_t *dim, int rank)
{
	return tg_input(&cx, g, tg_f32(&cx, dim, rank));
}

/* Types op, runs it on data and returns its result. */
static float *
run(Op *op, const float *const data[])
{
	Value *y = tg_infer(&cx, op);
	float *out = NEWARRAY(cx.perm, float, type_numel(y->type) + 1);

	cr_assert(ir_eval_op(&cx, op, (const void *const *)data,
	                     (void *const[]){out}));
	return out;
}

static void
expect(const float *got, const float *want, int n)
{
	tg_assert_floats(got, want, n, 1e-6f);
}

static float iota16[16] = {0, 1, 2,  3,  4,  5,  6,  7,
                           8, 9, 10, 11, 12, 13, 14, 15};

static Op *
conv3x3(Value *x, const int32_t pad[4])
{
	Value *w = in(TG_DIMS(1, 1, 3, 3)), *b = in(TG_DIMS(1));
	Op *op = tg_op(&cx, g, OP_CONV, 3, (Value *[]){x, w, b});

	memcpy(op->a.conv.pad, pad, sizeof op->a.conv.pad);
	return op;
}

Test(eval, conv_3x3_pad_1_sums_the_clipped_neighbourhood)
{
	static const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	static const float bias[1] = {0.5f};
	static const float want[16] = {
		10.5, 18.5, 24.5, 18.5, 27.5, 45.5, 54.5, 39.5,
		51.5, 81.5, 90.5, 63.5, 42.5, 66.5, 72.5, 50.5,
	};
	Op *op = conv3x3(in(TG_DIMS(1, 1, 4, 4)), (int32_t[]){1, 1, 1, 1});

	expect(run(op, (const float *[]){iota16, ones, bias}), want, 16);
}

Test(eval, conv_is_a_correlation_with_asymmetric_pads)
{
	/* only the top-left tap: y[oy][ox] = x[oy - 1][ox + 0] */
	static const float tl[9] = {1, 0, 0, 0, 0, 0, 0, 0, 0};
	static const float zero[1] = {0};
	static const float want[9] = {0, 0, 0, 0, 1, 2, 4, 5, 6};
	Op *op = conv3x3(in(TG_DIMS(1, 1, 4, 4)), (int32_t[]){1, 0, 0, 1});

	expect(run(op, (const float *[]){iota16, tl, zero}), want, 9);
}

Test(eval, conv_groups_stride_and_dilation)
{
	float x[50];
	/* group 2: output 0 reads channel 0 with the top-left tap, output 1
	 * reads channel 1 with the bottom-right tap; dilation 2, stride 2 */
	static const float w[8] = {1, 0, 0, 0, 0, 0, 0, 1};
	static const float b[2] = {0, 0};
	static const float want[8] = {0, 2, 10, 12, 112, 114, 122, 124};
	Value *vx = in(TG_DIMS(1, 2, 5, 5));
	Value *vw = in(TG_DIMS(2, 1, 2, 2)), *vb = in(TG_DIMS(2));
	Op *op = tg_op(&cx, g, OP_CONV, 3, (Value *[]){vx, vw, vb});

	for (int i = 0; i < 25; i++) {
		x[i] = (float)i;
		x[25 + i] = 100.0f + (float)i;
	}
	op->a.conv.group = 2;
	op->a.conv.stride[0] = op->a.conv.stride[1] = 2;
	op->a.conv.dilation[0] = op->a.conv.dilation[1] = 2;
	expect(run(op, (const float *[]){x, w, b}), want, 8);
}

Test(eval, conv_without_bias_and_with_fused_relu)
{
	static const float x[4] = {1, -2, 3, -4};
	static const float w[2] = {1, -1};
	static const float want[8] = {1, 0, 3, 0, 0, 2, 0, 4};
	Value *vx = in(TG_DIMS(1, 1, 2, 2)), *vw = in(TG_DIMS(2, 1, 1, 1));
	Op *op = tg_op(&cx, g, OP_CONV, 2, (Value *[]){vx, vw});

	op->act.kind = ACT_RELU;
	expect(run(op, (const float *[]){x, w}), want, 8);
}

Test(eval, batchnorm_normalizes_per_channel)
{
	static const float x[4] = {1, 2, 3, 4};
	static const float scale[2] = {2, 0.5f}, bias[2] = {1, -1};
	static const float mean[2] = {1, 2}, var[2] = {3, 0};
	static const float want[4] = {1, 2, -0.5f, 0};
	Value *p = in(TG_DIMS(2));
	Op *op = tg_op(&cx, g, OP_BATCHNORM, 5,
	               (Value *[]){in(TG_DIMS(1, 2, 1, 2)), p, p, p, p});

	op->a.bn.eps = 1.0f;
	expect(run(op, (const float *[]){x, scale, bias, mean, var}), want, 4);
}

Test(eval, scaleshift_is_per_channel_affine)
{
	static const float x[4] = {1, 2, 3, 4};
	static const float scale[2] = {2, -1}, shift[2] = {1, 0};
	static const float want[4] = {3, 5, -3, -4};
	Value *p = in(TG_DIMS(2));
	Op *op = tg_op(&cx, g, OP_SCALESHIFT, 3,
	               (Value *[]){in(TG_DIMS(1, 2, 2)), p, p});

	expect(run(op, (const float *[]){x, scale, shift}), want, 4);
}

static const float actx[6] = {-8, -1, 0, 0.5f, 3, 8};

static float *
run_act(OpKind k, Act a)
{
	Op *op = tg_op(&cx, g, k, 1, (Value *[]){in(TG_DIMS(6))});

	op->a.act = a;
	return run(op, (const float *[]){actx});
}

Test(eval, activations)
{
	static const float relu[6] = {0, 0, 0, 0.5f, 3, 8};
	static const float clip[6] = {0, 0, 0, 0.5f, 3, 6};
	static const float sig[6] = {0.000335350130f, 0.268941421f, 0.5f,
	                             0.622459331f, 0.952574127f, 0.999664650f};
	static const float hsig[6] = {0, 0.3f, 0.5f, 0.6f, 1, 1};
	static const float hswish[6] = {0, -1.0f / 3, 0, 0.5f * 7 / 12, 3, 8};

	expect(run_act(OP_RELU, (Act){ACT_RELU, 0, 0}), relu, 6);
	expect(run_act(OP_CLIP, (Act){ACT_CLIP, 0, 6}), clip, 6);
	expect(run_act(OP_SIGMOID, (Act){ACT_SIGMOID, 0, 0}), sig, 6);
	expect(run_act(OP_HARDSIGMOID, (Act){ACT_HARDSIGMOID, 0.2f, 0.5f}),
	       hsig, 6);
	expect(run_act(OP_HARDSWISH, (Act){ACT_HARDSWISH, 0, 0}), hswish, 6);
}

Test(eval, fused_activation_applies_to_the_result)
{
	static const float zero[6] = {0};
	static const float want[6] = {0, -1.0f / 3, 0, 0.5f * 7 / 12, 3, 8};
	static const float clip[6] = {-1, -1, 0, 0.5f, 1, 1};
	Op *op = tg_op(&cx, g, OP_ADD, 2,
	               (Value *[]){in(TG_DIMS(6)), in(TG_DIMS(6))});

	op->act.kind = ACT_HARDSWISH;
	expect(run(op, (const float *[]){actx, zero}), want, 6);
	op = tg_op(&cx, g, OP_MUL, 2,
	           (Value *[]){in(TG_DIMS(6)), in(TG_DIMS(1))});
	op->act = (Act){ACT_CLIP, -1, 1};
	expect(run(op, (const float *[]){actx, (float[]){1}}), clip, 6);
}

Test(eval, add_and_mul_broadcast)
{
	static const float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {10, 20, 30};
	static const float sum[6] = {11, 22, 33, 14, 25, 36};
	static const float c[2] = {2, 3};
	static const float prod[6] = {2, 4, 6, 3, 6, 9};
	static const float s[1] = {-1};
	static const float neg[6] = {-1, -2, -3, -4, -5, -6};

	expect(run(tg_op(&cx, g, OP_ADD, 2,
	                 (Value *[]){in(TG_DIMS(2, 3)), in(TG_DIMS(3))}),
	           (const float *[]){a, b}), sum, 6);
	expect(run(tg_op(&cx, g, OP_MUL, 2,
	                 (Value *[]){in(TG_DIMS(2, 1)), in(TG_DIMS(1, 3))}),
	           (const float *[]){c, b}), (float[]){20, 40, 60, 30, 60, 90},
	       6);
	expect(run(tg_op(&cx, g, OP_MUL, 2,
	                 (Value *[]){in(TG_DIMS(2, 1)), in(TG_DIMS(1, 3))}),
	           (const float *[]){c, (float[]){1, 2, 3}}), prod, 6);
	expect(run(tg_op(&cx, g, OP_MUL, 2,
	                 (Value *[]){in(NULL, 0), in(TG_DIMS(2, 3))}),
	           (const float *[]){s, a}), neg, 6);
}

static Op *
pool(OpKind k, Value *x, int kernel, int stride, int pad, bool ceil)
{
	Op *op = tg_op(&cx, g, k, 1, &x);

	op->a.pool.kernel[0] = op->a.pool.kernel[1] = kernel;
	op->a.pool.stride[0] = op->a.pool.stride[1] = stride;
	for (int i = 0; i < 4; i++)
		op->a.pool.pad[i] = pad;
	op->a.pool.ceil_mode = ceil;
	return op;
}

Test(eval, maxpool_takes_the_window_maximum)
{
	expect(run(pool(OP_MAXPOOL, in(TG_DIMS(1, 1, 4, 4)), 2, 2, 0, false),
	           (const float *[]){iota16}), (float[]){5, 7, 13, 15}, 4);
}

Test(eval, maxpool_padding_never_wins)
{
	float x[16];

	for (int i = 0; i < 16; i++)
		x[i] = -(float)(i + 1);
	expect(run(pool(OP_MAXPOOL, in(TG_DIMS(1, 1, 4, 4)), 3, 2, 1, false),
	           (const float *[]){x}), (float[]){-1, -2, -5, -6}, 4);
}

Test(eval, maxpool_ceil_mode_keeps_the_partial_windows)
{
	float x[25];
	static const float want[9] = {6, 8, 9, 16, 18, 19, 21, 23, 24};

	for (int i = 0; i < 25; i++)
		x[i] = (float)i;
	expect(run(pool(OP_MAXPOOL, in(TG_DIMS(1, 1, 5, 5)), 2, 2, 0, true),
	           (const float *[]){x}), want, 9);
}

Test(eval, avgpool_with_and_without_count_include_pad)
{
	Op *ex = pool(OP_AVGPOOL, in(TG_DIMS(1, 1, 4, 4)), 3, 1, 1, false);
	Op *inc = pool(OP_AVGPOOL, in(TG_DIMS(1, 1, 4, 4)), 3, 1, 1, false);
	float *y;

	inc->a.pool.count_include_pad = true;
	y = run(ex, (const float *[]){iota16});
	cr_assert_float_eq(y[0], 10.0f / 4, 1e-6);
	cr_assert_float_eq(y[1], 18.0f / 6, 1e-6);
	cr_assert_float_eq(y[5], 5.0f, 1e-6);
	cr_assert_float_eq(y[15], 50.0f / 4, 1e-6);
	y = run(inc, (const float *[]){iota16});
	cr_assert_float_eq(y[0], 10.0f / 9, 1e-6);
	cr_assert_float_eq(y[1], 18.0f / 9, 1e-6);
	cr_assert_float_eq(y[5], 5.0f, 1e-6);
	cr_assert_float_eq(y[15], 50.0f / 9, 1e-6);
}

Test(eval, avgpool_ceil_mode_counts_only_positions_inside_the_padded_input)
{
	/* 1x6 row, kernel 1x3, stride 2, pad 1 left and right, ceil: four
	 * windows at columns -1..1, 1..3, 3..5, 5..7; the last reaches past
	 * the padding (column 7), which never counts. */
	static const float x[6] = {1, 2, 3, 4, 5, 6};
	static const float inc[4] = {1, 3, 5, 3}, exc[4] = {1.5f, 3, 5, 6};
	Op *op[2];

	for (int i = 0; i < 2; i++) {
		Value *vx = in(TG_DIMS(1, 1, 1, 6));
		op[i] = tg_op(&cx, g, OP_AVGPOOL, 1, &vx);
		op[i]->a.pool = (PoolAttr){{1, 3}, {1, 2}, {1, 1}, {0, 1, 0, 1},
		                           true, i == 0};
	}
	expect(run(op[0], (const float *[]){x}), inc, 4);
	expect(run(op[1], (const float *[]){x}), exc, 4);
}

Test(eval, global_average_pool_means_each_plane)
{
	static const float x[8] = {1, 2, 3, 4, 10, 20, 30, 40};

	expect(run(tg_op(&cx, g, OP_GLOBALAVGPOOL, 1,
	                 (Value *[]){in(TG_DIMS(1, 2, 2, 2))}),
	           (const float *[]){x}), (float[]){2.5f, 25}, 2);
}

Test(eval, views_copy_their_input)
{
	Value *x = in(TG_DIMS(2, 2, 4));
	Op *op = tg_op(&cx, g, OP_RESHAPE, 1, &x);

	op->a.reshape = (ReshapeAttr){.rank = 2, .shape = {-1, 8}};
	expect(run(op, (const float *[]){iota16}), iota16, 16);
	expect(run(tg_op(&cx, g, OP_FLATTEN, 1, &x), (const float *[]){iota16}),
	       iota16, 16);
	expect(run(tg_op(&cx, g, OP_IDENTITY, 1, &x),
	           (const float *[]){iota16}), iota16, 16);
}

static Op *
gemm(Value *a, Value *b, Value *c, bool ta, bool tb, float alpha, float beta)
{
	Op *op = tg_op(&cx, g, OP_GEMM, 3, (Value *[]){a, b, c});

	op->a.gemm = (GemmAttr){alpha, beta, ta, tb};
	return op;
}

Test(eval, gemm_with_trans_b_alpha_beta_and_broadcast_c)
{
	static const float a[6] = {1, 2, 3, 4, 5, 6};
	static const float at[6] = {1, 4, 2, 5, 3, 6};
	static const float b[6] = {1, 0, 1, 0, 1, 0};
	static const float c[2] = {1, 2};
	/* A B^T = {4, 2, 10, 5}; times 2, plus 0.5 * C */
	static const float row[4] = {8.5f, 5, 20.5f, 11};
	static const float col[4] = {8.5f, 4.5f, 21, 11};

	expect(run(gemm(in(TG_DIMS(2, 3)), in(TG_DIMS(2, 3)), in(TG_DIMS(2)),
	                false, true, 2, 0.5f), (const float *[]){a, b, c}),
	       row, 4);
	expect(run(gemm(in(TG_DIMS(3, 2)), in(TG_DIMS(2, 3)), in(TG_DIMS(2)),
	                true, true, 2, 0.5f), (const float *[]){at, b, c}),
	       row, 4);
	expect(run(gemm(in(TG_DIMS(2, 3)), in(TG_DIMS(2, 3)), in(TG_DIMS(2, 1)),
	                false, true, 2, 0.5f), (const float *[]){a, b, c}),
	       col, 4);
}

Test(eval, gemm_without_c_and_without_transposes)
{
	static const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
	Op *op = tg_op(&cx, g, OP_GEMM, 2,
	               (Value *[]){in(TG_DIMS(2, 2)), in(TG_DIMS(2, 2))});

	expect(run(op, (const float *[]){a, b}), (float[]){19, 22, 43, 50}, 4);
}

static float *
matmul(const int64_t *da, int ra, const int64_t *db, int rb, const float *a,
       const float *b)
{
	Value *va = in(da, ra), *vb = in(db, rb);
	Op *op = tg_op(&cx, g, OP_MATMUL, 2, (Value *[]){va, vb});

	return run(op, (const float *[]){a, b});
}

Test(eval, matmul_batched_and_broadcast)
{
	static const float a[12] = {1, 2, 3, 4, 5, 6, 0, 0, 1, 1, 0, 0};
	static const float b[6] = {1, 0, 0, 1, 1, 1};
	static const float want[8] = {4, 5, 10, 11, 1, 1, 1, 0};
	static const float a2[4] = {1, 2, 3, 4};
	static const float b2[6] = {1, 1, 1, -1, 2, 0};
	static const float want2[6] = {3, -1, 2, 7, -1, 6};

	expect(matmul(TG_DIMS(2, 2, 3), TG_DIMS(3, 2), a, b), want, 8);
	/* [2,1,1,2] x [3,2,1] -> [2,3,1,1]: every row of A with every
	 * column of B */
	expect(matmul(TG_DIMS(2, 1, 1, 2), TG_DIMS(3, 2, 1), a2, b2), want2, 6);
}

Test(eval, matmul_with_one_dimensional_operands)
{
	static const float v[3] = {1, 2, 3};
	static const float m[6] = {1, 0, 0, 1, 1, 1};
	static const float mt[6] = {1, 0, 1, 0, 1, 1};

	expect(matmul(TG_DIMS(3), TG_DIMS(3, 2), v, m), (float[]){4, 5}, 2);
	expect(matmul(TG_DIMS(2, 3), TG_DIMS(3), mt, v), (float[]){4, 5}, 2);
	expect(matmul(TG_DIMS(3), TG_DIMS(3), v, v), (float[]){14}, 1);
}

static Op *
softmax(Value *x, int axis, bool legacy)
{
	Op *op = tg_op(&cx, g, OP_SOFTMAX, 1, &x);

	op->a.softmax.axis = axis;
	op->a.softmax.legacy = legacy;
	return op;
}

Test(eval, softmax_normalizes_rows)
{
	static const float x[6] = {1, 2, 3, 1, 1, 1};
	static const float want[6] = {0.0900305732f, 0.244728471f, 0.665240956f,
	                              1.0f / 3, 1.0f / 3, 1.0f / 3};

	expect(run(softmax(in(TG_DIMS(2, 3)), 1, false), (const float *[]){x}),
	       want, 6);
}

Test(eval, softmax_13_uses_one_axis_and_legacy_the_flattened_block)
{
	static const float x[4] = {1, 2, 3, 4};
	static const float new[4] = {0.119202922f, 0.119202922f, 0.880797078f,
	                             0.880797078f};
	static const float old[4] = {0.0320586033f, 0.0871443187f, 0.236882818f,
	                             0.643914260f};

	Value *v = in(TG_DIMS(1, 2, 2));

	expect(run(softmax(v, 1, false), (const float *[]){x}), new, 4);
	expect(run(softmax(v, 1, true), (const float *[]){x}), old, 4);
}

Test(eval, softmax_is_stable_for_large_inputs)
{
	static const float x[3] = {1000, 1000, -1000};

	expect(run(softmax(in(TG_DIMS(3)), 0, false), (const float *[]){x}),
	       (float[]){0.5f, 0.5f, 0}, 3);
}

Test(eval, concat_joins_along_the_axis)
{
	static const float a[4] = {1, 2, 3, 4}, b[2] = {5, 6};
	static const float c[2] = {1, 2}, d[4] = {3, 4, 5, 6};
	Op *op = tg_op(&cx, g, OP_CONCAT, 2,
	               (Value *[]){in(TG_DIMS(1, 2, 2)), in(TG_DIMS(1, 1, 2))});

	op->a.axis.axis = 1;
	expect(run(op, (const float *[]){a, b}), (float[]){1, 2, 3, 4, 5, 6},
	       6);
	op = tg_op(&cx, g, OP_CONCAT, 2,
	           (Value *[]){in(TG_DIMS(2, 1)), in(TG_DIMS(2, 2))});
	op->a.axis.axis = 1;
	expect(run(op, (const float *[]){c, d}), (float[]){1, 3, 4, 2, 5, 6},
	       6);
}

Test(eval, graph_evaluation_chains_ops_and_keeps_every_value)
{
	Value *x = in(TG_DIMS(1, 1, 4, 4));
	Value *y = tg_conv(&cx, g, x, 2, 3, 1, 1, 1, 9);
	Value *z = tg_act(&cx, g, y, (Act){ACT_RELU, 0, 0});
	float *out, **val;
	Arena *a = arena_new();
	char *mark = arena_strdup(cx.scratch, "scratch survives");

	tg_output(&cx, g, z);
	ir_verify(&cx, g);
	out = tg_eval(&cx, g, (const float *[]){iota16});
	val = (float **)ir_eval_values(&cx, g, (const void *[]){iota16}, a);
	cr_assert_not_null(val);
	cr_assert_str_eq(mark, "scratch survives");
	expect(val[x->id], iota16, 16);
	for (int i = 0; i < 32; i++) {
		cr_assert_float_eq(val[z->id][i], fmaxf(val[y->id][i], 0), 0);
		cr_assert_float_eq(out[i], val[z->id][i], 0);
	}
	cr_assert_float_eq(val[y->def->in[1]->id][0],
	                   value_f32(y->def->in[1])[0], 0);
	arena_free(a);
}

Test(eval, ops_without_a_reference_kernel_are_reported)
{
	Value *x = tg_input(&cx, g, type_new(&cx, DT_I8, 1, (int64_t[]){4},
	                                     NULL));
	Op *op = tg_op(&cx, g, OP_RELU, 1, &x);
	int8_t data[4] = {0}, out[4];
	char *text;
	size_t n;

	op->out[0]->type = x->type;
	cx.diagout = open_memstream(&text, &n);
	cr_assert_not(ir_eval_op(&cx, op, (const void *[]){data},
	                         (void *[]){out}));
	fclose(cx.diagout);
	cx.diagout = stderr;
	cr_assert(strstr(text, "the reference interpreter cannot run Relu on "
	                       "i8 yet"), "%s", text);
	free(text);
}
