/* int4.c -- search-int4: the below-8-bit choices of -quantize=w4a4 and
 * w4a8 (issue 6; papers.md section 1, the adaptive scale and shift of
 * seed 1 done post-training).
 *
 * Which layers: every Conv, Gemm and 2-D MatMul with constant weights gets the
 * widths of -quantize (QuantOpts.wbits, abits), except the first and the last
 * layer in graph order, which stay 8-bit, and depthwise convolutions,
 * whose weights stay 8-bit (their activations follow -quantize): a
 * per-channel 4-bit grid over the 9 weights of a 3x3 filter is where 4-bit
 * weights lose most, for about 2% of the multiply-adds of a MobileNet-like
 * model (measured on samples/fmnist_swish: W4A4 88.41% with them 8-bit,
 * 87.72% with them 4-bit, FP32 89.81%).  A layer named by
 * -quantize-layer=NODE:wXaY gets exactly what it says; under
 * -quantize=auto, what select-quant chose (QuantOpts.auto_wbits).
 *
 * Weights of a 4-bit layer: i4 codes in [-7, 7], one scale per output
 * channel (per tensor with -per-tensor), s = clip / 7 with the clip
 * max|W| (W4_MAX) or the one of 0.30 max|W| .. max|W| (step 0.01) with the
 * smallest squared error of the channel's weights (W4_MSE).
 *
 * Activations read by a layer with abits 4: a grid x ~ s * q + beta, q in
 * [0, 15], with beta = -s * zp for an integer zp, so real 0 is exactly a
 * code (zero padding, and the producer's clamp, need it; this is the
 * nudge of beta onto the grid -- the kernels' zero point is an integer).
 * The first NSEARCH calibration samples are run through the float graph,
 * and the grid is chosen on the layer's input data:
 *   A4_MINMAX  [min, max] of the data
 *   A4_MSE     [t min, t max], t = 0.20 .. 1.00, the smallest squared error
 *              of the tensor itself
 *   A4_SEARCH  lo = a min, hi = b max over a grid of (a, b) (a = 0 is the
 *              unsigned grid), ranked by the tensor's own error; the best
 *              NKEEP are then ranked by the squared error of the CONSUMING
 *              layer's output (before its activation, with its weights
 *              already 4-bit) against the float output, and the winner is
 *              refined by coordinate steps on a and b under that same
 *              objective.
 * A grid chosen for the input of a layer is also the grid of the values
 * it is a view or pool of (MaxPool keeps its input's codes).
 *
 * Bias correction (unless -no-bias-correct): for each 4-bit layer the mean
 * error of its output per channel, measured on the same samples with
 * 4-bit weights and the chosen input grid, is subtracted from its float
 * bias (quantize then quantizes that bias as usual).  The shift itself
 * costs nothing at run time: fold-shift folds -zp * sum W into the int32
 * bias.
 * requires: calibrate      provides: QuantOpts.op_wbits, a4_scale, a4_zp
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

enum { NSEARCH = 32, NKEEP = 8, NROUNDS = 3 };

typedef struct Grid {
	float s;
	int32_t zp;
} Grid;

typedef struct Layer {
	Op *op;
	int wbits, abits, axis;
	const float *wq; /* the weights as the layer will see them */
	float **x;       /* [sample] its input */
	float **yref;    /* [sample] its float output, no activation */
	int64_t nx, ny, nch, inner;
	bool has_grid;
	Grid grid;
} Layer;

typedef struct S4 {
	Ctx *cx;
	Graph *g;
	QuantOpts *q;
	Layer *l;
	uint32_t nl, ns;
} S4;

int
op_weight_bits(const QuantOpts *o, const Op *op)
{
	if (!o || !o->op_wbits || op->id >= o->nops4 || !o->op_wbits[op->id])
		return 8;
	return o->op_wbits[op->id];
}

/* The scale of the weights v[0..n) as W4Clip says. */
static float
w4_scale(const float *v, int64_t n, W4Clip clip)
{
	double mx = 0.0, best = INFINITY, bs;

	for (int64_t i = 0; i < n; i++)
		mx = fmax(mx, fabs(v[i]));
	if (!(mx > 0.0))
		return 1.0f;
	bs = mx / 7.0;
	if (clip == W4_MAX)
		return (float)bs;
	for (int k = 30; k <= 100; k++) {
		double s = mx * k / 100.0 / 7.0, e = 0.0;
		for (int64_t i = 0; i < n && e < best; i++) {
			double c = fmin(fmax(round(v[i] / s), -7.0), 7.0);
			e += (v[i] - c * s) * (v[i] - c * s);
		}
		if (e < best) {
			best = e;
			bs = s;
		}
	}
	return (float)bs;
}

