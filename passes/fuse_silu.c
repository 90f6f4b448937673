/* fuse_silu.c -- x * Sigmoid(x) becomes the SiLU activation of x's
 * producer.
 *
 *   t = P(...);  s = Sigmoid(t);  y = Mul(t, s)   ->   y = P(...) with
 *                                                     P.act = silu
 *
 * How torch exports SiLU (Swish), which ONNX has no op for; EfficientNet
 * has one after almost every convolution.  silu(t) = t / (1 + e^-t) is
 * the same function, and the kernels apply it to each result element as
 * they store it, so t and s never exist.  Either operand order of the Mul.
 *
 * Applies when P can take an activation (OPF_ACT: Conv, Gemm, MatMul, Add,
 * Mul, ScaleShift) and has none yet, t has exactly the two uses (the
 * Sigmoid and the Mul) and is not a graph output, s has one use, and the
 * Mul has no fused activation.  P keeps its Loc; its result takes the
 * Mul result's name, which a graph output may be known by.  Otherwise the
 * Mul and the Sigmoid stay, which computes the same.
 *
 * Float pipeline only (-O1): the quantizers keep x * Sigmoid(x) as a
 * Sigmoid Lut and an integer Mul, which on samples/fmnist_swish gives
 * the W4A4 accuracy that tests/int4 holds it to (a fused SiLU's Lut
 * measured 88.16% there against 88.41%).  quantize.c can still turn a
 * fused SiLU into a Lut.
 * requires: -           invalidates: memory plan
 */
#include "passes.h"

/* x's producer can take a fused activation. */
static bool
takes_act(const Graph *g, const Value *x)
{
	const Op *p = x->def;

	return p && (op_info[p->kind].flags & OPF_ACT) &&
	       p->act.kind == ACT_NONE && !op_is_graph_output(g, x);
}

static bool
fuse_one(Graph *g, Op *mul)
{
	Value *x, *gate;
	Op *sg;

	if (mul->act.kind != ACT_NONE)
		return false;
	for (int i = 0; i < 2; i++) {
		x = mul->in[i];
		gate = mul->in[1 - i];
		sg = gate->def;
		if (sg && sg->kind == OP_SIGMOID && sg->in[0] == x &&
		    gate->nuses == 1 && !op_is_graph_output(g, gate) &&
		    x->nuses == 2 && takes_act(g, x) &&
		    type_eq(x->type, mul->out[0]->type))
			goto found;
	}
	return false;
found:
	x->def->act = (Act){ACT_SILU, 0, 0};
	x->name = mul->out[0]->name;
	ir_replace_uses(g, mul->out[0], x);
	ir_remove(g, mul);
	ir_remove(g, sg);
	return true;
}

static bool
fuse_silu(Ctx *cx, Graph *g)
{
	bool changed = false;

	(void)cx;
	for_each_op_safe(op, next, g)
		if (op->kind == OP_MUL)
			changed |= fuse_one(g, op);
	return changed;
}

const Pass pass_fuse_silu = {
	.name = "fuse-silu",
	.run = fuse_silu,
};
