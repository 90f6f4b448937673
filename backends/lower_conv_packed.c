/* lower_conv_packed.c -- Conv to qcc_rt_conv2d_packed_f32 when it applies:
 * group 1, constant weights, at most QCC_RT_PACKED_MAXTAPS kernel taps.
 *
 * The weights are repacked here, at compile time, into the kernel's panel
 * layout (runtime/qcc_rt.h): panels of QCC_RT_PANEL output channels, one
 * contiguous vector of a panel's weights per reduction index, zeros past
 * the last channel.  The packed array replaces the original weights in the
 * object (the original is emitted only if some other call reads it). */
#include <string.h>

#include "../runtime/qcc_rt.h"
#include "lower.h"

/* [ceil(m/P)][c*kh*kw][P] from [m][c*kh*kw]. */
static float *
pack_panels(Ctx *cx, const float *w, int64_t m, int64_t k, uint32_t *n)
{
	int64_t npan = (m + QCC_RT_PANEL - 1) / QCC_RT_PANEL;
	float *p = NEWARRAY(cx->scratch, float, npan * k * QCC_RT_PANEL);

	for (int64_t q = 0; q < npan; q++)
		for (int64_t i = 0; i < k; i++)
			for (int64_t j = 0; j < QCC_RT_PANEL; j++) {
				int64_t o = q * QCC_RT_PANEL + j;

				p[(q * k + i) * QCC_RT_PANEL + j] =
				    o < m ? w[o * k + i] : 0.0f;
			}
	*n = (uint32_t)(npan * k * QCC_RT_PANEL);
	return p;
}

bool
lower_conv_packed(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const ConvAttr *a = &op->a.conv;
	const float *wd = value_f32(op->in[1]);
	int64_t k, npk;
	uint32_t n;
	float *p;

	if (a->group != 1 || !wd || x->rank != 4 || w->rank != 4 ||
	    w->dim[2] * w->dim[3] > QCC_RT_PACKED_MAXTAPS)
		return false;
	k = w->dim[1] * w->dim[2] * w->dim[3];
	npk = (w->dim[0] + QCC_RT_PANEL - 1) / QCC_RT_PANEL * k * QCC_RT_PANEL;
	if (k <= 0 || npk > INT32_MAX / 4)
		return false;
	p = pack_panels(L->cx, wd, w->dim[0], k, &n);
	arg_val(L, op->in[0]);
	arg_array(L, KA_F32S, p, n);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_buf(L, (Buf){BUF_NONE, 0, 0});
	arg_val(L, op->out[0]);
	arg_conv_geometry(L, op);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_conv2d_packed_f32");
	return true;
}
