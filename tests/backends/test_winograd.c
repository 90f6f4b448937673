/* test_winograd.c -- Convs that select-conv puts on Winograd F(2x2, 3x3)
 * (and a 7x7 one on F(4x4, 3x3)) run end to end through both backends and the cross targets, against the
 * interpreter (the plain convolution) within bt_check's tolerance,
 * |got - want| <= 1e-5 (1 + |want|): the kernel's error is a few ulp of
 * the output's magnitude (tests/runtime/test_conv_winograd.c).  With
 * -no-winograd (CTX_NO_WINOGRAD) the network calls no Winograd kernel and
 * its output is bit for bit the plain loop kernel's (qcc_rt_conv2d_f32),
 * whose order of sums the direct kernels keep. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "harness.h"
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

TestSuite(winograd, .init = setup, .fini = teardown);

/* x[1,16,26,22] -> Conv 1x1 16->64, MaxPool 2x2 (a large tensor first:
 * the room the later workspaces take) -> Conv 3x3 64->24 pad 1, Relu ->
 * Conv 3x3 24->24 pad 1, + the first 3x3 Conv's result, Relu (fuse-add's
 * residual) -> output; and Conv 3x3 24->40 without padding (odd 11x9
 * result) -> Clip -> output. */
static Graph *
resblock(void)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 16, 26, 22)));
	Value *p = tg_conv(&cx, g, x, 64, 1, 1, 0, 1, 59), *a, *b, *c;
	Op *pool = tg_op(&cx, g, OP_MAXPOOL, 1, &p), *add;

	pool->a.pool.kernel[0] = pool->a.pool.kernel[1] = 2;
	pool->a.pool.stride[0] = pool->a.pool.stride[1] = 2;
	p = tg_infer(&cx, pool);
	a = tg_act(&cx, g, tg_conv(&cx, g, p, 24, 3, 1, 1, 1, 61),
	           (Act){ACT_RELU, 0, 0});
	b = tg_conv(&cx, g, a, 24, 3, 1, 1, 1, 63);
	add = tg_op(&cx, g, OP_ADD, 2, (Value *[]){b, a});
	c = tg_conv(&cx, g, a, 40, 3, 1, 0, 1, 65);
	tg_output(&cx, g, tg_act(&cx, g, tg_infer(&cx, add),
	                         (Act){ACT_RELU, 0, 0}));
	tg_output(&cx, g, tg_act(&cx, g, c, (Act){ACT_CLIP, -0.5f, 0.5f}));
	return g;
}

/* x[1,16,14,14] -> Conv 1x1 16->128, MaxPool 2x2, Conv 1x1 128->64 (the
 * room) -> Conv 3x3 64->64 pad 1 on 7x7, Relu -> output: F(4x4, 3x3). */
static Graph *
small(void)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 16, 14, 14)));
	Value *p = tg_conv(&cx, g, x, 128, 1, 1, 0, 1, 71);
	Op *pool = tg_op(&cx, g, OP_MAXPOOL, 1, &p);

	pool->a.pool.kernel[0] = pool->a.pool.kernel[1] = 2;
	pool->a.pool.stride[0] = pool->a.pool.stride[1] = 2;
	p = tg_conv(&cx, g, tg_infer(&cx, pool), 64, 1, 1, 0, 1, 73);
	tg_output(&cx, g, tg_act(&cx, g, tg_conv(&cx, g, p, 64, 3, 1, 1, 1, 75),
	                         (Act){ACT_RELU, 0, 0}));
	return g;
}

/* ref through the pipeline, with or without Winograd; n Convs on algo
 * with it. */
static Graph *
planned_as(const Graph *ref, bool winograd, ConvAlgo algo, int n)
{
	Graph *g = ir_clone(&cx, ref);
	int got = 0;

	if (!winograd)
		cx.flags |= CTX_NO_WINOGRAD;
	cr_assert(pipeline_default(&cx, g, 2));
	cx.flags &= ~(unsigned)CTX_NO_WINOGRAD;
	for_each_op(op, g)
		got += op->algo != CONV_DIRECT;
	cr_assert_eq(got, winograd ? n : 0);
	for_each_op(op, g)
		cr_assert(op->algo == CONV_DIRECT || op->algo == algo);
	return g;
}

