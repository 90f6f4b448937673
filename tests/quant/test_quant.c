/* test_quant.c -- -quantize=int8 end to end on small graphs that reach
 * every integer kernel: calibrate, quantize and fold-shift leave an
 * integer-only graph whose interpreter output is close to the float
 * graph's, and the C backend (gcc, strict C99) and the host object give
 * exactly the interpreter's bytes on the same inputs.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <string.h>

#include "../backends/harness.h"
#include "helpers.h"
#include "passes.h"

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

TestSuite(quant, .init = setup, .fini = teardown);

enum { NGRAPHS = 4, NSAMPLES = 24 };

static Value *
pool(Graph *g, Value *x, OpKind k, int kernel, int stride, int pad,
     bool include_pad)
{
	Op *op = tg_op(&cx, g, k, 1, &x);

	for (int i = 0; i < 2; i++) {
		op->a.pool.kernel[i] = kernel;
		op->a.pool.stride[i] = stride;
		op->a.pool.dilation[i] = 1;
	}
	for (int i = 0; i < 4; i++)
		op->a.pool.pad[i] = pad;
	op->a.pool.count_include_pad = include_pad;
	return tg_infer(&cx, op);
}

static Value *
binary(Graph *g, OpKind k, Value *a, Value *b)
{
	return tg_infer(&cx, tg_op(&cx, g, k, 2, (Value *[]){a, b}));
}

static const Act relu = {ACT_RELU, 0.0f, 0.0f};

/* 0: conv 3x3 + Relu, depthwise stride 2, 1x1, MaxPool, Clip (Relu6)
 * 1: conv, x * HardSigmoid(x), residual Add, AvgPool, GAP, Flatten, Gemm
 * 2: Concat of two convs of different ranges (one with a fused HardSwish,
 *    which splits off into a Lut), AvgPool counting the pads,
 *    Add of a per-channel constant, Mul by a scalar constant
 * 3: MatMul by a constant + Relu, Gemm with alpha, beta and transB = 0 */
static Graph *
graph(int which)
{
	Graph *g = tg_graph(&cx);
	Value *x, *y, *t;

	switch (which) {
	case 0:
		x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 11, 11)));
		y = tg_act(&cx, g, tg_conv(&cx, g, x, 8, 3, 1, 1, 1, 11), relu);
		y = tg_conv(&cx, g, y, 8, 3, 2, 1, 8, 12);
		y = tg_conv(&cx, g, y, 6, 1, 1, 0, 1, 13);
		y = pool(g, y, OP_MAXPOOL, 2, 2, 0, false);
		y = tg_act(&cx, g, y, (Act){ACT_CLIP, 0.0f, 0.3f});
		break;
	case 1:
		x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4, 7, 7)));
		t = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 21);
		y = tg_act(&cx, g, t, (Act){ACT_HARDSIGMOID, 0.2f, 0.5f});
		y = binary(g, OP_MUL, t, y);
		y = binary(g, OP_ADD, y, x);
		y = pool(g, y, OP_AVGPOOL, 3, 1, 1, false);
		y = tg_infer(&cx, tg_op(&cx, g, OP_GLOBALAVGPOOL, 1, &y));
		y = tg_infer(&cx, tg_op(&cx, g, OP_FLATTEN, 1, &y));
		t = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(5, 4)), 22, -1, 1);
		{
			Value *c = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(5)),
			                         23, -1, 1);
			Op *op = tg_op(&cx, g, OP_GEMM, 3, (Value *[]){y, t, c});
			op->a.gemm.trans_b = true;
			y = tg_infer(&cx, op);
		}
		break;
	case 2: {
		Value *a, *b, *c[2];
		Op *op;
		x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 6, 6)));
		a = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 31);
		b = tg_act(&cx, g, tg_conv(&cx, g, x, 2, 1, 1, 0, 1, 32),
		           (Act){ACT_HARDSWISH, 0.0f, 0.0f});
		c[0] = a;
		c[1] = b;
		op = tg_op(&cx, g, OP_CONCAT, 2, c);
		op->a.axis.axis = 1;
		y = tg_infer(&cx, op);
		y = pool(g, y, OP_AVGPOOL, 3, 2, 1, true);
		t = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(1, 6, 1, 1)), 33,
		                  -2, 2);
		y = binary(g, OP_ADD, y, t);
		t = tg_const(&cx, g, tg_f32(&cx, TG_DIMS(1)), (float[]){1.5f});
		y = binary(g, OP_MUL, y, t);
		break;
	}
	default: {
		Op *op;
		x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 16)));
		t = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(16, 8)), 41, -1, 1);
		y = tg_act(&cx, g, binary(g, OP_MATMUL, x, t), relu);
		t = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(8, 5)), 42, -1, 1);
		op = tg_op(&cx, g, OP_GEMM, 3,
		           (Value *[]){y, t, tg_const_rand(&cx, g,
		                       tg_f32(&cx, TG_DIMS(1, 5)), 43, -1, 1)});
		op->a.gemm.alpha = 0.5f;
		op->a.gemm.beta = 2.0f;
		y = tg_infer(&cx, op);
		break;
	}
	}
	tg_output(&cx, g, y);
	return g;
}

