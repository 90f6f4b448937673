/* test_onnx_nodes.c -- what every node goes through (opset, arity,
 * required inputs, outputs, attribute types), the nodes that make no op
 * (Constant, Identity, Dropout), and the list of supported operators. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_builder.h"

static ObFixture F;

static void
setup(void)
{
	obf_init(&F);
}

static void
teardown(void)
{
	obf_fini(&F);
}

TestSuite(onnx_nodes, .init = setup, .fini = teardown);

static void
model(int64_t opset, const char *dims, const char *op_type, const char *inputs,
      const char *outputs)
{
	obf_model(&F, opset, dims, op_type, inputs, outputs);
}

static Op *
import_op(void)
{
	return obf_import_op(&F);
}

static void
expect_error(const char *message)
{
	obf_expect_error(&F, message);
}

static void
expect_type(const Value *v, const char *want)
{
	char buf[128];

	cr_assert_str_eq(type_str(v->type, buf, sizeof buf), want);
}

Test(onnx_nodes, reports_a_wrong_number_of_inputs)
{
	model(13, "1,4", "Relu", "x,x", "y");
	expect_error("Relu takes 1 input, not 2");
}

Test(onnx_nodes, reports_a_wrong_range_of_inputs)
{
	model(13, "1,1,4,4", "Conv", "x", "y");
	expect_error("Conv takes 2 to 3 inputs, not 1");
}

Test(onnx_nodes, reports_an_empty_required_input)
{
	model(13, "1,1,4,4", "Conv", "x,", "y");
	expect_error("input 1 of Conv is required but empty");
}

Test(onnx_nodes, reports_too_many_outputs)
{
	model(13, "1,4", "Relu", "x", "y,z");
	expect_error("Relu has at most 1 output, not 2");
}

Test(onnx_nodes, reports_an_attribute_that_is_not_boolean)
{
	model(13, "1,2,4,4", "AveragePool", "x", "y");
	ob_attr_ints(F.b, F.node, "kernel_shape", 2, (int64_t[]){2, 2});
	ob_attr_int(F.b, F.node, "ceil_mode", 3);
	expect_error("attribute \"ceil_mode\" must be 0 or 1, not 3");
}

Test(onnx_nodes, reads_attributes_that_have_no_type_field)
{
	Op *op;

	model(13, "2,3,4", "Flatten", "x", "y");
	ob_attr_int(F.b, F.node, "axis", 2);
	F.node->attribute[0]->has_type = 0;
	op = import_op();
	cr_assert_eq(op->a.axis.axis, 2);
	expect_type(op->out[0], "f32[6,4]");
}

Test(onnx_nodes, reports_every_unknown_attribute_of_a_node)
{
	model(13, "1,4", "Sigmoid", "x", "y");
	ob_attr_int(F.b, F.node, "a", 1);
	ob_attr_float(F.b, F.node, "b", 1);
	cr_assert_null(obf_import(&F, NULL));
	cr_assert_str_eq(
	    obf_diags(&F),
	    "MODEL: node \"n\" (Sigmoid): error: unknown attribute \"a\" "
	    "for Sigmoid (opset 13)\n"
	    "MODEL: node \"n\" (Sigmoid): error: unknown attribute \"b\" "
	    "for Sigmoid (opset 13)\n");
}

Test(onnx_nodes, names_results_after_the_node_outputs)
{
	Op *op;

	model(13, "1,4", "Sigmoid", "x", "y");
	op = import_op();
	cr_assert_eq(op->kind, OP_SIGMOID);
	cr_assert_eq(op->a.act.kind, ACT_SIGMOID);
	cr_assert_str_eq(op->out[0]->name, "y");
}

Test(onnx_nodes, hardswish_imports_from_opset_14)
{
	Op *op;

	model(14, "1,4", "HardSwish", "x", "y");
	op = import_op();
	cr_assert_eq(op->kind, OP_HARDSWISH);
	cr_assert_eq(op->a.act.kind, ACT_HARDSWISH);
}

Test(onnx_nodes, matmul_and_globalaveragepool_make_their_ops)
{
	Graph *g;

	F.b = ob_new(F.a, 13);
	ob_input(F.b, "x", "1,3,4,4");
	ob_init_f32(F.b, "w", "1,2", NULL);
	ob_node(F.b, "GlobalAveragePool", "gap", "x", "p");
	ob_node(F.b, "MatMul", "mm", "p,w", "y");
	ob_output(F.b, "y");
	g = obf_import(&F, NULL);
	cr_assert_not_null(g, "%s", obf_diags(&F));
	cr_assert_eq(g->first->kind, OP_GLOBALAVGPOOL);
	expect_type(g->first->out[0], "f32[1,3,1,1]");
	cr_assert_eq(g->last->kind, OP_MATMUL);
	expect_type(g->last->out[0], "f32[1,3,1,2]");
}

Test(onnx_nodes, constant_tensor_feeds_reshape)
{
	Onnx__NodeProto *c;
	Graph *g;

	F.b = ob_new(F.a, 13);
	ob_input(F.b, "x", "2,6");
	c = ob_node(F.b, "Constant", "shape", "", "s");
	ob_attr_tensor(F.b, c, "value",
	               ob_tensor_i64(F.b, "", "2", (int64_t[]){3, 4}));
	ob_node(F.b, "Reshape", "r", "x,s", "y");
	ob_output(F.b, "y");
	g = obf_import(&F, NULL);
	cr_assert_not_null(g, "%s", obf_diags(&F));
	cr_assert_eq(g->first, g->last);
	cr_assert_eq(g->first->a.reshape.shape[1], 4);
	expect_type(g->outputs[0], "f32[3,4]");
}

Test(onnx_nodes, constant_value_floats_and_value_int_make_constants)
{
	Onnx__NodeProto *c1, *c2;
	Graph *g;

	F.b = ob_new(F.a, 13);
	ob_input(F.b, "x", "1,3");
	c1 = ob_node(F.b, "Constant", "k", "", "k");
	ob_attr_floats(F.b, c1, "value_floats", 3, (float[]){1, 2, 3});
	c2 = ob_node(F.b, "Constant", "i", "", "i");
	ob_attr_int(F.b, c2, "value_int", 42);
	ob_node(F.b, "Mul", "m", "x,k", "y");
	ob_output(F.b, "y");
	g = obf_import(&F, NULL);
	cr_assert_not_null(g, "%s", obf_diags(&F));
	expect_type(g->first->in[1], "f32[3]");
	cr_assert_float_eq(value_f32(g->first->in[1])[2], 3.0f, 0);
	for (uint32_t i = 0; i < g->nvalues; i++)
		if (!strcmp(g->values[i]->name, "i")) {
			expect_type(g->values[i], "i64[]");
			cr_assert_eq(*(const int64_t *)g->values[i]->cst->data,
			             42);
		}
}

Test(onnx_nodes, constant_needs_exactly_one_value)
{
	model(13, "1,3", "Constant", "", "y");
	ob_attr_float(F.b, F.node, "value_float", 1);
	ob_attr_int(F.b, F.node, "value_int", 1);
	expect_error("Constant needs exactly one of value, value_float, "
	             "value_floats, value_int, value_ints");
}

Test(onnx_nodes, identity_inside_the_graph_is_an_alias)
{
	Graph *g;

	F.b = ob_new(F.a, 13);
	ob_input(F.b, "x", "1,3");
	ob_node(F.b, "Identity", "id", "x", "a");
	ob_node(F.b, "Dropout", "drop", "a", "d");
	ob_node(F.b, "Relu", "r", "d", "y");
	ob_output(F.b, "y");
	g = obf_import(&F, NULL);
	cr_assert_not_null(g, "%s", obf_diags(&F));
	cr_assert_eq(g->first, g->last);
	cr_assert_eq(g->first->in[0], g->inputs[0]);
}

Test(onnx_nodes, identity_to_a_graph_output_is_an_op)
{
	model(13, "1,3", "Identity", "x", "y");
	Op *op = import_op();
	cr_assert_eq(op->kind, OP_IDENTITY);
	cr_assert_str_eq(op->out[0]->name, "y");
}

Test(onnx_nodes, dropout_rejects_a_used_mask)
{
	model(13, "1,3", "Dropout", "x", "y,mask");
	ob_output(F.b, "mask");
	expect_error("output \"mask\" (mask) is used, but qcc imports only the "
	             "first output of Dropout");
}

Test(onnx_nodes, list_ops_names_every_op_with_its_opsets)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	onnx_list_ops(f);
	fclose(f);
	/* the name column's width follows the longest name: one space */
	for (char *p = text, *q = text;; p++) {
		if (*p == ' ' && q > text && q[-1] == ' ')
			continue;
		*q++ = *p;
		if (!*p)
			break;
	}
	cr_assert(strstr(text, "Conv 1-21\n"), "%s", text);
	cr_assert(strstr(text, "HardSwish 14-21\n"), "%s", text);
	cr_assert(strstr(text, "BatchNormalization 1-21\n"), "%s", text);
	cr_assert(strstr(text, "Dropout 1-21\n"), "%s", text);
	cr_assert(strstr(text, "Constant "), "%s", text);
	cr_assert_null(strstr(text, "SCALESHIFT"));
	free(text);
}

