/* onnx.h -- private header of frontend/: the ONNX importer's state and the
 * helpers its files share.  Nothing outside frontend/ includes it.
 *
 * An import runs in phases (onnx_import.c): load and unpack the model,
 * read the opsets, make constants of the initializers and inputs of the
 * graph inputs, index every tensor name (onnx_sort.c), order the nodes
 * topologically, import each node through its importer (onnx_ops*.c), and
 * bind the graph outputs.  Problems are reported with diag() and the phase
 * keeps going where it can, so one run lists as many as possible.
 */
#ifndef QCC_ONNX_H
#define QCC_ONNX_H

#include "frontend.h"
#include "onnx.pb-c.h"

enum { ONNX_OPSET_MIN = 1, ONNX_OPSET_MAX = 21 };

/* Ops the frontend imports without an IR op kind of their own: they become
 * constants or aliases.  Numbered after the OpKinds so that one table,
 * indexed by "frontend kind", covers both. */
enum {
	FOP_CONSTANT = OP_COUNT,
	FOP_DROPOUT,
	FOP_SQUEEZE,      /* Reshape */
	FOP_UNSQUEEZE,    /* Reshape */
	FOP_SPLIT,        /* Slices */
	FOP_DEPTHTOSPACE, /* Reshape, Transpose, Reshape */
	FOP_SPACETODEPTH, /* Reshape, Transpose, Reshape */
	FOP_UPSAMPLE,     /* Resize */
	/* quantized models (onnx_ops_quant.c) */
	FOP_QUANTIZELINEAR,   /* Quantize */
	FOP_DEQUANTIZELINEAR, /* Dequantize */
	FOP_QLINEARCONV,      /* Dequantize, Conv, Quantize */
	FOP_QLINEARMATMUL,    /* Dequantize, MatMul, Quantize */
	/* shape subgraphs (onnx_ops_shape.c): constants at import */
	FOP_SHAPE,
	FOP_SIZE,
	FOP_CONSTANTOFSHAPE,
	FOP_RANGE,
	FOP_CAST,
	/* quantized import (onnx_ops_quant.c, onnx_ops_qimport.c) */
	FOP_QLINEARADD,       /* Dequantize, Add, Quantize (com.microsoft) */
	FOP_QLINEARMUL,       /* Dequantize, Mul, Quantize (com.microsoft) */
	FOP_CONVINTEGER,      /* Conv on codes, i32 result */
	FOP_MATMULINTEGER,    /* MatMul on codes, i32 result */
	FOP_COUNT
};

/* One tensor name of the model. */
typedef struct Sym {
	const char *name;
	Value *v;         /* its value once defined; &Importer.poison if
	                     its producer failed */
	int32_t producer; /* index of the node that outputs it, or -1 */
	uint32_t nuses;   /* node inputs and graph outputs naming it */
	bool is_output;   /* named by a graph output */
	bool is_init;     /* an initializer */
	bool is_input;    /* a graph input (that is not an initializer) */
} Sym;

typedef struct Importer {
	Ctx *cx;
	Graph *g;
	const ImportOpts *opts;
	const char *path; /* arena copy; the file of every Loc */
	Loc floc;         /* the model as a whole */
	int64_t opset;    /* default-domain opset */
	const Onnx__ModelProto *mp;
	const Onnx__GraphProto *gp;
	Sym **syms; /* open-addressing hash table of names */
	uint32_t nsyms, capsyms;
	Value poison; /* stands for results that could not be made */
} Importer;

/* The node being imported. */
typedef struct Node {
	Importer *im;
	const Onnx__NodeProto *p;
	Loc loc;
	int kind;   /* OpKind or FOP_* */
	int nin;    /* p->n_input */
	Value **in; /* nin entries; NULL for omitted ("") inputs */
	bool *used; /* p->n_attribute entries: read by the importer */
} Node;

/* onnx_import.c */
/* The node's name, or "#index" if it has none. */
const char *onnx_node_label(Importer *im, uint32_t index);
Loc onnx_node_loc(const Importer *im, const Onnx__NodeProto *p, uint32_t index);

/* onnx_sort.c: the name table and the node order */
Sym *onnx_sym(Importer *im, const char *name); /* NULL if unknown */
Sym *onnx_sym_add(Importer *im, const char *name);
/* Indexes node outputs and uses, then returns the node indices in
 * topological order, or NULL after reporting duplicate definitions,
 * undefined inputs or cycles. */
uint32_t *onnx_sort_nodes(Importer *im);

/* onnx_tensor.c */
bool onnx_dtype(int onnx_type, DType *out);
const char *onnx_dtype_name(int onnx_type);
/* A constant from a TensorProto; what names it in messages, e.g.
 * "initializer \"w\"". */
Value *onnx_tensor_value(Importer *im, const Onnx__TensorProto *t,
                         const Loc *loc, const char *what, const char *name);
/* The type of a graph input: f32, rank <= MAX_RANK, dims fixed by -D. */
const TensorType *onnx_input_type(Importer *im, const Onnx__ValueInfoProto *vi);

/* onnx_attr.c: typed attribute readers.  Each marks the attribute read and
 * returns false after reporting a wrong type or value; an absent attribute
 * yields the default.  Attributes no reader (or attr_ignore) touched are
 * reported by attr_check_unused. */
