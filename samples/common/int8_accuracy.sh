#!/usr/bin/env bash
# int8_accuracy.sh -- FP32 and INT8 top-1 side by side for a Fashion-MNIST
# sample, per calibration method:
#
#     bash samples/common/int8_accuracy.sh QCC OUTDIR MODEL.onnx [METHODS] [BAR]
#
# METHODS (default "minmax percentile mse kl") are -calib-method values;
# "default" means no -calib-method flag.  N_CALIB (environment, default
# 500) calibration images come from the TRAIN set (tests/quant/make_calib.py,
# every 60000/N-th image); the test set is never used for calibration.
# qcc compiles MODEL.onnx as FP32 and, per method, with -quantize=int8;
# each object is linked with samples/fmnist/classify.c (the model is named
# fmnist, so any 1x1x28x28 -> 10 model fits) and classifies the 10,000 test
# images.  Prints one row per method; with BAR (percentage points), exits 1
# if any method's INT8 top-1 is more than BAR points below FP32's.  The
# logits stay in OUTDIR (fp32.bin, int8_METHOD.bin).
set -eu
if [ $# -lt 3 ]; then
	echo "usage: bash samples/common/int8_accuracy.sh QCC OUTDIR MODEL.onnx [METHODS] [BAR]" >&2
	exit 2
fi
qcc=$1 out=$2 model=$3
methods=${4:-minmax percentile mse kl}
bar=${5:-}
ncal=${N_CALIB:-500}
here=$(cd "$(dirname "$0")" && pwd)
classify=$here/../fmnist/classify.c
mkdir -p "$out"
if [ ! -f "$out/calib/input_$((ncal - 1)).npy" ] || [ -f "$out/calib/input_$ncal.npy" ]; then
	rm -rf "$out/calib"
	/usr/bin/python3 "$here/../../tests/quant/make_calib.py" "$out/calib" "$ncal"
fi

# top1 NAME QCC-FLAGS...: compiles, classifies, prints the top-1 in %.
top1() {
	local name=$1 d=$out/$1
	shift
	mkdir -p "$d"
	"$qcc" "$model" -name=fmnist -o "$d/fmnist.o" "$@"
	${CC:-cc} -std=c11 -O2 -I"$d" "$classify" "$d/fmnist.o" -lm -o "$d/classify"
	"$d/classify" -logits "$out/$name.bin" | tail -n1 |
		sed 's/.*accuracy \([0-9]*\)\/\([0-9]*\).*/\1 \2/' |
		awk '{ printf "%.2f", 100 * $1 / $2 }'
}

fp=$(top1 fp32)
printf '%s: %s calibration images (train set), 10,000 test images\n' \
	"$(basename "$(dirname "$model")")" "$ncal"
printf '%-12s %8s %8s %8s\n' method FP32 INT8 diff
fail=0
for m in $methods; do
	flags="-quantize=int8 -calib=$out/calib"
	[ "$m" = default ] || flags="$flags -calib-method=$m"
	a=$(top1 "int8_$m" $flags)
	d=$(awk -v a="$a" -v f="$fp" 'BEGIN { printf "%+.2f", a - f }')
	printf '%-12s %7s%% %7s%% %8s\n' "$m" "$fp" "$a" "$d"
	if [ -n "$bar" ] && ! awk -v d="$d" -v b="$bar" 'BEGIN { exit !(d >= -b - 1e-9) }'; then
		echo "FAIL: INT8 ($m) is more than $bar points below FP32"
		fail=1
	fi
done
exit $fail
