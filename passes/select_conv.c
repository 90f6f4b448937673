/* select_conv.c -- choose how each float Conv runs: direct (the packed
 * kernels of backends/lower_conv_packed.c) or by Winograd's F(2x2, 3x3)
 * (runtime/kernels/conv_winograd.c), and size the Winograd workspace.
 *
 * Winograd computes the same convolution with 16 multiplies per input
 * channel for each 2x2 block of outputs instead of 36, at the price of
 * additions that transform inputs and outputs and of a rounding that
 * differs from the plain loop's (a few ulp of the output's magnitude;
 * runtime/kernels/conv_winograd.c).  It applies to f32 Convs (not on
 * codes) with constant weights, group 1, a 3x3 window, stride 1,
 * dilation 1, rank-4 tensors, and at least MIN_CHANNELS input and output
 * channels: with fewer, the transforms cost more than the multiplies
 * saved (tests/bench/wbench.c on Zen 5 with AVX-512: 3 input channels
 * 0.83x, 8 channels 1.2x, 16 channels 1.5x, resnet18's layers 1.3x to
 * 2x).  -no-winograd (CTX_NO_WINOGRAD) keeps every Conv direct.  The
 * choice does not depend on the target: F(2x2, 3x3) saves the same
 * multiplies on every vector width (lowering picks the panel width).
 *
 * Workspace (Op.ws_bytes): QCC_RT_WINO2_WS floats for blocks of
 * Op.wino_rows tile rows (two output rows each).  Every block reads all of
 * the transformed weights once, so few blocks are fast (wbench: resnet18's
 * 14x14 layer 1.46x in blocks of 3, 3 and 1 tile rows, 2.1x as one block),
 * but past about half a megabyte a larger block gains little (56x56 with
 * 64 channels: 1.9x from blocks of 4 rows on).  So the image is split
 * into the fewest blocks of equal rows whose workspace fits in BUDGET
 * bytes and in ROOM of the bytes the tensors leave free at the op (the
 * lower bound minus the bytes live there, as plan-memory counts them);
 * blocks of one row if none does; ROOM < 1 leaves the greedy placement
 * some slack (resnet18: scratch equal to the lower bound, as without
 * Winograd).  A Conv whose workspace does not fit in the free bytes even
 * for one tile row stays direct, so Winograd never raises the plan's
 * lower bound: it trades no memory for speed.
 *
 * F(4x4, 3x3) (runtime/kernels/conv_wino4.c, CONV_WINOGRAD4) multiplies
 * 2.25 times less again, for weights 36/16 times larger than F(2x2)'s and
 * 4 times the direct ones, and a coarser rounding.  It is chosen instead
 * where its gain is sure and its cost small: outputs of at most 8x8 (its
 * tiles cover them in one group, so the weights stream through once per
 * image, where F(2x2) tiles 7x7 into 16 tiles of which 12% are outside),
 * transformed weights of at most WINO4_MAX_U bytes (they stay in L2), and
 * its workspace (the input channels-last among it: QCC_RT_WINO4_WS) in
 * ROOM of the free bytes.  fmnist's 64-channel 7x7 layer: wbench 21 us
 * direct, 18 to 21 us F(2x2), 8.5 us F(4x4) (AVX2: 29.5, 24, 17.8 us).
 * plan-memory places ws_bytes at ws_offset, live at the op only.
 *
 * Two kernels that lowering used to pick on its own are chosen here too,
 * so that plan-layout can see them (they are the ones that read and write
 * channel-blocked values) and lowering just follows Op.algo:
 * CONV_POINTWISE (qcc_rt_conv2d_pw_f32, is_pointwise) for some 1x1 Convs
 * and CONV_DW_CHAN (qcc_rt_conv2d_dwc_f32, dw_by_channels) for depthwise
 * ones; both depend on the target's vector width (Ctx.vec_bytes, which
 * the driver sets before the pipeline for the LLVM backend and leaves 0,
 * no choice, for the C backend's portable output).  Without select-conv
 * (-O0) every Conv is CONV_DIRECT: 1x1 Convs on the pixel kernel, depthwise
 * ones on the plane kernel (qcc_rt_conv2d_dw_f32).
 * requires: infer-shapes      must run before plan-memory
 */
