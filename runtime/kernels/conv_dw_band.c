/* conv_dw_band.c -- the band buffers of the depthwise kernel vectorized
 * over channels (conv_dw_chan.c): the input rows of a band into a buffer
 * of pixels, each pixel one vector of a block's 16 channels, rows padded
 * with zero pixels as the convolution's padding says ([row][col][16]);
 * and the band's output pixels back to NCHW.
 *
 * From NCHW, the input rows of a band are contiguous in each channel's
 * plane, so the transpose takes them 16 pixels at a time, flat, whatever
 * the row width: 16 loads of 16 floats, an in-register 16x16 transpose,
 * 16 pixel stores at their padded places.  From a channel-blocked x
 * (NCHW16c) the rows are pixels already and are copied.  The output
 * pixels go back to NCHW 16 at a time, transposed, the residual added and
 * ReLU or Clip applied on the vectors, other activations over each
 * channel's rows.  Nothing here computes a sum: values are moved, and the
 * residual and activation are applied as qcc_rt_conv2d_f32 does. */
#include "../qcc_rt.h"
#include "conv_dw_chan.h"

#if DWC_VECTORS
/* Where the band of nr output rows from oy0 puts the image's pixels:
 * tab[i] is the buffer pixel of the band's i-th image pixel (flat from
 * its first image row *ya), DWC_BUFV (a spare slot) for columns no tap
 * reaches.  Returns the number of pixels. */
QCC_RT_API int32_t
qcc_rt_dwc_table(const struct dwc_geom *g, int32_t oy0, int32_t nr,
                 int32_t *restrict tab, int32_t *ya)
{
	int32_t y0 = oy0 * g->sh - g->pt, nin = dwc_nin(g, nr);
	int32_t yb = y0 + nin < g->h ? y0 + nin : g->h;
	int32_t ncol = g->pw - g->pl, n = 0, iy, ix;

	*ya = y0 > 0 ? y0 : 0;
	for (iy = *ya; iy < yb; iy++)
		for (ix = 0; ix < g->wd; ix++)
			tab[n++] = ix < ncol ? (iy - y0) * g->pw + g->pl + ix : DWC_BUFV;
	return n;
}

/* The 16 pixels from x of the block's nc channels (planes xplane apart)
 * into r, one vector per pixel. */
QCC_RT_INLINE void
dwc_pixels(const float *restrict x, ptrdiff_t xplane, int32_t nc, dwc_v *r)
{
	int32_t v;

#pragma GCC unroll 16
	for (v = 0; v < 16; v++)
		if (v < nc)
			dwc_load(&r[v], x + v * xplane);
		else
			dwc_splat(&r[v], 0.0f);
	dwc_transpose(r);
}

/* The 16 pixels from x of the block's nc channels (planes xplane apart)
 * to buf at tab[0..16). */
QCC_RT_INLINE void
dwc_chunk(const float *restrict x, ptrdiff_t xplane, int32_t nc,
          dwc_v *restrict buf, const int32_t *restrict tab)
{
	dwc_v r[16];
	int32_t j;

	dwc_pixels(x, xplane, nc, r);
#pragma GCC unroll 16
	for (j = 0; j < 16; j++)
		buf[tab[j]] = r[j];
}

/* The 16 pixels from x of the block's nc channels (planes xplane apart)
 * to the 16 consecutive buffer pixels from d. */
QCC_RT_INLINE void
dwc_chunk_run(const float *restrict x, ptrdiff_t xplane, int32_t nc,
              dwc_v *restrict d)
{
	dwc_v r[16];
	int32_t j;

	dwc_pixels(x, xplane, nc, r);
#pragma GCC unroll 16
	for (j = 0; j < 16; j++)
		d[j] = r[j];
}

/* Zeros for the rows of the band of nr output rows from oy0 that are
 * outside the image, from buffer row keep; columns past the image or the
 * taps' reach are left alone.  Returns the number of image columns the
 * buffer takes. */
QCC_RT_INLINE int32_t
dwc_zero_rows(const struct dwc_geom *g, dwc_v *restrict buf, int32_t oy0,
              int32_t nr, int32_t keep)
{
	int32_t nin = dwc_nin(g, nr), y0 = oy0 * g->sh - g->pt;
	int32_t ncol = g->wd < g->pw - g->pl ? g->wd : g->pw - g->pl;
	int32_t k, j;
	dwc_v z;

	dwc_splat(&z, 0.0f);
	for (k = keep; k < nin; k++)
		if (y0 + k < 0 || y0 + k >= g->h)
			for (j = 0; j < ncol; j++)
				buf[k * g->pw + g->pl + j] = z;
	return ncol;
}

/* The band of nr output rows from oy0: input rows of the block's nc
 * channels (NCHW, planes xplane apart) into buf.  The padding columns keep
 * the zeros written once, rows outside the image get zeros.  Rows of 16
 * pixels or more, all read, go row by row (the first keep rows are there
 * already: the last ones of the band before, moved up), 16 pixels at a
 * time, the last run of a row moved back to end with it (its first pixels
 * are written twice, with the same values); others go flat, 16 pixels at
 * a time whatever the row, through tab (qcc_rt_dwc_table, ntab pixels
 * from row ya), the last run moved back too unless only a few pixels are
 * left. */
