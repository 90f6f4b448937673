/* cgen.c -- the C backend: a planned graph as one portable C99 file.
 *
 * net.c stands alone beside net.h:
 *
 *     comment block (header_comment)
 *     #include "net.h"                  checks net_run's prototype
 *     the runtime: qcc_rt.h and every kernel source, as static inline
 *     weights: static const arrays with exact hexadecimal floats
 *     constant argument arrays (KA_I32S, KA_F32S)
 *     net_run: one kernel call per KCall from lower_graph
 *
 * It compiles with -std=c99 -Wall -Wextra -Werror -pedantic under gcc and
 * clang.  Pointers reach the kernels as void * (or const void *) so the C
 * compiler, not cgen, converts them to the kernels' element types.
 */
#include <math.h>
#include <string.h>

#include "backend.h"

enum { WIDTH = 80, FLOATS_PER_LINE = 4, INTS_PER_LINE = 10 };

typedef struct Cgen {
	Ctx *cx;
	const Graph *g;
	const CodegenOpts *o;
	FILE *out;
	KCall *calls;
	uint32_t ncalls;
	Value **consts; /* weights, in order of first use */
	uint32_t nconsts;
} Cgen;

static bool
f32s_finite(const float *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(p[i]))
			return false;
	return true;
}

/* Collects the weights the calls read and tells whether any float in the
 * output is infinite or NaN (which needs <math.h>). */
static bool
scan(Cgen *c)
{
	bool *seen = NEWARRAY(c->cx->scratch, bool, c->g->nvalues);
	bool finite = true;

	c->consts = NEWARRAY(c->cx->perm, Value *, c->g->nvalues + 1);
	for (uint32_t i = 0; i < c->ncalls; i++) {
		for (uint32_t j = 0; j < c->calls[i].nargs; j++) {
			const KArg *a = &c->calls[i].args[j];
			Value *v;

			if (a->kind == KA_F32)
				finite &= isfinite(a->u.f) != 0;
			if (a->kind == KA_F32S)
				finite &= f32s_finite(a->u.arr.p, a->u.arr.n);
			if (a->kind != KA_BUF || a->u.buf.kind != BUF_CONST)
				continue;
			QCC_ASSERT(a->u.buf.index < c->g->nvalues);
			v = c->g->values[a->u.buf.index];
			QCC_ASSERT(v->cst && v->type);
			if (seen[v->id])
				continue;
			seen[v->id] = true;
			c->consts[c->nconsts++] = v;
			if (v->type->dt == DT_F32)
				finite &= f32s_finite(
				    v->cst->data, (size_t)type_numel(v->type));
		}
	}
	return finite;
}

/* Prints text line by line, leaving out the includes of qcc_rt.h,
 * qcc_rt_q8.h, qcc_vec16.h and kernels/conv_dw_chan.h: their text is
 * already above them. */
static void
emit_source(FILE *out, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		const char *p = text;

		while (p < text + n && (*p == ' ' || *p == '\t'))
			p++;
		if (!(strncmp(p, "#include \"../qcc_rt.h\"", 22) == 0 ||
		      strncmp(p, "#include \"qcc_rt.h\"", 19) == 0 ||
		      strncmp(p, "#include \"qcc_rt_q8.h\"", 22) == 0 ||
		      strncmp(p, "#include \"../qcc_vec16.h\"", 25) == 0 ||
		      strncmp(p, "#include \"conv_dw_chan.h\"", 24) == 0))
			fprintf(out, "%.*s\n", (int)n, text);
		text += nl ? n + 1 : n;
	}
}

static void
emit_runtime(Cgen *c)
{
	size_t n;
	const RtSource *src = rt_sources(&n);

	fputs("\n/* ---- runtime ------------------------------------------"
	      "------------------- */\n\n#define QCC_RT_API static inline\n",
	      c->out);
	for (size_t i = 0; i < n; i++) {
		fprintf(c->out, "\n/* ---- runtime/%s */\n\n", src[i].name);
		emit_source(c->out, src[i].text);
	}
}

