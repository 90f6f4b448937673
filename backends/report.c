/* report.c -- --report=FILE.html: one self-contained page about a compile.
 *
 * The page holds a model summary, a table with one row per op (operator,
 * ONNX node, shapes, MACs, weight bytes, scratch offset and size, and for
 * quantized results scale, zero point and SQNR) and inline SVG charts: the
 * scratch bytes live at each op (plan_live_bytes, the figures plan-memory's
 * lower bound is the maximum of) against that lower bound and the arena
 * size, the MACs of each op and, for a quantized compile, the SQNR of each
 * quantized result on the calibration set (passes/quant_report.h). Styles
 * are inline; there are no scripts, fonts, images or links to fetch, so it
 * opens offline and from anywhere. Like the header, the bytes depend only
 * on the graph and the options.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "backend.h"
#include "passes.h"
#include "quant_report.h"

enum {
	CW = 760, CH = 240,            /* chart size */
	ML = 72, MR = 16, MT = 16, MB = 36,  /* margins: axis labels */
};

/* The op's name as -emit=ir prints it: the ONNX op_type when there is one. */
static const char *
op_name(const Op *op)
{
	const OpInfo *oi = &op_info[op->kind];

	return oi->onnx ? oi->onnx : oi->name;
}

static void
put_html(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* 1234567 -> "1.18 MiB"; into buf, which it returns. */
static const char *
bytes_text(char *buf, size_t n, int64_t b)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB"};
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%" PRId64 " B", b);
	else if (v == (double)(int64_t)v)
		snprintf(buf, n, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, n, "%.2f %s", v, unit[u]);
	return buf;
}

/* 1234567 -> "1.23M". */
static const char *
count_text(char *buf, size_t n, int64_t c)
{
	if (c >= 1000000000)
		snprintf(buf, n, "%.2fG", (double)c / 1e9);
	else if (c >= 1000000)
		snprintf(buf, n, "%.2fM", (double)c / 1e6);
	else if (c >= 10000)
		snprintf(buf, n, "%.1fk", (double)c / 1e3);
	else
		snprintf(buf, n, "%" PRId64, c);
	return buf;
}

/* The smallest 1, 2 or 5 times a power of ten that is at least v / 4: the
 * step of four or five gridlines up to v.  With bytes, in the binary unit
 * v is counted in (KiB for v of 4 KiB and more, ...). */
static int64_t
tick_step(int64_t v, bool bytes)
{
	int64_t p = 1, unit = 1;

	while (bytes && v / unit >= 4096)
		unit *= 1024;
	if (unit > 1)
		return tick_step((v + unit - 1) / unit, false) * unit;
	if (v <= 4)
		return 1;
	while (p * 10 <= v / 4)
		p *= 10;
	if (p >= v / 4)
		return p;
	if (2 * p >= v / 4)
		return 2 * p;
	return 5 * p < v / 4 ? 10 * p : 5 * p;
}

static double
chart_x(uint32_t i, uint32_t n)
{
	return ML + ((double)i + 0.5) * (CW - ML - MR) / (n ? n : 1);
}

static double
chart_y(int64_t v, int64_t top)
{
	return MT + (CH - MT - MB) * (1.0 - (double)v / (double)top);
}

/* The frame, horizontal gridlines with labels up to top, op numbers (at
 * most about 20) and the x axis label. */
static void
chart_axes(FILE *out, int64_t top, int64_t step, bool bytes, uint32_t n)
{
	char buf[32];
	uint32_t every = (n + 19) / 20;

	fprintf(out, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" "
	        "height=\"%d\"/>\n", ML, MT, CW - ML - MR, CH - MT - MB);
	for (int64_t v = 0; v <= top; v += step) {
		double y = chart_y(v, top);
		fprintf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		        "y2=\"%.1f\"/>", ML, y, CW - MR, y);
		fprintf(out, "<text class=\"tick\" x=\"%d\" y=\"%.1f\">%s</text>\n",
		        ML - 6, y + 4,
		        bytes ? bytes_text(buf, sizeof buf, v)
		              : count_text(buf, sizeof buf, v));
	}
	for (uint32_t i = 0; i < n; i += every)
		fprintf(out, "<text class=\"xtick\" x=\"%.1f\" y=\"%d\">%u</text>",
		        chart_x(i, n), CH - MB + 13, i);
	fprintf(out, "\n<text class=\"xlabel\" x=\"%d\" y=\"%d\">op</text>\n",
	        (CW + ML) / 2, CH - 6);
}

