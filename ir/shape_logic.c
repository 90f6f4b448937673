/* shape_logic.c -- type inference for the comparisons (Equal, Greater,
 * Less, GreaterOrEqual, LessOrEqual), Not and Where, and for Add, Sub,
 * Mul, Div and Neg on integer (i64, i32) operands: the arithmetic of shape
 * subgraphs, which fold-const evaluates at compile time (shape.c sends
 * integer Add/Sub/Mul/Div here).
 *
 *   comparison  A, B of one type among f32, i64, i32; broadcast -> bool
 *   Not         bool -> bool
 *   Where       cond bool, x and y of one whole-byte type; the three
 *               broadcast together -> x's type
 *   Add/Sub/    A, B both i64 or both i32; broadcast -> that type
 *   Mul/Div
 *   Neg         i64 or i32 -> the same
 * Broadcasting is ONNX's multidirectional (numpy) rule.
 */
#include "ir.h"

/* Broadcasts t into dim[0..*r), widening *r; false if it does not fit. */
static bool
bcast_into(const TensorType *t, int64_t *dim, int *r)
{
	int n = t->rank > *r ? t->rank : *r;
	int64_t d[MAX_RANK];

	for (int i = 0; i < n; i++) {
		int it = t->rank - n + i, io = *r - n + i;
		int64_t a = it >= 0 ? t->dim[it] : 1;
		int64_t b = io >= 0 ? dim[io] : 1;
		if (a != b && a != 1 && b != 1)
			return false;
		d[i] = a == 1 ? b : a;
	}
	for (int i = 0; i < n; i++)
		dim[i] = d[i];
	*r = n;
	return true;
}

static bool
infer_bcast(Ctx *cx, const Op *op, int from, int64_t *dim, int *r)
{
	*r = 0;
	for (int i = from; i < op->nin; i++) {
		if (bcast_into(op->in[i]->type, dim, r))
			continue;
		if (op->nin == 3)
			return shape_fail(cx, op,
			                  "Where operands %s, %s and %s do not "
			                  "broadcast",
			                  shape_tstr(cx, op->in[0]->type),
			                  shape_tstr(cx, op->in[1]->type),
			                  shape_tstr(cx, op->in[2]->type));
		return shape_fail(
		    cx, op, "%s operands %s and %s do not broadcast",
		    op_info[op->kind].onnx, shape_tstr(cx, op->in[0]->type),
		    shape_tstr(cx, op->in[1]->type));
	}
	return true;
}

static bool
is_int(DType dt)
{
	return dt == DT_I64 || dt == DT_I32;
}

bool
ir_infer_logic_op(Ctx *cx, const Op *op, const TensorType *out[])
{
	const TensorType *a = op->in[0]->type;
	const TensorType *b = op->nin > 1 ? op->in[1]->type : NULL;
	const char *name = op_info[op->kind].onnx;
	int64_t dim[MAX_RANK];
	int r;

	switch (op->kind) {
	case OP_EQUAL:
	case OP_GREATER:
	case OP_LESS:
	case OP_GREATEREQ:
	case OP_LESSEQ:
		if (a->dt != b->dt || (a->dt != DT_F32 && !is_int(a->dt)))
			return shape_fail(cx, op,
			                  "%s compares f32, i64 or i32 "
			                  "operands of one type, not %s and %s",
			                  name, shape_tstr(cx, a),
			                  shape_tstr(cx, b));
		if (!infer_bcast(cx, op, 0, dim, &r))
			return false;
		out[0] = type_new(cx, DT_BOOL, r, dim, NULL);
		return true;
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
		if (a->dt != b->dt || !is_int(a->dt))
			return shape_fail(
			    cx, op,
			    "%s on %s and %s: integer "
			    "arithmetic needs two i64 or two i32 operands",
			    name, shape_tstr(cx, a), shape_tstr(cx, b));
		if (!infer_bcast(cx, op, 0, dim, &r))
			return false;
		out[0] = type_new(cx, a->dt, r, dim, NULL);
		return true;
	case OP_NEG:
		if (!is_int(a->dt) || op->act.kind != ACT_NONE)
			return shape_fail(cx, op,
			                  "integer Neg takes i64 or i32 "
			                  "without an activation, not %s",
			                  shape_tstr(cx, a));
		out[0] = a;
		return true;
	case OP_NOT:
		if (a->dt != DT_BOOL)
			return shape_fail(cx, op, "Not takes bool, not %s",
			                  shape_tstr(cx, a));
		out[0] = a;
		return true;
	case OP_WHERE: {
		const TensorType *y = op->in[2]->type;
		if (a->dt != DT_BOOL)
			return shape_fail(cx, op,
			                  "Where condition %s must be bool",
			                  shape_tstr(cx, a));
		if (b->dt != y->dt || dtype_info[b->dt].bits % 8 || b->q ||
		    y->q)
			return shape_fail(
			    cx, op,
			    "Where picks from %s and %s; they "
			    "must have one whole-byte element type",
			    shape_tstr(cx, b), shape_tstr(cx, y));
		if (!infer_bcast(cx, op, 0, dim, &r))
			return false;
		out[0] = type_new(cx, b->dt, r, dim, NULL);
		return true;
	}
	default:
		bug("ir_infer_logic_op: op kind %s", op_info[op->kind].name);
	}
}
