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
 *   - ops whose results total more than FOLD_MAX_BYTES, so a small Reshape
 *     of a broadcast does not become a huge .rodata blob.
 * The folded constants live in Ctx.perm; the dead inputs are left to dce.
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

/* Runs op on its constant inputs; false if the interpreter cannot, and the
 * op is then left for run time unless ir_eval_op reported an error. */
static bool
fold_one(Ctx *cx, Graph *g, Op *op)
{
	const void **in = NEWARRAY(cx->scratch, const void *, op->nin + 1);
	void **out = NEWARRAY(cx->scratch, void *, op->nout + 1);

	for (int i = 0; i < op->nin; i++)
		in[i] = op->in[i] ? op->in[i]->cst->data : NULL;
	for (int i = 0; i < op->nout; i++) {
		size_t n = type_bytes(op->out[i]->type);
		out[i] = arena_alloc(cx->scratch, n ? n : 1, 64);
	}
	if (!ir_eval_op(cx, op, in, out))
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

	for_each_op_safe(op, next, g) {
		if (!can_fold(g, op))
			continue;
		int nerrors = cx->nerrors;
		if (fold_one(cx, g, op))
			changed = true;
		else if (cx->nerrors > nerrors)
			return changed;
	}
	return changed;
}

const Pass pass_fold_const = {
	.name = "fold-const",
	.run = fold_const,
};
