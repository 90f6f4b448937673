/* shape_pm1.c -- type inference for the {-1,+1} bit-plane ops (ops.def,
 * passes/decompose_pm1.h for the math).
 *   Bitplane  x u8 codes [N,C,H,W] or [N,C] with a narrow grid
 *             (Quant.bits = M); result i32 [N,M,H,W,ceil(C/32)]
 *             (H = W = 1 for 2-D x), carrying x's Quant so the
 *             consumer knows the zero point
 *   Pm1Conv   planes [N,M,H,W,words], weights i32 [O,K,kh,kw,words],
 *             bias i32 [O], padding planes i32 [M,words]; the result's
 *             dtype and Quant are decompose-pm1's choice (as for every
 *             quantized op), its shape [N,O,OH,OW], or [N,O] when the
 *             result is 2-D (a Gemm: H = W = kh = kw = 1).  Without
 *             Op.rq the result is f32: the accumulators themselves
 *             (passes/match_pm1.c)
 */
#include "ir.h"

static bool
pfail(Ctx *cx, const Op *op, const char *what)
{
	diag(cx, DIAG_ERROR, &op->loc, "%s: %s", op_info[op->kind].name, what);
	return false;
}

static bool
infer_bitplane(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	int64_t dim[5];

	if (x->dt != DT_U8 || !x->q || !x->q->bits || (x->rank != 4 &&
	                                               x->rank != 2))
		return pfail(cx, op, "input must be u8 [N,C,H,W] or [N,C] "
		             "codes of a narrow grid");
	if (!y || y->rank != 5 || y->dim[1] < 1 || y->dim[1] > x->q->bits)
		return pfail(cx, op, "result must be [N,M,H,W,words], M at most "
		             "the input's bits");
	dim[0] = x->dim[0];
	dim[1] = y->dim[1];
	dim[2] = x->rank == 4 ? x->dim[2] : 1;
	dim[3] = x->rank == 4 ? x->dim[3] : 1;
	dim[4] = (x->dim[1] + 31) / 32;
	out[0] = type_new(cx, DT_I32, 5, dim, x->q);
	return true;
}

static bool
infer_pm1conv(Ctx *cx, const Op *op, const TensorType *out[])
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *b = op->in[2]->type, *z = op->in[3]->type;
	const TensorType *y = op->out[0]->type;
	int64_t dim[4];

	if (!y || (((y->dt != DT_U8 && y->dt != DT_I8) || !y->q) &&
	           (y->dt != DT_F32 || op->rq)))
		bug("Pm1Conv %u has neither a code result type nor an f32 one "
		    "without a rescale", op->id);
	if (x->dt != DT_I32 || x->rank != 5 || w->dt != DT_I32 ||
	    w->rank != 5 || w->dim[4] != x->dim[4])
		return pfail(cx, op, "planes and weights must be i32 "
		             "[N,M,H,W,words] and [O,K,kh,kw,words]");
	if (b->dt != DT_I32 || b->rank != 1 || b->dim[0] != w->dim[0])
		return pfail(cx, op, "bias must be i32 [O]");
	if (z->dt != DT_I32 || type_numel(z) != x->dim[1] * x->dim[4])
		return pfail(cx, op, "padding planes must be i32 [M,words]");
	if (a->group != 1)
		return pfail(cx, op, "group must be 1");
	dim[0] = x->dim[0];
	dim[1] = w->dim[0];
	for (int i = 0; i < 2; i++) {
		dim[2 + i] = conv_out_size(x->dim[2 + i], (int32_t)w->dim[2 + i],
		                           a->stride[i], a->dilation[i],
		                           a->pad[i], a->pad[i + 2], false);
		if (dim[2 + i] < 1)
			return pfail(cx, op, "window does not fit");
	}
	if (y->rank == 2) {
		if (dim[2] != 1 || dim[3] != 1)
			return pfail(cx, op, "a 2-D result needs a 1x1 window");
		out[0] = type_new(cx, y->dt, 2, dim, y->q);
		return true;
	}
	out[0] = type_new(cx, y->dt, 4, dim, y->q);
	return true;
}

bool
ir_infer_pm1(Ctx *cx, const Op *op, const TensorType *out[])
{
	for (int i = 0; i < op->nin; i++)
		if (!op->in[i] || !op->in[i]->type)
			bug("%s %u: input %d has no type", op_info[op->kind].name,
			    op->id, i);
	if (op->kind == OP_BITPLANE)
		return infer_bitplane(cx, op, out);
	return infer_pm1conv(cx, op, out);
}
