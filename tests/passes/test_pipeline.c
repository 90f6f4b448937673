/* test_pipeline.c -- the pass manager: dumps after the right pass, stops at
 * errors, resets scratch, verifies, and the default pipelines keep the
 * numbers while they rewrite. */
#include <criterion/criterion.h>
#include <signal.h>
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

TestSuite(pipeline, .init = setup, .fini = teardown);

/* x -> Conv -> BN -> Relu -> output, built the same way every time so
 * that two copies print identically. */
static Graph *
conv_bn_relu(void)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 6, 6)));
	Value *y = tg_bn(&cx, g, tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 3), 4);

	tg_output(&cx, g, tg_act(&cx, g, y, (Act){ACT_RELU, 0, 0}));
	return g;
}

static int
count_str(const char *s, const char *needle)
{
	int n = 0;

	for (s = strstr(s, needle); s; s = strstr(s + 1, needle))
		n++;
	return n;
}

Test(pipeline, print_after_prints_the_ir_after_exactly_that_pass)
{
	static const Pass *const upto[] = {
		&pass_infer_shapes, &pass_fold_const, &pass_dce, &pass_fold_bn,
	};
	Graph *g = conv_bn_relu(), *h;
	char *dump = NULL, *want = NULL;
	size_t n = 0, m = 0;
	FILE *f;

	cx.dumpout = open_memstream(&dump, &n);
	cx.print_after = "fold-bn";
	cr_assert(pipeline_default(&cx, g, 2));
	fclose(cx.dumpout);

	ctx_fini(&cx);
	setup();
	h = conv_bn_relu();
	cr_assert(pipeline_run(&cx, h, upto, 4));
	f = open_memstream(&want, &m);
	fputs("; IR after fold-bn\n", f);
	ir_print(h, f);
	fclose(f);
	cr_assert_str_eq(dump, want);
	cr_assert_eq(count_str(dump, "; IR after"), 1);
	cr_assert_eq(count_str(dump, "BatchNormalization"), 0);
	cr_assert_eq(count_str(dump, "= Relu"), 1, "fuse-act ran too early");
	free(dump);
	free(want);
}

Test(pipeline, print_after_all_prints_after_every_pass_in_order)
{
	static const char *const names[] = {
		"infer-shapes", "fold-qdq", "fold-const", "dce", "fold-bn",
		"match-pm1", "fuse-silu", "fuse-act", "fuse-add", "dce",
		"fold-shift", "infer-shapes", "select-conv", "plan-layout",
		"plan-memory",
	};
	Graph *g = conv_bn_relu();
	char *dump = NULL;
	size_t n = 0;
	const char *p;

	cx.dumpout = open_memstream(&dump, &n);
	cx.flags |= CTX_PRINT_ALL;
	cr_assert(pipeline_default(&cx, g, 3));
	fclose(cx.dumpout);
	cr_assert_eq(count_str(dump, "; IR after "), 15);
	p = dump;
	for (int i = 0; i < 15; i++) {
		char line[64];
		snprintf(line, sizeof line, "; IR after %s\n", names[i]);
		p = strstr(p, line);
		cr_assert(p, "no dump after pass %d (%s)", i, names[i]);
		p += strlen(line);
	}
	free(dump);
}

Test(pipeline, prints_nothing_unless_asked)
{
	char *dump = NULL;
	size_t n = 0;

	cx.dumpout = open_memstream(&dump, &n);
	cx.print_after = "no-such-pass";
	cr_assert(pipeline_default(&cx, conv_bn_relu(), 2));
	fclose(cx.dumpout);
	cr_assert_eq(n, 0, "printed: %s", dump);
	free(dump);
}

Test(pipeline, pass_find_knows_every_pass_and_nothing_else)
{
	static const Pass *const all[] = {
		&pass_infer_shapes, &pass_fold_const, &pass_dce, &pass_fold_bn,
		&pass_fuse_act, &pass_plan_memory, &pass_calibrate,
		&pass_quantize, &pass_fold_shift, &pass_fold_qdq, &pass_plan_pm1,
		&pass_decompose_pm1, &pass_select_conv, &pass_plan_layout,
	};
	char *list = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&list, &n);

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		cr_assert_eq(pass_find(all[i]->name), all[i], "%s",
		             all[i]->name);
	cr_assert_null(pass_find("fold-everything"));
	cr_assert_null(pass_find(""));
	cr_assert_null(pass_find(NULL));
	cr_assert_null(pass_find("FOLD-BN"));
	pass_list(f);
	fclose(f);
	cr_assert_str_eq(list, "infer-shapes\nfold-const\ndce\nfold-bn\n"
	                 "fuse-act\nfuse-add\nplan-memory\ncalibrate\n"
	                 "search-int4\n"
	                 "quantize\nfold-shift\nfold-qdq\nplan-pm1\n"
	                 "decompose-pm1\nmatch-pm1\nselect-quant\n"
	                 "fuse-silu\nselect-conv\nplan-layout\n");
	free(list);
}

