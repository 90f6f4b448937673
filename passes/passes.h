/* passes.h -- graph-to-graph rewrites and the pass manager.
 *
 * A pass is one file holding one `const Pass pass_x`.  The pipelines are
 * literal arrays in pipeline.c; the pass manager runs them in order,
 * resets Ctx.scratch after each pass, verifies the IR when CTX_VERIFY_EACH
 * is set, prints it for -print-after, and stops at the first pass that
 * reports an error.
 */
#ifndef QCC_PASSES_H
#define QCC_PASSES_H

#include "ir.h"

typedef struct Pass {
	const char *name;              /* "fold-bn": -print-after= */
	bool (*run)(Ctx *, Graph *);   /* true if it changed the graph */
} Pass;

extern const Pass pass_infer_shapes, pass_fold_const, pass_dce, pass_fold_bn,
	pass_fuse_act, pass_plan_memory;

/* fuse_add.c (issue 7): Conv + Add(residual) -> Conv with a fourth input. */
extern const Pass pass_fuse_add;

/* fuse_silu.c (issue 7): x * Sigmoid(x) -> x's producer with act silu. */
extern const Pass pass_fuse_silu;

/* ---- quantization (issue 5): calibrate.c, quantize.c, fold_shift.c ---- */

typedef enum { CALIB_MINMAX, CALIB_PERCENTILE, CALIB_MSE, CALIB_KL } CalibMethod;

/* Below 8 bits (issue 6, passes/int4.c): how 4-bit weights are clipped and
 * how 4-bit activation grids are chosen. */
typedef enum { W4_MAX, W4_MSE } W4Clip;
typedef enum { A4_MINMAX, A4_MSE, A4_SEARCH } A4Range;

/* -quantize-layer=NODE:wXaY: the widths of one Conv or Gemm, by ONNX name. */
typedef struct LayerBits {
	const char *node;
	uint8_t wbits, abits;
} LayerBits;

/* Ctx.quant: what -quantize=int8 and its flags asked for, the calibration
 * samples, and the ranges calibrate leaves for quantize. */
typedef struct QuantOpts {
	CalibMethod method;
	double percentile;      /* CALIB_PERCENTILE: kept fraction, in % */
	bool per_tensor;        /* one weight scale per tensor, not per channel */
	bool io_int8;           /* graph inputs and outputs stay codes */
	bool progress;          /* a progress bar on Ctx.diagout */
	uint32_t ninputs, nsamples;
	const float *const *samples;  /* [k * ninputs + i]: input i, sample k */
	/* calibrate's result: the range of every f32 value, by Value.id */
	float *lo, *hi;
	/* and, for an op with a fused activation other than Relu or Clip,
	 * the min and max of its result before that activation (by the
	 * result's Value.id, lo > hi if none) */
	float *pre_lo, *pre_hi;
	uint32_t nranges;
	/* -quantize=w4a4|w4a8|w8a8 (int4.c): the default widths of Conv and
	 * Gemm layers (0 means 8; the first and last layers stay 8-bit unless
	 * named in layers[]), and the recipe */
	uint8_t wbits, abits;
	const LayerBits *layers;
	uint32_t nlayers;
	W4Clip w4_clip;         /* default W4_MSE */
	A4Range a4_range;       /* default A4_SEARCH */
	bool no_bias_correct;
	/* search-int4's result: by Op.id the weight width of each layer
	 * (0: 8), by Value.id a 4-bit grid (a4_scale 0: none) */
	uint8_t *op_wbits;
	float *a4_scale;
	int32_t *a4_zp;
	uint32_t nops4, nvals4;
	/* -quantize=pm1:wKaM (issue 6 part 2): K weight bits and M activation
	 * bits of the layers that take the {-1,+1} path; 0 without pm1 */
	int pm1_wbits, pm1_abits;
	/* plan-pm1's result, read by quantize: bits of the codes of each f32
	 * value (by Value.id) and of each Conv/Gemm's weights (by Op.id);
	 * 0 means 8-bit.  NULL arrays: all 8-bit. */
	uint8_t *vbits, *obits;
	uint32_t nvbits, nobits;
	/* -quantize=auto (select_quant.c): the target's triple (its cost
	 * table), the accuracy guard in dB (0: 20), -v (print the choices);
	 * select-quant's int4 layers for search-int4: by Op.id 4, else 8 */
	bool auto_select, verbose;
	const char *auto_target;
	double auto_sqnr;
	const double *auto_cost;        /* tests: a cost table of 8 numbers,
	                                 * per MAC of a Conv then of a Gemm,
	                                 * 4 each: int8, int4, pm1:w2a2,
	                                 * pm1:w1a1 */
	uint8_t *auto_wbits;
	uint32_t nauto;
} QuantOpts;

