/* fbench.h -- what the float kernel benchmarks (kbench.c, wbench.c) share:
 * a monotonic clock, reproducible random floats and the packing of
 * [m][k] weights into the kernels' panels of pw output channels. */
#ifndef FBENCH_H
#define FBENCH_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static float *
randf(size_t n, uint32_t seed)
{
	float *v = malloc(n * sizeof *v + 64);

	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		v[i] = (float)(seed >> 8) / 8388608.0f - 1.0f;
	}
	return v;
}

/* [ceil(m/P)][k][P] from [m][k], as lower_conv_packed.c does. */
static float *
pack(const float *w, int m, int k, int pw)
{
	int npan = (m + pw - 1) / pw;
	float *p = calloc((size_t)npan * k * pw + 16, sizeof *p);

	for (int q = 0; q < npan; q++)
		for (int i = 0; i < k; i++)
			for (int j = 0; j < pw; j++)
				if (q * pw + j < m)
					p[((size_t)q * k + i) * pw + j] =
					    w[(size_t)(q * pw + j) * k + i];
	return p;
}

#endif
