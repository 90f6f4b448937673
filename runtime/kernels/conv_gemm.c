/* conv_gemm.c -- 2-D convolution (group 1) as a register-blocked matrix
 * product over pixels, weights packed at compile time.
 *
 * With K = c*kh*kw and k = (ci*kh + r)*kw + s, image n's output plane is
 *     y[mo, p] = sum over k of w[mo, k] * B[k, p]
 * where p = oy*ow + ox runs over the output pixels and B[k, p] is the input
 * element tap k of pixel p reads (zero outside the image): a matrix
 * product, the same for every kernel size.  NCHW keeps a channel's output
 * pixels contiguous, so the register tile is rows output channels times
 * nw consecutive pixels: each step k loads nw inputs as vectors,
 * broadcasts one weight per row and does rows * nw multiply-adds into
 * accumulators that stay in registers.  The caller picks nr for the
 * target's vector registers: 16 (tiles of 6 x 16 floats, twelve 8-lane
 * vectors, which AVX2's sixteen registers hold with two input vectors and
 * a broadcast) or 32 (tiles of 12 x 32 floats, twenty-four of AVX-512's
 * thirty-two 16-lane registers); a tile row is one or two 16-float
 * vectors (qv16: GNU C vectors where the compiler has them, so the
 * accumulators are registers whatever the optimizer's unrolling does).
 * A plane's last 16 or fewer pixels take a tile 16 wide.  The epilogue
 * (bias, residual, ReLU or Clip) works on the registers and stores whole
 * vectors; other activations run over the stored rows.
 *
 * Packed weights (backends/lower_conv_packed.c writes them, qcc_rt.h states
 * the layout): panels of CP_MR = QCC_RT_GEMM_MR output channels, the
 * panel's CP_MR weights of one k contiguous; a 12-row tile reads two
 * consecutive panels.
 *
 * The plane is cut into super-blocks of pixels and the reduction into
 * chunks of at most CP_KC steps, sized so a super-block's chunk of B stays
 * in cache while every row group of the weights runs over it (cp_plan):
 * with a short reduction a super-block is many pixels wide, so each tile
 * row writes a long contiguous run instead of the output being written 32
 * pixels at a time across all channels.  B is packed at run time into a
 * stack buffer (im2col of the super-block, zeros for taps outside the
 * image), except that a 1x1 convolution with stride 1 and no padding
 * reads the input itself (rows of h*w pixels) and packs only a last block
 * shorter than its tile.  Reductions longer than CP_KC leave partial sums
 * in y between chunks; every output still sums its taps in k order, then
 * the bias, then the residual (a zero tap adds +-0, which leaves a sum
 * unchanged), then the activation, exactly as qcc_rt_conv2d_f32's loop
 * does.
 */
#include "../qcc_rt.h"
#include "../qcc_vec16.h"

enum {
	CP_MR = QCC_RT_GEMM_MR,
	CP_RMAX = 2 * CP_MR,   /* rows of the widest tile */
	CP_NRMAX = 32,
	CP_KC = 256,           /* longest reduction chunk */
	CP_BUF = 8192,         /* packed B, floats */
	CP_BFOOT = 16384,      /* floats of B a super-block reads */
	CP_SBMAX = 2048        /* widest super-block, pixels */
};

struct cp_geom {
	const float *x;      /* image n */
	const float *w;      /* packed weights */
	const float *b;      /* bias or NULL */
	const float *res;    /* residual, image n, or NULL */
	float *y;            /* image n */
	ptrdiff_t xplane, yplane, kk;
	int32_t h, wd, m, ow, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t act, direct;
	float alpha, beta;
};

/* The tile width for the r pixels left: nr while more than 16 remain,
 * else 16. */
QCC_RT_INLINE int32_t
cp_width(int32_t r, int32_t nr)
{
	return r > 16 ? nr : 16;
}

/* Row mo of a tile, its nv vectors in a: if last, the bias, the residual
 * (row rr, or NULL) and the activation; then the first np values are
 * stored at yr. */
