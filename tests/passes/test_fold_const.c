/* test_fold_const.c -- ops on constants become constants holding exactly
 * what the interpreter computes, and everything else stays. */
#include <criterion/criterion.h>

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

TestSuite(fold_const, .init = setup, .fini = teardown);

static bool
run(Graph *g)
{
	bool changed = pass_fold_const.run(&cx, g);

	arena_reset(cx.scratch);
	cr_assert_eq(cx.nerrors, 0, "fold-const reported an error");
	ir_verify(&cx, g);
	return changed;
}

static Value *
binary(Graph *g, OpKind k, Value *a, Value *b)
{
	return tg_infer(&cx, tg_op(&cx, g, k, 2, (Value *[]){a, b}));
}

static Value *
crand(Graph *g, const TensorType *t, uint32_t seed)
{
	return tg_const_rand(&cx, g, t, seed, -2.0f, 2.0f);
}

/* c1 + c2 with a fused relu, then x * that. */
Test(fold_const, replaces_an_op_on_constants_with_its_value)
{
	Graph *g = tg_graph(&cx);
	const TensorType *t = tg_f32(&cx, TG_DIMS(2, 3));
	Value *x = tg_input(&cx, g, t);
	Value *c1 = crand(g, t, 1), *c2 = crand(g, tg_f32(&cx, TG_DIMS(3)), 2);
	Value *s = binary(g, OP_ADD, c1, c2);
	Value *y;
	Graph *ref;
	const float *a = value_f32(c1), *b = value_f32(c2), *v;

	s->def->act = (Act){ACT_RELU, 0, 0};
	y = binary(g, OP_MUL, x, s);
	tg_output(&cx, g, y);
	ref = ir_clone(&cx, g);
	cr_assert(run(g));
	cr_assert_eq(tg_count(g, OP_ADD), 0);
	cr_assert_eq(y->def->in[1]->cst != NULL, true);
	cr_assert(type_eq(y->def->in[1]->type, t));
	v = value_f32(y->def->in[1]);
	for (int i = 0; i < 6; i++) {
		float want = a[i] + b[i % 3];
		cr_assert_eq(v[i], want > 0 ? want : 0.0f, "element %d", i);
	}
	tg_assert_close(&cx, ref, g, 0.0f);
}

/* Conv (bias omitted) -> Sigmoid -> Flatten on constants, added to x. */
Test(fold_const, folds_a_chain_of_constant_ops_in_one_run)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 2)));
	Value *c = crand(g, tg_f32(&cx, TG_DIMS(1, 2, 3, 3)), 3);
	Value *w = crand(g, tg_f32(&cx, TG_DIMS(2, 2, 3, 3)), 4);
	Op *conv = tg_op(&cx, g, OP_CONV, 3, (Value *[]){c, w, NULL});
	Value *s, *f, *y;
	Graph *ref;

	conv->a.conv.kernel[0] = conv->a.conv.kernel[1] = 3;
	s = tg_infer(&cx, tg_op(&cx, g, OP_SIGMOID, 1,
	                        (Value *[]){tg_infer(&cx, conv)}));
	f = tg_infer(&cx, tg_op(&cx, g, OP_FLATTEN, 1, &s));
	y = binary(g, OP_ADD, x, f);
	tg_output(&cx, g, y);
	ref = ir_clone(&cx, g);
	cr_assert(run(g));
	cr_assert_eq(g->first, y->def, "only the Add is left");
	cr_assert_eq(g->last, y->def);
	cr_assert(y->def->in[1]->cst);
	cr_assert_str_eq(y->def->in[1]->name, f->name, "the name was not kept");
	tg_assert_close(&cx, ref, g, 0.0f);
}

Test(fold_const, keeps_an_op_with_an_input_that_is_not_constant)
{
	Graph *g = tg_graph(&cx);
	const TensorType *t = tg_f32(&cx, TG_DIMS(4));
	Value *x = tg_input(&cx, g, t);

	tg_output(&cx, g, binary(g, OP_ADD, x, crand(g, t, 5)));
	cr_assert_not(run(g));
	cr_assert_eq(tg_count(g, OP_ADD), 1);
}

