/* lower_conv_packed.c -- Conv to one of the packed group-1 kernels when it
 * applies: group 1, constant weights, at most QCC_RT_PACKED_MAXTAPS kernel
 * taps.
 *
 * Two kernels share the job (runtime/qcc_rt.h): qcc_rt_conv2d_gemm_f32
 * vectorizes over output pixels (panels of QCC_RT_GEMM_MR channels) and
 * qcc_rt_conv2d_packed_f32 over output channels (panels of QCC_RT_PANEL,
 * or QCC_RT_PANEL16 with qcc_rt_conv2d_packed16_f32 when the target has
 * 512-bit vectors).  Measured on an AVX-512 EPYC (tests/bench/kbench.c):
 * the pixel kernel wins for 1x1 convolutions everywhere (its epilogue
 * stores whole vectors and it needs no window bookkeeping); the channel
 * kernel is faster on larger windows (no im2col packing, no pixels wasted
 * on short planes), with 256-bit vectors and, with 16-channel panels,
 * with 512-bit ones (resnet18's 3x3 layers 80 to 105 GMAC/s against the
 * pixel kernel's 44 to 81).  A third, qcc_rt_conv2d_stem_f32, takes
 * windows over few input channels (is_stem below), and a fourth,
 * qcc_rt_conv2d_pw_f32, the 1x1 convolutions select-conv put on it
 * (CONV_POINTWISE: short planes with 512-bit vectors, and those whose
 * input or output plan-layout keeps channel-blocked).
 *
 * The weights are repacked here, at compile time, into the chosen kernel's
 * panel layout: one contiguous vector of a panel's weights per reduction
 * index, zeros past the last channel.  The packed array replaces the
 * original weights in the object (the original is emitted only if some
 * other call reads it). */
#include <string.h>

#include "../runtime/qcc_rt.h"
#include "lower.h"

/* Few input channels and a window (network stems: 3 channels, 7x7/2 or
 * 3x3/2): qcc_rt_conv2d_stem_f32, if its stack buffer holds a band of at
 * least one output row.  Measured (kbench): resnet18's 7x7/2 55 -> 114
 * GMAC/s with 512-bit vectors, 42 -> 65 with 256-bit ones; the 3x3/2
 * stems 15 -> 64; with 16 input channels it is no faster than the channel
 * kernel. */
static bool
is_stem(const Op *op)
{
	const TensorType *w = op->in[1]->type, *y = op->out[0]->type;
	const ConvAttr *a = &op->a.conv;
	int64_t c = w->dim[1], kh = w->dim[2], kw = w->dim[3];
	int64_t sh = a->stride[0], sw = a->stride[1];
	int64_t ext, wq;

	if (c > 4 || kh * kw <= 1 || c * kh * kw > QCC_RT_STEM_MAXK ||
	    sh < 1 || sw < 1 || y->rank != 4)
		return false;
	ext = (kh - 1) * a->dilation[0] / sh;
	wq = y->dim[3] + (kw - 1) * a->dilation[1] / sw;
	return wq < INT32_MAX / 64 && QCC_RT_STEM_BAND(c, sh, sw, ext, wq) >= 1;
}

/* [ceil(m/P)][k][P] from [m][k]. */
static float *
pack_panels(Ctx *cx, const float *w, int64_t m, int64_t k, int64_t pw,
            uint32_t *n)
{
	int64_t npan = (m + pw - 1) / pw;
	float *p = NEWARRAY(cx->scratch, float, npan * k * pw);

	for (int64_t q = 0; q < npan; q++)
		for (int64_t i = 0; i < k; i++)
			for (int64_t j = 0; j < pw; j++) {
				int64_t o = q * pw + j;

				p[(q * k + i) * pw + j] = o < m ? w[o * k + i] : 0.0f;
			}
	*n = (uint32_t)(npan * k * pw);
	return p;
}

/* A 1x1 convolution of one-pixel images without padding or residual (the
 * squeeze-excitation layers of efficientnet_b0) is y = x W^T + b: one
 * row times the transposed weights [k][m], through qcc_rt_gemm_f32,
 * whose untransposed form sums in k order as qcc_rt_conv2d_f32 does and
 * runs 5 to 10 times faster than the pixel kernel's 16-pixel tile on one
 * pixel (kbench "en 1x1 1152->48 1": 4.5 -> 28 GMAC/s). */
