/* backend.h -- from a planned graph to C source, LLVM IR, assembly or an
 * object file, plus the generated header.
 *
 * Both backends share one lowering (lower.c): every op becomes a list of
 * calls into runtime kernels (runtime/qcc_rt.h) with constant scalar
 * arguments and pointers into the user's buffers, the scratch arena or the
 * weights.  The C backend prints the calls; the LLVM backend builds them
 * against the kernels' bitcode and specializes them.  So an op's run-time
 * meaning lives in exactly one place.
 */
#ifndef QCC_BACKEND_H
#define QCC_BACKEND_H

#include "ir.h"

typedef enum { EMIT_OBJ, EMIT_ASM, EMIT_LLVM, EMIT_C, EMIT_IR } EmitKind;

typedef struct Target {
	const char *name;      /* "x86-64" */
	const char *triple;    /* "x86_64-unknown-linux-gnu" */
	const char *cpu;       /* default -mcpu */
	const char *features;  /* default -mattr */
	const char *abi;       /* LLVM ABI name ("lp64d"), NULL for the default */
	const char *rt;        /* runtime bitcode ("aarch64"); NULL: by triple */
	const char *about;     /* one line for --list-targets */
} Target;

typedef struct CodegenOpts {
	EmitKind emit;
	const Target *target;
	const char *cpu;       /* -mcpu, or NULL for the target's default */
	const char *attrs;     /* -mattr, appended to the target's features */
	int optlevel;          /* -O0..-O3 */
	const char *name;      /* C identifier prefix: "net" */
	const char *cmdline;   /* flags, for the header comment */
	const char *header;    /* file name net.c includes; NULL: name + ".h" */
	/* --report's SQNR of a quantized compile (passes/quant_report.h);
	 * NULL for float */
	const struct QuantReport *qreport;
} CodegenOpts;

/* target.c */
const Target *target_find(const char *name);   /* NULL if unknown */
const Target *target_host(void);
/* A named target or alias into *t, else any LLVM triple ("arch-vendor-os",
 * with the LLVM defaults for CPU and features); false if name is neither. */
bool target_parse(const char *name, Target *t);
/* The names, aliases and what they mean, for qcc --list-targets. */
void target_list(FILE *out);
/* The -mcpu in effect, and the target's features followed by -mattr. */
const char *target_cpu(const CodegenOpts *o);
const char *target_features(Ctx *cx, const CodegenOpts *o);
/* The widest float vector of an LLVM CPU and feature string, in bytes: 64
 * with AVX-512 (F and BW), 32 with AVX2, else 0 (Ctx.vec_bytes). */
int target_vec_bytes(const char *cpu, const char *features);

/* ---- lower.c: ops to kernel calls ---------------------------------------- */

typedef enum { BUF_NONE, BUF_INPUT, BUF_OUTPUT, BUF_SCRATCH, BUF_CONST } BufKind;

typedef struct Buf {
	BufKind kind;
	uint32_t index;        /* INPUT/OUTPUT: slot; CONST: Value.id */
	int64_t offset;        /* bytes from the start of the buffer */
} Buf;

typedef enum { KA_BUF, KA_I32, KA_F32, KA_I32S, KA_F32S } KArgKind;

typedef struct KArg {
	KArgKind kind;
	union {
		Buf buf;           /* KA_BUF: a pointer, NULL for BUF_NONE */
		int32_t i;         /* KA_I32 */
		float f;           /* KA_F32 */
		struct {           /* KA_I32S / KA_F32S: a constant array */
			const void *p;
			uint32_t n;
		} arr;
	} u;
} KArg;

typedef struct KCall {
	const char *fn;        /* runtime kernel, "qcc_rt_conv2d_f32" */
	uint32_t nargs;
	KArg *args;
	const Op *op;          /* the op it implements; NULL for output copies */
} KCall;

/* Where a value's bytes are when net_run runs. */
Buf value_buf(const Graph *g, const Value *v);
/* The calls that implement g, in order, allocated in cx->perm. */
bool lower_graph(Ctx *cx, const Graph *g, KCall **calls, uint32_t *ncalls);

/* ---- header.c: the generated interface ----------------------------------- */

bool header_write(Ctx *cx, const Graph *g, const CodegenOpts *o, FILE *out);
/* The comment block both net.h and net.c start with: version, model and
 * hash, target, flags, weights, scratch and MACs. */
void header_comment(Ctx *cx, const Graph *g, const CodegenOpts *o, FILE *out);
/* NET_SCRATCH_SIZE: g->scratch_size, but never 0. */
int64_t header_scratch_size(const Graph *g);

/* ---- report.c: --report, a self-contained HTML page about the compile ---- */

bool report_write(Ctx *cx, const Graph *g, const CodegenOpts *o, FILE *out);

/* ---- c/emit.c: C text helpers -------------------------------------------- */

/* s as a C string literal, quotes included. */
void emit_cstring(FILE *out, const char *s);
/* s inside a C comment: any star-slash and newlines defused. */
void emit_comment_text(FILE *out, const char *s);
/* An exact C99 float constant: 0x1.99999ap-4f, 6.0f, INFINITY, NAN (or
 * with shortest, the shortest decimal that reads back exactly: 0.1f); into
 * buf (32 bytes are enough), which it returns. */
char *emit_float_text(char *buf, size_t n, float f, bool shortest);
void emit_float(FILE *out, float f, bool shortest);

/* ---- rt_embed.c, generated at build time: the runtime, embedded ----------- */

typedef struct RtSource {
	const char *name;      /* "qcc_rt.h", "kernels/conv.c" */
	const char *text;
} RtSource;

/* Linked kernel bitcode for arch ("x86_64", "aarch64", "riscv64"), NULL if
 * qcc was built without it. */
const unsigned char *rt_bitcode(const char *arch, size_t *n);
/* runtime/qcc_rt.h, then every runtime kernel source sorted by name. */
const RtSource *rt_sources(size_t *n);

/* ---- c/cgen.c ------------------------------------------------------------- */

bool cgen_graph(Ctx *cx, const Graph *g, const CodegenOpts *o, FILE *out);

/* ---- llvm/codegen.c ------------------------------------------------------- */

/* Emits an object, assembly or LLVM IR (o->emit) into out. */
bool llvm_emit(Ctx *cx, const Graph *g, const CodegenOpts *o, FILE *out);

/* ---- llvm/object.c -------------------------------------------------------- */

/* Checks that LLVM knows o's triple, CPU and features (an unknown -mcpu or
 * -mattr is an error, not LLVM's warning), and resolves -mcpu=native to
 * the host's CPU name and features; false after a diagnostic. */
bool llvm_check_target(Ctx *cx, CodegenOpts *o);

#endif
