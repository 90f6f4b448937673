/* shape_quant.c -- type inference for ops on quantized codes (op_is_quant).
 *
 * A quantized result's element type, scale and zero point are a choice the
 * quantize pass makes (from calibration or an imported model), not
 * something the inputs determine, so inference keeps the result's dtype
 * and Quant and recomputes only its shape; it checks what must hold:
 *   Quantize      f32 in, u8/i8 Q_TENSOR out
 *   Dequantize    quantized in, f32 out
 *   Requant, Lut  u8/i8 in and out (Lut: input 1 is a 256-entry table of
 *                 the result's dtype)
 *   Conv          u8/i8 x, i8 weights (per tensor or per output channel,
 *                 zero point 0), i32 bias [M], the float Conv's shape
 *   Gemm          A [M,K] codes, B i8 [K,N] ([N,K] with transB), i32
 *                 bias [N]; no transA; alpha = beta = 1
 *   Add, Mul      two code tensors, numpy broadcasting
 *   MaxPool, AveragePool  result Quant equal to the input's
 *   GlobalAveragePool     [N,C,1,...]
 * Quantized import (ConvInteger, MatMulInteger, QLinear* whose weights
 * leave int8; frontend/onnx_ops_qimport.c, passes/fold_qdq.c):
 *   Conv          may have i16 weights, and an i32 result (the
 *                 accumulators themselves, no Quant)
 *   MatMul        A [..., M, K] codes, B constant i8/i16 [..., K, N]
 *                 (per tensor or per column, zero point 0), batch dims
 *                 equal or B's (or A's) all 1; code or i32 result
 *   Quantize      may quantize per axis (a u8/i8 Q_AXIS result)
 *   SignFlip      u8 codes to i8 or back, per tensor
 */
#include "ir.h"

static const char *
qname(const Op *op)
{
	const OpInfo *oi = &op_info[op->kind];

	return oi->onnx ? oi->onnx : oi->name;
}

static bool
is_code(const TensorType *t)
{
	return t && (t->dt == DT_U8 || t->dt == DT_I8) && t->q &&
	       t->q->kind == Q_TENSOR;
}

static bool
qfail(Ctx *cx, const Op *op, const char *what)
{
	diag(cx, DIAG_ERROR, &op->loc, "quantized %s: %s", qname(op), what);
	return false;
}

static bool
broadcast(const TensorType *a, const TensorType *b, int *rank, int64_t *dim)
{
	int r = a->rank > b->rank ? a->rank : b->rank;

	for (int i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		int64_t da = ia >= 0 ? a->dim[ia] : 1;
		int64_t db = ib >= 0 ? b->dim[ib] : 1;

		if (da != db && da != 1 && db != 1)
			return false;
		dim[i] = da == 1 ? db : da;
	}
	*rank = r;
	return true;
}

static bool
infer_conv_q(Ctx *cx, const Op *op, int64_t *dim)
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *b = op->nin > 2 && op->in[2] ? op->in[2]->type : NULL;

	if ((w->dt != DT_I8 && w->dt != DT_I4 && w->dt != DT_I16) || !w->q ||
	    w->rank != 4 || x->rank != 4)
		return qfail(cx, op, "weights must be i8, i16 or i4 "
		             "[M,C/group,kh,kw]");
	if (w->q->kind == Q_AXIS && (w->q->axis != 0 || w->q->zp))
		return qfail(cx, op, "weights must be symmetric per channel");
	if (b && (b->dt != DT_I32 || b->rank != 1 || b->dim[0] != w->dim[0]))
		return qfail(cx, op, "bias must be i32 [M]");
	if (a->group < 1 || x->dim[1] != w->dim[1] * a->group)
		return qfail(cx, op, "channels do not match the weights");
	dim[0] = x->dim[0];
	dim[1] = w->dim[0];
	for (int i = 0; i < 2; i++) {
		dim[2 + i] = conv_out_size(x->dim[2 + i], (int32_t)w->dim[2 + i],
		                           a->stride[i], a->dilation[i],
		                           a->pad[i], a->pad[i + 2], false);
		if (dim[2 + i] < 1)
			return qfail(cx, op, "window does not fit");
	}
	return true;
}

