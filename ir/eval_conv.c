/* eval_conv.c -- the reference interpreter's float Conv, exact and fast.
 *
 * The interpreter defines Conv output y[n, m, oy, ox] as bias[m] plus the
 * products x[n, c0 + c, iy, ix] * w[m, c, ky, kx] over c, then ky, then
 * kx (iy = oy*stride - pad + ky*dilation, likewise ix; taps in the padding
 * are skipped), summed in double in that order and rounded once to float.
 * Calibration runs every conv of a network over hundreds of images, so
 * this file computes that very sum fast, with two loops that keep each
 * output's order of additions:
 *   direct  groups of fewer than GEMM_MIN output channels (depthwise): a
 *           double plane per output channel, starting at the bias, gets
 *           each tap's products added in (c, ky, kx) order, a row at a
 *           time over the taps' valid columns;
 *   gemm    the rest: per group, Y = W X with X the im2col matrix
 *           (K = C/group * kh * kw rows, one column per output pixel),
 *           both packed in double, computed in blocks of KC rows of X whose
 *           partial sums stay in a double buffer, so each output still
 *           adds its K products in k order; tiles of mr channels by nr
 *           pixels (vectorized over the pixels) are sized for the CPU:
 *           AVX-512 or AVX2+FMA clones on x86-64, chosen at run time.
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
	GEMM_MIN = 4,   /* output channels per group for the gemm loop */
	MR_MAX = 8,     /* output channels per tile, at most */
	NR_MAX = 16,    /* output pixels per tile, at most */
	KC = 256,       /* rows of X per packed block */
	NC = 512,       /* columns of X per packed block */
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EC_X86 1
#else
#define EC_X86 0
#endif

/* 8 doubles; the compiler splits it into the target's vectors.  The _u
 * type is for loads and stores at any double's alignment. */
typedef double v8d __attribute__((vector_size(64)));
typedef double v8d_u __attribute__((vector_size(64), aligned(8), may_alias));

#define INLINE static inline __attribute__((always_inline))

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

/* Scratch of one conv, for any of its groups. */
typedef struct ConvBuf {
	double *ap, *bp, *acc;
	int64_t *iy0, *ix0;     /* a block's columns' top-left taps */
} ConvBuf;

