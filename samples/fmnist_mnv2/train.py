#!/usr/bin/python3
"""Train the Fashion-MNIST MobileNet-V2-like sample and export it to ONNX.

Run by hand (not at build or test time) from anywhere:
    /usr/bin/python3 samples/fmnist_mnv2/train.py        # EPOCHS=1 TRAIN_IMAGES=24000 THREADS=2 by default
It needs Debian's python3-torch, python3-onnx and dataset-fashion-mnist, and
writes beside this script (the loop, data and export: ../common/fmnist_data.py):
    model.onnx              opset 13, input "input" [1,1,28,28], output "logits" [1,10],
                            BatchNormalization nodes kept (qcc's fold-bn pass folds them)
    accuracy.txt            torch's top-1 accuracy on the 10,000 test images
    torch_predictions.bin   10,000 bytes: torch's argmax for each test image, in file order
    torch_logits.bin        10,000 x 10 float32 (little endian): torch's logits per image

ReLU6 exports as Clip(x, 0, 6) at opset 13; the residual connections as Add.
Preprocessing as the other samples (classify.c applies it):
    x = ((float)pixel / 255.0f - 0.2860f) / 0.3530f
"""
import os
import sys

import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
import fmnist_data  # noqa: E402

EPOCHS = int(os.environ.get("EPOCHS", "1"))
TRAIN_IMAGES = int(os.environ.get("TRAIN_IMAGES", "24000"))
OPS = {"Conv", "BatchNormalization", "Clip", "Add", "Constant",
       "GlobalAveragePool", "Flatten", "Gemm"}


def conv_bn(cin, cout, k, stride=1, groups=1, relu6=True):
    layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if relu6:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """1x1 expand (ReLU6), 3x3 depthwise (ReLU6), 1x1 project (linear),
    plus the input when the shapes agree."""

    def __init__(self, cin, cout, expand, stride):
        super().__init__()
        mid = cin * expand
        self.residual = stride == 1 and cin == cout
        self.block = nn.Sequential(
            conv_bn(cin, mid, 1),
            conv_bn(mid, mid, 3, stride=stride, groups=mid),
            conv_bn(mid, cout, 1, relu6=False),
        )

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class Net(nn.Module):
    """About 0.9 M multiply-adds per image.

    28x28x1 -> conv3x3/2 16 ReLU6 (14x14)
    -> IR 16->16 x3 (residual)
    -> IR 16->24 x3 /2 (7x7) -> IR 24->24 x3 (residual) -> IR 24->24 x3 (residual)
    -> conv1x1 64 ReLU6 -> global average pool -> Linear 64->10.
    """

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(1, 16, 3, stride=2),
            InvertedResidual(16, 16, 3, 1),
            InvertedResidual(16, 24, 3, 2),
            InvertedResidual(24, 24, 3, 1),
            InvertedResidual(24, 24, 3, 1),
            conv_bn(24, 64, 1),
            nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.features(x)
        x = x.flatten(1)
        return self.fc(x)


if __name__ == "__main__":
    fmnist_data.main(Net, HERE, EPOCHS, OPS, threads=int(os.environ.get("THREADS", "2")),
                     references=True, channels_last=True, train_images=TRAIN_IMAGES,
                     eval_batch=100)
