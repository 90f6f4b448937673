/* print.c -- the textual form of the IR, for dumps and golden tests.
 *
 *   graph "torch_jit" (opset 13) {
 *     scratch 25088 bytes (lower bound 25088)
 *     input %0 "input": f32[1,1,28,28]
 *     const %1 "conv1.weight": f32[8,1,3,3]
 *     %5 = Conv %0, %1, %2 {kernel=3x3 stride=1x1 pad=1,1,1,1 dilation=1x1
 *          group=1} act=relu : f32[1,8,28,28]   ; "/conv1/Conv" #0  @0
 *     output %9 "logits"
 *   }
 *
 * (the op is a single line).  Attributes come from the typed structs,
 * every field shown, so two dumps differ exactly when the graphs do.
 * Omitted optional inputs print as _, results without a type as ?.  The
 * scratch line and @offsets appear once plan-memory has run.  A result
 * plan-layout keeps channel-blocked has its layout after its type
 * (f32[1,144,56,56] nchw16c), and select-conv's choice of kernel shows as
 * algo= in the Conv's attributes.  Only
 * constants that some op or output uses are listed.  The output is
 * deterministic: it depends on nothing but the graph.
 */
#include "ir.h"

static void
print_str(const char *s, FILE *out)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void
print_type(const TensorType *t, FILE *out)
{
	char buf[128];

	fputs(type_str(t, buf, sizeof buf), out);
	if (!t || !t->q)
		return;
	if (t->q->kind == Q_TENSOR)
		fprintf(out, " q(scale=%g zp=%d)", t->q->scale[0],
		        t->q->zp ? t->q->zp[0] : 0);
	else
		fprintf(out, " q(axis=%d n=%u)", t->q->axis, t->q->n);
}

static void
print_window(const int32_t *k, const int32_t *s, const int32_t *d,
             const int32_t *p, FILE *out)
{
	fprintf(out, "kernel=%dx%d stride=%dx%d pad=%d,%d,%d,%d dilation=%dx%d",
	        k[0], k[1], s[0], s[1], p[0], p[1], p[2], p[3], d[0], d[1]);
}

/* The parameters of a fused activation, nothing for those without any. */
static void
print_act_params(const Act *a, FILE *out)
{
	if (a->kind == ACT_CLIP || a->kind == ACT_HARDSIGMOID ||
	    a->kind == ACT_SELU)
		fprintf(out, "(%g,%g)", a->alpha, a->beta);
	else if (a->kind == ACT_LEAKYRELU || a->kind == ACT_ELU)
		fprintf(out, "(%g)", a->alpha);
}

/* select-conv's choice, when it is not the direct convolution: the
 * pointwise or depthwise-by-channels kernel, or the Winograd algorithm
 * (F(2x2,3x3) with its block of tile rows, or F(4x4,3x3)) and its
 * workspace bytes (and where plan-memory put them). */
static void
print_algo(const Op *op, FILE *out)
{
	switch (op->algo) {
	case CONV_POINTWISE:
		fputs(" algo=pointwise", out);
		return;
	case CONV_DW_CHAN:
		fputs(" algo=dwchan", out);
		return;
	case CONV_WINOGRAD2:
		fprintf(out, " algo=winograd2x2 rows=%d", op->wino_rows);
		break;
	case CONV_WINOGRAD4:
		fputs(" algo=winograd4x4", out);
		break;
	default:
		return;
	}
	fprintf(out, " ws=%lld", (long long)op->ws_bytes);
	if (op->ws_offset >= 0 && op->ws_bytes > 0)
		fprintf(out, "@%lld", (long long)op->ws_offset);
}

