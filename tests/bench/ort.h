/* ort.h -- a minimal ONNX Runtime session for the benchmark: loads
 * libonnxruntime.so with dlopen and drives it through its C API function
 * table (no ONNX Runtime header needed).  One float32 input, one float32
 * output, both in the caller's buffers.
 */
#ifndef QCC_BENCH_ORT_H
#define QCC_BENCH_ORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct OrtBench OrtBench;

/* Opens lib, creates a session for model with one intra-op and one
 * inter-op thread, sequential execution, all graph optimizations, and binds
 * in (shape in_shape[in_rank]) and out (out_n floats, shape out_shape).
 * Returns NULL and fills err on failure. */
OrtBench *ort_bench_open(const char *lib, const char *model,
                         const char *in_name, float *in,
                         const int64_t *in_shape, size_t in_rank,
                         const char *out_name, float *out,
                         const int64_t *out_shape, size_t out_rank, char *err,
                         size_t errlen);
/* One inference; 0 on success, else fills err. */
int ort_bench_run(OrtBench *b, char *err, size_t errlen);
/* "1.30.0" */
const char *ort_bench_version(const OrtBench *b);
void ort_bench_close(OrtBench *b);

#endif
