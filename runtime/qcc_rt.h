/* qcc_rt.h -- the run-time kernels that compiled networks call.
 *
 * Every op of a compiled network becomes one or more calls to the kernels
 * declared here (backends/lower.c decides which, with what arguments).  The
 * kernels live in runtime/kernels/, one family per file, and are the single
 * definition of what an op computes at run time:
 *   - the C backend pastes this header and every kernel file into net.c
 *     after `#define QCC_RT_API static inline`;
 *   - the LLVM backend compiles the same files to bitcode, links them into
 *     the module and inlines them with constant arguments;
 *   - the static library qcc_rt (QCC_RT_API empty) serves the tests.
 *
 * Rules every kernel follows, so both backends can call it generically:
 *   - arguments are only pointers (const float *, float *, const int32_t *
 *     for small constant arrays), int32_t and float;
 *   - a fused activation comes last as (int32_t act, float alpha, float
 *     beta), act one of QCC_ACT_*, applied to each result element;
 *   - no libc, no libm, no globals, no allocation: C99 plus these headers;
 *   - tensors are dense, row-major (NCHW for images), element counts and
 *     sizes are given in elements, never bytes;
 *   - "restrict" pointers must not overlap; the elementwise kernels (act,
 *     add, mul, scaleshift) also accept y equal to an input (in place).
 */
#ifndef QCC_RT_H
#define QCC_RT_H

#include <stddef.h>
#include <stdint.h>

#ifndef QCC_RT_API
#define QCC_RT_API
#endif

/* Marks every declaration below, so a network that calls only some kernels
 * compiles without unused-function warnings when QCC_RT_API is static. */
#if defined(__GNUC__) || defined(__clang__)
#define QCC_RT_UNUSED __attribute__((unused))
#else
#define QCC_RT_UNUSED
#endif

/* For the kernels' register-tile helpers: they must be inlined into each
 * call site, where the tile sizes are constants, so the fixed-size loops
 * (marked `#pragma GCC unroll`, which gcc and clang honour) unroll fully
 * and the tile's accumulators live in registers. */
#if defined(__GNUC__) || defined(__clang__)
#define QCC_RT_INLINE static inline __attribute__((always_inline))
#else
#define QCC_RT_INLINE static inline
#endif

/* Activation codes: the order of runtime/acts.def (the IR's ActKind is
 * expanded from that file; tests/runtime checks that the codes agree).
 * Written out here so the header stands alone when pasted into net.c. */
enum {
	QCC_ACT_NONE,          /* x */
	QCC_ACT_RELU,          /* max(x, 0) */
	QCC_ACT_CLIP,          /* min(max(x, alpha), beta) */
	QCC_ACT_SIGMOID,       /* 1 / (1 + exp(-x)) */
	QCC_ACT_HARDSIGMOID,   /* max(0, min(1, alpha * x + beta)) */
	QCC_ACT_HARDSWISH,     /* x * max(0, min(1, x / 6 + 1 / 2)) */
	QCC_ACT_NEG,           /* -x */
	QCC_ACT_ABS,           /* |x| */
	QCC_ACT_SQRT,          /* sqrt(x) */
	QCC_ACT_EXP,           /* e^x */
	QCC_ACT_LOG,           /* log(x) */
	QCC_ACT_RECIPROCAL,    /* 1 / x */
	QCC_ACT_TANH,          /* tanh(x) */
	QCC_ACT_ERF,           /* erf(x) */
	QCC_ACT_LEAKYRELU,     /* x >= 0 ? x : alpha * x */
	QCC_ACT_ELU,           /* x > 0 ? x : alpha * (e^x - 1) */
	QCC_ACT_SELU,          /* beta * (x > 0 ? x : alpha * (e^x - 1)) */
	QCC_ACT_SOFTPLUS,      /* log(1 + e^x) */
	QCC_ACT_SIGN,          /* x < 0 ? -1 : x > 0 ? 1 : x (issue 6) */
	QCC_ACT_SILU           /* x / (1 + exp(-x)), x * sigmoid(x) (issue 7) */
};

