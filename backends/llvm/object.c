/* object.c -- the target machine, the optimization pipeline and emission.
 *
 * The target machine is made from the target's triple and ABI, the CPU
 * and features in effect, position-independent code, and the code
 * generator optimization level of -O.  LLVM only warns about a CPU or
 * feature it does not know and carries on without it; its warnings are
 * caught on the way (stderr is briefly a temporary file) and become
 * errors.  The pipeline is the new pass
 * manager's default<On> with clang's tuning (vectorizers and unrolling
 * from -O2), followed by globaldce so that unused kernels are gone even at
 * -O0.  Emission writes the bytes to the caller's FILE.
 */
#include <string.h>
#include <unistd.h>

#include <llvm-c/Error.h>
#include <llvm-c/Object.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "llvm.h"

static void
init_targets(void)
{
	LLVMInitializeAllTargetInfos();
	LLVMInitializeAllTargets();
	LLVMInitializeAllTargetMCs();
	LLVMInitializeAllAsmPrinters();
}

/* What LLVM wrote to stderr while making the target machine, one warning
 * per line, turned into errors: "'x' is not a recognized processor for
 * this target (ignoring processor)" and the same for features. */
static void
report_ignored(Llvm *l, FILE *captured)
{
	const char *triple = l->o->target->triple;
	char line[512], last[512] = "";

	rewind(captured);
	while (fgets(line, sizeof line, captured)) {
		char *q = strchr(line, '\'');
		char *e = q ? strchr(q + 1, '\'') : NULL;

		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, last) == 0)
			continue; /* LLVM says it once per subtarget made */
		strcpy(last, line);
		if (!e || !strstr(e, "not a recognized")) {
			fprintf(stderr, "%s\n", line);
			continue;
		}
		*e = '\0';
		if (strstr(e + 1, "processor"))
			diag(l->cx, DIAG_ERROR, NULL,
			     "-mcpu=%s: not a CPU of %s (llc-19 -mtriple=%s "
			     "-mcpu=help lists them)",
			     q + 1, triple, triple);
		else
			diag(l->cx, DIAG_ERROR, NULL,
			     "-mattr: '%s' is not a feature of %s (llc-19 "
			     "-mtriple=%s -mattr=help lists them)",
			     q + 1, triple, triple);
	}
}

/* LLVMCreateTargetMachineWithOptions with stderr caught in a temporary
 * file, then reported. */
static LLVMTargetMachineRef
create_checked(Llvm *l, LLVMTargetRef target, LLVMTargetMachineOptionsRef opts)
{
	FILE *tmp = tmpfile();
	int saved = -1;
	LLVMTargetMachineRef tm;

	fflush(stderr);
	if (tmp)
		saved = dup(2);
	if (saved >= 0 && dup2(fileno(tmp), 2) < 0) {
		close(saved);
		saved = -1;
	}
	tm = LLVMCreateTargetMachineWithOptions(target, l->o->target->triple,
	                                        opts);
	if (saved >= 0) {
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		report_ignored(l, tmp);
	}
	if (tmp)
		fclose(tmp);
	return tm;
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
	int errors = l->cx->nerrors;

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
	l->tm = create_checked(l, target, opts);
	LLVMDisposeTargetMachineOptions(opts);
	if (l->cx->nerrors > errors)
		return false;
	if (!l->tm) {
		diag(l->cx, DIAG_ERROR, NULL,
		     "cannot make a target machine for %s (cpu %s, features "
		     "'%s')",
		     t->triple, l->cpu, l->features);
		return false;
	}
	return true;
}

/* -mattr is a list of +feature and -feature. */
static bool
check_attrs(Ctx *cx, const char *attrs)
{
	const char *p = attrs;

	while (p && *p) {
		size_t n = strcspn(p, ",");

		if ((*p != '+' && *p != '-') || n < 2) {
			diag(cx, DIAG_ERROR, NULL,
			     "-mattr=%s: each feature must be +NAME or -NAME, "
			     "separated by commas",
			     attrs);
			return false;
		}
		p += n + (p[n] == ',');
	}
	return true;
}

/* The CPU name and feature string LLVM gets: the target's and -mcpu's and
 * -mattr's, except that the CPU "native" (the host target's default, or
 * -mcpu=native) becomes LLVM's name for this machine's CPU and its
 * features, followed by -mattr's. */