Test(onnx_nodes, constant_rejects_sparse_values)
{
	model(13, "1,3", "Constant", "", "y");
	ob_attr_tensor(F.b, F.node, "sparse_value",
	               ob_tensor_f32(F.b, "", "1", NULL));
	F.node->attribute[0]->type =
	    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR;
	expect_error("Constant with sparse_value is not supported");
}

Test(onnx_nodes, constant_value_ints_makes_an_i64_list)
{
	Op *op;

	model(13, "2,6", "Reshape", "x,s", "y");
	F.node = ob_node(F.b, "Constant", "c", "", "s");
	ob_attr_ints(F.b, F.node, "value_ints", 3, (int64_t[]){3, 2, 2});
	op = import_op();
	cr_assert_eq(op->a.reshape.rank, 3);
	expect_type(op->out[0], "f32[3,2,2]");
}

Test(onnx_nodes, dropout_from_opset_12_accepts_ratio_and_a_false_mode)
{
	Graph *g;
	Onnx__TensorProto *mode;

	F.b = ob_new(F.a, 13);
	ob_input(F.b, "x", "1,3");
	ob_init_f32(F.b, "ratio", "", (float[]){0.5f});
	mode = ob_init_f32(F.b, "mode", "", NULL);
	mode->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
	mode->raw_data.len = 1;
	ob_node(F.b, "Dropout", "drop", "x,ratio,mode", "d");
	ob_node(F.b, "Relu", "r", "d", "y");
	ob_output(F.b, "y");
	g = obf_import(&F, NULL);
	cr_assert_not_null(g, "%s", obf_diags(&F));
	cr_assert_eq(g->first->in[0], g->inputs[0]);

	mode->raw_data.data[0] = 1;
	cr_assert_null(obf_import(&F, NULL));
	cr_assert(strstr(obf_diags(&F),
	                 "MODEL: node \"drop\" (Dropout): "
	                 "error: Dropout in training mode is not supported\n"));
}
