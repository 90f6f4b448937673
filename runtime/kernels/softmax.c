/* softmax.c -- softmax along one axis: x viewed as [outer, len, inner],
 *     y[o,a,i] = e^(x[o,a,i] - mx) / sum over a' of e^(x[o,a',i] - mx)
 * with mx the maximum over a (so no term overflows).
 *
 * inner == 1 (the axis is innermost, the usual classifier head): each row
 * is reduced in SOFTMAX_LANES interleaved partial maxima and sums, which
 * vectorize without reassociation flags, then combined pairwise.
 * inner > 1: up to SOFTMAX_TW neighbouring columns are done together, each
 * column's maximum and sum running over a in order; the loops over the
 * columns are contiguous and vectorize.
 */
#include "../qcc_rt.h"

enum { SOFTMAX_LANES = 8, SOFTMAX_TW = 16 };

static inline float
softmax_max2(float u, float v)
{
	return v > u ? v : u;
}

static inline void
softmax_row(const float *restrict x, float *restrict y, int32_t len)
{
	float mx[SOFTMAX_LANES], sm[SOFTMAX_LANES], m, s;
	int32_t i, l;

	for (l = 0; l < SOFTMAX_LANES; l++)
		mx[l] = x[0];
	for (i = 0; i + SOFTMAX_LANES <= len; i += SOFTMAX_LANES)
		for (l = 0; l < SOFTMAX_LANES; l++)
			mx[l] = softmax_max2(mx[l], x[i + l]);
	m = softmax_max2(softmax_max2(softmax_max2(mx[0], mx[1]),
	                              softmax_max2(mx[2], mx[3])),
	                 softmax_max2(softmax_max2(mx[4], mx[5]),
	                              softmax_max2(mx[6], mx[7])));
	for (; i < len; i++)
		m = softmax_max2(m, x[i]);
	for (l = 0; l < SOFTMAX_LANES; l++)
		sm[l] = 0.0f;
	for (i = 0; i + SOFTMAX_LANES <= len; i += SOFTMAX_LANES)
		for (l = 0; l < SOFTMAX_LANES; l++) {
			float e = qcc_rt_expf(x[i + l] - m);

			y[i + l] = e;
			sm[l] += e;
		}
	s = ((sm[0] + sm[1]) + (sm[2] + sm[3])) +
	    ((sm[4] + sm[5]) + (sm[6] + sm[7]));
	for (; i < len; i++) {
		float e = qcc_rt_expf(x[i] - m);

		y[i] = e;
		s += e;
	}
	for (i = 0; i < len; i++)
		y[i] = y[i] / s;
}

/* Columns j .. j+tw of one [len, inner] block. */
static inline void
softmax_cols(const float *restrict x, float *restrict y, int32_t len,
             int32_t inner, int32_t j, int32_t tw)
{
	float mx[SOFTMAX_TW], sm[SOFTMAX_TW];
	int32_t a, l;

	for (l = 0; l < tw; l++) {
		mx[l] = x[j + l];
		sm[l] = 0.0f;
	}
	for (a = 1; a < len; a++)
		for (l = 0; l < tw; l++)
			mx[l] = softmax_max2(mx[l], x[(ptrdiff_t)a * inner + j + l]);
	for (a = 0; a < len; a++)
		for (l = 0; l < tw; l++) {
			ptrdiff_t o = (ptrdiff_t)a * inner + j + l;
			float e = qcc_rt_expf(x[o] - mx[l]);

			y[o] = e;
			sm[l] += e;
		}
	for (a = 0; a < len; a++)
		for (l = 0; l < tw; l++) {
			ptrdiff_t o = (ptrdiff_t)a * inner + j + l;

			y[o] = y[o] / sm[l];
		}
}

QCC_RT_API void
qcc_rt_softmax_f32(const float *restrict x, float *restrict y, int32_t outer,
                   int32_t len, int32_t inner)
{
	int32_t o, j;

	if (len <= 0)
		return;
	for (o = 0; o < outer; o++) {
		ptrdiff_t off = (ptrdiff_t)o * len * inner;

		if (inner == 1) {
			softmax_row(x + off, y + off, len);
			continue;
		}
		for (j = 0; j + SOFTMAX_TW <= inner; j += SOFTMAX_TW)
			softmax_cols(x + off, y + off, len, inner, j, SOFTMAX_TW);
		if (j < inner)
			softmax_cols(x + off, y + off, len, inner, j, inner - j);
	}
}
