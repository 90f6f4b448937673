/* select_quant.c -- select-quant, -quantize=auto (issue 6): per layer, the
 * cheapest of int8, int4 (w4a4) and the {-1,+1} kernels (pm1:w2a2,
 * pm1:w1a1) on the target that keeps the layer accurate enough.
 *
 * Cost: a layer of n multiply-adds costs n * conv[kind] (Conv) or
 * n * gemm[kind] (Gemm, MatMul) in the target's table below.  The numbers
 * are tests/pm1/bench.sh's: its conv microbenchmark (a 3x3 64->64 conv on
 * a 16x16 image between a small 8-bit first and last layer, 9.4M MACs) and
 * its gemm one (1024x1024 at batch 1, 1.0M MACs), the whole model's cost
 * divided by the big layer's MACs, so bit-plane packing and the rescale
 * are in them.  A linear model with a separate per-input-element term did
 * not fit both (batch-1 Gemm is bound by weight traffic, Conv by
 * arithmetic), hence one column per family.  Units differ by target and
 * only compare within one: x86-64, host nanoseconds per 1000 MACs (median
 * of 100 runs, -mcpu=native, on the shared 2-core build machine);
 * armv8 and riscv64 (rv64gcv, VLEN 128), instructions executed under
 * qemu-user per MAC (tests/pm1/insn_count.c, a TCG plugin), the proxy for
 * the cycles of in-order cores.  An unknown target uses x86-64's table.
 * The targets rank the kinds differently on convs: on x86-64 int8 (AVX2)
 * beats even pm1:w1a1, on armv8 int8 beats pm1:w2a2 but not pm1:w1a1, on
 * riscv64 (whose int8 conv is slower) both pm1 kinds win; on a batch-1
 * Gemm pm1 wins everywhere, and int4 (unpacking nibbles) loses
 * everywhere.
 *
 * Accuracy guard: on the first NSEL calibration samples each candidate
 * layer is run in float with its weights on the kind's grid (int4: 4-bit
 * symmetric per channel, pm1: the K-bit odd grid, both with the least-
 * squares clip) and its input on an M-bit grid over the calibrated range;
 * the kind is allowed when the SQNR of the output (before the activation)
 * is at least QuantOpts.auto_sqnr dB (default 20).  int8 is always
 * allowed; the first and the last layer and depthwise convolutions stay
 * int8.  pm1 needs every use of the layer's input to read the same M-bit
 * grid (a pm1 layer with the same M, or a pool or view of one): a pm1
 * layer whose input is also read otherwise falls back to its best non-pm1
 * kind.
 * Results: QuantOpts.obits and vbits (as plan-pm1 sets them) for pm1
 * layers, auto_wbits for int4 ones (read by search-int4); with
 * QuantOpts.verbose the table of choices on Ctx.diagout.
 * requires: calibrate       provides: QuantOpts.obits, vbits, auto_wbits
 */
#include <math.h>
#include <string.h>

#include "passes.h"

enum { NSEL = 8 };

typedef enum { K_INT8, K_INT4, K_W2A2, K_W1A1, K_N } Kind;

static const struct {
	const char *name;
	int wbits, abits;
	bool pm1;
} kinds[K_N] = {
    {"int8", 8, 8, false},
    {"int4", 4, 4, false},
    {"pm1:w2a2", 2, 2, true},
    {"pm1:w1a1", 1, 1, true},
};

typedef struct Cost {
	const char *arch; /* triple prefix */
	const char *name;
	double conv[K_N], gemm[K_N];
} Cost;

/* Measured with tests/pm1/bench.sh (see the header comment). */
static const Cost costs[] = {
    {"x86_64",
     "x86-64",
     {15.68, 1974, 53.31, 20.84},
     {44.25, 279.0, 9.727, 5.150}},
    {"aarch64",
     "armv8",
     {1.285, 5.267, 1.963, 0.5262},
     {1.325, 10.63, 0.4901, 0.2078}},
    {"riscv64",
     "riscv64",
     {5.212, 6.064, 1.571, 0.4508},
     {1.276, 2.899, 0.5841, 0.2335}},
};

typedef struct Layer {
	Op *op;
	int64_t macs, nin, nout;
	int axis;          /* of the weights' output channels */
	bool fixed;        /* first, last, depthwise: int8 */
	float **x, **yref; /* [sample] input, float output (no act) */
	double sqnr[K_N], cost[K_N];
	Kind kind;
} Layer;

typedef struct Sel {
	Ctx *cx;
	Graph *g;
	QuantOpts *q;
	const Cost *cost;
	Layer *l;
	uint32_t nl, ns;
	Layer **of_op; /* Op.id -> its Layer */
} Sel;

