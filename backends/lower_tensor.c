/* lower_tensor.c -- lowering of views (Flatten, Reshape, Identity) and Concat
 * (see lower.c for where values live and how calls are built). */

#include "lower.h"

void
lower_view(Lower *L, const Op *op)
{
	Buf from = value_buf(L->g, op->in[0]), to = value_buf(L->g, op->out[0]);

	if (!buf_eq(from, to))
		call_copy_bytes(L, from, to, op->out[0]->type);
}

void
lower_concat(Lower *L, const Op *op)
{
	const TensorType *y = op->out[0]->type;
	int ax = op->a.axis.axis;
	int64_t outer = dims_prod(y, 0, ax), inner = dims_prod(y, ax + 1, y->rank);
	int64_t at = 0;

	for (int i = 0; i < op->nin; i++) {
		int64_t len = op->in[i]->type->dim[ax] * inner;
		Buf to = value_buf(L->g, op->out[0]);

		to.offset += at * inner * (int64_t)sizeof(float);
		at += op->in[i]->type->dim[ax];
		if (len == 0 || outer == 0)
			continue;
		arg_val(L, op->in[i]);
		arg_buf(L, to);
		arg_i32(L, outer);
		arg_i32(L, len);
		arg_i32(L, y->dim[ax] * inner);
		call_end(L, "qcc_rt_concat_f32");
	}
}