#include "../runtime/qcc_rt.h"
#include "passes.h"

enum { MIN_CHANNELS = 8, BUDGET = 1 << 20, WINO4_MAX_U = 1 << 20 };

#define ROOM 0.9

/* Whether op is a float Conv on f32 tensors of rank 4 with constant
 * weights (not on codes): the kernels chosen here repack the weights at
 * compile time. */
static bool
is_float_conv(const Op *op)
{
	const TensorType *x, *w, *y;

	if (op->kind != OP_CONV || op_is_quant(op) || !value_f32(op->in[1]))
		return false;
	x = op->in[0]->type;
	w = op->in[1]->type;
	y = op->out[0]->type;
	return x->dt == DT_F32 && w->dt == DT_F32 && y->dt == DT_F32 &&
	       x->rank == 4 && w->rank == 4 && y->rank == 4;
}

static bool
fits_winograd(const Op *op)
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;

	if (!is_float_conv(op))
		return false;
	if (a->group != 1 || w->dim[2] != 3 || w->dim[3] != 3 ||
	    a->stride[0] != 1 || a->stride[1] != 1 || a->dilation[0] != 1 ||
	    a->dilation[1] != 1)
		return false;
	if (x->dim[1] < MIN_CHANNELS || y->dim[1] < MIN_CHANNELS ||
	    y->dim[2] < 1 || y->dim[3] < 1)
		return false;
	/* the kernel's sizes are int32_t elements */
	return type_numel(x) <= INT32_MAX && type_numel(y) <= INT32_MAX &&
	       (int64_t)QCC_RT_WINO2_WS(x->dim[1], (y->dim[3] + 1) / 2,
	                                (y->dim[2] + 1) / 2) <= INT32_MAX;
}

bool
conv_pw_shape(const Op *op)
{
	const TensorType *w = op->in[1]->type, *y = op->out[0]->type;
	const TensorType *x = op->in[0]->type;
	const ConvAttr *a = &op->a.conv;
	bool res = op->nin > 3 && op->in[3];
	int64_t hw;

	if (!is_float_conv(op) || a->group != 1 || w->dim[2] * w->dim[3] != 1 ||
	    a->stride[0] != 1 || a->stride[1] != 1 || a->pad[0] || a->pad[1] ||
	    a->pad[2] || a->pad[3] || y->dim[2] != x->dim[2] ||
	    y->dim[3] != x->dim[3] || w->dim[0] * w->dim[1] > INT32_MAX / 4)
		return false;
	hw = y->dim[2] * y->dim[3];
	return hw > 1 || (hw == 1 && res);
}

/* Lanes of qcc_rt_conv2d_gemm_f32's 32-pixel tiles a plane of hw pixels
 * fills (its last 16 or fewer pixels take a 16-wide tile). */
static double
gemm_lane_use(int64_t hw)
{
	int64_t slots = 0, r;

	for (r = hw; r > 0; r -= r > 16 ? 32 : 16)
		slots += r > 16 ? 32 : 16;
	return (double)hw / (double)slots;
}

/* Rows of qcc_rt_conv2d_gemm_f32's 12-row tiles (6 for the last 6 or
 * fewer channels) m output channels fill. */
static double
gemm_row_use(int64_t m)
{
	int64_t rows = m / (2 * QCC_RT_GEMM_MR) * (2 * QCC_RT_GEMM_MR);

	if (m > rows)
		rows += m - rows > QCC_RT_GEMM_MR ? 2 * QCC_RT_GEMM_MR :
		                                   QCC_RT_GEMM_MR;
	return (double)m / (double)rows;
}

