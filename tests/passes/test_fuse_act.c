/* test_fuse_act.c -- activations fuse into their single-use producer, and
 * the fused graph computes what the unfused one did. */
#include <criterion/criterion.h>
#include <math.h>

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

TestSuite(fuse_act, .init = setup, .fini = teardown);

static bool
run(Graph *g)
{
	bool changed = pass_fuse_act.run(&cx, g);

	arena_reset(cx.scratch);
	cr_assert_eq(cx.nerrors, 0, "fuse-act reported an error");
	ir_verify(&cx, g);
	return changed;
}

static const Act acts[] = {
	{ACT_RELU, 0, 0},
	{ACT_CLIP, 0.0f, 6.0f},
	{ACT_CLIP, -0.25f, 0.5f},
	{ACT_SIGMOID, 0, 0},
	{ACT_HARDSIGMOID, 0.2f, 0.5f},
	{ACT_HARDSIGMOID, 0.5f, 0.1f},
	{ACT_HARDSWISH, 0, 0},
};

static int
count_actfn(const Graph *g)
{
	int n = 0;

	for_each_op(op, g)
		n += !!(op_info[op->kind].flags & OPF_ACTFN);
	return n;
}

/* x -> Conv -> act -> output */
static Graph *
conv_act(Act act, Value **conv_out)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 6, 6)));
	Value *y = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 5);

	*conv_out = y;
	tg_output(&cx, g, tg_act(&cx, g, y, act));
	return g;
}

Test(fuse_act, fuses_every_activation_into_a_conv)
{
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
		Value *y;
		Graph *g = conv_act(acts[i], &y);
		Graph *ref = ir_clone(&cx, g);

		cr_assert(run(g), "activation %zu", i);
		cr_assert_eq(count_actfn(g), 0);
		cr_assert_eq(g->first, g->last, "only the conv is left");
		cr_assert_eq(y->def->act.kind, acts[i].kind);
		cr_assert_eq(y->def->act.alpha, acts[i].alpha);
		cr_assert_eq(y->def->act.beta, acts[i].beta);
		cr_assert_eq(g->outputs[0], y);
		cr_assert_str_eq(y->name, "y0", "output name was not kept");
		tg_assert_close(&cx, ref, g, 1e-6f);
	}
}

Test(fuse_act, fuses_into_gemm_matmul_add_mul_and_scaleshift)
{
	static const OpKind kinds[] = {OP_GEMM, OP_MATMUL, OP_ADD, OP_MUL,
	                               OP_SCALESHIFT};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		Graph *g = tg_graph(&cx);
		Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(3, 3)));
		Value *c = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3, 3)), 7,
		                         -1.0f, 1.0f);
		Value *v = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3)), 8,
		                         -1.0f, 1.0f);
		Value *in[3] = {x, c, v};
		Op *p;
		Graph *ref;

		if (kinds[i] == OP_SCALESHIFT)
			in[1] = tg_const_rand(&cx, g, v->type, 9, -1.0f, 1.0f);
		p = tg_op(&cx, g, kinds[i], op_info[kinds[i]].minin, in);
		tg_output(&cx, g, tg_act(&cx, g, tg_infer(&cx, p),
		                         (Act){ACT_HARDSWISH, 0, 0}));
		ref = ir_clone(&cx, g);
		cr_assert(run(g), "%s", op_info[kinds[i]].name);
		cr_assert_eq(p->act.kind, ACT_HARDSWISH);
		cr_assert_eq(count_actfn(g), 0);
		tg_assert_close(&cx, ref, g, 1e-6f);
	}
}

Test(fuse_act, keeps_the_activation_when_the_producer_has_two_uses)
{
	Value *y;
	Graph *g = conv_act(acts[0], &y);
	Graph *ref;

	tg_output(&cx, g, tg_act(&cx, g, y, acts[3]));
	ref = ir_clone(&cx, g);
	cr_assert_not(run(g));
	cr_assert_eq(count_actfn(g), 2);
	cr_assert_eq(y->def->act.kind, ACT_NONE);
	tg_assert_close(&cx, ref, g, 0.0f);
}

