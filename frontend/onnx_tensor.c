/* onnx_tensor.c -- TensorProto and ValueInfoProto into IR types and
 * constants.
 *
 * Model files are untrusted: every dimension, element count and byte count
 * is checked before it is used, and a tensor whose data does not match its
 * shape is a located error, never a read past the end.  raw_data is
 * little-endian, like every host qcc runs on; it and the typed arrays
 * (float_data, int64_data, ...) were unpacked into Ctx.perm by protobuf-c,
 * so constants borrow them when their layout already matches.
 */
#include <stdint.h>
#include <string.h>

#include "onnx.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "raw_data is little-endian; qcc assumes a little-endian host");

/* Larger tensors are rejected before any size arithmetic can overflow. */
#define MAX_NUMEL ((int64_t)1 << 40)

bool
onnx_dtype(int onnx_type, DType *out)
{
	for (int d = 0; d < DT_COUNT; d++) {
		if (dtype_info[d].onnx && dtype_info[d].onnx == onnx_type) {
			*out = (DType)d;
			return true;
		}
	}
	return false;
}

const char *
onnx_dtype_name(int onnx_type)
{
	static const char *const names[] = {
	    "undefined",      "float",        "uint8",          "int8",
	    "uint16",         "int16",        "int32",          "int64",
	    "string",         "bool",         "float16",        "double",
	    "uint32",         "uint64",       "complex64",      "complex128",
	    "bfloat16",       "float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
	    "float8e5m2fnuz", "uint4",        "int4",
	};

	if (onnx_type >= 0 && onnx_type < (int)(sizeof names / sizeof *names))
		return names[onnx_type];
	return "unknown";
}

/* dims into dim[], checked: rank, signs and the element count. */
static bool
tensor_shape(Importer *im, const Onnx__TensorProto *t, const Loc *loc,
             const char *what, int64_t *dim, int64_t *numel)
{
	*numel = 1;
	if (t->n_dims > MAX_RANK) {
		diag(im->cx, DIAG_ERROR, loc,
		     "%s has rank %zu; qcc supports ranks up to %d", what,
		     t->n_dims, MAX_RANK);
		return false;
	}
	for (size_t i = 0; i < t->n_dims; i++) {
		dim[i] = t->dims[i];
		if (dim[i] < 0) {
			diag(im->cx, DIAG_ERROR, loc,
			     "%s has negative dimension %lld", what,
			     (long long)dim[i]);
			return false;
		}
		if (dim[i] && *numel > MAX_NUMEL / dim[i]) {
			diag(im->cx, DIAG_ERROR, loc,
			     "%s is too large (over %lld elements)", what,
			     (long long)MAX_NUMEL);
			return false;
		}
		*numel *= dim[i];
	}
	return true;
}

/* Typed-field data that has to be narrowed, e.g. int8 stored in int32_data. */
static const void *
narrow_int32(Importer *im, const Onnx__TensorProto *t, const Loc *loc,
             const char *what, DType dt)
{
	int64_t lo = dtype_info[dt].is_signed ? -128 : 0;
	int64_t hi = dt == DT_BOOL ? 1 : dtype_info[dt].is_signed ? 127 : 255;
	uint8_t *p = NEWARRAY(im->cx->perm, uint8_t, t->n_int32_data + 1);

	for (size_t i = 0; i < t->n_int32_data; i++) {
		if (t->int32_data[i] < lo || t->int32_data[i] > hi) {
			diag(im->cx, DIAG_ERROR, loc,
			     "%s holds %d, which is not a %s", what,
			     t->int32_data[i], dtype_info[dt].name);
			return NULL;
		}
		p[i] = (uint8_t)t->int32_data[i];
	}
	return p;
}

/* The typed field that holds elements of dt into *data, with its element
 * count. */
static bool
typed_data(Importer *im, const Onnx__TensorProto *t, const Loc *loc,
           const char *what, DType dt, const void **data, size_t *count)
{
	switch (dt) {
	case DT_F32:
		*count = t->n_float_data;
		*data = t->float_data;
		return true;
	case DT_I64:
		*count = t->n_int64_data;
		*data = t->int64_data;
		return true;
	case DT_I32:
		*count = t->n_int32_data;
		*data = t->int32_data;
		return true;
	case DT_I8:
	case DT_U8:
	case DT_BOOL:
		*count = t->n_int32_data;
		*data = narrow_int32(im, t, loc, what, dt);
		return *data != NULL;
	default:
		diag(im->cx, DIAG_ERROR, loc,
		     "%s has element type %s, which qcc "
		     "reads only from raw_data",
		     what, dtype_info[dt].name);
		return false;
	}
}

static const char *
shape_str(Importer *im, DType dt, int rank, const int64_t *dim)
{
	char buf[160];
	TensorType t = {.dt = dt, .rank = (uint8_t)rank};

	memcpy(t.dim, dim, (size_t)rank * sizeof *dim);
	return arena_strdup(im->cx->perm, type_str(&t, buf, sizeof buf));
}

