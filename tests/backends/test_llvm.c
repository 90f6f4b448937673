/* test_llvm.c -- the LLVM backend: objects linked with a C harness and run
 * against the interpreter (host, and armv8 and riscv64 under qemu),
 * standalone objects (no undefined symbols, only NAME_run exported), two
 * models in one program, CPU and features, determinism, and the memcpy
 * and memset fallbacks. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "helpers.h"
#include "llvm/llvm.h"
#include "passes.h"

static Ctx cx;

static void
setup(void)
{
	ctx_init(&cx);
	cx.flags |= CTX_VERIFY_EACH;
}

static void
teardown(void)
{
	ctx_fini(&cx);
}

TestSuite(llvm, .init = setup, .fini = teardown);

struct run_case {
	int graph;
	int optlevel;
};

ParameterizedTestParameters(llvm, object_matches_the_interpreter)
{
	static struct run_case cases[2 * BT_NGRAPHS];

	for (int i = 0; i < 2 * BT_NGRAPHS; i++)
		cases[i] = (struct run_case){i / 2, i % 2 ? 3 : 0};
	return cr_make_param_array(struct run_case, cases, 2 * BT_NGRAPHS);
}

ParameterizedTest(struct run_case *p, llvm, object_matches_the_interpreter)
{
	Graph *ref = bt_graph(&cx, p->graph), *g = bt_planned(&cx, p->graph);
	CodegenOpts o = bt_opts("host", "net", EMIT_OBJ, p->optlevel);
	char *dir = bt_tmpdir(&cx);

	bt_emit(&cx, dir, "net.o", g, &o);
	bt_harness(&cx, dir, g, "net");
	cr_assert_eq(
	    bt_sh("cd %s && gcc -std=c11 -O2 harness.c net.o -o run && "
	          "./run",
	          dir),
	    0, "%s at -O%d did not run (%s)", bt_graph_name[p->graph],
	    p->optlevel, dir);
	bt_check(&cx, dir, ref);
	cr_assert_eq(bt_sh("cd %s && test -z \"$(nm -u net.o)\"", dir), 0,
	             "net.o has undefined symbols (%s)", dir);
	cr_assert_eq(bt_sh("cd %s && test \"$(nm -g --defined-only net.o | "
	                   "awk '{print $2 \" \" $3}')\" = 'T net_run'",
	                   dir),
	             0, "net.o exports more than net_run (%s)", dir);
	bt_rmdir(dir);
}

static char *
emit_text(Ctx *c, int which, EmitKind kind, size_t *n)
{
	Graph *g = bt_planned(c, which);
	CodegenOpts o = bt_opts("host", "net", kind, 3);
	char *text;
	FILE *f = open_memstream(&text, n);

	cr_assert(llvm_emit(c, g, &o, f));
	fclose(f);
	return text;
}

Test(llvm, same_graph_gives_byte_identical_object_assembly_and_ir_twice)
{
	static const EmitKind kinds[] = {EMIT_OBJ, EMIT_ASM, EMIT_LLVM};

	for (size_t k = 0; k < 3; k++) {
		Ctx other;
		size_t na, nb;
		char *a, *b;

		ctx_init(&other);
		a = emit_text(&cx, 1, kinds[k], &na);
		b = emit_text(&other, 1, kinds[k], &nb);
		cr_assert(na > 0);
		cr_assert_eq(na, nb, "emit kind %d: %zu vs %zu bytes", kinds[k],
		             na, nb);
		cr_assert(memcmp(a, b, na) == 0, "emit kind %d differs",
		          kinds[k]);
		free(a);
		free(b);
		ctx_fini(&other);
	}
}

Test(llvm, llvm_ir_defines_only_net_run_outside_the_module)
{
	size_t n;
	char *text = emit_text(&cx, 2, EMIT_LLVM, &n), *p;
	int external = 0;

	cr_assert(strstr(text, "target triple = \"x86_64-unknown-linux-gnu\""));
	/* the host target is this machine's CPU, by LLVM's name for it */
	char *cpu = LLVMGetHostCPUName();
	char *attr = arena_printf(cx.perm, "\"target-cpu\"=\"%s\"", cpu);

	LLVMDisposeMessage(cpu);
	cr_assert(strstr(text, attr), "no %s", attr);
	cr_assert(strstr(text, "\"no-builtins\""));
	for (p = text; (p = strstr(p, "\ndefine ")); p++) {
		char *eol = strchr(p + 1, '\n');
		char *name = strstr(p, "@");

		if (strstr(p, " internal ") && strstr(p, " internal ") < eol)
			continue;
		external++;
		cr_assert(name && strncmp(name, "@net_run(", 9) == 0,
		          "external definition: %.*s", (int)(eol - p), p);
	}
	cr_assert_eq(external, 1);
	cr_assert_null(strstr(text, "\ndeclare void @qcc_rt_"));
	free(text);
}