/* Binary operations of qcc_rt_binary_f32 (a op b). */
enum {
	QCC_BIN_ADD,           /* a + b */
	QCC_BIN_SUB,           /* a - b */
	QCC_BIN_MUL,           /* a * b */
	QCC_BIN_DIV,           /* a / b */
	QCC_BIN_MAX,           /* max(a, b), NaN if either is NaN */
	QCC_BIN_MIN,           /* min(a, b), NaN if either is NaN */
	QCC_BIN_POW,           /* a^b as C99 pow */
	QCC_BIN_PRELU          /* a >= 0 ? a : a * b */
};

/* ---- act.c: math and activations ---------------------------------------- */

/* e^x within 1 ulp over the float range; inf above 88.72, 0 below -103.97,
 * NaN for NaN. */
QCC_RT_API QCC_RT_UNUSED float qcc_rt_expf(float x);
/* One element through activation act. */
QCC_RT_API QCC_RT_UNUSED float qcc_rt_act1_f32(float x, int32_t act,
	float alpha, float beta);
/* y[i] = act(x[i]) for i < n; y may equal x. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_act_f32(const float *x, float *y,
	int32_t n, int32_t act, float alpha, float beta);
/* v[i] = act(v[i]) for i < n, in place: branch-free (vectorizing) loops
 * for Relu, Clip, Sigmoid, SiLU, HardSigmoid, HardSwish and Tanh. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_act_row_f32(float *v, int32_t n,
	int32_t act, float alpha, float beta);

/* ---- math.c: within one ulp of C99's functions ------------------------- */

QCC_RT_API QCC_RT_UNUSED float qcc_rt_sqrtf(float x);
QCC_RT_API QCC_RT_UNUSED float qcc_rt_logf(float x);
QCC_RT_API QCC_RT_UNUSED float qcc_rt_tanhf(float x);
QCC_RT_API QCC_RT_UNUSED float qcc_rt_erff(float x);
QCC_RT_API QCC_RT_UNUSED float qcc_rt_powf(float x, float y);
/* e^x - 1, accurate near 0 (ELU, SELU). */
QCC_RT_API QCC_RT_UNUSED float qcc_rt_expm1f(float x);
/* log(1 + e^x), accurate for every x. */
QCC_RT_API QCC_RT_UNUSED float qcc_rt_softplusf(float x);

/* ---- conv.c --------------------------------------------------------------- */

/* y[n,m,oh,ow] = act(bias[m] + sum over c in m's group, kh, kw of
 *                w[m,c,kh,kw] * x[n,c, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw])
 * x: [nb,c,h,w]  w: [m,c/group,kh,kw]  bias: [m] or NULL  y: [nb,m,oh,ow].
 * Taps outside x read zero.  The caller computes oh, ow (so bottom and
 * right padding are implied by them). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_f32(const float *restrict x,
	const float *restrict w, const float *restrict bias, float *restrict y,
	int32_t nb, int32_t c, int32_t h, int32_t wd,
	int32_t m, int32_t oh, int32_t ow, int32_t kh, int32_t kw,
	int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,
	int32_t group, int32_t act, float alpha, float beta);

/* ---- conv_packed.c -------------------------------------------------------- */

/* Output channels per weight panel, and the most kernel taps (kh*kw) the
 * packed convolution takes. */
#define QCC_RT_PANEL 8
#define QCC_RT_PACKED_MAXTAPS 64

/* The convolution above for group 1, kh*kw <= QCC_RT_PACKED_MAXTAPS, with
 * y = act(conv + bias + res): res (NULL: no term) has y's shape and may
 * equal y.  wp holds the weights packed in panels of QCC_RT_PANEL output
 * channels: with K = c*kh*kw and k = (ci*kh + r)*kw + s,
 *     wp[(q*K + k)*QCC_RT_PANEL + j] = w[q*QCC_RT_PANEL + j, ci, r, s],
 * zero for channels >= m; ceil(m / QCC_RT_PANEL) * K * QCC_RT_PANEL
 * floats.  Sums run in the same order as qcc_rt_conv2d_f32's. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_packed_f32(
	const float *restrict x, const float *restrict wp,
	const float *restrict bias, const float *res, float *y, int32_t nb,
	int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
	int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
	int32_t pt, int32_t pl, int32_t act, float alpha, float beta);
/* The same with panels of 16 output channels (QCC_RT_PANEL16) in the same
 * layout, for 512-bit vectors: a 16-float weight vector per tap. */
