/* run_model.c -- runs any model qcc compiled with -name=net on raw files.
 *
 * Built once per compiled model, against that model's net.h:
 *
 *     cc -I DIR -include net.h run_model.c net.o -o run_model
 *
 * Usage:  run_model IN0.bin ... IN<n-1>.bin OUT0.bin ... OUT<m-1>.bin
 *
 * with n = NET_NUM_INPUTS and m = NET_NUM_OUTPUTS.  Every file is raw
 * float32 in row-major order, exactly NET_INPUT<k>_SIZE (NET_OUTPUT<k>_SIZE)
 * elements; an input of the wrong size is an error.  An input or output
 * whose NET_*_TYPE is "u8", "i8" or "i32" (a quantized model's codes),
 * "bool" (0 or 1) or, for outputs, "i64" (shape values) is converted from
 * and to those float32 values, which are whole numbers and exact in
 * float32; an input value out of the type's range is an error.  The scratch arena is
 * allocated 64-byte aligned as the interface asks.  Exit status: 0 on
 * success, 1 if net_run failed, 2 on a usage or I/O problem.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#ifndef NET_NUM_INPUTS
#error "net.h does not define NET_NUM_INPUTS: compile with -name=net"
#endif

#define MAX_IO 8

#if NET_NUM_INPUTS > MAX_IO || NET_NUM_OUTPUTS > MAX_IO
#error "run_model handles at most 8 inputs and 8 outputs"
#endif

/* NET_INPUT<k>_SIZE is a separate macro per k, so the tables are spelled
 * out; the extra 0 keeps them non-empty for models without inputs. */
static const long in_size[] = {
#if NET_NUM_INPUTS > 0
	NET_INPUT0_SIZE,
#endif
#if NET_NUM_INPUTS > 1
	NET_INPUT1_SIZE,
#endif
#if NET_NUM_INPUTS > 2
	NET_INPUT2_SIZE,
#endif
#if NET_NUM_INPUTS > 3
	NET_INPUT3_SIZE,
#endif
#if NET_NUM_INPUTS > 4
	NET_INPUT4_SIZE,
#endif
#if NET_NUM_INPUTS > 5
	NET_INPUT5_SIZE,
#endif
#if NET_NUM_INPUTS > 6
	NET_INPUT6_SIZE,
#endif
#if NET_NUM_INPUTS > 7
	NET_INPUT7_SIZE,
#endif
	0
};

static const long out_size[] = {
#if NET_NUM_OUTPUTS > 0
	NET_OUTPUT0_SIZE,
#endif
#if NET_NUM_OUTPUTS > 1
	NET_OUTPUT1_SIZE,
#endif
#if NET_NUM_OUTPUTS > 2
	NET_OUTPUT2_SIZE,
#endif
#if NET_NUM_OUTPUTS > 3
	NET_OUTPUT3_SIZE,
#endif
#if NET_NUM_OUTPUTS > 4
	NET_OUTPUT4_SIZE,
#endif
#if NET_NUM_OUTPUTS > 5
	NET_OUTPUT5_SIZE,
#endif
#if NET_NUM_OUTPUTS > 6
	NET_OUTPUT6_SIZE,
#endif
#if NET_NUM_OUTPUTS > 7
	NET_OUTPUT7_SIZE,
#endif
	0
};

/* Element types as "f32", "u8", ... (NET_INPUT<k>_TYPE), one per tensor. */
static const char *const in_type[] = {
#if NET_NUM_INPUTS > 0
	NET_INPUT0_TYPE,
#endif
#if NET_NUM_INPUTS > 1
	NET_INPUT1_TYPE,
#endif
#if NET_NUM_INPUTS > 2
	NET_INPUT2_TYPE,
#endif
#if NET_NUM_INPUTS > 3
	NET_INPUT3_TYPE,
#endif
#if NET_NUM_INPUTS > 4
	NET_INPUT4_TYPE,
#endif
#if NET_NUM_INPUTS > 5
	NET_INPUT5_TYPE,
#endif
#if NET_NUM_INPUTS > 6
	NET_INPUT6_TYPE,
#endif
#if NET_NUM_INPUTS > 7
	NET_INPUT7_TYPE,
#endif
	""
};

static const char *const out_type[] = {
#if NET_NUM_OUTPUTS > 0
	NET_OUTPUT0_TYPE,
#endif
#if NET_NUM_OUTPUTS > 1
	NET_OUTPUT1_TYPE,
#endif
#if NET_NUM_OUTPUTS > 2
	NET_OUTPUT2_TYPE,
#endif
#if NET_NUM_OUTPUTS > 3
	NET_OUTPUT3_TYPE,
#endif
#if NET_NUM_OUTPUTS > 4
	NET_OUTPUT4_TYPE,
#endif
#if NET_NUM_OUTPUTS > 5
	NET_OUTPUT5_TYPE,
#endif
#if NET_NUM_OUTPUTS > 6
	NET_OUTPUT6_TYPE,
#endif
#if NET_NUM_OUTPUTS > 7
	NET_OUTPUT7_TYPE,
#endif
	""
};

/* Bytes of one element of type name ty; 0 if run_model does not know it. */
static size_t
elem_size(const char *ty)
{
	if (!strcmp(ty, "f32") || !strcmp(ty, "i32"))
		return 4;
	if (!strcmp(ty, "u8") || !strcmp(ty, "i8") || !strcmp(ty, "bool"))
		return 1;
	if (!strcmp(ty, "i64"))
		return 8;
	return 0;
}

/* Converts n float32 values in place to the element type ty (the buffer
 * has room for n floats); -1 if a value does not fit. */
