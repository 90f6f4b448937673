#!/usr/bin/env python3
"""qdq_model.py -- writes an already-quantized (QDQ) ONNX model and its
expected output, for tests/quant/qdq_import.sh.

Usage: qdq_model.py OUT_DIR

The model: x u8 [1,3,8,8] -> DQ -> Conv (int8 weights over the full range
-128..127, per output channel, int32 bias) -> Relu -> Q -> DQ -> Add with a
second branch (the same codes) -> Q -> DQ -> Flatten -> MatMul (int8
weights, per tensor) -> Q: y u8 [1,10].  OUT_DIR gets model.onnx, in0.bin
(the input codes as float32, run_model's format) and ref0.bin (the output
codes as float32), computed here with integer accumulators and the float
rescale round(acc * s_x s_w / s_y) + z_y (half to even, as ONNX), so qcc's
integer rescale may differ by one code on an exact tie.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def q(real, s, z):
    return np.clip(np.rint(real / s) + z, 0, 255)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (1, 3, 8, 8)).astype(np.uint8)
    sx, zx = np.float32(0.02), np.uint8(100)
    w = rng.integers(-128, 128, (4, 3, 3, 3)).astype(np.int8)
    w[0, 0, 0, 0], w[1, 0, 0, 0] = -128, 127
    sw = np.array([0.003, 0.002, 0.004, 0.001], np.float32)
    b = rng.integers(-2000, 2000, 4).astype(np.int32)
    sb = (sx * sw).astype(np.float32)
    s1, z1 = np.float32(0.05), np.uint8(0)
    s2, z2 = np.float32(0.08), np.uint8(10)
    wm = rng.integers(-128, 128, (4 * 6 * 6, 10)).astype(np.int8)
    sm = np.float32(0.001)
    sy, zy = np.float32(0.04), np.uint8(128)

    # reference
    xi = x.astype(np.int64) - int(zx)
    acc = np.zeros((1, 4, 6, 6), np.int64)
    for m in range(4):
        for i in range(6):
            for j in range(6):
                acc[0, m, i, j] = (xi[0, :, i:i + 3, j:j + 3] *
                                   w[m].astype(np.int64)).sum() + b[m]
    real = acc * (sx * sw).astype(np.float64)[None, :, None, None]
    c1 = q(np.maximum(real, 0), s1, z1)
    r1 = s1 * (c1 - int(z1))
    c2 = q(r1 + r1, s2, z2)
    a = (c2 - int(z2)).reshape(1, -1).astype(np.int64)
    acc2 = a @ wm.astype(np.int64)
    y = q(acc2 * (np.float64(s2) * sm), sy, zy)

    def c(name, arr):
        return numpy_helper.from_array(arr, name)

    inits = [c("sx", sx), c("zx", zx), c("w", w), c("sw", sw), c("b", b),
             c("sb", sb), c("s1", s1), c("z1", z1), c("s2", s2),
             c("z2", z2), c("wm", wm), c("sm", sm), c("sy", sy),
             c("zy", zy), c("zw", np.zeros(4, np.int8)),
             c("zm", np.int8(0))]
    N = helper.make_node
    nodes = [
        N("DequantizeLinear", ["x", "sx", "zx"], ["xf"]),
        N("DequantizeLinear", ["w", "sw", "zw"], ["wf"], axis=0),
        N("DequantizeLinear", ["b", "sb"], ["bf"], axis=0),
        N("Conv", ["xf", "wf", "bf"], ["cf"]),
        N("Relu", ["cf"], ["rf"]),
        N("QuantizeLinear", ["rf", "s1", "z1"], ["c1"]),
        N("DequantizeLinear", ["c1", "s1", "z1"], ["d1"]),
        N("Add", ["d1", "d1"], ["af"]),
        N("QuantizeLinear", ["af", "s2", "z2"], ["c2"]),
        N("DequantizeLinear", ["c2", "s2", "z2"], ["d2"]),
        N("Flatten", ["d2"], ["f2"]),
        N("DequantizeLinear", ["wm", "sm", "zm"], ["wmf"]),
        N("MatMul", ["f2", "wmf"], ["mf"]),
        N("QuantizeLinear", ["mf", "sy", "zy"], ["y"]),
    ]
    g = helper.make_graph(
        nodes, "qdq", [helper.make_tensor_value_info(
            "x", TensorProto.UINT8, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 10])],
        inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "model.onnx"))
    x.astype(np.float32).tofile(os.path.join(out, "in0.bin"))
    y.astype(np.float32).tofile(os.path.join(out, "ref0.bin"))


if __name__ == "__main__":
    main()
