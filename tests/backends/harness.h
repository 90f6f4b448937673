/* harness.h -- shared by the backend tests (test_cgen.c, test_llvm.c):
 * small graphs that reach every runtime kernel, and the steps of an
 * end-to-end check with the system compilers:
 *
 *	Graph *ref = bt_graph(cx, i), *g = bt_planned(cx, i);
 *	char *dir = bt_tmpdir(cx);
 *	bt_emit(cx, dir, "net.o", g, &o);        also writes net.h
 *	bt_harness(cx, dir, g, "net");           harness.c and in.bin
 *	cr_assert_eq(bt_sh("cd %s && gcc ... && ./run", dir), 0);
 *	bt_check(cx, dir, ref);                  out.bin against ir_eval
 *
 * Inputs are random in [-1, 1) with seed 1000 + input index, as in
 * tg_assert_close.
 */
#ifndef QCC_BT_HARNESS_H
#define QCC_BT_HARNESS_H

#include "backend.h"

enum { BT_NGRAPHS = 6 };

extern const char *const bt_graph_name[BT_NGRAPHS];

/* Graph which, shaped and unoptimized (the reference). */
Graph *bt_graph(Ctx *cx, int which);
/* The same graph through pipeline_default at -O2, ready for a backend. */
Graph *bt_planned(Ctx *cx, int which);

CodegenOpts bt_opts(const char *target, const char *name, EmitKind emit,
                    int optlevel);

/* A new empty directory under /tmp. */
char *bt_tmpdir(Ctx *cx);
/* Removes dir and its files (call at the end of a passing test). */
void bt_rmdir(const char *dir);
/* Runs a shell command and returns its exit status. */
int bt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether program is on PATH. */
int bt_have(const char *program);

/* Writes dir/file with the C backend (EMIT_C) or the LLVM backend, and the
 * header beside it (dir/NAME.h); asserts that both succeed. */
void bt_emit(Ctx *cx, const char *dir, const char *file, const Graph *g,
             const CodegenOpts *o);
/* The bytes of path, NUL-terminated, in cx->perm. */
char *bt_slurp(Ctx *cx, const char *path, size_t *n);

/* dir/harness.c: reads the inputs from in.bin, calls NAME_run with
 * NAME.h's sizes and a 64-byte aligned scratch filled with 0xff, writes
 * the outputs to out.bin.  Also writes dir/in.bin for g's inputs. */
void bt_harness(Ctx *cx, const char *dir, const Graph *g, const char *name);
/* Compares dir/out.bin with ir_eval(ref) on the same inputs:
 * |got - want| <= 1e-5 (1 + |want|) for every element. */
void bt_check(Ctx *cx, const char *dir, const Graph *ref);

#endif
