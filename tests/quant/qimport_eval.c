/* qimport_eval.c -- the reference interpreter's answer for an imported
 * (already-quantized) model, to compare with compiled code bit for bit:
 *
 *     qimport_eval MODEL.onnx OUTPREFIX IN0.bin [IN1.bin ...]
 *
 * imports the model, runs the default pipeline (as qcc does: fold-qdq,
 * fold-shift, ...), reads each input as raw elements of its type (u8
 * codes: one byte each), runs ir_eval and writes output k's raw elements
 * (u8 codes, int32 accumulators) to OUTPREFIX<k>.bin, as run_raw.c does
 * for compiled code.  Exit status 0 on
 * success, 1 on any error (with a message).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "passes.h"

int
main(int argc, char **argv)
{
	Ctx cx;
	Graph *g;
	const void **in;
	void **out;

	if (argc < 3) {
		fprintf(stderr, "usage: qimport_eval MODEL OUTPREFIX IN...\n");
		return 1;
	}
	ctx_init(&cx);
	g = onnx_import(&cx, argv[1], &(ImportOpts){0});
	if (!g || !pipeline_default(&cx, g, 2))
		return 1;
	if ((uint32_t)(argc - 3) != g->ninputs) {
		fprintf(stderr, "qimport_eval: %u inputs expected\n", g->ninputs);
		return 1;
	}
	in = calloc(g->ninputs + 1, sizeof *in);
	out = calloc(g->noutputs + 1, sizeof *out);
	for (uint32_t i = 0; i < g->ninputs; i++) {
		size_t n = type_bytes(g->inputs[i]->type);
		void *b = calloc(n + 1, 1);
		FILE *fp = fopen(argv[3 + i], "rb");

		if (!fp || fread(b, 1, n, fp) != n) {
			fprintf(stderr, "qimport_eval: cannot read %s\n", argv[3 + i]);
			return 1;
		}
		fclose(fp);
		in[i] = b;
	}
	for (uint32_t i = 0; i < g->noutputs; i++)
		out[i] = calloc(type_bytes(g->outputs[i]->type) + 1, 1);
	if (!ir_eval(&cx, g, in, out))
		return 1;
	for (uint32_t i = 0; i < g->noutputs; i++) {
		size_t n = type_bytes(g->outputs[i]->type);
		char path[4096];
		FILE *fp;

		snprintf(path, sizeof path, "%s%u.bin", argv[2], i);
		if (!(fp = fopen(path, "wb"))) {
			fprintf(stderr, "qimport_eval: cannot write %s\n", path);
			return 1;
		}
		if (fwrite(out[i], 1, n, fp) != n || fclose(fp)) {
			fprintf(stderr, "qimport_eval: cannot write %s\n", path);
			return 1;
		}
	}
	ctx_fini(&cx);
	return 0;
}
