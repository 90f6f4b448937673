/* test_int4.c -- -quantize=w4a4 / w4a8 end to end on small graphs: the
 * middle layers get i4 weights packed two per byte and 4-bit activation
 * codes (u8 in [0, 15]), the first and last layers stay 8-bit, the
 * integer graph stays close to the float one, and the C backend (gcc,
 * strict C99) and the host object give exactly the interpreter's bytes.
 * Depthwise convolutions keep i8 weights.  Plus the packing itself and
 * -quantize-layer.
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

TestSuite(int4, .init = setup, .fini = teardown);

enum { NSAMPLES = 40 };

static Value *
binary(Graph *g, OpKind k, Value *a, Value *b)
{
	return tg_infer(&cx, tg_op(&cx, g, k, 2, (Value *[]){a, b}));
}

/* x * HardSigmoid(x): a HardSwish with a negative tail */
static Value *
hswish(Graph *g, Value *x)
{
	Value *h = tg_act(&cx, g, x, (Act){ACT_HARDSIGMOID, 1.0f / 6.0f, 0.5f});

	return binary(g, OP_MUL, x, h);
}

/* x * Sigmoid(x): SiLU */
static Value *
silu(Graph *g, Value *x)
{
	return binary(g, OP_MUL, x, tg_act(&cx, g, x,
	                                   (Act){ACT_SIGMOID, 0.0f, 0.0f}));
}

static Value *
maxpool2(Graph *g, Value *x)
{
	Op *op = tg_op(&cx, g, OP_MAXPOOL, 1, &x);

	for (int i = 0; i < 2; i++) {
		op->a.pool.kernel[i] = 2;
		op->a.pool.stride[i] = 2;
		op->a.pool.dilation[i] = 1;
	}
	return tg_infer(&cx, op);
}

/* 0: conv 3x3, SiLU, conv 3x3 pad 1 (odd weight count), HardSwish,
 *    depthwise stride 2, SiLU, MaxPool, conv 1x1
 * 1: MatMul, SiLU, Gemm transB = 0 with K = 7, HardSwish, Gemm transB = 1,
 *    Gemm */
static Graph *
graph(int which)
{
	Graph *g = tg_graph(&cx);
	Value *x, *y;

	if (which == 0) {
		x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 10, 10)));
		y = silu(g, tg_conv(&cx, g, x, 8, 3, 1, 1, 1, 11));
		y = hswish(g, tg_conv(&cx, g, y, 5, 3, 1, 1, 1, 13));
		y = silu(g, tg_conv(&cx, g, y, 5, 3, 2, 1, 5, 15));
		y = maxpool2(g, y);
		y = tg_conv(&cx, g, y, 4, 1, 1, 0, 1, 17);
	} else {
		Value *w;
		Op *op;
		x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(3, 12)));
		w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(12, 7)), 41, -1, 1);
		y = silu(g, binary(g, OP_MATMUL, x, w));
		w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(7, 9)), 42, -1, 1);
		op = tg_op(&cx, g, OP_GEMM, 3, (Value *[]){y, w,
		           tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(9)), 43,
		                         -1, 1)});
		y = hswish(g, tg_infer(&cx, op));
		w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(6, 9)), 44, -1, 1);
		op = tg_op(&cx, g, OP_GEMM, 2, (Value *[]){y, w});
		op->a.gemm.trans_b = true;
		y = tg_infer(&cx, op);
		w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(6, 4)), 45, -1, 1);
		y = binary(g, OP_MATMUL, y, w);
	}
	tg_output(&cx, g, y);
	return g;
}

static Graph *
quantized(const Graph *ref, int wbits, int abits, const LayerBits *lb,
          uint32_t nlb)
{
	Graph *g = ir_clone(&cx, ref);
	int64_t n = type_numel(g->inputs[0]->type);
	const float **s = NEWARRAY(cx.perm, const float *, NSAMPLES);
	QuantOpts *q = NEW(cx.perm, QuantOpts);

	for (int k = 0; k < NSAMPLES; k++) {
		float *p = NEWARRAY(cx.perm, float, n);
		tg_fill_rand(p, n, 700 + k, -2.0f, 2.0f);
		s[k] = p;
	}
	*q = (QuantOpts){.method = CALIB_MINMAX, .ninputs = 1,
	                 .nsamples = NSAMPLES, .samples = s,
	                 .wbits = (uint8_t)wbits, .abits = (uint8_t)abits,
	                 .w4_clip = W4_MSE, .a4_range = A4_SEARCH,
	                 .layers = lb, .nlayers = nlb};
	cx.quant = q;
	cx.flags |= CTX_VERIFY_EACH;
	cr_assert(pipeline_int8(&cx, g), "the int8 pipeline failed");
	cx.quant = NULL;
	return g;
}

/* The outputs for random inputs in [-r, r] (the backend harness uses
 * seed 1000 and r = 1). */
static void *
eval_out(const Graph *g, uint32_t seed, float r)
{
	int64_t n = type_numel(g->inputs[0]->type);
	float *in = NEWARRAY(cx.perm, float, n);
	void *out = arena_alloc(cx.perm, type_bytes(g->outputs[0]->type), 8);

	tg_fill_rand(in, n, seed, -r, r);
	cr_assert(ir_eval(&cx, g, (const void *[]){in}, (void *[]){out}));
	return out;
}

/* Layers with i4 weights; nact4: activations with a 4-bit grid. */
static int
count_w4(const Graph *g, int *nact4)
{
	int n = 0;

	*nact4 = 0;
	for_each_op(op, g) {
		if ((op->kind == OP_CONV || op->kind == OP_GEMM) &&
		    op->in[1]->type->dt == DT_I4)
			n++;
		if (op->out[0]->type->q && op->out[0]->type->q->bits == 4)
			++*nact4;
	}
	return n;
}

