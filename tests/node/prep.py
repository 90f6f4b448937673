#!/usr/bin/env python3
"""prep.py -- turns ONNX backend node tests into cases the C runner can use.

Usage: prep.py DATA_NODE_DIR OUT_DIR

A test case is selected when every node of its model is an operator qcc
supports (SUPPORTED_OPS, default domain).  For each selected case OUT/NAME/
gets:

  model.onnx          the model qcc compiles (see "frozen inputs" below)
  set<k>/in<i>.bin    graph input i of test_data_set_<k>, raw float32
  set<k>/ref<j>.bin   expected output j, raw float32

Inputs and outputs of a quantized model's integer types (uint8, int8,
int32) are written as float32 too, their whole values exact; the compiled
model keeps the model's element types (NET_INPUT<k>_TYPE) and run_model
converts.
  manifest            key/value lines: ops, opset, inputs, outputs, frozen,
                      exact (the outputs of an integer type, which the
                      runner compares exactly rather than with tolerances)

and one line in OUT/cases.tsv:  NAME <TAB> OPS <TAB> OPSET <TAB> STATUS
<TAB> NOTE, where STATUS is "ready" or "unconvertible" (the NOTE says why:
a non-float32 input or output, a sequence or optional type, ...).
Unconvertible cases must be listed in exclusions.txt; the runner fails on
any that is not.  OUT/ignored.tsv lists the cases left out because they use
other operators, with those operators.

Frozen inputs.  qcc compiles ahead of time: Conv weights and bias,
BatchNormalization's scale/bias/mean/var, Clip's min/max, Reshape's shape
and Dropout's ratio and training_mode are compile-time constants in its IR
(Clip, Reshape and Dropout store them as attributes), as are the shape of
ConstantOfShape and Range's start, limit and delta (their results' shapes
depend on those values).  The node tests pass
them as graph inputs, so those inputs are turned into initializers holding
test_data_set_0's values; the manifest's "frozen" line names them.
Everything else stays a run-time input.  All conversions happen here, so no
Python runs when the tests run.
"""
import glob
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

SUPPORTED_OPS = {
    "Conv", "BatchNormalization", "Relu", "Clip", "Sigmoid", "HardSigmoid",
    "HardSwish", "Mul", "Add", "MaxPool", "AveragePool", "GlobalAveragePool",
    "Flatten", "Reshape", "Gemm", "MatMul", "Softmax", "Concat", "Identity",
    "Constant", "Dropout",
    "Sub", "Div", "Max", "Min", "Pow", "PRelu", "Neg", "Abs", "Sqrt", "Exp",
    "Log", "Reciprocal", "Tanh", "Erf", "LeakyRelu", "Elu", "Selu",
    "Softplus", "Sign",
    "Transpose", "Squeeze", "Unsqueeze", "Slice", "Gather", "Split", "Tile",
    "Expand", "Pad", "DepthToSpace", "SpaceToDepth", "Resize", "Upsample",
    "ReduceMean", "ReduceMax", "ReduceSum", "ReduceL2", "LogSoftmax",
    "InstanceNormalization", "LayerNormalization", "LRN",
    "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul",
    "ConvInteger", "MatMulInteger",
    "ConvTranspose", "Equal", "Greater", "Less", "GreaterOrEqual",
    "LessOrEqual", "Not", "Where",
    "Shape", "Size", "ConstantOfShape", "Range", "Cast",
}

# Element types a run-time input or output may have (integer and bool
# ones are written as float32 values, see above); outputs may also be
# int64 (shape values, exact in float32 at these sizes).
IO_TYPES = {TensorProto.FLOAT, TensorProto.UINT8, TensorProto.INT8,
            TensorProto.INT32, TensorProto.BOOL}
OUT_TYPES = IO_TYPES | {TensorProto.INT64}

