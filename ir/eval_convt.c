/* eval_convt.c -- the reference interpreter for ConvTranspose (f32).
 *
 * Written as ONNX describes the op, the gradient of Conv: every input
 * element scatters x[n, c, iy, ix] * w[c, mo, ky, kx] into output
 * position (iy*sh - pt + ky*dh, ix*sw - pl + kx*dw) of channel
 * g*(M/group) + mo, where g is c's group; positions outside the result
 * (cut by the padding) are dropped, and the bias is added to every
 * output.  Sums are in double.  It shares nothing with
 * runtime/kernels/convt.c, which gathers per output instead, so the two
 * check each other.  A 1-D op is the 2-D one with height 1.
 */
#include <stdlib.h>

#include "ir.h"

/* dims of t as [N, C, H, W]: a rank-3 tensor gets H = 1. */
static void
dims4(const TensorType *t, int64_t d[4])
{
	d[0] = t->dim[0];
	d[1] = t->dim[1];
	d[2] = t->rank == 4 ? t->dim[2] : 1;
	d[3] = t->dim[t->rank - 1];
}

void
ir_eval_convt(const Op *op, const float *const in[], float *out)
{
	const ConvAttr *a = &op->a.conv;
	int64_t xd[4], wd[4], yd[4];
	int64_t cg, mg, plane, ny;
	double *acc;

	dims4(op->in[0]->type, xd);
	dims4(op->in[1]->type, wd);
	dims4(op->out[0]->type, yd);
	cg = xd[1] / a->group;
	mg = wd[1];
	plane = yd[2] * yd[3];
	ny = yd[0] * yd[1] * plane;
	acc = calloc((size_t)(ny ? ny : 1), sizeof *acc);
	if (!acc)
		bug("out of memory");
	for (int64_t n = 0; n < xd[0]; n++)
	for (int64_t c = 0; c < xd[1]; c++)
	for (int64_t iy = 0; iy < xd[2]; iy++)
	for (int64_t ix = 0; ix < xd[3]; ix++) {
		double v = in[0][((n * xd[1] + c) * xd[2] + iy) * xd[3] + ix];
		int64_t g = c / cg;

		for (int64_t mo = 0; mo < mg; mo++)
		for (int64_t ky = 0; ky < wd[2]; ky++)
		for (int64_t kx = 0; kx < wd[3]; kx++) {
			int64_t oy = iy * a->stride[0] - a->pad[0] +
			             ky * a->dilation[0];
			int64_t ox = ix * a->stride[1] - a->pad[1] +
			             kx * a->dilation[1];
			int64_t m = g * mg + mo;

			if (oy < 0 || oy >= yd[2] || ox < 0 || ox >= yd[3])
				continue;
			acc[(n * yd[1] + m) * plane + oy * yd[3] + ox] +=
			    v * in[1][((c * mg + mo) * wd[2] + ky) * wd[3] + kx];
		}
	}
	for (int64_t i = 0; i < ny; i++) {
		int64_t m = i / plane % yd[1];
		double b = op->nin > 2 && in[2] ? in[2][m] : 0.0;

		out[i] = (float)(acc[i] + b);
	}
	free(acc);
}
