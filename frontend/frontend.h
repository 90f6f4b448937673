/* frontend.h -- ONNX models into qcc's IR. */
#ifndef QCC_FRONTEND_H
#define QCC_FRONTEND_H

#include "ir.h"

typedef struct ImportOpts {
	/* -D NAME=VALUE: values for symbolic dimensions (dim_param) */
	const char *const *dim_names;
	const int64_t *dim_values;
	int ndims;
} ImportOpts;

/* Reads the model at path into a new graph.  Every problem found is
 * reported through diag(); returns NULL if there was any error.  Result types
 * are inferred as each op is built, so shapes that do not fit are reported at
 * their node; g->shaped stays false until the infer-shapes pass has run. */
Graph *onnx_import(Ctx *cx, const char *path, const ImportOpts *opts);

/* calib.c: the calibration samples in dir for g's inputs (layout in
 * calib.c), at most limit (0: all) of them; samples[k * ninputs + i] is
 * input i of sample k.  Problems are one diagnostic naming the file. */
bool calib_load(Ctx *cx, const Graph *g, const char *dir, uint32_t limit,
                const float ***samples, uint32_t *nsamples);

/* Writes "Op  opsets a-b" lines for every supported ONNX operator. */
void onnx_list_ops(FILE *out);

#endif
