/* shape.c -- per-op type inference with ONNX semantics.
 *
 * ir_infer_op computes the result types of one op from its input types and
 * attributes, dispatching through a table indexed by OpKind.  Anything that
 * does not fit (ranks, channel counts, broadcasting, element counts, dtypes)
 * is reported with diag() at the op's Loc, naming what does not fit, and
 * the op's inference returns false.
 *
 * Layout is NCHW throughout; Conv and the pools are 2-D.  Compute ops take
 * f32 data for now; Flatten, Reshape, Identity and Concat move bytes and
 * accept any byte-sized element type.
 */
#include <stdarg.h>

#include "ir.h"

typedef bool InferFn(Ctx *cx, const Op *op, const TensorType *out[]);

static const char *
opname(const Op *op)
{
	const OpInfo *oi = &op_info[op->kind];

	return oi->onnx ? oi->onnx : oi->name;
}

bool
shape_fail(Ctx *cx, const Op *op, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag(cx, DIAG_ERROR, &op->loc, "%s", msg);
	return false;
}

const char *
shape_tstr(Ctx *cx, const TensorType *t)
{
	char buf[128];

	return arena_strdup(cx->perm, type_str(t, buf, sizeof buf));
}

/* The type of input i, which must be present. */
static const TensorType *
in_type(Ctx *cx, const Op *op, int i, const char *what)
{
	const Value *v = i < op->nin ? op->in[i] : NULL;

	if (!v) {
		shape_fail(cx, op, "%s has no %s (input %d)", opname(op), what,
		           i);
		return NULL;
	}
	if (!v->type)
		bug("op %u (%s \"%s\"): input %d (%%%u) has no type", op->id,
		    opname(op), op->loc.node ? op->loc.node : "", i, v->id);
	return v->type;
}

/* Like in_type, and the element type must be f32. */
static const TensorType *
in_f32(Ctx *cx, const Op *op, int i, const char *what)
{
	const TensorType *t = in_type(cx, op, i, what);

	if (t && t->dt != DT_F32) {
		shape_fail(cx, op,
		           "%s %s has element type %s; only f32 is supported",
		           opname(op), what, dtype_info[t->dt].name);
		return NULL;
	}
	return t;
}

static bool
need_rank(Ctx *cx, const Op *op, const TensorType *t, const char *what, int lo,
          int hi)
{
	if (t->rank >= lo && t->rank <= hi)
		return true;
	if (lo == hi)
		return shape_fail(cx, op, "%s %s must have rank %d, not %s",
		                  opname(op), what, lo, shape_tstr(cx, t));
	if (hi == MAX_RANK)
		return shape_fail(cx, op,
		                  "%s %s must have rank %d or more, not %s",
		                  opname(op), what, lo, shape_tstr(cx, t));
	return shape_fail(cx, op, "%s %s must have rank %d to %d, not %s",
	                  opname(op), what, lo, hi, shape_tstr(cx, t));
}

/* A per-channel parameter: rank 1 with n entries. */
static bool
need_vec(Ctx *cx, const Op *op, int i, const char *what, int64_t n)
{
	const TensorType *t = in_f32(cx, op, i, what);

	if (!t)
		return false;
	if (t->rank != 1 || t->dim[0] != n)
		return shape_fail(cx, op,
		                  "%s %s is %s but must be [%lld] to match "
		                  "the channels",
		                  opname(op), what, shape_tstr(cx, t),
		                  (long long)n);
	return true;
}

static const TensorType *
f32_type(Ctx *cx, int rank, const int64_t *dim)
{
	return type_new(cx, DT_F32, rank, dim, NULL);
}

int64_t
conv_out_size(int64_t in, int32_t k, int32_t stride, int32_t dil, int32_t pad0,
              int32_t pad1, bool ceil_mode)
{
	int64_t ek, span, out;

	if (in < 1 || k < 1 || stride < 1 || dil < 1 || pad0 < 0 || pad1 < 0)
		return -1;
	ek = (int64_t)dil * (k - 1) + 1;
	span = in + pad0 + pad1 - ek;
	if (span < 0)
		return -1;
	out = span / stride + 1;
	if (ceil_mode && span % stride) {
		out++;
		/* The last window must start inside the input or the left
		 * padding, not in the right padding alone. */
		if ((out - 1) * stride >= in + pad0)
			out--;
	}
	return out;
}