QCC_RT_INLINE void
cp_row_out(const struct cp_geom *g, qv16 *a, int32_t nv, float *yr,
           const float *rr, int32_t mo, int32_t np, int32_t last)
{
	qv16 t;
	float io[CP_NRMAX];
	int32_t v, p, nw = 16 * nv, full = np == nw;

	if (last) {
		if (g->b) {
			qv_splat(&t, g->b[mo]);
#pragma GCC unroll 2
			for (v = 0; v < nv; v++)
				qv_add(&a[v], &t);
		}
		if (rr && !full)
			for (p = 0; p < nw; p++)
				io[p] = p < np ? rr[p] : 0.0f;
		if (rr)
#pragma GCC unroll 2
			for (v = 0; v < nv; v++) {
				qv_load(&t, full ? rr + 16 * v : io + 16 * v);
				qv_add(&a[v], &t);
			}
		if (g->act == QCC_ACT_RELU || g->act == QCC_ACT_CLIP) {
			int32_t clip = g->act == QCC_ACT_CLIP;
			qv16 lo, hi;

			qv_splat(&lo, clip ? g->alpha : 0.0f);
			qv_splat(&hi, g->beta);
#pragma GCC unroll 2
			for (v = 0; v < nv; v++)
				qv_clamp(&a[v], &lo, &hi, clip);
		}
	}
	if (full) {
#pragma GCC unroll 2
		for (v = 0; v < nv; v++)
			qv_store(yr + 16 * v, &a[v]);
	} else {
#pragma GCC unroll 2
		for (v = 0; v < nv; v++)
			qv_store(io + 16 * v, &a[v]);
		for (p = 0; p < np; p++)
			yr[p] = io[p];
	}
	if (last && g->act != QCC_ACT_NONE && g->act != QCC_ACT_RELU &&
	    g->act != QCC_ACT_CLIP)
		qcc_rt_act_row_f32(yr, np, g->act, g->alpha, g->beta);
}

/* One tile: rows [m0, m0 + mr) of the output (mr <= rows), pixels
 * [p0, p0 + np) of the plane (np <= 16 * nv), reduction steps
 * [k0, k0 + kc) from b (row stride bs, 16 * nv readable floats per row).
 * first: start from zero (else from the partial sums in y); last: finish
 * the outputs.  rows (6 or 12) and nv (1 or 2) are constants at every
 * call; a partial tile's rows go through io. */
QCC_RT_INLINE void
cp_tile(const struct cp_geom *g, const float *b, ptrdiff_t bs, int32_t m0,
        int32_t mr, ptrdiff_t p0, int32_t np, int32_t k0, int32_t kc,
        int32_t first, int32_t last, int32_t rows, int32_t nv)
{
	qv16 acc[CP_RMAX][2];
	float io[CP_NRMAX];
	const float *w0 = g->w + ((ptrdiff_t)(m0 / CP_MR) * g->kk + k0) * CP_MR;
	ptrdiff_t w1 = g->kk * CP_MR - CP_MR;   /* the next panel, from row 6 */
	float *yq = g->y + (ptrdiff_t)m0 * g->yplane + p0;
	const float *rq = g->res ? g->res + (ptrdiff_t)m0 * g->yplane + p0 : NULL;
	ptrdiff_t ys = g->yplane;
	int32_t i, p, v, k, nw = 16 * nv, full = np == nw;

#pragma GCC unroll 12
	for (i = 0; i < rows; i++) {
		if (!first && i < mr && !full)
			for (p = 0; p < nw; p++)
				io[p] = p < np ? yq[i * ys + p] : 0.0f;
#pragma GCC unroll 2
		for (v = 0; v < nv; v++)
			if (first || i >= mr)
				qv_splat(&acc[i][v], 0.0f);
			else
				qv_load(&acc[i][v], full ? yq + i * ys + 16 * v : io + 16 * v);
	}
	for (k = 0; k < kc; k++) {
		const float *bk = b + k * bs;
		qv16 bv[2];

#pragma GCC unroll 2
		for (v = 0; v < nv; v++)
			qv_load(&bv[v], bk + 16 * v);
#pragma GCC unroll 12
		for (i = 0; i < rows; i++) {
			float wv = i < CP_MR ? w0[k * CP_MR + i] :
			                       w0[w1 + k * CP_MR + i];

#pragma GCC unroll 2
			for (v = 0; v < nv; v++)
				qv_fma(&acc[i][v], wv, &bv[v]);
		}
	}
#pragma GCC unroll 12
	for (i = 0; i < rows; i++)
		if (i < mr)
			cp_row_out(g, acc[i], nv, yq + i * ys, rq ? rq + i * ys : NULL,
			           m0 + i, np, last);
}

