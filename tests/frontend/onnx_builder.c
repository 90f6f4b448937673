/* onnx_builder.c -- ONNX models built in memory for frontend tests, and
 * the fixture the tests share (see onnx_builder.h).  Repeated fields grow
 * by copying into the arena, which is fine for models of a few dozen
 * nodes. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_builder.h"

#define DIM_VALUE ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
#define DIM_PARAM ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM

static void *
grow(Ob *b, void *arr, size_t n, size_t esz)
{
	void *p = arena_alloc(b->a, (n + 1) * esz, 16);

	if (n)
		memcpy(p, arr, n * esz);
	return p;
}

#define PUSH(b, arr, n, item)                                                  \
	do {                                                                   \
		(arr) = grow((b), (arr), (n), sizeof *(arr));                  \
		(arr)[(n)++] = (item);                                         \
	} while (0)

Ob *
ob_new(Arena *a, int64_t opset)
{
	Ob *b = NEW(a, Ob);

	b->a = a;
	b->model = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
	b->graph = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
	b->model.has_ir_version = 1;
	b->model.ir_version = 7;
	b->model.producer_name = "qcc-tests";
	b->model.graph = &b->graph;
	b->graph.name = "test";
	ob_opset(b, "", opset);
	return b;
}

void
ob_opset(Ob *b, const char *domain, int64_t version)
{
	Onnx__OperatorSetIdProto *os = NEW(b->a, Onnx__OperatorSetIdProto);

	*os = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
	os->domain = arena_strdup(b->a, domain);
	os->has_version = 1;
	os->version = version;
	PUSH(b, b->model.opset_import, b->model.n_opset_import, os);
}

/* Splits "a,b,,c" into arena strings; "" gives none. */
static char **
split(Ob *b, const char *s, size_t *n)
{
	char **v = NULL;
	const char *p = s;

	*n = 0;
	if (!*s)
		return NULL;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *tok = arena_alloc(b->a, len + 1, 1);
		memcpy(tok, p, len);
		PUSH(b, v, *n, tok);
		if (!e)
			break;
		p = e + 1;
	}
	return v;
}

