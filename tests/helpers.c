/* helpers.c -- shared test helpers (see helpers.h). */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"

const TensorType *
tg_f32(Ctx *cx, const int64_t *dim, int rank)
{
	return type_new(cx, DT_F32, rank, dim, NULL);
}

uint32_t
tg_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

void
tg_fill_rand(float *p, int64_t n, uint32_t seed, float lo, float hi)
{
	uint32_t s = seed * 2654435761u + 1;

	if (!s)
		s = 1;
	for (int64_t i = 0; i < n; i++)
		p[i] = lo + (hi - lo) * (float)(tg_rand(&s) >> 8) / 16777216.0f;
}

Graph *
tg_graph(Ctx *cx)
{
	Graph *g = ir_graph_new(cx, "test");

	g->opset = 13;
	g->shaped = true;
	return g;
}

Value *
tg_input(Ctx *cx, Graph *g, const TensorType *t)
{
	return ir_input(cx, g, t, arena_printf(cx->perm, "x%u", g->ninputs));
}

Value *
tg_const(Ctx *cx, Graph *g, const TensorType *t, const float *data)
{
	const char *name = arena_printf(cx->perm, "c%u", g->nvalues);

	return ir_const(cx, g, t, data, name);
}

Value *
tg_const_rand(Ctx *cx, Graph *g, const TensorType *t, uint32_t seed,
              float lo, float hi)
{
	float *p = NEWARRAY(cx->perm, float, type_numel(t) + 1);

	tg_fill_rand(p, type_numel(t), seed, lo, hi);
	return tg_const(cx, g, t, p);
}

void
tg_output(Ctx *cx, Graph *g, Value *v)
{
	if (!v->name || !*v->name)
		v->name = arena_printf(cx->perm, "y%u", g->noutputs);
	ir_add_output(cx, g, v);
}

static void
set_defaults(Op *op)
{
	const TensorType *x = op->nin && op->in[0] ? op->in[0]->type : NULL;

	switch (op->kind) {
	case OP_CONV:
		op->a.conv.stride[0] = op->a.conv.stride[1] = 1;
		op->a.conv.dilation[0] = op->a.conv.dilation[1] = 1;
		op->a.conv.group = 1;
		break;
	case OP_MAXPOOL:
	case OP_AVGPOOL:
		op->a.pool.stride[0] = op->a.pool.stride[1] = 1;
		op->a.pool.dilation[0] = op->a.pool.dilation[1] = 1;
		break;
	case OP_BATCHNORM:
		op->a.bn.eps = 1e-5f;
		break;
	case OP_RELU:
		op->a.act.kind = ACT_RELU;
		break;
	case OP_CLIP:
		op->a.act = (Act){ACT_CLIP, -INFINITY, INFINITY};
		break;
	case OP_SIGMOID:
		op->a.act.kind = ACT_SIGMOID;
		break;
	case OP_HARDSIGMOID:
		op->a.act = (Act){ACT_HARDSIGMOID, 0.2f, 0.5f};
		break;
	case OP_HARDSWISH:
		op->a.act.kind = ACT_HARDSWISH;
		break;
	case OP_GEMM:
		op->a.gemm.alpha = op->a.gemm.beta = 1.0f;
		break;
	case OP_FLATTEN:
		op->a.axis.axis = 1;
		break;
	case OP_SOFTMAX:
		op->a.softmax.axis = x && x->rank ? x->rank - 1 : 0;
		break;
	default:
		break;
	}
}

Op *
tg_op(Ctx *cx, Graph *g, OpKind k, int nin, Value *const *in)
{
	const OpInfo *oi = &op_info[k];
	Loc loc = {
		.file = "test.onnx",
		.node = arena_printf(cx->perm, "n%u", g->nops),
		.op_type = oi->onnx ? oi->onnx : oi->name,
		.index = g->nops,
	};
	Op *op = ir_op_new(cx, g, k, &loc, nin, in, oi->nout, NULL);

	set_defaults(op);
	ir_append(g, op);
	return op;
}

Value *
tg_infer(Ctx *cx, Op *op)
{
	const TensorType *out[16] = {0};

	cr_assert(ir_infer_op(cx, op, out), "shape inference failed for %s",
	          op->loc.node);
	for (int i = 0; i < op->nout; i++)
		op->out[i]->type = out[i];
	return op->out[0];
}

Value *
tg_conv(Ctx *cx, Graph *g, Value *x, int cout, int k, int stride, int pad,
        int group, uint32_t seed)
{
	int64_t cin = x->type->dim[1];
	float bound = 1.0f / sqrtf((float)(cin / group * k * k));
	const TensorType *wt = tg_f32(cx, TG_DIMS(cout, cin / group, k, k));
	Value *w = tg_const_rand(cx, g, wt, seed, -bound, bound);
	Value *b = tg_const_rand(cx, g, tg_f32(cx, TG_DIMS(cout)), seed + 1,
	                         -bound, bound);
	Op *op = tg_op(cx, g, OP_CONV, 3, (Value *[]){x, w, b});

	op->a.conv.kernel[0] = op->a.conv.kernel[1] = k;
	op->a.conv.stride[0] = op->a.conv.stride[1] = stride;
	for (int i = 0; i < 4; i++)
		op->a.conv.pad[i] = pad;
	op->a.conv.group = group;
	return tg_infer(cx, op);
}

