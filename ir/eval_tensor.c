/* eval_tensor.c -- the reference interpreter for the tensor plumbing ops:
 * Transpose, Slice, Gather, Tile, Expand and Pad, and Resize (f32).
 *
 * Each is written as the ONNX definition reads: for every result index
 * (i0, .., ir-1), the input index it copies, computed axis by axis, then
 * one element of esz bytes moved.  Slow and plain on purpose; it shares
 * nothing with runtime/kernels/tensor.c, which it checks.
 */
#include <math.h>
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

/* ONNX Resize: the input coordinate of result coordinate o along axis i
 * of input length n.  The result length in the formulas is n * scale,
 * not rounded (the reference implementation's choice). */
static double
resize_coord(const ResizeAttr *a, int i, int64_t o, int64_t n)
{
	double s = a->scale[i], m = (double)n * s;

	switch (a->coord) {
	case COORD_HALF_PIXEL:
		return (o + 0.5) / s - 0.5;
	case COORD_PYTORCH_HALF_PIXEL:
		return m > 1.0 ? (o + 0.5) / s - 0.5 : 0.0;
	case COORD_ALIGN_CORNERS:
		return m == 1.0 ? 0.0 : o * (double)(n - 1) / (m - 1.0);
	case COORD_ASYMMETRIC:
		return o / s;
	case COORD_TF_HALF_PIXEL_FOR_NEAREST:
		return (o + 0.5) / s;
	}
	bug("resize_coord: mode %d", (int)a->coord);
}

static int64_t
clamp_index(int64_t i, int64_t n)
{
	return i < 0 ? 0 : i >= n ? n - 1 : i;
}

static int64_t
nearest_index(NearestMode mode, double x, int64_t n)
{
	double f = floor(x);
	int64_t i;

	switch (mode) {
	case NEAREST_ROUND_PREFER_FLOOR:
		i = (int64_t)(x - f == 0.5 ? f : floor(x + 0.5));
		break;
	case NEAREST_ROUND_PREFER_CEIL:
		i = (int64_t)(x - f == 0.5 ? f + 1 : floor(x + 0.5));
		break;
	case NEAREST_FLOOR:
		i = (int64_t)f;
		break;
	default:
		i = (int64_t)ceil(x);
		break;
	}
	return clamp_index(i, n);
}

/* Nearest: the element at the nearest input index on every axis.
 * Linear: the sum over the 2^rank corners of the cell around the input
 * point (indices clamped to the edge) of the element times the product
 * of the per-axis weights 1 - t or t. */
static void
eval_resize(const Op *op, const float *x, float *y)
{
	const ResizeAttr *a = &op->a.resize;
	const TensorType *xt = op->in[0]->type, *o = op->out[0]->type;
	int r = xt->rank;
	int64_t idx[MAX_RANK], lo[MAX_RANK], hi[MAX_RANK], xi[MAX_RANK];
	double t[MAX_RANK];

	for (int64_t k = 0; k < type_numel(o); k++) {
		double sum = 0.0;

		unravel(k, o->dim, r, idx);
		for (int i = 0; i < r; i++) {
			double c = resize_coord(a, i, idx[i], xt->dim[i]);
			if (a->mode == RESIZE_NEAREST) {
				lo[i] = hi[i] = nearest_index(a->nearest, c,
				                              xt->dim[i]);
				t[i] = 0.0;
			} else {
				lo[i] = clamp_index((int64_t)floor(c), xt->dim[i]);
				hi[i] = clamp_index((int64_t)floor(c) + 1,
				                    xt->dim[i]);
				t[i] = c - floor(c);
			}
		}
		for (int corner = 0; corner < 1 << r; corner++) {
			double w = 1.0;
			for (int i = 0; i < r; i++) {
				bool up = corner >> i & 1;
				xi[i] = up ? hi[i] : lo[i];
				w *= up ? t[i] : 1.0 - t[i];
			}
			if (w != 0.0)
				sum += w * x[ravel(xi, xt->dim, r)];
		}
		y[k] = (float)sum;
	}
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
	case OP_RESIZE:
		if (o->dt != DT_F32)
			return false;
		eval_resize(op, in[0], out);
		return true;
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
