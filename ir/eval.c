/* eval.c -- the reference interpreter: runs ops and graphs with plain loops.
 *
 * This is the oracle the optimized kernels in runtime/ are tested against
 * and the engine for calibration, so it shares no code with them and
 * favours the obviously correct over the fast: every loop follows the ONNX
 * definition, sums run in double, transcendental functions come from libm.
 *
 * ir_eval_op dispatches on the element type of the op's result: byte-moving
 * ops (Flatten, Reshape, Identity, Concat) work for any whole-byte type,
 * compute ops have an f32 table (eval_f32); integer tables go beside it.
 * A fused activation (Op.act) is applied to the result of an OPF_ACT op
 * after its kernel, exactly as the kernels do.  Conv, the one op
 * calibration spends its time in, is in eval_conv.c: the same sums in the
 * same order, blocked and vectorized.
 */
#include <math.h>
#include <string.h>

#include "ir.h"

typedef void EvalF32(const Op *op, const float *const in[], float *out);

static float
apply_act(Act a, float x)
{
	switch (a.kind) {
	case ACT_NONE:
		return x;
	case ACT_RELU:
		return x > 0.0f ? x : 0.0f;
	case ACT_CLIP:
		return fminf(fmaxf(x, a.alpha), a.beta);
	case ACT_SIGMOID:
		return (float)(1.0 / (1.0 + exp(-(double)x)));
	case ACT_HARDSIGMOID:
		return fmaxf(0.0f, fminf(1.0f, a.alpha * x + a.beta));
	case ACT_HARDSWISH:
		return x * fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f));
	case ACT_NEG:
		return -x;
	case ACT_ABS:
		return fabsf(x);
	case ACT_SQRT:
		return sqrtf(x);
	case ACT_EXP:
		return (float)exp(x);
	case ACT_LOG:
		return (float)log(x);
	case ACT_RECIPROCAL:
		return 1.0f / x;
	case ACT_TANH:
		return (float)tanh(x);
	case ACT_ERF:
		return (float)erf(x);
	case ACT_LEAKYRELU:
		return x >= 0.0f ? x : a.alpha * x;
	case ACT_ELU:
		return x > 0.0f ? x : (float)(a.alpha * expm1(x));
	case ACT_SELU:
		return (float)(a.beta * (x > 0.0f ? x : a.alpha * expm1(x)));
	case ACT_SOFTPLUS:
		return x > 30.0f ? x : (float)log1p(exp((double)x));
	case ACT_SIGN:
		return x < 0.0f ? -1.0f : x > 0.0f ? 1.0f : x;
	case ACT_SILU:
		return (float)((double)x / (1.0 + exp(-(double)x)));
	case ACT_COUNT:
		break;
	}
	bug("apply_act: activation kind %d", (int)a.kind);
}

/* y[i] = apply_act(a, x[i]) for i < n (x may be y); Relu and Clip (with
 * bounds that are not NaN) without a call per element, to the same
 * values but the sign of a zero Clip returns for a zero bound. */
static void
apply_act_all(Act a, const float *x, float *y, int64_t n)
{
	if (a.kind == ACT_RELU) {
		for (int64_t i = 0; i < n; i++)
			y[i] = x[i] > 0.0f ? x[i] : 0.0f;
	} else if (a.kind == ACT_CLIP && !isnan(a.alpha) && !isnan(a.beta)) {
		for (int64_t i = 0; i < n; i++) {
			float t = x[i] > a.alpha ? x[i] : a.alpha;
			y[i] = t < a.beta ? t : a.beta;
		}
	} else {
		for (int64_t i = 0; i < n; i++)
			y[i] = apply_act(a, x[i]);
	}
}

static const TensorType *
in_t(const Op *op, int i)
{
	return op->in[i]->type;
}

static const TensorType *
out_t(const Op *op)
{
	return op->out[0]->type;
}

/* Elements of dims [from, to) of t. */
static int64_t
span(const TensorType *t, int from, int to)
{
	int64_t n = 1;

	for (int i = from; i < to; i++)
		n *= t->dim[i];
	return n;
}

static void
eval_actfn(const Op *op, const float *const in[], float *out)
{
	apply_act_all(op->a.act, in[0], out, type_numel(out_t(op)));
}

