/* lower_math.c -- lowering of activations, binary ops, Gemm, MatMul, Softmax
 * and LogSoftmax (one call shape, on [outer, len, inner]); see lower.c for
 * where values live and how calls are built. */

#include "lower.h"
#include "../runtime/qcc_rt.h"

/* The QCC_BIN_* code of a binary op kind other than Add and Mul. */
static int32_t
bin_code(OpKind k)
{
	switch (k) {
	case OP_SUB: return QCC_BIN_SUB;
	case OP_DIV: return QCC_BIN_DIV;
	case OP_MAX: return QCC_BIN_MAX;
	case OP_MIN: return QCC_BIN_MIN;
	case OP_POW: return QCC_BIN_POW;
	case OP_PRELU: return QCC_BIN_PRELU;
	default: bug("bin_code: op kind %d", (int)k);
	}
}

void
lower_act(Lower *L, const Op *op)
{
	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, type_numel(op->out[0]->type));
	arg_act(L, &op->a.act);
	call_end(L, "qcc_rt_act_f32");
}

void
lower_binary(Lower *L, const Op *op)
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
	if (op->kind != OP_ADD && op->kind != OP_MUL)
		arg_i32(L, bin_code(op->kind));
	arg_shape(L, r, dims, sa, sb);
	arg_act(L, &op->act);
	call_end(L, op->kind == OP_ADD   ? "qcc_rt_add_f32"
	            : op->kind == OP_MUL ? "qcc_rt_mul_f32"
	                                 : "qcc_rt_binary_f32");
}

void
lower_gemm(Lower *L, const Op *op)
{
	const GemmAttr *a = &op->a.gemm;
	const TensorType *ta = op->in[0]->type, *y = op->out[0]->type;
	const Value *c = op->nin > 2 ? op->in[2] : NULL;
	int64_t rs = 0, cs = 0;

	if (c && c->type->rank >= 1 && c->type->dim[c->type->rank - 1] != 1)
		cs = 1;
	if (c && c->type->rank == 2 && c->type->dim[0] != 1)
		rs = c->type->dim[1];
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, c);
	arg_val(L, op->out[0]);
	arg_i32(L, y->dim[0]);
	arg_i32(L, y->dim[1]);
	arg_i32(L, a->trans_a ? ta->dim[0] : ta->dim[1]);
	arg_i32(L, a->trans_a);
	arg_i32(L, a->trans_b);
	arg_f32(L, a->alpha);
	arg_f32(L, a->beta);
	arg_i32(L, rs);
	arg_i32(L, cs);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_gemm_f32");
}

/* Batch axes of A and B ([..., m, k] and [..., k, n], a 1-D operand
 * having none) broadcast against each other. */
void
lower_matmul(Lower *L, const Op *op)
{
	const TensorType *ta = op->in[0]->type, *tb = op->in[1]->type;
	int ra = ta->rank, rb = tb->rank;
	int64_t m = ra >= 2 ? ta->dim[ra - 2] : 1, k = ta->dim[ra - 1];
	int64_t n = rb >= 2 ? tb->dim[rb - 1] : 1;
	int ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
	int r = ba > bb ? ba : bb;
	int64_t dims[MAX_RANK], sa[MAX_RANK], sb[MAX_RANK];
	int64_t za = m * k, zb = k * n;

	for (int i = r - 1; i >= 0; i--) {
		int ia = i - (r - ba), ib = i - (r - bb);
		int64_t da = ia >= 0 ? ta->dim[ia] : 1;
		int64_t db = ib >= 0 ? tb->dim[ib] : 1;

		dims[i] = da > db ? da : db;
		sa[i] = da == 1 ? 0 : za;
		sb[i] = db == 1 ? 0 : zb;
		za *= da;
		zb *= db;
	}
	r = merge_axes(r, dims, sa, sb);
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->out[0]);
	arg_i32(L, m);
	arg_i32(L, n);
	arg_i32(L, k);
	arg_shape(L, r, dims, sa, sb);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_matmul_f32");
}

void
lower_softmax(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type;
	int ax = op->a.softmax.axis;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, dims_prod(x, 0, ax));
	if (op->a.softmax.legacy) {
		arg_i32(L, dims_prod(x, ax, x->rank));
		arg_i32(L, 1);
	} else {
		arg_i32(L, x->dim[ax]);
		arg_i32(L, dims_prod(x, ax + 1, x->rank));
	}
	call_end(L, op->kind == OP_LOGSOFTMAX ? "qcc_rt_logsoftmax_f32"
	                                     : "qcc_rt_softmax_f32");
}