/* The top of a chart whose largest value is max: a whole number of steps. */
static int64_t
chart_top(int64_t max, bool bytes, int64_t *step)
{
	int64_t top = max > 0 ? max + max / 10 : 1;

	*step = tick_step(top, bytes);
	return (top + *step - 1) / *step * *step;
}

/* A labelled horizontal line at v; the label sits at the left or right
 * end, so two lines at one height stay readable. */
static void
chart_hline(FILE *out, const char *cls, int64_t v, int64_t top,
            const char *label, bool left)
{
	char buf[32];
	double y = chart_y(v, top);

	fprintf(out, "<line class=\"%s\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
	        "y2=\"%.1f\"><title>%s: %s</title></line>\n", cls, ML, y,
	        CW - MR, y, label, bytes_text(buf, sizeof buf, v));
	fprintf(out, "<text class=\"%s-label\" x=\"%d\" y=\"%.1f\" "
	        "text-anchor=\"%s\">%s %s</text>\n", cls,
	        left ? ML + 4 : CW - MR - 4, y - 4, left ? "start" : "end",
	        label, bytes_text(buf, sizeof buf, v));
}

static void
memory_chart(FILE *out, const Graph *g, const Op *const *ops,
             const int64_t *live, uint32_t n)
{
	int64_t max = g->scratch_size, step, top;
	double x0 = chart_x(0, n) - (chart_x(1, n) - chart_x(0, n)) / 2;
	double dx = chart_x(1, n) - chart_x(0, n);
	char buf[32];

	for (uint32_t i = 0; i < n; i++)
		if (live[i] > max)
			max = live[i];
	top = chart_top(max, true, &step);
	fprintf(out, "<svg id=\"memory-chart\" viewBox=\"0 0 %d %d\" "
	        "role=\"img\" aria-label=\"scratch bytes live at each op\">\n",
	        CW, CH);
	chart_axes(out, top, step, true, n);
	fprintf(out, "<polyline class=\"live\" points=\"");
	for (uint32_t i = 0; i < n; i++)
		fprintf(out, "%.1f,%.1f %.1f,%.1f ", x0 + i * dx,
		        chart_y(live[i], top), x0 + (i + 1) * dx,
		        chart_y(live[i], top));
	fprintf(out, "\"/>\n");
	for (uint32_t i = 0; i < n; i++) {
		fprintf(out, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\">"
		        "<title>op %u ", chart_x(i, n), chart_y(live[i], top), i);
		put_html(out, op_name(ops[i]));
		fprintf(out, ": %s live</title></circle>\n",
		        bytes_text(buf, sizeof buf, live[i]));
	}
	chart_hline(out, "bound", g->scratch_lower_bound, top, "lower bound", true);
	chart_hline(out, "arena", g->scratch_size, top, "arena", false);
	fprintf(out, "</svg>\n");
}

static void
macs_chart(FILE *out, const Op *const *ops, uint32_t n)
{
	int64_t max = 0, step, top;
	double w = (double)(CW - ML - MR) / (n ? n : 1);
	char buf[32];

	for (uint32_t i = 0; i < n; i++)
		if (op_macs(ops[i]) > max)
			max = op_macs(ops[i]);
	top = chart_top(max, false, &step);
	fprintf(out, "<svg id=\"macs-chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
	        "aria-label=\"multiply-accumulates of each op\">\n", CW, CH);
	chart_axes(out, top, step, false, n);
	for (uint32_t i = 0; i < n; i++) {
		int64_t m = op_macs(ops[i]);
		double y = chart_y(m, top);
		fprintf(out, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
		        "width=\"%.1f\" height=\"%.1f\"><title>op %u ",
		        chart_x(i, n) - w * 0.4, y, w * 0.8, CH - MB - y, i);
		put_html(out, op_name(ops[i]));
		fprintf(out, ": %s MACs</title></rect>\n",
		        count_text(buf, sizeof buf, m));
	}
	fprintf(out, "</svg>\n");
}

