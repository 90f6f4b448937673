/* conv.c -- 2-D convolution over NCHW images: groups (depthwise too),
 * strides, dilations, padding, optional bias and a fused activation.
 *
 * Direct convolution in register tiles.  A tile is up to CONV_MB output
 * channels times up to CONV_TW neighbouring output pixels of one row; its
 * sums stay in acc[][] while the loop runs over the reduction (input
 * channel c, kernel row r, kernel column s, in that order), and each step
 * is an axpy over the pixels of the tile:
 *     acc[i][0..tw) += w[m0+i, c, r, s] * x[c, iy, ix0 .. ix0 + tw*sw)
 * so one x load feeds CONV_MB multiply-adds and the innermost loops run
 * over contiguous pixels (for stride 1), which LLVM vectorizes after the
 * fixed-size tile loops unroll.  Pixels whose window leaves the image on
 * the left or right are done one at a time with the kernel columns that
 * fall inside; kernel rows outside the image are skipped per output row.
 * The bias is added after the sum, then the activation.
 *
 * A 1x1 convolution with stride 1 and no padding is a matrix product
 * W[m,c] X[c,h*w]: it runs as a single image row of h*w pixels, so its
 * tiles span row ends.
 *
 * Output channels are taken in chunks whose weights fit in about 128 KiB,
 * and for each pixel tile every channel block of the chunk runs before the
 * next tile, so the x rows of a tile stay in cache while the weights
 * stream.
 */
#include "../qcc_rt.h"

enum { CONV_MB = 4, CONV_TW = 16, CONV_CHUNK_FLOATS = 32768 };

struct conv_geom {
	const float *x;        /* first input channel of the group, image n */
	ptrdiff_t xplane;      /* h * wd */
	ptrdiff_t yplane;      /* oh * ow */
	int32_t cg;            /* input channels per group */
	int32_t h, wd, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t wsz;           /* cg * kh * kw: weights per output channel */
	int32_t act;
	float alpha, beta;
};

/* mb output channels (weights wt, bias b or NULL, outputs y with planes
 * g->yplane apart) at tw pixels of row oy starting at column ox0, over
 * kernel rows [r0, r1) and columns [s0, s1). */
static inline void
conv_tile(const struct conv_geom *g, const float *restrict wt,
          const float *restrict b, float *restrict y, int32_t mb,
          int32_t tw, int32_t oy, int32_t ox0, int32_t r0, int32_t r1,
          int32_t s0, int32_t s1)
{
	float acc[CONV_MB][CONV_TW];
	float wv[CONV_MB];
	int32_t i, l, c, r, s;
	int32_t iy0 = oy * g->sh - g->pt;
	int32_t ix0 = ox0 * g->sw - g->pl;

	for (i = 0; i < mb; i++)
		for (l = 0; l < tw; l++)
			acc[i][l] = 0.0f;
	for (c = 0; c < g->cg; c++) {
		const float *xc = g->x + (ptrdiff_t)c * g->xplane;
		const float *wc = wt + (ptrdiff_t)c * g->kh * g->kw;

		for (r = r0; r < r1; r++) {
			const float *xr = xc + (ptrdiff_t)(iy0 + r * g->dh) * g->wd;

			for (s = s0; s < s1; s++) {
				const float *xp = xr + (ix0 + s * g->dw);

				for (i = 0; i < mb; i++)
					wv[i] = wc[(ptrdiff_t)i * g->wsz + r * g->kw + s];
				for (l = 0; l < tw; l++) {
					float xv = xp[l * g->sw];

					for (i = 0; i < mb; i++)
						acc[i][l] += wv[i] * xv;
				}
			}
		}
	}
	for (i = 0; i < mb; i++) {
		float *yr = y + (ptrdiff_t)i * g->yplane + ox0;
		float bi = b ? b[i] : 0.0f;

		for (l = 0; l < tw; l++) {
			float v = b ? acc[i][l] + bi : acc[i][l];

			yr[l] = qcc_rt_act1_f32(v, g->act, g->alpha, g->beta);
		}
	}
}

/* Every channel of a chunk of nch (blocks of CONV_MB, then single ones)
 * at one pixel tile; y points at row oy of the chunk's first channel. */
static inline void
conv_tiles(const struct conv_geom *g, const float *restrict wt,
           const float *restrict b, float *restrict y, int32_t nch,
           int32_t tw, int32_t oy, int32_t ox0, int32_t r0, int32_t r1,
           int32_t s0, int32_t s1)
{
	int32_t i;

	for (i = 0; i + CONV_MB <= nch; i += CONV_MB)
		conv_tile(g, wt + (ptrdiff_t)i * g->wsz, b ? b + i : b,
		          y + i * g->yplane, CONV_MB, tw, oy, ox0, r0, r1, s0, s1);
	for (; i < nch; i++)
		conv_tile(g, wt + (ptrdiff_t)i * g->wsz, b ? b + i : b,
		          y + i * g->yplane, 1, tw, oy, ox0, r0, r1, s0, s1);
}