static int
to_type(const char *path, void *buf, long n, const char *ty)
{
	const float *f = buf;
	long i;

	if (!strcmp(ty, "f32"))
		return 0;
	for (i = 0; i < n; i++) {
		float v = f[i];
		/* range first, so the cast to long is defined (no libm: the
		 * object backend's run links without -lm) */
		if (!(v >= -16777216.0f && v <= 16777216.0f) ||
		    (!strcmp(ty, "u8") && (v < 0 || v > 255)) ||
		    (!strcmp(ty, "i8") && (v < -128 || v > 127)) ||
		    (!strcmp(ty, "bool") && v != 0 && v != 1) ||
		    (float)(long)v != v) {
			fprintf(stderr, "run_model: %s: value %g at %ld is not "
			        "a %s\n", path, (double)v, i, ty);
			return -1;
		}
		if (!strcmp(ty, "u8") || !strcmp(ty, "bool"))
			((unsigned char *)buf)[i] = (unsigned char)v;
		else if (!strcmp(ty, "i8"))
			((signed char *)buf)[i] = (signed char)v;
		else
			((int *)buf)[i] = (int)v;
	}
	return 0;
}

/* The n elements of type ty in buf as float32, in dst. */
static void
from_type(const void *buf, float *dst, long n, const char *ty)
{
	long i;

	for (i = 0; i < n; i++) {
		if (!strcmp(ty, "u8") || !strcmp(ty, "bool"))
			dst[i] = ((const unsigned char *)buf)[i];
		else if (!strcmp(ty, "i64"))
			dst[i] = (float)((const long long *)buf)[i];
		else if (!strcmp(ty, "i8"))
			dst[i] = ((const signed char *)buf)[i];
		else if (!strcmp(ty, "i32"))
			dst[i] = (float)((const int *)buf)[i];
		else
			dst[i] = ((const float *)buf)[i];
	}
}

/* Room for n floats, 64-byte aligned, never a zero-sized request. */
static void *
buf_alloc(size_t bytes)
{
	size_t n = (bytes + 63) / 64 * 64;

	return aligned_alloc(64, n ? n : 64);
}

static int
file_read(const char *path, float *dst, long n)
{
	FILE *f = fopen(path, "rb");
	long got;
	int extra;

	if (!f) {
		fprintf(stderr, "run_model: %s: %s\n", path, strerror(errno));
		return -1;
	}
	got = (long)fread(dst, sizeof(float), (size_t)n, f);
	extra = fgetc(f);
	fclose(f);
	if (got != n || extra != EOF) {
		fprintf(stderr, "run_model: %s: expected exactly %ld float32 "
		        "values (%ld bytes)\n", path, n, n * 4);
		return -1;
	}
	return 0;
}

static int
file_write(const char *path, const float *src, long n)
{
	FILE *f = fopen(path, "wb");
	size_t put;

	if (!f) {
		fprintf(stderr, "run_model: %s: %s\n", path, strerror(errno));
		return -1;
	}
	put = fwrite(src, sizeof(float), (size_t)n, f);
	if (fclose(f) != 0 || put != (size_t)n) {
		fprintf(stderr, "run_model: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const void *in[MAX_IO + 1];
	void *out[MAX_IO + 1];
	void *scratch;
	int i, rc, status = 0;

	if (argc != 1 + NET_NUM_INPUTS + NET_NUM_OUTPUTS) {
		fprintf(stderr, "usage: %s IN0..IN%d OUT0..OUT%d "
		        "(%d inputs, %d outputs, raw float32)\n", argv[0],
		        NET_NUM_INPUTS - 1, NET_NUM_OUTPUTS - 1,
		        NET_NUM_INPUTS, NET_NUM_OUTPUTS);
		return 2;
	}
	for (i = 0; i < NET_NUM_INPUTS; i++) {
		float *p = buf_alloc((size_t)in_size[i] * sizeof(float));

		if (!elem_size(in_type[i]) || elem_size(in_type[i]) > 4) {
			fprintf(stderr, "run_model: input %d has element type "
			        "%s\n", i, in_type[i]);
			return 2;
		}
		if (!p || file_read(argv[1 + i], p, in_size[i]) != 0 ||
		    to_type(argv[1 + i], p, in_size[i], in_type[i]) != 0)
			return 2;
		in[i] = p;
	}
	for (i = 0; i < NET_NUM_OUTPUTS; i++) {
		/* Filled with NaN (other types: 0xa5 bytes, not a bool and
		 * an unlikely shape) so an output net_run never writes shows
		 * up. */
		size_t esz = elem_size(out_type[i]) > 4 ? 8 : 4;
		float *p = buf_alloc((size_t)out_size[i] * esz);
		long j;

		if (!p)
			return 2;
		if (strcmp(out_type[i], "f32"))
			memset(p, 0xa5, (size_t)out_size[i] * esz);
		else
			for (j = 0; j < out_size[i]; j++)
				p[j] = NAN;
		out[i] = p;
	}
	scratch = buf_alloc(NET_SCRATCH_SIZE);
	if (!scratch)
		return 2;

	rc = net_run(in, out, scratch);
	if (rc != 0) {
		fprintf(stderr, "run_model: net_run returned %d\n", rc);
		return 1;
	}
	for (i = 0; i < NET_NUM_OUTPUTS; i++) {
		const char *path = argv[1 + NET_NUM_INPUTS + i];

		float *f = buf_alloc((size_t)out_size[i] * sizeof(float));

		if (!f || !elem_size(out_type[i]))
			return 2;
		from_type(out[i], f, out_size[i], out_type[i]);
		if (file_write(path, f, out_size[i]) != 0)
			status = 2;
	}
	return status;
}
