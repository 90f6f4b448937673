/* quant_report.c -- the per-layer SQNR of a quantized graph against its
 * float twin on the calibration samples (definitions in quant_report.h).
 *
 * Both graphs run through the reference interpreter, sample by sample:
 * the float one in f32, the quantized one in its integer mode (the very
 * ops, requantization and rounding the kernels do).  Layers pair up by
 * tensor name, which quantize gives every code result it makes from a
 * float one.  With -io=int8 the quantized graph takes codes, so each
 * sample is quantized at its input's scale and zero point first.
 * The sums are in double, element by element, over the whole set, so a
 * layer's SQNR weighs every sample by its energy, not by its count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant_report.h"

typedef struct Named {
	const char *name;
	const Value *v;
} Named;

static int
cmp_named(const void *a, const void *b)
{
	return strcmp(((const Named *)a)->name, ((const Named *)b)->name);
}

static bool
is_codes(const TensorType *t)
{
	return t && t->q && t->q->kind != Q_NONE &&
	       (t->dt == DT_U8 || t->dt == DT_I8 || t->dt == DT_U4 ||
	        t->dt == DT_I4);
}

int
qtype_bits(const TensorType *t)
{
	if (t->q && t->q->bits)
		return t->q->bits;
	return dtype_info[t->dt].bits;
}

static void
add_name(Named *v, uint32_t *n, const Value *x)
{
	if (x->name && *x->name && x->type && x->type->dt == DT_F32)
		v[(*n)++] = (Named){x->name, x};
}

/* The f32 values the float graph computes (its inputs and the results of
 * the ops in its list, not values of ops a pass removed), by name. */
static Named *
float_names(Ctx *cx, const Graph *fg, uint32_t *n)
{
	Named *v = NEWARRAY(cx->perm, Named, fg->nvalues + 1);

	*n = 0;
	for (uint32_t i = 0; i < fg->ninputs; i++)
		add_name(v, n, fg->inputs[i]);
	for_each_op(op, fg)
		for (int i = 0; i < op->nout; i++)
			add_name(v, n, op->out[i]);
	qsort(v, *n, sizeof *v, cmp_named);
	return v;
}

static const Value *
float_value(const Named *names, uint32_t n, const Value *c)
{
	Named key = {c->name, NULL};
	const Named *hit;

	if (!c->name || !*c->name)
		return NULL;
	hit = bsearch(&key, names, n, sizeof key, cmp_named);
	if (!hit || type_numel(hit->v->type) != type_numel(c->type))
		return NULL;
	return hit->v;
}

/* The quantized weights an op reads: its first constant code input. */
static const TensorType *
weights_of(const Op *op)
{
	for (int i = 1; i < op->nin; i++)
		if (op->in[i] && op->in[i]->cst && is_codes(op->in[i]->type) &&
		    op->in[i]->type->dt != DT_U8)
			return op->in[i]->type;
	return NULL;
}

static int32_t
code_at(const void *p, DType dt, int64_t i)
{
	switch (dt) {
	case DT_U8:
		return ((const uint8_t *)p)[i];
	case DT_I8:
		return ((const int8_t *)p)[i];
	case DT_U4:
	case DT_I4:
		return nibble_load(p, dt, i);
	default:
		bug("quant report: %s is not a code type", dtype_info[dt].name);
	}
}

/* Adds one sample's float values x and codes c (type t) to layer l. */
static void
accumulate(QLayer *l, const float *x, const void *c, const TensorType *t)
{
	const Quant *q = t->q;
	int64_t n = type_numel(t), inner = 1, nch = 1;

	if (q->kind == Q_AXIS) {
		nch = t->dim[q->axis];
		for (int i = q->axis + 1; i < t->rank; i++)
			inner *= t->dim[i];
	}
	for (int64_t i = 0; i < n; i++) {
		int64_t ch = q->kind == Q_AXIS ? i / inner % nch : 0;
		double xq = (double)quant_scale(q, ch) *
		            (code_at(c, t->dt, i) - quant_zp(q, ch));
		double d = (double)x[i] - xq;
		l->sig += (double)x[i] * x[i];
		l->err += d * d;
	}
	l->count += n;
}

