/* lower_norm.c -- lowering of the reductions and normalizations (see
 * lower.c for where values live and how calls are built):
 *   ReduceMean/Max/Sum/L2   reduce with the input dims and the axis mask
 *   InstanceNormalization   norm_rows over the N*C planes, per channel
 *   LayerNormalization      norm_rows over the rows from axis on
 *   LRN                     lrn on [N, C, inner]
 */
#include "lower.h"
#include "../runtime/qcc_rt.h"

void
lower_reduce(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type;
	int32_t d[MAX_RANK], code;

	switch (op->kind) {
	case OP_REDUCEMEAN: code = QCC_RED_MEAN; break;
	case OP_REDUCEMAX: code = QCC_RED_MAX; break;
	case OP_REDUCESUM: code = QCC_RED_SUM; break;
	default: code = QCC_RED_L2; break;
	}
	for (int i = 0; i < x->rank; i++)
		d[i] = (int32_t)x->dim[i];
	if (x->rank == 0)
		d[0] = 1;
	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, code);
	arg_i32(L, x->rank ? x->rank : 1);
	arg_array(L, KA_I32S, d, x->rank ? (uint32_t)x->rank : 1);
	arg_i32(L, (int32_t)op->a.reduce.axes);
	call_end(L, "qcc_rt_reduce_f32");
}

void
lower_normalize(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type;
	bool inst = op->kind == OP_INSTNORM;
	int ax = inst ? 2 : op->a.norm.axis;

	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	arg_i32(L, dims_prod(x, 0, ax));
	arg_i32(L, dims_prod(x, ax, x->rank));
	arg_i32(L, inst ? x->dim[1] : 0);
	arg_f32(L, op->a.norm.eps);
	call_end(L, "qcc_rt_norm_rows_f32");
}

void
lower_lrn(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type;
	const LrnAttr *a = &op->a.lrn;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, x->dim[0]);
	arg_i32(L, x->dim[1]);
	arg_i32(L, dims_prod(x, 2, x->rank));
	arg_i32(L, a->size);
	arg_f32(L, a->alpha);
	arg_f32(L, a->beta);
	arg_f32(L, a->bias);
	call_end(L, "qcc_rt_lrn_f32");
}