/* A 1x1 convolution with stride 1 and no padding, with 512-bit vectors:
 * whether qcc_rt_conv2d_pw_f32 (vectors over 16 output channels, tiles of
 * 7 pixels) beats the pixel kernel, qcc_rt_conv2d_gemm_f32.  Its tiles
 * fill more lanes on short planes, and with channel counts that leave the
 * pixel kernel's last row tile part empty, but it transposes each tile on
 * the way out (unless its output is blocked, plan-layout), which a short
 * reduction does not amortize, and it reads the whole input plane for
 * each block of 48 channels: it is taken on planes of at most
 * QCC_RT_PW_MAXHW pixels if it fills at least 10% more lanes, or more
 * lanes and k >= 64.  Measured (kbench and mobilenet_v2's 1x1 layers run
 * in sequence): on 7x7 planes 70 -> 105-125 GMAC/s, on 14x14 85-95 ->
 * 95-115 with k >= 64; on 28x28 192->32 with a residual 80 -> 95 but
 * 32->192 100 -> 88; fmnist's 32->64 on 14x14 105 -> 90; on 56x56 planes
 * 70 -> 50.  One-pixel planes without a residual are lowering's
 * (qcc_rt_gemm_f32, conv_pw_shape). */
static bool
is_pointwise(const Ctx *cx, const Op *op)
{
	int64_t m, k, hw;
	double pix, chan, gemm;

	if (cx->vec_bytes < 64 || !conv_pw_shape(op))
		return false;
	m = op->in[1]->type->dim[0];
	k = op->in[1]->type->dim[1];
	hw = op->out[0]->type->dim[2] * op->out[0]->type->dim[3];
	if (hw > QCC_RT_PW_MAXHW)
		return false;
	pix = (double)hw / (double)((hw + QCC_RT_PW_P - 1) / QCC_RT_PW_P *
	                            QCC_RT_PW_P);
	chan = (double)m / (double)((m + QCC_RT_PANEL16 - 1) /
	                            QCC_RT_PANEL16 * QCC_RT_PANEL16);
	gemm = gemm_lane_use(hw) * gemm_row_use(m);
	return pix * chan >= gemm + 0.1 || (k >= 64 && pix * chan > gemm);
}

/* Whether qcc_rt_conv2d_dwc_f32 (vectorized over channels) takes a
 * depthwise Conv (group == channels == output channels > 1) rather than
 * qcc_rt_conv2d_dw_f32 (over the pixels of each plane).  Measured on an
 * AVX-512 EPYC with tests/bench/kbench.c (mobilenet_v2's and
 * efficientnet_b0's shapes): with 512-bit vectors the channel kernel wins
 * on every shape (1.3x on 112x112 stride 1, 3-4x on 7x7 and 14x14
 * planes); with AVX2 it wins on strides above 1, 5x5 windows and 7x7
 * planes, and loses on larger 3x3 stride-1 planes (its transposes weigh
 * more next to 9 taps on 8-lane registers; 14x14: 5%).  Other targets
 * keep the plane kernel (not measured).  The weights are repacked at
 * compile time and a band of one output row must fit the kernel's buffer
 * (qcc_rt.h). */
static bool
dw_by_channels(const Ctx *cx, const Op *op)
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	int64_t kh, kw, ow, rows, pw, wide;
	int vb = cx->vec_bytes;

	if (vb < 32 || !is_float_conv(op) || a->group < 2 ||
	    a->group != x->dim[1] || w->dim[0] != x->dim[1] || w->dim[1] != 1 ||
	    y->dim[1] != x->dim[1])
		return false;
	kh = w->dim[2];
	kw = w->dim[3];
	ow = y->dim[3];
	rows = (kh - 1) * a->dilation[0] + 1;
	pw = (ow - 1) * a->stride[1] + (kw - 1) * a->dilation[1] + 1;
	wide = pw > x->dim[3] ? pw : x->dim[3];
	if (ow > 384 || rows * wide + 7 * a->stride[1] > QCC_RT_DWC_BUF)
		return false;
	return vb >= 64 || a->stride[0] > 1 || a->stride[1] > 1 ||
	       kh * kw >= 25 || ow <= 7;
}

