/* qcc_rt_q8.h -- the runtime's integer kernels: u8 codes (-quantize=int8),
 * 4-bit weights, {-1,+1} bit planes and quantized import.  Part of qcc_rt.h,
 * which includes it at its end (its conventions and macros hold here); the
 * C backend pastes it after qcc_rt.h.  Not included on its own. */
#ifndef QCC_RT_Q8_H
#define QCC_RT_Q8_H

/* ---- qelt.c, qnn.c: integer kernels on u8 codes (-quantize=int8) ---------
 * A code q with scale s and zero point z stands for s * (q - z).  Every
 * rescale is one rule (the same as ir/quant.c, which tests compare with):
 *     r = (acc * mult + 2^(shift-1)) >> shift     in 64-bit, flooring
 * then y = min(max(r + zy, lo), hi).  mult/shift arrays hold nq entries:
 * 1, or one per output channel. */

/* The rule above for one accumulator. */
QCC_RT_API QCC_RT_UNUSED int32_t qcc_rt_requant1_q8(int32_t acc,
	int32_t mult, int32_t shift, int32_t zy, int32_t lo, int32_t hi);
/* y = clamp(round half away(x * inv_scale) + zp, lo, hi), NaN -> lo. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_quantize_q8(const float *restrict x,
	uint8_t *restrict y, int32_t n, float inv_scale, int32_t zp,
	int32_t lo, int32_t hi);
/* y = scale * (x - zp). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_dequantize_q8(const uint8_t *restrict x,
	float *restrict y, int32_t n, float scale, int32_t zp);
/* y = rule(x - zx). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_requant_q8(const uint8_t *restrict x,
	uint8_t *restrict y, int32_t n, int32_t zx, int32_t mult,
	int32_t shift, int32_t zy, int32_t lo, int32_t hi);
/* y = table[x]. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_lut_q8(const uint8_t *restrict x,
	const uint8_t *restrict table, uint8_t *restrict y, int32_t n);
/* Bytes: y[i] = x[i], and one concat input (as qcc_rt_concat_f32). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_copy_q8(const uint8_t *restrict x,
	uint8_t *restrict y, int32_t n);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_concat_q8(const uint8_t *restrict x,
	uint8_t *restrict y, int32_t rows, int32_t len, int32_t ystride);
/* Broadcast as qcc_rt_add_f32.  Add: y = clamp(((a-za) m0 + (b-zb) m1 +
 * 2^(shift-1)) >> shift) + zy); Mul: y = rule((a-za)(b-zb)) with m0. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_add_q8(const uint8_t *a,
	const uint8_t *b, uint8_t *y, int32_t rank, const int32_t *dims,
	const int32_t *astr, const int32_t *bstr, int32_t za, int32_t zb,
	int32_t m0, int32_t m1, int32_t shift, int32_t zy, int32_t lo,
	int32_t hi);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_mul_q8(const uint8_t *a,
	const uint8_t *b, uint8_t *y, int32_t rank, const int32_t *dims,
	const int32_t *astr, const int32_t *bstr, int32_t za, int32_t zb,
	int32_t mult, int32_t shift, int32_t zy, int32_t lo, int32_t hi);
/* As qcc_rt_conv2d_f32 on codes: acc = bias[m] + sum x * w, taps outside
 * x read zx (real zero; fold-shift put -zx * sum w in the bias); then the
 * rule with channel m's multiplier (nq == 1: one for all). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_q8(const uint8_t *restrict x,
	const int8_t *restrict w, const int32_t *restrict bias,
	uint8_t *restrict y, int32_t nb, int32_t c, int32_t h, int32_t wd,
	int32_t m, int32_t oh, int32_t ow, int32_t kh, int32_t kw,
	int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,
	int32_t group, int32_t zx, const int32_t *mult, const int32_t *shift,
	int32_t nq, int32_t zy, int32_t lo, int32_t hi);
/* y[i,j] = rule(bias[j] + sum_p a[i,p] * B[p,j]), B = b [k,n], or [n,k]
 * with trans_b; bias may be NULL. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_gemm_q8(const uint8_t *restrict a,
	const int8_t *restrict b, const int32_t *restrict bias,
	uint8_t *restrict y, int32_t m, int32_t n, int32_t k, int32_t trans_b,
	const int32_t *mult, const int32_t *shift, int32_t nq, int32_t zy,
	int32_t lo, int32_t hi);
/* ---- qnn4.c: 4-bit weights (-quantize=w4a4, w4a8) --------------------
 * As qcc_rt_conv2d_q8 and qcc_rt_gemm_q8, with w / b i4 codes packed two
 * per byte over the flat tensor (element i: byte i/2, low nibble first). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_w4(const uint8_t *restrict x,
	const uint8_t *restrict w, const int32_t *restrict bias,
	uint8_t *restrict y, int32_t nb, int32_t c, int32_t h, int32_t wd,
	int32_t m, int32_t oh, int32_t ow, int32_t kh, int32_t kw,
	int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,
	int32_t group, int32_t zx, const int32_t *mult, const int32_t *shift,
	int32_t nq, int32_t zy, int32_t lo, int32_t hi);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_gemm_w4(const uint8_t *restrict a,
	const uint8_t *restrict b, const int32_t *restrict bias,
	uint8_t *restrict y, int32_t m, int32_t n, int32_t k, int32_t trans_b,
	const int32_t *mult, const int32_t *shift, int32_t nq, int32_t zy,
	int32_t lo, int32_t hi);
/* Pools on [nc,h,w] code planes, as the f32 ones; scale and zero point
 * pass through.  Max: the largest code (0 for an empty window); average:
 * floor((2 sum + cnt) / (2 cnt)), padding counted as zx with
 * count_include_pad.  Global: y = rule(sum (x - zx)). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_maxpool2d_q8(const uint8_t *restrict x,
	uint8_t *restrict y, int32_t nc, int32_t h, int32_t w, int32_t oh,
	int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
	int32_t dw, int32_t pt, int32_t pl);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_avgpool2d_q8(const uint8_t *restrict x,
	uint8_t *restrict y, int32_t nc, int32_t h, int32_t w, int32_t oh,
	int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
	int32_t dw, int32_t pt, int32_t pl, int32_t pb, int32_t pr,
	int32_t count_include_pad, int32_t zx);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_globalavgpool_q8(
	const uint8_t *restrict x, uint8_t *restrict y, int32_t nc, int32_t hw,
	int32_t zx, int32_t mult, int32_t shift, int32_t zy, int32_t lo,
	int32_t hi);

/* y[i] = the rule of qelt.c for acc[i], i < n (qrow.c: a vectorized form
 * for shift >= 32, identical results). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_requant_row_q8(
	const int32_t *restrict acc, uint8_t *restrict y, int32_t n,
	int32_t mult, int32_t shift, int32_t zy, int32_t lo, int32_t hi);
/* ---- qgemm.c: integer convolution as a packed matrix product -----------
 * qcc_rt_conv2d_q8 for group 1 with the weights (i8 codes) packed at
 * compile time in panels of QCC_RT_QG_MR output channels, two codes per
 * 32-bit word: with K = c*kh*kw, kp2 = ceil(K/2) and k as in
 * qcc_rt_conv2d_packed_f32, word wp[(q*kp2 + t)*QCC_RT_QG_MR + i] holds
 * w[q*QCC_RT_QG_MR + i, k = 2t] in its low 16 bits and k = 2t + 1 in its
 * high 16 bits (two's complement; zero past K and past channel m).
 * Same results as qcc_rt_conv2d_q8 bit for bit; K < 2^16.  The _avx2 and
 * _avx512 forms (x86-64; the latter compiled by clang only) need those
 * instructions on the target. */
