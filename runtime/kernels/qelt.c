/* qelt.c -- element-wise integer kernels on u8 codes: the rescale rule,
 * the float boundary (quantize, dequantize), requantization, table
 * activations, byte copies, and Add and Mul with broadcasting.
 *
 * The rule and the rounding of quantize are restated from ir/quant.c
 * (tests/quant compares every kernel with the interpreter bit for bit):
 *   rescale   (acc * mult + 2^(shift-1)) >> shift in 64 bits; >> on a
 *             negative value floors, as on every target qcc supports
 *   quantize  v = x * inv_scale (one float product), rounded half away
 *             from zero by comparing v - trunc(v) with +-0.5, exact in
 *             float for |v| < 2^16
 */
#include "../qcc_rt.h"

QCC_RT_API int32_t
qcc_rt_requant1_q8(int32_t acc, int32_t mult, int32_t shift, int32_t zy,
                   int32_t lo, int32_t hi)
{
	int64_t r = ((int64_t)acc * mult + ((int64_t)1 << (shift - 1))) >> shift;

	r += zy;
	return r < lo ? lo : r > hi ? hi : (int32_t)r;
}

QCC_RT_API void
qcc_rt_quantize_q8(const float *restrict x, uint8_t *restrict y, int32_t n,
                   float inv_scale, int32_t zp, int32_t lo, int32_t hi)
{
	int32_t i;

	for (i = 0; i < n; i++) {
		float v = x[i] * inv_scale, frac;
		int32_t t;

		if (!(v > -65536.0f)) {
			y[i] = (uint8_t)lo;
			continue;
		}
		if (v > 65536.0f) {
			y[i] = (uint8_t)hi;
			continue;
		}
		t = (int32_t)v;
		frac = v - (float)t;
		if (frac >= 0.5f)
			t++;
		else if (frac <= -0.5f)
			t--;
		t += zp;
		y[i] = (uint8_t)(t < lo ? lo : t > hi ? hi : t);
	}
}

QCC_RT_API void
qcc_rt_dequantize_q8(const uint8_t *restrict x, float *restrict y, int32_t n,
                     float scale, int32_t zp)
{
	int32_t i;

	for (i = 0; i < n; i++)
		y[i] = scale * (float)((int32_t)x[i] - zp);
}

QCC_RT_API void
qcc_rt_requant_q8(const uint8_t *restrict x, uint8_t *restrict y, int32_t n,
                  int32_t zx, int32_t mult, int32_t shift, int32_t zy,
                  int32_t lo, int32_t hi)
{
	int32_t i;

	for (i = 0; i < n; i++)
		y[i] = (uint8_t)qcc_rt_requant1_q8((int32_t)x[i] - zx, mult,
		                                   shift, zy, lo, hi);
}

QCC_RT_API void
qcc_rt_lut_q8(const uint8_t *restrict x, const uint8_t *restrict table,
              uint8_t *restrict y, int32_t n)
{
	int32_t i;

	for (i = 0; i < n; i++)
		y[i] = table[x[i]];
}

QCC_RT_API void
qcc_rt_copy_q8(const uint8_t *restrict x, uint8_t *restrict y, int32_t n)
{
	int32_t i;

	for (i = 0; i < n; i++)
		y[i] = x[i];
}

QCC_RT_API void
qcc_rt_concat_q8(const uint8_t *restrict x, uint8_t *restrict y, int32_t rows,
                 int32_t len, int32_t ystride)
{
	int32_t r, i;

	for (r = 0; r < rows; r++)
		for (i = 0; i < len; i++)
			y[(ptrdiff_t)r * ystride + i] = x[(ptrdiff_t)r * len + i];
}

enum { QELT_ADD, QELT_MUL };

/* One output element of Add or Mul from codes u, v. */
static inline uint8_t
qelt_one(int32_t op, int32_t u, int32_t v, int32_t za, int32_t zb,
         int32_t m0, int32_t m1, int32_t shift, int32_t zy, int32_t lo,
         int32_t hi)
{
	int64_t r;

	if (op == QELT_MUL)
		return (uint8_t)qcc_rt_requant1_q8((u - za) * (v - zb), m0,
		                                   shift, zy, lo, hi);
	r = ((int64_t)(u - za) * m0 + (int64_t)(v - zb) * m1 +
	     ((int64_t)1 << (shift - 1))) >> shift;
	r += zy;
	return (uint8_t)(r < lo ? lo : r > hi ? hi : r);
}

static inline void
qelt_binary(int32_t op, const uint8_t *a, const uint8_t *b, uint8_t *y,
            int32_t rank, const int32_t *dims, const int32_t *astr,
            const int32_t *bstr, int32_t za, int32_t zb, int32_t m0,
            int32_t m1, int32_t shift, int32_t zy, int32_t lo, int32_t hi)
{
	int32_t idx[6] = {0, 0, 0, 0, 0, 0};
	int32_t inner = dims[rank - 1], as = astr[rank - 1], bs = bstr[rank - 1];
	ptrdiff_t ao = 0, bo = 0;
	int32_t d, i;

	for (;;) {
		for (i = 0; i < inner; i++)
			*y++ = qelt_one(op, a[ao + (ptrdiff_t)i * as],
			                b[bo + (ptrdiff_t)i * bs], za, zb, m0, m1,
			                shift, zy, lo, hi);
		for (d = rank - 2; d >= 0; d--) {
			idx[d]++;
			ao += astr[d];
			bo += bstr[d];
			if (idx[d] < dims[d])
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
qcc_rt_add_q8(const uint8_t *a, const uint8_t *b, uint8_t *y, int32_t rank,
              const int32_t *dims, const int32_t *astr, const int32_t *bstr,
              int32_t za, int32_t zb, int32_t m0, int32_t m1, int32_t shift,
              int32_t zy, int32_t lo, int32_t hi)
{
	qelt_binary(QELT_ADD, a, b, y, rank, dims, astr, bstr, za, zb, m0, m1,
	            shift, zy, lo, hi);
}

QCC_RT_API void
qcc_rt_mul_q8(const uint8_t *a, const uint8_t *b, uint8_t *y, int32_t rank,
              const int32_t *dims, const int32_t *astr, const int32_t *bstr,
              int32_t za, int32_t zb, int32_t mult, int32_t shift, int32_t zy,
              int32_t lo, int32_t hi)
{
	qelt_binary(QELT_MUL, a, b, y, rank, dims, astr, bstr, za, zb, mult, 0,
	            shift, zy, lo, hi);
}