/* y = (x - mean) / sqrt(var + eps) * scale + bias, per channel dim[1]. */
static void
eval_batchnorm(const Op *op, const float *const in[], float *out)
{
	const TensorType *t = in_t(op, 0);
	int64_t nb = t->dim[0], nc = t->dim[1], inner = span(t, 2, t->rank);
	const float *x = in[0], *scale = in[1], *bias = in[2];
	const float *mean = in[3], *var = in[4];

	for (int64_t n = 0; n < nb; n++) {
		for (int64_t c = 0; c < nc; c++) {
			double inv = 1.0 / sqrt((double)var[c] + op->a.bn.eps);
			for (int64_t i = 0; i < inner; i++) {
				int64_t k = (n * nc + c) * inner + i;
				double xn = ((double)x[k] - mean[c]) * inv;
				out[k] = (float)(xn * scale[c] + bias[c]);
			}
		}
	}
}

/* y = x * scale[c] + shift[c], per channel dim[1]. */
static void
eval_scaleshift(const Op *op, const float *const in[], float *out)
{
	const TensorType *t = in_t(op, 0);
	int64_t nb = t->dim[0], nc = t->dim[1], inner = span(t, 2, t->rank);

	for (int64_t n = 0; n < nb; n++)
		for (int64_t c = 0; c < nc; c++)
			for (int64_t i = 0; i < inner; i++) {
				int64_t k = (n * nc + c) * inner + i;
				out[k] = (float)((double)in[0][k] * in[1][c] +
				                 in[2][c]);
			}
}

/* Strides of the first n dims of t read as a tensor of rank r (those dims
 * aligned right), 0 along dimensions of size 1, which broadcast. */
static void
bcast_strides(const TensorType *t, int n, int r, int64_t *stride)
{
	int64_t s = span(t, n, t->rank);

	for (int i = r - 1; i >= 0; i--) {
		int ti = n - r + i;
		int64_t d = ti >= 0 ? t->dim[ti] : 1;
		stride[i] = d == 1 ? 0 : s;
		s *= d;
	}
}

/* Offset, under the given strides, of the element at flat index k of a
 * tensor with dims dim[0..r). */
static int64_t
bcast_offset(const int64_t *dim, int r, const int64_t *stride, int64_t k)
{
	int64_t off = 0;

	for (int i = r - 1; i >= 0; i--) {
		off += k % dim[i] * stride[i];
		k /= dim[i];
	}
	return off;
}

/* a op b for the binary op kinds, as ONNX defines them: Max and Min
 * propagate NaN, PRelu scales negative a by b. */
static float
binary_at(OpKind k, float a, float b)
{
	switch (k) {
	case OP_ADD:
		return a + b;
	case OP_SUB:
		return a - b;
	case OP_MUL:
		return a * b;
	case OP_DIV:
		return a / b;
	case OP_MAX:
		return isnan(a) || isnan(b) ? NAN : fmaxf(a, b);
	case OP_MIN:
		return isnan(a) || isnan(b) ? NAN : fminf(a, b);
	case OP_POW:
		return (float)pow(a, b);
	case OP_PRELU:
		return a >= 0.0f ? a : a * b;
	default:
		bug("binary_at: op kind %d", (int)k);
	}
}

static void
eval_binary(const Op *op, const float *const in[], float *out)
{
	const TensorType *o = out_t(op);
	int64_t sa[MAX_RANK], sb[MAX_RANK], n = type_numel(o);

	if (type_numel(in_t(op, 0)) == n && type_numel(in_t(op, 1)) == n) {
		/* no broadcast: the flat indices are the result's */
		for (int64_t k = 0; k < n; k++)
			out[k] = binary_at(op->kind, in[0][k], in[1][k]);
		return;
	}
	bcast_strides(in_t(op, 0), in_t(op, 0)->rank, o->rank, sa);
	bcast_strides(in_t(op, 1), in_t(op, 1)->rank, o->rank, sb);
	for (int64_t k = 0; k < n; k++) {
		float a = in[0][bcast_offset(o->dim, o->rank, sa, k)];
		float b = in[1][bcast_offset(o->dim, o->rank, sb, k)];
		out[k] = binary_at(op->kind, a, b);
	}
}

static void
eval_globalavgpool(const Op *op, const float *const in[], float *out)
{
	const TensorType *t = in_t(op, 0);
	int64_t nc = t->dim[0] * t->dim[1], inner = span(t, 2, t->rank);

	for (int64_t c = 0; c < nc; c++) {
		double sum = 0.0;
		for (int64_t i = 0; i < inner; i++)
			sum += in[0][c * inner + i];
		out[c] = (float)(sum / (double)inner);
	}
}

