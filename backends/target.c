/* target.c -- the targets qcc compiles for, by -target= name.
 *
 * A target is an LLVM triple with a default CPU, feature string and ABI.
 * -mcpu replaces the CPU; -mattr is appended to the features, so
 * "-target=armv8 -mattr=+dotprod" gives "+neon,+dotprod".  The C backend
 * uses the target only for the comment block of its output.
 */
#include <string.h>

#include "backend.h"

static const Target targets[] = {
	{"x86-64", "x86_64-unknown-linux-gnu", "x86-64-v3", "", NULL},
	{"armv8", "aarch64-unknown-linux-gnu", "generic", "+neon", NULL},
	{"riscv64", "riscv64-unknown-linux-gnu", "generic-rv64",
	 "+m,+a,+f,+d,+c,+v", "lp64d"},
};

static const struct {
	const char *alias;
	const char *name;
} aliases[] = {
	{"host", "x86-64"},
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
 * entry here. */
const Target *
target_host(void)
{
	return target_find("host");
}

const char *
target_cpu(const CodegenOpts *o)
{
	if (o->cpu && *o->cpu)
		return o->cpu;
	return o->target ? o->target->cpu : "";
}

const char *
target_features(Ctx *cx, const CodegenOpts *o)
{
	const char *base = o->target ? o->target->features : "";

	if (!o->attrs || !*o->attrs)
		return base;
	if (!*base)
		return o->attrs;
	return arena_printf(cx->perm, "%s,%s", base, o->attrs);
}
