/* shape_norm.c -- type inference for the reductions (ReduceMean, ReduceMax,
 * ReduceSum, ReduceL2) and normalizations (LogSoftmax, InstanceNormalization,
 * LayerNormalization, LRN); shape.c dispatches here through
 * ir_infer_norm_op.  All take and give f32.
 */
#include "ir.h"

/* Input i must be f32 with n elements (n < 0: any count). */
static bool
need_f32(Ctx *cx, const Op *op, int i, int64_t n)
{
	const TensorType *t = op->in[i]->type;

	if (t->dt != DT_F32)
		return shape_fail(cx, op,
		                  "%s input %d has element type %s; only f32 "
		                  "is supported",
		                  op_info[op->kind].onnx, i,
		                  dtype_info[t->dt].name);
	if (n >= 0 && type_numel(t) != n)
		return shape_fail(cx, op,
		                  "%s input %d is %s but must have %lld "
		                  "elements",
		                  op_info[op->kind].onnx, i, shape_tstr(cx, t),
		                  (long long)n);
	return true;
}

static bool
infer_reduce(Ctx *cx, const Op *op, const TensorType *x,
             const TensorType *out[])
{
	int64_t dim[MAX_RANK];
	int r = 0;

	if (op->a.reduce.axes >> x->rank)
		return shape_fail(cx, op, "%s axes do not fit %s",
		                  op_info[op->kind].onnx, shape_tstr(cx, x));
	for (int i = 0; i < x->rank; i++) {
		if (!(op->a.reduce.axes >> i & 1))
			dim[r++] = x->dim[i];
		else if (x->dim[i] == 0 && op->kind == OP_REDUCEMAX)
			return shape_fail(cx, op,
			                  "ReduceMax over an empty axis");
		else if (op->a.reduce.keepdims)
			dim[r++] = 1;
	}
	out[0] = type_with_shape(cx, x, r, dim);
	return true;
}

bool
ir_infer_norm_op(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x = op->in[0]->type;
	int64_t inner;

	if (!need_f32(cx, op, 0, -1))
		return false;
	switch (op->kind) {
	case OP_REDUCEMEAN:
	case OP_REDUCEMAX:
	case OP_REDUCESUM:
	case OP_REDUCEL2:
		return infer_reduce(cx, op, x, out);
	case OP_LOGSOFTMAX:
		if (op->a.softmax.axis < 0 || op->a.softmax.axis >= x->rank)
			return shape_fail(cx, op,
			                  "LogSoftmax axis %d is out of range "
			                  "for %s",
			                  op->a.softmax.axis,
			                  shape_tstr(cx, x));
		break;
	case OP_INSTNORM:
		if (x->rank < 3)
			return shape_fail(cx, op,
			                  "InstanceNormalization input must "
			                  "have rank 3 or more, not %s",
			                  shape_tstr(cx, x));
		if (!need_f32(cx, op, 1, x->dim[1]) ||
		    !need_f32(cx, op, 2, x->dim[1]))
			return false;
		break;
	case OP_LAYERNORM:
		if (op->a.norm.axis < 0 || op->a.norm.axis >= x->rank)
			return shape_fail(cx, op,
			                  "LayerNormalization axis %d is out "
			                  "of range for %s",
			                  op->a.norm.axis, shape_tstr(cx, x));
		inner = 1;
		for (int i = op->a.norm.axis; i < x->rank; i++)
			inner *= x->dim[i];
		if (!need_f32(cx, op, 1, inner) ||
		    (op->nin > 2 && op->in[2] && !need_f32(cx, op, 2, inner)))
			return false;
		break;
	case OP_LRN:
		if (x->rank < 3 || op->a.lrn.size < 1)
			return shape_fail(
			    cx, op,
			    "LRN needs an input of rank 3 or "
			    "more and a positive size, not %s size %d",
			    shape_tstr(cx, x), op->a.lrn.size);
		break;
	default:
		bug("ir_infer_norm_op: op kind %s", op_info[op->kind].name);
	}
	out[0] = x;
	return true;
}