static bool
check_window(Ctx *cx, const Op *op, const int32_t *kernel,
             const int32_t *stride, const int32_t *dil, const int32_t *pad)
{
	for (int i = 0; i < 2; i++) {
		if (kernel[i] < 0 || stride[i] < 1 || dil[i] < 1)
			return shape_fail(cx, op,
			                  "%s has kernel %dx%d, stride "
			                  "%dx%d, dilation %dx%d; strides and "
			                  "dilations must be positive",
			                  opname(op), kernel[0], kernel[1],
			                  stride[0], stride[1], dil[0], dil[1]);
	}
	for (int i = 0; i < 4; i++) {
		if (pad[i] < 0)
			return shape_fail(cx, op,
			                  "%s has negative padding "
			                  "%d,%d,%d,%d",
			                  opname(op), pad[0], pad[1], pad[2],
			                  pad[3]);
	}
	return true;
}

/* Output height and width of a 2-D window over x (NCHW) into oh, ow. */
static bool
window_out(Ctx *cx, const Op *op, const TensorType *x, const int32_t *k,
           const int32_t *stride, const int32_t *dil, const int32_t *pad,
           bool ceil_mode, int64_t o[2])
{
	static const char *const axis[2] = {"height", "width"};

	for (int i = 0; i < 2; i++) {
		o[i] = conv_out_size(x->dim[2 + i], k[i], stride[i], dil[i],
		                     pad[i], pad[i + 2], ceil_mode);
		if (o[i] < 1)
			return shape_fail(
			    cx, op,
			    "%s window does not fit: input "
			    "%s %lld with padding %d+%d is smaller "
			    "than kernel %d (dilation %d)",
			    opname(op), axis[i], (long long)x->dim[2 + i],
			    pad[i], pad[i + 2], k[i], dil[i]);
	}
	return true;
}

static bool
infer_conv(Ctx *cx, const Op *op, const TensorType *out[])
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *x = in_f32(cx, op, 0, "input");
	const TensorType *w = in_f32(cx, op, 1, "weight");
	int32_t k[2];
	int64_t c, m, g = a->group, o[2];

	if (!x || !w || !need_rank(cx, op, x, "input", 4, 4) ||
	    !need_rank(cx, op, w, "weight", 4, 4))
		return false;
	c = x->dim[1];
	m = w->dim[0];
	if (g < 1 || c % g || m % g)
		return shape_fail(cx, op,
		                  "Conv group %lld does not divide input "
		                  "channels %lld and output channels %lld",
		                  (long long)g, (long long)c, (long long)m);
	if (w->dim[1] * g != c)
		return shape_fail(cx, op,
		                  "Conv input has %lld channels but weight "
		                  "expects %lld (group %lld)",
		                  (long long)c, (long long)(w->dim[1] * g),
		                  (long long)g);
	for (int i = 0; i < 2; i++) {
		if (a->kernel[i] && a->kernel[i] != w->dim[2 + i])
			return shape_fail(cx, op,
			                  "Conv kernel_shape %dx%d does not "
			                  "match weight %s",
			                  a->kernel[0], a->kernel[1],
			                  shape_tstr(cx, w));
		k[i] = (int32_t)w->dim[2 + i];
	}
	if (op->nin > 2 && op->in[2] && !need_vec(cx, op, 2, "bias", m))
		return false;
	if (!check_window(cx, op, k, a->stride, a->dilation, a->pad) ||
	    !window_out(cx, op, x, k, a->stride, a->dilation, a->pad, false, o))
		return false;
	out[0] = f32_type(cx, 4, (int64_t[]){x->dim[0], m, o[0], o[1]});
	return true;
}

static bool
infer_batchnorm(Ctx *cx, const Op *op, const TensorType *out[])
{
	static const char *const what[] = {"scale", "bias", "mean", "variance"};
	const TensorType *x = in_f32(cx, op, 0, "input");

	if (!x || !need_rank(cx, op, x, "input", 2, MAX_RANK))
		return false;
	for (int i = 1; i < 5; i++)
		if (!need_vec(cx, op, i, what[i - 1], x->dim[1]))
			return false;
	out[0] = x;
	return true;
}

