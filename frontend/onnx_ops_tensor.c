/* onnx_ops_tensor.c -- importers for activations, elementwise arithmetic,
 * matrix products and the ops that only move or name data.
 *
 * Inputs that ONNX later turned from attributes into tensors (Clip's min
 * and max, Reshape's shape, Dropout's training_mode) must be constants;
 * their values go into the op's attribute struct, so the IR op keeps a
 * single data input.  Axes are normalized to [0, rank) here.  Identity,
 * Dropout and Constant make no op: their output names another value
 * (except where it is a graph output, see node_alias).
 */
#include <math.h>
#include <string.h>

#include "onnx.h"

static const char *
tstr(Node *n, const TensorType *t)
{
	char buf[128];

	return arena_strdup(n->im->cx->perm, type_str(t, buf, sizeof buf));
}

static bool
act_op(Node *n, OpKind k, Act act)
{
	Op *op = node_op(n, k, 1, n->in);

	op->a.act = act;
	return node_emit(n, op);
}

bool
import_relu(Node *n)
{
	return act_op(n, OP_RELU, (Act){ACT_RELU, 0, 0});
}

bool
import_sigmoid(Node *n)
{
	return act_op(n, OP_SIGMOID, (Act){ACT_SIGMOID, 0, 0});
}

bool
import_hardswish(Node *n)
{
	return act_op(n, OP_HARDSWISH, (Act){ACT_HARDSWISH, 0, 0});
}

bool
import_hardsigmoid(Node *n)
{
	float alpha, beta;

	if (!attr_float(n, "alpha", 0.2f, &alpha) ||
	    !attr_float(n, "beta", 0.5f, &beta))
		return false;
	return act_op(n, OP_HARDSIGMOID, (Act){ACT_HARDSIGMOID, alpha, beta});
}

/* Clip's bound from input i (opset 11 on): a constant f32 scalar. */
static bool
clip_bound(Node *n, int i, const char *what, float *out)
{
	const Value *v;

	if (i >= n->nin || !n->in[i])
		return true;
	v = node_const_input(n, i, what, DT_F32);
	if (!v)
		return false;
	if (type_numel(v->type) != 1) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%s must be a scalar, not %s", what, tstr(n, v->type));
		return false;
	}
	*out = value_f32(v)[0];
	if (isnan(*out)) {
		diag(n->im->cx, DIAG_ERROR, &n->loc, "%s is NaN", what);
		return false;
	}
	return true;
}

bool
import_clip(Node *n)
{
	float lo = -INFINITY, hi = INFINITY;

	if (n->im->opset < 11) {
		if (n->nin > 1) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "Clip before opset 11 "
			     "takes min and max as attributes, not inputs");
			return false;
		}
		if (!attr_float(n, "min", -INFINITY, &lo) ||
		    !attr_float(n, "max", INFINITY, &hi))
			return false;
	} else if (!clip_bound(n, 1, "Clip min", &lo) ||
	           !clip_bound(n, 2, "Clip max", &hi)) {
		return false;
	}
	return act_op(n, OP_CLIP, (Act){ACT_CLIP, lo, hi});
}

/* Before opset 7, Add and Mul broadcast only B, and only with broadcast=1:
 * B's dims line up with A's from axis on (by default, A's last ones).  B
 * gets trailing 1s, so that numpy broadcasting lines it up the same way. */
static bool
legacy_broadcast(Node *n, Value **b)
{
	const TensorType *ta = n->in[0]->type, *tb = n->in[1]->type;
	int64_t axis, dim[MAX_RANK];
	int pad;
	bool on, fits;
	Op *op;

	if (!attr_bool(n, "broadcast", false, &on) ||
	    !attr_int(n, "axis", ta->rank - tb->rank, &axis))
		return false;
	if (!on) {
		if (type_eq(ta, tb))
			return true;
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%s without broadcast=1 needs inputs of one shape, not "
		     "%s and %s",
		     n->loc.op_type, tstr(n, ta), tstr(n, tb));
		return false;
	}
	if (axis < 0)
		axis += ta->rank;
	fits = axis >= 0 && axis + tb->rank <= ta->rank;
	for (int i = 0; fits && i < tb->rank; i++)
		fits = tb->dim[i] == 1 || tb->dim[i] == ta->dim[axis + i];
	if (!fits) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%s cannot broadcast B %s into A %s at axis %lld",
		     n->loc.op_type, tstr(n, tb), tstr(n, ta), (long long)axis);
		return false;
	}
	pad = ta->rank - (int)axis - tb->rank;
	if (!pad)
		return true;
	memcpy(dim, tb->dim, sizeof tb->dim[0] * tb->rank);
	for (int i = 0; i < pad; i++)
		dim[tb->rank + i] = 1;
	if ((*b)->cst) {
		*b = ir_const_borrow(
		    n->im->cx, n->im->g,
		    type_with_shape(n->im->cx, tb, tb->rank + pad, dim),
		    (*b)->cst->data, (*b)->name);
		return true;
	}
	op = node_op(n, OP_RESHAPE, 1, b);
	op->a.reshape.rank = tb->rank + pad;
	memcpy(op->a.reshape.shape, dim, sizeof dim);
	*b = node_aux(n, op);
	return *b != NULL;
}

