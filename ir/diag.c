/* diag.c -- diagnostics and the compilation context.
 *
 * The format is fixed, so golden tests and users' scripts can rely on it:
 *
 *   FILE: node "NAME" (OP_TYPE): error: MESSAGE
 *   FILE: error: MESSAGE                        (nothing more specific applies)
 *   qcc: internal error at FILE:LINE: MESSAGE   (bug(); then abort)
 *
 * The level is "error", "warning" or "note".  After maxerrors errors further
 * errors are counted but not printed.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "ir.h"

void
ctx_init(Ctx *cx)
{
	*cx = (Ctx){0};
	cx->perm = arena_new();
	cx->scratch = arena_new();
	cx->diagout = stderr;
	cx->dumpout = stderr;
	cx->file = "qcc";
	cx->maxerrors = 20;
}

void
ctx_fini(Ctx *cx)
{
	arena_free(cx->perm);
	arena_free(cx->scratch);
	cx->perm = cx->scratch = NULL;
}

void
diag(Ctx *cx, DiagLevel lvl, const Loc *loc, const char *fmt, ...)
{
	static const char *const level[] = {"error", "warning", "note"};
	const char *file = loc && loc->file ? loc->file : cx->file;
	va_list ap;

	if (lvl == DIAG_ERROR && cx->nerrors++ >= cx->maxerrors)
		return;
	if (!cx->diagout)
		return;
	if (loc && loc->op_type)
		fprintf(cx->diagout, "%s: node \"%s\" (%s): %s: ", file,
		        loc->node ? loc->node : "", loc->op_type, level[lvl]);
	else
		fprintf(cx->diagout, "%s: %s: ", file, level[lvl]);
	va_start(ap, fmt);
	vfprintf(cx->diagout, fmt, ap);
	va_end(ap);
	fputc('\n', cx->diagout);
}

void
bug_(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "qcc: internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
