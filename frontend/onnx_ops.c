/* onnx_ops.c -- which ONNX operators qcc imports, and how a node becomes IR.
 *
 * op_type strings exist only here: the names come from ir/ops.def's onnx
 * column (op_info[].onnx), plus the frontend-only Constant and Dropout,
 * and the importers sit in one table indexed by kind.  An op kind whose
 * importer is missing is an unsupported operator.  onnx_import_node checks
 * what every node shares (opset, arity, required inputs, output count),
 * runs the importer, then reports attributes the importer did not read.
 */
#include <stdlib.h>
#include <string.h>

#include "onnx.h"

typedef struct OpImporter {
	bool (*import)(Node *n);
	uint8_t since;        /* first opset the importer accepts */
	uint8_t minin, maxin; /* ONNX inputs, omitted ("") ones included */
	uint8_t maxout;       /* ONNX outputs */
	uint8_t until;        /* last opset that has the operator; 0: all */
} OpImporter;

static const OpImporter importers[FOP_COUNT] = {
    [OP_CONV] = {import_conv, 1, 2, 3, 1},
    [OP_BATCHNORM] = {import_batchnorm, 1, 5, 5, 5},
    [OP_RELU] = {import_relu, 1, 1, 1, 1},
    [OP_CLIP] = {import_clip, 1, 1, 3, 1},
    [OP_SIGMOID] = {import_sigmoid, 1, 1, 1, 1},
    [OP_HARDSIGMOID] = {import_hardsigmoid, 1, 1, 1, 1},
    [OP_HARDSWISH] = {import_hardswish, 14, 1, 1, 1},
    [OP_ADD] = {import_binary, 1, 2, 2, 1},
    [OP_MUL] = {import_binary, 1, 2, 2, 1},
    [OP_MAXPOOL] = {import_maxpool, 1, 1, 1, 2},
    [OP_AVGPOOL] = {import_avgpool, 1, 1, 1, 1},
    [OP_GLOBALAVGPOOL] = {import_globalavgpool, 1, 1, 1, 1},
    [OP_FLATTEN] = {import_flatten, 1, 1, 1, 1},
    [OP_RESHAPE] = {import_reshape, 1, 1, 2, 1},
    [OP_IDENTITY] = {import_identity, 1, 1, 1, 1},
    [OP_GEMM] = {import_gemm, 1, 2, 3, 1},
    [OP_MATMUL] = {import_matmul, 1, 2, 2, 1},
    [OP_SOFTMAX] = {import_softmax, 1, 1, 1, 1},
    [OP_CONCAT] = {import_concat, 1, 1, 255, 1},
    [OP_SUB] = {import_binary, 1, 2, 2, 1},
    [OP_DIV] = {import_binary, 1, 2, 2, 1},
    [OP_POW] = {import_binary, 1, 2, 2, 1},
    [OP_PRELU] = {import_binary, 7, 2, 2, 1},
    [OP_MAX] = {import_minmax, 1, 1, 255, 1},
    [OP_MIN] = {import_minmax, 1, 1, 255, 1},
    [OP_NEG] = {import_unary, 1, 1, 1, 1},
    [OP_ABS] = {import_unary, 1, 1, 1, 1},
    [OP_SQRT] = {import_unary, 1, 1, 1, 1},
    [OP_EXP] = {import_unary, 1, 1, 1, 1},
    [OP_LOG] = {import_unary, 1, 1, 1, 1},
    [OP_RECIPROCAL] = {import_unary, 1, 1, 1, 1},
    [OP_TANH] = {import_unary, 1, 1, 1, 1},
    [OP_ERF] = {import_unary, 9, 1, 1, 1},
    [OP_SOFTPLUS] = {import_unary, 1, 1, 1, 1},
    [OP_SIGN] = {import_unary, 1, 1, 1, 1},
    [OP_LEAKYRELU] = {import_leakyrelu, 1, 1, 1, 1},
    [OP_ELU] = {import_elu, 1, 1, 1, 1},
    [OP_SELU] = {import_selu, 1, 1, 1, 1},
    [OP_TRANSPOSE] = {import_transpose, 1, 1, 1, 1},
    [OP_SLICE] = {import_slice, 1, 1, 5, 1},
    [OP_GATHER] = {import_gather, 1, 2, 2, 1},
    [OP_TILE] = {import_tile, 6, 2, 2, 1},
    [OP_EXPAND] = {import_expand, 8, 2, 2, 1},
    [OP_PAD] = {import_pad, 2, 1, 4, 1},
    [FOP_SQUEEZE] = {import_squeeze, 1, 1, 2, 1},
    [FOP_UNSQUEEZE] = {import_unsqueeze, 1, 1, 2, 1},
    [FOP_SPLIT] = {import_split, 2, 1, 2, 255},
    [FOP_DEPTHTOSPACE] = {import_depthtospace, 1, 1, 1, 1},
    [FOP_SPACETODEPTH] = {import_spacetodepth, 1, 1, 1, 1},
    [OP_RESIZE] = {import_resize, 10, 1, 4, 1},
    [FOP_UPSAMPLE] = {import_upsample, 7, 1, 2, 1, 9},
    [OP_REDUCEMEAN] = {import_reduce, 1, 1, 2, 1},
    [OP_REDUCEMAX] = {import_reduce, 1, 1, 2, 1},
    [OP_REDUCESUM] = {import_reduce, 1, 1, 2, 1},
    [OP_REDUCEL2] = {import_reduce, 1, 1, 2, 1},
    [OP_LOGSOFTMAX] = {import_logsoftmax, 1, 1, 1, 1},
    [OP_INSTNORM] = {import_instnorm, 1, 3, 3, 1},
    [OP_LAYERNORM] = {import_layernorm, 17, 2, 3, 3},
    [OP_LRN] = {import_lrn, 1, 1, 1, 1},
    [FOP_QUANTIZELINEAR] = {import_quantizelinear, 10, 2, 3, 1},
    [FOP_DEQUANTIZELINEAR] = {import_dequantizelinear, 10, 2, 3, 1},
    [FOP_QLINEARCONV] = {import_qlinearconv, 10, 8, 9, 1},
    [FOP_QLINEARMATMUL] = {import_qlinearmatmul, 10, 8, 8, 1},
    [OP_CONVTRANSPOSE] = {import_convtranspose, 1, 2, 3, 1},
    [OP_EQUAL] = {import_binary, 1, 2, 2, 1},
    [OP_GREATER] = {import_binary, 1, 2, 2, 1},
    [OP_LESS] = {import_binary, 1, 2, 2, 1},
    [OP_GREATEREQ] = {import_binary, 12, 2, 2, 1},
    [OP_LESSEQ] = {import_binary, 12, 2, 2, 1},
    [OP_NOT] = {import_not, 1, 1, 1, 1},
    [OP_WHERE] = {import_where, 9, 3, 3, 1},
    [FOP_SHAPE] = {import_shape, 1, 1, 1, 1},
    [FOP_SIZE] = {import_size, 1, 1, 1, 1},
    [FOP_CONSTANTOFSHAPE] = {import_constantofshape, 9, 1, 1, 1},
    [FOP_RANGE] = {import_range, 11, 3, 3, 1},
    [FOP_CAST] = {import_cast, 6, 1, 1, 1},
    [FOP_QLINEARADD] = {import_qlinearbinary, 1, 7, 8, 1},
    [FOP_QLINEARMUL] = {import_qlinearbinary, 1, 7, 8, 1},
    [FOP_CONVINTEGER] = {import_convinteger, 10, 2, 4, 1},
    [FOP_MATMULINTEGER] = {import_matmulinteger, 10, 2, 4, 1},
    [FOP_CONSTANT] = {import_constant, 1, 0, 0, 1},
    [FOP_DROPOUT] = {import_dropout, 1, 1, 3, 2},
};