static bool
lower_conv_1px(Lower *L, const Op *op, const float *wd)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	const ConvAttr *a = &op->a.conv;
	int64_t m = w->dim[0], k = w->dim[1];
	float *t;

	if (w->dim[2] * w->dim[3] != 1 || x->dim[2] * x->dim[3] != 1 ||
	    y->rank != 4 || y->dim[2] * y->dim[3] != 1 || a->pad[0] ||
	    a->pad[1] || a->pad[2] || a->pad[3] ||
	    (op->nin > 3 && op->in[3]) || m * k > INT32_MAX / 4)
		return false;
	t = NEWARRAY(L->cx->scratch, float, m * k);
	for (int64_t i = 0; i < k; i++)
		for (int64_t j = 0; j < m; j++)
			t[i * m + j] = wd[j * k + i];
	arg_val(L, op->in[0]);
	arg_array(L, KA_F32S, t, (uint32_t)(m * k));
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	arg_i32(L, x->dim[0]);
	arg_i32(L, m);
	arg_i32(L, k);
	arg_i32(L, 0);
	arg_i32(L, 0);
	arg_f32(L, 1.0f);
	arg_f32(L, 1.0f);
	arg_i32(L, 0);
	arg_i32(L, 1);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_gemm_f32");
	return true;
}

/* qcc_rt_conv2d_pw_f32 for op (select-conv chose CONV_POINTWISE). */
static void
lower_conv_pw(Lower *L, const Op *op, const float *wd)
{
	const TensorType *w = op->in[1]->type, *y = op->out[0]->type;
	uint32_t n;
	float *p = pack_panels(L->cx, wd, w->dim[0], w->dim[1], QCC_RT_PANEL16,
	                       &n);

	arg_val(L, op->in[0]);
	arg_array(L, KA_F32S, p, n);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->nin > 3 ? op->in[3] : NULL);
	arg_val(L, op->out[0]);
	arg_i32(L, y->dim[0]);
	arg_i32(L, w->dim[1]);
	arg_i32(L, y->dim[2] * y->dim[3]);
	arg_i32(L, w->dim[0]);
	arg_act(L, &op->act);
	arg_layout(L, op);
	call_end(L, "qcc_rt_conv2d_pw_f32");
}

bool
lower_conv_packed(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const ConvAttr *a = &op->a.conv;
	const float *wd = value_f32(op->in[1]);
	bool wide = L->cx->vec_bytes >= 64;
	bool gemm, stem;
	int64_t k, pw, npk;
	uint32_t n;
	float *p;

	if (op->algo == CONV_POINTWISE) {
		lower_conv_pw(L, op, wd);
		return true;
	}
	if (a->group != 1 || !wd || x->rank != 4 || w->rank != 4 ||
	    w->dim[2] * w->dim[3] > QCC_RT_PACKED_MAXTAPS)
		return false;
	if (lower_conv_1px(L, op, wd))
		return true;
	gemm = w->dim[2] * w->dim[3] == 1;
	stem = !gemm && is_stem(op);
	pw = gemm || stem ? QCC_RT_GEMM_MR : wide ? QCC_RT_PANEL16 : QCC_RT_PANEL;
	k = w->dim[1] * w->dim[2] * w->dim[3];
	npk = (w->dim[0] + pw - 1) / pw * k * pw;
	if (k <= 0 || npk > INT32_MAX / 4)
		return false;
	p = pack_panels(L->cx, wd, w->dim[0], k, pw, &n);
	arg_val(L, op->in[0]);
	arg_array(L, KA_F32S, p, n);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->nin > 3 ? op->in[3] : NULL);    /* fuse-add's residual */
	arg_val(L, op->out[0]);
	arg_conv_geometry(L, op);
	if (gemm || stem)
		arg_i32(L, wide ? 32 : 16);
	arg_act(L, &op->act);
	call_end(L, stem   ? "qcc_rt_conv2d_stem_f32"
	            : gemm ? "qcc_rt_conv2d_gemm_f32"
	            : wide ? "qcc_rt_conv2d_packed16_f32"
	                   : "qcc_rt_conv2d_packed_f32");
	return true;
}
