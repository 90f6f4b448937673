#!/usr/bin/python3
"""Writes the small ONNX models the CLI tests use (run by hand; the .onnx
files are committed so the tests need no Python).  Each bad model has
exactly one thing wrong with it, named by its file."""
import os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def save(name, nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="qcc-tests")
    m.ir_version = 7
    onnx.save(m, os.path.join(HERE, name + ".onnx"))


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def weight(name, shape, seed):
    rng = np.random.default_rng(seed)
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


# A valid little conv-bn-relu-pool-gemm net.
save("good", [
    helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["c", "g", "beta", "m", "v"], ["bn"], name="bn1"),
    helper.make_node("Relu", ["bn"], ["r"], name="relu1"),
    helper.make_node("GlobalAveragePool", ["r"], ["p"], name="pool"),
    helper.make_node("Flatten", ["p"], ["f"], name="flat"),
    helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1),
], [vi("x", [1, 2, 5, 5])], [vi("y", [1, 3])], [
    weight("w", [4, 2, 3, 3], 1), weight("b", [4], 2),
    weight("g", [4], 3), weight("beta", [4], 4), weight("m", [4], 5),
    numpy_helper.from_array(np.abs(np.random.default_rng(6).standard_normal(4)).astype(np.float32) + 0.5, "v"),
    weight("fw", [3, 4], 7), weight("fb", [3], 8),
])

# Two operators qcc does not know, in one model: both must be listed.
save("unknown_op", [
    helper.make_node("Relu", ["x"], ["a"], name="ok"),
    helper.make_node("FancyOp", ["a"], ["b"], name="first_unknown"),
    helper.make_node("OtherFancyOp", ["b"], ["y"], name="second_unknown"),
], [vi("x", [1, 4])], [vi("y", [1, 4])])

save("unknown_attr", [
    helper.make_node("Relu", ["x"], ["y"], name="relu_with_attr", flavour=3),
], [vi("x", [1, 4])], [vi("y", [1, 4])])

# Conv weight expects 3 input channels, the input has 2.
save("bad_shapes", [
    helper.make_node("Conv", ["x", "w"], ["y"], name="conv_mismatch"),
], [vi("x", [1, 2, 5, 5])], [vi("y", None)], [weight("w", [4, 3, 3, 3], 1)])

save("cycle", [
    helper.make_node("Add", ["x", "b"], ["a"], name="add_a"),
    helper.make_node("Relu", ["a"], ["b"], name="relu_b"),
], [vi("x", [1, 4])], [vi("b", [1, 4])])

save("undefined_input", [
    helper.make_node("Add", ["x", "ghost"], ["y"], name="add_ghost"),
], [vi("x", [1, 4])], [vi("y", [1, 4])])

save("symbolic_dim", [
    helper.make_node("Relu", ["x"], ["y"], name="relu"),
], [vi("x", ["N", 4])], [vi("y", ["N", 4])])

with open(os.path.join(HERE, "good.onnx"), "rb") as f:
    data = f.read()
with open(os.path.join(HERE, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(HERE, "not_onnx.onnx"), "wb") as f:
    f.write(b"This is a text file, not a protobuf.\n" * 4)
