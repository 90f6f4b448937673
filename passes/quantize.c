/* quantize.c -- float ops become ops on 8-bit codes (Krishnamoorthi 2018,
 * papers.md section 3), with calibrate's ranges.
 *
 * The affine quantizer: a code q of scale s and zero point z stands for
 * s * (q - z).
 *   activations  u8, per tensor, asymmetric: the calibrated [lo, hi] is
 *                relaxed to hold 0, s = (hi - lo) / 255, z = round(-lo / s)
 *                in [0, 255], so real 0 (zero padding, Relu) is exact;
 *   weights      i8, symmetric, per output channel c (one scale for the
 *                whole tensor with -per-tensor): s_w[c] = max|W[c]| / 127,
 *                q = round(W / s_w[c]) in [-127, 127];
 *   biases       i32 at s_x * s_w[c]: q = round(b / (s_x s_w[c])).
 * Then conv(x, W) + b = s_x s_w[c] (sum (q_x - z_x) q_w + q_b), an integer
 * accumulator times one real number per channel; the result's code is
 * round(that / s_y) + z_y (fold-shift makes it integer-only).
 *
 * With -quantize=w4a4 or w4a8, search-int4 (int4.c) has chosen which
 * layers get i4 weights (quant_weights4) and a 4-bit grid (u8 codes in
 * [0, 15], Quant.bits 4) for the activations those layers read.
 *
 * Which ops (the rest stays float):
 *   Conv, Gemm, MatMul with constant weights (MatMul: 2-D, becomes Gemm);
 *     Gemm's alpha and beta go into B and C; a fused Relu or Clip stays
 *     (fold-shift turns it into the output clamp); other fused
 *     activations keep the op float
 *   Add, Mul (constants are quantized per tensor by their own range)
 *   MaxPool, AveragePool (the result keeps the input's s and z), Global-
 *     AveragePool
 *   Relu, Clip, Sigmoid, HardSigmoid, HardSwish as a Lut: a 256-entry code
 *     table computed here from the float function (also a fused SiLU or
 *     Sign; an op with another fused activation stays float)
 *   Flatten, Reshape and Concat of values already quantized (Concat
 *     requantizes inputs whose s, z differ from its result's)
 * Where a float value feeds an integer op a Quantize is inserted once; the
 * integer result replaces the float one through a Dequantize, which the
 * next integer consumer looks through and dce removes when unused.  So
 * graph inputs are quantized and outputs dequantized at the boundary and
 * the float interface holds; with -io=int8 the graph's inputs and outputs
 * become the codes themselves.
 * requires: calibrate's ranges (Ctx.quant)     invalidates: memory plan
 */
#include <math.h>
#include <string.h>

#include "passes.h"

typedef struct Qz {
	Ctx *cx;
	Graph *g;
	QuantOpts *q;
	Value **map;            /* float value id -> its codes */
	uint32_t cap;
} Qz;

static Value *
map_get(Qz *z, const Value *v)
{
	return v && v->id < z->cap ? z->map[v->id] : NULL;
}

static void
map_set(Qz *z, const Value *v, Value *c)
{
	if (v->id >= z->cap) {
		uint32_t old = z->cap;
		vec_grow(z->cx->perm, (void **)&z->map, &z->cap, v->id + 1,
		         sizeof(Value *));
		memset(z->map + old, 0, (z->cap - old) * sizeof(Value *));
	}
	z->map[v->id] = c;
}

static const Quant *
quant_new(Ctx *cx, QuantKind k, int axis, uint32_t n, float *scale,
          int32_t *zp)
{
	Quant *q = NEW(cx->perm, Quant);

	q->kind = k;
	q->axis = (int8_t)axis;
	q->n = n;
	q->scale = scale;
	q->zp = zp;
	return q;
}

/* u8 per tensor for the range [lo, hi]; bits (1..7) narrows the grid to
 * [0, 2^bits - 1] (plan-pm1), 0 keeps 8 bits. */
static const Quant *
act_quant(Ctx *cx, double lo, double hi, int bits)
{
	float *s = NEW(cx->perm, float);
	int32_t *zp = NEW(cx->perm, int32_t);
	double z, top = bits ? (double)((1 << bits) - 1) : 255.0;
	Quant *q;

	lo = fmin(lo, 0.0);
	hi = fmax(hi, 0.0);
	if (hi - lo < 1e-12)
		hi = lo + 1e-12;
	*s = (float)((hi - lo) / top);
	z = round(-lo / *s);
	*zp = (int32_t)(z < 0 ? 0 : z > top ? top : z);
	q = (Quant *)quant_new(cx, Q_TENSOR, 0, 1, s, zp);
	q->bits = (uint8_t)bits;
	return q;
}

