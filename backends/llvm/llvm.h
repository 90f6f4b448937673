/* llvm.h -- the LLVM backend's private interface (LLVM-C stays in here).
 *
 * llvm_emit (codegen.c) runs the stages in order:
 *
 *   object.c   llvm_target_machine: triple, CPU, features, ABI, PIC
 *   kernels.c  kernels_load: the embedded runtime bitcode for the triple
 *   codegen.c  net_run: the KCalls of lower_graph as calls into the kernels
 *   kernels.c  kernels_prepare: CPU and features on every function,
 *              "no-builtins", everything but net_run internal
 *   object.c   llvm_optimize: the default<O0..O3> pipeline (inline, unroll,
 *              vectorize for the CPU; unused kernels are dropped)
 *   kernels.c  kernels_add_libc: memcpy, memmove and memset inside the
 *              object if the code generator may still call them
 *   object.c   llvm_write: object, assembly or LLVM IR
 */
#ifndef QCC_LLVM_H
#define QCC_LLVM_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "backend.h"

typedef struct Llvm {
	Ctx *cx;
	const Graph *g;
	const CodegenOpts *o;
	const char *cpu;      /* in effect: -mcpu or the target's */
	const char *features; /* the target's, then -mattr */
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMTargetMachineRef tm;
	LLVMValueRef run; /* NAME_run */
} Llvm;

/* object.c */
void llvm_cpu_features(Ctx *cx, const CodegenOpts *o, const char **cpu,
                       const char **features);
bool llvm_target_machine(Llvm *l);
bool llvm_optimize(Llvm *l);
bool llvm_write(Llvm *l, FILE *out);

/* kernels.c */
bool kernels_load(Llvm *l);
void kernels_prepare(Llvm *l);
void kernels_add_libc(Llvm *l);
/* Sets the target CPU, features and "no-builtins" on one function. */
void kernels_set_target(Llvm *l, LLVMValueRef fn);

#endif
