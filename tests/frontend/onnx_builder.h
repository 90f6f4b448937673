/* onnx_builder.h -- ONNX models built in memory for frontend tests.
 *
 *	Ob *b = ob_new(arena, 13);
 *	ob_input(b, "x", "N,3,8,8");          numbers, or dim_param names
 *	ob_init_f32(b, "w", "4,3,3,3", NULL); NULL data: 0, 1, 2, ...
 *	Onnx__NodeProto *c = ob_node(b, "Conv", "conv", "x,w", "y");
 *	ob_attr_ints(b, c, "pads", 4, (int64_t[]){1, 1, 1, 1});
 *	ob_output(b, "y");
 *	ob_save(b, path);
 *
 * Names lists are comma-separated; an empty entry ("x,,b") is an omitted
 * optional input.  Everything is allocated in the arena given to ob_new.
 * The structs are protobuf-c's, so a test can edit any field before
 * saving.
 */
#ifndef QCC_ONNX_BUILDER_H
#define QCC_ONNX_BUILDER_H

#include "frontend.h"
#include "onnx.pb-c.h"

typedef struct Ob {
	Arena *a;
	Onnx__ModelProto model;
	Onnx__GraphProto graph;
} Ob;

Ob *ob_new(Arena *a, int64_t opset);
/* Adds an opset import for domain (e.g. "com.microsoft"). */
void ob_opset(Ob *b, const char *domain, int64_t version);

/* A float graph input; dims "1,3,8,8", names become dim_param, "?" an
 * unknown dimension, NULL no shape at all. */
Onnx__ValueInfoProto *ob_input(Ob *b, const char *name, const char *dims);
void ob_output(Ob *b, const char *name);

/* Tensors: dims as in ob_input (numbers only; "" is a scalar).  A NULL
 * data pointer fills 0, 1, 2, ...  The data goes to raw_data. */
Onnx__TensorProto *ob_tensor_f32(Ob *b, const char *name, const char *dims,
                                 const float *data);
Onnx__TensorProto *ob_tensor_i64(Ob *b, const char *name, const char *dims,
                                 const int64_t *data);
Onnx__TensorProto *ob_init_f32(Ob *b, const char *name, const char *dims,
                               const float *data);
Onnx__TensorProto *ob_init_i64(Ob *b, const char *name, const char *dims,
                               const int64_t *data);

Onnx__NodeProto *ob_node(Ob *b, const char *op_type, const char *name,
                         const char *inputs, const char *outputs);
void ob_attr_int(Ob *b, Onnx__NodeProto *n, const char *name, int64_t v);
void ob_attr_float(Ob *b, Onnx__NodeProto *n, const char *name, float v);
void ob_attr_string(Ob *b, Onnx__NodeProto *n, const char *name, const char *v);
void ob_attr_ints(Ob *b, Onnx__NodeProto *n, const char *name, int count,
                  const int64_t *v);
void ob_attr_floats(Ob *b, Onnx__NodeProto *n, const char *name, int count,
                    const float *v);
void ob_attr_tensor(Ob *b, Onnx__NodeProto *n, const char *name,
                    Onnx__TensorProto *t);

/* The packed model, in the arena. */
uint8_t *ob_pack(Ob *b, size_t *len);
/* Writes bytes to path; false (with errno set) if that fails. */
bool ob_write_bytes(const char *path, const void *data, size_t len);
bool ob_save(Ob *b, const char *path);

/* Saves b at path and imports it. */
Graph *ob_import(Ob *b, Ctx *cx, const char *path, const ImportOpts *opts);
/* Everything written to cx->diagout so far (a file opened "w+", e.g. by
 * tmpfile()), with each occurrence of path replaced by "MODEL". */
const char *ob_diags(Ctx *cx, const char *path);

/* The Criterion fixture of frontend tests: a Ctx whose diagnostics go to a
 * temporary file, a model path, and the model being built.  Criterion runs
 * each test in a process of its own, so one fixture serves every test:
 *
 *	TestSuite(onnx_ops, .init = obf_init, .fini = obf_fini);
 */
typedef struct ObFixture {
	Ctx cx;
	Arena *a;
	char path[64];
	Ob *b;                 /* the model of obf_model */
	Onnx__NodeProto *node; /* its one node, named "n" */
} ObFixture;

extern ObFixture obf;

void obf_init(void);
void obf_fini(void);
/* A model at opset with float input x of shape dims, graph output y, and
 * one node op_type named "n" from inputs to outputs. */
void obf_model(int64_t opset, const char *dims, const char *op_type,
               const char *inputs, const char *outputs);
Graph *obf_import(const ImportOpts *opts);
/* The diagnostics so far, the model path written as MODEL. */
const char *obf_diags(void);
/* Imports the model, asserting success without diagnostics and one op. */
Op *obf_import_op(void);
/* Imports the model, asserting failure with exactly one diagnostic, the
 * error message at node "n". */
void obf_expect_error(const char *message);
/* An ints attribute on the fixture's node. */
void obf_ints(const char *name, int n, const int64_t *v);
/* Asserts the 2-D pads [top, left, bottom, right]. */
void obf_expect_pads(const int32_t *pad, int t, int l, int bo, int r);
/* Asserts v's type prints as want, e.g. "f32[1,4,5,5]". */
void obf_expect_type(const Value *v, const char *want);

#endif
