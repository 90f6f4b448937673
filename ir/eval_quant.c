/* eval_quant.c -- the reference interpreter for ops on quantized codes
 * (op_is_quant): the oracle the integer kernels are checked against, bit
 * for bit.
 *
 * Every accumulating op first forms an exact integer accumulator, then
 * rescales it to the result's code:
 *   Conv    acc = bias[m] + sum x * w          (taps outside x read z_x)
 *   Gemm    acc = bias[j] + sum a * b
 *   Mul     acc = (a - z_a) * (b - z_b)
 *   GlobalAveragePool  acc = sum (x - z_x)
 *   Requant acc = x - z_x
 *   Add     two terms, (a - z_a) and (b - z_b), each with its multiplier
 * With Op.rq set (after fold-shift, whose bias already holds -z_x * sum w)
 * the rescale is the integer rule of quant.c; it is the only thing that
 * runs in generated code.  Before fold-shift (Op.rq NULL) Conv and Gemm
 * subtract z_x from every tap instead, and the rescale is the float one the
 * types say: real = acc * s_acc, a fused Relu or Clip applied to real, the
 * code round(real / s_y) + z_y (half away from zero), clamped to the type.
 * A result of type i32 (ConvInteger, MatMulInteger) is the accumulator
 * itself.  MatMul (imported) subtracts z_a from every a, folded or not.
 * MaxPool takes the largest code, AveragePool the mean of the codes rounded
 * half up (both keep the input's scale and zero point); Quantize, Dequantize
 * and Lut are quant.c's rule, s * (q - z) and a table look-up.
 */
#include <math.h>

#include "ir.h"

static int32_t
ld(const void *p, DType dt, int64_t i)
{
	switch (dt) {
	case DT_U8:
		return ((const uint8_t *)p)[i];
	case DT_I8:
		return ((const int8_t *)p)[i];
	case DT_I16:
		return ((const int16_t *)p)[i];
	case DT_I32:
		return ((const int32_t *)p)[i];
	case DT_I4:
	case DT_U4:
		return nibble_load(p, dt, i);
	default:
		bug("eval_quant: load of %s", dtype_info[dt].name);
	}
}

static void
st(void *p, DType dt, int64_t i, int32_t v)
{
	if (dt == DT_U8)
		((uint8_t *)p)[i] = (uint8_t)v;
	else if (dt == DT_I32)
		((int32_t *)p)[i] = v;
	else
		((int8_t *)p)[i] = (int8_t)v;
}

static const TensorType *
ity(const Op *op, int i)
{
	return op->in[i]->type;
}

