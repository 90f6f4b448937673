/* ort.c -- ONNX Runtime through dlopen and its C API function table.
 *
 * The npm package onnxruntime-node ships libonnxruntime.so but no header,
 * so the few types and entries used here are declared by hand.  OrtApi is
 * a struct of function pointers that only ever grows at the end; the
 * indices below are the positions of these entries in that struct
 * (onnxruntime_c_api.h, unchanged since API version 1), and they are
 * fetched as API version ORT_API_VERSION_USED, which every later library
 * still serves.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ort.h"

#define ORT_API_VERSION_USED 13

/* Positions in struct OrtApi. */
enum {
	ORT_GET_ERROR_MESSAGE = 2,
	ORT_CREATE_ENV = 3,
	ORT_CREATE_SESSION = 7,
	ORT_RUN = 9,
	ORT_CREATE_SESSION_OPTIONS = 10,
	ORT_SET_SESSION_EXECUTION_MODE = 13,
	ORT_SET_GRAPH_OPTIMIZATION_LEVEL = 23,
	ORT_SET_INTRA_OP_NUM_THREADS = 24,
	ORT_SET_INTER_OP_NUM_THREADS = 25,
	ORT_CREATE_TENSOR_WITH_DATA = 49,
	ORT_CREATE_CPU_MEMORY_INFO = 69,
	ORT_RELEASE_ENV = 92,
	ORT_RELEASE_STATUS = 93,
	ORT_RELEASE_MEMORY_INFO = 94,
	ORT_RELEASE_SESSION = 95,
	ORT_RELEASE_VALUE = 96,
	ORT_RELEASE_SESSION_OPTIONS = 100,
};

/* Values of the C API's enums. */
enum {
	ORT_LOGGING_LEVEL_WARNING = 2,
	ORT_SEQUENTIAL = 0,
	ORT_ENABLE_ALL = 99,
	ORT_ELEMENT_FLOAT = 1,
	ORT_ARENA_ALLOCATOR = 1,
	ORT_MEM_TYPE_DEFAULT = 0,
};

typedef void (*OrtFn)(void);
typedef struct OrtOpaque OrtOpaque; /* every Ort* object */

typedef struct OrtApiBase {
	const OrtFn *(*get_api)(uint32_t version);
	const char *(*get_version_string)(void);
} OrtApiBase;

typedef const char *(*GetErrorMessageFn)(const OrtOpaque *status);
typedef OrtOpaque *(*CreateEnvFn)(int level, const char *logid,
                                  OrtOpaque **out);
typedef OrtOpaque *(*CreateSessionFn)(const OrtOpaque *env, const char *path,
                                      const OrtOpaque *opts, OrtOpaque **out);
typedef OrtOpaque *(*RunFn)(OrtOpaque *session, const OrtOpaque *run_opts,
                            const char *const *in_names,
                            const OrtOpaque *const *ins, size_t nin,
                            const char *const *out_names, size_t nout,
                            OrtOpaque **outs);
typedef OrtOpaque *(*CreateOptionsFn)(OrtOpaque **out);
typedef OrtOpaque *(*OptionsIntFn)(OrtOpaque *opts, int value);
typedef OrtOpaque *(*CreateTensorFn)(const OrtOpaque *info, void *data,
                                     size_t bytes, const int64_t *shape,
                                     size_t rank, int type, OrtOpaque **out);
typedef OrtOpaque *(*CreateCpuMemoryInfoFn)(int alloc, int mem,
                                            OrtOpaque **out);
typedef void (*ReleaseFn)(OrtOpaque *obj);

struct OrtBench {
	void *lib;
	const OrtFn *api;
	const char *version;
	OrtOpaque *env, *opts, *session, *meminfo, *in, *out;
	const char *in_name, *out_name;
};

/* Turns a non-NULL status into an error message; 0 if status is NULL. */
static int
check(OrtBench *b, OrtOpaque *status, const char *what, char *err, size_t n)
{
	if (!status)
		return 0;
	snprintf(err, n, "%s: %s", what,
	         ((GetErrorMessageFn)b->api[ORT_GET_ERROR_MESSAGE])(status));
	((ReleaseFn)b->api[ORT_RELEASE_STATUS])(status);
	return -1;
}

