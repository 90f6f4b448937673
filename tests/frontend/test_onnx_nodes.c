/* test_onnx_nodes.c -- what every node goes through (opset, arity,
 * required inputs, outputs, attribute types), the nodes that make no op
 * (Constant, Identity, Dropout), and the list of supported operators. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_builder.h"

TestSuite(onnx_nodes, .init = obf_init, .fini = obf_fini);

Test(onnx_nodes, reports_a_wrong_number_of_inputs)
{
	obf_model(13, "1,4", "Relu", "x,x", "y");
	obf_expect_error("Relu takes 1 input, not 2");
}

Test(onnx_nodes, reports_a_wrong_range_of_inputs)
{
	obf_model(13, "1,1,4,4", "Conv", "x", "y");
	obf_expect_error("Conv takes 2 to 3 inputs, not 1");
}

Test(onnx_nodes, reports_an_empty_required_input)
{
	obf_model(13, "1,1,4,4", "Conv", "x,", "y");
	obf_expect_error("input 1 of Conv is required but empty");
}

Test(onnx_nodes, reports_too_many_outputs)
{
	obf_model(13, "1,4", "Relu", "x", "y,z");
	obf_expect_error("Relu has at most 1 output, not 2");
}

Test(onnx_nodes, reports_an_attribute_that_is_not_boolean)
{
	obf_model(13, "1,2,4,4", "AveragePool", "x", "y");
	ob_attr_ints(obf.b, obf.node, "kernel_shape", 2, (int64_t[]){2, 2});
	ob_attr_int(obf.b, obf.node, "ceil_mode", 3);
	obf_expect_error("attribute \"ceil_mode\" must be 0 or 1, not 3");
}

Test(onnx_nodes, reads_attributes_that_have_no_type_field)
{
	Op *op;

	obf_model(13, "2,3,4", "Flatten", "x", "y");
	ob_attr_int(obf.b, obf.node, "axis", 2);
	obf.node->attribute[0]->has_type = 0;
	op = obf_import_op();
	cr_assert_eq(op->a.axis.axis, 2);
	obf_expect_type(op->out[0], "f32[6,4]");
}

Test(onnx_nodes, reports_every_unknown_attribute_of_a_node)
{
	obf_model(13, "1,4", "Sigmoid", "x", "y");
	ob_attr_int(obf.b, obf.node, "a", 1);
	ob_attr_float(obf.b, obf.node, "b", 1);
	cr_assert_null(obf_import(NULL));
	cr_assert_str_eq(
	    obf_diags(),
	    "MODEL: node \"n\" (Sigmoid): error: unknown attribute \"a\" "
	    "for Sigmoid (opset 13)\n"
	    "MODEL: node \"n\" (Sigmoid): error: unknown attribute \"b\" "
	    "for Sigmoid (opset 13)\n");
}

Test(onnx_nodes, names_results_after_the_node_outputs)
{
	Op *op;

	obf_model(13, "1,4", "Sigmoid", "x", "y");
	op = obf_import_op();
	cr_assert_eq(op->kind, OP_SIGMOID);
	cr_assert_eq(op->a.act.kind, ACT_SIGMOID);
	cr_assert_str_eq(op->out[0]->name, "y");
}

Test(onnx_nodes, hardswish_imports_from_opset_14)
{
	Op *op;

	obf_model(14, "1,4", "HardSwish", "x", "y");
	op = obf_import_op();
	cr_assert_eq(op->kind, OP_HARDSWISH);
	cr_assert_eq(op->a.act.kind, ACT_HARDSWISH);
}

Test(onnx_nodes, matmul_and_globalaveragepool_make_their_ops)
{
	Graph *g;

	obf.b = ob_new(obf.a, 13);
	ob_input(obf.b, "x", "1,3,4,4");
	ob_init_f32(obf.b, "w", "1,2", NULL);
	ob_node(obf.b, "GlobalAveragePool", "gap", "x", "p");
	ob_node(obf.b, "MatMul", "mm", "p,w", "y");
	ob_output(obf.b, "y");
	g = obf_import(NULL);
	cr_assert_not_null(g, "%s", obf_diags());
	cr_assert_eq(g->first->kind, OP_GLOBALAVGPOOL);
	obf_expect_type(g->first->out[0], "f32[1,3,1,1]");
	cr_assert_eq(g->last->kind, OP_MATMUL);
	obf_expect_type(g->last->out[0], "f32[1,3,1,2]");
}

Test(onnx_nodes, constant_tensor_feeds_reshape)
{
	Onnx__NodeProto *c;
	Graph *g;

	obf.b = ob_new(obf.a, 13);
	ob_input(obf.b, "x", "2,6");
	c = ob_node(obf.b, "Constant", "shape", "", "s");
	ob_attr_tensor(obf.b, c, "value",
	               ob_tensor_i64(obf.b, "", "2", (int64_t[]){3, 4}));
	ob_node(obf.b, "Reshape", "r", "x,s", "y");
	ob_output(obf.b, "y");
	g = obf_import(NULL);
	cr_assert_not_null(g, "%s", obf_diags());
	cr_assert_eq(g->first, g->last);
	cr_assert_eq(g->first->a.reshape.shape[1], 4);
	obf_expect_type(g->outputs[0], "f32[3,4]");
}

Test(onnx_nodes, constant_value_floats_and_value_int_make_constants)
{
	Onnx__NodeProto *c1, *c2;
	Graph *g;

	obf.b = ob_new(obf.a, 13);
	ob_input(obf.b, "x", "1,3");
	c1 = ob_node(obf.b, "Constant", "k", "", "k");
	ob_attr_floats(obf.b, c1, "value_floats", 3, (float[]){1, 2, 3});
	c2 = ob_node(obf.b, "Constant", "i", "", "i");
	ob_attr_int(obf.b, c2, "value_int", 42);
	ob_node(obf.b, "Mul", "m", "x,k", "y");
	ob_output(obf.b, "y");
	g = obf_import(NULL);
	cr_assert_not_null(g, "%s", obf_diags());
	obf_expect_type(g->first->in[1], "f32[3]");
	cr_assert_float_eq(value_f32(g->first->in[1])[2], 3.0f, 0);
	for (uint32_t i = 0; i < g->nvalues; i++)
		if (!strcmp(g->values[i]->name, "i")) {
			obf_expect_type(g->values[i], "i64[]");
			cr_assert_eq(*(const int64_t *)g->values[i]->cst->data,
			             42);
		}
}

Test(onnx_nodes, constant_needs_exactly_one_value)
{
	obf_model(13, "1,3", "Constant", "", "y");
	ob_attr_float(obf.b, obf.node, "value_float", 1);
	ob_attr_int(obf.b, obf.node, "value_int", 1);
	obf_expect_error("Constant needs exactly one of value, value_float, "
	                 "value_floats, value_int, value_ints");
}

Test(onnx_nodes, identity_inside_the_graph_is_an_alias)
{
	Graph *g;

	obf.b = ob_new(obf.a, 13);
	ob_input(obf.b, "x", "1,3");
	ob_node(obf.b, "Identity", "id", "x", "a");
	ob_node(obf.b, "Dropout", "drop", "a", "d");
	ob_node(obf.b, "Relu", "r", "d", "y");
	ob_output(obf.b, "y");
	g = obf_import(NULL);
	cr_assert_not_null(g, "%s", obf_diags());
	cr_assert_eq(g->first, g->last);
	cr_assert_eq(g->first->in[0], g->inputs[0]);
}

Test(onnx_nodes, identity_to_a_graph_output_is_an_op)
{
	obf_model(13, "1,3", "Identity", "x", "y");
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_IDENTITY);
	cr_assert_str_eq(op->out[0]->name, "y");
}

Test(onnx_nodes, dropout_rejects_a_used_mask)
{
	obf_model(13, "1,3", "Dropout", "x", "y,mask");
	ob_output(obf.b, "mask");
	obf_expect_error(
	    "output \"mask\" (mask) is used, but qcc imports only the "
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
	obf_model(13, "1,3", "Constant", "", "y");
	ob_attr_tensor(obf.b, obf.node, "sparse_value",
	               ob_tensor_f32(obf.b, "", "1", NULL));
	obf.node->attribute[0]->type =
	    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR;
	obf_expect_error("Constant with sparse_value is not supported");
}

Test(onnx_nodes, constant_value_ints_makes_an_i64_list)
{
	Op *op;

	obf_model(13, "2,6", "Reshape", "x,s", "y");
	obf.node = ob_node(obf.b, "Constant", "c", "", "s");
	ob_attr_ints(obf.b, obf.node, "value_ints", 3, (int64_t[]){3, 2, 2});
	op = obf_import_op();
	cr_assert_eq(op->a.reshape.rank, 3);
	obf_expect_type(op->out[0], "f32[3,2,2]");
}

Test(onnx_nodes, dropout_from_opset_12_accepts_ratio_and_a_false_mode)
{
	Graph *g;
	Onnx__TensorProto *mode;

	obf.b = ob_new(obf.a, 13);
	ob_input(obf.b, "x", "1,3");
	ob_init_f32(obf.b, "ratio", "", (float[]){0.5f});
	mode = ob_init_f32(obf.b, "mode", "", NULL);
	mode->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
	mode->raw_data.len = 1;
	ob_node(obf.b, "Dropout", "drop", "x,ratio,mode", "d");
	ob_node(obf.b, "Relu", "r", "d", "y");
	ob_output(obf.b, "y");
	g = obf_import(NULL);
	cr_assert_not_null(g, "%s", obf_diags());
	cr_assert_eq(g->first->in[0], g->inputs[0]);

	mode->raw_data.data[0] = 1;
	cr_assert_null(obf_import(NULL));
	cr_assert(strstr(obf_diags(),
	                 "MODEL: node \"drop\" (Dropout): "
	                 "error: Dropout in training mode is not supported\n"));
}
