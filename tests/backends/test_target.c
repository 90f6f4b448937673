/* test_target.c -- targets: names, aliases and LLVM triples, -mcpu and
 * -mattr checked against LLVM (unknown ones are errors), -mcpu=native,
 * --list-targets, the target in the header, objects of one architecture
 * refusing to link into a program of another, a bare-metal 32-bit ARM
 * object without undefined symbols, and RISC-V vector code that runs on
 * every VLEN. */
#include <criterion/criterion.h>
#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "helpers.h"
#include "passes.h"

static Ctx cx;
static char *diags;
static size_t ndiags;

static void
setup(void)
{
	ctx_init(&cx);
	cx.diagout = open_memstream(&diags, &ndiags);
}

static void
teardown(void)
{
	fclose(cx.diagout);
	free(diags);
	ctx_fini(&cx);
}

TestSuite(target, .init = setup, .fini = teardown);

/* llvm_check_target on target name with -mcpu and -mattr; the
 * diagnostics so far are in diags. */
static bool
check(const char *name, const char *cpu, const char *attrs, CodegenOpts *out)
{
	static Target t;
	CodegenOpts o = {.emit = EMIT_OBJ, .optlevel = 2, .name = "net"};
	bool ok;

	cr_assert(target_parse(name, &t), "no target %s", name);
	o.target = &t;
	o.cpu = cpu;
	o.attrs = attrs;
	ok = llvm_check_target(&cx, &o);
	fflush(cx.diagout);
	if (out)
		*out = o;
	return ok;
}

Test(target, names_aliases_and_triples_are_targets)
{
	Target t;

	cr_assert(target_parse("arm64", &t));
	cr_assert_str_eq(t.name, "armv8");
	cr_assert_str_eq(t.triple, "aarch64-unknown-linux-gnu");
	cr_assert(target_parse("aarch64", &t));
	cr_assert_str_eq(t.features, "+neon");
	cr_assert(target_parse("riscv64", &t));
	cr_assert_str_eq(t.abi, "lp64d");
	cr_assert(strstr(t.features, "+v"));
	cr_assert(target_parse("host", &t));
	cr_assert_str_eq(t.cpu, "native");
	cr_assert(target_parse("x86-64", &t));
	cr_assert_str_eq(t.cpu, "x86-64-v3");
	cr_assert_str_eq(t.triple, "x86_64-unknown-linux-gnu");
	cr_assert(target_parse("thumbv7em-none-eabihf", &t));
	cr_assert_str_eq(t.triple, "thumbv7em-none-eabihf");
	cr_assert_str_eq(t.cpu, "");
	cr_assert_null(t.rt, "a triple's kernels are chosen by architecture");
	cr_assert_not(target_parse("sparc", &t));
	cr_assert_not(target_parse("-arm", &t));
	cr_assert_not(target_parse("arm v7-linux", &t));
	cr_assert_not(target_parse(NULL, &t));
}

Test(target, known_cpus_and_features_are_accepted)
{
	static const char *const arm[] = {"cortex-a53", "cortex-a55",
	                                  "cortex-a72", "cortex-a76",
	                                  "neoverse-n1"};
	CodegenOpts o;

	for (size_t i = 0; i < sizeof arm / sizeof arm[0]; i++)
		cr_assert(check("armv8", arm[i], NULL, NULL), "%s: %s", arm[i],
		          diags);
	cr_assert(check("armv8", "cortex-a76", "+dotprod,+i8mm,+fp16", &o),
	          "%s", diags);
	cr_assert_str_eq(target_features(&cx, &o),
	                 "+neon,+dotprod,+i8mm,+fullfp16");
	cr_assert(check("riscv64", NULL, "+zvl256b,+zvbb", NULL), "%s", diags);
	cr_assert(check("x86-64", "skylake", "+avx2,+fma", NULL), "%s", diags);
	cr_assert(check("thumbv7em-none-eabihf", "cortex-m4", NULL, NULL),
	          "%s", diags);
	cr_assert_eq(cx.nerrors, 0);
	cr_assert_eq(ndiags, 0, "unexpected diagnostics: %s", diags);
}

Test(target, an_unknown_cpu_is_an_error)
{
	cr_assert_not(check("armv8", "cortex-a99", NULL, NULL));
	cr_assert(strstr(diags, "error: -mcpu=cortex-a99: not a CPU of "
	                        "aarch64-unknown-linux-gnu"),
	          "%s", diags);
	cr_assert_eq(cx.nerrors, 1, "one error, not one per subtarget: %s",
	             diags);
	cr_assert_not(check("riscv64", "cortex-a53", NULL, NULL));
	cr_assert(strstr(diags, "-mcpu=cortex-a53: not a CPU of riscv64"),
	          "%s", diags);
}

