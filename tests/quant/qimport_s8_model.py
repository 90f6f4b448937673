#!/usr/bin/env python3
"""qimport_s8_model.py -- writes two equivalent QLinear models, one with
int8 activations and one with uint8 activations (every activation code
and zero point 128 higher), for tests/quant/qimport.sh.

Usage: qimport_s8_model.py OUT_DIR

  x f32 [1,3,8,8] -> QuantizeLinear -> QLinearConv (int8 weights over the
  full range, per channel) -> QLinearAdd (com.microsoft) -> QLinearMatMul
  (int8 B [6,5], broadcast over [1,4,6,.]) -> DequantizeLinear -> y f32

s8.onnx uses int8 activations, u8.onnx uint8 ones; both stand for the same
real numbers, so a compiler that is exact must give the same y bytes for
both.  s8io.onnx and u8io.onnx are the same without the float boundary:
int8 (uint8) codes in and out.  OUT_DIR also gets x.bin (raw float32),
xq.bin (raw int8 codes) and xq_u8.bin (the same codes + 128).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(act, shift, rng_seed, codes_io=False):
    rng = np.random.default_rng(rng_seed)
    w = rng.integers(-128, 128, (4, 3, 3, 3)).astype(np.int8)
    w[0, 0, 0, 0], w[1, 0, 0, 0] = -128, 127
    wm = rng.integers(-128, 128, (6, 5)).astype(np.int8)
    f32 = np.float32

    def z(v):
        return np.array(v + shift, act).reshape(())

    def c(name, arr):
        return numpy_helper.from_array(arr, name)

    inits = [
        c("sx", f32(0.05)), c("zx", z(-3)),
        c("w", w), c("sw", np.array([0.01, 0.02, 0.015, 0.005], f32)),
        c("zw", np.zeros(4, np.int8)),
        c("b", rng.integers(-500, 500, 4).astype(np.int32)),
        c("s1", f32(0.4)), c("z1", z(5)),
        c("s2", f32(0.7)), c("z2", z(-10)),
        c("wm", wm), c("sm", f32(0.002)), c("zm", np.int8(0)),
        c("s3", f32(0.5)), c("z3", z(7)),
    ]
    N = helper.make_node
    nodes = [] if codes_io else [
        N("QuantizeLinear", ["x", "sx", "zx"], ["q"])]
    nodes += [
        N("QLinearConv", ["q", "sx", "zx", "w", "sw", "zw", "s1", "z1", "b"],
          ["c1"]),
        N("QLinearAdd", ["c1", "s1", "z1", "c1", "s1", "z1", "s2", "z2"],
          ["d"], domain="com.microsoft"),
        N("QLinearMatMul", ["d", "s2", "z2", "wm", "sm", "zm", "s3", "z3"],
          ["y" if codes_io else "e"]),
    ]
    if not codes_io:
        nodes.append(N("DequantizeLinear", ["e", "s3", "z3"], ["y"]))
    vi = helper.make_tensor_value_info
    ct = TensorProto.INT8 if act == np.int8 else TensorProto.UINT8
    xin = vi("q", ct, [1, 3, 8, 8]) if codes_io else \
        vi("x", TensorProto.FLOAT, [1, 3, 8, 8])
    yt = ct if codes_io else TensorProto.FLOAT
    g = helper.make_graph(nodes, "s8", [xin], [vi("y", yt, [1, 4, 6, 5])],
                          inits)
    return helper.make_model(g, opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    onnx.save(model(np.int8, 0, 3), os.path.join(out, "s8.onnx"))
    onnx.save(model(np.uint8, 128, 3), os.path.join(out, "u8.onnx"))
    onnx.save(model(np.int8, 0, 3, True), os.path.join(out, "s8io.onnx"))
    onnx.save(model(np.uint8, 128, 3, True), os.path.join(out, "u8io.onnx"))
    rng = np.random.default_rng(4)
    x = rng.uniform(-8, 8, (1, 3, 8, 8))
    x.astype(np.float32).tofile(os.path.join(out, "x.bin"))
    xq = rng.integers(-128, 128, (1, 3, 8, 8)).astype(np.int8)
    xq.tofile(os.path.join(out, "xq.bin"))
    (xq.astype(np.int16) + 128).astype(np.uint8).tofile(
        os.path.join(out, "xq_u8.bin"))


if __name__ == "__main__":
    main()
