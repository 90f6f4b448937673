/* fold_qdq.c -- an already-quantized model's Dequantize -> op -> Quantize
 * patterns become one op on codes, with the model's own scales and zero
 * points (no calibration).
 *
 * The frontend imports QuantizeLinear / DequantizeLinear (and QLinearConv,
 * QLinearMatMul, QLinearAdd, QLinearMul in the same form) as Quantize and
 * Dequantize around float ops (frontend/onnx_ops_quant.c).  This pass
 * matches
 *     Quantize(op(Dequantize(x), Dequantize(W), [bias]))
 * optionally with a Relu or Clip between op and Quantize, and a Flatten,
 * Reshape or Identity allowed between x's Dequantize and the op (the view
 * moves onto the codes), where
 *   Conv, Gemm  x: u8 codes per tensor; W: constant codes, per tensor or
 *               per output channel; bias: a Dequantize of an int32
 *               constant or a float constant;
 *   MatMul      2-D operands become a Gemm; N-D ones (batched weights,
 *               numpy batch broadcasting where one side has no batch) a
 *               MatMul on codes;
 *   Add, Mul    both operands u8 codes per tensor;
 * and replaces it with the op on codes whose result type is the
 * Quantize's (fold-shift then makes its rescale integer-only, exactly as
 * for -quantize=int8).
 *
 * Weights become codes w - z_w with zero point 0.  Symmetric int8 weights,
 * the full range -128..127 included, stay i8.  Weights whose w - z_w leave
 * int8 (u8 weights with a zero point: w - z_w in [-255, 255]) are widened
 * to i16 instead, and run in the i16-weight kernels
 * (runtime/kernels/qimport.c).  Of the two exact ways to handle z_w --
 * widen the weights, or keep 8-bit weights and subtract z_w * sum(x) per
 * output pixel in the kernel -- widening is the one chosen: the zero point
 * vanishes at compile time, the folded bias (fold-shift) and the
 * interpreter stay as they are, and padding needs no special case.  It
 * costs twice the weight bytes for those layers only.
 * Either way every product is formed and accumulated in int32 (never a
 * 16-bit pair sum that could saturate); a layer whose worst-case
 * accumulator could exceed int32 (weights_codes) is not folded.
 * The bias becomes int32 at s_x * s_w[c]: the model's codes when its
 * scale is exactly that, else re-rounded from its real value.
 * A pattern that does not fit (other ops, per-axis activations) stays as
 * it is: Dequantize, the float op and Quantize, which run as such.
 * requires: shapes              invalidates: memory plan
 */
#include <math.h>

#include "passes.h"

static Value *weights_bounded(Ctx *cx, Graph *g, const Value *c, int axis,
                              DType dt, int64_t bound, int64_t limit);

static bool
single_use(const Value *v)
{
	return v->nuses == 1;
}

/* The codes behind f if f = Dequantize(codes), else NULL. */
static Value *
dq_src(Value *f)
{
	return f && f->def && f->def->kind == OP_DEQUANTIZE ? f->def->in[0]
	                                                    : NULL;
}

static bool
is_act_codes(const Value *c)
{
	return c && c->type->dt == DT_U8 && c->type->q &&
	       c->type->q->kind == Q_TENSOR;
}

/* Constant weight codes c (channel axis `axis`) as codes c - z_w of type
 * dt (i8 or i16) with zero point 0; NULL if one does not fit, or if the
 * worst-case accumulator over a channel could leave int32: bound * sum |w|
 * with bound 510 for Conv and Gemm (u8 codes and the -z_x term folded
 * into the bias; half of int32 is left for the model's bias), 255 for a
 * MatMul on codes (|a - z_a| <= 255, no bias). */
static Value *
weights_codes(Ctx *cx, Graph *g, const Value *c, int axis, DType dt)
{
	return weights_bounded(cx, g, c, axis, dt, 510, INT32_MAX / 2);
}