#define QCC_RT_PANEL16 16
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_packed16_f32(
	const float *restrict x, const float *restrict wp,
	const float *restrict bias, const float *res, float *y, int32_t nb,
	int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
	int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
	int32_t pt, int32_t pl, int32_t act, float alpha, float beta);

/* ---- conv_dw.c ------------------------------------------------------------ */

/* The convolution above for depthwise shapes (group == c == m, w: [c,1,kh,
 * kw]), y = act(conv + bias + res): res (NULL: no term) has y's shape and
 * must not overlap y.  Sums run in the same order as qcc_rt_conv2d_f32's. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_dw_f32(const float *restrict x,
	const float *restrict w, const float *restrict bias,
	const float *restrict res, float *restrict y, int32_t nb, int32_t c,
	int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow, int32_t kh,
	int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt,
	int32_t pl, int32_t act, float alpha, float beta);

/* ---- channel-blocked tensors ---------------------------------------------- */

/* The layout argument of qcc_rt_conv2d_pw_f32 and qcc_rt_conv2d_dwc_f32
 * says which of x and y (with res, which has y's layout) are stored
 * channel-blocked (NCHW16c, passes/plan_layout.c chooses them) rather than
 * NCHW.  A blocked tensor of c channels (a multiple of QCC_RT_BLOCK_C) and
 * hw pixels per image keeps channel ch of pixel p of image n at
 *     ((n * c/16 + ch/16) * hw + p) * 16 + ch % 16,
 * so a pixel's 16 channels of one block fill one 512-bit vector; it takes
 * as many bytes as NCHW. */
#define QCC_RT_BLOCK_C 16
#define QCC_RT_LAYOUT_XB 1   /* x blocked */
#define QCC_RT_LAYOUT_YB 2   /* y and res blocked */

/* ---- conv_dw_chan.c ------------------------------------------------------- */

/* The same depthwise convolution vectorized over blocks of QCC_RT_DWC_V
 * channels, with the weights packed per block and tap:
 *     wp[((ch / V) * kh*kw + r*kw + s) * V + ch % V] = w[ch, 0, r, s],
 * zero for ch >= c; ceil(c / V) * kh*kw * V floats.  tw (8 or 4) is the
 * widest tile of outputs the target's vector registers hold (8 for 512-bit
 * vectors).  res must not overlap y.  Sums run in the same order as
 * qcc_rt_conv2d_f32's.  Fast only when a band of one output row fits its
 * buffer of QCC_RT_DWC_BUF pixels, ((kh-1)*dh + 1) * max(wd, (ow-1)*sw +
 * (kw-1)*dw + 1) + 7*sw of them, and ow <= 384 (else a plain loop). */
#define QCC_RT_DWC_V 16
#define QCC_RT_DWC_BUF 576
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_dwc_f32(const float *restrict x,
	const float *restrict wp, const float *restrict bias,
	const float *restrict res, float *restrict y, int32_t nb, int32_t c,
	int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow, int32_t kh,
	int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt,
	int32_t pl, int32_t tw, int32_t act, float alpha, float beta,
	int32_t layout);

/* ---- conv_gemm.c ---------------------------------------------------------- */

/* Output channels per weight panel of qcc_rt_conv2d_gemm_f32 (the rows of
 * its register tile). */
#define QCC_RT_GEMM_MR 6

/* The same convolution as qcc_rt_conv2d_packed_f32 (group 1, y = act(conv
 * + bias + res), res NULL or of y's shape), as a matrix product over the
 * output pixels; res must not overlap y.  wp holds the weights in panels
 * of QCC_RT_GEMM_MR output channels, laid out as qcc_rt_conv2d_packed_f32's
 * with QCC_RT_GEMM_MR for QCC_RT_PANEL.  nr (16 or 32) is the register
 * tile's width in pixels: 16 for 128- and 256-bit vectors, 32 for 512-bit
 * ones.  Sums run in the same order as qcc_rt_conv2d_f32's. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_gemm_f32(
	const float *restrict x, const float *restrict wp,
	const float *restrict bias, const float *res, float *y, int32_t nb,
	int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
	int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
	int32_t pt, int32_t pl, int32_t nr, int32_t act, float alpha,
	float beta);

/* ---- conv_pw.c ------------------------------------------------------------ */

