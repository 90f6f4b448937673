/* test_copy.c -- qcc_rt_copy_f32 and qcc_rt_concat_f32. */
#include "rt_test.h"

Test(copy, copies_every_element)
{
	float *x = rt_rand(1001, 61), *y = rt_zeros(1001);

	qcc_rt_copy_f32(x, y, 1001);
	rt_assert_same(y, x, 1001);
}

Test(copy, concat_places_each_input_in_its_slice)
{
	/* Concat [2,3,4] and [2,5,4] along axis 1 into [2,8,4]. */
	float *a = rt_rand(24, 62), *b = rt_rand(40, 63), *y = rt_zeros(64);
	float want[64];

	qcc_rt_concat_f32(a, y, 2, 12, 32);
	qcc_rt_concat_f32(b, y + 12, 2, 20, 32);
	for (int n = 0; n < 2; n++)
		for (int c = 0; c < 8; c++)
			for (int i = 0; i < 4; i++)
				want[(n * 8 + c) * 4 + i] =
				    c < 3 ? a[(n * 3 + c) * 4 + i]
				          : b[(n * 5 + c - 3) * 4 + i];
	rt_assert_same(y, want, 64);
}