# Input slots that must be compile-time constants, per operator.
CONST_SLOTS = {
    "Conv": (1, 2),
    "BatchNormalization": (1, 2, 3, 4),
    "Clip": (1, 2),
    "Reshape": (1,),
    "Dropout": (1, 2),
    "Squeeze": (1,),
    "Unsqueeze": (1,),
    "Slice": (1, 2, 3, 4),
    "Gather": (1,),
    "Split": (1,),
    "Tile": (1,),
    "Expand": (1,),
    "Pad": (1, 2, 3),
    "Resize": (1, 2, 3),
    "Upsample": (1,),
    "ReduceMean": (1,),
    "ReduceMax": (1,),
    "ReduceSum": (1,),
    "ReduceL2": (1,),
    "InstanceNormalization": (1, 2),
    "LayerNormalization": (1, 2),
    "QuantizeLinear": (1, 2),
    "DequantizeLinear": (1, 2),
    "QLinearConv": (1, 2, 3, 4, 5, 6, 7, 8),
    "QLinearMatMul": (1, 2, 3, 4, 5, 6, 7),
    "ConvInteger": (1, 2, 3),
    "MatMulInteger": (1, 2, 3),
    "ConstantOfShape": (0,),
    "Range": (0, 1, 2),
}


class Unconvertible(Exception):
    pass


def elem_type_name(vi):
    t = vi.type
    if not t.HasField("tensor_type"):
        return t.WhichOneof("value") or "unknown"
    return TensorProto.DataType.Name(t.tensor_type.elem_type)


def shape_str(arr):
    return ",".join(str(d) for d in arr.shape) if arr.ndim else "scalar"


def default_opset(model):
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return imp.version
    return 0


def load_tensor(path):
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def frozen_inputs(model):
    """Names of graph inputs that feed a constant slot of some node."""
    graph_inputs = {vi.name for vi in model.graph.input}
    names = []
    for node in model.graph.node:
        for slot in CONST_SLOTS.get(node.op_type, ()):
            if slot < len(node.input) and node.input[slot] in graph_inputs:
                if node.input[slot] not in names:
                    names.append(node.input[slot])
    return names


def data_sets(case_dir):
    sets = sorted(glob.glob(os.path.join(case_dir, "test_data_set_*")),
                  key=lambda p: int(p.rsplit("_", 1)[1]))
    out = []
    for s in sets:
        n_in = len(glob.glob(os.path.join(s, "input_*.pb")))
        n_out = len(glob.glob(os.path.join(s, "output_*.pb")))
        ins = [os.path.join(s, f"input_{i}.pb") for i in range(n_in)]
        outs = [os.path.join(s, f"output_{j}.pb") for j in range(n_out)]
        out.append((ins, outs))
    return out