/* Add and Mul: numpy broadcasting, checked by shape inference. */
bool
import_binary(Node *n)
{
	Value *in[2] = {n->in[0], n->in[1]};

	if (n->im->opset < 7 && !legacy_broadcast(n, &in[1]))
		return false;
	return node_emit(n, node_op(n, (OpKind)n->kind, 2, in));
}

bool
import_globalavgpool(Node *n)
{
	return node_emit(n, node_op(n, OP_GLOBALAVGPOOL, 1, n->in));
}

bool
import_matmul(Node *n)
{
	return node_emit(n, node_op(n, OP_MATMUL, 2, n->in));
}

/* Before opset 7, C broadcasts only with broadcast=1; else it is [M, N]. */
static bool
legacy_gemm_c(Node *n, const GemmAttr *a)
{
	const TensorType *ta = n->in[0]->type, *tb = n->in[1]->type, *tc;
	bool on;

	if (!attr_bool(n, "broadcast", false, &on))
		return false;
	if (on || n->nin < 3 || !n->in[2] || ta->rank != 2 || tb->rank != 2)
		return true;
	tc = n->in[2]->type;
	if (tc->rank == 2 && tc->dim[0] == ta->dim[a->trans_a] &&
	    tc->dim[1] == tb->dim[!a->trans_b])
		return true;
	diag(n->im->cx, DIAG_ERROR, &n->loc,
	     "Gemm C %s must be [%lld,%lld] without broadcast=1", tstr(n, tc),
	     (long long)ta->dim[a->trans_a], (long long)tb->dim[!a->trans_b]);
	return false;
}

bool
import_gemm(Node *n)
{
	GemmAttr a;
	Op *op;

	if (!attr_float(n, "alpha", 1.0f, &a.alpha) ||
	    !attr_float(n, "beta", 1.0f, &a.beta) ||
	    !attr_bool(n, "transA", false, &a.trans_a) ||
	    !attr_bool(n, "transB", false, &a.trans_b))
		return false;
	if (n->im->opset < 7 && !legacy_gemm_c(n, &a))
		return false;
	op = node_op(n, OP_GEMM, n->nin > 2 && n->in[2] ? 3 : 2, n->in);
	op->a.gemm = a;
	return node_emit(n, op);
}

/* An axis attribute in [-rank, rank + extra) made non-negative. */
static bool
read_axis(Node *n, const char *name, int64_t def, int extra, int32_t *out)
{
	const TensorType *x = n->in[0]->type;
	int64_t axis;

	if (!attr_int(n, name, def, &axis))
		return false;
	if (axis < -(int64_t)x->rank || axis >= (int64_t)x->rank + extra) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%s axis %lld is out of range for input %s",
		     n->loc.op_type, (long long)axis, tstr(n, x));
		return false;
	}
	*out = (int32_t)(axis < 0 ? axis + x->rank : axis);
	return true;
}

bool
import_flatten(Node *n)
{
	int32_t axis;
	Op *op;

	if (!read_axis(n, "axis", 1, 1, &axis))
		return false;
	op = node_op(n, OP_FLATTEN, 1, n->in);
	op->a.axis.axis = axis;
	return node_emit(n, op);
}

/* Before opset 13 Softmax flattens its input to 2-D at axis (default 1);
 * from 13 on it works along one axis (default -1). */
bool
import_softmax(Node *n)
{
	bool legacy = n->im->opset < 13;
	int32_t axis;
	Op *op;

	if (!read_axis(n, "axis", legacy ? 1 : -1, 0, &axis))
		return false;
	op = node_op(n, OP_SOFTMAX, 1, n->in);
	op->a.softmax.axis = axis;
	op->a.softmax.legacy = legacy;
	return node_emit(n, op);
}

bool
import_concat(Node *n)
{
	int32_t axis;
	Op *op;

	if (n->im->opset >= 4 && !attr_get(n, "axis")) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "Concat needs attribute \"axis\"");
		return false;
	}
	for (int i = 0; i < n->nin; i++) {
		if (!n->in[i]) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "input %d of Concat is empty", i);
			return false;
		}
	}
	if (!read_axis(n, "axis", 1, 0, &axis))
		return false;
	op = node_op(n, OP_CONCAT, n->nin, n->in);
	op->a.axis.axis = axis;
	return node_emit(n, op);
}

