#!/usr/bin/env bash
# bad_input.sh -- qcc -quantize=int8 on bad calibration input: each case
# must exit 1 with exactly one line on stderr that names the file or
# folder, and leave no output behind (no object, header, quant report or
# temporary file); -quantize without -calib is a usage error (exit 2).
# Cases: no folder, an empty one, wrong shape, wrong dtype (.npy float64,
# .pb INT32), NaN, Inf, not a .npy, an unreadable file (a dangling link, a
# folder named like a sample), and for a two-input model a sample count
# that differs between the inputs.  Then a good folder (one sample per
# file, and a batch file) must compile, and so must the two-input model
# with matching counts.
#     bash tests/quant/bad_input.sh QCC WORKDIR
set -u
qcc=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
model=$here/../cli/models/good.onnx
rm -rf "$work" && mkdir -p "$work"
fail=0

shape=$(/usr/bin/python3 - "$model" <<'PY'
import sys, onnx
m = onnx.load(sys.argv[1])
i = m.graph.input[0]
print(i.name, ",".join(str(d.dim_value) for d in i.type.tensor_type.shape.dim))
PY
)
name=${shape%% *}
dims=${shape#* }

mk() {  # mk DIR KIND: a calibration folder of one kind
	mkdir -p "$1"
	/usr/bin/python3 - "$1" "$2" "$name" "$dims" <<'PY'
import sys, numpy as np
d, kind, name, dims = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
shape = tuple(int(x) for x in dims.split(","))
x = np.random.RandomState(0).uniform(-1, 1, shape).astype(np.float32)
if kind == "good":
    for k in range(4):
        np.save("%s/%s_%d.npy" % (d, name, k), x)
elif kind == "batch":
    np.save("%s/all.npy" % d, np.stack([x[0]] * 5))
elif kind == "shape":
    np.save("%s/%s_0.npy" % (d, name), np.zeros((3, 5), np.float32))
elif kind == "dtype":
    np.save("%s/%s_0.npy" % (d, name), x.astype(np.float64))
elif kind == "nan":
    y = x.copy(); y.flat[0] = np.nan
    np.save("%s/%s_0.npy" % (d, name), y)
elif kind == "inf":
    np.save("%s/%s_0.npy" % (d, name), x)
    y = x.copy(); y.flat[-1] = -np.inf
    np.save("%s/%s_1.npy" % (d, name), y)
elif kind == "pbdtype":
    from onnx import numpy_helper
    t = numpy_helper.from_array(x.astype(np.int32), name)
    open("%s/%s_0.pb" % (d, name), "wb").write(t.SerializeToString())
elif kind == "garbage":
    open("%s/%s_0.npy" % (d, name), "wb").write(b"not a numpy file at all")
PY
}

expect_error() {  # expect_error CASE PATTERN ARGS...
	local case=$1 pat=$2
	shift 2
	"$qcc" "$model" -o "$work/$case.o" "$@" 2>"$work/$case.err"
	local rc=$? lines
	lines=$(wc -l <"$work/$case.err")
	if [ $rc -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$pat" "$work/$case.err" ||
		[ -e "$work/$case.o" ] || [ -e "$work/$case.h" ] ||
		[ -e "$work/$case.json" ] || ls "$work" | grep -q tmp; then
		echo "FAIL $case: exit $rc, $lines lines:"; cat "$work/$case.err"; fail=1
	else
		echo "ok   $case: $(cat "$work/$case.err")"
	fi
}

mkdir -p "$work/empty"
for k in shape dtype nan inf pbdtype garbage good batch; do mk "$work/$k" $k; done
mkdir -p "$work/link" "$work/isdir/${name}_0.npy"
ln -s "$work/nowhere.npy" "$work/link/${name}_0.npy"
expect_error missing_dir "$work/nope" -quantize=int8 -calib="$work/nope"
expect_error empty_dir "$work/empty" -quantize=int8 -calib="$work/empty"
expect_error wrong_shape "${name}_0.npy" -quantize=int8 -calib="$work/shape"
expect_error wrong_dtype "float32" -quantize=int8 -calib="$work/dtype"
expect_error nan "NaN" -quantize=int8 -calib="$work/nan"
expect_error not_npy "not a .npy" -quantize=int8 -calib="$work/garbage"
q="-quant-report=$work"
expect_error inf "${name}_1.npy: holds NaN or Inf" -quantize=int8 -calib="$work/inf" $q/inf.json
expect_error pb_dtype "${name}_0.pb: element type is not FLOAT" -quantize=int8 \
	-calib="$work/pbdtype" $q/pb_dtype.json
expect_error dangling_link "link/${name}_0.npy: cannot be read" -quantize=int8 \
	-calib="$work/link" $q/dangling_link.json
expect_error folder_as_file "isdir/${name}_0.npy: cannot be read" -quantize=int8 \
	-calib="$work/isdir" $q/folder_as_file.json

# A model with inputs a and b: 3 samples of a but 2 of b is one error
# naming the folder and both inputs; 3 and 3 compile.
/usr/bin/python3 - "$work" <<'PY'
import os, sys, numpy as np, onnx
from onnx import helper, TensorProto
d = sys.argv[1]
vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 4])
g = helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"], name="add")],
                      "two", [vi("a"), vi("b")], [vi("y")])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), d + "/two.onnx")
for sub, nb in (("count", 2), ("two_ok", 3)):
    os.makedirs("%s/%s" % (d, sub), exist_ok=True)
    for k in range(3):
        np.save("%s/%s/a_%d.npy" % (d, sub, k), np.full((1, 4), k, np.float32))
    for k in range(nb):
        np.save("%s/%s/b_%d.npy" % (d, sub, k), np.full((1, 4), 0.5 * k + 0.25, np.float32))
PY
model2=$model
model=$work/two.onnx
expect_error count "count has 2 samples for input \"b\" but 3 for \"a\"" -quantize=int8 \
	-calib="$work/count" $q/count.json
if "$qcc" "$model" -o "$work/two_ok.o" -quantize=int8 -calib="$work/two_ok" 2>"$work/two_ok.err" &&
	[ -s "$work/two_ok.o" ]; then
	echo "ok   two inputs with 3 samples each compile"
else
	echo "FAIL two_ok:"; cat "$work/two_ok.err"; fail=1
fi
model=$model2

"$qcc" "$model" -o "$work/usage.o" -quantize=int8 2>/dev/null
[ $? -eq 2 ] || { echo "FAIL -quantize without -calib is not exit 2"; fail=1; }
for k in good batch; do
	if "$qcc" "$model" -o "$work/$k.o" -quantize=int8 -calib="$work/$k" 2>"$work/$k.err" &&
		[ -s "$work/$k.o" ]; then
		echo "ok   $k folder compiles"
	else
		echo "FAIL $k folder:"; cat "$work/$k.err"; fail=1
	fi
done
exit $fail