static Graph *
planned(const Graph *ref, bool winograd)
{
	return planned_as(ref, winograd, CONV_WINOGRAD2, 3);
}

/* Arrays, not pointers: Criterion runs each case in a fresh process. */
struct run_case {
	char target[16], cc[32], exec[64];
	int emit_c;
};

static struct run_case run_cases[] = {
    {"host", "gcc", "", 1},
    {"host", "clang-19", "", 1},
    {"host", "gcc", "", 0},
    {"x86-64", "gcc", "", 0},
    {"armv8", "aarch64-linux-gnu-gcc", "qemu-aarch64", 0},
    {"riscv64", "riscv64-linux-gnu-gcc",
     "qemu-riscv64 -cpu rv64,v=true,vlen=128", 0},
};

/* g (planned from ref) built for case p, run, checked against ref. */
static void
run(const struct run_case *p, const Graph *ref, Graph *g)
{
	CodegenOpts o = bt_opts(p->target, "net", p->emit_c ? EMIT_C : EMIT_OBJ,
	                        2);
	char exe[64];
	char *dir;

	sscanf(p->exec[0] ? p->exec : "true", "%63s", exe);
	if (!bt_have(p->cc) || !bt_have(exe))
		cr_skip_test("%s or %s is missing", p->cc, exe);
	dir = bt_tmpdir(&cx);
	bt_emit(&cx, dir, p->emit_c ? "net.c" : "net.o", g, &o);
	bt_harness(&cx, dir, g, "net");
	if (p->emit_c)
		cr_assert_eq(bt_sh("cd %s && %s -std=c99 -Wall -Wextra -Werror "
		                   "-pedantic -O2 -c net.c -o net.o", dir, p->cc),
		             0, "net.c does not compile cleanly (%s)", dir);
	cr_assert_eq(bt_sh("cd %s && %s -static -std=c11 -O2 harness.c net.o -o "
	                   "run -lm && %s ./run",
	                   dir, p->cc, p->exec),
	             0, "%s: building or running failed (%s)", p->target, dir);
	bt_check(&cx, dir, ref);
	bt_rmdir(dir);
}

ParameterizedTestParameters(winograd, network_matches_the_interpreter)
{
	return cr_make_param_array(struct run_case, run_cases,
	                           sizeof run_cases / sizeof run_cases[0]);
}

ParameterizedTest(struct run_case *p, winograd, network_matches_the_interpreter)
{
	Graph *ref = resblock();

	run(p, ref, planned(ref, true));
}

ParameterizedTestParameters(winograd, f4x4_network_matches_the_interpreter)
{
	return cr_make_param_array(struct run_case, run_cases,
	                           sizeof run_cases / sizeof run_cases[0]);
}

/* The 64-channel 7x7 Conv on F(4x4, 3x3), every backend and target. */
ParameterizedTest(struct run_case *p, winograd,
                  f4x4_network_matches_the_interpreter)
{
	Graph *ref = small();

	run(p, ref, planned_as(ref, true, CONV_WINOGRAD4, 1));
}

/* g's outputs computed with the plain loop kernel, as lower_conv calls it
 * for a Conv no packed kernel takes: qcc_rt_conv2d_f32, then the
 * residual added and the activation (g: Convs and one 2x2 MaxPool). */
