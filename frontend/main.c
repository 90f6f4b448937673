/* main.c -- the qcc driver: parse flags, then import, run the pipeline and
 * emit, in that order.  The only file that calls exit().
 *
 * Exit status: 0 success, 1 a problem with the input, 2 a usage error.
 * Output files are written to a temporary name beside the target and
 * renamed only on success, so a failed compile leaves nothing behind.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "depfile.h"
#include "frontend.h"
#include "outfile.h"
#include "passes.h"
#include "quant_report.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, MAX_DEFS = 64, MAX_LAYERS = 64 };

typedef struct Flags {
	const char *model, *out, *target, *cpu, *attrs, *name, *print_after;
	const char *depfile, *report;
	const char *qreport;   /* -quant-report=FILE.json|FILE.txt */
	const char *scheme;    /* -quantize's value */
	EmitKind emit;
	int optlevel;
	bool print_all, verify_each, md, no_winograd, no_blocked;
	const char *def_names[MAX_DEFS];
	int64_t def_values[MAX_DEFS];
	int ndefs;
	bool quantize;         /* -quantize=int8 */
	const char *calib;     /* -calib=DIR */
	QuantOpts quant;       /* -calib-method, -per-tensor, -io=int8 */
	long calib_limit;
	LayerBits layers[MAX_LAYERS];  /* -quantize-layer=NODE:wXaY */
} Flags;

static const char usage_text[] =
	"usage: qcc MODEL.onnx [options]\n"
	"\n"
	"Compiles an ONNX model into a standalone object file (weights inside, no\n"
	"undefined symbols) or portable C, plus a header NAME.h beside it.\n"
	"\n"
	"options:\n"
	"  -o FILE             output file (default: MODEL base name + .o/.s/.ll/.c;\n"
	"                      -emit=ir writes to stdout; -o - writes text to stdout)\n"
	"  -emit=KIND          obj (default), asm, llvm, c, ir\n"
	"  -target=T           host (default: this CPU), x86-64 (any AVX2 CPU), armv8\n"
	"                      (aarch64, arm64), riscv64, or an LLVM triple\n"
	"                      (see --list-targets)\n"
	"  -mcpu=CPU           LLVM CPU name, e.g. x86-64-v3, cortex-a53, native\n"
	"  -mattr=A            LLVM target features, e.g. +avx2,+fma or +dotprod\n"
	"  -O0 -O1 -O2 -O3     optimization level (default -O2)\n"
	"  -name=ID            C prefix of the generated API (default: output base name)\n"
	"  -D NAME=VALUE       value of a symbolic input dimension\n"
	"  -print-after=PASS   print the IR after PASS to stderr\n"
	"  -print-after-all    print the IR after every pass\n"
	"  -verify-each        verify the IR after every pass\n"
	"  -no-winograd        direct 3x3 convolutions only (float sums in the\n"
	"                      plain loop's order; default: Winograd F(2x2,3x3),\n"
	"                      or F(4x4,3x3) on outputs up to 8x8, where faster;\n"
	"                      INT8 on AVX2 without VNNI: an exact integer\n"
	"                      F(2x2,3x3) using 256 KiB of stack)\n"
	"  -no-blocked-layout  every tensor NCHW (default with AVX-512: the\n"
	"                      tensors between 1x1 and depthwise convolutions\n"
	"                      channel-blocked, NCHW16c; same results)\n"
	"  -quantize=Q         integer-only code: int8 (= w8a8), w4a8, w4a4 (4-bit\n"
	"                      weights / activations; first and last layer 8-bit,\n"
	"                      depthwise conv weights 8-bit)\n"
	"  -quantize-layer=NODE:wXaY  widths of one Conv/Gemm (X, Y: 4 or 8)\n"
	"  -int4-weights=C     4-bit weight clip: max, mse (default)\n"
	"  -int4-acts=R        4-bit activation grid: minmax, mse, search (default)\n"
	"  -no-bias-correct    no bias correction of 4-bit layers\n"
	"  -quantize=pm1:wKaM  K-bit weights, M-bit activations (1..4) as K*M\n"
	"                      xor/popcount products (first, last layer 8-bit)\n"
	"  -quantize=auto      per layer the cheapest of int8, w4a4, pm1:w2a2,\n"
	"                      pm1:w1a1 on -target whose output SQNR on the\n"
	"                      calibration set is at least -auto-sqnr=DB (20)\n"
	"  -v                  print -quantize=auto's choices\n"
	"  -calib=DIR          calibration samples (.npy or TensorProto .pb)\n"
	"  -calib-method=M     mse (default), minmax, percentile[:P] (P=99.99), kl\n"
	"  -calib-limit=N      use at most N calibration samples\n"
	"  -per-tensor         one weight scale per tensor, not per channel\n"
	"  -io=int8            inputs and outputs are codes (scales in the header)\n"
	"  -quant-report=FILE  per-layer scales, zero points and SQNR on the\n"
	"                      calibration set: FILE.json, or FILE.txt a table\n"
	"  -MD                 also write a Makefile-style depfile of the inputs\n"
	"  -MF FILE            the depfile's name (default: output with .d)\n"
	"  --report=FILE.html  write an HTML report of the compile\n"
	"  --list-ops          print the supported ONNX operators and opsets\n"
	"  --list-targets      print the targets, their aliases and meaning\n"
	"  --help, --version\n"
	"\n"
	"passes:\n";