static void
emit_values(FILE *out, DType dt, const void *data, size_t n)
{
	size_t per = dt == DT_F32 ? FLOATS_PER_LINE : INTS_PER_LINE;

	for (size_t i = 0; i < n; i++) {
		fputs(i % per == 0 ? "\n\t" : " ", out);
		switch (dt) {
		case DT_F32:
			emit_float(out, ((const float *)data)[i], false);
			break;
		case DT_I32:
			fprintf(out, "%ld", (long)((const int32_t *)data)[i]);
			break;
		case DT_I8:
			fprintf(out, "%d", ((const int8_t *)data)[i]);
			break;
		case DT_I16:
			fprintf(out, "%d", ((const int16_t *)data)[i]);
			break;
		case DT_I64:
			fprintf(out, "%lld",
			        (long long)((const int64_t *)data)[i]);
			break;
		default:
			fprintf(out, "%u", ((const unsigned char *)data)[i]);
			break;
		}
		fputc(',', out);
	}
	fputs(n ? "\n" : "\n\t0\n", out);
}

static const char *
ctype_of(DType dt)
{
	switch (dt) {
	case DT_F32:
		return "float";
	case DT_I32:
		return "int32_t";
	case DT_I8:
		return "int8_t";
	case DT_I16:
		return "int16_t";
	case DT_I64:
		return "int64_t";
	default:
		return "unsigned char";
	}
}

static void
emit_weights(Cgen *c)
{
	char tbuf[128];

	if (c->nconsts)
		fputs("\n/* ---- weights -------------------------------------"
		      "------------------------ */\n",
		      c->out);
	for (uint32_t i = 0; i < c->nconsts; i++) {
		const Value *v = c->consts[i];
		const TensorType *t = v->type;
		bool typed = t->dt == DT_F32 || t->dt == DT_I32 ||
		             t->dt == DT_I8 || t->dt == DT_I64 ||
		             t->dt == DT_I16;
		size_t n = typed ? (size_t)type_numel(t) : type_bytes(t);

		QCC_ASSERT(v->cst->nbytes >= type_bytes(t));
		fprintf(c->out, "\n/* %%%u ", v->id);
		emit_comment_text(c->out, v->name);
		fprintf(c->out, " %s */\nstatic const %s %s_w%u[%zu] = {",
		        type_str(t, tbuf, sizeof tbuf),
		        ctype_of(typed ? t->dt : DT_U8), c->o->name, v->id,
		        n ? n : 1);
		emit_values(c->out, typed ? t->dt : DT_U8, v->cst->data, n);
		fputs("};\n", c->out);
	}
}

static const char *
i32_text(Arena *a, int32_t v)
{
	if (v == INT32_MIN)
		return "(-2147483647 - 1)";
	return arena_printf(a, "%ld", (long)v);
}

/* One KA_I32S or KA_F32S argument as a static array NAME_k<call>_<arg>. */
static void
emit_array(Cgen *c, const KArg *a, uint32_t call, uint32_t arg)
{
	bool f = a->kind == KA_F32S;
	uint32_t n = a->u.arr.n;

	fprintf(c->out, "\nstatic const %s %s_k%u_%u[%u] = {",
	        f ? "float" : "int32_t", c->o->name, call, arg, n ? n : 1);
	for (uint32_t k = 0; k < n; k++) {
		if (n > 16)
			fputs(k % FLOATS_PER_LINE == 0 ? (k ? ",\n\t" : "\n\t")
			                               : ", ",
			      c->out);
		else
			fputs(k ? ", " : "", c->out);
		if (f)
			emit_float(c->out, ((const float *)a->u.arr.p)[k],
			           false);
		else
			fputs(i32_text(c->cx->scratch,
			               ((const int32_t *)a->u.arr.p)[k]),
			      c->out);
	}
	fputs(n ? "};\n" : "0};\n", c->out);
}

