/* eval_conv.c -- the reference interpreter's float Conv, exact and fast.
 *
 * The interpreter defines Conv output y[n, m, oy, ox] as bias[m] plus the
 * products x[n, c0 + c, iy, ix] * w[m, c, ky, kx] over c, then ky, then
 * kx (iy = oy*stride - pad + ky*dilation, likewise ix; taps in the padding
 * are skipped), summed in double in that order and rounded once to float.
 * Calibration runs every conv of a network over hundreds of images, so
 * this file computes that very sum fast, with two loops that keep each
 * output's order of additions:
 *   direct  groups of fewer than MR output channels (depthwise): a
 *           double plane per output channel, starting at the bias, gets
 *           each tap's products added in (c, ky, kx) order, a row at a
 *           time over the taps' valid columns;
 *   gemm    the rest: per group, Y = W X with X the im2col matrix
 *           (K = C/group * kh * kw rows, one column per output pixel),
 *           both packed in double, computed in blocks of KC rows of X whose
 *           partial sums stay in a double buffer, so each output still
 *           adds its K products in k order.  Vectorized over NR pixels,
 *           with AVX2+FMA or AVX-512 clones on x86-64 chosen at run time.
 * A float product is exact in double (24 + 24 bits < 53), so a fused
 * multiply-add gives the same double as a multiply then an add (this file
 * is compiled with -ffp-contract=fast for the FMA); vectorizing over
 * output pixels does not reorder any output's sum.  The result is the
 * plain loop's bit for bit, but for one case: gemm adds a zero product for
 * a tap in the padding where the loop skips it, which turns a sum of -0
 * into +0 (and a non-finite weight's product into NaN).
 */
#include <string.h>

#include "ir.h"

enum {
	MR = 6,         /* output channels per gemm tile */
	NR = 8,         /* output pixels per gemm tile (one v8d) */
	KC = 256,       /* rows of X per packed block */
	NC = 512,       /* columns of X per packed block */
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EC_X86 1
#else
#define EC_X86 0
#endif

/* NR doubles; the compiler splits it into the target's vectors.  The _u
 * type is for loads and stores at any double's alignment. */
typedef double v8d __attribute__((vector_size(64)));
typedef double v8d_u __attribute__((vector_size(64), aligned(8), may_alias));

/* One conv's geometry: group g's weights are w + g*mg*kk, its input
 * channels x + g*cg*plane. */
typedef struct ConvGeom {
	int64_t cg, h, w;       /* input channels per group, input plane */
	int64_t mg;             /* output channels per group */
	int64_t kh, kw, oh, ow; /* kernel, output plane */
	int64_t k, npix;        /* cg*kh*kw, oh*ow */
	int64_t sh, sw, pt, pl, dh, dw;
} ConvGeom;

static void
geom_init(ConvGeom *cg, const Op *op)
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *xt = op->in[0]->type, *wt = op->in[1]->type;
	const TensorType *yt = op->out[0]->type;

	cg->cg = wt->dim[1];
	cg->h = xt->dim[2];
	cg->w = xt->dim[3];
	cg->mg = wt->dim[0] / a->group;
	cg->kh = wt->dim[2];
	cg->kw = wt->dim[3];
	cg->oh = yt->dim[2];
	cg->ow = yt->dim[3];
	cg->k = cg->cg * cg->kh * cg->kw;
	cg->npix = cg->oh * cg->ow;
	cg->sh = a->stride[0];
	cg->sw = a->stride[1];
	cg->pt = a->pad[0];
	cg->pl = a->pad[1];
	cg->dh = a->dilation[0];
	cg->dw = a->dilation[1];
}

/* The output columns [lo, hi) whose tap kx reads inside the input row. */
static void
valid_cols(const ConvGeom *g, int64_t kx, int64_t *lo, int64_t *hi)
{
	int64_t off = kx * g->dw - g->pl;

	*lo = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
	*hi = g->w - off <= 0 ? 0 : (g->w - off + g->sw - 1) / g->sw;
	if (*hi > g->ow)
		*hi = g->ow;
	if (*lo > *hi)
		*lo = *hi;
}

/* Output channel m of one group (x: the group's input channels, wm: m's
 * weights) into acc, then y. */
