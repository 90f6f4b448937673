/* fold_shift.c -- the shift-factor rewrites: integer-only quantized ops.
 *
 * After quantize, a Conv on codes computes
 *     y = s_x s_w[c] (sum (q_x - z_x) q_w + q_b)          (rescale in float)
 * This pass makes the run-time arithmetic integer-only:
 *   1. the input's zero point (the activation's shift) folds into the
 *      bias at compile time:
 *          sum (q_x - z_x) q_w + q_b = sum q_x q_w + (q_b - z_x sum q_w)
 *      so bias'[c] = q_b[c] - z_x * (sum of W's codes over channel c), and
 *      the kernel reads z_x for taps in the padding (they stand for 0);
 *      Gemm likewise, summing B's column j;
 *   2. every rescale M = s_acc / s_y (s_x s_w[c] / s_y for Conv and Gemm,
 *      s_a s_b / s_y for Mul, s_x / (s_y hw) for GlobalAveragePool,
 *      s_x / s_y for Requant) becomes a Q31 multiplier and a right shift,
 *      M = mult * 2^-shift (requant_from_real), applied with the single
 *      rounding rule of ir/quant.c: (acc * mult + 2^(shift-1)) >> shift;
 *      Add gets one multiplier per input, s_a / s_y and s_b / s_y, over
 *      the shift of the larger;
 *   3. a fused Relu or Clip becomes the output clamp: Relu gives
 *      lo = z_y, Clip(a, b) lo = code(a), hi = code(b), since rounding is
 *      monotone; the op's activation is cleared.
 * An op whose result is i32 (an imported ConvInteger or MatMulInteger)
 * keeps its accumulators: step 1 only, and an Op.rq with n = 0.  An
 * imported MatMul on codes keeps z_a in its kernel (step 2 only).
 * The result is in Op.rq; after this pass the quantized ops run no float
 * arithmetic (Quantize and Dequantize at the float boundary aside).
 * requires: quantize            invalidates: memory plan
 */
#include <math.h>

#include "passes.h"

static bool
rq_fail(Ctx *cx, const Op *op, double real)
{
	diag(cx, DIAG_ERROR, &op->loc, "cannot rescale by %g with a 31-bit "
	     "multiplier and a right shift", real);
	return false;
}

static int32_t
code_of(const TensorType *y, double real)
{
	double v = round(real / quant_scale(y->q, 0)) + quant_zp(y->q, 0);

	return (int32_t)fmax(fmin(v, code_max(y)), code_min(y));
}

/* An Requant of n real multipliers, clamp from the type and op->act. */
static Requant *
rq_new(Ctx *cx, const Op *op, const double *real, uint32_t n)
{
	const TensorType *y = op->out[0]->type;
	Requant *r = NEW(cx->perm, Requant);
	int32_t *m = NEWARRAY(cx->perm, int32_t, n);
	int32_t *s = NEWARRAY(cx->perm, int32_t, n);

	for (uint32_t i = 0; i < n; i++)
		if (!requant_from_real(real[i], &m[i], &s[i])) {
			rq_fail(cx, op, real[i]);
			return NULL;
		}
	r->n = n;
	r->mult = m;
	r->shift = s;
	r->lo = code_min(y);
	r->hi = code_max(y);
	if (op->act.kind == ACT_RELU) {
		r->lo = code_of(y, 0.0);
	} else if (op->act.kind == ACT_CLIP) {
		r->lo = code_of(y, op->act.alpha);
		r->hi = code_of(y, op->act.beta);
	}
	return r;
}

/* Code i of constant weights w: i8, or i4 packed two per byte. */
static int32_t
weight_code(const Value *w, int64_t i)
{
	if (w->type->dt == DT_I4)
		return nibble_load(w->cst->data, DT_I4, i);
	if (w->type->dt == DT_I16)
		return ((const int16_t *)w->cst->data)[i];
	return ((const int8_t *)w->cst->data)[i];
}

/* bias'[c] = bias[c] - z_x * sum of the weight codes of channel c; W is
 * [c, per] (Conv, Gemm with transB) or [per, c] (Gemm). */
static bool
fold_bias(Ctx *cx, Graph *g, Op *op, int64_t nch, int64_t per, bool rows)
{
	const Value *x = op->in[0], *w = op->in[1];
	const int32_t *b = op->nin > 2 && op->in[2] ? op->in[2]->cst->data
	                                            : NULL;
	int32_t zx = quant_zp(x->type->q, 0);
	int32_t *nb = NEWARRAY(cx->perm, int32_t, nch);
	float *s = NEWARRAY(cx->perm, float, nch);
	Value *bv;

	for (int64_t c = 0; c < nch; c++) {
		int64_t sum = 0, v;
		for (int64_t k = 0; k < per; k++)
			sum += weight_code(w, rows ? c * per + k : k * nch + c);
		v = (b ? b[c] : 0) - (int64_t)zx * sum;
		if (v < INT32_MIN || v > INT32_MAX) {
			diag(cx, DIAG_ERROR, &op->loc, "folded bias of channel "
			     "%lld does not fit in 32 bits", (long long)c);
			return false;
		}
		nb[c] = (int32_t)v;
		s[c] = quant_scale(x->type->q, 0) * quant_scale(w->type->q, c);
	}
	bv = ir_const(cx, g, type_new(cx, DT_I32, 1, (int64_t[]){nch},
	                              op->nin > 2 && op->in[2]
	                                      ? op->in[2]->type->q
	                                      : NULL),
	              nb, "bias");
	if (!bv->type->q) {
		Quant *q = NEW(cx->perm, Quant);
		*q = (Quant){Q_AXIS, 0, (uint32_t)nch, s, NULL, 0};
		bv->type = type_new(cx, DT_I32, 1, (int64_t[]){nch}, q);
	}
	if (op->nin > 2) {
		ir_set_input(op, 2, bv);
	} else {
		Value **in = NEWARRAY(cx->perm, Value *, 3);
		in[0] = op->in[0];
		in[1] = op->in[1];
		in[2] = NULL;
		op->in = in;
		op->nin = 3;
		ir_set_input(op, 2, bv);
	}
	return true;
}