/* New Softmax (opset >= 13) normalizes along axis alone; the legacy one
 * flattens to [outer, dims axis..] and normalizes over the whole row. */
static void
eval_softmax(const Op *op, const float *const in[], float *out)
{
	const TensorType *t = in_t(op, 0);
	int axis = op->a.softmax.axis;
	int64_t outer = span(t, 0, axis), n, inner;

	if (op->a.softmax.legacy) {
		n = span(t, axis, t->rank);
		inner = 1;
	} else {
		n = t->dim[axis];
		inner = span(t, axis + 1, t->rank);
	}
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++) {
			const float *x = in[0] + o * n * inner + i;
			float *y = out + o * n * inner + i;
			float mx = -INFINITY;
			double sum = 0.0;
			for (int64_t j = 0; j < n; j++)
				mx = fmaxf(mx, x[j * inner]);
			for (int64_t j = 0; j < n; j++)
				sum += exp((double)x[j * inner] - mx);
			for (int64_t j = 0; j < n; j++) {
				double e = exp((double)x[j * inner] - mx);
				y[j * inner] = (float)(e / sum);
			}
		}
	}
}

/* Input row/column under kernel tap k of output position o. */
static int64_t
tap(int64_t o, int64_t k, int32_t stride, int32_t pad, int32_t dil)
{
	return o * stride - pad + k * dil;
}

/* One pool output over plane x.  MaxPool takes the largest input element
 * under the window; padding never wins.  AveragePool divides the sum of
 * the input elements by their count, or with count_include_pad by the
 * number of window positions inside the padded input (a ceil_mode window
 * may reach past even the padding). */
static float
pool_at(const Op *op, const float *x, int64_t oy, int64_t ox)
{
	const PoolAttr *a = &op->a.pool;
	int64_t h = in_t(op, 0)->dim[2], w = in_t(op, 0)->dim[3];
	int64_t n = 0, npad = 0;
	float mx = -INFINITY;
	double sum = 0.0;

	for (int64_t ky = 0; ky < a->kernel[0]; ky++) {
		int64_t iy =
		    tap(oy, ky, a->stride[0], a->pad[0], a->dilation[0]);
		for (int64_t kx = 0; kx < a->kernel[1]; kx++) {
			int64_t ix = tap(ox, kx, a->stride[1], a->pad[1],
			                 a->dilation[1]);
			if (iy < h + a->pad[2] && ix < w + a->pad[3])
				npad++;
			if (iy < 0 || iy >= h || ix < 0 || ix >= w)
				continue;
			if (x[iy * w + ix] > mx)
				mx = x[iy * w + ix];
			sum += x[iy * w + ix];
			n++;
		}
	}
	if (op->kind == OP_MAXPOOL)
		return mx;
	return (float)(sum / (double)(a->count_include_pad ? npad : n));
}

static void
eval_pool(const Op *op, const float *const in[], float *out)
{
	const TensorType *xt = in_t(op, 0), *o = out_t(op);
	int64_t planes = xt->dim[0] * xt->dim[1];
	float *y = out;

	for (int64_t p = 0; p < planes; p++) {
		const float *x = in[0] + p * xt->dim[2] * xt->dim[3];
		for (int64_t oy = 0; oy < o->dim[2]; oy++)
			for (int64_t ox = 0; ox < o->dim[3]; ox++)
				*y++ = pool_at(op, x, oy, ox);
	}
}

/* Y = alpha * A' B' + beta * C, A' = A or its transpose, likewise B', and
 * C broadcast to [M,N]. */
static void
eval_gemm(const Op *op, const float *const in[], float *out)
{
	const GemmAttr *a = &op->a.gemm;
	const TensorType *o = out_t(op);
	int64_t m = o->dim[0], n = o->dim[1];
	int64_t k = in_t(op, 0)->dim[a->trans_a ? 0 : 1];
	const float *c = op->nin > 2 ? in[2] : NULL;
	int64_t cs[2] = {0, 0};

	if (c)
		bcast_strides(in_t(op, 2), in_t(op, 2)->rank, 2, cs);
	for (int64_t i = 0; i < m; i++) {
		for (int64_t j = 0; j < n; j++) {
			double sum = 0.0;
			for (int64_t l = 0; l < k; l++) {
				float av = a->trans_a ? in[0][l * m + i]
				                      : in[0][i * k + l];
				float bv = a->trans_b ? in[1][j * k + l]
				                      : in[1][l * n + j];
				sum += (double)av * bv;
			}
			sum *= a->alpha;
			if (c)
				sum +=
				    (double)a->beta * c[i * cs[0] + j * cs[1]];
			out[i * n + j] = (float)sum;
		}
	}
}

