/* io_int8.c -- -io=int8 against the float interface of the same INT8
 * model: built with qio.h/qio.o (-io=int8 -name=qio) and qf.h/qf.o (the
 * same flags without -io, -name=qf).
 *
 *     io_int8 SAMPLES.bin N
 *
 * SAMPLES.bin holds N inputs as float32.  Each is quantized here with the
 * header's QIO_INPUT0_SCALE and QIO_INPUT0_ZERO_POINT (round half away
 * from zero, as qcc's boundary Quantize does) and run through qio_run;
 * the float input also runs through qf_run, whose float logits are turned
 * into codes with QIO_OUTPUT0_SCALE and QIO_OUTPUT0_ZERO_POINT.  Every
 * output code must be within one code of the float path's.  Prints the
 * largest difference and how many codes differ; exit 0 if all are close.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qf.h"
#include "qio.h"

#if !defined(QIO_INPUT0_SCALE) || !defined(QIO_INPUT0_ZERO_POINT) || \
	!defined(QIO_OUTPUT0_SCALE) || !defined(QIO_OUTPUT0_ZERO_POINT)
#error "qio.h lacks the input or output scale and zero point"
#endif
_Static_assert(QIO_NUM_INPUTS == 1 && QIO_NUM_OUTPUTS == 1, "one in, one out");
_Static_assert(QIO_INPUT0_SIZE == QF_INPUT0_SIZE, "same input");
_Static_assert(QIO_OUTPUT0_SIZE == QF_OUTPUT0_SIZE, "same output");
_Static_assert(QIO_INPUT0_BYTES == QIO_INPUT0_SIZE, "input is 8-bit codes");
_Static_assert(QIO_OUTPUT0_BYTES == QIO_OUTPUT0_SIZE, "output is 8-bit codes");

static int
to_code(float x, float scale, int zp)
{
	float v = roundf(x * (1.0f / scale)) + (float)zp;

	return v < 0.0f ? 0 : v > 255.0f ? 255 : (int)v;
}

int
main(int argc, char **argv)
{
	static float x[QF_INPUT0_SIZE], y[QF_OUTPUT0_SIZE];
	static uint8_t xc[QIO_INPUT0_SIZE], yc[QIO_OUTPUT0_SIZE];
	void *s1 = aligned_alloc(64, (QF_SCRATCH_SIZE + 63) / 64 * 64);
	void *s2 = aligned_alloc(64, (QIO_SCRATCH_SIZE + 63) / 64 * 64);
	FILE *f;
	long n, differ = 0;
	int worst = 0;

	if (argc != 3 || !(f = fopen(argv[1], "rb")) || !s1 || !s2) {
		fprintf(stderr, "usage: io_int8 SAMPLES.bin N\n");
		return 2;
	}
	n = atol(argv[2]);
	if (strcmp(QIO_INPUT0_TYPE, "u8") || strcmp(QIO_OUTPUT0_TYPE, "u8") ||
	    strcmp(QF_INPUT0_TYPE, "f32")) {
		fprintf(stderr, "io_int8: types %s -> %s, float path %s\n",
		        QIO_INPUT0_TYPE, QIO_OUTPUT0_TYPE, QF_INPUT0_TYPE);
		return 1;
	}
	for (long k = 0; k < n; k++) {
		const void *in[1];
		void *out[1];
		if (fread(x, sizeof x, 1, f) != 1) {
			fprintf(stderr, "io_int8: %s has fewer than %ld samples\n",
			        argv[1], n);
			return 2;
		}
		for (int i = 0; i < QIO_INPUT0_SIZE; i++)
			xc[i] = (uint8_t)to_code(x[i], QIO_INPUT0_SCALE,
			                         QIO_INPUT0_ZERO_POINT);
		in[0] = xc;
		out[0] = yc;
		if (qio_run(in, out, s2))
			return 1;
		in[0] = x;
		out[0] = y;
		if (qf_run(in, out, s1))
			return 1;
		for (int i = 0; i < QIO_OUTPUT0_SIZE; i++) {
			int d = abs(to_code(y[i], QIO_OUTPUT0_SCALE,
			                    QIO_OUTPUT0_ZERO_POINT) - yc[i]);
			worst = d > worst ? d : worst;
			differ += d != 0;
		}
	}
	fclose(f);
	printf("io_int8: %ld samples, input scale %g zero point %d, output "
	       "scale %g zero point %d: %ld codes differ, by at most %d\n", n,
	       (double)QIO_INPUT0_SCALE, QIO_INPUT0_ZERO_POINT,
	       (double)QIO_OUTPUT0_SCALE, QIO_OUTPUT0_ZERO_POINT, differ, worst);
	return worst <= 1 ? 0 : 1;
}
