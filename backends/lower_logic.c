/* lower_logic.c -- lowering of the comparisons, Where and Not (see
 * lower.c for where values live and how calls are built).
 *
 *   Equal, Greater, Less,     compare_f32 with a QCC_CMP_* code, operand
 *   GreaterOrEqual,           strides broadcast as Add's, axes merged
 *   LessOrEqual               (f32 operands; the result is bool bytes)
 *   Where                     where_f32 with three operand strides over
 *                             the result's axes (f32 x and y)
 *   Not                       not_b8 over the flat tensor
 * Comparisons of i64 or i32 tensors (shape arithmetic) are folded at
 * compile time; a run-time one is reported here.
 */
#include "lower.h"
#include "../runtime/qcc_rt.h"

static int32_t
cmp_code(OpKind k)
{
	switch (k) {
	case OP_EQUAL: return QCC_CMP_EQ;
	case OP_GREATER: return QCC_CMP_GT;
	case OP_LESS: return QCC_CMP_LT;
	case OP_GREATEREQ: return QCC_CMP_GE;
	case OP_LESSEQ: return QCC_CMP_LE;
	default: bug("cmp_code: op kind %s", op_info[k].name);
	}
}

static bool
need_f32(Lower *L, const Op *op, const Value *v)
{
	char buf[96];

	if (v->type->dt == DT_F32)
		return true;
	diag(L->cx, DIAG_ERROR, &op->loc, "cannot generate code for %s on "
	     "%s at run time (only f32 operands); its inputs are not "
	     "compile-time constants", op_info[op->kind].onnx,
	     type_str(v->type, buf, sizeof buf));
	return false;
}

bool
lower_logic(Lower *L, const Op *op)
{
	const TensorType *y = op->out[0]->type;
	int64_t dims[MAX_RANK], sa[MAX_RANK], sb[MAX_RANK], sc[MAX_RANK];
	int r = y->rank ? y->rank : 1;

	for (int i = 0; i < MAX_RANK; i++)
		dims[i] = i < y->rank ? y->dim[i] : 1;
	if (op->kind == OP_NOT) {
		arg_val(L, op->in[0]);
		arg_val(L, op->out[0]);
		arg_i32(L, type_numel(y));
		call_end(L, "qcc_rt_not_b8");
		return true;
	}
	if (op->kind == OP_WHERE) {
		int32_t d[MAX_RANK], c[MAX_RANK], a[MAX_RANK], b[MAX_RANK];

		if (!need_f32(L, op, op->in[1]))
			return false;
		bcast_strides(op->in[0]->type, r, sc);
		bcast_strides(op->in[1]->type, r, sa);
		bcast_strides(op->in[2]->type, r, sb);
		for (int i = 0; i < r; i++) {
			d[i] = (int32_t)dims[i];
			c[i] = (int32_t)sc[i];
			a[i] = (int32_t)sa[i];
			b[i] = (int32_t)sb[i];
		}
		for (int i = 0; i < 3; i++)
			arg_val(L, op->in[i]);
		arg_val(L, op->out[0]);
		arg_i32(L, r);
		arg_array(L, KA_I32S, d, (uint32_t)r);
		arg_array(L, KA_I32S, c, (uint32_t)r);
		arg_array(L, KA_I32S, a, (uint32_t)r);
		arg_array(L, KA_I32S, b, (uint32_t)r);
		call_end(L, "qcc_rt_where_f32");
		return true;
	}
	if (!need_f32(L, op, op->in[0]))
		return false;
	bcast_strides(op->in[0]->type, r, sa);
	bcast_strides(op->in[1]->type, r, sb);
	r = merge_axes(r, dims, sa, sb);
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->out[0]);
	arg_i32(L, cmp_code(op->kind));
	arg_shape(L, r, dims, sa, sb);
	call_end(L, "qcc_rt_compare_f32");
	return true;
}

bool
lower_is_logic(const Op *op)
{
	switch (op->kind) {
	case OP_EQUAL:
	case OP_GREATER:
	case OP_LESS:
	case OP_GREATEREQ:
	case OP_LESSEQ:
	case OP_NOT:
	case OP_WHERE: return true;
	default: return false;
	}
}
