#!/usr/bin/env bash
# all.sh -- the benchmark of issue 7 (not a test): every model in FP32 and
# INT8 against ONNX Runtime FP32, one table, a CSV and an SVG chart.
#
#     bash tests/bench/all.sh [OUTDIR]
#
# Models: the Fashion-MNIST sample, then mobilenet_v2, resnet18 and
# efficientnet_b0 exported by tests/models/export.py (torchvision's random
# initialization, seed 0; exported once into $build/bench/models).  For
# each model, qcc compiles it twice: FP32, and INT8 (-quantize=int8
# -calib=DIR: the sample's training images from tests/quant/make_calib.py
# for fmnist, CALIB_N random-normal images for the torchvision models --
# fine for timing, meaningless for accuracy).  Each object is linked with
# bench.c, which runs it and ONNX Runtime FP32 on the same input in the
# same process, alternating (see bench.c); the medians give the ratios
# ORT time / qcc time (above 1: qcc is faster).  A second compile with
# -emit=ir --report gives the weight bytes, qcc's scratch arena and its
# lower bound (the most bytes live at one op, plan-memory's figure).
# Latencies are printed twice: wall-clock medians, and medians of the
# thread's CPU time, which on a machine shared with other jobs leaves out
# the time spent waiting for a core (the chart shows the CPU-time ratios);
# compile times likewise (wall, and user + system CPU).
#
# Writes OUTDIR/bench.csv and OUTDIR/bench.svg (default OUTDIR:
# $build/bench) and prints the table.  Environment: QCC_BUILD_DIR (default
# build/), QCC, RUNS (timed runs per engine, default 40), QCCFLAGS (extra
# qcc flags for both compiles, e.g. -mcpu=native), MODELS (default:
# "fmnist mobilenet_v2 resnet18 efficientnet_b0"), CALIB_N (default 8),
# ORT_VERSION, CC.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/bench
build=${QCC_BUILD_DIR:-$root/build}
runs=${RUNS:-40}
cc=${CC:-cc}
models=${MODELS:-fmnist mobilenet_v2 resnet18 efficientnet_b0}
calib_n=${CALIB_N:-8}
out=${1:-$build/bench}
py=/usr/bin/python3
mkdir -p "$out" "$build/bench/models"

# qcc and ONNX Runtime: run.sh builds and installs them; reuse its logic by
# asking it for nothing but the setup (it needs a model: none given here).
qcc=${QCC:-}
if [ -z "$qcc" ]; then
	[ -f "$build/CMakeCache.txt" ] ||
		cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$build" -j2 --target qcc >/dev/null
	qcc=$(find "$build" -name qcc -type f -perm -u+x | head -n1)
fi
[ -x "$qcc" ] || { echo "all.sh: no qcc binary" >&2; exit 1; }
ortlib=$(ls "$build"/bench/ort/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime.so* 2>/dev/null | head -n1 || true)
if [ -z "$ortlib" ]; then
	# run.sh installs onnxruntime-node on first use; the sample is small
	QCC="$qcc" QCC_BUILD_DIR="$build" RUNS=4 bash "$here/run.sh" \
		"$root/samples/fmnist/model.onnx" >/dev/null
	ortlib=$(ls "$build"/bench/ort/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime.so* | head -n1)
fi

model_path() {  # model_path NAME: the ONNX file, exported if needed
	case $1 in
	fmnist) echo "$root/samples/fmnist/model.onnx" ;;
	*)
		[ -f "$build/bench/models/$1.onnx" ] ||
			$py "$root/tests/models/export.py" "$build/bench/models" "$1" >&2
		echo "$build/bench/models/$1.onnx" ;;
	esac
}

calib_dir() {  # calib_dir NAME: a folder of calibration samples
	local d=$build/bench/calib/$1
	if [ ! -f "$d/done" ]; then
		mkdir -p "$d"
		if [ "$1" = fmnist ]; then
			$py "$root/tests/quant/make_calib.py" "$d" 100
		else
			$py - "$d" "$calib_n" <<'EOF'
import sys, numpy as np
d, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
for k in range(n):
    np.save("%s/input_%d.npy" % (d, k),
            rng.standard_normal((1, 3, 224, 224)).astype(np.float32))
EOF
		fi
		touch "$d/done"
	fi
	echo "$d"
}

