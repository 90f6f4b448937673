#!/usr/bin/python3
"""Writes tiny.onnx, the model of the CMake and Make samples, and
expected.txt, what app.c must print for it, computed here with numpy.
Run by hand (the outputs are committed; samples/make/tiny.onnx is a copy):

    /usr/bin/python3 samples/cmake/make_model.py
    cp samples/cmake/tiny.onnx samples/cmake/expected.txt samples/make/

The net: input [1,1,8,8] -> Conv 3x3 pad 1 (4 channels) -> Relu ->
MaxPool 2 -> Flatten -> Gemm (64 -> 5) -> Softmax.  The input is the one
app.c builds: x[i] = ((i * 7) % 13) / 13 - 0.5.
"""
import os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(8)
w = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
b = rng.standard_normal(4).astype(np.float32) * 0.1
fw = (rng.standard_normal((5, 64)) * 0.3).astype(np.float32)
fb = rng.standard_normal(5).astype(np.float32) * 0.1

g = helper.make_graph([
    helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c"], ["r"], name="relu"),
    helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "fw", "fb"], ["l"], name="fc", transB=1),
    helper.make_node("Softmax", ["l"], ["y"], name="softmax", axis=1),
], "tiny",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
    [numpy_helper.from_array(a, n) for a, n in ((w, "w"), (b, "b"), (fw, "fw"), (fb, "fb"))])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="qcc-samples")
m.ir_version = 7
onnx.checker.check_model(m)
onnx.save(m, os.path.join(HERE, "tiny.onnx"))

x = np.array([((i * 7) % 13) / 13.0 - 0.5 for i in range(64)], np.float32).reshape(8, 8)
xp = np.pad(x, 1)
c = np.zeros((4, 8, 8), np.float32)
for k in range(4):
    for i in range(8):
        for j in range(8):
            c[k, i, j] = (xp[i:i + 3, j:j + 3] * w[k, 0]).sum() + b[k]
r = np.maximum(c, 0)
p = r.reshape(4, 4, 2, 4, 2).max(axis=(2, 4))
logits = fw @ p.reshape(64) + fb
y = np.exp(logits - logits.max())
y /= y.sum()
with open(os.path.join(HERE, "expected.txt"), "w") as f:
    for v in y:
        f.write("%.4f\n" % v)
