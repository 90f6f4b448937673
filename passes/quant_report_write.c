/* quant_report_write.c -- a QuantReport as JSON or as an aligned table.
 *
 * JSON: one object, {"model", "quantize", "calibration": {"method",
 * "samples"}, "sqnr": how it is defined, "layers": [...]}, a layer being
 *   {"index", "op", "node", "tensor",
 *    "output":  {"dtype", "bits", "scale", "zero_point"},
 *    "input":   the same for input 0's codes (absent if not codes),
 *    "weights": {"dtype", "bits", "granularity": "per-channel" or
 *                "per-tensor", "axis", "channels", "scale_min",
 *                "scale_max", "scales": [...], "zero_point"},
 *    "sqnr_db", "elements"}
 * with per-axis activations giving "scales"/"zero_points" lists too.  A
 * SQNR that is not a finite number (no error at all, a float result that
 * is all zeros, or no float twin: "elements" 0) is null, with "exact":
 * true in the first case.
 * The table has one row per layer and the same numbers, weight scales as
 * min..max.
 */
#include <math.h>
#include <string.h>

#include "quant_report.h"

static void
json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void
json_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.9g", v);
	else
		fputs("null", out);
}

static const char *
op_text(const Op *op)
{
	const OpInfo *oi = &op_info[op->kind];

	return oi->onnx ? oi->onnx : oi->name;
}

static void
scale_range(const Quant *q, float *lo, float *hi)
{
	*lo = *hi = q->scale[0];
	for (uint32_t i = 1; i < q->n; i++) {
		*lo = q->scale[i] < *lo ? q->scale[i] : *lo;
		*hi = q->scale[i] > *hi ? q->scale[i] : *hi;
	}
}

/* Activation codes: "dtype", "bits", "scale", "zero_point". */
static void
json_codes(FILE *out, const char *key, const TensorType *t)
{
	const Quant *q = t->q;

	fprintf(out, ",\n      ");
	json_str(out, key);
	fprintf(out, ": {\"dtype\": \"%s\", \"bits\": %d, \"scale\": ",
	        dtype_info[t->dt].name, qtype_bits(t));
	json_num(out, quant_scale(q, 0));
	fprintf(out, ", \"zero_point\": %d", (int)quant_zp(q, 0));
	if (q->kind == Q_AXIS) {
		fprintf(out, ", \"axis\": %d, \"scales\": [", q->axis);
		for (uint32_t i = 0; i < q->n; i++) {
			fputs(i ? ", " : "", out);
			json_num(out, q->scale[i]);
		}
		fputs("], \"zero_points\": [", out);
		for (uint32_t i = 0; i < q->n; i++)
			fprintf(out, "%s%d", i ? ", " : "", (int)quant_zp(q, i));
		fputc(']', out);
	}
	fputc('}', out);
}

static void
json_weights(FILE *out, const TensorType *t)
{
	const Quant *q = t->q;
	float lo, hi;

	scale_range(q, &lo, &hi);
	fprintf(out, ",\n      \"weights\": {\"dtype\": \"%s\", \"bits\": %d, "
	        "\"granularity\": \"%s\", \"axis\": %d, \"channels\": %u, "
	        "\"scale_min\": ", dtype_info[t->dt].name, qtype_bits(t),
	        q->kind == Q_AXIS ? "per-channel" : "per-tensor",
	        q->kind == Q_AXIS ? q->axis : -1, q->n);
	json_num(out, lo);
	fputs(", \"scale_max\": ", out);
	json_num(out, hi);
	fputs(", \"scales\": [", out);
	for (uint32_t i = 0; i < q->n; i++) {
		fputs(i ? ", " : "", out);
		json_num(out, q->scale[i]);
	}
	fprintf(out, "], \"zero_point\": %d}", (int)quant_zp(q, 0));
}

void
quant_report_json(const QuantReport *r, FILE *out)
{
	fputs("{\n  \"model\": ", out);
	json_str(out, r->model);
	fputs(",\n  \"quantize\": ", out);
	json_str(out, r->scheme);
	fputs(",\n  \"calibration\": {\"method\": ", out);
	json_str(out, r->method);
	fprintf(out, ", \"samples\": %u},\n", r->nsamples);
	fputs("  \"sqnr\": \"10 log10(sum x^2 / sum (x - xq)^2) over every "
	      "element of every calibration sample; x: the float graph, xq: "
	      "the dequantized codes of the integer graph (interpreter)\",\n"
	      "  \"layers\": [", out);
	for (uint32_t i = 0; i < r->nlayers; i++) {
		const QLayer *l = &r->layers[i];
		double db = qlayer_sqnr(l);
		fprintf(out, "%s\n    {\"index\": %u, \"op\": ", i ? "," : "",
		        l->index);
		json_str(out, op_text(l->op));
		fputs(", \"node\": ", out);
		json_str(out, l->op->loc.node ? l->op->loc.node : "");
		fputs(", \"tensor\": ", out);
		json_str(out, l->tensor);
		json_codes(out, "output", l->out);
		if (l->in)
			json_codes(out, "input", l->in);
		if (l->w)
			json_weights(out, l->w);
		fputs(",\n      \"sqnr_db\": ", out);
		json_num(out, db);
		if (isinf(db))
			fputs(", \"exact\": true", out);
		fprintf(out, ", \"elements\": %lld}", (long long)l->count);
	}
	fputs("\n  ]\n}\n", out);
}

