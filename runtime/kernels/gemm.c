/* gemm.c -- matrix products: ONNX Gemm (transposes, alpha, beta, a
 * broadcast C) and batched MatMul with broadcast batch axes.
 *
 * Two inner shapes, chosen by where B's rows run:
 *   - B is [k,n] (no trans_b): blocks of GEMM_MB rows of y times up to
 *     GEMM_RUN columns; four reduction steps at a time are one loop over
 *     the columns,
 *         y_i[j] = (((y_i[j] + A[i,p] B[p,j]) + A[i,p+1] B[p+1,j]) + ...)
 *     over contiguous rows of B, so one B load feeds GEMM_MB multiply-adds
 *     and LLVM's loop vectorizer makes it full-width vector code.  The
 *     sums run in p order, as a plain loop would.
 *   - B is [n,k] (trans_b, the usual fully connected layer) and A is
 *     [m,k]: each y[i,j] is a dot product of two contiguous rows, summed in
 *     16 interleaved partial sums (one 16-float vector: a GNU C vector
 *     where the compiler has them, else an array with the same sums) for 4
 *     rows of B at once, then a fixed pairwise sum of the lanes and the
 *     tail.  With one row of A (batch 1) this streams the weights once, as
 *     four contiguous rows at a time.
 * Both transposed is rare and runs as plain loops.
 * The epilogue then applies alpha, beta * C (C broadcast through strides)
 * and the activation, a row at a time.
 */
#include "../qcc_rt.h"

enum { GEMM_MB = 4, GEMM_RUN = 256, GEMM_NB = 4, GEMM_LANES = 16 };

struct gemm_epi {
	const float *c;        /* NULL: no C term */
	ptrdiff_t c_rs, c_cs;
	float alpha, beta;
	int32_t act;
	float act_alpha, act_beta;
};

/* Four rows of B into four rows of y: y_i[j] gets a[i*4 + t] * b_t[j] for
 * t = 0..3 in order. */
QCC_RT_INLINE void
gemm_axpy44(float *restrict y0, float *restrict y1, float *restrict y2,
            float *restrict y3, const float *restrict b0,
            const float *restrict b1, const float *restrict b2,
            const float *restrict b3, const float *a, int32_t n)
{
	float a00 = a[0], a01 = a[1], a02 = a[2], a03 = a[3];
	float a10 = a[4], a11 = a[5], a12 = a[6], a13 = a[7];
	float a20 = a[8], a21 = a[9], a22 = a[10], a23 = a[11];
	float a30 = a[12], a31 = a[13], a32 = a[14], a33 = a[15];
	int32_t j;

	for (j = 0; j < n; j++) {
		float u = b0[j], v = b1[j], w = b2[j], x = b3[j];

		y0[j] = (((y0[j] + a00 * u) + a01 * v) + a02 * w) + a03 * x;
		y1[j] = (((y1[j] + a10 * u) + a11 * v) + a12 * w) + a13 * x;
		y2[j] = (((y2[j] + a20 * u) + a21 * v) + a22 * w) + a23 * x;
		y3[j] = (((y3[j] + a30 * u) + a31 * v) + a32 * w) + a33 * x;
	}
}

/* Four rows of B into one row of y. */
QCC_RT_INLINE void
gemm_axpy14(float *restrict y0, const float *restrict b0,
            const float *restrict b1, const float *restrict b2,
            const float *restrict b3, const float *a, int32_t n)
{
	float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	int32_t j;

	for (j = 0; j < n; j++)
		y0[j] = (((y0[j] + a0 * b0[j]) + a1 * b1[j]) + a2 * b2[j]) +
		        a3 * b3[j];
}

/* One row of B into one row of y. */
QCC_RT_INLINE void
gemm_axpy11(float *restrict y0, const float *restrict b0, float a0,
            int32_t n)
{
	int32_t j;

	for (j = 0; j < n; j++)
		y0[j] = y0[j] + a0 * b0[j];
}

/* The epilogue over y[i, j0 .. j0+n). */
QCC_RT_INLINE void
gemm_finish_row(const struct gemm_epi *e, float *restrict y, int32_t i,
                int32_t j0, int32_t n)
{
	int32_t j;

	if (e->alpha != 1.0f)
		for (j = 0; j < n; j++)
			y[j] = e->alpha * y[j];
	if (e->c) {
		const float *c = e->c + (ptrdiff_t)i * e->c_rs;

		if (e->c_cs == 0)
			for (j = 0; j < n; j++)
				y[j] = y[j] + e->beta * c[0];
		else
			for (j = 0; j < n; j++)
				y[j] = y[j] + e->beta * c[(ptrdiff_t)(j0 + j) * e->c_cs];
	}
	if (e->act != QCC_ACT_NONE)
		qcc_rt_act_f32(y, y, n, e->act, e->act_alpha, e->act_beta);
}

