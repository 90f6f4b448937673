/* onnx_ops_resize.c -- importers for Resize (opsets 10 to 18) and
 * Upsample (7 to 9).
 *
 * The result size comes from constant scales (floor(in * scale)) or, from
 * opset 11 on, constant sizes (then scale = size / in), and is fixed in
 * the op's attributes with the modes:
 *   Upsample, Resize-10   asymmetric coordinates, nearest rounds down
 *   Resize-11 on          coordinate_transformation_mode (half_pixel by
 *                         default) and nearest_mode (round_prefer_floor)
 * Modes nearest and linear are supported; cubic, tf_crop_and_resize and
 * Resize-18's axes/antialias/keep_aspect_ratio_policy are reported.
 */
#include <math.h>
#include <string.h>

#include "onnx.h"

static bool
pick(Node *n, const char *what, const char *s, const char *const *names,
     int count, int *out)
{
	for (int i = 0; i < count; i++)
		if (!strcmp(names[i], s)) {
			*out = i;
			return true;
		}
	diag(n->im->cx, DIAG_ERROR, &n->loc, "%s %s \"%s\" is not supported",
	     n->loc.op_type, what, s);
	return false;
}

/* Result sizes from scales (input si, or the "scales" attribute when
 * si < 0) or sizes (input zi). */
static bool
resize_dims(Node *n, int si, int zi, ResizeAttr *a)
{
	const TensorType *x = n->in[0]->type;
	const Value *v;
	int64_t k;

	if (zi < n->nin && n->in[zi]) {
		v = node_const_input(n, zi, "Resize sizes", DT_I64);
		if (!v)
			return false;
		if (type_numel(v->type) != x->rank)
			goto bad;
		for (int i = 0; i < x->rank; i++) {
			a->out[i] = ((const int64_t *)v->cst->data)[i];
			a->scale[i] = (float)a->out[i] / (float)x->dim[i];
		}
		return true;
	}
	if (si < 0) {
		const float *s;
		int c;
		if (!attr_floats(n, "scales", &s, &c))
			return false;
		if (c != x->rank)
			goto bad;
		memcpy(a->scale, s, sizeof *s * (size_t)c);
	} else {
		if (si >= n->nin || !n->in[si])
			goto bad;
		v = node_const_input(n, si, "Resize scales", DT_F32);
		if (!v)
			return false;
		k = type_numel(v->type);
		if (k != x->rank)
			goto bad;
		memcpy(a->scale, value_f32(v), sizeof(float) * (size_t)k);
	}
	for (int i = 0; i < x->rank; i++)
		a->out[i] = (int64_t)floor((double)x->dim[i] * a->scale[i]);
	return true;
bad:
	diag(n->im->cx, DIAG_ERROR, &n->loc,
	     "%s needs %d scales or sizes (one per input axis)",
	     n->loc.op_type, x->rank);
	return false;
}

static bool
resize_mode(Node *n, ResizeAttr *a)
{
	static const char *const modes[] = {"nearest", "linear"};
	const char *s;
	int m;

	if (!attr_string(n, "mode", "nearest", &s))
		return false;
	if (!strcmp(s, "bilinear"))
		s = "linear";
	if (!pick(n, "mode", s, modes, 2, &m))
		return false;
	a->mode = (ResizeMode)m;
	return true;
}

static bool
emit_resize(Node *n, const ResizeAttr *a)
{
	Op *op = node_op(n, OP_RESIZE, 1, n->in);

	op->a.resize = *a;
	return node_emit(n, op);
}

bool
import_upsample(Node *n)
{
	ResizeAttr a = {0};

	a.coord = COORD_ASYMMETRIC;
	a.nearest = NEAREST_FLOOR;
	return resize_mode(n, &a) &&
	       resize_dims(n, n->im->opset >= 9 ? 1 : -1, 99, &a) &&
	       emit_resize(n, &a);
}

bool
import_resize(Node *n)
{
	static const char *const coords[] = {
	    "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
	    "tf_half_pixel_for_nearest",
	};
	static const char *const nearest[] = {
	    "round_prefer_floor", "round_prefer_ceil", "floor", "ceil",
	};
	ResizeAttr a = {0};
	const char *s;
	int m;

	if (!resize_mode(n, &a))
		return false;
	if (n->im->opset < 11) {
		a.coord = COORD_ASYMMETRIC;
		a.nearest = NEAREST_FLOOR;
		return resize_dims(n, 1, 99, &a) && emit_resize(n, &a);
	}
	attr_ignore(n, "cubic_coeff_a");
	attr_ignore(n, "exclude_outside");
	attr_ignore(n, "extrapolation_value");
	if (!attr_string(n, "coordinate_transformation_mode", "half_pixel",
	                 &s) ||
	    !pick(n, "coordinate_transformation_mode", s, coords, 5, &m))
		return false;
	a.coord = (CoordMode)m;
	if (!attr_string(n, "nearest_mode", "round_prefer_floor", &s) ||
	    !pick(n, "nearest_mode", s, nearest, 4, &m))
		return false;
	a.nearest = (NearestMode)m;
	return resize_dims(n, 2, 3, &a) && emit_resize(n, &a);
}
