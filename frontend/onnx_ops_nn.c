/* onnx_ops_nn.c -- importers for the windowed ops (Conv, MaxPool,
 * AveragePool) and BatchNormalization.
 *
 * The windowed ops share kernel_shape, strides, dilations, pads and
 * auto_pad.  qcc's Conv and pools are 2-D (NCHW); 1-D and 3-D ones are
 * reported.  auto_pad is resolved here, with the input's shape, into
 * explicit pads (top, left, bottom, right):
 *
 *   out = ceil(in / stride),  total = max(0, (out-1)*stride + (k-1)*dil+1 - in)
 *   SAME_UPPER: begin = total/2, end = total - begin   (extra pad at the end)
 *   SAME_LOWER: end = total/2, begin = total - end     (extra pad at the start)
 *   VALID:      no padding
 */
#include <string.h>

#include "onnx.h"

/* Bounds on window sizes, strides, dilations and pads, so that no
 * arithmetic on them overflows. */
#define WINDOW_MAX 65535

typedef struct Window {
	int32_t kernel[2], stride[2], dilation[2];
	int32_t pad[4]; /* top, left, bottom, right */
} Window;

static const char *
tstr(Node *n, const TensorType *t)
{
	char buf[128];

	return arena_strdup(n->im->cx->perm, type_str(t, buf, sizeof buf));
}

/* The input of a windowed op must be NCHW. */
static bool
need_2d(Node *n, const TensorType *x)
{
	if (x->rank == 4)
		return true;
	if (x->rank == 3 || x->rank == 5)
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%d-D %s is not supported "
		     "(input %s); qcc supports 2-D only",
		     x->rank - 2, n->loc.op_type, tstr(n, x));
	else
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%s input must have rank 4 (N, C, H, W), not %s",
		     n->loc.op_type, tstr(n, x));
	return false;
}

/* An ints attribute with count values in [lo, WINDOW_MAX]; *given tells
 * whether the node has it. */
static bool
window_ints(Node *n, const char *name, int count, int32_t lo, int32_t def,
            int32_t *out, bool *given)
{
	const int64_t *v;
	int c;

	if (!attr_ints(n, name, &v, &c))
		return false;
	*given = c >= 0;
	for (int i = 0; i < count; i++)
		out[i] = def;
	if (c < 0)
		return true;
	if (c != count) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"%s\" has %d values; a 2-D %s needs %d", name,
		     c, n->loc.op_type, count);
		return false;
	}
	for (int i = 0; i < count; i++) {
		if (v[i] < lo || v[i] > WINDOW_MAX) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "attribute \"%s\" has "
			     "value %lld; it must be in %d..%d",
			     name, (long long)v[i], lo, WINDOW_MAX);
			return false;
		}
		out[i] = (int32_t)v[i];
	}
	return true;
}

static bool
same_pads(Node *n, const TensorType *x, Window *w, bool upper)
{
	for (int i = 0; i < 2; i++) {
		int64_t in = x->dim[2 + i], s = w->stride[i];
		int64_t out = (in + s - 1) / s;
		int64_t ek = (int64_t)(w->kernel[i] - 1) * w->dilation[i] + 1;
		int64_t total = (out - 1) * s + ek - in, small;
		if (total < 0)
			total = 0;
		if (total > 2 * (int64_t)WINDOW_MAX) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "auto_pad needs padding %lld, which is too large",
			     (long long)total);
			return false;
		}
		small = total / 2;
		w->pad[i] = (int32_t)(upper ? small : total - small);
		w->pad[i + 2] = (int32_t)(upper ? total - small : small);
	}
	return true;
}

/* strides, dilations, pads and auto_pad; w->kernel is already set. */
static bool
window_attrs(Node *n, const TensorType *x, Window *w)
{
	const char *ap;
	bool given, pads_given, nonzero = false;

	if (!window_ints(n, "strides", 2, 1, 1, w->stride, &given) ||
	    !window_ints(n, "dilations", 2, 1, 1, w->dilation, &given) ||
	    !window_ints(n, "pads", 4, 0, 0, w->pad, &pads_given) ||
	    !attr_string(n, "auto_pad", "NOTSET", &ap))
		return false;
	if (!strcmp(ap, "NOTSET"))
		return true;
	for (int i = 0; i < 4; i++)
		nonzero |= w->pad[i] != 0;
	if (pads_given && nonzero) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "pads and auto_pad=%s cannot both be given", ap);
		return false;
	}
	if (!strcmp(ap, "VALID")) {
		memset(w->pad, 0, sizeof w->pad);
		return true;
	}
	if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER"))
		return same_pads(n, x, w, !strcmp(ap, "SAME_UPPER"));
	diag(n->im->cx, DIAG_ERROR, &n->loc,
	     "auto_pad \"%s\" is not one of "
	     "NOTSET, SAME_UPPER, SAME_LOWER, VALID",
	     ap);
	return false;
}