static bool
infer_gemm_q(Ctx *cx, const Op *op, int64_t *dim)
{
	const GemmAttr *a = &op->a.gemm;
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *b = op->nin > 2 && op->in[2] ? op->in[2]->type : NULL;
	int64_t k, n;

	if (a->trans_a || a->alpha != 1.0f || a->beta != 1.0f)
		return qfail(cx, op, "needs transA = 0, alpha = beta = 1");
	if ((w->dt != DT_I8 && w->dt != DT_I4) || !w->q || w->rank != 2 ||
	    x->rank != 2)
		return qfail(cx, op, "B must be i8 or i4 and 2-D, A 2-D");
	k = w->dim[a->trans_b];
	n = w->dim[!a->trans_b];
	if (x->dim[1] != k)
		return qfail(cx, op, "inner dimensions differ");
	if (w->q->kind == Q_AXIS && w->q->axis != !a->trans_b)
		return qfail(cx, op, "B must be quantized per output column");
	if (b && (b->dt != DT_I32 || b->rank != 1 || b->dim[0] != n))
		return qfail(cx, op, "bias must be i32 [N]");
	dim[0] = x->dim[0];
	dim[1] = n;
	return true;
}

static bool
infer_pool_q(Ctx *cx, const Op *op, int64_t *dim)
{
	const PoolAttr *a = &op->a.pool;
	const TensorType *x = op->in[0]->type;

	if (x->rank != 4)
		return qfail(cx, op, "input must be 4-D");
	dim[0] = x->dim[0];
	dim[1] = x->dim[1];
	for (int i = 0; i < 2; i++) {
		dim[2 + i] = conv_out_size(x->dim[2 + i], a->kernel[i],
		                           a->stride[i], a->dilation[i],
		                           a->pad[i], a->pad[i + 2],
		                           a->ceil_mode);
		if (dim[2 + i] < 1)
			return qfail(cx, op, "window does not fit");
	}
	return true;
}

/* The number of elements of t's dims before the last two. */
static int64_t
batch_of(const TensorType *t)
{
	int64_t n = 1;

	for (int i = 0; i + 2 < t->rank; i++)
		n *= t->dim[i];
	return n;
}

static bool
infer_matmul_q(Ctx *cx, const Op *op, int *rank, int64_t *dim)
{
	const TensorType *a = op->in[0]->type, *b = op->in[1]->type;
	const TensorType *big = a->rank >= b->rank ? a : b;

	if ((b->dt != DT_I8 && b->dt != DT_I16) || !b->q || b->q->zp ||
	    b->rank < 2 || a->rank < 2)
		return qfail(cx, op, "B must be i8 or i16 codes with zero point "
		             "0, A and B of rank 2 or more");
	if (b->q->kind == Q_AXIS && b->q->axis != b->rank - 1)
		return qfail(cx, op, "B must be quantized per column");
	if (a->dim[a->rank - 1] != b->dim[b->rank - 2])
		return qfail(cx, op, "inner dimensions differ");
	if (batch_of(a) != 1 && batch_of(b) != 1 &&
	    (a->rank != b->rank || batch_of(a) != batch_of(b)))
		return qfail(cx, op, "batch dimensions must be equal, or one "
		             "side's all 1");
	for (int i = 0; i < big->rank - 2; i++)
		dim[i] = big->dim[i];
	if (a->rank == b->rank)
		for (int i = 0; i < a->rank - 2; i++)
			dim[i] = a->dim[i] > b->dim[i] ? a->dim[i] : b->dim[i];
	*rank = big->rank;
	dim[*rank - 2] = a->dim[a->rank - 2];
	dim[*rank - 1] = b->dim[b->rank - 1];
	return true;
}

