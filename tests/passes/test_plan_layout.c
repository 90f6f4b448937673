/* test_plan_layout.c -- plan-layout blocks exactly the values between the
 * pointwise and depthwise Convs (expand 1x1 -> depthwise -> project 1x1),
 * never a Conv's with a residual, one a GlobalAveragePool reads, one with
 * channels not a multiple of 16, nothing below 512-bit vectors or under
 * -no-blocked-layout (CTX_NO_BLOCKED); a direct 1x1 Conv moves onto the
 * pointwise kernel only to let a depthwise Conv's value be blocked.  The
 * IR dump shows layouts and kernels, ir_verify rejects blocked values
 * their producer or users cannot take, and the interpreter's results do
 * not change. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "passes.h"
#include "qcc_rt.h"

static Ctx cx;

static void
setup(void)
{
	ctx_init(&cx);
	cx.flags |= CTX_VERIFY_EACH;
	cx.vec_bytes = 64;
}

static void
teardown(void)
{
	ctx_fini(&cx);
}

TestSuite(plan_layout, .init = setup, .fini = teardown);

/* The Convs of an inverted residual block on a side x side plane: expand
 * x (c channels) to e channels, depthwise 3x3, project back to c. */
typedef struct Block {
	Value *expand, *dw, *project;
} Block;

static Block
block(Graph *g, Value *x, int e, int seed)
{
	Block b;
	Act relu6 = {ACT_CLIP, 0.0f, 6.0f};

	b.expand = tg_act(&cx, g, tg_conv(&cx, g, x, e, 1, 1, 0, 1, seed), relu6);
	b.dw = tg_act(&cx, g, tg_conv(&cx, g, b.expand, e, 3, 1, 1, e, seed + 2),
	              relu6);
	b.project = tg_conv(&cx, g, b.dw, (int)x->type->dim[1], 1, 1, 0, 1,
	                    seed + 4);
	return b;
}

/* The k-th Conv in op order. */
static Op *
conv_number(const Graph *g, int k)
{
	for_each_op(op, g)
		if (op->kind == OP_CONV && k-- == 0)
			return op;
	cr_assert_fail("too few Convs");
	return NULL;
}

static int
count_blocked(const Graph *g)
{
	int n = 0;

	for (uint32_t i = 0; i < g->nvalues; i++)
		n += g->values[i]->layout == LAYOUT_NCHW16C;
	return n;
}

/* x[1,32,14,14] -> expand 64 -> dw -> project 32 -> output. */
static Graph *
one_block(int c, int e, int side)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, c, side, side)));

	tg_output(&cx, g, block(g, x, e, 10).project);
	return g;
}

Test(plan_layout, blocks_expand_and_depthwise_outputs_of_a_block)
{
	Graph *g = one_block(32, 64, 14), *ref = ir_clone(&cx, g);
	Op *e, *d, *p;

	cr_assert(pipeline_default(&cx, g, 2));
	e = conv_number(g, 0);
	d = conv_number(g, 1);
	p = conv_number(g, 2);
	/* 32->64 on 14x14 is the pixel kernel's (select-conv), moved for the
	 * depthwise Conv; 64->32 is the pointwise kernel's anyway */
	cr_assert_eq(e->algo, CONV_POINTWISE);
	cr_assert_eq(d->algo, CONV_DW_CHAN);
	cr_assert_eq(p->algo, CONV_POINTWISE);
	cr_assert_eq(e->out[0]->layout, LAYOUT_NCHW16C);
	cr_assert_eq(d->out[0]->layout, LAYOUT_NCHW16C);
	cr_assert_eq(p->out[0]->layout, LAYOUT_NCHW, "a graph output");
	cr_assert_eq(g->inputs[0]->layout, LAYOUT_NCHW);
	cr_assert_eq(count_blocked(g), 2);
	tg_assert_close(&cx, ref, g, 1e-5f);
}

