/* lower.c -- a planned graph to the list of runtime kernel calls that runs
 * it, shared by the C and LLVM backends (see backend.h, runtime/qcc_rt.h).
 *
 * Where bytes live (value_buf): a graph input in the caller's input slot,
 * a constant in the weights, a graph output in the caller's first output
 * slot that lists it, anything else in the scratch arena at the offset
 * plan-memory gave it.  Precedence is in that order, so a value that is
 * both an input (or constant) and an output lives in its input (or the
 * weights) and is copied out at the end.
 *
 * Each op becomes calls in op order, with every size a constant taken
 * from the inferred types:
 *   Conv                 conv2d (weights [m, c/group, kh, kw], pads t/l)
 *   BatchNormalization   scaleshift with per-channel arrays computed here
 *                        (fold-bn removes it from optimized pipelines)
 *   Relu, Clip, ...      act over the flat tensor
 *   Add, Mul             add/mul with broadcast strides, axes merged
 *   MaxPool, AvgPool     maxpool2d/avgpool2d on the N*C planes
 *   GlobalAveragePool    globalavgpool on the N*C planes
 *   Flatten, Reshape,    copy, only when the result's buffer differs from
 *   Identity             the input's (plan-memory aliases what it can)
 *   Gemm                 gemm, C broadcast as row and column strides
 *   MatMul               matmul with broadcast batch strides
 *   Softmax              softmax on [outer, len, inner]
 *   Concat               one concat (strided copy) per input
 *   ScaleShift           scaleshift
 * then a copy into every output slot whose value lives elsewhere.
 * Ops with an OPF_ACT flag pass op->act as the last three arguments.
 * Only f32 tensors of fewer than 2^31 elements lower; others are errors.
 */
#include <math.h>
#include <string.h>

#include "backend.h"

enum { MAXARGS = 32 };

typedef struct Lower {
	Ctx *cx;
	const Graph *g;
	const Op *op;          /* the op being lowered, NULL for output copies */
	KCall *calls;
	uint32_t ncalls, cap;
	KArg args[MAXARGS];    /* the call being built */
	uint32_t nargs;
} Lower;

Buf
value_buf(const Graph *g, const Value *v)
{
	Buf b = {BUF_NONE, 0, 0};

	if (!v)
		return b;
	for (uint32_t i = 0; i < g->ninputs; i++)
		if (g->inputs[i] == v) {
			b.kind = BUF_INPUT;
			b.index = i;
			return b;
		}
	if (v->cst) {
		b.kind = BUF_CONST;
		b.index = v->id;
		return b;
	}
	for (uint32_t i = 0; i < g->noutputs; i++)
		if (g->outputs[i] == v) {
			b.kind = BUF_OUTPUT;
			b.index = i;
			return b;
		}
	if (v->offset < 0)
		bug("value %%%u (%s) has no scratch offset: plan-memory must run "
		    "before lowering", v->id, v->name ? v->name : "");
	b.kind = BUF_SCRATCH;
	b.offset = v->offset;
	return b;
}

static bool
buf_eq(Buf a, Buf b)
{
	return a.kind == b.kind && a.index == b.index && a.offset == b.offset;
}

/* ---- building one call ---------------------------------------------------- */

static KArg *
arg_new(Lower *L, KArgKind k)
{
	KArg *a;

	if (L->nargs == MAXARGS)
		bug("kernel call with more than %d arguments", MAXARGS);
	a = &L->args[L->nargs++];
	memset(a, 0, sizeof *a);
	a->kind = k;
	return a;
}

static void
arg_buf(Lower *L, Buf b)
{
	arg_new(L, KA_BUF)->u.buf = b;
}

static void
arg_val(Lower *L, const Value *v)
{
	arg_buf(L, value_buf(L->g, v));
}

static void
arg_i32(Lower *L, int64_t i)
{
	if (i < INT32_MIN || i > INT32_MAX)
		bug("kernel argument %lld does not fit in int32_t", (long long)i);
	arg_new(L, KA_I32)->u.i = (int32_t)i;
}

