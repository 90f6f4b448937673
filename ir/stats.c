/* stats.c -- what a graph costs: multiply-accumulates and weight bytes.
 *
 * MACs count only the products of Conv, Gemm and MatMul, the figure model
 * zoos quote; element-wise ops, pools and normalization count zero.  Both
 * figures go into the comment block of the generated header.
 */
#include "ir.h"

int64_t
op_macs(const Op *op)
{
	const TensorType *o = op->nout ? op->out[0]->type : NULL;
	const TensorType *a, *b;

	if (!o)
		return 0;
	switch (op->kind) {
	case OP_CONV:
		/* every output element takes (C/group)*kh*kw products */
		b = op->in[1]->type;
		return type_numel(o) * b->dim[1] * b->dim[2] * b->dim[3];
	case OP_CONVTRANSPOSE:
		/* every input element scatters into (M/group)*kernel outputs */
		a = op->in[0]->type;
		b = op->in[1]->type;
		return type_numel(a) * type_numel(b) / b->dim[0];
	case OP_GEMM:
		a = op->in[0]->type;
		return type_numel(o) * a->dim[op->a.gemm.trans_a ? 0 : 1];
	case OP_MATMUL:
		a = op->in[0]->type;
		return type_numel(o) * a->dim[a->rank - 1];
	default:
		return 0;
	}
}

int64_t
graph_macs(const Graph *g)
{
	int64_t n = 0;

	for_each_op(op, g)
		n += op_macs(op);
	return n;
}

/* Constants that at least one op reads, each counted once. */
int64_t
graph_weight_bytes(const Graph *g)
{
	int64_t n = 0;

	for (uint32_t i = 0; i < g->nvalues; i++) {
		const Value *v = g->values[i];
		uint32_t uses = v->nuses;
		if (!v->cst)
			continue;
		for (uint32_t j = 0; j < g->noutputs; j++)
			uses -= g->outputs[j] == v;
		if (uses)
			n += (int64_t)v->cst->nbytes;
	}
	return n;
}