void
llvm_cpu_features(Ctx *cx, const CodegenOpts *o, const char **cpu,
                  const char **features)
{
	const char *attrs = target_features(cx, o);
	char *name, *host;

	/* LLVM 19 splits AVX-512 into the instructions (+avx512f) and the
	 * 512-bit registers (+evex512); clang's -mavx512f means both, and
	 * without the second LLVM cannot select 512-bit vector code */
	if (strstr(attrs, "+avx512") && !strstr(attrs, "evex512"))
		attrs = arena_printf(cx->perm, "%s,+evex512", attrs);
	if (strcmp(target_cpu(o), "native") != 0) {
		*cpu = target_cpu(o);
		*features = attrs;
		return;
	}
	name = LLVMGetHostCPUName();
	host = LLVMGetHostCPUFeatures();
	*cpu = arena_strdup(cx->perm, name);
	*features = *attrs ? arena_printf(cx->perm, "%s,%s", host, attrs)
	                   : arena_strdup(cx->perm, host);
	LLVMDisposeMessage(name);
	LLVMDisposeMessage(host);
}

bool
llvm_check_target(Ctx *cx, CodegenOpts *o)
{
	Llvm l = {.cx = cx, .o = o};
	int errors = cx->nerrors;

	if (!check_attrs(cx, o->attrs))
		return false;
	if (strcmp(target_cpu(o), "native") == 0) {
		if (strcmp(o->target->triple, target_host()->triple) != 0) {
			diag(cx, DIAG_ERROR, NULL,
			     "-mcpu=native is only for -target=host (%s)",
			     target_host()->name);
			return false;
		}
		/* the header and the report name the CPU itself */
		llvm_cpu_features(cx, o, &o->cpu, &o->attrs);
	}
	l.cpu = target_cpu(o);
	l.features = target_features(cx, o);
	if (llvm_target_machine(&l))
		LLVMDisposeTargetMachine(l.tm);
	return cx->nerrors == errors;
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

/* Symbols the code generator itself calls (soft-float helpers such as
 * __addsf3 on a CPU without an FPU) appear only in the object: in an ELF
 * object, a symbol in no section that is not the file symbol (named after
 * the module). */
static void
check_undefined(Llvm *l, LLVMMemoryBufferRef mb)
{
	char *err = NULL;
	LLVMBinaryRef bin = LLVMCreateBinary(mb, l->ctx, &err);
	LLVMSymbolIteratorRef sym;
	LLVMSectionIteratorRef sec;

	if (!bin) {
		LLVMDisposeMessage(err);
		return;
	}
	if (LLVMBinaryGetType(bin) != LLVMBinaryTypeELF32L &&
	    LLVMBinaryGetType(bin) != LLVMBinaryTypeELF64L) {
		LLVMDisposeBinary(bin);
		return;
	}
	sym = LLVMObjectFileCopySymbolIterator(bin);
	sec = LLVMObjectFileCopySectionIterator(bin);
	for (; !LLVMObjectFileIsSymbolIteratorAtEnd(bin, sym);
	     LLVMMoveToNextSymbol(sym)) {
		const char *name = LLVMGetSymbolName(sym);

		LLVMMoveToContainingSection(sec, sym);
		if (LLVMObjectFileIsSectionIteratorAtEnd(bin, sec) && name &&
		    *name && strcmp(name, l->o->name) != 0)
			diag(l->cx, DIAG_WARNING, NULL,
			     "the object needs %s from a library: %s (cpu %s) "
			     "lacks an instruction for it",
			     name, l->o->target->triple,
			     *l->cpu ? l->cpu : "default");
	}
	LLVMDisposeSectionIterator(sec);
	LLVMDisposeSymbolIterator(sym);
	LLVMDisposeBinary(bin);
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
		if (l->o->emit == EMIT_OBJ)
			check_undefined(l, mb);
		fwrite(LLVMGetBufferStart(mb), 1, LLVMGetBufferSize(mb), out);
		LLVMDisposeMemoryBuffer(mb);
	}
	if (ferror(out)) {
		diag(l->cx, DIAG_ERROR, NULL, "cannot write the output");
		return false;
	}
	return true;
}