const Onnx__AttributeProto *attr_get(Node *n, const char *name);
bool attr_int(Node *n, const char *name, int64_t def, int64_t *out);
bool attr_bool(Node *n, const char *name, bool def, bool *out);
bool attr_float(Node *n, const char *name, float def, float *out);
bool attr_string(Node *n, const char *name, const char *def, const char **out);
/* *count is -1 if absent. */
bool attr_ints(Node *n, const char *name, const int64_t **out, int *count);
bool attr_floats(Node *n, const char *name, const float **out, int *count);
bool attr_tensor(Node *n, const char *name, const Onnx__TensorProto **out);
void attr_ignore(Node *n, const char *name);
bool attr_check_unused(Node *n);
bool attr_is_type(Node *n, const Onnx__AttributeProto *a,
                  Onnx__AttributeProto__AttributeType want);

/* onnx_ops.c: the op table, the dispatch and the importers' helpers */
int onnx_op_lookup(const char *op_type); /* OpKind, FOP_* or -1 */
/* Imports one node whose inputs are all defined and typed. */
bool onnx_import_node(Node *n);
/* A new op at the node with one result; not yet in the graph. */
Op *node_op(Node *n, OpKind k, int nin, Value *const *in);
/* Infers the op's result types, names its results after the node's
 * outputs, appends it and binds the names. */
bool node_emit(Node *n, Op *op);
/* Binds the node's first output to v (an Identity op if it is a graph
 * output, so graph outputs stay distinct values). */
bool node_alias(Node *n, Value *v);
/* Infers and appends an op the importer needs besides the node's own (a
 * Reshape lining up a legacy broadcast); returns its result. */
Value *node_aux(Node *n, Op *op);
/* Before opset 7, BatchNormalization and Dropout run in training mode
 * unless is_test=1; qcc needs is_test=1 there. */
bool node_is_test(Node *n);
/* Outputs from index `from` on must be absent or unused. */
bool node_outputs_unused(Node *n, int from, const char *what);
/* Input i, which must be present and a constant of element type dt; what
 * names it in messages. */
const Value *node_const_input(Node *n, int i, const char *what, DType dt);

/* onnx_ops_nn.c: Conv, BatchNormalization and the pools */
bool import_conv(Node *n);
bool import_batchnorm(Node *n);
bool import_maxpool(Node *n);
bool import_avgpool(Node *n);

/* onnx_ops_tensor.c: activations, arithmetic, shapes, constants */
bool import_relu(Node *n);
bool import_clip(Node *n);
bool import_sigmoid(Node *n);
bool import_hardsigmoid(Node *n);
bool import_hardswish(Node *n);
bool import_binary(Node *n);
bool import_globalavgpool(Node *n);
bool import_flatten(Node *n);
bool import_reshape(Node *n);
bool import_gemm(Node *n);
bool import_matmul(Node *n);
bool import_softmax(Node *n);
bool import_concat(Node *n);
bool import_identity(Node *n);
bool import_constant(Node *n);
bool import_dropout(Node *n);

/* onnx_ops_math.c: unary math, LeakyRelu/Elu/Selu, variadic Max/Min */
bool import_unary(Node *n);
bool import_leakyrelu(Node *n);
bool import_elu(Node *n);
bool import_selu(Node *n);
bool import_minmax(Node *n);

/* onnx_ops_index.c: tensor plumbing */
bool import_transpose(Node *n);
bool import_squeeze(Node *n);
bool import_unsqueeze(Node *n);
bool import_slice(Node *n);
bool import_gather(Node *n);
bool import_split(Node *n);
bool import_tile(Node *n);
bool import_expand(Node *n);
bool import_pad(Node *n);
bool import_depthtospace(Node *n);
bool import_spacetodepth(Node *n);

/* onnx_ops_resize.c */
bool import_resize(Node *n);
bool import_upsample(Node *n);

/* onnx_ops_norm.c */
bool import_reduce(Node *n);
bool import_logsoftmax(Node *n);
bool import_instnorm(Node *n);
bool import_layernorm(Node *n);
bool import_lrn(Node *n);
/* onnx_ops_convt.c */
bool import_convtranspose(Node *n);

/* onnx_ops_shape.c: shape subgraphs, folded while importing */
bool import_shape(Node *n);
bool import_size(Node *n);
bool import_constantofshape(Node *n);
bool import_range(Node *n);
bool import_cast(Node *n);
bool import_not(Node *n);
bool import_where(Node *n);
/* If every input of op (typed, not yet appended) is a constant and op is
 * shape arithmetic or small, evaluates it and binds the node's output to
 * the result; true if it did.  node_emit calls it. */
bool node_fold(Node *n, Op *op);

/* onnx_ops_quant.c: quantized models, in QDQ form for passes/fold_qdq.c */
bool import_quantizelinear(Node *n);
bool import_dequantizelinear(Node *n);
bool import_qlinearconv(Node *n);
bool import_qlinearmatmul(Node *n);
bool import_qlinearbinary(Node *n);   /* QLinearAdd, QLinearMul */
/* onnx_ops_qimport.c: integer ops with int32 results */
bool import_convinteger(Node *n);
bool import_matmulinteger(Node *n);

#endif
