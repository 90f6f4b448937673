/* codegen.c -- the LLVM backend: net_run built through LLVM-C.
 *
 * The same kernel calls as the C backend (lower_graph), as IR:
 *
 *   define i32 @net_run(ptr %inputs, ptr %outputs, ptr %scratch) {
 *     %in0 = load ptr, ptr %inputs              ; once per slot used
 *     %p = getelementptr inbounds i8, ptr %scratch, i64 3136
 *     call void @qcc_rt_conv2d_f32(ptr %p, ptr %in0, ptr @net_w1, i32 28, ...)
 *     ...
 *     ret i32 0
 *   }
 *
 * Weights are private unnamed_addr constants aligned to 64 bytes (.rodata);
 * KA_I32S and KA_F32S arguments are small constant arrays.  Each call takes
 * its function type from the kernel's definition in the bitcode, and the
 * arguments are checked against it.  Then llvm_emit runs the stages listed
 * in llvm.h.
 */
#include <string.h>

#include <llvm-c/Analysis.h>

#include "llvm.h"

/* Constant arrays of at least this many elements (packed weights) are
 * emitted as raw bytes, aligned like the weights. */
enum { BIG_ARRAY = 1024 };

typedef struct Build {
	Llvm *l;
	LLVMBuilderRef b;
	LLVMTypeRef ptr, i8, i32, i64, f32;
	LLVMValueRef *in, *out; /* loaded user pointers, by slot */
	LLVMValueRef *weights;  /* by Value.id */
	uint32_t ncall;         /* call being built, for names */
} Build;

static LLVMValueRef
const_global(Build *c, LLVMValueRef init, const char *name, unsigned align)
{
	LLVMValueRef gv = LLVMAddGlobal(c->l->mod, LLVMTypeOf(init), name);

	LLVMSetInitializer(gv, init);
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
	LLVMSetAlignment(gv, align);
	return gv;
}

static LLVMValueRef
weight(Build *c, uint32_t id)
{
	const Value *v;

	QCC_ASSERT(id < c->l->g->nvalues);
	if (c->weights[id])
		return c->weights[id];
	v = c->l->g->values[id];
	QCC_ASSERT(v->cst && v->type && v->cst->nbytes >= type_bytes(v->type));
	c->weights[id] = const_global(
	    c,
	    LLVMConstStringInContext2(c->l->ctx, v->cst->data,
	                              type_bytes(v->type), 1),
	    arena_printf(c->l->cx->scratch, "%s_w%u", c->l->o->name, id), 64);
	return c->weights[id];
}

/* The pointer in slot i of the inputs or outputs array, loaded once. */
static LLVMValueRef
user_ptr(Build *c, LLVMValueRef *cache, unsigned param, uint32_t i,
         const char *prefix)
{
	LLVMValueRef idx, p;

	if (cache[i])
		return cache[i];
	idx = LLVMConstInt(c->i64, i, 0);
	p = LLVMBuildInBoundsGEP2(c->b, c->ptr, LLVMGetParam(c->l->run, param),
	                          &idx, 1, "");
	cache[i] =
	    LLVMBuildLoad2(c->b, c->ptr, p,
	                   arena_printf(c->l->cx->scratch, "%s%u", prefix, i));
	return cache[i];
}

static LLVMValueRef
buf_value(Build *c, const Buf *b)
{
	LLVMValueRef base, off;

	switch (b->kind) {
	case BUF_NONE:
		return LLVMConstPointerNull(c->ptr);
	case BUF_INPUT:
		QCC_ASSERT(b->index < c->l->g->ninputs);
		base = user_ptr(c, c->in, 0, b->index, "in");
		break;
	case BUF_OUTPUT:
		QCC_ASSERT(b->index < c->l->g->noutputs);
		base = user_ptr(c, c->out, 1, b->index, "out");
		break;
	case BUF_SCRATCH:
		base = LLVMGetParam(c->l->run, 2);
		break;
	case BUF_CONST:
		base = weight(c, b->index);
		break;
	default:
		bug("bad buffer kind %d", b->kind);
	}
	if (b->offset == 0)
		return base;
	off = LLVMConstInt(c->i64, (unsigned long long)b->offset, 0);
	return LLVMBuildInBoundsGEP2(c->b, c->i8, base, &off, 1, "");
}

