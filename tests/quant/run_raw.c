/* run_raw.c -- runs a compiled model on raw inputs and writes raw outputs
 * (the elements in their own type, no conversion), for exact comparisons
 * of integer outputs that float32 files cannot hold (int32 accumulators
 * beyond 2^24).  Built with -include net.h, linked with net.o or net.c:
 *
 *     run_raw IN0.bin [IN1.bin ...] OUTPREFIX     writes OUTPREFIX<k>.bin
 *
 * Up to 4 inputs and 4 outputs.  Exit status 0 on success.
 */
#include <stdio.h>
#include <stdlib.h>

#ifndef NET_NUM_INPUTS
#error "compile with -include net.h"
#endif

static const long in_bytes[] = {
	NET_INPUT0_BYTES,
#if NET_NUM_INPUTS > 1
	NET_INPUT1_BYTES,
#endif
#if NET_NUM_INPUTS > 2
	NET_INPUT2_BYTES,
#endif
#if NET_NUM_INPUTS > 3
	NET_INPUT3_BYTES,
#endif
};
static const long out_bytes[] = {
	NET_OUTPUT0_BYTES,
#if NET_NUM_OUTPUTS > 1
	NET_OUTPUT1_BYTES,
#endif
#if NET_NUM_OUTPUTS > 2
	NET_OUTPUT2_BYTES,
#endif
#if NET_NUM_OUTPUTS > 3
	NET_OUTPUT3_BYTES,
#endif
};

int
main(int argc, char **argv)
{
	const void *in[4];
	void *out[4], *scratch;
	char path[4096];
	int i;

	if (NET_NUM_INPUTS > 4 || NET_NUM_OUTPUTS > 4 ||
	    argc != NET_NUM_INPUTS + 2) {
		fprintf(stderr, "usage: run_raw IN... OUTPREFIX\n");
		return 2;
	}
	for (i = 0; i < NET_NUM_INPUTS; i++) {
		void *b = malloc((size_t)in_bytes[i] + 1);
		FILE *fp = fopen(argv[1 + i], "rb");
		if (!b || !fp || fread(b, 1, (size_t)in_bytes[i], fp) !=
		                         (size_t)in_bytes[i]) {
			fprintf(stderr, "run_raw: cannot read %s\n", argv[1 + i]);
			return 1;
		}
		fclose(fp);
		in[i] = b;
	}
	for (i = 0; i < NET_NUM_OUTPUTS; i++)
		out[i] = malloc((size_t)out_bytes[i] + 1);
	scratch = aligned_alloc(64, ((size_t)NET_SCRATCH_SIZE + 63) / 64 * 64);
	if (!scratch || net_run(in, out, scratch) != 0)
		return 1;
	for (i = 0; i < NET_NUM_OUTPUTS; i++) {
		FILE *fp;
		snprintf(path, sizeof path, "%s%d.bin", argv[argc - 1], i);
		fp = fopen(path, "wb");
		if (!fp || fwrite(out[i], 1, (size_t)out_bytes[i], fp) !=
		                   (size_t)out_bytes[i] || fclose(fp)) {
			fprintf(stderr, "run_raw: cannot write %s\n", path);
			return 1;
		}
	}
	return 0;
}
