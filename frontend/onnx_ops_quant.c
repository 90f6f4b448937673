/* onnx_ops_quant.c -- importers for already-quantized models:
 * QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, and
 * QLinearAdd, QLinearMul (ONNX Runtime's com.microsoft domain).
 *
 * A model's own scales and zero points go into the IR's types (ir.h,
 * Quant): QuantizeLinear becomes a Quantize whose result type carries
 * them, DequantizeLinear a Dequantize of a value typed with them.  A
 * constant being dequantized (weights, int32 biases) becomes a new
 * constant of the quantized type, per axis where the scale is a vector.
 * A uint8 graph input takes the scale and zero point of the first
 * DequantizeLinear or QLinear* that reads it.
 *
 * QLinearConv, QLinearMatMul, QLinearAdd and QLinearMul are imported in
 * the same QDQ form: Dequantize the inputs, the float Conv, MatMul, Add or
 * Mul, Quantize the result.
 * The fold-qdq pass (passes/fold_qdq.c) then turns Dequantize -> op ->
 * Quantize into one op on codes; nothing here computes in integers.
 *
 * Run-time tensors are quantized and dequantized per tensor or per axis.
 * int8 run-time codes (an int8 zero point) are kept as uint8 codes 128
 * higher with a zero point 128 higher: the same real values s * (q - z),
 * exactly, and the integer kernels read uint8 (quant_shift_i8).  An int8
 * graph input or output keeps its type in net.h, with a SignFlip (x ^
 * 0x80) between it and the uint8 codes.  A DequantizeLinear of int8 codes
 * must give their zero point.  ConvInteger and MatMulInteger are in
 * onnx_ops_qimport.c.
 */
#include <string.h>

#include "onnx.h"

/* Scale and zero point of inputs is and iz (iz >= nin: absent) for a
 * tensor of type t: per tensor, or per axis when the scale is a vector.
 * *dt gets the code type: the zero point's, else dflt. */
static const Quant *
node_quant(Node *n, int is, int iz, const TensorType *t, int64_t axis,
           DType dflt, DType *dt)
{
	Ctx *cx = n->im->cx;
	const Value *s, *z = iz < n->nin ? n->in[iz] : NULL;
	Quant *q = NEW(cx->perm, Quant);
	int64_t ns;
	float *sc;
	int32_t *zp;

	if (!(s = node_const_input(n, is, "the scale", DT_F32)))
		return NULL;
	ns = type_numel(s->type);
	*dt = z ? z->type->dt : dflt;
	if (z && !z->cst) {
		diag(cx, DIAG_ERROR, &n->loc, "the zero point (\"%s\") must be "
		     "a constant", n->p->input[iz]);
		return NULL;
	}
	if (z && (type_numel(z->type) != ns ||
	          (*dt != DT_U8 && *dt != DT_I8 && *dt != DT_I32))) {
		diag(cx, DIAG_ERROR, &n->loc, "the zero point must be uint8, "
		     "int8 or int32 and have one entry per scale");
		return NULL;
	}
	if (axis < 0)
		axis += t->rank;
	if (ns != 1 && (s->type->rank != 1 || axis < 0 || axis >= t->rank ||
	                t->dim[axis] != ns)) {
		diag(cx, DIAG_ERROR, &n->loc, "%lld scales do not match axis "
		     "%lld of the input", (long long)ns, (long long)axis);
		return NULL;
	}
	sc = NEWARRAY(cx->perm, float, ns);
	zp = NEWARRAY(cx->perm, int32_t, ns);
	for (int64_t i = 0; i < ns; i++) {
		sc[i] = ((const float *)s->cst->data)[i];
		if (!(sc[i] > 0.0f) || sc[i] > 3.0e38f) {
			diag(cx, DIAG_ERROR, &n->loc, "scale %g is not a positive "
			     "finite number", (double)sc[i]);
			return NULL;
		}
		if (!z)
			zp[i] = 0;
		else if (*dt == DT_U8)
			zp[i] = ((const uint8_t *)z->cst->data)[i];
		else if (*dt == DT_I8)
			zp[i] = ((const int8_t *)z->cst->data)[i];
		else
			zp[i] = ((const int32_t *)z->cst->data)[i];
	}
	*q = (Quant){ns == 1 ? Q_TENSOR : Q_AXIS, (int8_t)(ns == 1 ? 0 : axis),
	             (uint32_t)ns, sc, zp, 0};
	return q;
}

static bool
quant_same(const Quant *a, const Quant *b)
{
	if (a->kind != b->kind || a->n != b->n || a->axis != b->axis)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (quant_scale(a, i) != quant_scale(b, i) ||
		    quant_zp(a, i) != quant_zp(b, i))
			return false;
	return true;
}

/* q with every zero point 128 higher: int8 codes q as uint8 codes q + 128
 * (see the top of the file). */
