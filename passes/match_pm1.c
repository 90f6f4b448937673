/* match_pm1.c -- 1-bit models imported as they are (issue 6): a Conv,
 * Gemm or MatMul that reads Sign(x) and whose constant weights are +-a[o]
 * in each output channel o (the form BNN and Larq exporters produce; after
 * fold-bn a folded BatchNormalization only changes a[o]) runs on the
 * {-1,+1} xnor/popcount kernels of -quantize=pm1, with no calibration.
 *
 * Sign's result s is -1, 0 or +1, and ONNX Sign(0) is 0, as is the zero
 * padding of a Conv.  So that both stay exact, s travels as the 2-bit code
 * u = s + 1 in {0, 1, 2} (scale 1, zero point 1: two bit planes); the
 * weights are the 1-bit odd codes w = +-1, one plane.  With the equations
 * of decompose_pm1.h (L = 3, v = (w + 1) / 2):
 *     sum_n s_n w_n = sum_n u_n w_n - sum_n w_n
 *                   = 3 sum_n v_n - sum_n w_n - sum_i 2^i P_i0
 * and the layer becomes
 *     u   = Quantize(s)                   u8 codes, Quant{1, 1, bits 2}
 *     p   = Bitplane(u)                   [N,2,H,W,words]
 *     acc = Pm1Conv(p, wp, bias', zpl)    f32 accumulators, no rescale
 *     y   = ScaleShift(acc, a, b)         the layer's float bias b, act
 * with bias'[o] = 3 sum_n v_n - sum_n w_n.  acc is an integer below 2^24,
 * so y is exactly a * (sum s w) + b: with a = 1 (the +-1 weights of a
 * binary layer) the very number the float Conv computes.
 * requires: fold-bn, before fuse-act       invalidates: memory plan
 */
#include <math.h>

#include "decompose_pm1.h"
#include "passes.h"

enum { ZP = 1, PLANES = 2, LEVELS = 3 };

typedef struct Match {
	Ctx *cx;
	Graph *g;
	const Quant *q;         /* the grid of s + 1 */
	Value **codes;          /* Sign result id -> its Bitplane result */
	uint32_t ncodes;
} Match;

static bool
from_sign(const Value *x)
{
	while (x->def && (x->def->kind == OP_FLATTEN ||
	                  x->def->kind == OP_RESHAPE ||
	                  x->def->kind == OP_IDENTITY))
		x = x->def->in[0];
	return x->def && x->def->kind == OP_SIGN &&
	       x->def->act.kind == ACT_NONE;
}

/* Weight of output channel o, input channel c, tap t of a layer's
 * constant weights (Conv [O,C,kh,kw], Gemm/MatMul [C,O] or [O,C]). */
static float
weight(const Op *op, int64_t o, int64_t c, int64_t t)
{
	const TensorType *w = op->in[1]->type;
	const float *d = op->in[1]->cst->data;

	if (op->kind == OP_CONV)
		return d[(o * w->dim[1] + c) * w->dim[2] * w->dim[3] + t];
	if (op->kind == OP_GEMM && op->a.gemm.trans_b)
		return d[o * w->dim[1] + c];
	return d[c * w->dim[1] + o];
}

static bool
shape_fits(const Op *op, int64_t *oc, int64_t *c, int64_t *taps)
{
	const TensorType *x = op->in[0]->type, *w;

	if (!op->in[1] || !op->in[1]->cst || x->dt != DT_F32)
		return false;
	w = op->in[1]->type;
	if (w->dt != DT_F32)
		return false;
	switch (op->kind) {
	case OP_CONV:
		if (op->a.conv.group != 1 || x->rank != 4 || w->rank != 4)
			return false;
		*oc = w->dim[0];
		*c = w->dim[1];
		*taps = w->dim[2] * w->dim[3];
		return true;
	case OP_GEMM:
		if (op->a.gemm.trans_a || op->a.gemm.alpha != 1.0f ||
		    (op->nin > 2 && op->in[2] && op->a.gemm.beta != 1.0f))
			return false;
		/* fall through */
	case OP_MATMUL:
		if (x->rank != 2 || w->rank != 2)
			return false;
		*oc = w->dim[op->kind == OP_GEMM && op->a.gemm.trans_b ? 0 : 1];
		*c = x->dim[1];
		*taps = 1;
		return true;
	default:
		return false;
	}
}

/* The layer's scale per output channel (every weight +-a[o], a[o] > 0),
 * or NULL. */
static float *
scales(Ctx *cx, const Op *op, int64_t oc, int64_t c, int64_t taps)
{
	float *a = NEWARRAY(cx->perm, float, oc);

	for (int64_t o = 0; o < oc; o++) {
		a[o] = fabsf(weight(op, o, 0, 0));
		if (!(a[o] > 0.0f) || isinf(a[o]))
			return NULL;
		for (int64_t ch = 0; ch < c; ch++)
			for (int64_t t = 0; t < taps; t++)
				if (fabsf(weight(op, o, ch, t)) != a[o])
					return NULL;
	}
	return a;
}

/* The float bias as a [oc] vector (zeros if none), or NULL if its shape is
 * not one per output channel. */
static Value *
bias_of(Match *m, const Op *op, int64_t oc)
{
	const Value *b = op->nin > 2 ? op->in[2] : NULL;
	float *d;

	if (b && (!b->cst || b->type->dt != DT_F32 ||
	          type_numel(b->type) != oc))
		return NULL;
	d = NEWARRAY(m->cx->perm, float, oc);
	for (int64_t o = 0; o < oc && b; o++)
		d[o] = ((const float *)b->cst->data)[o];
	return ir_const(m->cx, m->g, type_new(m->cx, DT_F32, 1, &oc, NULL), d,
	                b ? b->name : "pm1_bias");
}

