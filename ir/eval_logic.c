/* eval_logic.c -- the reference interpreter for the comparisons, Not and
 * Where, and for Add, Sub, Mul, Div and Neg on i64 and i32 (shape arithmetic
 * that fold-const evaluates at compile time).
 *
 * Each result element reads its operands at the broadcast index (numpy
 * rules, axes right-aligned).  Comparisons give bool bytes 0 or 1 and
 * compare f32 as floats (NaN compares unequal and unordered) and integers
 * exactly.  Integer division truncates toward zero, as C and ONNX's
 * reference do; a division by zero gives 0 instead of trapping at compile
 * time.  It shares nothing with runtime/kernels/logic.c, which it checks.
 */
#include <string.h>

#include "ir.h"

/* Flat offset into t of result index k (result dims dim[0..r)). */
static int64_t
src_offset(const TensorType *t, const int64_t *dim, int r, int64_t k)
{
	int64_t off = 0, stride = 1;

	for (int i = r - 1; i >= 0; i--) {
		int j = i - (r - t->rank);
		int64_t idx = k % dim[i];

		k /= dim[i];
		if (j < 0)
			continue;
		if (t->dim[j] != 1)
			off += idx * stride;
		stride *= t->dim[j];
	}
	return off;
}

static int64_t
load_int(const void *p, DType dt, int64_t i)
{
	switch (dt) {
	case DT_I64: return ((const int64_t *)p)[i];
	case DT_I32: return ((const int32_t *)p)[i];
	case DT_BOOL:
	case DT_U8: return ((const uint8_t *)p)[i];
	case DT_I8: return ((const int8_t *)p)[i];
	default: bug("load_int: element type %s", dtype_info[dt].name);
	}
}

static bool
compare(OpKind k, const void *a, const void *b, DType dt, int64_t ia,
        int64_t ib)
{
	if (dt == DT_F32) {
		float x = ((const float *)a)[ia], y = ((const float *)b)[ib];
		switch (k) {
		case OP_EQUAL: return x == y;
		case OP_GREATER: return x > y;
		case OP_LESS: return x < y;
		case OP_GREATEREQ: return x >= y;
		default: return x <= y;
		}
	} else {
		int64_t x = load_int(a, dt, ia), y = load_int(b, dt, ib);
		switch (k) {
		case OP_EQUAL: return x == y;
		case OP_GREATER: return x > y;
		case OP_LESS: return x < y;
		case OP_GREATEREQ: return x >= y;
		default: return x <= y;
		}
	}
}

/* a op b in 64 bits, wrapping as unsigned arithmetic does. */
static int64_t
arith(OpKind k, int64_t a, int64_t b)
{
	switch (k) {
	case OP_ADD: return (int64_t)((uint64_t)a + (uint64_t)b);
	case OP_SUB: return (int64_t)((uint64_t)a - (uint64_t)b);
	case OP_MUL: return (int64_t)((uint64_t)a * (uint64_t)b);
	default:
		if (b == 0 || (a == INT64_MIN && b == -1))
			return 0;
		return a / b;
	}
}

static bool
is_compare(OpKind k)
{
	return k == OP_EQUAL || k == OP_GREATER || k == OP_LESS ||
	       k == OP_GREATEREQ || k == OP_LESSEQ;
}

bool
ir_eval_logic_op(const Op *op, const void *const in[], void *out)
{
	const TensorType *o = op->out[0]->type;
	const TensorType *ta = op->in[0]->type;
	const TensorType *tb = op->nin > 1 ? op->in[1]->type : NULL;
	int64_t n = type_numel(o);
	uint8_t *yb = out;

	if (op->kind == OP_NEG && (o->dt == DT_I64 || o->dt == DT_I32)) {
		for (int64_t i = 0; i < n; i++) {
			int64_t v = (int64_t)(0 - (uint64_t)load_int(in[0], o->dt, i));
			if (o->dt == DT_I64)
				((int64_t *)out)[i] = v;
			else
				((int32_t *)out)[i] = (int32_t)v;
		}
		return true;
	}
	if (op->kind == OP_NOT) {
		for (int64_t i = 0; i < n; i++)
			yb[i] = !((const uint8_t *)in[0])[i];
		return true;
	}
	if (is_compare(op->kind)) {
		for (int64_t i = 0; i < n; i++)
			yb[i] = compare(op->kind, in[0], in[1], ta->dt,
			                src_offset(ta, o->dim, o->rank, i),
			                src_offset(tb, o->dim, o->rank, i));
		return true;
	}
	if (op->kind == OP_WHERE) {
		const TensorType *ty = op->in[2]->type;
		size_t esz = dtype_info[o->dt].bits / 8;
		for (int64_t i = 0; i < n; i++) {
			int64_t ic = src_offset(ta, o->dim, o->rank, i);
			bool c = ((const uint8_t *)in[0])[ic] != 0;
			const TensorType *t = c ? tb : ty;
			const char *src = c ? in[1] : in[2];
			int64_t is = src_offset(t, o->dim, o->rank, i);
			memcpy(yb + (size_t)i * esz, src + (size_t)is * esz, esz);
		}
		return true;
	}
	if ((op->kind == OP_ADD || op->kind == OP_SUB || op->kind == OP_MUL ||
	     op->kind == OP_DIV) && (o->dt == DT_I64 || o->dt == DT_I32)) {
		for (int64_t i = 0; i < n; i++) {
			int64_t v = arith(
			    op->kind,
			    load_int(in[0], ta->dt, src_offset(ta, o->dim, o->rank, i)),
			    load_int(in[1], tb->dt, src_offset(tb, o->dim, o->rank, i)));
			if (o->dt == DT_I64)
				((int64_t *)out)[i] = v;
			else
				((int32_t *)out)[i] = (int32_t)v;
		}
		return true;
	}
	return false;
}
