/* test_sign.c -- 1-bit models imported as they are (passes/match_pm1.c):
 * the binary CNN of gen_bnn.py (Sign activations, +-a weights, padding,
 * stride 2, a Flatten, a Gemm with transB and a MatMul) compiles without
 * -quantize to the pm1 kernels, and its output equals, bit for bit, the
 * float reference: numpy's exact result for the generator's input, and
 * the float interpreter on the unrewritten graph for random inputs,
 * through the interpreter, the C backend (gcc, strict C99), the host
 * object and the armv8 and riscv64 objects under qemu-user.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../backends/harness.h"
#include "frontend.h"
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

TestSuite(sign, .init = setup, .fini = teardown);

static const Act sign = {ACT_SIGN, 0.0f, 0.0f};

Test(sign, is_minus_one_zero_or_one_in_the_interpreter)
{
	static const float x[] = {-3.5f, -0.0f, 0.0f, 1e-30f, 7.0f, -1e-30f};
	static const float want[] = {-1.0f, -0.0f, 0.0f, 1.0f, 1.0f, -1.0f};
	Graph *g = tg_graph(&cx);
	Value *in = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(6)));
	float got[6];

	tg_output(&cx, g, tg_act(&cx, g, in, sign));
	cr_assert(ir_eval(&cx, g, (const void *[]){x}, (void *[]){got}));
	cr_assert(!memcmp(got, want, sizeof want));
}

/* gen_bnn.py's model, written to dir: its float graph (reference) or the
 * graph after the -O2 pipeline. */
static Graph *
load(const char *dir, bool optimize)
{
	Graph *g = onnx_import(&cx, arena_printf(cx.perm, "%s/bnn.onnx", dir),
	                       NULL);

	cr_assert(g, "the import of bnn.onnx failed");
	cx.flags |= CTX_VERIFY_EACH;
	if (optimize)
		cr_assert(pipeline_default(&cx, g, 2), "the pipeline failed");
	else
		cr_assert(pipeline_default(&cx, g, 0));
	return g;
}

static void *
eval_out(const Graph *g, const float *in)
{
	void *out = arena_alloc(cx.perm, type_bytes(g->outputs[0]->type), 8);

	cr_assert(ir_eval(&cx, g, (const void *[]){in}, (void *[]){out}));
	return out;
}

/* Runs `cmd` in dir and compares dir/out.bin with want, bit for bit. */
static void
check_run(const char *dir, const char *what, const void *want, size_t nb,
          const char *cmd)
{
	size_t got_n;
	const char *got;

	cr_assert_eq(bt_sh("cd %s && %s", dir, cmd), 0, "%s: %s failed", what,
	             cmd);
	got = bt_slurp(&cx, arena_printf(cx.perm, "%s/out.bin", dir), &got_n);
	cr_assert_eq(got_n, nb);
	cr_assert(!memcmp(got, want, nb), "%s differs from the float "
	          "reference", what);
}

static void
check_cross(const char *dir, const Graph *g, const void *want, size_t nb,
            const char *target, const char *gcc, const char *qemu)
{
	CodegenOpts o = bt_opts(target, "x", EMIT_OBJ, 2);

	if (!bt_have(gcc) || !bt_have(qemu))
		return;
	bt_emit(&cx, dir, "x.o", g, &o);
	bt_harness(&cx, dir, g, "x");
	check_run(dir, target, want, nb,
	          arena_printf(cx.perm, "%s -static harness.c x.o -o runx && "
	                       "%s ./runx", gcc, qemu));
}

Test(sign, binary_layers_of_an_imported_bnn_run_on_pm1_kernels_exactly,
     .timeout = 600)
{
	char *dir = bt_tmpdir(&cx);
	Graph *ref, *g;
	const float *x, *want;
	const void *got, *want_rand;
	float *in;
	size_t n, nb;

	cr_assert_eq(bt_sh("/usr/bin/python3 %s/tests/pm1/gen_bnn.py %s "
	                   ">/dev/null", QCC_SOURCE_DIR, dir), 0);
	ref = load(dir, false);
	g = load(dir, true);
	cr_assert_eq(tg_count(g, OP_PM1CONV), 4, "%d Pm1Conv ops, want the "
	             "two binary convs, the binary Gemm and the MatMul",
	             tg_count(g, OP_PM1CONV));
	cr_assert_eq(tg_count(g, OP_CONV) + tg_count(g, OP_MATMUL), 0);
	cr_assert_eq(tg_count(g, OP_GEMM), 1, "the float Gemm stays");

	x = (const float *)bt_slurp(&cx, arena_printf(cx.perm, "%s/bnn_in.bin",
	                                              dir), &n);
	cr_assert_eq(n, type_bytes(g->inputs[0]->type));
	want = (const float *)bt_slurp(
	    &cx, arena_printf(cx.perm, "%s/bnn_out.bin", dir), &n);
	nb = type_bytes(g->outputs[0]->type);
	cr_assert_eq(n, nb);
	got = eval_out(g, x);
	cr_assert(!memcmp(got, want, nb), "the pm1 graph differs from numpy "
	          "on the generator's input (Sign meets exact zeros there)");
	cr_assert(!memcmp(eval_out(ref, x), want, nb));

	in = NEWARRAY(cx.perm, float, type_numel(g->inputs[0]->type));
	tg_fill_rand(in, type_numel(g->inputs[0]->type), 1000, -1.0f, 1.0f);
	want_rand = eval_out(ref, in);
	cr_assert(!memcmp(eval_out(g, in), want_rand, nb), "the pm1 graph "
	          "differs from the float interpreter");
	{
		CodegenOpts c = bt_opts("host", "net", EMIT_C, 2);
		CodegenOpts o = bt_opts("host", "obj", EMIT_OBJ, 2);
		bt_emit(&cx, dir, "net.c", g, &c);
		bt_harness(&cx, dir, g, "net");
		check_run(dir, "C backend", want_rand, nb,
		          "gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c "
		          "net.c -o net_c.o && gcc -std=c11 harness.c net_c.o "
		          "-o run && ./run");
		bt_emit(&cx, dir, "obj.o", g, &o);
		bt_harness(&cx, dir, g, "obj");
		check_run(dir, "host object", want_rand, nb,
		          "cc -std=c11 harness.c obj.o -o run2 && ./run2");
	}
	check_cross(dir, g, want_rand, nb, "armv8", "aarch64-linux-gnu-gcc",
	            "qemu-aarch64");
	check_cross(dir, g, want_rand, nb, "riscv64", "riscv64-linux-gnu-gcc",
	            "qemu-riscv64 -cpu rv64,v=true,vlen=128");
	bt_rmdir(dir);
}