/* A 1x1 convolution with stride 1 and no padding (group 1, y = act(conv +
 * bias + res), res NULL or of y's shape, not overlapping y) on planes of
 * hw pixels, vectorized over the output channels: for short planes with
 * 512-bit vectors.  wp holds the weights in panels of QCC_RT_PANEL16
 * output channels, [ceil(m/16)][c][16].  Its register tile is
 * QCC_RT_PW_P pixels.  Sums run in the same order as qcc_rt_conv2d_f32's.
 * layout (QCC_RT_LAYOUT_XB | QCC_RT_LAYOUT_YB, see "channel-blocked
 * tensors") takes x, or y and res, NCHW16c; the results are the NCHW
 * call's, bit for bit. */
#define QCC_RT_PW_P 7
#define QCC_RT_PW_MAXHW 1024   /* the largest plane lowering gives it */
/* The largest plane plan-layout gives it when x or y is blocked, 112x112:
 * measured against qcc_rt_conv2d_gemm_f32 on NCHW (tests/bench/kbench.c's
 * "pwb" lines, 512-bit vectors), with y blocked it wins on every plane up
 * to 112x112 (16->96 at 112x112: 120 against 106 GMAC/s, 24->144 at
 * 56x56: 128 against 116).  With only x blocked it wins when m is a
 * multiple of 16 of at least 32 (144->32 at 56x56: 131 against 118) and
 * loses otherwise, on any plane: m = 16 runs at 88 against 103 on 112x112,
 * and m = 24 or 40 leave a quarter of the lanes idle (144->24 at 56x56:
 * 100 against 131).  With 256-bit vectors it runs at half the gemm
 * kernel's speed: blocked tensors are for 512-bit vectors only. */
#define QCC_RT_PW_BLOCKED_MAXHW 12544
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_pw_f32(const float *restrict x,
	const float *restrict wp, const float *restrict bias, const float *res,
	float *y, int32_t nb, int32_t c, int32_t hw, int32_t m, int32_t act,
	float alpha, float beta, int32_t layout);

/* ---- conv_stem.c ---------------------------------------------------------- */

/* The same convolution as qcc_rt_conv2d_gemm_f32 (same arguments, same
 * packed weights, res must not overlap y), for short reductions: it reads
 * a zero-padded copy of the input split by stride phase, made a band of
 * output rows at a time in a stack buffer of QCC_RT_STEM_BUF floats.  It
 * takes K = c*kh*kw <= QCC_RT_STEM_MAXK and geometries whose band
 * QCC_RT_STEM_BAND(c, sh, sw, (kh-1)*dh/sh, ow + (kw-1)*dw/sw) is at least
 * one output row.  Sums run in the same order as qcc_rt_conv2d_f32's. */
#define QCC_RT_STEM_BUF 8192
#define QCC_RT_STEM_MAXK 256
#define QCC_RT_STEM_BAND(c, sh, sw, ext, wq) \
	((QCC_RT_STEM_BUF - 16) / ((c) * (sh) * (sw) * (wq)) - (ext))
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_stem_f32(
	const float *restrict x, const float *restrict wp,
	const float *restrict bias, const float *res, float *y, int32_t nb,
	int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
	int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
	int32_t pt, int32_t pl, int32_t nr, int32_t act, float alpha,
	float beta);

/* ---- conv_winograd.c ------------------------------------------------------ */

/* Floats of the workspace qcc_rt_conv2d_wino2_f32 needs for c input
 * channels, tw = ceil(ow / 2) tiles per row and blocks of rows tile rows
 * (the transformed inputs of a block, one group's sums, four padded input
 * rows). */
#define QCC_RT_WINO2_WS(c, tw, rows) \
	(16 * (c) * ((rows) * (tw) + 4) + 16 * 12 * 32 + 4 * (2 * (tw) + 2))

