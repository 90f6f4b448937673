#!/usr/bin/python3
"""Train the Fashion-MNIST SiLU/HardSwish CNN (the INT4 sample) and export it to ONNX.

Run by hand (not at build or test time) from anywhere:
    /usr/bin/python3 samples/fmnist_swish/train.py
It needs Debian's python3-torch, python3-onnx and dataset-fashion-mnist, takes a
few minutes on 2 cores, and writes beside this script:
    model.onnx              opset 13, input "input" [1,1,28,28], output "logits" [1,10],
                            BatchNormalization nodes kept (qcc's fold-bn pass folds them)
    accuracy.txt            torch's top-1 accuracy on the 10,000 test images

SiLU exports as x * Sigmoid(x) and HardSwish as x * HardSigmoid(x) at opset 13.

Preprocessing (classify.c applies the very same float32 operations):
    x = (float)pixel / 255.0f
    x = (x - 0.2860f) / 0.3530f
0.2860 and 0.3530 are the mean and standard deviation of the training pixels
scaled to [0, 1].
"""
import gzip
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
MEAN = np.float32(0.2860)
STD = np.float32(0.3530)
EPOCHS = int(os.environ.get("EPOCHS", "6"))
FOUNDATION_OPS = {"Conv", "BatchNormalization", "Sigmoid", "HardSigmoid", "Mul", "MaxPool",
                  "GlobalAveragePool", "Flatten", "Gemm"}
BATCH = 128
SEED = 0


def read_idx(name, magic, header):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    got = int.from_bytes(raw[0:4], "big")
    if got != magic:
        sys.exit("%s: bad idx magic %#x" % (name, got))
    return np.frombuffer(raw, dtype=np.uint8, offset=header)


def load(prefix):
    images = read_idx(prefix + "-images-idx3-ubyte.gz", 0x803, 16)
    labels = read_idx(prefix + "-labels-idx1-ubyte.gz", 0x801, 8)
    images = images.reshape(-1, 1, 28, 28)
    if images.shape[0] != labels.shape[0]:
        sys.exit("%s: %d images but %d labels" % (prefix, images.shape[0], labels.shape[0]))
    return images, labels.astype(np.int64)


def preprocess(images):
    """uint8 pixels -> normalized float32, in the same order of float32 ops as classify.c."""
    x = images.astype(np.float32) / np.float32(255.0)
    x = (x - MEAN) / STD
    assert x.dtype == np.float32
    return x


def conv_bn(cin, cout, k, stride=1, groups=1, act=None):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        act,
    )


class Net(nn.Module):
    """About 3.3 M multiply-adds per image; every activation is SiLU or HardSwish,
    so every activation tensor has a negative tail (SiLU down to -0.278,
    HardSwish down to -0.375).

    28x28x1 -> conv3x3 16 SiLU -> conv3x3/2 32 SiLU (14x14) -> depthwise 3x3
    HardSwish -> pointwise 1x1 64 SiLU -> maxpool 2 (7x7) -> conv3x3 64
    HardSwish -> global average pool -> Linear 64->10.
    """

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(1, 16, 3, act=nn.SiLU()),
            conv_bn(16, 32, 3, stride=2, act=nn.SiLU()),
            conv_bn(32, 32, 3, groups=32, act=nn.Hardswish()),
            conv_bn(32, 64, 1, act=nn.SiLU()),
            nn.MaxPool2d(2),
            conv_bn(64, 64, 3, act=nn.Hardswish()),
            nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def evaluate(model, x, y, batch=1000):
    """Logits for every image, eval mode."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            out.append(model(torch.from_numpy(x[i:i + batch])))
    logits = torch.cat(out).numpy().astype(np.float32)
    pred = logits.argmax(axis=1)
    return logits, pred, float((pred == y).mean())


def train(model, x, y, xt, yt):
    gen = torch.Generator().manual_seed(SEED)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = EPOCHS * ((x.shape[0] + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    lossf = nn.CrossEntropyLoss()
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(EPOCHS):
        model.train()
        t0 = time.time()
        perm = torch.randperm(xs.shape[0], generator=gen)
        total = 0.0
        for i in range(0, xs.shape[0], BATCH):
            idx = perm[i:i + BATCH]
            xb = xs[idx]
            # Random horizontal flip: clothes are left-right symmetric.
            flip = torch.rand(xb.shape[0], generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            opt.zero_grad()
            loss = lossf(model(xb), ys[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * idx.shape[0]
        _, _, acc = evaluate(model, xt, yt)
        print("epoch %d: loss %.4f, test accuracy %.4f, %.0f s"
              % (epoch + 1, total / xs.shape[0], acc, time.time() - t0), flush=True)


def export(model, path):
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, dummy, path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      do_constant_folding=False,
                      # PRESERVE on an eval() model: inference-mode BN without the
                      # eval peephole that would fold BN into the convolutions.
                      training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    if "BatchNormalization" not in ops:
        sys.exit("exported graph lost its BatchNormalization nodes")
    # torch.onnx turns equal initializers into Identity nodes; a trained model has none.
    extra = set(ops) - FOUNDATION_OPS
    if extra:
        sys.exit("exported graph has ops outside the foundation set: %s" % " ".join(sorted(extra)))
    print("exported %s: %s" % (path, " ".join(ops)))


def main():
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    xi, y = load("train")
    xti, yt = load("t10k")
    x, xt = preprocess(xi), preprocess(xti)
    print("train pixels: mean %.4f std %.4f (after normalization: %.4f %.4f)"
          % (xi.mean() / 255.0, xi.std() / 255.0, x.mean(), x.std()))

    model = Net()
    t0 = time.time()
    train(model, x, y, xt, yt)
    print("training took %.0f s" % (time.time() - t0))

    # Batch 1, as the exported model and classify.c run it.
    logits, pred, acc = evaluate(model, xt, yt, batch=1)
    correct = int((pred == yt).sum())
    export(model, os.path.join(HERE, "model.onnx"))
    with open(os.path.join(HERE, "accuracy.txt"), "w") as f:
        f.write("%d/%d = %.4f\n" % (correct, yt.shape[0], acc))
    print("torch test accuracy: %d/%d = %.4f" % (correct, yt.shape[0], acc))


if __name__ == "__main__":
    main()