static const char *const fop_name[FOP_COUNT - OP_COUNT] = {
    [FOP_CONSTANT - OP_COUNT] = "Constant",
    [FOP_DROPOUT - OP_COUNT] = "Dropout",
    [FOP_SQUEEZE - OP_COUNT] = "Squeeze",
    [FOP_UNSQUEEZE - OP_COUNT] = "Unsqueeze",
    [FOP_SPLIT - OP_COUNT] = "Split",
    [FOP_DEPTHTOSPACE - OP_COUNT] = "DepthToSpace",
    [FOP_SPACETODEPTH - OP_COUNT] = "SpaceToDepth",
    [FOP_UPSAMPLE - OP_COUNT] = "Upsample",
    [FOP_QUANTIZELINEAR - OP_COUNT] = "QuantizeLinear",
    [FOP_DEQUANTIZELINEAR - OP_COUNT] = "DequantizeLinear",
    [FOP_QLINEARCONV - OP_COUNT] = "QLinearConv",
    [FOP_QLINEARMATMUL - OP_COUNT] = "QLinearMatMul",
    [FOP_SHAPE - OP_COUNT] = "Shape",
    [FOP_SIZE - OP_COUNT] = "Size",
    [FOP_CONSTANTOFSHAPE - OP_COUNT] = "ConstantOfShape",
    [FOP_RANGE - OP_COUNT] = "Range",
    [FOP_CAST - OP_COUNT] = "Cast",
    [FOP_QLINEARADD - OP_COUNT] = "QLinearAdd",
    [FOP_QLINEARMUL - OP_COUNT] = "QLinearMul",
    [FOP_CONVINTEGER - OP_COUNT] = "ConvInteger",
    [FOP_MATMULINTEGER - OP_COUNT] = "MatMulInteger",
};

