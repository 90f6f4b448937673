/* verify.c -- the IR invariant checker.
 *
 * ir_verify walks the graph once and checks every invariant listed at the
 * top of ir.h, plus the bookkeeping the mutation API keeps (value ids,
 * def links, op list links, constant sizes).  A violation is a bug in the
 * pass that produced the graph, so it aborts through bug(), naming the op
 * id and its ONNX node.  The pass manager runs it after every pass under
 * CTX_VERIFY_EACH.
 *
 * Channel-blocked values (Value.layout, plan-layout) are checked too: only
 * a Conv on the pointwise or depthwise-by-channels kernel, without a
 * residual, may write one (as its result 0: f32, rank 4, channels a
 * multiple of 16) and only such Convs may read one, as their input 0;
 * graph inputs, outputs and constants are NCHW.  A Conv's algorithm must
 * fit its shape (CONV_POINTWISE a 1x1 window, group 1, stride 1, no
 * padding; CONV_DW_CHAN one channel per group), since lowering follows it.
 */
#include <stdarg.h>

#include "ir.h"

typedef struct Check {
	Ctx *cx;
	const Graph *g;
	Arena *a;
	bool *defined;         /* by Value.id: defined so far in op order */
	uint32_t *uses;        /* by Value.id: recounted uses */
} Check;

__attribute__((format(printf, 2, 3))) _Noreturn static void
op_bug(const Op *op, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bug("verify: op %u %s (node \"%s\"): %s", op->id,
	    op_info[op->kind].name, op->loc.node ? op->loc.node : "", msg);
}

/* A value must belong to this graph: g->values[v->id] == v. */
static bool
is_own(const Graph *g, const Value *v)
{
	return v->id < g->nvalues && g->values[v->id] == v;
}

static void
check_type(const Value *v, const Op *op)
{
	const TensorType *t = v->type;
	const Quant *q = t ? t->q : NULL;

	if (!t)
		return;
	if (t->dt >= DT_COUNT || t->rank > MAX_RANK)
		goto bad;
	for (int i = 0; i < t->rank; i++)
		if (t->dim[i] < 0)
			goto bad;
	if (!q)
		return;
	if (q->kind == Q_TENSOR && q->n == 1)
		return;
	if (q->kind == Q_AXIS && q->axis >= 0 && q->axis < t->rank &&
	    (int64_t)q->n == t->dim[q->axis])
		return;
bad:
	if (op)
		op_bug(op, "result %%%u has a malformed type (quant n %u)",
		       v->id, q ? q->n : 0);
	bug("verify: value %%%u \"%s\" has a malformed type (quant n %u)",
	    v->id, v->name, q ? q->n : 0);
}

/* Graph inputs and constants: defined before the first op. */
static void
check_sources(Check *k)
{
	const Graph *g = k->g;

	for (uint32_t i = 0; i < g->nvalues; i++) {
		const Value *v = g->values[i];
		if (!v || v->id != i)
			bug("verify: values[%u] holds value %%%u", i,
			    v ? v->id : 0);
		if (!v->cst)
			continue;
		if (v->def || !v->type || !v->cst->data ||
		    v->cst->nbytes != type_bytes(v->type))
			bug("verify: constant %%%u \"%s\" is malformed (def "
			    "%s, %zu bytes)", v->id, v->name,
			    v->def ? "set" : "none", v->cst->nbytes);
		check_type(v, NULL);
		if (v->layout != LAYOUT_NCHW)
			bug("verify: constant %%%u \"%s\" is not NCHW", v->id,
			    v->name);
		k->defined[i] = true;
	}
	for (uint32_t i = 0; i < g->ninputs; i++) {
		const Value *v = g->inputs[i];
		if (!v || !is_own(g, v) || v->def || v->cst || !v->type)
			bug("verify: graph input %u is malformed", i);
		if (k->defined[v->id])
			bug("verify: graph input %%%u \"%s\" is listed twice",
			    v->id, v->name);
		check_type(v, NULL);
		if (v->layout != LAYOUT_NCHW)
			bug("verify: graph input %%%u \"%s\" is not NCHW", v->id,
			    v->name);
		k->defined[v->id] = true;
	}
}