/* ---- the pass manager's contract, with passes made for the test ---------- */

static int ran_after;          /* each test runs in its own process */
static void *scratch_seen;

static bool
fail_run(Ctx *c, Graph *g)
{
	diag(c, DIAG_ERROR, g->first ? &g->first->loc : NULL, "test failure");
	return false;
}

static bool
mark_run(Ctx *c, Graph *g)
{
	ran_after++;
	return false;
}

static bool
dirty_scratch_run(Ctx *c, Graph *g)
{
	scratch_seen = arena_alloc(c->scratch, 256, 64);
	memset(scratch_seen, 0xab, 256);
	return false;
}

static bool
check_scratch_run(Ctx *c, Graph *g)
{
	unsigned char *p = arena_alloc(c->scratch, 256, 64);

	cr_assert_eq((void *)p, scratch_seen, "scratch was not reset");
	for (int i = 0; i < 256; i++)
		cr_assert_eq(p[i], 0);
	ran_after++;
	return false;
}

static bool
break_nuses_run(Ctx *c, Graph *g)
{
	g->first->out[0]->nuses++;
	return true;
}

static const Pass pass_fail = {"test-fail", fail_run};
static const Pass pass_mark = {"test-mark", mark_run};
static const Pass pass_dirty = {"test-dirty", dirty_scratch_run};
static const Pass pass_check = {"test-check", check_scratch_run};
static const Pass pass_break = {"test-break", break_nuses_run};

Test(pipeline, stops_at_the_first_pass_that_reports_an_error)
{
	const Pass *const ps[] = {&pass_mark, &pass_fail, &pass_mark};
	char *dump = NULL;
	size_t n = 0;

	cx.diagout = NULL;
	cx.dumpout = open_memstream(&dump, &n);
	cx.flags |= CTX_PRINT_ALL;
	cr_assert_not(pipeline_run(&cx, conv_bn_relu(), ps, 3));
	fclose(cx.dumpout);
	cr_assert_eq(ran_after, 1);
	cr_assert_eq(count_str(dump, "; IR after "), 1);
	cr_assert(strstr(dump, "; IR after test-mark\n"));
	free(dump);
}

Test(pipeline, runs_no_pass_on_a_graph_that_already_has_errors)
{
	const Pass *const ps[] = {&pass_mark};

	cx.nerrors = 1;
	cr_assert_not(pipeline_run(&cx, conv_bn_relu(), ps, 1));
	cr_assert_eq(ran_after, 0);
}

Test(pipeline, resets_scratch_after_every_pass)
{
	const Pass *const ps[] = {&pass_dirty, &pass_check};

	cr_assert(pipeline_run(&cx, conv_bn_relu(), ps, 2));
	cr_assert_eq(ran_after, 1);
}

Test(pipeline, verify_each_aborts_on_a_pass_that_breaks_an_invariant,
     .signal = SIGABRT)
{
	const Pass *const ps[] = {&pass_break, &pass_mark};

	pipeline_run(&cx, conv_bn_relu(), ps, 2);
}

Test(pipeline, without_verify_each_a_broken_graph_is_not_checked)
{
	const Pass *const ps[] = {&pass_break, &pass_mark};

	cx.flags &= ~(unsigned)CTX_VERIFY_EACH;
	cr_assert(pipeline_run(&cx, conv_bn_relu(), ps, 2));
	cr_assert_eq(ran_after, 1);
}

/* ---- the default pipelines --------------------------------------------- */

