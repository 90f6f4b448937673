#!/usr/bin/env bash
# ablation.sh -- the W4A4 ablation table of the SiLU/HardSwish sample.
#
#     bash samples/fmnist_swish/ablation.sh QCC OUTDIR [MODEL.onnx] [check]
#
# Compiles the model (default: model.onnx beside this script) with qcc
# once per row, links each object with samples/fmnist/classify.c and runs
# it on the 10,000 Fashion-MNIST test images; prints one line per row:
#     ROW<TAB>top-1 accuracy<TAB>points against FP32<TAB>qcc flags
# Calibration: 128 training images (-calib-limit=128 of the 500 that
# tests/quant/make_calib.py writes once into OUTDIR/calib; search-int4
# itself looks at the first 32), so that the eight compiles stay quick;
# the test set is never used for calibration.
# The rows run in parallel.  Exits 1 if a compile or a run fails.
#
# With "check" only the rows FP32, W4A4 min-max and W4A4 (qcc's default
# recipe) run, and the script exits 1 unless W4A4 is within 1.5 points of
# FP32 and at least 3 points above min-max (the ctest of tests/int4).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ $# -lt 2 ]; then
	echo "usage: bash samples/fmnist_swish/ablation.sh QCC OUTDIR [MODEL.onnx]" >&2
	exit 2
fi
qcc=$1
out=$2
model=${3:-$here/model.onnx}
check=${4:-}
cc=${CC:-cc}
mkdir -p "$out"
if [ ! -f "$out/calib/input_499.npy" ]; then
	/usr/bin/python3 "$root/tests/quant/make_calib.py" "$out/calib" 500
fi

# row NAME [FLAGS]: compiles and runs one row in the background; its
# accuracy and flags land in DIR/acc; show_all waits and prints every row.
row() {
	local name=$1
	shift
	local dir="$out/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')"
	mkdir -p "$dir"
	rm -f "$dir/acc"
	(
		if [ $# -gt 0 ]; then
			"$qcc" "$model" -calib="$out/calib" -calib-limit=128 \
				-o "$dir/fmnist.o" "$@"
		else
			"$qcc" "$model" -o "$dir/fmnist.o"
		fi
		$cc -std=c11 -O2 -I"$dir" "$root/samples/fmnist/classify.c" \
			"$dir/fmnist.o" -lm -o "$dir/classify"
		"$dir/classify" | sed -n 's/.*accuracy [0-9]*\/[0-9]* = \([0-9.]*\).*/\1/p' >"$dir/acc.tmp"
		echo "$*" >>"$dir/acc.tmp"
		mv "$dir/acc.tmp" "$dir/acc"
	) &
	names+=("$name")
	dirs+=("$dir")
}

names=()
dirs=()
fp32=
accs=()
show_all() {
	wait
	for i in "${!names[@]}"; do
		local f=${dirs[$i]}/acc acc flags
		[ -f "$f" ] || { echo "ablation.sh: ${names[$i]}: failed" >&2; exit 1; }
		acc=$(sed -n 1p "$f")
		flags=$(sed -n 2p "$f")
		[ -n "$acc" ] || { echo "ablation.sh: ${names[$i]}: no accuracy" >&2; exit 1; }
		[ -n "$fp32" ] || fp32=$acc
		accs+=("$acc")
		awk -v n="${names[$i]}" -v a="$acc" -v f="$fp32" -v fl="$flags" \
			'BEGIN { printf "%-28s\t%.2f%%\t%+.2f\t%s\n", n, 100 * a, 100 * (a - f), fl }'
	done
}

printf "%-28s\t%s\t%s\t%s\n" "row" "top-1" "vs FP32" "qcc flags"
row "FP32"
if [ "$check" = check ]; then
	row "W4A4 min-max" -quantize=w4a4 -per-tensor -int4-weights=max -int4-acts=minmax -no-bias-correct
	row "W4A4 (qcc default)" -quantize=w4a4
	show_all
	awk -v f="${accs[0]}" -v m="${accs[1]}" -v a="${accs[2]}" 'BEGIN {
		ok = 100 * (f - a) <= 1.5 && 100 * (a - m) >= 3.0
		printf "W4A4 %.2f%%: %.2f points below FP32 (bar 1.5), %.2f above min-max (bar 3): %s\n",
			100 * a, 100 * (f - a), 100 * (a - m), ok ? "pass" : "FAIL"
		exit !ok }'
	exit
fi
row "INT8 (w8a8)" -quantize=int8
row "W4A8" -quantize=w4a8
row "W4A4 min-max" -quantize=w4a4 -per-tensor -int4-weights=max -int4-acts=minmax -no-bias-correct
row "+ per-channel weights" -quantize=w4a4 -int4-weights=max -int4-acts=minmax -no-bias-correct
row "+ MSE clipping" -quantize=w4a4 -int4-weights=mse -int4-acts=mse -no-bias-correct
row "+ scale/shift search" -quantize=w4a4 -int4-weights=mse -int4-acts=search -no-bias-correct
row "+ bias correction (default)" -quantize=w4a4
row "default, depthwise W4 too" -quantize=w4a4 -quantize-layer=/features/features.2/features.2.0/Conv:w4a4
show_all
