/* fuse_add.c -- fuse a residual Add into the convolution that produces one
 * of its operands.
 *
 *   t = Conv(x, w, b);  y = act(t + r)   ->   y = act(Conv(x, w, b, r))
 *
 * A float Conv's optional fourth input is a residual of the result's
 * shape, added after the bias and before the fused activation; the
 * convolution kernels (runtime/kernels/conv_*.c) add it in their epilogue
 * while the tile is still in registers, so the sum is written once and t
 * never exists.  The Add's activation (fuse-act may have fused one) moves
 * to the Conv, which must not have one yet: act(t) + r is another function.
 *
 * Applies when t has exactly one use (the Add) and is not a graph output,
 * r has t's type (no broadcasting), and the Conv is float with its weights
 * constant (the lowering's fast kernels take a residual, the generic one
 * then adds it in place).  When both operands qualify, the one defined
 * last is fused: the fused op takes the Add's place in the op list, so the
 * input of the Conv defined last stays live the shortest time.  Rounding is
 * unchanged: the kernels round the convolution sum to float, add the
 * residual in float, then apply the activation, as Conv then Add do.
 * requires: infer-shapes (types)       invalidates: memory plan
 */
#include "passes.h"

/* Whether t = conv's result can take r as its residual. */
static bool
fusable(const Graph *g, const Op *conv, const Value *t, const Value *r)
{
	if (!conv || conv->kind != OP_CONV || conv->nin > 3 || conv->rq ||
	    conv->act.kind != ACT_NONE)
		return false;
	if (t->nuses != 1 || op_is_graph_output(g, t) || t == r)
		return false;
	if (!t->type || !r->type || t->type->dt != DT_F32 ||
	    !type_eq(t->type, r->type))
		return false;
	return value_f32(conv->in[1]) != NULL;
}

/* Which operand of add to fuse: the fusable one whose Conv comes last
 * before add, or -1. */
static int
pick_operand(const Graph *g, const Op *add)
{
	bool ok[2];

	for (int i = 0; i < 2; i++)
		ok[i] = fusable(g, add->in[i]->def, add->in[i], add->in[1 - i]);
	if (!ok[0] || !ok[1])
		return ok[0] ? 0 : ok[1] ? 1 : -1;
	for (const Op *p = add->prev; p; p = p->prev) {
		if (p == add->in[0]->def)
			return 0;
		if (p == add->in[1]->def)
			return 1;
	}
	return -1;
}

static bool
fuse_one(Ctx *cx, Graph *g, Op *add)
{
	Value *t, *r, *in[4];
	Op *conv, *f;
	int i = pick_operand(g, add);

	if (i < 0)
		return false;
	t = add->in[i];
	r = add->in[1 - i];
	conv = t->def;
	in[0] = conv->in[0];
	in[1] = conv->in[1];
	in[2] = conv->nin > 2 ? conv->in[2] : NULL;
	in[3] = r;
	f = ir_op_new(cx, g, OP_CONV, &conv->loc, 4, in, 1, &add->out[0]->type);
	f->a = conv->a;
	f->act = add->act;
	f->out[0]->name = add->out[0]->name;
	ir_insert_before(g, add, f);
	ir_replace_uses(g, add->out[0], f->out[0]);
	ir_remove(g, add);
	ir_remove(g, conv);
	return true;
}

static bool
fuse_add(Ctx *cx, Graph *g)
{
	bool changed = false;

	for_each_op_safe(op, next, g)
		if (op->kind == OP_ADD && !op->rq)
			changed |= fuse_one(cx, g, op);
	return changed;
}

const Pass pass_fuse_add = {
	.name = "fuse-add",
	.run = fuse_add,
};
