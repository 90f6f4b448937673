/* test_onnx_import.c -- the ONNX loader: files, opsets, initializers,
 * inputs, node order, and the exact diagnostics for broken models. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onnx_builder.h"

TestSuite(onnx_import, .init = obf_init, .fini = obf_fini);

static Graph *
import(Ob *b)
{
	return ob_import(b, &obf.cx, obf.path, NULL);
}

static void
expect_diags(const char *want)
{
	cr_assert_str_eq(obf_diags(), want);
}

static void
expect_failure(Ob *b, const char *want)
{
	Graph *g = import(b);

	cr_assert_null(g, "import should fail");
	expect_diags(want);
}

/* x[1,2,5,5] -> Conv(w[4,2,3,3], b[4], pads 1) -> Relu -> y */
static Ob *
conv_relu(void)
{
	Ob *b = ob_new(obf.a, 13);
	Onnx__NodeProto *c;

	ob_input(b, "x", "1,2,5,5");
	ob_init_f32(b, "w", "4,2,3,3", NULL);
	ob_init_f32(b, "b", "4", (float[]){1, 2, 3, 4});
	c = ob_node(b, "Conv", "conv1", "x,w,b", "c");
	ob_attr_ints(b, c, "pads", 4, (int64_t[]){1, 1, 1, 1});
	ob_node(b, "Relu", "relu1", "c", "y");
	ob_output(b, "y");
	return b;
}

Test(onnx_import, builds_ops_types_and_locations_of_a_conv_relu_model)
{
	Graph *g = import(conv_relu());
	Op *conv, *relu;

	cr_assert_not_null(g);
	expect_diags("");
	cr_assert_eq(g->opset, 13);
	cr_assert_str_eq(g->name, "test");
	cr_assert_str_eq(g->file, obf.path);
	cr_assert_eq(g->ninputs, 1);
	cr_assert_str_eq(g->inputs[0]->name, "x");
	obf_expect_type(g->inputs[0], "f32[1,2,5,5]");
	conv = g->first;
	relu = conv->next;
	cr_assert(conv && relu && !relu->next);
	cr_assert_eq(conv->kind, OP_CONV);
	cr_assert_eq(conv->nin, 3);
	cr_assert_eq(conv->in[0], g->inputs[0]);
	cr_assert_not_null(conv->in[1]->cst);
	cr_assert_str_eq(conv->in[1]->name, "w");
	obf_expect_type(conv->in[1], "f32[4,2,3,3]");
	cr_assert_float_eq(value_f32(conv->in[1])[17], 17.0f, 0);
	cr_assert_float_eq(value_f32(conv->in[2])[3], 4.0f, 0);
	cr_assert_eq(conv->a.conv.pad[0], 1);
	cr_assert_eq(conv->a.conv.pad[3], 1);
	cr_assert_eq(conv->a.conv.kernel[0], 3);
	cr_assert_eq(conv->a.conv.stride[1], 1);
	cr_assert_eq(conv->a.conv.group, 1);
	obf_expect_type(conv->out[0], "f32[1,4,5,5]");
	cr_assert_str_eq(conv->out[0]->name, "c");
	cr_assert_str_eq(conv->loc.node, "conv1");
	cr_assert_str_eq(conv->loc.op_type, "Conv");
	cr_assert_str_eq(conv->loc.file, obf.path);
	cr_assert_eq(conv->loc.index, 0);
	cr_assert_eq(relu->kind, OP_RELU);
	cr_assert_eq(relu->a.act.kind, ACT_RELU);
	cr_assert_eq(relu->in[0], conv->out[0]);
	cr_assert_eq(relu->loc.index, 1);
	cr_assert_eq(g->noutputs, 1);
	cr_assert_eq(g->outputs[0], relu->out[0]);
	cr_assert_eq(relu->out[0]->nuses, 1);
	cr_assert_eq(conv->out[0]->nuses, 1);
}

