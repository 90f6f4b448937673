/* lower_index.c -- lowering of the tensor plumbing ops (see lower.c for
 * where values live and how calls are built).
 *
 *   Transpose, Slice,   one strided copy: the result walked densely, the
 *   Tile, Expand        input through per-axis strides (permuted; scaled by
 *                       the step, from the start's offset; 0 along a
 *                       repeat or a broadcast axis), axes merged
 *   Gather              gather on [outer, len, inner] with the constant
 *                       indices as an array
 *   Pad                 pad with the shapes, leading pads and mode
 *   Resize              resize with per-axis tables of the two input
 *                       indices and the weight of each result index,
 *                       computed here from the coordinate mode
 */
#include <math.h>

#include "lower.h"
#include "../runtime/qcc_rt.h"

enum { MAXSTRIDED = 2 * MAX_RANK };

/* Row-major strides (elements) of t. */
static void
dense_strides(const TensorType *t, int64_t *str)
{
	int64_t s = 1;

	for (int i = t->rank - 1; i >= 0; i--) {
		str[i] = s;
		s *= t->dim[i];
	}
}

/* One strided copy of op's input, from element offset base, into its
 * result of dims[0..r) read through xstr; size-1 axes are dropped and
 * neighbours the input walks contiguously merged. */
static void
strided(Lower *L, const Op *op, int64_t base, int r, const int64_t *dims,
        const int64_t *xstr)
{
	int32_t d[MAXSTRIDED], s[MAXSTRIDED];
	Buf from = value_buf(L->g, op->in[0]);
	int n = 0;

	for (int i = 0; i < r; i++) {
		if (dims[i] == 1)
			continue;
		if (n > 0 && s[n - 1] == xstr[i] * dims[i]) {
			d[n - 1] *= (int32_t)dims[i];
			s[n - 1] = (int32_t)xstr[i];
			continue;
		}
		d[n] = (int32_t)dims[i];
		s[n] = (int32_t)xstr[i];
		n++;
	}
	if (n == 0) {
		d[0] = 1;
		s[0] = 0;
		n = 1;
	}
	if (n == 1 && s[0] == 1 && base == 0) {
		call_copy(L, from, value_buf(L->g, op->out[0]), d[0]);
		return;
	}
	from.offset += base * (int64_t)sizeof(float);
	arg_buf(L, from);
	arg_val(L, op->out[0]);
	arg_i32(L, n);
	arg_array(L, KA_I32S, d, (uint32_t)n);
	arg_array(L, KA_I32S, s, (uint32_t)n);
	call_end(L, "qcc_rt_strided_f32");
}

void
lower_strided(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	int64_t xs[MAX_RANK], dims[MAXSTRIDED], str[MAXSTRIDED], base = 0;
	int r = y->rank;

	dense_strides(x, xs);
	switch (op->kind) {
	case OP_TRANSPOSE:
		for (int i = 0; i < r; i++) {
			dims[i] = y->dim[i];
			str[i] = xs[op->a.transpose.perm[i]];
		}
		break;
	case OP_SLICE:
		for (int i = 0; i < r; i++) {
			dims[i] = y->dim[i];
			str[i] = xs[i] * op->a.slice.step[i];
			base += xs[i] * op->a.slice.start[i];
		}
		break;
	case OP_TILE:
		for (int i = 0; i < x->rank; i++) {
			dims[2 * i] = op->a.tile.rep[i];
			str[2 * i] = 0;
			dims[2 * i + 1] = x->dim[i];
			str[2 * i + 1] = xs[i];
		}
		r = 2 * x->rank;
		break;
	case OP_EXPAND:
		for (int i = 0; i < r; i++)
			dims[i] = y->dim[i];
		bcast_strides(x, r, str);
		break;
	default:
		bug("lower_strided: op kind %s", op_info[op->kind].name);
	}
	strided(L, op, base, r, dims, str);
}

void
lower_gather(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type;
	const Value *iv = op->in[1];
	int ax = op->a.axis.axis;
	int64_t n = type_numel(iv->type);
	const int64_t *idx = iv->cst->data;
	int32_t *i32 = NEWARRAY(L->cx->scratch, int32_t, n);

	for (int64_t k = 0; k < n; k++)
		i32[k] = (int32_t)idx[k];
	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, dims_prod(x, 0, ax));
	arg_i32(L, x->dim[ax]);
	arg_i32(L, dims_prod(x, ax + 1, x->rank));
	arg_i32(L, n);
	arg_array(L, KA_I32S, i32, (uint32_t)n);
	call_end(L, "qcc_rt_gather_f32");
}