/* What a layer is compared with: a float value, or the result of a float
 * op run without its fused activation. */
typedef struct Twin {
	const Value *v;
	const Op *pre;
} Twin;

/* Codes r whose one reader is a table activation (Lut) whose result has
 * a float twin made by an op with that activation fused: that op without
 * its activation computes r's float counterpart. */
static const Op *
pre_act_twin(const Graph *qg, const Value *r, const Named *names, uint32_t n)
{
	const Value *f;

	if (r->nuses != 1)
		return NULL;
	for_each_op(op, qg) {
		if (op->kind != OP_LUT || op->in[0] != r)
			continue;
		f = float_value(names, n, op->out[0]);
		if (!f || !f->def || !(op_info[f->def->kind].flags & OPF_ACT) ||
		    f->def->act.kind == ACT_NONE || f->def->nout != 1 ||
		    type_numel(r->type) != type_numel(f->type))
			return NULL;
		return f->def;
	}
	return NULL;
}

/* The layers of qg, with their float twins in *twin. */
static QLayer *
find_layers(Ctx *cx, const Graph *fg, const Graph *qg, uint32_t *nl,
            Twin **twin)
{
	uint32_t nn, idx = 0;
	Named *names = float_names(cx, fg, &nn);
	QLayer *l = NEWARRAY(cx->perm, QLayer, qg->nops + 1);

	*twin = NEWARRAY(cx->perm, Twin, qg->nops + 1);
	*nl = 0;
	for_each_op(op, qg) {
		const Value *r = op->nout ? op->out[0] : NULL;
		const Value *f;
		const Op *pre = NULL;
		const char *name;

		idx++;
		if (!r || !is_codes(r->type))
			continue;
		f = float_value(names, nn, r);
		if (!f)
			pre = pre_act_twin(qg, r, names, nn);
		if (!f && !pre && !weights_of(op))
			continue;
		name = pre ? arena_printf(cx->perm, "%s before %s",
		                          pre->out[0]->name,
		                          act_name[pre->act.kind])
		           : r->name;
		(*twin)[*nl] = (Twin){f, pre};
		l[*nl] = (QLayer){
			.op = op, .index = idx - 1, .tensor = name,
			.out = r->type, .w = weights_of(op),
			.in = op->nin && op->in[0] && is_codes(op->in[0]->type)
			      ? op->in[0]->type : NULL,
		};
		(*nl)++;
	}
	return l;
}

/* Sample k's inputs for qg: the float samples, or with -io=int8 their
 * codes at each input's scale and zero point. */
static const void **
q_inputs(const Graph *qg, const QuantOpts *q, uint32_t k, Arena *a)
{
	const void **in = NEWARRAY(a, const void *, qg->ninputs + 1);

	for (uint32_t i = 0; i < qg->ninputs; i++) {
		const TensorType *t = qg->inputs[i]->type;
		const float *x = q->samples[k * q->ninputs + i];
		int64_t n = type_numel(t);
		float s;

		in[i] = x;
		if (!is_codes(t) || t->q->kind != Q_TENSOR || t->dt == DT_U4 ||
		    t->dt == DT_I4)
			continue;
		s = quant_scale(t->q, 0);
		if (t->dt == DT_U8) {
			uint8_t *c = NEWARRAY(a, uint8_t, n + 1);
			for (int64_t j = 0; j < n; j++)
				c[j] = (uint8_t)quant_round_f32(x[j], 1.0f / s,
				               quant_zp(t->q, 0), code_min(t),
				               code_max(t));
			in[i] = c;
		} else {
			int8_t *c = NEWARRAY(a, int8_t, n + 1);
			for (int64_t j = 0; j < n; j++)
				c[j] = (int8_t)quant_round_f32(x[j], 1.0f / s,
				               quant_zp(t->q, 0), code_min(t),
				               code_max(t));
			in[i] = c;
		}
	}
	return in;
}