static Value *
weights_bounded(Ctx *cx, Graph *g, const Value *c, int axis, DType dt,
                int64_t bound, int64_t limit)
{
	const TensorType *t = c->type;
	const Quant *q = t->q;
	int64_t n = type_numel(t), inner = 1, nch;
	int16_t *d = NEWARRAY(cx->scratch, int16_t, n + 1);
	int8_t *d8 = NEWARRAY(cx->scratch, int8_t, n + 1);
	int64_t *sum;
	Quant *nq = NEW(cx->perm, Quant);

	if (!c->cst || !q || (t->dt != DT_U8 && t->dt != DT_I8))
		return NULL;
	if (q->kind == Q_AXIS && q->axis != axis)
		return NULL;
	nch = t->dim[axis];
	sum = NEWARRAY(cx->scratch, int64_t, nch);
	for (int i = axis + 1; i < t->rank; i++)
		inner *= t->dim[i];
	for (int64_t i = 0; i < n; i++) {
		int64_t ch = i / inner % nch;
		int32_t v = t->dt == DT_U8 ? ((const uint8_t *)c->cst->data)[i]
		                           : ((const int8_t *)c->cst->data)[i];
		v -= quant_zp(q, q->kind == Q_AXIS ? ch : 0);
		if (v < dtype_min(dt) || v > dtype_max(dt))
			return NULL;
		d[i] = (int16_t)v;
		d8[i] = (int8_t)v;
		sum[ch] += v < 0 ? -v : v;
	}
	for (int64_t ch = 0; ch < nch; ch++)
		if (bound * sum[ch] > limit)
			return NULL;
	*nq = (Quant){q->kind, (int8_t)(q->kind == Q_AXIS ? axis : 0), q->n,
	              q->scale, NULL, 0};
	return ir_const(cx, g, type_new(cx, dt, t->rank, t->dim, nq),
	                dt == DT_I8 ? (const void *)d8 : (const void *)d,
	                c->name);
}

/* The weights as i8 codes, else i16 (see the top of the file). */
static Value *
weights_q(Ctx *cx, Graph *g, const Value *c, int axis)
{
	Value *w = weights_codes(cx, g, c, axis, DT_I8);

	return w ? w : weights_codes(cx, g, c, axis, DT_I16);
}

/* The bias f (a float value, n entries) as int32 at s_x * s_w[c]; *out
 * NULL if there is none; false if f is neither a constant nor a
 * Dequantize of one. */
static bool
bias_i32(Ctx *cx, Graph *g, Value *f, int64_t n, const Quant *qx,
         const Quant *qw, Value **out)
{
	Value *c = dq_src(f);
	const Value *src = c ? c : f;
	int32_t *d = NEWARRAY(cx->perm, int32_t, n);
	float *s = NEWARRAY(cx->perm, float, n);
	Quant *q = NEW(cx->perm, Quant);

	*out = NULL;
	if (!f)
		return true;
	if (!src->cst || src->type->rank != 1 || src->type->dim[0] != n ||
	    (c ? c->type->dt != DT_I32 : src->type->dt != DT_F32))
		return false;
	for (int64_t i = 0; i < n; i++) {
		float sc = quant_scale(qx, 0) * quant_scale(qw, i);
		double real, v;

		s[i] = sc;
		if (c && quant_scale(c->type->q, i) == sc &&
		    quant_zp(c->type->q, i) == 0) {
			d[i] = ((const int32_t *)c->cst->data)[i];
			continue;
		}
		real = c ? (double)quant_scale(c->type->q, i) *
		           (((const int32_t *)c->cst->data)[i] -
		            (double)quant_zp(c->type->q, i))
		         : ((const float *)src->cst->data)[i];
		v = round(real / sc);
		d[i] = (int32_t)fmax(fmin(v, 2147483647.0), -2147483647.0);
	}
	*q = (Quant){Q_AXIS, 0, (uint32_t)n, s, NULL, 0};
	*out = ir_const(cx, g, type_new(cx, DT_I32, 1, &n, q), d, "bias");
	return true;
}

/* The codes behind f if f = Dequantize(codes), or f = View(Dequantize(
 * codes)) for a Flatten, Reshape or Identity: then the same view of the
 * codes, inserted before op p (a Dequantize per tensor commutes with a
 * view).  NULL otherwise. */
static Value *
dq_src_view(Ctx *cx, Graph *g, Value *f, Op *p)
{
	Value *c = dq_src(f);
	const TensorType *t;
	Op *v = f ? f->def : NULL, *op;

	if (c || !v || (v->kind != OP_FLATTEN && v->kind != OP_RESHAPE &&
	                v->kind != OP_IDENTITY))
		return c;
	if (!is_act_codes(c = dq_src(v->in[0])))
		return NULL;
	t = type_with_shape(cx, c->type, f->type->rank, f->type->dim);
	op = ir_op_new(cx, g, v->kind, &v->loc, 1, &c, 1, &t);
	op->a = v->a;
	ir_insert_before(g, p, op);
	return op->out[0];
}

/* MatMul p (operands Dequantize(x) with the codes x, Dequantize(W)) as a
 * MatMul on codes with i16 weights, the result type qop's; NULL if it does
 * not fit. */