/* Rows i0 .. i0+mb (mb is GEMM_MB or 1), columns j0 .. j0+n of y = A B,
 * A[i,p] at a[i*ars + p*acs], B[p,j] at b[p*ldb + j]; the sums run in p
 * order. */
QCC_RT_INLINE void
gemm_nn_block(const float *restrict a, ptrdiff_t ars, ptrdiff_t acs,
              const float *restrict b, ptrdiff_t ldb, float *restrict y,
              ptrdiff_t ldy, int32_t k, int32_t i0, int32_t j0, int32_t mb,
              int32_t n, const struct gemm_epi *e)
{
	float aq[GEMM_MB * 4];
	float *yr[GEMM_MB];
	int32_t i, j, p, t;

	for (i = 0; i < mb; i++) {
		yr[i] = y + (ptrdiff_t)(i0 + i) * ldy + j0;
		for (j = 0; j < n; j++)
			yr[i][j] = 0.0f;
	}
	for (p = 0; p + 4 <= k; p += 4) {
		const float *br = b + (ptrdiff_t)p * ldb + j0;

		for (i = 0; i < mb; i++)
			for (t = 0; t < 4; t++)
				aq[i * 4 + t] =
				    a[(ptrdiff_t)(i0 + i) * ars + (ptrdiff_t)(p + t) * acs];
		if (mb == GEMM_MB)
			gemm_axpy44(yr[0], yr[1], yr[2], yr[3], br, br + ldb,
			            br + 2 * ldb, br + 3 * ldb, aq, n);
		else
			gemm_axpy14(yr[0], br, br + ldb, br + 2 * ldb, br + 3 * ldb, aq,
			            n);
	}
	for (; p < k; p++)
		for (i = 0; i < mb; i++)
			gemm_axpy11(yr[i], b + (ptrdiff_t)p * ldb + j0,
			            a[(ptrdiff_t)(i0 + i) * ars + (ptrdiff_t)p * acs], n);
	for (i = 0; i < mb; i++)
		gemm_finish_row(e, yr[i], i0 + i, j0, n);
}

QCC_RT_INLINE void
gemm_nn(const float *restrict a, ptrdiff_t ars, ptrdiff_t acs,
        const float *restrict b, float *restrict y, int32_t m, int32_t n,
        int32_t k, const struct gemm_epi *e)
{
	int32_t i, j, nj;

	for (j = 0; j < n; j += nj) {
		nj = n - j < GEMM_RUN ? n - j : GEMM_RUN;
		for (i = 0; i + GEMM_MB <= m; i += GEMM_MB)
			gemm_nn_block(a, ars, acs, b, n, y, n, k, i, j, GEMM_MB, nj, e);
		for (; i < m; i++)
			gemm_nn_block(a, ars, acs, b, n, y, n, k, i, j, 1, nj, e);
	}
}

#if defined(__GNUC__) || defined(__clang__)
typedef float gemm_v16 __attribute__((vector_size(64), aligned(4)));

QCC_RT_INLINE void
gemm_vzero(gemm_v16 *d)
{
	gemm_v16 z = {0};

	*d = z;
}

/* acc += x * b, lane by lane */
QCC_RT_INLINE void
gemm_vfma(gemm_v16 *acc, const float *x, const float *b)
{
	*acc = *acc + *(const gemm_v16 *)x * *(const gemm_v16 *)b;
}

QCC_RT_INLINE void
gemm_vstore(float *p, const gemm_v16 *v)
{
	*(gemm_v16 *)p = *v;
}
#else
typedef struct {
	float f[GEMM_LANES];
} gemm_v16;

QCC_RT_INLINE void
gemm_vzero(gemm_v16 *d)
{
	int32_t l;

	for (l = 0; l < GEMM_LANES; l++)
		d->f[l] = 0.0f;
}

QCC_RT_INLINE void
gemm_vfma(gemm_v16 *acc, const float *x, const float *b)
{
	int32_t l;

	for (l = 0; l < GEMM_LANES; l++)
		acc->f[l] += x[l] * b[l];
}

QCC_RT_INLINE void
gemm_vstore(float *p, const gemm_v16 *v)
{
	int32_t l;

	for (l = 0; l < GEMM_LANES; l++)
		p[l] = v->f[l];
}
#endif

/* y[i, j0 .. j0+nb) as dot products of row i of A ([m,k]) with rows of B
 * ([n,k]). */
