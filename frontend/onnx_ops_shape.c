/* onnx_ops_shape.c -- shape subgraphs, evaluated while importing.
 *
 * Exporters compute shapes in the graph: x.view(x.size(0), -1) becomes
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape, and ConstantOfShape,
 * Range, Cast, Equal, Where and integer arithmetic appear in the same
 * glue.  qcc's shapes are all fixed at compile time, so:
 *   - Shape and Size become constants from the input's type;
 *   - ConstantOfShape, Range and Cast of constants become constants; a
 *     Cast to the input's own type is an alias; a Cast of a run-time
 *     tensor to another type is reported;
 *   - every other op whose inputs are all constants is evaluated by the
 *     reference interpreter at once (node_fold, called by node_emit) when
 *     it computes on integers or bools or is small, so the Reshape, Expand,
 *     Slice, ... it feeds sees a constant input.
 * A shape input that is still not a constant depends on run-time data;
 * node_const_input reports it at the node that needs it.
 */
#include <math.h>
#include <string.h>

#include "onnx.h"

/* f32 results of all-constant ops up to this size fold while importing
 * (scales computed from shapes); larger ones are fold-const's. */
enum { FOLD_F32_MAX_BYTES = 4096 };

static const char *
tstr(Node *n, const TensorType *t)
{
	char buf[128];

	return arena_strdup(n->im->cx->perm, type_str(t, buf, sizeof buf));
}

/* Binds the node's output to a new constant of type t holding data. */
static bool
bind_const(Node *n, const TensorType *t, const void *data)
{
	Importer *im = n->im;
	Value *c = ir_const(im->cx, im->g, t, data, n->p->output[0]);

	return node_alias(n, c);
}

bool
node_fold(Node *n, Op *op)
{
	Importer *im = n->im;
	const TensorType *t = op->out[0]->type;
	bool small = type_bytes(t) <= FOLD_F32_MAX_BYTES, shapey = false;
	Sym *s = onnx_sym(im, n->p->output[0]);
	const void *in[256];
	void *out[1];
	Ctx quiet;

	if (op->nout != 1 || op->nin > 256 || (s && s->is_output) ||
	    op_is_quant(op) || type_bytes(t) > (64 << 20))
		return false;
	for (int i = 0; i < op->nin; i++) {
		if (op->in[i] && !op->in[i]->cst)
			return false;
		if (op->in[i] && op->in[i]->type->dt != DT_F32)
			shapey = true;
	}
	if (t->dt != DT_F32)
		shapey = true;
	if (!shapey && !small)
		return false;
	for (int i = 0; i < op->nin; i++)
		in[i] = op->in[i] ? op->in[i]->cst->data : NULL;
	out[0] = arena_alloc(im->cx->perm, type_bytes(t) ? type_bytes(t) : 1,
	                     64);
	/* an op the interpreter cannot run stays an op */
	quiet = *im->cx;
	quiet.diagout = NULL;
	quiet.nerrors = 0;
	quiet.maxerrors = 1 << 30;
	if (!ir_eval_op(&quiet, op, in, out))
		return false;
	/* in and out of the list, as fold-const removes a folded op */
	ir_append(im->g, op);
	ir_remove(im->g, op);
	return bind_const(n, t, out[0]);
}

bool
import_shape(Node *n)
{
	const TensorType *x = n->in[0]->type;
	int64_t start, end, r = x->rank, dim[MAX_RANK], len;

	if (!attr_int(n, "start", 0, &start) || !attr_int(n, "end", r, &end))
		return false;
	if (start < 0)
		start += r;
	if (end < 0)
		end += r;
	start = start < 0 ? 0 : start > r ? r : start;
	end = end < 0 ? 0 : end > r ? r : end;
	len = end > start ? end - start : 0;
	for (int64_t i = 0; i < len; i++)
		dim[i] = x->dim[start + i];
	return bind_const(n, type_new(n->im->cx, DT_I64, 1, &len, NULL), dim);
}

