/* top1.c -- top-1 accuracy of two compiled classifiers on the same images:
 * ref.h/ref.o (-name=ref, e.g. FP32) and cand.h/cand.o (-name=cand, e.g.
 * INT8 with -per-tensor), both with one float input and one float output.
 *
 *     top1 IMAGES.bin LABELS.bin N MAXDROP
 *
 * IMAGES.bin: N inputs as float32; LABELS.bin: N bytes.  Prints both
 * accuracies; exit 1 if the candidate's is more than MAXDROP (a fraction)
 * below the reference's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cand.h"
#include "ref.h"

_Static_assert(REF_INPUT0_SIZE == CAND_INPUT0_SIZE, "same input");
_Static_assert(REF_OUTPUT0_SIZE == CAND_OUTPUT0_SIZE, "same output");
_Static_assert(CAND_INPUT0_BYTES == 4 * CAND_INPUT0_SIZE, "float input");
_Static_assert(CAND_OUTPUT0_BYTES == 4 * CAND_OUTPUT0_SIZE, "float output");

static int
argmax(const float *y, int n)
{
	int b = 0;

	for (int i = 1; i < n; i++)
		if (y[i] > y[b])
			b = i;
	return b;
}

int
main(int argc, char **argv)
{
	static float x[REF_INPUT0_SIZE], y[REF_OUTPUT0_SIZE];
	void *s1 = aligned_alloc(64, (REF_SCRATCH_SIZE + 63) / 64 * 64);
	void *s2 = aligned_alloc(64, (CAND_SCRATCH_SIZE + 63) / 64 * 64);
	FILE *fi, *fl;
	long n, ok_ref = 0, ok_cand = 0;
	double drop;

	if (argc != 5 || !(fi = fopen(argv[1], "rb")) ||
	    !(fl = fopen(argv[2], "rb")) || !s1 || !s2) {
		fprintf(stderr, "usage: top1 IMAGES.bin LABELS.bin N MAXDROP\n");
		return 2;
	}
	n = atol(argv[3]);
	drop = atof(argv[4]);
	for (long k = 0; k < n; k++) {
		const void *in[1] = {x};
		void *out[1] = {y};
		int label = getc(fl);
		if (fread(x, sizeof x, 1, fi) != 1 || label == EOF) {
			fprintf(stderr, "top1: fewer than %ld samples\n", n);
			return 2;
		}
		if (ref_run(in, out, s1))
			return 1;
		ok_ref += argmax(y, REF_OUTPUT0_SIZE) == label;
		if (cand_run(in, out, s2))
			return 1;
		ok_cand += argmax(y, CAND_OUTPUT0_SIZE) == label;
	}
	printf("top1: %ld images, reference %.4f, candidate %.4f\n", n,
	       (double)ok_ref / n, (double)ok_cand / n);
	return (double)(ok_ref - ok_cand) / n <= drop ? 0 : 1;
}