Value *
onnx_tensor_value(Importer *im, const Onnx__TensorProto *t, const Loc *loc,
                  const char *what, const char *name)
{
	int64_t dim[MAX_RANK], numel;
	const TensorType *ty;
	const void *data;
	size_t nbytes, count;
	DType dt;

	if (t->has_data_location &&
	    t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
		diag(im->cx, DIAG_ERROR, loc,
		     "%s: external data is not supported yet", what);
		return NULL;
	}
	if (t->segment) {
		diag(im->cx, DIAG_ERROR, loc,
		     "%s is segmented, which is not supported", what);
		return NULL;
	}
	if (!onnx_dtype(t->data_type, &dt)) {
		diag(im->cx, DIAG_ERROR, loc,
		     "%s has element type %s (%d), which qcc does not support",
		     what, onnx_dtype_name(t->data_type), (int)t->data_type);
		return NULL;
	}
	if (!tensor_shape(im, t, loc, what, dim, &numel))
		return NULL;
	ty = type_new(im->cx, dt, (int)t->n_dims, dim, NULL);
	nbytes = type_bytes(ty);
	if (t->has_raw_data) {
		if (t->raw_data.len != nbytes) {
			diag(im->cx, DIAG_ERROR, loc,
			     "%s has %zu bytes of data, "
			     "but its type %s needs %zu",
			     what, t->raw_data.len,
			     shape_str(im, dt, (int)t->n_dims, dim), nbytes);
			return NULL;
		}
		data = t->raw_data.data;
		if (nbytes &&
		    (uintptr_t)data % (size_t)((dtype_info[dt].bits + 7) / 8))
			return ir_const(im->cx, im->g, ty, data, name);
		return ir_const_borrow(im->cx, im->g, ty, nbytes ? data : NULL,
		                       name);
	}
	if (!typed_data(im, t, loc, what, dt, &data, &count))
		return NULL;
	if (count != (size_t)numel) {
		diag(im->cx, DIAG_ERROR, loc,
		     "%s has %zu values, but its type %s needs %lld", what,
		     count, shape_str(im, dt, (int)t->n_dims, dim),
		     (long long)numel);
		return NULL;
	}
	return ir_const_borrow(im->cx, im->g, ty, data, name);
}

/* A dimension of a graph input: a number, or a name that -D gives. */
static bool
input_dim(Importer *im, const char *name, int i,
          const Onnx__TensorShapeProto__Dimension *d, int64_t *out)
{
	const ImportOpts *o = im->opts;

	switch (d->value_case) {
	case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
		*out = d->dim_value;
		if (*out >= 1 && *out <= MAX_NUMEL)
			return true;
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "input \"%s\" has dimension "
		     "%d of size %lld; sizes must be positive",
		     name, i, (long long)*out);
		return false;
	case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
		if (!d->dim_param || !*d->dim_param)
			break;
		for (int j = 0; j < o->ndims; j++) {
			if (strcmp(o->dim_names[j], d->dim_param))
				continue;
			*out = o->dim_values[j];
			if (*out >= 1 && *out <= MAX_NUMEL)
				return true;
			diag(im->cx, DIAG_ERROR, &im->floc,
			     "-D %s=%lld: sizes must be positive", d->dim_param,
			     (long long)*out);
			return false;
		}
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "input \"%s\" has symbolic "
		     "dimension \"%s\"; fix it with -D %s=VALUE",
		     name, d->dim_param, d->dim_param);
		return false;
	default:
		break;
	}
	diag(im->cx, DIAG_ERROR, &im->floc,
	     "input \"%s\" has dimension %d of "
	     "unknown size; qcc needs fixed input shapes",
	     name, i);
	return false;
}

const TensorType *
onnx_input_type(Importer *im, const Onnx__ValueInfoProto *vi)
{
	const char *name = vi->name;
	const Onnx__TypeProto__Tensor *tt;
	int64_t dim[MAX_RANK], numel = 1;
	bool ok = true;

	if (!vi->type ||
	    vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "input \"%s\" is not a tensor", name);
		return NULL;
	}
	tt = vi->type->tensor_type;
	/* bool inputs are conditions (Where, Not); u8 and i8 inputs carry
	 * codes of a quantized model: a DequantizeLinear
	 * or QLinear* consumer gives them their scale and zero point */
	if (tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT &&
	    tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__UINT8 &&
	    tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT8 &&
	    tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__BOOL) {
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "input \"%s\" has element "
		     "type %s; qcc supports float, uint8, int8 and bool inputs",
		     name, onnx_dtype_name(tt->elem_type));
		return NULL;
	}
	if (!tt->shape) {
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "input \"%s\" has no shape; qcc needs fixed input shapes",
		     name);
		return NULL;
	}
	if (tt->shape->n_dim > MAX_RANK) {
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "input \"%s\" has rank %zu; qcc supports ranks up to %d",
		     name, tt->shape->n_dim, MAX_RANK);
		return NULL;
	}
	for (size_t i = 0; i < tt->shape->n_dim; i++)
		ok = input_dim(im, name, (int)i, tt->shape->dim[i], &dim[i]) &&
		     ok;
	if (!ok)
		return NULL;
	for (size_t i = 0; i < tt->shape->n_dim; i++) {
		if (numel > MAX_NUMEL / dim[i]) {
			diag(im->cx, DIAG_ERROR, &im->floc,
			     "input \"%s\" is too large (over %lld elements)",
			     name, (long long)MAX_NUMEL);
			return NULL;
		}
		numel *= dim[i];
	}
	return type_new(im->cx, tt->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__UINT8
	                            ? DT_U8
	                        : tt->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT8
	                            ? DT_I8
	                        : tt->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL
	                            ? DT_BOOL
	                            : DT_F32,
	                (int)tt->shape->n_dim, dim, NULL);
}
