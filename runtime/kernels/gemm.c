/* gemm.c -- matrix products: ONNX Gemm (transposes, alpha, beta, a
 * broadcast C) and batched MatMul with broadcast batch axes.
 *
 * Two inner shapes, chosen by where B's rows run:
 *   - B is [k,n] (no trans_b): register tiles of GEMM_MB rows of y times
 *     up to GEMM_TW columns; each reduction step p is an axpy
 *         acc[i][0..tw) += A[i0+i, p] * B[p, j0 .. j0+tw)
 *     over a contiguous row of B, so one B load feeds GEMM_MB
 *     multiply-adds.  The sum runs in p order, as a plain loop would.
 *   - B is [n,k] (trans_b, the usual fully connected layer) and A is
 *     [m,k]: each y[i,j] is a dot product of two contiguous rows, summed in
 *     8 interleaved partial sums (so it vectorizes without reassociation
 *     flags) for 4 rows of B at once, then a fixed pairwise sum of the
 *     lanes and the tail.
 * Both transposed is rare and runs as plain loops.
 * The epilogue applies alpha, beta * C (C broadcast through strides) and
 * the activation as each result is stored.
 */
#include "../qcc_rt.h"

enum { GEMM_MB = 4, GEMM_TW = 16, GEMM_NB = 4, GEMM_LANES = 8 };

struct gemm_epi {
	const float *c;        /* NULL: no C term */
	ptrdiff_t c_rs, c_cs;
	float alpha, beta;
	int32_t act;
	float act_alpha, act_beta;
};

static inline float
gemm_finish(const struct gemm_epi *e, float acc, int32_t i, int32_t j)
{
	float v = e->alpha * acc;

	if (e->c)
		v += e->beta * e->c[(ptrdiff_t)i * e->c_rs + (ptrdiff_t)j * e->c_cs];
	return qcc_rt_act1_f32(v, e->act, e->act_alpha, e->act_beta);
}

/* Rows i0 .. i0+mb, columns j0 .. j0+tw of y = A B, A[i,p] at
 * a[i*ars + p*acs], B[p,j] at b[p*ldb + j]. */
static inline void
gemm_nn_tile(const float *restrict a, ptrdiff_t ars, ptrdiff_t acs,
             const float *restrict b, ptrdiff_t ldb, float *restrict y,
             ptrdiff_t ldy, int32_t k, int32_t i0, int32_t j0, int32_t mb,
             int32_t tw, const struct gemm_epi *e)
{
	float acc[GEMM_MB][GEMM_TW];
	float av[GEMM_MB];
	int32_t i, l, p;

	for (i = 0; i < mb; i++)
		for (l = 0; l < tw; l++)
			acc[i][l] = 0.0f;
	for (p = 0; p < k; p++) {
		const float *br = b + (ptrdiff_t)p * ldb + j0;

		for (i = 0; i < mb; i++)
			av[i] = a[(ptrdiff_t)(i0 + i) * ars + (ptrdiff_t)p * acs];
		for (l = 0; l < tw; l++) {
			float bv = br[l];

			for (i = 0; i < mb; i++)
				acc[i][l] += av[i] * bv;
		}
	}
	for (i = 0; i < mb; i++)
		for (l = 0; l < tw; l++)
			y[(ptrdiff_t)(i0 + i) * ldy + j0 + l] =
			    gemm_finish(e, acc[i][l], i0 + i, j0 + l);
}

/* Every row block at one column tile. */
static inline void
gemm_nn_cols(const float *restrict a, ptrdiff_t ars, ptrdiff_t acs,
             const float *restrict b, ptrdiff_t ldb, float *restrict y,
             ptrdiff_t ldy, int32_t m, int32_t k, int32_t j0, int32_t tw,
             const struct gemm_epi *e)
{
	int32_t i;

	for (i = 0; i + GEMM_MB <= m; i += GEMM_MB)
		gemm_nn_tile(a, ars, acs, b, ldb, y, ldy, k, i, j0, GEMM_MB, tw, e);
	for (; i < m; i++)
		gemm_nn_tile(a, ars, acs, b, ldb, y, ldy, k, i, j0, 1, tw, e);
}

static inline void
gemm_nn(const float *restrict a, ptrdiff_t ars, ptrdiff_t acs,
        const float *restrict b, float *restrict y, int32_t m, int32_t n,
        int32_t k, const struct gemm_epi *e)
{
	int32_t j = 0;

	for (; j + GEMM_TW <= n; j += GEMM_TW)
		gemm_nn_cols(a, ars, acs, b, n, y, n, m, k, j, GEMM_TW, e);
	if (j + 8 <= n) {
		gemm_nn_cols(a, ars, acs, b, n, y, n, m, k, j, 8, e);
		j += 8;
	}
	if (j + 4 <= n) {
		gemm_nn_cols(a, ars, acs, b, n, y, n, m, k, j, 4, e);
		j += 4;
	}
	for (; j < n; j++)
		gemm_nn_cols(a, ars, acs, b, n, y, n, m, k, j, 1, e);
}

/* y[i, j0 .. j0+nb) as dot products of row i of A ([m,k]) with rows of B
 * ([n,k]). */
static inline void
gemm_nt_tile(const float *restrict a, const float *restrict b,
             float *restrict y, int32_t n, int32_t k, int32_t i, int32_t j0,
             int32_t nb, const struct gemm_epi *e)
{
	float acc[GEMM_NB][GEMM_LANES];
	const float *ar = a + (ptrdiff_t)i * k;
	int32_t jj, l, p;

	for (jj = 0; jj < nb; jj++)
		for (l = 0; l < GEMM_LANES; l++)
			acc[jj][l] = 0.0f;
	for (p = 0; p + GEMM_LANES <= k; p += GEMM_LANES)
		for (jj = 0; jj < nb; jj++) {
			const float *br = b + (ptrdiff_t)(j0 + jj) * k + p;

			for (l = 0; l < GEMM_LANES; l++)
				acc[jj][l] += ar[p + l] * br[l];
		}
	for (jj = 0; jj < nb; jj++) {
		const float *br = b + (ptrdiff_t)(j0 + jj) * k;
		float *q = acc[jj];
		float s = ((q[0] + q[1]) + (q[2] + q[3])) +
		          ((q[4] + q[5]) + (q[6] + q[7]));
		int32_t t;

		for (t = p; t < k; t++)
			s += ar[t] * br[t];
		y[(ptrdiff_t)i * n + j0 + jj] = gemm_finish(e, s, i, j0 + jj);
	}
}

static inline void
gemm_nt(const float *restrict a, const float *restrict b, float *restrict y,
        int32_t m, int32_t n, int32_t k, const struct gemm_epi *e)
{
	int32_t i, j;

	for (i = 0; i < m; i++) {
		for (j = 0; j + GEMM_NB <= n; j += GEMM_NB)
			gemm_nt_tile(a, b, y, n, k, i, j, GEMM_NB, e);
		for (; j < n; j++)
			gemm_nt_tile(a, b, y, n, k, i, j, 1, e);
	}
}

/* A [k,m] and B [n,k]. */
static inline void
gemm_tt(const float *restrict a, const float *restrict b, float *restrict y,
        int32_t m, int32_t n, int32_t k, const struct gemm_epi *e)
{
	int32_t i, j, p;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			float s = 0.0f;

			for (p = 0; p < k; p++)
				s += a[(ptrdiff_t)p * m + i] * b[(ptrdiff_t)j * k + p];
			y[(ptrdiff_t)i * n + j] = gemm_finish(e, s, i, j);
		}
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
