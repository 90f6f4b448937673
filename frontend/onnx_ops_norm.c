/* onnx_ops_norm.c -- importers for ReduceMean, ReduceMax, ReduceSum,
 * ReduceL2, LogSoftmax, InstanceNormalization, LayerNormalization and LRN.
 *
 * Reduce axes are an attribute until opset 13 (ReduceSum) or 18 (the
 * others), then a constant input; no axes reduces everything, unless
 * noop_with_empty_axes makes the op an identity.  LogSoftmax follows
 * Softmax (flattening before opset 13).  LayerNormalization's Mean and
 * InvStdDev outputs must be unused.
 */
#include <string.h>

#include "onnx.h"

bool
import_reduce(Node *n)
{
	const TensorType *x = n->in[0]->type;
	bool from_input = n->im->opset >= (n->kind == OP_REDUCESUM ? 13 : 18);
	const int64_t *p = NULL;
	int64_t axes[MAX_RANK], k = 0;
	bool keep, noop = false;
	uint32_t mask = 0;
	int c = -1;
	Op *op;

	if (!attr_bool(n, "keepdims", true, &keep))
		return false;
	if (from_input && !attr_bool(n, "noop_with_empty_axes", false, &noop))
		return false;
	if (!from_input) {
		if (!attr_ints(n, "axes", &p, &c))
			return false;
	} else if (n->nin > 1 && n->in[1]) {
		const Value *v = node_const_input(n, 1, "Reduce axes", DT_I64);
		if (!v)
			return false;
		p = v->cst->data;
		c = (int)type_numel(v->type);
	}
	if (c > MAX_RANK) {
		diag(n->im->cx, DIAG_ERROR, &n->loc, "%s has %d axes",
		     n->loc.op_type, c);
		return false;
	}
	for (int i = 0; i < c; i++) {
		k = p[i];
		if (k < -(int64_t)x->rank || k >= x->rank) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "%s axis %lld is out of range for rank %d",
			     n->loc.op_type, (long long)k, x->rank);
			return false;
		}
		axes[i] = k < 0 ? k + x->rank : k;
		mask |= 1u << axes[i];
	}
	if (c <= 0) {
		if (noop)
			return node_alias(n, n->in[0]);
		mask = (1u << x->rank) - 1;
	}
	op = node_op(n, (OpKind)n->kind, 1, n->in);
	op->a.reduce.axes = mask;
	op->a.reduce.keepdims = keep;
	return node_emit(n, op);
}

bool
import_logsoftmax(Node *n)
{
	const TensorType *x = n->in[0]->type;
	bool legacy = n->im->opset < 13;
	int64_t axis;
	Op *op;

	if (!attr_int(n, "axis", legacy ? 1 : -1, &axis))
		return false;
	if (axis < -(int64_t)x->rank || axis >= x->rank) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "LogSoftmax axis %lld is out of range for rank %d",
		     (long long)axis, x->rank);
		return false;
	}
	op = node_op(n, OP_LOGSOFTMAX, 1, n->in);
	op->a.softmax.axis = (int32_t)(axis < 0 ? axis + x->rank : axis);
	op->a.softmax.legacy = legacy;
	return node_emit(n, op);
}

bool
import_instnorm(Node *n)
{
	Op *op = node_op(n, OP_INSTNORM, 3, n->in);

	return attr_float(n, "epsilon", 1e-5f, &op->a.norm.eps) &&
	       node_emit(n, op);
}

bool
import_layernorm(Node *n)
{
	const TensorType *x = n->in[0]->type;
	int64_t axis;
	Op *op;

	attr_ignore(n, "stash_type");
	op = node_op(n, OP_LAYERNORM, n->nin > 2 && n->in[2] ? 3 : 2, n->in);
	if (!attr_int(n, "axis", -1, &axis) ||
	    !attr_float(n, "epsilon", 1e-5f, &op->a.norm.eps) ||
	    !node_outputs_unused(n, 1, "Mean, InvStdDev"))
		return false;
	if (axis < -(int64_t)x->rank || axis >= x->rank) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "LayerNormalization axis %lld is out of range for rank %d",
		     (long long)axis, x->rank);
		return false;
	}
	op->a.norm.axis = (int32_t)(axis < 0 ? axis + x->rank : axis);
	return node_emit(n, op);
}

bool
import_lrn(Node *n)
{
	Op *op = node_op(n, OP_LRN, 1, n->in);
	LrnAttr *a = &op->a.lrn;
	int64_t size;

	if (!attr_int(n, "size", 0, &size) ||
	    !attr_float(n, "alpha", 1e-4f, &a->alpha) ||
	    !attr_float(n, "beta", 0.75f, &a->beta) ||
	    !attr_float(n, "bias", 1.0f, &a->bias))
		return false;
	if (size < 1 || size > 65535) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "LRN size %lld must be in 1..65535", (long long)size);
		return false;
	}
	a->size = (int32_t)size;
	return node_emit(n, op);
}