/* The activation an OPF_ACTFN op computes. */
static ActKind
act_of(OpKind k)
{
	switch (k) {
	case OP_RELU:
		return ACT_RELU;
	case OP_CLIP:
		return ACT_CLIP;
	case OP_SIGMOID:
		return ACT_SIGMOID;
	case OP_HARDSIGMOID:
		return ACT_HARDSIGMOID;
	case OP_HARDSWISH:
		return ACT_HARDSWISH;
	case OP_NEG:
		return ACT_NEG;
	case OP_ABS:
		return ACT_ABS;
	case OP_SQRT:
		return ACT_SQRT;
	case OP_EXP:
		return ACT_EXP;
	case OP_LOG:
		return ACT_LOG;
	case OP_RECIPROCAL:
		return ACT_RECIPROCAL;
	case OP_TANH:
		return ACT_TANH;
	case OP_ERF:
		return ACT_ERF;
	case OP_LEAKYRELU:
		return ACT_LEAKYRELU;
	case OP_ELU:
		return ACT_ELU;
	case OP_SELU:
		return ACT_SELU;
	case OP_SOFTPLUS:
		return ACT_SOFTPLUS;
	case OP_SIGN:
		return ACT_SIGN;
	default:
		return ACT_NONE;
	}
}

static void
check_arity(const Op *op)
{
	const OpInfo *oi;

	if (op->kind >= OP_COUNT)
		bug("verify: op %u has kind %d", op->id, (int)op->kind);
	oi = &op_info[op->kind];
	if (op->nin < oi->minin || op->nin > oi->maxin)
		op_bug(op, "has %u inputs; %s takes %d to %d", op->nin,
		       oi->name, oi->minin, oi->maxin);
	if (op->nout != oi->nout)
		op_bug(op, "has %u results; %s has %d", op->nout, oi->name,
		       oi->nout);
	for (int i = 0; i < oi->minin; i++)
		if (!op->in[i])
			op_bug(op, "required input %d is missing", i);
	if (!(oi->flags & OPF_ACT) && op->act.kind != ACT_NONE)
		op_bug(op, "has fused activation %s but %s takes none",
		       op->act.kind < ACT_COUNT ? act_name[op->act.kind] : "?",
		       oi->name);
	if (op->act.kind >= ACT_COUNT)
		op_bug(op, "has activation kind %d", (int)op->act.kind);
	if ((oi->flags & OPF_ACTFN) && op->a.act.kind != act_of(op->kind))
		op_bug(op, "is an activation op but its Act says %s",
		       op->a.act.kind < ACT_COUNT ? act_name[op->a.act.kind]
		                                  : "?");
}

/* The result types must equal a fresh inference from the input types. */
static void
check_shapes(Check *k, const Op *op)
{
	Ctx quiet = *k->cx;
	const TensorType *fresh[16] = {0};
	char have[128], want[128];

	quiet.perm = k->a;
	quiet.diagout = NULL;
	quiet.nerrors = 0;
	quiet.maxerrors = 1 << 30;
	QCC_ASSERT(op->nout <= 16);
	for (int i = 0; i < op->nin; i++)
		if (op->in[i] && !op->in[i]->type)
			op_bug(op, "input %d (%%%u) has no type in a shaped "
			       "graph", i, op->in[i]->id);
	if (!ir_infer_op(&quiet, op, fresh))
		op_bug(op, "its input types no longer pass shape inference");
	for (int i = 0; i < op->nout; i++)
		if (!type_eq(op->out[i]->type, fresh[i]))
			op_bug(op, "result %%%u has type %s but inference "
			       "gives %s", op->out[i]->id,
			       type_str(op->out[i]->type, have, sizeof have),
			       type_str(fresh[i], want, sizeof want));
}

static bool
blocked_conv(const Op *op)
{
	return op->kind == OP_CONV &&
	       (op->algo == CONV_POINTWISE || op->algo == CONV_DW_CHAN);
}

/* What lowering relies on when it follows a Conv's algo. */
static void
check_algo(const Op *op)
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *x, *w;

	if (!blocked_conv(op))
		return;
	x = op->in[0]->type;
	w = op->in[1]->type;
	if (!x || !w || x->rank != 4 || w->rank != 4 || !op->in[1]->cst)
		op_bug(op, "algo %d needs rank-4 tensors and constant weights",
		       op->algo);
	if (op->algo == CONV_POINTWISE &&
	    (w->dim[2] != 1 || w->dim[3] != 1 || a->group != 1 ||
	     a->stride[0] != 1 || a->stride[1] != 1 || a->pad[0] || a->pad[1] ||
	     a->pad[2] || a->pad[3]))
		op_bug(op, "is on the pointwise kernel but not a 1x1 stride-1 "
		       "group-1 Conv without padding");
	if (op->algo == CONV_DW_CHAN &&
	    (a->group != x->dim[1] || w->dim[0] != x->dim[1] || w->dim[1] != 1))
		op_bug(op, "is on the depthwise kernel but not depthwise");
}

