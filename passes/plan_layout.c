/* plan_layout.c -- keeps the values between the pointwise and depthwise
 * convolutions of inverted residual blocks channel-blocked (NCHW16c).
 *
 * Why: qcc_rt_conv2d_dwc_f32 works on vectors of 16 channels of one
 * pixel, so on NCHW tensors it transposes its input into channel blocks
 * and its output back (half of its time on mobilenet_v2's shapes), and
 * qcc_rt_conv2d_pw_f32, whose accumulators hold 16 output channels of a
 * pixel, transposes each tile on the way out.  A value that only these
 * two kernels write and read can stay in the blocked layout
 * (runtime/qcc_rt.h: channel ch of pixel p at ((n * c/16 + ch/16) * hw +
 * p) * 16 + ch % 16, the same bytes as NCHW), and the transposes go.  The
 * kernels give the same bits in either layout, so this changes speed only.
 *
 * What: Value.layout = LAYOUT_NCHW16C on a value v when
 *   - v is f32, rank 4, with a multiple of 16 channels, neither a graph
 *     input, output nor constant;
 *   - v is out[0] of a Conv on CONV_POINTWISE or CONV_DW_CHAN without a
 *     residual input (the kernels keep the residual in y's layout);
 *   - every use of v is in[0] of a Conv on CONV_POINTWISE or CONV_DW_CHAN
 *     (a GlobalAveragePool, a Mul, an Add or a residual input keeps v
 *     NCHW).
 * The pointwise kernel takes blocked tensors on planes of at most
 * QCC_RT_PW_BLOCKED_MAXHW pixels (measured; qcc_rt.h).  A 1x1 Conv that
 * select-conv left direct (the pixel kernel wins on long planes) but that
 * the pointwise kernel can run (conv_pw_shape) on such a plane moves onto
 * CONV_POINTWISE when that lets a value between it and a depthwise Conv
 * be blocked: the depthwise kernel's transposes are the larger saving,
 * so a move is not made for a value between 1x1 Convs alone, nor to read
 * a blocked input where the pointwise kernel then loses (conv_takes).
 *
 * Only with 512-bit vectors (Ctx.vec_bytes >= 64: 16 channels fill one
 * register; the AVX2 and portable paths would gain nothing), not under
 * -no-blocked-layout (CTX_NO_BLOCKED).  After select-conv, before
 * plan-memory (a blocked value takes the bytes of its NCHW form, so the
 * plan does not change).  ir_verify checks that every blocked value's
 * producer and users are such Convs; the interpreter ignores layouts.
 * requires: select-conv
 */
#include "../runtime/qcc_rt.h"
#include "passes.h"

/* How a Conv can read or write a blocked value. */
typedef enum { TAKES_NONE, TAKES_AS_IS, TAKES_IF_MOVED } Takes;

/* Per value, what its uses (not its producer) allow. */
typedef struct Uses {
	bool bad;              /* a use that must see NCHW */
	bool moves;            /* a user would move onto CONV_POINTWISE */
	bool dw;               /* a user is on CONV_DW_CHAN */
} Uses;

/* Whether Conv op can write (reads false) or read (reads true) a blocked
 * value.  A direct 1x1 Conv moved onto the pointwise kernel gains when
 * its output is blocked, on every plane up to QCC_RT_PW_BLOCKED_MAXHW;
 * with only its input blocked it gains only for m a multiple of 16 of at
 * least 32 (qcc_rt.h), so it is not moved to read one otherwise (unless
 * a round before moved it for its output). */
static Takes
conv_takes(const Op *op, bool reads)
{
	const TensorType *y;

	if (op->kind != OP_CONV)
		return TAKES_NONE;
	if (op->algo == CONV_DW_CHAN)
		return TAKES_AS_IS;
	if ((op->algo != CONV_POINTWISE && op->algo != CONV_DIRECT) ||
	    !conv_pw_shape(op))
		return TAKES_NONE;
	y = op->out[0]->type;
	if (y->dim[2] * y->dim[3] > QCC_RT_PW_BLOCKED_MAXHW)
		return TAKES_NONE;
	if (op->algo == CONV_POINTWISE)
		return TAKES_AS_IS;
	if (reads && (y->dim[1] % QCC_RT_BLOCK_C || y->dim[1] < 32))
		return TAKES_NONE;
	return TAKES_IF_MOVED;
}