bool
import_size(Node *n)
{
	int64_t numel = type_numel(n->in[0]->type);

	return bind_const(n, type_new(n->im->cx, DT_I64, 0, NULL, NULL),
	                  &numel);
}

bool
import_constantofshape(Node *n)
{
	Ctx *cx = n->im->cx;
	const Value *shape = node_const_input(n, 0, "shape", DT_I64);
	const Onnx__TensorProto *tp;
	const TensorType *vt, *t;
	const int64_t *d;
	float zero = 0.0f;
	const void *val = &zero;
	DType dt = DT_F32;
	char *data;
	size_t esz;

	if (!shape || !attr_tensor(n, "value", &tp))
		return false;
	if (shape->type->rank != 1 || shape->type->dim[0] > MAX_RANK) {
		diag(cx, DIAG_ERROR, &n->loc, "ConstantOfShape shape %s must "
		     "be a vector of at most %d sizes", tstr(n, shape->type),
		     MAX_RANK);
		return false;
	}
	if (tp) {
		Value *v = onnx_tensor_value(n->im, tp, &n->loc,
		                             "attribute \"value\"", NULL);
		if (!v)
			return false;
		vt = v->type;
		if (type_numel(vt) != 1 || dtype_info[vt->dt].bits % 8) {
			diag(cx, DIAG_ERROR, &n->loc, "ConstantOfShape value %s "
			     "must be one whole-byte element", tstr(n, vt));
			return false;
		}
		dt = vt->dt;
		val = v->cst->data;
	}
	d = shape->cst->data;
	for (int64_t i = 0; i < shape->type->dim[0]; i++)
		if (d[i] < 0) {
			diag(cx, DIAG_ERROR, &n->loc, "ConstantOfShape size %lld "
			     "is negative", (long long)d[i]);
			return false;
		}
	t = type_new(cx, dt, (int)shape->type->dim[0], d, NULL);
	if (type_bytes(t) > (64 << 20)) {
		diag(cx, DIAG_ERROR, &n->loc, "ConstantOfShape result %s is "
		     "too large", tstr(n, t));
		return false;
	}
	esz = dtype_info[dt].bits / 8;
	data = arena_alloc(cx->scratch, type_bytes(t) + 1, 64);
	for (int64_t i = 0; i < type_numel(t); i++)
		memcpy(data + (size_t)i * esz, val, esz);
	return bind_const(n, t, data);
}

/* Element i of constant v as a double (f32 and integer types). */
static double
elem(const Value *v, int64_t i)
{
	const void *p = v->cst->data;

	switch (v->type->dt) {
	case DT_F32: return ((const float *)p)[i];
	case DT_I64: return (double)((const int64_t *)p)[i];
	case DT_I32: return ((const int32_t *)p)[i];
	case DT_I8: return ((const int8_t *)p)[i];
	case DT_U8:
	case DT_BOOL: return ((const uint8_t *)p)[i];
	default: bug("elem: element type %s", dtype_info[v->type->dt].name);
	}
}

static bool
castable(DType dt)
{
	return dt == DT_F32 || dt == DT_I64 || dt == DT_I32 || dt == DT_I8 ||
	       dt == DT_U8 || dt == DT_BOOL;
}

/* Stores x as element i of type dt: integers truncate toward zero and
 * saturate, bool is x != 0. */
static void
store(void *p, DType dt, int64_t i, double x)
{
	double lo = dt == DT_I64 ? -9223372036854775808.0
	          : dt == DT_I32 ? -2147483648.0 : dt == DT_I8 ? -128.0 : 0.0;
	double hi = dt == DT_I64 ? 9223372036854774784.0
	          : dt == DT_I32 ? 2147483647.0 : dt == DT_I8 ? 127.0 : 255.0;

	if (dt == DT_F32) {
		((float *)p)[i] = (float)x;
		return;
	}
	if (dt == DT_BOOL) {
		((uint8_t *)p)[i] = x != 0.0;
		return;
	}
	x = x != x ? 0.0 : x < lo ? lo : x > hi ? hi : trunc(x);
	switch (dt) {
	case DT_I64: ((int64_t *)p)[i] = (int64_t)x; break;
	case DT_I32: ((int32_t *)p)[i] = (int32_t)x; break;
	case DT_I8: ((int8_t *)p)[i] = (int8_t)x; break;
	default: ((uint8_t *)p)[i] = (uint8_t)x; break;
	}
}