/* plan-pm1's bits for the codes of f32 value v (0: 8 bits). */
static int
vbits(const Qz *z, const Value *v)
{
	return z->q->vbits && v->id < z->q->nvbits ? z->q->vbits[v->id] : 0;
}

/* plan-pm1's bits for the weights of op (0: 8 bits). */
static int
obits(const Qz *z, const Op *op)
{
	return z->q->obits && op->id < z->q->nobits ? z->q->obits[op->id] : 0;
}

/* The grid of activation v: search-int4's 4-bit one if it chose one, else
 * u8 over calibrate's range. */
static const Quant *
act_quant_of(Qz *z, const Value *v)
{
	const QuantOpts *o = z->q;
	Quant *q;

	if (!o->a4_scale || v->id >= o->nvals4 || !(o->a4_scale[v->id] > 0.0f))
		return act_quant(z->cx, o->lo[v->id], o->hi[v->id], vbits(z, v));
	q = (Quant *)quant_new(z->cx, Q_TENSOR, 0, 1, &o->a4_scale[v->id],
	                       &o->a4_zp[v->id]);
	q->bits = 4;
	return q;
}

static const TensorType *
code_type(Ctx *cx, const TensorType *t, const Quant *q)
{
	return type_new(cx, DT_U8, t->rank, t->dim, q);
}

static bool
has_range(Qz *z, const Value *v)
{
	return v->id < z->q->nranges && z->q->lo[v->id] <= z->q->hi[v->id];
}

static Op *
new_op(Qz *z, OpKind k, const Op *like, int nin, Value *const *in,
       const TensorType *t, Op *before)
{
	Op *op = ir_op_new(z->cx, z->g, k, like ? &like->loc : NULL, nin, in,
	                   1, &t);

	if (like && k == like->kind) {
		op->a = like->a;
		op->act = like->act;
	}
	ir_insert_before(z->g, before, op);
	return op;
}

/* The codes of float value v, quantized before op `before` if needed;
 * NULL if v has no range. */
static Value *
codes_of(Qz *z, Value *v, Op *before)
{
	Value *c = map_get(z, v);
	const float *x = value_f32(v);

	if (c)
		return c;
	if (x) {
		int64_t n = type_numel(v->type);
		double lo = 0.0, hi = 0.0;
		const Quant *q;
		uint8_t *d = NEWARRAY(z->cx->perm, uint8_t, n + 1);

		for (int64_t i = 0; i < n; i++) {
			lo = fmin(lo, x[i]);
			hi = fmax(hi, x[i]);
		}
		q = act_quant(z->cx, lo, hi, 0);
		for (int64_t i = 0; i < n; i++)
			d[i] = (uint8_t)quant_round_f32(x[i], 1.0f / q->scale[0],
			                                q->zp[0], 0, 255);
		c = ir_const(z->cx, z->g, code_type(z->cx, v->type, q), d,
		             v->name);
	} else if (has_range(z, v)) {
		const Quant *q = act_quant_of(z, v);
		c = new_op(z, OP_QUANTIZE, v->def ? v->def : before, 1, &v,
		           code_type(z->cx, v->type, q), before)->out[0];
		c->name = v->name;
	} else {
		return NULL;
	}
	map_set(z, v, c);
	return c;
}

/* The activations act_fn computes, so a Lut can stand for them. */
static bool
act_has_lut(ActKind k)
{
	switch (k) {
	case ACT_RELU:
	case ACT_CLIP:
	case ACT_SIGMOID:
	case ACT_HARDSIGMOID:
	case ACT_HARDSWISH:
	case ACT_SIGN:
	case ACT_SILU:
		return true;
	default:
		return false;
	}
}

static double
act_fn(Act a, double x)
{
	switch (a.kind) {
	case ACT_RELU:
		return x > 0.0 ? x : 0.0;
	case ACT_CLIP:
		return fmin(fmax(x, a.alpha), a.beta);
	case ACT_SIGMOID:
		return 1.0 / (1.0 + exp(-x));
	case ACT_HARDSIGMOID:
		return fmax(0.0, fmin(1.0, a.alpha * x + a.beta));
	case ACT_HARDSWISH:
		return x * fmax(0.0, fmin(1.0, x / 6.0 + 0.5));
	case ACT_SIGN:
		return x < 0.0 ? -1.0 : x > 0.0 ? 1.0 : x;
	case ACT_SILU:
		return x / (1.0 + exp(-x));
	default:
		return x;
	}
}