static void
plain(const Graph *g, const void *const in[], void *out[])
{
	float **val = NEWARRAY(cx.perm, float *, g->nvalues);

	val[g->inputs[0]->id] = (float *)in[0];
	for_each_op(op, g) {
		const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
		int32_t n = (int32_t)type_numel(y);
		float *r = NEWARRAY(cx.perm, float, n);

		if (op->kind == OP_MAXPOOL) {
			qcc_rt_maxpool2d_f32(val[op->in[0]->id], r,
			                     (int32_t)(x->dim[0] * x->dim[1]),
			                     (int32_t)x->dim[2], (int32_t)x->dim[3],
			                     (int32_t)y->dim[2], (int32_t)y->dim[3], 2,
			                     2, 2, 2, 1, 1, 0, 0);
			val[op->out[0]->id] = r;
			continue;
		}
		cr_assert_eq(op->kind, OP_CONV);
		qcc_rt_conv2d_f32(val[op->in[0]->id], value_f32(op->in[1]),
		                  value_f32(op->in[2]), r, 1, (int32_t)x->dim[1],
		                  (int32_t)x->dim[2], (int32_t)x->dim[3],
		                  (int32_t)y->dim[1], (int32_t)y->dim[2],
		                  (int32_t)y->dim[3], op->a.conv.kernel[0],
		                  op->a.conv.kernel[1], 1, 1, 1, 1,
		                  op->a.conv.pad[0], op->a.conv.pad[1], 1,
		                  QCC_ACT_NONE, 0.0f, 0.0f);
		if (op->nin > 3)
			for (int32_t i = 0; i < n; i++)
				r[i] = r[i] + val[op->in[3]->id][i];
		qcc_rt_act_f32(r, r, n, op->act.kind, op->act.alpha, op->act.beta);
		val[op->out[0]->id] = r;
	}
	for (uint32_t i = 0; i < g->noutputs; i++)
		out[i] = val[g->outputs[i]->id];
}

/* The C output with and without the switch: the Winograd kernel is
 * called only without it, and with it the results are the plain loop's
 * exactly. */
Test(winograd, no_winograd_calls_the_direct_kernels_and_matches_exactly)
{
	Graph *ref = resblock(), *g = planned(ref, false), *w = planned(ref, true);
	CodegenOpts o = bt_opts("host", "net", EMIT_C, 2);
	char *dir = bt_tmpdir(&cx), *text;
	const void *in[1];
	void *want[2];
	const float *got;
	float *x;
	int64_t total = 0;
	size_t n;

	bt_emit(&cx, dir, "wino.c", w, &o);
	text = bt_slurp(&cx, arena_printf(cx.perm, "%s/wino.c", dir), &n);
	cr_assert(strstr(text, "\tqcc_rt_conv2d_wino2_f32("),
	          "no Winograd call in %s/wino.c", dir);
	bt_emit(&cx, dir, "net.c", g, &o);
	text = bt_slurp(&cx, arena_printf(cx.perm, "%s/net.c", dir), &n);
	cr_assert_null(strstr(text, "\tqcc_rt_conv2d_wino2_f32("));
	bt_harness(&cx, dir, g, "net");
	cr_assert_eq(bt_sh("cd %s && gcc -std=c99 -O2 -c net.c -o net_c.o && "
	                   "gcc -std=c11 -O2 harness.c net_c.o -o run -lm && "
	                   "./run", dir), 0, "(%s)", dir);
	bt_check(&cx, dir, ref);
	x = NEWARRAY(cx.perm, float, type_numel(ref->inputs[0]->type));
	tg_fill_rand(x, type_numel(ref->inputs[0]->type), 1000, -1.0f, 1.0f);
	in[0] = x;
	plain(g, in, want);
	for (int i = 0; i < 2; i++)
		total += type_numel(g->outputs[i]->type);
	got = (const float *)bt_slurp(
	    &cx, arena_printf(cx.perm, "%s/out.bin", dir), &n);
	cr_assert_eq(n, (size_t)total * 4);
	for (int i = 0, at = 0; i < 2; i++)
		for (int64_t j = 0; j < type_numel(g->outputs[i]->type); j++, at++)
			cr_assert(!memcmp(&got[at], &((float *)want[i])[j], 4),
			          "output %d element %lld: got %.9g, want %.9g", i,
			          (long long)j, got[at], ((float *)want[i])[j]);
	bt_rmdir(dir);
}
