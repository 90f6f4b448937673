/* lower_qconv.c -- an integer Conv (u8 codes, i8 weights, group 1) to the
 * packed matrix-product kernel of runtime/kernels/qgemm.c when it applies:
 * constant i8 weights, K = c*kh*kw < 2^16 (int32 sums stay exact).
 *
 * The weights are repacked here, at compile time, into the kernel's panel
 * layout (qcc_rt.h): QCC_RT_QG_MR output channels per panel, the codes of
 * two consecutive reduction indices in one 32-bit word, low half first,
 * zeros past the last index and channel.  The word array replaces the
 * weights in the object (the original is emitted only if some other call
 * reads it).  Depthwise convolutions (group == c == m) whose padded plane
 * fits the kernel's stack buffer go to runtime/kernels/qconv_dw.c instead
 * (qconv_dw_vnni.c for targets with AVX512-VNNI, qconv_dw_avx2.c for
 * other x86 targets with AVX2, which also takes convolutions of one input
 * channel there).
 * When the LLVM backend's target has AVX2 (Ctx.vec_bytes >= 32 on
 * x86-64) or AVX512-VNNI (Ctx.vnni512), the weights are packed two or
 * four input channels per word instead (the channel-group layouts) for
 * qgemm_direct.c's kernels, which read the input without im2col; with
 * AVX2 and without VNNI, 3x3 stride-1 convolutions of 8 to
 * QCC_RT_WQ_MAXC input channels get Winograd F(2x2,3x3) weights instead
 * (16 int16 positions per channel pair, 16/9 the words) for
 * qconv_wino_avx2.c, exact in integers (not under -no-winograd: the
 * kernel keeps its transformed input, QCC_RT_WQ_V words = 256 KiB, on the
 * stack).  The C
 * backend calls the portable kernel, which takes the AVX2 tile by itself
 * when the C compiler builds with -mavx2.
 */
#include "../runtime/qcc_rt.h"
#include "lower.h"

/* [ceil(m/MR)][ceil(k/2)][MR] words from w [m][k]. */
static int32_t *
pack_pairs(Ctx *cx, const int8_t *w, int64_t m, int64_t k, uint32_t *n)
{
	int64_t mr = QCC_RT_QG_MR, npan = (m + mr - 1) / mr, kp2 = (k + 1) / 2;
	int32_t *p = NEWARRAY(cx->scratch, int32_t, npan * kp2 * mr);

	for (int64_t q = 0; q < npan; q++)
		for (int64_t t = 0; t < kp2; t++)
			for (int64_t i = 0; i < mr; i++) {
				int64_t o = q * mr + i;
				int32_t w0 = 0, w1 = 0;

				if (o < m) {
					w0 = w[o * k + 2 * t];
					w1 = 2 * t + 1 < k ? w[o * k + 2 * t + 1] : 0;
				}
				p[(q * kp2 + t) * mr + i] = (int32_t)(
				        (uint32_t)(uint16_t)(int16_t)w0 |
				        (uint32_t)(uint16_t)(int16_t)w1 << 16);
			}
	*n = (uint32_t)(npan * kp2 * mr);
	return p;
}

/* [ceil(m/mr)][ceil(c/kg)*khw][mr] words from w [m][c][khw]: field j (of
 * 32/kg bits) of word (q, cg*khw + t, i) is w[q*mr + i, kg*cg + j, t],
 * zero past c and m (the channel-group layouts of qcc_rt.h). */
static int32_t *
pack_groups(Ctx *cx, const int8_t *w, int64_t m, int64_t c, int64_t khw,
            int64_t mr, int64_t kg, uint32_t *n)
{
	int64_t npan = (m + mr - 1) / mr, kpw = (c + kg - 1) / kg * khw;
	uint32_t mask = kg == 2 ? 0xffffu : 0xffu;
	int32_t *p = NEWARRAY(cx->scratch, int32_t, npan * kpw * mr);

	for (int64_t q = 0; q < npan; q++)
		for (int64_t t = 0; t < kpw; t++)
			for (int64_t i = 0; i < mr; i++) {
				int64_t o = q * mr + i, cg = t / khw;
				uint32_t v = 0;

				for (int64_t j = 0; j < kg; j++)
					if (o < m && kg * cg + j < c)
						v |= ((uint32_t)(int32_t)w[(o * c + kg * cg +
						                            j) * khw +
						                           t % khw] &
						      mask)
						     << 32 / kg * j;
				p[(q * kpw + t) * mr + i] = (int32_t)v;
			}
	*n = (uint32_t)(npan * kpw * mr);
	return p;
}

