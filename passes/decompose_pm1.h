/* decompose_pm1.h -- the arithmetic of the {-1,+1} decomposition
 * (papers.md seed 2, sections 2.1, 2.2 and 2.6), shared by the
 * decompose-pm1 pass, the interpreter (ir/eval_pm1.c restates the kernel
 * sum) and the tests.
 *
 * Activations: an unsigned M-bit code u in [0, L], L = 2^M - 1, with bits
 * b_i (u = sum_i 2^i b_i).  With c_i = 2 b_i - 1 in {-1, +1}:
 *     u = (L + sum_i 2^i c_i) / 2                                    (A)
 * so the planes of u are just its binary digits (no sign function), and
 * the zero point stays where quantize put it: any affine grid works.
 *
 * Weights: K-bit odd codes w in {-(2^K - 1), ..., -1, 1, ..., 2^K - 1}
 * (quantize's pm1 grid; zero is not a code).  With v = (w + W) / 2 in
 * [0, W], W = 2^K - 1, bits e_j, and d_j = 2 e_j - 1:
 *     w = sum_j 2^j d_j = 2 v - W                                     (B)
 *
 * A binary dot product of length N over planes packed as bits (1 for
 * +1, 0 for -1):
 *     sum_n c_n d_n = N - 2 popcount(C XOR D)                         (C)
 * (bits that agree give +1, bits that differ -1).
 *
 * Putting (A), (B), (C) together over the N taps of one output:
 *     sum_n u_n w_n = (L sum_n w_n + sum_ij 2^(i+j) sum_n c_in d_jn) / 2
 *                   = (L sum w + N L W) / 2 - sum_ij 2^(i+j) P_ij
 *                   = L sum_n v_n - sum_ij 2^(i+j) P_ij                (D)
 * with P_ij = popcount(C_i XOR D_j), using sum_ij 2^(i+j) = L W and
 * sum w + N W = 2 sum v.  Every term but the popcounts is a per-output-
 * channel constant, so after fold-shift (whose bias already holds
 * -z_x sum w) the pm1 bias is
 *     bias_pm1[o] = bias[o] + L * sum_n v_n[o]                        (E)
 * and the kernel computes acc = bias_pm1[o] - sum_ij 2^(i+j) P_ij, the
 * same integer the k-bit by m-bit convolution computes, bit for bit.
 * Taps in the zero padding read the planes of z_x (the code of real 0),
 * exactly as the integer convolution reads z_x there.  Packing pads each
 * row of channels to whole 32-bit words with 0 bits in both operands, so
 * padded bits agree and add nothing to P_ij.
 */
#ifndef QCC_DECOMPOSE_PM1_H
#define QCC_DECOMPOSE_PM1_H

#include <stdint.h>

enum { PM1_WORD = 32 };

static inline int32_t
pm1_words(int64_t channels)
{
	return (int32_t)((channels + PM1_WORD - 1) / PM1_WORD);
}

/* The number of bits K with 2^K - 1 >= m (m >= 1). */
static inline int
pm1_bits_for(int32_t m)
{
	int k = 1;

	while ((1 << k) - 1 < m)
		k++;
	return k;
}

/* popcount of a 32-bit word, the same SWAR steps as runtime/kernels/pm1.c */
static inline int32_t
pm1_popcount(uint32_t v)
{
	v = v - ((v >> 1) & 0x55555555u);
	v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
	v = (v + (v >> 4)) & 0x0f0f0f0fu;
	return (int32_t)((v * 0x01010101u) >> 24);
}

#endif
