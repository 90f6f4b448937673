#!/usr/bin/env python3
"""gen_bnn.py -- a small binary (1-bit) CNN as BNN/Larq exporters write it,
for test_sign.c: Sign on the activations, weights that are +-a per output
channel, and the reference output of one input computed in numpy.

    x [1,3,12,12]
    Sign -> Conv 3->16 3x3 pad 1, +-1 weights, bias in halves (some 0,
            so Sign meets exact zeros)
    Sign -> Conv 16->40 3x3 stride 2 pad 1, +-a with a in {0.5, 1, 2}
            per channel (40 channels: two 32-bit words), Relu
    MaxPool 2x2 -> Sign -> Flatten
         -> Gemm transB 360->24, +-1 weights, bias
    Sign -> MatMul 24->10, +-1 weights
         -> Gemm 10->5 (float weights in eighths: stays a float layer)

Every value is a multiple of 1/8 below 2^20, so float32 computes it
exactly in any order: the numpy result is the exact reference.

usage: gen_bnn.py OUTDIR   writes bnn.onnx, bnn_in.bin, bnn_out.bin
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save


def pm1(rng, shape, scale=None):
    w = rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    if scale is not None:
        w *= scale.reshape((-1,) + (1,) * (len(shape) - 1))
    return w


def conv(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad))
    xp[:, :, pad:pad + h, pad:pad + wd] = x
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = np.einsum("nchw,ochw->no", win, w)
    return y + (0 if b is None else b.reshape(1, -1, 1, 1))


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(6)
    w1 = pm1(rng, (16, 3, 3, 3))
    b1 = rng.integers(-2, 3, size=16).astype(np.float32) * 0.5
    a2 = rng.choice([0.5, 1.0, 2.0], size=40).astype(np.float32)
    w2 = pm1(rng, (40, 16, 3, 3), a2)
    w3 = pm1(rng, (24, 360))
    b3 = rng.integers(-4, 5, size=24).astype(np.float32) * 0.5
    w4 = pm1(rng, (24, 10))
    w5 = (rng.integers(-8, 9, size=(10, 5)) / 8.0).astype(np.float32)
    b5 = (rng.integers(-8, 9, size=5) / 8.0).astype(np.float32)
    consts = {"w1": w1, "b1": b1, "w2": w2, "w3": w3, "b3": b3, "w4": w4,
              "w5": w5, "b5": b5}
    nodes = [
        helper.make_node("Sign", ["x"], ["s1"], name="sign1"),
        helper.make_node("Conv", ["s1", "w1", "b1"], ["c1"], name="bconv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Sign", ["c1"], ["s2"], name="sign2"),
        helper.make_node("Conv", ["s2", "w2"], ["c2"], name="bconv2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Sign", ["p2"], ["s3"], name="sign3"),
        helper.make_node("Flatten", ["s3"], ["f3"], name="flat3", axis=1),
        helper.make_node("Gemm", ["f3", "w3", "b3"], ["g3"], name="bfc3",
                         transB=1),
        helper.make_node("Sign", ["g3"], ["s4"], name="sign4"),
        helper.make_node("MatMul", ["s4", "w4"], ["m4"], name="bfc4"),
        helper.make_node("Gemm", ["m4", "w5", "b5"], ["y"], name="fc5"),
    ]
    graph = helper.make_graph(
        nodes, "bnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 12])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
        [numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, producer_name="qcc gen_bnn.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    os.makedirs(out, exist_ok=True)
    save(model, os.path.join(out, "bnn.onnx"))

    x = (rng.integers(-4, 5, size=(1, 3, 12, 12)) / 4.0).astype(np.float32)
    t = conv(np.sign(x), w1, b1, 1, 1)
    t = np.maximum(conv(np.sign(t), w2, None, 2, 1), 0)
    t = t.reshape(1, 40, 3, 2, 3, 2).max(axis=(3, 5))
    t = np.sign(t).reshape(1, -1) @ w3.T + b3
    t = np.sign(t) @ w4
    y = (t @ w5 + b5).astype(np.float32)
    x.tofile(os.path.join(out, "bnn_in.bin"))
    y.tofile(os.path.join(out, "bnn_out.bin"))
    print("bnn.onnx: y =", y.ravel())


if __name__ == "__main__":
    main()