static bool splits(const Op *op);

/* Codes of act(x) with result Quant q, as a Lut op before `before`. */
static Value *
lut_of(Qz *z, Op *before, Value *x, Act act, const Quant *q)
{
	Value *in[2];
	uint8_t tab[256];
	const TensorType *t = code_type(z->cx, x->type, q);

	for (int i = 0; i < 256; i++) {
		double r = quant_scale(x->type->q, 0) *
		           (i - quant_zp(x->type->q, 0));
		double v = round(act_fn(act, r) / quant_scale(q, 0)) +
		           quant_zp(q, 0);
		tab[i] = (uint8_t)(v < 0 ? 0 : v > code_max(t) ? code_max(t) : v);
	}
	in[0] = x;
	in[1] = ir_const(z->cx, z->g, type_new(z->cx, DT_U8, 1,
	                                       (int64_t[]){256}, q),
	                 tab, "lut");
	return new_op(z, OP_LUT, before, 2, in, t, before)->out[0];
}

/* Float result f of op is now computed as codes c: every use of f reads a
 * Dequantize of c instead, and op goes.  An activation op becomes a Lut of
 * c; a fused activation that is not Relu or Clip splits off into one. */
static void
replace_result(Qz *z, Op *op, Value *c)
{
	Value *f = op->out[0];
	Op *d;
	const Quant *q = act_quant_of(z, f);

	if (op_info[op->kind].flags & OPF_ACTFN) {
		c = lut_of(z, op, c, op->a.act, q);
	} else if (c->def && (op_info[c->def->kind].flags & OPF_ACT) &&
	           splits(c->def)) {
		Act act = c->def->act;
		c->def->act.kind = ACT_NONE;
		c = lut_of(z, op, c, act, q);
	}
	d = ir_op_new(z->cx, z->g, OP_DEQUANTIZE, &op->loc, 1, &c, 1,
	              &f->type);
	c->name = f->name;
	d->out[0]->name = f->name;
	ir_replace_uses(z->g, f, d->out[0]);
	ir_insert_before(z->g, op, d);
	ir_remove(z->g, op);
	map_set(z, d->out[0], c);
}

/* The odd grid of -quantize=pm1 (passes/decompose_pm1.h): codes
 * {-(2^bits-1), ..., -1, 1, ..., 2^bits-1}, zero excluded; q = the odd
 * integer nearest x / s, clamped. */
static int8_t
odd_code(double v, int bits)
{
	double top = (double)((1 << bits) - 1);
	double q = 2.0 * floor(v / 2.0) + 1.0;   /* odd, |q - v| <= 1 */

	return (int8_t)(q < -top ? -top : q > top ? top : q);
}

/* Per channel scale of the odd grid: the s = f max|w| / (2^bits - 1),
 * f = 1/64 .. 1, with the least squared error over the channel. */
static float
odd_scale(const float *x, int64_t n, int64_t stride, int bits)
{
	double mx = 0.0, best = -1.0, bs = 1.0;
	double top = (double)((1 << bits) - 1);

	for (int64_t i = 0; i < n; i++)
		mx = fmax(mx, fabs(x[i * stride]));
	if (mx == 0.0)
		return 1.0f;
	for (int t = 1; t <= 64; t++) {
		double s = mx * t / 64.0 / top, e = 0.0;
		for (int64_t i = 0; i < n; i++) {
			double d = x[i * stride] - s * odd_code(x[i * stride] / s,
			                                        bits);
			e += d * d;
		}
		if (best < 0.0 || e < best) {
			best = e;
			bs = s;
		}
	}
	return (float)bs;
}

/* i8 weights, symmetric, per channel along axis (or per tensor); bits
 * (plan-pm1) chooses the odd grid with an MSE-chosen scale per channel. */