static void
emit_arrays(Cgen *c)
{
	for (uint32_t i = 0; i < c->ncalls; i++) {
		for (uint32_t j = 0; j < c->calls[i].nargs; j++) {
			const KArg *a = &c->calls[i].args[j];

			if (a->kind == KA_I32S || a->kind == KA_F32S)
				emit_array(c, a, i, j);
		}
	}
}

static const char *
buf_text(Cgen *c, const Buf *b)
{
	Arena *a = c->cx->scratch;
	long long off = (long long)b->offset;

	switch (b->kind) {
	case BUF_NONE:
		return "(void *)0";
	case BUF_INPUT:
		return off ? arena_printf(a, "(const void *)(in%u + %lld)",
		                          b->index, off)
		           : arena_printf(a, "(const void *)in%u", b->index);
	case BUF_OUTPUT:
		return off ? arena_printf(a, "(void *)(out%u + %lld)", b->index,
		                          off)
		           : arena_printf(a, "(void *)out%u", b->index);
	case BUF_SCRATCH:
		return off ? arena_printf(a, "(void *)(s + %lld)", off)
		           : "(void *)s";
	case BUF_CONST:
		return off ? arena_printf(
		                 a,
		                 "(const void *)((const unsigned char *)"
		                 "%s_w%u + %lld)",
		                 c->o->name, b->index, off)
		           : c->g->values[b->index]->type->dt == DT_F32
		               ? arena_printf(a, "%s_w%u", c->o->name, b->index)
		               /* typed integer arrays meet any kernel pointer */
		               : arena_printf(a, "(const void *)%s_w%u",
		                              c->o->name, b->index);
	}
	bug("bad buffer kind %d", b->kind);
}

static const char *
arg_text(Cgen *c, uint32_t call, uint32_t j, const KArg *a)
{
	char buf[32];

	switch (a->kind) {
	case KA_BUF:
		return buf_text(c, &a->u.buf);
	case KA_I32:
		return i32_text(c->cx->scratch, a->u.i);
	case KA_F32:
		return arena_strdup(
		    c->cx->scratch,
		    emit_float_text(buf, sizeof buf, a->u.f, true));
	case KA_I32S:
	case KA_F32S:
		return arena_printf(c->cx->scratch, "%s_k%u_%u", c->o->name,
		                    call, j);
	}
	bug("bad argument kind %d", a->kind);
}

/* One line naming the op a run of calls implements:
 *     %5 = Conv+relu "/conv1/Conv" f32[1,8,28,28]  */
static void
emit_op_comment(Cgen *c, const Op *op)
{
	const OpInfo *oi;
	char tbuf[128];

	if (!op) {
		fputs("\n\t/* copy to the outputs */\n", c->out);
		return;
	}
	oi = &op_info[op->kind];
	fprintf(c->out, "\n\t/* %%%u = %s", op->out[0]->id,
	        oi->onnx ? oi->onnx : oi->name);
	if ((op_info[op->kind].flags & OPF_ACT) && op->act.kind != ACT_NONE)
		fprintf(c->out, "+%s", act_name[op->act.kind]);
	fputs(" \"", c->out);
	emit_comment_text(c->out, op->loc.node ? op->loc.node : "");
	fprintf(c->out, "\" %s */\n",
	        op->out[0]->type ? type_str(op->out[0]->type, tbuf, sizeof tbuf)
	                         : "?");
}

/* fn(args...); wrapped at WIDTH columns, continuation lines aligned after
 * the parenthesis (a tab counts 8). */