/* One output pixel whose window may leave the image left or right. */
static inline void
conv_edge(const struct conv_geom *g, const float *restrict wt,
          const float *restrict b, float *restrict y, int32_t nch,
          int32_t oy, int32_t ox, int32_t r0, int32_t r1)
{
	int32_t ix = ox * g->sw - g->pl;
	int32_t s0 = 0, s1 = g->kw;

	while (s0 < s1 && ix + s0 * g->dw < 0)
		s0++;
	while (s1 > s0 && ix + (s1 - 1) * g->dw >= g->wd)
		s1--;
	conv_tiles(g, wt, b, y, nch, 1, oy, ox, r0, r1, s0, s1);
}

/* Output row oy of nch channels; y points at the chunk's first plane. */
static inline void
conv_row(const struct conv_geom *g, const float *restrict wt,
         const float *restrict b, float *restrict y, int32_t nch, int32_t oy,
         int32_t ow)
{
	int32_t iy = oy * g->sh - g->pt;
	int32_t r0 = 0, r1 = g->kh, lo, hi, ox, span;
	float *yr = y + (ptrdiff_t)oy * ow;

	while (r0 < r1 && iy + r0 * g->dh < 0)
		r0++;
	while (r1 > r0 && iy + (r1 - 1) * g->dh >= g->h)
		r1--;
	/* [lo, hi): columns whose whole window is inside the image */
	lo = (g->pl + g->sw - 1) / g->sw;
	lo = lo < ow ? lo : ow;
	span = g->wd - 1 + g->pl - (g->kw - 1) * g->dw;
	hi = span >= 0 ? span / g->sw + 1 : 0;
	hi = hi < ow ? hi : ow;
	hi = hi > lo ? hi : lo;
	for (ox = 0; ox < lo; ox++)
		conv_edge(g, wt, b, yr, nch, oy, ox, r0, r1);
	for (; ox + CONV_TW <= hi; ox += CONV_TW)
		conv_tiles(g, wt, b, yr, nch, CONV_TW, oy, ox, r0, r1, 0, g->kw);
	if (ox + 8 <= hi) {
		conv_tiles(g, wt, b, yr, nch, 8, oy, ox, r0, r1, 0, g->kw);
		ox += 8;
	}
	if (ox + 4 <= hi) {
		conv_tiles(g, wt, b, yr, nch, 4, oy, ox, r0, r1, 0, g->kw);
		ox += 4;
	}
	for (; ox < hi; ox++)
		conv_tiles(g, wt, b, yr, nch, 1, oy, ox, r0, r1, 0, g->kw);
	for (; ox < ow; ox++)
		conv_edge(g, wt, b, yr, nch, oy, ox, r0, r1);
}

QCC_RT_API void
qcc_rt_conv2d_f32(const float *restrict x, const float *restrict w,
                  const float *restrict bias, float *restrict y, int32_t nb,
                  int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh,
                  int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                  int32_t dh, int32_t dw, int32_t pt, int32_t pl,
                  int32_t group, int32_t act, float alpha, float beta)
{
	struct conv_geom g;
	int32_t n, gi, mg, m0, nch, chunk, oy;

	if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 &&
	    oh == h && ow == wd) {
		wd = ow = h * wd;
		h = oh = 1;
	}
	g.xplane = (ptrdiff_t)h * wd;
	g.yplane = (ptrdiff_t)oh * ow;
	g.cg = c / group;
	g.h = h;
	g.wd = wd;
	g.kh = kh;
	g.kw = kw;
	g.sh = sh;
	g.sw = sw;
	g.dh = dh;
	g.dw = dw;
	g.pt = pt;
	g.pl = pl;
	g.wsz = g.cg * kh * kw;
	g.act = act;
	g.alpha = alpha;
	g.beta = beta;
	mg = m / group;
	chunk = CONV_CHUNK_FLOATS / (g.wsz > 0 ? g.wsz : 1);
	chunk = chunk / CONV_MB * CONV_MB;
	chunk = chunk > CONV_MB ? chunk : CONV_MB;
	for (n = 0; n < nb; n++) {
		for (gi = 0; gi < group; gi++) {
			ptrdiff_t mfirst = (ptrdiff_t)gi * mg;

			g.x = x + ((ptrdiff_t)n * c + (ptrdiff_t)gi * g.cg) * g.xplane;
			for (m0 = 0; m0 < mg; m0 += chunk) {
				ptrdiff_t mc = mfirst + m0;
				float *yc = y + ((ptrdiff_t)n * m + mc) * g.yplane;

				nch = mg - m0 < chunk ? mg - m0 : chunk;
				for (oy = 0; oy < oh; oy++)
					conv_row(&g, w + mc * g.wsz, bias ? bias + mc : bias,
					         yc, nch, oy, ow);
			}
		}
	}
}
