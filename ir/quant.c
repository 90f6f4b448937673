/* quant.c -- the arithmetic of quantized codes, shared by the passes and
 * the interpreter (the run-time kernels restate the same rules in C99,
 * runtime/kernels/qmath.c, and tests compare the two bit for bit).
 *
 * A code q of a type with scale s and zero point z stands for s * (q - z).
 * Two rounding rules exist, and only two:
 *   - f32 -> code (Quantize, at the float boundary): v = x * inv_s as one
 *     float product, rounded half away from zero, plus z, clamped;
 *   - int32 accumulator -> code (every rescale): a real multiplier
 *     M = mult * 2^-shift, mult a Q31 integer in [2^30, 2^31), and
 *         r(acc) = (acc * mult + 2^(shift-1)) >> shift
 *     in 64-bit arithmetic with a flooring shift: round half up.
 *     |acc| < 2^31 and mult < 2^31 keep the product below 2^62.
 */
#include <math.h>

#include "ir.h"

float
quant_scale(const Quant *q, int64_t c)
{
	if (!q)
		return 1.0f;
	return q->scale[q->kind == Q_AXIS ? c : 0];
}

int32_t
quant_zp(const Quant *q, int64_t c)
{
	if (!q || !q->zp)
		return 0;
	return q->zp[q->kind == Q_AXIS ? c : 0];
}

int32_t
dtype_min(DType dt)
{
	switch (dt) {
	case DT_U8:
		return 0;
	case DT_I8:
		return -128;
	case DT_U4:
		return 0;
	case DT_I4:
		return -8;
	case DT_I16:
		return INT16_MIN;
	case DT_I32:
		return INT32_MIN;
	default:
		bug("dtype_min of %s", dtype_info[dt].name);
	}
}

int32_t
dtype_max(DType dt)
{
	switch (dt) {
	case DT_U8:
		return 255;
	case DT_I8:
		return 127;
	case DT_U4:
		return 15;
	case DT_I4:
		return 7;
	case DT_I16:
		return INT16_MAX;
	case DT_I32:
		return INT32_MAX;
	default:
		bug("dtype_max of %s", dtype_info[dt].name);
	}
}

int32_t
code_min(const TensorType *t)
{
	return t->q && t->q->bits ? 0 : dtype_min(t->dt);
}

int32_t
code_max(const TensorType *t)
{
	return t->q && t->q->bits ? (1 << t->q->bits) - 1 : dtype_max(t->dt);
}

int32_t
nibble_load(const void *p, DType dt, int64_t i)
{
	int32_t v = (((const uint8_t *)p)[i >> 1] >> (4 * (i & 1))) & 15;

	return dt == DT_I4 && v > 7 ? v - 16 : v;
}

bool
requant_from_real(double real, int32_t *mult, int32_t *shift)
{
	int e;
	double f;
	int64_t m;

	if (!(real >= 0.0) || real >= 1073741824.0)
		return false;
	if (real == 0.0) {
		*mult = 0;
		*shift = 1;
		return true;
	}
	f = frexp(real, &e);            /* real = f * 2^e, f in [0.5, 1) */
	m = (int64_t)llround(f * 2147483648.0);
	if (m == 2147483648LL) {        /* f rounded up to 1 */
		m /= 2;
		e++;
	}
	if (31 - e > 62) {              /* too small: keep the top bits */
		m >>= (31 - e) - 62;
		e = 31 - 62;
	}
	if (31 - e < 1)
		return false;
	*mult = (int32_t)m;
	*shift = 31 - e;
	return true;
}

int64_t
requant_round(int64_t acc, int32_t mult, int32_t shift)
{
	return (acc * mult + ((int64_t)1 << (shift - 1))) >> shift;
}

int32_t
quant_round_f32(float x, float inv_scale, int32_t zp, int32_t lo, int32_t hi)
{
	float v = x * inv_scale;
	int32_t t;
	float frac;

	if (!(v > -65536.0f))
		return lo;
	if (v > 65536.0f)
		return hi;
	t = (int32_t)v;
	frac = v - (float)t;
	if (frac >= 0.5f)
		t++;
	else if (frac <= -0.5f)
		t--;
	t += zp;
	return t < lo ? lo : t > hi ? hi : t;
}

bool
op_is_quant(const Op *op)
{
	DType dt;

	switch (op->kind) {
	case OP_QUANTIZE:
	case OP_DEQUANTIZE:
	case OP_REQUANT:
	case OP_LUT:
	case OP_SIGNFLIP:
		return true;
	case OP_CONV:
	case OP_GEMM:
	case OP_MATMUL:
		/* an imported ConvInteger or MatMulInteger results in its
		 * int32 accumulators */
		if (!op->in[0] || !op->in[0]->type || !op->in[0]->type->q)
			return false;
		dt = op->out[0]->type ? op->out[0]->type->dt
		                      : op->in[0]->type->dt;
		return dt == DT_U8 || dt == DT_I8 || dt == DT_I32;
	case OP_ADD:
	case OP_MUL:
	case OP_MAXPOOL:
	case OP_AVGPOOL:
	case OP_GLOBALAVGPOOL:
		if (!op->in[0] || !op->in[0]->type || !op->in[0]->type->q)
			return false;
		dt = op->out[0]->type ? op->out[0]->type->dt
		                      : op->in[0]->type->dt;
		return dt == DT_U8 || dt == DT_I8;
	default:
		return false;
	}
}