/* B rows [k0, k0 + kc) for pixels [p0 + j0, p0 + n) of the super-block at
 * p0 into bp: the block of width nw starting at slot j sits at
 * bp + (j - j0) * kc, row k at + k * nw; slots past the last pixel are
 * zero. */
QCC_RT_INLINE void
cp_pack(const struct cp_geom *g, ptrdiff_t p0, int32_t j0, int32_t n,
        int32_t k0, int32_t kc, float *bp, int32_t nr)
{
	int32_t k, j, nw, i, np, khw = g->kh * g->kw;

	for (j = j0; j < n; j += nw) {
		float *d = bp + (ptrdiff_t)(j - j0) * kc;
		ptrdiff_t q = p0 + j;
		int32_t oy0 = (int32_t)(q / g->ow), ox0 = (int32_t)(q % g->ow);
		int32_t ci = k0 / khw, r = k0 / g->kw % g->kh, s = k0 % g->kw;

		nw = cp_width(n - j, nr);
		np = n - j < nw ? n - j : nw;
		for (k = 0; k < kc; k++, d += nw) {
			const float *xc = g->x + (ptrdiff_t)ci * g->xplane;
			int32_t oy = oy0, ox = ox0;

			if (g->direct) {
				for (i = 0; i < np; i++)
					d[i] = xc[q + i];
			} else {
				for (i = 0; i < np; i++) {
					int32_t iy = oy * g->sh - g->pt + r * g->dh;
					int32_t ix = ox * g->sw - g->pl + s * g->dw;

					d[i] = iy >= 0 && iy < g->h && ix >= 0 && ix < g->wd ?
					       xc[(ptrdiff_t)iy * g->wd + ix] : 0.0f;
					if (++ox == g->ow) {
						ox = 0;
						oy++;
					}
				}
			}
			for (i = np; i < nw; i++)
				d[i] = 0.0f;
			if (++s == g->kw) {
				s = 0;
				if (++r == g->kh) {
					r = 0;
					ci++;
				}
			}
		}
	}
}

/* Every row group over the blocks of pixels [p0, p0 + n) for one chunk of
 * the reduction; B read from the input (direct) or from bp, where cp_pack
 * put pixels from slot j0 on. */
QCC_RT_INLINE void
cp_chunk(const struct cp_geom *g, ptrdiff_t p0, int32_t n, int32_t k0,
         int32_t kc, const float *bp, int32_t j0, int32_t nr)
{
	int32_t m0, mr, rows, j, nw, np, first = k0 == 0;
	int32_t last = k0 + kc >= g->kk;
	int32_t rmax = nr == 32 ? CP_RMAX : CP_MR;

	for (m0 = 0; m0 < g->m; m0 += rows) {
		mr = g->m - m0 < rmax ? g->m - m0 : rmax;
		rows = mr > CP_MR ? CP_RMAX : CP_MR;
		for (j = 0; j < n; j += nw) {
			const float *b;
			ptrdiff_t bs;

			nw = cp_width(n - j, nr);
			np = n - j < nw ? n - j : nw;
			if (j < j0) {
				b = g->x + (ptrdiff_t)k0 * g->xplane + p0 + j;
				bs = g->xplane;
			} else {
				b = bp + (ptrdiff_t)(j - j0) * kc;
				bs = nw;
			}
			if (nr == 32 && rows == CP_RMAX && nw == 32)
				cp_tile(g, b, bs, m0, mr, p0 + j, np, k0, kc, first, last,
				        CP_RMAX, 2);
			else if (nr == 32 && rows == CP_RMAX)
				cp_tile(g, b, bs, m0, mr, p0 + j, np, k0, kc, first, last,
				        CP_RMAX, 1);
			else if (nr == 32 && nw == 32)
				cp_tile(g, b, bs, m0, mr, p0 + j, np, k0, kc, first, last,
				        CP_MR, 2);
			else
				cp_tile(g, b, bs, m0, mr, p0 + j, np, k0, kc, first, last,
				        CP_MR, 1);
		}
	}
}

/* The first slot of the super-block [p0, p0 + n) that must be packed: 0
 * unless B is the input itself, then the start of the last block if that
 * block is shorter than its tile (n if none is). */
