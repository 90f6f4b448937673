/* ir.h -- qcc's intermediate representation: the one header of ir/.
 *
 * A Graph is a list of Ops in topological order.  Every Value is defined
 * exactly once: by an op result, as a graph input, or as a constant.
 * Invariants (checked by ir_verify):
 *   - the op list is in topological order, every input defined before use;
 *   - Value.nuses equals the number of op inputs plus graph outputs using it;
 *   - arity matches ops.def;
 *   - once shapes are inferred, every result's type equals a fresh inference;
 *   - Quant.n == dim[axis] for per-axis quantization;
 *   - graph outputs are defined.
 *
 * Memory: everything lives in Ctx.perm and dies with it; passes take
 * temporary memory from Ctx.scratch, which the pass manager resets.
 * Errors in the input go through diag() with a Loc; broken invariants are
 * bugs and abort through bug().
 */
#ifndef QCC_IR_H
#define QCC_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define QCC_VERSION "0.1.0"

/* ---- base: arena.c -------------------------------------------------------- */

typedef struct Arena Arena;

Arena *arena_new(void);
void *arena_alloc(Arena *a, size_t size, size_t align);   /* zeroed */
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_reset(Arena *a);
void arena_free(Arena *a);
size_t arena_mul(size_t n, size_t size);                  /* overflow -> bug() */
void vec_grow(Arena *a, void **v, uint32_t *cap, uint32_t need, size_t esz);

#define NEW(a, T)         ((T *)arena_alloc((a), sizeof(T), _Alignof(T)))
#define NEWARRAY(a, T, n) ((T *)arena_alloc((a), arena_mul((n), sizeof(T)), _Alignof(T)))

/* ---- base: diag.c --------------------------------------------------------- */

/* Where an IR object came from.  Ops made by passes copy the Loc of the op
 * they replace. */
typedef struct Loc {
	const char *file;      /* model path */
	const char *node;      /* ONNX NodeProto.name, may be "" */
	const char *op_type;   /* ONNX NodeProto.op_type */
	uint32_t index;        /* position in GraphProto.node */
} Loc;

enum {
	CTX_VERIFY_EACH = 1 << 0,   /* ir_verify after every pass */
	CTX_PRINT_ALL   = 1 << 1,   /* print the IR after every pass */
	CTX_NO_WINOGRAD = 1 << 2,   /* -no-winograd: select-conv keeps every
	                             * Conv direct */
	CTX_NO_BLOCKED  = 1 << 3,   /* -no-blocked-layout: plan-layout keeps
	                             * every value NCHW */
};

typedef struct Ctx {
	Arena *perm;           /* lives for the whole compilation */
	Arena *scratch;        /* reset by the pass manager after every pass */
	FILE *diagout;         /* diagnostics (stderr) */
	FILE *dumpout;         /* -print-after dumps (stderr) */
	const char *file;      /* the model, for messages that name no node */
	const char *print_after;  /* pass name, or NULL */
	int nerrors, maxerrors;
	unsigned flags;        /* CTX_* */
	struct QuantOpts *quant;  /* -quantize: options, samples, ranges
	                           * (passes/passes.h); NULL for float */
	int vec_bytes;         /* the target's widest float vector in bytes,
	                        * 0 if unknown: lowering sizes tiles by it */
	bool vnni512;          /* the target has AVX512-VNNI (x86): lowering
	                        * picks the u8 x s8 dot-product kernels */
} Ctx;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

void ctx_init(Ctx *cx);
void ctx_fini(Ctx *cx);
/* Prints one line:  FILE: node "NAME" (OP): error: MESSAGE
 * or, with loc NULL or without a node:  FILE: error: MESSAGE */
