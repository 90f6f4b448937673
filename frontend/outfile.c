/* outfile.c -- outputs written atomically: each goes to a temporary file
 * beside its target and is renamed into place only when the whole compile
 * succeeded, so a failed compile leaves no partial file; an output whose
 * bytes did not change can be left untouched (keep_same), so build systems
 * see an unchanged header as unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* mkstemp creates files 0600; outputs get the usual 0666 & ~umask. */
static mode_t
o_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return m;
}

bool
out_open(Ctx *cx, OutFile *o, const char *path)
{
	int fd;

	o->path = path;
	o->tmp = NULL;
	o->keep_same = false;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return true;
	}
	o->tmp = malloc(strlen(path) + 16);
	if (!o->tmp)
		return false;
	sprintf(o->tmp, "%s.tmpXXXXXX", path);
	fd = mkstemp(o->tmp);
	if (fd >= 0)
		fchmod(fd, 0666 & ~o_umask());
	if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
		diag(cx, DIAG_ERROR, NULL, "cannot write %s: %s", path,
		     strerror(errno));
		if (fd >= 0)
			close(fd);
		free(o->tmp);
		o->tmp = NULL;
		return false;
	}
	return true;
}

/* Whether two files hold the same bytes (false if either is unreadable). */
static bool
same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	int ca, cb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		same = ca == cb;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

bool
out_close(Ctx *cx, OutFile *o, bool ok)
{
	if (!o->tmp)
		return ok && fflush(stdout) == 0;
	if (fclose(o->f) != 0 && ok) {
		diag(cx, DIAG_ERROR, NULL, "cannot write %s: %s", o->path,
		     strerror(errno));
		ok = false;
	}
	if (ok && o->keep_same && same_bytes(o->tmp, o->path)) {
		unlink(o->tmp);
	} else if (ok && rename(o->tmp, o->path) != 0) {
		diag(cx, DIAG_ERROR, NULL, "cannot write %s: %s", o->path,
		     strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	return ok;
}