static _Noreturn void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "qcc: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see qcc --help)\n");
	exit(EXIT_USAGE);
}

static const char *
flag_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (arg[0] == '-' && arg[1] == '-')
		arg++;
	if (strncmp(arg, name, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	return NULL;
}

static bool
flag_is(const char *arg, const char *name)
{
	if (arg[0] == '-' && arg[1] == '-')
		arg++;
	return strcmp(arg, name) == 0;
}

static void
parse_define(Flags *f, const char *def)
{
	const char *eq = strchr(def, '=');
	char *end;
	long long v;

	if (!eq || eq == def)
		usage_error("-D expects NAME=VALUE, got '%s'", def);
	errno = 0;
	v = strtoll(eq + 1, &end, 10);
	if (errno || *end || end == eq + 1 || v <= 0)
		usage_error("-D value must be a positive integer: '%s'", def);
	if (f->ndefs == MAX_DEFS)
		usage_error("too many -D definitions%s", "");
	f->def_names[f->ndefs] = strndup(def, (size_t)(eq - def));
	f->def_values[f->ndefs++] = v;
}

static EmitKind
parse_emit(const char *v)
{
	static const struct { const char *name; EmitKind k; } kinds[] = {
		{"obj", EMIT_OBJ}, {"asm", EMIT_ASM}, {"llvm", EMIT_LLVM},
		{"c", EMIT_C}, {"ir", EMIT_IR},
	};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(v, kinds[i].name) == 0)
			return kinds[i].k;
	usage_error("unknown -emit kind '%s'", v);
}

static void
parse_calib_method(Flags *f, const char *v)
{
	static const struct { const char *name; CalibMethod m; } ms[] = {
		{"minmax", CALIB_MINMAX}, {"percentile", CALIB_PERCENTILE},
		{"mse", CALIB_MSE}, {"kl", CALIB_KL},
	};
	size_t n = strcspn(v, ":");

	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		if (strlen(ms[i].name) != n || strncmp(v, ms[i].name, n))
			continue;
		f->quant.method = ms[i].m;
		if (v[n] && ms[i].m != CALIB_PERCENTILE)
			usage_error("only percentile takes a parameter: '%s'", v);
		if (v[n]) {
			char *e;
			f->quant.percentile = strtod(v + n + 1, &e);
			if (*e || !(f->quant.percentile > 50.0) ||
			    f->quant.percentile > 100.0)
				usage_error("percentile must be in (50, 100]: "
				            "'%s'", v);
		}
		return;
	}
	usage_error("unknown -calib-method '%s'", v);
}