Test(target, an_unknown_or_malformed_feature_is_an_error)
{
	cr_assert_not(check("armv8", NULL, "+dotprod,+sparkles", NULL));
	cr_assert(strstr(diags, "'+sparkles' is not a feature of aarch64"),
	          "%s", diags);
	cr_assert_null(strstr(diags, "dotprod"), "%s", diags);
	cr_assert_not(check("armv8", NULL, "dotprod", NULL));
	cr_assert(strstr(diags, "each feature must be +NAME or -NAME"), "%s",
	          diags);
	cr_assert_not(check("riscv64", NULL, "+zvl256b,,+zvbb", NULL));
}

Test(target, unknown_or_big_endian_triples_are_errors)
{
	Graph *g = bt_planned(&cx, 0);
	static Target t;
	CodegenOpts o = {.emit = EMIT_OBJ, .optlevel = 2, .name = "net"};
	FILE *null = fopen("/dev/null", "w");

	cr_assert_not(check("nosuch-unknown-linux", NULL, NULL, NULL));
	cr_assert(strstr(diags, "No available targets are compatible"), "%s",
	          diags);
	cr_assert(target_parse("powerpc64-unknown-linux-gnu", &t));
	o.target = &t;
	cr_assert_not(llvm_emit(&cx, g, &o, null));
	fclose(null);
	fflush(cx.diagout);
	cr_assert(strstr(diags, "is big-endian"), "%s", diags);
}

Test(target, native_is_the_host_cpu_and_only_for_the_host)
{
	CodegenOpts o;
	char *cpu = LLVMGetHostCPUName();

	cr_assert(check("host", "native", "+fma", &o), "%s", diags);
	cr_assert_str_eq(o.cpu, cpu);
	cr_assert(strstr(o.attrs, "+sse2"), "host features: %s", o.attrs);
	cr_assert(strstr(o.attrs, ",+fma"), "-mattr kept: %s", o.attrs);
	LLVMDisposeMessage(cpu);
	cr_assert_not(check("armv8", "native", NULL, NULL));
	cr_assert(strstr(diags, "-mcpu=native is only for -target=host"), "%s",
	          diags);
}

Test(target, the_host_target_is_this_machine_and_x86_64_is_any_avx2_machine)
{
	CodegenOpts o;
	char *cpu = LLVMGetHostCPUName();

	cr_assert(check("host", NULL, NULL, &o), "%s", diags);
	cr_assert_str_eq(o.cpu, cpu, "host CPU: %s", o.cpu);
	cr_assert(strstr(o.attrs, "+sse2"), "host features: %s", o.attrs);
	LLVMDisposeMessage(cpu);
	cr_assert(check("x86-64", NULL, NULL, &o), "%s", diags);
	cr_assert_null(o.cpu, "x86-64 keeps its own CPU");
	cr_assert_str_eq(target_cpu(&o), "x86-64-v3");
}

Test(target, list_targets_names_every_target_and_alias)
{
	FILE *p = popen(QCC_BINARY " --list-targets", "r");
	char buf[8192];
	size_t n = fread(buf, 1, sizeof buf - 1, p);

	buf[n] = 0;
	cr_assert_eq(pclose(p), 0);
	for (const char *const *s = (const char *const[]){
	         "armv8", "aarch64-unknown-linux-gnu", "arm64", "aarch64",
	         "riscv64", "lp64d", "VLEN", "x86-64-v3", "host", "native",
	         "thumbv7em-none-eabihf", NULL};
	     *s; s++)
		cr_assert(strstr(buf, *s), "no %s in:\n%s", *s, buf);
}

/* Compiles graph 1 for target into dir/net.o (and net.h) with -mcpu. */
static char *
compile(const char *target, const char *cpu, const char *attrs)
{
	static Target t;
	Graph *g = bt_planned(&cx, 1);
	CodegenOpts o = bt_opts("host", "net", EMIT_OBJ, 3);
	char *dir = bt_tmpdir(&cx);

	cr_assert(target_parse(target, &t));
	o.target = &t;
	o.cpu = cpu;
	o.attrs = attrs;
	cr_assert(llvm_check_target(&cx, &o), "%s", diags);
	bt_emit(&cx, dir, "net.o", g, &o);
	bt_harness(&cx, dir, g, "net");
	return dir;
}

