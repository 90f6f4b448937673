/* conv_gemm.c -- 2-D convolution (group 1) as a register-blocked matrix
 * product over pixels, weights packed at compile time.
 *
 * With K = c*kh*kw and k = (ci*kh + r)*kw + s, image n's output plane is
 *     y[mo, p] = sum over k of w[mo, k] * B[k, p]
 * where p = oy*ow + ox runs over the output pixels and B[k, p] is the input
 * element tap k of pixel p reads (zero outside the image): a matrix
 * product, the same for every kernel size.  NCHW keeps a channel's output
 * pixels contiguous, so the register tile is CP_MR output channels times
 * nr consecutive pixels: each step k loads nr inputs as vectors,
 * broadcasts CP_MR weights and does CP_MR * nr multiply-adds into
 * accumulators that stay in registers.  The caller picks nr for the
 * target's vector registers: 16 (6 x 16 floats are twelve 8-lane vectors,
 * which AVX2's sixteen registers hold with the two input vectors and a
 * broadcast; twenty-four of NEON's thirty-two) or 32 (twelve of AVX-512's
 * thirty-two 16-lane registers).  The epilogue (bias, residual, activation) then
 * works on whole rows of the tile and stores them as vectors.
 *
 * Packed weights (backends/lower_conv_packed.c writes them, qcc_rt.h states
 * the layout): panels of CP_MR = QCC_RT_GEMM_MR output channels, the panel's
 * CP_MR weights of one k contiguous, so a step's broadcasts come from one
 * small vector.
 *
 * B is packed at run time, a super-block of up to CP_SB pixels and
 * CP_KC reduction steps at a time, into a stack buffer (im2col of a small
 * window, zeros for taps outside the image); every weight panel then runs
 * over it, so each weight is read once per super-block.  A 1x1 convolution
 * with stride 1 and no padding needs no packing: B is the input itself
 * (rows of h*w pixels), except for a last block shorter than nr.
 * Reductions longer than CP_KC leave partial sums in y between chunks;
 * every output still sums its taps in k order, then the bias, then the
 * residual (a zero tap adds +-0, which leaves a sum unchanged), exactly as
 * qcc_rt_conv2d_f32's loop does.
 */
#include "../qcc_rt.h"

enum { CP_MR = QCC_RT_GEMM_MR, CP_NRMAX = 32, CP_KC = 128, CP_SB = 64 };

struct cp_geom {
	const float *x;      /* image n */
	const float *w;      /* packed weights */
	const float *b;      /* bias or NULL */
	const float *res;    /* residual, image n, or NULL */
	float *y;            /* image n */
	ptrdiff_t xplane, yplane, kk;
	int32_t c, h, wd, m, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t act, direct;
	float alpha, beta;
};

/* A run of pixels of one output row inside a super-block. */
struct cp_run {
	int32_t j, n, oy, ox;   /* first slot in the super-block, count, start */
};

/* Activation over n values in place: the common kinds as plain loops that
 * vectorize, the rest through qcc_rt_act_row_f32 (branch-free loops for
 * Sigmoid, SiLU, HardSwish, HardSigmoid, Tanh). */
QCC_RT_INLINE void
cp_act(float *v, int32_t n, int32_t act, float alpha, float beta)
{
	int32_t i;

	switch (act) {
	case QCC_ACT_NONE:
		break;
	case QCC_ACT_RELU:
		for (i = 0; i < n; i++)
			v[i] = v[i] < 0.0f ? 0.0f : v[i];
		break;
	case QCC_ACT_CLIP:
		for (i = 0; i < n; i++) {
			float t = v[i] < alpha ? alpha : v[i];

			v[i] = t > beta ? beta : t;
		}
		break;
	default:
		qcc_rt_act_row_f32(v, n, act, alpha, beta);
		break;
	}
}

/* A transcendental activation (Sigmoid, SiLU, Tanh, ...) over a finished
 * tile: its rows gathered into one run, so the row kernel is called once
 * per tile rather than once per short row. */
QCC_RT_INLINE void
cp_act_tile(float acc[][CP_NRMAX], int32_t nr, int32_t act, float alpha,
            float beta)
{
	float t[CP_MR * CP_NRMAX];
	int32_t i, p;

#pragma GCC unroll 6
	for (i = 0; i < CP_MR; i++)
#pragma GCC unroll 32
		for (p = 0; p < nr; p++)
			t[i * nr + p] = acc[i][p];
	qcc_rt_act_row_f32(t, CP_MR * nr, act, alpha, beta);
#pragma GCC unroll 6
	for (i = 0; i < CP_MR; i++)
#pragma GCC unroll 32
		for (p = 0; p < nr; p++)
			acc[i][p] = t[i * nr + p];
}

/* One tile: channels [m0, m0 + mr), pixels [p0, p0 + np) of the plane,
 * reduction steps [k0, k0 + kc) from b (row stride bs).  first: start from
 * zero (else from the partial sums in y); last: finish the outputs. */