static Value *
quant_weights(Qz *z, const Value *w, int axis, int bits)
{
	const TensorType *t = w->type;
	const float *x = value_f32(w);
	int64_t n = type_numel(t), nch = t->dim[axis], inner = 1;
	bool per_ch = !z->q->per_tensor;
	uint32_t ns = per_ch ? (uint32_t)nch : 1;
	float *s = NEWARRAY(z->cx->perm, float, ns);
	int8_t *d = NEWARRAY(z->cx->perm, int8_t, n + 1);

	for (int i = axis + 1; i < t->rank; i++)
		inner *= t->dim[i];
	for (int64_t i = 0; i < n; i++) {
		int64_t c = per_ch ? i / inner % nch : 0;
		s[c] = fmaxf(s[c], fabsf(x[i]));
	}
	for (uint32_t c = 0; c < ns; c++)
		s[c] = s[c] > 0.0f ? s[c] / 127.0f : 1.0f;
	if (bits && per_ch && inner == 1) {
		for (int64_t c = 0; c < nch; c++)
			s[c] = odd_scale(x + c, n / nch, nch, bits);
	} else if (bits && per_ch) {
		for (int64_t c = 0; c < nch; c++)
			s[c] = odd_scale(x + c * inner, inner, 1, bits);
	} else if (bits) {
		s[0] = odd_scale(x, n, 1, bits);
	}
	for (int64_t i = 0; i < n; i++) {
		int64_t c = per_ch ? i / inner % nch : 0;
		double v = round(x[i] / s[c]);
		d[i] = bits ? odd_code(x[i] / s[c], bits)
		            : (int8_t)(v < -127 ? -127 : v > 127 ? 127 : v);
	}
	return ir_const(z->cx, z->g,
	                type_new(z->cx, DT_I8, t->rank, t->dim,
	                         quant_new(z->cx, per_ch ? Q_AXIS : Q_TENSOR,
	                                   per_ch ? axis : 0, ns, s, NULL)),
	                d, w->name);
}

/* i32 bias [n] at s_x * s_w[c]; b (n floats) NULL gives NULL. */
static Value *
quant_bias(Qz *z, const float *b, int64_t n, const Quant *qx,
           const Quant *qw, const char *name)
{
	float *s = NEWARRAY(z->cx->perm, float, n);
	int32_t *d = NEWARRAY(z->cx->perm, int32_t, n);

	if (!b)
		return NULL;
	for (int64_t c = 0; c < n; c++) {
		double sc = (double)quant_scale(qx, 0) * quant_scale(qw, c);
		double v = round(b[c] / sc);
		s[c] = (float)sc;
		d[c] = (int32_t)fmax(fmin(v, 2147483647.0), -2147483647.0);
	}
	return ir_const(z->cx, z->g,
	                type_new(z->cx, DT_I32, 1, (int64_t[]){n},
	                         quant_new(z->cx, Q_AXIS, 0, (uint32_t)n, s,
	                                   NULL)),
	                d, name);
}

static bool
pre_range(Qz *z, const Op *op)
{
	const Value *v = op->out[0];

	return z->q->pre_lo && v->id < z->q->nranges &&
	       z->q->pre_lo[v->id] <= z->q->pre_hi[v->id];
}

/* Relu and Clip stay fused (fold-shift makes them the clamp); another
 * fused activation splits off into a Lut if act_fn knows it and calibrate
 * saw the range before it. */
static bool
act_ok(Qz *z, const Op *op)
{
	return op->act.kind == ACT_NONE || op->act.kind == ACT_RELU ||
	       op->act.kind == ACT_CLIP ||
	       (act_has_lut(op->act.kind) && pre_range(z, op));
}

/* Result codes of op, from the calibrated range of its float result. */
static bool
splits(const Op *op)
{
	return op->act.kind != ACT_NONE && op->act.kind != ACT_RELU &&
	       op->act.kind != ACT_CLIP;
}

/* Result codes of op, from the calibrated range of its float result (the
 * range before the activation if that splits off). */
static const TensorType *
result_type(Qz *z, const Op *op, const TensorType *shape)
{
	const Value *f = op->out[0];
	bool pre = (op_info[op->kind].flags & OPF_ACT) && splits(op);

	return code_type(z->cx, shape ? shape : f->type,
	                 pre ? act_quant(z->cx, z->q->pre_lo[f->id],
	                                 z->q->pre_hi[f->id], 0)
	                     : act_quant_of(z, f));
}

