/* qrow.c -- the rescale rule of qelt.c over a row of int32 sums that share
 * one multiplier and shift, written so it vectorizes in 32-bit lanes.
 *
 * The rule is r = (acc * mult + 2^(shift-1)) >> shift in 64 bits.  For
 * shift >= 32 (every rescale below 1/2: mult < 2^31 is a Q31 fraction)
 * it is computed from T = (acc * mult) >> 31, which fits int32 because
 * |acc * mult| < 2^62: with k = shift - 31 >= 1 and acc * mult =
 * T * 2^31 + L, 0 <= L < 2^31, adding 2^(shift-1) (a multiple of 2^31)
 * and dropping L do not change the floor, so
 *     r = floor((T + 2^(k-1)) / 2^k) = (T >> k) + ((T >> (k-1)) & 1)
 * (arithmetic shifts floor, as everywhere in qcc; no sum can overflow).
 * The result is the rule's bit for bit; smaller shifts take the 64-bit
 * rule itself.
 */
#include "../qcc_rt.h"

QCC_RT_API void
qcc_rt_requant_row_q8(const int32_t *restrict acc, uint8_t *restrict y,
                      int32_t n, int32_t mult, int32_t shift, int32_t zy,
                      int32_t lo, int32_t hi)
{
	int32_t i;

	if (shift >= 32) {
		int32_t k = shift - 31;

		for (i = 0; i < n; i++) {
			int32_t t = (int32_t)(((int64_t)acc[i] * mult) >> 31);
			int32_t r = (t >> k) + ((t >> (k - 1)) & 1) + zy;

			r = r < lo ? lo : r;
			y[i] = (uint8_t)(r > hi ? hi : r);
		}
		return;
	}
	for (i = 0; i < n; i++)
		y[i] = (uint8_t)qcc_rt_requant1_q8(acc[i], mult, shift, zy, lo,
		                                   hi);
}
