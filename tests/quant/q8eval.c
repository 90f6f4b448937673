/* q8eval.c -- the interpreter's answer for the Fashion-MNIST sample under
 * -quantize=int8, to compare with compiled code bit for bit:
 *
 *     q8eval MODEL.onnx CALIBDIR N LOGITS.bin [qcc flags: -calib-method=M]
 *
 * imports the model, runs the int8 pipeline with the samples in CALIBDIR
 * (as qcc does), then runs ir_eval on the first N test images (normalized
 * as classify.c does) and writes the N x 10 float logits.
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
	QuantOpts q = {.method = CALIB_MSE, .percentile = 99.99};
	const float **s;
	FILE *img, *out;
	unsigned char px[28 * 28], hdr[16];
	float x[28 * 28], y[10];
	long n;

	if (argc < 5)
		return 2;
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "-calib-method=minmax"))
			q.method = CALIB_MINMAX;
		else if (!strcmp(argv[i], "-calib-method=mse"))
			q.method = CALIB_MSE;
		else if (!strcmp(argv[i], "-calib-method=kl"))
			q.method = CALIB_KL;
		else if (!strncmp(argv[i], "-calib-method=percentile", 24)) {
			q.method = CALIB_PERCENTILE;
			if (argv[i][24] == ':')
				q.percentile = atof(argv[i] + 25);
		}
	}
	n = atol(argv[3]);
	ctx_init(&cx);
	g = onnx_import(&cx, argv[1], &(ImportOpts){0});
	if (!g || !calib_load(&cx, g, argv[2], 0, &s, &q.nsamples))
		return 1;
	q.samples = s;
	q.ninputs = 1;
	cx.quant = &q;
	if (!pipeline_int8(&cx, g))
		return 1;
	img = popen("gzip -dc /usr/share/datasets/fashion-mnist/"
	            "t10k-images-idx3-ubyte.gz", "r");
	out = fopen(argv[4], "wb");
	if (!img || !out || fread(hdr, 1, 16, img) != 16)
		return 1;
	for (long k = 0; k < n; k++) {
		if (fread(px, 1, sizeof px, img) != sizeof px)
			return 1;
		for (int i = 0; i < 28 * 28; i++) {
			x[i] = (float)px[i] / 255.0f;
			x[i] = (x[i] - 0.2860f) / 0.3530f;
		}
		if (!ir_eval(&cx, g, (const void *[]){x}, (void *[]){y}))
			return 1;
		fwrite(y, 4, 10, out);
	}
	pclose(img);
	fclose(out);
	ctx_fini(&cx);
	return 0;
}
