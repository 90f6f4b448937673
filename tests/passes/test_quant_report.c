/* test_quant_report.c -- the quantization report's SQNR is the energy ratio
 * over the whole calibration set, computed by hand here, and its JSON and
 * table say the same numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "quant_report.h"

static Ctx cx;

static void
setup(void)
{
	ctx_init(&cx);
}

static void
teardown(void)
{
	ctx_fini(&cx);
}

TestSuite(quant_report, .init = setup, .fini = teardown);

/* Two samples of x f32[1,4]. */
static const float s0[4] = {0.1f, 0.2f, 1.0f, 2.3f};
static const float s1[4] = {-0.3f, 0.6f, 0.0f, 1.2f};

/* fg: x -> Relu -> "y";  qg: x -> Quantize "x" (u8, scale, zp) ->
 * Dequantize -> Relu "y".  Only the Quantize is a layer (the float Relu of
 * qg is not codes). */
static void
graphs(float scale, int32_t zp, Graph **fg, Graph **qg, const Op **qop)
{
	const TensorType *ft = tg_f32(&cx, TG_DIMS(1, 4));
	Quant *q = NEW(cx.perm, Quant);
	float *s = NEW(cx.perm, float);
	int32_t *z = NEW(cx.perm, int32_t);
	const TensorType *ct;
	Value *x, *c, *d;
	Op *op;

	*s = scale;
	*z = zp;
	*q = (Quant){.kind = Q_TENSOR, .n = 1, .scale = s, .zp = z};
	ct = type_new(&cx, DT_U8, 2, (int64_t[]){1, 4}, q);

	*fg = tg_graph(&cx);
	x = tg_input(&cx, *fg, ft);
	x->name = "x";
	d = tg_act(&cx, *fg, x, (Act){ACT_RELU, 0, 0});
	d->name = "y";
	tg_output(&cx, *fg, d);

	*qg = tg_graph(&cx);
	x = tg_input(&cx, *qg, ft);
	x->name = "x";
	op = ir_op_new(&cx, *qg, OP_QUANTIZE, NULL, 1, &x, 1, &ct);
	ir_append(*qg, op);
	c = op->out[0];
	c->name = "x";
	*qop = op;
	op = ir_op_new(&cx, *qg, OP_DEQUANTIZE, NULL, 1, &c, 1, &ft);
	ir_append(*qg, op);
	d = tg_act(&cx, *qg, op->out[0], (Act){ACT_RELU, 0, 0});
	d->name = "y";
	tg_output(&cx, *qg, d);
}

static QuantReport *
build(Graph *fg, Graph *qg)
{
	static const float *samples[2] = {s0, s1};
	QuantOpts o = {.ninputs = 1, .nsamples = 2, .samples = samples};
	QuantReport *r = quant_report_build(&cx, fg, qg, &o);

	cr_assert(r, "the report failed");
	r->model = "m.onnx";
	r->scheme = "int8";
	r->method = "minmax";
	return r;
}

Test(quant_report, sqnr_is_the_energy_ratio_over_all_samples)
{
	Graph *fg, *qg;
	const Op *qop;
	QuantReport *r;
	/* scale 0.5, zp 0: codes 0 0 2 5 | 0 1 0 2 (-0.3 clamps to 0), so
	 * xq = 0 0 1 2.5 | 0 0.5 0 1 */
	double sig = 0.01 + 0.04 + 1.0 + 5.29 + 0.09 + 0.36 + 0.0 + 1.44;
	double err = 0.01 + 0.04 + 0.0 + 0.04 + 0.09 + 0.01 + 0.0 + 0.04;

	graphs(0.5f, 0, &fg, &qg, &qop);
	r = build(fg, qg);
	cr_assert_eq(r->nlayers, 1, "%u layers, want the Quantize only",
	             r->nlayers);
	cr_assert_eq(r->layers[0].op, qop);
	cr_assert_eq(quant_report_find(r, qop), &r->layers[0]);
	cr_assert_eq(r->layers[0].count, 8);
	cr_assert_float_eq(r->layers[0].sig, sig, 1e-5);
	cr_assert_float_eq(r->layers[0].err, err, 1e-5);
	cr_assert_float_eq(qlayer_sqnr(&r->layers[0]),
	                   10.0 * log10(sig / err), 1e-4);
}

