/* input.c -- the sample's fixed input pattern.  It does not include the
 * model's header, so a new model must not recompile it (the rebuild test
 * checks that). */
#include "input.h"

void
input_fill(float *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
}