QCC_RT_INLINE int32_t
cp_packed_from(const struct cp_geom *g, int32_t n, int32_t nr)
{
	int32_t j, nw;

	if (!g->direct)
		return 0;
	for (j = 0; j < n; j += nw) {
		nw = cp_width(n - j, nr);
		if (n - j < nw)
			return j;
	}
	return n;
}

/* Pixels [p0, p0 + n) of the current image, every chunk of the
 * reduction. */
QCC_RT_INLINE void
cp_super(const struct cp_geom *g, ptrdiff_t p0, int32_t n, int32_t kcmax,
         int32_t nr)
{
	float bp[CP_BUF];
	int32_t k0, kc, j0 = cp_packed_from(g, n, nr);

	for (k0 = 0; k0 < g->kk || k0 == 0; k0 += kc) {
		kc = g->kk - k0 < kcmax ? (int32_t)(g->kk - k0) : kcmax;
		if (j0 < n)
			cp_pack(g, p0, j0, n, k0, kc, bp, nr);
		cp_chunk(g, p0, n, k0, kc, bp, j0, nr);
	}
}

/* The super-block width and reduction chunk: a chunk of B of about
 * CP_BFOOT floats read in place, or CP_BUF packed, whole tiles wide (a
 * packed tail of a direct super-block is at most nr * CP_KC floats). */
QCC_RT_INLINE void
cp_plan(const struct cp_geom *g, int32_t nr, int32_t *sb, int32_t *kc)
{
	int32_t k = g->kk < CP_KC ? (int32_t)g->kk : CP_KC, w;

	if (k < 1)
		k = 1;
	w = (g->direct ? CP_BFOOT : CP_BUF) / k / nr * nr;
	if (w < nr)
		w = nr;
	if (w > CP_SBMAX)
		w = CP_SBMAX;
	*sb = w;
	*kc = k;
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
	int32_t n, sb, kc, tact, mo;

	g.direct = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 &&
	           pl == 0 && oh == h && ow == wd;
	g.w = wp;
	g.b = bias;
	g.xplane = (ptrdiff_t)h * wd;
	g.yplane = (ptrdiff_t)oh * ow;
	g.kk = (ptrdiff_t)c * kh * kw;
	g.h = h;
	g.wd = wd;
	g.m = m;
	g.ow = ow;
	g.kh = kh;
	g.kw = kw;
	g.sh = sh;
	g.sw = sw;
	g.dh = dh;
	g.dw = dw;
	g.pt = pt;
	g.pl = pl;
	/* Relu and Clip in the tile's registers; a transcendental activation
	 * over each channel's run of a finished super-block (one row-kernel
	 * call per sb pixels rather than per tile row) */
	tact = act == QCC_ACT_RELU || act == QCC_ACT_CLIP;
	g.act = tact ? act : QCC_ACT_NONE;
	g.alpha = alpha;
	g.beta = beta;
	nr = nr == 32 ? 32 : 16;
	cp_plan(&g, nr, &sb, &kc);
	for (n = 0; n < nb; n++) {
		g.x = x + (ptrdiff_t)n * c * g.xplane;
		g.y = y + (ptrdiff_t)n * m * g.yplane;
		g.res = res ? res + (ptrdiff_t)n * m * g.yplane : res;
		for (p0 = 0; p0 < g.yplane; p0 += sb) {
			np = g.yplane - p0 < sb ? g.yplane - p0 : sb;
			/* nr a constant in each call, for the unrolling */
			if (nr == 32)
				cp_super(&g, p0, (int32_t)np, kc, 32);
			else
				cp_super(&g, p0, (int32_t)np, kc, 16);
			/* a whole plane: the channels' runs are one (no remainder
			 * lanes per channel) */
			if (!tact && act != QCC_ACT_NONE && np == g.yplane &&
			    m * np <= 0x7fffffff)
				qcc_rt_act_row_f32(g.y, (int32_t)(m * np), act, alpha, beta);
			else if (!tact && act != QCC_ACT_NONE)
				for (mo = 0; mo < m; mo++)
					qcc_rt_act_row_f32(g.y + (ptrdiff_t)mo * g.yplane + p0,
					                   (int32_t)np, act, alpha, beta);
		}
	}
}
