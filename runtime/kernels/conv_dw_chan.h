/* conv_dw_chan.h -- what the files of the depthwise kernel vectorized over
 * channels share (conv_dw_chan.c computes the tiles, conv_dw_band.c moves
 * bands of pixels between the tensors and the kernel's buffers,
 * conv_dw_plain.c is the plain loop for the shapes the buffers cannot
 * take): the geometry of a call and, where the compiler has GNU C vectors
 * and __builtin_shufflevector, the pixel vector of 16 channels and its
 * 16x16 transpose.
 *
 * The C backend pastes this file once, after qcc_vec16.h and before the
 * kernels (backends/CMakeLists.txt lists it, backends/c/cgen.c drops the
 * kernels' include of it). */
#ifndef QCC_CONV_DW_CHAN_H
#define QCC_CONV_DW_CHAN_H

enum {
	DWC_V = QCC_RT_DWC_V,
	DWC_BUFV = QCC_RT_DWC_BUF,   /* input band, pixels (36 KB) */
	DWC_OBUFV = 384,  /* output band, pixels (24 KB) */
	DWC_TMAX = 7,
	DWC_KMAX = 32     /* kernel rows */
};

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define DWC_VECTORS 1
#else
#define DWC_VECTORS 0
#endif

struct dwc_geom {
	int32_t h, wd, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
	int32_t pw;   /* buffer row, pixels: the padded columns the taps reach */
	int32_t t;    /* outputs per tile */
	int32_t nr;   /* output rows per band (0: none fit) */
};

/* Input rows of a band of nr output rows. */
QCC_RT_INLINE int32_t
dwc_nin(const struct dwc_geom *g, int32_t nr)
{
	return (nr - 1) * g->sh + (g->kh - 1) * g->dh + 1;
}

/* Pixels of the input buffer a band of nr rows uses, with the slack the
 * rows' last tiles read past it. */
QCC_RT_INLINE int32_t
dwc_buf_size(const struct dwc_geom *g, int32_t nr)
{
	return dwc_nin(g, nr) * g->pw + (g->t - 1) * g->sw;
}

/* Whether the band fill goes row by row (no table). */
QCC_RT_INLINE int32_t
dwc_by_rows(const struct dwc_geom *g)
{
	return g->wd >= 16 && g->wd <= g->pw - g->pl;
}

/* The plain loop, for shapes the buffers cannot take (conv_dw_plain.c);
 * x and y (with res) NCHW or blocked as layout says. */
QCC_RT_API QCC_RT_UNUSED void qcc_rt_dwc_plain_f32(const struct dwc_geom *g,
	const float *restrict x, const float *restrict wp,
	const float *restrict bias, const float *restrict res,
	float *restrict y, int32_t nb, int32_t c, int32_t act, float alpha,
	float beta, int32_t layout);

#if DWC_VECTORS
/* A pixel: 16 floats, one per channel of the block, as a GNU C vector
 * (each lane computes what the scalar expression would). */
typedef float dwc_v __attribute__((vector_size(64)));
typedef float dwc_vu __attribute__((vector_size(64), aligned(4)));
typedef int32_t dwc_i __attribute__((vector_size(64)));

QCC_RT_INLINE void
dwc_load(dwc_v *d, const float *p)
{
	*d = *(const dwc_vu *)p;
}

QCC_RT_INLINE void
dwc_store(float *p, const dwc_v *v)
{
	*(dwc_vu *)p = *v;
}

QCC_RT_INLINE void
dwc_splat(dwc_v *d, float s)
{
	dwc_v z = {0};

	*d = z + s;
}

/* act(v) for ReLU (x > 0 ? x : 0) and Clip, lane by lane as act.c does */
QCC_RT_INLINE void
dwc_clamp(dwc_v *v, int32_t clip, float alpha, float beta)
{
	dwc_v lo, hi;
	dwc_i m;

	dwc_splat(&lo, clip ? alpha : 0.0f);
	dwc_splat(&hi, beta);
	if (!clip) {
		m = *v > lo;
		*v = (dwc_v)((dwc_i)*v & m);
		return;
	}
	m = *v < lo;
	*v = (dwc_v)(((dwc_i)lo & m) | ((dwc_i)*v & ~m));
	m = *v > hi;
	*v = (dwc_v)(((dwc_i)hi & m) | ((dwc_i)*v & ~m));
}
/* In-lane interleaves of 32- and 64-bit pairs, then 128-bit lane
 * selections (x86's unpcklps, unpcklpd, shuff32x4 patterns). */