static int32_t
clampi(int64_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* The result code of accumulator acc in channel c; s_acc is the real value
 * of one accumulator unit (used only before fold-shift). */
static int32_t
finish(const Op *op, int64_t acc, int64_t c, double s_acc)
{
	const TensorType *y = op->out[0]->type;
	int32_t zy = quant_zp(y->q, 0);
	double real, v;

	if (y->dt == DT_I32) {
		/* ConvInteger, MatMulInteger: the accumulator itself */
		if (acc < INT32_MIN || acc > INT32_MAX)
			bug("eval_quant: op %u: int32 accumulator overflows",
			    op->id);
		return (int32_t)acc;
	}
	if (op->rq) {
		int64_t k = op->rq->n > 1 ? c : 0;
		return clampi(requant_round(acc, op->rq->mult[k],
		                            op->rq->shift[k]) + zy,
		              op->rq->lo, op->rq->hi);
	}
	real = (double)acc * s_acc;
	switch (op->act.kind) {
	case ACT_NONE:
		break;
	case ACT_RELU:
		real = real > 0.0 ? real : 0.0;
		break;
	case ACT_CLIP:
		real = fmin(fmax(real, op->act.alpha), op->act.beta);
		break;
	default:
		bug("eval_quant: activation %s on a quantized op",
		    act_name[op->act.kind]);
	}
	v = real / quant_scale(y->q, 0);
	v = v >= 0.0 ? floor(v + 0.5) : ceil(v - 0.5);
	if (v > 1e9)
		v = 1e9;
	if (v < -1e9)
		v = -1e9;
	return clampi((int64_t)v + zy, code_min(y), code_max(y));
}

static void
eval_conv_q(const Op *op, const void *const in[], void *out)
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *xt = ity(op, 0), *wt = ity(op, 1);
	const TensorType *o = op->out[0]->type;
	const int32_t *bias = op->nin > 2 ? in[2] : NULL;
	int64_t h = xt->dim[2], wd = xt->dim[3], cg = wt->dim[1];
	int64_t kh = wt->dim[2], kw = wt->dim[3], mg = wt->dim[0] / a->group;
	int32_t zx = quant_zp(xt->q, 0);
	float sx = quant_scale(xt->q, 0);
	int64_t k = 0;

	for (int64_t n = 0; n < o->dim[0]; n++)
	for (int64_t m = 0; m < o->dim[1]; m++)
	for (int64_t oy = 0; oy < o->dim[2]; oy++)
	for (int64_t ox = 0; ox < o->dim[3]; ox++) {
		int64_t acc = bias ? bias[m] : 0, c0 = m / mg * cg;
		for (int64_t c = 0; c < cg; c++)
		for (int64_t ky = 0; ky < kh; ky++)
		for (int64_t kx = 0; kx < kw; kx++) {
			int64_t iy = oy * a->stride[0] - a->pad[0] +
			             ky * a->dilation[0];
			int64_t ix = ox * a->stride[1] - a->pad[1] +
			             kx * a->dilation[1];
			int32_t xv = zx;
			if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
				xv = ld(in[0], xt->dt,
				        ((n * xt->dim[1] + c0 + c) * h + iy) *
				        wd + ix);
			if (!op->rq)
				xv -= zx;
			acc += (int64_t)xv * ld(in[1], wt->dt,
			                        ((m * cg + c) * kh + ky) * kw + kx);
		}
		st(out, o->dt, k++, finish(op, acc, m, (double)sx *
		                           quant_scale(wt->q, m)));
	}
}

static void
eval_gemm_q(const Op *op, const void *const in[], void *out)
{
	const TensorType *at = ity(op, 0), *bt = ity(op, 1);
	const TensorType *o = op->out[0]->type;
	const int32_t *bias = op->nin > 2 ? in[2] : NULL;
	int64_t m = o->dim[0], n = o->dim[1], k = at->dim[1];
	int32_t za = op->rq ? 0 : quant_zp(at->q, 0);
	bool tb = op->a.gemm.trans_b;

	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) {
			int64_t acc = bias ? bias[j] : 0;
			for (int64_t l = 0; l < k; l++)
				acc += (int64_t)(ld(in[0], at->dt, i * k + l) - za) *
				       ld(in[1], bt->dt, tb ? j * k + l : l * n + j);
			st(out, o->dt, i * n + j,
			   finish(op, acc, j, (double)quant_scale(at->q, 0) *
			          quant_scale(bt->q, j)));
		}
}

/* MatMul on codes (quantized import): acc = sum (a - z_a) * b over K for
 * each batch, B's batch index 0 when it has none (and A's likewise); z_a
 * is not folded into a bias, the kernel subtracts it too. */
static void
eval_matmul_q(const Op *op, const void *const in[], void *out)
{
	const TensorType *at = ity(op, 0), *bt = ity(op, 1);
	const TensorType *o = op->out[0]->type;
	int64_t m = o->dim[o->rank - 2], n = o->dim[o->rank - 1];
	int64_t k = at->dim[at->rank - 1];
	int64_t nb = m > 0 && n > 0 ? type_numel(o) / (m * n) : 0;
	int64_t sa = type_numel(at) == m * k ? 0 : m * k;
	int64_t sb = type_numel(bt) == k * n ? 0 : k * n;
	int32_t za = quant_zp(at->q, 0);

	for (int64_t b = 0; b < nb; b++)
		for (int64_t i = 0; i < m; i++)
			for (int64_t j = 0; j < n; j++) {
				int64_t acc = 0;
				for (int64_t l = 0; l < k; l++)
					acc += (int64_t)(ld(in[0], at->dt, b * sa +
					                    i * k + l) - za) *
					       ld(in[1], bt->dt, b * sb + l * n + j);
				st(out, o->dt, (b * m + i) * n + j,
				   finish(op, acc, j,
				          (double)quant_scale(at->q, 0) *
				          quant_scale(bt->q, j)));
			}
}

