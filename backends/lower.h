/* lower.h -- private to backends/: the call builder lower.c's op families
 * share.  An op family's lowering lives in lower_<family>.c; lower.c holds
 * value_buf, the argument builders and the dispatch. */
#ifndef QCC_LOWER_H
#define QCC_LOWER_H

#include "backend.h"

enum { MAXARGS = 32 };

typedef struct Lower {
	Ctx *cx;
	const Graph *g;
	const Op *op;          /* the op being lowered, NULL for output copies */
	KCall *calls;
	uint32_t ncalls, cap;
	KArg args[MAXARGS];    /* the call being built */
	uint32_t nargs;
} Lower;

/* lower.c: building one call; call_end appends it as a call of fn */
bool buf_eq(Buf a, Buf b);
KArg *arg_new(Lower *L, KArgKind k);
void arg_buf(Lower *L, Buf b);
void arg_val(Lower *L, const Value *v);
void arg_i32(Lower *L, int64_t i);
void arg_f32(Lower *L, float f);
void arg_array(Lower *L, KArgKind k, const void *p, uint32_t n);
void arg_act(Lower *L, const Act *act);
void arg_layout(Lower *L, const Op *op);
void call_end(Lower *L, const char *fn);
void call_copy(Lower *L, Buf from, Buf to, int64_t n);
/* Copies the bytes of a tensor of type t (any element type). */
void call_copy_bytes(Lower *L, Buf from, Buf to, const TensorType *t);
int64_t dims_prod(const TensorType *t, int from, int to);
void bcast_strides(const TensorType *t, int r, int64_t *str);
int merge_axes(int r, int64_t *dims, int64_t *sa, int64_t *sb);
void arg_shape(Lower *L, int r, const int64_t *dims, const int64_t *sa,
              const int64_t *sb);
void arg_conv_geometry(Lower *L, const Op *op);
void arg_pool_geometry(Lower *L, const Op *op);
/* A quantized op's rescale (lower_quant.c): multipliers and shifts (arrays
 * of n, or the first of each), the output zero point and clamp. */
void arg_requant(Lower *L, const Op *op, bool arrays);

/* lower_nn.c */
void lower_conv(Lower *L, const Op *op);
bool lower_batchnorm(Lower *L, const Op *op);
void lower_scaleshift(Lower *L, const Op *op);
void lower_pool(Lower *L, const Op *op);
void lower_globalavgpool(Lower *L, const Op *op);
bool lower_convtranspose(Lower *L, const Op *op);

/* lower_logic.c: comparisons, Where, Not */
bool lower_is_logic(const Op *op);
bool lower_logic(Lower *L, const Op *op);

/* lower_conv_packed.c: false (and nothing built) if Conv does not fit the
 * packed kernel */
bool lower_conv_packed(Lower *L, const Op *op);
/* lower_winograd.c: false (and nothing built) unless select-conv chose
 * Winograd for Conv */
bool lower_winograd(Lower *L, const Op *op);

/* lower_math.c */
void lower_act(Lower *L, const Op *op);
void lower_binary(Lower *L, const Op *op);
void lower_gemm(Lower *L, const Op *op);
void lower_matmul(Lower *L, const Op *op);
void lower_softmax(Lower *L, const Op *op);

/* lower_tensor.c */
void lower_view(Lower *L, const Op *op);
void lower_concat(Lower *L, const Op *op);

/* lower_index.c */
void lower_strided(Lower *L, const Op *op);  /* Transpose Slice Tile Expand */
void lower_gather(Lower *L, const Op *op);
void lower_pad(Lower *L, const Op *op);
void lower_resize(Lower *L, const Op *op);

/* lower_norm.c */
void lower_reduce(Lower *L, const Op *op);
void lower_normalize(Lower *L, const Op *op);  /* Instance/LayerNorm */
void lower_lrn(Lower *L, const Op *op);
/* lower_quant.c: ops on u8 codes (-quantize=int8) */
bool lower_is_quant(const Op *op);
/* lower_qimport.c: integer ops of already-quantized models (called by
 * lower_quant) */
bool lower_is_qimport(const Op *op);
void lower_qimport(Lower *L, const Op *op);
bool lower_quant(Lower *L, const Op *op);
void lower_copy_q8(Lower *L, Buf from, Buf to, int64_t n);

/* lower_qconv.c: false (and nothing built) if the integer Conv does not
 * fit the packed kernel of runtime/kernels/qgemm.c */
bool lower_qconv(Lower *L, const Op *op);

/* lower_pm1.c: the {-1,+1} bit-plane ops (-quantize=pm1) */
bool lower_is_pm1(const Op *op);
bool lower_pm1(Lower *L, const Op *op);

#endif
