/* copy.c -- plain copies: a value into another buffer (views whose bytes
 * could not stay in place, graph outputs that live elsewhere) and one
 * input of a Concat into its slice of the result.
 *
 * No memcpy: the kernels use no libc.  The loops are simple enough for
 * LLVM to turn into wide loads and stores (or a memcpy call, which the
 * backends provide).
 */
#include "../qcc_rt.h"

QCC_RT_API void
qcc_rt_copy_f32(const float *restrict x, float *restrict y, int32_t n)
{
	int32_t i;

	for (i = 0; i < n; i++)
		y[i] = x[i];
}

/* Concat along an axis: the result is [outer, total * inner]; an input
 * [outer, d * inner] lands at column offset (sum of earlier d) * inner,
 * which the caller folds into y. */
QCC_RT_API void
qcc_rt_concat_f32(const float *restrict x, float *restrict y, int32_t rows,
                  int32_t len, int32_t ystride)
{
	int32_t r, i;

	for (r = 0; r < rows; r++) {
		const float *xr = x + (ptrdiff_t)r * len;
		float *yr = y + (ptrdiff_t)r * ystride;

		for (i = 0; i < len; i++)
			yr[i] = xr[i];
	}
}