static char *
asm_for(const char *cpu, const char *attrs)
{
	Graph *g = bt_planned(&cx, 1);
	CodegenOpts o = bt_opts("x86-64", "net", EMIT_ASM, 3);
	char *text;
	size_t n;
	FILE *f = open_memstream(&text, &n);

	o.cpu = cpu;
	o.attrs = attrs;
	cr_assert(llvm_emit(&cx, g, &o, f));
	fclose(f);
	return text;
}

/* x86-64-v3 (the default) vectorizes with AVX2 and FMA; the baseline CPU
 * has no VEX instruction at all; -mattr brings AVX2 and FMA back. */
Test(llvm, cpu_and_features_decide_the_vector_code)
{
	char *v3 = asm_for(NULL, NULL);
	char *base = asm_for("x86-64", NULL);
	char *avx2 = asm_for("x86-64", "+avx2,+fma");

	cr_assert(strstr(v3, "ymm") && strstr(v3, "\tvfmadd"),
	          "x86-64-v3 code has no AVX2/FMA");
	cr_assert_null(strstr(base, "\tv"), "baseline x86-64 code uses AVX");
	cr_assert(strstr(base, "\tmulps"), "baseline x86-64 code is not SSE");
	cr_assert(strstr(avx2, "ymm") && strstr(avx2, "\tvfmadd"),
	          "-mattr=+avx2,+fma was ignored");
	free(v3);
	free(base);
	free(avx2);
}

Test(llvm, two_models_link_into_one_program)
{
	Graph *ra = bt_graph(&cx, 0), *ga = bt_planned(&cx, 0);
	Graph *rb = bt_graph(&cx, 1), *gb = bt_planned(&cx, 1);
	CodegenOpts oa = bt_opts("host", "a", EMIT_OBJ, 3);
	CodegenOpts ob = bt_opts("host", "b", EMIT_OBJ, 3);
	char *dir = bt_tmpdir(&cx);
	char *da = arena_printf(cx.perm, "%s/a", dir);
	char *db = arena_printf(cx.perm, "%s/b", dir);
	FILE *f;

	cr_assert_eq(bt_sh("mkdir %s %s", da, db), 0);
	bt_emit(&cx, da, "a.o", ga, &oa);
	bt_emit(&cx, db, "b.o", gb, &ob);
	bt_harness(&cx, da, ga, "a");
	bt_harness(&cx, db, gb, "b");
	f = fopen(arena_printf(cx.perm, "%s/main.c", dir), "w");
	cr_assert(f);
	fputs("#include <unistd.h>\nint run_a(void);\nint run_b(void);\n"
	      "int\nmain(void)\n{\n"
	      "\treturn chdir(\"a\") || run_a() || chdir(\"../b\") || "
	      "run_b();\n}\n",
	      f);
	fclose(f);
	cr_assert_eq(
	    bt_sh("cd %s && gcc -c -Dmain=run_a -Ia a/harness.c -o ha.o && "
	          "gcc -c -Dmain=run_b -Ib b/harness.c -o hb.o && "
	          "gcc main.c ha.o hb.o a/a.o b/b.o -o run && ./run",
	          dir),
	    0, "linking or running both models failed (%s)", dir);
	bt_check(&cx, da, ra);
	bt_check(&cx, db, rb);
	bt_rmdir(dir);
}

/* Arrays, not pointers: Criterion runs each case in a fresh process. */
struct cross_case {
	char target[16], gcc[32], qemu[64];
	int graph;
};

