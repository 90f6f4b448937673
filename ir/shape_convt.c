/* shape_convt.c -- type inference for ConvTranspose (shape.c dispatches
 * here through ir_infer_convt).
 *
 *   x [N, C, H, W]   w [C, M/group, kh, kw]   bias [M] (optional)
 *   y [N, M, OH, OW] with, per spatial axis,
 *       out = stride * (in - 1) + dilation * (k - 1) + 1 - pad_begin - pad_end
 *
 * pad_end may be negative: the importer folds output_padding and
 * output_shape into it.  A 1-D ConvTranspose has x [N, C, W], w [C, M/g,
 * kw] and the height entries of ConvAttr set to kernel 1, stride 1,
 * dilation 1, pads 0.
 */
#include "ir.h"

/* The kernel size of spatial axis i (0 height, 1 width) of weight w. */
static int64_t
kernel_dim(const TensorType *w, int i)
{
	if (w->rank == 3)
		return i == 0 ? 1 : w->dim[2];
	return w->dim[2 + i];
}

static bool
check_attr(Ctx *cx, const Op *op, const TensorType *w)
{
	const ConvAttr *a = &op->a.conv;

	for (int i = 0; i < 2; i++) {
		if (a->stride[i] < 1 || a->dilation[i] < 1)
			return shape_fail(cx, op,
			                  "ConvTranspose strides %dx%d and "
			                  "dilations %dx%d must be positive",
			                  a->stride[0], a->stride[1],
			                  a->dilation[0], a->dilation[1]);
		if (a->kernel[i] && a->kernel[i] != kernel_dim(w, i))
			return shape_fail(cx, op,
			                  "ConvTranspose kernel_shape %dx%d "
			                  "does not match weight %s",
			                  a->kernel[0], a->kernel[1],
			                  shape_tstr(cx, w));
		if (a->pad[i] < 0)
			return shape_fail(cx, op,
			                  "ConvTranspose has negative leading "
			                  "padding %d,%d",
			                  a->pad[0], a->pad[1]);
	}
	if (w->rank == 3 && (a->stride[0] != 1 || a->dilation[0] != 1 ||
	                     a->pad[0] != 0 || a->pad[2] != 0))
		bug("1-D ConvTranspose with a height window");
	return true;
}

bool
ir_infer_convt(Ctx *cx, const Op *op, const TensorType *out[])
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	int64_t g = a->group, c, m, dim[4];
	int r = x->rank;

	if (x->dt != DT_F32 || w->dt != DT_F32)
		return shape_fail(cx, op,
		                  "ConvTranspose takes f32 input and weight, "
		                  "not %s and %s",
		                  shape_tstr(cx, x), shape_tstr(cx, w));
	if ((r != 3 && r != 4) || w->rank != r)
		return shape_fail(cx, op,
		                  "ConvTranspose input %s and weight %s must "
		                  "both have rank 4 (2-D) or 3 (1-D)",
		                  shape_tstr(cx, x), shape_tstr(cx, w));
	c = x->dim[1];
	if (g < 1 || c % g)
		return shape_fail(cx, op,
		                  "ConvTranspose group %lld does not divide "
		                  "the %lld input channels",
		                  (long long)g, (long long)c);
	if (w->dim[0] != c)
		return shape_fail(cx, op,
		                  "ConvTranspose input %s has %lld channels "
		                  "but weight %s has %lld",
		                  shape_tstr(cx, x), (long long)c,
		                  shape_tstr(cx, w), (long long)w->dim[0]);
	m = w->dim[1] * g;
	if (!check_attr(cx, op, w))
		return false;
	if (op->nin > 2 && op->in[2]) {
		const TensorType *b = op->in[2]->type;
		if (b->dt != DT_F32 || b->rank != 1 || b->dim[0] != m)
			return shape_fail(cx, op,
			                  "ConvTranspose bias %s must be "
			                  "f32[%lld]",
			                  shape_tstr(cx, b), (long long)m);
	}
	dim[0] = x->dim[0];
	dim[1] = m;
	for (int i = 2 - (r - 2); i < 2; i++) {
		int64_t in = x->dim[r - 2 + i];
		int64_t ek =
		    (int64_t)a->dilation[i] * (kernel_dim(w, i) - 1) + 1;
		int64_t o =
		    a->stride[i] * (in - 1) + ek - a->pad[i] - a->pad[i + 2];
		if (o < 1)
			return shape_fail(
			    cx, op,
			    "ConvTranspose of %s with weight %s "
			    "and pads %d,%d has no output along axis %d",
			    shape_tstr(cx, x), shape_tstr(cx, w), a->pad[i],
			    a->pad[i + 2], r - 2 + i);
		dim[r - 2 + i] = o;
	}
	out[0] = type_new(cx, DT_F32, r, dim, NULL);
	return true;
}
