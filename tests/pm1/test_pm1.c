/* test_pm1.c -- -quantize=pm1:wKaM end to end on small graphs: for every
 * K, M in 1..4 the decomposed graph (Bitplane + Pm1Conv) gives, bit for
 * bit, the outputs of the k-bit by m-bit integer graph it came from (the
 * interpreter before decompose-pm1), in the interpreter, through the C
 * backend (gcc, strict C99), the host object, and the armv8 and riscv64
 * objects under qemu-user.  The graphs have odd channel counts, rows of
 * more than one 32-bit word, padding with a non-zero zero point, stride 2,
 * dilation 2, a MatMul and a Gemm with transB.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
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

TestSuite(pm1, .init = setup, .fini = teardown);

enum { NSAMPLES = 16 };

static const Act relu = {ACT_RELU, 0.0f, 0.0f};

static Value *
gemm(Graph *g, Value *x, int n, bool trans_b, uint32_t seed)
{
	int64_t k = x->type->dim[1];
	Value *w = tg_const_rand(&cx, g, trans_b ? tg_f32(&cx, TG_DIMS(n, k))
	                                         : tg_f32(&cx, TG_DIMS(k, n)),
	                         seed, -1, 1);
	Value *b = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(n)), seed + 1,
	                         -1, 1);
	Op *op = tg_op(&cx, g, OP_GEMM, 3, (Value *[]){x, w, b});

	op->a.gemm.trans_b = trans_b;
	return tg_infer(&cx, op);
}

/* conv(first, 8-bit) relu, conv 3x3 on 5 channels -> 40 (no Relu, so the
 * next input has a non-zero zero point), conv 3x3 stride 2 pad 1 on 40
 * channels (2 words), conv 3x3 dilation 2, MaxPool, Flatten, MatMul + Relu,
 * Gemm transB + Relu, Gemm (last, 8-bit). */
static Graph *
graph(void)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 9, 9)));
	Value *y, *t;
	Op *op;

	y = tg_act(&cx, g, tg_conv(&cx, g, x, 5, 3, 1, 1, 1, 11), relu);
	y = tg_conv(&cx, g, y, 40, 3, 1, 1, 1, 12);
	y = tg_act(&cx, g, tg_conv(&cx, g, y, 33, 3, 2, 1, 1, 13), relu);
	op = tg_op(&cx, g, OP_CONV, 2, (Value *[]){y, tg_const_rand(&cx, g,
	           tg_f32(&cx, TG_DIMS(7, 33, 3, 3)), 14, -1, 1)});
	for (int i = 0; i < 2; i++) {
		op->a.conv.kernel[i] = 3;
		op->a.conv.stride[i] = 1;
		op->a.conv.dilation[i] = 2;
		op->a.conv.pad[i] = op->a.conv.pad[i + 2] = 2;
	}
	op->a.conv.group = 1;
	y = tg_act(&cx, g, tg_infer(&cx, op), relu);
	op = tg_op(&cx, g, OP_MAXPOOL, 1, &y);
	for (int i = 0; i < 2; i++) {
		op->a.pool.kernel[i] = op->a.pool.stride[i] = 2;
		op->a.pool.dilation[i] = 1;
	}
	y = tg_infer(&cx, op);
	op = tg_op(&cx, g, OP_FLATTEN, 1, &y);
	op->a.axis.axis = 1;
	y = tg_infer(&cx, op);
	t = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(y->type->dim[1], 37)),
	                  15, -1, 1);
	y = tg_act(&cx, g, tg_infer(&cx, tg_op(&cx, g, OP_MATMUL, 2,
	                                       (Value *[]){y, t})), relu);
	y = tg_act(&cx, g, gemm(g, y, 19, true, 16), relu);
	y = gemm(g, y, 6, false, 18);
	tg_output(&cx, g, y);
	return g;
}

static const Pass *const before_decompose[] = {
	&pass_infer_shapes, &pass_fold_const, &pass_dce, &pass_fold_bn,
	&pass_fuse_act, &pass_dce, &pass_infer_shapes, &pass_plan_pm1,
	&pass_calibrate, &pass_quantize, &pass_dce, &pass_fold_shift,
	&pass_infer_shapes, &pass_plan_memory,
};

/* The float graph through the pm1 pipeline (decompose) or the same passes
 * up to fold-shift (the integer reference), with NSAMPLES random inputs. */