static void
arg_f32(Lower *L, float f)
{
	arg_new(L, KA_F32)->u.f = f;
}

/* A constant array, copied into cx->perm; never empty. */
static void
arg_array(Lower *L, KArgKind k, const void *p, uint32_t n)
{
	KArg *a = arg_new(L, k);
	void *q = arena_alloc(L->cx->perm, (size_t)n * 4, 4);

	QCC_ASSERT(n > 0 && (k == KA_I32S || k == KA_F32S));
	memcpy(q, p, (size_t)n * 4);
	a->u.arr.p = q;
	a->u.arr.n = n;
}

static void
arg_act(Lower *L, const Act *act)
{
	arg_i32(L, act->kind);
	arg_f32(L, act->alpha);
	arg_f32(L, act->beta);
}

static void
call_end(Lower *L, const char *fn)
{
	KCall *c;

	vec_grow(L->cx->perm, (void **)&L->calls, &L->cap, L->ncalls + 1,
	         sizeof(KCall));
	c = &L->calls[L->ncalls++];
	c->fn = fn;
	c->nargs = L->nargs;
	c->args = NEWARRAY(L->cx->perm, KArg, L->nargs ? L->nargs : 1);
	memcpy(c->args, L->args, L->nargs * sizeof(KArg));
	c->op = L->op;
	L->nargs = 0;
}

static void
call_copy(Lower *L, Buf from, Buf to, int64_t n)
{
	arg_buf(L, from);
	arg_buf(L, to);
	arg_i32(L, n);
	call_end(L, "qcc_rt_copy_f32");
}

/* ---- shapes --------------------------------------------------------------- */

static int64_t
dims_prod(const TensorType *t, int from, int to)
{
	int64_t n = 1;

	for (int i = from; i < to; i++)
		n *= t->dim[i];
	return n;
}

/* Strides (elements) of t's axes when t is broadcast to rank r, right
 * aligned: 0 for an axis t lacks or has size 1. */
static void
bcast_strides(const TensorType *t, int r, int64_t *str)
{
	int64_t s = 1;

	for (int i = r - 1; i >= 0; i--) {
		int j = i - (r - t->rank);

		str[i] = j >= 0 && t->dim[j] != 1 ? s : 0;
		if (j >= 0)
			s *= t->dim[j];
	}
}

/* Drops size-1 axes of dims and merges neighbours that both operands walk
 * contiguously (or both broadcast), in place; returns the new rank, >= 1. */
static int
merge_axes(int r, int64_t *dims, int64_t *sa, int64_t *sb)
{
	int n = 0;

	for (int i = 0; i < r; i++) {
		if (dims[i] == 1)
			continue;
		if (n > 0 && sa[n - 1] == sa[i] * dims[i] &&
		    sb[n - 1] == sb[i] * dims[i]) {
			dims[n - 1] *= dims[i];
			sa[n - 1] = sa[i];
			sb[n - 1] = sb[i];
			continue;
		}
		dims[n] = dims[i];
		sa[n] = sa[i];
		sb[n] = sb[i];
		n++;
	}
	if (n == 0) {
		dims[0] = 1;
		sa[0] = sb[0] = 0;
		n = 1;
	}
	return n;
}

static void
arg_shape(Lower *L, int r, const int64_t *dims, const int64_t *sa,
          const int64_t *sb)
{
	int32_t d[MAX_RANK], a[MAX_RANK], b[MAX_RANK];

	for (int i = 0; i < r; i++) {
		d[i] = (int32_t)dims[i];
		a[i] = (int32_t)sa[i];
		b[i] = (int32_t)sb[i];
	}
	arg_i32(L, r);
	arg_array(L, KA_I32S, d, (uint32_t)r);
	arg_array(L, KA_I32S, a, (uint32_t)r);
	arg_array(L, KA_I32S, b, (uint32_t)r);
}

/* ---- one function per op family ------------------------------------------ */