void
lower_pad(Lower *L, const Op *op)
{
	static const int32_t mode[] = {
	    [PAD_CONSTANT] = QCC_PAD_CONSTANT,
	    [PAD_REFLECT] = QCC_PAD_REFLECT,
	    [PAD_EDGE] = QCC_PAD_EDGE,
	};
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	int32_t xd[MAX_RANK], yd[MAX_RANK], b[MAX_RANK];

	for (int i = 0; i < x->rank; i++) {
		xd[i] = (int32_t)x->dim[i];
		yd[i] = (int32_t)y->dim[i];
		b[i] = (int32_t)op->a.pad.before[i];
	}
	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, x->rank);
	arg_array(L, KA_I32S, xd, (uint32_t)x->rank);
	arg_array(L, KA_I32S, yd, (uint32_t)x->rank);
	arg_array(L, KA_I32S, b, (uint32_t)x->rank);
	arg_i32(L, mode[op->a.pad.mode]);
	arg_f32(L, op->a.pad.value);
	call_end(L, "qcc_rt_pad_f32");
}

/* The input coordinate of result index o along axis i (ONNX Resize),
 * with the result length taken as n * scale, unrounded, as ONNX does. */
static double
in_coord(const ResizeAttr *a, int i, int64_t o, int64_t n)
{
	double s = a->scale[i], m = (double)n * s;

	switch (a->coord) {
	case COORD_HALF_PIXEL: return (o + 0.5) / s - 0.5;
	case COORD_PYTORCH_HALF_PIXEL: return m > 1.0 ? (o + 0.5) / s - 0.5 : 0;
	case COORD_ALIGN_CORNERS:
		return m == 1.0 ? 0 : (double)o * (n - 1) / (m - 1.0);
	case COORD_ASYMMETRIC: return o / s;
	case COORD_TF_HALF_PIXEL_FOR_NEAREST: return (o + 0.5) / s;
	}
	bug("in_coord: mode %d", (int)a->coord);
}

static int32_t
clamp_to(double i, int64_t n)
{
	return i < 0 ? 0 : i > (double)(n - 1) ? (int32_t)(n - 1) : (int32_t)i;
}

void
lower_resize(Lower *L, const Op *op)
{
	const ResizeAttr *a = &op->a.resize;
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	int64_t total = 0;
	int32_t xd[MAX_RANK], yd[MAX_RANK], *lo, *hi, e = 0;
	float *w;

	for (int i = 0; i < x->rank; i++)
		total += y->dim[i];
	lo = NEWARRAY(L->cx->scratch, int32_t, total);
	hi = NEWARRAY(L->cx->scratch, int32_t, total);
	w = NEWARRAY(L->cx->scratch, float, total);
	for (int i = 0; i < x->rank; i++) {
		xd[i] = (int32_t)x->dim[i];
		yd[i] = (int32_t)y->dim[i];
		for (int64_t o = 0; o < y->dim[i]; o++, e++) {
			double c = in_coord(a, i, o, x->dim[i]);
			double f = floor(c), r;

			if (a->mode == RESIZE_LINEAR) {
				lo[e] = clamp_to(f, x->dim[i]);
				hi[e] = clamp_to(f + 1, x->dim[i]);
				w[e] = (float)(c - f);
				continue;
			}
			switch (a->nearest) {
			case NEAREST_ROUND_PREFER_FLOOR:
				r = c - f == 0.5 ? f : floor(c + 0.5);
				break;
			case NEAREST_ROUND_PREFER_CEIL:
				r = c - f == 0.5 ? f + 1 : floor(c + 0.5);
				break;
			case NEAREST_FLOOR: r = f; break;
			default: r = ceil(c); break;
			}
			lo[e] = hi[e] = clamp_to(r, x->dim[i]);
			w[e] = 0.0f;
		}
	}
	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, x->rank);
	arg_array(L, KA_I32S, xd, (uint32_t)x->rank);
	arg_array(L, KA_I32S, yd, (uint32_t)x->rank);
	arg_array(L, KA_I32S, lo, (uint32_t)total);
	arg_array(L, KA_I32S, hi, (uint32_t)total);
	arg_array(L, KA_F32S, w, (uint32_t)total);
	call_end(L, "qcc_rt_resize_f32");
}