static bool
infer_scaleshift(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x = in_f32(cx, op, 0, "input");

	if (!x || !need_rank(cx, op, x, "input", 2, MAX_RANK) ||
	    !need_vec(cx, op, 1, "scale", x->dim[1]) ||
	    !need_vec(cx, op, 2, "shift", x->dim[1]))
		return false;
	out[0] = x;
	return true;
}

static bool
infer_unary(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x;

	/* i64/i32 Neg: shape arithmetic (shape_logic.c) */
	if (op->kind == OP_NEG && op->in[0] && op->in[0]->type &&
	    (op->in[0]->type->dt == DT_I64 || op->in[0]->type->dt == DT_I32))
		return ir_infer_logic_op(cx, op, out);
	x = in_f32(cx, op, 0, "input");
	if (!x)
		return false;
	out[0] = x;
	return true;
}

static bool
infer_softmax(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x = in_f32(cx, op, 0, "input");

	if (!x || !need_rank(cx, op, x, "input", 1, MAX_RANK))
		return false;
	if (op->a.softmax.axis < 0 || op->a.softmax.axis >= x->rank)
		return shape_fail(cx, op,
		                  "Softmax axis %d is out of range for %s",
		                  op->a.softmax.axis, shape_tstr(cx, x));
	out[0] = x;
	return true;
}

/* Multidirectional (numpy) broadcasting of a and b into dim; returns the
 * rank, or -1 if they do not broadcast. */
static int
broadcast(const TensorType *a, const TensorType *b, int64_t *dim)
{
	int r = a->rank > b->rank ? a->rank : b->rank;

	for (int i = 0; i < r; i++) {
		int ia = a->rank - r + i, ib = b->rank - r + i;
		int64_t da = ia >= 0 ? a->dim[ia] : 1;
		int64_t db = ib >= 0 ? b->dim[ib] : 1;
		if (da != db && da != 1 && db != 1)
			return -1;
		dim[i] = da == 1 ? db : da;
	}
	return r;
}

static bool
infer_binary(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *a, *b;
	int64_t dim[MAX_RANK];
	int r;

	/* i64/i32 Add, Sub, Mul, Div: shape arithmetic (shape_logic.c) */
	if (op->in[0] && op->in[0]->type &&
	    (op->in[0]->type->dt == DT_I64 || op->in[0]->type->dt == DT_I32) &&
	    (op->kind == OP_ADD || op->kind == OP_SUB || op->kind == OP_MUL ||
	     op->kind == OP_DIV))
		return ir_infer_logic_op(cx, op, out);
	a = in_f32(cx, op, 0, "input A");
	b = in_f32(cx, op, 1, "input B");
	if (!a || !b)
		return false;
	r = broadcast(a, b, dim);
	if (r < 0)
		return shape_fail(
		    cx, op, "%s operands %s and %s do not broadcast",
		    opname(op), shape_tstr(cx, a), shape_tstr(cx, b));
	out[0] = f32_type(cx, r, dim);
	return true;
}

static bool
infer_pool(Ctx *cx, const Op *op, const TensorType *out[])
{
	const PoolAttr *a = &op->a.pool;
	const TensorType *x = in_f32(cx, op, 0, "input");
	int64_t o[2];

	if (!x || !need_rank(cx, op, x, "input", 4, 4) ||
	    !check_window(cx, op, a->kernel, a->stride, a->dilation, a->pad))
		return false;
	for (int i = 0; i < 2; i++) {
		if (a->kernel[i] < 1)
			return shape_fail(cx, op, "%s has no kernel_shape",
			                  opname(op));
		/* Keeps every window touching the input (as ONNX Runtime
		 * requires), so a max or an average is always defined. */
		if (a->pad[i] >= a->kernel[i] || a->pad[i + 2] >= a->kernel[i])
			return shape_fail(cx, op,
			                  "%s padding %d,%d,%d,%d must be "
			                  "smaller than kernel %dx%d",
			                  opname(op), a->pad[0], a->pad[1],
			                  a->pad[2], a->pad[3], a->kernel[0],
			                  a->kernel[1]);
	}
	if (!window_out(cx, op, x, a->kernel, a->stride, a->dilation, a->pad,
	                a->ceil_mode, o))
		return false;
	out[0] = f32_type(cx, 4, (int64_t[]){x->dim[0], x->dim[1], o[0], o[1]});
	return true;
}

