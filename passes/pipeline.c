/* pipeline.c -- the pass manager and qcc's pipelines.
 *
 * A pipeline is a literal array of passes (see passes/README for what each
 * one does).  pipeline_run runs them in order and after each pass:
 *   1. resets Ctx.scratch, so a pass's temporary memory dies with it;
 *   2. stops if the pass (or anything before it) reported an error;
 *   3. checks the IR with ir_verify when CTX_VERIFY_EACH is set;
 *   4. prints the IR for -print-after=NAME or -print-after-all.
 * No pass runs on a graph that already has errors (a failed import).
 */
#include <string.h>

#include "passes.h"

static const Pass *const all_passes[] = {
	&pass_infer_shapes, &pass_fold_const, &pass_dce, &pass_fold_bn,
	&pass_fuse_act, &pass_fuse_add, &pass_plan_memory, &pass_calibrate,
	&pass_search_int4, &pass_quantize, &pass_fold_shift, &pass_fold_qdq,
	&pass_plan_pm1, &pass_decompose_pm1, &pass_match_pm1, &pass_select_quant,
	&pass_fuse_silu, &pass_select_conv, &pass_plan_layout,
};

/* -O0: only what the backends need, a typed graph with a memory plan (and
 * the integer rescales of an imported quantized model's ops on codes). */
static const Pass *const pipeline_o0[] = {
	&pass_infer_shapes, &pass_dce, &pass_fold_shift, &pass_plan_memory,
};

/* -O1 and up.  dce runs before fold-bn and fuse-act because both match on
 * "this result has exactly one use", which a dead user would spoil; it runs
 * again afterwards to sweep anything a rewrite left unused.  The second
 * infer-shapes re-derives every type from the rewritten graph, so
 * plan-memory sizes buffers from fresh types even without -verify-each.
 * fold-qdq (before fold-const turns the Dequantize of weights into float
 * constants) and fold-shift handle imported quantized models and change
 * nothing in float ones; match-pm1 puts the layers of imported 1-bit
 * models (Sign activations, +-1 weights) on the pm1 kernels.  fuse-add
 * runs after fuse-act so that the activation a residual Add took moves
 * with it into the Conv.  fuse-silu (before fuse-act, which would leave
 * the Sigmoid alone anyway: its input has two uses) is for float graphs
 * only; the quantized pipelines keep x * Sigmoid(x) as it was.
 * select-conv, after every rewrite, sizes the Winograd workspaces from
 * the tensors' live bytes of the final graph and picks the pointwise and
 * depthwise kernels; plan-layout then blocks the values between those
 * (it changes no sizes, so plan-memory's plan is the same). */
static const Pass *const pipeline_o1[] = {
	&pass_infer_shapes, &pass_fold_qdq, &pass_fold_const, &pass_dce,
	&pass_fold_bn, &pass_match_pm1, &pass_fuse_silu, &pass_fuse_act,
	&pass_fuse_add, &pass_dce, &pass_fold_shift, &pass_infer_shapes,
	&pass_select_conv, &pass_plan_layout, &pass_plan_memory,
};

/* -quantize=int8: the -O1 float rewrites, then calibrate on the rewritten
 * float graph (so ranges are those of fused results), quantize, dce to
 * drop the Dequantize ops integer consumers looked through, fold-shift,
 * and a fresh infer-shapes before planning memory. */
static const Pass *const pipeline_i8[] = {
	&pass_infer_shapes, &pass_fold_const, &pass_dce, &pass_fold_bn,
	&pass_fuse_act, &pass_dce, &pass_infer_shapes, &pass_calibrate,
	&pass_search_int4, &pass_quantize, &pass_dce, &pass_fold_shift, &pass_infer_shapes,
	&pass_plan_memory,
};

/* -quantize=pm1:wKaM: plan-pm1 picks the layers and bit widths from the
 * float graph, quantize narrows their grids, fold-shift makes
 * the graph integer-only (the k-bit by m-bit reference), and
 * decompose-pm1 rewrites the chosen Conv/Gemm ops into bit planes. */
static const Pass *const pipeline_p1[] = {
	&pass_infer_shapes, &pass_fold_const, &pass_dce, &pass_fold_bn,
	&pass_fuse_act, &pass_dce, &pass_infer_shapes, &pass_plan_pm1,
	&pass_calibrate, &pass_quantize, &pass_dce, &pass_fold_shift,
	&pass_infer_shapes, &pass_decompose_pm1, &pass_dce, &pass_infer_shapes,
	&pass_plan_memory,
};

/* -quantize=auto: select-quant (after calibrate, which it needs for the
 * ranges of its accuracy guard) leaves plan-pm1's and search-int4's
 * per-layer choices; the rest is the pm1 pipeline with search-int4. */
static const Pass *const pipeline_au[] = {
	&pass_infer_shapes, &pass_fold_const, &pass_dce, &pass_fold_bn,
	&pass_fuse_act, &pass_dce, &pass_infer_shapes, &pass_calibrate,
	&pass_select_quant, &pass_search_int4, &pass_quantize, &pass_dce,
	&pass_fold_shift, &pass_infer_shapes, &pass_decompose_pm1, &pass_dce,
	&pass_infer_shapes, &pass_plan_memory,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void
print_after(Ctx *cx, const Graph *g, const Pass *p)
{
	FILE *out = cx->dumpout ? cx->dumpout : stderr;

	if (!(cx->flags & CTX_PRINT_ALL) &&
	    !(cx->print_after && !strcmp(cx->print_after, p->name)))
		return;
	fprintf(out, "; IR after %s\n", p->name);
	ir_print(g, out);
}

bool
pipeline_run(Ctx *cx, Graph *g, const Pass *const *passes, size_t n)
{
	if (cx->nerrors)
		return false;
	for (size_t i = 0; i < n; i++) {
		passes[i]->run(cx, g);
		arena_reset(cx->scratch);
		if (cx->nerrors)
			return false;
		if (cx->flags & CTX_VERIFY_EACH)
			ir_verify(cx, g);
		print_after(cx, g, passes[i]);
	}
	return true;
}

bool
pipeline_default(Ctx *cx, Graph *g, int optlevel)
{
	if (optlevel <= 0)
		return pipeline_run(cx, g, pipeline_o0, COUNT(pipeline_o0));
	return pipeline_run(cx, g, pipeline_o1, COUNT(pipeline_o1));
}

bool
pipeline_int8(Ctx *cx, Graph *g)
{
	return pipeline_run(cx, g, pipeline_i8, COUNT(pipeline_i8));
}

/* The float rewrites of pipeline_i8, the passes before calibrate: the
 * quantization report's float reference has exactly the values calibrate
 * saw, under the same names. */
bool
pipeline_int8_float(Ctx *cx, Graph *g)
{
	size_t n = 0;

	while (n < COUNT(pipeline_i8) && pipeline_i8[n] != &pass_calibrate)
		n++;
	return pipeline_run(cx, g, pipeline_i8, n);
}

bool
pipeline_pm1(Ctx *cx, Graph *g)
{
	return pipeline_run(cx, g, pipeline_p1, COUNT(pipeline_p1));
}

bool
pipeline_auto(Ctx *cx, Graph *g)
{
	return pipeline_run(cx, g, pipeline_au, COUNT(pipeline_au));
}

const Pass *
pass_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < COUNT(all_passes); i++)
		if (!strcmp(all_passes[i]->name, name))
			return all_passes[i];
	return NULL;
}

void
pass_list(FILE *out)
{
	for (size_t i = 0; i < COUNT(all_passes); i++)
		fprintf(out, "%s\n", all_passes[i]->name);
}
