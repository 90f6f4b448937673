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
 *
 * First, x * HardSigmoid(x) with alpha = 1/6 and beta = 1/2 (how exporters
 * write HardSwish before opset 14) becomes HardSwish(x): the same function,
 * x * max(0, min(1, x/6 + 1/2)), in one op that can then fuse in turn.
 * requires: -           invalidates: memory plan
 */
#include <math.h>

#include "passes.h"

static bool
is_hardswish_gate(const Op *h, const Value *x)
{
	return h && h->kind == OP_HARDSIGMOID && h->in[0] == x &&
	       h->out[0]->nuses == 1 &&
	       fabsf(h->a.act.alpha - 1.0f / 6.0f) <= 1e-7f &&
	       h->a.act.beta == 0.5f;
}

/* mul = x * HardSigmoid(x), either operand order -> HardSwish(x) */
static bool
form_hardswish(Ctx *cx, Graph *g, Op *mul)
{
	Value *x, *gate;
	Op *hs;

	for (int i = 0; i < 2; i++) {
		x = mul->in[i];
		gate = mul->in[1 - i];
		if (mul->act.kind == ACT_NONE && is_hardswish_gate(gate->def, x) &&
		    type_eq(x->type, mul->out[0]->type))
			goto found;
	}
	return false;
found:
	hs = ir_op_new(cx, g, OP_HARDSWISH, &mul->loc, 1, &x, 1,
	               &mul->out[0]->type);
	hs->a.act = (Act){ACT_HARDSWISH, 0, 0};
	hs->out[0]->name = mul->out[0]->name;
	ir_insert_before(g, mul, hs);
	ir_replace_uses(g, mul->out[0], hs->out[0]);
	ir_remove(g, mul);
	ir_remove(g, gate->def);
	return true;
}

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
		if (op->kind == OP_MUL)
			changed |= form_hardswish(cx, g, op);
	for_each_op_safe(op, next, g)
		if (op_info[op->kind].flags & OPF_ACTFN)
			changed |= fuse_one(g, op);
	return changed;
}

const Pass pass_fuse_act = {
	.name = "fuse-act",
	.run = fuse_act,
};