/* The convolution of qcc_rt_conv2d_packed_f32 for 3x3 windows with stride
 * and dilation 1 (y = act(conv + bias + res), res NULL or of y's shape,
 * may equal y), by Winograd's F(2x2, 3x3): results differ from the plain
 * loop's by rounding (a few ulp of the largest terms).  u holds the
 * transformed weights U = G g G^T (4x4 per output and input channel,
 * position xi = 4i + j) in panels of nr (16 or 32: 16 for 128- and
 * 256-bit vectors, 32 for 512-bit ones) output channels:
 *     u[((q*16 + xi)*c + ci)*nr + j] = U[q*nr + j, ci][xi],
 * zero for channels >= m; ceil(m / nr) * 16 * c * nr floats.  ws: the
 * workspace, QCC_RT_WINO2_WS(c, (ow + 1) / 2, rows) floats, rows >= 1
 * the tile rows (of 2 output rows) transformed at a time. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_wino2_f32(
	const float *restrict x, const float *restrict u,
	const float *restrict bias, const float *res, float *y,
	float *restrict ws, int32_t nb, int32_t c, int32_t h, int32_t wd,
	int32_t m, int32_t oh, int32_t ow, int32_t pt, int32_t pl, int32_t rows,
	int32_t nr, int32_t act, float alpha, float beta);

/* ---- conv_wino4.c --------------------------------------------------------- */

/* Floats of the workspace qcc_rt_conv2d_wino4_f32 needs for c input
 * channels and an h x wd input (the input channels-last, zeros, one row
 * of transformed inputs and of sums, a group's outputs; for every panel
 * width). */
#define QCC_RT_WINO4_WS(c, h, wd) \
	(((c) + 15) / 16 * 16 * ((h) * (wd) + 1 + 24) + 24 * 64 + 64 * 64)

/* The convolution of qcc_rt_conv2d_wino2_f32 by Winograd's F(4x4, 3x3)
 * (tiles of 4x4 outputs, 6x6 transforms; for small planes): results
 * differ from the plain loop's by rounding (more than F(2x2, 3x3)'s).
 * u holds U = G g G^T (6x6 per output and input channel, position
 * xi = 6i + j) in panels of nr (16, 32 or 64) output channels:
 *     u[((q*36 + xi)*c + ci)*nr + j] = U[q*nr + j, ci][xi],
 * zero for channels >= m; ceil(m / nr) * 36 * c * nr floats.  ws: the
 * workspace, QCC_RT_WINO4_WS(c, h, wd) floats. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_wino4_f32(
	const float *restrict x, const float *restrict u,
	const float *restrict bias, const float *res, float *y,
	float *restrict ws, int32_t nb, int32_t c, int32_t h, int32_t wd,
	int32_t m, int32_t oh, int32_t ow, int32_t pt, int32_t pl, int32_t nr,
	int32_t act, float alpha, float beta);

/* ---- pool.c --------------------------------------------------------------- */

/* x: [nc,h,w] planes, y: [nc,oh,ow] planes; window kh x kw, strides,
 * dilations, top/left padding as in conv.  Out-of-range taps are skipped
 * (a window with none gives -inf).  ceil_mode is the caller's choice of
 * oh, ow. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_maxpool2d_f32(const float *restrict x,
	float *restrict y, int32_t nc, int32_t h, int32_t w, int32_t oh,
	int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
	int32_t dw, int32_t pt, int32_t pl);
/* The mean over the taps inside x; with count_include_pad the divisor
 * counts the taps inside the padded extent [-pt, h + pb) x [-pl, w + pr)
 * instead (taps past it, added by ceil_mode, never count). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_avgpool2d_f32(const float *restrict x,
	float *restrict y, int32_t nc, int32_t h, int32_t w, int32_t oh,
	int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
	int32_t dw, int32_t pt, int32_t pl, int32_t pb, int32_t pr,
	int32_t count_include_pad);
/* y[i] = mean of x[i*hw .. i*hw + hw) for i < nc. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_globalavgpool_f32(
	const float *restrict x, float *restrict y, int32_t nc, int32_t hw);

/* ---- gemm.c --------------------------------------------------------------- */