static void
print_attrs(const Op *op, FILE *out)
{
	const PoolAttr *p = &op->a.pool;

	switch (op->kind) {
	case OP_CONV:
	case OP_CONVTRANSPOSE:
		fputs(" {", out);
		print_window(op->a.conv.kernel, op->a.conv.stride,
		             op->a.conv.dilation, op->a.conv.pad, out);
		fprintf(out, " group=%d", op->a.conv.group);
		print_algo(op, out);
		fputc('}', out);
		break;
	case OP_MAXPOOL:
	case OP_AVGPOOL:
		fputs(" {", out);
		print_window(p->kernel, p->stride, p->dilation, p->pad, out);
		fprintf(out, " ceil_mode=%d", p->ceil_mode);
		if (op->kind == OP_AVGPOOL)
			fprintf(out, " count_include_pad=%d",
			        p->count_include_pad);
		fputc('}', out);
		break;
	case OP_BATCHNORM:
		fprintf(out, " {eps=%g}", op->a.bn.eps);
		break;
	case OP_CLIP:
		fprintf(out, " {min=%g max=%g}", op->a.act.alpha,
		        op->a.act.beta);
		break;
	case OP_HARDSIGMOID:
		fprintf(out, " {alpha=%g beta=%g}", op->a.act.alpha,
		        op->a.act.beta);
		break;
	case OP_GEMM:
		fprintf(out, " {alpha=%g beta=%g transA=%d transB=%d}",
		        op->a.gemm.alpha, op->a.gemm.beta, op->a.gemm.trans_a,
		        op->a.gemm.trans_b);
		break;
	case OP_FLATTEN:
	case OP_CONCAT:
		fprintf(out, " {axis=%d}", op->a.axis.axis);
		break;
	case OP_RESHAPE:
		fputs(" {shape=[", out);
		for (int i = 0; i < op->a.reshape.rank; i++)
			fprintf(out, "%s%lld", i ? "," : "",
			        (long long)op->a.reshape.shape[i]);
		fprintf(out, "] allowzero=%d}", op->a.reshape.allowzero);
		break;
	case OP_SOFTMAX:
		fprintf(out, " {axis=%d legacy=%d}", op->a.softmax.axis,
		        op->a.softmax.legacy);
		break;
	default:
		break;
	}
}

void
ir_print_op(const Op *op, FILE *out)
{
	const OpInfo *oi = &op_info[op->kind];

	for (int i = 0; i < op->nout; i++)
		fprintf(out, "%s%%%u", i ? ", " : "", op->out[i]->id);
	fprintf(out, " = %s", oi->onnx ? oi->onnx : oi->name);
	for (int i = 0; i < op->nin; i++) {
		fputs(i ? ", " : " ", out);
		if (op->in[i])
			fprintf(out, "%%%u", op->in[i]->id);
		else
			fputc('_', out);
	}
	print_attrs(op, out);
	if (op->act.kind != ACT_NONE) {
		fprintf(out, " act=%s", act_name[op->act.kind]);
		print_act_params(&op->act, out);
	}
	if (op->rq && !op->rq->n)
		fputs(" rq={none: the i32 accumulators}", out);
	else if (op->rq)
		fprintf(out, " rq={mult=%d shift=%d n=%u clamp=%d..%d}",
		        op->rq->mult[0], op->rq->shift[0], op->rq->n,
		        op->rq->lo, op->rq->hi);
	fputs(" :", out);
	for (int i = 0; i < op->nout; i++) {
		fputs(i ? ", " : " ", out);
		print_type(op->out[i]->type, out);
		if (op->out[i]->layout == LAYOUT_NCHW16C)
			fputs(" nchw16c", out);
	}
	if (op->loc.op_type) {
		fputs("   ; ", out);
		print_str(op->loc.node, out);
		fprintf(out, " #%u", op->loc.index);
	}
	for (int i = 0; i < op->nout; i++)
		if (op->out[i]->offset >= 0)
			fprintf(out, "  @%lld", (long long)op->out[i]->offset);
	fputc('\n', out);
}

static void
print_value(const char *what, const Value *v, FILE *out)
{
	fprintf(out, "  %s %%%u ", what, v->id);
	print_str(v->name, out);
	fputs(": ", out);
	print_type(v->type, out);
	if (v->offset >= 0)
		fprintf(out, "  @%lld", (long long)v->offset);
	fputc('\n', out);
}

void
ir_print(const Graph *g, FILE *out)
{
	fputs("graph ", out);
	print_str(g->name, out);
	fprintf(out, " (opset %lld) {\n", (long long)g->opset);
	if (g->scratch_size > 0)
		fprintf(out, "  scratch %lld bytes (lower bound %lld)\n",
		        (long long)g->scratch_size,
		        (long long)g->scratch_lower_bound);
	for (uint32_t i = 0; i < g->ninputs; i++)
		print_value("input", g->inputs[i], out);
	for (uint32_t i = 0; i < g->nvalues; i++)
		if (g->values[i]->cst && g->values[i]->nuses)
			print_value("const", g->values[i], out);
	for_each_op(op, g) {
		fputs("  ", out);
		ir_print_op(op, out);
	}
	for (uint32_t i = 0; i < g->noutputs; i++) {
		const Value *v = g->outputs[i];
		if (!v) {
			fputs("  output _\n", out);
			continue;
		}
		fprintf(out, "  output %%%u ", v->id);
		print_str(v->name, out);
		fputc('\n', out);
	}
	fputs("}\n", out);
}
