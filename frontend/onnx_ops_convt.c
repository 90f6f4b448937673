/* onnx_ops_convt.c -- the ConvTranspose importer.
 *
 * ConvTranspose is 1-D ([N,C,W]) or 2-D ([N,C,H,W]); 3-D is reported.
 * Its attributes become a ConvAttr whose end pads carry output_padding
 * and output_shape (ir/ops.def): per spatial axis, with
 *     natural = stride*(in-1) + output_padding + dilation*(k-1) + 1,
 *   output_shape given:      total = natural - output_shape
 *   auto_pad SAME_UPPER/     total = natural - in*stride
 *            SAME_LOWER:
 *   then SAME_UPPER:         begin = floor(total/2), end = total - begin
 *   otherwise:               end = floor(total/2), begin = total - end
 *   auto_pad VALID:          no padding
 *   else:                    begin, end from pads (default 0)
 * and the IR's end pad is end - output_padding, so the result has
 * natural - begin - end elements.  The begin pad must not be negative
 * (an output_shape larger than natural + 1 along an axis is reported).
 */
#include <string.h>

#include "onnx.h"

#define CONVT_MAX 65535

static const char *
tstr(Node *n, const TensorType *t)
{
	char buf[128];

	return arena_strdup(n->im->cx->perm, type_str(t, buf, sizeof buf));
}

/* ints attribute name with sp values (or, when full_ok, 2 + sp values of
 * which the spatial ones are kept) in [lo, CONVT_MAX]; absent: def.
 * *given tells whether the node has it. */
static bool
convt_ints(Node *n, const char *name, int sp, int64_t lo, int64_t def,
           int64_t *out, bool *given, bool full_ok)
{
	const int64_t *v;
	int c, skip = 0;

	if (!attr_ints(n, name, &v, &c))
		return false;
	*given = c >= 0;
	for (int i = 0; i < sp; i++)
		out[i] = def;
	if (c < 0)
		return true;
	if (full_ok && c == sp + 2)
		skip = 2;
	else if (c != sp) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"%s\" has %d values; a %d-D ConvTranspose "
		     "needs %d", name, c, sp, sp);
		return false;
	}
	for (int i = 0; i < sp; i++) {
		if (v[skip + i] < lo || v[skip + i] > CONVT_MAX) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "attribute \"%s\" has value %lld; it must be in "
			     "%lld..%d", name, (long long)v[skip + i],
			     (long long)lo, CONVT_MAX);
			return false;
		}
		out[i] = v[skip + i];
	}
	return true;
}

static int64_t
floor_half(int64_t t)
{
	return t >= 0 ? t / 2 : -((-t + 1) / 2);
}

typedef struct ConvtAttrs {
	int64_t kernel[2], stride[2], dil[2], pads[4], opad[2], oshape[2];
	bool has_kernel, has_oshape;
	const char *auto_pad;
	int64_t group;
} ConvtAttrs;

static bool
read_attrs(Node *n, int sp, ConvtAttrs *A)
{
	bool given;

	if (!convt_ints(n, "kernel_shape", sp, 1, 0, A->kernel,
	                &A->has_kernel, false) ||
	    !convt_ints(n, "strides", sp, 1, 1, A->stride, &given, false) ||
	    !convt_ints(n, "dilations", sp, 1, 1, A->dil, &given, false) ||
	    !convt_ints(n, "output_padding", sp, 0, 0, A->opad, &given,
	                false) ||
	    !convt_ints(n, "output_shape", sp, 1, 0, A->oshape,
	                &A->has_oshape, true) ||
	    !attr_string(n, "auto_pad", "NOTSET", &A->auto_pad) ||
	    !attr_int(n, "group", 1, &A->group))
		return false;
	if (!convt_ints(n, "pads", 2 * sp, 0, 0, A->pads, &given, false))
		return false;
	if (A->group < 1 || A->group > INT32_MAX) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"group\" is %lld; it must be positive",
		     (long long)A->group);
		return false;
	}
	if (strcmp(A->auto_pad, "NOTSET") && strcmp(A->auto_pad, "VALID") &&
	    strcmp(A->auto_pad, "SAME_UPPER") &&
	    strcmp(A->auto_pad, "SAME_LOWER")) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "auto_pad \"%s\" is not one of NOTSET, SAME_UPPER, "
		     "SAME_LOWER, VALID", A->auto_pad);
		return false;
	}
	return true;
}