static void
buf_init(ConvBuf *cb, const ConvGeom *g, Arena *ar)
{
	int64_t mp = g->mg + MR_MAX;    /* >= mg rounded up to any mr */
	int64_t kcmax = g->k < KC ? g->k : KC;
	int64_t ncmax = g->npix < NC ? g->npix : NC;
	int64_t ncpmax = (ncmax + NR_MAX - 1) / NR_MAX * NR_MAX;

	if (g->mg < GEMM_MIN) {
		cb->ap = cb->bp = NULL;
		cb->iy0 = cb->ix0 = NULL;
		cb->acc = NEWARRAY(ar, double, g->npix);
		return;
	}
	cb->ap = NEWARRAY(ar, double, mp * g->k);
	cb->bp = NEWARRAY(ar, double, kcmax * ncpmax);
	cb->acc = NEWARRAY(ar, double, mp * ncpmax);
	cb->iy0 = NEWARRAY(ar, int64_t, ncpmax);
	cb->ix0 = NEWARRAY(ar, int64_t, ncpmax);
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

/* One group's output channels, each on its own: acc starts at the bias
 * and gets every tap's products, a row of valid columns at a time. */
INLINE void
direct_body(const ConvGeom *g, const float *x, const float *w,
            const float *bias, float *y, const ConvBuf *cb)
{
	double *acc = cb->acc;

	for (int64_t m = 0; m < g->mg; m++) {
		const float *wm = w + m * g->k;
		for (int64_t i = 0; i < g->npix; i++)
			acc[i] = bias ? bias[m] : 0.0;
		for (int64_t k = 0; k < g->k; k++) {
			int64_t c = k / (g->kh * g->kw), ky = k / g->kw % g->kh;
			int64_t kx = k % g->kw, lo, hi;
			double wv = wm[k];

			valid_cols(g, kx, &lo, &hi);
			for (int64_t oy = 0; oy < g->oh; oy++) {
				int64_t iy = oy * g->sh - g->pt + ky * g->dh;
				const float *xr;
				double *ar = acc + oy * g->ow;

				if (iy < 0 || iy >= g->h)
					continue;
				xr = x + (c * g->h + iy) * g->w;
				for (int64_t ox = lo; ox < hi; ox++)
					ar[ox] += (double)xr[ox * g->sw +
					                     kx * g->dw -
					                     g->pl] *
					          wv;
			}
		}
		for (int64_t i = 0; i < g->npix; i++)
			y[m * g->npix + i] = (float)acc[i];
	}
}

/* Group weights w [mg, k] as double panels of mr rows: ap[(i/mr)*k*mr +
 * kk*mr + i%mr], rows past mg zero. */
INLINE void
pack_w(const ConvGeom *g, const float *w, double *ap, int mr)
{
	int64_t mp = (g->mg + mr - 1) / mr * mr;

	for (int64_t i0 = 0; i0 < mp; i0 += mr) {
		double *d = ap + i0 * g->k;
		const float *wr = w + i0 * g->k;
		int rows = g->mg - i0 < mr ? (int)(g->mg - i0) : mr;

		if (rows < mr)
			memset(d, 0, sizeof *d * (size_t)(g->k * mr));
		for (int64_t kk = 0; kk < g->k; kk++)
			for (int i = 0; i < rows; i++)
				d[kk * mr + i] = wr[i * g->k + kk];
	}
}

/* Rows [k0, k0 + kc) of the group's im2col matrix, for the block's ncp
 * columns whose top-left taps are (iy0[j], ix0[j]), as double panels of
 * nr columns: bp[(j/nr)*kc*nr + kk*nr + j%nr]; taps in the padding are
 * zero. */
INLINE void
pack_x(const ConvGeom *g, const float *x, int64_t k0, int64_t kc, int64_t ncp,
       const int64_t *iy0, const int64_t *ix0, double *bp, int nr)
{
	int64_t c = k0 / (g->kh * g->kw), ky = k0 / g->kw % g->kh;
	int64_t kx = k0 % g->kw;

	for (int64_t kk = 0; kk < kc; kk++) {
		const float *xc = x + c * g->h * g->w;
		int64_t ty = ky * g->dh, tx = kx * g->dw;
		double *d = bp + kk * nr;

		for (int64_t p = 0; p < ncp; p += nr, d += kc * nr) {
			for (int e = 0; e < nr; e++) {
				int64_t iy = iy0[p + e] + ty;
				int64_t ix = ix0[p + e] + tx;
				d[e] = (uint64_t)iy < (uint64_t)g->h &&
				       (uint64_t)ix < (uint64_t)g->w
				           ? xc[iy * g->w + ix]
				           : 0.0;
			}
		}
		if (++kx == g->kw) {
			kx = 0;
			if (++ky == g->kh) {
				ky = 0;
				c++;
			}
		}
	}
}

/* acc[i*ldc + 0..nr) += the sum over kk < kc of a[kk*mr + i] * b[kk*nr +
 * 0..nr), for i < mr, in kk order. */
INLINE void
micro(int64_t kc, const double *a, const double *b, double *acc, int64_t ldc,
      int mr, int nr)
{
	v8d s[MR_MAX][NR_MAX / 8];

	for (int i = 0; i < mr; i++)
		for (int v = 0; v < nr / 8; v++)
			s[i][v] = *(const v8d_u *)(acc + i * ldc + v * 8);
	for (int64_t kk = 0; kk < kc; kk++) {
		v8d bv[NR_MAX / 8];
		for (int v = 0; v < nr / 8; v++)
			bv[v] = *(const v8d_u *)(b + kk * nr + v * 8);
		for (int i = 0; i < mr; i++)
			for (int v = 0; v < nr / 8; v++)
				s[i][v] += a[kk * mr + i] * bv[v];
	}
	for (int i = 0; i < mr; i++)
		for (int v = 0; v < nr / 8; v++)
			*(v8d_u *)(acc + i * ldc + v * 8) = s[i][v];
}

/* One group (x its input channels, w its weights, bias its biases or
 * NULL, y its output planes) in tiles of mr x nr: for each block of NC
 * output pixels, acc starts at the bias and gets the blocks of KC rows of
 * the im2col matrix in turn. */
INLINE void
gemm_body(const ConvGeom *g, const float *x, const float *w,
          const float *bias, float *y, const ConvBuf *cb, int mr, int nr)
{
	int64_t mp = (g->mg + mr - 1) / mr * mr;
	double *acc = cb->acc;

	pack_w(g, w, cb->ap, mr);
	for (int64_t j0 = 0; j0 < g->npix; j0 += NC) {
		int64_t nc = g->npix - j0 < NC ? g->npix - j0 : NC;
		int64_t ncp = (nc + nr - 1) / nr * nr;

		for (int64_t j = 0; j < ncp; j++) {
			int64_t oy = (j0 + j) / g->ow, ox = (j0 + j) % g->ow;
			cb->iy0[j] = j < nc ? oy * g->sh - g->pt : -(1LL << 40);
			cb->ix0[j] = ox * g->sw - g->pl;
		}
		for (int64_t i = 0; i < mp; i++)
			for (int64_t j = 0; j < ncp; j++)
				acc[i * ncp + j] = i < g->mg && bias ? bias[i]
				                                     : 0.0;
		for (int64_t k0 = 0; k0 < g->k; k0 += KC) {
			int64_t kc = g->k - k0 < KC ? g->k - k0 : KC;
			pack_x(g, x, k0, kc, ncp, cb->iy0, cb->ix0, cb->bp,
			       nr);
			for (int64_t i0 = 0; i0 < g->mg; i0 += mr)
				for (int64_t jt = 0; jt < ncp; jt += nr)
					micro(kc, cb->ap + i0 * g->k + k0 * mr,
					      cb->bp + jt * kc,
					      acc + i0 * ncp + jt, ncp, mr, nr);
		}
		for (int64_t i = 0; i < g->mg; i++)
			for (int64_t j = 0; j < nc; j++)
				y[i * g->npix + j0 + j] =
					(float)acc[i * ncp + j];
	}
}

/* One group by whichever loop fits it. */
INLINE void
group_body(const ConvGeom *g, const float *x, const float *w,
           const float *bias, float *y, const ConvBuf *cb, int mr, int nr)
{
	if (g->mg < GEMM_MIN)
		direct_body(g, x, w, bias, y, cb);
	else
		gemm_body(g, x, w, bias, y, cb, mr, nr);
}

typedef void GroupFn(const ConvGeom *, const float *, const float *,
                     const float *, float *, const ConvBuf *);

static void
group_base(const ConvGeom *g, const float *x, const float *w,
           const float *bias, float *y, const ConvBuf *cb)
{
	group_body(g, x, w, bias, y, cb, 4, 8);
}

#if EC_X86
/* 12 of the 16 ymm registers hold the tile. */
__attribute__((target("avx2,fma"))) static void
group_avx2(const ConvGeom *g, const float *x, const float *w,
           const float *bias, float *y, const ConvBuf *cb)
{
	group_body(g, x, w, bias, y, cb, 6, 8);
}

/* 16 of the 32 zmm registers hold the tile. */
__attribute__((target("avx512f"))) static void
group_avx512(const ConvGeom *g, const float *x, const float *w,
             const float *bias, float *y, const ConvBuf *cb)
{
	group_body(g, x, w, bias, y, cb, 8, 16);
}
#endif

/* The widest group function the running CPU has, up to level (0
 * portable, 1 AVX2, 2 AVX-512). */
static GroupFn *
group_fn(int level)
{
#if EC_X86
	__builtin_cpu_init();
	if (level >= 2 && __builtin_cpu_supports("avx512f"))
		return group_avx512;
	if (level >= 1 && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma"))
		return group_avx2;
#else
	(void)level;
#endif
	return group_base;
}

void
ir_eval_conv_level(const Op *op, const float *const in[], float *out,
                   int level)
{
	const TensorType *xt = op->in[0]->type, *yt = op->out[0]->type;
	const float *bias = op->nin > 2 ? in[2] : NULL;
	int64_t groups = op->a.conv.group, n = yt->dim[0];
	Arena *ar = arena_new();
	GroupFn *group = group_fn(level);
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
			group(&g, x, w, bg, y, &cb);
		}
	}
	arena_free(ar);
	if (op->nin > 3 && in[3]) /* fuse-add's residual */
		for (int64_t i = 0; i < type_numel(yt); i++)
			out[i] = out[i] + in[3][i];
}

void
ir_eval_conv(const Op *op, const float *const in[], float *out)
{
	ir_eval_conv_level(op, in, out, 2);
}
