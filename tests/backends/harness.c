/* harness.c -- graphs and compile-run-compare steps for the backend tests
 * (see harness.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "helpers.h"
#include "passes.h"

const char *const bt_graph_name[BT_NGRAPHS] = {
	"conv_relu_conv", "lenet", "branches", "depthwise", "small_outputs",
	"lone_batchnorm",
};

static Value *
pool(Ctx *cx, Graph *g, OpKind k, Value *x, int kern, int stride, int pad)
{
	Op *op = tg_op(cx, g, k, 1, &x);

	op->a.pool.kernel[0] = op->a.pool.kernel[1] = kern;
	op->a.pool.stride[0] = op->a.pool.stride[1] = stride;
	for (int i = 0; i < 4; i++)
		op->a.pool.pad[i] = pad;
	return tg_infer(cx, op);
}

static Value *
op1(Ctx *cx, Graph *g, OpKind k, Value *x)
{
	return tg_infer(cx, tg_op(cx, g, k, 1, &x));
}

static Value *
op2(Ctx *cx, Graph *g, OpKind k, Value *a, Value *b)
{
	return tg_infer(cx, tg_op(cx, g, k, 2, (Value *[]){a, b}));
}

/* x [m,k] times random W [n,k] transposed, plus a bias [n]. */
static Value *
gemm(Ctx *cx, Graph *g, Value *x, int n, uint32_t seed)
{
	int64_t k = x->type->dim[1];
	Value *w =
	    tg_const_rand(cx, g, tg_f32(cx, TG_DIMS(n, k)), seed, -0.3f, 0.3f);
	Value *b =
	    tg_const_rand(cx, g, tg_f32(cx, TG_DIMS(n)), seed + 1, -0.3f, 0.3f);
	Op *op = tg_op(cx, g, OP_GEMM, 3, (Value *[]){x, w, b});

	op->a.gemm.trans_b = true;
	return tg_infer(cx, op);
}

/* x[1,1,28,28] -> Conv 5x5 -> Relu -> MaxPool -> Conv 5x5 -> BN -> Relu
 * -> AveragePool -> Flatten -> Gemm -> Softmax */
static void
lenet(Ctx *cx, Graph *g)
{
	Value *x = tg_input(cx, g, tg_f32(cx, TG_DIMS(1, 1, 28, 28)));

	x = op1(cx, g, OP_RELU, tg_conv(cx, g, x, 6, 5, 1, 2, 1, 21));
	x = pool(cx, g, OP_MAXPOOL, x, 2, 2, 0);
	x = tg_bn(cx, g, tg_conv(cx, g, x, 16, 5, 1, 0, 1, 23), 25);
	x = pool(cx, g, OP_AVGPOOL, op1(cx, g, OP_RELU, x), 2, 2, 0);
	x = gemm(cx, g, op1(cx, g, OP_FLATTEN, x), 10, 29);
	tg_output(cx, g, op1(cx, g, OP_SOFTMAX, x));
}

/* Two inputs, three outputs: grouped Conv, Sigmoid, Add, Mul with a
 * per-channel constant, HardSwish, Concat, GlobalAveragePool, and a Clip
 * and an Identity of an input as outputs. */
static void
branches(Ctx *cx, Graph *g)
{
	Value *x0 = tg_input(cx, g, tg_f32(cx, TG_DIMS(1, 4, 6, 6)));
	Value *x1 = tg_input(cx, g, tg_f32(cx, TG_DIMS(1, 4, 6, 6)));
	Value *a = tg_conv(cx, g, x0, 4, 3, 1, 1, 2, 31);
	Value *b = op2(cx, g, OP_ADD, a, op1(cx, g, OP_SIGMOID, x1));
	Value *k =
	    tg_const_rand(cx, g, tg_f32(cx, TG_DIMS(4, 1, 1)), 33, -2.0f, 2.0f);
	Value *h =
	    tg_act(cx, g, op2(cx, g, OP_MUL, b, k), (Act){ACT_HARDSWISH, 0, 0});
	Op *cat = tg_op(cx, g, OP_CONCAT, 2, (Value *[]){b, h});

	cat->a.axis.axis = 1;
	tg_output(cx, g, op1(cx, g, OP_GLOBALAVGPOOL, tg_infer(cx, cat)));
	tg_output(cx, g, tg_act(cx, g, x1, (Act){ACT_CLIP, -0.5f, 0.25f}));
	tg_output(cx, g, op1(cx, g, OP_IDENTITY, x0));
}

/* Depthwise Conv stride 2, HardSigmoid, padded MaxPool, 1x1 Conv, BN,
 * GlobalAveragePool, Flatten, MatMul. */
