/* pool.c -- max, average and global average pooling over NCHW planes.
 *
 * The windowed pools work a whole output row at a time: for each kernel
 * tap (r, s) whose input row is inside the image, the output columns whose
 * tap column is inside too are updated in one loop,
 *     y[ox] = max(y[ox], x[iy, ox*sw - pl + s*dw])   (or y[ox] += ...),
 * which is contiguous in y and vectorizes; taps outside the image are
 * never read.  Average pooling then divides each sum by its tap count:
 * the taps inside the image, or with count_include_pad the taps inside
 * the padded extent (so taps that ceil_mode adds past the padding never
 * count, as in ONNX Runtime and PyTorch).
 */
#include "../qcc_rt.h"
#include "../qcc_vec16.h"

/* First output column whose tap (ix = ox*sw + off) is >= 0. */
static inline int32_t
pool_first(int32_t off, int32_t sw, int32_t ow)
{
	int32_t f = off >= 0 ? 0 : (-off + sw - 1) / sw;

	return f < ow ? f : ow;
}

/* One past the last output column whose tap (ox*sw + off) is < w. */
static inline int32_t
pool_last(int32_t off, int32_t sw, int32_t w, int32_t ow)
{
	int32_t span = w - 1 - off;
	int32_t l = span >= 0 ? span / sw + 1 : 0;

	return l < ow ? l : ow;
}

/* How many of the taps start, start + d, .. (k of them) lie in [lo, hi). */
static inline int32_t
pool_count(int32_t start, int32_t k, int32_t d, int32_t lo, int32_t hi)
{
	int32_t j, n = 0;

	for (j = 0; j < k; j++)
		n += start + j * d >= lo && start + j * d < hi;
	return n;
}

/* The 2x2 stride-2 max pool with every window inside the image (the
 * usual one): the four taps of each output read in the general loop's
 * order, one output at a time.  The general loop's strided tap loads
 * become gathers when vectorized, slow on short rows (a 14x14 plane took
 * twice as long as the convolution before it); scalar code is faster
 * there, so clang is told not to vectorize. */
QCC_RT_INLINE void
pool_max22_row(const float *restrict r0, const float *restrict r1,
               float *restrict yr, int32_t ow, float ninf)
{
	int32_t ox;

#if defined(__clang__)
#pragma clang loop vectorize(disable)
#endif
	for (ox = 0; ox < ow; ox++) {
		float t = ninf, v;

		v = r0[2 * ox];
		t = v > t ? v : t;
		v = r0[2 * ox + 1];
		t = v > t ? v : t;
		v = r1[2 * ox];
		t = v > t ? v : t;
		v = r1[2 * ox + 1];
		yr[ox] = v > t ? v : t;
	}
}

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
/* Lane by lane t = v > t ? v : t. */
QCC_RT_INLINE void
pool_vmax(qv16 *t, const qv16 *v)
{
	qi16 m = *v > *t;

	*t = (qv16)(((qi16)*v & m) | ((qi16)*t & ~m));
}

/* Outputs [ox, ox + 8) of a row from the 16 inputs of each input row at
 * r0 and r1, all 16 lanes stored at yr (the caller keeps the lanes past
 * the row's end inside y, on outputs stored later).  The evens and odds
 * of the two rows go to lanes 0-7 and 8-15: then max(ninf, even), odd
 * gives each row's pair, and the second row's pair over the first's picks
 * the same element as the four taps in order (the first of equal maxima;
 * NaN never). */
QCC_RT_INLINE void
pool_max22_v8(const float *r0, const float *r1, float *yr, float ninf)
{
	qv16 a, b, e, o, t, h;

	qv_load(&a, r0);
	qv_load(&b, r1);
	e = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
	                            22, 24, 26, 28, 30);
	o = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21,
	                            23, 25, 27, 29, 31);
	qv_splat(&t, ninf);
	pool_vmax(&t, &e);
	pool_vmax(&t, &o);
	h = __builtin_shufflevector(t, t, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9,
	                            10, 11, 12, 13, 14, 15);
	pool_vmax(&t, &h);
	qv_store(yr, &t);
}
#endif

/* The 2x2 stride-2 max pool with every window inside the image (the
 * usual one).  Where the compiler has vector shuffles, 8 outputs at a
 * time from 16 inputs of each row while 16 inputs stay inside x and 16
 * outputs inside y (outputs past the 8, and past the row's end, are
 * stored over later); the rest, and other compilers, by pool_max22_row
 * (fmnist's 64-channel 14x14 plane: about 4x faster). */
