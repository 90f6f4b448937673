/* fold_const.c -- evaluate ops whose inputs are all constants.
 *
 *   y = f(c1, ..., cn)   with every present ci a constant
 *   ->  y' = constant(ir_eval_op(f, c1, ..., cn)),  uses of y -> y'
 *
 * The reference interpreter computes the value once, at compile time, so
 * the result is exactly what eval.c defines for the op (including a fused
 * activation).  Omitted optional inputs (NULL) do not block folding.
 *
 * Skipped:
 *   - ops whose results are not typed yet (run infer-shapes first);
 *   - ops with a result that is a graph output: the caller's output buffer
 *     is written by an op, and a folded output would leave none to do it;
 *   - ops whose results total more than FOLD_MAX_BYTES, so a broadcast of
 *     small constants does not become a huge .rodata blob;
 *   - ops the interpreter cannot run; they stay for the kernels.
 * The folded constants live in Ctx.perm; constants no op reads any more
 * are not emitted by the backends.
 * requires: infer-shapes     invalidates: memory plan
 */
#include "passes.h"

enum { FOLD_MAX_BYTES = 64 << 20 };

static bool
can_fold(const Graph *g, const Op *op)
{
	size_t bytes = 0;

	for (int i = 0; i < op->nin; i++)
		if (op->in[i] && !op->in[i]->cst)
			return false;
	for (int i = 0; i < op->nout; i++) {
		const Value *v = op->out[i];
		if (!v->type || op_is_graph_output(g, v))
			return false;
		bytes += type_bytes(v->type);
		if (bytes > FOLD_MAX_BYTES)
			return false;
	}
	return true;
}

/* Runs op on its constant inputs.  The interpreter reports ops it cannot
 * run as errors; here that only means "leave it for run time", so it runs
 * on a copy of the context with diagnostics off. */
static bool
fold_one(Ctx *cx, Graph *g, Op *op)
{
	const void **in = NEWARRAY(cx->scratch, const void *, op->nin + 1);
	void **out = NEWARRAY(cx->scratch, void *, op->nout + 1);
	Ctx quiet = *cx;

	quiet.diagout = NULL;
	quiet.nerrors = 0;
	quiet.maxerrors = 1 << 30;
	for (int i = 0; i < op->nin; i++)
		in[i] = op->in[i] ? op->in[i]->cst->data : NULL;
	for (int i = 0; i < op->nout; i++) {
		size_t n = type_bytes(op->out[i]->type);
		out[i] = arena_alloc(cx->scratch, n ? n : 1, 64);
	}
	if (!ir_eval_op(&quiet, op, in, out))
		return false;
	for (int i = 0; i < op->nout; i++) {
		Value *v = op->out[i];
		Value *c = ir_const(cx, g, v->type, out[i], v->name);
		ir_replace_uses(g, v, c);
	}
	ir_remove(g, op);
	return true;
}

static bool
fold_const(Ctx *cx, Graph *g)
{
	bool changed = false;

	for_each_op_safe(op, next, g)
		if (can_fold(g, op) && fold_one(cx, g, op))
			changed = true;
	return changed;
}

const Pass pass_fold_const = {
	.name = "fold-const",
	.run = fold_const,
};
