/* lower_nn.c -- lowering of Conv, ConvTranspose, BatchNormalization,
 * ScaleShift and pooling
 * (see lower.c for where values live and how calls are built). */
#include <math.h>

#include "lower.h"
#include "../runtime/qcc_rt.h"

/* [ceil(c/V)][taps][V] from [c][taps], zeros past the last channel. */
static float *
pack_dw(Ctx *cx, const float *w, int64_t c, int64_t taps, uint32_t *n)
{
	int64_t nb = (c + QCC_RT_DWC_V - 1) / QCC_RT_DWC_V;
	float *p = NEWARRAY(cx->scratch, float, nb * taps * QCC_RT_DWC_V);

	for (int64_t ch = 0; ch < c; ch++)
		for (int64_t k = 0; k < taps; k++)
			p[((ch / QCC_RT_DWC_V) * taps + k) * QCC_RT_DWC_V +
			  ch % QCC_RT_DWC_V] = w[ch * taps + k];
	*n = (uint32_t)(nb * taps * QCC_RT_DWC_V);
	return p;
}

/* Depthwise shapes (group == channels == output channels, one input
 * channel per weight) go to one of the depthwise kernels:
 * qcc_rt_conv2d_dwc_f32 (vectorized over channels, weights packed here)
 * if select-conv chose CONV_DW_CHAN, else qcc_rt_conv2d_dw_f32 (over the
 * pixels of each plane); false if Conv is not one. */
static bool
lower_conv_dw(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	bool chan;
	uint32_t n = 0;
	float *p = NULL;

	if (x->rank != 4 || w->rank != 4 || y->rank != 4 ||
	    op->a.conv.group != x->dim[1] || w->dim[0] != x->dim[1] ||
	    w->dim[1] != 1 || y->dim[1] != x->dim[1])
		return false;
	chan = op->algo == CONV_DW_CHAN;
	if (chan)
		p = pack_dw(L->cx, value_f32(op->in[1]), w->dim[0],
		            w->dim[2] * w->dim[3], &n);
	arg_val(L, op->in[0]);
	if (chan)
		arg_array(L, KA_F32S, p, n);
	else
		arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->nin > 3 ? op->in[3] : NULL);    /* fuse-add's residual */
	arg_val(L, op->out[0]);
	arg_conv_geometry(L, op);
	if (chan)
		arg_i32(L, L->cx->vec_bytes >= 64 ? 8 : 4);
	arg_act(L, &op->act);
	if (chan)
		arg_layout(L, op);
	call_end(L, chan ? "qcc_rt_conv2d_dwc_f32" : "qcc_rt_conv2d_dw_f32");
	return true;
}

/* The plain loop kernel has no residual term: with one (fuse-add), the
 * convolution is stored without the activation and the residual is added
 * in place after it, activation last, as Conv then Add would do. */
void
lower_conv(Lower *L, const Op *op)
{
	const ConvAttr *a = &op->a.conv;
	const Value *res = op->nin > 3 ? op->in[3] : NULL;
	Act none = {ACT_NONE, 0.0f, 0.0f};
	int64_t n, one = 1;

	if (lower_winograd(L, op))
		return;
	if (lower_conv_packed(L, op))
		return;
	if (lower_conv_dw(L, op))
		return;
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	arg_conv_geometry(L, op);
	arg_i32(L, a->group);
	arg_act(L, res ? &none : &op->act);
	call_end(L, "qcc_rt_conv2d_f32");
	if (!res)
		return;
	n = type_numel(op->out[0]->type);
	arg_val(L, op->out[0]);
	arg_val(L, res);
	arg_val(L, op->out[0]);
	arg_shape(L, 1, &n, &one, &one);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_add_f32");
}

static void
scaleshift_dims(Lower *L, const TensorType *t)
{
	arg_i32(L, t->rank > 0 ? t->dim[0] : 1);
	arg_i32(L, t->rank > 1 ? t->dim[1] : 1);
	arg_i32(L, dims_prod(t, 2, t->rank));
}

