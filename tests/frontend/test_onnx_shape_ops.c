/* test_onnx_shape_ops.c -- the importers of onnx_ops_convt.c and
 * onnx_ops_shape.c: ConvTranspose's pads from output_padding,
 * output_shape and auto_pad; shape subgraphs that become constants while
 * importing; and the errors for what cannot be folded. */
#include <criterion/criterion.h>
#include <string.h>

#include "onnx_builder.h"

TestSuite(onnx_shape_ops, .init = obf_init, .fini = obf_fini);

Test(onnx_shape_ops, convtranspose_output_padding_enlarges_the_end)
{
	obf_model(11, "1,1,3,3", "ConvTranspose", "x,w", "y");
	ob_init_f32(obf.b, "w", "1,2,3,3", NULL);
	obf_ints("strides", 2, (int64_t[]){3, 2});
	obf_ints("output_padding", 2, (int64_t[]){1, 1});
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_CONVTRANSPOSE);
	obf_expect_pads(op->a.conv.pad, 0, 0, -1, -1);
	/* h: 3*2 + 1 + 3 = 10, w: 2*2 + 1 + 3 = 8 */
	obf_expect_type(op->out[0], "f32[1,2,10,8]");
}

Test(onnx_shape_ops, convtranspose_output_shape_sets_the_pads)
{
	obf_model(11, "1,1,3,3", "ConvTranspose", "x,w", "y");
	ob_init_f32(obf.b, "w", "1,2,3,3", NULL);
	obf_ints("strides", 2, (int64_t[]){3, 2});
	obf_ints("output_shape", 2, (int64_t[]){10, 6});
	Op *op = obf_import_op();
	/* natural 9 and 7: h grows by one at the end, w loses one at the
	 * start (total 1 split as begin 1, end 0) */
	obf_expect_pads(op->a.conv.pad, 0, 1, -1, 0);
	obf_expect_type(op->out[0], "f32[1,2,10,6]");
}

Test(onnx_shape_ops, convtranspose_same_upper_gives_input_times_stride)
{
	obf_model(11, "1,1,3,3", "ConvTranspose", "x,w", "y");
	ob_init_f32(obf.b, "w", "1,2,3,3", NULL);
	obf_ints("strides", 2, (int64_t[]){2, 2});
	ob_attr_string(obf.b, obf.node, "auto_pad", "SAME_UPPER");
	Op *op = obf_import_op();
	obf_expect_pads(op->a.conv.pad, 0, 0, 1, 1);
	obf_expect_type(op->out[0], "f32[1,2,6,6]");
}

Test(onnx_shape_ops, convtranspose_1d_is_a_window_of_height_one)
{
	obf_model(11, "1,2,5", "ConvTranspose", "x,w", "y");
	ob_init_f32(obf.b, "w", "2,3,3", NULL);
	obf_ints("strides", 1, (int64_t[]){2});
	obf_ints("pads", 2, (int64_t[]){1, 0});
	ob_attr_int(obf.b, obf.node, "group", 1);
	Op *op = obf_import_op();
	cr_assert(op->a.conv.kernel[0] == 1 && op->a.conv.stride[0] == 1);
	cr_assert(op->a.conv.kernel[1] == 3 && op->a.conv.stride[1] == 2);
	obf_expect_pads(op->a.conv.pad, 0, 1, 0, 0);
	/* 2*4 + 3 - 1 = 10 */
	obf_expect_type(op->out[0], "f32[1,3,10]");
}

Test(onnx_shape_ops, convtranspose_3d_is_reported)
{
	obf_model(11, "1,1,3,3,3", "ConvTranspose", "x,w", "y");
	ob_init_f32(obf.b, "w", "1,1,2,2,2", NULL);
	obf_expect_error("3-D ConvTranspose is not supported (input "
	                 "f32[1,1,3,3,3]); qcc supports 1-D and 2-D");
}

/* Shape -> Gather -> Unsqueeze -> Concat -> Reshape: the view's shape is a
 * constant by the time Reshape is imported, so one Reshape op remains. */
Test(onnx_shape_ops, view_by_shape_glue_imports_as_one_reshape)
{
	Ob *b = obf.b = ob_new(obf.a, 13);
	Graph *g;
	int nops = 0;

	ob_input(b, "x", "2,3,4");
	ob_init_i64(b, "zero", "", (int64_t[]){0});
	ob_init_i64(b, "axes", "1", (int64_t[]){0});
	ob_init_i64(b, "minus1", "1", (int64_t[]){-1});
	ob_node(b, "Shape", "s", "x", "shape");
	ob_node(b, "Gather", "g", "shape,zero", "n");
	ob_node(b, "Unsqueeze", "u", "n,axes", "n1");
	ob_node(b, "Concat", "c", "n1,minus1", "to");
	ob_attr_int(b, b->graph.node[3], "axis", 0);
	ob_node(b, "Reshape", "r", "x,to", "y");
	ob_output(b, "y");
	g = obf_import(NULL);
	cr_assert(g, "%s", obf_diags());
	for_each_op(op, g)
	{
		cr_assert_eq(op->kind, OP_RESHAPE, "op %s left", op->loc.node);
		nops++;
	}
	cr_assert_eq(nops, 1);
	obf_expect_type(g->outputs[0], "f32[2,12]");
}

Test(onnx_shape_ops, shape_reads_start_and_end)
{
	Ob *b = obf.b = ob_new(obf.a, 15);
	Graph *g;
	const Value *c;

	ob_input(b, "x", "2,3,4,5");
	ob_node(b, "Shape", "s", "x", "shape");
	ob_attr_int(b, b->graph.node[0], "start", 1);
	ob_attr_int(b, b->graph.node[0], "end", -1);
	ob_output(b, "shape");
	g = obf_import(NULL);
	cr_assert(g, "%s", obf_diags());
	/* the output is an Identity of the constant */
	cr_assert(g->first && g->first->kind == OP_IDENTITY);
	c = g->first->in[0];
	cr_assert(c->cst);
	obf_expect_type(c, "i64[2]");
	cr_assert(((const int64_t *)c->cst->data)[0] == 3 &&
	          ((const int64_t *)c->cst->data)[1] == 4);
}

Test(onnx_shape_ops, cast_of_run_time_data_is_reported)
{
	obf_model(13, "4", "Cast", "x", "y");
	ob_attr_int(obf.b, obf.node, "to", 7);
	obf_expect_error("Cast of f32[4] to i64 is only supported for "
	                 "compile-time constants, and input \"x\" is computed "
	                 "at run time");
}

Test(onnx_shape_ops, cast_to_the_same_type_is_an_alias)
{
	obf_model(13, "4", "Cast", "x", "y");
	ob_attr_int(obf.b, obf.node, "to", 1);
	Op *op = obf_import_op();
	cr_assert_eq(op->kind, OP_IDENTITY);
}

Test(onnx_shape_ops, where_and_greater_import_with_bool_between)
{
	Ob *b = obf.b = ob_new(obf.a, 13);
	Graph *g;

	ob_input(b, "x", "2,3");
	ob_init_f32(b, "t", "3", NULL);
	ob_node(b, "Greater", "gt", "x,t", "m");
	ob_node(b, "Where", "w", "m,x,t", "y");
	ob_output(b, "y");
	g = obf_import(NULL);
	cr_assert(g, "%s", obf_diags());
	cr_assert(g->first->kind == OP_GREATER && g->last->kind == OP_WHERE);
	obf_expect_type(g->first->out[0], "bool[2,3]");
	obf_expect_type(g->outputs[0], "f32[2,3]");
}