QCC_RT_INLINE void
pool_max22(const float *restrict x, float *restrict y, int32_t nc,
           int32_t h, int32_t w, int32_t oh, int32_t ow, float ninf)
{
	ptrdiff_t xend = (ptrdiff_t)nc * h * w, yend = (ptrdiff_t)nc * oh * ow;
	int32_t p, oy, ox;

	for (p = 0; p < nc; p++)
		for (oy = 0; oy < oh; oy++) {
			ptrdiff_t xo = ((ptrdiff_t)p * h + 2 * oy) * w;
			ptrdiff_t yo = ((ptrdiff_t)p * oh + oy) * ow;

			ox = 0;
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
			for (; ox < ow && xo + w + 2 * ox + 16 <= xend &&
			       yo + ox + 16 <= yend;
			     ox += 8)
				pool_max22_v8(x + xo + 2 * ox, x + xo + w + 2 * ox,
				              y + yo + ox, ninf);
			if (ox >= ow)
				continue;
#endif
			pool_max22_row(x + xo + 2 * ox, x + xo + w + 2 * ox, y + yo + ox,
			               ow - ox, ninf);
		}
}

QCC_RT_API void
qcc_rt_maxpool2d_f32(const float *restrict x, float *restrict y, int32_t nc,
                     int32_t h, int32_t w, int32_t oh, int32_t ow, int32_t kh,
                     int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                     int32_t dw, int32_t pt, int32_t pl)
{
	union { uint32_t u; float f; } ninf;
	int32_t p, oy, ox, r, s;

	ninf.u = 0xff800000u;
	if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1 &&
	    pt == 0 && pl == 0 && 2 * oh <= h && 2 * ow <= w) {
		pool_max22(x, y, nc, h, w, oh, ow, ninf.f);
		return;
	}
	for (p = 0; p < nc; p++) {
		const float *xp = x + (ptrdiff_t)p * h * w;

		for (oy = 0; oy < oh; oy++) {
			float *yr = y + ((ptrdiff_t)p * oh + oy) * ow;

			for (ox = 0; ox < ow; ox++)
				yr[ox] = ninf.f;
			for (r = 0; r < kh; r++) {
				int32_t iy = oy * sh - pt + r * dh;

				if (iy < 0 || iy >= h)
					continue;
				for (s = 0; s < kw; s++) {
					int32_t off = s * dw - pl;
					int32_t a = pool_first(off, sw, ow);
					int32_t b = pool_last(off, sw, w, ow);
					const float *xr;

					if (a >= b)
						continue;
					xr = xp + (ptrdiff_t)iy * w + a * sw + off;

					for (ox = a; ox < b; ox++) {
						float v = xr[(ox - a) * sw];

						yr[ox] = v > yr[ox] ? v : yr[ox];
					}
				}
			}
		}
	}
}

QCC_RT_API void
qcc_rt_avgpool2d_f32(const float *restrict x, float *restrict y, int32_t nc,
                     int32_t h, int32_t w, int32_t oh, int32_t ow, int32_t kh,
                     int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                     int32_t dw, int32_t pt, int32_t pl, int32_t pb,
                     int32_t pr, int32_t count_include_pad)
{
	int32_t p, oy, ox, r, s;
	int32_t ylo = count_include_pad ? -pt : 0;
	int32_t yhi = count_include_pad ? h + pb : h;
	int32_t xlo = count_include_pad ? -pl : 0;
	int32_t xhi = count_include_pad ? w + pr : w;

	for (p = 0; p < nc; p++) {
		const float *xp = x + (ptrdiff_t)p * h * w;

		for (oy = 0; oy < oh; oy++) {
			float *yr = y + ((ptrdiff_t)p * oh + oy) * ow;
			int32_t rows = pool_count(oy * sh - pt, kh, dh, ylo, yhi);

			for (ox = 0; ox < ow; ox++)
				yr[ox] = 0.0f;
			for (r = 0; r < kh; r++) {
				int32_t iy = oy * sh - pt + r * dh;

				if (iy < 0 || iy >= h)
					continue;
				for (s = 0; s < kw; s++) {
					int32_t off = s * dw - pl;
					int32_t a = pool_first(off, sw, ow);
					int32_t b = pool_last(off, sw, w, ow);
					const float *xr;

					if (a >= b)
						continue;
					xr = xp + (ptrdiff_t)iy * w + a * sw + off;

					for (ox = a; ox < b; ox++)
						yr[ox] += xr[(ox - a) * sw];
				}
			}
			for (ox = 0; ox < ow; ox++) {
				int32_t n = rows *
				    pool_count(ox * sw - pl, kw, dw, xlo, xhi);

				yr[ox] = n > 0 ? yr[ox] / (float)n : 0.0f;
			}
		}
	}
}

QCC_RT_API void
qcc_rt_globalavgpool_f32(const float *restrict x, float *restrict y,
                         int32_t nc, int32_t hw)
{
	int32_t p, i, j;

	for (p = 0; p < nc; p++) {
		const float *xp = x + (ptrdiff_t)p * hw;
		float acc[8], sum;

		for (j = 0; j < 8; j++)
			acc[j] = 0.0f;
		for (i = 0; i + 8 <= hw; i += 8)
			for (j = 0; j < 8; j++)
				acc[j] += xp[i + j];
		sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
		      ((acc[4] + acc[5]) + (acc[6] + acc[7]));
		for (; i < hw; i++)
			sum += xp[i];
		y[p] = sum / (float)hw;
	}
}
