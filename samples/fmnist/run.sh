#!/usr/bin/env bash
# run.sh -- compiles the Fashion-MNIST sample with a given qcc and runs it.
#
#     bash samples/fmnist/run.sh QCC OUTDIR [obj|c] [classify options]
#
# obj: `qcc model.onnx -o OUTDIR/fmnist.o` (object + fmnist.h), linked with
#      classify.c by $CC (default cc);
# c:   `qcc model.onnx -emit=c -o OUTDIR/fmnist.c`, compiled with classify.c
#      by $CC (default gcc).
# Then runs OUTDIR/classify on the 10,000 test images of Debian's
# dataset-fashion-mnist with -ref on this folder, so it prints the accuracy
# and mean latency, compares every prediction with PyTorch's and exits 1 if
# they differ (see classify.c).  Extra options go to classify.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 2 ]; then
	echo "usage: bash samples/fmnist/run.sh QCC OUTDIR [obj|c] [classify options]" >&2
	exit 2
fi
qcc=$1
out=$2
mode=${3:-obj}
shift $(( $# < 3 ? $# : 3 ))
mkdir -p "$out"

case $mode in
obj)
	cc=${CC:-cc}
	"$qcc" "$here/model.onnx" -o "$out/fmnist.o"
	model=$out/fmnist.o
	;;
c)
	cc=${CC:-gcc}
	"$qcc" "$here/model.onnx" -emit=c -o "$out/fmnist.c"
	model=$out/fmnist.c
	;;
*)
	echo "run.sh: mode must be obj or c, not $mode" >&2
	exit 2
	;;
esac
$cc -std=c11 -O2 -Wall -Wextra -I"$out" "$here/classify.c" "$model" -lm -o "$out/classify"
exec "$out/classify" -ref "$here" "$@"
