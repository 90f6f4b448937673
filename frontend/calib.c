/* calib.c -- calibration samples for -quantize: a folder of .npy files
 * (numpy's format, float32, little-endian, C order) or ONNX TensorProto
 * .pb files (FLOAT, float_data or raw_data), read into float arrays laid
 * out like the graph's inputs.
 *
 * Layout of DIR, tried in this order for each graph input NAME:
 *   DIR/NAME/FILE     a subfolder per input, one or more samples per file;
 *   DIR/NAME_*        files named after the input (NAME_0.npy, NAME_1.pb);
 *   DIR/FILE          (a model with one input) every .npy / .pb file.
 * A file holds one sample (exactly the input's element count) or a batch:
 * the input's shape with a larger first dimension, or the input's shape
 * behind one extra leading dimension.  Files are taken in name order.  With
 * several inputs every input must get the same number of samples.
 * Problems (no such folder, no files, a bad header, wrong dtype or shape,
 * NaN or Inf) are one diagnostic naming the file.
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "onnx.h"

typedef struct Tensor {
	int rank;
	int64_t dim[8];
	const float *data;
	int64_t n;
} Tensor;

static bool
fail(Ctx *cx, const char *path, const char *msg)
{
	diag(cx, DIAG_ERROR, NULL, "calibration file %s: %s", path, msg);
	return false;
}

static unsigned char *
slurp(Ctx *cx, const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	struct stat st;
	long len;

	/* a folder named like a sample opens, but its "size" is no size */
	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fail(cx, path, "cannot be read");
		if (f)
			fclose(f);
		return NULL;
	}
	p = arena_alloc(cx->perm, (size_t)len + 1, 16);
	if (fread(p, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		fail(cx, path, "cannot be read");
		return NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* numpy's .npy: magic, version, header length, a dict literal. */
static bool
read_npy(Ctx *cx, const char *path, const unsigned char *p, size_t n,
         Tensor *t)
{
	size_t hl, off;
	const char *h, *s;
	char *hdr;

	if (n < 10 || memcmp(p, "\x93NUMPY", 6))
		return fail(cx, path, "not a .npy file");
	if (p[6] == 1) {
		hl = p[8] | (size_t)p[9] << 8;
		off = 10;
	} else if (n >= 12 && (p[6] == 2 || p[6] == 3)) {
		hl = p[8] | (size_t)p[9] << 8 | (size_t)p[10] << 16 |
		     (size_t)p[11] << 24;
		off = 12;
	} else {
		return fail(cx, path, "unknown .npy version");
	}
	if (off + hl > n)
		return fail(cx, path, "truncated .npy header");
	hdr = arena_alloc(cx->scratch, hl + 1, 1);
	memcpy(hdr, p + off, hl);
	h = hdr;
	if (!(s = strstr(h, "'descr'")) || !(s = strchr(s + 7, '\'')))
		return fail(cx, path, "no descr in the .npy header");
	if (strncmp(s, "'<f4'", 5) && strncmp(s, "'=f4'", 5))
		return fail(cx, path, "dtype is not float32 ('<f4')");
	if (!(s = strstr(h, "'fortran_order'")) || !strstr(s, "False"))
		return fail(cx, path, "fortran_order arrays are not supported");
	if (!(s = strstr(h, "'shape'")) || !(s = strchr(s, '(')))
		return fail(cx, path, "no shape in the .npy header");
	t->rank = 0;
	t->n = 1;
	for (s++; *s && *s != ')';) {
		char *e;
		long long d = strtoll(s, &e, 10);
		if (e == s) {
			s++;
			continue;
		}
		if (t->rank == 8 || d < 0)
			return fail(cx, path, "bad shape in the .npy header");
		t->dim[t->rank++] = d;
		t->n *= d;
		s = e;
	}
	if ((n - off - hl) / 4 < (size_t)t->n)
		return fail(cx, path, "data shorter than its shape");
	t->data = (const float *)(p + off + hl);
	if ((off + hl) % 4) {
		float *c = NEWARRAY(cx->perm, float, t->n + 1);
		memcpy(c, p + off + hl, (size_t)t->n * 4);
		t->data = c;
	}
	return true;
}

static bool
read_pb(Ctx *cx, const char *path, const unsigned char *p, size_t n,
        Tensor *t)
{
	Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, n, p);
	float *d;

	if (!tp)
		return fail(cx, path, "not a TensorProto");
	if (tp->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ||
	    tp->n_dims > 8) {
		onnx__tensor_proto__free_unpacked(tp, NULL);
		return fail(cx, path, "element type is not FLOAT");
	}
	t->rank = (int)tp->n_dims;
	t->n = 1;
	for (size_t i = 0; i < tp->n_dims; i++) {
		t->dim[i] = tp->dims[i];
		t->n *= tp->dims[i];
	}
	d = NEWARRAY(cx->perm, float, t->n + 1);
	if (tp->has_raw_data && tp->raw_data.len == (size_t)t->n * 4) {
		memcpy(d, tp->raw_data.data, (size_t)t->n * 4);
	} else if (tp->n_float_data == (size_t)t->n) {
		memcpy(d, tp->float_data, (size_t)t->n * 4);
	} else {
		onnx__tensor_proto__free_unpacked(tp, NULL);
		return fail(cx, path, "data does not match its dims");
	}
	onnx__tensor_proto__free_unpacked(tp, NULL);
	t->data = d;
	return true;
}

static bool
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

/* Samples of input x in file path appended to *out (count *n). */
static bool
read_file(Ctx *cx, const char *path, const Value *x, const float ***out,
          uint32_t *n, uint32_t *cap)
{
	const TensorType *it = x->type;
	int64_t per = type_numel(it), k;
	size_t len;
	const unsigned char *p = slurp(cx, path, &len);
	Tensor t;
	bool batch;

	if (!p)
		return false;
	if (!(ends_with(path, ".npy") ? read_npy(cx, path, p, len, &t)
	                              : read_pb(cx, path, p, len, &t)))
		return false;
	batch = t.rank == it->rank && t.rank > 0;
	for (int i = 1; batch && i < t.rank; i++)
		batch = t.dim[i] == it->dim[i];
	if (!batch && t.rank == it->rank + 1) {
		batch = true;
		for (int i = 0; i < it->rank; i++)
			batch &= t.dim[i + 1] == it->dim[i];
	}
	if (t.n == 0 || (t.n != per && !batch) || t.n % per) {
		char buf[128];
		return fail(cx, path, arena_printf(cx->perm, "shape does not "
		            "match input \"%s\" %s", x->name,
		            type_str(it, buf, sizeof buf)));
	}
	for (int64_t i = 0; i < t.n; i++)
		if (!isfinite(t.data[i]))
			return fail(cx, path, "holds NaN or Inf");
	for (k = 0; k < t.n / per; k++) {
		vec_grow(cx->perm, (void **)out, cap, *n + 1, sizeof(float *));
		(*out)[(*n)++] = t.data + k * per;
	}
	return true;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted .npy/.pb names in dir starting with prefix. */
static char **
list_dir(Ctx *cx, const char *dir, const char *prefix, uint32_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	uint32_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) ||
		    (!ends_with(e->d_name, ".npy") && !ends_with(e->d_name, ".pb")))
			continue;
		vec_grow(cx->perm, (void **)&v, &cap, *n + 1, sizeof(char *));
		v[(*n)++] = arena_printf(cx->perm, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

bool
calib_load(Ctx *cx, const Graph *g, const char *dir, uint32_t limit,
           const float ***samples, uint32_t *nsamples)
{
	struct stat st;
	const float ***per = NEWARRAY(cx->perm, const float **, g->ninputs + 1);
	uint32_t *cnt = NEWARRAY(cx->perm, uint32_t, g->ninputs + 1);
	const float **all;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		diag(cx, DIAG_ERROR, NULL, "calibration folder %s does not "
		     "exist", dir);
		return false;
	}
	for (uint32_t i = 0; i < g->ninputs; i++) {
		const Value *x = g->inputs[i];
		char *sub = arena_printf(cx->perm, "%s/%s", dir, x->name);
		char **files;
		uint32_t nf, cap = 0;

		files = list_dir(cx, sub, "", &nf);
		if (!nf)
			files = list_dir(cx, dir, arena_printf(cx->perm, "%s_",
			                                       x->name), &nf);
		if (!nf && g->ninputs == 1)
			files = list_dir(cx, dir, "", &nf);
		if (!nf) {
			diag(cx, DIAG_ERROR, NULL, "calibration folder %s has "
			     "no .npy or .pb files for input \"%s\"", dir,
			     x->name);
			return false;
		}
		for (uint32_t f = 0; f < nf && (!limit || cnt[i] < limit); f++)
			if (!read_file(cx, files[f], x, &per[i], &cnt[i], &cap))
				return false;
		if (limit && cnt[i] > limit)
			cnt[i] = limit;
		if (cnt[i] != cnt[0]) {
			diag(cx, DIAG_ERROR, NULL, "calibration folder %s has %u "
			     "samples for input \"%s\" but %u for \"%s\"", dir,
			     cnt[i], x->name, cnt[0], g->inputs[0]->name);
			return false;
		}
	}
	all = NEWARRAY(cx->perm, const float *,
	               (size_t)cnt[0] * g->ninputs + 1);
	for (uint32_t k = 0; k < cnt[0]; k++)
		for (uint32_t i = 0; i < g->ninputs; i++)
			all[k * g->ninputs + i] = per[i][k];
	*samples = all;
	*nsamples = cnt[0];
	return true;
}
