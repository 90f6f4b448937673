#!/usr/bin/python3
"""Writes the shape-glue models of the CLI tests (run by hand; the files
are committed so the tests need no Python):

  glue.onnx         a Conv whose result is flattened, biased and offset
                    through the shape subgraphs exporters emit:
                    x.view(x.size(0), -1) as Shape -> Gather -> Unsqueeze
                    -> Concat -> Reshape, a ConstantOfShape bias, a
                    Range -> Cast -> Mul ramp, and an Expand whose shape
                    is Where(Equal(shape, -1), ones, shape)
  glue_in.bin       its input, raw float32
  glue_ref.bin      its output computed here with numpy, raw float32
  dynamic_shape.onnx  a Reshape whose shape is computed from the input's
                    values (Cast of run-time data): qcc must refuse it
                    with a located error
"""
import os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def save(name, nodes, inputs, outputs, inits=(), opset=15):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="qcc-tests")
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(HERE, name + ".onnx"))


def i64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def conv_ref(x, w, b):
    """3x3 convolution, stride 1, padding 1."""
    n, c, h, wd = x.shape
    m = w.shape[0]
    xp = np.zeros((n, c, h + 2, wd + 2), np.float64)
    xp[:, :, 1:-1, 1:-1] = x
    y = np.zeros((n, m, h, wd), np.float64)
    for oy in range(h):
        for ox in range(wd):
            patch = xp[:, :, oy:oy + 3, ox:ox + 3]
            y[:, :, oy, ox] = np.tensordot(patch, w, axes=([1, 2, 3],
                                                           [1, 2, 3]))
    return y + b[None, :, None, None]


rng = np.random.default_rng(0)
x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
b = rng.standard_normal(4).astype(np.float32)

nodes = [
    helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv",
                     pads=[1, 1, 1, 1]),
    # x.view(x.size(0), -1)
    helper.make_node("Shape", ["c"], ["c_shape"], name="shape"),
    helper.make_node("Gather", ["c_shape", "zero"], ["batch"], name="gather",
                     axis=0),
    helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"],
                     name="unsqueeze"),
    helper.make_node("Concat", ["batch1", "minus1"], ["view_shape"],
                     name="concat", axis=0),
    helper.make_node("Reshape", ["c", "view_shape"], ["flat"], name="view"),
    # a bias of ones * 0.5 shaped [1, flat.size(1)]
    helper.make_node("Shape", ["flat"], ["flat_shape"], name="shape2",
                     start=1),
    helper.make_node("Concat", ["one", "flat_shape"], ["bias_shape"],
                     name="concat2", axis=0),
    helper.make_node("ConstantOfShape", ["bias_shape"], ["bias"],
                     name="fill",
                     value=numpy_helper.from_array(
                         np.array([0.5], np.float32))),
    helper.make_node("Add", ["flat", "bias"], ["biased"], name="add_bias"),
    # a ramp 0, 0.01, ... over the features
    helper.make_node("Squeeze", ["flat_shape", "axes0"], ["feat"],
                     name="squeeze"),
    helper.make_node("Range", ["zero", "feat", "one_s"], ["idx"],
                     name="range"),
    helper.make_node("Cast", ["idx"], ["idx_f"], name="cast",
                     to=TensorProto.FLOAT),
    helper.make_node("Mul", ["idx_f", "step"], ["ramp"], name="scale"),
    # Expand(ramp, Where(shape == -1, 1, shape)) as torch exports expand
    helper.make_node("Equal", ["exp_shape", "minus1"], ["is_neg"],
                     name="equal"),
    helper.make_node("Shape", ["exp_shape"], ["exp_rank"], name="shape3"),
    helper.make_node("ConstantOfShape", ["exp_rank"], ["ones"], name="ones",
                     value=numpy_helper.from_array(np.array([1], np.int64))),
    helper.make_node("Where", ["is_neg", "ones", "exp_shape"], ["exp_to"],
                     name="where"),
    helper.make_node("Expand", ["ramp", "exp_to"], ["ramp2"], name="expand"),
    helper.make_node("Add", ["biased", "ramp2"], ["y"], name="add_ramp"),
]
inits = [
    numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"),
    i64("zero", 0), i64("axes0", [0]), i64("minus1", [-1]), i64("one", [1]),
    i64("one_s", 1), numpy_helper.from_array(np.array(0.01, np.float32),
                                             "step"),
    i64("exp_shape", [-1, 64]),
]
save("glue", nodes,
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4, 4])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 64])], inits)

ref = conv_ref(x.astype(np.float64), w, b).reshape(2, -1) + 0.5
ref += (np.arange(64).astype(np.float32) * np.float32(0.01))[None, :]
x.tofile(os.path.join(HERE, "glue_in.bin"))
ref.astype(np.float32).tofile(os.path.join(HERE, "glue_ref.bin"))

save("dynamic_shape", [
    helper.make_node("ReduceMax", ["x"], ["mx"], name="max", keepdims=0),
    helper.make_node("Cast", ["mx"], ["n"], name="to_int",
                     to=TensorProto.INT64),
    helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"], name="unsqueeze"),
    helper.make_node("Reshape", ["x", "n1"], ["y"], name="view"),
], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
   [i64("axes0", [0])])
