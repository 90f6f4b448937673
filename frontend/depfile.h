/* depfile.h -- the list of files a compile read, written as a
 * Makefile-style dependency file for -MD (Make and Ninja read it). */
#ifndef QCC_DEPFILE_H
#define QCC_DEPFILE_H

#include "ir.h"

typedef struct DepList {
	const char **path;     /* in cx->perm */
	uint32_t n, cap;
} DepList;

/* Adds one input file. */
void deps_add(Ctx *cx, DepList *d, const char *path);
/* Adds dir itself (so a new file in it counts as a change) and every
 * regular file below it, recursively, sorted by name.  False, with a
 * diagnostic, if dir cannot be read. */
bool deps_add_dir(Ctx *cx, DepList *d, const char *dir);
/* Writes "TARGET: DEP DEP ...", one dependency per continued line, with
 * spaces, '#' and '$' escaped the way Make expects. */
void deps_write(const DepList *d, const char *target, FILE *out);

#endif
