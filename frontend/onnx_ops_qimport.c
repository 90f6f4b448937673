/* onnx_ops_qimport.c -- importers for ConvInteger and MatMulInteger: ops
 * on integer codes whose result is the int32 accumulator
 *     y = sum (x - z_x) * (w - z_w)
 * with no scale anywhere.
 *
 * They become the IR's Conv and MatMul on codes (ir/shape_quant.c) with an
 * i32 result type: the activation x is u8 codes whose Quant carries z_x
 * (scale 1, which nothing reads), and the constant weights become i16
 * codes w - z_w with zero point 0 (u8 weights with a zero point give
 * w - z_w in [-255, 255], which int8 cannot hold; see passes/fold_qdq.c
 * for why qcc widens the weights rather than correcting per pixel).
 * fold-shift folds z_x into a Conv's bias as for every integer Conv; a
 * MatMul subtracts z_a in its kernel.  The run-time kernels accumulate in
 * int32 (runtime/kernels/qimport.c); a layer whose worst-case accumulator
 * could overflow int32 is reported here.
 *
 * Not imported: int8 activations, a per-row a_zero_point of MatMulInteger,
 * run-time (non-constant) weights.
 */
#include <string.h>

#include "onnx.h"

/* The zero point at input iz (absent: 0), with 1 or nch entries, into
 * *zp; *cnt gets the count. */
static bool
zero_points(Node *n, int iz, int64_t nch, const char *what, int32_t **zp,
            int64_t *cnt)
{
	Ctx *cx = n->im->cx;
	const Value *z = iz < n->nin ? n->in[iz] : NULL;

	*cnt = 1;
	*zp = NEWARRAY(cx->perm, int32_t, nch > 0 ? nch : 1);
	if (!z)
		return true;
	if (!z->cst) {
		diag(cx, DIAG_ERROR, &n->loc, "%s (\"%s\") must be a constant",
		     what, n->p->input[iz]);
		return false;
	}
	*cnt = type_numel(z->type);
	if ((z->type->dt != DT_U8 && z->type->dt != DT_I8) ||
	    (*cnt != 1 && *cnt != nch)) {
		diag(cx, DIAG_ERROR, &n->loc, "%s must be uint8 or int8 with 1 "
		     "or %lld entries", what, (long long)nch);
		return false;
	}
	for (int64_t i = 0; i < *cnt; i++)
		(*zp)[i] = z->type->dt == DT_U8
		                   ? ((const uint8_t *)z->cst->data)[i]
		                   : ((const int8_t *)z->cst->data)[i];
	return true;
}

/* The run-time u8 codes of input ix with the zero point at iz. */
static Value *
act_codes(Node *n, int ix, int iz)
{
	Ctx *cx = n->im->cx;
	Value *x = n->in[ix];
	const TensorType *t = x->type;
	Quant *q = NEW(cx->perm, Quant);
	float *one = NEWARRAY(cx->perm, float, 1);
	int32_t *zp;
	int64_t cnt;

	if (!zero_points(n, iz, 1, "the input's zero point", &zp, &cnt))
		return NULL;
	if (t->dt != DT_U8) {
		diag(cx, DIAG_ERROR, &n->loc, "input \"%s\" is %s; qcc supports "
		     "uint8 activations", n->p->input[ix], dtype_info[t->dt].name);
		return NULL;
	}
	if (x->cst) {
		diag(cx, DIAG_ERROR, &n->loc, "a constant input \"%s\" is not "
		     "supported", n->p->input[ix]);
		return NULL;
	}
	one[0] = 1.0f;
	*q = (Quant){Q_TENSOR, 0, 1, one, zp, 0};
	if (!t->q && !x->def) {
		x->type = type_new(cx, DT_U8, t->rank, t->dim, q);
	} else if (!t->q || t->q->kind != Q_TENSOR ||
	           quant_zp(t->q, 0) != zp[0]) {
		diag(cx, DIAG_ERROR, &n->loc, "input \"%s\" has another zero "
		     "point than it was quantized with", n->p->input[ix]);
		return NULL;
	}
	return x;
}

/* Constant weights at iw minus the zero point at iz (one per tensor or one
 * per index of axis) as i16 codes with zero point 0; NULL after a report,
 * also when bound * sum |w - z_w| over one output channel (along oaxis)
 * could overflow int32: 510 for a Conv (u8 codes, and the -z_x term
 * folded into its bias), 255 for a MatMul (|a - z_a| <= 255). */