/* The target shape is a constant int64 list (an attribute before opset
 * 5): 0 copies the input's size (unless allowzero), -1 is inferred. */
static bool
reshape_shape(Node *n, const int64_t **s, int64_t *rank)
{
	const Value *shape;
	int count;

	if (n->im->opset < 5) {
		if (!attr_ints(n, "shape", s, &count))
			return false;
		*rank = count;
		if (n->nin == 1 && count >= 0 && count <= MAX_RANK)
			return true;
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "Reshape before opset 5 takes 1 input and attribute "
		     "\"shape\" with at most %d sizes",
		     MAX_RANK);
		return false;
	}
	if (n->nin != 2 || !n->in[1]) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "Reshape takes 2 inputs, not %d", n->nin);
		return false;
	}
	shape = node_const_input(n, 1, "Reshape shape", DT_I64);
	if (!shape)
		return false;
	if (shape->type->rank != 1 || shape->type->dim[0] > MAX_RANK) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "Reshape shape must be a list of at most %d sizes, not %s",
		     MAX_RANK, tstr(n, shape->type));
		return false;
	}
	*rank = shape->type->dim[0];
	*s = shape->cst->data;
	return true;
}

bool
import_reshape(Node *n)
{
	ReshapeAttr a = {0};
	const int64_t *s;
	int64_t rank;
	Op *op;

	if (!attr_bool(n, "allowzero", false, &a.allowzero) ||
	    !reshape_shape(n, &s, &rank))
		return false;
	a.rank = (int32_t)rank;
	for (int i = 0; i < a.rank; i++) {
		if (s[i] < -1) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "Reshape shape has negative size %lld",
			     (long long)s[i]);
			return false;
		}
		a.shape[i] = s[i];
	}
	op = node_op(n, OP_RESHAPE, 1, n->in);
	op->a.reshape = a;
	return node_emit(n, op);
}

bool
import_identity(Node *n)
{
	return node_alias(n, n->in[0]);
}

/* Inference: y = x.  The mask output must be unused. */
bool
import_dropout(Node *n)
{
	const Value *mode;

	attr_ignore(n, "seed");
	if (n->im->opset < 7 && !node_is_test(n))
		return false;
	if (n->im->opset < 12) {
		attr_ignore(n, "ratio");
		if (n->nin > 1) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "Dropout before opset 12 takes 1 input, not %d",
			     n->nin);
			return false;
		}
	} else if (n->nin > 2 && n->in[2]) {
		mode = node_const_input(n, 2, "Dropout training_mode", DT_BOOL);
		if (!mode)
			return false;
		if (type_numel(mode->type) != 1 ||
		    *(const uint8_t *)mode->cst->data) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "Dropout in training mode is not supported");
			return false;
		}
	}
	if (!node_outputs_unused(n, 1, "mask"))
		return false;
	return node_alias(n, n->in[0]);
}

/* A scalar (count < 0) or a list of f32 or i64 as a constant. */
static Value *
constant_of(Node *n, DType dt, int count, const void *data)
{
	int64_t dim = count;
	const TensorType *t =
	    type_new(n->im->cx, dt, count < 0 ? 0 : 1, &dim, NULL);

	return ir_const(n->im->cx, n->im->g, t, data, n->p->output[0]);
}

bool
import_constant(Node *n)
{
	static const char *const kinds[] = {
	    "value",      "value_float",  "value_floats", "value_int",
	    "value_ints", "sparse_value", "value_string", "value_strings",
	};
	const Onnx__TensorProto *t;
	const int64_t *ints;
	const float *floats;
	int which = -1, given = 0, count;
	int64_t i;
	float f;
	Value *v = NULL;

	for (int k = 0; k < (int)(sizeof kinds / sizeof *kinds); k++) {
		if (attr_get(n, kinds[k])) {
			which = k;
			given++;
		}
	}
	if (given != 1) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "Constant needs exactly one "
		     "of value, value_float, value_floats, value_int, "
		     "value_ints");
		return false;
	}
	switch (which) {
	case 0:
		if (attr_tensor(n, "value", &t))
			v = onnx_tensor_value(n->im, t, &n->loc,
			                      "Constant value",
			                      n->p->output[0]);
		break;
	case 1:
		if (attr_float(n, "value_float", 0, &f))
			v = constant_of(n, DT_F32, -1, &f);
		break;
	case 2:
		if (attr_floats(n, "value_floats", &floats, &count))
			v = constant_of(n, DT_F32, count, floats);
		break;
	case 3:
		if (attr_int(n, "value_int", 0, &i))
			v = constant_of(n, DT_I64, -1, &i);
		break;
	case 4:
		if (attr_ints(n, "value_ints", &ints, &count))
			v = constant_of(n, DT_I64, count, ints);
		break;
	default:
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "Constant with %s is not supported", kinds[which]);
		return false;
	}
	return v && node_alias(n, v);
}