/* The float graph quantized with NSAMPLES random calibration inputs. */
static Graph *
quantized(const Graph *ref, QuantOpts *q)
{
	Graph *g = ir_clone(&cx, ref);
	int64_t n = type_numel(g->inputs[0]->type);
	const float **s = NEWARRAY(cx.perm, const float *, NSAMPLES);

	for (int k = 0; k < NSAMPLES; k++) {
		float *p = NEWARRAY(cx.perm, float, n);
		tg_fill_rand(p, n, 500 + k, -1.0f, 1.0f);
		s[k] = p;
	}
	*q = (QuantOpts){.method = CALIB_MINMAX, .ninputs = 1,
	                 .nsamples = NSAMPLES, .samples = s};
	cx.quant = q;
	cx.flags |= CTX_VERIFY_EACH;
	cr_assert(pipeline_int8(&cx, g), "the int8 pipeline failed");
	return g;
}

static void *
eval_out(const Graph *g)
{
	int64_t n = type_numel(g->inputs[0]->type);
	float *in = NEWARRAY(cx.perm, float, n);
	void *out = arena_alloc(cx.perm, type_bytes(g->outputs[0]->type), 8);

	tg_fill_rand(in, n, 1000, -1.0f, 1.0f);
	cr_assert(ir_eval(&cx, g, (const void *[]){in}, (void *[]){out}));
	return out;
}

ParameterizedTestParameters(quant, graphs)
{
	static int which[NGRAPHS] = {0, 1, 2, 3};

	return cr_make_param_array(int, which, NGRAPHS);
}

ParameterizedTest(int *which, quant, graphs, .timeout = 300)
{
	QuantOpts q;
	Graph *ref = graph(*which), *g = quantized(ref, &q);
	const float *want = eval_out(ref), *got = eval_out(g);
	int64_t n = type_numel(ref->outputs[0]->type);
	float mx = 0.0f, err = 0.0f;
	int nfloat = 0;
	char *dir;
	size_t nb;
	const char *out;

	/* integer only: float results are the boundary's Dequantize */
	for_each_op(op, g)
		nfloat += op->out[0]->type->dt == DT_F32 &&
		          op->kind != OP_DEQUANTIZE;
	cr_assert_eq(nfloat, 0, "graph %d keeps %d float ops", *which, nfloat);
	for (int64_t i = 0; i < n; i++) {
		mx = fmaxf(mx, fabsf(want[i]));
		err = fmaxf(err, fabsf(got[i] - want[i]));
	}
	cr_assert(err <= 0.06f * (mx + 0.1f), "graph %d: int8 error %g, "
	          "outputs up to %g", *which, err, mx);

	dir = bt_tmpdir(&cx);
	{
		CodegenOpts c = bt_opts("host", "net", EMIT_C, 2);
		CodegenOpts o = bt_opts("host", "obj", EMIT_OBJ, 2);
		bt_emit(&cx, dir, "net.c", g, &c);
		bt_harness(&cx, dir, g, "net");
		cr_assert_eq(bt_sh("cd %s && gcc -std=c99 -Wall -Wextra -Werror "
		                   "-pedantic -O2 -c net.c -o net_c.o && gcc "
		                   "-std=c11 harness.c net_c.o -o run && ./run",
		                   dir), 0);
		out = bt_slurp(&cx, arena_printf(cx.perm, "%s/out.bin", dir), &nb);
		cr_assert_eq(nb, type_bytes(g->outputs[0]->type));
		cr_assert(!memcmp(out, got, nb), "graph %d: C backend differs "
		          "from the interpreter", *which);
		bt_emit(&cx, dir, "obj.o", g, &o);
		bt_harness(&cx, dir, g, "obj");
		cr_assert_eq(bt_sh("cd %s && cc -std=c11 harness.c obj.o -o run2 "
		                   "&& ./run2", dir), 0);
		out = bt_slurp(&cx, arena_printf(cx.perm, "%s/out.bin", dir), &nb);
		cr_assert(!memcmp(out, got, nb), "graph %d: object differs "
		          "from the interpreter", *which);
	}
	bt_rmdir(dir);
}