/* x -> block 1 with x as residual -> y; y -> expand -> dw -> GAP. */
Test(plan_layout, keeps_residual_convs_and_pooled_values_nchw)
{
	Graph *g = tg_graph(&cx), *ref;
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 32, 14, 14)));
	Block b1 = block(g, x, 64, 10), b2;
	Op *add = tg_op(&cx, g, OP_ADD, 2, (Value *[]){b1.project, x});
	Value *y = tg_infer(&cx, add);
	Op *gap;

	b2 = block(g, y, 64, 20);
	gap = tg_op(&cx, g, OP_GLOBALAVGPOOL, 1, &b2.dw);
	tg_output(&cx, g, tg_infer(&cx, gap));
	ref = ir_clone(&cx, g);
	cr_assert(pipeline_default(&cx, g, 2));
	/* b2.project is unused: dce drops it */
	cr_assert_eq(tg_count(g, OP_CONV), 5);
	cr_assert_eq(tg_count(g, OP_ADD), 0, "fuse-add took the Add");
	cr_assert_eq(conv_number(g, 0)->out[0]->layout, LAYOUT_NCHW16C);
	cr_assert_eq(conv_number(g, 1)->out[0]->layout, LAYOUT_NCHW16C);
	cr_assert(conv_number(g, 2)->nin > 3 && conv_number(g, 2)->in[3]);
	cr_assert_eq(conv_number(g, 2)->out[0]->layout, LAYOUT_NCHW,
	             "a Conv with a residual writes NCHW");
	cr_assert_eq(conv_number(g, 3)->out[0]->layout, LAYOUT_NCHW16C);
	cr_assert_eq(conv_number(g, 4)->algo, CONV_DW_CHAN);
	cr_assert_eq(conv_number(g, 4)->out[0]->layout, LAYOUT_NCHW,
	             "GlobalAveragePool reads it");
	cr_assert_eq(count_blocked(g), 3);
	tg_assert_close(&cx, ref, g, 1e-5f);
}

Test(plan_layout, keeps_channels_not_a_multiple_of_16_nchw)
{
	Graph *g = one_block(32, 40, 14);

	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(conv_number(g, 1)->algo, CONV_DW_CHAN);
	cr_assert_eq(count_blocked(g), 0);
	cr_assert_eq(conv_number(g, 0)->algo, CONV_DIRECT, "not moved");
}

Test(plan_layout, blocks_nothing_with_256_bit_vectors)
{
	Graph *g = one_block(32, 64, 14);

	cx.vec_bytes = 32;
	cr_assert(pipeline_default(&cx, g, 2));
	/* with AVX2 the plane kernel takes 3x3 stride-1 depthwise Convs on
	 * 14x14 planes, and the pointwise kernel needs 512-bit vectors */
	for_each_op(op, g)
		cr_assert_eq(op->algo, CONV_DIRECT);
	cr_assert_eq(count_blocked(g), 0);
}

Test(plan_layout, blocks_nothing_under_no_blocked_layout)
{
	Graph *g = one_block(32, 64, 14);

	cx.flags |= CTX_NO_BLOCKED;
	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(count_blocked(g), 0);
	/* select-conv's choices stand: nothing moved */
	cr_assert_eq(conv_number(g, 0)->algo, CONV_DIRECT);
	cr_assert_eq(conv_number(g, 1)->algo, CONV_DW_CHAN);
	cr_assert_eq(conv_number(g, 2)->algo, CONV_POINTWISE);
}

Test(plan_layout, does_not_run_at_O0)
{
	Graph *g = one_block(32, 64, 14);

	cr_assert(pipeline_default(&cx, g, 0));
	cr_assert_eq(count_blocked(g), 0);
	for_each_op(op, g)
		cr_assert_eq(op->algo, CONV_DIRECT);
}

/* Two direct 1x1 Convs in a row: no move for a value without a depthwise
 * Conv at either end; with a depthwise user instead, the move is made. */
Test(plan_layout, moves_a_1x1_conv_only_for_a_depthwise_neighbour)
{
	Graph *g = tg_graph(&cx), *h = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 16, 32, 32)));
	Value *a = tg_conv(&cx, g, x, 48, 1, 1, 0, 1, 5);

	tg_output(&cx, g, tg_conv(&cx, g, a, 48, 1, 1, 0, 1, 7));
	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(conv_number(g, 0)->algo, CONV_DIRECT);
	cr_assert_eq(conv_number(g, 1)->algo, CONV_DIRECT);
	cr_assert_eq(count_blocked(g), 0);

	x = tg_input(&cx, h, tg_f32(&cx, TG_DIMS(1, 16, 32, 32)));
	a = tg_conv(&cx, h, x, 48, 1, 1, 0, 1, 5);
	tg_output(&cx, h, tg_conv(&cx, h, a, 48, 3, 1, 1, 48, 7));
	cr_assert(pipeline_default(&cx, h, 2));
	cr_assert_eq(conv_number(h, 0)->algo,
	             32 * 32 <= QCC_RT_PW_BLOCKED_MAXHW ? CONV_POINTWISE
	                                                : CONV_DIRECT);
	cr_assert_eq(count_blocked(h), 32 * 32 <= QCC_RT_PW_BLOCKED_MAXHW);
}

/* x[1,64,56,56] -> depthwise -> 1x1 to m channels on a 56x56 plane (the
 * pixel kernel's): moved to read the blocked depthwise result for m = 32,
 * not for m = 24 (the pointwise kernel would lose more, qcc_rt.h). */
static Op *
dw_then_1x1(int m)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 64, 56, 56)));
	Value *d = tg_conv(&cx, g, x, 64, 3, 1, 1, 64, 5);

	tg_output(&cx, g, tg_conv(&cx, g, d, m, 1, 1, 0, 1, 7));
	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(conv_number(g, 0)->algo, CONV_DW_CHAN);
	return conv_number(g, 1);
}