/* Blocked inputs only as input 0 of a pointwise or depthwise Conv;
 * blocked results only from one without a residual, of a shape the
 * kernels block. */
static void
check_layouts(const Op *op)
{
	for (int i = 0; i < op->nin; i++)
		if (op->in[i] && op->in[i]->layout != LAYOUT_NCHW &&
		    (i != 0 || !blocked_conv(op)))
			op_bug(op, "input %d (%%%u) is channel-blocked, which "
			       "this op does not read", i, op->in[i]->id);
	for (int i = 0; i < op->nout; i++) {
		const Value *v = op->out[i];
		const TensorType *t = v->type;

		if (v->layout == LAYOUT_NCHW)
			continue;
		if (v->layout != LAYOUT_NCHW16C || i != 0 || !blocked_conv(op) ||
		    (op->nin > 3 && op->in[3]))
			op_bug(op, "result %%%u has layout %d, which this op "
			       "does not write", v->id, v->layout);
		if (!t || t->dt != DT_F32 || t->rank != 4 || t->dim[1] % 16)
			op_bug(op, "result %%%u is channel-blocked but not f32 "
			       "of rank 4 with channels a multiple of 16", v->id);
	}
}

static void
check_op(Check *k, const Op *op, bool *seen)
{
	const Graph *g = k->g;

	check_arity(op);
	if (op->id >= g->nops || seen[op->id])
		op_bug(op, "id is %s (%u ops made so far)",
		       op->id >= g->nops ? "out of range" : "not unique",
		       g->nops);
	seen[op->id] = true;
	for (int i = 0; i < op->nin; i++) {
		const Value *v = op->in[i];
		if (!v)
			continue;
		if (!is_own(g, v))
			op_bug(op, "input %d is not a value of this graph", i);
		if (!k->defined[v->id])
			op_bug(op, "input %d (%%%u \"%s\") is used before it "
			       "is defined", i, v->id, v->name);
		k->uses[v->id]++;
	}
	for (int i = 0; i < op->nout; i++) {
		const Value *v = op->out[i];
		if (!v || !is_own(g, v) || v->def != op || v->defidx != i ||
		    v->cst)
			op_bug(op, "result %d does not point back at its op",
			       i);
		if (k->defined[v->id])
			op_bug(op, "result %%%u is defined twice", v->id);
		k->defined[v->id] = true;
		if (g->shaped && !v->type)
			op_bug(op, "result %%%u has no type in a shaped graph",
			       v->id);
		check_type(v, op);
	}
	if (g->shaped)
		check_shapes(k, op);
	check_algo(op);
	check_layouts(op);
}

void
ir_verify(Ctx *cx, const Graph *g)
{
	Check k = {.cx = cx, .g = g, .a = arena_new()};
	bool *seen;
	const Op *prev = NULL;

	k.defined = NEWARRAY(k.a, bool, g->nvalues + 1);
	k.uses = NEWARRAY(k.a, uint32_t, g->nvalues + 1);
	seen = NEWARRAY(k.a, bool, g->nops + 1);
	check_sources(&k);
	for_each_op(op, g) {
		if (op->prev != prev)
			op_bug(op, "op list is broken: prev link is wrong");
		check_op(&k, op, seen);
		prev = op;
	}
	if (g->last != prev)
		bug("verify: graph's last op is not the end of the op list");
	for (uint32_t i = 0; i < g->noutputs; i++) {
		const Value *v = g->outputs[i];
		if (!v)
			bug("verify: graph output %u is NULL", i);
		if (!is_own(g, v) || !k.defined[v->id])
			bug("verify: graph output %u (%%%u \"%s\") is not "
			    "defined", i, v->id, v->name);
		if (v->layout != LAYOUT_NCHW)
			bug("verify: graph output %u (%%%u \"%s\") is not NCHW",
			    i, v->id, v->name);
		k.uses[v->id]++;
	}
	for (uint32_t i = 0; i < g->nvalues; i++) {
		const Value *v = g->values[i];
		if (v->nuses == k.uses[i])
			continue;
		if (v->def)
			op_bug(v->def, "result %%%u has nuses %u but %u uses",
			       v->id, v->nuses, k.uses[i]);
		bug("verify: value %%%u \"%s\" has nuses %u but %u uses", v->id,
		    v->name, v->nuses, k.uses[i]);
	}
	arena_free(k.a);
}
