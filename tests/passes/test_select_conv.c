/* test_select_conv.c -- select-conv puts exactly the 3x3 stride-1 float
 * Convs with enough channels on Winograd, -no-winograd (CTX_NO_WINOGRAD)
 * keeps them all direct, the workspace is as large as the kernel's
 * formula says, and plan-memory places it where no tensor live at its op
 * lies (liveness recomputed here), inside the arena, without raising the
 * plan above its lower bound; and small planes go on F(4x4, 3x3). */
#include <criterion/criterion.h>

#include "helpers.h"
#include "passes.h"
#include "qcc_rt.h"

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

TestSuite(select_conv, .init = setup, .fini = teardown);

/* x[1,16,20,18] -> a: Conv 3x3 16->32 pad 1 (Winograd), Relu
 *   -> b: Conv 3x3 32->32 stride 2 (direct)
 *   -> c: Conv 5x5 32->32 pad 2 (direct)
 *   -> d: Conv 3x3 32->4 pad 1 (direct: 4 output channels)
 * and from a: e: Conv 3x3 32->32 pad 1 (Winograd), plus f: Conv 3x3
 * group 2 (direct), added.  First a 1x1 Conv to 128 channels and a
 * GlobalAveragePool: a large short-lived tensor that sets the lower bound,
 * so the later Convs have room for their workspaces. */
static Graph *
mixed(void)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 16, 20, 18)));
	Value *big = tg_conv(&cx, g, x, 128, 1, 1, 0, 1, 9);
	Op *gap = tg_op(&cx, g, OP_GLOBALAVGPOOL, 1, &big);
	Value *a, *b, *c, *d, *e, *f;
	Op *add;

	tg_output(&cx, g, tg_infer(&cx, gap));
	a = tg_act(&cx, g, tg_conv(&cx, g, x, 32, 3, 1, 1, 1, 11),
	           (Act){ACT_RELU, 0, 0});
	b = tg_conv(&cx, g, a, 32, 3, 2, 1, 1, 13);
	c = tg_conv(&cx, g, b, 32, 5, 1, 2, 1, 15);
	d = tg_conv(&cx, g, c, 4, 3, 1, 1, 1, 17);
	e = tg_conv(&cx, g, a, 32, 3, 1, 1, 1, 19);
	f = tg_conv(&cx, g, a, 32, 3, 1, 1, 2, 21);
	add = tg_op(&cx, g, OP_ADD, 2, (Value *[]){e, f});
	tg_output(&cx, g, d);
	tg_output(&cx, g, tg_infer(&cx, add));
	return g;
}

static int
count_winograd(const Graph *g)
{
	int n = 0;

	for_each_op(op, g)
		n += op->algo != CONV_DIRECT;
	return n;
}

/* Every Winograd Conv's workspace overlaps no scratch value live at its
 * op (live: defined at or before it, last used at or after it), lies
 * inside the arena, and has the kernel's size. */
static void
check_workspaces(const Graph *g)
{
	uint32_t pos = 0, *def = calloc(g->nvalues, 4), *last = calloc(g->nvalues, 4);

	cr_assert(def && last);
	for_each_op(op, g) {
		for (int i = 0; i < op->nin; i++)
			if (op->in[i])
				last[op->in[i]->id] = pos;
		for (int i = 0; i < op->nout; i++)
			def[op->out[i]->id] = last[op->out[i]->id] = pos;
		pos++;
	}
	/* the inputs' last uses above may precede later uses: redo in order */
	pos = 0;
	for_each_op(op, g) {
		for (int i = 0; i < op->nin; i++)
			if (op->in[i] && pos > last[op->in[i]->id])
				last[op->in[i]->id] = pos;
		pos++;
	}
	pos = 0;
	for_each_op(op, g) {
		if (op->algo != CONV_DIRECT) {
			const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
			int64_t want = (int64_t)QCC_RT_WINO2_WS(
			    x->dim[1], (y->dim[3] + 1) / 2, op->wino_rows) * 4;

			if (op->algo == CONV_WINOGRAD4)
				want = (int64_t)QCC_RT_WINO4_WS(x->dim[1], x->dim[2],
				                                x->dim[3]) * 4;
			else
				cr_assert(op->wino_rows >= 1 &&
				          op->wino_rows <= (y->dim[2] + 1) / 2);
			cr_assert_eq(op->ws_bytes, want);
			cr_assert(op->ws_offset >= 0 && op->ws_offset % 64 == 0);
			cr_assert_leq(op->ws_offset + op->ws_bytes, g->scratch_size);
			for (uint32_t i = 0; i < g->nvalues; i++) {
				const Value *v = g->values[i];
				int64_t end;

				if (v->offset < 0 || !v->def || def[i] > pos ||
				    last[i] < pos)
					continue;
				end = v->offset + (int64_t)type_bytes(v->type);
				cr_assert(end <= op->ws_offset ||
				          v->offset >= op->ws_offset + op->ws_bytes,
				          "%%%u [%lld, %lld) overlaps the workspace of op "
				          "%u", v->id, (long long)v->offset,
				          (long long)end, op->id);
			}
		} else {
			cr_assert_eq(op->ws_bytes, 0);
			cr_assert_eq(op->ws_offset, -1);
		}
		pos++;
	}
	free(def);
	free(last);
}

Test(select_conv, picks_3x3_stride_1_convs_with_enough_channels)
{
	Graph *g = mixed();
	static const bool want[] = {false, true, false, false, false, true,
	                            false};
	int k = 0;

	cr_assert(pipeline_default(&cx, g, 2));
	for_each_op(op, g) {
		if (op->kind != OP_CONV)
			continue;
		cr_assert_lt(k, 7);
		cr_assert_eq(op->algo, want[k] ? CONV_WINOGRAD2 : CONV_DIRECT,
		             "%s", op->loc.node);
		k++;
	}
	cr_assert_eq(k, 7);
	check_workspaces(g);
}