static const Cost *
cost_for(const char *triple)
{
	for (size_t i = 0; triple && i < sizeof costs / sizeof *costs; i++)
		if (!strncmp(triple, costs[i].arch, strlen(costs[i].arch)))
			return &costs[i];
	return &costs[0];
}

static bool
is_layer(const Op *op)
{
	if (op->out[0]->type->dt != DT_F32 || !value_f32(op->in[1]) ||
	    (op->nin > 2 && op->in[2] && !value_f32(op->in[2])))
		return false;
	if (op->kind == OP_CONV)
		return op->in[1]->type->rank == 4;
	if (op->kind == OP_GEMM)
		return !op->a.gemm.trans_a && op->in[0]->type->rank == 2;
	return op->kind == OP_MATMUL && op->in[0]->type->rank == 2 &&
	       op->in[1]->type->rank == 2;
}

static bool
keeps_grid(OpKind k)
{
	return k == OP_MAXPOOL || k == OP_AVGPOOL || k == OP_FLATTEN ||
	       k == OP_RESHAPE || k == OP_IDENTITY;
}

/* ---- fake quantization ----------------------------------------------- */

/* The code of v / s on grid `bits`: symmetric integers in [-top, top]
 * (top = 2^(bits-1) - 1) or, for odd, odd integers in [-top, top]
 * (top = 2^bits - 1). */
static double
code_of(double v, int bits, bool odd)
{
	double top = odd ? (1 << bits) - 1 : (1 << (bits - 1)) - 1;
	double q = odd ? 2.0 * floor(v / 2.0) + 1.0 : round(v);

	return q < -top ? -top : q > top ? top : q;
}

/* Weights w on the grid of kind k, per output channel along axis, the
 * clip f max|w| (f = 1/32 .. 1) with the least squared error. */
static float *
fake_weights(Ctx *cx, const Value *w, int axis, Kind k)
{
	const TensorType *t = w->type;
	const float *x = value_f32(w);
	int64_t n = type_numel(t), nch = t->dim[axis], inner = 1;
	int bits = kinds[k].wbits;
	bool odd = kinds[k].pm1;
	double top = odd ? (1 << bits) - 1 : (1 << (bits - 1)) - 1;
	float *y = NEWARRAY(cx->scratch, float, n);

	for (int i = axis + 1; i < t->rank; i++)
		inner *= t->dim[i];
	for (int64_t c = 0; c < nch; c++) {
		double mx = 0.0, best = INFINITY, bs = 1.0;
		for (int64_t i = 0; i < n; i++)
			if (i / inner % nch == c)
				mx = fmax(mx, fabs(x[i]));
		for (int f = 1; f <= 32 && mx > 0.0; f++) {
			double s = mx * f / 32.0 / top, e = 0.0;
			for (int64_t i = 0; i < n; i++)
				if (i / inner % nch == c) {
					double d =
					    x[i] -
					    s * code_of(x[i] / s, bits, odd);
					e += d * d;
				}
			if (e < best) {
				best = e;
				bs = s;
			}
		}
		for (int64_t i = 0; i < n; i++)
			if (i / inner % nch == c)
				y[i] =
				    (float)(bs * code_of(x[i] / bs, bits, odd));
	}
	return y;
}

/* x on the unsigned bits-bit grid of [lo, hi] (real 0 exact), as
 * quantize's act_quant builds it. */
static void
fake_input(const float *x, float *y, int64_t n, double lo, double hi, int bits)
{
	double top = (1 << bits) - 1, s, z;

	lo = fmin(lo, 0.0);
	hi = fmax(hi, 0.0);
	s = fmax(hi - lo, 1e-12) / top;
	z = fmin(fmax(round(-lo / s), 0.0), top);
	for (int64_t i = 0; i < n; i++) {
		double q = fmin(fmax(round(x[i] / s) + z, 0.0), top);
		y[i] = (float)(s * (q - z));
	}
}

/* ---- the layers, their inputs on NSEL samples ------------------------ */

