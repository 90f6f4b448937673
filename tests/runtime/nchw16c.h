/* nchw16c.h -- the channel-blocked layout of qcc_rt.h ("channel-blocked
 * tensors") for tests and benchmarks: a copy of a tensor re-laid between
 * NCHW and NCHW16c, to check a kernel's blocked layouts against its NCHW
 * call (test_conv_pw.c, conv_pw_isa.c, tests/bench/kbench.c). */
#ifndef QCC_TEST_NCHW16C_H
#define QCC_TEST_NCHW16C_H

#include <stdint.h>
#include <stdlib.h>

/* v (nb images of c channels of hw pixels, c a multiple of 16) re-laid
 * from NCHW to NCHW16c (to_blocked), or back; a new buffer (malloc), NULL
 * if none. */
static float *
nchw16c_relayout(const float *v, int nb, int c, int64_t hw, int to_blocked)
{
	size_t n = (size_t)nb * c * hw;
	float *b = malloc((n ? n : 1) * sizeof *b);

	for (int i = 0; b && i < nb; i++)
		for (int ch = 0; ch < c; ch++)
			for (int64_t p = 0; p < hw; p++) {
				size_t f = ((size_t)i * c + ch) * hw + p;
				size_t k = (((size_t)i * c / 16 + ch / 16) * hw + p) * 16 +
				           ch % 16;

				if (to_blocked)
					b[k] = v[f];
				else
					b[f] = v[k];
			}
	return b;
}

#endif
