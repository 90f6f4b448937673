#!/usr/bin/env bash
# quant_report.sh -- -quant-report=FILE.json|FILE.txt on the Fashion-MNIST
# sample:
#  1. the JSON parses and has one layer per quantized result: every Conv and
#     Gemm with per-channel i8 weights (one scale per output channel, as
#     many as the weight tensor's first dimension in -emit=ir), and a finite
#     SQNR for each (the Conv whose HardSwish became a table against the
#     float Conv without it); the text table has the same rows
#     and the same SQNR to two decimals;
#  2. the SQNR is right: the logits row equals the SQNR the test computes
#     itself from the FP32 object's and the INT8 object's outputs on the
#     same calibration images (within 0.01 dB);
#  3. -per-tensor: one scale per weight tensor, SQNR still sane, top-1 on
#     1000 test images within 1.5 points of FP32;
#  4. errors: another extension is a usage error (exit 2), -quant-report
#     without -quantize too; a compile that fails leaves no report;
#  5. w4a8, w4a4 and pm1:w2a2 report their 4- and 2-bit weights and grids;
#  6. on a residual block every layer, the Conv before the Add too, has a
#     SQNR.
#     bash tests/quant/quant_report.sh QCC CC WORKDIR
set -u
qcc=$(realpath "$1")
cc=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../..
model=$src/samples/fmnist/model.onnx
py=/usr/bin/python3
n=24
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

$py "$here/make_calib.py" calib $n || { echo "FAIL make_calib.py"; exit 1; }
q="-quantize=int8 -calib=calib"

"$qcc" "$model" $q -name=net -o int8.o -quant-report=r.json || fail "qcc -quant-report=r.json"
"$qcc" "$model" $q -o t.o -quant-report=r.txt || fail "qcc -quant-report=r.txt"
"$qcc" "$model" $q -per-tensor -o pt.o -quant-report=pt.json || fail "qcc -per-tensor"
"$qcc" "$model" -name=net -o fp32.o || fail "qcc fp32"
"$qcc" "$model" $q -emit=ir -o ir.txt || fail "qcc -emit=ir"
cat r.txt

# 1. structure: JSON layers against the IR and the text table
$py - r.json r.txt ir.txt <<'PY' || fail "report structure"
import json, re, sys
r = json.load(open(sys.argv[1]))
rows = [l.split() for l in open(sys.argv[2]).read().splitlines()[4:] if l.strip()]
ir = open(sys.argv[3]).read().splitlines()
ok = True
def bad(msg):
    global ok
    print("  " + msg); ok = False
L = r["layers"]
if r["quantize"] != "int8" or r["calibration"]["samples"] != 24:
    bad("header fields: %s %s" % (r["quantize"], r["calibration"]))
# the ops of the IR, in order, and the constants by id
ops = [l for l in ir if re.match(r"\s*%\d+(, %\d+)* = ", l)]
consts = {m.group(1): l for l in ir for m in [re.match(r"\s*const %(\d+) ", l)] if m}
wops = [l for l in ops if re.search(r"= (Conv|Gemm) ", l)]
wl = [l for l in L if l["op"] in ("Conv", "Gemm")]
if len(wl) != len(wops) or not wl:
    bad("%d Conv/Gemm layers in the report, %d in the IR" % (len(wl), len(wops)))
for l in wl:
    w = l.get("weights")
    if not w or w["granularity"] != "per-channel" or w["dtype"] != "i8":
        bad("layer %d weights: %s" % (l["index"], w)); continue
    if len(w["scales"]) != w["channels"] or w["channels"] < 2:
        bad("layer %d: %d scales for %d channels" % (l["index"], len(w["scales"]), w["channels"]))
    if min(w["scales"]) != w["scale_min"] or max(w["scales"]) != w["scale_max"]:
        bad("layer %d: scale_min/max disagree with the list" % l["index"])
    # the op's weights (operand 2) in the IR: i8[C,...] q(axis=0 n=C)
    wid = re.search(r"= (?:Conv|Gemm) %\d+, %(\d+)", ops[l["index"]]).group(1)
    m = re.search(r"i8\[(\d+),.* q\(axis=0 n=(\d+)\)", consts[wid])
    if not m or int(m.group(1)) != w["channels"] or int(m.group(2)) != w["channels"]:
        bad("layer %d: %d channels, IR says %s" % (l["index"], w["channels"], consts[wid].strip()))
for l in L:
    o = l["output"]
    if not (o["scale"] > 0 and 0 <= o["zero_point"] <= 255 and o["bits"] == 8):
        bad("layer %d output %s" % (l["index"], o))
    if l["elements"] > 0 and not (isinstance(l["sqnr_db"], float) and 5 < l["sqnr_db"] < 100):
        bad("layer %d SQNR %s" % (l["index"], l["sqnr_db"]))
# every layer has a float counterpart, the Conv before its HardSwish too
with_sqnr = [l for l in L if l["elements"] > 0]
if len(with_sqnr) != len(L) or len(L) < 6:
    bad("only %d of %d layers have a SQNR" % (len(with_sqnr), len(L)))