Test(onnx_import, records_the_sha256_of_the_model_file)
{
	Graph *g = import(conv_relu());
	char cmd[128], want[65], got[65];
	FILE *p;

	cr_assert_not_null(g);
	snprintf(cmd, sizeof cmd, "sha256sum %s", obf.path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_eq(fscanf(p, "%64s", want), 1);
	pclose(p);
	for (int i = 0; i < 32; i++)
		snprintf(got + 2 * i, 3, "%02x", g->sha256[i]);
	cr_assert_str_eq(got, want);
}

Test(onnx_import, sorts_nodes_that_are_out_of_order)
{
	Ob *b = ob_new(obf.a, 13);
	Graph *g;

	ob_input(b, "x", "1,4");
	ob_node(b, "Sigmoid", "third", "r2", "y");
	ob_node(b, "Relu", "second", "r1", "r2");
	ob_node(b, "Relu", "first", "x", "r1");
	ob_output(b, "y");
	g = import(b);
	cr_assert_not_null(g);
	cr_assert_str_eq(g->first->loc.node, "first");
	cr_assert_str_eq(g->first->next->loc.node, "second");
	cr_assert_str_eq(g->last->loc.node, "third");
	cr_assert_eq(g->last->loc.index, 0);
}

Test(onnx_import, treats_an_input_that_is_also_an_initializer_as_a_constant)
{
	Ob *b = conv_relu();
	Graph *g;

	ob_input(b, "w", "4,2,3,3");
	g = import(b);
	cr_assert_not_null(g);
	cr_assert_eq(g->ninputs, 1);
	cr_assert_not_null(g->first->in[1]->cst);
}

Test(onnx_import, reports_a_missing_file)
{
	cr_assert_null(onnx_import(&obf.cx, obf.path, NULL));
	expect_diags(
	    "MODEL: error: cannot open model: No such file or directory\n");
	cr_assert_eq(obf.cx.nerrors, 1);
}

Test(onnx_import, reports_a_truncated_file)
{
	size_t len;
	uint8_t *buf = ob_pack(conv_relu(), &len);

	cr_assert(ob_write_bytes(obf.path, buf, len / 2));
	cr_assert_null(onnx_import(&obf.cx, obf.path, NULL));
	expect_diags(
	    "MODEL: error: not a valid ONNX model (protobuf parse failed)\n");
}

Test(onnx_import, reports_a_text_file_as_not_onnx)
{
	static const char text[] = "This is a text file, not a protobuf.\n"
	                           "It has two lines.\n";

	cr_assert(ob_write_bytes(obf.path, text, sizeof text - 1));
	cr_assert_null(onnx_import(&obf.cx, obf.path, NULL));
	expect_diags(
	    "MODEL: error: not a valid ONNX model (protobuf parse failed)\n");
}

Test(onnx_import, reports_a_model_without_a_graph)
{
	Ob *b = conv_relu();

	b->model.graph = NULL;
	expect_failure(
	    b, "MODEL: error: not a valid ONNX model (it has no graph)\n");
}

Test(onnx_import, reports_an_opset_out_of_range)
{
	expect_failure(ob_new(obf.a, 22),
	               "MODEL: error: the model uses ONNX "
	               "opset 22; qcc supports opsets 1 to 21\n");
}

Test(onnx_import, lists_every_unknown_operator_in_one_run)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "x", "1,4");
	ob_node(b, "Relu", "ok", "x", "a");
	ob_node(b, "FancyOp", "first_unknown", "a", "b");
	ob_node(b, "OtherFancyOp", "second_unknown", "b", "y");
	ob_output(b, "y");
	expect_failure(
	    b,
	    "MODEL: node \"first_unknown\" (FancyOp): error: unsupported "
	    "operator FancyOp (opset 13)\n"
	    "MODEL: node \"second_unknown\" (OtherFancyOp): error: unsupported "
	    "operator OtherFancyOp (opset 13)\n");
	cr_assert_eq(obf.cx.nerrors, 2);
}

Test(onnx_import, reports_operators_of_other_domains_as_unsupported)
{
	Ob *b = ob_new(obf.a, 13);
	Onnx__NodeProto *n;

	ob_opset(b, "com.microsoft", 1);
	ob_input(b, "x", "1,4");
	n = ob_node(b, "Relu", "ms", "x", "y");
	n->domain = "com.microsoft";
	ob_output(b, "y");
	expect_failure(b,
	               "MODEL: node \"ms\" (Relu): error: unsupported operator "
	               "Relu (domain \"com.microsoft\", opset 1)\n");
}

Test(onnx_import, stops_after_maxerrors)
{
	Ob *b = ob_new(obf.a, 13);
	char name[16];
	int lines = 0;
	const char *d;

	obf.cx.maxerrors = 3;
	ob_input(b, "x", "1,4");
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "u%d", i);
		ob_node(b, "Unknown", name, "x", name);
		ob_output(b, name);
	}
	cr_assert_null(import(b));
	d = obf_diags();
	for (; *d; d++)
		lines += *d == '\n';
	cr_assert_eq(lines, 3);
	cr_assert_eq(obf.cx.nerrors, 4);
}