static void
lower_conv(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	const ConvAttr *a = &op->a.conv;

	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	for (int i = 0; i < 4; i++)
		arg_i32(L, x->dim[i]);
	for (int i = 1; i < 4; i++)
		arg_i32(L, y->dim[i]);
	arg_i32(L, w->dim[2]);
	arg_i32(L, w->dim[3]);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->stride[i]);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->dilation[i]);
	arg_i32(L, a->pad[0]);
	arg_i32(L, a->pad[1]);
	arg_i32(L, a->group);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_conv2d_f32");
}

static void
scaleshift_dims(Lower *L, const TensorType *t)
{
	arg_i32(L, t->rank > 0 ? t->dim[0] : 1);
	arg_i32(L, t->rank > 1 ? t->dim[1] : 1);
	arg_i32(L, dims_prod(t, 2, t->rank));
}

/* y = x * s + t with s = gamma / sqrt(var + eps), t = beta - mean * s,
 * computed in double as fold-bn does. */
static bool
lower_batchnorm(Lower *L, const Op *op)
{
	const float *p[4];
	int64_t c = type_numel(op->in[1]->type);
	float *s, *t;
	Act none = {ACT_NONE, 0.0f, 0.0f};

	for (int i = 0; i < 4; i++)
		if (!(p[i] = value_f32(op->in[i + 1]))) {
			diag(L->cx, DIAG_ERROR, &op->loc, "BatchNormalization with "
			     "non-constant scale, bias, mean or variance is not "
			     "supported");
			return false;
		}
	s = NEWARRAY(L->cx->scratch, float, c ? c : 1);
	t = NEWARRAY(L->cx->scratch, float, c ? c : 1);
	for (int64_t j = 0; j < c; j++) {
		double a = p[0][j] / sqrt((double)p[3][j] + op->a.bn.eps);

		s[j] = (float)a;
		t[j] = (float)(p[1][j] - p[2][j] * a);
	}
	arg_val(L, op->in[0]);
	arg_array(L, KA_F32S, s, (uint32_t)c);
	arg_array(L, KA_F32S, t, (uint32_t)c);
	arg_val(L, op->out[0]);
	scaleshift_dims(L, op->in[0]->type);
	arg_act(L, &none);
	call_end(L, "qcc_rt_scaleshift_f32");
	return true;
}

static void
lower_scaleshift(Lower *L, const Op *op)
{
	for (int i = 0; i < 3; i++)
		arg_val(L, op->in[i]);
	arg_val(L, op->out[0]);
	scaleshift_dims(L, op->in[0]->type);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_scaleshift_f32");
}

static void
lower_act(Lower *L, const Op *op)
{
	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, type_numel(op->out[0]->type));
	arg_act(L, &op->a.act);
	call_end(L, "qcc_rt_act_f32");
}

static void
lower_binary(Lower *L, const Op *op)
{
	const TensorType *y = op->out[0]->type;
	int64_t dims[MAX_RANK], sa[MAX_RANK], sb[MAX_RANK];
	int r = y->rank;

	for (int i = 0; i < r; i++)
		dims[i] = y->dim[i];
	bcast_strides(op->in[0]->type, r, sa);
	bcast_strides(op->in[1]->type, r, sb);
	r = merge_axes(r, dims, sa, sb);
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->out[0]);
	arg_shape(L, r, dims, sa, sb);
	arg_act(L, &op->act);
	call_end(L, op->kind == OP_ADD ? "qcc_rt_add_f32" : "qcc_rt_mul_f32");
}

static void
lower_pool(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	const PoolAttr *a = &op->a.pool;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, x->dim[0] * x->dim[1]);
	arg_i32(L, x->dim[2]);
	arg_i32(L, x->dim[3]);
	arg_i32(L, y->dim[2]);
	arg_i32(L, y->dim[3]);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->kernel[i]);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->stride[i]);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->dilation[i]);
	arg_i32(L, a->pad[0]);
	arg_i32(L, a->pad[1]);
	if (op->kind == OP_MAXPOOL) {
		call_end(L, "qcc_rt_maxpool2d_f32");
		return;
	}
	arg_i32(L, a->pad[2]);
	arg_i32(L, a->pad[3]);
	arg_i32(L, a->count_include_pad);
	call_end(L, "qcc_rt_avgpool2d_f32");
}