/* y[i,j] = act(alpha * sum_p A[i,p] * B[p,j] + beta * c[i*c_rs + j*c_cs])
 * A is a: [m,k], or [k,m] if trans_a; B is b: [k,n], or [n,k] if trans_b;
 * y: [m,n]; c may be NULL (no term); its strides c_rs, c_cs (elements,
 * 0 along a broadcast axis, c_cs 0 or 1) describe any shape that
 * broadcasts to [m,n]. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_gemm_f32(const float *restrict a,
	const float *restrict b, const float *restrict c, float *restrict y,
	int32_t m, int32_t n, int32_t k, int32_t trans_a, int32_t trans_b,
	float alpha, float beta, int32_t c_rs, int32_t c_cs,
	int32_t act, float act_alpha, float act_beta);
/* Batched y = act(A B): for every index (i0..) of the batch shape
 * bdims[0..brank), y's matrix [m,n] (dense, in row-major batch order) is
 * A's [m,k] matrix at a + sum i_d * astr[d] times B's [k,n] matrix at
 * b + sum i_d * bstr[d] (strides in elements, 0 for a broadcast axis).
 * 1 <= brank <= 6 (pass {1}, {0}, {0} for a single product). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_matmul_f32(const float *restrict a,
	const float *restrict b, float *restrict y, int32_t m, int32_t n,
	int32_t k, int32_t brank, const int32_t *bdims, const int32_t *astr,
	const int32_t *bstr, int32_t act, float alpha, float beta);

/* ---- eltwise.c ------------------------------------------------------------ */

/* y = act(a + b) and y = act(a * b) with broadcasting: y is dense with
 * shape dims[0..rank) (1 <= rank <= 6); a's element at index (i0..) is
 * a[sum i_d * astr[d]], likewise b (strides in elements, 0 along an axis
 * the operand broadcasts).  y may equal a or b. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_add_f32(const float *a, const float *b,
	float *y, int32_t rank, const int32_t *dims, const int32_t *astr,
	const int32_t *bstr, int32_t act, float alpha, float beta);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_mul_f32(const float *a, const float *b,
	float *y, int32_t rank, const int32_t *dims, const int32_t *astr,
	const int32_t *bstr, int32_t act, float alpha, float beta);
/* y = act(a op b), op one of QCC_BIN_*, broadcasting as qcc_rt_add_f32. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_binary_f32(const float *a,
	const float *b, float *y, int32_t op, int32_t rank,
	const int32_t *dims, const int32_t *astr, const int32_t *bstr,
	int32_t act, float alpha, float beta);
/* y[i,j,l] = act(x[i,j,l] * scale[j] + shift[j]) over [nb,c,inner];
 * y may equal x. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_scaleshift_f32(const float *x,
	const float *scale, const float *shift, float *y, int32_t nb, int32_t c,
	int32_t inner,
	int32_t act, float alpha, float beta);

/* ---- softmax.c ------------------------------------------------------------ */

/* Softmax along the middle axis of x viewed as [outer,len,inner]. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_softmax_f32(const float *restrict x,
	float *restrict y, int32_t outer, int32_t len, int32_t inner);

/* ---- copy.c --------------------------------------------------------------- */

/* y[i] = x[i] for i < n. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_copy_f32(const float *restrict x,
	float *restrict y, int32_t n);
/* One input of a concat: rows of len elements, x dense, y rows ystride
 * apart: y[r*ystride + i] = x[r*len + i] for r < rows, i < len. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_concat_f32(const float *restrict x,
	float *restrict y, int32_t rows, int32_t len, int32_t ystride);

/* ---- tensor.c ------------------------------------------------------------- */

/* Padding modes of qcc_rt_pad_f32. */
enum { QCC_PAD_CONSTANT, QCC_PAD_REFLECT, QCC_PAD_EDGE };

/* y dense with shape dims[0..rank) (1 <= rank <= 12):
 * y[i0,..] = x[sum i_d * xstr[d]] (strides in elements, any sign). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_strided_f32(const float *restrict x,
	float *restrict y, int32_t rank, const int32_t *dims,
	const int32_t *xstr);
/* x viewed as [outer,len,inner]: y[o,j,i] = x[o,idx[j],i], j < nidx,
 * 0 <= idx[j] < len. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_gather_f32(const float *restrict x,
	float *restrict y, int32_t outer, int32_t len, int32_t inner,
	int32_t nidx, const int32_t *idx);
/* y [ydims] is x [xdims] with before[d] elements added in front of axis d
 * (and ydims[d] - xdims[d] - before[d] after it), rank 1 to 6: the
 * constant value, the edge element, or the reflection without repeating
 * the edge (mode QCC_PAD_*). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_pad_f32(const float *restrict x,
	float *restrict y, int32_t rank, const int32_t *xdims,
	const int32_t *ydims, const int32_t *before, int32_t mode, float value);

/* ---- resize.c ------------------------------------------------------------- */

