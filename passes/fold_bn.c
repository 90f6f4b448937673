/* fold_bn.c -- fold BatchNormalization into the Conv or Gemm that feeds it.
 *
 * BatchNormalization over channel c (axis 1) is an affine map per channel:
 *
 *   a[c]     = gamma[c] / sqrt(var[c] + eps)
 *   bn(y)[c] = a[c] * (y[c] - mean[c]) + beta[c]
 *
 * Conv, y[m] = W[m] * x + b[m]   (W is [M, C/group, kh, kw]):
 *   W'[m,...] = W[m,...] * a[m]
 *   b'[m]     = (b[m] - mean[m]) * a[m] + beta[m]          (b = 0 if absent)
 *
 * Gemm, Y = alpha * A' B' + beta_g * C, B' = B or B^T, BN over Y's columns n:
 *   B' column n (row n of B with transB, column n without) scaled by a[n]
 *   C'[.,n] = (beta_g * C[.,n] - mean[n]) * a[n] + beta[n],  beta_g' = 1
 *   alpha stays on the product.  C may be absent, a scalar, [N], [1,N] or
 *   [M,N] (anything Gemm broadcasts to [M,N] the same in every row gives a
 *   [N] C', an M-varying C gives an [M,N] C').
 *
 * Applies when the producer's result has exactly one use (the BN), the
 * producer has no fused activation (fold-bn runs before fuse-act), and W or
 * B, the bias, gamma, beta, mean and var are f32 constants.  The rewritten
 * producer keeps its Loc; its result takes the BN result's name, which a
 * graph output may be known by.
 *
 * A BN with no foldable producer but constant parameters becomes
 *   ScaleShift(x, scale = a, shift = beta - mean * a).
 * A BN with non-constant parameters is left alone.
 * New constants go to Ctx.perm; the old ones stay, unread, and are not
 * emitted.
 * requires: constants typed     invalidates: memory plan
 */
#include <math.h>

#include "passes.h"

typedef struct Bn {
	int64_t n;             /* channels */
	double *a;             /* gamma / sqrt(var + eps) */
	const float *mean, *beta;
} Bn;

static bool
is_f32_const(const Value *v)
{
	return v && v->cst && v->type && v->type->dt == DT_F32;
}

/* The per-channel map of bn, or false if its parameters are not constant or
 * do not agree on the channel count. */
static bool
bn_params(Ctx *cx, const Op *bn, Bn *p)
{
	const TensorType *xt = bn->in[0]->type;
	const float *gamma, *var;
	double eps = bn->a.bn.eps;

	for (int i = 1; i < 5; i++)
		if (!is_f32_const(bn->in[i]))
			return false;
	p->n = type_numel(bn->in[1]->type);
	for (int i = 2; i < 5; i++)
		if (type_numel(bn->in[i]->type) != p->n)
			return false;
	if (xt && (xt->rank < 2 || xt->dim[1] != p->n))
		return false;
	gamma = value_f32(bn->in[1]);
	p->beta = value_f32(bn->in[2]);
	p->mean = value_f32(bn->in[3]);
	var = value_f32(bn->in[4]);
	p->a = NEWARRAY(cx->scratch, double, p->n ? p->n : 1);
	for (int64_t c = 0; c < p->n; c++)
		p->a[c] = gamma[c] / sqrt((double)var[c] + eps);
	return true;
}

/* The folded bias of channel c for an old bias value b. */
static float
bn_shift(const Bn *p, int64_t c, double b)
{
	return (float)((b - p->mean[c]) * p->a[c] + p->beta[c]);
}

static Value *
new_const(Ctx *cx, Graph *g, const Value *like, int rank, const int64_t *dim,
          const float *data, const char *suffix)
{
	const TensorType *t = type_new(cx, DT_F32, rank, dim, NULL);
	const char *name = like && like->name[0] ?
		arena_printf(cx->perm, "%s.%s", like->name, suffix) : suffix;

	return ir_const(cx, g, t, data, name);
}

/* Gives producer p the weight w and bias b (input 2).  In place when p has a
 * bias slot; otherwise a new op of the same kind, attributes and Loc takes
 * p's place.  Returns the op that now computes p's result. */
static Op *
set_weights(Ctx *cx, Graph *g, Op *p, Value *w, Value *b)
{
	Value *in[3] = {p->in[0], w, b};
	const TensorType *ty = p->out[0]->type;
	Op *q;

	if (p->nin == 3) {
		ir_set_input(p, 1, w);
		ir_set_input(p, 2, b);
		return p;
	}
	q = ir_op_new(cx, g, p->kind, &p->loc, 3, in, 1, &ty);
	q->a = p->a;
	q->act = p->act;
	ir_insert_before(g, p, q);
	ir_replace_uses(g, p->out[0], q->out[0]);
	ir_remove(g, p);
	return q;
}

/* W'[m,...] = W[m,...] * a[m];  b'[m] = (b[m] - mean[m]) * a[m] + beta[m]. */
static bool
fold_conv(Ctx *cx, Graph *g, Op *conv, const Bn *p, Op **out)
{
	const Value *wv = conv->in[1];
	const Value *bv = conv->nin > 2 ? conv->in[2] : NULL;
	const float *w = value_f32(wv), *b;
	float *w2, *b2;
	Value *w2v, *b2v;
	int64_t per;

	if (!is_f32_const(wv) || wv->type->rank < 1 || wv->type->dim[0] != p->n)
		return false;
	if (bv && (!is_f32_const(bv) || type_numel(bv->type) != p->n))
		return false;
	b = value_f32(bv);
	per = p->n ? type_numel(wv->type) / p->n : 0;
	w2 = NEWARRAY(cx->scratch, float, type_numel(wv->type) + 1);
	b2 = NEWARRAY(cx->scratch, float, p->n + 1);
	for (int64_t m = 0; m < p->n; m++) {
		for (int64_t i = 0; i < per; i++)
			w2[m * per + i] = (float)(w[m * per + i] * p->a[m]);
		b2[m] = bn_shift(p, m, b ? b[m] : 0.0);
	}
	w2v = new_const(cx, g, wv, wv->type->rank, wv->type->dim, w2, "bnfold");
	b2v = new_const(cx, g, wv, 1, &p->n, b2, "bnbias");
	*out = set_weights(cx, g, conv, w2v, b2v);
	return true;
}