ParameterizedTestParameters(llvm, cross_object_runs_under_qemu)
{
	static struct cross_case cases[] = {
	    {"armv8", "aarch64-linux-gnu-gcc", "qemu-aarch64", 1},
	    {"armv8", "aarch64-linux-gnu-gcc", "qemu-aarch64", 2},
	    {"riscv64", "riscv64-linux-gnu-gcc",
	     "qemu-riscv64 -cpu rv64,v=true,vlen=128", 1},
	    {"riscv64", "riscv64-linux-gnu-gcc",
	     "qemu-riscv64 -cpu rv64,v=true,vlen=256", 2},
	};

	return cr_make_param_array(struct cross_case, cases,
	                           sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct cross_case *p, llvm, cross_object_runs_under_qemu)
{
	Graph *ref = bt_graph(&cx, p->graph), *g = bt_planned(&cx, p->graph);
	CodegenOpts o = bt_opts(p->target, "net", EMIT_OBJ, 3);
	char qemu[64];
	char *dir;

	sscanf(p->qemu, "%63s", qemu);
	if (!bt_have(p->gcc) || !bt_have(qemu))
		cr_skip_test("%s or %s is missing", p->gcc, qemu);
	dir = bt_tmpdir(&cx);
	bt_emit(&cx, dir, "net.o", g, &o);
	bt_harness(&cx, dir, g, "net");
	cr_assert_eq(
	    bt_sh("cd %s && %s -static -std=c11 -O2 harness.c net.o -o run "
	          "&& %s ./run 2>/dev/null",
	          dir, p->gcc, p->qemu),
	    0, "%s: building or running failed (%s)", p->target, dir);
	bt_check(&cx, dir, ref);
	cr_assert_eq(bt_sh("cd %s && test -z \"$(nm -u net.o)\"", dir), 0,
	             "net.o has undefined symbols (%s)", dir);
	bt_rmdir(dir);
}

/* bt_ops(d, s, c, n): memmove(d, s, n); memcpy(c, s, n);
 * memset(c + n, 0x5a, n) through the LLVM intrinsics, with n unknown, so
 * the code generator must call the library functions. */
static LLVMValueRef
build_ops(Llvm *l)
{
	LLVMTypeRef ptr = LLVMPointerTypeInContext(l->ctx, 0);
	LLVMTypeRef i64 = LLVMInt64TypeInContext(l->ctx);
	LLVMTypeRef i8 = LLVMInt8TypeInContext(l->ctx);
	LLVMTypeRef i1 = LLVMInt1TypeInContext(l->ctx);
	LLVMTypeRef params[4] = {ptr, ptr, ptr, i64};
	LLVMTypeRef fty =
	    LLVMFunctionType(LLVMVoidTypeInContext(l->ctx), params, 4, 0);
	LLVMValueRef fn = LLVMAddFunction(l->mod, "bt_ops", fty);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(l->ctx);
	LLVMValueRef d = LLVMGetParam(fn, 0), s = LLVMGetParam(fn, 1);
	LLVMValueRef c = LLVMGetParam(fn, 2), n = LLVMGetParam(fn, 3);
	LLVMTypeRef cpy_t[3] = {ptr, ptr, i64}, set_t[2] = {ptr, i64};
	LLVMValueRef mv = LLVMGetIntrinsicDeclaration(
	    l->mod, LLVMLookupIntrinsicID("llvm.memmove", 12), cpy_t, 3);
	LLVMValueRef cp = LLVMGetIntrinsicDeclaration(
	    l->mod, LLVMLookupIntrinsicID("llvm.memcpy", 11), cpy_t, 3);
	LLVMValueRef st = LLVMGetIntrinsicDeclaration(
	    l->mod, LLVMLookupIntrinsicID("llvm.memset", 11), set_t, 2);
	LLVMValueRef no = LLVMConstInt(i1, 0, 0);

	LLVMPositionBuilderAtEnd(
	    b, LLVMAppendBasicBlockInContext(l->ctx, fn, "e"));
	LLVMBuildCall2(b, LLVMGlobalGetValueType(mv), mv,
	               (LLVMValueRef[]){d, s, n, no}, 4, "");
	LLVMBuildCall2(b, LLVMGlobalGetValueType(cp), cp,
	               (LLVMValueRef[]){c, s, n, no}, 4, "");
	LLVMBuildCall2(b, LLVMGlobalGetValueType(st), st,
	               (LLVMValueRef[]){LLVMBuildGEP2(b, i8, c, &n, 1, ""),
	                                LLVMConstInt(i8, 0x5a, 0), n, no},
	               4, "");
	LLVMBuildRetVoid(b);
	LLVMDisposeBuilder(b);
	return fn;
}

Test(llvm, memcpy_memmove_and_memset_calls_stay_inside_the_object)
{
	CodegenOpts o = bt_opts("host", "net", EMIT_OBJ, 3);
	Llvm l = {.cx = &cx, .o = &o, .cpu = "x86-64-v3", .features = ""};
	char *dir = bt_tmpdir(&cx);
	FILE *f = fopen(arena_printf(cx.perm, "%s/ops.o", dir), "wb");

	cr_assert(f);
	l.ctx = LLVMContextCreate();
	cr_assert(llvm_target_machine(&l));
	l.mod = LLVMModuleCreateWithNameInContext("ops", l.ctx);
	LLVMSetTarget(l.mod, o.target->triple);
	l.run = build_ops(&l);
	kernels_prepare(&l);
	cr_assert(llvm_optimize(&l));
	kernels_add_libc(&l);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = {"memcpy", "memmove", "memset"};
		LLVMValueRef fn = LLVMGetNamedFunction(l.mod, names[i]);

		/* Unwind tables would need __aeabi_unwind_cpp_pr0 on arm32. */
		cr_assert(!fn || LLVMGetEnumAttributeAtIndex(
		                     fn, LLVMAttributeFunctionIndex,
		                     LLVMGetEnumAttributeKindForName("nounwind", 8)),
		          "%s may unwind", names[i]);
	}
	cr_assert(llvm_write(&l, f));
	fclose(f);
	LLVMDisposeModule(l.mod);
	LLVMDisposeTargetMachine(l.tm);
	LLVMContextDispose(l.ctx);

	f = fopen(arena_printf(cx.perm, "%s/main.c", dir), "w");
	cr_assert(f);
	fputs("#include <string.h>\n"
	      "void bt_ops(void *d, const void *s, void *c, long n);\n"
	      "int\nmain(void)\n{\n"
	      "\tchar b[64], c[64], want[64];\n\tint i;\n\n"
	      "\tfor (i = 0; i < 64; i++)\n\t\tb[i] = (char)i;\n"
	      "\tbt_ops(b + 3, b, c, 20);    /* overlapping, backward */\n"
	      "\tfor (i = 0; i < 64; i++)\n"
	      "\t\twant[i] = (char)(i >= 3 && i < 23 ? i - 3 : i);\n"
	      "\tif (memcmp(b, want, 64) || memcmp(c, b, 20) || c[20] != 0x5a "
	      "|| c[39] != 0x5a)\n"
	      "\t\treturn 1;\n"
	      "\tbt_ops(b, b + 5, c, 30);    /* overlapping, forward */\n"
	      "\tfor (i = 0; i < 30; i++)\n\t\tif (b[i] != want[i + "
	      "5])\n\t\t\treturn 2;\n"
	      "\treturn 0;\n}\n",
	      f);
	fclose(f);
	cr_assert_eq(bt_sh("cd %s && test -z \"$(nm -u ops.o)\"", dir), 0,
	             "ops.o has undefined symbols (%s)", dir);
	cr_assert_eq(bt_sh("cd %s && nm ops.o | grep -q ' t memmove$' && "
	                   "nm ops.o | grep -q ' t memset$'",
	                   dir),
	             0, "ops.o has no local memmove and memset (%s)", dir);
	cr_assert_eq(
	    bt_sh("cd %s && gcc -O0 -fno-builtin main.c ops.o -o run && ./run",
	          dir),
	    0, "the fallbacks copy wrongly (%s)", dir);
	bt_rmdir(dir);
}

