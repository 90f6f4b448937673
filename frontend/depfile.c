/* depfile.c -- -MD: every input file of a compile, as a Makefile rule.
 *
 * The rule is "OUTPUT: MODEL CALIB-DIR CALIB-FILE ...", one prerequisite
 * per line, continued with backslashes.  Make and Ninja (and so CMake's
 * DEPFILE) read names with spaces written as "\ ", '#' as "\#" and '$' as
 * "$$"; a backslash elsewhere is kept as is.  A directory is listed along
 * with its files, so adding a calibration file also makes the output stale.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "depfile.h"

void
deps_add(Ctx *cx, DepList *d, const char *path)
{
	vec_grow(cx->perm, (void **)&d->path, &d->cap, d->n + 1, sizeof *d->path);
	d->path[d->n++] = arena_strdup(cx->perm, path);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in dir except "." and "..", sorted, in cx->perm. */
static const char **
dir_names(Ctx *cx, const char *dir, uint32_t *n)
{
	const char **name = NULL;
	uint32_t cap = 0;
	struct dirent *e;
	DIR *dp = opendir(dir);

	*n = 0;
	if (!dp)
		return NULL;
	while ((e = readdir(dp))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		vec_grow(cx->perm, (void **)&name, &cap, *n + 1, sizeof *name);
		name[(*n)++] = arena_strdup(cx->perm, e->d_name);
	}
	closedir(dp);
	if (*n)
		qsort(name, *n, sizeof *name, by_name);
	return name;
}

bool
deps_add_dir(Ctx *cx, DepList *d, const char *dir)
{
	const char **name;
	uint32_t n;
	struct stat st;
	size_t len = strlen(dir);

	errno = 0;
	name = dir_names(cx, dir, &n);
	if (!name && errno) {
		diag(cx, DIAG_ERROR, NULL, "cannot read %s: %s", dir, strerror(errno));
		return false;
	}
	deps_add(cx, d, dir);
	for (uint32_t i = 0; i < n; i++) {
		const char *p = len && dir[len - 1] == '/'
			? arena_printf(cx->perm, "%s%s", dir, name[i])
			: arena_printf(cx->perm, "%s/%s", dir, name[i]);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!deps_add_dir(cx, d, p))
				return false;
		} else if (S_ISREG(st.st_mode)) {
			deps_add(cx, d, p);
		}
	}
	return true;
}

static void
put_escaped(const char *s, FILE *out)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '#')
			fputc('\\', out);
		else if (*s == '$')
			fputc('$', out);
		fputc(*s, out);
	}
}

void
deps_write(const DepList *d, const char *target, FILE *out)
{
	put_escaped(target, out);
	fputc(':', out);
	for (uint32_t i = 0; i < d->n; i++) {
		fputs(" \\\n  ", out);
		put_escaped(d->path[i], out);
	}
	fputc('\n', out);
}
