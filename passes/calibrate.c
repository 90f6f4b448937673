/* calibrate.c -- the range of every float activation over the
 * calibration samples (Ctx.quant), for the quantize pass.
 *
 * Each sample runs through the reference interpreter (ir_eval_values);
 * every f32 value that is not a constant gets its running min and max.
 * Methods other than minmax then go over the samples a second time to
 * fill a histogram of NBINS bins over [min, max] per value (the first
 * samples' values are kept from the first pass, up to KEEP_BYTES, so only
 * the rest run again), and choose the range [lo, hi] from it:
 *   minmax         lo = min, hi = max
 *   percentile:P   lo, hi = the (100-P)th and Pth percentiles (the
 *                  interpolated bin edges where the cumulative count
 *                  crosses them), so rare outliers do not stretch the grid
 *   mse            the range [f min, f max], f = t/NBINS_MSE for
 *                  t = 1..NBINS_MSE, minimising the expected squared error
 *                  of 8-bit quantization: a value inside the range costs
 *                  step^2 / 12 (uniform rounding error), one outside its
 *                  distance to the range squared (clipping), step =
 *                  (hi - lo) / 255 after the range is relaxed to hold 0
 *   kl             entropy calibration (as TensorRT's, made to fit this
 *                  quantizer): among the ranges [max(min, -t), min(max,
 *                  t)], t = f max|x| for f = k/NBINS_KL, the one whose
 *                  quantized histogram Q is closest to the reference P in
 *                  KL divergence; P has the clipped mass in its edge bins,
 *                  Q groups the bins by the u8 code (of 256, with the
 *                  range's own zero point) they round to.  Exact zeros
 *                  (Relu's) are counted apart: they stay exact in the codes,
 *                  so they must not weigh against wide ranges; and P is
 *                  smoothed to the min-max grid's resolution (256 steps
 *                  over [min, max]) for the same reason
 * The graph's outputs keep their min and max under every method: they are
 * the answer (a classifier's largest logit is its outlier), and clipping
 * them makes the top classes tie.
 * The range always includes 0 (quantize relaxes it) so zero is exact.
 * An op with a fused activation other than Relu or Clip (fuse-act makes
 * Conv + HardSwish one op) is also run without it, and the min and max of
 * that pre-activation result are kept too: quantize splits the op into
 * the integer op and a table activation, which need both ranges.
 * requires: a shaped f32 graph, Ctx.quant with samples
 * provides: Ctx.quant->lo/hi for every f32 value id
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "passes.h"

enum { NBINS = 2048, NBINS_MSE = 128, NBINS_KL = 128, KL_SMOOTH = NBINS / 256 };
enum { LANES = 8, SPLIT = 4 };  /* visit_minmax's lanes, visit_hist's parts */

/* Bytes of the first pass's values kept for the second. */
#define KEEP_BYTES ((size_t)256 << 20)

typedef struct Calib {
	Ctx *cx;
	const Graph *g;
	QuantOpts *q;
	uint32_t *hist;         /* [id * NBINS + b] */
	uint32_t *zeros;        /* [id]: how many values are exactly 0 */
	Arena **keep;           /* [k]: sample k's values, k < nkeep */
	void ***kept;
	uint32_t nkeep, maxkeep;
	double t0;
	int pass, npasses;
} Calib;

