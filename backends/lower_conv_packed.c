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
 * pixel kernel's 44 to 81).
 *
 * The weights are repacked here, at compile time, into the chosen kernel's
 * panel layout: one contiguous vector of a panel's weights per reduction
 * index, zeros past the last channel.  The packed array replaces the
 * original weights in the object (the original is emitted only if some
 * other call reads it). */
#include <string.h>

#include "../runtime/qcc_rt.h"
#include "lower.h"

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

bool
lower_conv_packed(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const ConvAttr *a = &op->a.conv;
	const float *wd = value_f32(op->in[1]);
	bool wide = L->cx->vec_bytes >= 64;
	bool gemm;
	int64_t k, pw, npk;
	uint32_t n;
	float *p;

	if (a->group != 1 || !wd || x->rank != 4 || w->rank != 4 ||
	    w->dim[2] * w->dim[3] > QCC_RT_PACKED_MAXTAPS)
		return false;
	gemm = w->dim[2] * w->dim[3] == 1;
	pw = gemm ? QCC_RT_GEMM_MR : wide ? QCC_RT_PANEL16 : QCC_RT_PANEL;
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
	if (gemm)
		arg_i32(L, wide ? 32 : 16);
	arg_act(L, &op->act);
	call_end(L, gemm   ? "qcc_rt_conv2d_gemm_f32"
	            : wide ? "qcc_rt_conv2d_packed16_f32"
	                   : "qcc_rt_conv2d_packed_f32");
	return true;
}
