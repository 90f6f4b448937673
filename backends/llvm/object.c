/* object.c -- the target machine, the optimization pipeline and emission.
 *
 * The target machine is made from the target's triple and ABI, the CPU
 * and features in effect, position-independent code, and the code
 * generator optimization level of -O.  The pipeline is the new pass
 * manager's default<On> with clang's tuning (vectorizers and unrolling
 * from -O2), followed by globaldce so that unused kernels are gone even at
 * -O0.  Emission writes the bytes to the caller's FILE.
 */
#include <string.h>

#include <llvm-c/Error.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "llvm.h"

static void
init_targets(void)
{
	LLVMInitializeX86TargetInfo();
	LLVMInitializeX86Target();
	LLVMInitializeX86TargetMC();
	LLVMInitializeX86AsmPrinter();
	LLVMInitializeAArch64TargetInfo();
	LLVMInitializeAArch64Target();
	LLVMInitializeAArch64TargetMC();
	LLVMInitializeAArch64AsmPrinter();
	LLVMInitializeRISCVTargetInfo();
	LLVMInitializeRISCVTarget();
	LLVMInitializeRISCVTargetMC();
	LLVMInitializeRISCVAsmPrinter();
}

bool
llvm_target_machine(Llvm *l)
{
	static const LLVMCodeGenOptLevel levels[] = {
	    LLVMCodeGenLevelNone,
	    LLVMCodeGenLevelLess,
	    LLVMCodeGenLevelDefault,
	    LLVMCodeGenLevelAggressive,
	};
	const Target *t = l->o->target;
	int opt = l->o->optlevel < 0   ? 0
	          : l->o->optlevel > 3 ? 3
	                               : l->o->optlevel;
	LLVMTargetMachineOptionsRef opts;
	LLVMTargetRef target;
	char *err = NULL;

	init_targets();
	if (LLVMGetTargetFromTriple(t->triple, &target, &err)) {
		diag(l->cx, DIAG_ERROR, NULL, "target %s: %s", t->triple, err);
		LLVMDisposeMessage(err);
		return false;
	}
	opts = LLVMCreateTargetMachineOptions();
	LLVMTargetMachineOptionsSetCPU(opts, l->cpu);
	LLVMTargetMachineOptionsSetFeatures(opts, l->features);
	if (t->abi)
		LLVMTargetMachineOptionsSetABI(opts, t->abi);
	LLVMTargetMachineOptionsSetCodeGenOptLevel(opts, levels[opt]);
	LLVMTargetMachineOptionsSetRelocMode(opts, LLVMRelocPIC);
	LLVMTargetMachineOptionsSetCodeModel(opts, LLVMCodeModelDefault);
	l->tm = LLVMCreateTargetMachineWithOptions(target, t->triple, opts);
	LLVMDisposeTargetMachineOptions(opts);
	if (!l->tm) {
		diag(l->cx, DIAG_ERROR, NULL,
		     "cannot make a target machine for %s (cpu %s, features "
		     "'%s')",
		     t->triple, l->cpu, l->features);
		return false;
	}
	return true;
}

bool
llvm_optimize(Llvm *l)
{
	int opt = l->o->optlevel < 0   ? 0
	          : l->o->optlevel > 3 ? 3
	                               : l->o->optlevel;
	const char *pipeline =
	    arena_printf(l->cx->scratch, "default<O%d>,globaldce", opt);
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(l->tm);
	LLVMErrorRef err;

	LLVMSetModuleDataLayout(l->mod, td);
	LLVMDisposeTargetData(td);
	LLVMPassBuilderOptionsSetLoopVectorization(po, opt >= 2);
	LLVMPassBuilderOptionsSetSLPVectorization(po, opt >= 2);
	LLVMPassBuilderOptionsSetLoopInterleaving(po, opt >= 2);
	LLVMPassBuilderOptionsSetLoopUnrolling(po, opt >= 2);
	err = LLVMRunPasses(l->mod, pipeline, l->tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (err) {
		char *msg = LLVMGetErrorMessage(err);

		diag(l->cx, DIAG_ERROR, NULL, "LLVM passes %s: %s", pipeline,
		     msg);
		LLVMDisposeErrorMessage(msg);
		return false;
	}
	return true;
}

/* Calls to functions outside the module would be undefined symbols. */
static void
check_external_calls(Llvm *l)
{
	for (LLVMValueRef f = LLVMGetFirstFunction(l->mod); f;
	     f = LLVMGetNextFunction(f)) {
		size_t n;
		const char *name = LLVMGetValueName2(f, &n);

		if (LLVMIsDeclaration(f) && !LLVMGetIntrinsicID(f) &&
		    LLVMGetFirstUse(f))
			diag(l->cx, DIAG_WARNING, NULL,
			     "the runtime calls %.*s: the object will need it "
			     "from a library",
			     (int)n, name);
	}
}

bool
llvm_write(Llvm *l, FILE *out)
{
	LLVMMemoryBufferRef mb;
	char *err = NULL, *text;

	check_external_calls(l);
	if (l->o->emit == EMIT_LLVM) {
		text = LLVMPrintModuleToString(l->mod);
		fputs(text, out);
		LLVMDisposeMessage(text);
	} else {
		if (LLVMTargetMachineEmitToMemoryBuffer(l->tm, l->mod,
		                                        l->o->emit == EMIT_ASM
		                                            ? LLVMAssemblyFile
		                                            : LLVMObjectFile,
		                                        &err, &mb)) {
			diag(l->cx, DIAG_ERROR, NULL,
			     "LLVM code generation: %s", err);
			LLVMDisposeMessage(err);
			return false;
		}
		fwrite(LLVMGetBufferStart(mb), 1, LLVMGetBufferSize(mb), out);
		LLVMDisposeMemoryBuffer(mb);
	}
	if (ferror(out)) {
		diag(l->cx, DIAG_ERROR, NULL, "cannot write the output");
		return false;
	}
	return true;
}