/* numpy matmul: a 1-D A is a row [1,K], a 1-D B a column [K,1] (the
 * dimension is dropped from the result), and the batch dimensions in
 * front of the two matrix dimensions broadcast. */
static void
eval_matmul(const Op *op, const float *const in[], float *out)
{
	const TensorType *at = in_t(op, 0), *bt = in_t(op, 1), *o = out_t(op);
	int64_t k = at->dim[at->rank - 1];
	int64_t m = at->rank > 1 ? at->dim[at->rank - 2] : 1;
	int64_t n = bt->rank > 1 ? bt->dim[bt->rank - 1] : 1;
	int r = o->rank - (at->rank > 1) - (bt->rank > 1);
	int64_t sa[MAX_RANK], sb[MAX_RANK], nbatch = span(o, 0, r);

	bcast_strides(at, at->rank > 2 ? at->rank - 2 : 0, r, sa);
	bcast_strides(bt, bt->rank > 2 ? bt->rank - 2 : 0, r, sb);
	for (int64_t b = 0; b < nbatch; b++) {
		const float *pa = in[0] + bcast_offset(o->dim, r, sa, b);
		const float *pb = in[1] + bcast_offset(o->dim, r, sb, b);
		for (int64_t i = 0; i < m; i++) {
			for (int64_t j = 0; j < n; j++) {
				double sum = 0.0;
				for (int64_t l = 0; l < k; l++)
					sum += (double)pa[i * k + l] *
					       pb[l * n + j];
				out[(b * m + i) * n + j] = (float)sum;
			}
		}
	}
}

static EvalF32 *const eval_f32[OP_COUNT] = {
    [OP_CONV] = ir_eval_conv,       [OP_BATCHNORM] = eval_batchnorm,
    [OP_RELU] = eval_actfn,      [OP_CLIP] = eval_actfn,
    [OP_SIGMOID] = eval_actfn,   [OP_HARDSIGMOID] = eval_actfn,
    [OP_HARDSWISH] = eval_actfn, [OP_ADD] = eval_binary,
    [OP_MUL] = eval_binary,      [OP_MAXPOOL] = eval_pool,
    [OP_AVGPOOL] = eval_pool,    [OP_GLOBALAVGPOOL] = eval_globalavgpool,
    [OP_GEMM] = eval_gemm,       [OP_MATMUL] = eval_matmul,
    [OP_SOFTMAX] = eval_softmax, [OP_SCALESHIFT] = eval_scaleshift,
    [OP_NEG] = eval_actfn,       [OP_ABS] = eval_actfn,
    [OP_SQRT] = eval_actfn,      [OP_EXP] = eval_actfn,
    [OP_LOG] = eval_actfn,       [OP_RECIPROCAL] = eval_actfn,
    [OP_TANH] = eval_actfn,      [OP_ERF] = eval_actfn,
    [OP_LEAKYRELU] = eval_actfn, [OP_ELU] = eval_actfn,
    [OP_SELU] = eval_actfn,      [OP_SOFTPLUS] = eval_actfn,
    [OP_SIGN] = eval_actfn,      [OP_SUB] = eval_binary,
    [OP_DIV] = eval_binary,      [OP_MAX] = eval_binary,
    [OP_MIN] = eval_binary,      [OP_POW] = eval_binary,
    [OP_PRELU] = eval_binary,    [OP_CONVTRANSPOSE] = ir_eval_convt,
};

/* Concat moves bytes: for each outer index, each input's block in turn. */
static void
eval_concat(const Op *op, const void *const in[], void *out)
{
	const TensorType *o = out_t(op);
	int axis = op->a.axis.axis;
	size_t esz = (size_t)dtype_info[o->dt].bits / 8;
	int64_t outer = span(o, 0, axis);
	unsigned char *y = out;

	for (int64_t n = 0; n < outer; n++) {
		for (int j = 0; j < op->nin; j++) {
			const TensorType *t = in_t(op, j);
			size_t blk = (size_t)span(t, axis, t->rank) * esz;
			const unsigned char *x = in[j];
			memcpy(y, x + (size_t)n * blk, blk);
			y += blk;
		}
	}
}

