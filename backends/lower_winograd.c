/* lower_winograd.c -- a Conv that select-conv put on Winograd's F(2x2,
 * 3x3) to qcc_rt_conv2d_wino2_f32 (runtime/kernels/conv_winograd.c), or
 * on F(4x4, 3x3) to qcc_rt_conv2d_wino4_f32 (runtime/kernels/conv_wino4.c).
 *
 * The weights are transformed here, at compile time: for every output
 * channel m and input channel c the 3x3 kernel g becomes the n x n
 * (n = 4 or 6)
 *     U = G g G^T,   G = | 1    0    0  |   or   |  1/4    0     0  |
 *                        | 1/2  1/2  1/2 |        | -1/6  -1/6  -1/6 |
 *                        | 1/2 -1/2  1/2 |        | -1/6   1/6  -1/6 |
 *                        | 0    0    1  |        | 1/24  1/12   1/6 |
 *                                                 | 1/24 -1/12   1/6 |
 *                                                 |   0     0     1  |
 * computed in double and rounded once to float, then packed in the
 * kernel's panels (qcc_rt.h): nr output channels per panel; for F(2x2)
 * 32 when the target has 512-bit vectors (two vectors per register-tile
 * row), else 16; for F(4x4) 64 with 512-bit vectors (four), else 16; the
 * panel's n * n positions, each c rows of nr floats.  The packed array
 * replaces the weights in the object.  The workspace is the scratch bytes
 * plan-memory placed at Op.ws_offset. */
#include "../runtime/qcc_rt.h"
#include "lower.h"

static const double G2[4][3] = {
	{1.0, 0.0, 0.0},
	{0.5, 0.5, 0.5},
	{0.5, -0.5, 0.5},
	{0.0, 0.0, 1.0},
};

static const double G4[6][3] = {
	{1.0 / 4, 0.0, 0.0},
	{-1.0 / 6, -1.0 / 6, -1.0 / 6},
	{-1.0 / 6, 1.0 / 6, -1.0 / 6},
	{1.0 / 24, 1.0 / 12, 1.0 / 6},
	{1.0 / 24, -1.0 / 12, 1.0 / 6},
	{0.0, 0.0, 1.0},
};

/* U of the 3x3 kernel g (row-major) into u[n * n], position n i + j, with
 * the n x 3 matrix G. */
static void
transform(const float *g, const double (*G)[3], int n, float *u)
{
	double t[6][3];

	for (int i = 0; i < n; i++)
		for (int s = 0; s < 3; s++)
			t[i][s] = G[i][0] * g[s] + G[i][1] * g[3 + s] +
			          G[i][2] * g[6 + s];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			u[n * i + j] = (float)(t[i][0] * G[j][0] + t[i][1] * G[j][1] +
			                       t[i][2] * G[j][2]);
}

/* u[((q*nx + xi)*c + ci)*nr + j] = U[q*nr + j, ci][xi], zeros past m;
 * nx = n * n positions. */
static float *
pack(Ctx *cx, const float *w, int64_t m, int64_t c, int64_t nr, int n,
     uint32_t *cnt)
{
	int64_t npan = (m + nr - 1) / nr, nx = n * n;
	float *p = NEWARRAY(cx->scratch, float, npan * nx * c * nr);
	float u[36];

	for (int64_t o = 0; o < m; o++)
		for (int64_t ci = 0; ci < c; ci++) {
			transform(w + (o * c + ci) * 9, n == 4 ? G2 : G4, n, u);
			for (int64_t xi = 0; xi < nx; xi++)
				p[(((o / nr) * nx + xi) * c + ci) * nr + o % nr] = u[xi];
		}
	*cnt = (uint32_t)(npan * nx * c * nr);
	return p;
}

bool
lower_winograd(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	const float *wd = value_f32(op->in[1]);
	bool wide = L->cx->vec_bytes >= 64, f4 = op->algo == CONV_WINOGRAD4;
	int64_t nr = f4 ? (wide ? 64 : 16) : (wide ? 32 : 16);
	int n = f4 ? 6 : 4;
	int64_t npk = (y->dim[1] + nr - 1) / nr * n * n * x->dim[1] * nr;
	Buf ws = {BUF_SCRATCH, 0, op->ws_offset};
	uint32_t cnt;
	float *u;

	if (op->kind != OP_CONV ||
	    (op->algo != CONV_WINOGRAD2 && op->algo != CONV_WINOGRAD4))
		return false;
	if (!wd || op->ws_offset < 0 || op->ws_bytes <= 0)
		bug("Winograd Conv %u without weights or a planned workspace",
		    op->id);
	if (npk > INT32_MAX / 4)
		return false;
	u = pack(L->cx, wd, y->dim[1], x->dim[1], nr, n, &cnt);
	arg_val(L, op->in[0]);
	arg_array(L, KA_F32S, u, cnt);
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
	if (!f4)
		arg_i32(L, op->wino_rows);
	arg_i32(L, nr);
	arg_act(L, &op->act);
	call_end(L, f4 ? "qcc_rt_conv2d_wino4_f32" : "qcc_rt_conv2d_wino2_f32");
	return true;
}
