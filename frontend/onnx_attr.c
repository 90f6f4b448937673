/* onnx_attr.c -- typed readers for a node's attributes.
 *
 * A reader finds the attribute by name, marks it read, checks its type and
 * hands back its value, or the default if the node does not have it.  A
 * wrong type is a located error.  After the importer has run,
 * attr_check_unused reports every attribute nobody read: qcc never ignores
 * an attribute silently; importers that may safely ignore one (Dropout's
 * seed, BatchNormalization's momentum) say so with attr_ignore.
 */
#include <math.h>
#include <string.h>

#include "onnx.h"

typedef Onnx__AttributeProto__AttributeType AttrType;

static const char *
type_name(AttrType t)
{
	switch (t) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		return "a float";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
		return "an int";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
		return "a string";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
		return "a tensor";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
		return "a graph";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR:
		return "a sparse tensor";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO:
		return "a type";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		return "floats";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		return "ints";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
		return "strings";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS:
		return "tensors";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
		return "graphs";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS:
		return "sparse tensors";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS:
		return "types";
	default:
		return "untyped";
	}
}

/* The attribute's type; very old exporters leave it out, so then it is
 * read off the field that is set. */
static AttrType
attr_type(const Onnx__AttributeProto *a)
{
	if (a->has_type &&
	    a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
		return a->type;
	if (a->has_f)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	if (a->has_i)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	if (a->has_s)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
	if (a->t)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
	if (a->g)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
	if (a->n_floats)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
	if (a->n_ints)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
	if (a->n_strings)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
	return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

const Onnx__AttributeProto *
attr_get(Node *n, const char *name)
{
	const Onnx__AttributeProto *found = NULL;

	for (size_t i = 0; i < n->p->n_attribute; i++) {
		const Onnx__AttributeProto *a = n->p->attribute[i];
		if (a->name && !strcmp(a->name, name)) {
			n->used[i] = true;
			if (!found)
				found = a;
		}
	}
	return found;
}

bool
attr_is_type(Node *n, const Onnx__AttributeProto *a, AttrType want)
{
	AttrType t = attr_type(a);

	if (t == want)
		return true;
	diag(n->im->cx, DIAG_ERROR, &n->loc,
	     "attribute \"%s\" must be %s, not %s", a->name, type_name(want),
	     type_name(t));
	return false;
}

void
attr_ignore(Node *n, const char *name)
{
	attr_get(n, name);
}

bool
attr_int(Node *n, const char *name, int64_t def, int64_t *out)
{
	const Onnx__AttributeProto *a = attr_get(n, name);

	*out = def;
	if (!a)
		return true;
	if (!attr_is_type(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT))
		return false;
	*out = a->i;
	return true;
}

bool
attr_bool(Node *n, const char *name, bool def, bool *out)
{
	int64_t v;

	*out = def;
	if (!attr_int(n, name, def, &v))
		return false;
	if (v != 0 && v != 1) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"%s\" must be 0 or 1, not %lld", name,
		     (long long)v);
		return false;
	}
	*out = v;
	return true;
}

bool
attr_float(Node *n, const char *name, float def, float *out)
{
	const Onnx__AttributeProto *a = attr_get(n, name);

	*out = def;
	if (!a)
		return true;
	if (!attr_is_type(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT))
		return false;
	if (isnan(a->f)) {
		diag(n->im->cx, DIAG_ERROR, &n->loc, "attribute \"%s\" is NaN",
		     name);
		return false;
	}
	*out = a->f;
	return true;
}

bool
attr_string(Node *n, const char *name, const char *def, const char **out)
{
	const Onnx__AttributeProto *a = attr_get(n, name);
	char *s;

	*out = def;
	if (!a)
		return true;
	if (!attr_is_type(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING))
		return false;
	s = arena_alloc(n->im->cx->perm, a->s.len + 1, 1);
	if (a->s.len)
		memcpy(s, a->s.data, a->s.len);
	if (strlen(s) != a->s.len) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"%s\" holds a NUL byte", name);
		return false;
	}
	*out = s;
	return true;
}

bool
attr_ints(Node *n, const char *name, const int64_t **out, int *count)
{
	const Onnx__AttributeProto *a = attr_get(n, name);

	*out = NULL;
	*count = -1;
	if (!a)
		return true;
	if (!attr_is_type(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS))
		return false;
	if (a->n_ints > (size_t)INT32_MAX) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"%s\" has %zu values", name, a->n_ints);
		return false;
	}
	*out = a->ints;
	*count = (int)a->n_ints;
	return true;
}

bool
attr_floats(Node *n, const char *name, const float **out, int *count)
{
	const Onnx__AttributeProto *a = attr_get(n, name);

	*out = NULL;
	*count = -1;
	if (!a)
		return true;
	if (!attr_is_type(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS))
		return false;
	if (a->n_floats > (size_t)INT32_MAX) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"%s\" has %zu values", name, a->n_floats);
		return false;
	}
	*out = a->floats;
	*count = (int)a->n_floats;
	return true;
}

bool
attr_tensor(Node *n, const char *name, const Onnx__TensorProto **out)
{
	const Onnx__AttributeProto *a = attr_get(n, name);

	*out = NULL;
	if (!a)
		return true;
	if (!attr_is_type(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR))
		return false;
	if (!a->t) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "attribute \"%s\" has no tensor", name);
		return false;
	}
	*out = a->t;
	return true;
}

bool
attr_check_unused(Node *n)
{
	bool ok = true;

	for (size_t i = 0; i < n->p->n_attribute; i++) {
		if (n->used[i])
			continue;
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "unknown attribute \"%s\" for %s (opset %lld)",
		     n->p->attribute[i]->name ? n->p->attribute[i]->name : "",
		     n->loc.op_type, (long long)n->im->opset);
		ok = false;
	}
	return ok;
}
