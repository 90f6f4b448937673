/* norm.c -- reductions over any set of axes, LogSoftmax, instance and
 * layer normalization, and LRN across channels.
 *
 * The reduction walks x once in order with an odometer and keeps the
 * flat index of the result element its kept axes select (the reduced
 * axes contribute nothing), so any axis mask needs one loop; the result
 * is first set to the identity (0 or -inf) and finished afterwards
 * (divided by the count, or square-rooted).  The normalizations make two
 * passes over each row in float, mean first, then the variance as the
 * mean of squared differences (no cancellation).
 */
#include "../qcc_rt.h"

QCC_RT_API void
qcc_rt_reduce_f32(const float *restrict x, float *restrict y, int32_t op,
                  int32_t rank, const int32_t *dims, int32_t mask)
{
	int32_t idx[6] = {0, 0, 0, 0, 0, 0};
	ptrdiff_t ystr[6], ny = 1, nx = 1, k, yo = 0;
	int32_t d;
	union { uint32_t u; float f; } ninf;

	for (d = rank - 1; d >= 0; d--) {
		ystr[d] = mask >> d & 1 ? 0 : ny;
		if (!(mask >> d & 1))
			ny *= dims[d];
		nx *= dims[d];
	}
	ninf.u = 0xff800000u;    /* -inf */
	for (k = 0; k < ny; k++)
		y[k] = op == QCC_RED_MAX ? ninf.f : 0.0f;
	for (k = 0; k < nx; k++) {
		float v = x[k];

		if (op == QCC_RED_MAX)
			y[yo] = v > y[yo] || v != v ? v : y[yo];
		else if (op == QCC_RED_L2)
			y[yo] += v * v;
		else
			y[yo] += v;
		for (d = rank - 1; d >= 0; d--) {
			yo += ystr[d];
			if (++idx[d] < dims[d])
				break;
			yo -= ystr[d] * dims[d];
			idx[d] = 0;
		}
	}
	for (k = 0; k < ny; k++) {
		if (op == QCC_RED_MEAN)
			y[k] /= (float)(nx / ny);
		else if (op == QCC_RED_L2)
			y[k] = qcc_rt_sqrtf(y[k]);
	}
}

QCC_RT_API void
qcc_rt_logsoftmax_f32(const float *restrict x, float *restrict y,
                      int32_t outer, int32_t len, int32_t inner)
{
	int32_t o, i, j;

	for (o = 0; o < outer; o++)
		for (i = 0; i < inner; i++) {
			const float *xr = x + (ptrdiff_t)o * len * inner + i;
			float *yr = y + (ptrdiff_t)o * len * inner + i;
			float mx = xr[0], sum = 0.0f, lse;

			for (j = 1; j < len; j++)
				mx = xr[(ptrdiff_t)j * inner] > mx ? xr[(ptrdiff_t)j * inner]
				                                   : mx;
			for (j = 0; j < len; j++)
				sum += qcc_rt_expf(xr[(ptrdiff_t)j * inner] - mx);
			lse = mx + qcc_rt_logf(sum);
			for (j = 0; j < len; j++)
				yr[(ptrdiff_t)j * inner] = xr[(ptrdiff_t)j * inner] - lse;
		}
}

/* Normalizes rows of len elements: y = (x - mean) / sqrt(var + eps) *
 * scale + bias, with scale[r % ch] (per row) when ch > 0, else scale[j]
 * (per element of the row); bias may be NULL. */
QCC_RT_API void
qcc_rt_norm_rows_f32(const float *restrict x, const float *scale,
                     const float *bias, float *restrict y, int32_t rows,
                     int32_t len, int32_t ch, float eps)
{
	int32_t r, j;

	for (r = 0; r < rows; r++) {
		const float *xr = x + (ptrdiff_t)r * len;
		float *yr = y + (ptrdiff_t)r * len;
		float mean = 0.0f, var = 0.0f, inv;

		for (j = 0; j < len; j++)
			mean += xr[j];
		mean /= (float)len;
		for (j = 0; j < len; j++)
			var += (xr[j] - mean) * (xr[j] - mean);
		var /= (float)len;
		inv = 1.0f / qcc_rt_sqrtf(var + eps);
		if (ch > 0) {
			float s = scale[r % ch] * inv;
			float b = bias ? bias[r % ch] : 0.0f;

			for (j = 0; j < len; j++)
				yr[j] = (xr[j] - mean) * s + b;
		} else {
			for (j = 0; j < len; j++)
				yr[j] = (xr[j] - mean) * inv * scale[j] +
				        (bias ? bias[j] : 0.0f);
		}
	}
}

QCC_RT_API void
qcc_rt_lrn_f32(const float *restrict x, float *restrict y, int32_t nb,
               int32_t c, int32_t inner, int32_t size, float alpha,
               float beta, float bias)
{
	int32_t n, ch, i, d, lo = (size - 1) / 2, hi = size - 1 - lo;

	for (n = 0; n < nb; n++)
		for (ch = 0; ch < c; ch++)
			for (i = 0; i < inner; i++) {
				float sq = 0.0f;
				ptrdiff_t k = ((ptrdiff_t)n * c + ch) * inner + i;

				for (d = ch - lo; d <= ch + hi; d++) {
					float v;

					if (d < 0 || d >= c)
						continue;
					v = x[((ptrdiff_t)n * c + d) * inner + i];
					sq += v * v;
				}
				y[k] = x[k] * qcc_rt_powf(bias + alpha / (float)size * sq,
				                          -beta);
			}
}
