/* test_fuse_add.c -- a residual Add fuses into the Conv producing one of its
 * operands (taking the Add's activation along), only where that is the same
 * function, and the fused graph computes what the unfused one did. */
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

TestSuite(fuse_add, .init = setup, .fini = teardown);

static bool
run(const Pass *p, Graph *g)
{
	bool changed = p->run(&cx, g);

	arena_reset(cx.scratch);
	cr_assert_eq(cx.nerrors, 0, "%s reported an error", p->name);
	ir_verify(&cx, g);
	return changed;
}

static Value *
add(Graph *g, Value *a, Value *b)
{
	return tg_infer(&cx, tg_op(&cx, g, OP_ADD, 2, (Value *[]){a, b}));
}

static const Op *
only_conv(const Graph *g)
{
	const Op *c = NULL;

	for_each_op(op, g)
		if (op->kind == OP_CONV) {
			cr_assert_null(c, "more than one Conv");
			c = op;
		}
	cr_assert_not_null(c);
	return c;
}

/* x -> Conv -> (+ x) -> Relu -> output, as a ResNet block ends. */
Test(fuse_add, fuses_the_residual_and_its_relu_into_the_conv)
{
	Graph *g = tg_graph(&cx), *ref;
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4, 6, 6)));
	Value *y = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 5);
	const Op *c;

	tg_output(&cx, g, tg_act(&cx, g, add(g, y, x), (Act){ACT_RELU, 0, 0}));
	ref = ir_clone(&cx, g);
	run(&pass_fuse_act, g);
	cr_assert(run(&pass_fuse_add, g));
	cr_assert_eq(tg_count(g, OP_ADD), 0);
	cr_assert_eq(tg_count(g, OP_RELU), 0);
	c = only_conv(g);
	cr_assert_eq(c->nin, 4);
	cr_assert_eq(c->in[3], x, "the residual is the other operand");
	cr_assert_eq(c->act.kind, ACT_RELU, "the Add's activation moved");
	cr_assert_eq(g->outputs[0], c->out[0]);
	tg_assert_close(&cx, ref, g, 1e-6f);
}

/* r + Conv(x): the operand order does not matter, nor does the bias. */
Test(fuse_add, fuses_either_operand_order_and_a_conv_without_bias)
{
	Graph *g = tg_graph(&cx), *ref;
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 5, 5)));
	Value *r = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 8, 5, 5)));
	Value *w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(8, 3, 1, 1)), 9,
	                         -1.0f, 1.0f);
	Value *y = tg_infer(&cx, tg_op(&cx, g, OP_CONV, 2, (Value *[]){x, w}));

	tg_output(&cx, g, add(g, r, y));
	ref = ir_clone(&cx, g);
	cr_assert(run(&pass_fuse_add, g));
	cr_assert_eq(only_conv(g)->in[3], r);
	cr_assert_null(only_conv(g)->in[2]);
	tg_assert_close(&cx, ref, g, 1e-6f);
}

/* Two convolutions added: the one computed last takes the other as its
 * residual, so the fused op may stand where the Add stood. */
Test(fuse_add, fuses_the_conv_defined_last_when_both_qualify)
{
	Graph *g = tg_graph(&cx), *ref;
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4, 6, 6)));
	Value *a = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 11);
	Value *b = tg_conv(&cx, g, x, 4, 1, 1, 0, 1, 12);
	const Op *fused = NULL;

	tg_output(&cx, g, add(g, a, b));
	ref = ir_clone(&cx, g);
	cr_assert(run(&pass_fuse_add, g));
	cr_assert_eq(tg_count(g, OP_CONV), 2);
	for_each_op(op, g)
		if (op->nin == 4)
			fused = op;
	cr_assert_not_null(fused);
	cr_assert_eq(fused->in[3], a);
	cr_assert_eq(fused->a.conv.kernel[0], 1, "the 1x1 conv came last");
	tg_assert_close(&cx, ref, g, 1e-6f);
}

Test(fuse_add, leaves_broadcasts_shared_results_and_activated_convs_alone)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4, 6, 6)));
	Value *bias = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4, 1, 1)));
	Value *y1 = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 21);
	Value *y2 = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 22);
	Value *y3 = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 23);

	/* broadcast residual */
	tg_output(&cx, g, add(g, y1, bias));
	/* y2 has a second use */
	tg_output(&cx, g, add(g, y2, x));
	tg_output(&cx, g, y2);
	/* y3's conv already applies an activation */
	y3->def->act = (Act){ACT_RELU, 0, 0};
	tg_output(&cx, g, add(g, y3, x));
	cr_assert_not(run(&pass_fuse_add, g));
	cr_assert_eq(tg_count(g, OP_ADD), 3);
}
