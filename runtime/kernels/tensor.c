/* tensor.c -- the kernels that move elements without arithmetic: one
 * strided copy that every index-map op lowers to (Transpose, Slice, Tile,
 * Expand, and through them Split, DepthToSpace, SpaceToDepth), a gather
 * along one axis, and padding.
 *
 * The strided copy walks y densely with an odometer over dims[]; x's
 * element for index (i0, ..) is x[sum i_d * xstr[d]], strides in elements
 * and possibly 0 (broadcast, the repeats of a tile) or negative (a slice
 * with a negative step, x then pointing at its first element).  Ranks go
 * to 12 since a tile of a rank-6 tensor splits every axis into (repeat,
 * element).  The innermost axis runs as a plain loop, which vectorizes
 * for the contiguous and broadcast cases.
 */
#include "../qcc_rt.h"

QCC_RT_API void
qcc_rt_strided_f32(const float *restrict x, float *restrict y, int32_t rank,
                   const int32_t *dims, const int32_t *xstr)
{
	int32_t idx[12] = {0};
	ptrdiff_t xo = 0, yo = 0;
	int32_t d, i, last = rank - 1, n = dims[last], s = xstr[last];

	for (d = 0; d < rank; d++)
		if (dims[d] <= 0)
			return;
	for (;;) {
		if (s == 1)
			for (i = 0; i < n; i++)
				y[yo + i] = x[xo + i];
		else if (s == 0)
			for (i = 0; i < n; i++)
				y[yo + i] = x[xo];
		else
			for (i = 0; i < n; i++)
				y[yo + i] = x[xo + (ptrdiff_t)i * s];
		yo += n;
		for (d = last - 1; d >= 0; d--) {
			xo += xstr[d];
			if (++idx[d] < dims[d])
				break;
			xo -= (ptrdiff_t)xstr[d] * dims[d];
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}

QCC_RT_API void
qcc_rt_gather_f32(const float *restrict x, float *restrict y, int32_t outer,
                  int32_t len, int32_t inner, int32_t nidx,
                  const int32_t *idx)
{
	int32_t o, j, i;

	for (o = 0; o < outer; o++)
		for (j = 0; j < nidx; j++) {
			const float *xs = x + ((ptrdiff_t)o * len + idx[j]) * inner;
			float *ys = y + ((ptrdiff_t)o * nidx + j) * inner;

			for (i = 0; i < inner; i++)
				ys[i] = xs[i];
		}
}

/* The input index that result index j (already shifted by the leading
 * padding) reads along an axis of size n, or -1 for the constant. */
static inline int32_t
pad_src(int32_t j, int32_t n, int32_t mode)
{
	if (j >= 0 && j < n)
		return j;
	if (mode == QCC_PAD_EDGE)
		return j < 0 ? 0 : n - 1;
	if (mode == QCC_PAD_REFLECT && n > 1) {
		int32_t p = 2 * (n - 1);

		j %= p;
		if (j < 0)
			j += p;
		return j < n ? j : p - j;
	}
	if (mode == QCC_PAD_REFLECT)
		return 0;
	return -1;
}

QCC_RT_API void
qcc_rt_pad_f32(const float *restrict x, float *restrict y, int32_t rank,
               const int32_t *xdims, const int32_t *ydims,
               const int32_t *before, int32_t mode, float value)
{
	int32_t idx[6] = {0, 0, 0, 0, 0, 0};
	int32_t d, i, last = rank - 1;
	ptrdiff_t yo = 0;

	for (d = 0; d < rank; d++)
		if (ydims[d] <= 0)
			return;
	for (;;) {
		/* offset of the row's source, or -1 if it is all constant */
		ptrdiff_t xo = 0;
		int inside = 1;

		for (d = 0; d < last; d++) {
			int32_t j = pad_src(idx[d] - before[d], xdims[d], mode);

			if (j < 0)
				inside = 0;
			xo = xo * xdims[d] + (j < 0 ? 0 : j);
		}
		xo *= xdims[last];
		for (i = 0; i < ydims[last]; i++) {
			int32_t j = pad_src(i - before[last], xdims[last], mode);

			y[yo + i] = inside && j >= 0 ? x[xo + j] : value;
		}
		yo += ydims[last];
		for (d = last - 1; d >= 0; d--) {
			if (++idx[d] < ydims[d])
				break;
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}
