/* test_infer_shapes.c -- infer-shapes types every result in order, stops
 * at the first shape that does not fit, and is idempotent. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

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

TestSuite(infer_shapes, .init = setup, .fini = teardown);

static bool
run(Graph *g)
{
	bool changed = pass_infer_shapes.run(&cx, g);

	arena_reset(cx.scratch);
	if (!cx.nerrors)
		ir_verify(&cx, g);
	return changed;
}

static void
assert_type(const Value *v, const TensorType *want)
{
	char a[128], b[128];

	cr_assert(type_eq(v->type, want), "%%%u is %s, want %s", v->id,
	          type_str(v->type, a, sizeof a), type_str(want, b, sizeof b));
}

/* x[2,3,8,8] -> Conv(4, 3x3, stride 2, pad 1) -> Relu -> GlobalAveragePool
 * -> Flatten -> Gemm(10), with every result untyped. */
static Graph *
untyped_net(Op **ops)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 8, 8)));
	Value *w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(4, 3, 3, 3)), 1,
	                         -1, 1);
	Value *fc = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(10, 4)), 2, -1,
	                          1);

	g->shaped = false;
	ops[0] = tg_op(&cx, g, OP_CONV, 2, (Value *[]){x, w});
	ops[0]->a.conv.kernel[0] = ops[0]->a.conv.kernel[1] = 3;
	ops[0]->a.conv.stride[0] = ops[0]->a.conv.stride[1] = 2;
	for (int i = 0; i < 4; i++)
		ops[0]->a.conv.pad[i] = 1;
	ops[1] = tg_op(&cx, g, OP_RELU, 1, ops[0]->out);
	ops[2] = tg_op(&cx, g, OP_GLOBALAVGPOOL, 1, ops[1]->out);
	ops[3] = tg_op(&cx, g, OP_FLATTEN, 1, ops[2]->out);
	ops[4] = tg_op(&cx, g, OP_GEMM, 2, (Value *[]){ops[3]->out[0], fc});
	ops[4]->a.gemm.trans_b = true;
	tg_output(&cx, g, ops[4]->out[0]);
	return g;
}

Test(infer_shapes, types_every_result_and_marks_the_graph_shaped)
{
	Op *ops[5];
	Graph *g = untyped_net(ops);

	cr_assert(run(g));
	cr_assert_eq(cx.nerrors, 0);
	cr_assert(g->shaped);
	assert_type(ops[0]->out[0], tg_f32(&cx, TG_DIMS(2, 4, 4, 4)));
	assert_type(ops[1]->out[0], tg_f32(&cx, TG_DIMS(2, 4, 4, 4)));
	assert_type(ops[2]->out[0], tg_f32(&cx, TG_DIMS(2, 4, 1, 1)));
	assert_type(ops[3]->out[0], tg_f32(&cx, TG_DIMS(2, 4)));
	assert_type(ops[4]->out[0], tg_f32(&cx, TG_DIMS(2, 10)));
}

Test(infer_shapes, changes_nothing_the_second_time)
{
	Op *ops[5];
	Graph *g = untyped_net(ops);
	const TensorType *t[5];

	cr_assert(run(g));
	for (int i = 0; i < 5; i++)
		t[i] = ops[i]->out[0]->type;
	cr_assert_not(run(g));
	for (int i = 0; i < 5; i++)
		cr_assert_eq(ops[i]->out[0]->type, t[i], "op %d was retyped",
		             i);
}

Test(infer_shapes, replaces_a_stale_type)
{
	Op *ops[5];
	Graph *g = untyped_net(ops);
	const TensorType *stale = tg_f32(&cx, TG_DIMS(2, 4, 4, 5));

	cr_assert(run(g));
	ops[1]->out[0]->type = stale;
	cr_assert(run(g));
	assert_type(ops[1]->out[0], tg_f32(&cx, TG_DIMS(2, 4, 4, 4)));
	cr_assert_eq(stale->dim[3], 5, "the old type was edited in place");
}

/* The Gemm's weight expects 5 features where the Flatten gives 4. */
Test(infer_shapes, reports_a_mismatch_at_its_node_and_stops_there)
{
	Op *ops[5];
	Graph *g = untyped_net(ops);
	Value *bad = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(10, 5)), 3, -1,
	                           1);
	Op *after = tg_op(&cx, g, OP_RELU, 1, ops[4]->out);
	char *text = NULL;
	size_t len = 0;

	ir_set_input(ops[4], 1, bad);
	cx.diagout = open_memstream(&text, &len);
	run(g);
	fclose(cx.diagout);
	cr_assert_eq(cx.nerrors, 1, "%s", text);
	cr_assert_not(g->shaped);
	cr_assert(strstr(text, "test.onnx: node \"n4\" (Gemm): error: "),
	          "got: %s", text);
	cr_assert(ops[3]->out[0]->type, "ops before the error are typed");
	cr_assert_null(ops[4]->out[0]->type);
	cr_assert_null(after->out[0]->type, "the pass went on after an error");
	free(text);
}