Value *
tg_bn(Ctx *cx, Graph *g, Value *x, uint32_t seed)
{
	const TensorType *t = tg_f32(cx, TG_DIMS(x->type->dim[1]));
	Value *in[5] = {
		x,
		tg_const_rand(cx, g, t, seed, 0.5f, 1.5f),
		tg_const_rand(cx, g, t, seed + 1, -0.5f, 0.5f),
		tg_const_rand(cx, g, t, seed + 2, -0.5f, 0.5f),
		tg_const_rand(cx, g, t, seed + 3, 0.25f, 2.0f),
	};

	return tg_infer(cx, tg_op(cx, g, OP_BATCHNORM, 5, in));
}

Value *
tg_act(Ctx *cx, Graph *g, Value *x, Act act)
{
	static const OpKind kind[ACT_COUNT] = {
		[ACT_RELU] = OP_RELU,
		[ACT_CLIP] = OP_CLIP,
		[ACT_SIGMOID] = OP_SIGMOID,
		[ACT_HARDSIGMOID] = OP_HARDSIGMOID,
		[ACT_HARDSWISH] = OP_HARDSWISH,
		[ACT_SIGN] = OP_SIGN,
	};
	Op *op;

	cr_assert(act.kind != ACT_NONE && act.kind < ACT_COUNT);
	op = tg_op(cx, g, kind[act.kind], 1, &x);
	op->a.act = act;
	return tg_infer(cx, op);
}

Graph *
tg_conv_bn(Ctx *cx, int cout, int k)
{
	Graph *g = tg_graph(cx);
	Value *x = tg_input(cx, g, tg_f32(cx, TG_DIMS(1, 3, 8, 8)));
	Value *y = tg_conv(cx, g, x, cout, k, 1, k / 2, 1, 7);

	tg_output(cx, g, tg_bn(cx, g, y, 11));
	return g;
}

int
tg_count(const Graph *g, OpKind k)
{
	int n = 0;

	for_each_op(op, g)
		n += op->kind == k;
	return n;
}

float *
tg_eval(Ctx *cx, const Graph *g, const float *const inputs[])
{
	float *out;

	cr_assert(g->noutputs >= 1);
	out = NEWARRAY(cx->perm, float, type_numel(g->outputs[0]->type) + 1);
	cr_assert(ir_eval(cx, g, (const void *const *)inputs,
	                  (void *const[]){out}),
	          "ir_eval failed");
	return out;
}

void
tg_assert_floats(const float *got, const float *want, int64_t n, float tol)
{
	for (int64_t i = 0; i < n; i++)
		cr_assert(fabsf(got[i] - want[i]) <= tol,
		          "element %lld: got %.9g, want %.9g (tolerance %g)",
		          (long long)i, got[i], want[i], tol);
}

void
tg_assert_close(Ctx *cx, const Graph *ref, const Graph *g, float rtol)
{
	const void *in[64];
	void *oref[64], *og[64];

	cr_assert_eq(ref->ninputs, g->ninputs, "graphs differ in inputs");
	cr_assert_eq(ref->noutputs, g->noutputs, "graphs differ in outputs");
	cr_assert(g->ninputs <= 64 && g->noutputs <= 64);
	for (uint32_t i = 0; i < g->ninputs; i++) {
		const TensorType *t = g->inputs[i]->type;
		float *p = NEWARRAY(cx->perm, float, type_numel(t) + 1);
		cr_assert(type_eq(t, ref->inputs[i]->type),
		          "input %u differs in type", i);
		tg_fill_rand(p, type_numel(t), 1000 + i, -1.0f, 1.0f);
		in[i] = p;
	}
	for (uint32_t i = 0; i < g->noutputs; i++) {
		const TensorType *t = g->outputs[i]->type;
		cr_assert(type_eq(t, ref->outputs[i]->type),
		          "output %u differs in type", i);
		oref[i] = NEWARRAY(cx->perm, float, type_numel(t) + 1);
		og[i] = NEWARRAY(cx->perm, float, type_numel(t) + 1);
	}
	cr_assert(ir_eval(cx, ref, in, oref),
	          "ir_eval failed on the reference");
	cr_assert(ir_eval(cx, g, in, og), "ir_eval failed");
	for (uint32_t i = 0; i < g->noutputs; i++) {
		const float *a = oref[i], *b = og[i];
		int64_t n = type_numel(g->outputs[i]->type);
		for (int64_t j = 0; j < n; j++) {
			float tol = rtol * (1.0f + fabsf(a[j]));
			cr_assert(fabsf(a[j] - b[j]) <= tol,
			          "output %u element %lld: reference %.9g, got "
			          "%.9g (rtol %g)", i, (long long)j, a[j], b[j],
			          rtol);
		}
	}
}
