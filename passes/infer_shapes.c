/* infer_shapes.c -- give every op result its type.
 *
 * Walks the ops in topological order and sets each result's type to
 * ir_infer_op's answer for the op's (already inferred) input types, so
 * element type and shape flow from the graph inputs and constants to the
 * outputs.  Types are immutable values: a result whose type changes gets a
 * new type pointer, never an edited one.
 *
 * Runs first in every pipeline and may run again after rewrites; on a graph
 * whose types are already right it changes nothing.
 * requires: graph inputs and constants typed
 * provides: Graph.shaped, every result typed
 * errors:   a shape that does not fit is reported by ir_infer_op, with the
 *           op's Loc; the pass then stops (later ops would only repeat it).
 */
#include "passes.h"

static bool
infer_shapes(Ctx *cx, Graph *g)
{
	bool changed = false;

	for_each_op(op, g) {
		const TensorType **out =
			NEWARRAY(cx->scratch, const TensorType *, op->nout + 1);

		for (int i = 0; i < op->nin; i++)
			if (op->in[i] && !op->in[i]->type)
				bug("op %u (%s): input %d has no type", op->id,
				    op_info[op->kind].name, i);
		int nerrors = cx->nerrors;
		if (!ir_infer_op(cx, op, out)) {
			if (cx->nerrors == nerrors)
				diag(cx, DIAG_ERROR, &op->loc,
				     "cannot infer the type of the result");
			g->shaped = false;
			return changed;
		}
		for (int i = 0; i < op->nout; i++) {
			QCC_ASSERT(out[i]);
			if (!type_eq(op->out[i]->type, out[i])) {
				op->out[i]->type = out[i];
				changed = true;
			}
		}
	}
	g->shaped = true;
	return changed;
}

const Pass pass_infer_shapes = {
	.name = "infer-shapes",
	.run = infer_shapes,
};