static Op *
matmul_q(Ctx *cx, Graph *g, Op *p, Value *x, Act act, Op *qop)
{
	Value *in[2] = {x, dq_src(p->in[1])};
	const TensorType *yt = qop->out[0]->type;
	Op *op;

	if (!is_act_codes(in[0]) || !in[1] || in[1]->type->rank < 2 ||
	    !(in[1] = weights_bounded(cx, g, in[1], in[1]->type->rank - 1,
	                              DT_I16, 255, INT32_MAX)))
		return NULL;
	op = ir_op_new(cx, g, OP_MATMUL, &p->loc, 2, in, 1, &yt);
	op->act = act;
	return op;
}

/* The op on codes replacing Quantize qop of float op p's result, with
 * fused activation act; NULL if p does not fit. */
static Op *
fold_op(Ctx *cx, Graph *g, Op *p, Act act, Op *qop)
{
	Value *x = dq_src_view(cx, g, p->in[0], p), *in[3] = {NULL, NULL, NULL};
	const TensorType *yt = qop->out[0]->type;
	OpKind k = p->kind;
	int nin = 2;
	Op *op;

	if (!is_act_codes(x))
		return NULL;
	in[0] = x;
	switch (p->kind) {
	case OP_ADD:
	case OP_MUL:
		if (!is_act_codes(in[1] = dq_src(p->in[1])))
			return NULL;
		break;
	case OP_CONV:
		if (!(in[1] = dq_src(p->in[1])) ||
		    !(in[1] = weights_q(cx, g, in[1], 0)) ||
		    !bias_i32(cx, g, p->nin > 2 ? p->in[2] : NULL,
		              in[1]->type->dim[0], x->type->q, in[1]->type->q,
		              &in[2]))
			return NULL;
		nin = in[2] ? 3 : 2;
		break;
	case OP_MATMUL:
		if (x->type->rank != 2 || p->in[1]->type->rank != 2)
			return matmul_q(cx, g, p, x, act, qop);
		/* fall through */
	case OP_GEMM: {
		bool tb = p->kind == OP_GEMM && p->a.gemm.trans_b;
		const GemmAttr *a = &p->a.gemm;

		if (p->kind == OP_GEMM && (a->trans_a || a->alpha != 1.0f ||
		                           (p->nin > 2 && a->beta != 1.0f)))
			return NULL;
		if (x->type->rank != 2 || !(in[1] = dq_src(p->in[1])) ||
		    in[1]->type->rank != 2 ||
		    !(in[1] = weights_codes(cx, g, in[1], !tb, DT_I8)))
			return p->kind == OP_MATMUL ? matmul_q(cx, g, p, x, act, qop)
			                            : NULL;
		if (!bias_i32(cx, g, p->nin > 2 ? p->in[2] : NULL,
		              in[1]->type->dim[!tb], x->type->q, in[1]->type->q,
		              &in[2]))
			return NULL;
		nin = in[2] ? 3 : 2;
		k = OP_GEMM;
		break;
	}
	default:
		return NULL;
	}
	op = ir_op_new(cx, g, k, &p->loc, nin, in, 1, &yt);
	if (p->kind == k)
		op->a = p->a;
	else
		op->a.gemm = (GemmAttr){1.0f, 1.0f, false, false};
	op->act = act;
	return op;
}

static bool
fold_one(Ctx *cx, Graph *g, Op *qop)
{
	Value *f = qop->in[0];
	Op *p = f->def, *op;
	Act act = {ACT_NONE, 0, 0};

	if (!is_act_codes(qop->out[0]) || !p || !single_use(f))
		return false;
	if ((p->kind == OP_RELU || p->kind == OP_CLIP) && p->in[0]->def &&
	    single_use(p->in[0])) {
		act = p->a.act;
		p = p->in[0]->def;
	}
	if ((op_info[p->kind].flags & OPF_ACT) && p->act.kind != ACT_NONE)
		return false;
	if (!(op = fold_op(cx, g, p, act, qop)))
		return false;
	op->out[0]->name = qop->out[0]->name;
	ir_insert_before(g, qop, op);
	ir_replace_uses(g, qop->out[0], op->out[0]);
	ir_remove(g, qop);
	return true;
}

static bool
fold_qdq(Ctx *cx, Graph *g)
{
	bool changed = false;

	for_each_op_safe(op, nx, g)
		if (op->kind == OP_QUANTIZE)
			changed |= fold_one(cx, g, op);
	return changed;
}

const Pass pass_fold_qdq = {
	.name = "fold-qdq",
	.run = fold_qdq,
};
