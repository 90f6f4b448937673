/* test_onnx_list_ops.c -- qcc --list-ops names every operator the importer
 * table holds with its opset range, one per line, sorted. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"

static char *
list_ops(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	onnx_list_ops(f);
	fclose(f);
	return buf;
}

/* The line of op, e.g. "Resize                 10-21". */
static void
expect(const char *all, const char *op, const char *range)
{
	char want[128];
	const char *p = all;
	size_t n = strlen(op);

	snprintf(want, sizeof want, " %s\n", range);
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (strncmp(p, op, n) || p[n] != ' ')
			continue;
		const char *end = strchr(p, '\n');
		const char *r = end - strlen(want) + 1;
		cr_assert(!strncmp(r, want, strlen(want)),
		          "%s is listed as \"%.*s\", want range %s", op,
		          (int)(end - p), p, range);
		return;
	}
	cr_assert_fail("%s is not listed by --list-ops", op);
}

Test(list_ops, names_every_operator_of_issue_3_with_its_opset_range)
{
	char *all = list_ops();
	static const char *const since1[] = {
	    "Sub", "Div", "Max", "Min", "Pow", "Sqrt", "Exp", "Log", "Neg",
	    "Abs", "Reciprocal", "Tanh", "LeakyRelu", "Elu", "Selu",
	    "Softplus", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Gather",
	    "DepthToSpace", "SpaceToDepth", "ReduceMean", "ReduceMax",
	    "ReduceSum", "ReduceL2", "LRN", "InstanceNormalization",
	    "LogSoftmax", "Dropout",
	};

	for (size_t i = 0; i < sizeof since1 / sizeof *since1; i++)
		expect(all, since1[i], "1-21");
	expect(all, "Erf", "9-21");
	expect(all, "PRelu", "7-21");
	expect(all, "Split", "2-21");
	expect(all, "Pad", "2-21");
	expect(all, "Tile", "6-21");
	expect(all, "Expand", "8-21");
	expect(all, "Resize", "10-21");
	expect(all, "Upsample", "7-9");
	expect(all, "LayerNormalization", "17-21");
	free(all);
}

Test(list_ops, is_sorted_by_name)
{
	char *all = list_ops(), *line, *save = NULL;
	char prev[64] = "";

	for (line = strtok_r(all, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		cr_assert_eq(sscanf(line, "%63s", name), 1);
		cr_assert(strcmp(prev, name) < 0, "%s listed after %s", name,
		          prev);
		strcpy(prev, name);
	}
	free(all);
}

Test(list_ops, names_convtranspose_the_comparisons_and_the_shape_ops)
{
	char *all = list_ops();
	static const char *const since1[] = {
	    "ConvTranspose", "Equal", "Greater", "Less", "Not", "Shape", "Size",
	};

	for (size_t i = 0; i < sizeof since1 / sizeof *since1; i++)
		expect(all, since1[i], "1-21");
	expect(all, "GreaterOrEqual", "12-21");
	expect(all, "LessOrEqual", "12-21");
	expect(all, "Where", "9-21");
	expect(all, "ConstantOfShape", "9-21");
	expect(all, "Range", "11-21");
	expect(all, "Cast", "6-21");
	free(all);
}