/* -quantize=int8|w8a8|w4a8|w4a4, or pm1:wKaM (K, M in 1..4). */
static void
parse_quantize(Flags *f, const char *v)
{
	if (strlen(v) == 8 && !strncmp(v, "pm1:w", 5) && v[6] == 'a' &&
	    v[5] >= '1' && v[5] <= '4' && v[7] >= '1' && v[7] <= '4') {
		f->quant.pm1_wbits = v[5] - '0';
		f->quant.pm1_abits = v[7] - '0';
	} else if (!strcmp(v, "int8") || !strcmp(v, "w8a8")) {
		f->quant.wbits = f->quant.abits = 8;
	} else if (!strcmp(v, "w4a8")) {
		f->quant.wbits = 4;
		f->quant.abits = 8;
	} else if (!strcmp(v, "w4a4")) {
		f->quant.wbits = f->quant.abits = 4;
	} else if (!strcmp(v, "auto")) {
		f->quant.auto_select = true;
	} else {
		usage_error("-quantize is int8, w8a8, w4a8, w4a4, auto or pm1:wKaM with "
		            "K, M in 1..4, not '%s'", v);
	}
	f->quantize = true;
	f->scheme = v;
}

/* -quantize-layer=NODE:wXaY, X and Y 4 or 8 */
static void
parse_layer_bits(Flags *f, const char *v)
{
	const char *c = strrchr(v, ':');
	LayerBits *l = &f->layers[f->quant.nlayers];

	if (f->quant.nlayers == MAX_LAYERS)
		usage_error("too many -quantize-layer options: %s", v);
	if (!c || c == v || strlen(c) != 5 || c[1] != 'w' || c[3] != 'a' ||
	    (c[2] != '4' && c[2] != '8') || (c[4] != '4' && c[4] != '8'))
		usage_error("-quantize-layer wants NODE:wXaY with X and Y 4 or "
		            "8, not '%s'", v);
	l->node = strndup(v, (size_t)(c - v));
	l->wbits = (uint8_t)(c[2] - '0');
	l->abits = (uint8_t)(c[4] - '0');
	f->quant.layers = f->layers;
	f->quant.nlayers++;
}

