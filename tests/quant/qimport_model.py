#!/usr/bin/env python3
"""qimport_model.py -- writes an already-quantized ONNX model in QLinear
form, its inputs, and the exact answers a 64-bit reference gives where
the answer does not depend on a rounding rule, for tests/quant/qimport.sh.

Usage: qimport_model.py OUT_DIR

Inputs (raw bytes, u8): x [1,3,8,8], a [2,4096], l [2,65536],
v [1,512,3,4].
  x -> QLinearConv (u8 weights, a zero point per output channel: 255, 0,
       128, 77, so w - z_w spans [-255, 255]) -> c1
  x -> QLinearConv (int8 weights over the full range -128..127) -> c2
  QLinearAdd(c1, c2) -> QLinearMul(., c1) -> QLinearMatMul (u8 B [6,5]
       with zero point 131, broadcast over the batch [1,4,6,...]) -> y0
  a -> QLinearMatMul (int8 B [4096,3], full range) -> y1 u8 [2,3]
  l -> MatMulInteger (int8 B [65536,3]) -> y2 int32 [2,3]
  v -> QLinearConv (int8 weights [4,512,3,3]: all -128, all 127,
       alternating, random; 4608 terms) -> y3 u8 [1,4,1,2]
Row 0 of a and l is all 255; B's columns are all -128, all 127, random:
the worst cases, 255 * -128 * 65536 = -2139095040 for y2, next to the
int32 bound; v's first window is all 255.  y1's and y3's rescale is the power of two 2^-24 (s_a = s_b = 1/256,
s_y = 256), so its codes are floor((acc + 2^23) / 2^24) + 128 exactly (the
rounding rule of qcc, round half up); y2 is the accumulators.  OUT_DIR
gets model.onnx, x.bin, a.bin, l.bin, v.bin and ref1.bin, ref2.bin,
ref3.bin (raw u8 and int32 little-endian).  y0 has no reference here: it is checked against
qcc's interpreter.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def worst_b(rng, k):
    b = np.empty((k, 3), np.int8)
    b[:, 0] = -128
    b[:, 1] = 127
    b[:, 2] = rng.integers(-128, 128, k)
    return b


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(11)
    x = rng.integers(0, 256, (1, 3, 8, 8)).astype(np.uint8)
    ka, kl = 4096, 65536
    a = rng.integers(0, 256, (2, ka)).astype(np.uint8)
    a[0, :] = 255
    l = rng.integers(0, 256, (2, kl)).astype(np.uint8)
    l[0, :] = 255
    ba, bl = worst_b(rng, ka), worst_b(rng, kl)
    v = rng.integers(0, 256, (1, 512, 3, 4)).astype(np.uint8)
    v[:, :, :, 0:3] = 255
    wv = np.empty((4, 512, 3, 3), np.int8)
    wv[0], wv[1] = -128, 127
    wv[2] = np.where(np.arange(4608).reshape(512, 3, 3) % 2, 127, -128)
    wv[3] = rng.integers(-128, 128, (512, 3, 3))

    def c(name, arr):
        return numpy_helper.from_array(arr, name)

    f32, u8 = np.float32, np.uint8
    w1 = rng.integers(0, 256, (4, 3, 3, 3)).astype(u8)
    w1[0, 0, 0, 0], w1[1, 0, 0, 0] = 0, 255
    w2 = rng.integers(-128, 128, (4, 3, 3, 3)).astype(np.int8)
    w2[0, 0, 0, 0], w2[1, 0, 0, 0] = -128, 127
    sx = f32(0.02)
    sw1 = np.array([0.003, 0.002, 0.004, 0.001], f32)
    sw2 = np.array([0.002, 0.003, 0.001, 0.004], f32)
    inits = [
        c("sx", sx), c("zx", u8(100)),
        c("w1", w1), c("sw1", sw1), c("zw1", np.array([255, 0, 128, 77], u8)),
        c("b1", rng.integers(-3000, 3000, 4).astype(np.int32)),
        c("w2", w2), c("sw2", sw2), c("zw2", np.zeros(4, np.int8)),
        c("b2", rng.integers(-3000, 3000, 4).astype(np.int32)),
        c("s1", f32(0.6)), c("z1", u8(120)),
        c("s2", f32(0.5)), c("z2", u8(130)),
        c("s3", f32(0.9)), c("z3", u8(125)),
        c("s4", f32(0.7)), c("z4", u8(60)),
        c("wm", rng.integers(0, 256, (6, 5)).astype(u8)),
        c("sm", f32(0.01)), c("zm", u8(131)),
        c("s5", f32(0.8)), c("z5", u8(128)),
        c("sa", f32(1 / 256)), c("za", u8(0)), c("ba", ba),
        c("sb", f32(1 / 256)), c("zb", np.int8(0)),
        c("sy", f32(256)), c("zy", u8(128)),
        c("bl", bl), c("zl", u8(0)), c("zbl", np.int8(0)),
        c("wv", wv), c("swv", np.full(4, 1 / 256, f32)),
        c("zwv", np.zeros(4, np.int8)),
    ]
    N = helper.make_node
    ms = "com.microsoft"
    nodes = [
        N("QLinearConv", ["x", "sx", "zx", "w1", "sw1", "zw1", "s1", "z1",
                          "b1"], ["c1"]),
        N("QLinearConv", ["x", "sx", "zx", "w2", "sw2", "zw2", "s2", "z2",
                          "b2"], ["c2"]),
        N("QLinearAdd", ["c1", "s1", "z1", "c2", "s2", "z2", "s3", "z3"],
          ["d"], domain=ms),
        N("QLinearMul", ["d", "s3", "z3", "c1", "s1", "z1", "s4", "z4"],
          ["e"], domain=ms),
        N("QLinearMatMul", ["e", "s4", "z4", "wm", "sm", "zm", "s5", "z5"],
          ["y0"]),
        N("QLinearMatMul", ["a", "sa", "za", "ba", "sb", "zb", "sy", "zy"],
          ["y1"]),
        N("MatMulInteger", ["l", "bl", "zl", "zbl"], ["y2"]),
        N("QLinearConv", ["v", "sa", "za", "wv", "swv", "zwv", "sy", "zy"],
          ["y3"]),
    ]
    vi = helper.make_tensor_value_info
    g = helper.make_graph(
        nodes, "qlinear",
        [vi("x", TensorProto.UINT8, [1, 3, 8, 8]),
         vi("a", TensorProto.UINT8, [2, ka]),
         vi("l", TensorProto.UINT8, [2, kl]),
         vi("v", TensorProto.UINT8, [1, 512, 3, 4])],
        [vi("y0", TensorProto.UINT8, [1, 4, 6, 5]),
         vi("y1", TensorProto.UINT8, [2, 3]),
         vi("y2", TensorProto.INT32, [2, 3]),
         vi("y3", TensorProto.UINT8, [1, 4, 1, 2])],
        inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                            helper.make_opsetid(ms, 1)])
    onnx.save(m, os.path.join(out, "model.onnx"))

    acc1 = a.astype(np.int64) @ ba.astype(np.int64)
    y1 = np.clip((acc1 + (1 << 23)) // (1 << 24) + 128, 0, 255).astype(u8)
    acc2 = l.astype(np.int64) @ bl.astype(np.int64)
    assert acc2[0, 0] == -255 * 128 * kl
    assert np.abs(acc2).max() < 2 ** 31
    y2 = acc2.astype("<i4")
    acc3 = np.zeros((1, 4, 1, 2), np.int64)
    for m in range(4):
        for j in range(2):
            acc3[0, m, 0, j] = (v[0, :, :, j:j + 3].astype(np.int64) *
                                wv[m].astype(np.int64)).sum()
    assert acc3[0, 0, 0, 0] == -255 * 128 * 4608
    y3 = np.clip((acc3 + (1 << 23)) // (1 << 24) + 128, 0, 255).astype(u8)
    for name, arr in (("x", x), ("a", a), ("l", l), ("v", v), ("ref1", y1),
                      ("ref2", y2), ("ref3", y3)):
        arr.tofile(os.path.join(out, name + ".bin"))


if __name__ == "__main__":
    main()
