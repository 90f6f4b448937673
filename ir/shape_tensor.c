/* shape_tensor.c -- type inference for the tensor plumbing ops of issue 3:
 * Transpose, Slice, Gather, Tile, Expand and Pad (shape.c dispatches
 * here through ir_infer_tensor_op).
 *
 * All of them move elements without arithmetic, so any whole-byte element
 * type goes through (shape subgraphs gather and slice i64 tensors), except
 * Pad, whose fill value is a float.  The importer normalizes axes and
 * indices; what is checked here is that the attributes fit the input type
 * they meet, so a graph rewritten by passes is still checked.
 */
#include "ir.h"

static const TensorType *
in_bytes(Ctx *cx, const Op *op, int i)
{
	const TensorType *t = op->in[i]->type;

	if (dtype_info[t->dt].bits % 8) {
		shape_fail(cx, op,
		           "%s input %d has packed element type %s, which it "
		           "cannot move",
		           op_info[op->kind].onnx, i, dtype_info[t->dt].name);
		return NULL;
	}
	return t;
}

static bool
infer_transpose(Ctx *cx, const Op *op, const TensorType *x, int64_t *dim)
{
	bool seen[MAX_RANK] = {0};

	for (int i = 0; i < x->rank; i++) {
		int32_t p = op->a.transpose.perm[i];
		if (p < 0 || p >= x->rank || seen[p])
			return shape_fail(cx, op,
			                  "Transpose perm is not a permutation "
			                  "of the %d axes of %s",
			                  x->rank, shape_tstr(cx, x));
		seen[p] = true;
		dim[i] = x->dim[p];
	}
	return true;
}

static bool
infer_slice(Ctx *cx, const Op *op, const TensorType *x, int64_t *dim)
{
	const SliceAttr *a = &op->a.slice;

	for (int i = 0; i < x->rank; i++) {
		int64_t last = a->start[i] + (a->len[i] - 1) * a->step[i];
		if (a->len[i] < 0 || a->step[i] == 0 ||
		    (a->len[i] > 0 &&
		     (a->start[i] < 0 || a->start[i] >= x->dim[i] || last < 0 ||
		      last >= x->dim[i])))
			return shape_fail(
			    cx, op,
			    "Slice of axis %d (start %lld, step "
			    "%lld, %lld elements) does not fit %s",
			    i, (long long)a->start[i], (long long)a->step[i],
			    (long long)a->len[i], shape_tstr(cx, x));
		dim[i] = a->len[i];
	}
	return true;
}

static bool
infer_gather(Ctx *cx, const Op *op, const TensorType *x, int64_t *dim,
             int *rank)
{
	const TensorType *it = op->in[1]->type;
	int axis = op->a.axis.axis, r = 0;
	const int64_t *idx;

	if (it->dt != DT_I64 || !op->in[1]->cst)
		return shape_fail(cx, op,
		                  "Gather indices must be a constant i64 "
		                  "tensor, not %s",
		                  shape_tstr(cx, it));
	if (axis < 0 || axis >= x->rank || x->rank + it->rank - 1 > MAX_RANK)
		return shape_fail(cx, op,
		                  "Gather axis %d with indices %s does not fit "
		                  "%s",
		                  axis, shape_tstr(cx, it), shape_tstr(cx, x));
	idx = op->in[1]->cst->data;
	for (int64_t k = 0; k < type_numel(it); k++)
		if (idx[k] < 0 || idx[k] >= x->dim[axis])
			return shape_fail(cx, op,
			                  "Gather index %lld is out of range "
			                  "for axis %d of %s",
			                  (long long)idx[k], axis,
			                  shape_tstr(cx, x));
	for (int i = 0; i < axis; i++)
		dim[r++] = x->dim[i];
	for (int i = 0; i < it->rank; i++)
		dim[r++] = it->dim[i];
	for (int i = axis + 1; i < x->rank; i++)
		dim[r++] = x->dim[i];
	*rank = r;
	return true;
}

static bool
infer_tile(Ctx *cx, const Op *op, const TensorType *x, int64_t *dim)
{
	for (int i = 0; i < x->rank; i++) {
		if (op->a.tile.rep[i] < 0)
			return shape_fail(cx, op,
			                  "Tile repeat %lld is negative",
			                  (long long)op->a.tile.rep[i]);
		dim[i] = x->dim[i] * op->a.tile.rep[i];
	}
	return true;
}

