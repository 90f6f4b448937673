/* eval_tensor.c -- the reference interpreter for the tensor plumbing ops:
 * Transpose, Slice, Gather, Tile, Expand and Pad.
 *
 * Each is written as the ONNX definition reads: for every result index
 * (i0, .., ir-1), the input index it copies, computed axis by axis, then
 * one element of esz bytes moved.  Slow and plain on purpose; it shares
 * nothing with runtime/kernels/tensor.c, which it checks.
 */
#include <string.h>

#include "ir.h"

/* The multi-index of flat index k in dims[0..r). */
static void
unravel(int64_t k, const int64_t *dim, int r, int64_t *idx)
{
	for (int i = r - 1; i >= 0; i--) {
		idx[i] = dim[i] ? k % dim[i] : 0;
		k = dim[i] ? k / dim[i] : 0;
	}
}

static int64_t
ravel(const int64_t *idx, const int64_t *dim, int r)
{
	int64_t k = 0;

	for (int i = 0; i < r; i++)
		k = k * dim[i] + idx[i];
	return k;
}

/* ONNX Pad: the input index along an axis of size n for padded index j
 * (already minus the leading pad), -1 for the constant. */
static int64_t
pad_source(int64_t j, int64_t n, PadMode mode)
{
	while (j < 0 || j >= n) {
		switch (mode) {
		case PAD_CONSTANT:
			return -1;
		case PAD_EDGE:
			return j < 0 ? 0 : n - 1;
		case PAD_REFLECT:
			if (n == 1)
				return 0;
			j = j < 0 ? -j : 2 * (n - 1) - j;
			break;
		}
	}
	return j;
}

/* Input flat index of result index y (or -1: Pad's constant). */
static int64_t
source(const Op *op, const int64_t *y)
{
	const TensorType *x = op->in[0]->type, *o = op->out[0]->type;
	int64_t xi[MAX_RANK];

	switch (op->kind) {
	case OP_TRANSPOSE:
		for (int i = 0; i < x->rank; i++)
			xi[op->a.transpose.perm[i]] = y[i];
		break;
	case OP_SLICE:
		for (int i = 0; i < x->rank; i++)
			xi[i] = op->a.slice.start[i] + y[i] * op->a.slice.step[i];
		break;
	case OP_TILE:
		for (int i = 0; i < x->rank; i++)
			xi[i] = y[i] % x->dim[i];
		break;
	case OP_EXPAND:
		for (int i = 0; i < x->rank; i++) {
			int j = o->rank - x->rank + i;
			xi[i] = x->dim[i] == 1 ? 0 : y[j];
		}
		break;
	case OP_GATHER: {
		const int64_t *idx = op->in[1]->cst->data;
		const TensorType *it = op->in[1]->type;
		int axis = op->a.axis.axis;
		int64_t at[MAX_RANK];

		for (int i = 0; i < it->rank; i++)
			at[i] = y[axis + i];
		for (int i = 0; i < axis; i++)
			xi[i] = y[i];
		xi[axis] = idx[ravel(at, it->dim, it->rank)];
		for (int i = axis + 1; i < x->rank; i++)
			xi[i] = y[i + it->rank - 1];
		break;
	}
	case OP_PAD:
		for (int i = 0; i < x->rank; i++) {
			xi[i] = pad_source(y[i] - op->a.pad.before[i], x->dim[i],
			                   op->a.pad.mode);
			if (xi[i] < 0)
				return -1;
		}
		break;
	default:
		bug("source: op kind %s", op_info[op->kind].name);
	}
	return ravel(xi, x->dim, x->rank);
}

bool
ir_eval_tensor_op(const Op *op, const void *const in[], void *out)
{
	const TensorType *o = op->out[0]->type;
	size_t esz = (size_t)dtype_info[o->dt].bits / 8;
	const unsigned char *x = in[0];
	unsigned char *yb = out;
	int64_t y[MAX_RANK];

	switch (op->kind) {
	case OP_TRANSPOSE:
	case OP_SLICE:
	case OP_GATHER:
	case OP_TILE:
	case OP_EXPAND:
	case OP_PAD:
		break;
	default:
		return false;
	}
	for (int64_t k = 0; k < type_numel(o); k++) {
		int64_t s;

		unravel(k, o->dim, o->rank, y);
		s = source(op, y);
		if (s >= 0)
			memcpy(yb + (size_t)k * esz, x + (size_t)s * esz, esz);
		else
			memcpy(yb + (size_t)k * esz, &op->a.pad.value, esz);
	}
	return true;
}