/* Scales of weights w (ns of them: per channel along axis, or 1) in
 * cx->perm; *inner is the product of the dims after axis. */
static float *
w4_scales(Ctx *cx, const Value *w, int axis, const QuantOpts *o, uint32_t *ns,
          int64_t *inner)
{
	const TensorType *t = w->type;
	const float *x = value_f32(w);
	int64_t n = type_numel(t), nch = t->dim[axis], in = 1, per;
	float *s, *buf;

	for (int i = axis + 1; i < t->rank; i++)
		in *= t->dim[i];
	*inner = in;
	*ns = o->per_tensor ? 1 : (uint32_t)nch;
	s = NEWARRAY(cx->perm, float, *ns);
	if (o->per_tensor) {
		s[0] = w4_scale(x, n, o->w4_clip);
		return s;
	}
	per = n / nch;
	buf = NEWARRAY(cx->scratch, float, per + 1);
	for (int64_t c = 0; c < nch; c++) {
		int64_t k = 0;
		for (int64_t i = 0; i < n; i++)
			if (i / in % nch == c)
				buf[k++] = x[i];
		s[c] = w4_scale(buf, k, o->w4_clip);
	}
	return s;
}

static int32_t
w4_code(float x, float s)
{
	double v = round(x / s);

	return (int32_t)(v < -7.0 ? -7.0 : v > 7.0 ? 7.0 : v);
}

Value *
quant_weights4(Ctx *cx, Graph *g, const Value *w, int axis, const QuantOpts *o)
{
	const TensorType *t = w->type;
	const float *x = value_f32(w);
	int64_t n = type_numel(t), inner;
	uint32_t ns;
	float *s = w4_scales(cx, w, axis, o, &ns, &inner);
	uint8_t *d = NEWARRAY(cx->perm, uint8_t, n / 2 + 1);
	Quant *q = NEW(cx->perm, Quant);

	for (int64_t i = 0; i < n; i++) {
		int64_t c = ns > 1 ? i / inner % t->dim[axis] : 0;
		d[i >> 1] |=
		    (uint8_t)((w4_code(x[i], s[c]) & 15) << (4 * (i & 1)));
	}
	*q = (Quant){ns > 1 ? Q_AXIS : Q_TENSOR,
	             (int8_t)(ns > 1 ? axis : 0),
	             ns,
	             s,
	             NULL,
	             0};
	return ir_const(cx, g, type_new(cx, DT_I4, t->rank, t->dim, q), d,
	                w->name);
}

/* The weights of a 4-bit layer as floats on their grid. */
static const float *
w4_fake(Ctx *cx, const Value *w, int axis, const QuantOpts *o)
{
	const TensorType *t = w->type;
	const float *x = value_f32(w);
	int64_t n = type_numel(t), inner;
	uint32_t ns;
	float *s = w4_scales(cx, w, axis, o, &ns, &inner);
	float *d = NEWARRAY(cx->scratch, float, n + 1);

	for (int64_t i = 0; i < n; i++) {
		int64_t c = ns > 1 ? i / inner % t->dim[axis] : 0;
		d[i] = (float)w4_code(x[i], s[c]) * s[c];
	}
	return d;
}

static bool
is_layer(const Op *op)
{
	if (op->kind == OP_CONV)
		return value_f32(op->in[1]) && op->in[1]->type->rank == 4 &&
		       (op->nin < 3 || !op->in[2] || value_f32(op->in[2]));
	if (op->kind == OP_GEMM)
		return value_f32(op->in[1]) && op->in[1]->type->rank == 2 &&
		       op->in[0]->type->rank == 2 && !op->a.gemm.trans_a &&
		       (op->nin < 3 || !op->in[2] || value_f32(op->in[2]));
	if (op->kind == OP_MATMUL)
		return value_f32(op->in[1]) && op->in[1]->type->rank == 2 &&
		       op->in[0]->type->rank == 2;
	return false;
}