/* y [ydims] from x [xdims], rank 1 to 6: along axis d, result index o
 * reads input indices lo[e], hi[e] with weights 1 - w[e], w[e], where
 * e = o + ydims[0] + .. + ydims[d-1]; the element is the multilinear
 * blend over the axes whose weight is not 0 (nearest: w all 0). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_resize_f32(const float *restrict x,
	float *restrict y, int32_t rank, const int32_t *xdims,
	const int32_t *ydims, const int32_t *lo, const int32_t *hi,
	const float *w);

/* ---- norm.c --------------------------------------------------------------- */

/* Reductions of qcc_rt_reduce_f32. */
enum { QCC_RED_SUM, QCC_RED_MEAN, QCC_RED_MAX, QCC_RED_L2 };

/* y = x [dims, rank 1 to 6] reduced (op QCC_RED_*) over the axes whose bit
 * is set in mask; y is dense over the kept axes. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_reduce_f32(const float *restrict x,
	float *restrict y, int32_t op, int32_t rank, const int32_t *dims,
	int32_t mask);
/* LogSoftmax along the middle axis of x viewed as [outer,len,inner]. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_logsoftmax_f32(const float *restrict x,
	float *restrict y, int32_t outer, int32_t len, int32_t inner);
/* y = (x - mean) / sqrt(var + eps) * scale + bias over each of rows rows
 * of len elements; scale/bias per row (index row % ch) if ch > 0, else
 * per element of the row; bias may be NULL. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_norm_rows_f32(const float *restrict x,
	const float *scale, const float *bias, float *restrict y, int32_t rows,
	int32_t len, int32_t ch, float eps);
/* LRN across the c channels of [nb,c,inner]:
 * y = x * (bias + alpha / size * sum of squares in the window)^-beta. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_lrn_f32(const float *restrict x,
	float *restrict y, int32_t nb, int32_t c, int32_t inner, int32_t size,
	float alpha, float beta, float bias);

/* ---- convt.c -------------------------------------------------------------- */

/* ConvTranspose: y[n,m,oy,ox] = act(bias[m] + sum over the c in m's group
 * and the taps (ky, kx) with oy + pt - ky*dh = iy*sh, ox + pl - kx*dw =
 * ix*sw for an (iy, ix) inside x of x[n,c,iy,ix] * w[c, m % (m/group), ky,
 * kx]).  x: [nb,c,h,wd]  w: [c,m/group,kh,kw]  bias: [m] or NULL
 * y: [nb,m,oh,ow]; the caller computes oh, ow (the end padding, which may
 * be negative, follows from them).  kh, kw <= QCC_RT_CONVT_MAXTAPS. */
#define QCC_RT_CONVT_MAXTAPS 64
QCC_RT_API QCC_RT_UNUSED void qcc_rt_convtranspose2d_f32(
	const float *restrict x, const float *restrict w,
	const float *restrict bias, float *restrict y, int32_t nb, int32_t c,
	int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow, int32_t kh,
	int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt,
	int32_t pl, int32_t group, int32_t act, float alpha, float beta);

/* ---- logic.c: comparisons and Where ---------------------------------------- */

/* Comparisons of qcc_rt_compare_f32. */
enum { QCC_CMP_EQ, QCC_CMP_GT, QCC_CMP_LT, QCC_CMP_GE, QCC_CMP_LE };

/* y = (a op b) as bool bytes 0/1, op one of QCC_CMP_*, broadcasting as
 * qcc_rt_add_f32 (y dense over dims, operand strides 0 where they
 * broadcast). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_compare_f32(const float *a,
	const float *b, uint8_t *restrict y, int32_t op, int32_t rank,
	const int32_t *dims, const int32_t *astr, const int32_t *bstr);
/* y = cond ? a : b elementwise, all three broadcast by strides over dims
 * (rank 1 to 6); cond holds bool bytes. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_where_f32(const uint8_t *cond,
	const float *a, const float *b, float *restrict y, int32_t rank,
	const int32_t *dims, const int32_t *cstr, const int32_t *astr,
	const int32_t *bstr);
/* y[i] = !x[i] on n bool bytes; y may equal x. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_not_b8(const uint8_t *x, uint8_t *y,
	int32_t n);

/* The integer kernels (int8, int4, {-1,+1} planes, quantized import). */
#include "qcc_rt_q8.h"

#endif