static bool
infer_globalavgpool(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x = in_f32(cx, op, 0, "input");
	int64_t dim[MAX_RANK];

	if (!x || !need_rank(cx, op, x, "input", 3, MAX_RANK))
		return false;
	dim[0] = x->dim[0];
	dim[1] = x->dim[1];
	for (int i = 2; i < x->rank; i++)
		dim[i] = 1;
	out[0] = f32_type(cx, x->rank, dim);
	return true;
}

/* Views and copies accept any whole-byte element type. */
static const TensorType *
in_bytes(Ctx *cx, const Op *op, int i, const char *what)
{
	const TensorType *t = in_type(cx, op, i, what);

	if (t && dtype_info[t->dt].bits % 8) {
		shape_fail(cx, op,
		           "%s %s has packed element type %s, which it "
		           "cannot move",
		           opname(op), what, dtype_info[t->dt].name);
		return NULL;
	}
	return t;
}

static bool
infer_flatten(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x = in_bytes(cx, op, 0, "input");
	int32_t axis = op->a.axis.axis;
	int64_t dim[2] = {1, 1};

	if (!x)
		return false;
	if (axis < 0 || axis > x->rank)
		return shape_fail(cx, op,
		                  "Flatten axis %d is out of range for %s",
		                  axis, shape_tstr(cx, x));
	for (int i = 0; i < x->rank; i++)
		dim[i >= axis] *= x->dim[i];
	out[0] = type_with_shape(cx, x, 2, dim);
	return true;
}

static bool
infer_reshape(Ctx *cx, const Op *op, const TensorType *out[])
{
	const ReshapeAttr *a = &op->a.reshape;
	const TensorType *x = in_bytes(cx, op, 0, "input");
	const TensorType *y;
	int64_t dim[MAX_RANK], known = 1;
	int infer = -1;

	if (!x)
		return false;
	if (a->rank < 0 || a->rank > MAX_RANK)
		return shape_fail(cx, op, "Reshape to rank %d is not supported",
		                  a->rank);
	for (int i = 0; i < a->rank; i++) {
		dim[i] = a->shape[i];
		if (dim[i] == 0 && !a->allowzero && i >= x->rank)
			return shape_fail(
			    cx, op,
			    "Reshape shape has 0 at position "
			    "%d but the input %s has no such dimension",
			    i, shape_tstr(cx, x));
		if (dim[i] == 0 && !a->allowzero)
			dim[i] = x->dim[i];
		if (dim[i] == -1 && infer >= 0)
			return shape_fail(cx, op,
			                  "Reshape shape has more than "
			                  "one -1");
		if (dim[i] == -1) {
			infer = i;
			continue;
		}
		if (dim[i] < 0)
			return shape_fail(cx, op,
			                  "Reshape shape has negative size "
			                  "%lld",
			                  (long long)dim[i]);
		known *= dim[i];
	}
	if (infer >= 0) {
		if (known == 0 || type_numel(x) % known)
			return shape_fail(
			    cx, op,
			    "Reshape cannot infer the -1 in "
			    "its shape: %lld elements of %s do not "
			    "divide into %lld",
			    (long long)type_numel(x), shape_tstr(cx, x),
			    (long long)known);
		dim[infer] = type_numel(x) / known;
		known *= dim[infer];
	}
	y = type_with_shape(cx, x, a->rank, dim);
	if (known != type_numel(x))
		return shape_fail(cx, op,
		                  "Reshape of %s (%lld elements) to %s (%lld "
		                  "elements)",
		                  shape_tstr(cx, x), (long long)type_numel(x),
		                  shape_tstr(cx, y), (long long)known);
	out[0] = y;
	return true;
}

static bool
infer_identity(Ctx *cx, const Op *op, const TensorType *out[])
{
	out[0] = in_bytes(cx, op, 0, "input");
	return out[0] != NULL;
}