if not [l for l in L if l["op"] == "Conv" and l["tensor"].endswith(" before hardswish")]:
    bad("no Conv compared before its HardSwish")
if len(rows) != len(L):
    bad("%d table rows, %d JSON layers" % (len(rows), len(L)))
for row, l in zip(rows, L):
    want = "%.2f" % l["sqnr_db"] if l["elements"] else "-"
    if row[0] != str(l["index"]) or row[-1] != want:
        bad("table row %s vs JSON index %d SQNR %s" % (row[:2] + row[-1:], l["index"], want))
print("  %d layers, %d with SQNR, %d Conv/Gemm" % (len(L), len(with_sqnr), len(wl)))
sys.exit(0 if ok else 1)
PY

# 2. the logits' SQNR from the compiled FP32 and INT8 objects
for m in fp32 int8; do
	mkdir -p $m && cp $m.h $m/net.h
	"$cc" -std=c11 -O2 -I$m -include net.h "$src/tests/tools/run_model.c" $m.o \
		-o run_$m -lm || fail "link run_$m"
done
for k in $(seq 0 $((n - 1))); do
	$py -c "import numpy as np, sys; np.load(sys.argv[1]).astype('<f4').tofile(sys.argv[2])" \
		calib/input_$k.npy in_$k.bin
	./run_fp32 in_$k.bin f_$k.bin && ./run_int8 in_$k.bin q_$k.bin || fail "run sample $k"
done
$py - r.json $n <<'PY' || fail "logits SQNR differs from the compiled models'"
import json, math, sys
import numpy as np
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
f = np.concatenate([np.fromfile("f_%d.bin" % k, "<f4") for k in range(n)]).astype(np.float64)
q = np.concatenate([np.fromfile("q_%d.bin" % k, "<f4") for k in range(n)]).astype(np.float64)
mine = 10 * math.log10((f * f).sum() / ((f - q) ** 2).sum())
rep = [l for l in r["layers"] if l["tensor"] == "logits"][0]
print("  logits SQNR: report %.4f dB, compiled objects %.4f dB" % (rep["sqnr_db"], mine))
sys.exit(0 if abs(rep["sqnr_db"] - mine) < 0.01 and rep["elements"] == f.size else 1)
PY

# 3. -per-tensor: one scale per weight tensor, and still a sane SQNR
$py - pt.json r.json <<'PY' || fail "-per-tensor"
import json, sys
pt, pc = (json.load(open(p))["layers"] for p in sys.argv[1:3])
ok = True
for l in pt:
    w = l.get("weights")
    if w and (w["granularity"] != "per-tensor" or len(w["scales"]) != 1 or w["channels"] != 1):
        print("  layer %d weights %s" % (l["index"], w)); ok = False
lp = [l for l in pt if l["tensor"] == "logits"][0]["sqnr_db"]
lc = [l for l in pc if l["tensor"] == "logits"][0]["sqnr_db"]
print("  logits SQNR per tensor %.2f dB, per channel %.2f dB" % (lp, lc))
sys.exit(0 if ok and lp > 20 else 1)
PY