bool
import_cast(Node *n)
{
	Ctx *cx = n->im->cx;
	Value *x = n->in[0];
	const TensorType *t;
	int64_t to;
	DType dt;
	void *data;

	attr_ignore(n, "saturate");
	if (!attr_int(n, "to", 0, &to))
		return false;
	if (!onnx_dtype((int)to, &dt) || !castable(dt)) {
		diag(cx, DIAG_ERROR, &n->loc, "Cast to %s is not supported "
		     "(qcc casts between float, int64, int32, int8, uint8 and "
		     "bool)", onnx_dtype_name((int)to));
		return false;
	}
	if (dt == x->type->dt)
		return node_alias(n, x);
	if (!x->cst || !castable(x->type->dt) || x->type->q) {
		diag(cx, DIAG_ERROR, &n->loc, "Cast of %s to %s is only "
		     "supported for compile-time constants, and input \"%s\" "
		     "is computed at run time", tstr(n, x->type),
		     dtype_info[dt].name, n->p->input[0]);
		return false;
	}
	t = type_new(cx, dt, x->type->rank, x->type->dim, NULL);
	data = arena_alloc(cx->scratch, type_bytes(t) + 1, 64);
	for (int64_t i = 0; i < type_numel(t); i++)
		store(data, dt, i, elem(x, i));
	return bind_const(n, t, data);
}

bool
import_range(Node *n)
{
	Ctx *cx = n->im->cx;
	const Value *v[3];
	static const char *const what[3] = {"start", "limit", "delta"};
	double start, limit, delta, len;
	const TensorType *t;
	DType dt = n->in[0]->type->dt;
	int64_t cnt;
	void *data;

	for (int i = 0; i < 3; i++) {
		v[i] = node_const_input(n, i, what[i], dt);
		if (!v[i])
			return false;
		if (type_numel(v[i]->type) != 1 || !castable(dt) ||
		    dt == DT_BOOL) {
			diag(cx, DIAG_ERROR, &n->loc, "Range %s must be a "
			     "numeric scalar, not %s", what[i],
			     tstr(n, v[i]->type));
			return false;
		}
	}
	start = elem(v[0], 0);
	limit = elem(v[1], 0);
	delta = elem(v[2], 0);
	if (delta == 0.0) {
		diag(cx, DIAG_ERROR, &n->loc, "Range delta is 0");
		return false;
	}
	len = ceil((limit - start) / delta);
	if (!(len <= (double)(16 << 20))) {
		diag(cx, DIAG_ERROR, &n->loc, "Range from %g to %g by %g has "
		     "too many elements", start, limit, delta);
		return false;
	}
	cnt = len > 0 ? (int64_t)len : 0;
	t = type_new(cx, dt, 1, &cnt, NULL);
	data = arena_alloc(cx->scratch, type_bytes(t) + 1, 64);
	/* the ONNX loop: x = start, then x += delta (in the element type) */
	if (dt == DT_F32) {
		float x = (float)start;
		for (int64_t i = 0; i < cnt; i++, x += (float)delta)
			((float *)data)[i] = x;
	} else {
		for (int64_t i = 0; i < cnt; i++)
			store(data, dt, i, start + (double)i * delta);
	}
	return bind_const(n, t, data);
}

bool
import_not(Node *n)
{
	return node_emit(n, node_op(n, OP_NOT, 1, n->in));
}

bool
import_where(Node *n)
{
	return node_emit(n, node_op(n, OP_WHERE, 3, n->in));
}