enum { NCOL = 10, CELL = 96 };

static const char *const heads[NCOL] = {
	"#", "op", "node", "tensor", "out", "scale", "zp", "weights",
	"weight scale", "SQNR dB",
};
/* Numbers right-aligned, names left. */
static const bool right[NCOL] = {
	true, false, false, false, false, true, true, false, false, true,
};

/* Column c of layer l's row, into buf. */
static const char *
cell(const QLayer *l, int c, char *buf)
{
	const TensorType *w = l->w;
	const char *act;
	double db;
	float lo, hi;

	switch (c) {
	case 0:
		snprintf(buf, CELL, "%u", l->index);
		break;
	case 1:
		act = (op_info[l->op->kind].flags & OPF_ACT) &&
		      l->op->act.kind != ACT_NONE ? act_name[l->op->act.kind]
		                                  : NULL;
		snprintf(buf, CELL, "%s%s%s", op_text(l->op), act ? "+" : "",
		         act ? act : "");
		break;
	case 2:
		snprintf(buf, CELL, "%s", l->op->loc.node && *l->op->loc.node
		                          ? l->op->loc.node : "-");
		break;
	case 3:
		snprintf(buf, CELL, "%s", l->tensor);
		break;
	case 4:
		snprintf(buf, CELL, "%s/%d", dtype_info[l->out->dt].name,
		         qtype_bits(l->out));
		break;
	case 5:
		scale_range(l->out->q, &lo, &hi);
		snprintf(buf, CELL, lo == hi ? "%.6g" : "%.4g..%.4g",
		         (double)lo, (double)hi);
		break;
	case 6:
		snprintf(buf, CELL, "%d", (int)quant_zp(l->out->q, 0));
		break;
	case 7:
		if (!w)
			snprintf(buf, CELL, "-");
		else if (w->q->kind == Q_AXIS)
			snprintf(buf, CELL, "%s/%d x%u", dtype_info[w->dt].name,
			         qtype_bits(w), w->q->n);
		else
			snprintf(buf, CELL, "%s/%d tensor",
			         dtype_info[w->dt].name, qtype_bits(w));
		break;
	case 8:
		if (!w) {
			snprintf(buf, CELL, "-");
			break;
		}
		scale_range(w->q, &lo, &hi);
		snprintf(buf, CELL, lo == hi ? "%.4g" : "%.4g..%.4g",
		         (double)lo, (double)hi);
		break;
	default:
		db = qlayer_sqnr(l);
		snprintf(buf, CELL, isinf(db) ? "exact" : isnan(db) ? "-"
		                                        : "%.2f", db);
		break;
	}
	return buf;
}

void
quant_report_txt(const QuantReport *r, FILE *out)
{
	int wd[NCOL];
	char buf[CELL];

	for (int c = 0; c < NCOL; c++) {
		wd[c] = (int)strlen(heads[c]);
		for (uint32_t i = 0; i < r->nlayers; i++) {
			int n = (int)strlen(cell(&r->layers[i], c, buf));
			wd[c] = n > wd[c] ? n : wd[c];
		}
	}
	fprintf(out, "qcc quantization report: %s, -quantize=%s, %u "
	        "calibration samples, method %s\n", r->model, r->scheme,
	        r->nsamples, r->method);
	fprintf(out, "SQNR = 10 log10(sum x^2 / sum (x - xq)^2) of each "
	        "result over the samples, float graph vs integer graph\n\n");
	for (int c = 0; c < NCOL; c++)
		fprintf(out, "%s%*s", c ? "  " : "", right[c] ? wd[c] : -wd[c],
		        heads[c]);
	fputc('\n', out);
	for (uint32_t i = 0; i < r->nlayers; i++) {
		for (int c = 0; c < NCOL; c++)
			fprintf(out, "%s%*s", c ? "  " : "",
			        right[c] ? wd[c] : -wd[c],
			        cell(&r->layers[i], c, buf));
		fputc('\n', out);
	}
}