Test(onnx_import, reports_an_unknown_attribute)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "x", "1,4");
	ob_attr_int(b, ob_node(b, "Relu", "relu_with_attr", "x", "y"),
	            "flavour", 3);
	ob_output(b, "y");
	expect_failure(b,
	               "MODEL: node \"relu_with_attr\" (Relu): error: unknown "
	               "attribute \"flavour\" for Relu (opset 13)\n");
}

Test(onnx_import, reports_an_attribute_of_the_wrong_type)
{
	Ob *b = conv_relu();

	ob_attr_float(b, b->graph.node[0], "group", 1.0f);
	expect_failure(b, "MODEL: node \"conv1\" (Conv): error: attribute "
	                  "\"group\" must be an int, not a float\n");
}

Test(onnx_import, reports_shapes_that_do_not_fit_at_the_node)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "x", "1,2,5,5");
	ob_init_f32(b, "w", "4,3,3,3", NULL);
	ob_node(b, "Conv", "conv_mismatch", "x,w", "c");
	ob_node(b, "Relu", "after", "c", "y");
	ob_output(b, "y");
	expect_failure(b,
	               "MODEL: node \"conv_mismatch\" (Conv): error: Conv "
	               "input has 2 channels but weight expects 3 (group 1)\n");
}

Test(onnx_import, reports_a_cycle_with_its_nodes)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "x", "1,4");
	ob_node(b, "Add", "add_a", "x,b", "a");
	ob_node(b, "Relu", "relu_b", "a", "b");
	ob_output(b, "b");
	expect_failure(b,
	               "MODEL: node \"add_a\" (Add): error: node is part of a "
	               "cycle: add_a -> relu_b -> add_a\n");
}

Test(onnx_import, reports_an_input_nothing_defines)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "x", "1,4");
	ob_node(b, "Add", "add_ghost", "x,ghost", "y");
	ob_output(b, "y");
	expect_failure(b,
	               "MODEL: node \"add_ghost\" (Add): error: input "
	               "\"ghost\" is not defined by any node, initializer or "
	               "graph input\n");
}

Test(onnx_import, reports_a_graph_output_nothing_defines)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "x", "1,4");
	ob_node(b, "Relu", "r", "x", "y");
	ob_output(b, "z");
	expect_failure(b,
	               "MODEL: error: graph output \"z\" is not defined by any "
	               "node, initializer or graph input\n");
}

Test(onnx_import, reports_a_tensor_defined_twice)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "x", "1,4");
	ob_node(b, "Relu", "r1", "x", "y");
	ob_node(b, "Sigmoid", "r2", "x", "y");
	ob_output(b, "y");
	expect_failure(b,
	               "MODEL: node \"r2\" (Sigmoid): error: output \"y\" is "
	               "already defined by node \"r1\"\n");
}

Test(onnx_import, reports_a_symbolic_dimension_without_a_value)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "x", "N,4");
	ob_node(b, "Relu", "relu", "x", "y");
	ob_output(b, "y");
	expect_failure(
	    b, "MODEL: error: input \"x\" has symbolic dimension \"N\"; "
	       "fix it with -D N=VALUE\n");
}

Test(onnx_import, fixes_a_symbolic_dimension_with_a_definition)
{
	Ob *b = ob_new(obf.a, 13);
	const char *names[] = {"C", "N"};
	int64_t values[] = {7, 3};
	ImportOpts o = {names, values, 2};
	Graph *g;

	ob_input(b, "x", "N,4");
	ob_node(b, "Relu", "relu", "x", "y");
	ob_output(b, "y");
	g = ob_import(b, &obf.cx, obf.path, &o);
	cr_assert_not_null(g);
	obf_expect_type(g->inputs[0], "f32[3,4]");
	obf_expect_type(g->outputs[0], "f32[3,4]");
}