static const Quant *
quant_shift_i8(Ctx *cx, const Quant *q)
{
	Quant *s = NEW(cx->perm, Quant);
	int32_t *zp = NEWARRAY(cx->perm, int32_t, q->n);

	for (uint32_t i = 0; i < q->n; i++)
		zp[i] = quant_zp(q, i) + 128;
	*s = *q;
	s->zp = zp;
	return s;
}

/* A SignFlip of codes x into type dt with Quant q (not yet emitted). */
static Op *
sign_flip(Node *n, Value *x, DType dt, const Quant *q)
{
	const TensorType *t = type_new(n->im->cx, dt, x->type->rank,
	                               x->type->dim, q);

	return ir_op_new(n->im->cx, n->im->g, OP_SIGNFLIP, &n->loc, 1, &x, 1,
	                 &t);
}

/* The float value of input ix dequantized with the scale at is and the
 * zero point at iz (absent if >= nin); NULL after a report. */
static Value *
dequant_input(Node *n, int ix, int is, int iz, int64_t axis)
{
	Ctx *cx = n->im->cx;
	Graph *g = n->im->g;
	Value *x = n->in[ix];
	const TensorType *t = x->type, *ft;
	const Quant *q;
	DType dt;
	Op *op;

	if (!(q = node_quant(n, is, iz, t, axis, t->dt, &dt)))
		return NULL;
	if (!x->cst && dt == DT_I8 && t->dt == DT_I8 && !x->def) {
		/* an int8 graph input: flipped to uint8 once, and later
		 * readers of its name get the flipped codes */
		if (t->q && !quant_same(t->q, q)) {
			diag(cx, DIAG_ERROR, &n->loc, "input \"%s\" is "
			     "dequantized with another scale or zero point "
			     "than before", n->p->input[ix]);
			return NULL;
		}
		x->type = type_new(cx, DT_I8, t->rank, t->dim, q);
		if (!(x = node_aux(n, sign_flip(n, x, DT_U8,
		                                quant_shift_i8(cx, q)))))
			return NULL;
		onnx_sym(n->im, n->p->input[ix])->v = x;
		t = x->type;
	}
	if (!x->cst && dt == DT_I8 && t->dt == DT_U8 && x->def) {
		q = quant_shift_i8(cx, q);
		dt = DT_U8;
	}
	if (t->dt != dt) {
		diag(cx, DIAG_ERROR, &n->loc, "input \"%s\" is %s but its zero "
		     "point is %s", n->p->input[ix], dtype_info[t->dt].name,
		     dtype_info[dt].name);
		return NULL;
	}
	if (x->cst) {
		x = ir_const_borrow(cx, g, type_new(cx, dt, t->rank, t->dim, q),
		                    x->cst->data, x->name);
	} else if (dt != DT_U8) {
		diag(cx, DIAG_ERROR, &n->loc, "dequantizing run-time %s codes "
		     "is not supported (uint8 only)", dtype_info[dt].name);
		return NULL;
	} else if (!t->q && !x->def) {
		x->type = type_new(cx, dt, t->rank, t->dim, q);
	} else if (!t->q || !quant_same(t->q, q)) {
		diag(cx, DIAG_ERROR, &n->loc, "input \"%s\" is dequantized with "
		     "another scale or zero point than it was quantized with",
		     n->p->input[ix]);
		return NULL;
	}
	ft = type_new(cx, DT_F32, t->rank, t->dim, NULL);
	op = ir_op_new(cx, g, OP_DEQUANTIZE, &n->loc, 1, &x, 1, &ft);
	return node_aux(n, op);
}

/* Quantize float value x with the scale at is and zero point at iz, as the
 * node's result (bound to its output name). */
static bool
quant_result(Node *n, Value *x, int is, int iz, int64_t axis)
{
	Ctx *cx = n->im->cx;
	const TensorType *t = x->type, *ct;
	const Quant *q;
	DType dt;
	Op *op;

	if (!(q = node_quant(n, is, iz, t, axis, DT_U8, &dt)))
		return false;
	if (t->dt != DT_F32) {
		diag(cx, DIAG_ERROR, &n->loc, "QuantizeLinear of %s; qcc "
		     "quantizes float32", dtype_info[t->dt].name);
		return false;
	}
	if (dt == DT_I8 && onnx_sym(n->im, n->p->output[0])->is_output) {
		/* an int8 graph output: the uint8 codes flipped back */
		const Quant *q8 = q;
		Value *u;
		ct = type_new(cx, DT_U8, t->rank, t->dim, quant_shift_i8(cx, q));
		op = ir_op_new(cx, n->im->g, OP_QUANTIZE, &n->loc, 1, &x, 1, &ct);
		if (!(u = node_aux(n, op)))
			return false;
		return node_emit(n, sign_flip(n, u, DT_I8, q8));
	}
	if (dt == DT_I8) {
		q = quant_shift_i8(cx, q);
		dt = DT_U8;
	}
	if (dt != DT_U8) {
		diag(cx, DIAG_ERROR, &n->loc, "quantizing to %s is not "
		     "supported (uint8 or int8 only)", dtype_info[dt].name);
		return false;
	}
	ct = type_new(cx, dt, t->rank, t->dim, q);
	op = ir_op_new(cx, n->im->g, OP_QUANTIZE, &n->loc, 1, &x, 1, &ct);
	return node_emit(n, op);
}