static void
direct_channel(const ConvGeom *g, const float *x, const float *wm, double b,
               double *acc, float *y)
{
	for (int64_t i = 0; i < g->npix; i++)
		acc[i] = b;
	for (int64_t c = 0; c < g->cg; c++) {
		for (int64_t ky = 0; ky < g->kh; ky++) {
			for (int64_t kx = 0; kx < g->kw; kx++) {
				double wv = wm[(c * g->kh + ky) * g->kw + kx];
				int64_t lo, hi;

				valid_cols(g, kx, &lo, &hi);
				for (int64_t oy = 0; oy < g->oh; oy++) {
					int64_t iy = oy * g->sh - g->pt +
					             ky * g->dh;
					int64_t base;
					double *ar = acc + oy * g->ow;

					if (iy < 0 || iy >= g->h)
						continue;
					base = (c * g->h + iy) * g->w +
					       kx * g->dw - g->pl;
					for (int64_t ox = lo; ox < hi; ox++)
						ar[ox] += (double)x[base +
						                    ox * g->sw] *
						          wv;
				}
			}
		}
	}
	for (int64_t i = 0; i < g->npix; i++)
		y[i] = (float)acc[i];
}

/* Group weights w [mg, k] as double panels of MR rows: ap[(i/MR)*k*MR +
 * kk*MR + i%MR], rows past mg zero. */
static void
pack_w(const ConvGeom *g, const float *w, double *ap)
{
	int64_t mp = (g->mg + MR - 1) / MR * MR;

	for (int64_t i = 0; i < mp; i++)
		for (int64_t kk = 0; kk < g->k; kk++)
			ap[(i / MR) * g->k * MR + kk * MR + i % MR] =
				i < g->mg ? w[i * g->k + kk] : 0.0;
}

/* Rows [k0, k0 + kc) and columns [j0, j0 + nc) of the group's im2col
 * matrix as double panels of NR columns: bp[(j/NR)*kc*NR + kk*NR + j%NR];
 * taps in the padding and columns past nc (up to a multiple of NR) are
 * zero. */
static void
pack_x(const ConvGeom *g, const float *x, int64_t k0, int64_t kc, int64_t j0,
       int64_t nc, double *bp)
{
	int64_t ncp = (nc + NR - 1) / NR * NR;

	for (int64_t kk = 0; kk < kc; kk++) {
		int64_t k = k0 + kk, kx = k % g->kw, ky = k / g->kw % g->kh;
		int64_t c = k / (g->kw * g->kh), lo, hi;
		int64_t oy = j0 / g->ow, ox = j0 % g->ow;
		const float *xc = x + c * g->h * g->w;
		double *d = bp + kk * NR;

		valid_cols(g, kx, &lo, &hi);
		for (int64_t j = 0; j < ncp;) {
			int64_t iy = oy * g->sh - g->pt + ky * g->dh;
			int64_t run = g->ow - ox;
			int64_t base = iy * g->w + kx * g->dw - g->pl;
			bool row = iy >= 0 && iy < g->h;

			if (j + run > nc)
				run = nc - j;
			if (run <= 0) { /* the padding columns */
				d[j / NR * kc * NR + j % NR] = 0.0;
				j++;
				continue;
			}
			for (int64_t e = 0; e < run; e++, j++, ox++) {
				double v = 0.0;
				if (row && ox >= lo && ox < hi)
					v = xc[base + ox * g->sw];
				d[j / NR * kc * NR + j % NR] = v;
			}
			ox = 0;
			oy++;
		}
	}
}

/* acc[i*ldc + 0..NR) += sum over kk < kc of a[kk*MR + i] * b[kk*NR + ..]
 * for i < MR, in kk order. */
static inline __attribute__((always_inline)) void
micro(int64_t kc, const double *a, const double *b, double *acc, int64_t ldc)
{
	v8d s[MR];

	for (int i = 0; i < MR; i++)
		s[i] = *(const v8d_u *)(acc + i * ldc);
	for (int64_t kk = 0; kk < kc; kk++) {
		v8d bv = *(const v8d_u *)(b + kk * NR);
		for (int i = 0; i < MR; i++)
			s[i] += a[kk * MR + i] * bv;
	}
	for (int i = 0; i < MR; i++)
		*(v8d_u *)(acc + i * ldc) = s[i];
}

/* Every tile of one packed block: acc [mp, ncp] += ap's columns [k0, k0 +
 * kc) times bp. */
static inline __attribute__((always_inline)) void
block_body(const ConvGeom *g, const double *ap, const double *bp, int64_t k0,
           int64_t kc, int64_t ncp, double *acc)
{
	for (int64_t i0 = 0; i0 < g->mg; i0 += MR) {
		const double *a = ap + i0 * g->k + k0 * MR;
		for (int64_t j0 = 0; j0 < ncp; j0 += NR)
			micro(kc, a, bp + j0 * kc, acc + i0 * ncp + j0, ncp);
	}
}

typedef void BlockFn(const ConvGeom *, const double *, const double *,
                     int64_t, int64_t, int64_t, double *);

