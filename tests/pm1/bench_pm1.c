/* bench_pm1.c -- the driver of bench.sh (not a test): runs the net in
 * net.h / net.o on a fixed input.
 *
 *     bench_pm1 time RUNS    prints the median of RUNS timed runs, in us
 *     bench_pm1 run N        runs it N times and prints nothing (bench.sh
 *                            counts instructions of N = 1 and N = 3 under
 *                            qemu and halves the difference)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net.h"

_Static_assert(NET_NUM_INPUTS == 1 && NET_NUM_OUTPUTS == 1,
               "bench_pm1 runs one-input, one-output models");

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int
main(int argc, char **argv)
{
	static float in[NET_INPUT0_SIZE], out[NET_OUTPUT0_SIZE];
	const void *ins[1] = {in};
	void *outs[1] = {out};
	void *scratch = aligned_alloc(64, ((size_t)NET_SCRATCH_SIZE + 64) /
	                                  64 * 64);
	int n = argc == 3 ? atoi(argv[2]) : 0;
	unsigned s = 1;
	double *t;

	if (n < 1 || !scratch || (strcmp(argv[1], "time") &&
	                          strcmp(argv[1], "run"))) {
		fprintf(stderr, "usage: bench_pm1 time|run N\n");
		return 2;
	}
	for (size_t i = 0; i < NET_INPUT0_SIZE; i++) {
		s = s * 1103515245u + 12345u;
		in[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
	}
	if (!strcmp(argv[1], "run")) {
		for (int i = 0; i < n; i++)
			net_run(ins, outs, scratch);
		return 0;
	}
	t = malloc((size_t)n * sizeof *t);
	net_run(ins, outs, scratch);
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		net_run(ins, outs, scratch);
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("%.1f\n", t[n / 2]);
	return 0;
}