static bool
quant_conv(Qz *z, Op *op)
{
	Value *x, *in[3];
	const float *b = op->nin > 2 && op->in[2] ? value_f32(op->in[2]) : NULL;

	if (!value_f32(op->in[1]) || (op->nin > 2 && op->in[2] && !b) ||
	    !act_ok(z, op) || !has_range(z, op->out[0]))
		return false;
	if (!(x = codes_of(z, op->in[0], op)))
		return false;
	in[0] = x;
	in[1] = op_weight_bits(z->q, op) == 4
	        ? quant_weights4(z->cx, z->g, op->in[1], 0, z->q)
	        : quant_weights(z, op->in[1], 0, obits(z, op));
	in[2] = quant_bias(z, b, op->in[1]->type->dim[0], x->type->q,
	                   in[1]->type->q, op->nin > 2 ? op->in[2]->name : "");
	replace_result(z, op, new_op(z, OP_CONV, op, in[2] ? 3 : 2, in,
	                             result_type(z, op, NULL), op)->out[0]);
	return true;
}

/* Gemm (and a MatMul of a 2-D A by a constant 2-D B): alpha, beta and a
 * C that broadcasts along rows go into B and a bias vector. */
static bool
quant_gemm(Qz *z, Op *op)
{
	GemmAttr ga = {1.0f, 1.0f, false, false};
	const TensorType *bt = op->in[1]->type;
	const float *w = value_f32(op->in[1]), *c = NULL;
	Value *x, *in[3], *wv;
	Op *q;
	int64_t n, nb;
	float *bias = NULL, *ws;

	if (op->kind == OP_GEMM) {
		ga = op->a.gemm;
		if (op->nin > 2 && op->in[2] && !(c = value_f32(op->in[2])))
			return false;
	}
	if (!w || bt->rank != 2 || ga.trans_a || op->in[0]->type->rank != 2 ||
	    !act_ok(z, op) || !has_range(z, op->out[0]))
		return false;
	n = bt->dim[!ga.trans_b];
	if (c) {
		nb = type_numel(op->in[2]->type);
		if (nb != 1 && (nb != n || op->in[2]->type->dim[
		                 op->in[2]->type->rank - 1] != n))
			return false;
		bias = NEWARRAY(z->cx->scratch, float, n);
		for (int64_t j = 0; j < n; j++)
			bias[j] = ga.beta * c[nb == 1 ? 0 : j];
	}
	if (!(x = codes_of(z, op->in[0], op)))
		return false;
	ws = NEWARRAY(z->cx->scratch, float, type_numel(bt));
	for (int64_t i = 0; i < type_numel(bt); i++)
		ws[i] = ga.alpha * w[i];
	wv = ir_const(z->cx, z->g, bt, ws, op->in[1]->name);
	in[0] = x;
	in[1] = op_weight_bits(z->q, op) == 4
	        ? quant_weights4(z->cx, z->g, wv, ga.trans_b ? 0 : 1, z->q)
	        : quant_weights(z, wv, ga.trans_b ? 0 : 1, obits(z, op));
	in[2] = quant_bias(z, bias, n, x->type->q, in[1]->type->q,
	                   op->nin > 2 && op->in[2] ? op->in[2]->name : "");
	q = new_op(z, OP_GEMM, op, in[2] ? 3 : 2, in, result_type(z, op, NULL),
	           op);
	q->a.gemm = (GemmAttr){1.0f, 1.0f, false, ga.trans_b};
	q->act = op->act;
	replace_result(z, op, q->out[0]);
	return true;
}

static bool
quant_binary(Qz *z, Op *op)
{
	Value *in[2];

	if (!act_ok(z, op) || !has_range(z, op->out[0]))
		return false;
	for (int i = 0; i < 2; i++)
		if (!(in[i] = codes_of(z, op->in[i], op)))
			return false;
	replace_result(z, op, new_op(z, op->kind, op, 2, in,
	                             result_type(z, op, NULL), op)->out[0]);
	return true;
}

/* Pools keep the input's codes' scale and zero point (GlobalAveragePool
 * takes its own range). */
static bool
quant_pool(Qz *z, Op *op)
{
	Value *x = codes_of(z, op->in[0], op);
	const TensorType *t;

	if (!x)
		return false;
	if (op->kind == OP_GLOBALAVGPOOL) {
		if (!has_range(z, op->out[0]))
			return false;
		t = result_type(z, op, NULL);
	} else {
		t = code_type(z->cx, op->out[0]->type, x->type->q);
	}
	replace_result(z, op, new_op(z, op->kind, op, 1, &x, t, op)->out[0]);
	return true;
}

