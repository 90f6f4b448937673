"""fmnist_data.py -- what the Fashion-MNIST samples' train.py scripts share:
reading Debian's dataset-fashion-mnist, the float32 preprocessing that
classify.c repeats, the training loop, evaluation and the ONNX export.

Each sample's train.py defines its network and calls main() here:
    sys.path.insert(0, os.path.join(HERE, "..", "common"))
    import fmnist_data
    fmnist_data.main(Net, HERE, epochs=15, ops={...})

Preprocessing (classify.c applies the very same float32 operations):
    x = (float)pixel / 255.0f
    x = (x - 0.2860f) / 0.3530f
0.2860 and 0.3530 are the mean and standard deviation of the training
pixels scaled to [0, 1].
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
MEAN = np.float32(0.2860)
STD = np.float32(0.3530)
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


def train(model, x, y, xt, yt, epochs, lr=3e-3):
    """AdamW with a one-cycle learning rate, batch BATCH, random horizontal flips."""
    gen = torch.Generator().manual_seed(SEED)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * ((x.shape[0] + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    lossf = nn.CrossEntropyLoss()
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(epochs):
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
            if (i // BATCH) % 100 == 99:
                print("  %d images, %.0f s" % (i + BATCH, time.time() - t0), flush=True)
        _, _, acc = evaluate(model, xt, yt)
        print("epoch %d: loss %.4f, test accuracy %.4f, %.0f s"
              % (epoch + 1, total / xs.shape[0], acc, time.time() - t0), flush=True)


def export(model, path, ops):
    """ONNX opset 13, input "input" [1,1,28,28], output "logits" [1,10], BN kept;
    exits unless every node's op is in the set ops."""
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
    found = [n.op_type for n in m.graph.node]
    if "BatchNormalization" not in found:
        sys.exit("exported graph lost its BatchNormalization nodes")
    # torch.onnx turns equal initializers into Identity nodes; a trained model has none.
    extra = set(found) - set(ops)
    if extra:
        sys.exit("exported graph has ops outside the expected set: %s" % " ".join(sorted(extra)))
    print("exported %s: %s" % (path, " ".join(found)))


def main(net, here, epochs, ops, threads=2, lr=3e-3, references=False, channels_last=False,
         train_images=None, eval_batch=1):
    """Trains net() on the training set, exports here/model.onnx and writes
    here/accuracy.txt (torch's top-1 on the 10,000 test images); with
    references also here/torch_predictions.bin (argmax per image, one byte)
    and here/torch_logits.bin (10 float32 little endian per image).
    channels_last trains in torch's NHWC layout (faster depthwise
    convolutions on CPU); the exported graph is the same.  train_images
    limits training to the first so many training images; eval_batch is
    the batch of the final evaluation (1, as classify.c runs the model,
    unless that is too slow)."""
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(threads)
    xi, y = load("train")
    xti, yt = load("t10k")
    x, xt = preprocess(xi), preprocess(xti)
    if train_images:
        x, y = x[:train_images], y[:train_images]
    print("train pixels: mean %.4f std %.4f (after normalization: %.4f %.4f)"
          % (xi.mean() / 255.0, xi.std() / 255.0, x.mean(), x.std()))

    model = net()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    t0 = time.time()
    train(model, x, y, xt, yt, epochs, lr)
    model = model.to(memory_format=torch.contiguous_format)
    print("training took %.0f s" % (time.time() - t0))

    logits, pred, acc = evaluate(model, xt, yt, batch=eval_batch)
    correct = int((pred == yt).sum())
    export(model, os.path.join(here, "model.onnx"), ops)
    with open(os.path.join(here, "accuracy.txt"), "w") as f:
        f.write("%d/%d = %.4f\n" % (correct, yt.shape[0], acc))
    if references:
        pred.astype(np.uint8).tofile(os.path.join(here, "torch_predictions.bin"))
        logits.astype("<f4").tofile(os.path.join(here, "torch_logits.bin"))
    print("torch test accuracy: %d/%d = %.4f" % (correct, yt.shape[0], acc))