/* A depthwise Conv: one input channel per filter, so a filter has only
 * kh * kw weights (9 for 3x3). */
static bool
is_depthwise(const Op *op)
{
	return op->kind == OP_CONV && op->a.conv.group > 1 &&
	       op->in[1]->type->dim[1] == 1;
}

/* Widths of every layer; false (with a diagnostic) for a -quantize-layer
 * naming no layer. */
static bool
choose_widths(S4 *z)
{
	QuantOpts *o = z->q;
	uint32_t nl = 0, k = 0;
	bool *used = NEWARRAY(z->cx->scratch, bool, o->nlayers + 1);

	for_each_op(op, z->g) nl += is_layer(op);
	z->l = NEWARRAY(z->cx->scratch, Layer, nl + 1);
	o->nops4 = z->g->nops;
	o->op_wbits = NEWARRAY(z->cx->perm, uint8_t, o->nops4 + 1);
	for_each_op(op, z->g)
	{
		Layer *l;
		bool end = k == 0 || k == nl - 1;
		if (!is_layer(op))
			continue;
		l = &z->l[k++];
		l->op = op;
		l->wbits = end || !o->wbits || is_depthwise(op) ? 8 : o->wbits;
		l->abits = end || !o->abits ? 8 : o->abits;
		l->axis = op->kind == OP_MATMUL ||
		                  (op->kind == OP_GEMM && !op->a.gemm.trans_b)
		              ? 1
		              : 0;
		for (uint32_t i = 0; i < o->nlayers; i++)
			if (op->loc.node &&
			    !strcmp(op->loc.node, o->layers[i].node)) {
				l->wbits = o->layers[i].wbits;
				l->abits = o->layers[i].abits;
				used[i] = true;
			}
		if (o->auto_wbits && op->id < o->nauto)
			l->wbits = l->abits =
			    o->auto_wbits[op->id] == 4 ? 4 : 8;
		o->op_wbits[op->id] = (uint8_t)l->wbits;
	}
	z->nl = nl;
	for (uint32_t i = 0; i < o->nlayers; i++)
		if (!used[i]) {
			diag(z->cx, DIAG_ERROR, NULL,
			     "-quantize-layer: no Conv "
			     "or Gemm node is named \"%s\"",
			     o->layers[i].node);
			return false;
		}
	return true;
}

/* Runs the first ns samples; keeps every 4-bit layer's input and float
 * output. */
static bool
collect(S4 *z)
{
	Arena *sc = z->cx->scratch;

	for (uint32_t i = 0; i < z->nl; i++) {
		Layer *l = &z->l[i];
		l->x = NEWARRAY(sc, float *, z->ns);
		l->yref = NEWARRAY(sc, float *, z->ns);
		l->nx = type_numel(l->op->in[0]->type);
		l->ny = type_numel(l->op->out[0]->type);
		l->nch = l->op->out[0]->type->dim[1];
		l->inner = l->op->kind == OP_CONV
		               ? l->ny / l->nch / l->op->out[0]->type->dim[0]
		               : 1;
	}
	for (uint32_t k = 0; k < z->ns; k++) {
		Arena *a = arena_new();
		const void *const *in =
		    (const void *const *)&z->q->samples[k * z->q->ninputs];
		void **val = ir_eval_values(z->cx, z->g, in, a);

		for (uint32_t i = 0; val && i < z->nl; i++) {
			Layer *l = &z->l[i];
			const float *x = val[l->op->in[0]->id];
			if (l->wbits == 8 && l->abits == 8)
				continue;
			if (!x)
				bug("search-int4: layer %u input not computed",
				    l->op->id);
			l->x[k] = NEWARRAY(sc, float, l->nx);
			memcpy(l->x[k], x, (size_t)l->nx * sizeof(float));
			l->yref[k] = NEWARRAY(sc, float, l->ny);
			if (!ir_eval_preact(z->cx, l->op, x,
			                    value_f32(l->op->in[1]),
			                    l->yref[k]))
				val = NULL;
		}
		arena_free(a);
		if (!val)
			return false;
	}
	return true;
}

static Grid
grid_from(double lo, double hi)
{
	Grid gr;
	double s, zp;

	lo = fmin(lo, 0.0);
	hi = fmax(hi, 0.0);
	s = hi - lo > 1e-12 ? (hi - lo) / 15.0 : 1e-12;
	zp = round(-lo / s);
	gr.s = (float)s;
	gr.zp = (int32_t)(zp < 0.0 ? 0.0 : zp > 15.0 ? 15.0 : zp);
	return gr;
}

