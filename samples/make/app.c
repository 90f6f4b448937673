/* app.c -- the sample program: runs the model compiled by qcc on a fixed
 * input and prints its five class probabilities, one per line. */
#include <stdio.h>
#include <stdlib.h>

#include "input.h"
#include "tiny.h"

int
main(void)
{
	static float in[TINY_INPUT0_SIZE], out[TINY_OUTPUT0_SIZE];
	const void *inputs[] = {in};
	void *outputs[] = {out};
	void *scratch = aligned_alloc(64, (TINY_SCRATCH_SIZE + 63) / 64 * 64);

	if (!scratch)
		return 1;
	input_fill(in, TINY_INPUT0_SIZE);
	if (tiny_run(inputs, outputs, scratch) != 0) {
		fprintf(stderr, "tiny_run failed\n");
		return 1;
	}
	for (int i = 0; i < TINY_OUTPUT0_SIZE; i++)
		printf("%.4f\n", out[i]);
	free(scratch);
	return 0;
}