static bool
infer_gemm(Ctx *cx, const Op *op, const TensorType *out[])
{
	const GemmAttr *a = &op->a.gemm;
	const TensorType *ta = in_f32(cx, op, 0, "input A");
	const TensorType *tb = in_f32(cx, op, 1, "input B");
	const TensorType *tc;
	int64_t m, k, kb, n, dim[2];

	if (!ta || !tb || !need_rank(cx, op, ta, "input A", 2, 2) ||
	    !need_rank(cx, op, tb, "input B", 2, 2))
		return false;
	m = ta->dim[a->trans_a];
	k = ta->dim[!a->trans_a];
	kb = tb->dim[a->trans_b];
	n = tb->dim[!a->trans_b];
	if (k != kb)
		return shape_fail(
		    cx, op,
		    "Gemm A %s%s has K = %lld but B %s%s has "
		    "K = %lld",
		    shape_tstr(cx, ta), a->trans_a ? " (transposed)" : "",
		    (long long)k, shape_tstr(cx, tb),
		    a->trans_b ? " (transposed)" : "", (long long)kb);
	dim[0] = m;
	dim[1] = n;
	if (op->nin > 2 && op->in[2]) {
		tc = in_f32(cx, op, 2, "input C");
		if (!tc)
			return false;
		bool ok = tc->rank <= 2;
		for (int i = 0; ok && i < tc->rank; i++) {
			int64_t d = tc->dim[tc->rank - 1 - i];
			ok = d == 1 || d == dim[1 - i];
		}
		if (!ok)
			return shape_fail(cx, op,
			                  "Gemm C %s does not broadcast to "
			                  "[%lld,%lld]",
			                  shape_tstr(cx, tc), (long long)m,
			                  (long long)n);
	}
	out[0] = f32_type(cx, 2, dim);
	return true;
}

static bool
infer_matmul(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *a = in_f32(cx, op, 0, "input A");
	const TensorType *b = in_f32(cx, op, 1, "input B");
	TensorType ba, bb;
	int64_t dim[MAX_RANK], ka, kb;
	int r;

	if (!a || !b || !need_rank(cx, op, a, "input A", 1, MAX_RANK) ||
	    !need_rank(cx, op, b, "input B", 1, MAX_RANK))
		return false;
	ka = a->dim[a->rank - 1];
	kb = b->rank == 1 ? b->dim[0] : b->dim[b->rank - 2];
	if (ka != kb)
		return shape_fail(cx, op,
		                  "MatMul A %s has K = %lld but B %s has K = "
		                  "%lld",
		                  shape_tstr(cx, a), (long long)ka,
		                  shape_tstr(cx, b), (long long)kb);
	/* Batch dimensions: everything but the two matrix dimensions. */
	ba = (TensorType){.rank = a->rank > 2 ? a->rank - 2 : 0};
	bb = (TensorType){.rank = b->rank > 2 ? b->rank - 2 : 0};
	for (int i = 0; i < ba.rank; i++)
		ba.dim[i] = a->dim[i];
	for (int i = 0; i < bb.rank; i++)
		bb.dim[i] = b->dim[i];
	r = broadcast(&ba, &bb, dim);
	if (r < 0)
		return shape_fail(cx, op,
		                  "MatMul batch dimensions of %s and %s do "
		                  "not broadcast",
		                  shape_tstr(cx, a), shape_tstr(cx, b));
	if (a->rank > 1)
		dim[r++] = a->dim[a->rank - 2];
	if (b->rank > 1)
		dim[r++] = b->dim[b->rank - 1];
	out[0] = f32_type(cx, r, dim);
	return true;
}

static bool
infer_concat(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x = in_bytes(cx, op, 0, "input 0");
	int32_t axis = op->a.axis.axis;
	int64_t dim[MAX_RANK];

	if (!x || !need_rank(cx, op, x, "input 0", 1, MAX_RANK))
		return false;
	if (axis < 0 || axis >= x->rank)
		return shape_fail(cx, op,
		                  "Concat axis %d is out of range for %s", axis,
		                  shape_tstr(cx, x));
	for (int i = 0; i < x->rank; i++)
		dim[i] = x->dim[i];
	for (int j = 1; j < op->nin; j++) {
		const TensorType *t = in_type(cx, op, j, "input");
		if (!t)
			return false;
		bool ok = t->dt == x->dt && t->rank == x->rank;
		for (int i = 0; ok && i < x->rank; i++)
			ok = i == axis || t->dim[i] == x->dim[i];
		if (ok)
			ok =
			    type_eq(type_with_shape(cx, x, x->rank, t->dim), t);
		if (!ok)
			return shape_fail(
			    cx, op,
			    "Concat input %d is %s but input 0 "
			    "is %s; they may differ only along axis %d",
			    j, shape_tstr(cx, t), shape_tstr(cx, x), axis);
		dim[axis] += t->dim[axis];
	}
	out[0] = type_with_shape(cx, x, x->rank, dim);
	return true;
}

