/* resize.c -- Resize and Upsample, nearest and (multi)linear, from
 * per-axis tables the compiler computes.
 *
 * All coordinate arithmetic (the coordinate transformation mode, the
 * nearest rounding, the clamping at the edges) happens at compile time:
 * for axis d and result index o, the table entry e = off_d + o (off_d
 * the sum of ydims before d) holds the two input indices lo[e], hi[e]
 * and the weight w[e] of hi.  Nearest has w = 0 everywhere.  A result
 * element is the sum over the corners of the axes whose weight is not 0
 * (at most 2^rank, usually 4 for an image) of the input element times the
 * product of the weights w or 1 - w.
 */
#include "../qcc_rt.h"

QCC_RT_API void
qcc_rt_resize_f32(const float *restrict x, float *restrict y, int32_t rank,
                  const int32_t *xdims, const int32_t *ydims,
                  const int32_t *lo, const int32_t *hi, const float *w)
{
	int32_t idx[6] = {0, 0, 0, 0, 0, 0}, off[6], act[6];
	ptrdiff_t xstr[6], s = 1, k = 0;
	int32_t d, c, na;

	for (d = rank - 1; d >= 0; d--) {
		if (ydims[d] <= 0)
			return;
		xstr[d] = s;
		s *= xdims[d];
	}
	off[0] = 0;
	for (d = 1; d < rank; d++)
		off[d] = off[d - 1] + ydims[d - 1];
	for (;;) {
		ptrdiff_t base = 0;
		float sum = 0.0f;

		na = 0;
		for (d = 0; d < rank; d++) {
			int32_t e = off[d] + idx[d];

			base += lo[e] * xstr[d];
			if (w[e] != 0.0f)
				act[na++] = d;
		}
		for (c = 0; c < 1 << na; c++) {
			ptrdiff_t xo = base;
			float wt = 1.0f;
			int32_t j;

			for (j = 0; j < na; j++) {
				int32_t e = off[act[j]] + idx[act[j]];

				if (c >> j & 1) {
					xo += (ptrdiff_t)(hi[e] - lo[e]) * xstr[act[j]];
					wt *= w[e];
				} else {
					wt *= 1.0f - w[e];
				}
			}
			sum += wt * x[xo];
		}
		y[k++] = sum;
		for (d = rank - 1; d >= 0; d--) {
			if (++idx[d] < ydims[d])
				break;
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}