Test(quant_report, the_zero_point_is_subtracted_before_scaling)
{
	Graph *fg, *qg;
	const Op *qop;
	QuantReport *r;
	/* scale 0.25, zp 4: every value of s0 and s1 lies on the grid or
	 * within it; codes round(x * 4) + 4: 0.1 -> 4 (0), 0.2 -> 5 (0.25),
	 * 1 -> 8 (1), 2.3 -> 13 (2.25) | -0.3 -> 3 (-0.25), 0.6 -> 6 (0.5),
	 * 0 -> 4 (0), 1.2 -> 9 (1.25) */
	double err = 0.01 + 0.0025 + 0.0 + 0.0025 + 0.0025 + 0.01 + 0.0 +
	             0.0025;

	graphs(0.25f, 4, &fg, &qg, &qop);
	r = build(fg, qg);
	cr_assert_eq(r->nlayers, 1);
	cr_assert_float_eq(r->layers[0].err, err, 1e-6);
}

/* The JSON and the table of a report, as strings. */
static char *
print(const QuantReport *r, bool json)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	cr_assert(f);
	if (json)
		quant_report_json(r, f);
	else
		quant_report_txt(r, f);
	fclose(f);
	return buf;
}

Test(quant_report, json_and_table_carry_the_same_numbers)
{
	Graph *fg, *qg;
	const Op *qop;
	QuantReport *r;
	char *js, *tx, want[64];

	graphs(0.5f, 0, &fg, &qg, &qop);
	r = build(fg, qg);
	js = print(r, true);
	tx = print(r, false);
	snprintf(want, sizeof want, "\"sqnr_db\": %.9g",
	         qlayer_sqnr(&r->layers[0]));
	cr_assert(strstr(js, want), "no %s in\n%s", want, js);
	cr_assert(strstr(js, "\"scale\": 0.5, \"zero_point\": 0"), "%s", js);
	cr_assert(strstr(js, "\"elements\": 8}"), "%s", js);
	cr_assert(strstr(js, "\"quantize\": \"int8\""), "%s", js);
	snprintf(want, sizeof want, "  %.2f\n", qlayer_sqnr(&r->layers[0]));
	cr_assert(strstr(tx, want), "no '%s' in\n%s", want, tx);
	cr_assert(strstr(tx, "u8/8"), "%s", tx);
	free(js);
	free(tx);
}

Test(quant_report, an_error_free_layer_is_exact_not_a_number)
{
	QLayer l = {.sig = 2.0, .err = 0.0, .count = 3};
	QLayer none = {0};
	QLayer zero = {.sig = 0.0, .err = 1.0, .count = 3};
	QuantReport r = {.model = "m", .scheme = "int8", .method = "mse"};
	Graph *fg, *qg;
	const Op *qop;
	char *js, *tx;

	cr_assert(isinf(qlayer_sqnr(&l)) && qlayer_sqnr(&l) > 0);
	cr_assert(isnan(qlayer_sqnr(&none)));
	cr_assert(isnan(qlayer_sqnr(&zero)));
	graphs(0.5f, 0, &fg, &qg, &qop);
	l.op = qop;
	l.tensor = "x";
	l.out = qop->out[0]->type;
	r.layers = &l;
	r.nlayers = 1;
	js = print(&r, true);
	tx = print(&r, false);
	cr_assert(strstr(js, "\"sqnr_db\": null, \"exact\": true"), "%s", js);
	cr_assert(!strstr(js, "inf") && !strstr(js, "nan"), "%s", js);
	cr_assert(strstr(tx, "  exact\n"), "%s", tx);
	free(js);
	free(tx);
}