def convert(name, case_dir, model, dst):
    """Writes dst/ for one case; raises Unconvertible with the reason."""
    graph = model.graph
    for vi in list(graph.input) + list(graph.output):
        if not vi.type.HasField("tensor_type"):
            raise Unconvertible(f"{vi.name} is a {elem_type_name(vi)}, "
                                "not a tensor")
    freeze = frozen_inputs(model)
    sets = data_sets(case_dir)
    if not sets:
        raise Unconvertible("no test data set")

    input_names = [vi.name for vi in graph.input]
    frozen_vals = {}
    for k, (ins, _) in enumerate(sets):
        if len(ins) != len(input_names):
            raise Unconvertible(f"data set {k} has {len(ins)} inputs, "
                                f"model has {len(input_names)}")
        for path, iname in zip(ins, input_names):
            if iname not in freeze:
                continue
            arr = load_tensor(path)
            if iname in frozen_vals and not np.array_equal(frozen_vals[iname],
                                                           arr):
                raise Unconvertible(f"frozen input {iname} differs between "
                                    "data sets")
            frozen_vals[iname] = arr

    runtime_inputs = [vi for vi in graph.input if vi.name not in freeze]
    for vi in runtime_inputs:
        if vi.type.tensor_type.elem_type not in IO_TYPES:
            raise Unconvertible(f"input {vi.name} is {elem_type_name(vi)}")
    for vi in graph.output:
        if vi.type.tensor_type.elem_type not in OUT_TYPES:
            raise Unconvertible(f"output {vi.name} is {elem_type_name(vi)}")
    for iname, arr in frozen_vals.items():
        if arr.dtype not in (np.float32, np.int64, np.int32, np.bool_,
                             np.uint8, np.int8):
            raise Unconvertible(f"frozen input {iname} is {arr.dtype}")

    os.makedirs(dst)
    if freeze:
        kept = [vi for vi in graph.input if vi.name not in freeze]
        del graph.input[:]
        graph.input.extend(kept)
        for iname in freeze:
            graph.initializer.append(
                numpy_helper.from_array(frozen_vals[iname], iname))
        # IR version 3 wants every initializer listed as an input too;
        # 4 (same opsets) lets the frozen inputs be initializers alone
        if model.ir_version < 4:
            model.ir_version = 4
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(dst, "model.onnx"))

    lines = [
        f"name {name}",
        "ops " + " ".join(sorted({n.op_type for n in graph.node})),
        f"opset {default_opset(model)}",
        "frozen " + " ".join(freeze),
        f"inputs {len(runtime_inputs)}",
        f"outputs {len(graph.output)}",
        f"sets {len(sets)}",
    ]
    exact = []
    for k, (ins, outs) in enumerate(sets):
        sdir = os.path.join(dst, f"set{k}")
        os.makedirs(sdir)
        i = 0
        for path, iname in zip(ins, input_names):
            if iname in freeze:
                continue
            arr = load_tensor(path).astype(np.float32, copy=False)
            arr.tofile(os.path.join(sdir, f"in{i}.bin"))
            if k == 0:
                lines.append(f"input{i} {iname} {shape_str(arr)}")
            i += 1
        for j, path in enumerate(outs):
            arr = load_tensor(path)
            if arr.dtype not in (np.float32, np.uint8, np.int8, np.int32,
                                 np.bool_, np.int64):
                raise Unconvertible(f"reference output {j} is {arr.dtype}")
            if arr.dtype != np.float32 and j not in exact:
                exact.append(j)
            arr = arr.astype(np.float32)
            arr.tofile(os.path.join(sdir, f"ref{j}.bin"))
            if k == 0:
                lines.append(f"output{j} {graph.output[j].name} "
                             f"{shape_str(arr)}")
    lines.append("exact " + " ".join(str(j) for j in exact))
    with open(os.path.join(dst, "manifest"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: prep.py DATA_NODE_DIR OUT_DIR")
    src, out = sys.argv[1], sys.argv[2]
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)

    cases, ignored = [], []
    for name in sorted(os.listdir(src)):
        case_dir = os.path.join(src, name)
        model_path = os.path.join(case_dir, "model.onnx")
        if not os.path.isfile(model_path):
            continue
        model = onnx.load(model_path)
        ops = {n.op_type if n.domain in ("", "ai.onnx")
               else f"{n.domain}.{n.op_type}" for n in model.graph.node}
        if not ops or not ops <= SUPPORTED_OPS:
            ignored.append((name, " ".join(sorted(ops - SUPPORTED_OPS))))
            continue
        opstr = "+".join(sorted(ops))
        opset = default_opset(model)
        dst = os.path.join(out, name)
        try:
            convert(name, case_dir, model, dst)
            cases.append((name, opstr, opset, "ready", ""))
        except Unconvertible as e:
            shutil.rmtree(dst, ignore_errors=True)
            cases.append((name, opstr, opset, "unconvertible", str(e)))

    with open(os.path.join(out, "cases.tsv"), "w") as f:
        for row in cases:
            f.write("\t".join(str(c) for c in row) + "\n")
    with open(os.path.join(out, "ignored.tsv"), "w") as f:
        for row in ignored:
            f.write("\t".join(row) + "\n")
    ready = sum(1 for c in cases if c[3] == "ready")
    print(f"prep.py: {len(cases)} cases selected ({ready} ready, "
          f"{len(cases) - ready} unconvertible), {len(ignored)} ignored")


if __name__ == "__main__":
    main()