/* The uses of every value, by Value.id, in cx->scratch. */
static Uses *
collect_uses(Ctx *cx, const Graph *g)
{
	Uses *u = NEWARRAY(cx->scratch, Uses, g->nvalues);

	for_each_op(op, g) {
		Takes t = conv_takes(op, true);

		for (int i = 0; i < op->nin; i++) {
			Uses *ui;

			if (!op->in[i])
				continue;
			ui = &u[op->in[i]->id];
			if (i != 0 || t == TAKES_NONE) {
				ui->bad = true;
				continue;
			}
			ui->moves |= t == TAKES_IF_MOVED;
			ui->dw |= op->algo == CONV_DW_CHAN;
		}
	}
	for (uint32_t i = 0; i < g->noutputs; i++)
		if (g->outputs[i])
			u[g->outputs[i]->id].bad = true;
	return u;
}

/* Whether the result of Conv op can be blocked, as its uses u allow. */
static bool
blockable(const Op *op, const Uses *u)
{
	const Value *v = op->out[0];
	const TensorType *t = v->type;
	Takes p = conv_takes(op, false);
	bool moves = p == TAKES_IF_MOVED || u->moves;
	bool dw = op->algo == CONV_DW_CHAN || u->dw;

	if (p == TAKES_NONE || u->bad || !v->nuses || v->cst ||
	    (op->nin > 3 && op->in[3]))
		return false;
	if (t->dt != DT_F32 || t->rank != 4 || t->dim[1] % QCC_RT_BLOCK_C)
		return false;
	return !moves || dw;
}

/* op reads or writes a blocked value: a direct 1x1 Conv moves onto the
 * pointwise kernel. */
static void
make_pointwise(Op *op)
{
	if (op->algo == CONV_DIRECT)
		op->algo = CONV_POINTWISE;
}

/* One round: blocks every value that can be as the Convs' algorithms
 * stand and moves the direct 1x1 Convs that read or write one onto the
 * pointwise kernel; true if it blocked any. */
static bool
block_round(Ctx *cx, Graph *g)
{
	Uses *u = collect_uses(cx, g);
	bool more = false;

	for_each_op(op, g) {
		if (op->kind != OP_CONV || op->out[0]->layout == LAYOUT_NCHW16C ||
		    !blockable(op, &u[op->out[0]->id]))
			continue;
		op->out[0]->layout = LAYOUT_NCHW16C;
		make_pointwise(op);
		more = true;
	}
	for_each_op(op, g)
		if (op->kind == OP_CONV && op->in[0]->layout == LAYOUT_NCHW16C)
			make_pointwise(op);
	return more;
}

/* Rounds until nothing more can be blocked: a move in one round can make
 * a Conv's other side blockable in the next (a 1x1 Conv moved for its
 * depthwise input can write a blocked value for a pointwise user). */
static bool
plan_layout(Ctx *cx, Graph *g)
{
	uint8_t *old = NEWARRAY(cx->scratch, uint8_t, g->nvalues);
	uint8_t *algo = NEWARRAY(cx->scratch, uint8_t, g->nops);
	bool changed = false;

	for (uint32_t i = 0; i < g->nvalues; i++) {
		old[i] = g->values[i]->layout;
		g->values[i]->layout = LAYOUT_NCHW;
	}
	for_each_op(op, g)
		algo[op->id] = op->algo;
	if (cx->vec_bytes >= 64 && !(cx->flags & CTX_NO_BLOCKED))
		while (block_round(cx, g))
			;
	for (uint32_t i = 0; i < g->nvalues; i++)
		changed |= old[i] != g->values[i]->layout;
	for_each_op(op, g)
		changed |= algo[op->id] != op->algo;
	return changed;
}

const Pass pass_plan_layout = {
	.name = "plan-layout",
	.run = plan_layout,
};
