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
 *   Sub, Div, Max, Min,  binary with a QCC_BIN_* code, likewise
 *   Pow, PRelu
 *   MaxPool, AvgPool     maxpool2d/avgpool2d on the N*C planes
 *   GlobalAveragePool    globalavgpool on the N*C planes
 *   Flatten, Reshape,    copy, only when the result's buffer differs from
 *   Identity             the input's (plan-memory aliases what it can)
 *   Gemm                 gemm, C broadcast as row and column strides
 *   MatMul               matmul with broadcast batch strides
 *   Softmax              softmax on [outer, len, inner]
 *   Concat               one concat (strided copy) per input
 *   ScaleShift           scaleshift
 *   Transpose, Slice,    strided (lower_index.c); Gather gather, Pad pad
 *   Tile, Expand
 *   ConvTranspose        convtranspose2d (lower_nn.c)
 *   Equal, Greater, ..., compare/where/not on bool bytes (lower_logic.c)
 *   Where, Not
 * then a copy into every output slot whose value lives elsewhere.
 * Ops with an OPF_ACT flag pass op->act as the last three arguments.
 * Only f32 tensors of fewer than 2^31 elements lower (views and outputs
 * copy bytes of any type, comparisons make bool); others are errors.
 */
#include <string.h>

#include "lower.h"
#include "../runtime/qcc_rt.h"

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

bool
buf_eq(Buf a, Buf b)
{
	return a.kind == b.kind && a.index == b.index && a.offset == b.offset;
}

/* ---- building one call ---------------------------------------------------- */

KArg *
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

void
arg_buf(Lower *L, Buf b)
{
	arg_new(L, KA_BUF)->u.buf = b;
}

void
arg_val(Lower *L, const Value *v)
{
	arg_buf(L, value_buf(L->g, v));
}

void
arg_i32(Lower *L, int64_t i)
{
	if (i < INT32_MIN || i > INT32_MAX)
		bug("kernel argument %lld does not fit in int32_t", (long long)i);
	arg_new(L, KA_I32)->u.i = (int32_t)i;
}

void
arg_f32(Lower *L, float f)
{
	arg_new(L, KA_F32)->u.f = f;
}

/* A constant array, copied into cx->perm; never empty. */
void
arg_array(Lower *L, KArgKind k, const void *p, uint32_t n)
{
	KArg *a = arg_new(L, k);
	void *q = arena_alloc(L->cx->perm, (size_t)n * 4, 4);

	QCC_ASSERT(n > 0 && (k == KA_I32S || k == KA_F32S));
	memcpy(q, p, (size_t)n * 4);
	a->u.arr.p = q;
	a->u.arr.n = n;
}

void
arg_act(Lower *L, const Act *act)
{
	arg_i32(L, act->kind);
	arg_f32(L, act->alpha);
	arg_f32(L, act->beta);
}

/* The layout argument of the kernels that read or write channel-blocked
 * tensors (qcc_rt.h): which of op's input 0 and result 0 are blocked. */
void
arg_layout(Lower *L, const Op *op)
{
	int32_t f = 0;

	if (op->in[0]->layout == LAYOUT_NCHW16C)
		f |= QCC_RT_LAYOUT_XB;
	if (op->out[0]->layout == LAYOUT_NCHW16C)
		f |= QCC_RT_LAYOUT_YB;
	arg_i32(L, f);
}

void
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

void
call_copy(Lower *L, Buf from, Buf to, int64_t n)
{
	arg_buf(L, from);
	arg_buf(L, to);
	arg_i32(L, n);
	call_end(L, "qcc_rt_copy_f32");
}

void
call_copy_bytes(Lower *L, Buf from, Buf to, const TensorType *t)
{
	int64_t n = (int64_t)type_bytes(t);

	if (n % 4) {
		arg_buf(L, from);
		arg_buf(L, to);
		arg_i32(L, n);
		call_end(L, "qcc_rt_copy_q8");
		return;
	}
	call_copy(L, from, to, n / 4);
}

/* ---- shapes --------------------------------------------------------------- */

int64_t
dims_prod(const TensorType *t, int from, int to)
{
	int64_t n = 1;

	for (int i = from; i < to; i++)
		n *= t->dim[i];
	return n;
}

