/* quant_report.h -- what quantization did to each layer, and how much
 * signal it kept (-quant-report=FILE.json|FILE.txt, and the SQNR column
 * and chart of --report=FILE.html).
 *
 * A layer is an op of the quantized graph whose result is a code tensor
 * (u8, i8, u4, i4 with quantization parameters) with the name of a float
 * value of the float graph: the same ONNX tensor computed two ways.  A
 * result that only a table activation (Lut) reads, split from a float op
 * with that activation fused (Conv + HardSwish), is compared with that op
 * run without its activation.  Any other op with quantized weights and no
 * float counterpart is listed without SQNR.  The SQNR, in dB, is
 *     10 log10( sum x^2 / sum (x - xq)^2 )
 * with x the float graph's value and xq the dequantized codes the
 * interpreter's integer mode computes, both summed over every element of
 * every calibration sample.
 */
#ifndef QCC_QUANT_REPORT_H
#define QCC_QUANT_REPORT_H

#include "passes.h"

typedef struct QLayer {
	const Op *op;          /* in the quantized graph */
	uint32_t index;        /* op's position in that graph's op list */
	const char *tensor;    /* the result's ONNX name; "NAME before ACT"
	                        * for a result before a table activation */
	const TensorType *out; /* the result's codes */
	const TensorType *in;  /* input 0's codes, NULL if not codes */
	const TensorType *w;   /* the weights' codes (Conv, Gemm), or NULL */
	double sig, err;       /* sum x^2, sum (x - xq)^2 */
	int64_t count;         /* elements compared, 0 without a twin */
} QLayer;

typedef struct QuantReport {
	const char *model;     /* path, as given */
	const char *scheme;    /* "int8", "w4a8", "pm1:w2a2", ... */
	const char *method;    /* "mse", "percentile:99.99", ... */
	uint32_t nsamples;
	QLayer *layers;
	uint32_t nlayers;
} QuantReport;

/* Runs the float graph fg and the quantized graph qg (its final form) over
 * the calibration samples in q and fills a report, in cx->perm; NULL after
 * a diagnostic if the interpreter failed. */
QuantReport *quant_report_build(Ctx *cx, const Graph *fg, const Graph *qg,
                                const QuantOpts *q);
/* What the driver calls for -quant-report (and --report of a quantized
 * compile): fg, a clone of the imported graph taken before quantization,
 * gets the float rewrites -quantize runs before calibrate
 * (pipeline_int8_float; quietly: no -print-after dumps), then
 * quant_report_build; model and scheme (-quantize's value) are for the
 * report's header. */
QuantReport *quant_report_make(Ctx *cx, Graph *fg, const Graph *qg,
                               const QuantOpts *q, const char *model,
                               const char *scheme);
/* The layer whose op is op, or NULL. */
const QLayer *quant_report_find(const QuantReport *r, const Op *op);
/* SQNR in dB; +INFINITY when there was no error, NAN when nothing was
 * compared or the float values were all zero. */
double qlayer_sqnr(const QLayer *l);
/* Width of the codes: Quant.bits if it narrows the grid, else the
 * dtype's. */
int qtype_bits(const TensorType *t);

/* quant_report_write.c: JSON (one object, layers in graph order) and an
 * aligned text table of the same facts. */
void quant_report_json(const QuantReport *r, FILE *out);
void quant_report_txt(const QuantReport *r, FILE *out);

#endif
