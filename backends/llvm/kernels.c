/* kernels.c -- the runtime kernels as LLVM IR, ready to be inlined.
 *
 * The kernels were compiled once per architecture by clang at qcc's build
 * time (backends/CMakeLists.txt) for a baseline CPU; here they are parsed from
 * the embedded bitcode into the module net_run is built in, and retargeted:
 * clang's target-cpu, target-features and tune-cpu give way to the CPU and
 * features of this compilation, so the optimizer vectorizes for the real
 * target.  Every function gets "no-builtins", so the optimizer does not
 * turn loops into memcpy or memset calls, and every symbol but net_run
 * becomes internal, so two models link into one program and unused
 * kernels disappear.
 *
 * The code generator can still lower a large llvm.memcpy or llvm.memset to
 * a library call.  kernels_add_libc then defines memcpy, memmove and
 * memset as internal byte loops in the module itself, and the object keeps
 * no undefined symbols.
 */
#include <stdio.h>
#include <string.h>

#include <llvm-c/BitReader.h>

#include "llvm.h"

/* The runtime bitcode for a triple the target table does not name: the
 * same architecture's if qcc has it, else the one of the same pointer
 * width (the kernels' IR is target-independent apart from the data
 * layout, which llvm_optimize replaces).  Weights are little-endian
 * bytes, so a big-endian target cannot run them. */
static const char *
bitcode_for(Llvm *l, const char *triple)
{
	static const struct {
		const char *prefix, *rt;
	} arch[] = {
	    {"x86_64", "x86_64"},   {"amd64", "x86_64"},
	    {"aarch64", "aarch64"}, {"arm64", "aarch64"},
	    {"riscv64", "riscv64"}, {"arm", "arm"},
	    {"thumb", "arm"},
	};
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(l->tm);
	enum LLVMByteOrdering order = LLVMByteOrder(td);
	unsigned bytes = LLVMPointerSize(td);

	LLVMDisposeTargetData(td);
	if (order == LLVMBigEndian) {
		diag(l->cx, DIAG_ERROR, NULL,
		     "target %s is big-endian; qcc supports little-endian "
		     "targets only",
		     triple);
		return NULL;
	}
	for (size_t i = 0; i < sizeof arch / sizeof arch[0]; i++)
		if (strncmp(triple, arch[i].prefix, strlen(arch[i].prefix)) ==
		    0)
			return arch[i].rt;
	if (bytes == 8 || bytes == 4)
		return bytes == 8 ? "aarch64" : "arm";
	diag(l->cx, DIAG_ERROR, NULL, "no runtime kernels for target %s",
	     triple);
	return NULL;
}

bool
kernels_load(Llvm *l)
{
	const char *triple = l->o->target->triple;
	const char *arch = l->o->target->rt;
	const unsigned char *bc;
	LLVMMemoryBufferRef mb;
	size_t n;
	bool bad;

	if (!arch && !(arch = bitcode_for(l, triple)))
		return false;
	bc = rt_bitcode(arch, &n);
	if (!bc || n == 0) {
		diag(l->cx, DIAG_ERROR, NULL,
		     "this qcc was built without runtime kernels for %s", arch);
		return false;
	}
	mb = LLVMCreateMemoryBufferWithMemoryRangeCopy((const char *)bc, n,
	                                               "qcc_rt");
	bad = LLVMParseBitcodeInContext2(l->ctx, mb, &l->mod) != 0;
	LLVMDisposeMemoryBuffer(mb);
	if (bad) {
		diag(l->cx, DIAG_ERROR, NULL,
		     "cannot read the embedded %s runtime bitcode", arch);
		return false;
	}
	LLVMSetModuleIdentifier(l->mod, l->o->name, strlen(l->o->name));
	LLVMSetSourceFileName(l->mod, l->o->name, strlen(l->o->name));
	LLVMSetTarget(l->mod, triple);
	return true;
}

/* Replaces function attribute k by k=v; removes it if v is NULL, or empty
 * for anything but "no-builtins" (an empty feature list means none). */
static void
set_string_attr(Llvm *l, LLVMValueRef fn, const char *k, const char *v)
{
	LLVMRemoveStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, k,
	                                 (unsigned)strlen(k));
	if (v && (*v || strcmp(k, "no-builtins") == 0))
		LLVMAddAttributeAtIndex(
		    fn, LLVMAttributeFunctionIndex,
		    LLVMCreateStringAttribute(l->ctx, k, (unsigned)strlen(k), v,
		                              (unsigned)strlen(v)));
}

/* The least VLEN the RISC-V features promise: the largest +zvlNb, 128
 * for +v, 0 without vectors. */