ParameterizedTestParameters(int4, graphs_are_4_bit_inside_and_bit_exact_on_every_backend)
{
	static int which[4] = {0, 1, 2, 3};

	return cr_make_param_array(int, which, 4);
}

/* which / 2: the graph; which % 2: w4a4 or w4a8 */
ParameterizedTest(int *which, int4, graphs_are_4_bit_inside_and_bit_exact_on_every_backend,
                  .timeout = 300)
{
	int gi = *which / 2, abits = *which % 2 ? 8 : 4, nact4;
	Graph *ref = graph(gi), *g = quantized(ref, 4, abits, NULL, 0);
	int64_t n = type_numel(ref->outputs[0]->type);
	float mx = 0.0f, err = 0.0f;
	const float *want, *got;
	char *dir;
	size_t nb;
	const char *out;

	/* graph 0: the middle depthwise conv keeps i8 weights */
	cr_assert_eq(count_w4(g, &nact4), gi == 0 ? 1 : 2, "graph %d: %d "
	             "layers with i4 weights", gi, count_w4(g, &nact4));
	for_each_op(op, g)
		if (op->kind == OP_CONV && op->a.conv.group > 1) {
			cr_assert_eq(op->in[1]->type->dt, DT_I8);
			cr_assert_eq(op->in[0]->type->q->bits, abits == 4 ? 4 : 0,
			             "the depthwise conv reads %d-bit codes",
			             abits);
		}
	if (abits == 4)
		cr_assert_geq(nact4, 2, "graph %d: %d 4-bit activations", gi,
		              nact4);
	else
		cr_assert_eq(nact4, 0);
	for (uint32_t s = 0; s < 8; s++) {
		want = eval_out(ref, 900 + s, 2.0f);
		got = eval_out(g, 900 + s, 2.0f);
		for (int64_t i = 0; i < n; i++) {
			mx = fmaxf(mx, fabsf(want[i]));
			err = fmaxf(err, fabsf(got[i] - want[i]));
		}
	}
	cr_assert(err <= 0.35f * (mx + 0.1f), "graph %d w4a%d: error %g, "
	          "outputs up to %g", gi, abits, err, mx);

	got = eval_out(g, 1000, 1.0f);
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
		          "from the interpreter", gi);
		bt_emit(&cx, dir, "obj.o", g, &o);
		bt_harness(&cx, dir, g, "obj");
		cr_assert_eq(bt_sh("cd %s && cc -std=c11 harness.c obj.o -o run2 "
		                   "&& ./run2", dir), 0);
		out = bt_slurp(&cx, arena_printf(cx.perm, "%s/out.bin", dir), &nb);
		cr_assert(!memcmp(out, got, nb), "graph %d: object differs "
		          "from the interpreter", gi);
	}
	bt_rmdir(dir);
}

Test(int4, weights_are_packed_two_per_byte_low_nibble_first)
{
	Graph *g = tg_graph(&cx);
	float w[5] = {0.7f, -0.7f, 0.1f, -0.2f, 0.3f};
	Value *v = tg_const(&cx, g, tg_f32(&cx, TG_DIMS(1, 5)), w);
	QuantOpts o = {.w4_clip = W4_MAX};
	Value *q = quant_weights4(&cx, g, v, 0, &o);
	const uint8_t *d = q->cst->data;

	cr_assert_eq(q->type->dt, DT_I4);
	cr_assert_eq(type_bytes(q->type), 3);
	cr_assert_float_eq(q->type->q->scale[0], 0.1f, 1e-6);
	cr_assert_eq(d[0], 0x97, "7 then -7: 0x%02x", d[0]);
	cr_assert_eq(d[1], 0xe1, "1 then -2: 0x%02x", d[1]);
	cr_assert_eq(d[2] & 15, 3);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(nibble_load(d, DT_I4, i), (int)lroundf(w[i] * 10));
}

Test(int4, mse_clipping_clips_an_outlier_channel_harder_than_max)
{
	Graph *g = tg_graph(&cx);
	float w[64];
	Value *v;
	QuantOpts mx = {.w4_clip = W4_MAX}, mse = {.w4_clip = W4_MSE};

	tg_fill_rand(w, 64, 5, -0.1f, 0.1f);
	w[17] = 1.0f;
	v = tg_const(&cx, g, tg_f32(&cx, TG_DIMS(1, 64)), w);
	cr_assert_float_eq(quant_weights4(&cx, g, v, 0, &mx)->type->q->scale[0],
	                   1.0f / 7.0f, 1e-6);
	cr_assert_lt(quant_weights4(&cx, g, v, 0, &mse)->type->q->scale[0],
	             0.9f / 7.0f);
}

Test(int4, quantize_layer_overrides_the_widths_of_one_layer)
{
	Graph *ref = graph(0), *g;
	LayerBits lb[3];
	int n = 0, nact4;

	for_each_op(op, ref)
		if (op->kind == OP_CONV) {
			op->loc.node = arena_printf(cx.perm, "conv%d", n);
			n++;
		}
	lb[0] = (LayerBits){"conv1", 8, 8};
	lb[1] = (LayerBits){"conv2", 4, 4};
	lb[2] = (LayerBits){"conv3", 4, 4};
	g = quantized(ref, 4, 4, lb, 3);
	n = 0;
	for_each_op(op, g)
		if (op->kind == OP_CONV) {
			cr_assert_eq(op->in[1]->type->dt,
			             n == 2 || n == 3 ? DT_I4 : DT_I8,
			             "conv %d", n);
			n++;
		}
	cr_assert_eq(count_w4(g, &nact4), 2);
}