static bool
is_number(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

Onnx__ValueInfoProto *
ob_input(Ob *b, const char *name, const char *dims)
{
	Onnx__ValueInfoProto *vi = NEW(b->a, Onnx__ValueInfoProto);
	Onnx__TypeProto *tp = NEW(b->a, Onnx__TypeProto);
	Onnx__TypeProto__Tensor *tt = NEW(b->a, Onnx__TypeProto__Tensor);
	Onnx__TensorShapeProto *sh = NEW(b->a, Onnx__TensorShapeProto);
	size_t n;
	char **tok;

	*vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
	*tp = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
	*tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
	*sh = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
	vi->name = arena_strdup(b->a, name);
	vi->type = tp;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	tt->has_elem_type = 1;
	tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	if (dims) {
		tt->shape = sh;
		tok = split(b, dims, &n);
		for (size_t i = 0; i < n; i++) {
			Onnx__TensorShapeProto__Dimension *d =
			    NEW(b->a, Onnx__TensorShapeProto__Dimension);
			*d = (Onnx__TensorShapeProto__Dimension)
			    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
			if (is_number(tok[i])) {
				d->value_case = DIM_VALUE;
				d->dim_value = strtoll(tok[i], NULL, 10);
			} else if (strcmp(tok[i], "?")) {
				d->value_case = DIM_PARAM;
				d->dim_param = tok[i];
			}
			PUSH(b, sh->dim, sh->n_dim, d);
		}
	}
	PUSH(b, b->graph.input, b->graph.n_input, vi);
	return vi;
}

void
ob_output(Ob *b, const char *name)
{
	Onnx__ValueInfoProto *vi = NEW(b->a, Onnx__ValueInfoProto);

	*vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
	vi->name = arena_strdup(b->a, name);
	PUSH(b, b->graph.output, b->graph.n_output, vi);
}

static Onnx__TensorProto *
tensor(Ob *b, const char *name, const char *dims, int dtype, size_t esz,
       const void *data, int64_t *numel)
{
	Onnx__TensorProto *t = NEW(b->a, Onnx__TensorProto);
	size_t n;
	char **tok = split(b, dims, &n);

	*t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
	t->name = arena_strdup(b->a, name);
	t->has_data_type = 1;
	t->data_type = dtype;
	*numel = 1;
	for (size_t i = 0; i < n; i++) {
		int64_t d = strtoll(tok[i], NULL, 10);
		PUSH(b, t->dims, t->n_dims, d);
		*numel *= d;
	}
	t->has_raw_data = 1;
	t->raw_data.len = (size_t)*numel * esz;
	t->raw_data.data = arena_alloc(b->a, t->raw_data.len + 1, 16);
	if (data)
		memcpy(t->raw_data.data, data, t->raw_data.len);
	return t;
}

Onnx__TensorProto *
ob_tensor_f32(Ob *b, const char *name, const char *dims, const float *data)
{
	int64_t n;
	Onnx__TensorProto *t =
	    tensor(b, name, dims, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
	           sizeof(float), data, &n);
	float *p = (float *)t->raw_data.data;

	for (int64_t i = 0; !data && i < n; i++)
		p[i] = (float)i;
	return t;
}

Onnx__TensorProto *
ob_tensor_i64(Ob *b, const char *name, const char *dims, const int64_t *data)
{
	int64_t n;
	Onnx__TensorProto *t =
	    tensor(b, name, dims, ONNX__TENSOR_PROTO__DATA_TYPE__INT64,
	           sizeof(int64_t), data, &n);
	int64_t *p = (int64_t *)t->raw_data.data;

	for (int64_t i = 0; !data && i < n; i++)
		p[i] = i;
	return t;
}

Onnx__TensorProto *
ob_init_f32(Ob *b, const char *name, const char *dims, const float *data)
{
	Onnx__TensorProto *t = ob_tensor_f32(b, name, dims, data);

	PUSH(b, b->graph.initializer, b->graph.n_initializer, t);
	return t;
}

Onnx__TensorProto *
ob_init_i64(Ob *b, const char *name, const char *dims, const int64_t *data)
{
	Onnx__TensorProto *t = ob_tensor_i64(b, name, dims, data);

	PUSH(b, b->graph.initializer, b->graph.n_initializer, t);
	return t;
}

Onnx__NodeProto *
ob_node(Ob *b, const char *op_type, const char *name, const char *inputs,
        const char *outputs)
{
	Onnx__NodeProto *n = NEW(b->a, Onnx__NodeProto);

	*n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
	n->op_type = arena_strdup(b->a, op_type);
	n->name = arena_strdup(b->a, name);
	n->input = split(b, inputs, &n->n_input);
	n->output = split(b, outputs, &n->n_output);
	PUSH(b, b->graph.node, b->graph.n_node, n);
	return n;
}

static Onnx__AttributeProto *
attr(Ob *b, Onnx__NodeProto *n, const char *name,
     Onnx__AttributeProto__AttributeType type)
{
	Onnx__AttributeProto *a = NEW(b->a, Onnx__AttributeProto);

	*a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
	a->name = arena_strdup(b->a, name);
	a->has_type = 1;
	a->type = type;
	PUSH(b, n->attribute, n->n_attribute, a);
	return a;
}

void
ob_attr_int(Ob *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a =
	    attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

	a->has_i = 1;
	a->i = v;
}

void
ob_attr_float(Ob *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a =
	    attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

	a->has_f = 1;
	a->f = v;
}

void
ob_attr_string(Ob *b, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a =
	    attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

	a->has_s = 1;
	a->s.len = strlen(v);
	a->s.data = (uint8_t *)arena_strdup(b->a, v);
}

void
ob_attr_ints(Ob *b, Onnx__NodeProto *n, const char *name, int count,
             const int64_t *v)
{
	Onnx__AttributeProto *a =
	    attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

	a->n_ints = (size_t)count;
	a->ints = NEWARRAY(b->a, int64_t, (size_t)count + 1);
	memcpy(a->ints, v, (size_t)count * sizeof *v);
}

void
ob_attr_floats(Ob *b, Onnx__NodeProto *n, const char *name, int count,
               const float *v)
{
	Onnx__AttributeProto *a =
	    attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);

	a->n_floats = (size_t)count;
	a->floats = NEWARRAY(b->a, float, (size_t)count + 1);
	memcpy(a->floats, v, (size_t)count * sizeof *v);
}