static unsigned
riscv_min_vlen(const char *features)
{
	unsigned vlen = 0, n;
	const char *p = features;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (sscanf(p, "+zvl%ub", &n) == 1 && n > vlen)
			vlen = n;
		else if (len == 2 && strncmp(p, "+v", 2) == 0 && vlen < 128)
			vlen = 128;
		p += len + (p[len] == ',');
	}
	return vlen;
}

/* RISC-V vector code is vector-length agnostic: scalable vectors whose
 * vscale (VLEN / 64) is only bounded, vscale_range(VLEN_min / 64, 1024),
 * so one object runs on any VLEN the features allow.  clang put the
 * bound of its own -march on the bitcode; the features of this
 * compilation (+zvl256b, say) replace it, as LLVM insists they agree. */
static void
set_vscale_range(Llvm *l, LLVMValueRef fn)
{
	static const char name[] = "vscale_range";
	unsigned kind = LLVMGetEnumAttributeKindForName(name, sizeof name - 1);
	unsigned vlen;

	LLVMRemoveEnumAttributeAtIndex(fn, LLVMAttributeFunctionIndex, kind);
	if (strncmp(l->o->target->triple, "riscv", 5) != 0)
		return;
	vlen = riscv_min_vlen(l->features);
	if (vlen == 0)
		return;
	LLVMAddAttributeAtIndex(
	    fn, LLVMAttributeFunctionIndex,
	    LLVMCreateEnumAttribute(
	        l->ctx, kind,
	        (uint64_t)(vlen >= 128 ? vlen / 64 : 1) << 32 | 1024));
}

