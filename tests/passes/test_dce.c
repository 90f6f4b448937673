/* test_dce.c -- dce removes dead ops and pass-through Identities, and only
 * those. */
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

TestSuite(dce, .init = setup, .fini = teardown);

static bool
run(Graph *g)
{
	bool changed = pass_dce.run(&cx, g);

	arena_reset(cx.scratch);
	cr_assert_eq(cx.nerrors, 0, "dce reported an error");
	ir_verify(&cx, g);
	return changed;
}

static int
nops(const Graph *g)
{
	int n = 0;

	for_each_op(op, g)
		n++;
	return n;
}

static Value *
unary(Graph *g, OpKind k, Value *x)
{
	return tg_infer(&cx, tg_op(&cx, g, k, 1, &x));
}

Test(dce, removes_a_dead_chain_back_to_the_live_ops)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4)));
	Value *live = unary(g, OP_RELU, x);
	Value *d1 = unary(g, OP_SIGMOID, live);
	Value *d2 = tg_infer(&cx, tg_op(&cx, g, OP_ADD, 2, (Value *[]){d1, x}));
	Graph *ref;

	unary(g, OP_HARDSWISH, d2);
	tg_output(&cx, g, live);
	ref = ir_clone(&cx, g);
	cr_assert(run(g));
	cr_assert_eq(nops(g), 1);
	cr_assert_eq(g->first, live->def);
	cr_assert_eq(x->nuses, 1);
	cr_assert_eq(live->nuses, 1);
	tg_assert_close(&cx, ref, g, 0.0f);
}

Test(dce, keeps_every_op_a_graph_output_needs)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3)));
	Value *a = unary(g, OP_RELU, x);
	Value *b = unary(g, OP_SIGMOID, a);

	tg_output(&cx, g, b);
	tg_output(&cx, g, a);
	cr_assert_not(run(g));
	cr_assert_eq(nops(g), 2);
}

Test(dce, points_the_users_of_an_identity_at_its_input)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4)));
	Value *a = unary(g, OP_RELU, x);
	Value *id = unary(g, OP_IDENTITY, a);
	Value *y = unary(g, OP_SIGMOID, id);
	Graph *ref;

	tg_output(&cx, g, y);
	ref = ir_clone(&cx, g);
	cr_assert(run(g));
	cr_assert_eq(tg_count(g, OP_IDENTITY), 0);
	cr_assert_eq(y->def->in[0], a);
	cr_assert_eq(a->nuses, 1);
	tg_assert_close(&cx, ref, g, 0.0f);
}

Test(dce, removes_identities_of_graph_inputs_and_chains_of_them)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(3)));
	Value *y = unary(g, OP_RELU, unary(g, OP_IDENTITY,
	                                   unary(g, OP_IDENTITY, x)));

	tg_output(&cx, g, y);
	cr_assert(run(g));
	cr_assert_eq(nops(g), 1);
	cr_assert_eq(y->def->in[0], x);
}

Test(dce, keeps_an_identity_that_produces_a_graph_output)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4)));
	Value *a = unary(g, OP_RELU, x);
	Value *id = unary(g, OP_IDENTITY, a);

	tg_output(&cx, g, id);
	tg_output(&cx, g, unary(g, OP_SIGMOID, id));
	cr_assert_not(run(g));
	cr_assert_eq(tg_count(g, OP_IDENTITY), 1);
	cr_assert_eq(g->outputs[0], id);
}

Test(dce, removes_an_unused_identity_and_what_fed_only_it)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4)));

	unary(g, OP_IDENTITY, unary(g, OP_RELU, x));
	tg_output(&cx, g, unary(g, OP_SIGMOID, x));
	cr_assert(run(g));
	cr_assert_eq(nops(g), 1);
	cr_assert_eq(g->first->kind, OP_SIGMOID);
}

Test(dce, leaves_unused_constants_and_inputs_as_values)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(4)));
	Value *unused = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(4)));
	Value *c = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(4)), 1, 0, 1);

	tg_output(&cx, g, unary(g, OP_RELU, x));
	cr_assert_not(run(g));
	cr_assert_eq(g->ninputs, 2);
	cr_assert_eq(g->inputs[1], unused);
	cr_assert_eq(g->values[c->id], c);
}
