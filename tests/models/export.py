#!/usr/bin/env python3
"""export.py -- exports torchvision CNNs to ONNX with a fixed input and
torch's output, for the end-to-end model tests.

Usage: export.py OUT_DIR NAME ...   (tests/models/tests.cmake lists them)

A NAME is MODEL or MODEL.VARIANT:
  MODEL          opset 13, exported in eval mode (TrainingMode.EVAL, the
                 default), so BatchNormalization is folded into the Conv
                 before it wherever torch can fold it
  MODEL.bn       opset 13, TrainingMode.PRESERVE on the eval-mode model:
                 every BatchNormalization stays a node (qcc folds it)
  MODEL.op17     opset 17, BN folded
  MODEL.op17_bn  opset 17, BN kept
Every export has do_constant_folding at its default (on), input "input"
1x3x224x224 and output "output".  For each NAME, OUT_DIR gets NAME.onnx;
for each MODEL, MODEL.input.bin (the input, raw float32, normal(0, 1) from
a generator seeded with 1, the same for every model) and MODEL.ref.bin
(torch's output for it in eval mode, raw float32), shared by the variants.
Weights are torchvision's random initialization after torch.manual_seed(0)
(no pretrained weights: nothing is downloaded); googlenet is built with
aux_logits=False and transform_input left at its default (False without
pretrained weights).  That initialization leaves every BatchNormalization
an identity (mean 0, var 1, scale 1, bias 0), which would hide a wrong BN
fold, and lets activations shrink layer by layer until some outputs are
just the classifier's bias (googlenet's, shufflenet's).  So the BN layers
are then calibrated: their scales and biases are drawn uniform in [0.5,
1.5] and [-0.25, 0.25] (a generator seeded with 3), and one eval-mode
forward pass over a random 2x3x224x224 batch (seeded with 2) sets each BN's
running statistics from its own input x, just before it runs: mean = E[x]/2
and var = E[x^2] - 3/4 E[x]^2, so its output has unit mean square.
Centering only half the mean keeps the net well conditioned (full centering
of a near-constant channel amplifies rounding: efficientnet_b0's float32
output in torch then differs from float64 by 2e-4 of its scale).
Activations keep a unit scale through the network and every BN is a real
affine map.

Only missing files are written, and torch is imported only when a file is
missing, so the export runs once per build tree and an extended list
exports just the new names.  MODEL.recipe records RECIPE; a model whose
recipe differs (files from an older export.py) is exported again, every
variant, so the variants always match the shared reference.

When torch or torchvision cannot be imported, OUT_DIR/SKIP gets the reason
and the script exits 0; the tests then report SKIP.  When exporting one
model fails, OUT_DIR/MODEL.error gets the reason (its tests fail showing
it) and the other models are still exported.  OUT_DIR/export.stamp is
written last, only when every export succeeded, so a build retries after
a skip or a failure.
"""
import os
import sys
import time

VARIANTS = {"": (13, False), "bn": (13, True),
            "op17": (17, False), "op17_bn": (17, True)}
INPUT_SHAPE = (1, 3, 224, 224)
CALIB_SHAPE = (2, 3, 224, 224)
RECIPE = "seed 0, BN affine seed 3, BN half-centered on seed 2, input seed 1"


def parse(names):
    """Returns {model: [variant, ...]} for NAME arguments."""
    todo = {}
    for name in names:
        model, _, variant = name.partition(".")
        if variant not in VARIANTS:
            sys.exit(f"export.py: unknown variant in {name!r} "
                     f"(known: {', '.join(v for v in VARIANTS if v)})")
        todo.setdefault(model, []).append(variant)
    return todo


def onnx_path(out, model, variant):
    return os.path.join(out, model + ("." + variant if variant else "")
                        + ".onnx")