Test(pipeline, default_pipeline_stops_at_a_shape_error_before_planning)
{
	Graph *g = conv_bn_relu();
	Op *conv = g->first;
	char *text = NULL;
	size_t n = 0;

	ir_set_input(conv, 1, tg_const_rand(&cx, g,
	                                    tg_f32(&cx, TG_DIMS(4, 5, 3, 3)),
	                                    1, -1, 1));
	cx.diagout = open_memstream(&text, &n);
	cr_assert_not(pipeline_default(&cx, g, 2));
	fclose(cx.diagout);
	cr_assert_eq(cx.nerrors, 1, "%s", text);
	cr_assert_eq(count_str(text, "error:"), 1);
	cr_assert(strstr(text, "node \"n0\" (Conv)"), "%s", text);
	cr_assert_eq(tg_count(g, OP_BATCHNORM), 1,
	             "passes ran after the error");
	cr_assert_eq(g->scratch_size, 0);
	free(text);
}

Test(pipeline, o0_keeps_every_op_and_plans_memory)
{
	Graph *g = conv_bn_relu();
	Graph *ref = ir_clone(&cx, g);

	cr_assert(pipeline_default(&cx, g, 0));
	cr_assert_eq(tg_count(g, OP_CONV), 1);
	cr_assert_eq(tg_count(g, OP_BATCHNORM), 1);
	cr_assert_eq(tg_count(g, OP_RELU), 1);
	cr_assert_gt(g->scratch_size, 0);
	cr_assert_geq(g->scratch_size, g->scratch_lower_bound);
	tg_assert_close(&cx, ref, g, 0.0f);
}

Test(pipeline, o1_to_o3_turn_conv_bn_relu_into_one_conv)
{
	for (int level = 1; level <= 3; level++) {
		Graph *g = conv_bn_relu();
		Graph *ref = ir_clone(&cx, g);

		cr_assert(pipeline_default(&cx, g, level), "-O%d", level);
		cr_assert_eq(g->first, g->last, "-O%d left more than one op",
		             level);
		cr_assert_eq(g->first->kind, OP_CONV);
		cr_assert_eq(g->first->act.kind, ACT_RELU);
		cr_assert_eq(g->scratch_size, 0,
		             "the only result is the output");
		tg_assert_close(&cx, ref, g, 1e-5f);
	}
}

/* Constant subgraph, Identity, dead branch, lone BN and a Gemm with BN:
 * everything the float passes touch, end to end. */
Test(pipeline, o2_keeps_the_numbers_of_a_mixed_graph)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 5, 5)));
	Value *k = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3, 1, 1)), 5, -1,
	                         1);
	Value *kk = tg_infer(&cx, tg_op(&cx, g, OP_MUL, 2, (Value *[]){k, k}));
	Value *a = tg_infer(&cx, tg_op(&cx, g, OP_ADD, 2, (Value *[]){x, kk}));
	Value *id = tg_infer(&cx, tg_op(&cx, g, OP_IDENTITY, 1, &a));
	Value *bn = tg_bn(&cx, g, id, 6);
	Value *c = tg_conv(&cx, g, tg_act(&cx, g, bn, (Act){ACT_CLIP, 0, 6}),
	                   4, 3, 2, 1, 1, 7);
	Value *p = tg_infer(&cx, tg_op(&cx, g, OP_GLOBALAVGPOOL, 1, &c));
	Value *f = tg_infer(&cx, tg_op(&cx, g, OP_FLATTEN, 1, &p));
	Value *w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(4, 6)), 8, -1, 1);
	Value *gm = tg_infer(&cx, tg_op(&cx, g, OP_GEMM, 2, (Value *[]){f, w}));
	Graph *ref;

	tg_infer(&cx, tg_op(&cx, g, OP_SIGMOID, 1, &c));
	tg_output(&cx, g, tg_act(&cx, g, tg_bn(&cx, g, gm, 9),
	                         (Act){ACT_HARDSWISH, 0, 0}));
	ref = ir_clone(&cx, g);
	cr_assert(pipeline_default(&cx, g, 2));
	cr_assert_eq(tg_count(g, OP_BATCHNORM), 0);
	cr_assert_eq(tg_count(g, OP_IDENTITY), 0);
	cr_assert_eq(tg_count(g, OP_MUL), 0, "the constant Mul was not folded");
	cr_assert_eq(tg_count(g, OP_SIGMOID), 0, "the dead Sigmoid survived");
	cr_assert_eq(tg_count(g, OP_CLIP), 0);
	cr_assert_eq(tg_count(g, OP_HARDSWISH), 0);
	cr_assert_eq(tg_count(g, OP_SCALESHIFT), 1);
	tg_assert_close(&cx, ref, g, 1e-5f);
}