/* One bar per layer of the quantization report at its op's position; a
 * result without error reaches the top and says "exact". */
static void
sqnr_chart(FILE *out, const QuantReport *r, uint32_t n)
{
	double max = 0.0, w = (double)(CW - ML - MR) / (n ? n : 1);
	int64_t step, top;

	for (uint32_t i = 0; i < r->nlayers; i++) {
		double db = qlayer_sqnr(&r->layers[i]);
		if (isfinite(db) && db > max)
			max = db;
	}
	top = chart_top((int64_t)ceil(max), false, &step);
	fprintf(out, "<svg id=\"sqnr-chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
	        "aria-label=\"SQNR in dB of each quantized result\">\n", CW, CH);
	chart_axes(out, top, step, false, n);
	fprintf(out, "<text class=\"tick\" x=\"%d\" y=\"%d\">dB</text>\n",
	        ML - 6, MT - 6);
	for (uint32_t i = 0; i < r->nlayers; i++) {
		const QLayer *l = &r->layers[i];
		double db = qlayer_sqnr(l), v, y;
		if (isnan(db))
			continue;
		v = isinf(db) ? (double)top : db < 0.0 ? 0.0 : db;
		y = MT + (CH - MT - MB) * (1.0 - v / (double)top);
		fprintf(out, "<rect class=\"sqnr\" x=\"%.1f\" y=\"%.1f\" "
		        "width=\"%.1f\" height=\"%.1f\"><title>op %u ",
		        chart_x(l->index, n) - w * 0.4, y, w * 0.8, CH - MB - y,
		        l->index);
		put_html(out, op_name(l->op));
		if (isinf(db))
			fputs(": exact</title></rect>\n", out);
		else
			fprintf(out, ": %.2f dB</title></rect>\n", db);
	}
	fprintf(out, "</svg>\n");
}

static int64_t
op_weight_bytes(const Op *op)
{
	int64_t n = 0;

	for (int i = 0; i < op->nin; i++)
		if (op->in[i] && op->in[i]->cst)
			n += (int64_t)op->in[i]->cst->nbytes;
	return n;
}

/* "f32[1,3,8,8], f32[4,3,3,3]": the types of the op's inputs that are not
 * constants (weights are counted in their own column). */
static void
put_types(FILE *out, Value *const *v, int n, bool skip_consts)
{
	char buf[128];
	bool first = true;

	for (int i = 0; i < n; i++) {
		if (!v[i] || !v[i]->type || (skip_consts && v[i]->cst))
			continue;
		fputs(first ? "" : ", ", out);
		put_html(out, type_str(v[i]->type, buf, sizeof buf));
		first = false;
	}
}

static bool
graph_quantized(const Graph *g, const Op *const *ops, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (ops[i]->nout && ops[i]->out[0]->type && ops[i]->out[0]->type->q)
			return true;
	return false;
}

/* Scale and zero point of a result: one pair, or the range per axis. */
static void
put_quant(FILE *out, const TensorType *t)
{
	const Quant *q = t ? t->q : NULL;
	float lo, hi;

	if (!q || q->kind == Q_NONE || !q->n) {
		fputs("<td></td><td></td>", out);
		return;
	}
	lo = hi = q->scale[0];
	for (uint32_t i = 1; i < q->n; i++) {
		lo = q->scale[i] < lo ? q->scale[i] : lo;
		hi = q->scale[i] > hi ? q->scale[i] : hi;
	}
	if (q->n == 1)
		fprintf(out, "<td class=\"num\">%.6g</td>", (double)lo);
	else
		fprintf(out, "<td class=\"num\">%.4g&ndash;%.4g (%u, axis %d)</td>",
		        (double)lo, (double)hi, q->n, q->axis);
	fprintf(out, "<td class=\"num\">%d%s</td>", q->zp ? (int)q->zp[0] : 0,
	        q->n > 1 && q->zp ? "&hellip;" : "");
}

