/* test_depfile.c -- the -MD rule: deps_add_dir lists a calibration folder
 * (itself, then every regular file below it, sorted, recursing into
 * subfolders) and deps_write escapes names the way Make reads them. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "depfile.h"

static Ctx cx;
static char dir[64];

static void
touch(const char *rel)
{
	char *p = arena_printf(cx.perm, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");

	cr_assert(f, "cannot create %s", p);
	fclose(f);
}

static void
setup(void)
{
	ctx_init(&cx);
	strcpy(dir, "/tmp/qcc-depfile-XXXXXX");
	cr_assert(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[96];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect(system(cmd) == 0);
	ctx_fini(&cx);
}

TestSuite(depfile, .init = setup, .fini = teardown);

/* The rule deps_write prints for d and target. */
static char *
rule(const DepList *d, const char *target)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	deps_write(d, target, f);
	fclose(f);
	return s;
}

Test(depfile, a_calibration_folder_lists_itself_and_every_file_below_it_sorted)
{
	DepList d = {0};

	cr_assert(mkdir(arena_printf(cx.perm, "%s/sub", dir), 0777) == 0);
	touch("b.npy");
	touch("a.npy");
	touch("sub/c.pb");
	deps_add(&cx, &d, "m.onnx");
	cr_assert(deps_add_dir(&cx, &d, dir));
	cr_assert_eq(d.n, 6);
	cr_expect_str_eq(d.path[0], "m.onnx");
	cr_expect_str_eq(d.path[1], dir);
	cr_expect_str_eq(d.path[2], arena_printf(cx.perm, "%s/a.npy", dir));
	cr_expect_str_eq(d.path[3], arena_printf(cx.perm, "%s/b.npy", dir));
	cr_expect_str_eq(d.path[4], arena_printf(cx.perm, "%s/sub", dir));
	cr_expect_str_eq(d.path[5], arena_printf(cx.perm, "%s/sub/c.pb", dir));
}

Test(depfile, a_trailing_slash_gives_no_double_slash)
{
	DepList d = {0};

	touch("x.npy");
	cr_assert(deps_add_dir(&cx, &d, arena_printf(cx.perm, "%s/", dir)));
	cr_assert_eq(d.n, 2);
	cr_expect_str_eq(d.path[1], arena_printf(cx.perm, "%s/x.npy", dir));
}

Test(depfile, a_missing_folder_is_an_error)
{
	DepList d = {0};

	cx.diagout = fopen("/dev/null", "w");
	cr_expect_not(deps_add_dir(&cx, &d, "/nonexistent/calib"));
	cr_expect_eq(cx.nerrors, 1);
	cr_expect_eq(d.n, 0);
	fclose(cx.diagout);
	cx.diagout = stderr;
}

Test(depfile, spaces_hashes_and_dollars_are_escaped_for_make)
{
	DepList d = {0};
	char *s;

	deps_add(&cx, &d, "my model.onnx");
	deps_add(&cx, &d, "calib/#1 $x.npy");
	s = rule(&d, "out dir/net.o");
	cr_expect_str_eq(s, "out\\ dir/net.o: \\\n  my\\ model.onnx \\\n"
	                    "  calib/\\#1\\ $$x.npy\n");
	free(s);
}

Test(depfile, no_inputs_gives_a_rule_without_prerequisites)
{
	DepList d = {0};
	char *s = rule(&d, "net.o");

	cr_expect_str_eq(s, "net.o:\n");
	free(s);
}