/* Quantize + Bitplane of the Sign result x, one per x. */
static Value *
planes_of(Match *m, Value *x, Op *before)
{
	const TensorType *t = x->type;
	int64_t dim[5] = {t->dim[0], PLANES, t->rank == 4 ? t->dim[2] : 1,
	                  t->rank == 4 ? t->dim[3] : 1, pm1_words(t->dim[1])};
	const TensorType *ut = type_new(m->cx, DT_U8, t->rank, t->dim, m->q);
	const TensorType *pt = type_new(m->cx, DT_I32, 5, dim, m->q);
	Op *at = x->def->next ? x->def->next : before, *u, *p;

	if (x->id < m->ncodes && m->codes[x->id])
		return m->codes[x->id];
	if (x->id >= m->ncodes) {
		uint32_t old = m->ncodes;
		vec_grow(m->cx->scratch, (void **)&m->codes, &m->ncodes,
		         x->id + 1, sizeof(Value *));
		for (uint32_t i = old; i < m->ncodes; i++)
			m->codes[i] = NULL;
	}
	u = ir_op_new(m->cx, m->g, OP_QUANTIZE, &x->def->loc, 1, &x, 1, &ut);
	u->out[0]->name = x->name;
	ir_insert_before(m->g, at, u);
	p = ir_op_new(m->cx, m->g, OP_BITPLANE, &x->def->loc, 1, &u->out[0], 1,
	              &pt);
	p->out[0]->name = x->name;
	ir_insert_before(m->g, at, p);
	m->codes[x->id] = p->out[0];
	return p->out[0];
}

static void
rewrite(Match *m, Op *op, int64_t oc, int64_t c, int64_t taps,
        const float *a, Value *b)
{
	const TensorType *y = op->out[0]->type;
	bool conv = op->kind == OP_CONV;
	int64_t words = pm1_words(c), kh = conv ? op->in[1]->type->dim[2] : 1;
	int64_t kw = conv ? op->in[1]->type->dim[3] : 1;
	int64_t wdim[5] = {oc, 1, kh, kw, words}, zdim[2] = {PLANES, words};
	uint32_t *wp = NEWARRAY(m->cx->perm, uint32_t, oc * taps * words);
	int32_t *nb = NEWARRAY(m->cx->perm, int32_t, oc);
	uint32_t *zpl = NEWARRAY(m->cx->perm, uint32_t, PLANES * words);
	const TensorType *at = type_new(m->cx, DT_F32, 1, &oc, NULL);
	Value *in[4];
	Op *p, *s;

	for (int64_t o = 0; o < oc; o++) {
		int32_t sumv = 0, sumw = 0;
		for (int64_t ch = 0; ch < c; ch++)
			for (int64_t t = 0; t < taps; t++) {
				bool plus = weight(op, o, ch, t) > 0.0f;
				sumv += plus;
				sumw += plus ? 1 : -1;
				if (plus)
					wp[(o * taps + t) * words + ch / PM1_WORD] |=
						1u << (ch % PM1_WORD);
			}
		nb[o] = LEVELS * sumv - sumw;
	}
	for (int64_t ch = 0; ch < c; ch++)
		zpl[ch / PM1_WORD] |= 1u << (ch % PM1_WORD);
	in[0] = planes_of(m, op->in[0], op);
	in[1] = ir_const(m->cx, m->g, type_new(m->cx, DT_I32, 5, wdim, NULL),
	                 wp, op->in[1]->name);
	in[2] = ir_const(m->cx, m->g, type_new(m->cx, DT_I32, 1, &oc, NULL),
	                 nb, "pm1_bias");
	in[3] = ir_const(m->cx, m->g, type_new(m->cx, DT_I32, 2, zdim, NULL),
	                 zpl, "pm1_pad");
	p = ir_op_new(m->cx, m->g, OP_PM1CONV, &op->loc, 4, in, 1, &y);
	if (conv)
		p->a.conv = op->a.conv;
	else
		p->a.conv = (ConvAttr){{1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1};
	p->out[0]->name = op->out[0]->name;
	ir_insert_before(m->g, op, p);
	in[0] = p->out[0];
	in[1] = ir_const(m->cx, m->g, at, a, "pm1_scale");
	in[2] = b;
	s = ir_op_new(m->cx, m->g, OP_SCALESHIFT, &op->loc, 3, in, 1, &y);
	s->act = op->act;
	s->out[0]->name = op->out[0]->name;
	ir_insert_before(m->g, op, s);
	ir_replace_uses(m->g, op->out[0], s->out[0]);
	ir_remove(m->g, op);
}

static bool
match_pm1(Ctx *cx, Graph *g)
{
	Quant *q = NEW(cx->perm, Quant);
	float *one = NEW(cx->perm, float);
	int32_t *zp = NEW(cx->perm, int32_t);
	Match m = {.cx = cx, .g = g, .q = q};
	bool changed = false;

	*one = 1.0f;
	*zp = ZP;
	*q = (Quant){.kind = Q_TENSOR, .n = 1, .scale = one, .zp = zp,
	             .bits = PLANES};
	for_each_op_safe(op, nx, g) {
		int64_t oc, c, taps;
		float *a;
		Value *b;

		if (!shape_fits(op, &oc, &c, &taps) || !from_sign(op->in[0]) ||
		    c * taps > (1 << 22))
			continue;
		a = scales(cx, op, oc, c, taps);
		b = a ? bias_of(&m, op, oc) : NULL;
		if (!b)
			continue;
		rewrite(&m, op, oc, c, taps, a, b);
		changed = true;
	}
	return changed;
}

const Pass pass_match_pm1 = {
	.name = "match-pm1",
	.run = match_pm1,
};
