/* lower_winograd.c -- a Conv that select-conv put on Winograd's F(2x2,
 * 3x3) to qcc_rt_conv2d_wino2_f32 (runtime/kernels/conv_winograd.c).
 *
 * The weights are transformed here, at compile time: for every output
 * channel m and input channel c the 3x3 kernel g becomes the 4x4
 *     U = G g G^T,   G = | 1    0    0  |
 *                        | 1/2  1/2  1/2 |
 *                        | 1/2 -1/2  1/2 |
 *                        | 0    0    1  |
 * computed in double and rounded once to float, then packed in the
 * kernel's panels (qcc_rt.h): nr output channels per panel, 32 when the
 * target has 512-bit vectors (two vectors per register-tile row), else 16;
 * the panel's 16 positions, each c rows of nr floats.  The packed array
 * replaces the weights in the object.  The workspace is the scratch bytes
 * plan-memory placed at Op.ws_offset. */
#include "../runtime/qcc_rt.h"
#include "lower.h"

static const double G[4][3] = {
	{1.0, 0.0, 0.0},
	{0.5, 0.5, 0.5},
	{0.5, -0.5, 0.5},
	{0.0, 0.0, 1.0},
};

/* U of the 3x3 kernel g (row-major) into u[16], position 4i + j. */
static void
transform(const float *g, float *u)
{
	double t[4][3];

	for (int i = 0; i < 4; i++)
		for (int s = 0; s < 3; s++)
			t[i][s] = G[i][0] * g[s] + G[i][1] * g[3 + s] +
			          G[i][2] * g[6 + s];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			u[4 * i + j] = (float)(t[i][0] * G[j][0] + t[i][1] * G[j][1] +
			                       t[i][2] * G[j][2]);
}

/* u[((q*16 + xi)*c + ci)*nr + j] = U[q*nr + j, ci][xi], zeros past m. */
static float *
pack(Ctx *cx, const float *w, int64_t m, int64_t c, int64_t nr, uint32_t *n)
{
	int64_t npan = (m + nr - 1) / nr;
	float *p = NEWARRAY(cx->scratch, float, npan * 16 * c * nr);
	float u[16];

	for (int64_t o = 0; o < m; o++)
		for (int64_t ci = 0; ci < c; ci++) {
			transform(w + (o * c + ci) * 9, u);
			for (int xi = 0; xi < 16; xi++)
				p[(((o / nr) * 16 + xi) * c + ci) * nr + o % nr] = u[xi];
		}
	*n = (uint32_t)(npan * 16 * c * nr);
	return p;
}

bool
lower_winograd(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	const float *wd = value_f32(op->in[1]);
	int64_t nr = L->cx->vec_bytes >= 64 ? 32 : 16;
	int64_t npk = (y->dim[1] + nr - 1) / nr * 16 * x->dim[1] * nr;
	Buf ws = {BUF_SCRATCH, 0, op->ws_offset};
	uint32_t n;
	float *u;

	if (op->kind != OP_CONV || op->algo != CONV_WINOGRAD2)
		return false;
	if (!wd || op->ws_offset < 0 || op->ws_bytes <= 0)
		bug("Winograd Conv %u without weights or a planned workspace",
		    op->id);
	if (npk > INT32_MAX / 4)
		return false;
	u = pack(L->cx, wd, y->dim[1], x->dim[1], nr, &n);
	arg_val(L, op->in[0]);
	arg_array(L, KA_F32S, u, n);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->nin > 3 ? op->in[3] : NULL);    /* fuse-add's residual */
	arg_val(L, op->out[0]);
	arg_buf(L, ws);
	for (int i = 0; i < 4; i++)
		arg_i32(L, x->dim[i]);
	for (int i = 1; i < 4; i++)
		arg_i32(L, y->dim[i]);
	arg_i32(L, op->a.conv.pad[0]);
	arg_i32(L, op->a.conv.pad[1]);
	arg_i32(L, op->wino_rows);
	arg_i32(L, nr);
	arg_act(L, &op->act);
	call_end(L, "qcc_rt_conv2d_wino2_f32");
	return true;
}