/* The result of float op without its fused activation, on values fv. */
static const float *
eval_pre_act(Ctx *cx, const Op *op, void **fv, Arena *a)
{
	Op tmp = *op;
	const void *in[256];
	void *out[1];

	QCC_ASSERT(op->nin <= 256);
	tmp.act.kind = ACT_NONE;
	for (int i = 0; i < op->nin; i++)
		in[i] = op->in[i] ? fv[op->in[i]->id] : NULL;
	out[0] = arena_alloc(a, type_bytes(op->out[0]->type) + 1, 64);
	return ir_eval_op(cx, &tmp, in, out) ? out[0] : NULL;
}

QuantReport *
quant_report_build(Ctx *cx, const Graph *fg, const Graph *qg,
                   const QuantOpts *q)
{
	QuantReport *r = NEW(cx->perm, QuantReport);
	Twin *twin;

	if (fg->ninputs != qg->ninputs || q->ninputs != qg->ninputs)
		bug("quant report: %u float inputs, %u quantized, %u sampled",
		    fg->ninputs, qg->ninputs, q->ninputs);
	r->layers = find_layers(cx, fg, qg, &r->nlayers, &twin);
	r->nsamples = q->nsamples;
	for (uint32_t k = 0; k < q->nsamples; k++) {
		Arena *a = arena_new();
		const void *const *fin =
			(const void *const *)&q->samples[k * q->ninputs];
		void **fv = ir_eval_values(cx, fg, fin, a);
		void **qv = fv ? ir_eval_values(cx, qg,
		                                q_inputs(qg, q, k, a), a)
		               : NULL;

		if (!qv) {
			arena_free(a);
			return NULL;
		}
		for (uint32_t i = 0; i < r->nlayers; i++) {
			QLayer *l = &r->layers[i];
			const void *c = qv[l->op->out[0]->id];
			const float *x = twin[i].v ? fv[twin[i].v->id] : NULL;
			if (twin[i].pre &&
			    !(x = eval_pre_act(cx, twin[i].pre, fv, a))) {
				arena_free(a);
				return NULL;
			}
			if (c && x)
				accumulate(l, x, c, l->out);
		}
		arena_free(a);
	}
	return r;
}

const QLayer *
quant_report_find(const QuantReport *r, const Op *op)
{
	for (uint32_t i = 0; r && i < r->nlayers; i++)
		if (r->layers[i].op == op)
			return &r->layers[i];
	return NULL;
}

double
qlayer_sqnr(const QLayer *l)
{
	if (!l->count || !(l->sig > 0.0))
		return NAN;
	if (l->err == 0.0)
		return INFINITY;
	return 10.0 * log10(l->sig / l->err);
}

QuantReport *
quant_report_make(Ctx *cx, Graph *fg, const Graph *qg, const QuantOpts *q,
                  const char *model, const char *scheme)
{
	static const char *const methods[] = {
		[CALIB_MINMAX] = "minmax", [CALIB_PERCENTILE] = "percentile",
		[CALIB_MSE] = "mse", [CALIB_KL] = "kl",
	};
	const char *pa = cx->print_after;
	unsigned flags = cx->flags;
	struct QuantOpts *cq = cx->quant;
	QuantReport *r;
	bool ok;

	cx->print_after = NULL;
	cx->flags &= ~(unsigned)CTX_PRINT_ALL;
	cx->quant = NULL;
	ok = pipeline_int8_float(cx, fg);
	cx->print_after = pa;
	cx->flags = flags;
	cx->quant = cq;
	if (!ok || !(r = quant_report_build(cx, fg, qg, q)))
		return NULL;
	r->model = model;
	r->scheme = scheme;
	r->method = q->method == CALIB_PERCENTILE
	            ? arena_printf(cx->perm, "percentile:%g", q->percentile)
	            : methods[q->method];
	return r;
}