#define QCC_RT_QG_MR 6
#define QCC_RT_QGV_MR 8
#define QCC_RT_QG_ARGS                                                        \
	const uint8_t *restrict x, const int32_t *restrict wp,                \
	const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,        \
	int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,  \
	int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,           \
	int32_t dw, int32_t pt, int32_t pl, int32_t zx, const int32_t *mult,  \
	const int32_t *shift, int32_t nq, int32_t zy, int32_t lo, int32_t hi
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_qgemm_q8(QCC_RT_QG_ARGS);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_qgemm_avx2_q8(QCC_RT_QG_ARGS);
/* AVX2 with weights in channel pairs: as the _vnni layout below but
 * QCC_RT_QG_MR channels per panel and two channels per word, channel
 * 2cg + j in 16-bit half j (two's complement), ng = ceil(c/2).
 * qgemm_direct.c, falling back to the _i2c form of qgemm.c. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_qgemm_cp_avx2_q8(QCC_RT_QG_ARGS);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_qgemm_cp_i2c_q8(QCC_RT_QG_ARGS);
/* qgemm_direct.c's panels (internal): a block holds at most
 * QCC_RT_QD_SB output pixels and panels at most QCC_RT_QD_MRMAX
 * channels; a panel that rescales its sums writes channel i's codes of
 * the block's pixel p to y[i][p], p < n, with its mult, 2^(shift-1) +
 * zy*2^shift in r64 and shift in s64, clamped to [lo, hi]. */