static void
emit_call(Cgen *c, uint32_t i)
{
	const KCall *k = &c->calls[i];
	size_t indent = 8 + strlen(k->fn) + 1, col = indent;

	fprintf(c->out, "\t%s(", k->fn);
	for (uint32_t j = 0; j < k->nargs; j++) {
		const char *t = arg_text(c, i, j, &k->args[j]);
		size_t n = strlen(t) + 2;

		if (j && col + n > WIDTH) {
			fprintf(c->out, ",\n\t%*s", (int)(indent - 8), "");
			col = indent;
		} else if (j) {
			fputs(", ", c->out);
			col += 2;
		}
		fputs(t, c->out);
		col += n - 2;
	}
	fputs(");\n", c->out);
}

static void
emit_run(Cgen *c)
{
	uint32_t nin = c->g->ninputs, nout = c->g->noutputs;
	bool *in = NEWARRAY(c->cx->scratch, bool, nin + 1);
	bool *out = NEWARRAY(c->cx->scratch, bool, nout + 1);
	bool scratch = false, anyin = false, anyout = false;

	for (uint32_t i = 0; i < c->ncalls; i++) {
		for (uint32_t j = 0; j < c->calls[i].nargs; j++) {
			const KArg *a = &c->calls[i].args[j];

			if (a->kind != KA_BUF)
				continue;
			if (a->u.buf.kind == BUF_INPUT) {
				QCC_ASSERT(a->u.buf.index < nin);
				in[a->u.buf.index] = anyin = true;
			} else if (a->u.buf.kind == BUF_OUTPUT) {
				QCC_ASSERT(a->u.buf.index < nout);
				out[a->u.buf.index] = anyout = true;
			} else if (a->u.buf.kind == BUF_SCRATCH) {
				scratch = true;
			}
		}
	}
	fprintf(c->out,
	        "\n/* ---- the network -----------------------------------"
	        "---------------------- */\n\nint\n%s_run(const void *const "
	        "inputs[], "
	        "void *const outputs[], void *scratch)\n{\n",
	        c->o->name);
	for (uint32_t i = 0; i < nin; i++)
		if (in[i])
			fprintf(c->out,
			        "\tconst unsigned char *in%u = "
			        "(const unsigned char *)inputs[%u];\n",
			        i, i);
	for (uint32_t i = 0; i < nout; i++)
		if (out[i])
			fprintf(c->out,
			        "\tunsigned char *out%u = "
			        "(unsigned char *)outputs[%u];\n",
			        i, i);
	if (scratch)
		fputs("\tunsigned char *s = (unsigned char *)scratch;\n",
		      c->out);
	if (!anyin)
		fputs("\t(void)inputs;\n", c->out);
	if (!anyout)
		fputs("\t(void)outputs;\n", c->out);
	if (!scratch)
		fputs("\t(void)scratch;\n", c->out);
	for (uint32_t i = 0; i < c->ncalls; i++) {
		if (i == 0 || c->calls[i].op != c->calls[i - 1].op)
			emit_op_comment(c, c->calls[i].op);
		emit_call(c, i);
	}
	fputs("\treturn 0;\n}\n", c->out);
}

bool
cgen_graph(Ctx *cx, const Graph *g, const CodegenOpts *o, FILE *out)
{
	Cgen c = {.cx = cx, .g = g, .o = o, .out = out};
	bool finite;

	if (!lower_graph(cx, g, &c.calls, &c.ncalls))
		return false;
	finite = scan(&c);
	header_comment(cx, g, o, out);
	if (!finite)
		fputs("\n#include <math.h>   /* INFINITY, NAN */\n", out);
	fputs(finite ? "\n#include " : "#include ", out);
	if (o->header)
		emit_cstring(out, o->header);
	else
		fprintf(out, "\"%s.h\"", o->name);
	fputc('\n', out);
	emit_runtime(&c);
	emit_weights(&c);
	emit_arrays(&c);
	emit_run(&c);
	if (ferror(out)) {
		diag(cx, DIAG_ERROR, NULL, "cannot write the C output");
		return false;
	}
	return true;
}
