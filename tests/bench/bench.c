/* bench.c -- latency of a qcc-compiled model (net.o, net.h from
 * `qcc MODEL -name=net -o net.o`) against ONNX Runtime running the same
 * ONNX file, in one process, on the same input, one thread each.
 *
 *     bench MODEL.onnx LIBONNXRUNTIME.so [RUNS [TOL]]
 *
 * Both outputs are compared (max abs difference); then each engine runs in
 * alternating blocks of RUNS/4 (after warm-up runs), every run timed with
 * CLOCK_MONOTONIC and with the thread's CPU clock, and the medians and
 * their ratios are printed.  On a machine busy with other jobs the wall
 * time of a long run includes the time the thread waited for a core; its
 * CPU time does not (ONNX Runtime with one intra-op thread runs in the
 * calling thread), so the CPU-time ratio is the steadier one there.  Exit
 * status 1 if the outputs disagree beyond TOL (default 1e-3; "inf" for an
 * INT8 model, whose difference is only printed) relative to the largest
 * output magnitude (or an engine fails).  Not a test: timings vary.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net.h"
#include "ort.h"

_Static_assert(NET_NUM_INPUTS == 1 && NET_NUM_OUTPUTS == 1,
               "bench handles models with one input and one output");

#define BLOCKS 4
#define WARMUP 5

static const int64_t in_shape[] = NET_INPUT0_SHAPE;
static const int64_t out_shape[] = NET_OUTPUT0_SHAPE;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Deterministic inputs in [-1, 1). */
static void
fill_input(float *x, size_t n)
{
	uint32_t s = 12345;

	for (size_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		x[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
	}
}

static void
fail(const char *what, const char *msg)
{
	fprintf(stderr, "bench: %s: %s\n", what, msg);
	exit(1);
}

int
main(int argc, char **argv)
{
	char err[1024];

	if (argc < 3 || argc > 5) {
		fprintf(stderr,
		        "usage: bench MODEL.onnx LIBONNXRUNTIME.so [RUNS [TOL]]\n");
		return 2;
	}
	int runs = argc >= 4 ? atoi(argv[3]) : 200;
	double tol = argc >= 5 ? strtod(argv[4], NULL) : 1e-3;
	if (runs < BLOCKS)
		runs = BLOCKS;
	runs -= runs % BLOCKS;

	float *in = malloc(NET_INPUT0_SIZE * sizeof(float));
	float *out_qcc = calloc(NET_OUTPUT0_SIZE, sizeof(float));
	float *out_ort = calloc(NET_OUTPUT0_SIZE, sizeof(float));
	void *scratch =
	    aligned_alloc(64, ((size_t)NET_SCRATCH_SIZE + 63) / 64 * 64);
	double *t_qcc = malloc((size_t)runs * sizeof(double));
	double *t_ort = malloc((size_t)runs * sizeof(double));
	double *c_qcc = malloc((size_t)runs * sizeof(double));
	double *c_ort = malloc((size_t)runs * sizeof(double));
	if (!in || !out_qcc || !out_ort || !scratch || !t_qcc || !t_ort ||
	    !c_qcc || !c_ort)
		fail("memory", "out of memory");
	fill_input(in, NET_INPUT0_SIZE);

	double t0 = now_ns();
	OrtBench *ort = ort_bench_open(
	    argv[2], argv[1], NET_INPUT0_NAME, in, in_shape,
	    sizeof in_shape / sizeof in_shape[0], NET_OUTPUT0_NAME, out_ort,
	    out_shape, sizeof out_shape / sizeof out_shape[0], err, sizeof err);
	double t_session = now_ns() - t0;
	if (!ort)
		fail("onnxruntime", err);

	const void *ins[1] = {in};
	void *outs[1] = {out_qcc};
	for (int i = 0; i < WARMUP; i++) {
		if (net_run(ins, outs, scratch) != 0)
			fail("qcc", "net_run failed");
		if (ort_bench_run(ort, err, sizeof err) != 0)
			fail("onnxruntime", err);
	}

	double maxdiff = 0, maxref = 0;
	for (size_t i = 0; i < NET_OUTPUT0_SIZE; i++) {
		double d = fabs((double)out_qcc[i] - (double)out_ort[i]);
		if (!(d <= maxdiff))
			maxdiff = d;
		if (fabs((double)out_ort[i]) > maxref)
			maxref = fabs((double)out_ort[i]);
	}

	int per = runs / BLOCKS, k = 0;
	for (int blk = 0; blk < BLOCKS; blk++) {
		for (int i = 0; i < per; i++) {
			double s = now_ns(), c = cpu_ns();
			net_run(ins, outs, scratch);
			c_qcc[k + i] = cpu_ns() - c;
			t_qcc[k + i] = now_ns() - s;
		}
		for (int i = 0; i < per; i++) {
			double s = now_ns(), c = cpu_ns();
			if (ort_bench_run(ort, err, sizeof err) != 0)
				fail("onnxruntime", err);
			c_ort[k + i] = cpu_ns() - c;
			t_ort[k + i] = now_ns() - s;
		}
		k += per;
	}
	double m_qcc = median(t_qcc, runs), m_ort = median(t_ort, runs);
	double mc_qcc = median(c_qcc, runs), mc_ort = median(c_ort, runs);

	printf("model          %s\n", argv[1]);
	printf("onnxruntime    %s (1 intra-op thread, 1 inter-op, sequential, "
	       "all optimizations)\n",
	       ort_bench_version(ort));
	printf("outputs        %d floats, max |qcc - ort| = %.3g, max |ort| = "
	       "%.3g, relative %.3g\n",
	       (int)NET_OUTPUT0_SIZE, maxdiff, maxref,
	       maxref > 0 ? maxdiff / maxref : maxdiff);
	printf("scratch        %.1f KiB (qcc)\n",
	       (double)NET_SCRATCH_SIZE / 1024.0);
	printf("ort session    %.1f ms to create\n", t_session / 1e6);
	printf("runs           %d each, %d alternating blocks, after %d "
	       "warm-up runs\n",
	       runs, BLOCKS, WARMUP);
	printf("median qcc     %.1f us\n", m_qcc / 1e3);
	printf("median ort     %.1f us\n", m_ort / 1e3);
	printf("ratio          ort/qcc = %.2f\n", m_ort / m_qcc);
	printf("cpu qcc        %.1f us (median thread CPU time)\n", mc_qcc / 1e3);
	printf("cpu ort        %.1f us\n", mc_ort / 1e3);
	printf("cpu ratio      ort/qcc = %.2f\n", mc_ort / mc_qcc);
	ort_bench_close(ort);
	if (!(maxdiff <= tol * (maxref > 1 ? maxref : 1))) {
		printf("FAIL: outputs disagree\n");
		return 1;
	}
	return 0;
}