static void
find_layers(Sel *z)
{
	uint32_t nl = 0, k = 0;

	for_each_op(op, z->g) nl += is_layer(op);
	z->l = NEWARRAY(z->cx->scratch, Layer, nl + 1);
	z->of_op = NEWARRAY(z->cx->scratch, Layer *, z->g->nops + 1);
	for_each_op(op, z->g)
	{
		const TensorType *w, *y = op->out[0]->type;
		Layer *l;
		if (!is_layer(op))
			continue;
		l = &z->l[k];
		w = op->in[1]->type;
		l->op = op;
		l->nin = type_numel(op->in[0]->type);
		l->nout = type_numel(y);
		l->macs = l->nout * (type_numel(w) / y->dim[1]);
		l->axis = op->kind == OP_MATMUL ||
		          (op->kind == OP_GEMM && !op->a.gemm.trans_b);
		l->fixed = k == 0 || k == nl - 1 ||
		           (op->kind == OP_CONV && op->a.conv.group != 1);
		z->of_op[op->id] = l;
		k++;
	}
	z->nl = nl;
}

static bool
collect(Sel *z)
{
	for (uint32_t k = 0; k < z->ns; k++) {
		Arena *a = arena_new();
		const void *const *in =
		    (const void *const *)&z->q->samples[k * z->q->ninputs];
		void **val = ir_eval_values(z->cx, z->g, in, a);

		for (uint32_t i = 0; val && i < z->nl; i++) {
			Layer *l = &z->l[i];
			const float *x = val[l->op->in[0]->id];
			if (l->fixed)
				continue;
			if (!x)
				bug("select-quant: layer %u input not computed",
				    l->op->id);
			l->x[k] = NEWARRAY(z->cx->scratch, float, l->nin);
			memcpy(l->x[k], x, (size_t)l->nin * sizeof(float));
			l->yref[k] = NEWARRAY(z->cx->scratch, float, l->nout);
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

/* SQNR in dB of layer l with kind k over the samples; NAN on failure. */
static double
sqnr(Sel *z, const Layer *l, Kind k)
{
	const float *w = fake_weights(z->cx, l->op->in[1], l->axis, k);
	float *x = NEWARRAY(z->cx->scratch, float, l->nin);
	float *y = NEWARRAY(z->cx->scratch, float, l->nout);
	uint32_t id = l->op->in[0]->id;
	double sig = 0.0, err = 0.0;

	for (uint32_t s = 0; s < z->ns; s++) {
		fake_input(l->x[s], x, l->nin, z->q->lo[id], z->q->hi[id],
		           kinds[k].abits);
		if (!ir_eval_preact(z->cx, l->op, x, w, y))
			return NAN;
		for (int64_t i = 0; i < l->nout; i++) {
			double r = l->yref[s][i], d = y[i] - r;
			sig += r * r;
			err += d * d;
		}
	}
	if (err == 0.0)
		return INFINITY;
	return 10.0 * log10(fmax(sig, 1e-30) / err);
}

static Kind
cheapest(const Layer *l, bool pm1_ok, double guard)
{
	Kind best = K_INT8;

	if (l->fixed)
		return K_INT8;
	for (int k = K_INT4; k < K_N; k++)
		if ((pm1_ok || !kinds[k].pm1) && l->sqnr[k] >= guard &&
		    l->cost[k] < l->cost[best])
			best = (Kind)k;
	return best;
}

/* ---- pm1 grids: every use of a pm1 layer's input reads its M bits ---- */

/* bits[v]: the M every use of value v reads, or 0 when its uses disagree
 * or one is not a pm1 layer (or a pool or view of such a value). */
static uint8_t *
narrow(Sel *z)
{
	Graph *g = z->g;
	uint8_t *bits = NEWARRAY(z->cx->scratch, uint8_t, g->nvalues + 1);
	bool *seen = NEWARRAY(z->cx->scratch, bool, g->nvalues + 1);
	bool *bad = NEWARRAY(z->cx->scratch, bool, g->nvalues + 1);

	for (Op *op = g->last; op; op = op->prev)
		for (int i = 0; i < op->nin; i++) {
			Value *v = op->in[i];
			Layer *l = z->of_op[op->id];
			int m = 0;
			if (!v)
				continue;
			if (i == 0 && l && kinds[l->kind].pm1)
				m = kinds[l->kind].abits;
			else if (i == 0 && keeps_grid(op->kind))
				m = bits[op->out[0]->id];
			if (!m || (seen[v->id] && bits[v->id] != m))
				bad[v->id] = true;
			seen[v->id] = true;
			bits[v->id] = bad[v->id] ? 0 : (uint8_t)m;
		}
	for (uint32_t i = 0; i < g->nvalues; i++)
		if (op_is_graph_output(g, g->values[i]) || g->values[i]->cst)
			bits[i] = 0;
	return bits;
}

/* Demotes pm1 layers whose input does not narrow until none is left. */
static uint8_t *
settle(Sel *z, double guard)
{
	for (;;) {
		uint8_t *bits = narrow(z);
		bool again = false;
		for (uint32_t i = 0; i < z->nl; i++) {
			Layer *l = &z->l[i];
			if (kinds[l->kind].pm1 &&
			    bits[l->op->in[0]->id] != kinds[l->kind].abits) {
				l->kind = cheapest(l, false, guard);
				again = true;
			}
		}
		if (!again)
			return bits;
	}
}

static void
print_table(Sel *z, double guard)
{
	FILE *out = z->cx->diagout ? z->cx->diagout : stderr;

	fprintf(out,
	        "select-quant: target %s, guard %.1f dB; cost in the "
	        "target's units (tests/pm1/bench.sh), SQNR in dB\n",
	        z->cost->name, guard);
	fprintf(out, "  %-20s %10s", "layer", "MACs");
	for (int k = 0; k < K_N; k++)
		fprintf(out, " %17s", kinds[k].name);
	fprintf(out, "  choice\n");
	for (uint32_t i = 0; i < z->nl; i++) {
		const Layer *l = &z->l[i];
		const char *name = l->op->loc.node ? l->op->loc.node : "";
		fprintf(out, "  %-20.20s %10lld", name, (long long)l->macs);
		for (int k = 0; k < K_N; k++) {
			if (k == K_INT8 || l->fixed)
				fprintf(out, " %7s %9.3g", k ? "-" : "",
				        k ? 0.0 : l->cost[k]);
			else
				fprintf(out, " %7.1f %9.3g", l->sqnr[k],
				        l->cost[k]);
		}
		fprintf(out, "  %s%s\n", kinds[l->kind].name,
		        l->fixed ? " (fixed)" : "");
	}
}

static bool
select_quant(Ctx *cx, Graph *g)
{
	Sel z = {.cx = cx, .g = g, .q = cx->quant};
	QuantOpts *q = z.q;
	double guard;
	uint8_t *bits;

	if (!q || !q->auto_select)
		return false;
	if (!q->lo)
		bug("select-quant runs after calibrate");
	guard = q->auto_sqnr > 0.0 ? q->auto_sqnr : 20.0;
	z.cost = cost_for(q->auto_target);
	if (q->auto_cost) {
		Cost *c = NEW(cx->scratch, Cost);
		*c = (Cost){"", "given", {0}, {0}};
		memcpy(c->conv, q->auto_cost, sizeof c->conv);
		memcpy(c->gemm, q->auto_cost + K_N, sizeof c->gemm);
		z.cost = c;
	}
	z.ns = q->nsamples < NSEL ? q->nsamples : NSEL;
	find_layers(&z);
	for (uint32_t i = 0; i < z.nl; i++) {
		z.l[i].x = NEWARRAY(cx->scratch, float *, z.ns + 1);
		z.l[i].yref = NEWARRAY(cx->scratch, float *, z.ns + 1);
	}
	if (!collect(&z))
		return false;
	for (uint32_t i = 0; i < z.nl; i++) {
		Layer *l = &z.l[i];
		for (int k = 0; k < K_N; k++) {
			l->cost[k] = (double)l->macs * (l->op->kind == OP_CONV
			                                    ? z.cost->conv[k]
			                                    : z.cost->gemm[k]);
			l->sqnr[k] = k == K_INT8 ? INFINITY : -INFINITY;
			if (!l->fixed && k != K_INT8 &&
			    isnan(l->sqnr[k] = sqnr(&z, l, (Kind)k)))
				return false;
		}
		l->kind = cheapest(l, true, guard);
	}
	bits = settle(&z, guard);
	q->nvbits = g->nvalues;
	q->nobits = g->nops;
	q->nauto = g->nops;
	q->vbits = NEWARRAY(cx->perm, uint8_t, g->nvalues + 1);
	q->obits = NEWARRAY(cx->perm, uint8_t, g->nops + 1);
	q->auto_wbits = NEWARRAY(cx->perm, uint8_t, g->nops + 1);
	for (uint32_t i = 0; i < g->nvalues; i++)
		if (g->values[i]->type && g->values[i]->type->dt == DT_F32)
			q->vbits[i] = bits[i];
	for (uint32_t i = 0; i < z.nl; i++) {
		Layer *l = &z.l[i];
		if (kinds[l->kind].pm1)
			q->obits[l->op->id] = (uint8_t)kinds[l->kind].wbits;
		q->auto_wbits[l->op->id] = l->kind == K_INT4 ? 4 : 8;
	}
	if (q->verbose)
		print_table(&z, guard);
	return true;
}

const Pass pass_select_quant = {
    .name = "select-quant",
    .run = select_quant,
};
