/* test_select.c -- -quantize=auto (passes/select_quant.c): the per-layer
 * choice between int8, int4 and pm1 follows the cost table and the
 * accuracy guard, the first and last layers stay int8, and the mixed
 * graph it produces runs bit for bit alike in the interpreter, the C
 * backend and the host object.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
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

TestSuite(select, .init = setup, .fini = teardown);

enum { NSAMPLES = 16 };

static const Act relu = {ACT_RELU, 0.0f, 0.0f};
static bool verbose;

/* conv 3->16 (first), conv 3x3 16->40 pad 1, conv 3x3 40->33, MaxPool,
 * Flatten, Gemm transB, Gemm (last): three middle layers to choose for. */
static Graph *
graph(void)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 10, 10)));
	Value *y, *w, *b;
	Op *op;

	y = tg_act(&cx, g, tg_conv(&cx, g, x, 16, 3, 1, 1, 1, 21), relu);
	y = tg_act(&cx, g, tg_conv(&cx, g, y, 40, 3, 1, 1, 1, 22), relu);
	y = tg_act(&cx, g, tg_conv(&cx, g, y, 33, 3, 1, 1, 1, 23), relu);
	op = tg_op(&cx, g, OP_MAXPOOL, 1, &y);
	for (int i = 0; i < 2; i++) {
		op->a.pool.kernel[i] = op->a.pool.stride[i] = 2;
		op->a.pool.dilation[i] = 1;
	}
	y = tg_infer(&cx, op);
	op = tg_op(&cx, g, OP_FLATTEN, 1, &y);
	op->a.axis.axis = 1;
	y = tg_infer(&cx, op);
	w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(24, y->type->dim[1])), 24,
	                  -1, 1);
	b = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(24)), 25, -1, 1);
	op = tg_op(&cx, g, OP_GEMM, 3, (Value *[]){y, w, b});
	op->a.gemm.trans_b = true;
	y = tg_act(&cx, g, tg_infer(&cx, op), relu);
	w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(24, 6)), 26, -1, 1);
	b = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(6)), 27, -1, 1);
	y = tg_infer(&cx, tg_op(&cx, g, OP_GEMM, 3, (Value *[]){y, w, b}));
	tg_output(&cx, g, y);
	return g;
}

/* The graph through pipeline_auto with a given cost table (NULL: the
 * table of target) and guard; *nint4 gets the number of 4-bit layers. */
static Graph *
compiled(const double *cost, const char *target, double guard, int *nint4)
{
	Graph *g = graph();
	int64_t n = type_numel(g->inputs[0]->type);
	const float **s = NEWARRAY(cx.perm, const float *, NSAMPLES);
	QuantOpts *q = NEW(cx.perm, QuantOpts);

	for (int i = 0; i < NSAMPLES; i++) {
		float *p = NEWARRAY(cx.perm, float, n);
		tg_fill_rand(p, n, 900 + i, -1.0f, 1.0f);
		s[i] = p;
	}
	*q = (QuantOpts){.method = CALIB_MINMAX, .ninputs = 1,
	                 .nsamples = NSAMPLES, .samples = s,
	                 .auto_select = true, .auto_target = target,
	                 .auto_sqnr = guard, .auto_cost = cost,
	                 .verbose = verbose,
	                 .w4_clip = W4_MSE, .a4_range = A4_MINMAX};
	cx.quant = q;
	cx.flags |= CTX_VERIFY_EACH;
	cr_assert(pipeline_auto(&cx, g), "the auto pipeline failed");
	*nint4 = 0;
	for (uint32_t i = 0; q->op_wbits && i < q->nops4; i++)
		*nint4 += q->op_wbits[i] == 4;
	return g;
}

/* per MAC of a Conv {int8, int4, w2a2, w1a1}, then of a Gemm */
static const double pm1_cheap[8] = {4, 3, 1, 0.5, 4, 3, 1, 0.5};
static const double int4_cheap[8] = {4, 1, 3, 2, 4, 1, 3, 2};
static const double int8_cheap[8] = {1, 2, 3, 4, 1, 2, 3, 4};

Test(select, follows_the_cost_table_when_the_guard_allows_everything)
{
	int n4;
	Graph *g = compiled(pm1_cheap, NULL, 1e-6, &n4);

	cr_assert_eq(tg_count(g, OP_PM1CONV), 3, "pm1 cheapest: %d Pm1Conv",
	             tg_count(g, OP_PM1CONV));
	cr_assert_eq(n4, 0);
	cr_assert_eq(tg_count(g, OP_CONV) + tg_count(g, OP_GEMM), 2,
	             "the first and last layers stay int8");
	g = compiled(int4_cheap, NULL, 1e-6, &n4);
	cr_assert_eq(tg_count(g, OP_PM1CONV), 0);
	cr_assert_eq(n4, 3, "int4 cheapest: %d int4 layers", n4);
	g = compiled(int8_cheap, NULL, 1e-6, &n4);
	cr_assert_eq(tg_count(g, OP_PM1CONV) + n4, 0);
}

