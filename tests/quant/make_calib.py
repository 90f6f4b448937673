#!/usr/bin/env python3
"""make_calib.py -- calibration samples for the Fashion-MNIST sample.

    python3 tests/quant/make_calib.py OUTDIR [N] [batch]

Writes N (default 500) images of the TRAIN set of Debian's
dataset-fashion-mnist (every 60000/N-th image, so all classes appear),
normalized exactly as samples/fmnist/train.py and classify.c do, as
OUTDIR/input_<k>.npy float32 [1,1,28,28] files -- or with "batch" as one
OUTDIR/input.npy of shape [N,1,28,28].  The test set is never used.
"""
import gzip
import os
import sys

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
MEAN, STD = np.float32(0.2860), np.float32(0.3530)


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    batch = len(sys.argv) > 3 and sys.argv[3] == "batch"
    with gzip.open(DATA, "rb") as f:
        raw = f.read()
    count = int.from_bytes(raw[4:8], "big")
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(count, 1, 28, 28)
    pick = images[:: max(1, count // n)][:n]
    x = pick.astype(np.float32) / np.float32(255.0)
    x = (x - MEAN) / STD
    os.makedirs(out, exist_ok=True)
    if batch:
        np.save(os.path.join(out, "input.npy"), x.astype(np.float32))
        return
    for k in range(x.shape[0]):
        np.save(os.path.join(out, "input_%d.npy" % k), x[k : k + 1].astype(np.float32))


if __name__ == "__main__":
    main()