bool
ir_eval_op(Ctx *cx, const Op *op, const void *const in[], void *const out[])
{
	const TensorType *o = out_t(op);

	for (int i = 0; i < op->nout; i++)
		if (!op->out[i]->type)
			bug("ir_eval_op: op %u has no result types", op->id);
	if (op_is_quant(op))
		return ir_eval_quant(cx, op, in, out);
	if (op->kind == OP_BITPLANE || op->kind == OP_PM1CONV)
		return ir_eval_pm1(cx, op, in, out);
	switch (op->kind) {
	case OP_FLATTEN:
	case OP_RESHAPE:
	case OP_IDENTITY:
		memcpy(out[0], in[0], type_bytes(o));
		return true;
	case OP_CONCAT:
		eval_concat(op, in, out[0]);
		return true;
	default:
		if (ir_eval_logic_op(op, in, out[0]))
			return true;
		if (ir_eval_tensor_op(op, in, out[0]))
			return true;
		if (o->dt == DT_F32 && ir_eval_norm_op(op, in, out[0]))
			return true;
		break;
	}
	if (o->dt != DT_F32 || !eval_f32[op->kind]) {
		const OpInfo *oi = &op_info[op->kind];
		diag(cx, DIAG_ERROR, &op->loc,
		     "the reference interpreter "
		     "cannot run %s on %s yet",
		     oi->onnx ? oi->onnx : oi->name, dtype_info[o->dt].name);
		return false;
	}
	eval_f32[op->kind](op, (const float *const *)in, out[0]);
	if (op_info[op->kind].flags & OPF_ACT && op->act.kind != ACT_NONE)
		apply_act_all(op->act, out[0], out[0], type_numel(o));
	return true;
}

bool
ir_eval_preact(Ctx *cx, const Op *op, const float *x, const float *w, float *y)
{
	Op tmp = *op;
	const void *in[3] = {x, w, NULL};

	tmp.act = (Act){ACT_NONE, 0.0f, 0.0f};
	if (tmp.nin > 2 && tmp.in[2])
		in[2] = value_f32(tmp.in[2]);
	return ir_eval_op(cx, &tmp, in, (void *const[]){y});
}

void **
ir_eval_values(Ctx *cx, const Graph *g, const void *const inputs[], Arena *a)
{
	void **val = NEWARRAY(a, void *, g->nvalues + 1);
	const void *in[256];
	void *out[16];

	for (uint32_t i = 0; i < g->nvalues; i++)
		if (g->values[i]->cst)
			val[i] = (void *)g->values[i]->cst->data;
	for (uint32_t i = 0; i < g->ninputs; i++) {
		const Value *v = g->inputs[i];
		size_t n = type_bytes(v->type);
		val[v->id] = arena_alloc(a, n ? n : 1, 64);
		memcpy(val[v->id], inputs[i], n);
	}
	for_each_op(op, g)
	{
		QCC_ASSERT(op->nin <= 256 && op->nout <= 16);
		for (int i = 0; i < op->nin; i++) {
			in[i] = op->in[i] ? val[op->in[i]->id] : NULL;
			if (op->in[i] && !in[i])
				bug("ir_eval: op %u reads %%%u before it is "
				    "computed",
				    op->id, op->in[i]->id);
		}
		for (int i = 0; i < op->nout; i++) {
			size_t n = type_bytes(op->out[i]->type);
			out[i] = arena_alloc(a, n ? n : 1, 64);
			val[op->out[i]->id] = out[i];
		}
		if (!ir_eval_op(cx, op, in, out))
			return NULL;
	}
	return val;
}

bool
ir_eval(Ctx *cx, const Graph *g, const void *const inputs[],
        void *const outputs[])
{
	Arena *a = arena_new();
	void **val = ir_eval_values(cx, g, inputs, a);

	if (val) {
		for (uint32_t i = 0; i < g->noutputs; i++) {
			const Value *v = g->outputs[i];
			memcpy(outputs[i], val[v->id], type_bytes(v->type));
		}
	}
	arena_free(a);
	return val != NULL;
}