static void
put_sqnr(FILE *out, const QLayer *l)
{
	double db = l ? qlayer_sqnr(l) : NAN;

	if (isnan(db))
		fputs("<td></td>", out);
	else if (isinf(db))
		fputs("<td class=\"num sqnr\">exact</td>", out);
	else
		fprintf(out, "<td class=\"num sqnr\">%.2f</td>", db);
}

static void
layer_table(FILE *out, const Op *const *ops, uint32_t n, bool quant,
            const QuantReport *qr)
{
	char buf[32];

	fputs("<table id=\"layers\">\n<thead><tr><th>#</th><th>op</th>"
	      "<th>ONNX node</th><th>inputs</th><th>outputs</th><th>MACs</th>"
	      "<th>weight bytes</th><th>scratch offset</th><th>scratch bytes</th>",
	      out);
	if (quant)
		fputs("<th>scale</th><th>zero point</th>", out);
	if (qr)
		fputs("<th>SQNR dB</th>", out);
	fputs("</tr></thead>\n<tbody>\n", out);
	for (uint32_t i = 0; i < n; i++) {
		const Op *op = ops[i];
		const Value *r = op->nout ? op->out[0] : NULL;
		fprintf(out, "<tr><td class=\"num\">%u</td><td>", i);
		put_html(out, op_name(op));
		if ((op_info[op->kind].flags & OPF_ACT) && op->act.kind != ACT_NONE) {
			fputs(" + ", out);
			put_html(out, act_name[op->act.kind]);
		}
		fputs("</td><td>", out);
		put_html(out, op->loc.node && *op->loc.node ? op->loc.node : "");
		fputs(" <span class=\"dim\">", out);
		put_html(out, op->loc.op_type);
		fputs("</span></td><td>", out);
		put_types(out, op->in, op->nin, true);
		fputs("</td><td>", out);
		put_types(out, op->out, op->nout, false);
		fprintf(out, "</td><td class=\"num\">%" PRId64 "</td>"
		        "<td class=\"num\">%" PRId64 "</td>",
		        op_macs(op), op_weight_bytes(op));
		if (r && r->offset >= 0 && r->type)
			fprintf(out, "<td class=\"num\">%" PRId64 "</td>"
			        "<td class=\"num\">%s</td>", r->offset,
			        bytes_text(buf, sizeof buf, (int64_t)type_bytes(r->type)));
		else
			fputs("<td class=\"dim\">output</td><td></td>", out);
		if (quant)
			put_quant(out, r ? r->type : NULL);
		if (qr)
			put_sqnr(out, quant_report_find(qr, op));
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static void
summary_row(FILE *out, const char *key, const char *val)
{
	fprintf(out, "<tr><th>%s</th><td>", key);
	put_html(out, val);
	fputs("</td></tr>\n", out);
}

static void
summary(Ctx *cx, FILE *out, const Graph *g, const CodegenOpts *o, uint32_t n)
{
	char sha[65], buf[32], t[128];
	const char *base = g->file ? strrchr(g->file, '/') : NULL;

	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", g->sha256[i]);
	fputs("<table id=\"summary\">\n", out);
	summary_row(out, "model", base ? base + 1 : g->file ? g->file : "");
	summary_row(out, "graph", g->name ? g->name : "");
	summary_row(out, "opset", arena_printf(cx->perm, "%" PRId64, g->opset));
	summary_row(out, "sha256", sha);
	summary_row(out, "target", o->emit == EMIT_C || !o->target
	            ? "portable C99"
	            : arena_printf(cx->perm, "%s, cpu %s, features %s",
	                           o->target->triple, target_cpu(o),
	                           *target_features(cx, o)
	                               ? target_features(cx, o) : "(default)"));
	summary_row(out, "flags", o->cmdline ? o->cmdline : "");
	for (uint32_t i = 0; i < g->ninputs; i++)
		summary_row(out, "input", arena_printf(cx->perm, "%s %s",
		            g->inputs[i]->name, type_str(g->inputs[i]->type, t, sizeof t)));
	for (uint32_t i = 0; i < g->noutputs; i++)
		summary_row(out, "output", arena_printf(cx->perm, "%s %s",
		            g->outputs[i]->name, g->outputs[i]->type
		            ? type_str(g->outputs[i]->type, t, sizeof t) : "?"));
	summary_row(out, "ops", arena_printf(cx->perm, "%u", n));
	summary_row(out, "MACs", arena_printf(cx->perm, "%" PRId64 " (%s)",
	            graph_macs(g), count_text(buf, sizeof buf, graph_macs(g))));
	summary_row(out, "weights", arena_printf(cx->perm, "%" PRId64 " bytes",
	            graph_weight_bytes(g)));
	summary_row(out, "scratch arena", arena_printf(cx->perm, "%" PRId64
	            " bytes", g->scratch_size));
	summary_row(out, "lower bound", arena_printf(cx->perm, "%" PRId64
	            " bytes (the most live at one op)", g->scratch_lower_bound));
	fputs("</table>\n", out);
}

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}"
	"h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
	"table{border-collapse:collapse}th,td{padding:3px 8px;"
	"border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
	"#summary th{color:#555;font-weight:normal}"
	"#layers thead th{position:sticky;top:0;background:#f4f4f4}"
	"td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
	".dim{color:#888}svg{width:100%;max-width:760px;display:block}"
	".frame{fill:none;stroke:#999}.grid{stroke:#eee}"
	".tick{font-size:10px;text-anchor:end;fill:#555}"
	".xlabel{font-size:11px;text-anchor:middle;fill:#555}"
	".xtick{font-size:10px;text-anchor:middle;fill:#555}"
	".live{fill:none;stroke:#1f77b4;stroke-width:2}.pt{fill:#1f77b4}"
	".bound{stroke:#d62728;stroke-dasharray:6 4}"
	".bound-label{fill:#d62728;font-size:11px}"
	".arena{stroke:#2ca02c}"
	".arena-label{fill:#2ca02c;font-size:11px}"
	".bar{fill:#ff7f0e}.sqnr{fill:#9467bd}";

bool
report_write(Ctx *cx, const Graph *g, const CodegenOpts *o, FILE *out)
{
	uint32_t n = 0, nlive;
	const Op **ops;
	int64_t *live = plan_live_bytes(cx, g, &nlive);

	for_each_op(op, g)
		n++;
	if (nlive != n)
		bug("report: %u live figures for %u ops", nlive, n);
	ops = NEWARRAY(cx->perm, const Op *, n + 1);
	n = 0;
	for_each_op(op, g)
		ops[n++] = op;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>qcc report: ", out);
	put_html(out, g->name);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
	fputs("<h1>qcc " QCC_VERSION " compile report: ", out);
	put_html(out, o->name);
	fputs("</h1>\n<h2>Model</h2>\n", out);
	summary(cx, out, g, o, n);
	fputs("<h2>Scratch memory in use at each op</h2>\n", out);
	memory_chart(out, g, ops, live, n);
	fputs("<h2>Multiply-accumulates per op</h2>\n", out);
	macs_chart(out, ops, n);
	if (o->qreport) {
		fprintf(out, "<h2>SQNR per quantized result (%u calibration "
		        "samples)</h2>\n", o->qreport->nsamples);
		sqnr_chart(out, o->qreport, n);
	}
	fputs("<h2>Layers</h2>\n", out);
	layer_table(out, ops, n, graph_quantized(g, ops, n) || o->qreport,
	            o->qreport);
	fputs("</body>\n</html>\n", out);
	return true;
}
