/* outfile.h -- outputs written to a temporary file and renamed into place
 * on success (outfile.c). */
#ifndef QCC_OUTFILE_H
#define QCC_OUTFILE_H

#include <stdio.h>

#include "ir.h"

/* An output being written: a temporary file renamed into place on close. */
typedef struct OutFile {
	const char *path;
	char *tmp;
	FILE *f;
	bool keep_same; /* leave an identical existing file untouched */
} OutFile;

/* Opens a temporary file beside path ("-" is stdout).  False, with a
 * diagnostic, if it cannot be created. */
bool out_open(Ctx *cx, OutFile *o, const char *path);
/* With ok, renames the temporary file onto path (or drops it when
 * keep_same and the bytes are equal); without, removes it.  Returns
 * whether the output is in place. */
bool out_close(Ctx *cx, OutFile *o, bool ok);

#endif