Test(plan_layout, moves_a_1x1_conv_to_read_blocked_only_for_full_vectors)
{
	Op *p = dw_then_1x1(32);

	cr_assert_eq(p->algo, CONV_POINTWISE);
	cr_assert_eq(p->in[0]->layout, LAYOUT_NCHW16C);
	p = dw_then_1x1(24);
	cr_assert_eq(p->algo, CONV_DIRECT);
	cr_assert_eq(p->in[0]->layout, LAYOUT_NCHW);
}

/* A plane larger than the pointwise kernel takes blocked: the expand
 * Conv stays on the pixel kernel and writes NCHW. */
Test(plan_layout, leaves_planes_over_the_pointwise_limit_to_the_pixel_kernel)
{
	int side = 1;
	Graph *g;

	while (side * side <= QCC_RT_PW_BLOCKED_MAXHW)
		side++;
	g = one_block(16, 32, side);
	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(conv_number(g, 0)->algo, CONV_DIRECT);
	cr_assert_eq(conv_number(g, 0)->out[0]->layout, LAYOUT_NCHW);
	cr_assert_eq(conv_number(g, 1)->algo, CONV_DW_CHAN);
}

/* ---- the dump ------------------------------------------------------------- */

Test(plan_layout, dump_shows_layouts_and_kernels)
{
	Graph *g = one_block(32, 64, 14);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *p;
	int n = 0;

	cr_assert(pipeline_default(&cx, g, 2));
	ir_print(g, f);
	fclose(f);
	for (p = text; (p = strstr(p, " nchw16c")); p++)
		n++;
	cr_assert_eq(n, 2, "%s", text);
	cr_assert(strstr(text, "group=1 algo=pointwise} act=clip(0,6) : "
	                       "f32[1,64,14,14] nchw16c"), "%s", text);
	cr_assert(strstr(text, "group=64 algo=dwchan} act=clip(0,6) : "
	                       "f32[1,64,14,14] nchw16c"), "%s", text);
	cr_assert(strstr(text, "algo=pointwise} : f32[1,32,14,14]   ;"),
	          "%s", text);
	free(text);
}

/* ---- ir_verify ------------------------------------------------------------ */

static Graph *
planned_block(void)
{
	Graph *g = one_block(32, 64, 14);

	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(count_blocked(g), 2);
	return g;
}

Test(plan_layout, verify_accepts_the_plan)
{
	ir_verify(&cx, planned_block());
}

/* Each test below first checks the tampered graph with the value
 * NCHW (it verifies), then blocked (ir_verify aborts). */
static void
verify_blocked(Graph *g, Value *v)
{
	v->layout = LAYOUT_NCHW;
	ir_verify(&cx, g);
	v->layout = LAYOUT_NCHW16C;
	ir_verify(&cx, g);
}

Test(plan_layout, verify_rejects_a_blocked_graph_output, .signal = SIGABRT)
{
	Graph *g = planned_block();

	verify_blocked(g, g->outputs[0]);
}

Test(plan_layout, verify_rejects_a_blocked_value_a_direct_conv_writes,
     .signal = SIGABRT)
{
	Graph *g = planned_block();
	Op *e = conv_number(g, 0);

	e->algo = CONV_DIRECT;
	verify_blocked(g, e->out[0]);
}

Test(plan_layout, verify_rejects_a_blocked_value_a_pooling_reads,
     .signal = SIGABRT)
{
	Graph *g = planned_block();
	Value *d = conv_number(g, 1)->out[0];
	Op *gap = tg_op(&cx, g, OP_GLOBALAVGPOOL, 1, &d);

	tg_output(&cx, g, tg_infer(&cx, gap));
	verify_blocked(g, d);
}

/* A pointwise Conv 64->64 reading the depthwise result as input 0 and as
 * its residual. */
Test(plan_layout, verify_rejects_a_blocked_residual, .signal = SIGABRT)
{
	Graph *g = planned_block();
	Value *d = conv_number(g, 1)->out[0];
	Value *in[4] = {
		d,
		tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(64, 64, 1, 1)), 3, -0.1f,
		              0.1f),
		NULL,
		d,
	};
	Op *q = tg_op(&cx, g, OP_CONV, 4, in);

	q->a.conv.kernel[0] = q->a.conv.kernel[1] = 1;
	tg_output(&cx, g, tg_infer(&cx, q));
	q->algo = CONV_POINTWISE;
	verify_blocked(g, d);
}

Test(plan_layout, verify_rejects_the_pointwise_kernel_on_a_3x3_conv,
     .signal = SIGABRT)
{
	Graph *g = planned_block();
	Op *d = conv_number(g, 1);

	ir_verify(&cx, g);
	d->algo = CONV_POINTWISE;
	ir_verify(&cx, g);
}
