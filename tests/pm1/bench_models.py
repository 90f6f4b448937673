#!/usr/bin/env python3
"""bench_models.py -- the models of bench.sh (not a test): one big layer
between a small first and a small last layer (those stay 8-bit under every
-quantize, so the big one is what int8, int4 and pm1 change), and 32
random calibration samples for each.

    conv.onnx   x [1,16,16,16] -> Conv 1x1 16->64 Relu
                -> Conv 3x3 pad 1 64->64 Relu (9.4M MACs)
                -> GlobalAveragePool -> Flatten -> Gemm 64->10
    gemm.onnx   x [1,64] -> Gemm 64->1024 Relu
                -> Gemm 1024->1024 Relu (1.0M MACs) -> Gemm 1024->10

usage: bench_models.py OUTDIR   writes NAME.onnx and NAME_calib/ per model
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save


def model(name, shape, nodes, consts, out):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [numpy_helper.from_array(v.astype(np.float32), k)
         for k, v in consts.items()])
    m = helper.make_model(graph, producer_name="qcc bench_models.py",
                          opset_imports=[helper.make_opsetid("", 13)])
    save(m, os.path.join(out, name + ".onnx"))
    calib = os.path.join(out, name + "_calib")
    os.makedirs(calib, exist_ok=True)
    rng = np.random.default_rng(1)
    np.save(os.path.join(calib, "x.npy"),
            rng.standard_normal([32] + shape[1:]).astype(np.float32))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    r = lambda *s: rng.standard_normal(s) / np.sqrt(np.prod(s[1:]))
    model("conv", [1, 16, 16, 16], [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"],
                         kernel_shape=[1, 1], name="first"),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"],
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="big"),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], transB=1,
                         name="last"),
    ], {"w1": r(64, 16, 1, 1), "b1": r(64), "w2": r(64, 64, 3, 3),
        "b2": r(64), "w3": r(10, 64), "b3": r(10)}, out)
    model("gemm", [1, 64], [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["g1"], transB=1,
                         name="first"),
        helper.make_node("Relu", ["g1"], ["r1"]),
        helper.make_node("Gemm", ["r1", "w2", "b2"], ["g2"], transB=1,
                         name="big"),
        helper.make_node("Relu", ["g2"], ["r2"]),
        helper.make_node("Gemm", ["r2", "w3", "b3"], ["y"], transB=1,
                         name="last"),
    ], {"w1": r(1024, 64), "b1": r(1024), "w2": r(1024, 1024),
        "b2": r(1024), "w3": r(10, 1024), "b3": r(10)}, out)


if __name__ == "__main__":
    main()
