/* lower_pm1.c -- lowering of the {-1,+1} bit-plane ops (Bitplane,
 * Pm1Conv; ops.def) to runtime/kernels/pm1.c.  The rescale comes from
 * Op.rq as for every integer op (a Pm1Conv without one has an f32 result,
 * the accumulators: qcc_rt_conv2d_pm1_f32); a Gemm turned Pm1Conv is a 1x1 conv on a
 * 1x1 image, so one kernel serves both.
 */
#include "lower.h"

static void
lower_bitplane(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, x->dim[0]);
	arg_i32(L, x->dim[1]);
	arg_i32(L, y->dim[2] * y->dim[3]);
	arg_i32(L, y->dim[1]);
	arg_i32(L, y->dim[4]);
	call_end(L, "qcc_rt_bitplane_pm1");
}

static void
lower_pm1conv(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	const ConvAttr *a = &op->a.conv;
	const Requant *r = op->rq;

	for (int i = 0; i < 4; i++)
		arg_val(L, op->in[i]);
	arg_val(L, op->out[0]);
	for (int i = 0; i < 4; i++)
		arg_i32(L, x->dim[i]);
	arg_i32(L, w->dim[0]);
	arg_i32(L, y->rank == 4 ? y->dim[2] : 1);
	arg_i32(L, y->rank == 4 ? y->dim[3] : 1);
	for (int i = 1; i < 5; i++)
		arg_i32(L, w->dim[i]);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->stride[i]);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->dilation[i]);
	arg_i32(L, a->pad[0]);
	arg_i32(L, a->pad[1]);
	if (!r) {
		call_end(L, "qcc_rt_conv2d_pm1_f32");
		return;
	}
	arg_requant(L, op, true);
	call_end(L, "qcc_rt_conv2d_pm1");
}

bool
lower_is_pm1(const Op *op)
{
	return op->kind == OP_BITPLANE || op->kind == OP_PM1CONV;
}

bool
lower_pm1(Lower *L, const Op *op)
{
	if (type_numel(op->out[0]->type) == 0)
		return true;
	if (op->kind == OP_BITPLANE)
		lower_bitplane(L, op);
	else
		lower_pm1conv(L, op);
	return true;
}
