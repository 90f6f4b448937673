/* decompose_pm1.c -- a k-bit weight by m-bit activation Conv or Gemm
 * becomes k*m binary products (papers.md seed 2; decompose_pm1.h has the
 * math, equations A to E).
 *
 * An integer Conv (group 1) or Gemm qualifies when fold-shift has run, its
 * input codes have a narrow grid (Quant.bits = M, set by quantize from
 * plan-pm1) and every weight code is odd (the pm1 grid; K is the fewest
 * bits that hold the largest |w|).  It is rewritten as
 *     planes = Bitplane(x)                      [N,M,H,W,words], at run time
 *     y      = Pm1Conv(planes, wp, bias', zpl)  same rescale (Op.rq)
 * where, at compile time,
 *   wp     the K planes of v = (w + 2^K - 1) / 2, packed along the input
 *          channels: [O,K,kh,kw,words] (a Gemm is a 1x1 conv on a 1x1
 *          image: [N',K,1,1,words]);
 *   bias'  bias + (2^M - 1) * sum of v over channel o's taps (eq. E);
 *   zpl    the M planes of the input's zero point, read for taps in the
 *          zero padding.
 * One Bitplane serves every consumer of the same codes.
 * requires: fold-shift              invalidates: memory plan
 */
#include <stdlib.h>

#include "decompose_pm1.h"
#include "passes.h"

typedef struct Dec {
	Ctx *cx;
	Graph *g;
	Value **planes;         /* code value id -> its Bitplane result */
	uint32_t nplanes;
} Dec;

/* Weight code of output channel o, input channel c, tap (ky, kx). */
static int32_t
wcode(const Op *op, const int8_t *w, int64_t o, int64_t c, int64_t ky,
      int64_t kx)
{
	const TensorType *t = op->in[1]->type;

	if (op->kind == OP_CONV)
		return w[((o * t->dim[1] + c) * t->dim[2] + ky) * t->dim[3] + kx];
	if (op->a.gemm.trans_b)
		return w[o * t->dim[1] + c];
	return w[c * t->dim[1] + o];
}

/* K, or 0 if some weight code is even (not the pm1 grid). */
static int
weight_bits(const Value *w)
{
	const int8_t *d = w->cst->data;
	int32_t mx = 1;

	for (int64_t i = 0; i < type_numel(w->type); i++) {
		if (!(d[i] & 1))
			return 0;
		mx = abs(d[i]) > mx ? abs(d[i]) : mx;
	}
	return pm1_bits_for(mx);
}

static bool
qualifies(const Op *op)
{
	const TensorType *x;

	if ((op->kind != OP_CONV && op->kind != OP_GEMM) || !op->rq ||
	    !op_is_quant(op) || !op->in[1]->cst || !op->in[2] ||
	    op->in[1]->type->dt != DT_I8)
		return false;
	x = op->in[0]->type;
	if (x->dt != DT_U8 || !x->q || !x->q->bits ||
	    op->out[0]->type->dt != DT_U8)
		return false;
	if (op->kind == OP_CONV && op->a.conv.group != 1)
		return false;
	return weight_bits(op->in[1]) > 0;
}

static Value *
bitplane_of(Dec *d, Value *x, Op *before)
{
	const TensorType *t = x->type;
	int64_t dim[5] = {t->dim[0], t->q->bits, t->rank == 4 ? t->dim[2] : 1,
	                  t->rank == 4 ? t->dim[3] : 1, pm1_words(t->dim[1])};
	const TensorType *pt = type_new(d->cx, DT_I32, 5, dim, t->q);
	Op *op;

	if (x->id < d->nplanes && d->planes[x->id])
		return d->planes[x->id];
	if (x->id >= d->nplanes) {
		uint32_t old = d->nplanes;
		vec_grow(d->cx->scratch, (void **)&d->planes, &d->nplanes,
		         x->id + 1, sizeof(Value *));
		for (uint32_t i = old; i < d->nplanes; i++)
			d->planes[i] = NULL;
	}
	op = ir_op_new(d->cx, d->g, OP_BITPLANE,
	               x->def ? &x->def->loc : &before->loc, 1, &x, 1, &pt);
	op->out[0]->name = x->name;
	if (x->def)
		ir_insert_before(d->g, x->def->next ? x->def->next : before, op);
	else
		ir_insert_before(d->g, d->g->first, op);
	d->planes[x->id] = op->out[0];
	return op->out[0];
}