QCC_RT_INLINE void
gemm_nt_tile(const float *restrict a, const float *restrict b,
             float *restrict y, int32_t n, int32_t k, int32_t i, int32_t j0,
             int32_t nb)
{
	gemm_v16 acc[GEMM_NB];
	float q[GEMM_LANES];
	const float *ar = a + (ptrdiff_t)i * k;
	const float *br = b + (ptrdiff_t)j0 * k;
	int32_t jj, p;

#pragma GCC unroll 4
	for (jj = 0; jj < nb; jj++)
		gemm_vzero(&acc[jj]);
	for (p = 0; p + GEMM_LANES <= k; p += GEMM_LANES)
#pragma GCC unroll 4
		for (jj = 0; jj < nb; jj++)
			gemm_vfma(&acc[jj], ar + p, br + (ptrdiff_t)jj * k + p);
#pragma GCC unroll 4
	for (jj = 0; jj < nb; jj++) {
		const float *bj = br + (ptrdiff_t)jj * k;
		float s;
		int32_t t;

		gemm_vstore(q, &acc[jj]);
		s = (((q[0] + q[1]) + (q[2] + q[3])) +
		     ((q[4] + q[5]) + (q[6] + q[7]))) +
		    (((q[8] + q[9]) + (q[10] + q[11])) +
		     ((q[12] + q[13]) + (q[14] + q[15])));
		for (t = p; t < k; t++)
			s += ar[t] * bj[t];
		y[(ptrdiff_t)i * n + j0 + jj] = s;
	}
}

QCC_RT_INLINE void
gemm_nt(const float *restrict a, const float *restrict b, float *restrict y,
        int32_t m, int32_t n, int32_t k, const struct gemm_epi *e)
{
	int32_t i, j;

	for (i = 0; i < m; i++) {
		for (j = 0; j + GEMM_NB <= n; j += GEMM_NB)
			gemm_nt_tile(a, b, y, n, k, i, j, GEMM_NB);
		for (; j < n; j++)
			gemm_nt_tile(a, b, y, n, k, i, j, 1);
		gemm_finish_row(e, y + (ptrdiff_t)i * n, i, 0, n);
	}
}

/* A [k,m] and B [n,k]. */
QCC_RT_INLINE void
gemm_tt(const float *restrict a, const float *restrict b, float *restrict y,
        int32_t m, int32_t n, int32_t k, const struct gemm_epi *e)
{
	int32_t i, j, p;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			float s = 0.0f;

			for (p = 0; p < k; p++)
				s += a[(ptrdiff_t)p * m + i] * b[(ptrdiff_t)j * k + p];
			y[(ptrdiff_t)i * n + j] = s;
		}
	for (i = 0; i < m; i++)
		gemm_finish_row(e, y + (ptrdiff_t)i * n, i, 0, n);
}

QCC_RT_API void
qcc_rt_gemm_f32(const float *restrict a, const float *restrict b,
                const float *restrict c, float *restrict y, int32_t m,
                int32_t n, int32_t k, int32_t trans_a, int32_t trans_b,
                float alpha, float beta, int32_t c_rs, int32_t c_cs,
                int32_t act, float act_alpha, float act_beta)
{
	struct gemm_epi e;

	e.c = c;
	e.c_rs = c_rs;
	e.c_cs = c_cs;
	e.alpha = alpha;
	e.beta = beta;
	e.act = act;
	e.act_alpha = act_alpha;
	e.act_beta = act_beta;
	if (!trans_b)
		gemm_nn(a, trans_a ? 1 : k, trans_a ? m : 1, b, y, m, n, k, &e);
	else if (!trans_a)
		gemm_nt(a, b, y, m, n, k, &e);
	else
		gemm_tt(a, b, y, m, n, k, &e);
}

QCC_RT_API void
qcc_rt_matmul_f32(const float *restrict a, const float *restrict b,
                  float *restrict y, int32_t m, int32_t n, int32_t k,
                  int32_t brank, const int32_t *bdims, const int32_t *astr,
                  const int32_t *bstr, int32_t act, float alpha, float beta)
{
	struct gemm_epi e;
	int32_t idx[6] = {0, 0, 0, 0, 0, 0};
	ptrdiff_t ao = 0, bo = 0, yo = 0, ysz = (ptrdiff_t)m * n;
	int32_t d;

	e.c = NULL;
	e.c_rs = e.c_cs = 0;
	e.alpha = 1.0f;
	e.beta = 0.0f;
	e.act = act;
	e.act_alpha = alpha;
	e.act_beta = beta;
	for (d = 0; d < brank; d++)
		if (bdims[d] <= 0)
			return;
	for (;;) {
		gemm_nn(a + ao, k, 1, b + bo, y + yo, m, n, k, &e);
		yo += ysz;
		for (d = brank - 1; d >= 0; d--) {
			ao += astr[d];
			bo += bstr[d];
			if (++idx[d] < bdims[d])
				break;
			ao -= (ptrdiff_t)astr[d] * bdims[d];
			bo -= (ptrdiff_t)bstr[d] * bdims[d];
			idx[d] = 0;
		}
		if (d < 0)
			return;
	}
}