#define DWC_LOPS(a, b) __builtin_shufflevector(a, b, 0, 16, 1, 17, 4, 20, \
	5, 21, 8, 24, 9, 25, 12, 28, 13, 29)
#define DWC_HIPS(a, b) __builtin_shufflevector(a, b, 2, 18, 3, 19, 6, 22, \
	7, 23, 10, 26, 11, 27, 14, 30, 15, 31)
#define DWC_LOPD(a, b) __builtin_shufflevector(a, b, 0, 1, 16, 17, 4, 5, \
	20, 21, 8, 9, 24, 25, 12, 13, 28, 29)
#define DWC_HIPD(a, b) __builtin_shufflevector(a, b, 2, 3, 18, 19, 6, 7, \
	22, 23, 10, 11, 26, 27, 14, 15, 30, 31)
#define DWC_Q02(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, \
	11, 16, 17, 18, 19, 24, 25, 26, 27)
#define DWC_Q13(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, \
	15, 20, 21, 22, 23, 28, 29, 30, 31)

/* r[i][j] becomes r[j][i]: 4x4 blocks inside each 128-bit lane first
 * (32-bit, then 64-bit interleaves), then the lanes (two rounds of
 * 128-bit selections). */
QCC_RT_INLINE void
dwc_transpose(dwc_v *r)
{
	dwc_v t[16];
	int32_t i;

#pragma GCC unroll 8
	for (i = 0; i < 8; i++) {
		t[2 * i] = DWC_LOPS(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = DWC_HIPS(r[2 * i], r[2 * i + 1]);
	}
#pragma GCC unroll 4
	for (i = 0; i < 4; i++) {
		r[4 * i] = DWC_LOPD(t[4 * i], t[4 * i + 2]);
		r[4 * i + 1] = DWC_HIPD(t[4 * i], t[4 * i + 2]);
		r[4 * i + 2] = DWC_LOPD(t[4 * i + 1], t[4 * i + 3]);
		r[4 * i + 3] = DWC_HIPD(t[4 * i + 1], t[4 * i + 3]);
	}
#pragma GCC unroll 4
	for (i = 0; i < 4; i++) {
		t[i] = DWC_Q02(r[i], r[i + 4]);
		t[i + 4] = DWC_Q13(r[i], r[i + 4]);
		t[i + 8] = DWC_Q02(r[i + 8], r[i + 12]);
		t[i + 12] = DWC_Q13(r[i + 8], r[i + 12]);
	}
#pragma GCC unroll 8
	for (i = 0; i < 8; i++) {
		r[i] = DWC_Q02(t[i], t[i + 8]);
		r[i + 8] = DWC_Q13(t[i], t[i + 8]);
	}
}

/* conv_dw_band.c: the band buffers. */
QCC_RT_API QCC_RT_UNUSED int32_t qcc_rt_dwc_table(const struct dwc_geom *g,
	int32_t oy0, int32_t nr, int32_t *restrict tab, int32_t *ya);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_dwc_fill(const struct dwc_geom *g,
	const float *restrict x, ptrdiff_t xplane, int32_t nc,
	dwc_v *restrict buf, int32_t oy0, int32_t nr, int32_t keep,
	const int32_t *restrict tab, int32_t ntab, int32_t ya);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_dwc_move_rows(const struct dwc_geom *g,
	dwc_v *restrict buf, int32_t from, int32_t n);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_dwc_fill_blocked(
	const struct dwc_geom *g, const float *restrict xb,
	dwc_v *restrict buf, int32_t oy0, int32_t nr);
QCC_RT_API QCC_RT_UNUSED void qcc_rt_dwc_out(const dwc_v *restrict o,
	float *restrict y, const float *restrict res, ptrdiff_t yplane,
	int32_t nc, ptrdiff_t p0, int32_t np, int32_t act, float alpha,
	float beta);
#endif

#endif