QCC_RT_INLINE void
cp_tile(const struct cp_geom *g, const float *b, ptrdiff_t bs, int32_t m0,
        int32_t mr, ptrdiff_t p0, int32_t np, int32_t k0, int32_t kc,
        int32_t first, int32_t last, int32_t nr)
{
	float acc[CP_MR][CP_NRMAX];
	const float *wq = g->w + ((ptrdiff_t)(m0 / CP_MR) * g->kk + k0) * CP_MR;
	float *yq = g->y + (ptrdiff_t)m0 * g->yplane + p0;
	int32_t i, p, k;

	if (first) {
#pragma GCC unroll 6
		for (i = 0; i < CP_MR; i++)
#pragma GCC unroll 32
			for (p = 0; p < nr; p++)
				acc[i][p] = 0.0f;
	} else if (mr == CP_MR && np == nr) {
#pragma GCC unroll 6
		for (i = 0; i < CP_MR; i++)
#pragma GCC unroll 32
			for (p = 0; p < nr; p++)
				acc[i][p] = yq[i * g->yplane + p];
	} else {
		for (i = 0; i < CP_MR; i++)
			for (p = 0; p < nr; p++)
				acc[i][p] = i < mr && p < np ?
				            yq[i * g->yplane + p] : 0.0f;
	}
	for (k = 0; k < kc; k++) {
		const float *bk = b + k * bs;
		const float *wk = wq + k * CP_MR;

#pragma GCC unroll 6
		for (i = 0; i < CP_MR; i++) {
			float wv = wk[i];

#pragma GCC unroll 32
			for (p = 0; p < nr; p++)
				acc[i][p] += wv * bk[p];
		}
	}
	if (last) {
		if (g->b)
#pragma GCC unroll 6
			for (i = 0; i < CP_MR; i++) {
				float bv = g->b[m0 + (i < mr ? i : 0)];

#pragma GCC unroll 32
				for (p = 0; p < nr; p++)
					acc[i][p] = acc[i][p] + bv;
			}
		if (g->res && mr == CP_MR && np == nr) {
			const float *rq = g->res + (ptrdiff_t)m0 * g->yplane + p0;

#pragma GCC unroll 6
			for (i = 0; i < CP_MR; i++)
#pragma GCC unroll 32
				for (p = 0; p < nr; p++)
					acc[i][p] = acc[i][p] + rq[i * g->yplane + p];
		} else if (g->res) {
			const float *rq = g->res + (ptrdiff_t)m0 * g->yplane + p0;

			for (i = 0; i < mr; i++)
				for (p = 0; p < np; p++)
					acc[i][p] = acc[i][p] + rq[i * g->yplane + p];
		}
		if (g->act == QCC_ACT_NONE || g->act == QCC_ACT_RELU ||
		    g->act == QCC_ACT_CLIP)
			for (i = 0; i < CP_MR; i++)
				cp_act(acc[i], nr, g->act, g->alpha, g->beta);
		else
			cp_act_tile(acc, nr, g->act, g->alpha, g->beta);
	}
	if (mr == CP_MR && np == nr) {
#pragma GCC unroll 6
		for (i = 0; i < CP_MR; i++)
#pragma GCC unroll 32
			for (p = 0; p < nr; p++)
				yq[i * g->yplane + p] = acc[i][p];
	} else {
		for (i = 0; i < mr; i++)
			for (p = 0; p < np; p++)
				yq[i * g->yplane + p] = acc[i][p];
	}
}

/* The runs of output rows among pixels [p0, p0 + n); returns how many. */
QCC_RT_INLINE int32_t
cp_runs(const struct cp_geom *g, ptrdiff_t p0, int32_t n,
        struct cp_run *run, int32_t nr)
{
	int32_t nu = 0, j = 0;
	int32_t oy = (int32_t)(p0 / g->ow), ox = (int32_t)(p0 % g->ow);

	while (j < n) {
		int32_t len = g->ow - ox;

		/* a run stays inside one block of nr pixels */
		if (len > nr - j % nr)
			len = nr - j % nr;
		if (len > n - j)
			len = n - j;
		run[nu].j = j;
		run[nu].n = len;
		run[nu].oy = oy;
		run[nu].ox = ox;
		nu++;
		j += len;
		ox += len;
		if (ox == g->ow) {
			ox = 0;
			oy++;
		}
	}
	return nu;
}

/* B rows [k0, k0 + kc) for the super-block's runs into bp: block q of
 * nr pixels at bp + q * CP_KC * nr, row k at + k * nr; slots past
 * the last pixel are zero. */