static LLVMValueRef
array_value(Build *c, const KArg *a, uint32_t j)
{
	LLVMTypeRef t = a->kind == KA_F32S ? c->f32 : c->i32;
	uint32_t n = a->u.arr.n;
	LLVMValueRef *elts;

	if (n >= BIG_ARRAY)
		return const_global(
		    c,
		    LLVMConstStringInContext2(c->l->ctx, a->u.arr.p,
		                              (size_t)n * 4, 1),
		    arena_printf(c->l->cx->scratch, "%s_k%u_%u", c->l->o->name,
		                 c->ncall, j),
		    64);
	elts = NEWARRAY(c->l->cx->scratch, LLVMValueRef, n + 1);
	for (uint32_t i = 0; i < n; i++) {
		if (a->kind == KA_F32S)
			elts[i] =
			    LLVMConstReal(t, ((const float *)a->u.arr.p)[i]);
		else
			elts[i] = LLVMConstInt(
			    t,
			    (unsigned long long)(int64_t)((const int32_t *)
			                                      a->u.arr.p)[i],
			    1);
	}
	return const_global(c, LLVMConstArray2(t, elts, n),
	                    arena_printf(c->l->cx->scratch, "%s_k%u_%u",
	                                 c->l->o->name, c->ncall, j),
	                    16);
}

/* The LLVM type kind an argument needs, for checking it against the
 * kernel's parameter. */
static LLVMTypeKind
arg_kind(const KArg *a)
{
	switch (a->kind) {
	case KA_I32:
		return LLVMIntegerTypeKind;
	case KA_F32:
		return LLVMFloatTypeKind;
	default:
		return LLVMPointerTypeKind;
	}
}

static LLVMValueRef
arg_value(Build *c, const KArg *a, uint32_t j)
{
	switch (a->kind) {
	case KA_BUF:
		return buf_value(c, &a->u.buf);
	case KA_I32:
		return LLVMConstInt(c->i32, (unsigned long long)(int64_t)a->u.i,
		                    1);
	case KA_F32:
		return LLVMConstReal(c->f32, a->u.f);
	case KA_I32S:
	case KA_F32S:
		return array_value(c, a, j);
	}
	bug("bad argument kind %d", a->kind);
}

/* Parameter attributes the ABI needs at the call too (RISC-V passes i32
 * sign-extended). */
static void
copy_abi_attrs(Build *c, LLVMValueRef fn, LLVMValueRef call, unsigned idx)
{
	static const char *const kinds[] = {"signext", "zeroext", "noundef"};

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		unsigned id =
		    LLVMGetEnumAttributeKindForName(kinds[k], strlen(kinds[k]));
		LLVMAttributeRef a = LLVMGetEnumAttributeAtIndex(fn, idx, id);

		if (a)
			LLVMAddCallSiteAttribute(call, idx, a);
	}
}

static bool
build_call(Build *c, const KCall *k)
{
	LLVMValueRef fn = LLVMGetNamedFunction(c->l->mod, k->fn);
	LLVMValueRef *args, call;
	LLVMTypeRef fty;
	LLVMTypeRef *params;

	if (!fn) {
		diag(c->l->cx, DIAG_ERROR, k->op ? &k->op->loc : NULL,
		     "runtime kernel %s is missing from the %s bitcode", k->fn,
		     c->l->o->target->triple);
		return false;
	}
	fty = LLVMGlobalGetValueType(fn);
	if (LLVMCountParamTypes(fty) != k->nargs)
		bug("kernel %s takes %u arguments, lowering passes %u", k->fn,
		    LLVMCountParamTypes(fty), k->nargs);
	params = NEWARRAY(c->l->cx->scratch, LLVMTypeRef, k->nargs + 1);
	args = NEWARRAY(c->l->cx->scratch, LLVMValueRef, k->nargs + 1);
	LLVMGetParamTypes(fty, params);
	for (uint32_t j = 0; j < k->nargs; j++) {
		if (LLVMGetTypeKind(params[j]) != arg_kind(&k->args[j]) ||
		    (arg_kind(&k->args[j]) == LLVMIntegerTypeKind &&
		     LLVMGetIntTypeWidth(params[j]) != 32))
			bug("kernel %s argument %u: lowering passes kind %d",
			    k->fn, j, k->args[j].kind);
		args[j] = arg_value(c, &k->args[j], j);
	}
	call = LLVMBuildCall2(c->b, fty, fn, args, k->nargs, "");
	for (uint32_t j = 0; j < k->nargs; j++)
		copy_abi_attrs(c, fn, call, j + 1);
	return true;
}

static LLVMAttributeRef
enum_attr(Llvm *l, const char *name)
{
	return LLVMCreateEnumAttribute(
	    l->ctx, LLVMGetEnumAttributeKindForName(name, strlen(name)), 0);
}