bool
import_quantizelinear(Node *n)
{
	int64_t axis;

	if (!attr_int(n, "axis", 1, &axis))
		return false;
	return quant_result(n, n->in[0], 1, 2, axis);
}

bool
import_dequantizelinear(Node *n)
{
	int64_t axis;
	Value *v;

	if (!attr_int(n, "axis", 1, &axis) ||
	    !(v = dequant_input(n, 0, 1, 2, axis)))
		return false;
	return node_alias(n, v);
}

/* The int32 bias of QLinearConv as a Dequantize at scale s_x * s_w[c]. */
static Value *
dequant_bias(Node *n, Value *b, const Value *x, const Value *w)
{
	Ctx *cx = n->im->cx;
	const Quant *qx = x->def->in[0]->type->q, *qw = w->def->in[0]->type->q;
	int64_t m = w->type->dim[0];
	Quant *q = NEW(cx->perm, Quant);
	float *s = NEWARRAY(cx->perm, float, m);
	const TensorType *ft;
	Op *op;

	if (!b->cst || b->type->dt != DT_I32 || b->type->rank != 1 ||
	    b->type->dim[0] != m) {
		diag(cx, DIAG_ERROR, &n->loc, "the bias must be a constant "
		     "int32 vector of %lld entries", (long long)m);
		return NULL;
	}
	for (int64_t c = 0; c < m; c++)
		s[c] = quant_scale(qx, 0) * quant_scale(qw, c);
	*q = (Quant){Q_AXIS, 0, (uint32_t)m, s, NULL, 0};
	b = ir_const_borrow(cx, n->im->g, type_new(cx, DT_I32, 1, &m, q),
	                    b->cst->data, b->name);
	ft = type_new(cx, DT_F32, 1, &m, NULL);
	op = ir_op_new(cx, n->im->g, OP_DEQUANTIZE, &n->loc, 1, &b, 1, &ft);
	return node_aux(n, op);
}

/* x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [B] */
bool
import_qlinearconv(Node *n)
{
	Value *in[3] = {NULL, NULL, NULL}, *y;
	Node conv = *n;

	if (!(in[0] = dequant_input(n, 0, 1, 2, 1)) ||
	    !(in[1] = dequant_input(n, 3, 4, 5, 0)))
		return false;
	if (in[1]->type->rank != 4) {
		diag(n->im->cx, DIAG_ERROR, &n->loc, "the weights must have "
		     "rank 4");
		return false;
	}
	if (n->nin > 8 && n->in[8] &&
	    !(in[2] = dequant_bias(n, n->in[8], in[0], in[1])))
		return false;
	conv.in = in;
	conv.nin = in[2] ? 3 : 2;
	if (!import_conv(&conv))
		return false;
	y = onnx_sym(n->im, n->p->output[0])->v;
	return quant_result(n, y, 6, 7, 1);
}

/* a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp */
bool
import_qlinearmatmul(Node *n)
{
	Value *in[2], *y;
	Node mm = *n;
	int64_t axis;

	if (!(in[0] = dequant_input(n, 0, 1, 2, 0)))
		return false;
	axis = n->in[3]->type->rank - 1;
	if (!(in[1] = dequant_input(n, 3, 4, 5, axis)))
		return false;
	mm.in = in;
	mm.nin = 2;
	if (!import_matmul(&mm))
		return false;
	y = onnx_sym(n->im, n->p->output[0])->v;
	return quant_result(n, y, 6, 7, 1);
}

/* QLinearAdd, QLinearMul (com.microsoft):
 * a, a_scale, a_zp, b, b_scale, b_zp, c_scale, [c_zp] */
bool
import_qlinearbinary(Node *n)
{
	bool add = !strcmp(n->loc.op_type, "QLinearAdd");
	Value *in[2], *y;

	if (!(in[0] = dequant_input(n, 0, 1, 2, 0)) ||
	    !(in[1] = dequant_input(n, 3, 4, 5, 0)))
		return false;
	if (!(y = node_aux(n, node_op(n, add ? OP_ADD : OP_MUL, 2, in))))
		return false;
	return quant_result(n, y, 6, 7, 1);
}