/* Strides (elements) of t's axes when t is broadcast to rank r, right
 * aligned: 0 for an axis t lacks or has size 1. */
void
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
int
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

void
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

/* The window arguments every conv kernel takes, in this order: input
 * n, c, h, w; output m, oh, ow; kernel kh, kw; strides; dilations; the top
 * and left pads (bottom and right follow from the output size). */
void
arg_conv_geometry(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	const ConvAttr *a = &op->a.conv;

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
}

/* The window arguments every 2-D pool kernel takes: planes n*c, h, w,
 * oh, ow, kernel, strides, dilations, top and left pads. */
void
arg_pool_geometry(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	const PoolAttr *a = &op->a.pool;

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
		/* Gather's indices become a constant array argument */
		if (op->kind == OP_GATHER && i == 1 && v->cst)
			continue;
		/* views move bytes of any type; bool results of comparisons
		 * and Not, bool conditions of Where (lower_logic.c) */
		if ((op_info[op->kind].flags & OPF_VIEW) ||
		    (v->type->dt == DT_BOOL && lower_is_logic(op)))
			continue;
		/* lower_logic.c reports the operand types it cannot run */
		if (lower_is_logic(op) && i < op->nin)
			continue;
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
	if (lower_is_pm1(op))
		return lower_pm1(L, op);
	if (lower_is_quant(op))
		return lower_quant(L, op);
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
	case OP_HARDSWISH:
	case OP_NEG:
	case OP_ABS:
	case OP_SQRT:
	case OP_EXP:
	case OP_LOG:
	case OP_RECIPROCAL:
	case OP_TANH:
	case OP_ERF:
	case OP_LEAKYRELU:
	case OP_ELU:
	case OP_SELU:
	case OP_SOFTPLUS:
	case OP_SIGN: lower_act(L, op); return true;
	case OP_ADD:
	case OP_MUL:
	case OP_SUB:
	case OP_DIV:
	case OP_MAX:
	case OP_MIN:
	case OP_POW:
	case OP_PRELU: lower_binary(L, op); return true;
	case OP_MAXPOOL:
	case OP_AVGPOOL: lower_pool(L, op); return true;
	case OP_GLOBALAVGPOOL: lower_globalavgpool(L, op); return true;
	case OP_FLATTEN:
	case OP_RESHAPE:
	case OP_IDENTITY: lower_view(L, op); return true;
	case OP_GEMM: lower_gemm(L, op); return true;
	case OP_MATMUL: lower_matmul(L, op); return true;
	case OP_SOFTMAX:
	case OP_LOGSOFTMAX: lower_softmax(L, op); return true;
	case OP_CONCAT: lower_concat(L, op); return true;
	case OP_SCALESHIFT: lower_scaleshift(L, op); return true;
	case OP_TRANSPOSE:
	case OP_SLICE:
	case OP_TILE:
	case OP_EXPAND: lower_strided(L, op); return true;
	case OP_GATHER: lower_gather(L, op); return true;
	case OP_PAD: lower_pad(L, op); return true;
	case OP_RESIZE: lower_resize(L, op); return true;
	case OP_REDUCEMEAN:
	case OP_REDUCEMAX:
	case OP_REDUCESUM:
	case OP_REDUCEL2: lower_reduce(L, op); return true;
	case OP_INSTNORM:
	case OP_LAYERNORM: lower_normalize(L, op); return true;
	case OP_LRN: lower_lrn(L, op); return true;
	case OP_CONVTRANSPOSE: return lower_convtranspose(L, op);
	case OP_EQUAL:
	case OP_GREATER:
	case OP_LESS:
	case OP_GREATEREQ:
	case OP_LESSEQ:
	case OP_NOT:
	case OP_WHERE: return lower_logic(L, op);
	case OP_QUANTIZE:
	case OP_DEQUANTIZE:
	case OP_REQUANT:
	case OP_LUT:
	case OP_BITPLANE:
	case OP_PM1CONV:
	case OP_SIGNFLIP:
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

		if (buf_eq(from, to) || type_numel(v->type) == 0)
			continue;
		if (v->type->dt == DT_U8)
			lower_copy_q8(&L, from, to, type_numel(v->type));
		else
			call_copy_bytes(&L, from, to, v->type);
	}
	*calls = L.calls;
	*ncalls = L.ncalls;
	return ok;
}