/* [ceil(m/mr)][16][ceil(c/2)][mr] words of Winograd F(2x2,3x3) weights
 * from w [m][c][3][3] (qconv_wino_avx2.c): U = (2G) g (2G)^T of output
 * channel q*mr + i and input channel ci at position pos in the 16-bit
 * half ci % 2 of word ((q*16 + pos)*ng + ci/2)*mr + i, zero past c and m. */
static int32_t *
pack_wino(Ctx *cx, const int8_t *w, int64_t m, int64_t c, uint32_t *n)
{
	static const int32_t g2[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1},
	                                 {0, 0, 2}};
	int64_t mr = QCC_RT_QG_MR, npan = (m + mr - 1) / mr, ng = (c + 1) / 2;
	int64_t nw = npan * 16 * ng * mr;
	uint32_t *p = NEWARRAY(cx->scratch, uint32_t, nw);

	for (int64_t j = 0; j < nw; j++)
		p[j] = 0;
	for (int64_t o = 0; o < m; o++)
		for (int64_t ci = 0; ci < c; ci++) {
			const int8_t *g = w + (o * c + ci) * 9;

			for (int a = 0; a < 4; a++)
				for (int k = 0; k < 4; k++) {
					int32_t u = 0;

					for (int r = 0; r < 3; r++)
						for (int s = 0; s < 3; s++)
							u += g2[a][r] * g[r * 3 + s] * g2[k][s];
					p[((o / mr * 16 + a * 4 + k) * ng + ci / 2) * mr +
					  o % mr] |= (uint32_t)(uint16_t)(int16_t)u
					             << 16 * (ci % 2);
				}
		}
	*n = (uint32_t)nw;
	return (int32_t *)p;
}

/* Winograd F(2x2,3x3) on AVX2 without VNNI (qconv_wino_avx2.c): 3x3,
 * stride 1, dilation 1, at least 8 and at most QCC_RT_WQ_MAXC input
 * channels, a tile row that fits the kernel's buffers. */
