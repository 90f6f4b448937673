/* type.c -- element types, tensor types and the op and activation tables.
 *
 * Types are small values compared with type_eq(); they are allocated in
 * Ctx.perm and never change after creation.
 */
#include <string.h>

#include "ir.h"

const DTypeInfo dtype_info[DT_COUNT] = {
#define DT(id, name, bits, sgn, enc, onnx) [DT_##id] = {name, bits, sgn, enc, onnx},
#include "dtypes.def"
#undef DT
};

const OpInfo op_info[OP_COUNT] = {
#define OP(id, onnx, minin, maxin, nout, attr, flags) \
	[OP_##id] = {#id, onnx, minin, maxin, nout, flags},
#include "ops.def"
#undef OP
};

const char *const act_name[ACT_COUNT] = {
#define ACT(id, name) [ACT_##id] = name,
#include "../runtime/acts.def"
#undef ACT
};

const TensorType *
type_new(Ctx *cx, DType dt, int rank, const int64_t *dim, const Quant *q)
{
	TensorType *t = NEW(cx->perm, TensorType);

	QCC_ASSERT(rank >= 0 && rank <= MAX_RANK);
	t->dt = dt;
	t->rank = (uint8_t)rank;
	for (int i = 0; i < rank; i++)
		t->dim[i] = dim[i];
	t->q = q;
	return t;
}

const TensorType *
type_with_shape(Ctx *cx, const TensorType *t, int rank, const int64_t *dim)
{
	return type_new(cx, t->dt, rank, dim, t->q);
}

static bool
quant_eq(const Quant *a, const Quant *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind || a->axis != b->axis ||
	    a->n != b->n || a->bits != b->bits)
		return false;
	if (memcmp(a->scale, b->scale, a->n * sizeof(float)))
		return false;
	if (!a->zp != !b->zp)
		return false;
	return !a->zp || !memcmp(a->zp, b->zp, a->n * sizeof(int32_t));
}

bool
type_eq(const TensorType *a, const TensorType *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->dt != b->dt || a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dim[i] != b->dim[i])
			return false;
	return quant_eq(a->q, b->q);
}

int64_t
type_numel(const TensorType *t)
{
	int64_t n = 1;

	for (int i = 0; i < t->rank; i++)
		n *= t->dim[i];
	return n;
}

size_t
type_bytes(const TensorType *t)
{
	return ((size_t)type_numel(t) * (size_t)dtype_info[t->dt].bits + 7) / 8;
}

char *
type_str(const TensorType *t, char *buf, size_t n)
{
	size_t len;

	if (!t) {
		snprintf(buf, n, "?");
		return buf;
	}
	snprintf(buf, n, "%s[", dtype_info[t->dt].name);
	for (int i = 0; i < t->rank; i++) {
		len = strlen(buf);
		snprintf(buf + len, n - len, "%s%lld", i ? "," : "",
		         (long long)t->dim[i]);
	}
	len = strlen(buf);
	snprintf(buf + len, n - len, "]");
	return buf;
}
