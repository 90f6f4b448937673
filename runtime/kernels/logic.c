/* logic.c -- comparisons (f32 -> bool bytes), Where (f32, picked by a
 * bool condition) and Not, with ONNX (numpy) broadcasting.
 *
 * Broadcasting arrives as strides, as in eltwise.c: y is dense over
 * dims[0..rank) and an operand's stride is 0 along each axis it
 * broadcasts.  The outer axes are walked with an odometer; the innermost
 * axis is a plain strided loop.  Bool bytes are 0 or 1 on output; any
 * non-zero condition byte counts as true.
 */
#include "../qcc_rt.h"

static inline uint8_t
cmp_apply(int32_t op, float u, float v)
{
	switch (op) {
	case QCC_CMP_EQ:
		return u == v;
	case QCC_CMP_GT:
		return u > v;
	case QCC_CMP_LT:
		return u < v;
	case QCC_CMP_GE:
		return u >= v;
	default:
		return u <= v;
	}
}

/* Advances the odometer idx over the outer axes dims[0..rank-1), moving
 * the offsets o[0..nop) by their strides str[j][d]; 0 when done. */
static inline int
logic_next(int32_t rank, const int32_t *dims, int32_t *idx, int32_t nop,
           const int32_t *const *str, ptrdiff_t *o)
{
	int32_t d, j;

	for (d = rank - 2; d >= 0; d--) {
		for (j = 0; j < nop; j++)
			o[j] += str[j][d];
		if (++idx[d] < dims[d])
			return 1;
		for (j = 0; j < nop; j++)
			o[j] -= (ptrdiff_t)str[j][d] * dims[d];
		idx[d] = 0;
	}
	return 0;
}

static inline int
logic_empty(int32_t rank, const int32_t *dims)
{
	int32_t d;

	for (d = 0; d < rank; d++)
		if (dims[d] <= 0)
			return 1;
	return 0;
}

QCC_RT_API void
qcc_rt_compare_f32(const float *a, const float *b, uint8_t *restrict y,
                   int32_t op, int32_t rank, const int32_t *dims,
                   const int32_t *astr, const int32_t *bstr)
{
	int32_t idx[6] = {0, 0, 0, 0, 0, 0};
	const int32_t *str[2];
	ptrdiff_t o[2] = {0, 0}, yo = 0;
	int32_t i, n = dims[rank - 1];
	ptrdiff_t as = astr[rank - 1], bs = bstr[rank - 1];

	str[0] = astr;
	str[1] = bstr;
	if (logic_empty(rank, dims))
		return;
	do {
		for (i = 0; i < n; i++)
			y[yo + i] = cmp_apply(op, a[o[0] + i * as], b[o[1] + i * bs]);
		yo += n;
	} while (logic_next(rank, dims, idx, 2, str, o));
}

QCC_RT_API void
qcc_rt_where_f32(const uint8_t *cond, const float *a, const float *b,
                 float *restrict y, int32_t rank, const int32_t *dims,
                 const int32_t *cstr, const int32_t *astr, const int32_t *bstr)
{
	int32_t idx[6] = {0, 0, 0, 0, 0, 0};
	const int32_t *str[3];
	ptrdiff_t o[3] = {0, 0, 0}, yo = 0;
	int32_t i, n = dims[rank - 1];
	ptrdiff_t cs = cstr[rank - 1], as = astr[rank - 1], bs = bstr[rank - 1];

	str[0] = cstr;
	str[1] = astr;
	str[2] = bstr;
	if (logic_empty(rank, dims))
		return;
	do {
		for (i = 0; i < n; i++)
			y[yo + i] = cond[o[0] + i * cs] ? a[o[1] + i * as]
			                                : b[o[2] + i * bs];
		yo += n;
	} while (logic_next(rank, dims, idx, 3, str, o));
}

QCC_RT_API void
qcc_rt_not_b8(const uint8_t *x, uint8_t *y, int32_t n)
{
	int32_t i;

	for (i = 0; i < n; i++)
		y[i] = x[i] == 0;
}