static bool
wino_applies(const Lower *L, const Op *op)
{
	const ConvAttr *a = &op->a.conv;
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;

	return !L->cx->vnni512 && L->cx->vec_bytes >= 32 &&
	       !(L->cx->flags & CTX_NO_WINOGRAD) && a->group == 1 &&
	       w->dim[2] == 3 && w->dim[3] == 3 && a->stride[0] == 1 &&
	       a->stride[1] == 1 && a->dilation[0] == 1 &&
	       a->dilation[1] == 1 && x->dim[1] >= 8 &&
	       x->dim[1] <= QCC_RT_WQ_MAXC &&
	       QCC_RT_WQ_FITS(x->dim[1], op->out[0]->type->dim[3]);
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The depthwise kernel, if the padded plane fits its buffer (the VNNI
 * form takes the shapes it can and passes the others to it). */
static bool
lower_qconv_dw(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const TensorType *y = op->out[0]->type;
	const ConvAttr *a = &op->a.conv;
	int64_t ph = max64(a->pad[0] + x->dim[2], (y->dim[2] - 1) *
	                   a->stride[0] + (w->dim[2] - 1) * a->dilation[0] + 1);
	int64_t pw = max64(a->pad[1] + x->dim[3], (y->dim[3] - 1) *
	                   a->stride[1] + (w->dim[3] - 1) * a->dilation[1] + 1);

	int64_t sh = a->stride[0], sw = a->stride[1];
	bool c1 = a->group == 1;  /* one input channel (AVX2 only) */

	if (a->group != x->dim[1] || (!c1 && w->dim[0] != x->dim[1]) ||
	    w->dim[1] != 1 ||
	    sh * sw * ((ph + sh - 1) / sh + 1) * ((pw + sw - 1) / sw) >
	            QCC_RT_QDW_MAXPAD)
		return false;
	arg_val(L, op->in[0]);
	arg_val(L, op->in[1]);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	for (int i = 0; i < 4; i++)
		arg_i32(L, i == 1 ? w->dim[0] : x->dim[i]);
	arg_i32(L, y->dim[2]);
	arg_i32(L, y->dim[3]);
	arg_i32(L, w->dim[2]);
	arg_i32(L, w->dim[3]);
	arg_i32(L, a->stride[0]);
	arg_i32(L, a->stride[1]);
	arg_i32(L, a->dilation[0]);
	arg_i32(L, a->dilation[1]);
	arg_i32(L, a->pad[0]);
	arg_i32(L, a->pad[1]);
	arg_i32(L, ph);
	arg_i32(L, pw);
	arg_i32(L, quant_zp(x->q, 0));
	arg_requant(L, op, true);
	call_end(L, c1                       ? "qcc_rt_conv2d_c1_avx2_q8"
	            : L->cx->vnni512          ? "qcc_rt_conv2d_dw_vnni_q8"
	            : L->cx->vec_bytes >= 32 ? "qcc_rt_conv2d_dw_avx2_q8"
	                                     : "qcc_rt_conv2d_dw_q8");
	return true;
}

bool
lower_qconv(Lower *L, const Op *op)
{
	const TensorType *x = op->in[0]->type, *w = op->in[1]->type;
	const Requant *r = op->rq;
	int64_t k, words, kg, mr;
	uint32_t n;
	int32_t *p;

	if (w->dt != DT_I8 || !op->in[1]->cst || x->dt != DT_U8 ||
	    op->out[0]->type->dt != DT_U8 || x->rank != 4 || w->rank != 4 || !r)
		return false;
	if (op->a.conv.group != 1)
		return lower_qconv_dw(L, op);
	/* one input channel with AVX2 and no VNNI: the depthwise kernel's
	 * machinery (qconv_dw_avx2.c), twice as fast as channel pairs */
	if (x->dim[1] == 1 && !L->cx->vnni512 && L->cx->vec_bytes >= 32 &&
	    lower_qconv_dw(L, op))
		return true;
	k = w->dim[1] * w->dim[2] * w->dim[3];
	/* VNNI: four channels per word; AVX2: two; else two taps */
	kg = L->cx->vnni512 ? 4 : L->cx->vec_bytes >= 32 ? 2 : 0;
	mr = kg == 4 ? QCC_RT_QGV_MR : QCC_RT_QG_MR;
	words = (w->dim[0] + mr - 1) / mr * mr *
	        (kg ? (w->dim[1] + kg - 1) / kg * w->dim[2] * w->dim[3]
	            : (k + 1) / 2);
	/* Winograd's 16 positions instead of 9 taps */
	if (k <= 0 || k >= 65536 || words > INT32_MAX / 4 / 2)
		return false;
	if (wino_applies(L, op))
		p = pack_wino(L->cx, (const int8_t *)op->in[1]->cst->data,
		              w->dim[0], w->dim[1], &n);
	else if (kg)
		p = pack_groups(L->cx, (const int8_t *)op->in[1]->cst->data,
		                w->dim[0], w->dim[1], w->dim[2] * w->dim[3], mr,
		                kg, &n);
	else
		p = pack_pairs(L->cx, (const int8_t *)op->in[1]->cst->data,
		               w->dim[0], k, &n);
	arg_val(L, op->in[0]);
	arg_array(L, KA_I32S, p, n);
	arg_val(L, op->nin > 2 ? op->in[2] : NULL);
	arg_val(L, op->out[0]);
	arg_conv_geometry(L, op);
	arg_i32(L, quant_zp(x->q, 0));
	arg_requant(L, op, true);
	call_end(L, kg == 4                ? "qcc_rt_conv2d_qgemm_vnni_q8"
	            : wino_applies(L, op) ? "qcc_rt_conv2d_wino_avx2_q8"
	            : kg == 2              ? "qcc_rt_conv2d_qgemm_cp_avx2_q8"
	                      : "qcc_rt_conv2d_qgemm_q8");
	return true;
}