Test(fuse_act, keeps_the_activation_when_the_producer_is_a_graph_output)
{
	Value *y;
	Graph *g = conv_act(acts[0], &y);

	tg_output(&cx, g, y);
	cr_assert_not(run(g));
	cr_assert_eq(count_actfn(g), 1);
	cr_assert_eq(y->def->act.kind, ACT_NONE);
}

Test(fuse_act, keeps_the_second_activation_of_a_chain)
{
	Value *y;
	Graph *g = conv_act(acts[1], &y);
	Op *second;
	Graph *ref;

	second = g->last;
	g->outputs[0]->name = "";
	ir_set_output(g, 0, tg_act(&cx, g, second->out[0], acts[3]));
	ref = ir_clone(&cx, g);
	cr_assert(run(g));
	cr_assert_eq(count_actfn(g), 1, "exactly one activation fuses");
	cr_assert_eq(y->def->act.kind, ACT_CLIP);
	cr_assert_eq(g->last->kind, OP_SIGMOID);
	cr_assert_eq(g->last->in[0], y);
	tg_assert_close(&cx, ref, g, 1e-6f);
}

Test(fuse_act, keeps_the_activation_when_the_producer_already_has_one)
{
	Value *y;
	Graph *g = conv_act(acts[3], &y);

	y->def->act = acts[0];
	cr_assert_not(run(g));
	cr_assert_eq(count_actfn(g), 1);
	cr_assert_eq(y->def->act.kind, ACT_RELU);
}

Test(fuse_act, keeps_the_activation_after_an_op_that_cannot_apply_one)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 2, 4, 4)));
	Op *pool = tg_op(&cx, g, OP_MAXPOOL, 1, &x);

	pool->a.pool.kernel[0] = pool->a.pool.kernel[1] = 2;
	tg_output(&cx, g, tg_act(&cx, g, tg_infer(&cx, pool), acts[0]));
	cr_assert_not(run(g));
	cr_assert_eq(count_actfn(g), 1);
}

Test(fuse_act, keeps_the_activation_of_a_graph_input)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 2, 4, 4)));

	tg_output(&cx, g, tg_act(&cx, g, x, acts[0]));
	cr_assert_not(run(g));
	cr_assert_eq(count_actfn(g), 1);
}

/* x -> Conv -> t; y = Mul(t, HardSigmoid(t; alpha, beta)) in either order */
static Graph *
conv_hsig_mul(float alpha, float beta, bool gate_first, Value **conv_out)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 6, 6)));
	Value *t = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 5);
	Value *h = tg_act(&cx, g, t, (Act){ACT_HARDSIGMOID, alpha, beta});
	Value *in[2] = {gate_first ? h : t, gate_first ? t : h};

	*conv_out = t;
	tg_output(&cx, g, tg_infer(&cx, tg_op(&cx, g, OP_MUL, 2, in)));
	return g;
}

Test(fuse_act, turns_x_times_hardsigmoid_of_x_into_a_fused_hardswish)
{
	for (int order = 0; order < 2; order++) {
		Value *t;
		Graph *g = conv_hsig_mul(1.0f / 6.0f, 0.5f, order, &t);
		Graph *ref = ir_clone(&cx, g);

		cr_assert(run(g));
		cr_assert_eq(tg_count(g, OP_MUL), 0);
		cr_assert_eq(tg_count(g, OP_HARDSIGMOID), 0);
		cr_assert_eq(g->first, g->last, "only the conv is left");
		cr_assert_eq(t->def->act.kind, ACT_HARDSWISH);
		cr_assert_eq(g->outputs[0], t);
		tg_assert_close(&cx, ref, g, 1e-6f);
	}
}

Test(fuse_act, keeps_x_times_a_hardsigmoid_that_is_not_the_hardswish_gate)
{
	Value *t;
	Graph *g = conv_hsig_mul(0.2f, 0.5f, false, &t);

	run(g);
	cr_assert_eq(tg_count(g, OP_MUL), 1);
	cr_assert_eq(tg_count(g, OP_HARDSIGMOID), 1);
	cr_assert_eq(tg_count(g, OP_HARDSWISH), 0);
}