/* The result shape into dim[0..*rank); false (reported) if it does not fit. */
static bool
infer_shape_q(Ctx *cx, const Op *op, int *rank, int64_t *dim)
{
	const TensorType *x = op->in[0]->type;

	*rank = x->rank;
	for (int i = 0; i < x->rank; i++)
		dim[i] = x->dim[i];
	switch (op->kind) {
	case OP_QUANTIZE:
		if (x->dt != DT_F32)
			return qfail(cx, op, "input must be f32");
		return true;
	case OP_DEQUANTIZE:
		if (!x->q)
			return qfail(cx, op, "input must be quantized");
		return true;
	case OP_REQUANT:
		return is_code(x) || qfail(cx, op, "input must be u8 or i8");
	case OP_SIGNFLIP:
		if (!is_code(x) || x->dt == op->out[0]->type->dt)
			return qfail(cx, op, "must turn u8 codes into i8 or back");
		return true;
	case OP_LUT:
		if (!is_code(x) || !op->in[1]->type ||
		    type_numel(op->in[1]->type) != 256 ||
		    op->in[1]->type->dt != op->out[0]->type->dt)
			return qfail(cx, op, "needs a code input and a "
			             "256-entry table of the result type");
		return true;
	case OP_CONV:
		return is_code(x) && infer_conv_q(cx, op, dim);
	case OP_GEMM:
		*rank = 2;
		return is_code(x) && infer_gemm_q(cx, op, dim);
	case OP_MATMUL:
		return (is_code(x) || qfail(cx, op, "A must be u8 or i8")) &&
		       infer_matmul_q(cx, op, rank, dim);
	case OP_ADD:
	case OP_MUL:
		if (!is_code(x) || !is_code(op->in[1]->type))
			return qfail(cx, op, "inputs must be u8 or i8");
		if (!broadcast(x, op->in[1]->type, rank, dim))
			return qfail(cx, op, "shapes do not broadcast");
		return true;
	case OP_MAXPOOL:
	case OP_AVGPOOL:
		if (!is_code(x) || !type_eq(type_new(cx, x->dt, 0, NULL, x->q),
		                            type_new(cx, op->out[0]->type->dt,
		                                     0, NULL,
		                                     op->out[0]->type->q)))
			return qfail(cx, op, "result must keep the input's "
			             "type and quantization");
		return infer_pool_q(cx, op, dim);
	case OP_GLOBALAVGPOOL:
		if (!is_code(x) || x->rank < 3)
			return qfail(cx, op, "input must be u8 or i8, rank >= 3");
		for (int i = 2; i < x->rank; i++)
			dim[i] = 1;
		return true;
	default:
		bug("ir_infer_quant: op kind %s", op_info[op->kind].name);
	}
}

static int
x_rank(const Op *op)
{
	return op->in[0]->type->rank;
}

bool
ir_infer_quant(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *y = op->out[0]->type;
	int64_t dim[MAX_RANK];
	int rank;

	if (!y)
		bug("quantized op %u (%s) has no result type: the quantize pass "
		    "sets it", op->id, qname(op));
	for (int i = 0; i < op->nin; i++)
		if (op->in[i] && !op->in[i]->type)
			bug("quantized op %u: input %d has no type", op->id, i);
	if (y->dt == DT_I32 && !y->q && (op->kind == OP_CONV ||
	                                 op->kind == OP_MATMUL ||
	                                 op->kind == OP_GEMM)) {
		/* the accumulators of ConvInteger or MatMulInteger */
	} else if (op->kind == OP_QUANTIZE && y->q && y->q->kind == Q_AXIS &&
	           (y->dt == DT_U8 || y->dt == DT_I8)) {
		if (y->q->axis >= x_rank(op) ||
		    y->q->n != op->in[0]->type->dim[y->q->axis])
			return qfail(cx, op, "per-axis scales do not match the "
			             "input");
	} else if (op->kind != OP_DEQUANTIZE && !is_code(y)) {
		return qfail(cx, op, "result must be u8 or i8 per tensor");
	}
	if (op->kind == OP_DEQUANTIZE && y->dt != DT_F32)
		return qfail(cx, op, "result must be f32");
	if (!infer_shape_q(cx, op, &rank, dim))
		return false;
	out[0] = type_new(cx, y->dt, rank, dim, y->q);
	return true;
}
