#!/usr/bin/env bash
# bad_input.sh -- qcc -quantize=int8 on bad calibration input: each case
# must exit 1 with exactly one line on stderr that names the file or
# folder, and leave no output behind; -quantize without -calib is a usage
# error (exit 2).  Then a good folder (one sample per file, and a batch
# file) must compile.
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
		[ -e "$work/$case.o" ]; then
		echo "FAIL $case: exit $rc, $lines lines:"; cat "$work/$case.err"; fail=1
	else
		echo "ok   $case: $(cat "$work/$case.err")"
	fi
}

mkdir -p "$work/empty"
for k in shape dtype nan garbage good batch; do mk "$work/$k" $k; done
expect_error missing_dir "$work/nope" -quantize=int8 -calib="$work/nope"
expect_error empty_dir "$work/empty" -quantize=int8 -calib="$work/empty"
expect_error wrong_shape "${name}_0.npy" -quantize=int8 -calib="$work/shape"
expect_error wrong_dtype "float32" -quantize=int8 -calib="$work/dtype"
expect_error nan "NaN" -quantize=int8 -calib="$work/nan"
expect_error not_npy "not a .npy" -quantize=int8 -calib="$work/garbage"

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