void
kernels_set_target(Llvm *l, LLVMValueRef fn)
{
	set_string_attr(l, fn, "target-cpu", l->cpu);
	set_string_attr(l, fn, "target-features", l->features);
	set_string_attr(l, fn, "tune-cpu", NULL);
	set_string_attr(l, fn, "no-builtins", "");
	set_vscale_range(l, fn);
	/* C never unwinds; without nounwind, 32-bit ARM objects refer to
	 * the unwinder's personality routine __aeabi_unwind_cpp_pr0. */
	LLVMAddAttributeAtIndex(
	    fn, LLVMAttributeFunctionIndex,
	    LLVMCreateEnumAttribute(
	        l->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
}

void
kernels_prepare(Llvm *l)
{
	for (LLVMValueRef f = LLVMGetFirstFunction(l->mod); f;
	     f = LLVMGetNextFunction(f)) {
		if (LLVMIsDeclaration(f))
			continue;
		kernels_set_target(l, f);
		if (f == l->run)
			continue;
		LLVMSetLinkage(f, LLVMInternalLinkage);
		LLVMSetVisibility(f, LLVMDefaultVisibility);
	}
	for (LLVMValueRef v = LLVMGetFirstGlobal(l->mod); v;
	     v = LLVMGetNextGlobal(v)) {
		if (LLVMIsDeclaration(v) ||
		    LLVMGetLinkage(v) == LLVMAppendingLinkage)
			continue;
		if (LLVMGetLinkage(v) != LLVMPrivateLinkage)
			LLVMSetLinkage(v, LLVMInternalLinkage);
		LLVMSetVisibility(v, LLVMDefaultVisibility);
	}
}

static bool
has_uses_named(Llvm *l, const char *prefix)
{
	size_t n = strlen(prefix), len;

	for (LLVMValueRef f = LLVMGetFirstFunction(l->mod); f;
	     f = LLVMGetNextFunction(f)) {
		const char *name = LLVMGetValueName2(f, &len);

		if (len >= n && memcmp(name, prefix, n) == 0 &&
		    LLVMGetFirstUse(f))
			return true;
	}
	return false;
}

/* fn's body: a byte loop from p to p + n, forward or backward.  memset
 * stores the byte c; memcpy and memmove copy from s. */
static void
build_loop(Llvm *l, LLVMValueRef fn, LLVMBasicBlockRef entry, bool forward,
           bool set, LLVMBasicBlockRef done)
{
	LLVMTypeRef i8 = LLVMInt8TypeInContext(l->ctx);
	LLVMTypeRef sz = LLVMTypeOf(LLVMGetParam(fn, 2));
	LLVMBasicBlockRef loop =
	    LLVMAppendBasicBlockInContext(l->ctx, fn, "loop");
	LLVMBasicBlockRef body =
	    LLVMAppendBasicBlockInContext(l->ctx, fn, "body");
	LLVMBuilderRef b = LLVMCreateBuilderInContext(l->ctx);
	LLVMValueRef d = LLVMGetParam(fn, 0), n = LLVMGetParam(fn, 2);
	LLVMValueRef zero = LLVMConstInt(sz, 0, 0),
	             one = LLVMConstInt(sz, 1, 0);
	LLVMValueRef i, cont, next, at, byte;

	LLVMPositionBuilderAtEnd(b, entry);
	LLVMBuildBr(b, loop);
	LLVMPositionBuilderAtEnd(b, loop);
	i = LLVMBuildPhi(b, sz, "i");
	cont = LLVMBuildICmp(b, forward ? LLVMIntULT : LLVMIntUGT, i,
	                     forward ? n : zero, "");
	LLVMBuildCondBr(b, cont, body, done);
	LLVMPositionBuilderAtEnd(b, body);
	at = forward ? i : LLVMBuildSub(b, i, one, "");
	next = forward ? LLVMBuildAdd(b, i, one, "") : at;
	if (set) {
		byte = LLVMBuildTrunc(b, LLVMGetParam(fn, 1), i8, "");
	} else {
		LLVMValueRef sp =
		    LLVMBuildGEP2(b, i8, LLVMGetParam(fn, 1), &at, 1, "");
		byte = LLVMBuildLoad2(b, i8, sp, "");
	}
	LLVMBuildStore(b, byte, LLVMBuildGEP2(b, i8, d, &at, 1, ""));
	LLVMBuildBr(b, loop);
	{
		LLVMValueRef vals[2] = {forward ? zero : n, next};
		LLVMBasicBlockRef from[2] = {entry, body};
		LLVMAddIncoming(i, vals, from, 2);
	}
	LLVMDisposeBuilder(b);
}

/* Defines (or gives a body to the declaration of) the C library function
 * name in the module, internal. */
static void
define_libc(Llvm *l, const char *name)
{
	LLVMTypeRef ptr = LLVMPointerTypeInContext(l->ctx, 0);
	LLVMTypeRef sz =
	    LLVMIntPtrTypeInContext(l->ctx, LLVMGetModuleDataLayout(l->mod));
	bool set = strcmp(name, "memset") == 0;
	bool move = strcmp(name, "memmove") == 0;
	LLVMTypeRef params[3] = {
	    ptr, set ? LLVMInt32TypeInContext(l->ctx) : ptr, sz};
	LLVMValueRef fn = LLVMGetNamedFunction(l->mod, name);
	LLVMBasicBlockRef entry, done, fwd, bwd;
	LLVMBuilderRef b;

	if (fn && !LLVMIsDeclaration(fn))
		return;
	if (!fn)
		fn = LLVMAddFunction(l->mod, name,
		                     LLVMFunctionType(ptr, params, 3, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	kernels_set_target(l, fn);
	/* No unwind tables: on 32-bit ARM they would pull in
	 * __aeabi_unwind_cpp_pr0, and the object must need nothing. */
	LLVMAddAttributeAtIndex(
	    fn, LLVMAttributeFunctionIndex,
	    LLVMCreateEnumAttribute(
	        l->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	entry = LLVMAppendBasicBlockInContext(l->ctx, fn, "entry");
	done = LLVMAppendBasicBlockInContext(l->ctx, fn, "done");
	b = LLVMCreateBuilderInContext(l->ctx);
	LLVMPositionBuilderAtEnd(b, done);
	LLVMBuildRet(b, LLVMGetParam(fn, 0));
	if (!move) {
		build_loop(l, fn, entry, true, set, done);
	} else {
		/* Forward when the destination is below the source. */
		fwd = LLVMAppendBasicBlockInContext(l->ctx, fn, "forward");
		bwd = LLVMAppendBasicBlockInContext(l->ctx, fn, "backward");
		LLVMPositionBuilderAtEnd(b, entry);
		LLVMBuildCondBr(
		    b,
		    LLVMBuildICmp(
		        b, LLVMIntULT,
		        LLVMBuildPtrToInt(b, LLVMGetParam(fn, 0), sz, ""),
		        LLVMBuildPtrToInt(b, LLVMGetParam(fn, 1), sz, ""), ""),
		    fwd, bwd);
		build_loop(l, fn, fwd, true, false, done);
		build_loop(l, fn, bwd, false, false, done);
	}
	LLVMDisposeBuilder(b);
}

void
kernels_add_libc(Llvm *l)
{
	static const char *const fns[] = {"memcpy", "memmove", "memset"};
	bool intrinsics = has_uses_named(l, "llvm.memcpy") ||
	                  has_uses_named(l, "llvm.memmove") ||
	                  has_uses_named(l, "llvm.memset");

	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		LLVMValueRef f = LLVMGetNamedFunction(l->mod, fns[i]);

		if (intrinsics || (f && LLVMGetFirstUse(f)))
			define_libc(l, fns[i]);
	}
}