static bool
decompose(Dec *d, Op *op)
{
	const TensorType *x = op->in[0]->type, *wt = op->in[1]->type;
	bool conv = op->kind == OP_CONV;
	int m = x->q->bits, k = weight_bits(op->in[1]);
	int64_t oc = conv ? wt->dim[0] : wt->dim[!op->a.gemm.trans_b];
	int64_t c = x->dim[1], kh = conv ? wt->dim[2] : 1;
	int64_t kw = conv ? wt->dim[3] : 1, words = pm1_words(c);
	int64_t wdim[5] = {oc, k, kh, kw, words}, zdim[2] = {m, words};
	int64_t nw = oc * k * kh * kw * words;
	const int8_t *w = op->in[1]->cst->data;
	const int32_t *b = op->in[2]->cst->data;
	uint32_t *wp = NEWARRAY(d->cx->perm, uint32_t, nw + 1);
	int32_t *nb = NEWARRAY(d->cx->perm, int32_t, oc);
	uint32_t *zpl = NEWARRAY(d->cx->perm, uint32_t, m * words);
	int32_t zx = quant_zp(x->q, 0), top = (1 << k) - 1;
	Value *in[4];
	Op *p;

	for (int64_t o = 0; o < oc; o++) {
		int64_t sumv = 0, v;
		for (int64_t ch = 0; ch < c; ch++)
		for (int64_t ky = 0; ky < kh; ky++)
		for (int64_t kx = 0; kx < kw; kx++) {
			uint32_t u = (uint32_t)(wcode(op, w, o, ch, ky, kx) + top) / 2;
			sumv += u;
			for (int j = 0; j < k; j++)
				if ((u >> j) & 1u)
					wp[(((o * k + j) * kh + ky) * kw + kx) * words +
					   ch / PM1_WORD] |= 1u << (ch % PM1_WORD);
		}
		v = b[o] + (int64_t)((1 << m) - 1) * sumv;
		if (v < INT32_MIN || v > INT32_MAX) {
			diag(d->cx, DIAG_ERROR, &op->loc, "pm1 bias of channel "
			     "%lld does not fit in 32 bits", (long long)o);
			return false;
		}
		nb[o] = (int32_t)v;
	}
	for (int i = 0; i < m; i++)
		if ((zx >> i) & 1)
			for (int64_t ch = 0; ch < c; ch++)
				zpl[i * words + ch / PM1_WORD] |= 1u << (ch % PM1_WORD);
	in[0] = bitplane_of(d, op->in[0], op);
	in[1] = ir_const(d->cx, d->g, type_new(d->cx, DT_I32, 5, wdim, NULL),
	                 wp, op->in[1]->name);
	in[2] = ir_const(d->cx, d->g, type_new(d->cx, DT_I32, 1, &oc, NULL),
	                 nb, op->in[2]->name);
	in[3] = ir_const(d->cx, d->g, type_new(d->cx, DT_I32, 2, zdim, NULL),
	                 zpl, "pm1_pad");
	p = ir_op_new(d->cx, d->g, OP_PM1CONV, &op->loc, 4, in, 1,
	              &op->out[0]->type);
	if (conv) {
		p->a.conv = op->a.conv;
	} else {
		p->a.conv = (ConvAttr){{1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1};
	}
	p->rq = op->rq;
	p->out[0]->name = op->out[0]->name;
	ir_insert_before(d->g, op, p);
	ir_replace_uses(d->g, op->out[0], p->out[0]);
	ir_remove(d->g, op);
	return true;
}

static bool
decompose_pm1(Ctx *cx, Graph *g)
{
	Dec d = {.cx = cx, .g = g};
	bool changed = false;

	for_each_op_safe(op, nx, g) {
		if (!qualifies(op))
			continue;
		if (!decompose(&d, op))
			return changed;
		changed = true;
	}
	return changed;
}

const Pass pass_decompose_pm1 = {
	.name = "decompose-pm1",
	.run = decompose_pm1,
};