static Value *
weight_codes(Node *n, int iw, int iz, int axis, int oaxis, int64_t bound)
{
	Ctx *cx = n->im->cx;
	const Value *w = n->in[iw];
	const TensorType *t = w->type;
	int64_t num = type_numel(t), inner = 1, oinner = 1, cnt;
	int64_t nch = t->dim[axis], no = t->dim[oaxis], *sum;
	int16_t *d = NEWARRAY(cx->scratch, int16_t, num + 1);
	Quant *q = NEW(cx->perm, Quant);
	float *one = NEWARRAY(cx->perm, float, 1);
	int32_t *zp;

	if (!w->cst || (t->dt != DT_U8 && t->dt != DT_I8)) {
		diag(cx, DIAG_ERROR, &n->loc, "the weights (\"%s\") must be a "
		     "uint8 or int8 constant", n->p->input[iw]);
		return NULL;
	}
	if (!zero_points(n, iz, nch, "the weights' zero point", &zp, &cnt))
		return NULL;
	for (int i = axis + 1; i < t->rank; i++)
		inner *= t->dim[i];
	for (int i = oaxis + 1; i < t->rank; i++)
		oinner *= t->dim[i];
	sum = NEWARRAY(cx->scratch, int64_t, no);
	for (int64_t i = 0; i < num; i++) {
		int32_t v = t->dt == DT_U8 ? ((const uint8_t *)w->cst->data)[i]
		                           : ((const int8_t *)w->cst->data)[i];
		v -= zp[cnt == 1 ? 0 : i / inner % nch];
		d[i] = (int16_t)v;
		sum[i / oinner % no] += v < 0 ? -v : v;
	}
	for (int64_t o = 0; o < no; o++)
		if (bound * sum[o] > INT32_MAX) {
			diag(cx, DIAG_ERROR, &n->loc, "the int32 accumulator of "
			     "output channel %lld could overflow", (long long)o);
			return NULL;
		}
	one[0] = 1.0f;
	*q = (Quant){Q_TENSOR, 0, 1, one, NULL, 0};
	return ir_const(cx, n->im->g, type_new(cx, DT_I16, t->rank, t->dim, q),
	                d, w->name);
}

/* x, w, [x_zero_point], [w_zero_point] */
bool
import_convinteger(Node *n)
{
	Ctx *cx = n->im->cx;
	Value *in[2], *fin[2], *y;
	const TensorType *ft, *it;
	Node conv = *n;
	Op *op;

	if (n->in[1]->type->rank != 4) {
		diag(cx, DIAG_ERROR, &n->loc, "the weights must have rank 4");
		return false;
	}
	if (!(in[0] = act_codes(n, 0, 2)) ||
	    !(in[1] = weight_codes(n, 1, 3, 0, 0, 510)))
		return false;
	/* the float Conv parses the attributes and checks the shapes; it is
	 * left unused (dce removes it) */
	for (int i = 0; i < 2; i++) {
		ft = type_new(cx, DT_F32, in[i]->type->rank, in[i]->type->dim,
		              NULL);
		if (!(fin[i] = node_aux(n, ir_op_new(cx, n->im->g,
		                                     OP_DEQUANTIZE, &n->loc, 1,
		                                     &in[i], 1, &ft))))
			return false;
	}
	conv.in = fin;
	conv.nin = 2;
	if (!import_conv(&conv))
		return false;
	y = onnx_sym(n->im, n->p->output[0])->v;
	it = type_new(cx, DT_I32, y->type->rank, y->type->dim, NULL);
	op = ir_op_new(cx, n->im->g, OP_CONV, &n->loc, 2, in, 1, &it);
	op->a.conv = y->def->a.conv;
	return node_emit(n, op);
}

/* A, B, [a_zero_point], [b_zero_point] */
bool
import_matmulinteger(Node *n)
{
	Ctx *cx = n->im->cx;
	const TensorType *bt = n->in[1]->type;
	const TensorType *it = type_new(cx, DT_I32, 0, NULL, NULL);
	Value *in[2];

	if (bt->rank < 2 || n->in[0]->type->rank < 2) {
		diag(cx, DIAG_ERROR, &n->loc, "A and B must have rank 2 or more");
		return false;
	}
	if (!(in[0] = act_codes(n, 0, 2)) ||
	    !(in[1] = weight_codes(n, 1, 3, bt->rank - 1, bt->rank - 1,
	                              255)))
		return false;
	return node_emit(n, ir_op_new(cx, n->im->g, OP_MATMUL, &n->loc, 2, in,
	                              1, &it));
}