# ... and the accuracy: top-1 of the -per-tensor INT8 object on 1000 test
# images within 1.5 points of FP32's (top1.c; the harness can fail: a
# model with a third of its weights' signs flipped must not pass)
$py - <<'PY'
import gzip, numpy as np
d = "/usr/share/datasets/fashion-mnist/"
x = np.frombuffer(gzip.open(d + "t10k-images-idx3-ubyte.gz").read(), np.uint8, offset=16)
x = x[: 1000 * 784].astype(np.float32) / np.float32(255)
((x - np.float32(0.2860)) / np.float32(0.3530)).astype("<f4").tofile("test_x.bin")
np.frombuffer(gzip.open(d + "t10k-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)[:1000].tofile("test_y.bin")
PY
"$qcc" "$model" -name=ref -o ref.o || fail "qcc ref"
"$qcc" "$model" $q -per-tensor -name=cand -o cand.o || fail "qcc cand"
"$cc" -std=c11 -O2 -I. "$here/top1.c" ref.o cand.o -lm -o top1 || fail "link top1"
./top1 test_x.bin test_y.bin 1000 0.015 || fail "-per-tensor accuracy"
$py - "$model" broken.onnx <<'PY'
import sys, numpy as np, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
for t in m.graph.initializer:
    a = numpy_helper.to_array(t)
    if a.ndim == 4:
        a = a.copy(); a.flat[::3] *= -1
        t.CopyFrom(numpy_helper.from_array(a, t.name))
onnx.save(m, sys.argv[2])
PY
"$qcc" broken.onnx $q -per-tensor -name=cand -o cand.o && mkdir -p broken &&
	mv cand.h broken/ && "$cc" -std=c11 -O2 -I. -Ibroken "$here/top1.c" ref.o cand.o \
		-lm -o top1_broken || fail "build the broken model"
./top1_broken test_x.bin test_y.bin 1000 0.015 && fail "top1 accepted a broken model"

# 5. the other schemes: w4a8 reports 4-bit (i4) weights on the middle
# layers, w4a4 4-bit activation grids, pm1:w2a2 2-bit activations
for sch in w4a8 w4a4 pm1:w2a2; do
	"$qcc" "$model" -quantize=$sch -calib=calib -o s.o -quant-report=s.json ||
		{ fail "qcc -quantize=$sch"; continue; }
	$py - s.json $sch <<'PY' || fail "-quantize=$sch report"
import json, sys
r = json.load(open(sys.argv[1])); sch = sys.argv[2]
L = r["layers"]
wb = sorted({l["weights"]["bits"] for l in L if "weights" in l})
ab = sorted({l["output"]["bits"] for l in L})
fin = [l for l in L if l["elements"] > 0 and l["sqnr_db"] is not None]
print("  %s: %d layers, weight bits %s, activation bits %s, logits %.2f dB" %
      (sch, len(L), wb, ab, [l for l in L if l["tensor"] == "logits"][0]["sqnr_db"]))
want_w = {"w4a8": [4, 8], "w4a4": [4, 8], "pm1:w2a2": [8]}[sch]
want_a = {"w4a8": [8], "w4a4": [4, 8], "pm1:w2a2": [2, 8]}[sch]
ok = r["quantize"] == sch and wb == want_w and ab == want_a and len(fin) == len(L)
sys.exit(0 if ok else 1)
PY
done

# 6. a residual block (Conv, Relu, Conv, Add x, Relu): the float reference
# has the -quantize float rewrites only (not -O1's fuse-add), so the Conv
# before the Add is compared too: every layer has a SQNR
$py - <<'PY'
import os, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
r = np.random.RandomState(0)
ini = [numpy_helper.from_array(r.normal(0, .3, (4, 4, 3, 3)).astype(np.float32), "w1"),
       numpy_helper.from_array(r.normal(0, .3, (4, 4, 3, 3)).astype(np.float32), "w2"),
       numpy_helper.from_array(r.normal(0, .1, (4,)).astype(np.float32), "b")]
conv = lambda i, w, o: helper.make_node("Conv", [i, w, "b"], [o], name=o, pads=[1, 1, 1, 1])
nodes = [conv("x", "w1", "c1"), helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
         conv("r1", "w2", "c2"), helper.make_node("Add", ["c2", "x"], ["a"], name="add"),
         helper.make_node("Relu", ["a"], ["y"], name="relu2")]
vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 4, 8, 8])
g = helper.make_graph(nodes, "res", [vi("x")], [vi("y")], ini)
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "res.onnx")
os.makedirs("rescal", exist_ok=True)
for k in range(10):
    np.save("rescal/x_%d.npy" % k, r.normal(0, 1, (1, 4, 8, 8)).astype(np.float32))
PY
"$qcc" res.onnx -quantize=int8 -calib=rescal -o res.o -quant-report=res.json || fail "qcc residual"
$py - res.json <<'PY' || fail "residual model: a layer without SQNR"
import json, sys
L = json.load(open(sys.argv[1]))["layers"]
got = [(l["op"], l["tensor"], l["sqnr_db"]) for l in L]
print("  residual:", got)
ok = [o for o, _, _ in got] == ["QUANTIZE", "Conv", "Conv", "Add"] and \
     all(isinstance(d, float) and d > 20 for _, _, d in got)
sys.exit(0 if ok else 1)
PY

# 4. errors
"$qcc" "$model" $q -o x.o -quant-report=r.csv 2>err.txt
rc=$?
[ $rc -eq 2 ] && grep -q 'FILE.json or FILE.txt' err.txt && [ ! -e r.csv ] && [ ! -e x.o ] ||
	fail "-quant-report=r.csv: exit $rc, $(cat err.txt)"
"$qcc" "$model" -o x.o -quant-report=y.json 2>err.txt
rc=$?
[ $rc -eq 2 ] && grep -q 'needs -quantize' err.txt && [ ! -e y.json ] ||
	fail "-quant-report without -quantize: exit $rc, $(cat err.txt)"
mkdir -p badcal && echo junk >badcal/input_0.npy
"$qcc" "$model" -quantize=int8 -calib=badcal -o x.o -quant-report=z.json 2>err.txt
rc=$?
[ $rc -eq 1 ] && [ ! -e z.json ] && [ ! -e x.o ] && [ ! -e x.h ] &&
	[ -z "$(ls | grep tmp)" ] || fail "failed compile: exit $rc, $(ls x.* z.* 2>/dev/null)"
# an output that cannot be written fails the compile and removes the rest
"$qcc" "$model" $q -o y.o -quant-report=nodir/r.json 2>err.txt
rc=$?
[ $rc -eq 1 ] && grep -q 'cannot write nodir/r.json' err.txt && [ ! -e y.o ] ||
	fail "unwritable report: exit $rc, $(cat err.txt)"

echo "$fails failures"
[ $fails -eq 0 ]
