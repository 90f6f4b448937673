/* fold_qdq.c -- an already-quantized model's Dequantize -> op -> Quantize
 * patterns become one op on codes, with the model's own scales and zero
 * points (no calibration).
 *
 * The frontend imports QuantizeLinear / DequantizeLinear (and QLinearConv,
 * QLinearMatMul in the same form) as Quantize and Dequantize around float
 * ops (frontend/onnx_ops_quant.c).  This pass matches
 *     Quantize(op(Dequantize(x), Dequantize(W), [bias]))
 * optionally with a Relu or Clip between op and Quantize, where
 *   Conv, Gemm  x: u8 codes per tensor; W: constant codes, per tensor or
 *               per output channel; bias: a Dequantize of an int32
 *               constant or a float constant;
 *   MatMul      the same with 2-D operands (it becomes a Gemm);
 *   Add         both operands u8 codes per tensor;
 * and replaces it with the op on codes whose result type is the
 * Quantize's (fold-shift then makes its rescale integer-only, exactly as
 * for -quantize=int8).  The weights become i8 codes w - z_w with zero
 * point 0; that must fit in [-128, 127], which holds for every symmetric
 * int8 weight tensor including the full range -128..127 (the kernels
 * accumulate u8 x i8 products in int32, with no 16-bit intermediate).
 * The bias becomes int32 at s_x * s_w[c]: the model's codes when its
 * scale is exactly that, else re-rounded from its real value.
 * A pattern that does not fit (other ops, u8 weights whose zero point
 * leaves codes outside int8, per-axis activations) stays as it is:
 * Dequantize, the float op and Quantize, which run as such.
 * requires: shapes              invalidates: memory plan
 */
#include <math.h>

#include "passes.h"

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

/* Constant weight codes c (channel axis `axis`) as i8 codes c - z_w with
 * zero point 0; NULL if one does not fit. */
static Value *
weights_i8(Ctx *cx, Graph *g, const Value *c, int axis)
{
	const TensorType *t = c->type;
	const Quant *q = t->q;
	int64_t n = type_numel(t), inner = 1, nch;
	int8_t *d = NEWARRAY(cx->perm, int8_t, n + 1);
	Quant *nq = NEW(cx->perm, Quant);

	if (!c->cst || !q || (t->dt != DT_U8 && t->dt != DT_I8))
		return NULL;
	if (q->kind == Q_AXIS && q->axis != axis)
		return NULL;
	nch = q->kind == Q_AXIS ? t->dim[axis] : 1;
	for (int i = axis + 1; i < t->rank; i++)
		inner *= t->dim[i];
	for (int64_t i = 0; i < n; i++) {
		int64_t ch = q->kind == Q_AXIS ? i / inner % nch : 0;
		int32_t v = t->dt == DT_U8 ? ((const uint8_t *)c->cst->data)[i]
		                           : ((const int8_t *)c->cst->data)[i];
		v -= quant_zp(q, ch);
		if (v < -128 || v > 127)
			return NULL;
		d[i] = (int8_t)v;
	}
	*nq = (Quant){q->kind, (int8_t)(q->kind == Q_AXIS ? axis : 0), q->n,
	              q->scale, NULL, 0};
	return ir_const(cx, g, type_new(cx, DT_I8, t->rank, t->dim, nq), d,
	                c->name);
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

/* The op on codes replacing Quantize qop of float op p's result, with
 * fused activation act; NULL if p does not fit. */
static Op *
fold_op(Ctx *cx, Graph *g, Op *p, Act act, Op *qop)
{
	Value *x = dq_src(p->in[0]), *in[3] = {NULL, NULL, NULL};
	const TensorType *yt = qop->out[0]->type;
	OpKind k = p->kind;
	int nin = 2;
	Op *op;

	if (!is_act_codes(x))
		return NULL;
	in[0] = x;
	switch (p->kind) {
	case OP_ADD:
		if (!is_act_codes(in[1] = dq_src(p->in[1])))
			return NULL;
		break;
	case OP_CONV:
		if (!(in[1] = dq_src(p->in[1])) ||
		    !(in[1] = weights_i8(cx, g, in[1], 0)) ||
		    !bias_i32(cx, g, p->nin > 2 ? p->in[2] : NULL,
		              in[1]->type->dim[0], x->type->q, in[1]->type->q,
		              &in[2]))
			return NULL;
		nin = in[2] ? 3 : 2;
		break;
	case OP_MATMUL:
	case OP_GEMM: {
		bool tb = p->kind == OP_GEMM && p->a.gemm.trans_b;
		const GemmAttr *a = &p->a.gemm;

		if (p->kind == OP_GEMM && (a->trans_a || a->alpha != 1.0f ||
		                           (p->nin > 2 && a->beta != 1.0f)))
			return NULL;
		if (x->type->rank != 2 || !(in[1] = dq_src(p->in[1])) ||
		    in[1]->type->rank != 2 ||
		    !(in[1] = weights_i8(cx, g, in[1], !tb)) ||
		    !bias_i32(cx, g, p->nin > 2 ? p->in[2] : NULL,
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
