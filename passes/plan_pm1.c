/* plan_pm1.c -- which layers take the {-1,+1} path, and how many bits each
 * activation gets (-quantize=pm1:wKaM), for quantize to read.
 *
 * The pm1 layers: every Conv with group 1, Gemm and MatMul with constant
 * weights, except the first and the last in graph order.  The first sees
 * the raw input and the last produces the logits; both stay 8-bit (the
 * usual choice in the low-bit literature: they hold few of the MACs and
 * most of the accuracy).  Their weights get K bits on the odd grid.
 * A float activation gets M bits when every use of it is the data input
 * of a pm1 layer, or a MaxPool, AveragePool, Flatten, Reshape or Identity
 * whose result (which keeps the input's grid) gets M bits in turn; any
 * other use (an Add, a GlobalAveragePool, a graph output) keeps 8 bits.
 * Ranges come from calibrate as for int8; on the fmnist sample
 * -calib-method=percentile suits the narrow grids best (W4A4 87.3%, the
 * default mse 63.0%).
 * requires: a shaped f32 graph, Ctx.quant      provides: Ctx.quant->vbits,
 * obits                                        invalidates: nothing
 */
#include "passes.h"

static bool
is_layer(const Op *op)
{
	if (op->out[0]->type->dt != DT_F32 || !op->in[1] || !op->in[1]->cst)
		return false;
	if (op->kind == OP_CONV)
		return op->a.conv.group == 1;
	return op->kind == OP_GEMM || op->kind == OP_MATMUL;
}

static bool
keeps_grid(OpKind k)
{
	return k == OP_MAXPOOL || k == OP_AVGPOOL || k == OP_FLATTEN ||
	       k == OP_RESHAPE || k == OP_IDENTITY;
}

static bool
plan_pm1(Ctx *cx, Graph *g)
{
	QuantOpts *q = cx->quant;
	Op *first = NULL, *last = NULL;
	bool *narrow, *pm1;
	uint32_t *users;

	if (!q || !q->pm1_abits)
		return false;
	q->nvbits = g->nvalues;
	q->nobits = g->nops;
	q->vbits = NEWARRAY(cx->perm, uint8_t, g->nvalues + 1);
	q->obits = NEWARRAY(cx->perm, uint8_t, g->nops + 1);
	pm1 = NEWARRAY(cx->scratch, bool, g->nops + 1);
	narrow = NEWARRAY(cx->scratch, bool, g->nvalues + 1);
	users = NEWARRAY(cx->scratch, uint32_t, g->nvalues + 1);
	for_each_op(op, g)
		if (is_layer(op)) {
			first = first ? first : op;
			last = op;
		}
	for_each_op(op, g)
		if (is_layer(op) && op != first && op != last) {
			pm1[op->id] = true;
			q->obits[op->id] = (uint8_t)q->pm1_wbits;
		}
	/* users first: a value may narrow when all its uses allow it */
	for (uint32_t i = 0; i < g->nvalues; i++)
		narrow[i] = !op_is_graph_output(g, g->values[i]);
	for (Op *op = g->last; op; op = op->prev)
		for (int i = 0; i < op->nin; i++) {
			Value *v = op->in[i];
			bool ok;
			if (!v)
				continue;
			ok = (i == 0 && pm1[op->id]) ||
			     (i == 0 && keeps_grid(op->kind) &&
			      narrow[op->out[0]->id] && users[op->out[0]->id]);
			users[v->id]++;
			narrow[v->id] &= ok;
		}
	for (uint32_t i = 0; i < g->nvalues; i++) {
		Value *v = g->values[i];
		if (narrow[v->id] && users[v->id] && !v->cst &&
		    v->type && v->type->dt == DT_F32)
			q->vbits[v->id] = (uint8_t)q->pm1_abits;
	}
	return true;
}

const Pass pass_plan_pm1 = {
	.name = "plan-pm1",
	.run = plan_pm1,
};
