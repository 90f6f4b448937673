/* helpers.h -- shared test helpers: tiny graphs, random tensors, and
 * numeric comparisons through the reference interpreter (ir/eval.c).
 *
 *	Graph *g = tg_graph(cx);
 *	Value *x = tg_input(cx, g, tg_f32(cx, TG_DIMS(1, 3, 8, 8)));
 *	Value *y = tg_conv(cx, g, x, 8, 3, 1, 1, 1, 42);
 *	tg_output(cx, g, tg_bn(cx, g, y, 43));
 *
 * Builders infer the result type at once (the test fails if it does not
 * fit), so graphs come out shaped.  tg_op makes an op with default
 * attributes and no result type, for tests that set attributes or expect
 * shape errors; tg_infer then types it.  Randomness is a fixed-seed
 * generator: the same seed gives the same tensor on every machine.
 */
#ifndef QCC_TEST_HELPERS_H
#define QCC_TEST_HELPERS_H

#include "ir.h"

/* tg_f32(cx, TG_DIMS(1, 3, 8, 8)) */
#define TG_DIMS(...)                                                       \
	(const int64_t[]){__VA_ARGS__},                                    \
		(int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

const TensorType *tg_f32(Ctx *cx, const int64_t *dim, int rank);

/* Next value of a xorshift32 generator; *state must not be 0. */
uint32_t tg_rand(uint32_t *state);
/* n uniform floats in [lo, hi) from seed. */
void tg_fill_rand(float *p, int64_t n, uint32_t seed, float lo, float hi);

/* A graph named "test" at opset 13, marked shaped. */
Graph *tg_graph(Ctx *cx);
Value *tg_input(Ctx *cx, Graph *g, const TensorType *t);
Value *tg_const(Ctx *cx, Graph *g, const TensorType *t, const float *data);
Value *tg_const_rand(Ctx *cx, Graph *g, const TensorType *t, uint32_t seed,
                     float lo, float hi);
void tg_output(Ctx *cx, Graph *g, Value *v);

/* Op k on inputs in[0..nin), appended, with ONNX default attributes (unit
 * strides and dilations, group 1, alpha = beta = 1, eps 1e-5, Clip
 * unbounded, HardSigmoid 0.2/0.5, Softmax axis last) and an untyped
 * result.  The Loc names node "n<id>" with the op's ONNX op_type. */
Op *tg_op(Ctx *cx, Graph *g, OpKind k, int nin, Value *const *in);
/* Infers op's result type (asserting that it fits) and returns result 0. */
Value *tg_infer(Ctx *cx, Op *op);

/* Conv with cout output channels, a k x k kernel, stride, symmetric pad,
 * group, and random weights and bias from seed. */
Value *tg_conv(Ctx *cx, Graph *g, Value *x, int cout, int k, int stride,
               int pad, int group, uint32_t seed);
/* BatchNormalization with random scale, bias, mean and variance > 0. */
Value *tg_bn(Ctx *cx, Graph *g, Value *x, uint32_t seed);
/* The activation op for kind (RELU, CLIP with alpha/beta, ...). */
Value *tg_act(Ctx *cx, Graph *g, Value *x, Act act);
/* input f32[1,3,8,8] -> Conv(cout, k, pad k/2) -> BatchNormalization. */
Graph *tg_conv_bn(Ctx *cx, int cout, int k);

int tg_count(const Graph *g, OpKind k);

/* Runs g on inputs and returns output 0, allocated in cx->perm. */
float *tg_eval(Ctx *cx, const Graph *g, const float *const inputs[]);
/* Asserts |got[i] - want[i]| <= tol for all i, naming the first miss. */
void tg_assert_floats(const float *got, const float *want, int64_t n,
                      float tol);
/* Evaluates ref and g on the same random inputs and asserts every output
 * element satisfies |a - b| <= rtol * (1 + |a|). */
void tg_assert_close(Ctx *cx, const Graph *ref, const Graph *g, float rtol);

#endif
