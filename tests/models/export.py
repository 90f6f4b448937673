#!/usr/bin/env python3
"""export.py -- exports torchvision CNNs to ONNX with a fixed input and
torch's output, for the end-to-end model tests.

Usage: export.py OUT_DIR [MODEL ...]      (default: resnet18 mobilenet_v2)

For each MODEL writes into OUT_DIR:
  MODEL.onnx        torch.onnx.export, opset 13, do_constant_folding left at
                    its default, input "input" 1x3x224x224, output "output"
  MODEL.input.bin   the input, raw float32 (normal(0, 1) from a generator
                    seeded with 1, the same for every model)
  MODEL.ref.bin     torch's output for it in eval mode, raw float32
Weights are torchvision's random initialization after torch.manual_seed(0)
(no pretrained weights: nothing is downloaded).  A file is written only when
missing, so the export runs once per build tree.

When torch or torchvision cannot be imported, OUT_DIR/SKIP gets the reason
and the script exits 0; the tests then report SKIP.  OUT_DIR/export.stamp is
written last, only after a successful export, so a build retries after a
skip.
"""
import os
import sys

MODELS = ("resnet18", "mobilenet_v2")
INPUT_SHAPE = (1, 3, 224, 224)


def export(torch, torchvision, name, out):
    paths = [os.path.join(out, name + ext)
             for ext in (".onnx", ".input.bin", ".ref.bin")]
    if all(os.path.exists(p) for p in paths):
        return
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(INPUT_SHAPE, generator=gen, dtype=torch.float32)
    with torch.no_grad():
        y = model(x)
    onnx_path, in_path, ref_path = paths
    torch.onnx.export(model, x, onnx_path + ".tmp", opset_version=13,
                      input_names=["input"], output_names=["output"])
    os.replace(onnx_path + ".tmp", onnx_path)
    x.numpy().astype("float32").tofile(in_path)
    y.numpy().astype("float32").tofile(ref_path)
    print(f"export.py: {name}: output {tuple(y.shape)}, "
          f"max|ref| {float(y.abs().max()):.6g}")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: export.py OUT_DIR [MODEL ...]")
    out = sys.argv[1]
    names = sys.argv[2:] or MODELS
    os.makedirs(out, exist_ok=True)
    skip = os.path.join(out, "SKIP")
    if os.path.exists(skip):
        os.remove(skip)
    try:
        import torch
        import torchvision
    except Exception as e:  # ImportError, or a broken install
        with open(skip, "w") as f:
            f.write(f"torch/torchvision cannot be imported: {e}\n")
        print(f"export.py: SKIP: {e}")
        return
    for name in names:
        export(torch, torchvision, name, out)
    with open(os.path.join(out, "export.stamp"), "w") as f:
        f.write("done\n")


if __name__ == "__main__":
    main()