Test(fold_const, keeps_an_op_whose_result_is_a_graph_output)
{
	Graph *g = tg_graph(&cx);
	const TensorType *t = tg_f32(&cx, TG_DIMS(4));
	Value *a = binary(g, OP_MUL, crand(g, t, 6), crand(g, t, 7));
	Value *x = tg_input(&cx, g, t);

	tg_output(&cx, g, a);
	tg_output(&cx, g, binary(g, OP_ADD, x, a));
	cr_assert_not(run(g));
	cr_assert_eq(g->outputs[0], a);
	cr_assert_eq(a->def->kind, OP_MUL);
}

/* [4200,1] + [1,4200] broadcasts to 4200^2 floats, about 67 MiB. */
Test(fold_const, keeps_an_op_whose_result_would_be_over_64_mib)
{
	Graph *g = tg_graph(&cx);
	Value *a = crand(g, tg_f32(&cx, TG_DIMS(4200, 1)), 8);
	Value *b = crand(g, tg_f32(&cx, TG_DIMS(1, 4200)), 9);
	Value *big = binary(g, OP_ADD, a, b);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(4200, 4200)));

	cr_assert_gt(type_bytes(big->type), (size_t)64 << 20);
	tg_output(&cx, g, binary(g, OP_MUL, x, big));
	cr_assert_not(run(g));
	cr_assert_eq(big->def->kind, OP_ADD);
}

/* 64 MiB exactly is still folded: [4096,1] + [1,4096]. */
Test(fold_const, folds_a_result_of_exactly_64_mib)
{
	Graph *g = tg_graph(&cx);
	Value *a = crand(g, tg_f32(&cx, TG_DIMS(4096, 1)), 10);
	Value *b = crand(g, tg_f32(&cx, TG_DIMS(1, 4096)), 11);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(4096, 4096)));
	Value *y = binary(g, OP_MUL, x, binary(g, OP_ADD, a, b));
	const float *v;

	tg_output(&cx, g, y);
	cr_assert(run(g));
	cr_assert_eq(tg_count(g, OP_ADD), 0);
	v = value_f32(y->def->in[1]);
	cr_assert_eq(v[4096 * 17 + 5], value_f32(a)[17] + value_f32(b)[5]);
}

Test(fold_const, changes_nothing_in_a_graph_without_constant_ops)
{
	Graph *g = tg_conv_bn(&cx, 4, 3);

	cr_assert_not(run(g));
	cr_assert_eq(tg_count(g, OP_CONV), 1);
	cr_assert_eq(tg_count(g, OP_BATCHNORM), 1);
}

/* An i8 MaxPool (typed by hand: shape inference takes f32 only) is beyond
 * the interpreter; fold-const leaves it for the kernels, quietly. */
Test(fold_const, leaves_an_op_the_interpreter_cannot_run_without_an_error)
{
	Graph *g = tg_graph(&cx);
	const TensorType *t = type_new(&cx, DT_I8, 4, (int64_t[]){1, 1, 2, 2},
	                               NULL);
	static const int8_t data[4] = {1, -2, 3, -4};
	Value *c = ir_const(&cx, g, t, data, "c");
	Op *pool = tg_op(&cx, g, OP_MAXPOOL, 1, &c);
	FILE *diags = tmpfile();

	pool->a.pool.kernel[0] = pool->a.pool.kernel[1] = 1;
	pool->out[0]->type = t;
	tg_output(&cx, g, tg_infer(&cx, tg_op(&cx, g, OP_IDENTITY, 1,
	                                      pool->out)));
	g->shaped = false;
	cx.diagout = diags;
	cr_assert_not(run(g));
	cr_assert_eq(g->first, pool);
	cr_assert_eq(ftell(diags), 0, "fold-const printed a diagnostic");
	fclose(diags);
}
