/* test_graph.c -- the mutation API keeps nuses exact and the op list sound. */
#include <criterion/criterion.h>
#include <signal.h>

#include "helpers.h"

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

TestSuite(graph, .init = setup, .fini = teardown);

/* x -> relu -> add(relu, x) -> output */
static Graph *
small_graph(Value **x, Op **relu, Op **add)
{
	Graph *g = tg_graph(&cx);

	*x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4)));
	*relu = tg_op(&cx, g, OP_RELU, 1, x);
	tg_infer(&cx, *relu);
	*add = tg_op(&cx, g, OP_ADD, 2, (Value *[]){(*relu)->out[0], *x});
	tg_output(&cx, g, tg_infer(&cx, *add));
	return g;
}

Test(graph, new_ops_count_one_use_per_input_slot)
{
	Value *x;
	Op *relu, *add;
	Graph *g = small_graph(&x, &relu, &add);

	cr_assert_eq(x->nuses, 2);
	cr_assert_eq(relu->out[0]->nuses, 1);
	cr_assert_eq(add->out[0]->nuses, 1, "a graph output counts as a use");
	cr_assert_eq(g->nops, 2);
	ir_verify(&cx, g);
}

Test(graph, set_input_moves_the_use_to_the_new_value)
{
	Value *x;
	Op *relu, *add;
	Graph *g = small_graph(&x, &relu, &add);

	ir_set_input(add, 0, x);
	cr_assert_eq(x->nuses, 3);
	cr_assert_eq(relu->out[0]->nuses, 0);
	ir_set_input(add, 1, NULL);
	cr_assert_eq(x->nuses, 2);
	cr_assert_null(add->in[1]);
	ir_set_input(add, 1, x);
	ir_verify(&cx, g);
}

Test(graph, replace_uses_rewrites_op_inputs_and_graph_outputs)
{
	Value *x;
	Op *relu, *add;
	Graph *g = small_graph(&x, &relu, &add);

	ir_replace_uses(g, add->out[0], relu->out[0]);
	cr_assert_eq(add->out[0]->nuses, 0);
	cr_assert_eq(relu->out[0]->nuses, 2);
	cr_assert_eq(g->outputs[0], relu->out[0]);
	cr_assert(op_is_graph_output(g, relu->out[0]));
	cr_assert_not(op_is_graph_output(g, add->out[0]));
	ir_replace_uses(g, x, x);
	cr_assert_eq(x->nuses, 2, "replacing a value by itself changed it");
	ir_verify(&cx, g);
}

Test(graph, remove_unlinks_the_op_and_drops_its_uses)
{
	Value *x;
	Op *relu, *add;
	Graph *g = small_graph(&x, &relu, &add);

	ir_replace_uses(g, add->out[0], relu->out[0]);
	ir_remove(g, add);
	cr_assert_eq(x->nuses, 1);
	cr_assert_eq(relu->out[0]->nuses, 1);
	cr_assert_eq(g->first, relu);
	cr_assert_eq(g->last, relu);
	cr_assert_null(relu->next);
	ir_verify(&cx, g);
	ir_replace_uses(g, relu->out[0], x);
	ir_remove(g, relu);
	cr_assert_null(g->first);
	cr_assert_null(g->last);
	cr_assert_eq(x->nuses, 1);
	ir_verify(&cx, g);
}

Test(graph, removing_an_op_whose_result_is_used_aborts, .signal = SIGABRT)
{
	Value *x;
	Op *relu, *add;
	Graph *g = small_graph(&x, &relu, &add);

	ir_remove(g, relu);
}

Test(graph, insert_before_the_first_op_becomes_the_new_head)
{
	Value *x;
	Op *relu, *add;
	Graph *g = small_graph(&x, &relu, &add);
	Op *sig = ir_op_new(&cx, g, OP_SIGMOID, NULL, 1, &x, 1, NULL);

	sig->a.act.kind = ACT_SIGMOID;
	ir_insert_before(g, relu, sig);
	tg_infer(&cx, sig);
	cr_assert_eq(g->first, sig);
	cr_assert_eq(sig->next, relu);
	cr_assert_eq(relu->prev, sig);
	ir_set_input(relu, 0, sig->out[0]);
	cr_assert_eq(x->nuses, 2);
	cr_assert_eq(sig->out[0]->nuses, 1);
	ir_verify(&cx, g);
}

Test(graph, set_output_keeps_nuses_exact)
{
	Value *x;
	Op *relu, *add;
	Graph *g = small_graph(&x, &relu, &add);

	ir_add_output(&cx, g, x);
	cr_assert_eq(x->nuses, 3);
	ir_set_output(g, 1, relu->out[0]);
	cr_assert_eq(x->nuses, 2);
	cr_assert_eq(relu->out[0]->nuses, 2);
	ir_verify(&cx, g);
}

Test(graph, const_copies_its_data)
{
	Graph *g = tg_graph(&cx);
	float data[3] = {1, 2, 3};
	Value *c = tg_const(&cx, g, tg_f32(&cx, TG_DIMS(3)), data);

	data[1] = 7;
	cr_assert_eq(value_f32(c)[1], 2.0f);
	cr_assert_eq(c->cst->nbytes, 12);
	cr_assert_eq(c->offset, -1);
	cr_assert_null(c->def);
}

Test(graph, clone_is_a_deep_copy_that_computes_the_same)
{
	Graph *g = tg_conv_bn(&cx, 4, 3);
	Graph *c = ir_clone(&cx, g);

	ir_verify(&cx, c);
	cr_assert_neq(c->first, g->first);
	cr_assert_eq(c->nvalues, g->nvalues);
	cr_assert_eq(tg_count(c, OP_CONV), 1);
	cr_assert_eq(tg_count(c, OP_BATCHNORM), 1);
	cr_assert_eq(c->last->a.bn.eps, g->last->a.bn.eps);
	cr_assert_eq(c->first->a.conv.pad[2], 1);
	tg_assert_close(&cx, g, c, 0.0f);
}

Test(graph, clone_does_not_share_ops_or_values)
{
	Graph *g = tg_conv_bn(&cx, 4, 3);
	Graph *c = ir_clone(&cx, g);

	ir_replace_uses(c, c->last->out[0], c->first->out[0]);
	ir_remove(c, c->last);
	ir_verify(&cx, c);
	ir_verify(&cx, g);
	cr_assert_eq(tg_count(g, OP_BATCHNORM), 1);
	cr_assert_eq(tg_count(c, OP_BATCHNORM), 0);
}
