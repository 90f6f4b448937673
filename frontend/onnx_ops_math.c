/* onnx_ops_math.c -- importers for the elementwise math of issue 3: the
 * unary functions (IR activation ops, see runtime/acts.def), the binary
 * ops that broadcast like Add, and variadic Max/Min.
 *
 * Max and Min take one or more inputs in ONNX; the IR op takes two, so
 * a longer list becomes a chain ((x0 op x1) op x2) ..., and a single
 * input is the input itself.  Their legacy forms (opsets 1 to 7, inputs
 * of one shape) are a special case of numpy broadcasting.
 */
#include "onnx.h"

static bool
unary_op(Node *n, OpKind k, ActKind act, float alpha, float beta)
{
	Op *op = node_op(n, k, 1, n->in);

	op->a.act = (Act){act, alpha, beta};
	return node_emit(n, op);
}

/* Neg, Abs, Sqrt, Exp, Log, Reciprocal, Tanh, Erf, Softplus, Sign: no
 * attributes. */
bool
import_unary(Node *n)
{
	static const struct {
		OpKind op;
		ActKind act;
	} map[] = {
	    {OP_NEG, ACT_NEG},           {OP_ABS, ACT_ABS},
	    {OP_SQRT, ACT_SQRT},         {OP_EXP, ACT_EXP},
	    {OP_LOG, ACT_LOG},           {OP_RECIPROCAL, ACT_RECIPROCAL},
	    {OP_TANH, ACT_TANH},         {OP_ERF, ACT_ERF},
	    {OP_SOFTPLUS, ACT_SOFTPLUS}, {OP_SIGN, ACT_SIGN},
	};

	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if ((int)map[i].op == n->kind)
			return unary_op(n, map[i].op, map[i].act, 0, 0);
	bug("import_unary: op kind %d", n->kind);
}

bool
import_leakyrelu(Node *n)
{
	float alpha;

	return attr_float(n, "alpha", 0.01f, &alpha) &&
	       unary_op(n, OP_LEAKYRELU, ACT_LEAKYRELU, alpha, 0);
}

bool
import_elu(Node *n)
{
	float alpha;

	return attr_float(n, "alpha", 1.0f, &alpha) &&
	       unary_op(n, OP_ELU, ACT_ELU, alpha, 0);
}

bool
import_selu(Node *n)
{
	float alpha, gamma;

	return attr_float(n, "alpha", 1.67326319217681884765625f, &alpha) &&
	       attr_float(n, "gamma", 1.05070102214813232421875f, &gamma) &&
	       unary_op(n, OP_SELU, ACT_SELU, alpha, gamma);
}

/* Max, Min: the inputs folded left into a chain of two-input ops. */
bool
import_minmax(Node *n)
{
	Value *acc = n->in[0];

	for (int i = 0; i < n->nin; i++) {
		if (!n->in[i]) {
			diag(n->im->cx, DIAG_ERROR, &n->loc,
			     "input %d of %s is empty", i, n->loc.op_type);
			return false;
		}
	}
	if (n->nin == 1)
		return node_alias(n, acc);
	for (int i = 1; i < n->nin - 1; i++) {
		Value *in[2] = {acc, n->in[i]};
		acc = node_aux(n, node_op(n, (OpKind)n->kind, 2, in));
		if (!acc)
			return false;
	}
	Value *in[2] = {acc, n->in[n->nin - 1]};
	return node_emit(n, node_op(n, (OpKind)n->kind, 2, in));
}
