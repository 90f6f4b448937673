#!/usr/bin/python3
"""Train the Fashion-MNIST SiLU/HardSwish CNN (the INT4 sample) and export it to ONNX.

Run by hand (not at build or test time) from anywhere:
    /usr/bin/python3 samples/fmnist_swish/train.py
It needs Debian's python3-torch, python3-onnx and dataset-fashion-mnist, takes a
few minutes on 2 cores, and writes beside this script (the data, training
loop and export are in ../common/fmnist_data.py):
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
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
import fmnist_data  # noqa: E402

EPOCHS = int(os.environ.get("EPOCHS", "6"))
FOUNDATION_OPS = {"Conv", "BatchNormalization", "Sigmoid", "HardSigmoid", "Mul", "MaxPool",
                  "GlobalAveragePool", "Flatten", "Gemm"}


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


if __name__ == "__main__":
    fmnist_data.main(Net, HERE, EPOCHS, FOUNDATION_OPS,
                     threads=int(os.environ.get("THREADS", "2")))