static const char *
kind_name(int k)
{
	return k < OP_COUNT ? op_info[k].onnx : fop_name[k - OP_COUNT];
}

int
onnx_op_lookup(const char *op_type)
{
	for (int k = 0; k < FOP_COUNT; k++) {
		const char *name = kind_name(k);
		if (name && !strcmp(name, op_type))
			return importers[k].import ? k : -1;
	}
	return -1;
}

static bool
check_arity(Node *n, const OpImporter *oi)
{
	Ctx *cx = n->im->cx;
	const Onnx__NodeProto *p = n->p;

	if (n->nin < oi->minin || n->nin > oi->maxin) {
		if (oi->minin == oi->maxin)
			diag(cx, DIAG_ERROR, &n->loc,
			     "%s takes %d input%s, not %d", n->loc.op_type,
			     oi->minin, oi->minin == 1 ? "" : "s", n->nin);
		else
			diag(cx, DIAG_ERROR, &n->loc,
			     "%s takes %d to %d inputs, not %d", n->loc.op_type,
			     oi->minin, oi->maxin, n->nin);
		return false;
	}
	for (int i = 0; i < oi->minin; i++) {
		if (!n->in[i]) {
			diag(cx, DIAG_ERROR, &n->loc,
			     "input %d of %s is required but empty", i,
			     n->loc.op_type);
			return false;
		}
	}
	if (p->n_output < 1 || !*p->output[0]) {
		diag(cx, DIAG_ERROR, &n->loc, "the node has no output");
		return false;
	}
	if (p->n_output > oi->maxout) {
		diag(cx, DIAG_ERROR, &n->loc,
		     "%s has at most %d output%s, not %zu", n->loc.op_type,
		     oi->maxout, oi->maxout == 1 ? "" : "s", p->n_output);
		return false;
	}
	return true;
}

bool
onnx_import_node(Node *n)
{
	const OpImporter *oi = &importers[n->kind];

	if (oi->until && n->im->opset > oi->until) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "operator %s was removed after opset %d; the model imports "
		     "opset %lld", n->loc.op_type, oi->until,
		     (long long)n->im->opset);
		return false;
	}
	if (n->im->opset < oi->since) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "operator %s needs opset %d "
		     "or later; the model imports opset %lld",
		     n->loc.op_type, oi->since, (long long)n->im->opset);
		return false;
	}
	/* A hint for in-place updates in opsets 1 to 5, without meaning. */
	if (n->im->opset < 6)
		attr_ignore(n, "consumed_inputs");
	if (!check_arity(n, oi) || !oi->import(n))
		return false;
	return attr_check_unused(n);
}