static void
lower_globalavgpool(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, dims_prod(x, 0, 2));
	arg_i32(L, dims_prod(x, 2, x->rank));
	call_end(L, "qcc_rt_globalavgpool_f32");
}

static void
lower_view(Lower *L, const Op *op)
{
	Buf from = value_buf(L->g, op->in[0]), to = value_buf(L->g, op->out[0]);

	if (!buf_eq(from, to))
		call_copy(L, from, to, type_numel(op->out[0]->type));
}

static void
lower_gemm(Lower *L, const Op *op)
{
	const GemmAttr *a = &op->a.gemm;
	const TensorType *ta = op->in[0]->type, *y = op->out[0]->type;
	const Value *c = op->nin > 2 ? op->in[2] : NULL;
	int64_t rs = 0, cs = 0;

	if (c && c->type->rank >= 1 && c->type->dim[c->type->rank - 1] != 1)
		cs = 1;
	if (c && c->type->rank == 2 && c->type->dim[0] != 1)
		rs = c->type->dim[1];
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, c);
	arg_val(L, op->out[0]);
	arg_i32(L, y->dim[0]);
	arg_i32(L, y->dim[1]);
	arg_i32(L, a->trans_a ? ta->dim[0] : ta->dim[1]);
	arg_i32(L, a->trans_a);
	arg_i32(L, a->trans_b);
	arg_f32(L, a->alpha);
	arg_f32(L, a->beta);
	arg_i32(L, rs);
	arg_i32(L, cs);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_gemm_f32");
}

/* Batch axes of A and B ([..., m, k] and [..., k, n], a 1-D operand
 * having none) broadcast against each other. */
static void
lower_matmul(Lower *L, const Op *op)
{
	const TensorType *ta = op->in[0]->type, *tb = op->in[1]->type;
	int ra = ta->rank, rb = tb->rank;
	int64_t m = ra >= 2 ? ta->dim[ra - 2] : 1, k = ta->dim[ra - 1];
	int64_t n = rb >= 2 ? tb->dim[rb - 1] : 1;
	int ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
	int r = ba > bb ? ba : bb;
	int64_t dims[MAX_RANK], sa[MAX_RANK], sb[MAX_RANK];
	int64_t za = m * k, zb = k * n;

	for (int i = r - 1; i >= 0; i--) {
		int ia = i - (r - ba), ib = i - (r - bb);
		int64_t da = ia >= 0 ? ta->dim[ia] : 1;
		int64_t db = ib >= 0 ? tb->dim[ib] : 1;

		dims[i] = da > db ? da : db;
		sa[i] = da == 1 ? 0 : za;
		sb[i] = db == 1 ? 0 : zb;
		za *= da;
		zb *= db;
	}
	r = merge_axes(r, dims, sa, sb);
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->out[0]);
	arg_i32(L, m);
	arg_i32(L, n);
	arg_i32(L, k);
	arg_shape(L, r, dims, sa, sb);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_matmul_f32");
}

static void
lower_softmax(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type;
	int ax = op->a.softmax.axis;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, dims_prod(x, 0, ax));
	if (op->a.softmax.legacy) {
		arg_i32(L, dims_prod(x, ax, x->rank));
		arg_i32(L, 1);
	} else {
		arg_i32(L, x->dim[ax]);
		arg_i32(L, dims_prod(x, ax + 1, x->rank));
	}
	call_end(L, "qcc_rt_softmax_f32");
}