static void
depthwise(Ctx *cx, Graph *g)
{
	Value *x = tg_input(cx, g, tg_f32(cx, TG_DIMS(1, 8, 9, 9)));
	Value *w;

	x = tg_conv(cx, g, x, 8, 3, 2, 1, 8, 41);
	x = tg_act(cx, g, x, (Act){ACT_HARDSIGMOID, 0.2f, 0.5f});
	x = pool(cx, g, OP_MAXPOOL, x, 3, 2, 1);
	x = tg_bn(cx, g, tg_conv(cx, g, x, 16, 1, 1, 0, 1, 43), 45);
	x = op1(cx, g, OP_FLATTEN, op1(cx, g, OP_GLOBALAVGPOOL, x));
	w = tg_const_rand(cx, g, tg_f32(cx, TG_DIMS(16, 5)), 47, -1.0f, 1.0f);
	tg_output(cx, g, op2(cx, g, OP_MATMUL, x, w));
}

/* No scratch at all: Softmax of Relu, and an Identity. */
static void
small_outputs(Ctx *cx, Graph *g)
{
	Value *x = tg_input(cx, g, tg_f32(cx, TG_DIMS(2, 5)));

	tg_output(cx, g, op1(cx, g, OP_SOFTMAX, op1(cx, g, OP_RELU, x)));
	tg_output(cx, g, op1(cx, g, OP_IDENTITY, x));
}

/* A BatchNormalization on an input has nothing to fold into: fold-bn
 * leaves a ScaleShift. */
static void
lone_batchnorm(Ctx *cx, Graph *g)
{
	Value *x = tg_input(cx, g, tg_f32(cx, TG_DIMS(1, 3, 4, 4)));

	tg_output(cx, g, op1(cx, g, OP_RELU, tg_bn(cx, g, x, 51)));
}

Graph *
bt_graph(Ctx *cx, int which)
{
	Graph *g = tg_graph(cx);

	switch (which) {
	case 0: {
		Value *x = tg_input(cx, g, tg_f32(cx, TG_DIMS(1, 3, 8, 8)));
		x = op1(cx, g, OP_RELU, tg_conv(cx, g, x, 8, 3, 1, 1, 1, 11));
		tg_output(cx, g, tg_conv(cx, g, x, 4, 3, 1, 1, 1, 13));
		break;
	}
	case 1:
		lenet(cx, g);
		break;
	case 2:
		branches(cx, g);
		break;
	case 3:
		depthwise(cx, g);
		break;
	case 4:
		small_outputs(cx, g);
		break;
	case 5:
		lone_batchnorm(cx, g);
		break;
	default:
		cr_assert_fail("no graph %d", which);
	}
	return g;
}

Graph *
bt_planned(Ctx *cx, int which)
{
	Graph *g = bt_graph(cx, which);

	cr_assert(pipeline_default(cx, g, 2), "pipeline failed on %s",
	          bt_graph_name[which]);
	return g;
}

CodegenOpts
bt_opts(const char *target, const char *name, EmitKind emit, int optlevel)
{
	CodegenOpts o = {
	    .emit = emit,
	    .target = target_find(target),
	    .optlevel = optlevel,
	    .name = name,
	    .cmdline = "-test",
	};

	cr_assert(o.target, "no target %s", target);
	return o;
}

char *
bt_tmpdir(Ctx *cx)
{
	char *dir = arena_strdup(cx->perm, "/tmp/qcc-backends-XXXXXX");

	cr_assert(mkdtemp(dir), "mkdtemp failed");
	return dir;
}

void
bt_rmdir(const char *dir)
{
	bt_sh("rm -rf '%s'", dir);
}

int
bt_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

int
bt_have(const char *program)
{
	return bt_sh("command -v %s >/dev/null 2>&1", program) == 0;
}

void
bt_emit(Ctx *cx, const char *dir, const char *file, const Graph *g,
        const CodegenOpts *o)
{
	char *path = arena_printf(cx->perm, "%s/%s", dir, file);
	char *hpath = arena_printf(cx->perm, "%s/%s.h", dir, o->name);
	FILE *f = fopen(path, "wb");
	bool ok;

	cr_assert(f, "cannot write %s", path);
	ok = o->emit == EMIT_C ? cgen_graph(cx, g, o, f)
	                       : llvm_emit(cx, g, o, f);
	fclose(f);
	cr_assert(ok && cx->nerrors == 0, "the backend failed on %s", path);
	f = fopen(hpath, "wb");
	cr_assert(f, "cannot write %s", hpath);
	ok = header_write(cx, g, o, f);
	fclose(f);
	cr_assert(ok, "header_write failed");
}