void diag(Ctx *cx, DiagLevel lvl, const Loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
_Noreturn void bug_(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define bug(...) bug_(__FILE__, __LINE__, __VA_ARGS__)
#define QCC_ASSERT(x) ((x) ? (void)0 : bug("assertion failed: %s", #x))

/* ---- element types: type.c ------------------------------------------------ */

typedef enum { ENC_FLOAT, ENC_INT, ENC_BITS, ENC_PM1 } Encoding;

typedef enum DType {
#define DT(id, name, bits, sgn, enc, onnx) DT_##id,
#include "dtypes.def"
#undef DT
	DT_COUNT
} DType;

typedef struct DTypeInfo {
	const char *name;
	int bits;
	bool is_signed;
	Encoding enc;
	int onnx;              /* TensorProto.DataType, 0 if none */
} DTypeInfo;

extern const DTypeInfo dtype_info[DT_COUNT];

/* Quantization lives in the type, not in extra operands.
 * real = scale[c] * (code - zp[c]), c the index along axis. */
typedef enum QuantKind { Q_NONE, Q_TENSOR, Q_AXIS } QuantKind;

typedef struct Quant {
	QuantKind kind;
	int8_t axis;           /* Q_AXIS: the channel dimension */
	uint32_t n;            /* 1 for Q_TENSOR, dim[axis] for Q_AXIS */
	const float *scale;    /* n entries */
	const int32_t *zp;     /* n entries; NULL means all zero */
	uint8_t bits;          /* 0: the dtype's range; 1..7: u8 codes in
	                        * [0, 2^bits - 1] (-quantize=pm1 activations) */
} Quant;

enum { MAX_RANK = 6 };     /* the frontend rejects higher ranks */

typedef struct TensorType {
	DType dt;
	uint8_t rank;
	int64_t dim[MAX_RANK];
	const Quant *q;        /* NULL unless dt is a quantized code type */
} TensorType;

const TensorType *type_new(Ctx *cx, DType dt, int rank, const int64_t *dim,
                           const Quant *q);
const TensorType *type_with_shape(Ctx *cx, const TensorType *t, int rank,
                                  const int64_t *dim);
bool type_eq(const TensorType *a, const TensorType *b);
int64_t type_numel(const TensorType *t);
size_t type_bytes(const TensorType *t);
/* Writes "f32[1,3,224,224]" into buf; returns buf. */
char *type_str(const TensorType *t, char *buf, size_t n);

/* ---- ops and values ------------------------------------------------------- */

typedef enum ActKind {
#define ACT(id, name) ACT_##id,
#include "../runtime/acts.def"
#undef ACT
	ACT_COUNT
} ActKind;

extern const char *const act_name[ACT_COUNT];

typedef struct Act {
	ActKind kind;
	float alpha, beta;     /* CLIP: lo, hi; HARDSIGMOID: alpha, beta */
} Act;

enum { OPF_ACT = 1 << 0, OPF_ACTFN = 1 << 1, OPF_VIEW = 1 << 2 };

typedef enum OpKind {
#define OP(id, onnx, minin, maxin, nout, attr, flags) OP_##id,
#include "ops.def"
#undef OP
	OP_COUNT
} OpKind;

typedef struct OpInfo {
	const char *name;      /* "Conv"; internal ops have their own name */
	const char *onnx;      /* ONNX op_type, NULL if internal */
	int minin, maxin, nout;
	unsigned flags;
} OpInfo;

extern const OpInfo op_info[OP_COUNT];

/* How a float Conv runs (select-conv, issue 7); the interpreter ignores
 * it and computes the plain convolution.  CONV_POINTWISE: a 1x1 Conv on
 * qcc_rt_conv2d_pw_f32; CONV_DW_CHAN: a depthwise Conv on
 * qcc_rt_conv2d_dwc_f32 (vectors over channels); the two kernels that
 * read and write channel-blocked values (Layout). */
typedef enum {
	CONV_DIRECT, CONV_WINOGRAD2, CONV_WINOGRAD4, CONV_POINTWISE,
	CONV_DW_CHAN
} ConvAlgo;

/* How a tensor value is stored (plan-layout, issue 7): NCHW, or NCHW16c
 * (channel-blocked, runtime/qcc_rt.h says where each element goes) between
 * the kernels that read and write it so.  Same bytes either way; the
 * interpreter ignores it. */
typedef enum { LAYOUT_NCHW, LAYOUT_NCHW16C } Layout;

typedef struct ConvAttr {
	int32_t kernel[2], stride[2], dilation[2];
	int32_t pad[4];        /* top, left, bottom, right */
	int32_t group;
} ConvAttr;

typedef struct PoolAttr {
	int32_t kernel[2], stride[2], dilation[2];
	int32_t pad[4];        /* top, left, bottom, right */
	bool ceil_mode;
	bool count_include_pad;  /* AveragePool */
} PoolAttr;

typedef struct BatchNormAttr {
	float eps;
} BatchNormAttr;

typedef struct GemmAttr {
	float alpha, beta;
	bool trans_a, trans_b;
} GemmAttr;

typedef struct AxisAttr {
	int32_t axis;          /* normalized to [0, rank) by the importer */
} AxisAttr;

typedef struct ReshapeAttr {
	int32_t rank;
	int64_t shape[MAX_RANK];  /* as in ONNX: 0 copies, -1 infers */
	bool allowzero;
} ReshapeAttr;

typedef struct SoftmaxAttr {
	int32_t axis;          /* normalized to [0, rank) */
	bool legacy;           /* opset < 13: flatten to 2-D at axis first */
} SoftmaxAttr;

/* Tensor plumbing (issue 3).  Per-axis arrays cover the input's rank. */
typedef struct TransposeAttr {
	int32_t perm[MAX_RANK];   /* result axis i is input axis perm[i] */
} TransposeAttr;

typedef struct SliceAttr {
	/* result index j along axis i reads input index start[i] + j*step[i];
	 * the result has len[i] of them (normalized by the importer) */
	int64_t start[MAX_RANK], step[MAX_RANK], len[MAX_RANK];
} SliceAttr;

typedef struct TileAttr {
	int64_t rep[MAX_RANK];
} TileAttr;

typedef enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE } PadMode;

typedef struct PadAttr {
	int64_t before[MAX_RANK], after[MAX_RANK];   /* >= 0 */
	PadMode mode;
	float value;           /* PAD_CONSTANT */
} PadAttr;

typedef enum { RESIZE_NEAREST, RESIZE_LINEAR } ResizeMode;
typedef enum {
	COORD_HALF_PIXEL, COORD_PYTORCH_HALF_PIXEL, COORD_ALIGN_CORNERS,
	COORD_ASYMMETRIC, COORD_TF_HALF_PIXEL_FOR_NEAREST
} CoordMode;
typedef enum {
	NEAREST_ROUND_PREFER_FLOOR, NEAREST_ROUND_PREFER_CEIL,
	NEAREST_FLOOR, NEAREST_CEIL
} NearestMode;

/* Resize and Upsample: result dims out[] (the input's rank); along axis i
 * result coordinate o maps to input coordinate transform(o, scale[i]). */
typedef struct ResizeAttr {
	int64_t out[MAX_RANK];
	float scale[MAX_RANK];
	ResizeMode mode;
	CoordMode coord;
	NearestMode nearest;
} ResizeAttr;

/* The integer rescale of a quantized op's accumulator (quant.c), set by
 * fold-shift.  With r(acc, m, s) = (acc * m + 2^(s-1)) >> s, computed in
 * 64 bits with an arithmetic (flooring) shift, i.e. round half up:
 *   Conv, Gemm, MatMul  y = clamp(r(acc, mult[c], shift[c]) + z_y, lo, hi)
 *                       (n = 1, or one entry per output channel c)
 *   Mul, Requant,       y = clamp(r(acc, mult[0], shift[0]) + z_y, lo, hi)
 *   GlobalAveragePool
 *   Add                 y = clamp(r'(a - z_a, b - z_b) + z_y, lo, hi) with
 *                       r' = ((a-z_a) mult[0] + (b-z_b) mult[1]
 *                             + 2^(shift[0]-1)) >> shift[0]
 * lo, hi are result codes: the type's range narrowed by a Relu or Clip.
 * n = 0 (mult, shift NULL): an i32 result is the accumulator itself
 * (ConvInteger, MatMulInteger; quantized import). */
typedef struct Requant {
	uint32_t n;
	const int32_t *mult;   /* in [2^30, 2^31), or 0 for a zero scale */
	const int32_t *shift;  /* in [1, 62] */
	int32_t lo, hi;
} Requant;

/* ReduceMean/Max/Sum/L2: axes as a bit mask over the input's rank. */
typedef struct ReduceAttr {
	uint32_t axes;         /* bit i: axis i is reduced */
	bool keepdims;
} ReduceAttr;

/* LayerNormalization (axis: first normalized axis, in [0, rank)) and
 * InstanceNormalization (axis unused). */
typedef struct NormAttr {
	int32_t axis;
	float eps;
} NormAttr;

typedef struct LrnAttr {
	int32_t size;
	float alpha, beta, bias;
} LrnAttr;

typedef struct Op Op;

typedef struct Const {
	const void *data;      /* borrowed from the model buffer, or arena-owned */
	size_t nbytes;
} Const;

typedef struct Value {
	uint32_t id;           /* dense; printed as %id */
	const TensorType *type;  /* NULL until infer-shapes for op results */
	Op *def;               /* NULL for graph inputs and constants */
	uint16_t defidx;       /* which result of def */
	uint32_t nuses;        /* kept exact by the mutation API */
	const Const *cst;      /* non-NULL for initializers and folded constants */
	const char *name;      /* ONNX tensor name, for dumps and messages */
	int64_t offset;        /* plan-memory: byte offset in scratch, -1 if none */
	uint8_t layout;        /* Layout; LAYOUT_NCHW unless plan-layout says */
} Value;

struct Op {
	uint32_t id;           /* dense, in creation order */
	OpKind kind;
	uint16_t nin, nout;
	Value **in;            /* in[i] may be NULL for an omitted optional input */
	Value **out;
	Loc loc;
	Act act;               /* OPF_ACT ops: fused activation, ACT_NONE if none */
	const Requant *rq;     /* integer ops after fold-shift, else NULL */
	/* select-conv (issue 7): a Conv's ConvAlgo, and for CONV_WINOGRAD2
	 * the tile rows per block; the scratch bytes the op's kernel needs
	 * while it runs (0: none), placed by plan-memory at ws_offset */
	uint8_t algo;
	int32_t wino_rows;
	int64_t ws_bytes, ws_offset;
	union {                /* tagged by kind, member named in ops.def */
		ConvAttr conv;
		PoolAttr pool;
		BatchNormAttr bn;
		GemmAttr gemm;
		AxisAttr axis;
		ReshapeAttr reshape;
		SoftmaxAttr softmax;
		Act act;
		TransposeAttr transpose;
		SliceAttr slice;
		TileAttr tile;
		PadAttr pad;
		ResizeAttr resize;
		ReduceAttr reduce;
		NormAttr norm;
		LrnAttr lrn;
	} a;
	Op *prev, *next;       /* topological order */
};

typedef struct Graph {
	const char *name;      /* ONNX GraphProto.name */
	const char *file;      /* model path */
	uint8_t sha256[32];    /* of the model file */
	int64_t opset;         /* default-domain opset of the model */
	Op *first, *last;
	Value **values;   uint32_t nvalues, capvalues;
	Value **inputs;   uint32_t ninputs, capinputs;
	Value **outputs;  uint32_t noutputs, capoutputs;
	uint32_t nops;         /* ids handed out so far */
	bool shaped;           /* infer-shapes has run: every result has a type */
	int64_t scratch_size;  /* plan-memory: bytes of the scratch arena */
	int64_t scratch_lower_bound;  /* largest total of tensors alive at once */
} Graph;

#define for_each_op(op, g) for (Op *op = (g)->first; op; op = op->next)
#define for_each_op_safe(op, nx, g) \
	for (Op *op = (g)->first, *nx; op && (nx = op->next, 1); op = nx)

/* ---- graph.c: the only functions that change a graph ---------------------- */

Graph *ir_graph_new(Ctx *cx, const char *name);
/* A new op with nin inputs (NULL entries allowed for omitted optional
 * inputs) and nout results of type outty[i] (outty or entries may be NULL
 * before infer-shapes).  Not yet in the op list. */
Op *ir_op_new(Ctx *cx, Graph *g, OpKind k, const Loc *loc, int nin,
              Value *const *in, int nout, const TensorType *const *outty);
void ir_append(Graph *g, Op *op);
void ir_insert_before(Graph *g, Op *pos, Op *op);
void ir_set_input(Op *op, int i, Value *v);          /* keeps nuses exact */
void ir_replace_uses(Graph *g, Value *from, Value *to);
void ir_remove(Graph *g, Op *op);                    /* results must be unused */
Value *ir_const(Ctx *cx, Graph *g, const TensorType *t, const void *data,
                const char *name);                   /* copies data into perm */
Value *ir_const_borrow(Ctx *cx, Graph *g, const TensorType *t,
                       const void *data, const char *name);
Value *ir_input(Ctx *cx, Graph *g, const TensorType *t, const char *name);
void ir_add_output(Ctx *cx, Graph *g, Value *v);
void ir_set_output(Graph *g, uint32_t i, Value *v);  /* keeps nuses exact */
Graph *ir_clone(Ctx *cx, const Graph *g);
bool op_is_graph_output(const Graph *g, const Value *v);
static inline const float *
value_f32(const Value *v)
{
	return v && v->cst ? (const float *)v->cst->data : NULL;
}

/* ---- shape.c: per-op type inference --------------------------------------- */

/* Computes the result types of op from its input types into out[].  Reports
 * shapes that do not fit with diag() and returns false. */
bool ir_infer_op(Ctx *cx, const Op *op, const TensorType *out[]);
/* Output spatial size of a conv/pool window; -1 if it does not fit. */
int64_t conv_out_size(int64_t in, int32_t k, int32_t stride, int32_t dil,
                      int32_t pad0, int32_t pad1, bool ceil_mode);

/* For the shape_*.c files: shape_fail reports what does not fit at op's Loc
 * and returns false; shape_tstr prints a type into cx->perm. */
__attribute__((format(printf, 3, 4))) bool
shape_fail(Ctx *cx, const Op *op, const char *fmt, ...);
const char *shape_tstr(Ctx *cx, const TensorType *t);

/* shape_tensor.c: Transpose, Slice, Gather, Tile, Expand, Pad (shape.c
 * dispatches to it). */
bool ir_infer_tensor_op(Ctx *cx, const Op *op, const TensorType *out[]);

/* shape_norm.c: reductions and normalizations (shape.c dispatches). */
bool ir_infer_norm_op(Ctx *cx, const Op *op, const TensorType *out[]);

/* shape_convt.c: ConvTranspose; shape_logic.c: the comparisons, Not and
 * Where (shape.c dispatches to both). */
bool ir_infer_convt(Ctx *cx, const Op *op, const TensorType *out[]);
bool ir_infer_logic_op(Ctx *cx, const Op *op, const TensorType *out[]);

/* ---- verify.c ------------------------------------------------------------- */

/* Checks the invariants above; a violation is a bug (aborts). */
void ir_verify(Ctx *cx, const Graph *g);

/* ---- print.c -------------------------------------------------------------- */

void ir_print(const Graph *g, FILE *out);
void ir_print_op(const Op *op, FILE *out);

/* ---- eval.c: reference interpreter ---------------------------------------- */

/* Runs one op with plain loops: in[i] points at input i's elements (NULL for
 * omitted inputs), out[i] at room for result i.  Types must be inferred. */
bool ir_eval_op(Ctx *cx, const Op *op, const void *const in[],
                void *const out[]);
/* Runs a float Conv, Gemm or MatMul on input x and weights w (in place of
 * its own) with its own bias, without its fused activation: what the
 * quantization searches compare a layer's candidates by. */
bool ir_eval_preact(Ctx *cx, const Op *op, const float *x, const float *w,
                    float *y);
/* Runs the graph.  inputs[i] / outputs[i] follow g->inputs / g->outputs. */
bool ir_eval(Ctx *cx, const Graph *g, const void *const inputs[],
             void *const outputs[]);
/* Runs the graph and returns every value's data, indexed by Value.id,
 * allocated in arena a (NULL for values no op reached). */
void **ir_eval_values(Ctx *cx, const Graph *g, const void *const inputs[],
                      Arena *a);

/* eval_tensor.c: the same ops for any whole-byte element type (ir_eval_op
 * dispatches to it); false if op is not one of them. */
bool ir_eval_tensor_op(const Op *op, const void *const in[], void *out);
/* ---- quant.c, shape_quant.c, eval_quant.c: the integer ops -------------- */

/* True for an op that computes on quantized codes: the quantization block
 * of ops.def, and Conv, Gemm, Add, Mul and the pools whose input 0 has
 * quantization parameters and whose result is u8 or i8.  Such ops are inferred and run by shape_quant.c and
 * eval_quant.c. */
bool op_is_quant(const Op *op);
/* Scale and zero point of channel c (0 for per-tensor). */
float quant_scale(const Quant *q, int64_t c);
int32_t quant_zp(const Quant *q, int64_t c);
/* The smallest and largest code of an 8-bit, 4-bit (or i32) type. */
int32_t dtype_min(DType dt);
int32_t dtype_max(DType dt);
/* The smallest and largest code of type t: its dtype's, or
 * [0, 2^bits - 1] when its Quant narrows the grid (Quant.bits). */
int32_t code_min(const TensorType *t);
int32_t code_max(const TensorType *t);
/* Element i of packed 4-bit data (two per byte, low nibble first),
 * sign-extended for i4. */
int32_t nibble_load(const void *p, DType dt, int64_t i);
/* real = mult * 2^-shift within 2^-31 relative; false if real is out of
 * reach (>= 2^30 or negative).  real == 0 gives mult 0, shift 1. */
bool requant_from_real(double real, int32_t *mult, int32_t *shift);
/* The rounding rule: (acc * mult + 2^(shift-1)) >> shift in 64 bits. */
int64_t requant_round(int64_t acc, int32_t mult, int32_t shift);
/* f32 -> code: round half away from zero of x * inv_scale (a float
 * product), plus zp, clamped to [lo, hi]; NaN gives lo.  The kernels do
 * the very same float operations. */
int32_t quant_round_f32(float x, float inv_scale, int32_t zp, int32_t lo,
                        int32_t hi);
bool ir_infer_quant(Ctx *cx, const Op *op, const TensorType *out[]);
bool ir_eval_quant(Ctx *cx, const Op *op, const void *const in[],
                   void *const out[]);

/* eval_norm.c: the same ops on f32; false if op is not one of them. */
bool ir_eval_norm_op(const Op *op, const void *const in[], void *out);
/* eval_conv.c: Conv on f32 (before the fused activation, with fuse-add's
 * residual). */
void ir_eval_conv(const Op *op, const float *const in[], float *out);
/* The same with the code for at most level (0 portable, 1 AVX2, 2 AVX-512,
 * as far as the CPU has them): the results are identical (tests). */
void ir_eval_conv_level(const Op *op, const float *const in[], float *out,
                        int level);
/* eval_convt.c: ConvTranspose on f32 (before the fused activation). */
void ir_eval_convt(const Op *op, const float *const in[], float *out);
/* eval_logic.c: the comparisons, Not, Where, and Add/Sub/Mul/Div/Neg on i64
 * and i32 (shape arithmetic); false if op is not one of them. */
bool ir_eval_logic_op(const Op *op, const void *const in[], void *out);
/* ---- shape_pm1.c, eval_pm1.c: the {-1,+1} bit-plane ops ---------------- */

bool ir_infer_pm1(Ctx *cx, const Op *op, const TensorType *out[]);
bool ir_eval_pm1(Ctx *cx, const Op *op, const void *const in[],
                 void *const out[]);

/* ---- stats.c -------------------------------------------------------------- */

int64_t op_macs(const Op *op);        /* multiply-accumulates of one op */
int64_t graph_macs(const Graph *g);
int64_t graph_weight_bytes(const Graph *g);  /* constants ops read */

#endif