static void
lower_concat(Lower *L, const Op *op)
{
	const TensorType *y = op->out[0]->type;
	int ax = op->a.axis.axis;
	int64_t outer = dims_prod(y, 0, ax), inner = dims_prod(y, ax + 1, y->rank);
	int64_t at = 0;

	for (int i = 0; i < op->nin; i++) {
		int64_t len = op->in[i]->type->dim[ax] * inner;
		Buf to = value_buf(L->g, op->out[0]);

		to.offset += at * inner * (int64_t)sizeof(float);
		at += op->in[i]->type->dim[ax];
		if (len == 0 || outer == 0)
			continue;
		arg_val(L, op->in[i]);
		arg_buf(L, to);
		arg_i32(L, outer);
		arg_i32(L, len);
		arg_i32(L, y->dim[ax] * inner);
		call_end(L, "qcc_rt_concat_f32");
	}
}

/* ---- driver --------------------------------------------------------------- */

/* Input problems the kernels cannot take: other element types, tensors
 * too large for 32-bit sizes. */
static bool
check_types(Lower *L, const Op *op)
{
	for (int i = 0; i < op->nin + op->nout; i++) {
		const Value *v = i < op->nin ? op->in[i] : op->out[i - op->nin];
		char buf[96];

		if (!v)
			continue;
		if (!v->type)
			bug("lowering op %u with an untyped value %%%u", op->id, v->id);
		if (v->type->dt != DT_F32) {
			diag(L->cx, DIAG_ERROR, &op->loc, "cannot generate code for "
			     "%s tensors (only f32)", type_str(v->type, buf, sizeof buf));
			return false;
		}
		if (type_numel(v->type) > INT32_MAX) {
			diag(L->cx, DIAG_ERROR, &op->loc, "tensor %s has 2^31 or "
			     "more elements", type_str(v->type, buf, sizeof buf));
			return false;
		}
	}
	return true;
}

static bool
lower_op(Lower *L, const Op *op)
{
	if (!check_types(L, op))
		return false;
	if (type_numel(op->out[0]->type) == 0)
		return true;
	switch (op->kind) {
	case OP_CONV: lower_conv(L, op); return true;
	case OP_BATCHNORM: return lower_batchnorm(L, op);
	case OP_RELU:
	case OP_CLIP:
	case OP_SIGMOID:
	case OP_HARDSIGMOID:
	case OP_HARDSWISH: lower_act(L, op); return true;
	case OP_ADD:
	case OP_MUL: lower_binary(L, op); return true;
	case OP_MAXPOOL:
	case OP_AVGPOOL: lower_pool(L, op); return true;
	case OP_GLOBALAVGPOOL: lower_globalavgpool(L, op); return true;
	case OP_FLATTEN:
	case OP_RESHAPE:
	case OP_IDENTITY: lower_view(L, op); return true;
	case OP_GEMM: lower_gemm(L, op); return true;
	case OP_MATMUL: lower_matmul(L, op); return true;
	case OP_SOFTMAX: lower_softmax(L, op); return true;
	case OP_CONCAT: lower_concat(L, op); return true;
	case OP_SCALESHIFT: lower_scaleshift(L, op); return true;
	case OP_COUNT: break;
	}
	bug("lowering: no kernel for op kind %d", (int)op->kind);
}

bool
lower_graph(Ctx *cx, const Graph *g, KCall **calls, uint32_t *ncalls)
{
	Lower L;
	bool ok = true;

	memset(&L, 0, sizeof L);
	L.cx = cx;
	L.g = g;
	if (!g->shaped)
		bug("lowering a graph whose shapes are not inferred");
	for_each_op(op, g) {
		L.op = op;
		ok &= lower_op(&L, op);
	}
	L.op = NULL;
	for (uint32_t i = 0; ok && i < g->noutputs; i++) {
		const Value *v = g->outputs[i];
		Buf to = {BUF_OUTPUT, i, 0}, from = value_buf(g, v);

		if (!buf_eq(from, to) && type_numel(v->type) > 0)
			call_copy(&L, from, to, type_numel(v->type));
	}
	*calls = L.calls;
	*ncalls = L.ncalls;
	return ok;
}