def missing(out, model, variants):
    """The variants whose .onnx is missing; all of them when the shared
    input or reference is missing, since those must match the weights."""
    shared = [os.path.join(out, model + ext)
              for ext in (".input.bin", ".ref.bin")]
    if not all(os.path.exists(p) for p in shared) or \
            read(os.path.join(out, model + ".recipe")) != RECIPE:
        return list(variants)
    return [v for v in variants
            if not os.path.exists(onnx_path(out, model, v))]


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def calibrate(torch, net):
    """Sets every BN's running statistics from its own input on a random
    batch and draws the BN affine parameters (see the top of the file)."""
    bns = [m for m in net.modules()
           if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for bn in bns:
            n = bn.num_features
            bn.weight.copy_(torch.rand(n, generator=gen) + 0.5)
            bn.bias.copy_(torch.rand(n, generator=gen) * 0.5 - 0.25)

    def hook(bn, args):
        x = args[0].double()
        dims = [d for d in range(x.dim()) if d != 1]
        mean = x.mean(dims)
        square = (x * x).mean(dims)
        bn.running_mean.copy_(0.5 * mean)
        bn.running_var.copy_(square - 0.75 * mean * mean)

    handles = [bn.register_forward_pre_hook(hook) for bn in bns]
    gen = torch.Generator().manual_seed(2)
    batch = torch.randn(CALIB_SHAPE, generator=gen, dtype=torch.float32)
    net.eval()
    with torch.no_grad():
        net(batch)
    for h in handles:
        h.remove()


def build(torch, torchvision, model):
    kwargs = {"weights": None}
    if model == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    torch.manual_seed(0)
    net = getattr(torchvision.models, model)(**kwargs)
    calibrate(torch, net)
    return net.eval()


def export(torch, torchvision, out, model, variants):
    t0 = time.time()
    net = build(torch, torchvision, model)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(INPUT_SHAPE, generator=gen, dtype=torch.float32)
    with torch.no_grad():
        y = net(x)
    for variant in variants:
        opset, keep_bn = VARIANTS[variant]
        mode = (torch.onnx.TrainingMode.PRESERVE if keep_bn
                else torch.onnx.TrainingMode.EVAL)
        path = onnx_path(out, model, variant)
        torch.onnx.export(net, x, path + ".tmp", opset_version=opset,
                          training=mode, input_names=["input"],
                          output_names=["output"])
        os.replace(path + ".tmp", path)
    x.numpy().astype("float32").tofile(os.path.join(out, model + ".input.bin"))
    y.numpy().astype("float32").tofile(os.path.join(out, model + ".ref.bin"))
    with open(os.path.join(out, model + ".recipe"), "w") as f:
        f.write(RECIPE + "\n")
    print(f"export.py: {model} {' '.join(v or 'default' for v in variants)}:"
          f" output {tuple(y.shape)}, max|ref| {float(y.abs().max()):.6g},"
          f" {time.time() - t0:.1f} s", flush=True)


def export_or_report(torch, torchvision, out, model, variants):
    """Exports; when torch fails on this model, writes the reason to
    MODEL.error for the tests to show instead and returns False."""
    err = os.path.join(out, model + ".error")
    try:
        export(torch, torchvision, out, model, variants)
    except Exception as e:  # any failure inside torch or torchvision
        with open(err, "w") as f:
            f.write(f"exporting {model} failed: {type(e).__name__}: {e}\n")
        print(f"export.py: {model}: FAILED: {e}", flush=True)
        return False
    if os.path.exists(err):
        os.remove(err)
    return True


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: export.py OUT_DIR NAME ...")
    out = sys.argv[1]
    todo = parse(sys.argv[2:])
    os.makedirs(out, exist_ok=True)
    skip = os.path.join(out, "SKIP")
    if os.path.exists(skip):
        os.remove(skip)
    todo = {m: missing(out, m, vs) for m, vs in todo.items()}
    todo = {m: vs for m, vs in todo.items() if vs}
    if todo:
        try:
            import torch
            import torchvision
        except Exception as e:  # ImportError, or a broken install
            with open(skip, "w") as f:
                f.write(f"torch/torchvision cannot be imported: {e}\n")
            print(f"export.py: SKIP: {e}")
            return
        import warnings
        warnings.filterwarnings("ignore")
        t0 = time.time()
        failed = 0
        for model, variants in todo.items():
            failed += not export_or_report(torch, torchvision, out, model,
                                           variants)
        print(f"export.py: {sum(map(len, todo.values()))} exports in "
              f"{time.time() - t0:.1f} s")
        if failed:
            return
    with open(os.path.join(out, "export.stamp"), "w") as f:
        f.write("done\n")


if __name__ == "__main__":
    main()