/* C' = (beta_g * C - mean) * a + beta over each row; NULL if C is not a
 * constant Gemm can broadcast per column or per element. */
static Value *
gemm_bias(Ctx *cx, Graph *g, const Op *gemm, const Bn *p)
{
	const Value *cv = gemm->nin > 2 ? gemm->in[2] : NULL;
	const TensorType *yt = gemm->out[0]->type;
	const float *c = value_f32(cv);
	int64_t cm = 1, cn = 1, dim[2];
	float *d;

	if (cv) {
		if (!is_f32_const(cv) || cv->type->rank > 2)
			return NULL;
		if (cv->type->rank >= 1)
			cn = cv->type->dim[cv->type->rank - 1];
		if (cv->type->rank == 2)
			cm = cv->type->dim[0];
		if (cn != 1 && cn != p->n)
			return NULL;
		if (cm != 1 && (!yt || yt->rank != 2 || yt->dim[0] != cm))
			return NULL;
	}
	d = NEWARRAY(cx->scratch, float, cm * p->n + 1);
	for (int64_t i = 0; i < cm; i++)
		for (int64_t j = 0; j < p->n; j++) {
			double old = c ? (double)gemm->a.gemm.beta *
				c[i * cn + (cn > 1 ? j : 0)] : 0.0;
			d[i * p->n + j] = bn_shift(p, j, old);
		}
	dim[0] = cm;
	dim[1] = p->n;
	return cm > 1 ? new_const(cx, g, cv, 2, dim, d, "bnbias") :
		new_const(cx, g, cv, 1, &p->n, d, "bnbias");
}

/* B' = B * a along the output columns; C' from gemm_bias; beta_g' = 1. */
static bool
fold_gemm(Ctx *cx, Graph *g, Op *gemm, const Bn *p, Op **out)
{
	const Value *bv = gemm->in[1];
	bool tb = gemm->a.gemm.trans_b;
	const float *b = value_f32(bv);
	int64_t rows, cols;
	Value *c2;
	float *b2;

	if (!is_f32_const(bv) || bv->type->rank != 2)
		return false;
	rows = bv->type->dim[0];
	cols = bv->type->dim[1];
	if ((tb ? rows : cols) != p->n)
		return false;
	c2 = gemm_bias(cx, g, gemm, p);
	if (!c2)
		return false;
	b2 = NEWARRAY(cx->scratch, float, rows * cols + 1);
	for (int64_t r = 0; r < rows; r++)
		for (int64_t k = 0; k < cols; k++)
			b2[r * cols + k] =
				(float)(b[r * cols + k] * p->a[tb ? r : k]);
	*out = set_weights(cx, g, gemm,
	                   new_const(cx, g, bv, 2, bv->type->dim, b2, "bnfold"),
	                   c2);
	(*out)->a.gemm.beta = 1.0f;
	return true;
}

/* y = x * a + (beta - mean * a), as an op of its own. */
static Op *
to_scaleshift(Ctx *cx, Graph *g, Op *bn, const Bn *p)
{
	float *scale = NEWARRAY(cx->scratch, float, p->n + 1);
	float *shift = NEWARRAY(cx->scratch, float, p->n + 1);
	Value *in[3];
	const TensorType *ty = bn->out[0]->type;
	Op *s;

	for (int64_t c = 0; c < p->n; c++) {
		scale[c] = (float)p->a[c];
		shift[c] = bn_shift(p, c, 0.0);
	}
	in[0] = bn->in[0];
	in[1] = new_const(cx, g, bn->in[1], 1, &p->n, scale, "scale");
	in[2] = new_const(cx, g, bn->in[2], 1, &p->n, shift, "shift");
	s = ir_op_new(cx, g, OP_SCALESHIFT, &bn->loc, 3, in, 1, &ty);
	ir_insert_before(g, bn, s);
	return s;
}

static bool
fold_one(Ctx *cx, Graph *g, Op *bn)
{
	Value *x = bn->in[0];
	Op *p = x->def, *q = NULL;
	Bn bp;

	if (!bn_params(cx, bn, &bp))
		return false;
	if (p && x->nuses == 1 && p->act.kind == ACT_NONE) {
		if (p->kind == OP_CONV)
			fold_conv(cx, g, p, &bp, &q);
		else if (p->kind == OP_GEMM)
			fold_gemm(cx, g, p, &bp, &q);
	}
	if (!q)
		q = to_scaleshift(cx, g, bn, &bp);
	q->out[0]->name = bn->out[0]->name;
	ir_replace_uses(g, bn->out[0], q->out[0]);
	ir_remove(g, bn);
	return true;
}

static bool
fold_bn(Ctx *cx, Graph *g)
{
	bool changed = false;

	for_each_op_safe(op, next, g)
		if (op->kind == OP_BATCHNORM)
			changed |= fold_one(cx, g, op);
	return changed;
}

const Pass pass_fold_bn = {
	.name = "fold-bn",
	.run = fold_bn,
};