/* Offset in t (rank <= r, right aligned, broadcast) of flat index k of o. */
static int64_t
bcast_at(const TensorType *t, const TensorType *o, int64_t k)
{
	int64_t off = 0, s = 1;

	for (int i = o->rank - 1; i >= 0; i--) {
		int j = i - (o->rank - t->rank);
		int64_t idx = k % o->dim[i];
		k /= o->dim[i];
		if (j < 0)
			continue;
		if (t->dim[j] != 1)
			off += idx * s;
		s *= t->dim[j];
	}
	return off;
}

static void
eval_binary_q(const Op *op, const void *const in[], void *out)
{
	const TensorType *at = ity(op, 0), *bt = ity(op, 1);
	const TensorType *o = op->out[0]->type;
	int32_t za = quant_zp(at->q, 0), zb = quant_zp(bt->q, 0);
	double sa = quant_scale(at->q, 0), sb = quant_scale(bt->q, 0);
	int64_t n = type_numel(o);

	for (int64_t k = 0; k < n; k++) {
		int64_t a = ld(in[0], at->dt, bcast_at(at, o, k)) - za;
		int64_t b = ld(in[1], bt->dt, bcast_at(bt, o, k)) - zb;
		int32_t v;

		if (op->kind == OP_MUL) {
			v = finish(op, a * b, 0, sa * sb);
		} else if (op->rq) {
			const Requant *r = op->rq;
			int64_t t = a * r->mult[0] + b * r->mult[1] +
			            ((int64_t)1 << (r->shift[0] - 1));
			v = clampi((t >> r->shift[0]) + quant_zp(o->q, 0),
			           r->lo, r->hi);
		} else {
			v = finish(op, 1, 0, sa * (double)a + sb * (double)b);
		}
		st(out, o->dt, k, v);
	}
}

static void
eval_pool_q(const Op *op, const void *const in[], void *out)
{
	const PoolAttr *a = &op->a.pool;
	const TensorType *xt = ity(op, 0), *o = op->out[0]->type;
	int64_t h = xt->dim[2], w = xt->dim[3], k = 0;

	for (int64_t p = 0; p < xt->dim[0] * xt->dim[1]; p++)
	for (int64_t oy = 0; oy < o->dim[2]; oy++)
	for (int64_t ox = 0; ox < o->dim[3]; ox++) {
		int64_t sum = 0, cnt = 0, npad = 0;
		int32_t mx = INT32_MIN;
		for (int64_t ky = 0; ky < a->kernel[0]; ky++)
		for (int64_t kx = 0; kx < a->kernel[1]; kx++) {
			int64_t iy = oy * a->stride[0] - a->pad[0] +
			             ky * a->dilation[0];
			int64_t ix = ox * a->stride[1] - a->pad[1] +
			             kx * a->dilation[1];
			int32_t v;
			if (iy < h + a->pad[2] && ix < w + a->pad[3])
				npad++;
			if (iy < 0 || iy >= h || ix < 0 || ix >= w)
				continue;
			v = ld(in[0], xt->dt, (p * h + iy) * w + ix);
			mx = v > mx ? v : mx;
			sum += v;
			cnt++;
		}
		if (op->kind == OP_MAXPOOL) {
			st(out, o->dt, k++, cnt ? mx : dtype_min(o->dt));
			continue;
		}
		if (a->count_include_pad) {
			sum += (npad - cnt) * quant_zp(xt->q, 0);
			cnt = npad;
		}
		/* floor((2 sum + cnt) / (2 cnt)): the mean rounded half up */
		{
			int64_t num = 2 * sum + cnt, den = 2 * cnt;
			int64_t q = num / den;
			if (num % den && (num < 0) != (den < 0))
				q--;
			st(out, o->dt, k++, (int32_t)q);
		}
	}
}