static void
grid_apply(Grid gr, const float *x, float *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		double q = round(x[i] / gr.s) + gr.zp;
		q = q < 0.0 ? 0.0 : q > 15.0 ? 15.0 : q;
		y[i] = (float)(gr.s * (q - gr.zp));
	}
}

/* Squared error of the layer's input on grid gr. */
static double
own_err(S4 *z, const Layer *l, Grid gr)
{
	double e = 0.0;

	for (uint32_t k = 0; k < z->ns; k++)
		for (int64_t i = 0; i < l->nx; i++) {
			double q = round(l->x[k][i] / gr.s) + gr.zp;
			q = q < 0.0 ? 0.0 : q > 15.0 ? 15.0 : q;
			q = gr.s * (q - gr.zp) - l->x[k][i];
			e += q * q;
		}
	return e;
}

/* Squared error of the layer's output with input grid gr (or the float
 * input) and its weights as they will be; with mean, also the mean error
 * per output channel. */
static double
out_err(S4 *z, const Layer *l, const Grid *gr, double *mean)
{
	float *xq = NEWARRAY(z->cx->scratch, float, l->nx);
	float *y = NEWARRAY(z->cx->scratch, float, l->ny);
	double e = 0.0;

	for (uint32_t k = 0; k < z->ns; k++) {
		if (gr)
			grid_apply(*gr, l->x[k], xq, l->nx);
		if (!ir_eval_preact(z->cx, l->op, gr ? xq : l->x[k], l->wq, y))
			return INFINITY;
		for (int64_t i = 0; i < l->ny; i++) {
			double d = (double)y[i] - l->yref[k][i];
			e += d * d;
			if (mean)
				mean[i / l->inner % l->nch] += d;
		}
	}
	if (mean)
		for (int64_t c = 0; c < l->nch; c++)
			mean[c] /= (double)z->ns * (double)(l->ny / l->nch);
	return e;
}

typedef struct Cand {
	double a, b, own, out;
} Cand;

static int
cand_cmp(const void *p, const void *q)
{
	double a = ((const Cand *)p)->own, b = ((const Cand *)q)->own;

	return (a > b) - (a < b);
}

static Grid
search_grid(S4 *z, const Layer *l, double mn, double mx)
{
	Cand c[9 * 17], best;
	int nc = 0;
	const double da[2] = {0.0625, 0.025};

	for (int i = 0; i <= 8; i++)
		for (int j = 0; j <= 16; j++) {
			c[nc].a = i / 8.0;
			c[nc].b = 0.2 + 0.05 * j;
			c[nc].own = own_err(
			    z, l, grid_from(mn * c[nc].a, mx * c[nc].b));
			nc++;
		}
	qsort(c, (size_t)nc, sizeof c[0], cand_cmp);
	best = c[0];
	best.out = INFINITY;
	for (int i = 0; i < NKEEP && i < nc; i++) {
		Grid gr = grid_from(mn * c[i].a, mx * c[i].b);
		c[i].out = out_err(z, l, &gr, NULL);
		if (c[i].out < best.out)
			best = c[i];
	}
	for (int r = 0; r < NROUNDS; r++)
		for (int d = 0; d < 4; d++) {
			Cand t = best;
			double step = da[d / 2] * (d % 2 ? -1.0 : 1.0);
			Grid gr;
			if (d < 2)
				t.a = fmin(fmax(t.a + step, 0.0), 1.0);
			else
				t.b = fmin(fmax(t.b + step, 0.05), 1.0);
			gr = grid_from(mn * t.a, mx * t.b);
			t.out = out_err(z, l, &gr, NULL);
			if (t.out < best.out)
				best = t;
		}
	return grid_from(mn * best.a, mx * best.b);
}

