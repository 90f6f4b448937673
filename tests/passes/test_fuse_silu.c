/* test_fuse_silu.c -- x * Sigmoid(x) becomes the SILU activation of x's
 * producer, and the fused graph computes what the unfused one did. */
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

TestSuite(fuse_silu, .init = setup, .fini = teardown);

static bool
run(Graph *g)
{
	bool changed = pass_fuse_silu.run(&cx, g);

	arena_reset(cx.scratch);
	cr_assert_eq(cx.nerrors, 0, "fuse-silu reported an error");
	ir_verify(&cx, g);
	return changed;
}

/* x -> Conv -> t; y = Mul(t, Sigmoid(t)) in either order: SiLU */
static Graph *
conv_silu(bool gate_first, Value **conv_out)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 6, 6)));
	Value *t = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 5);
	Value *s = tg_act(&cx, g, t, (Act){ACT_SIGMOID, 0, 0});
	Value *in[2] = {gate_first ? s : t, gate_first ? t : s};

	*conv_out = t;
	tg_output(&cx, g, tg_infer(&cx, tg_op(&cx, g, OP_MUL, 2, in)));
	return g;
}

Test(fuse_silu, turns_x_times_sigmoid_of_x_into_a_conv_with_silu)
{
	for (int order = 0; order < 2; order++) {
		Value *t;
		Graph *g = conv_silu(order, &t);
		Graph *ref = ir_clone(&cx, g);

		cr_assert(run(g));
		cr_assert_eq(g->first, g->last, "only the conv is left");
		cr_assert_eq(t->def->act.kind, ACT_SILU);
		cr_assert_eq(g->outputs[0], t);
		tg_assert_close(&cx, ref, g, 1e-6f);
	}
}

Test(fuse_silu, keeps_x_times_sigmoid_when_x_has_a_third_use)
{
	Value *t;
	Graph *g = conv_silu(false, &t);

	tg_output(&cx, g, tg_act(&cx, g, t, (Act){ACT_RELU, 0, 0}));
	run(g);
	cr_assert_eq(tg_count(g, OP_MUL), 1);
	cr_assert_eq(tg_count(g, OP_SIGMOID), 1);
	cr_assert_eq(t->def->act.kind, ACT_NONE);
}

Test(fuse_silu, keeps_x_times_sigmoid_of_a_graph_input)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 6, 6)));
	Value *in[2] = {x, tg_act(&cx, g, x, (Act){ACT_SIGMOID, 0, 0})};

	tg_output(&cx, g, tg_infer(&cx, tg_op(&cx, g, OP_MUL, 2, in)));
	cr_assert_not(run(g));
	cr_assert_eq(tg_count(g, OP_MUL), 1);
	cr_assert_eq(tg_count(g, OP_SIGMOID), 1);
}

Test(fuse_silu, keeps_x_times_the_sigmoid_of_another_value)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 6, 6)));
	Value *t = tg_conv(&cx, g, x, 3, 3, 1, 1, 1, 5);
	Value *in[2] = {t, tg_act(&cx, g, x, (Act){ACT_SIGMOID, 0, 0})};

	tg_output(&cx, g, tg_infer(&cx, tg_op(&cx, g, OP_MUL, 2, in)));
	run(g);
	cr_assert_eq(tg_count(g, OP_MUL), 1);
	cr_assert_eq(t->def->act.kind, ACT_NONE);
}

Test(fuse_silu, keeps_x_times_sigmoid_when_the_mul_has_an_activation)
{
	Value *t;
	Graph *g = conv_silu(false, &t);

	g->last->act = (Act){ACT_RELU, 0, 0};
	cr_assert_not(run(g));
	cr_assert_eq(tg_count(g, OP_MUL), 1);
	cr_assert_eq(t->def->act.kind, ACT_NONE);
}

Test(fuse_silu, runs_in_the_float_pipeline_but_not_the_int8_one)
{
	bool in_o1 = false, in_i8 = false;
	Value *t;
	Graph *g = conv_silu(true, &t);
	Graph *ref = ir_clone(&cx, g);

	cr_assert(pipeline_default(&cx, g, 1));
	for_each_op(op, g)
		in_o1 |= op->act.kind == ACT_SILU;
	cr_assert(in_o1, "-O1 fuses the SiLU");
	tg_assert_close(&cx, ref, g, 1e-6f);
	g = ir_clone(&cx, ref);
	cr_assert(pipeline_int8_float(&cx, g));
	for_each_op(op, g)
		in_i8 |= op->act.kind == ACT_SILU;
	cr_assert_not(in_i8, "the int8 float rewrites leave x * Sigmoid(x)");
	cr_assert_eq(tg_count(g, OP_SIGMOID), 1);
}