#define QCC_RT_QD_SB 1024
#define QCC_RT_QD_MRMAX 8
struct qcc_rt_qd_out {
	uint8_t *y[QCC_RT_QD_MRMAX];
	int32_t mult[QCC_RT_QD_MRMAX];
	int64_t r64[QCC_RT_QD_MRMAX], s64[QCC_RT_QD_MRMAX];
	int32_t n, lo, hi;
};
/* qgemm_cp_avx2.c: the AVX2 panel of qgemm_direct.c (QCC_RT_QG_MR
 * channels by 16 pixels, pmaddwd on channel pairs): for i < mr and p <
 * npr (a multiple of 16), b0[i] plus the sum over planes cg < ng and taps
 * t < ntap of weight word w[(cg*ntap + t)*mr + i] times word
 * cg*plane + toff[t] + p of xi, into acc[i*QCC_RT_QD_SB + p] (_panel) or
 * rescaled into o (_panel_y; every channel there, 32 <= shift <= 52). */
/* qconv_wino_avx2.c: 3x3 stride 1 dilation 1 group 1 by Winograd's
 * F(2x2,3x3) with AVX2, bit for bit qcc_rt_conv2d_q8's results, its
 * weights transformed at compile time (the file says how); for c <=
 * QCC_RT_WQ_MAXC and QCC_RT_WQ_FITS(c, ow) (one row of 2x2 tiles fits
 * its buffers).  Clang or gcc 12 on. */
#define QCC_RT_WQ_V 65536
#define QCC_RT_WQ_TB 256
#define QCC_RT_WQ_MAXC 512
#define QCC_RT_WQ_FITS(c, ow)                                                 \
	((((ow) + 1) / 2 + 15) / 16 * 16 <= QCC_RT_WQ_TB &&                   \
	 (int64_t)16 * (((c) + 1) / 2) * ((((ow) + 1) / 2 + 15) / 16 * 16) <= \
	         QCC_RT_WQ_V)
#if defined(__clang__) || __GNUC__ >= 12
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_wino_avx2_q8(QCC_RT_QG_ARGS);
#endif
QCC_RT_API QCC_RT_UNUSED void qcc_rt_qd_avx2_panel(
	const int32_t *restrict w, const uint32_t *restrict xi, int32_t ng,
	int32_t plane, const int32_t *toff, int32_t ntap, int32_t npr,
	int32_t *restrict acc, const int32_t *b0);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_qd_avx2_panel_y(
	const int32_t *restrict w, const uint32_t *restrict xi, int32_t ng,
	int32_t plane, const int32_t *toff, int32_t ntap, int32_t npr,
	const struct qcc_rt_qd_out *o, const int32_t *b0);