/* An activation op as a table from input codes to result codes. */
static bool
quant_lut(Qz *z, Op *op)
{
	Value *x;

	if (!has_range(z, op->out[0]) || !(x = codes_of(z, op->in[0], op)))
		return false;
	replace_result(z, op, x);
	return true;
}

static bool
quant_view(Qz *z, Op *op)
{
	Value *x = map_get(z, op->in[0]);

	if (!x)
		return false;
	replace_result(z, op, new_op(z, op->kind, op, 1, &x,
	                             code_type(z->cx, op->out[0]->type,
	                                       x->type->q), op)->out[0]);
	return true;
}

static bool
quant_concat(Qz *z, Op *op)
{
	Value **in = NEWARRAY(z->cx->scratch, Value *, op->nin);
	const TensorType *t;

	for (int i = 0; i < op->nin; i++)
		if (!map_get(z, op->in[i]) && !value_f32(op->in[i]))
			return false;
	if (!has_range(z, op->out[0]))
		return false;
	t = result_type(z, op, NULL);
	for (int i = 0; i < op->nin; i++) {
		in[i] = codes_of(z, op->in[i], op);
		if (!type_eq(type_new(z->cx, DT_U8, 0, NULL, in[i]->type->q),
		             type_new(z->cx, DT_U8, 0, NULL, t->q)))
			in[i] = new_op(z, OP_REQUANT, op, 1, &in[i],
			               code_type(z->cx, in[i]->type, t->q),
			               op)->out[0];
	}
	replace_result(z, op, new_op(z, OP_CONCAT, op, op->nin, in, t,
	                             op)->out[0]);
	return true;
}

static bool
quant_op(Qz *z, Op *op)
{
	if (op->out[0]->type->dt != DT_F32)
		return false;
	switch (op->kind) {
	case OP_CONV:
		return quant_conv(z, op);
	case OP_GEMM:
	case OP_MATMUL:
		return quant_gemm(z, op);
	case OP_ADD:
	case OP_MUL:
		return quant_binary(z, op);
	case OP_MAXPOOL:
	case OP_AVGPOOL:
	case OP_GLOBALAVGPOOL:
		return quant_pool(z, op);
	case OP_RELU:
	case OP_CLIP:
	case OP_SIGMOID:
	case OP_HARDSIGMOID:
	case OP_HARDSWISH:
		return quant_lut(z, op);
	case OP_FLATTEN:
	case OP_RESHAPE:
		return quant_view(z, op);
	case OP_CONCAT:
		return quant_concat(z, op);
	default:
		return false;
	}
}

/* -io=int8: graph inputs become codes, dequantized for float users. */
static void
quant_inputs(Qz *z)
{
	for (uint32_t i = 0; i < z->g->ninputs; i++) {
		Value *x = z->g->inputs[i];
		const TensorType *ft = x->type;
		Op *d;

		if (ft->dt != DT_F32 || !has_range(z, x))
			continue;
		d = ir_op_new(z->cx, z->g, OP_DEQUANTIZE, NULL, 1,
		              (Value *[]){NULL}, 1, &ft);
		d->out[0]->name = x->name;
		ir_replace_uses(z->g, x, d->out[0]);
		x->type = code_type(z->cx, ft, act_quant(z->cx, z->q->lo[x->id],
		                                         z->q->hi[x->id],
		                                         vbits(z, x)));
		ir_set_input(d, 0, x);
		ir_insert_before(z->g, z->g->first, d);
		map_set(z, d->out[0], x);
	}
}

/* -io=int8: graph outputs become codes. */
static void
quant_outputs(Qz *z)
{
	for (uint32_t i = 0; i < z->g->noutputs; i++) {
		Value *v = z->g->outputs[i];
		Value *c = map_get(z, v);

		if (!c && v->type->dt == DT_F32)
			c = codes_of(z, v, NULL);
		if (c)
			ir_set_output(z->g, i, c);
	}
}

static bool
quantize(Ctx *cx, Graph *g)
{
	Qz z = {.cx = cx, .g = g, .q = cx->quant};
	bool changed = false;

	if (!z.q || !z.q->lo)
		bug("quantize runs after calibrate");
	if (z.q->io_int8)
		quant_inputs(&z);
	for_each_op_safe(op, nx, g)
		changed |= quant_op(&z, op);
	if (z.q->io_int8)
		quant_outputs(&z);
	return changed;
}

const Pass pass_quantize = {
	.name = "quantize",
	.run = quantize,
};
