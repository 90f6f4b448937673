/* dce.c -- dead code elimination.
 *
 * 1. Identity is a no-op: an Identity whose result is not a graph output is
 *    removed after its uses are pointed at its input,
 *        y = Identity(x);  f(y)   ->   f(x).
 *    An Identity that produces a graph output stays: the caller's output
 *    buffer must be written by some op.
 * 2. An op is dead when none of its results is used (Value.nuses counts op
 *    inputs and graph outputs, so nuses == 0 means neither).  Removing a dead
 *    op drops its inputs' use counts, which can make their producers dead;
 *    producers come earlier in topological order, so one sweep from the last
 *    op to the first reaches the fixpoint.
 *
 * Unused constants and graph inputs are values, not ops, and stay; backends
 * emit only the constants that ops read.
 * requires: -          invalidates: memory plan (offsets of removed values)
 */
#include "passes.h"

static bool
drop_identities(Graph *g)
{
	bool changed = false;

	for_each_op_safe(op, next, g) {
		if (op->kind != OP_IDENTITY ||
		    op_is_graph_output(g, op->out[0]))
			continue;
		ir_replace_uses(g, op->out[0], op->in[0]);
		ir_remove(g, op);
		changed = true;
	}
	return changed;
}

static bool
is_dead(const Op *op)
{
	for (int i = 0; i < op->nout; i++)
		if (op->out[i]->nuses)
			return false;
	return true;
}

static bool
dce(Ctx *cx, Graph *g)
{
	bool changed = drop_identities(g);
	Op *prev;

	for (Op *op = g->last; op; op = prev) {
		prev = op->prev;
		if (is_dead(op)) {
			ir_remove(g, op);
			changed = true;
		}
	}
	return changed;
}

const Pass pass_dce = {
	.name = "dce",
	.run = dce,
};