static Grid
choose_grid(S4 *z, const Layer *l)
{
	double mn = 0.0, mx = 0.0, best = INFINITY;
	Grid gr = {1.0f, 0};

	for (uint32_t k = 0; k < z->ns; k++)
		for (int64_t i = 0; i < l->nx; i++) {
			mn = fmin(mn, l->x[k][i]);
			mx = fmax(mx, l->x[k][i]);
		}
	switch (z->q->a4_range) {
	case A4_MINMAX:
		return grid_from(mn, mx);
	case A4_MSE:
		for (int t = 20; t <= 100; t++) {
			Grid c = grid_from(mn * t / 100.0, mx * t / 100.0);
			double e = own_err(z, l, c);
			if (e < best) {
				best = e;
				gr = c;
			}
		}
		return gr;
	case A4_SEARCH:
		break;
	}
	return search_grid(z, l, mn, mx);
}

/* Records grid gr for value v and the values v is a view or pool of. */
static void
set_grid(S4 *z, Value *v, Grid gr)
{
	for (;;) {
		z->q->a4_scale[v->id] = gr.s;
		z->q->a4_zp[v->id] = gr.zp;
		if (!v->def || v->nuses != 1)
			return;
		switch (v->def->kind) {
		case OP_MAXPOOL:
		case OP_FLATTEN:
		case OP_RESHAPE:
		case OP_IDENTITY:
			v = v->def->in[0];
			break;
		default:
			return;
		}
	}
}

/* bias -= mean error per channel (Conv: a new bias if it had none). */
static void
correct_bias(S4 *z, Layer *l, const double *mean)
{
	Op *op = l->op;
	const float *b = op->nin > 2 && op->in[2] ? value_f32(op->in[2]) : NULL;
	float *nb = NEWARRAY(z->cx->scratch, float, l->nch);
	float beta = op->kind == OP_GEMM ? op->a.gemm.beta : 1.0f;
	Value *bv;

	if (op->kind == OP_MATMUL)
		return;
	if (op->kind == OP_GEMM &&
	    (!b || type_numel(op->in[2]->type) != l->nch || beta == 0.0f))
		return;
	for (int64_t c = 0; c < l->nch; c++)
		nb[c] = (b ? b[c] : 0.0f) - (float)(mean[c] / beta);
	bv = ir_const(z->cx, z->g,
	              b ? op->in[2]->type
	                : type_new(z->cx, DT_F32, 1, (int64_t[]){l->nch}, NULL),
	              nb, "bias_corrected");
	if (op->nin < 3) {
		Value **in = NEWARRAY(z->cx->perm, Value *, 3);
		in[0] = op->in[0];
		in[1] = op->in[1];
		op->in = in;
		op->nin = 3;
	}
	ir_set_input(op, 2, bv);
}

static bool
search_int4(Ctx *cx, Graph *g)
{
	S4 z = {.cx = cx, .g = g, .q = cx->quant};
	QuantOpts *o = z.q;
	bool changed = false;

	if (!o ||
	    ((o->wbits == 0 || o->wbits == 8) &&
	     (o->abits == 0 || o->abits == 8) && !o->nlayers && !o->auto_wbits))
		return false;
	if (!o->lo)
		bug("search-int4 runs after calibrate");
	if (!choose_widths(&z))
		return false;
	o->nvals4 = g->nvalues;
	o->a4_scale = NEWARRAY(cx->perm, float, g->nvalues + 1);
	o->a4_zp = NEWARRAY(cx->perm, int32_t, g->nvalues + 1);
	z.ns = o->nsamples < NSEARCH ? o->nsamples : NSEARCH;
	if (!collect(&z))
		return false;
	for (uint32_t i = 0; i < z.nl; i++) {
		Layer *l = &z.l[i];
		Value *x = l->op->in[0];
		double *mean;
		if (l->wbits == 8 && l->abits == 8)
			continue;
		l->wq = l->wbits == 4 ? w4_fake(cx, l->op->in[1], l->axis, o)
		                      : value_f32(l->op->in[1]);
		if (l->abits == 4) {
			l->has_grid = true;
			if (o->a4_scale[x->id] > 0.0f)
				l->grid =
				    (Grid){o->a4_scale[x->id], o->a4_zp[x->id]};
			else
				l->grid = choose_grid(&z, l);
			set_grid(&z, x, l->grid);
		}
		if (o->no_bias_correct)
			continue;
		mean = NEWARRAY(cx->scratch, double, l->nch);
		if (out_err(&z, l, l->has_grid ? &l->grid : NULL, mean) ==
		    INFINITY)
			return false;
		correct_bias(&z, l, mean);
		changed = true;
	}
	return changed;
}

const Pass pass_search_int4 = {
    .name = "search-int4",
    .run = search_int4,
};