Test(select, keeps_layers_int8_that_fail_the_accuracy_guard)
{
	int n4;
	Graph *g = compiled(pm1_cheap, NULL, 200.0, &n4);

	cr_assert_eq(tg_count(g, OP_PM1CONV) + n4, 0, "a 200 dB guard "
	             "allows nothing below 8 bits");
	g = compiled(pm1_cheap, NULL, 12.0, &n4);
	cr_assert_lt(tg_count(g, OP_PM1CONV), 3, "1-bit and 2-bit layers "
	             "of random weights are below 12 dB");
}

/* The -v table of a compile for target, in cx.perm. */
static char *
table_for(const char *target)
{
	char *dump = NULL;
	size_t n = 0;
	int n4;

	cx.diagout = open_memstream(&dump, &n);
	cr_assert(cx.diagout);
	compiled(NULL, target, 20.0, &n4);
	fclose(cx.diagout);
	cx.diagout = NULL;
	return dump;
}

Test(select, reads_the_cost_table_of_the_target_and_prints_its_choices)
{
	static const struct {
		const char *triple, *name;
	} t[] = {
		{"aarch64-unknown-linux-gnu", "target armv8,"},
		{"riscv64-unknown-linux-gnu", "target riscv64,"},
		{"x86_64-unknown-linux-gnu", "target x86-64,"},
		{"thumbv7em-none-eabihf", "target x86-64,"},
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *dump;
		verbose = true;
		dump = table_for(t[i].triple);
		verbose = false;
		cr_assert(strstr(dump, t[i].name), "%s: no \"%s\" in\n%s",
		          t[i].triple, t[i].name, dump);
		cr_assert(strstr(dump, "int8 (fixed)"), "%s", dump);
		free(dump);
	}
}

/* With today's measured tables (select_quant.c) int8 convs beat pm1 on
 * x86-64, not on armv8: with no guard the two choose differently. */
Test(select, the_measured_tables_of_x86_and_armv8_choose_differently)
{
	int n4a, n4x;
	Graph *a = compiled(NULL, "aarch64-unknown-linux-gnu", 1e-6, &n4a);
	Graph *x = compiled(NULL, "x86_64-unknown-linux-gnu", 1e-6, &n4x);
	int pa = tg_count(a, OP_PM1CONV), px = tg_count(x, OP_PM1CONV);

	cr_assert(pa != px || n4a != n4x, "armv8 %d pm1 %d int4, x86-64 %d "
	          "pm1 %d int4: the same choices", pa, n4a, px, n4x);
}

/* Runs `cmd` in dir and compares dir/out.bin with want. */
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
	cr_assert(!memcmp(got, want, nb), "%s differs from the interpreter",
	          what);
}

Test(select, a_mixed_graph_runs_alike_in_the_interpreter_c_and_object,
     .timeout = 300)
{
	/* pm1 cheapest for convs, int4 for Gemms */
	static const double mixed[8] = {4, 2, 1.5, 1, 4, 1, 3, 2};
	int n4;
	Graph *g = compiled(mixed, NULL, 1e-6, &n4);
	int64_t n = type_numel(g->inputs[0]->type);
	float *in = NEWARRAY(cx.perm, float, n);
	void *want = arena_alloc(cx.perm, type_bytes(g->outputs[0]->type), 8);
	size_t nb = type_bytes(g->outputs[0]->type);
	char *dir = bt_tmpdir(&cx);
	CodegenOpts c = bt_opts("host", "net", EMIT_C, 2);
	CodegenOpts o = bt_opts("host", "obj", EMIT_OBJ, 2);

	cr_assert_eq(tg_count(g, OP_PM1CONV), 2, "%d Pm1Conv, want the two "
	             "middle convs", tg_count(g, OP_PM1CONV));
	cr_assert_eq(n4, 1, "%d int4 layers, want the middle Gemm", n4);
	tg_fill_rand(in, n, 1000, -1.0f, 1.0f);
	cr_assert(ir_eval(&cx, g, (const void *[]){in}, (void *[]){want}));
	bt_emit(&cx, dir, "net.c", g, &c);
	bt_harness(&cx, dir, g, "net");
	check_run(dir, "C backend", want, nb,
	          "gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c net.c "
	          "-o net_c.o && gcc -std=c11 harness.c net_c.o -o run && "
	          "./run");
	bt_emit(&cx, dir, "obj.o", g, &o);
	bt_harness(&cx, dir, g, "obj");
	check_run(dir, "host object", want, nb,
	          "cc -std=c11 harness.c obj.o -o run2 && ./run2");
	bt_rmdir(dir);
}