char *
bt_slurp(Ctx *cx, const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long len;

	cr_assert(f, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = arena_alloc(cx->perm, (size_t)len + 1, 16);
	cr_assert_eq(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	if (n)
		*n = (size_t)len;
	return p;
}

static float *
input_data(Ctx *cx, const Graph *g, uint32_t i)
{
	int64_t n = type_numel(g->inputs[i]->type);
	float *p = NEWARRAY(cx->perm, float, n + 1);

	tg_fill_rand(p, n, 1000 + i, -1.0f, 1.0f);
	return p;
}

void
bt_harness(Ctx *cx, const char *dir, const Graph *g, const char *name)
{
	char *up = arena_strdup(cx->perm, name);
	FILE *f;

	for (char *p = up; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	f = fopen(arena_printf(cx->perm, "%s/in.bin", dir), "wb");
	cr_assert(f);
	for (uint32_t i = 0; i < g->ninputs; i++)
		fwrite(input_data(cx, g, i), 4,
		       (size_t)type_numel(g->inputs[i]->type), f);
	fclose(f);

	f = fopen(arena_printf(cx->perm, "%s/harness.c", dir), "w");
	cr_assert(f);
	fprintf(f,
	        "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
	        "#include \"%s.h\"\n\n"
	        "_Static_assert(%s_NUM_INPUTS == %u, \"inputs\");\n"
	        "_Static_assert(%s_NUM_OUTPUTS == %u, \"outputs\");\n\n"
	        "static void *\nload(FILE *f, size_t n)\n{\n"
	        "\tvoid *p = malloc(n);\n\n"
	        "\tif (!p || fread(p, 1, n, f) != n)\n\t\texit(2);\n\treturn "
	        "p;\n}\n\n"
	        "int\nmain(void)\n{\n"
	        "\tFILE *f = fopen(\"in.bin\", \"rb\");\n"
	        "\tconst void *in[%u];\n\tvoid *out[%u];\n"
	        "\tsize_t ss = (%s_SCRATCH_SIZE + 63) / 64 * 64;\n"
	        "\tvoid *s = aligned_alloc(64, ss);\n\n"
	        "\tif (!f || !s)\n\t\treturn 2;\n\tmemset(s, 0xff, ss);\n",
	        name, up, g->ninputs, up, g->noutputs, g->ninputs, g->noutputs,
	        up);
	for (uint32_t i = 0; i < g->ninputs; i++)
		fprintf(f, "\tin[%u] = load(f, %s_INPUT%u_BYTES);\n", i, up, i);
	for (uint32_t i = 0; i < g->noutputs; i++)
		fprintf(f,
		        "\tout[%u] = malloc(%s_OUTPUT%u_BYTES);\n"
		        "\tmemset(out[%u], 0xff, %s_OUTPUT%u_BYTES);\n",
		        i, up, i, i, up, i);
	fprintf(f,
	        "\tfclose(f);\n\tif (%s_run(in, out, s) != 0)\n\t\treturn 3;\n"
	        "\tf = fopen(\"out.bin\", \"wb\");\n\tif (!f)\n\t\treturn 2;\n",
	        name);
	for (uint32_t i = 0; i < g->noutputs; i++)
		fprintf(f, "\tfwrite(out[%u], 1, %s_OUTPUT%u_BYTES, f);\n", i,
		        up, i);
	fputs("\treturn fclose(f) != 0;\n}\n", f);
	fclose(f);
}

void
bt_check(Ctx *cx, const char *dir, const Graph *ref)
{
	const void *in[16];
	void *want[16];
	size_t n, total = 0, at = 0;
	const float *got;

	cr_assert(ref->ninputs <= 16 && ref->noutputs <= 16);
	for (uint32_t i = 0; i < ref->ninputs; i++)
		in[i] = input_data(cx, ref, i);
	for (uint32_t i = 0; i < ref->noutputs; i++) {
		want[i] = NEWARRAY(cx->perm, float,
		                   type_numel(ref->outputs[i]->type) + 1);
		total += (size_t)type_numel(ref->outputs[i]->type);
	}
	cr_assert(ir_eval(cx, ref, in, want), "ir_eval failed");
	got = (const float *)bt_slurp(
	    cx, arena_printf(cx->perm, "%s/out.bin", dir), &n);
	cr_assert_eq(n, total * 4, "out.bin has %zu bytes, want %zu", n,
	             total * 4);
	for (uint32_t i = 0; i < ref->noutputs; i++) {
		const float *w = want[i];
		int64_t m = type_numel(ref->outputs[i]->type);

		for (int64_t j = 0; j < m; j++, at++)
			cr_assert(
			    fabsf(got[at] - w[j]) <=
			        1e-5f * (1.0f + fabsf(w[j])),
			    "output %u element %lld: got %.9g, want %.9g (%s)",
			    i, (long long)j, got[at], w[j], dir);
	}
}
