/* lower_quant.c -- lowering of ops on u8 codes (op_is_quant, and views and
 * Concat of codes) to the integer kernels of runtime/kernels/qelt.c and
 * qnn.c; see lower.c for where values live and how calls are built.
 *
 * The rescale of every op comes from Op.rq (fold-shift), so lowering an
 * integer op that fold-shift has not seen is a bug.  Zero points and
 * scales come from the types.  The kernels take u8 activations; i8
 * activations (imported models) are reported as not supported yet.
 */
#include "lower.h"

static int32_t
zp_of(const Value *v)
{
	return quant_zp(v->type->q, 0);
}

void
arg_requant(Lower *L, const Op *op, bool arrays)
{
	const Requant *r = op->rq;

	if (!r)
		bug("lowering quantized op %u before fold-shift", op->id);
	if (arrays) {
		arg_array(L, KA_I32S, r->mult, r->n);
		arg_array(L, KA_I32S, r->shift, r->n);
		arg_i32(L, r->n);
	} else {
		arg_i32(L, r->mult[0]);
		arg_i32(L, r->shift[0]);
	}
	arg_i32(L, zp_of(op->out[0]));
	arg_i32(L, r->lo);
	arg_i32(L, r->hi);
}

static void
lower_conv_q(Lower *L, const Op *op)
{
	const ConvAttr *a = &op->a.conv;

	if (lower_qconv(L, op))
		return;
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	arg_conv_geometry(L, op);
	arg_i32(L, a->group);
	arg_i32(L, zp_of(op->in[0]));
	arg_requant(L, op, true);
	call_end(L, op->in[1]->type->dt == DT_I4 ? "qcc_rt_conv2d_w4"
	                                         : "qcc_rt_conv2d_q8");
}

static void
lower_gemm_q(Lower *L, const Op *op)
{
	const TensorType *y = op->out[0]->type;

	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	arg_i32(L, y->dim[0]);
	arg_i32(L, y->dim[1]);
	arg_i32(L, op->in[0]->type->dim[1]);
	arg_i32(L, op->a.gemm.trans_b);
	arg_requant(L, op, true);
	call_end(L, op->in[1]->type->dt == DT_I4 ? "qcc_rt_gemm_w4"
	                                         : "qcc_rt_gemm_q8");
}

static void
lower_binary_q(Lower *L, const Op *op)
{
	const TensorType *y = op->out[0]->type;
	int64_t dims[MAX_RANK], sa[MAX_RANK], sb[MAX_RANK];
	int r = y->rank;

	for (int i = 0; i < r; i++)
		dims[i] = y->dim[i];
	bcast_strides(op->in[0]->type, r, sa);
	bcast_strides(op->in[1]->type, r, sb);
	r = merge_axes(r, dims, sa, sb);
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->out[0]);
	arg_shape(L, r, dims, sa, sb);
	arg_i32(L, zp_of(op->in[0]));
	arg_i32(L, zp_of(op->in[1]));
	if (op->kind == OP_ADD) {
		arg_i32(L, op->rq->mult[0]);
		arg_i32(L, op->rq->mult[1]);
		arg_i32(L, op->rq->shift[0]);
		arg_i32(L, zp_of(op->out[0]));
		arg_i32(L, op->rq->lo);
		arg_i32(L, op->rq->hi);
		call_end(L, "qcc_rt_add_q8");
		return;
	}
	arg_requant(L, op, false);
	call_end(L, "qcc_rt_mul_q8");
}

static void
lower_pool_q(Lower *L, const Op *op)
{
	const PoolAttr *a = &op->a.pool;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_pool_geometry(L, op);
	if (op->kind == OP_MAXPOOL) {
		call_end(L, "qcc_rt_maxpool2d_q8");
		return;
	}
	arg_i32(L, a->pad[2]);
	arg_i32(L, a->pad[3]);
	arg_i32(L, a->count_include_pad);
	arg_i32(L, zp_of(op->in[0]));
	call_end(L, "qcc_rt_avgpool2d_q8");
}

