/* test_logic.c -- comparisons, Where and Not: the kernels of logic.c
 * against plain loops, and the IR's inference and interpreter
 * (ir/shape_logic.c, ir/eval_logic.c) on the same data, including the
 * integer shape arithmetic that only runs at compile time. */
#include "rt_test.h"

/* [3,4,5] against [5]: b broadcast along the two outer axes. */
static const int32_t dims[3] = {3, 4, 5};
static const int32_t sfull[3] = {20, 5, 1};
static const int32_t srow[3] = {0, 0, 1};

Test(logic, comparisons_broadcast_and_give_bool_bytes)
{
	float *a = rt_rand(60, 1), *b = rt_rand(5, 2);
	uint8_t y[60];

	a[7] = b[2];   /* an equal pair: (0, 1, 2) */
	for (int op = QCC_CMP_EQ; op <= QCC_CMP_LE; op++) {
		qcc_rt_compare_f32(a, b, y, op, 3, dims, sfull, srow);
		for (int i = 0; i < 60; i++) {
			float u = a[i], v = b[i % 5];
			int want = op == QCC_CMP_EQ   ? u == v
			           : op == QCC_CMP_GT ? u > v
			           : op == QCC_CMP_LT ? u < v
			           : op == QCC_CMP_GE ? u >= v
			                              : u <= v;
			cr_assert_eq(y[i], want, "op %d element %d: %d", op, i,
			             y[i]);
		}
	}
	qcc_rt_compare_f32(a, b, y, QCC_CMP_EQ, 3, dims, sfull, srow);
	cr_assert_eq(y[7], 1);
}

Test(logic, where_picks_by_a_broadcast_condition)
{
	/* cond [4,1] over x [1,5] and y [4,5] */
	static const int32_t d[2] = {4, 5}, cs[2] = {1, 0}, xs[2] = {0, 1},
	                     ys[2] = {5, 1};
	uint8_t cond[4] = {1, 0, 2, 0};
	float *x = rt_rand(5, 3), *yv = rt_rand(20, 4), out[20];

	qcc_rt_where_f32(cond, x, yv, out, 2, d, cs, xs, ys);
	for (int i = 0; i < 20; i++)
		cr_assert_float_eq(out[i], cond[i / 5] ? x[i % 5] : yv[i], 0);
}

Test(logic, not_flips_bool_bytes)
{
	uint8_t x[4] = {0, 1, 1, 0}, y[4];

	qcc_rt_not_b8(x, y, 4);
	cr_assert(y[0] == 1 && y[1] == 0 && y[2] == 0 && y[3] == 1);
}

/* ---- the IR ------------------------------------------------------------- */

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

static Value *
i64_const(Graph *g, const int64_t *v, int64_t n)
{
	return ir_const(&cx, g, type_new(&cx, DT_I64, 1, &n, NULL), v, "c");
}

Test(logic_ir, greater_then_where_matches_the_kernels, .init = setup,
     .fini = teardown)
{
	Graph *g = tg_graph(&cx);
	Value *a = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(3, 4, 5)));
	Value *b = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(5)));
	Value *c = tg_infer(&cx, tg_op(&cx, g, OP_GREATER, 2, (Value *[]){a, b}));
	Value *w = tg_infer(&cx, tg_op(&cx, g, OP_WHERE, 3,
	                               (Value *[]){c, a, b}));
	float *x = rt_rand(60, 5), *y = rt_rand(5, 6), want[60];
	uint8_t cond[60];
	void **val;

	cr_assert_eq(c->type->dt, DT_BOOL);
	cr_assert_eq(w->type->dt, DT_F32);
	cr_assert_eq(type_numel(w->type), 60);
	tg_output(&cx, g, w);
	val = ir_eval_values(&cx, g, (const void *[]){x, y}, cx.perm);
	cr_assert(val);
	qcc_rt_compare_f32(x, y, cond, QCC_CMP_GT, 3, dims, sfull, srow);
	qcc_rt_where_f32(cond, x, y, want, 3, dims, sfull, sfull, srow);
	cr_assert(!memcmp(val[c->id], cond, 60));
	rt_assert_same(val[w->id], want, 60);
}

Test(logic_ir, integer_shape_arithmetic_folds, .init = setup,
     .fini = teardown)
{
	Graph *g = tg_graph(&cx);
	static const int64_t s[4] = {1, 64, 7, 7}, k[1] = {-3}, d[1] = {2};
	Value *vs = i64_const(g, s, 4), *vk = i64_const(g, k, 1);
	Value *vd = i64_const(g, d, 1);
	Value *mul = tg_infer(&cx, tg_op(&cx, g, OP_MUL, 2, (Value *[]){vs, vk}));
	Value *div = tg_infer(&cx, tg_op(&cx, g, OP_DIV, 2,
	                                 (Value *[]){mul, vd}));
	Value *eq = tg_infer(&cx, tg_op(&cx, g, OP_EQUAL, 2,
	                                (Value *[]){vs, vs}));
	void **val;
	const int64_t *r;

	cr_assert_eq(div->type->dt, DT_I64);
	cr_assert_eq(eq->type->dt, DT_BOOL);
	tg_output(&cx, g, div);
	val = ir_eval_values(&cx, g, NULL, cx.perm);
	r = val[div->id];
	/* -3 * 7 / 2 truncates toward zero: -10 */
	cr_assert(r[0] == -1 && r[1] == -96 && r[2] == -10 && r[3] == -10,
	          "got %lld %lld %lld %lld", (long long)r[0], (long long)r[1],
	          (long long)r[2], (long long)r[3]);
}

Test(logic_ir, comparing_f32_with_i64_is_an_error, .init = setup,
     .fini = teardown)
{
	Graph *g = tg_graph(&cx);
	static const int64_t s[1] = {1};
	Value *a = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1)));
	Op *op = tg_op(&cx, g, OP_LESS, 2, (Value *[]){a, i64_const(g, s, 1)});
	const TensorType *out[1] = {0};
	char *buf = NULL;
	size_t len = 0;

	cx.diagout = open_memstream(&buf, &len);
	cr_assert_not(ir_infer_op(&cx, op, out));
	fclose(cx.diagout);
	cx.diagout = stderr;
	cr_assert(strstr(buf, "Less compares f32, i64 or i32 operands of one "
	                      "type"), "got: %s", buf);
	free(buf);
}