/* y = x * s + t with s = gamma / sqrt(var + eps), t = beta - mean * s,
 * computed in double as fold-bn does. */
bool
lower_batchnorm(Lower *L, const Op *op)
{
	const float *p[4];
	int64_t c = type_numel(op->in[1]->type);
	float *s, *t;
	Act none = {ACT_NONE, 0.0f, 0.0f};

	for (int i = 0; i < 4; i++)
		if (!(p[i] = value_f32(op->in[i + 1]))) {
			diag(L->cx, DIAG_ERROR, &op->loc, "BatchNormalization with "
			     "non-constant scale, bias, mean or variance is not "
			     "supported");
			return false;
		}
	s = NEWARRAY(L->cx->scratch, float, c ? c : 1);
	t = NEWARRAY(L->cx->scratch, float, c ? c : 1);
	for (int64_t j = 0; j < c; j++) {
		double a = p[0][j] / sqrt((double)p[3][j] + op->a.bn.eps);

		s[j] = (float)a;
		t[j] = (float)(p[1][j] - p[2][j] * a);
	}
	arg_val(L, op->in[0]);
	arg_array(L, KA_F32S, s, (uint32_t)c);
	arg_array(L, KA_F32S, t, (uint32_t)c);
	arg_val(L, op->out[0]);
	scaleshift_dims(L, op->in[0]->type);
	arg_act(L, &none);
	call_end(L, "qcc_rt_scaleshift_f32");
	return true;
}

void
lower_scaleshift(Lower *L, const Op *op)
{
	for (int i = 0; i < 3; i++)
		arg_val(L, op->in[i]);
	arg_val(L, op->out[0]);
	scaleshift_dims(L, op->in[0]->type);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_scaleshift_f32");
}

void
lower_pool(Lower *L, const Op *op)
{
	const PoolAttr *a = &op->a.pool;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_pool_geometry(L, op);
	if (op->kind == OP_MAXPOOL) {
		call_end(L, "qcc_rt_maxpool2d_f32");
		return;
	}
	arg_i32(L, a->pad[2]);
	arg_i32(L, a->pad[3]);
	arg_i32(L, a->count_include_pad);
	call_end(L, "qcc_rt_avgpool2d_f32");
}

void
lower_globalavgpool(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type;

	arg_val(L, op->in[0]);
	arg_val(L, op->out[0]);
	arg_i32(L, dims_prod(x, 0, 2));
	arg_i32(L, dims_prod(x, 2, x->rank));
	call_end(L, "qcc_rt_globalavgpool_f32");
}

/* ConvTranspose as qcc_rt_convtranspose2d_f32; a 1-D op ([N,C,W]) is
 * passed as height 1, and its ConvAttr already has the height window of
 * a 1-D op (kernel 1, stride 1, no padding). */
bool
lower_convtranspose(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	const ConvAttr *a = &op->a.conv;
	int r = x->rank;
	int64_t kh = r == 4 ? w->dim[2] : 1, kw = w->dim[r - 1];

	if (kh > QCC_RT_CONVT_MAXTAPS || kw > QCC_RT_CONVT_MAXTAPS) {
		diag(L->cx, DIAG_ERROR, &op->loc, "ConvTranspose kernel %lldx%lld "
		     "is wider than %d along an axis", (long long)kh,
		     (long long)kw, QCC_RT_CONVT_MAXTAPS);
		return false;
	}
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	arg_i32(L, x->dim[0]);
	arg_i32(L, x->dim[1]);
	arg_i32(L, r == 4 ? x->dim[2] : 1);
	arg_i32(L, x->dim[r - 1]);
	arg_i32(L, y->dim[1]);
	arg_i32(L, r == 4 ? y->dim[2] : 1);
	arg_i32(L, y->dim[r - 1]);
	arg_i32(L, kh);
	arg_i32(L, kw);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->stride[i]);
	for (int i = 0; i < 2; i++)
		arg_i32(L, a->dilation[i]);
	arg_i32(L, a->pad[0]);
	arg_i32(L, a->pad[1]);
	arg_i32(L, a->group);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_convtranspose2d_f32");
	return true;
}