static bool
build_run(Llvm *l, const KCall *calls, uint32_t ncalls)
{
	Build c = {.l = l};
	const char *name = arena_printf(l->cx->scratch, "%s_run", l->o->name);
	LLVMTypeRef params[3];
	bool ok = true;

	c.ptr = LLVMPointerTypeInContext(l->ctx, 0);
	c.i8 = LLVMInt8TypeInContext(l->ctx);
	c.i32 = LLVMInt32TypeInContext(l->ctx);
	c.i64 = LLVMInt64TypeInContext(l->ctx);
	c.f32 = LLVMFloatTypeInContext(l->ctx);
	c.in = NEWARRAY(l->cx->scratch, LLVMValueRef, l->g->ninputs + 1);
	c.out = NEWARRAY(l->cx->scratch, LLVMValueRef, l->g->noutputs + 1);
	c.weights = NEWARRAY(l->cx->scratch, LLVMValueRef, l->g->nvalues + 1);
	if (LLVMGetNamedFunction(l->mod, name) ||
	    LLVMGetNamedGlobal(l->mod, name)) {
		diag(l->cx, DIAG_ERROR, NULL,
		     "-name=%s: %s is a runtime symbol", l->o->name, name);
		return false;
	}
	params[0] = params[1] = params[2] = c.ptr;
	l->run = LLVMAddFunction(l->mod, name,
	                         LLVMFunctionType(c.i32, params, 3, 0));
	LLVMSetValueName2(LLVMGetParam(l->run, 0), "inputs", 6);
	LLVMSetValueName2(LLVMGetParam(l->run, 1), "outputs", 7);
	LLVMSetValueName2(LLVMGetParam(l->run, 2), "scratch", 7);
	LLVMAddAttributeAtIndex(l->run, LLVMAttributeFunctionIndex,
	                        enum_attr(l, "nounwind"));
	/* The RISC-V psABI returns int sign-extended to 64 bits. */
	if (strncmp(l->o->target->triple, "riscv", 5) == 0)
		LLVMAddAttributeAtIndex(l->run, LLVMAttributeReturnIndex,
		                        enum_attr(l, "signext"));
	c.b = LLVMCreateBuilderInContext(l->ctx);
	LLVMPositionBuilderAtEnd(
	    c.b, LLVMAppendBasicBlockInContext(l->ctx, l->run, "entry"));
	for (uint32_t i = 0; i < ncalls && ok; i++) {
		c.ncall = i;
		ok = build_call(&c, &calls[i]);
	}
	LLVMBuildRet(c.b, LLVMConstInt(c.i32, 0, 0));
	LLVMDisposeBuilder(c.b);
	return ok;
}

static void
handle_diagnostic(LLVMDiagnosticInfoRef di, void *arg)
{
	Llvm *l = arg;
	LLVMDiagnosticSeverity sev = LLVMGetDiagInfoSeverity(di);
	char *msg;

	if (sev != LLVMDSError && sev != LLVMDSWarning)
		return;
	msg = LLVMGetDiagInfoDescription(di);
	diag(l->cx, sev == LLVMDSError ? DIAG_ERROR : DIAG_WARNING, NULL,
	     "LLVM: %s", msg);
	LLVMDisposeMessage(msg);
}

static void
verify(Llvm *l)
{
	char *msg = NULL;

	if (LLVMVerifyModule(l->mod, LLVMReturnStatusAction, &msg))
		bug("the LLVM module is invalid: %s", msg);
	LLVMDisposeMessage(msg);
}

bool
llvm_emit(Ctx *cx, const Graph *g, const CodegenOpts *o, FILE *out)
{
	Llvm l = {.cx = cx, .g = g, .o = o};
	KCall *calls;
	uint32_t ncalls;
	int errors = cx->nerrors;
	bool ok;

	QCC_ASSERT(o->target);
	llvm_cpu_features(cx, o, &l.cpu, &l.features);
	cx->vec_bytes = target_vec_bytes(l.cpu, l.features);
	cx->vnni512 = cx->vec_bytes == 64 && strstr(l.features, "+avx512vnni");
	if (!lower_graph(cx, g, &calls, &ncalls))
		return false;
	l.ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(l.ctx, handle_diagnostic, &l);
	ok = llvm_target_machine(&l) && kernels_load(&l) &&
	     build_run(&l, calls, ncalls);
	if (ok) {
		kernels_prepare(&l);
		verify(&l);
		ok = llvm_optimize(&l);
	}
	if (ok) {
		kernels_add_libc(&l);
		verify(&l);
		ok = llvm_write(&l, out);
	}
	if (l.mod)
		LLVMDisposeModule(l.mod);
	if (l.tm)
		LLVMDisposeTargetMachine(l.tm);
	LLVMContextDispose(l.ctx);
	return ok && cx->nerrors == errors;
}