static void
lower_unary_q(Lower *L, const Op *op)
{
	const Value *x = op->in[0], *y = op->out[0];
	int64_t n = type_numel(y->type);

	arg_val(L, x);
	switch (op->kind) {
	case OP_QUANTIZE:
		arg_val(L, y);
		arg_i32(L, n);
		arg_f32(L, 1.0f / quant_scale(y->type->q, 0));
		arg_i32(L, zp_of(y));
		arg_i32(L, code_min(y->type));
		arg_i32(L, code_max(y->type));
		call_end(L, "qcc_rt_quantize_q8");
		return;
	case OP_DEQUANTIZE:
		arg_val(L, y);
		arg_i32(L, n);
		arg_f32(L, quant_scale(x->type->q, 0));
		arg_i32(L, zp_of(x));
		call_end(L, "qcc_rt_dequantize_q8");
		return;
	case OP_REQUANT:
		arg_val(L, y);
		arg_i32(L, n);
		arg_i32(L, zp_of(x));
		arg_requant(L, op, false);
		call_end(L, "qcc_rt_requant_q8");
		return;
	case OP_LUT:
		arg_val(L, op->in[1]);
		arg_val(L, y);
		arg_i32(L, n);
		call_end(L, "qcc_rt_lut_q8");
		return;
	case OP_GLOBALAVGPOOL:
		arg_val(L, y);
		arg_i32(L, dims_prod(x->type, 0, 2));
		arg_i32(L, dims_prod(x->type, 2, x->type->rank));
		arg_i32(L, zp_of(x));
		arg_requant(L, op, false);
		call_end(L, "qcc_rt_globalavgpool_q8");
		return;
	default:
		bug("lower_unary_q: %s", op_info[op->kind].name);
	}
}

void
lower_copy_q8(Lower *L, Buf from, Buf to, int64_t n)
{
	arg_buf(L, from);
	arg_buf(L, to);
	arg_i32(L, n);
	call_end(L, "qcc_rt_copy_q8");
}

static void
lower_concat_q(Lower *L, const Op *op)
{
	const TensorType *y = op->out[0]->type;
	int ax = op->a.axis.axis;
	int64_t outer = dims_prod(y, 0, ax), inner = dims_prod(y, ax + 1, y->rank);
	int64_t at = 0;

	for (int i = 0; i < op->nin; i++) {
		int64_t len = op->in[i]->type->dim[ax] * inner;
		Buf to = value_buf(L->g, op->out[0]);

		to.offset += at * inner;
		at += op->in[i]->type->dim[ax];
		if (len == 0 || outer == 0)
			continue;
		arg_val(L, op->in[i]);
		arg_buf(L, to);
		arg_i32(L, outer);
		arg_i32(L, len);
		arg_i32(L, y->dim[ax] * inner);
		call_end(L, "qcc_rt_concat_q8");
	}
}

/* True if op works on codes and lowers here. */
bool
lower_is_quant(const Op *op)
{
	if (op_is_quant(op))
		return true;
	for (int i = 0; i < op->nout; i++)
		if (op->out[i]->type && op->out[i]->type->dt == DT_U8)
			return true;
	return false;
}

bool
lower_quant(Lower *L, const Op *op)
{
	char buf[96];

	if (op->kind == OP_SIGNFLIP) {   /* the one op on i8 activations */
		lower_qimport(L, op);
		return true;
	}
	for (int i = 0; i < op->nin + op->nout; i++) {
		const Value *v = i < op->nin ? op->in[i] : op->out[i - op->nin];
		if (v && v->type->dt == DT_I8 && v->type->rank &&
		    !v->cst) {
			diag(L->cx, DIAG_ERROR, &op->loc, "cannot generate code "
			     "for %s activations (only u8)",
			     type_str(v->type, buf, sizeof buf));
			return false;
		}
	}
	if (type_numel(op->out[0]->type) == 0)
		return true;
	if (lower_is_qimport(op)) {
		lower_qimport(L, op);
		return true;
	}
	switch (op->kind) {
	case OP_CONV:
		lower_conv_q(L, op);
		return true;
	case OP_GEMM:
		lower_gemm_q(L, op);
		return true;
	case OP_ADD:
	case OP_MUL:
		lower_binary_q(L, op);
		return true;
	case OP_MAXPOOL:
	case OP_AVGPOOL:
		lower_pool_q(L, op);
		return true;
	case OP_FLATTEN:
	case OP_RESHAPE:
	case OP_IDENTITY: {
		Buf from = value_buf(L->g, op->in[0]);
		Buf to = value_buf(L->g, op->out[0]);
		if (!buf_eq(from, to))
			lower_copy_q8(L, from, to, type_numel(op->out[0]->type));
		return true;
	}
	case OP_CONCAT:
		lower_concat_q(L, op);
		return true;
	default:
		lower_unary_q(L, op);
		return true;
	}
}