QCC_RT_INLINE void
cp_pack(const struct cp_geom *g, const struct cp_run *run, int32_t nrun,
        int32_t n, int32_t k0, int32_t kc, float *bp, int32_t nr)
{
	int32_t k, u, i, nblk = (n + nr - 1) / nr;
	int32_t khw = g->kh * g->kw, ci = k0 / khw;
	int32_t r = k0 / g->kw % g->kh, s = k0 % g->kw;

	for (k = 0; k < kc; k++) {
		const float *xc = g->x + (ptrdiff_t)ci * g->xplane;

		for (u = 0; u < nrun; u++) {
			const struct cp_run *ru = &run[u];
			float *d = bp + ((ptrdiff_t)(ru->j / nr) * CP_KC + k) * nr +
			           ru->j % nr;
			int32_t iy = ru->oy * g->sh - g->pt + r * g->dh;
			int32_t ix0 = ru->ox * g->sw - g->pl + s * g->dw;
			const float *xr = xc + (ptrdiff_t)iy * g->wd;

			if (iy < 0 || iy >= g->h) {
				for (i = 0; i < ru->n; i++)
					d[i] = 0.0f;
			} else if (g->sw == 1 && ix0 >= 0 && ix0 + ru->n <= g->wd) {
				for (i = 0; i < ru->n; i++)
					d[i] = xr[ix0 + i];
			} else {
				for (i = 0; i < ru->n; i++) {
					int32_t ix = ix0 + i * g->sw;

					d[i] = ix >= 0 && ix < g->wd ? xr[ix] : 0.0f;
				}
			}
		}
		for (i = n; i < nblk * nr; i++)
			bp[((ptrdiff_t)(i / nr) * CP_KC + k) * nr + i % nr] = 0.0f;
		if (++s == g->kw) {
			s = 0;
			if (++r == g->kh) {
				r = 0;
				ci++;
			}
		}
	}
}

/* Pixels [p0, p0 + n), n <= CP_SB, of the current image: every chunk of
 * the reduction, every panel, every block. */
QCC_RT_INLINE void
cp_super(const struct cp_geom *g, ptrdiff_t p0, int32_t n, int32_t nr)
{
	float bp[CP_SB * CP_KC];
	struct cp_run run[CP_SB];
	int32_t nrun = 0, nblk = (n + nr - 1) / nr;
	int32_t k0, kc, m0, q, packed, np;
	ptrdiff_t pq;

	if (!g->direct || n % nr)
		nrun = cp_runs(g, p0, n, run, nr);
	for (k0 = 0; k0 < g->kk || k0 == 0; k0 += CP_KC) {
		kc = g->kk - k0 < CP_KC ? (int32_t)(g->kk - k0) : CP_KC;
		packed = 0;
		for (m0 = 0; m0 < g->m; m0 += CP_MR) {
			int32_t mr = g->m - m0 < CP_MR ? g->m - m0 : CP_MR;

			for (q = 0; q < nblk; q++) {
				pq = p0 + (ptrdiff_t)q * nr;
				np = n - q * nr < nr ? n - q * nr : nr;
				if (g->direct && np == nr) {
					cp_tile(g, g->x + (ptrdiff_t)k0 * g->xplane + pq,
					        g->xplane, m0, mr, pq, np, k0, kc, k0 == 0,
					        k0 + kc >= g->kk, nr);
					continue;
				}
				if (!packed) {
					cp_pack(g, run, nrun, n, k0, kc, bp, nr);
					packed = 1;
				}
				cp_tile(g, bp + (ptrdiff_t)q * CP_KC * nr, nr, m0, mr, pq,
				        np, k0, kc, k0 == 0, k0 + kc >= g->kk, nr);
			}
		}
	}
}

QCC_RT_API void
qcc_rt_conv2d_gemm_f32(const float *restrict x, const float *restrict wp,
                         const float *restrict bias, const float *res,
                         float *y, int32_t nb, int32_t c, int32_t h,
                         int32_t wd, int32_t m, int32_t oh, int32_t ow,
                         int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                         int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                         int32_t nr, int32_t act, float alpha, float beta)
{
	struct cp_geom g;
	ptrdiff_t p0, np;
	int32_t n;

	g.direct = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 &&
	           pl == 0 && oh == h && ow == wd;
	g.w = wp;
	g.b = bias;
	g.xplane = (ptrdiff_t)h * wd;
	g.yplane = (ptrdiff_t)oh * ow;
	g.kk = (ptrdiff_t)c * kh * kw;
	g.c = c;
	g.h = h;
	g.wd = wd;
	g.m = m;
	g.oh = oh;
	g.ow = ow;
	g.kh = kh;
	g.kw = kw;
	g.sh = sh;
	g.sw = sw;
	g.dh = dh;
	g.dw = dw;
	g.pt = pt;
	g.pl = pl;
	g.act = act;
	g.alpha = alpha;
	g.beta = beta;
	for (n = 0; n < nb; n++) {
		g.x = x + (ptrdiff_t)n * c * g.xplane;
		g.y = y + (ptrdiff_t)n * m * g.yplane;
		g.res = res ? res + (ptrdiff_t)n * m * g.yplane : res;
		for (p0 = 0; p0 < g.yplane; p0 += CP_SB) {
			np = g.yplane - p0 < CP_SB ? g.yplane - p0 : CP_SB;
			/* nr a constant in each call, for the unrolling */
			if (nr == 32)
				cp_super(&g, p0, (int32_t)np, 32);
			else
				cp_super(&g, p0, (int32_t)np, 16);
		}
	}
}