void
ob_attr_tensor(Ob *b, Onnx__NodeProto *n, const char *name,
               Onnx__TensorProto *t)
{
	attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR)->t = t;
}

uint8_t *
ob_pack(Ob *b, size_t *len)
{
	uint8_t *buf;

	*len = onnx__model_proto__get_packed_size(&b->model);
	buf = arena_alloc(b->a, *len + 1, 16);
	if (onnx__model_proto__pack(&b->model, buf) != *len)
		bug("onnx__model_proto__pack wrote an unexpected size");
	return buf;
}

bool
ob_write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return false;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

bool
ob_save(Ob *b, const char *path)
{
	size_t len;
	uint8_t *buf = ob_pack(b, &len);

	return ob_write_bytes(path, buf, len);
}

Graph *
ob_import(Ob *b, Ctx *cx, const char *path, const ImportOpts *opts)
{
	if (!ob_save(b, path))
		bug("cannot write %s", path);
	return onnx_import(cx, path, opts);
}

const char *
ob_diags(Ctx *cx, const char *path)
{
	size_t plen = strlen(path), n = 0;
	long len;
	char *text, *out, *p;

	fflush(cx->diagout);
	len = ftell(cx->diagout);
	QCC_ASSERT(len >= 0);
	text = arena_alloc(cx->perm, (size_t)len + 1, 1);
	out = arena_alloc(cx->perm, 5 * (size_t)len + 1, 1);
	rewind(cx->diagout);
	if (fread(text, 1, (size_t)len, cx->diagout) != (size_t)len)
		bug("cannot read the diagnostics back");
	fseek(cx->diagout, 0, SEEK_END);
	for (p = text; *p;) {
		if (plen && !strncmp(p, path, plen)) {
			memcpy(out + n, "MODEL", 5);
			n += 5;
			p += plen;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = 0;
	return out;
}

ObFixture obf;

void
obf_init(void)
{
	ctx_init(&obf.cx);
	obf.cx.diagout = tmpfile();
	cr_assert_not_null(obf.cx.diagout);
	obf.a = arena_new();
	snprintf(obf.path, sizeof obf.path, "/tmp/qcc-frontend-%d.onnx",
	         (int)getpid());
	obf.b = NULL;
	obf.node = NULL;
}

void
obf_fini(void)
{
	unlink(obf.path);
	fclose(obf.cx.diagout);
	arena_free(obf.a);
	ctx_fini(&obf.cx);
}

void
obf_model(int64_t opset, const char *dims, const char *op_type,
          const char *inputs, const char *outputs)
{
	obf.b = ob_new(obf.a, opset);
	ob_input(obf.b, "x", dims);
	obf.node = ob_node(obf.b, op_type, "n", inputs, outputs);
	ob_output(obf.b, "y");
}

Graph *
obf_import(const ImportOpts *opts)
{
	return ob_import(obf.b, &obf.cx, obf.path, opts);
}

const char *
obf_diags(void)
{
	return ob_diags(&obf.cx, obf.path);
}

Op *
obf_import_op(void)
{
	Graph *g = obf_import(NULL);

	cr_assert_not_null(g, "import failed: %s", obf_diags());
	cr_assert_str_eq(obf_diags(), "");
	cr_assert_not_null(g->first);
	cr_assert_eq(g->first, g->last, "expected one op");
	return g->first;
}

void
obf_expect_error(const char *message)
{
	char want[512];

	cr_assert_null(obf_import(NULL), "import should fail");
	snprintf(want, sizeof want, "MODEL: node \"n\" (%s): error: %s\n",
	         obf.node->op_type, message);
	cr_assert_str_eq(obf_diags(), want);
}

void
obf_expect_type(const Value *v, const char *want)
{
	char buf[128];

	cr_assert_str_eq(type_str(v->type, buf, sizeof buf), want);
}

void
obf_ints(const char *name, int n, const int64_t *v)
{
	ob_attr_ints(obf.b, obf.node, name, n, v);
}

void
obf_expect_pads(const int32_t *pad, int t, int l, int bo, int r)
{
	cr_assert(pad[0] == t && pad[1] == l && pad[2] == bo && pad[3] == r,
	          "pads %d,%d,%d,%d, want %d,%d,%d,%d", pad[0], pad[1], pad[2],
	          pad[3], t, l, bo, r);
}