/* Without the large tensor nothing leaves room for a workspace: the
 * Convs stay direct rather than raise the plan's lower bound. */
Test(select_conv, convs_stay_direct_where_no_workspace_fits)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 16, 20, 18)));

	x = tg_conv(&cx, g, x, 32, 3, 1, 1, 1, 11);
	tg_output(&cx, g, tg_conv(&cx, g, x, 32, 3, 1, 1, 1, 13));
	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(count_winograd(g), 0);
	cr_assert_eq(g->scratch_size, 32 * 20 * 18 * 4);
}

Test(select_conv, no_winograd_keeps_every_conv_direct)
{
	Graph *g = mixed();

	cx.flags |= CTX_NO_WINOGRAD;
	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(count_winograd(g), 0);
	check_workspaces(g);
}

Test(select_conv, minus_o0_keeps_every_conv_direct)
{
	Graph *g = mixed();

	cr_assert(pipeline_default(&cx, g, 0));
	cr_assert_eq(count_winograd(g), 0);
}

/* A large stem result then a MaxPool (resnet's shape of memory) leave
 * room at the later convs: each workspace fits in what the tensors leave
 * free, so the plan stays at the lower bound the tensors alone set. */
Test(select_conv, workspaces_fit_beside_the_tensors)
{
	Graph *g = tg_graph(&cx), *h;
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 64, 64)));
	int64_t with, without;
	Op *pool;

	x = tg_conv(&cx, g, x, 64, 7, 1, 3, 1, 5);
	pool = tg_op(&cx, g, OP_MAXPOOL, 1, &x);
	pool->a.pool.kernel[0] = pool->a.pool.kernel[1] = 2;
	pool->a.pool.stride[0] = pool->a.pool.stride[1] = 2;
	x = tg_infer(&cx, pool);
	for (int i = 0; i < 4; i++)
		x = tg_act(&cx, g, tg_conv(&cx, g, x, 64, 3, 1, 1, 1, 30 + 2 * i),
		           (Act){ACT_RELU, 0, 0});
	tg_output(&cx, g, x);
	h = ir_clone(&cx, g);
	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(count_winograd(g), 4);
	check_workspaces(g);
	with = g->scratch_size;
	cx.flags |= CTX_NO_WINOGRAD;
	cr_assert(pipeline_default(&cx, h, 2));
	without = h->scratch_lower_bound;
	cr_assert_eq(g->scratch_lower_bound, without);
	cr_assert_leq(with, without + without / 20, "scratch %lld, tensors "
	              "alone need %lld", (long long)with, (long long)without);
}

/* The IR shows the choice, so -emit=ir and -print-after tell users. */
static void
check_dump(Graph *g, const char *want)
{
	char *dump = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&dump, &n);

	ir_print(g, f);
	fclose(f);
	cr_assert(strstr(dump, want), "no \"%s\" in\n%s", want, dump);
	free(dump);
}

Test(select_conv, ir_dump_names_the_algorithm)
{
	Graph *g = mixed();

	cr_assert(pipeline_default(&cx, g, 2));
	check_dump(g, "algo=winograd2x2 rows=");
}

/* fmnist's tail: a 64-channel 7x7 Conv after a MaxPool of a larger tensor
 * goes on F(4x4, 3x3), its workspace beside the tensors (the plan at the
 * tensors' lower bound); with 128 channels its weights (36 * 128 * 128
 * floats) pass WINO4_MAX_U and it stays on F(2x2, 3x3); 14x14 outputs
 * (16 tiles) stay on F(2x2, 3x3) too. */
Test(select_conv, small_planes_go_on_f4x4)
{
	static const struct {
		int c, h;
		ConvAlgo want;
	} cases[] = {
		{64, 14, CONV_WINOGRAD4},
		{128, 14, CONV_WINOGRAD2},
		{64, 28, CONV_WINOGRAD2},
	};

	for (int k = 0; k < 3; k++) {
		Graph *g = tg_graph(&cx), *h;
		int c = cases[k].c, s = cases[k].h;
		Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 16, s, s)));
		int64_t without;
		Op *pool, *conv = NULL;

		x = tg_conv(&cx, g, x, 2 * c, 1, 1, 0, 1, 7);
		pool = tg_op(&cx, g, OP_MAXPOOL, 1, &x);
		pool->a.pool.kernel[0] = pool->a.pool.kernel[1] = 2;
		pool->a.pool.stride[0] = pool->a.pool.stride[1] = 2;
		x = tg_conv(&cx, g, tg_infer(&cx, pool), c, 1, 1, 0, 1, 9);
		tg_output(&cx, g, tg_conv(&cx, g, x, c, 3, 1, 1, 1, 11));
		h = ir_clone(&cx, g);
		cr_assert(pipeline_default(&cx, g, 2));
		for_each_op(op, g)
			if (op->kind == OP_CONV && op->a.conv.kernel[0] == 3)
				conv = op;
		cr_assert(conv);
		cr_assert_eq(conv->algo, cases[k].want, "case %d: algo %d", k,
		             conv->algo);
		check_workspaces(g);
		check_dump(g, cases[k].want == CONV_WINOGRAD4 ?
		           "algo=winograd4x4 ws=" : "algo=winograd2x2 rows=");
		cx.flags |= CTX_NO_WINOGRAD;
		cr_assert(pipeline_default(&cx, h, 2));
		cx.flags &= ~(unsigned)CTX_NO_WINOGRAD;
		without = h->scratch_size;
		cr_assert_eq(g->scratch_size, without, "case %d", k);
	}
}
