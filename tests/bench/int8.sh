#!/usr/bin/env bash
# int8.sh -- INT8 against FP32 (qcc) and ONNX Runtime FP32 (not a test).
#
#     bash tests/bench/int8.sh MODEL.onnx [MODEL.onnx ...]
#
# For each model: NCAL (default 4) random calibration samples (normal,
# float32, the model's input shape) are written once as .npy files (the
# timing does not depend on calibration quality; samples/fmnist gets real
# images from tests/quant/make_calib.py instead), then run.sh times qcc
# FP32 and qcc -quantize=int8 against ONNX Runtime FP32, each in its own
# process (ORT is timed in both, so each qcc time has its ORT time from
# the same run).  Prints one markdown table row per model:
#     model | qcc FP32 | qcc INT8 | ORT FP32 | ORT/FP32 | ORT/INT8 | FP32/INT8
# (median thread CPU times: steadier than wall time on a loaded machine).
# ORT/FP32 and ORT/INT8 are each measured within one process; FP32/INT8
# is their quotient, so ORT is the yardstick between the two processes.
# The ORT time shown is the INT8 run's.  run.sh's "outputs disagree"
# verdict is expected for INT8 (codes, not floats) and ignored here.
#
# Environment: as run.sh (QCC_BUILD_DIR, QCC, RUNS, CC), plus QCCFLAGS
# (added to both compiles, e.g. -mcpu=native) and NCAL.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${QCC_BUILD_DIR:-$root/build}
ncal=${NCAL:-4}
extra=${QCCFLAGS:-}

calib() {  # calib MODEL DIR: random samples of MODEL's input shape
	[ -f "$2/input_0.npy" ] || [ -f "$2/done" ] && return 0
	mkdir -p "$2"
	case $1 in
	*fmnist*) /usr/bin/python3 "$root/tests/quant/make_calib.py" "$2" 100 ;;
	*) /usr/bin/python3 - "$1" "$2" "$ncal" <<'EOF'
import os, sys
import numpy as np
import onnx
m = onnx.load(sys.argv[1], load_external_data=False)
inits = {i.name for i in m.graph.initializer}
inp = [i for i in m.graph.input if i.name not in inits][0]
shape = [d.dim_value or 1 for d in inp.type.tensor_type.shape.dim]
rng = np.random.default_rng(1)
for k in range(int(sys.argv[3])):
    x = rng.standard_normal(shape).astype(np.float32)
    np.save(os.path.join(sys.argv[2], "%s_%d.npy" % (inp.name, k)), x)
EOF
	;;
	esac
	touch "$2/done"
}

field() {  # field LOG NAME: the number after "cpu NAME" (else "median")
	v=$(sed -n "s/^cpu $2 *\([0-9.]*\) us.*/\1/p" "$1")
	[ -n "$v" ] || v=$(sed -n "s/^median $2 *\([0-9.]*\) us/\1/p" "$1")
	echo "$v"
}

echo "| model | qcc FP32 | qcc INT8 | ORT FP32 | ORT/FP32 | ORT/INT8 | FP32/INT8 |"
echo "|---|---|---|---|---|---|---|"
for model in "$@"; do
	name=$(basename "$model" .onnx)
	[ "$name" != model ] || name=$(basename "$(cd "$(dirname "$model")" && pwd)")
	dir=$build/bench/calib_$name
	calib "$model" "$dir"
	log=$build/bench/int8_$name
	QCCFLAGS="$extra" bash "$root/tests/bench/run.sh" "$model" >"$log.fp32.txt" 2>&1
	QCCFLAGS="$extra -quantize=int8 -calib=$dir" \
		bash "$root/tests/bench/run.sh" "$model" >"$log.int8.txt" 2>&1
	f=$(field "$log.fp32.txt" qcc)
	of=$(field "$log.fp32.txt" ort)
	q=$(field "$log.int8.txt" qcc)
	o=$(field "$log.int8.txt" ort)
	if [ -z "$f" ] || [ -z "$q" ] || [ -z "$o" ] || [ -z "$of" ]; then
		echo "int8.sh: $name failed, see $log.fp32.txt and $log.int8.txt" >&2
		continue
	fi
	awk -v n="$name" -v f="$f" -v of="$of" -v q="$q" -v o="$o" 'BEGIN {
		printf "| %s | %.1f us | %.1f us | %.1f us | %.2f | %.2f | %.2f |\n",
		       n, f, q, o, of / f, o / q, (o / q) / (of / f) }'
done