Test(llvm, targets_are_found_by_name_and_alias)
{
	CodegenOpts o = {.target = target_find("armv8")};

	cr_assert_eq(target_find("host"), target_host());
	cr_assert_str_eq(target_host()->cpu, "native");
	cr_assert_str_eq(target_find("x86_64")->cpu, "x86-64-v3");
	cr_assert_str_eq(target_find("x86-64")->triple, target_host()->triple);
	cr_assert_eq(target_find("aarch64"), target_find("armv8"));
	cr_assert_eq(target_find("arm64"), target_find("armv8"));
	cr_assert_str_eq(target_find("riscv64")->abi, "lp64d");
	cr_assert_null(target_find("sparc"));
	cr_assert_null(target_find(NULL));
	cr_assert_str_eq(target_cpu(&o), "generic");
	cr_assert_str_eq(target_features(&cx, &o), "+neon");
	o.cpu = "cortex-a76";
	o.attrs = "+dotprod";
	cr_assert_str_eq(target_cpu(&o), "cortex-a76");
	cr_assert_str_eq(target_features(&cx, &o), "+neon,+dotprod");
}

Test(llvm, armv8_features_reach_the_functions)
{
	Graph *g = bt_planned(&cx, 0);
	CodegenOpts o = bt_opts("armv8", "net", EMIT_LLVM, 2);
	char *text;
	size_t n;
	FILE *f = open_memstream(&text, &n);

	o.cpu = "cortex-a76";
	o.attrs = "+dotprod";
	cr_assert(llvm_emit(&cx, g, &o, f));
	fclose(f);
	cr_assert(
	    strstr(text, "target triple = \"aarch64-unknown-linux-gnu\""));
	cr_assert(strstr(text, "\"target-cpu\"=\"cortex-a76\""));
	cr_assert(strstr(text, "\"target-features\"=\"+neon,+dotprod\""));
	cr_assert_null(strstr(text, "\"target-cpu\"=\"generic\""));
	free(text);
}
