/* cmp_raw.c -- compares two raw float32 files, the tests' only judge.
 *
 * Usage:
 *     cmp_raw [-rtol R] [-atol A] GOT.bin REF.bin
 *         element-wise, as numpy.allclose: |got - ref| <= A + R * |ref|
 *         (defaults R = 1e-3, A = 1e-5); NaN matches NaN, an infinity
 *         matches the same infinity.
 *     cmp_raw -scaletol T GOT.bin REF.bin
 *         relative to the output's scale: max |got - ref| <= T * max |ref|.
 *
 * Prints one line: "ok" or "MISMATCH", the number of elements, the largest
 * absolute difference and where, and for a mismatch the first bad element.
 * Exit status: 0 match, 1 mismatch, 2 usage or I/O error (including files
 * of different lengths).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Floats {
	float *v;
	long n;
} Floats;

static int
floats_load(const char *path, Floats *out)
{
	FILE *f = fopen(path, "rb");
	long bytes;

	if (!f) {
		fprintf(stderr, "cmp_raw: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (bytes = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "cmp_raw: %s: cannot size file\n", path);
		fclose(f);
		return -1;
	}
	if (bytes % 4 != 0) {
		fprintf(stderr, "cmp_raw: %s: %ld bytes is not a whole number "
		        "of float32 values\n", path, bytes);
		fclose(f);
		return -1;
	}
	out->n = bytes / 4;
	out->v = malloc(bytes ? (size_t)bytes : 1);
	if (!out->v || fread(out->v, 4, (size_t)out->n, f) != (size_t)out->n) {
		fprintf(stderr, "cmp_raw: %s: read failed\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Whether got and ref agree under |got - ref| <= atol + rtol * |ref|. */
static int
close_enough(double got, double ref, double rtol, double atol)
{
	if (isnan(ref) || isnan(got))
		return isnan(ref) && isnan(got);
	if (isinf(ref) || isinf(got))
		return got == ref;
	return fabs(got - ref) <= atol + rtol * fabs(ref);
}

static int
usage(void)
{
	fprintf(stderr, "usage: cmp_raw [-rtol R] [-atol A] GOT REF\n"
	        "       cmp_raw -scaletol T GOT REF\n");
	return 2;
}

int
main(int argc, char **argv)
{
	double rtol = 1e-3, atol = 1e-5, scaletol = -1.0;
	double maxdiff = 0.0, maxref = 0.0;
	long i, worst = -1, firstbad = -1, nbad = 0;
	Floats got, ref;
	int a;

	for (a = 1; a + 1 < argc && argv[a][0] == '-'; a += 2) {
		double x = strtod(argv[a + 1], NULL);

		if (strcmp(argv[a], "-rtol") == 0)
			rtol = x;
		else if (strcmp(argv[a], "-atol") == 0)
			atol = x;
		else if (strcmp(argv[a], "-scaletol") == 0)
			scaletol = x;
		else
			return usage();
	}
	if (argc - a != 2)
		return usage();
	if (floats_load(argv[a], &got) != 0 || floats_load(argv[a + 1], &ref) != 0)
		return 2;
	if (got.n != ref.n) {
		fprintf(stderr, "cmp_raw: %s has %ld values, %s has %ld\n",
		        argv[a], got.n, argv[a + 1], ref.n);
		return 2;
	}

	for (i = 0; i < ref.n; i++) {
		double g = got.v[i], r = ref.v[i];
		double d = fabs(g - r);

		if (isfinite(r) && fabs(r) > maxref)
			maxref = fabs(r);
		if (isnan(d) && !(isnan(g) && isnan(r)))
			d = INFINITY;
		else if (isnan(d) || (isinf(g) && g == r))
			d = 0.0;
		if (d > maxdiff || (worst < 0 && d == maxdiff)) {
			maxdiff = d;
			worst = i;
		}
		if (scaletol < 0 && !close_enough(g, r, rtol, atol)) {
			if (firstbad < 0)
				firstbad = i;
			nbad++;
		}
	}
	if (scaletol >= 0 && !(maxdiff <= scaletol * maxref)) {
		firstbad = worst;
		nbad = 1;
	}

	if (scaletol >= 0)
		printf("%s n=%ld max|d|=%.6g at %ld max|ref|=%.6g "
		       "max|d|/max|ref|=%.6g (limit %g)\n",
		       nbad ? "MISMATCH" : "ok", ref.n, maxdiff, worst, maxref,
		       maxref > 0 ? maxdiff / maxref : maxdiff, scaletol);
	else
		printf("%s n=%ld bad=%ld max|d|=%.6g at %ld (rtol %g atol %g)\n",
		       nbad ? "MISMATCH" : "ok", ref.n, nbad, maxdiff, worst,
		       rtol, atol);
	if (nbad)
		printf("first bad [%ld]: got %.9g want %.9g\n", firstbad,
		       (double)got.v[firstbad], (double)ref.v[firstbad]);
	return nbad ? 1 : 0;
}