static void
eval_gap_q(const Op *op, const void *const in[], void *out)
{
	const TensorType *xt = ity(op, 0), *o = op->out[0]->type;
	int64_t nc = xt->dim[0] * xt->dim[1], hw = type_numel(xt) / (nc ? nc : 1);
	int32_t zx = quant_zp(xt->q, 0);

	for (int64_t c = 0; c < nc; c++) {
		int64_t acc = 0;
		for (int64_t i = 0; i < hw; i++)
			acc += ld(in[0], xt->dt, c * hw + i) - zx;
		st(out, o->dt, c, finish(op, acc, 0,
		                         quant_scale(xt->q, 0) / (double)hw));
	}
}

/* The channel of flat index i of t along its Quant's axis (0 per tensor). */
static int64_t
axis_index(const TensorType *t, int64_t i)
{
	int64_t inner = 1;

	if (t->q->kind != Q_AXIS)
		return 0;
	for (int d = t->q->axis + 1; d < t->rank; d++)
		inner *= t->dim[d];
	return i / inner % t->dim[t->q->axis];
}

static void
eval_unary_q(const Op *op, const void *const in[], void *out)
{
	const TensorType *xt = ity(op, 0), *o = op->out[0]->type;
	int64_t n = type_numel(xt);

	for (int64_t i = 0; i < n; i++) {
		switch (op->kind) {
		case OP_QUANTIZE: {
			int64_t c = axis_index(o, i);
			float inv = 1.0f / quant_scale(o->q, c);
			st(out, o->dt, i, quant_round_f32(((const float *)in[0])[i],
			                                  inv, quant_zp(o->q, c),
			                                  code_min(o),
			                                  code_max(o)));
			break;
		}
		case OP_DEQUANTIZE: {
			int64_t c = axis_index(xt, i);
			((float *)out)[i] = quant_scale(xt->q, c) *
			                    (float)(ld(in[0], xt->dt, i) -
			                            quant_zp(xt->q, c));
			break;
		}
		case OP_REQUANT:
			st(out, o->dt, i, finish(op, ld(in[0], xt->dt, i) -
			                         quant_zp(xt->q, 0), 0,
			                         quant_scale(xt->q, 0)));
			break;
		case OP_LUT:
			st(out, o->dt, i, ld(in[1], o->dt, ld(in[0], xt->dt, i) -
			                                   dtype_min(xt->dt)));
			break;
		case OP_SIGNFLIP:
			st(out, o->dt, i, ld(in[0], xt->dt, i) +
			                  (xt->dt == DT_I8 ? 128 : -128));
			break;
		default:
			bug("eval_unary_q: %s", op_info[op->kind].name);
		}
	}
}

bool
ir_eval_quant(Ctx *cx, const Op *op, const void *const in[],
              void *const out[])
{
	(void)cx;
	switch (op->kind) {
	case OP_CONV:
		eval_conv_q(op, in, out[0]);
		return true;
	case OP_GEMM:
		eval_gemm_q(op, in, out[0]);
		return true;
	case OP_MATMUL:
		eval_matmul_q(op, in, out[0]);
		return true;
	case OP_ADD:
	case OP_MUL:
		eval_binary_q(op, in, out[0]);
		return true;
	case OP_MAXPOOL:
	case OP_AVGPOOL:
		eval_pool_q(op, in, out[0]);
		return true;
	case OP_GLOBALAVGPOOL:
		eval_gap_q(op, in, out[0]);
		return true;
	default:
		eval_unary_q(op, in, out[0]);
		return true;
	}
}
