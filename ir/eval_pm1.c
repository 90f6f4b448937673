/* eval_pm1.c -- the interpreter for the {-1,+1} bit-plane ops (ops.def,
 * passes/decompose_pm1.h for the math).  Written bit by bit, without the
 * kernels' word tricks, so that the tests compare three things: the
 * integer convolution before decompose-pm1, these loops after it, and the
 * compiled kernels.
 */
#include "ir.h"

static int32_t
bit_of(const int32_t *words, int64_t k)
{
	return (int32_t)(((uint32_t)words[k / 32] >> (k % 32)) & 1u);
}

static void
eval_bitplane(const Op *op, const uint8_t *x, int32_t *y)
{
	const TensorType *xt = op->in[0]->type, *o = op->out[0]->type;
	int64_t nb = o->dim[0], m = o->dim[1], hw = o->dim[2] * o->dim[3];
	int64_t words = o->dim[4], c = xt->dim[1];

	for (int64_t i = 0; i < type_numel(o); i++)
		y[i] = 0;
	for (int64_t n = 0; n < nb; n++)
	for (int64_t ch = 0; ch < c; ch++)
	for (int64_t p = 0; p < hw; p++) {
		uint32_t u = x[(n * c + ch) * hw + p];
		for (int64_t i = 0; i < m; i++) {
			int32_t *row = y + ((n * m + i) * hw + p) * words;
			if ((u >> i) & 1u)
				row[ch / 32] = (int32_t)((uint32_t)row[ch / 32] |
				                         (1u << (ch % 32)));
		}
	}
}

static int32_t
clampi(int64_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

static void
eval_pm1conv(const Op *op, const void *const in[], void *out)
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *xt = op->in[0]->type, *wt = op->in[1]->type;
	const TensorType *o = op->out[0]->type;
	const int32_t *x = in[0], *w = in[1], *bias = in[2], *zpl = in[3];
	int64_t nb = xt->dim[0], m = xt->dim[1], h = xt->dim[2];
	int64_t wd = xt->dim[3], words = xt->dim[4], nbits = words * 32;
	int64_t oc = wt->dim[0], kb = wt->dim[1], kh = wt->dim[2];
	int64_t kw = wt->dim[3];
	int64_t oh = o->rank == 4 ? o->dim[2] : 1;
	int64_t ow = o->rank == 4 ? o->dim[3] : 1;
	int32_t zy = o->q ? quant_zp(o->q, 0) : 0;
	int64_t k = 0;

	for (int64_t n = 0; n < nb; n++)
	for (int64_t f = 0; f < oc; f++)
	for (int64_t oy = 0; oy < oh; oy++)
	for (int64_t ox = 0; ox < ow; ox++) {
		int64_t acc = bias[f];
		for (int64_t j = 0; j < kb; j++)
		for (int64_t i = 0; i < m; i++) {
			int64_t diff = 0;
			for (int64_t ky = 0; ky < kh; ky++)
			for (int64_t kx = 0; kx < kw; kx++) {
				int64_t iy = oy * a->stride[0] - a->pad[0] +
				             ky * a->dilation[0];
				int64_t ix = ox * a->stride[1] - a->pad[1] +
				             kx * a->dilation[1];
				const int32_t *xr = zpl + i * words;
				const int32_t *wr = w + (((f * kb + j) * kh + ky) *
				                         kw + kx) * words;
				if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
					xr = x + (((n * m + i) * h + iy) * wd + ix) *
					         words;
				for (int64_t b = 0; b < nbits; b++)
					diff += bit_of(xr, b) != bit_of(wr, b);
			}
			acc -= diff << (i + j);
		}
		if (!op->rq) {
			((float *)out)[k++] = (float)acc;
			continue;
		}
		((uint8_t *)out)[k++] = (uint8_t)clampi(
			requant_round(acc, op->rq->mult[op->rq->n > 1 ? f : 0],
			              op->rq->shift[op->rq->n > 1 ? f : 0]) + zy,
			op->rq->lo, op->rq->hi);
	}
}

bool
ir_eval_pm1(Ctx *cx, const Op *op, const void *const in[], void *const out[])
{
	(void)cx;
	if (op->kind == OP_BITPLANE) {
		eval_bitplane(op, in[0], out[0]);
		return true;
	}
	if (op->rq ? op->out[0]->type->dt != DT_U8
	           : op->out[0]->type->dt != DT_F32)
		bug("Pm1Conv %u needs a rescale and a u8 result, or neither and "
		    "an f32 one", op->id);
	eval_pm1conv(op, in, out[0]);
	return true;
}