Op *
node_op(Node *n, OpKind k, int nin, Value *const *in)
{
	return ir_op_new(n->im->cx, n->im->g, k, &n->loc, nin, in, 1, NULL);
}

bool
node_emit(Node *n, Op *op)
{
	Importer *im = n->im;
	const TensorType *ty[8] = {0};

	QCC_ASSERT(op->nout <= 8 && op->nout <= n->p->n_output);
	if (!ir_infer_op(im->cx, op, ty))
		return false;
	for (int i = 0; i < op->nout; i++) {
		QCC_ASSERT(ty[i]);
		op->out[i]->type = ty[i];
		op->out[i]->name = n->p->output[i];
	}
	if (node_fold(n, op))
		return true;
	ir_append(im->g, op);
	for (int i = 0; i < op->nout; i++)
		onnx_sym(im, n->p->output[i])->v = op->out[i];
	return true;
}

bool
node_alias(Node *n, Value *v)
{
	Sym *s = onnx_sym(n->im, n->p->output[0]);

	if (s->is_output)
		return node_emit(n, node_op(n, OP_IDENTITY, 1, &v));
	s->v = v;
	return true;
}

bool
node_is_test(Node *n)
{
	int64_t is_test;

	if (!attr_int(n, "is_test", 0, &is_test))
		return false;
	if (is_test == 1)
		return true;
	diag(n->im->cx, DIAG_ERROR, &n->loc,
	     "%s with is_test=%lld (training mode) is not supported",
	     n->loc.op_type, (long long)is_test);
	return false;
}

Value *
node_aux(Node *n, Op *op)
{
	const TensorType *ty[8] = {0};

	QCC_ASSERT(op->nout == 1);
	if (!ir_infer_op(n->im->cx, op, ty))
		return NULL;
	op->out[0]->type = ty[0];
	ir_append(n->im->g, op);
	return op->out[0];
}

bool
node_outputs_unused(Node *n, int from, const char *what)
{
	bool ok = true;

	for (size_t i = (size_t)from; i < n->p->n_output; i++) {
		Sym *s =
		    *n->p->output[i] ? onnx_sym(n->im, n->p->output[i]) : NULL;
		if (!s || !s->nuses)
			continue;
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "output \"%s\" (%s) is used, "
		     "but qcc imports only the first output of %s",
		     s->name, what, n->loc.op_type);
		ok = false;
	}
	return ok;
}

const Value *
node_const_input(Node *n, int i, const char *what, DType dt)
{
	const Value *v = i < n->nin ? n->in[i] : NULL;

	if (!v)
		bug("%s: input %d is absent", n->loc.op_type, i);
	if (!v->cst) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%s (\"%s\") must be a constant%s", what, n->p->input[i],
		     v->def ? ", but it is computed at run time from the "
		              "model's inputs" : "");
		return NULL;
	}
	if (v->type->dt != dt) {
		diag(n->im->cx, DIAG_ERROR, &n->loc,
		     "%s (\"%s\") must have element type %s, not %s", what,
		     n->p->input[i], dtype_info[dt].name,
		     dtype_info[v->type->dt].name);
		return NULL;
	}
	return v;
}

static int
cmp_kind_name(const void *a, const void *b)
{
	return strcmp(kind_name(*(const int *)a), kind_name(*(const int *)b));
}

void
onnx_list_ops(FILE *out)
{
	int kinds[FOP_COUNT], n = 0, width = 0;

	for (int k = 0; k < FOP_COUNT; k++) {
		if (!importers[k].import)
			continue;
		kinds[n++] = k;
		if ((int)strlen(kind_name(k)) > width)
			width = (int)strlen(kind_name(k));
	}
	qsort(kinds, (size_t)n, sizeof *kinds, cmp_kind_name);
	for (int i = 0; i < n; i++) {
		int since = importers[kinds[i]].since;
		int until = importers[kinds[i]].until;
		fprintf(out, "%-*s  %d-%d\n", width, kind_name(kinds[i]),
		        since > ONNX_OPSET_MIN ? since : ONNX_OPSET_MIN,
		        until ? until : ONNX_OPSET_MAX);
	}
}