static void
parse_flags(Flags *f, int argc, char **argv)
{
	const char *v;

	*f = (Flags){.emit = EMIT_OBJ, .optlevel = 2, .target = "host"};
	f->quant.method = CALIB_MSE;
	f->quant.percentile = 99.99;
	f->quant.w4_clip = W4_MSE;
	f->quant.a4_range = A4_SEARCH;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (flag_is(a, "-help") || flag_is(a, "-h")) {
			fputs(usage_text, stdout);
			pass_list(stdout);
			exit(0);
		} else if (flag_is(a, "-version")) {
			printf("qcc version %s\n", QCC_VERSION);
			exit(0);
		} else if (flag_is(a, "-list-ops")) {
			onnx_list_ops(stdout);
			exit(0);
		} else if (flag_is(a, "-list-targets")) {
			target_list(stdout);
			exit(0);
		} else if (strcmp(a, "-o") == 0) {
			if (++i == argc)
				usage_error("%s needs a file name", a);
			f->out = argv[i];
		} else if (strcmp(a, "-D") == 0) {
			if (++i == argc)
				usage_error("%s needs NAME=VALUE", a);
			parse_define(f, argv[i]);
		} else if (strcmp(a, "-MD") == 0) {
			f->md = true;
		} else if (strcmp(a, "-MF") == 0) {
			if (++i == argc)
				usage_error("%s needs a file name", a);
			f->depfile = argv[i];
			f->md = true;
		} else if (strncmp(a, "-D", 2) == 0) {
			parse_define(f, a + 2);
		} else if ((v = flag_value(a, "-emit"))) {
			f->emit = parse_emit(v);
		} else if ((v = flag_value(a, "-target"))) {
			f->target = v;
		} else if ((v = flag_value(a, "-mcpu"))) {
			f->cpu = v;
		} else if ((v = flag_value(a, "-mattr"))) {
			f->attrs = v;
		} else if ((v = flag_value(a, "-report"))) {
			f->report = v;
		} else if ((v = flag_value(a, "-name"))) {
			f->name = v;
		} else if ((v = flag_value(a, "-print-after"))) {
			if (!pass_find(v))
				usage_error("unknown pass '%s' in -print-after", v);
			f->print_after = v;
		} else if (flag_is(a, "-print-after-all")) {
			f->print_all = true;
		} else if (flag_is(a, "-verify-each")) {
			f->verify_each = true;
		} else if (flag_is(a, "-no-winograd")) {
			f->no_winograd = true;
		} else if (flag_is(a, "-no-blocked-layout")) {
			f->no_blocked = true;
		} else if ((v = flag_value(a, "-quant-report"))) {
			size_t n = strlen(v);
			if (n < 5 || (strcmp(v + n - 5, ".json") &&
			              strcmp(v + n - 4, ".txt")))
				usage_error("-quant-report writes FILE.json or "
				            "FILE.txt, not '%s'", v);
			f->qreport = v;
		} else if ((v = flag_value(a, "-quantize-layer"))) {
			parse_layer_bits(f, v);
		} else if ((v = flag_value(a, "-quantize"))) {
			parse_quantize(f, v);
		} else if ((v = flag_value(a, "-int4-weights"))) {
			if (strcmp(v, "max") && strcmp(v, "mse"))
				usage_error("-int4-weights is max or mse, not "
				            "'%s'", v);
			f->quant.w4_clip = strcmp(v, "max") ? W4_MSE : W4_MAX;
		} else if ((v = flag_value(a, "-int4-acts"))) {
			f->quant.a4_range = !strcmp(v, "minmax") ? A4_MINMAX
			                  : !strcmp(v, "mse")    ? A4_MSE
			                                         : A4_SEARCH;
			if (f->quant.a4_range == A4_SEARCH && strcmp(v, "search"))
				usage_error("-int4-acts is minmax, mse or search, "
				            "not '%s'", v);
		} else if (flag_is(a, "-no-bias-correct")) {
			f->quant.no_bias_correct = true;
		} else if (flag_is(a, "-v")) {
			f->quant.verbose = true;
		} else if ((v = flag_value(a, "-auto-sqnr"))) {
			char *e;
			f->quant.auto_sqnr = strtod(v, &e);
			if (*e || !(f->quant.auto_sqnr > 0.0))
				usage_error("-auto-sqnr wants a positive number of "
				            "dB, not '%s'", v);
		} else if ((v = flag_value(a, "-calib"))) {
			f->calib = v;
		} else if ((v = flag_value(a, "-calib-method"))) {
			parse_calib_method(f, v);
		} else if ((v = flag_value(a, "-calib-limit"))) {
			char *e;
			f->calib_limit = strtol(v, &e, 10);
			if (*e || f->calib_limit < 1)
				usage_error("-calib-limit must be a positive "
				            "integer: '%s'", v);
		} else if (flag_is(a, "-per-tensor")) {
			f->quant.per_tensor = true;
		} else if ((v = flag_value(a, "-io"))) {
			if (strcmp(v, "int8") && strcmp(v, "float"))
				usage_error("-io is int8 or float, not '%s'", v);
			f->quant.io_int8 = !strcmp(v, "int8");
		} else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' &&
		           !a[3]) {
			f->optlevel = a[2] - '0';
		} else if (a[0] == '-' && a[1]) {
			usage_error("unknown option '%s'", a);
		} else if (f->model) {
			usage_error("more than one model given: '%s'", a);
		} else {
			f->model = a;
		}
	}
	if (!f->model)
		usage_error("no model given%s", "");
	if (f->quantize && !f->calib)
		usage_error("-quantize=int8 needs calibration samples: "
		            "-calib=DIR%s", "");
	if (!f->quantize && (f->calib || f->quant.io_int8))
		usage_error("-calib and -io=int8 need -quantize=int8%s", "");
	if (!f->quantize && f->quant.nlayers)
		usage_error("-quantize-layer needs -quantize%s", "");
	if (!f->quantize && f->qreport)
		usage_error("-quant-report needs -quantize%s", "");
}

static const char *
default_out(const char *model, EmitKind emit)
{
	static const char *const ext[] = {
		[EMIT_OBJ] = ".o", [EMIT_ASM] = ".s", [EMIT_LLVM] = ".ll",
		[EMIT_C] = ".c", [EMIT_IR] = NULL,
	};
	const char *base = strrchr(model, '/');
	const char *dot;
	char *s;

	if (!ext[emit])
		return "-";
	base = base ? base + 1 : model;
	dot = strrchr(base, '.');
	s = malloc(strlen(base) + 4);
	if (!s)
		return "-";
	sprintf(s, "%.*s%s", (int)(dot && dot != base ? dot - base : (long)strlen(base)),
	        base, ext[emit]);
	return s;
}