Test(target, the_header_records_the_target)
{
	char *dir = compile("armv8", "cortex-a72", "+crc");
	char *h = bt_slurp(&cx, arena_printf(cx.perm, "%s/net.h", dir), NULL);

	cr_assert(strstr(h, "target   aarch64-unknown-linux-gnu, cpu "
	                    "cortex-a72, features +neon,+crc"),
	          "%s", h);
	bt_rmdir(dir);
}

Test(target, an_armv8_object_does_not_link_into_a_host_program)
{
	char *dir = compile("armv8", "cortex-a53", NULL);

	cr_assert_eq(bt_sh("cd %s && readelf -h net.o | grep -q AArch64", dir),
	             0, "not an AArch64 ELF object (%s)", dir);
	cr_assert_neq(bt_sh("cd %s && gcc harness.c net.o -o run 2>link.log",
	                    dir),
	              0, "the host linker accepted an AArch64 object");
	cr_assert_eq(bt_sh("cd %s && grep -q -i 'net.o' link.log", dir), 0,
	             "the link error does not name net.o (%s)", dir);
	if (bt_have("aarch64-linux-gnu-gcc"))
		cr_assert_eq(bt_sh("cd %s && aarch64-linux-gnu-gcc -static "
		                   "harness.c net.o -o run",
		                   dir),
		             0, "the AArch64 linker refused it (%s)", dir);
	bt_rmdir(dir);
}

Test(target, a_riscv_object_does_not_link_into_an_arm_program)
{
	char *dir = compile("riscv64", NULL, NULL);

	if (!bt_have("aarch64-linux-gnu-gcc"))
		cr_skip_test("aarch64-linux-gnu-gcc is missing");
	cr_assert_neq(bt_sh("cd %s && aarch64-linux-gnu-gcc -static "
	                    "harness.c net.o -o run 2>/dev/null",
	                    dir),
	              0, "an AArch64 link accepted a RISC-V object");
	bt_rmdir(dir);
}

Test(target, a_cortex_m4_object_uses_the_fpu_and_needs_nothing)
{
	char *dir = compile("thumbv7em-none-eabihf", "cortex-m4", NULL);

	cr_assert_eq(bt_sh("cd %s && test -z \"$(nm -u net.o)\"", dir), 0,
	             "undefined symbols in net.o (%s)", dir);
	cr_assert_eq(bt_sh("cd %s && readelf -h net.o | grep -q 'ARM$' && "
	                   "readelf -A net.o | grep -q 'Tag_FP_arch: VFPv4'",
	                   dir),
	             0, "not a 32-bit ARM object with a VFPv4 FPU (%s)", dir);
	cr_assert_eq(bt_sh("cd %s && llvm-objdump-19 -d net.o | "
	                   "grep -Eq 'vfma.f32|vmla.f32|vmul.f32'",
	                   dir),
	             0, "no FPU instructions (%s)", dir);
	bt_rmdir(dir);
}

Test(target, soft_float_helpers_are_reported)
{
	compile("thumbv7em-none-eabihf", "cortex-m4", "-fpregs");
	fflush(cx.diagout);
	cr_assert(strstr(diags, "warning: the object needs __"), "%s", diags);
}

Test(target, one_riscv_object_runs_on_every_vlen)
{
	Graph *ref = bt_graph(&cx, 1);
	char *dir = compile("riscv64", NULL, NULL);

	if (!bt_have("riscv64-linux-gnu-gcc") || !bt_have("qemu-riscv64"))
		cr_skip_test("riscv64-linux-gnu-gcc or qemu-riscv64 is missing");
	cr_assert_eq(bt_sh("cd %s && llvm-objdump-19 -d net.o | "
	                   "grep -q vsetvli",
	                   dir),
	             0, "no vector code (%s)", dir);
	cr_assert_eq(bt_sh("cd %s && riscv64-linux-gnu-gcc -static -O2 "
	                   "harness.c net.o -o run",
	                   dir),
	             0);
	for (int vlen = 128; vlen <= 1024; vlen *= 2) {
		cr_assert_eq(bt_sh("cd %s && rm -f out.bin && qemu-riscv64 "
		                   "-cpu rv64,v=true,vlen=%d ./run",
		                   dir, vlen),
		             0, "VLEN %d: the run failed (%s)", vlen, dir);
		bt_check(&cx, dir, ref);
	}
	bt_rmdir(dir);
}

Test(target, zvl256b_objects_assume_vlen_256)
{
	char *dir = compile("riscv64", NULL, "+zvl256b,+zvbb");

	cr_assert_eq(bt_sh("cd %s && llvm-objdump-19 -d net.o | "
	                   "grep -q vsetvli",
	                   dir),
	             0, "no vector code (%s)", dir);
	bt_rmdir(dir);
}