static double
now(void)
{
	struct timespec ts;

	timespec_get(&ts, TIME_UTC);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
progress(Calib *c, uint32_t done)
{
	FILE *out = c->cx->diagout ? c->cx->diagout : stderr;
	uint32_t total = c->q->nsamples * (uint32_t)c->npasses;
	uint32_t at = c->q->nsamples * (uint32_t)c->pass + done;
	double el = now() - c->t0, left = at ? el * (total - at) / at : 0.0;
	int w = 30, fill = total ? (int)((uint64_t)at * w / total) : w;

	if (!c->q->progress)
		return;
	fprintf(out, "\rcalibrate [%.*s%*s] %u/%u samples, %.0fs left ", fill,
	        "##############################", w - fill, "", done,
	        c->q->nsamples, left);
	if (at == total)
		fputc('\n', out);
	fflush(out);
}

static bool
is_activation(const Value *v)
{
	return v->type && v->type->dt == DT_F32 && !v->cst;
}

static bool
split_act(const Op *op)
{
	return op_info[op->kind].flags & OPF_ACT && op->act.kind != ACT_NONE &&
	       op->act.kind != ACT_RELU && op->act.kind != ACT_CLIP &&
	       op->out[0]->type && op->out[0]->type->dt == DT_F32;
}

/* The min and max before the fused activation of split_act ops. */
static bool
pre_ranges(Calib *c, void **val, Arena *a)
{
	const void *in[256];

	for_each_op(op, c->g) {
		Op tmp;
		void *out;
		const float *y;
		int64_t n;
		const Value *v = op->out[0];

		if (!split_act(op) || op->nin > 256)
			continue;
		tmp = *op;
		tmp.act.kind = ACT_NONE;
		for (int i = 0; i < op->nin; i++)
			in[i] = op->in[i] ? val[op->in[i]->id] : NULL;
		n = type_numel(v->type);
		out = arena_alloc(a, type_bytes(v->type) + 1, 64);
		if (!ir_eval_op(c->cx, &tmp, in, &out))
			return false;
		y = out;
		for (int64_t i = 0; i < n; i++) {
			c->q->pre_lo[v->id] = fminf(c->q->pre_lo[v->id], y[i]);
			c->q->pre_hi[v->id] = fmaxf(c->q->pre_hi[v->id], y[i]);
		}
	}
	return true;
}

/* How many samples' values fit in KEEP_BYTES. */
static uint32_t
keep_count(const Graph *g, uint32_t nsamples)
{
	size_t bytes = 1;

	for_each_op(op, g)
		for (int i = 0; i < op->nout; i++)
			bytes += type_bytes(op->out[i]->type) + 64;
	return KEEP_BYTES / bytes < nsamples ? (uint32_t)(KEEP_BYTES / bytes)
	                                     : nsamples;
}

static void
drop_kept(Calib *c)
{
	for (uint32_t k = 0; k < c->nkeep; k++)
		arena_free(c->keep[k]);
	c->nkeep = 0;
}

/* Runs every sample (or takes its values kept from the first pass),
 * calling visit on each f32 activation's data. */
static bool
run_samples(Calib *c, void (*visit)(Calib *, const Value *, const float *,
                                    int64_t))
{
	const Graph *g = c->g;

	for (uint32_t k = 0; k < c->q->nsamples; k++) {
		bool kept = k < c->nkeep;
		Arena *a = kept ? c->keep[k] : arena_new();
		const void *const *in =
			(const void *const *)&c->q->samples[k * c->q->ninputs];
		void **val = kept ? c->kept[k]
		                  : ir_eval_values(c->cx, g, in, a);

		if (!val) {
			arena_free(a);
			return false;
		}
		for (uint32_t i = 0; i < g->nvalues; i++) {
			const Value *v = g->values[i];
			if (is_activation(v) && val[v->id])
				visit(c, v, val[v->id], type_numel(v->type));
		}
		if (c->pass == 0 && !pre_ranges(c, val, a)) {
			arena_free(a);
			return false;
		}
		if (c->pass == 0 && k < c->maxkeep) {
			c->keep[k] = a;
			c->kept[k] = val;
			c->nkeep = k + 1;
		} else {
			if (kept)
				c->keep[k] = NULL;
			arena_free(a);
		}
		progress(c, k + 1);
	}
	c->pass++;
	return true;
}

/* The min and max in LANES independent lanes, merged at the end: the
 * same two numbers as one pass in order (but the sign of a zero that
 * ties), without one long chain of compares. */
static void
visit_minmax(Calib *c, const Value *v, const float *x, int64_t n)
{
	float lo = c->q->lo[v->id], hi = c->q->hi[v->id];
	float lv[LANES], hv[LANES];
	int64_t i = 0;

	for (int j = 0; j < LANES; j++) {
		lv[j] = lo;
		hv[j] = hi;
	}
	for (; i + LANES <= n; i += LANES) {
		for (int j = 0; j < LANES; j++) {
			lv[j] = x[i + j] < lv[j] ? x[i + j] : lv[j];
			hv[j] = x[i + j] > hv[j] ? x[i + j] : hv[j];
		}
	}
	for (; i < n; i++) {
		lo = x[i] < lo ? x[i] : lo;
		hi = x[i] > hi ? x[i] : hi;
	}
	for (int j = 0; j < LANES; j++) {
		lo = lv[j] < lo ? lv[j] : lo;
		hi = hv[j] > hi ? hv[j] : hi;
	}
	c->q->lo[v->id] = lo;
	c->q->hi[v->id] = hi;
}

static int64_t
hist_bin(float x, double lo, double inv)
{
	int64_t b = (int64_t)((x - lo) * inv);

	return b < 0 ? 0 : b >= NBINS ? NBINS - 1 : b;
}

/* A large tensor fills SPLIT histograms, element i the (i % SPLIT)th, so
 * that runs of one bin (Relu's zeros) do not wait on one counter. */
static void
visit_hist(Calib *c, const Value *v, const float *x, int64_t n)
{
	double lo = c->q->lo[v->id], hi = c->q->hi[v->id];
	double inv = hi > lo ? NBINS / (hi - lo) : 0.0;
	uint32_t *h = c->hist + (size_t)v->id * NBINS, zeros = 0;
	uint32_t part[SPLIT][NBINS];
	int64_t i = 0;

	if (n >= SPLIT * NBINS) {
		memset(part, 0, sizeof part);
		for (; i + SPLIT <= n; i += SPLIT) {
			for (int j = 0; j < SPLIT; j++) {
				part[j][hist_bin(x[i + j], lo, inv)]++;
				zeros += x[i + j] == 0.0f;
			}
		}
		for (int b = 0; b < NBINS; b++)
			for (int j = 0; j < SPLIT; j++)
				h[b] += part[j][b];
	}
	for (; i < n; i++) {
		h[hist_bin(x[i], lo, inv)]++;
		zeros += x[i] == 0.0f;
	}
	c->zeros[v->id] += zeros;
}

/* The value below which a fraction p of the histogram's mass lies. */
static double
hist_quantile(const uint32_t *h, double lo, double bw, double total, double p)
{
	double want = p * total, cum = 0.0;

	for (int b = 0; b < NBINS; b++) {
		if (cum + h[b] >= want && h[b])
			return lo + bw * (b + (want - cum) / h[b]);
		cum += h[b];
	}
	return lo + bw * NBINS;
}

static double
range_mse(const uint32_t *h, double lo, double bw, double flo, double fhi)
{
	double a = flo < 0.0 ? flo : 0.0, b = fhi > 0.0 ? fhi : 0.0;
	double step = (b - a) / 255.0, err = 0.0;

	for (int i = 0; i < NBINS; i++) {
		double x = lo + bw * (i + 0.5), d = 0.0;
		if (!h[i])
			continue;
		if (x < a)
			d = (a - x) * (a - x);
		else if (x > b)
			d = (x - b) * (x - b);
		else
			d = step * step / 12.0;
		err += d * h[i];
	}
	return err;
}

/* The code the quantizer gives x in the range [a, b] (a <= 0 <= b). */
static int
kl_code(double x, double a, double step)
{
	return (int)floor((x - a) / step + 0.5);
}

/* KL(P || Q) for the range [a, b]: P is the histogram p with the mass
 * outside [a, b] added to the edge bins (i0 and i1 - 1), Q the histogram
 * inside [a, b] quantized as the tensor will be -- its bins grouped by the
 * code (one of 256) their centre rounds to, each group's mass spread over
 * its nonzero bins -- so both rounding and clipping cost.  The exact zeros
 * (zeros) are exact in the codes too: the same mass in P and Q. */
static double
kl_at(const double *p, double zeros, double lo, double bw, double a,
      double b, int i0, int i1)
{
	double pc[NBINS], qc[NBINS], ptot = zeros, qtot = zeros, kl = 0.0;
	double step = (b - a) / 255.0;

	for (int i = i0; i < i1; i++)
		pc[i] = p[i];
	for (int i = 0; i < i0; i++)
		pc[i0] += p[i];
	for (int i = i1; i < NBINS; i++)
		pc[i1 - 1] += p[i];
	for (int j = i0; j < i1;) {
		int code = kl_code(lo + bw * (j + 0.5), a, step), k = j, nz = 0;
		double sum = 0.0;

		for (; k < i1 && kl_code(lo + bw * (k + 0.5), a, step) == code;
		     k++) {
			sum += p[k];    /* without the clipped mass */
			nz += pc[k] > 0.0;
		}
		for (int i = j; i < k; i++)
			qc[i] = pc[i] > 0.0 ? sum / nz : 0.0;
		j = k;
	}
	for (int i = i0; i < i1; i++) {
		ptot += pc[i];
		qtot += qc[i];
	}
	if (zeros > 0.0)
		kl += zeros / ptot * log(qtot / ptot);
	for (int i = i0; i < i1; i++) {
		if (pc[i] <= 0.0)
			continue;
		if (qc[i] <= 0.0)
			return INFINITY;
		kl += pc[i] / ptot * log(pc[i] / ptot * qtot / qc[i]);
	}
	return kl;
}

/* The kl method's range: among [max(lo, -t), min(hi, t)] for t =
 * f max(|lo|, |hi|), f = k/NBINS_KL, the one of least kl_at. */
static void
range_kl(const uint32_t *h, uint32_t zeros, double lo, double hi,
         float *rlo, float *rhi)
{
	double p[NBINS], bw = (hi - lo) / NBINS, amax = fmax(-lo, hi);
	double best = INFINITY;

	for (int i = 0; i < NBINS; i++)
		p[i] = h[i];
	if (lo <= 0.0 && hi >= 0.0) {
		int z = (int)(-lo / bw);
		z = z >= NBINS ? NBINS - 1 : z;
		p[z] -= fmin(p[z], (double)zeros);
	} else {
		zeros = 0;
	}
	/* P at the min-max grid's resolution: finer detail is the density's
	 * shape inside one code of the widest range, which no range can keep,
	 * and would count against wide ranges only. */
	for (int i = 0; i < NBINS; i += KL_SMOOTH) {
		double sum = 0.0;
		for (int j = 0; j < KL_SMOOTH; j++)
			sum += p[i + j];
		for (int j = 0; j < KL_SMOOTH; j++)
			p[i + j] = sum / KL_SMOOTH;
	}
	for (int k = 1; k <= NBINS_KL; k++) {
		double t = amax * k / NBINS_KL;
		double a = fmax(lo, -t), b = fmin(hi, t);
		int i0 = (int)floor((a - lo) / bw), i1 = (int)ceil((b - lo) / bw);
		double kl;

		i0 = i0 < 0 ? 0 : i0;
		i1 = i1 > NBINS ? NBINS : i1;
		if (i1 <= i0)
			continue;
		kl = kl_at(p, zeros, lo, bw, fmin(a, 0.0), fmax(b, 0.0), i0,
		           i1);
		if (kl < best) {
			best = kl;
			*rlo = (float)a;
			*rhi = (float)b;
		}
	}
}

static bool
is_graph_output(const Graph *g, const Value *v)
{
	for (uint32_t i = 0; i < g->noutputs; i++)
		if (g->outputs[i] == v)
			return true;
	return false;
}

static void
choose_range(Calib *c, const Value *v)
{
	QuantOpts *q = c->q;
	double lo = q->lo[v->id], hi = q->hi[v->id], bw = (hi - lo) / NBINS;
	const uint32_t *h = c->hist + (size_t)v->id * NBINS;
	double total = 0.0;

	for (int b = 0; b < NBINS; b++)
		total += h[b];
	if (!(hi > lo) || total == 0.0 || is_graph_output(c->g, v))
		return;
	switch (q->method) {
	case CALIB_MINMAX:
		return;
	case CALIB_PERCENTILE: {
		double p = q->percentile / 100.0;
		q->lo[v->id] = (float)hist_quantile(h, lo, bw, total, 1.0 - p);
		q->hi[v->id] = (float)hist_quantile(h, lo, bw, total, p);
		return;
	}
	case CALIB_MSE: {
		double best = INFINITY, bf = 1.0;
		for (int t = 1; t <= NBINS_MSE; t++) {
			double f = (double)t / NBINS_MSE;
			double e = range_mse(h, lo, bw, lo * f, hi * f);
			if (e < best) {
				best = e;
				bf = f;
			}
		}
		q->lo[v->id] = (float)(lo * bf);
		q->hi[v->id] = (float)(hi * bf);
		return;
	}
	case CALIB_KL:
		range_kl(h, c->zeros[v->id], lo, hi, &q->lo[v->id],
		         &q->hi[v->id]);
		return;
	}
}

static bool
calibrate(Ctx *cx, Graph *g)
{
	QuantOpts *q = cx->quant;
	Calib c = {.cx = cx, .g = g, .q = q};

	if (!q || q->nsamples == 0) {
		diag(cx, DIAG_ERROR, NULL, "calibrate: no calibration samples "
		     "(-calib=DIR)");
		return false;
	}
	q->nranges = g->nvalues;
	q->lo = NEWARRAY(cx->perm, float, g->nvalues + 1);
	q->hi = NEWARRAY(cx->perm, float, g->nvalues + 1);
	q->pre_lo = NEWARRAY(cx->perm, float, g->nvalues + 1);
	q->pre_hi = NEWARRAY(cx->perm, float, g->nvalues + 1);
	for (uint32_t i = 0; i < g->nvalues; i++) {
		q->lo[i] = q->pre_lo[i] = INFINITY;
		q->hi[i] = q->pre_hi[i] = -INFINITY;
	}
	c.npasses = q->method == CALIB_MINMAX ? 1 : 2;
	if (c.npasses == 2) {
		c.maxkeep = keep_count(g, q->nsamples);
		c.keep = NEWARRAY(cx->scratch, Arena *, c.maxkeep + 1);
		c.kept = NEWARRAY(cx->scratch, void **, c.maxkeep + 1);
	}
	c.t0 = now();
	if (!run_samples(&c, visit_minmax)) {
		drop_kept(&c);
		return false;
	}
	if (q->method != CALIB_MINMAX) {
		bool ok;
		c.hist = NEWARRAY(cx->scratch, uint32_t,
		                  (size_t)g->nvalues * NBINS + 1);
		c.zeros = NEWARRAY(cx->scratch, uint32_t, g->nvalues + 1);
		ok = run_samples(&c, visit_hist);
		drop_kept(&c);
		if (!ok)
			return false;
		for (uint32_t i = 0; i < g->nvalues; i++)
			if (is_activation(g->values[i]))
				choose_range(&c, g->values[i]);
	}
	return false;
}

const Pass pass_calibrate = {
	.name = "calibrate",
	.run = calibrate,
};
