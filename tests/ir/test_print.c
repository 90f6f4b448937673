/* test_print.c -- the textual IR, against golden text. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "helpers.h"

static Ctx cx;
static char *text;
static size_t len;

static void
setup(void)
{
	ctx_init(&cx);
}

static void
teardown(void)
{
	free(text);
	ctx_fini(&cx);
}

TestSuite(print, .init = setup, .fini = teardown);

static const char *
print_graph(const Graph *g)
{
	FILE *f = open_memstream(&text, &len);

	ir_print(g, f);
	fclose(f);
	return text;
}

static const char *
print_op(const Op *op)
{
	FILE *f;

	free(text);
	f = open_memstream(&text, &len);
	ir_print_op(op, f);
	fclose(f);
	return text;
}

/* input -> Conv+relu -> MaxPool -> Flatten -> Gemm -> Softmax */
static Graph *
lenet_like(void)
{
	Graph *g = ir_graph_new(&cx, "torch_jit");
	Value *x, *y, *w, *b;
	Op *op;

	g->opset = 13;
	x = ir_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 1, 4, 4)), "input");
	y = tg_conv(&cx, g, x, 2, 3, 1, 1, 1, 3);
	y->def->in[1]->name = "conv1.weight";
	y->def->in[2]->name = "conv1.bias";
	y->def->loc.node = "/conv1/Conv";
	y->def->act.kind = ACT_RELU;
	op = tg_op(&cx, g, OP_MAXPOOL, 1, &y);
	op->a.pool.kernel[0] = op->a.pool.kernel[1] = 2;
	op->a.pool.stride[0] = op->a.pool.stride[1] = 2;
	op->a.pool.ceil_mode = true;
	y = tg_infer(&cx, op);
	y = tg_infer(&cx, tg_op(&cx, g, OP_FLATTEN, 1, &y));
	w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3, 8)), 1, -1, 1);
	b = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(3)), 2, -1, 1);
	op = tg_op(&cx, g, OP_GEMM, 3, (Value *[]){y, w, b});
	op->a.gemm.trans_b = true;
	op->a.gemm.beta = 0.5f;
	y = tg_infer(&cx, op);
	y = tg_infer(&cx, tg_op(&cx, g, OP_SOFTMAX, 1, &y));
	y->name = "logits";
	ir_add_output(&cx, g, y);
	g->shaped = true;
	return g;
}

Test(print, golden_text_of_a_small_graph)
{
	Graph *g = lenet_like();

	ir_verify(&cx, g);
	/* clang-format off */
	cr_assert_str_eq(print_graph(g),
"graph \"torch_jit\" (opset 13) {\n"
"  input %0 \"input\": f32[1,1,4,4]\n"
"  const %1 \"conv1.weight\": f32[2,1,3,3]\n"
"  const %2 \"conv1.bias\": f32[2]\n"
"  const %6 \"c6\": f32[3,8]\n"
"  const %7 \"c7\": f32[3]\n"
"  %3 = Conv %0, %1, %2 {kernel=3x3 stride=1x1 pad=1,1,1,1 dilation=1x1 group=1} act=relu : f32[1,2,4,4]   ; \"/conv1/Conv\" #0\n"
"  %4 = MaxPool %3 {kernel=2x2 stride=2x2 pad=0,0,0,0 dilation=1x1 ceil_mode=1} : f32[1,2,2,2]   ; \"n1\" #1\n"
"  %5 = Flatten %4 {axis=1} : f32[1,8]   ; \"n2\" #2\n"
"  %8 = Gemm %5, %6, %7 {alpha=1 beta=0.5 transA=0 transB=1} : f32[1,3]   ; \"n3\" #3\n"
"  %9 = Softmax %8 {axis=1 legacy=0} : f32[1,3]   ; \"n4\" #4\n"
"  output %9 \"logits\"\n"
"}\n");
	/* clang-format on */
}

Test(print, planned_graphs_show_scratch_and_offsets)
{
	Graph *g = lenet_like();
	Op *pool = g->first->next;

	g->scratch_size = 192;
	g->scratch_lower_bound = 160;
	g->first->out[0]->offset = 0;
	pool->out[0]->offset = 128;
	print_graph(g);
	cr_assert(strstr(text, "(opset 13) {\n  scratch 192 bytes (lower bound "
	                       "160)\n  input %0"), "%s", text);
	cr_assert(strstr(text, "; \"/conv1/Conv\" #0  @0\n"), "%s", text);
	cr_assert(strstr(text, "; \"n1\" #1  @128\n"), "%s", text);
	cr_assert_str_eq(print_op(g->last),
	                 "%9 = Softmax %8 {axis=1 legacy=0} : f32[1,3]   ; "
	                 "\"n4\" #4\n");
}

Test(print, printing_is_deterministic)
{
	Graph *g = lenet_like();
	char *first;

	print_graph(g);
	first = text;
	text = NULL;
	print_graph(g);
	cr_assert_str_eq(first, text);
	free(first);
}

