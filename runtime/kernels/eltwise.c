/* eltwise.c -- the binary ops of QCC_BIN_* (add, sub, mul, div, max, min,
 * pow, prelu) with ONNX (numpy) broadcasting, and the
 * per-channel scale-and-shift left of a BatchNormalization, each with a
 * fused activation.
 *
 * Broadcasting arrives as strides: y is dense with shape dims[], and an
 * operand's stride is 0 along every axis it broadcasts.  The caller merges
 * axes first, so the common cases reach here as rank 1 (same shape: both
 * strides 1; a scalar: one stride 0) or with an innermost row that is
 * contiguous or constant in each operand (a per-channel operand of an NCHW
 * tensor: dims {n, c, h*w}, strides {0, 1, 0}).  The outer axes are walked
 * with an odometer, and each innermost row runs in a loop specialized for
 * those stride pairs, which vectorizes.
 *
 * y may be the same array as an operand (in place), so no pointer here is
 * restrict; element i is read before it is written.  The activation runs
 * over each finished row (qcc_rt_act_row_f32), so the operation's loops
 * stay free of it and vectorize whatever act is.
 */
#include "../qcc_rt.h"

static inline float
elt_apply(int32_t op, float u, float v)
{
	switch (op) {
	case QCC_BIN_ADD:
		return u + v;
	case QCC_BIN_SUB:
		return u - v;
	case QCC_BIN_MUL:
		return u * v;
	case QCC_BIN_DIV:
		return u / v;
	case QCC_BIN_MAX:
		return u != u || v != v ? u + v : u > v ? u : v;
	case QCC_BIN_MIN:
		return u != u || v != v ? u + v : u < v ? u : v;
	case QCC_BIN_POW:
		return qcc_rt_powf(u, v);
	case QCC_BIN_PRELU:
		return u >= 0.0f ? u : u * v;
	default:
		return u;
	}
}

/* y[i] = a[i*as] op b[i*bs] for i < n, one loop per stride pair. */
QCC_RT_INLINE void
elt_loop(int32_t op, const float *a, ptrdiff_t as, const float *b,
         ptrdiff_t bs, float *y, int32_t n)
{
	int32_t i;

	if (as == 1 && bs == 1) {
		for (i = 0; i < n; i++)
			y[i] = elt_apply(op, a[i], b[i]);
	} else if (as == 1 && bs == 0) {
		float v = b[0];

		for (i = 0; i < n; i++)
			y[i] = elt_apply(op, a[i], v);
	} else if (as == 0 && bs == 1) {
		float u = a[0];

		for (i = 0; i < n; i++)
			y[i] = elt_apply(op, u, b[i]);
	} else {
		for (i = 0; i < n; i++)
			y[i] = elt_apply(op, a[i * as], b[i * bs]);
	}
}

/* The same, with y passed for the operand it equals when in place, so the
 * vectorizer sees the exact overlap instead of a run-time alias check that
 * would fail. */
QCC_RT_INLINE void
elt_span(int32_t op, const float *a, ptrdiff_t as, const float *b,
         ptrdiff_t bs, float *y, int32_t n)
{
	if (y == a)
		elt_loop(op, y, as, b, bs, y, n);
	else if (y == b)
		elt_loop(op, a, as, y, bs, y, n);
	else
		elt_loop(op, a, as, b, bs, y, n);
}

/* y[i] = act(a[i*as] op b[i*bs]) for i < n: the operation, then the
 * activation (qcc_rt_act_row_f32) over each ELT_CHUNK elements while they
 * are in cache, each loop branch-free. */
enum { ELT_CHUNK = 1024 };

QCC_RT_INLINE void
elt_row(int32_t op, const float *a, ptrdiff_t as, const float *b,
        ptrdiff_t bs, float *y, int32_t n, int32_t act, float alpha,
        float beta)
{
	int32_t i, m;

	if (act == QCC_ACT_NONE) {
		elt_span(op, a, as, b, bs, y, n);
		return;
	}
	for (i = 0; i < n; i += m) {
		m = n - i < ELT_CHUNK ? n - i : ELT_CHUNK;
		elt_span(op, a + i * as, as, b + i * bs, bs, y + i, m);
		qcc_rt_act_row_f32(y + i, m, act, alpha, beta);
	}
}

QCC_RT_INLINE void
elt_binary(int32_t op, const float *a, const float *b, float *y,
           int32_t rank, const int32_t *dims, const int32_t *astr,
           const int32_t *bstr, int32_t act, float alpha, float beta)
{
	int32_t idx[6] = {0, 0, 0, 0, 0, 0};
	ptrdiff_t ao = 0, bo = 0, yo = 0;
	int32_t d, last = rank - 1, n = dims[last];

	for (d = 0; d < rank; d++)
		if (dims[d] <= 0)
			return;
	for (;;) {
		elt_row(op, a + ao, astr[last], b + bo, bstr[last], y + yo, n, act,
		        alpha, beta);
		yo += n;
		for (d = last - 1; d >= 0; d--) {
			ao += astr[d];
			bo += bstr[d];
			if (++idx[d] < dims[d])
				break;
			ao -= (ptrdiff_t)astr[d] * dims[d];
			bo -= (ptrdiff_t)bstr[d] * dims[d];
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}

QCC_RT_API void
qcc_rt_add_f32(const float *a, const float *b, float *y, int32_t rank,
               const int32_t *dims, const int32_t *astr, const int32_t *bstr,
               int32_t act, float alpha, float beta)
{
	elt_binary(QCC_BIN_ADD, a, b, y, rank, dims, astr, bstr, act, alpha, beta);
}

QCC_RT_API void
qcc_rt_mul_f32(const float *a, const float *b, float *y, int32_t rank,
               const int32_t *dims, const int32_t *astr, const int32_t *bstr,
               int32_t act, float alpha, float beta)
{
	elt_binary(QCC_BIN_MUL, a, b, y, rank, dims, astr, bstr, act, alpha, beta);
}

QCC_RT_API void
qcc_rt_binary_f32(const float *a, const float *b, float *y, int32_t op,
                  int32_t rank, const int32_t *dims, const int32_t *astr,
                  const int32_t *bstr, int32_t act, float alpha, float beta)
{
	elt_binary(op, a, b, y, rank, dims, astr, bstr, act, alpha, beta);
}

QCC_RT_API void
qcc_rt_scaleshift_f32(const float *x, const float *scale, const float *shift,
                      float *y, int32_t nb, int32_t c, int32_t inner,
                      int32_t act, float alpha, float beta)
{
	int32_t n, j, i;

	for (n = 0; n < nb; n++)
		for (j = 0; j < c; j++) {
			ptrdiff_t o = ((ptrdiff_t)n * c + j) * inner;
			float s = scale[j], t = shift[j];

			if (x == y)
				for (i = 0; i < inner; i++)
					y[o + i] = y[o + i] * s + t;
			else
				for (i = 0; i < inner; i++)
					y[o + i] = x[o + i] * s + t;
			if (act != QCC_ACT_NONE)
				qcc_rt_act_row_f32(y + o, inner, act, alpha, beta);
		}
}