/* The begin and end pads of spatial axis i (the IR's end pad, with
 * output_padding taken off) into *pb, *pe. */
static bool
axis_pads(Node *n, const ConvtAttrs *A, int sp, int i, int64_t in,
          int64_t k, int64_t *pb, int64_t *pe)
{
	int64_t natural = A->stride[i] * (in - 1) + A->opad[i] +
	                  A->dil[i] * (k - 1) + 1;
	bool same = !strncmp(A->auto_pad, "SAME_", 5);
	int64_t total, half;

	if (A->has_oshape || same) {
		total = natural - (A->has_oshape ? A->oshape[i]
		                                 : in * A->stride[i]);
		half = floor_half(total);
		if (!strcmp(A->auto_pad, "SAME_UPPER")) {
			*pb = half;
			*pe = total - half;
		} else {
			*pe = half;
			*pb = total - half;
		}
	} else if (!strcmp(A->auto_pad, "VALID")) {
		*pb = *pe = 0;
	} else {
		*pb = A->pads[i];
		*pe = A->pads[sp + i];
	}
	if (*pb < 0 || *pb > CONVT_MAX || *pe < -2 * CONVT_MAX ||
	    *pe > CONVT_MAX) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "ConvTranspose output_shape %lld along spatial axis %d is "
		     "out of reach (the natural size is %lld)",
		     (long long)(A->has_oshape ? A->oshape[i] : 0), i,
		     (long long)natural);
		return false;
	}
	*pe -= A->opad[i];
	return true;
}

bool
import_convtranspose(Node *n)
{
	const TensorType *x = n->in[0]->type, *wt = n->in[1]->type;
	int r = x->rank, sp = r - 2;
	ConvtAttrs A;
	ConvAttr *a;
	Op *op;

	if (r == 5) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "3-D ConvTranspose is not supported (input %s); qcc "
		     "supports 1-D and 2-D", tstr(n, x));
		return false;
	}
	if ((r != 3 && r != 4) || wt->rank != r) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "ConvTranspose input %s and weight %s must both have rank "
		     "4 (2-D) or 3 (1-D)", tstr(n, x), tstr(n, wt));
		return false;
	}
	memset(&A, 0, sizeof A);
	if (!read_attrs(n, sp, &A))
		return false;
	op = node_op(n, OP_CONVTRANSPOSE, n->nin > 2 && n->in[2] ? 3 : 2,
	             n->in);
	a = &op->a.conv;
	a->group = (int32_t)A.group;
	/* the height entries of a 1-D op stay a 1-tall window */
	a->kernel[0] = a->stride[0] = a->dilation[0] = 1;
	for (int i = 0; i < sp; i++) {
		int ax = 2 - sp + i;
		int64_t k = wt->dim[2 + i], pb, pe;

		if (A.has_kernel && A.kernel[i] != k) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "ConvTranspose kernel_shape does not match weight "
			     "%s", tstr(n, wt));
			return false;
		}
		if (!axis_pads(n, &A, sp, i, x->dim[2 + i], k, &pb, &pe))
			return false;
		a->kernel[ax] = (int32_t)k;
		a->stride[ax] = (int32_t)A.stride[i];
		a->dilation[ax] = (int32_t)A.dil[i];
		a->pad[ax] = (int32_t)pb;
		a->pad[ax + 2] = (int32_t)pe;
	}
	return node_emit(n, op);
}