static int
set_options(OrtBench *b, char *err, size_t n)
{
	const OrtFn *a = b->api;

	if (check(b, ((CreateOptionsFn)a[ORT_CREATE_SESSION_OPTIONS])(&b->opts),
	          "CreateSessionOptions", err, n))
		return -1;
	if (check(b,
	          ((OptionsIntFn)a[ORT_SET_INTRA_OP_NUM_THREADS])(b->opts, 1),
	          "SetIntraOpNumThreads", err, n) ||
	    check(b,
	          ((OptionsIntFn)a[ORT_SET_INTER_OP_NUM_THREADS])(b->opts, 1),
	          "SetInterOpNumThreads", err, n) ||
	    check(b,
	          ((OptionsIntFn)a[ORT_SET_SESSION_EXECUTION_MODE])(
	              b->opts, ORT_SEQUENTIAL),
	          "SetSessionExecutionMode", err, n) ||
	    check(b,
	          ((OptionsIntFn)a[ORT_SET_GRAPH_OPTIMIZATION_LEVEL])(
	              b->opts, ORT_ENABLE_ALL),
	          "SetSessionGraphOptimizationLevel", err, n))
		return -1;
	return 0;
}

static int
bind_tensor(OrtBench *b, float *data, const int64_t *shape, size_t rank,
            OrtOpaque **out, char *err, size_t n)
{
	size_t count = 1;

	for (size_t i = 0; i < rank; i++)
		count *= (size_t)shape[i];
	return check(b,
	             ((CreateTensorFn)b->api[ORT_CREATE_TENSOR_WITH_DATA])(
	                 b->meminfo, data, count * sizeof(float), shape, rank,
	                 ORT_ELEMENT_FLOAT, out),
	             "CreateTensorWithDataAsOrtValue", err, n);
}

OrtBench *
ort_bench_open(const char *lib, const char *model, const char *in_name,
               float *in, const int64_t *in_shape, size_t in_rank,
               const char *out_name, float *out, const int64_t *out_shape,
               size_t out_rank, char *err, size_t n)
{
	OrtBench *b = calloc(1, sizeof *b);
	const OrtApiBase *(*get_base)(void);

	if (!b) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	b->in_name = in_name;
	b->out_name = out_name;
	b->lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!b->lib) {
		snprintf(err, n, "%s", dlerror());
		goto fail;
	}
	*(void **)&get_base = dlsym(b->lib, "OrtGetApiBase");
	if (!get_base) {
		snprintf(err, n, "%s: no OrtGetApiBase", lib);
		goto fail;
	}
	b->version = get_base()->get_version_string();
	b->api = get_base()->get_api(ORT_API_VERSION_USED);
	if (!b->api) {
		snprintf(err, n,
		         "ONNX Runtime %s does not serve API version %d",
		         b->version, ORT_API_VERSION_USED);
		goto fail;
	}
	if (check(b,
	          ((CreateEnvFn)b->api[ORT_CREATE_ENV])(
	              ORT_LOGGING_LEVEL_WARNING, "qcc-bench", &b->env),
	          "CreateEnv", err, n) ||
	    set_options(b, err, n) ||
	    check(b,
	          ((CreateSessionFn)b->api[ORT_CREATE_SESSION])(
	              b->env, model, b->opts, &b->session),
	          "CreateSession", err, n) ||
	    check(b,
	          ((CreateCpuMemoryInfoFn)b->api[ORT_CREATE_CPU_MEMORY_INFO])(
	              ORT_ARENA_ALLOCATOR, ORT_MEM_TYPE_DEFAULT, &b->meminfo),
	          "CreateCpuMemoryInfo", err, n) ||
	    bind_tensor(b, in, in_shape, in_rank, &b->in, err, n) ||
	    bind_tensor(b, out, out_shape, out_rank, &b->out, err, n))
		goto fail;
	return b;
fail:
	ort_bench_close(b);
	return NULL;
}

int
ort_bench_run(OrtBench *b, char *err, size_t n)
{
	const OrtOpaque *ins[1] = {b->in};
	OrtOpaque *outs[1] = {b->out};

	return check(b,
	             ((RunFn)b->api[ORT_RUN])(b->session, NULL, &b->in_name,
	                                      ins, 1, &b->out_name, 1, outs),
	             "Run", err, n);
}

const char *
ort_bench_version(const OrtBench *b)
{
	return b->version;
}

void
ort_bench_close(OrtBench *b)
{
	if (!b)
		return;
	if (b->api) {
		const OrtFn *a = b->api;

		if (b->in)
			((ReleaseFn)a[ORT_RELEASE_VALUE])(b->in);
		if (b->out)
			((ReleaseFn)a[ORT_RELEASE_VALUE])(b->out);
		if (b->meminfo)
			((ReleaseFn)a[ORT_RELEASE_MEMORY_INFO])(b->meminfo);
		if (b->session)
			((ReleaseFn)a[ORT_RELEASE_SESSION])(b->session);
		if (b->opts)
			((ReleaseFn)a[ORT_RELEASE_SESSION_OPTIONS])(b->opts);
		if (b->env)
			((ReleaseFn)a[ORT_RELEASE_ENV])(b->env);
	}
	if (b->lib)
		dlclose(b->lib);
	free(b);
}