/* The output's base name without extension, made a C identifier. */
static const char *
default_name(const char *out)
{
	const char *base = strrchr(out, '/');
	const char *dot;
	size_t n;
	char *s, *p;

	base = base ? base + 1 : out;
	if (strcmp(out, "-") == 0)
		base = "net";
	dot = strrchr(base, '.');
	n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	s = malloc(n + 2);
	if (!s)
		return "net";
	p = s;
	if (n == 0 || isdigit((unsigned char)base[0]))
		*p++ = '_';
	for (size_t i = 0; i < n; i++)
		*p++ = isalnum((unsigned char)base[i]) ? base[i] : '_';
	*p = 0;
	return s;
}

static bool
is_identifier(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static char *
header_path(const char *out)
{
	const char *slash = strrchr(out, '/');
	const char *dot = strrchr(out, '.');
	size_t n = dot && (!slash || dot > slash + 1) ? (size_t)(dot - out) : strlen(out);
	char *s = malloc(n + 3);

	if (!s)
		return NULL;
	memcpy(s, out, n);
	strcpy(s + n, ".h");
	return s;
}

static const char *
join_args(int argc, char **argv, const char *model)
{
	size_t n = 1;
	char *s;

	for (int i = 1; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = calloc(1, n);
	if (!s)
		return "";
	for (int i = 1; i < argc; i++) {
		if (argv[i] == model)
			continue;
		if (*s)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static bool
emit(Ctx *cx, const Graph *g, const CodegenOpts *co, FILE *out)
{
	switch (co->emit) {
	case EMIT_IR:
		ir_print(g, out);
		return true;
	case EMIT_C:
		return cgen_graph(cx, g, co, out);
	case EMIT_OBJ:
	case EMIT_ASM:
	case EMIT_LLVM:
		return llvm_emit(cx, g, co, out);
	}
	bug("bad emit kind %d", co->emit);
}

/* Writes the output and, for objects and C, the header beside it; both
 * or neither. */
static bool
write_outputs(Ctx *cx, const Graph *g, const CodegenOpts *co, const char *path)
{
	OutFile out, hdr;
	bool with_header = co->emit == EMIT_OBJ || co->emit == EMIT_C;
	bool ok;

	if (!out_open(cx, &out, path))
		return false;
	ok = emit(cx, g, co, out.f) && cx->nerrors == 0;
	if (!ok || !with_header || strcmp(path, "-") == 0)
		return out_close(cx, &out, ok);
	if (!out_open(cx, &hdr, header_path(path)))
		return out_close(cx, &out, false);
	/* An unchanged header keeps its time stamp, so the sources that
	 * include it are not rebuilt when only the weights changed. */
	hdr.keep_same = true;
	ok = header_write(cx, g, co, hdr.f) && cx->nerrors == 0;
	ok = out_close(cx, &hdr, ok);
	if (!out_close(cx, &out, ok)) {
		if (ok)
			unlink(header_path(path));
		return false;
	}
	return ok;
}

static bool
write_report(Ctx *cx, const Graph *g, const CodegenOpts *co, const char *path)
{
	OutFile o;

	if (!out_open(cx, &o, path))
		return false;
	return out_close(cx, &o, report_write(cx, g, co, o.f));
}

static bool
write_quant_report(Ctx *cx, const QuantReport *r, const char *path)
{
	OutFile o;

	if (!out_open(cx, &o, path))
		return false;
	if (strcmp(path + strlen(path) - 5, ".json") == 0)
		quant_report_json(r, o.f);
	else
		quant_report_txt(r, o.f);
	return out_close(cx, &o, !ferror(o.f));
}

/* -MD: the rule "OUTPUT: every file the compile read". */
static bool
write_depfile(Ctx *cx, const Flags *f)
{
	DepList d = {0};
	OutFile o;

	deps_add(cx, &d, f->model);
	if (f->calib && !deps_add_dir(cx, &d, f->calib))
		return false;
	if (!out_open(cx, &o, f->depfile))
		return false;
	deps_write(&d, f->out, o.f);
	return out_close(cx, &o, true);
}

/* A later step failed: remove what earlier steps wrote, so a failed
 * compile leaves no output behind. */
static void
discard_outputs(const Flags *f, const CodegenOpts *co, bool report, bool out,
                bool qreport)
{
	if (report)
		unlink(f->report);
	if (qreport)
		unlink(f->qreport);
	if (!out || strcmp(f->out, "-") == 0)
		return;
	unlink(f->out);
	if (co->emit == EMIT_OBJ || co->emit == EMIT_C)
		unlink(header_path(f->out));
}

int
main(int argc, char **argv)
{
	Flags f;
	Ctx cx;
	Graph *g, *fg = NULL;
	CodegenOpts co = {0};
	Target target;
	ImportOpts io;
	bool ok, wrote_report = false, wrote_out = false, wrote_qreport = false;

	parse_flags(&f, argc, argv);
	if (!f.out)
		f.out = default_out(f.model, f.emit);
	if (f.md && !f.depfile) {
		if (strcmp(f.out, "-") == 0)
			usage_error("-MD with output to stdout needs -MF FILE%s", "");
		char *d = header_path(f.out);
		if (!d)
			usage_error("out of memory%s", "");
		d[strlen(d) - 1] = 'd';
		f.depfile = d;
	}
	co.emit = f.emit;
	if (!target_parse(f.target, &target))
		usage_error("unknown target '%s' (qcc --list-targets shows them)",
		            f.target);
	co.target = &target;
	co.cpu = f.cpu;
	co.attrs = f.attrs;
	co.optlevel = f.optlevel;
	co.name = f.name ? f.name : default_name(f.out);
	if (!is_identifier(co.name))
		usage_error("-name must be a C identifier: '%s'", co.name);
	co.cmdline = join_args(argc, argv, f.model);
	if (strcmp(f.out, "-") != 0) {
		const char *h = header_path(f.out), *slash = strrchr(h, '/');
		co.header = slash ? slash + 1 : h;
	}

	ctx_init(&cx);
	cx.file = f.model;
	if (!llvm_check_target(&cx, &co)) {
		ctx_fini(&cx);
		exit(EXIT_USAGE);
	}
	cx.print_after = f.print_after;
	if (f.print_all)
		cx.flags |= CTX_PRINT_ALL;
	if (f.verify_each)
		cx.flags |= CTX_VERIFY_EACH;
	if (f.no_winograd)
		cx.flags |= CTX_NO_WINOGRAD;
	if (f.no_blocked)
		cx.flags |= CTX_NO_BLOCKED;
	/* select-conv and plan-layout choose kernels by the vector width
	 * (lowering sets the same again); the C backend's output is portable */
	if (co.emit != EMIT_C)
		cx.vec_bytes = target_vec_bytes(target_cpu(&co),
		                                target_features(&cx, &co));
	io = (ImportOpts){f.def_names, f.def_values, f.ndefs};
	g = onnx_import(&cx, f.model, &io);
	ok = g && cx.nerrors == 0;
	if (ok && f.quantize && (f.qreport || f.report))
		fg = ir_clone(&cx, g);
	if (ok && f.quantize) {
		const float **samples;
		ok = calib_load(&cx, g, f.calib, (uint32_t)f.calib_limit,
		                &samples, &f.quant.nsamples);
		f.quant.samples = samples;
		f.quant.ninputs = ok ? g->ninputs : 0;
		f.quant.progress = isatty(2);
		cx.quant = &f.quant;
		f.quant.auto_target = target.triple;
		ok = ok && (f.quant.auto_select ? pipeline_auto(&cx, g)
		            : f.quant.pm1_abits ? pipeline_pm1(&cx, g)
		                                : pipeline_int8(&cx, g));
	} else {
		ok = ok && pipeline_default(&cx, g, f.optlevel);
	}
	if (ok && fg)
		ok = (co.qreport = quant_report_make(&cx, fg, g, &f.quant, f.model,
		                                     f.scheme)) != NULL;
	if (ok && f.report)
		ok = wrote_report = write_report(&cx, g, &co, f.report);
	if (ok && f.qreport)
		ok = wrote_qreport = write_quant_report(&cx, co.qreport, f.qreport);
	if (ok)
		ok = wrote_out = write_outputs(&cx, g, &co, f.out);
	ok = ok && (!f.md || write_depfile(&cx, &f));
	if (!ok)
		discard_outputs(&f, &co, wrote_report, wrote_out, wrote_qreport);
	if (cx.nerrors > cx.maxerrors)
		fprintf(stderr, "%s: note: %d more errors not shown\n", f.model,
		        cx.nerrors - cx.maxerrors);
	ctx_fini(&cx);
	return ok ? 0 : EXIT_INPUT;
}