/* Bytes of the workspace for blocks of rows tile rows. */
static int64_t
wino_ws(const Op *op, int64_t rows)
{
	int64_t c = op->in[0]->type->dim[1];
	int64_t tw = (op->out[0]->type->dim[3] + 1) / 2;

	return (int64_t)QCC_RT_WINO2_WS(c, tw, rows) * 4;
}

/* Tile rows per block: the image in as few blocks as have a workspace of
 * at most limit bytes, rows split evenly; at least one row. */
static int32_t
block_rows(const Op *op, int64_t limit)
{
	int64_t th = (op->out[0]->type->dim[2] + 1) / 2, nblk, rows = 1;

	for (nblk = 1; nblk <= th; nblk++) {
		rows = (th + nblk - 1) / nblk;
		if (wino_ws(op, rows) <= limit)
			break;
	}
	return (int32_t)rows;
}

/* Whether F(4x4, 3x3) suits op (which fits_winograd): one group of
 * tiles, small transformed weights; its workspace bytes in *ws. */
static bool
fits_wino4(const Op *op, int64_t *ws)
{
	const TensorType *x = op->in[0]->type, *y = op->out[0]->type;
	int64_t tiles = (y->dim[2] + 3) / 4 * ((y->dim[3] + 3) / 4);

	if (tiles > 4 || x->dim[1] * y->dim[1] * 36 * 4 > WINO4_MAX_U)
		return false;
	*ws = (int64_t)QCC_RT_WINO4_WS(x->dim[1], x->dim[2], x->dim[3]) * 4;
	return true;
}

/* The choice for Conv op at position pos: algo, rows and bytes. */
static bool
choose(Ctx *cx, Op *op, const int64_t *live, int64_t bound, uint32_t pos)
{
	uint8_t algo = CONV_DIRECT;
	int32_t rows = 0;
	int64_t bytes = 0, ws4 = 0;
	int64_t room = (int64_t)((double)(bound - live[pos]) * ROOM);
	bool changed, win = !(cx->flags & CTX_NO_WINOGRAD) && fits_winograd(op);

	if (win && fits_wino4(op, &ws4) && ws4 <= room) {
		algo = CONV_WINOGRAD4;
		bytes = ws4;
	} else if (win && wino_ws(op, 1) <= bound - live[pos]) {
		algo = CONV_WINOGRAD2;
		rows = block_rows(op, room < BUDGET ? room : BUDGET);
		bytes = wino_ws(op, rows);
	} else if (is_pointwise(cx, op)) {
		algo = CONV_POINTWISE;
	} else if (dw_by_channels(cx, op)) {
		algo = CONV_DW_CHAN;
	}
	changed = algo != op->algo || rows != op->wino_rows ||
	          bytes != op->ws_bytes;
	op->algo = algo;
	op->wino_rows = rows;
	op->ws_bytes = bytes;
	op->ws_offset = -1;
	return changed;
}

static bool
select_conv(Ctx *cx, Graph *g)
{
	uint32_t nops, pos = 0;
	int64_t *live, bound = 0;
	bool changed = false;

	/* the live bytes of tensors alone, without earlier workspaces */
	for_each_op(op, g)
		if (op->kind == OP_CONV)
			op->ws_bytes = 0;
	live = plan_live_bytes(cx, g, &nops);
	for (uint32_t p = 0; p < nops; p++)
		bound = live[p] > bound ? live[p] : bound;
	for_each_op(op, g) {
		if (op->kind == OP_CONV)
			changed |= choose(cx, op, live, bound, pos);
		pos++;
	}
	return changed;
}

const Pass pass_select_conv = {
	.name = "select-conv",
	.run = select_conv,
};