static InferFn *const infer[OP_COUNT] = {
    [OP_CONV] = infer_conv,
    [OP_BATCHNORM] = infer_batchnorm,
    [OP_RELU] = infer_unary,
    [OP_CLIP] = infer_unary,
    [OP_SIGMOID] = infer_unary,
    [OP_HARDSIGMOID] = infer_unary,
    [OP_HARDSWISH] = infer_unary,
    [OP_ADD] = infer_binary,
    [OP_MUL] = infer_binary,
    [OP_MAXPOOL] = infer_pool,
    [OP_AVGPOOL] = infer_pool,
    [OP_GLOBALAVGPOOL] = infer_globalavgpool,
    [OP_FLATTEN] = infer_flatten,
    [OP_RESHAPE] = infer_reshape,
    [OP_IDENTITY] = infer_identity,
    [OP_GEMM] = infer_gemm,
    [OP_MATMUL] = infer_matmul,
    [OP_SOFTMAX] = infer_softmax,
    [OP_CONCAT] = infer_concat,
    [OP_SCALESHIFT] = infer_scaleshift,
    [OP_TRANSPOSE] = ir_infer_tensor_op,
    [OP_SLICE] = ir_infer_tensor_op,
    [OP_GATHER] = ir_infer_tensor_op,
    [OP_TILE] = ir_infer_tensor_op,
    [OP_EXPAND] = ir_infer_tensor_op,
    [OP_PAD] = ir_infer_tensor_op,
    [OP_RESIZE] = ir_infer_tensor_op,
    [OP_REDUCEMEAN] = ir_infer_norm_op,
    [OP_REDUCEMAX] = ir_infer_norm_op,
    [OP_REDUCESUM] = ir_infer_norm_op,
    [OP_REDUCEL2] = ir_infer_norm_op,
    [OP_LOGSOFTMAX] = ir_infer_norm_op,
    [OP_INSTNORM] = ir_infer_norm_op,
    [OP_LAYERNORM] = ir_infer_norm_op,
    [OP_LRN] = ir_infer_norm_op,
    [OP_NEG] = infer_unary,
    [OP_ABS] = infer_unary,
    [OP_SQRT] = infer_unary,
    [OP_EXP] = infer_unary,
    [OP_LOG] = infer_unary,
    [OP_RECIPROCAL] = infer_unary,
    [OP_TANH] = infer_unary,
    [OP_ERF] = infer_unary,
    [OP_LEAKYRELU] = infer_unary,
    [OP_ELU] = infer_unary,
    [OP_SELU] = infer_unary,
    [OP_SOFTPLUS] = infer_unary,
    [OP_SIGN] = infer_unary,
    [OP_SUB] = infer_binary,
    [OP_DIV] = infer_binary,
    [OP_MAX] = infer_binary,
    [OP_MIN] = infer_binary,
    [OP_POW] = infer_binary,
    [OP_PRELU] = infer_binary,
    [OP_BITPLANE] = ir_infer_pm1,
    [OP_PM1CONV] = ir_infer_pm1,
    [OP_CONVTRANSPOSE] = ir_infer_convt,
    [OP_EQUAL] = ir_infer_logic_op,
    [OP_GREATER] = ir_infer_logic_op,
    [OP_LESS] = ir_infer_logic_op,
    [OP_GREATEREQ] = ir_infer_logic_op,
    [OP_LESSEQ] = ir_infer_logic_op,
    [OP_NOT] = ir_infer_logic_op,
    [OP_WHERE] = ir_infer_logic_op,
};

bool
ir_infer_op(Ctx *cx, const Op *op, const TensorType *out[])
{
	const OpInfo *oi = &op_info[op->kind];

	if (!infer[op->kind] && !op_is_quant(op))
		bug("no shape inference for op kind %s", oi->name);
	if (op->nin < oi->minin || op->nin > oi->maxin || op->nout != oi->nout)
		bug("op %u (%s \"%s\") has %u inputs and %u results", op->id,
		    oi->name, op->loc.node ? op->loc.node : "", op->nin,
		    op->nout);
	if (op_is_quant(op))
		return ir_infer_quant(cx, op, out);
	return infer[op->kind](cx, op, out);
}
