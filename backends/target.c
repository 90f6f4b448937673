/* target.c -- the targets qcc compiles for, by -target= name.
 *
 * A target is an LLVM triple with a default CPU, feature string and ABI,
 * and the runtime bitcode its kernels come from.  -mcpu replaces the CPU;
 * -mattr is appended to the features, so "-target=armv8 -mattr=+dotprod"
 * gives "+neon,+dotprod".  Any other LLVM triple is a target too, with
 * LLVM's default CPU and features for it; its kernels come from the
 * bitcode of the same architecture, or of the same pointer width
 * (llvm/kernels.c).  Whether LLVM knows the CPU and features is checked by
 * llvm_check_target.  The C backend uses the target only for the comment
 * block of its output.
 */
#include <string.h>

#include "backend.h"

static const Target targets[] = {
	{"host", "x86_64-unknown-linux-gnu", "native", "", NULL, "x86_64",
	 "this machine: LLVM's name for its CPU and that CPU's features (AVX-512 "
	 "where it has it); the default; -target=x86-64 for an object that "
	 "runs on any AVX2 machine"},
	{"x86-64", "x86_64-unknown-linux-gnu", "x86-64-v3", "", NULL, "x86_64",
	 "x86-64 Linux, AVX2 and FMA (x86-64-v3): runs on any such machine; "
	 "-mcpu=x86-64-v4 for AVX-512"},
	{"armv8", "aarch64-unknown-linux-gnu", "generic", "+neon", NULL,
	 "aarch64",
	 "64-bit ARM Linux, NEON; -mcpu=cortex-a53, cortex-a55, cortex-a72, "
	 "cortex-a76, neoverse-n1, ...; -mattr=+dotprod,+i8mm,+fp16"},
	{"riscv64", "riscv64-unknown-linux-gnu", "generic-rv64",
	 "+m,+a,+f,+d,+c,+v", "lp64d", "riscv64",
	 "64-bit RISC-V Linux, rv64gcv, lp64d ABI, vector code for any VLEN >= "
	 "128; -mattr=+zvl256b,+zvbb,..."},
};

static const struct {
	const char *alias;
	const char *name;
} aliases[] = {
	{"x86_64", "x86-64"},
	{"aarch64", "armv8"},
	{"arm64", "armv8"},
	{"rv64", "riscv64"},
};

const Target *
target_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(name, aliases[i].alias) == 0)
			name = aliases[i].name;
	for (i = 0; i < sizeof targets / sizeof targets[0]; i++)
		if (strcmp(name, targets[i].name) == 0)
			return &targets[i];
	return NULL;
}

/* qcc runs on x86-64 Linux; a host of another kind would need its own
 * triple in the "host" entry.  Its CPU "native" is resolved by
 * llvm_check_target to LLVM's host CPU name and features. */
const Target *
target_host(void)
{
	return target_find("host");
}

/* A triple is at least "arch-x" of letters, digits, '_', '.' and '-',
 * starting with a letter. */
static bool
looks_like_triple(const char *s)
{
	const char *dash = strchr(s, '-');

	if (!dash || dash == s || !dash[1] || !((*s >= 'a' && *s <= 'z') ||
	                                        (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || *s == '.' ||
		      (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

bool
target_parse(const char *name, Target *t)
{
	const Target *known = target_find(name);

	if (known) {
		*t = *known;
		return true;
	}
	if (!name || !looks_like_triple(name))
		return false;
	*t = (Target){name, name, "", "", NULL, NULL, "an LLVM triple"};
	return true;
}

void
target_list(FILE *out)
{
	fputs("targets (-target=NAME):\n", out);
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		fprintf(out, "  %-10s %s\n", targets[i].name, targets[i].triple);
		fprintf(out, "  %-10s   cpu %s%s%s\n", "", targets[i].cpu,
		        *targets[i].features ? ", features " : "",
		        targets[i].features);
		fprintf(out, "  %-10s   %s\n", "", targets[i].about);
	}
	fputs("aliases:\n", out);
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		fprintf(out, "  %-10s %s\n", aliases[i].alias, aliases[i].name);
	fputs("any other LLVM triple, e.g. thumbv7em-none-eabihf "
	      "-mcpu=cortex-m4:\n"
	      "  LLVM's default CPU and features for it; kernels from the "
	      "bitcode of the\n"
	      "  same architecture or pointer width; little-endian only\n",
	      out);
}

const char *
target_cpu(const CodegenOpts *o)
{
	if (o->cpu && *o->cpu)
		return o->cpu;
	return o->target ? o->target->cpu : "";
}

/* -mattr names that LLVM spells differently, per architecture: what
 * clang's -march accepts (+fp16) becomes LLVM's feature (+fullfp16). */
static const struct {
	const char *arch, *name, *llvm;
} feature_aliases[] = {
	{"aarch64", "fp16", "fullfp16"},
};

/* attrs with the names of feature_aliases replaced, in cx->perm. */
static const char *
spell_features(Ctx *cx, const Target *t, const char *attrs)
{
	char *out = arena_strdup(cx->perm, ""), *item;
	const char *p = attrs;

	while (*p) {
		size_t n = strcspn(p, ",");

		item = arena_printf(cx->perm, "%.*s", (int)n, p);
		for (size_t i = 0;
		     i < sizeof feature_aliases / sizeof feature_aliases[0] &&
		     t && (*item == '+' || *item == '-');
		     i++)
			if (strncmp(t->triple, feature_aliases[i].arch,
			            strlen(feature_aliases[i].arch)) == 0 &&
			    strcmp(item + 1, feature_aliases[i].name) == 0)
				item = arena_printf(cx->perm, "%c%s", *item,
				                    feature_aliases[i].llvm);
		out = arena_printf(cx->perm, "%s%s%s", out, *out ? "," : "",
		                   item);
		p += n + (p[n] == ',');
	}
	return out;
}

const char *
target_features(Ctx *cx, const CodegenOpts *o)
{
	const char *base = o->target ? o->target->features : "";
	const char *attrs;

	if (!o->attrs || !*o->attrs)
		return base;
	attrs = spell_features(cx, o->target, o->attrs);
	if (!*base)
		return attrs;
	return arena_printf(cx->perm, "%s,%s", base, attrs);
}

/* True if an x86 CPU and feature string give AVX2: named in the features
 * (-mcpu=native, -mattr=+avx2) or implied by the CPU (x86-64-v3 and -v4,
 * qcc's default x86-64 CPU and above) unless the features turn it off. */
static bool
has_avx2(const char *cpu, const char *features)
{
	if (strstr(features, "-avx2"))
		return false;
	return strstr(features, "+avx2") || strcmp(cpu, "x86-64-v3") == 0 ||
	       strcmp(cpu, "x86-64-v4") == 0;
}

/* Only AVX-512 changes the float tiles so far; AVX2 (32) picks the
 * integer kernels' vector code and the depthwise kernel. */
int
target_vec_bytes(const char *cpu, const char *features)
{
	if (strstr(features, "+avx512f") && strstr(features, "+avx512bw"))
		return 64;
	return has_avx2(cpu, features) ? 32 : 0;
}
