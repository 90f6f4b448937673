/* fuse_act.c -- fuse an activation into the op that produces its input.
 *
 *   t = P(...);  y = act(t)   ->   y = P(...) with P.act = act
 *
 * P is an op whose kernel can apply an activation to each result element
 * as it stores it (OPF_ACT: Conv, Gemm, MatMul, Add, Mul, ScaleShift);
 * act is an OPF_ACTFN op (Relu, Clip, Sigmoid, HardSigmoid, HardSwish)
 * with its kind and parameters in op->a.act.  Element-wise, so
 * act(P(...)) computed per element is the same function.
 *
 * Applies when P has no fused activation yet and t has exactly one use (the
 * activation) and is not a graph output, since t then exists nowhere else.
 * P keeps its Loc; its result takes the activation result's name, which a
 * graph output may be known by.
 * requires: -           invalidates: memory plan
 */
#include "passes.h"

static bool
fuse_one(Graph *g, Op *act)
{
	Value *t = act->in[0];
	Op *p = t->def;

	if (act->a.act.kind == ACT_NONE)
		return false;
	if (!p || !(op_info[p->kind].flags & OPF_ACT) ||
	    p->act.kind != ACT_NONE)
		return false;
	if (t->nuses != 1 || op_is_graph_output(g, t))
		return false;
	if (t->type && act->out[0]->type &&
	    !type_eq(t->type, act->out[0]->type))
		return false;
	p->act = act->a.act;
	t->name = act->out[0]->name;
	ir_replace_uses(g, act->out[0], t);
	ir_remove(g, act);
	return true;
}

static bool
fuse_act(Ctx *cx, Graph *g)
{
	bool changed = false;

	for_each_op_safe(op, next, g)
		if (op_info[op->kind].flags & OPF_ACTFN)
			changed |= fuse_one(g, op);
	return changed;
}

const Pass pass_fuse_act = {
	.name = "fuse-act",
	.run = fuse_act,
};