extern const Pass pass_calibrate, pass_search_int4, pass_quantize,
	pass_fold_shift;

/* int4.c, for quantize: the i4 codes of float weights w (per channel
 * along axis, or per tensor), clipped as opts->w4_clip says, packed two
 * per byte; the type's Quant has the scales. */
Value *quant_weights4(Ctx *cx, Graph *g, const Value *w, int axis,
                      const QuantOpts *opts);
/* The weight width search-int4 chose for op: 4 or 8. */
int op_weight_bits(const QuantOpts *opts, const Op *op);

/* fold_qdq.c: an imported quantized model's Dequantize -> op -> Quantize
 * become ops on codes (run by every pipeline; nothing for float models) */
extern const Pass pass_fold_qdq;
/* plan_pm1.c, decompose_pm1.c (-quantize=pm1:wKaM) */
extern const Pass pass_plan_pm1, pass_decompose_pm1;
/* match_pm1.c: Conv/Gemm/MatMul on Sign(x) with +-a weights -> pm1 kernels
 * (1-bit models imported as they are; the float pipeline) */
extern const Pass pass_match_pm1;
/* select_quant.c: -quantize=auto's per-layer choice of int8, int4, pm1 */
extern const Pass pass_select_quant;
/* select_conv.c (issue 7): float Convs direct, Winograd (with the
 * workspace sized, before plan-memory), pointwise or depthwise by
 * channels */
extern const Pass pass_select_conv;
/* Whether qcc_rt_conv2d_pw_f32 can run op: a float Conv with constant
 * weights, 1x1, group 1, stride 1, no padding, rank 4, not a one-pixel
 * plane without a residual (lowering's qcc_rt_gemm_f32 takes those). */
bool conv_pw_shape(const Op *op);
/* plan_layout.c (issue 7): channel-blocked values between the pointwise
 * and depthwise Convs (after select-conv, before plan-memory) */
extern const Pass pass_plan_layout;

/* pipeline.c */
bool pipeline_run(Ctx *cx, Graph *g, const Pass *const *passes, size_t n);
/* The float pipeline for -O0..-O3; false if a pass reported an error. */
bool pipeline_default(Ctx *cx, Graph *g, int optlevel);
/* The integer pipeline (-quantize=int8, Ctx.quant set): the float passes,
 * then calibrate, quantize, fold-shift and plan-memory. */
bool pipeline_int8(Ctx *cx, Graph *g);
/* Its float part, the passes before calibrate (passes/quant_report.c). */
bool pipeline_int8_float(Ctx *cx, Graph *g);
/* -quantize=pm1:wKaM: the int8 pipeline with plan-pm1 before quantize
 * and decompose-pm1 after fold-shift. */
bool pipeline_pm1(Ctx *cx, Graph *g);
/* -quantize=auto: select-quant chooses per layer, then search-int4,
 * quantize, fold-shift and decompose-pm1 as in the pipelines above. */
bool pipeline_auto(Ctx *cx, Graph *g);
const Pass *pass_find(const char *name);
/* Writes every pass name, one per line (for --help). */
void pass_list(FILE *out);

/* plan_memory.c: bytes of scratch buffers live at each op, by position in
 * the op list, as plan-memory counts them (its lower bound is their
 * maximum); in cx->perm, *nops entries.  Needs a shaped graph. */
int64_t *plan_live_bytes(Ctx *cx, const Graph *g, uint32_t *nops);

#endif
