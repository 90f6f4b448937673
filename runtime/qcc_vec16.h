/* qcc_vec16.h -- sixteen floats, the unit of the float kernels' register
 * tiles (conv_gemm.c, conv_stem.c, conv_winograd.c): a GNU C vector where
 * the compiler has them (one 512-bit register, two 256-bit or four 128-bit
 * ones), else an array.  Either way each lane computes what the scalar
 * expression would, so a kernel's results do not depend on which.
 *
 * The C backend pastes this file once, after qcc_rt.h and qcc_rt_q8.h and
 * before the kernels (backends/CMakeLists.txt lists it, backends/c/cgen.c
 * drops the kernels' include of it). */
#ifndef QCC_VEC16_H
#define QCC_VEC16_H

#if defined(__GNUC__) || defined(__clang__)
typedef float qv16 __attribute__((vector_size(64), aligned(4)));
typedef int32_t qi16 __attribute__((vector_size(64), aligned(4)));

QCC_RT_INLINE void
qv_load(qv16 *d, const float *p)
{
	*d = *(const qv16 *)p;
}

QCC_RT_INLINE void
qv_store(float *p, const qv16 *v)
{
	*(qv16 *)p = *v;
}

QCC_RT_INLINE void
qv_splat(qv16 *d, float s)
{
	qv16 z = {0};

	*d = z + s;
}

/* acc += w * b */
QCC_RT_INLINE void
qv_fma(qv16 *acc, float w, const qv16 *b)
{
	*acc = *acc + w * *b;
}

QCC_RT_INLINE void
qv_add(qv16 *a, const qv16 *b)
{
	*a = *a + *b;
}

/* A hint that p will be read soon (no effect on results). */
QCC_RT_INLINE void
qv_prefetch(const float *p)
{
	__builtin_prefetch(p, 0, 3);
}

/* v = v < lo ? lo : v, then if clip v = v > hi ? hi : v, lane by lane */
QCC_RT_INLINE void
qv_clamp(qv16 *v, const qv16 *lo, const qv16 *hi, int32_t clip)
{
	qi16 m = *v < *lo;

	*v = (qv16)(((qi16)*lo & m) | ((qi16)*v & ~m));
	if (clip) {
		m = *v > *hi;
		*v = (qv16)(((qi16)*hi & m) | ((qi16)*v & ~m));
	}
}
#else
typedef struct {
	float f[16];
} qv16;

QCC_RT_INLINE void
qv_load(qv16 *d, const float *p)
{
	int32_t i;

	for (i = 0; i < 16; i++)
		d->f[i] = p[i];
}

QCC_RT_INLINE void
qv_store(float *p, const qv16 *v)
{
	int32_t i;

	for (i = 0; i < 16; i++)
		p[i] = v->f[i];
}

QCC_RT_INLINE void
qv_splat(qv16 *d, float s)
{
	int32_t i;

	for (i = 0; i < 16; i++)
		d->f[i] = s;
}

QCC_RT_INLINE void
qv_fma(qv16 *acc, float w, const qv16 *b)
{
	int32_t i;

	for (i = 0; i < 16; i++)
		acc->f[i] += w * b->f[i];
}

QCC_RT_INLINE void
qv_add(qv16 *a, const qv16 *b)
{
	int32_t i;

	for (i = 0; i < 16; i++)
		a->f[i] = a->f[i] + b->f[i];
}

QCC_RT_INLINE void
qv_prefetch(const float *p)
{
	(void)p;
}

QCC_RT_INLINE void
qv_clamp(qv16 *v, const qv16 *lo, const qv16 *hi, int32_t clip)
{
	int32_t i;

	for (i = 0; i < 16; i++) {
		float t = v->f[i] < lo->f[i] ? lo->f[i] : v->f[i];

		v->f[i] = clip && t > hi->f[i] ? hi->f[i] : t;
	}
}
#endif

/* The register tile of rows x nv vectors (rows <= 12, nv <= 4; both
 * constants at each call, for the unrolling) of a product summed over c:
 *     mt[r*16nv + l] = sum over ci of v[ci*cs + r*rs] * u[ci*16nv + l]
 * in the order of ci (conv_winograd.c and conv_wino4.c's products). */
QCC_RT_INLINE void
qv_tile_dot(const float *u, const float *v, ptrdiff_t cs, ptrdiff_t rs,
            int32_t c, float *mt, int32_t rows, int32_t nv)
{
	qv16 acc[12][4], w[4];
	int32_t ci, r, k, pw = 16 * nv;

#pragma GCC unroll 12
	for (r = 0; r < rows; r++)
#pragma GCC unroll 4
		for (k = 0; k < nv; k++)
			qv_splat(&acc[r][k], 0.0f);
	for (ci = 0; ci < c; ci++) {
		const float *vc = v + ci * cs;

#pragma GCC unroll 4
		for (k = 0; k < nv; k++)
			qv_load(&w[k], u + (ptrdiff_t)ci * pw + 16 * k);
#pragma GCC unroll 12
		for (r = 0; r < rows; r++) {
			float s = vc[r * rs];

#pragma GCC unroll 4
			for (k = 0; k < nv; k++)
				qv_fma(&acc[r][k], s, &w[k]);
		}
	}
#pragma GCC unroll 12
	for (r = 0; r < rows; r++)
#pragma GCC unroll 4
		for (k = 0; k < nv; k++)
			qv_store(mt + r * pw + 16 * k, &acc[r][k]);
}

#endif
