/* classify.c -- the Fashion-MNIST sample: runs the qcc-compiled classifier
 * (fmnist.o or fmnist.c, interface in fmnist.h) on the 10,000 test images
 * and prints its accuracy and mean latency per image.
 *
 * The test set is read from Debian's dataset-fashion-mnist (idx files,
 * gzipped: they are piped through `gzip -dc`; plain idx files work too).
 * Pixels are normalized exactly as train.py did, in float32:
 *     x = (float)pixel / 255.0f;  x = (x - 0.2860f) / 0.3530f;
 *
 * With -ref DIR (the sample's folder) it also compares with PyTorch:
 * DIR/torch_predictions.bin (argmax per image), DIR/torch_logits.bin
 * (10 float32 per image) and DIR/accuracy.txt ("CORRECT/TOTAL = ...").
 * It fails (exit 1) unless the accuracy equals PyTorch's, every argmax
 * equals PyTorch's except where PyTorch's top two logits are within
 * TIE_EPS of each other, and no logit is further than -tol from PyTorch's.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmnist.h"

_Static_assert(FMNIST_NUM_INPUTS == 1 && FMNIST_NUM_OUTPUTS == 1,
               "the classifier has one input and one output");
_Static_assert(FMNIST_INPUT0_SIZE == 28 * 28, "input is 1x1x28x28");
_Static_assert(FMNIST_OUTPUT0_SIZE == 10, "output is 10 logits");

#define NPIX (28 * 28)
#define NCLASS 10
#define TIE_EPS 1e-5f
#define DATA_DIR "/usr/share/datasets/fashion-mnist"

static const char *const class_names[NCLASS] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

typedef struct Blob {
	unsigned char *p;
	size_t n;
} Blob;

typedef struct Ref {
	unsigned char *pred; /* PyTorch's argmax per image */
	float *logits;       /* PyTorch's logits, NCLASS per image */
	long correct;        /* from accuracy.txt */
	long total;
} Ref;

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "classify: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static int
read_stream(FILE *f, Blob *b)
{
	size_t cap = 1 << 20;

	b->n = 0;
	b->p = malloc(cap);
	if (!b->p)
		return -1;
	for (;;) {
		size_t got = fread(b->p + b->n, 1, cap - b->n, f);

		b->n += got;
		if (b->n < cap)
			break;
		cap *= 2;
		unsigned char *q = realloc(b->p, cap);
		if (!q)
			return -1;
		b->p = q;
	}
	return ferror(f) ? -1 : 0;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The whole file; a .gz name is decompressed by gzip -dc. */
static Blob
load_file(const char *path)
{
	Blob b;
	FILE *f;
	int rc;

	if (has_suffix(path, ".gz")) {
		char cmd[4096];

		if (strchr(path, '\'') || strlen(path) > sizeof cmd - 32)
			die("unsupported file name: %s", path);
		snprintf(cmd, sizeof cmd, "gzip -dc -- '%s'", path);
		f = popen(cmd, "r");
		if (!f)
			die("cannot run gzip for %s", path);
		rc = read_stream(f, &b);
		if (pclose(f) != 0 || rc != 0)
			die("cannot decompress %s", path);
		return b;
	}
	f = fopen(path, "rb");
	if (!f)
		die("cannot open %s", path);
	rc = read_stream(f, &b);
	fclose(f);
	if (rc != 0)
		die("cannot read %s", path);
	return b;
}

static int
file_exists(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (f)
		fclose(f);
	return f != NULL;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* An idx file (magic 0x801 labels, 0x803 images): returns its items and
 * sets *count; checks that each item is item_size bytes. */
static const unsigned char *
load_idx(const char *dir, const char *name, uint32_t magic, size_t item_size,
         size_t *count, Blob *keep)
{
	char path[4096];
	size_t header = magic == 0x803 ? 16 : 8;

	snprintf(path, sizeof path, "%s/%s.gz", dir, name);
	if (!file_exists(path))
		snprintf(path, sizeof path, "%s/%s", dir, name);
	*keep = load_file(path);
	if (keep->n < header || be32(keep->p) != magic)
		die("%s: not an idx file of the expected kind", path);
	*count = be32(keep->p + 4);
	if (magic == 0x803 &&
	    (be32(keep->p + 8) != 28 || be32(keep->p + 12) != 28))
		die("%s: images are not 28x28", path);
	if (keep->n != header + *count * item_size)
		die("%s: truncated", path);
	return keep->p + header;
}

static int
argmax(const float *v, int n)
{
	int best = 0;

	for (int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

static void
load_ref(const char *dir, size_t count, Ref *r)
{
	char path[4096];
	Blob b;
	FILE *f;

	snprintf(path, sizeof path, "%s/torch_predictions.bin", dir);
	b = load_file(path);
	if (b.n != count)
		die("%s: wrong size", path);
	r->pred = b.p;

	snprintf(path, sizeof path, "%s/torch_logits.bin", dir);
	b = load_file(path);
	if (b.n != count * NCLASS * sizeof(float))
		die("%s: wrong size", path);
	r->logits = (float *)(void *)b.p;
	for (size_t i = 0; i < count; i++)
		if (argmax(r->logits + i * NCLASS, NCLASS) != r->pred[i])
			die("%s: torch_predictions.bin is not the argmax of "
			    "torch_logits.bin",
			    dir);

	snprintf(path, sizeof path, "%s/accuracy.txt", dir);
	f = fopen(path, "r");
	if (!f)
		die("cannot open %s", path);
	if (fscanf(f, "%ld/%ld", &r->correct, &r->total) != 2)
		die("%s: expected CORRECT/TOTAL", path);
	fclose(f);
	if ((size_t)r->total != count)
		die("%s: total differs from the test set", path);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Checks the run against PyTorch; prints the comparison; 0 if it matches. */
static int
compare_ref(const Ref *r, const unsigned char *pred, const float *logits,
            size_t count, long correct, float tol)
{
	long differ = 0, ties = 0;
	float maxdiff = 0;
	size_t worst = 0;

	for (size_t i = 0; i < count; i++) {
		const float *t = r->logits + i * NCLASS;

		for (int k = 0; k < NCLASS; k++) {
			float d = fabsf(logits[i * NCLASS + k] - t[k]);

			if (!(d <= maxdiff)) {
				maxdiff = d;
				worst = i;
			}
		}
		if (pred[i] == r->pred[i])
			continue;
		differ++;
		/* Explained only if qcc's and PyTorch's choices are PyTorch's
		 * top two logits and these are within TIE_EPS of each other. */
		float top = t[r->pred[i]], mine = t[pred[i]];
		int top_two = 1;
		for (int k = 0; k < NCLASS; k++)
			if (k != r->pred[i] && k != pred[i] && t[k] >= mine)
				top_two = 0;
		if (top_two && fabsf(top - mine) <= TIE_EPS) {
			ties++;
			printf("image %zu: qcc says %d, PyTorch %d; PyTorch's "
			       "logits tie within %g (%g)\n",
			       i, pred[i], r->pred[i], (double)TIE_EPS,
			       (double)(top - mine));
		} else {
			printf("image %zu: qcc says %d, PyTorch %d (logits %g "
			       "vs %g)\n",
			       i, pred[i], r->pred[i], (double)mine,
			       (double)top);
		}
	}
	printf("PyTorch: accuracy %ld/%ld; qcc: %ld/%zu\n", r->correct,
	       r->total, correct, count);
	printf("argmax equal to PyTorch's on %ld/%zu images (%ld differ, %ld "
	       "of them top-2 ties within %g)\n",
	       (long)count - differ, count, differ, ties, (double)TIE_EPS);
	printf("max |logit - PyTorch's| = %.3g (image %zu), tolerance %.3g\n",
	       (double)maxdiff, worst, (double)tol);
	if (correct != r->correct || differ != ties || !(maxdiff <= tol)) {
		printf("FAIL: qcc does not reproduce PyTorch\n");
		return 1;
	}
	printf("OK: qcc reproduces PyTorch\n");
	return 0;
}

static const char usage_text[] =
    "usage: classify [-data DIR] [-ref DIR] [-tol T] [-o PRED.bin]\n"
    "                [-logits LOGITS.bin]\n"
    "  -data DIR     Fashion-MNIST idx files (default " DATA_DIR ")\n"
    "  -ref DIR      compare with PyTorch's results in DIR\n"
    "                (torch_predictions.bin, torch_logits.bin,\n"
    "                accuracy.txt); exit 1 if they differ\n"
    "  -tol T        largest |logit - PyTorch's| with -ref (default 1e-3)\n"
    "  -o FILE       write the argmax of every image, one byte each\n"
    "  -logits FILE  write the logits, 10 float32 per image\n";

static void
usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die("cannot write %s", path);
}

int
main(int argc, char **argv)
{
	const char *data = DATA_DIR, *ref = NULL, *pred_out = NULL,
	           *logits_out = NULL;
	float tol = 1e-3f;
	size_t count, nlabels;
	Blob ib, lb;
	Ref r;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "-data") == 0)
			data = argv[++i];
		else if (strcmp(argv[i], "-ref") == 0)
			ref = argv[++i];
		else if (strcmp(argv[i], "-tol") == 0)
			tol = strtof(argv[++i], NULL);
		else if (strcmp(argv[i], "-o") == 0)
			pred_out = argv[++i];
		else if (strcmp(argv[i], "-logits") == 0)
			logits_out = argv[++i];
		else
			usage();
	}

	const unsigned char *images =
	    load_idx(data, "t10k-images-idx3-ubyte", 0x803, NPIX, &count, &ib);
	const unsigned char *labels =
	    load_idx(data, "t10k-labels-idx1-ubyte", 0x801, 1, &nlabels, &lb);
	if (count != nlabels)
		die("%s: image and label counts differ", data);

	size_t scratch_size = ((size_t)FMNIST_SCRATCH_SIZE + 63) / 64 * 64;
	void *scratch = aligned_alloc(64, scratch_size ? scratch_size : 64);
	unsigned char *pred = malloc(count);
	float *logits = malloc(count * NCLASS * sizeof(float));
	if (!scratch || !pred || !logits)
		die("%s", "out of memory");

	float in[NPIX];
	const void *ins[1] = {in};
	long correct = 0;
	double total_ns = 0;

	for (size_t i = 0; i < count; i++) {
		const unsigned char *px = images + i * NPIX;
		float *out = logits + i * NCLASS;
		void *outs[1] = {out};

		for (int k = 0; k < NPIX; k++) {
			float x = (float)px[k] / 255.0f;
			in[k] = (x - 0.2860f) / 0.3530f;
		}
		double t0 = now_ns();
		int rc = fmnist_run(ins, outs, scratch);
		total_ns += now_ns() - t0;
		if (rc != 0)
			die("%s", "fmnist_run failed");
		pred[i] = (unsigned char)argmax(out, NCLASS);
		correct += pred[i] == labels[i];
	}

	for (size_t i = 0; i < 5 && i < count; i++)
		printf("image %zu: %-11s (label %s)\n", i, class_names[pred[i]],
		       class_names[labels[i]]);
	printf("fmnist: %zu images, accuracy %ld/%zu = %.4f, mean latency %.1f "
	       "us/image, scratch %ld bytes\n",
	       count, correct, count, (double)correct / (double)count,
	       total_ns / (double)count / 1e3, (long)FMNIST_SCRATCH_SIZE);

	if (pred_out)
		write_file(pred_out, pred, count);
	if (logits_out)
		write_file(logits_out, logits, count * NCLASS * sizeof(float));
	if (!ref)
		return 0;
	load_ref(ref, count, &r);
	return compare_ref(&r, pred, logits, count, correct, tol);
}