#if defined(__clang__)
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_qgemm_avx512_q8(QCC_RT_QG_ARGS);
/* The same convolution with AVX512-VNNI (clang, x86-64) and its own
 * weight layout: panels of QCC_RT_QGV_MR channels, four channels per
 * word, ng = ceil(c/4), kp4 = ng*kh*kw; word
 * wp[(q*kp4 + t)*QCC_RT_QGV_MR + i] with t = (cg*kh + r)*kw + s holds
 * w[q*QCC_RT_QGV_MR + i, 4cg + j, r, s] in byte j (zero past c and m).
 * qgemm_direct.c (without im2col when the stack buffers hold a row of
 * outputs; otherwise it calls the _i2c form of qgemm.c). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_qgemm_vnni_q8(QCC_RT_QG_ARGS);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_qgemm_vnni_i2c_q8(QCC_RT_QG_ARGS);
#endif
#endif

/* ---- qconv_dw.c: integer depthwise convolution --------------------------
 * qcc_rt_conv2d_q8 for group == c == m (w: [c,1,kh,kw] codes), each plane
 * padded to ph x pw (ph >= pt + h and >= (oh-1)*sh + (kh-1)*dh + 1,
 * likewise pw) and split by stride phase on the stack: needs
 * sh * sw * (ceil(ph/sh) + 1) * ceil(pw/sw) <= QCC_RT_QDW_MAXPAD.  Same
 * results as qcc_rt_conv2d_q8 bit for bit. */
#define QCC_RT_QDW_MAXPAD 16384
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_dw_q8(const uint8_t *restrict x,
	const int8_t *restrict w, const int32_t *restrict bias,
	uint8_t *restrict y, int32_t nb, int32_t c, int32_t h, int32_t wd,
	int32_t oh, int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
	int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t ph, int32_t pw,
	int32_t zx, const int32_t *mult, const int32_t *shift, int32_t nq,
	int32_t zy, int32_t lo, int32_t hi);
#if defined(__x86_64__) && defined(__clang__)
/* The same with AVX512-VNNI, four window columns per instruction
 * (qconv_dw_vnni.c; x86-64, clang only); shapes it does not take go to
 * qcc_rt_conv2d_dw_q8. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_dw_vnni_q8(
	const uint8_t *restrict x, const int8_t *restrict w,
	const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,
	int32_t c, int32_t h, int32_t wd, int32_t oh, int32_t ow, int32_t kh,
	int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt,
	int32_t pl, int32_t ph, int32_t pw, int32_t zx, const int32_t *mult,
	const int32_t *shift, int32_t nq, int32_t zy, int32_t lo, int32_t hi);
#endif
#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 12)
/* The parameters of the depthwise kernels above, as a list. */
#define QCC_RT_QDW_ARGS                                                       \
	const uint8_t *restrict x, const int8_t *restrict w,                  \
	const int32_t *restrict bias, uint8_t *restrict y, int32_t nb,        \
	int32_t c, int32_t h, int32_t wd, int32_t oh, int32_t ow, int32_t kh, \
	int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,           \
	int32_t pt, int32_t pl, int32_t ph, int32_t pw, int32_t zx,           \
	const int32_t *mult, const int32_t *shift, int32_t nq, int32_t zy,    \
	int32_t lo, int32_t hi