Test(onnx_import, reports_inputs_that_are_not_fixed_float_tensors)
{
	Ob *b = ob_new(obf.a, 13);

	ob_input(b, "a", "1,?");
	ob_input(b, "b", NULL);
	ob_input(b, "c", "1,1,1,1,1,1,1");
	ob_input(b, "d", "2")->type->tensor_type->elem_type =
	    ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
	ob_input(b, "e", "0,4");
	ob_node(b, "Relu", "r", "a", "y");
	ob_output(b, "y");
	expect_failure(
	    b,
	    "MODEL: error: input \"a\" has dimension 1 of unknown size; qcc "
	    "needs fixed input shapes\n"
	    "MODEL: error: input \"b\" has no shape; qcc needs fixed input "
	    "shapes\n"
	    "MODEL: error: input \"c\" has rank 7; qcc supports ranks up to 6\n"
	    "MODEL: error: input \"d\" has element type int64; qcc supports "
	    "float, uint8, int8 and bool inputs\n"
	    "MODEL: error: input \"e\" has dimension 0 of size 0; sizes must "
	    "be positive\n");
}

Test(onnx_import, reports_external_data)
{
	Ob *b = conv_relu();
	Onnx__TensorProto *w = b->graph.initializer[0];

	w->has_data_location = 1;
	w->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	w->has_raw_data = 0;
	expect_failure(b,
	               "MODEL: error: initializer \"w\": external data is not "
	               "supported yet\n");
}

Test(onnx_import, reports_initializer_data_shorter_than_its_shape)
{
	Ob *b = conv_relu();

	b->graph.initializer[0]->raw_data.len -= 4;
	expect_failure(b, "MODEL: error: initializer \"w\" has 284 bytes of "
	                  "data, but its type f32[4,2,3,3] needs 288\n");
}

Test(onnx_import, reports_hostile_initializer_shapes)
{
	Ob *b = conv_relu();
	Onnx__TensorProto *w = b->graph.initializer[0], *bias;

	w->dims[1] = -2;
	bias = b->graph.initializer[1];
	bias->n_dims = 4;
	bias->dims = (int64_t[]){1 << 30, 1 << 30, 1 << 30, 1 << 30};
	expect_failure(
	    b,
	    "MODEL: error: initializer \"w\" has negative dimension -2\n"
	    "MODEL: error: initializer \"b\" is too large (over 1099511627776 "
	    "elements)\n");
}

Test(onnx_import, reads_typed_data_fields)
{
	Ob *b = conv_relu();
	Onnx__TensorProto *bias = b->graph.initializer[1];
	Graph *g;

	bias->has_raw_data = 0;
	bias->n_float_data = 4;
	bias->float_data = (float[]){-1, -2, -3, -4};
	g = import(b);
	cr_assert_not_null(g);
	cr_assert_float_eq(value_f32(g->first->in[2])[2], -3.0f, 0);
}

Test(onnx_import, reports_typed_data_of_the_wrong_length)
{
	Ob *b = conv_relu();
	Onnx__TensorProto *bias = b->graph.initializer[1];

	bias->has_raw_data = 0;
	bias->n_float_data = 3;
	bias->float_data = (float[]){-1, -2, -3};
	expect_failure(b,
	               "MODEL: error: initializer \"b\" has 3 values, but its "
	               "type f32[4] needs 4\n");
}

Test(onnx_import, reports_an_unsupported_initializer_type)
{
	Ob *b = conv_relu();

	b->graph.initializer[1]->data_type =
	    ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
	expect_failure(b, "MODEL: error: initializer \"b\" has element type "
	                  "double (11), which qcc does not support\n");
}

/* Hostile files: every prefix and every single-byte corruption of a valid
 * model either imports or fails with diagnostics; none crashes. */
static void
expect_graceful(const uint8_t *buf, size_t len)
{
	Graph *g;

	obf.cx.nerrors = 0;
	cr_assert(ob_write_bytes(obf.path, buf, len));
	g = onnx_import(&obf.cx, obf.path, NULL);
	cr_assert((g != NULL) == (obf.cx.nerrors == 0),
	          "import returned %p with %d errors", (void *)g,
	          obf.cx.nerrors);
}

Test(onnx_import, survives_every_prefix_of_a_model)
{
	size_t len;
	uint8_t *buf = ob_pack(conv_relu(), &len);

	for (size_t n = 0; n < len; n++)
		expect_graceful(buf, n);
}

Test(onnx_import, survives_corrupted_bytes)
{
	static const uint8_t junk[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	size_t len;
	uint8_t *buf = ob_pack(conv_relu(), &len);

	for (size_t i = 0; i < len; i++) {
		uint8_t keep = buf[i];
		for (size_t j = 0; j < sizeof junk; j++) {
			buf[i] = junk[j];
			expect_graceful(buf, len);
		}
		buf[i] = keep;
	}
}