static Graph *
compiled(const Graph *ref, int k, int m, bool decompose)
{
	Graph *g = ir_clone(&cx, ref);
	int64_t n = type_numel(g->inputs[0]->type);
	const float **s = NEWARRAY(cx.perm, const float *, NSAMPLES);
	QuantOpts *q = NEW(cx.perm, QuantOpts);

	for (int i = 0; i < NSAMPLES; i++) {
		float *p = NEWARRAY(cx.perm, float, n);
		tg_fill_rand(p, n, 700 + i, -1.0f, 1.0f);
		s[i] = p;
	}
	*q = (QuantOpts){.method = CALIB_MINMAX, .ninputs = 1,
	                 .nsamples = NSAMPLES, .samples = s, .pm1_wbits = k,
	                 .pm1_abits = m};
	cx.quant = q;
	cx.flags |= CTX_VERIFY_EACH;
	if (decompose)
		cr_assert(pipeline_pm1(&cx, g), "the pm1 pipeline failed");
	else
		cr_assert(pipeline_run(&cx, g, before_decompose,
		                       sizeof before_decompose /
		                       sizeof before_decompose[0]));
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

/* Runs `cmd` in dir and compares dir/out.bin with want. */
static void
check_run(const char *dir, const char *what, const void *want, size_t nb,
          const char *cmd, int k, int m)
{
	size_t got_n;
	const char *got;

	cr_assert_eq(bt_sh("cd %s && %s", dir, cmd), 0, "w%da%d %s: %s failed",
	             k, m, what, cmd);
	got = bt_slurp(&cx, arena_printf(cx.perm, "%s/out.bin", dir), &got_n);
	cr_assert_eq(got_n, nb);
	cr_assert(!memcmp(got, want, nb), "w%da%d: %s differs from the k-bit "
	          "by m-bit integer reference", k, m, what);
}

/* One cross target: the object linked -static by the cross gcc and run
 * under qemu-user, if both are installed. */
static void
check_cross(const char *dir, const Graph *g, const void *want, size_t nb,
            const char *target, const char *gcc, const char *qemu, int k,
            int m)
{
	CodegenOpts o = bt_opts(target, "x", EMIT_OBJ, 2);

	if (!bt_have(gcc) || !bt_have(qemu))
		return;
	bt_emit(&cx, dir, "x.o", g, &o);
	bt_harness(&cx, dir, g, "x");
	check_run(dir, target, want, nb,
	          arena_printf(cx.perm, "%s -static harness.c x.o -o runx && "
	                       "%s ./runx", gcc, qemu), k, m);
}

ParameterizedTestParameters(pm1, bits)
{
	static int km[16];

	for (int i = 0; i < 16; i++)
		km[i] = (i / 4 + 1) * 10 + i % 4 + 1;
	return cr_make_param_array(int, km, 16);
}

ParameterizedTest(int *km, pm1, bits, .timeout = 600)
{
	int k = *km / 10, m = *km % 10;
	Graph *ref = graph();
	Graph *want_g = compiled(ref, k, m, false);
	Graph *g = compiled(ref, k, m, true);
	const void *want = eval_out(want_g), *got = eval_out(g);
	size_t nb = type_bytes(g->outputs[0]->type);
	char *dir;

	cr_assert_eq(tg_count(g, OP_PM1CONV), 5, "w%da%d: %d Pm1Conv ops, "
	             "want the 3 middle convs and 2 middle gemms", k, m,
	             tg_count(g, OP_PM1CONV));
	cr_assert_eq(tg_count(g, OP_CONV) + tg_count(g, OP_GEMM), 2);
	cr_assert(!memcmp(got, want, nb), "w%da%d: interpreter after "
	          "decompose-pm1 differs from the integer reference", k, m);

	dir = bt_tmpdir(&cx);
	{
		CodegenOpts c = bt_opts("host", "net", EMIT_C, 2);
		CodegenOpts o = bt_opts("host", "obj", EMIT_OBJ, 2);
		bt_emit(&cx, dir, "net.c", g, &c);
		bt_harness(&cx, dir, g, "net");
		check_run(dir, "C backend", want, nb,
		          "gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c "
		          "net.c -o net_c.o && gcc -std=c11 harness.c net_c.o "
		          "-o run && ./run", k, m);
		bt_emit(&cx, dir, "obj.o", g, &o);
		bt_harness(&cx, dir, g, "obj");
		check_run(dir, "host object", want, nb,
		          "cc -std=c11 harness.c obj.o -o run2 && ./run2", k, m);
	}
	check_cross(dir, g, want, nb, "armv8", "aarch64-linux-gnu-gcc",
	            "qemu-aarch64", k, m);
	check_cross(dir, g, want, nb, "riscv64", "riscv64-linux-gnu-gcc",
	            "qemu-riscv64 -cpu rv64,v=true,vlen=128", k, m);
	bt_rmdir(dir);
}