Test(print, attributes_of_the_other_ops)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 3, 4, 4)));
	Op *op;

	op = tg_op(&cx, g, OP_CLIP, 1, &x);
	op->a.act = (Act){ACT_CLIP, 0, 6};
	cr_assert_str_eq(print_op(op), "%1 = Clip %0 {min=0 max=6} : ?   ; "
	                 "\"n0\" #0\n");
	op = tg_op(&cx, g, OP_HARDSIGMOID, 1, &x);
	cr_assert_str_eq(print_op(op), "%2 = HardSigmoid %0 {alpha=0.2 "
	                 "beta=0.5} : ?   ; \"n1\" #1\n");
	op = tg_op(&cx, g, OP_RESHAPE, 1, &x);
	op->a.reshape = (ReshapeAttr){.rank = 2, .shape = {0, -1}};
	tg_infer(&cx, op);
	cr_assert_str_eq(print_op(op), "%3 = Reshape %0 {shape=[0,-1] "
	                 "allowzero=0} : f32[2,48]   ; \"n2\" #2\n");
	op = tg_op(&cx, g, OP_AVGPOOL, 1, &x);
	op->a.pool = (PoolAttr){{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, false,
	                        true};
	tg_infer(&cx, op);
	cr_assert_str_eq(print_op(op), "%4 = AveragePool %0 {kernel=3x3 "
	                 "stride=1x1 pad=1,1,1,1 dilation=1x1 ceil_mode=0 "
	                 "count_include_pad=1} : f32[2,3,4,4]   ; \"n3\" #3\n");
	op = tg_op(&cx, g, OP_CONCAT, 2, (Value *[]){x, x});
	op->a.axis.axis = 1;
	op->act = (Act){ACT_NONE, 0, 0};
	cr_assert_str_eq(print_op(op), "%5 = Concat %0, %0 {axis=1} : ?   ; "
	                 "\"n4\" #4\n");
	op = tg_op(&cx, g, OP_ADD, 2, (Value *[]){x, x});
	op->act = (Act){ACT_CLIP, 0, 6};
	cr_assert_str_eq(print_op(op), "%6 = Add %0, %0 act=clip(0,6) : ?   ; "
	                 "\"n5\" #5\n");
	op = tg_op(&cx, g, OP_BATCHNORM, 5, (Value *[]){x, x, x, x, x});
	op->loc.op_type = NULL;
	cr_assert_str_eq(print_op(op), "%7 = BatchNormalization %0, %0, %0, "
	                 "%0, %0 {eps=1e-05} : ?\n");
}

Test(print, omitted_inputs_internal_ops_and_odd_names)
{
	Graph *g = ir_graph_new(&cx, "we\"ird\n");
	Value *x = ir_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 2)), "a\\b");
	Value *w = ir_const(&cx, g, tg_f32(&cx, TG_DIMS(2, 2)), NULL, "w");
	Op *op = tg_op(&cx, g, OP_GEMM, 3, (Value *[]){x, w, NULL});

	ir_const(&cx, g, tg_f32(&cx, TG_DIMS(2)), NULL, "unused");
	tg_infer(&cx, op);
	tg_op(&cx, g, OP_SCALESHIFT, 3, (Value *[]){op->out[0], w, w});
	ir_add_output(&cx, g, op->out[0]);
	print_graph(g);
	/* clang-format off */
	cr_assert_str_eq(text,
"graph \"we\\\"ird\\x0a\" (opset 0) {\n"
"  input %0 \"a\\\\b\": f32[1,2]\n"
"  const %1 \"w\": f32[2,2]\n"
"  %2 = Gemm %0, %1, _ {alpha=1 beta=1 transA=0 transB=0} : f32[1,2]   ; \"n0\" #0\n"
"  %4 = SCALESHIFT %2, %1, %1 : ?   ; \"n1\" #1\n"
"  output %2 \"\"\n"
"}\n");
	/* clang-format on */
}

Test(print, quantized_types_show_their_parameters)
{
	static const float scale[2] = {0.5f, 0.25f};
	static const int32_t zp[1] = {3};
	static const Quant qa = {Q_AXIS, 0, 2, scale, NULL, 0};
	static const Quant qt = {Q_TENSOR, 0, 1, scale, zp, 0};
	Graph *g = ir_graph_new(&cx, "q");

	ir_input(&cx, g, type_new(&cx, DT_I8, 2, (int64_t[]){2, 4}, &qa), "a");
	ir_input(&cx, g, type_new(&cx, DT_U8, 1, (int64_t[]){4}, &qt), "t");
	print_graph(g);
	/* clang-format off */
	cr_assert_str_eq(text,
"graph \"q\" (opset 0) {\n"
"  input %0 \"a\": i8[2,4] q(axis=0 n=2)\n"
"  input %1 \"t\": u8[4] q(scale=0.5 zp=3)\n"
"}\n");
	/* clang-format on */
}
