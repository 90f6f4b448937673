/* passes.h -- graph-to-graph rewrites and the pass manager.
 *
 * A pass is one file holding one `const Pass pass_x`.  The pipelines are
 * literal arrays in pipeline.c; the pass manager runs them in order,
 * resets Ctx.scratch after each pass, verifies the IR when CTX_VERIFY_EACH
 * is set, prints it for -print-after, and stops at the first pass that
 * reports an error.
 */
#ifndef QCC_PASSES_H
#define QCC_PASSES_H

#include "ir.h"

typedef struct Pass {
	const char *name;              /* "fold-bn": -print-after= */
	bool (*run)(Ctx *, Graph *);   /* true if it changed the graph */
} Pass;

extern const Pass pass_infer_shapes, pass_fold_const, pass_dce, pass_fold_bn,
	pass_fuse_act, pass_plan_memory;

/* pipeline.c */
bool pipeline_run(Ctx *cx, Graph *g, const Pass *const *passes, size_t n);
/* The float pipeline for -O0..-O3; false if a pass reported an error. */
bool pipeline_default(Ctx *cx, Graph *g, int optlevel);
const Pass *pass_find(const char *name);
/* Writes every pass name, one per line (for --help). */
void pass_list(FILE *out);

/* plan_memory.c: bytes of scratch buffers live at each op, by position in
 * the op list, as plan-memory counts them (its lower bound is their
 * maximum); in cx->perm, *nops entries.  Needs a shaped graph. */
int64_t *plan_live_bytes(Ctx *cx, const Graph *g, uint32_t *nops);

#endif