static void
block_base(const ConvGeom *g, const double *ap, const double *bp, int64_t k0,
           int64_t kc, int64_t ncp, double *acc)
{
	block_body(g, ap, bp, k0, kc, ncp, acc);
}

#if EC_X86
__attribute__((target("avx2,fma"))) static void
block_avx2(const ConvGeom *g, const double *ap, const double *bp, int64_t k0,
           int64_t kc, int64_t ncp, double *acc)
{
	block_body(g, ap, bp, k0, kc, ncp, acc);
}

__attribute__((target("avx512f"))) static void
block_avx512(const ConvGeom *g, const double *ap, const double *bp,
             int64_t k0, int64_t kc, int64_t ncp, double *acc)
{
	block_body(g, ap, bp, k0, kc, ncp, acc);
}
#endif

/* The widest block the running CPU has. */
static BlockFn *
block_fn(void)
{
#if EC_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return block_avx512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return block_avx2;
#endif
	return block_base;
}

/* Scratch of one conv, for any of its groups. */
typedef struct ConvBuf {
	double *ap, *bp, *acc;
} ConvBuf;

static void
buf_init(ConvBuf *cb, const ConvGeom *g, Arena *ar)
{
	int64_t mp = (g->mg + MR - 1) / MR * MR;
	int64_t kcmax = g->k < KC ? g->k : KC;
	int64_t ncmax = g->npix < NC ? g->npix : NC;
	int64_t ncpmax = (ncmax + NR - 1) / NR * NR;

	if (g->mg < MR) {
		cb->ap = cb->bp = NULL;
		cb->acc = NEWARRAY(ar, double, g->npix);
		return;
	}
	cb->ap = NEWARRAY(ar, double, mp * g->k);
	cb->bp = NEWARRAY(ar, double, kcmax * ncpmax);
	cb->acc = NEWARRAY(ar, double, mp * ncpmax);
}

/* One group: x its input channels, w its weights, bias its biases (or
 * NULL), y its output planes. */
static void
gemm_group(const ConvGeom *g, const float *x, const float *w,
           const float *bias, float *y, const ConvBuf *cb, BlockFn *block)
{
	int64_t mp = (g->mg + MR - 1) / MR * MR;
	double *acc = cb->acc;

	pack_w(g, w, cb->ap);
	for (int64_t j0 = 0; j0 < g->npix; j0 += NC) {
		int64_t nc = g->npix - j0 < NC ? g->npix - j0 : NC;
		int64_t ncp = (nc + NR - 1) / NR * NR;

		for (int64_t i = 0; i < mp; i++)
			for (int64_t j = 0; j < ncp; j++)
				acc[i * ncp + j] = i < g->mg && bias ? bias[i]
				                                     : 0.0;
		for (int64_t k0 = 0; k0 < g->k; k0 += KC) {
			int64_t kc = g->k - k0 < KC ? g->k - k0 : KC;
			pack_x(g, x, k0, kc, j0, nc, cb->bp);
			block(g, cb->ap, cb->bp, k0, kc, ncp, acc);
		}
		for (int64_t i = 0; i < g->mg; i++)
			for (int64_t j = 0; j < nc; j++)
				y[i * g->npix + j0 + j] =
					(float)acc[i * ncp + j];
	}
}

void
ir_eval_conv(const Op *op, const float *const in[], float *out)
{
	const TensorType *xt = op->in[0]->type, *yt = op->out[0]->type;
	const float *bias = op->nin > 2 ? in[2] : NULL;
	int64_t groups = op->a.conv.group, n = yt->dim[0];
	Arena *ar = arena_new();
	BlockFn *block = block_fn();
	ConvGeom g;
	ConvBuf cb;

	geom_init(&g, op);
	buf_init(&cb, &g, ar);
	for (int64_t b = 0; b < n; b++) {
		for (int64_t gi = 0; gi < groups; gi++) {
			const float *x = in[0] + (b * xt->dim[1] +
			                          gi * g.cg) * g.h * g.w;
			const float *w = in[1] + gi * g.mg * g.k;
			const float *bg = bias ? bias + gi * g.mg : NULL;
			float *y = out + (b * yt->dim[1] + gi * g.mg) * g.npix;

			if (g.mg >= MR) {
				gemm_group(&g, x, w, bg, y, &cb, block);
				continue;
			}
			for (int64_t m = 0; m < g.mg; m++)
				direct_channel(&g, x, w + m * g.k,
				               bg ? bg[m] : 0.0, cb.acc,
				               y + m * g.npix);
		}
	}
	arena_free(ar);
	if (op->nin > 3 && in[3]) /* fuse-add's residual */
		for (int64_t i = 0; i < type_numel(yt); i++)
			out[i] = out[i] + in[3][i];
}