QCC_RT_API void
qcc_rt_dwc_fill(const struct dwc_geom *g, const float *restrict x,
                ptrdiff_t xplane, int32_t nc, dwc_v *restrict buf,
                int32_t oy0, int32_t nr, int32_t keep,
                const int32_t *restrict tab, int32_t ntab, int32_t ya)
{
	int32_t nin = dwc_nin(g, nr), y0 = oy0 * g->sh - g->pt;
	int32_t yb = y0 + nin < g->h ? y0 + nin : g->h;
	int32_t k, j, v, i;
	const float *xa = x + (ptrdiff_t)ya * g->wd;
	dwc_v z;

	dwc_splat(&z, 0.0f);
	dwc_zero_rows(g, buf, oy0, nr, keep);
	if (dwc_by_rows(g)) {
		for (k = ya > y0 + keep ? ya : y0 + keep; k < yb; k++) {
			const float *xr = x + (ptrdiff_t)k * g->wd;
			dwc_v *d = buf + (k - y0) * g->pw + g->pl;

			for (j = 0; j + 16 <= g->wd; j += 16)
				dwc_chunk_run(xr + j, xplane, nc, d + j);
			if (j < g->wd)
				dwc_chunk_run(xr + g->wd - 16, xplane, nc,
				              d + g->wd - 16);
		}
		return;
	}
	for (i = 0; i + 16 <= ntab; i += 16)
		dwc_chunk(xa + i, xplane, nc, buf, tab + i);
	if (ntab - i > 3 && ntab >= 16) {
		dwc_chunk(xa + ntab - 16, xplane, nc, buf, tab + ntab - 16);
		return;
	}
	for (; i < ntab; i++) {
		dwc_v t = z;

		for (v = 0; v < nc; v++)
			t[v] = xa[v * xplane + i];
		buf[tab[i]] = t;
	}
}

/* Buffer rows [from, from + n) to rows [0, n) (from > 0): the input rows
 * the next band shares with the one before. */
QCC_RT_API void
qcc_rt_dwc_move_rows(const struct dwc_geom *g, dwc_v *restrict buf,
                     int32_t from, int32_t n)
{
	int32_t i, e = n * g->pw;
	dwc_v *src = buf + from * g->pw;

	for (i = 0; i < e; i++)
		buf[i] = src[i];
}

/* The band of nr output rows from oy0 from a block's plane of pixels xb
 * (a channel-blocked x) into buf: image rows copied, the columns the taps
 * reach, others zero where the band leaves the image. */
QCC_RT_API void
qcc_rt_dwc_fill_blocked(const struct dwc_geom *g, const float *restrict xb,
                        dwc_v *restrict buf, int32_t oy0, int32_t nr)
{
	int32_t nin = dwc_nin(g, nr), y0 = oy0 * g->sh - g->pt;
	int32_t yb = y0 + nin < g->h ? y0 + nin : g->h;
	int32_t ncol = dwc_zero_rows(g, buf, oy0, nr, 0), k, j;

	for (k = y0 > 0 ? y0 : 0; k < yb; k++) {
		const float *xr = xb + (ptrdiff_t)k * g->wd * DWC_V;
		dwc_v *d = buf + (k - y0) * g->pw + g->pl;

		for (j = 0; j < ncol; j++)
			dwc_load(&d[j], xr + j * DWC_V);
	}
}

/* The 16 output pixels o of the block's nc channels to y from pixel q0 of
 * each plane (yplane apart), + res, ReLU or Clip when vec. */
QCC_RT_INLINE void
dwc_out_chunk(const dwc_v *restrict o, float *restrict y,
              const float *restrict res, ptrdiff_t yplane, int32_t nc,
              ptrdiff_t q0, int32_t vec, int32_t clip, float alpha,
              float beta)
{
	dwc_v r[16], t;
	int32_t v;

#pragma GCC unroll 16
	for (v = 0; v < 16; v++)
		r[v] = o[v];
	dwc_transpose(r);
	for (v = 0; v < nc; v++) {
		ptrdiff_t q = v * yplane + q0;

		if (res) {
			dwc_load(&t, res + q);
			r[v] = r[v] + t;
		}
		if (vec)
			dwc_clamp(&r[v], clip, alpha, beta);
		dwc_store(y + q, &r[v]);
	}
}

/* np output pixels o of the block's nc channels to y from pixel p0 of each
 * plane (yplane apart), + res, then the activation; 16 pixels at a time,
 * a shorter last run moved back as in qcc_rt_dwc_fill. */
QCC_RT_API void
qcc_rt_dwc_out(const dwc_v *restrict o, float *restrict y,
               const float *restrict res, ptrdiff_t yplane, int32_t nc,
               ptrdiff_t p0, int32_t np, int32_t act, float alpha, float beta)
{
	int32_t i, v, vec = act == QCC_ACT_RELU || act == QCC_ACT_CLIP;
	int32_t clip = act == QCC_ACT_CLIP;

	for (i = 0; i + 16 <= np; i += 16)
		dwc_out_chunk(o + i, y, res, yplane, nc, p0 + i, vec, clip, alpha,
		              beta);
	if (np - i > 3 && np >= 16) {
		dwc_out_chunk(o + np - 16, y, res, yplane, nc, p0 + np - 16, vec,
		              clip, alpha, beta);
		i = np;
	}
	for (; i < np; i++)
		for (v = 0; v < nc; v++) {
			ptrdiff_t q = v * yplane + p0 + i;
			float t = o[i][v];

			if (res)
				t = t + res[q];
			if (act == QCC_ACT_RELU)
				t = t > 0.0f ? t : 0.0f;
			if (clip) {
				t = t < alpha ? alpha : t;
				t = t > beta ? beta : t;
			}
			y[q] = t;
		}
	if (!vec && act != QCC_ACT_NONE)
		for (v = 0; v < nc; v++)
			qcc_rt_act_row_f32(y + v * yplane + p0, np, act, alpha, beta);
}

#endif
