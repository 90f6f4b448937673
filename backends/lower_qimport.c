/* lower_qimport.c -- lowering of the integer ops that only imported
 * (already-quantized) models produce, to runtime/kernels/qimport.c:
 *   Conv on codes with i16 weights, or with an i32 result (ConvInteger)
 *   MatMul on codes (batched; QLinearMatMul, MatMulInteger)
 *   Quantize and Dequantize per axis at the float boundary
 *   SignFlip between int8 graph inputs or outputs and uint8 codes
 * Everything else on codes is lower_quant.c's.  As there, the rescale
 * comes from Op.rq (fold-shift); Op.rq with n = 0 means an i32 result.
 */
#include "lower.h"

bool
lower_is_qimport(const Op *op)
{
	const TensorType *y = op->out[0]->type;

	switch (op->kind) {
	case OP_CONV:
		/* ConvInteger's weights are i16 too (onnx_ops_qimport.c) */
		return op->in[1]->type->dt == DT_I16;
	case OP_MATMUL:
	case OP_SIGNFLIP:
		return true;
	case OP_QUANTIZE:
		return y->q && y->q->kind == Q_AXIS;
	case OP_DEQUANTIZE:
		return op->in[0]->type->q && op->in[0]->type->q->kind == Q_AXIS;
	default:
		return false;
	}
}

static void
lower_conv_q16(Lower *L, const Op *op)
{
	bool raw = op->out[0]->type->dt == DT_I32;

	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	arg_conv_geometry(L, op);
	arg_i32(L, op->a.conv.group);
	arg_i32(L, quant_zp(op->in[0]->type->q, 0));
	if (raw) {
		call_end(L, "qcc_rt_conv2d_q16_i32");
		return;
	}
	arg_requant(L, op, true);
	call_end(L, "qcc_rt_conv2d_q16");
}

static void
lower_matmul_q16(Lower *L, const Op *op)
{
	const TensorType *a = op->in[0]->type, *b = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	int64_t m = y->dim[y->rank - 2], n = y->dim[y->rank - 1];
	int64_t k = a->dim[a->rank - 1];

	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->out[0]);
	arg_i32(L, type_numel(y) / (m * n));
	arg_i32(L, m);
	arg_i32(L, n);
	arg_i32(L, k);
	arg_i32(L, type_numel(a) == m * k ? 0 : m * k);
	arg_i32(L, type_numel(b) == k * n ? 0 : k * n);
	arg_i32(L, quant_zp(a->q, 0));
	if (y->dt == DT_I32) {
		call_end(L, "qcc_rt_matmul_q16_i32");
		return;
	}
	arg_requant(L, op, true);
	call_end(L, "qcc_rt_matmul_q16");
}

/* Quantize (codes y) or Dequantize (codes x) per axis. */
static void
lower_axis_q(Lower *L, const Op *op)
{
	bool quant = op->kind == OP_QUANTIZE;
	const TensorType *ct = quant ? op->out[0]->type : op->in[0]->type;
	const Quant *q = ct->q;
	int ax = q->axis;
	float *s = NEWARRAY(L->cx->perm, float, q->n);
	int32_t *z = NEWARRAY(L->cx->perm, int32_t, q->n);

	for (uint32_t c = 0; c < q->n; c++) {
		s[c] = quant ? 1.0f / quant_scale(q, c) : quant_scale(q, c);
		z[c] = quant_zp(q, c);
	}
	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, dims_prod(ct, 0, ax));
	arg_i32(L, ct->dim[ax]);
	arg_i32(L, dims_prod(ct, ax + 1, ct->rank));
	arg_array(L, KA_F32S, s, q->n);
	arg_array(L, KA_I32S, z, q->n);
	if (!quant) {
		call_end(L, "qcc_rt_dequantize_axis_q8");
		return;
	}
	arg_i32(L, code_min(ct));
	arg_i32(L, code_max(ct));
	call_end(L, "qcc_rt_quantize_axis_q8");
}

void
lower_qimport(Lower *L, const Op *op)
{
	if ((op->kind == OP_CONV || op->kind == OP_MATMUL) && !op->rq)
		bug("lowering quantized op %u before fold-shift", op->id);
	switch (op->kind) {
	case OP_CONV:
		lower_conv_q16(L, op);
		return;
	case OP_MATMUL:
		lower_matmul_q16(L, op);
		return;
	case OP_SIGNFLIP:
		arg_val(L, op->in[0]);
		arg_val(L, op->out[0]);
		arg_i32(L, type_numel(op->out[0]->type));
		call_end(L, "qcc_rt_signflip_q8");
		return;
	default:
		lower_axis_q(L, op);
		return;
	}
}