/* The Requant of an op whose result is its int32 accumulators
 * (ConvInteger, MatMulInteger): no rescale, n = 0. */
static const Requant *
rq_raw(Ctx *cx)
{
	Requant *r = NEW(cx->perm, Requant);

	*r = (Requant){0, NULL, NULL, INT32_MIN, INT32_MAX};
	return r;
}

static bool
fold_op(Ctx *cx, Graph *g, Op *op)
{
	const TensorType *y = op->out[0]->type, *x = op->in[0]->type;
	double sy = quant_scale(y->q, 0), sx = quant_scale(x->q, 0);
	const TensorType *w = op->nin > 1 && op->in[1] ? op->in[1]->type : NULL;
	double *real = NEWARRAY(cx->scratch, double, w ? w->dim[0] + 2 : 2);
	const Requant *r = NULL;
	int64_t n, per;

	switch (op->kind) {
	case OP_CONV:
		n = w->dim[0];
		per = type_numel(w) / n;
		if (!fold_bias(cx, g, op, n, per, true))
			return false;
		if (y->dt == DT_I32) {
			r = rq_raw(cx);
			break;
		}
		for (int64_t c = 0; c < n; c++)
			real[c] = sx * quant_scale(w->q, c) / sy;
		r = rq_new(cx, op, real, w->q->kind == Q_AXIS ? (uint32_t)n : 1);
		break;
	case OP_MATMUL:
		/* quantized import: z_a stays in the kernel (a batched B
		 * would need a bias per batch); only the rescale, per column */
		if (y->dt == DT_I32) {
			r = rq_raw(cx);
			break;
		}
		n = w->dim[w->rank - 1];
		real = NEWARRAY(cx->scratch, double, n);
		for (int64_t c = 0; c < n; c++)
			real[c] = sx * quant_scale(w->q, c) / sy;
		r = rq_new(cx, op, real, w->q->kind == Q_AXIS ? (uint32_t)n : 1);
		break;
	case OP_GEMM:
		n = w->dim[!op->a.gemm.trans_b];
		per = w->dim[op->a.gemm.trans_b];
		real = NEWARRAY(cx->scratch, double, n);
		if (!fold_bias(cx, g, op, n, per, op->a.gemm.trans_b))
			return false;
		if (y->dt == DT_I32) {
			r = rq_raw(cx);
			break;
		}
		for (int64_t c = 0; c < n; c++)
			real[c] = sx * quant_scale(w->q, c) / sy;
		r = rq_new(cx, op, real, w->q->kind == Q_AXIS ? (uint32_t)n : 1);
		break;
	case OP_MUL:
		real[0] = sx * quant_scale(op->in[1]->type->q, 0) / sy;
		r = rq_new(cx, op, real, 1);
		break;
	case OP_GLOBALAVGPOOL:
		real[0] = sx / (sy * (double)(type_numel(x) /
		                              (x->dim[0] * x->dim[1])));
		r = rq_new(cx, op, real, 1);
		break;
	case OP_REQUANT:
		real[0] = sx / sy;
		r = rq_new(cx, op, real, 1);
		break;
	case OP_ADD: {
		double ra = sx / sy, rb = quant_scale(op->in[1]->type->q, 0) / sy;
		Requant *a;
		int32_t *m;
		real[0] = fmax(ra, rb);
		if (!(a = rq_new(cx, op, real, 1)))
			return false;
		m = NEWARRAY(cx->perm, int32_t, 2);
		m[0] = (int32_t)llround(ldexp(ra, a->shift[0]));
		m[1] = (int32_t)llround(ldexp(rb, a->shift[0]));
		a->mult = m;
		r = a;
		break;
	}
	default:
		return true;
	}
	if (!r)
		return false;
	op->rq = r;
	op->act.kind = ACT_NONE;
	return true;
}

static bool
fold_shift(Ctx *cx, Graph *g)
{
	bool changed = false;

	for_each_op(op, g) {
		if (!op_is_quant(op) || op->rq)
			continue;
		if (!fold_op(cx, g, op))
			return changed;
		changed |= op->rq != NULL;
	}
	return changed;
}

const Pass pass_fold_shift = {
	.name = "fold-shift",
	.run = fold_shift,
};