/* The same with AVX2, two window rows per pmaddwd (qconv_dw_avx2.c;
 * x86-64, clang or gcc 12 on) for targets without AVX512-VNNI; shapes it
 * does not take go to qcc_rt_conv2d_dw_q8. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_dw_avx2_q8(QCC_RT_QDW_ARGS);
/* The same machinery for a group-1 convolution of one input channel into
 * c outputs (w: [c,1,kh,kw]; output plane i of image n reads input plane
 * n), equal to qcc_rt_conv2d_q8; shapes it does not take go there. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_c1_avx2_q8(QCC_RT_QDW_ARGS);
#endif

/* ---- pm1.c: {-1,+1} bit planes (-quantize=pm1) ----------------------
 * Planes are 32-bit words, bit b of word k for channel 32k + b.
 * Bitplane: x u8 [nb,c,hw] -> y [nb][planes][hw][words], plane i holding
 * bit i of each code.  Conv: acc = bias[f] - sum_ij 2^(i+j) (differing
 * bits of activation plane i and weight plane j over the window; taps
 * outside the image read zpl[i]), then the rescale rule of qelt.c.  x is
 * [nb][planes][h][wd][words], w [m][wplanes][kh][kw][words]. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_bitplane_pm1(const uint8_t *restrict x,
	int32_t *restrict y, int32_t nb, int32_t c, int32_t hw,
	int32_t planes, int32_t words);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_pm1(const int32_t *restrict x,
	const int32_t *restrict w, const int32_t *restrict bias,
	const int32_t *restrict zpl, uint8_t *restrict y, int32_t nb,
	int32_t planes, int32_t h, int32_t wd, int32_t m, int32_t oh,
	int32_t ow, int32_t wplanes, int32_t kh, int32_t kw, int32_t words,
	int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,
	const int32_t *mult, const int32_t *shift, int32_t nq, int32_t zy,
	int32_t lo, int32_t hi);
/* The accumulators as floats, no rescale (1-bit models imported as they
 * are; y f32 [nb,m,oh,ow]). */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_pm1_f32(
	const int32_t *restrict x, const int32_t *restrict w,
	const int32_t *restrict bias, const int32_t *restrict zpl,
	float *restrict y, int32_t nb, int32_t planes, int32_t h, int32_t wd,
	int32_t m, int32_t oh, int32_t ow, int32_t wplanes, int32_t kh,
	int32_t kw, int32_t words, int32_t sh, int32_t sw, int32_t dh,
	int32_t dw, int32_t pt, int32_t pl);

/* ---- qimport.c: already-quantized models (quantized import) ------------
 * As qcc_rt_conv2d_q8 with i16 weights (w - z_w of u8 weights); the _i32
 * forms store the int32 accumulators (ConvInteger) instead of the rule.
 * Products and sums are int32, never 16-bit. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_q16(const uint8_t *restrict x,
	const int16_t *restrict w, const int32_t *restrict bias,
	uint8_t *restrict y, int32_t nb, int32_t c, int32_t h, int32_t wd,
	int32_t m, int32_t oh, int32_t ow, int32_t kh, int32_t kw,
	int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl,
	int32_t group, int32_t zx, const int32_t *mult, const int32_t *shift,
	int32_t nq, int32_t zy, int32_t lo, int32_t hi);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_conv2d_q16_i32(
	const uint8_t *restrict x, const int16_t *restrict w,
	const int32_t *restrict bias, int32_t *restrict y, int32_t nb,
	int32_t c, int32_t h, int32_t wd, int32_t m, int32_t oh, int32_t ow,
	int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
	int32_t pt, int32_t pl, int32_t group, int32_t zx);
/* Batched: for each of nb batches (A at bi * astride, B at bi * bstride;
 * a stride 0 broadcasts), y[bi,i,j] = rule(sum_p (a[i,p] - za) b[p,j])
 * with column j's multiplier (nq == 1: one for all); the _i32 form
 * (MatMulInteger) stores the sums. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_matmul_q16(const uint8_t *restrict a,
	const int16_t *restrict b, uint8_t *restrict y, int32_t nb, int32_t m,
	int32_t n, int32_t k, int32_t astride, int32_t bstride, int32_t za,
	const int32_t *mult, const int32_t *shift, int32_t nq, int32_t zy,
	int32_t lo, int32_t hi);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_matmul_q16_i32(
	const uint8_t *restrict a, const int16_t *restrict b,
	int32_t *restrict y, int32_t nb, int32_t m, int32_t n, int32_t k,
	int32_t astride, int32_t bstride, int32_t za);
/* y = x ^ 0x80: int8 codes as uint8 codes 128 higher, or back. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_signflip_q8(const uint8_t *restrict x,
	uint8_t *restrict y, int32_t n);
/* qcc_rt_quantize_q8 / qcc_rt_dequantize_q8 per channel c of
 * [outer, ch, inner] with inv_scale[c] or scale[c] and zp[c]. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_quantize_axis_q8(
	const float *restrict x, uint8_t *restrict y, int32_t outer,
	int32_t ch, int32_t inner, const float *inv_scale, const int32_t *zp,
	int32_t lo, int32_t hi);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_dequantize_axis_q8(
	const uint8_t *restrict x, float *restrict y, int32_t outer,
	int32_t ch, int32_t inner, const float *scale, const int32_t *zp);

#endif