field() {  # field FILE LABEL: the first number after LABEL in bench output
	sed -n "s/^$2 *[^0-9-]*\([-0-9.e+]*\).*/\1/p" "$1" | head -n1
}

report_num() {  # report_num FILE LABEL: the bytes in a --report summary row
	sed -n "s/.*<th>$2<\/th><td>\([0-9]*\) bytes.*/\1/p" "$1" | head -n1
}

csv=$out/bench.csv
echo "model,macs,ort_us,qcc_fp32_us,qcc_int8_us,ratio_fp32,ratio_int8,ort_cpu_us,qcc_fp32_cpu_us,qcc_int8_cpu_us,cpu_ratio_fp32,cpu_ratio_int8,maxdiff_fp32,maxdiff_int8,scratch_fp32,bound_fp32,scratch_int8,bound_int8,weight_bytes,object_fp32,object_int8,compile_fp32_ms,compile_int8_ms,compile_fp32_cpu_ms,compile_int8_cpu_ms,qccflags" >"$csv"
status=0
for name in $models; do
	model=$(model_path "$name")
	calib=$(calib_dir "$name")
	for mode in fp32 int8; do
		w=$build/bench/all/$name/$mode
		mkdir -p "$w"
		flags=${QCCFLAGS:-}
		[ $mode = fp32 ] || flags="$flags -quantize=int8 -calib=$calib"
		t0=$(date +%s%N)
		/usr/bin/time -f "%U %S" -o "$w/compile_cpu" \
			"$qcc" "$model" -name=net $flags -o "$w/net.o"
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000000 )) >"$w/compile_ms"
		awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$w/compile_cpu" >"$w/compile_cpu_ms"
		"$qcc" "$model" -name=net $flags -emit=ir -o "$w/net.ir" \
			--report="$w/report.html" >/dev/null
		$cc -std=c11 -O2 -I"$w" -I"$here" "$here/bench.c" "$here/ort.c" \
			"$w/net.o" -ldl -lm -o "$w/bench"
		tol=1e-3
		[ $mode = fp32 ] || tol=inf
		"$w/bench" "$model" "$ortlib" "$runs" "$tol" >"$w/out.txt" || status=1
	done
	f=$build/bench/all/$name/fp32
	i=$build/bench/all/$name/int8
	macs=$(sed -n 's/.*<th>MACs<\/th><td>\([0-9]*\).*/\1/p' "$f/report.html" | head -n1)
	ort=$(field "$f/out.txt" "median ort")
	qf=$(field "$f/out.txt" "median qcc")
	qi=$(field "$i/out.txt" "median qcc")
	rf=$(field "$f/out.txt" "ratio")
	ri=$(field "$i/out.txt" "ratio")
	cort=$(field "$f/out.txt" "cpu ort")
	cqf=$(field "$f/out.txt" "cpu qcc")
	cqi=$(field "$i/out.txt" "cpu qcc")
	crf=$(field "$f/out.txt" "cpu ratio")
	cri=$(field "$i/out.txt" "cpu ratio")
	df=$(sed -n 's/.*max |qcc - ort| = \([^,]*\),.*/\1/p' "$f/out.txt")
	di=$(sed -n 's/.*max |qcc - ort| = \([^,]*\),.*/\1/p' "$i/out.txt")
	echo "$name,$macs,$ort,$qf,$qi,$rf,$ri,$cort,$cqf,$cqi,$crf,$cri,$df,$di,$(report_num "$f/report.html" "scratch arena"),$(report_num "$f/report.html" "lower bound"),$(report_num "$i/report.html" "scratch arena"),$(report_num "$i/report.html" "lower bound"),$(report_num "$f/report.html" weights),$(stat -c %s "$f/net.o"),$(stat -c %s "$i/net.o"),$(cat "$f/compile_ms"),$(cat "$i/compile_ms"),$(cat "$f/compile_cpu_ms"),$(cat "$i/compile_cpu_ms"),${QCCFLAGS:-}" >>"$csv"
done
$py "$here/chart.py" "$csv" "$out/bench.svg"
echo "wrote $csv and $out/bench.svg"
exit $status
