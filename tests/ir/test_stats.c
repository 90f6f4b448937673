/* test_stats.c -- MAC counts and weight bytes. */
#include <criterion/criterion.h>

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

TestSuite(stats, .init = setup, .fini = teardown);

static Value *
in(const int64_t *dim, int rank)
{
	return tg_input(&cx, g, tg_f32(&cx, dim, rank));
}

Test(stats, conv_macs_are_outputs_times_group_channels_times_kernel)
{
	Value *y = tg_conv(&cx, g, in(TG_DIMS(2, 3, 8, 8)), 8, 3, 1, 1, 1, 1);
	Value *d = tg_conv(&cx, g, in(TG_DIMS(1, 4, 6, 6)), 4, 3, 2, 1, 4, 1);

	cr_assert_eq(op_macs(y->def), 2 * 8 * 8 * 8 * 3 * 9);
	cr_assert_eq(op_macs(d->def), 4 * 3 * 3 * 1 * 9);
}

Test(stats, gemm_and_matmul_macs_are_m_n_k_per_batch)
{
	Op *op = tg_op(&cx, g, OP_GEMM, 2,
	               (Value *[]){in(TG_DIMS(3, 4)), in(TG_DIMS(3, 5))});

	op->a.gemm.trans_a = true;
	tg_infer(&cx, op);
	cr_assert_eq(op_macs(op), 4 * 5 * 3);
	op = tg_op(&cx, g, OP_MATMUL, 2,
	           (Value *[]){in(TG_DIMS(2, 2, 3)), in(TG_DIMS(3, 4))});
	tg_infer(&cx, op);
	cr_assert_eq(op_macs(op), 2 * 2 * 4 * 3);
	op = tg_op(&cx, g, OP_MATMUL, 2,
	           (Value *[]){in(TG_DIMS(3)), in(TG_DIMS(3))});
	tg_infer(&cx, op);
	cr_assert_eq(op_macs(op), 3);
}

Test(stats, other_ops_and_untyped_ops_count_no_macs)
{
	Value *x = in(TG_DIMS(1, 4, 6, 6));
	Op *relu = tg_op(&cx, g, OP_RELU, 1, &x);

	cr_assert_eq(op_macs(relu), 0, "untyped");
	tg_infer(&cx, relu);
	cr_assert_eq(op_macs(relu), 0);
	cr_assert_eq(op_macs(tg_bn(&cx, g, x, 1)->def), 0);
}

Test(stats, graph_macs_sums_the_ops)
{
	Graph *cb = tg_conv_bn(&cx, 4, 3);

	cr_assert_eq(graph_macs(cb), 4 * 8 * 8 * 3 * 9);
}

Test(stats, weight_bytes_count_each_constant_an_op_reads_once)
{
	Graph *cb = tg_conv_bn(&cx, 4, 3);
	Value *w = cb->first->in[1];
	Value *lone = tg_const(&cx, cb, tg_f32(&cx, TG_DIMS(100)), NULL);

	tg_const(&cx, cb, tg_f32(&cx, TG_DIMS(100)), NULL);
	/* conv weight 4*3*3*3, bias 4, four BN vectors of 4 */
	cr_assert_eq(graph_weight_bytes(cb), (108 + 4 + 16) * 4);
	ir_add_output(&cx, cb, lone);
	cr_assert_eq(graph_weight_bytes(cb), (108 + 4 + 16) * 4,
	             "a constant only the graph outputs is no weight");
	ir_add_output(&cx, cb, w);
	cr_assert_eq(graph_weight_bytes(cb), (108 + 4 + 16) * 4);
}
