/* eval_norm.c -- the reference interpreter for the reductions and the
 * normalizations: ReduceMean/Max/Sum/L2, LogSoftmax, InstanceNormalization,
 * LayerNormalization and LRN, each as ONNX defines it, sums in double and
 * libm for the functions.  Nothing is shared with runtime/kernels/norm.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

static int64_t
span(const TensorType *t, int from, int to)
{
	int64_t n = 1;

	for (int i = from; i < to; i++)
		n *= t->dim[i];
	return n;
}

/* For every input element, the result element its reduced axes fold it
 * into; sum, max or sum of squares, then the mean's division or L2's
 * square root. */
static void
eval_reduce(const Op *op, const float *x, float *y)
{
	const TensorType *xt = op->in[0]->type;
	int64_t ny = type_numel(op->out[0]->type), nx = type_numel(xt);
	int64_t count = nx / (ny ? ny : 1);
	double *acc = calloc((size_t)(ny ? ny : 1), sizeof *acc);

	if (!acc)
		bug("eval_reduce: out of memory");
	for (int64_t k = 0; k < ny; k++)
		acc[k] = op->kind == OP_REDUCEMAX ? -INFINITY : 0.0;
	for (int64_t k = 0; k < nx; k++) {
		int64_t rest = k, yi = 0, mul = 1;
		for (int i = xt->rank - 1; i >= 0; i--) {
			int64_t c = rest % xt->dim[i];
			rest /= xt->dim[i];
			if (op->a.reduce.axes >> i & 1)
				continue;
			yi += c * mul;
			mul *= xt->dim[i];
		}
		if (op->kind == OP_REDUCEMAX)
			acc[yi] = fmax(acc[yi], x[k]);
		else if (op->kind == OP_REDUCEL2)
			acc[yi] += (double)x[k] * x[k];
		else
			acc[yi] += x[k];
	}
	for (int64_t k = 0; k < ny; k++) {
		double v = acc[k];
		if (op->kind == OP_REDUCEMEAN)
			v /= (double)count;
		else if (op->kind == OP_REDUCEL2)
			v = sqrt(v);
		y[k] = (float)v;
	}
	free(acc);
}

/* y = x - max - log(sum exp(x - max)) over the axis (or, before opset 13,
 * over everything from the axis on). */
static void
eval_logsoftmax(const Op *op, const float *x, float *y)
{
	const TensorType *t = op->in[0]->type;
	int axis = op->a.softmax.axis;
	int64_t outer = span(t, 0, axis), n, inner;

	n = op->a.softmax.legacy ? span(t, axis, t->rank) : t->dim[axis];
	inner = op->a.softmax.legacy ? 1 : span(t, axis + 1, t->rank);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < inner; i++) {
			const float *xr = x + o * n * inner + i;
			float *yr = y + o * n * inner + i;
			double mx = -INFINITY, sum = 0.0;
			for (int64_t j = 0; j < n; j++)
				mx = fmax(mx, xr[j * inner]);
			for (int64_t j = 0; j < n; j++)
				sum += exp(xr[j * inner] - mx);
			for (int64_t j = 0; j < n; j++)
				yr[j * inner] = (float)(xr[j * inner] - mx - log(sum));
		}
}

/* (x - mean) / sqrt(var + eps) over each row of len elements, times
 * scale[j] plus bias[j] (j the element's position in the row, or the row's
 * channel c when per_channel). */
static void
normalize_rows(const float *x, float *y, int64_t rows, int64_t len,
               const float *scale, const float *bias, float eps,
               int64_t channels)
{
	for (int64_t r = 0; r < rows; r++) {
		const float *xr = x + r * len;
		double mean = 0.0, var = 0.0;
		for (int64_t j = 0; j < len; j++)
			mean += xr[j];
		mean /= (double)len;
		for (int64_t j = 0; j < len; j++)
			var += (xr[j] - mean) * (xr[j] - mean);
		var /= (double)len;
		for (int64_t j = 0; j < len; j++) {
			int64_t p = channels ? r % channels : j;
			double v = (xr[j] - mean) / sqrt(var + eps) * scale[p];
			y[r * len + j] = (float)(bias ? v + bias[p] : v);
		}
	}
}

/* y[c] = x[c] / (bias + alpha / size * sum of x[c']^2 over the channels
 * c' in [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta */
static void
eval_lrn(const Op *op, const float *x, float *y)
{
	const TensorType *t = op->in[0]->type;
	const LrnAttr *a = &op->a.lrn;
	int64_t nc = t->dim[1], inner = span(t, 2, t->rank);
	int64_t lo = (a->size - 1) / 2, hi = a->size - 1 - lo;

	for (int64_t n = 0; n < t->dim[0]; n++)
		for (int64_t c = 0; c < nc; c++)
			for (int64_t i = 0; i < inner; i++) {
				double sq = 0.0;
				for (int64_t d = c - lo; d <= c + hi; d++) {
					double v;
					if (d < 0 || d >= nc)
						continue;
					v = x[(n * nc + d) * inner + i];
					sq += v * v;
				}
				int64_t k = (n * nc + c) * inner + i;
				y[k] = (float)(x[k] / pow(a->bias + a->alpha /
				                          a->size * sq, a->beta));
			}
}

bool
ir_eval_norm_op(const Op *op, const void *const in[], void *out)
{
	const TensorType *t = op->in[0]->type;
	const float *x = in[0];

	switch (op->kind) {
	case OP_REDUCEMEAN:
	case OP_REDUCEMAX:
	case OP_REDUCESUM:
	case OP_REDUCEL2:
		eval_reduce(op, x, out);
		return true;
	case OP_LOGSOFTMAX:
		eval_logsoftmax(op, x, out);
		return true;
	case OP_INSTNORM:
		normalize_rows(x, out, t->dim[0] * t->dim[1], span(t, 2, t->rank),
		               in[1], in[2], op->a.norm.eps, t->dim[1]);
		return true;
	case OP_LAYERNORM:
		normalize_rows(x, out, span(t, 0, op->a.norm.axis),
		               span(t, op->a.norm.axis, t->rank), in[1],
		               op->nin > 2 ? in[2] : NULL, op->a.norm.eps, 0);
		return true;
	case OP_LRN:
		eval_lrn(op, x, out);
		return true;
	default:
		return false;
	}
}