bool
import_conv(Node *n)
{
	const TensorType *x = n->in[0]->type, *wt = n->in[1]->type;
	Window w;
	int64_t group;
	bool given;
	Op *op;

	if (!need_2d(n, x))
		return false;
	if (wt->rank != 4) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "Conv weight must have rank "
		     "4 (M, C/group, kH, kW), not %s",
		     tstr(n, wt));
		return false;
	}
	if (!window_ints(n, "kernel_shape", 2, 1, 0, w.kernel, &given))
		return false;
	for (int i = 0; i < 2 && !given; i++) {
		if (wt->dim[2 + i] < 1 || wt->dim[2 + i] > WINDOW_MAX) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "Conv weight %s has an unsupported kernel size",
			     tstr(n, wt));
			return false;
		}
		w.kernel[i] = (int32_t)wt->dim[2 + i];
	}
	if (!window_attrs(n, x, &w) || !attr_int(n, "group", 1, &group))
		return false;
	if (group < 1 || group > INT32_MAX) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"group\" is %lld; it must be positive",
		     (long long)group);
		return false;
	}
	op = node_op(n, OP_CONV, n->nin > 2 && n->in[2] ? 3 : 2, n->in);
	memcpy(op->a.conv.kernel, w.kernel, sizeof w.kernel);
	memcpy(op->a.conv.stride, w.stride, sizeof w.stride);
	memcpy(op->a.conv.dilation, w.dilation, sizeof w.dilation);
	memcpy(op->a.conv.pad, w.pad, sizeof w.pad);
	op->a.conv.group = (int32_t)group;
	return node_emit(n, op);
}

/* Inference only: the running statistics are inputs; the training outputs
 * (running or saved mean and variance) must be unused. */
bool
import_batchnorm(Node *n)
{
	int64_t spatial, training;
	float eps;
	Op *op;

	attr_ignore(n, "momentum");
	if (n->im->opset < 7 && !node_is_test(n))
		return false;
	if (!attr_float(n, "epsilon", 1e-5f, &eps) ||
	    !attr_int(n, "spatial", 1, &spatial) ||
	    !attr_int(n, "training_mode", 0, &training))
		return false;
	if (spatial != 1) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "BatchNormalization with spatial=%lld is not supported",
		     (long long)spatial);
		return false;
	}
	if (training != 0) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "BatchNormalization in training mode is not supported");
		return false;
	}
	if (!(eps >= 0)) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "BatchNormalization epsilon %g is negative", eps);
		return false;
	}
	if (!node_outputs_unused(n, 1, "training statistics"))
		return false;
	op = node_op(n, OP_BATCHNORM, 5, n->in);
	op->a.bn.eps = eps;
	return node_emit(n, op);
}

/* What MaxPool and AveragePool share: the window and ceil_mode. */
static Op *
pool_op(Node *n, OpKind k)
{
	const TensorType *x = n->in[0]->type;
	Window w;
	bool given, ceil_mode;
	Op *op;

	if (!need_2d(n, x) ||
	    !window_ints(n, "kernel_shape", 2, 1, 0, w.kernel, &given))
		return NULL;
	if (!given) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%s needs attribute \"kernel_shape\"", n->loc.op_type);
		return NULL;
	}
	if (!window_attrs(n, x, &w) ||
	    !attr_bool(n, "ceil_mode", false, &ceil_mode))
		return NULL;
	op = node_op(n, k, 1, n->in);
	memcpy(op->a.pool.kernel, w.kernel, sizeof w.kernel);
	memcpy(op->a.pool.stride, w.stride, sizeof w.stride);
	memcpy(op->a.pool.dilation, w.dilation, sizeof w.dilation);
	memcpy(op->a.pool.pad, w.pad, sizeof w.pad);
	op->a.pool.ceil_mode = ceil_mode;
	return op;
}

bool
import_maxpool(Node *n)
{
	int64_t order;
	Op *op;

	if (!attr_int(n, "storage_order", 0, &order))
		return false;
	if (order != 0) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "MaxPool with storage_order=%lld is not supported",
		     (long long)order);
		return false;
	}
	if (!node_outputs_unused(n, 1, "Indices"))
		return false;
	op = pool_op(n, OP_MAXPOOL);
	return op && node_emit(n, op);
}

bool
import_avgpool(Node *n)
{
	bool count_pad;
	Op *op;

	if (!attr_bool(n, "count_include_pad", false, &count_pad))
		return false;
	op = pool_op(n, OP_AVGPOOL);
	if (!op)
		return false;
	op->a.pool.count_include_pad = count_pad;
	return node_emit(n, op);
}