/* Expand: numpy broadcasting of x against the shape. */
static bool
infer_expand(Ctx *cx, const Op *op, const TensorType *x, int64_t *dim,
             int *rank)
{
	const ReshapeAttr *a = &op->a.reshape;
	int r = a->rank > x->rank ? a->rank : x->rank;

	if (a->rank < 0 || a->rank > MAX_RANK)
		return shape_fail(cx, op, "Expand to rank %d is not supported",
		                  a->rank);
	for (int i = 0; i < r; i++) {
		int ix = x->rank - r + i, is = a->rank - r + i;
		int64_t dx = ix >= 0 ? x->dim[ix] : 1;
		int64_t ds = is >= 0 ? a->shape[is] : 1;
		if (dx != ds && dx != 1 && ds != 1)
			return shape_fail(cx, op,
			                  "Expand of %s: dimension %lld does "
			                  "not broadcast to %lld",
			                  shape_tstr(cx, x), (long long)dx,
			                  (long long)ds);
		dim[i] = dx == 1 ? ds : dx;
	}
	*rank = r;
	return true;
}

static bool
infer_pad(Ctx *cx, const Op *op, const TensorType *x, int64_t *dim)
{
	const PadAttr *a = &op->a.pad;

	if (x->dt != DT_F32)
		return shape_fail(cx, op,
		                  "Pad input has element type %s; only f32 "
		                  "is supported",
		                  dtype_info[x->dt].name);
	for (int i = 0; i < x->rank; i++) {
		if (a->before[i] < 0 || a->after[i] < 0)
			return shape_fail(
			    cx, op,
			    "Pad with negative pads (cropping) is "
			    "not supported");
		if (a->mode == PAD_REFLECT &&
		    (a->before[i] >= x->dim[i] || a->after[i] >= x->dim[i]))
			return shape_fail(cx, op,
			                  "reflect Pad of %lld,%lld on axis %d "
			                  "must be smaller than its size %lld",
			                  (long long)a->before[i],
			                  (long long)a->after[i], i,
			                  (long long)x->dim[i]);
		if (a->mode == PAD_EDGE && x->dim[i] == 0 &&
		    a->before[i] + a->after[i] > 0)
			return shape_fail(cx, op,
			                  "edge Pad of an empty axis %d", i);
		dim[i] = x->dim[i] + a->before[i] + a->after[i];
	}
	return true;
}

static bool
infer_resize(Ctx *cx, const Op *op, const TensorType *x, int64_t *dim)
{
	if (x->dt != DT_F32)
		return shape_fail(cx, op,
		                  "Resize input has element type %s; only f32 "
		                  "is supported",
		                  dtype_info[x->dt].name);
	for (int i = 0; i < x->rank; i++) {
		dim[i] = op->a.resize.out[i];
		if (dim[i] < 1 || !(op->a.resize.scale[i] > 0.0f))
			return shape_fail(
			    cx, op,
			    "Resize of %s to size %lld (scale %g) "
			    "on axis %d",
			    shape_tstr(cx, x), (long long)dim[i],
			    op->a.resize.scale[i], i);
	}
	return true;
}

bool
ir_infer_tensor_op(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x = in_bytes(cx, op, 0);
	int64_t dim[MAX_RANK];
	int rank;
	bool ok;

	if (!x)
		return false;
	rank = x->rank;
	switch (op->kind) {
	case OP_TRANSPOSE:
		ok = infer_transpose(cx, op, x, dim);
		break;
	case OP_SLICE:
		ok = infer_slice(cx, op, x, dim);
		break;
	case OP_GATHER:
		ok = infer_gather(cx, op, x, dim, &rank);
		break;
	case OP_TILE:
		ok = infer_tile(cx, op, x, dim);
		break;
	case OP_EXPAND:
		ok = infer_expand(cx, op, x, dim, &rank);
		break;
	case OP_PAD:
		ok = infer_pad(cx, op, x, dim);
		break;
	case OP_RESIZE:
		ok = infer_resize(cx, op, x, dim);
		break;
	default:
		bug("ir_infer_tensor_op: op kind %s", op_info[op->kind].name);
	}
	if (ok)
		out[0] = type_with_shape(cx, x, rank, dim);
	return ok;
}
