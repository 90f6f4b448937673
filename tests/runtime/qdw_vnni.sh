#!/bin/sh
# qdw_vnni.sh -- build qdw_vnni.c with clang against the integer kernels
# and run it: the AVX512-VNNI depthwise convolution equals the reference
# (exit 77, a skip, on a CPU without AVX512-VNNI).
#   usage: qdw_vnni.sh RUNTIME_DIR CLANG OUTDIR
set -eu
rt=$1 cc=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
"$cc" -std=c99 -O2 -I"$rt" "$here/qdw_vnni.c" "$rt/kernels/qconv_dw_vnni.c" \
	"$rt/kernels/qconv_dw.c" "$rt/kernels/qnn.c" "$rt/kernels/qelt.c" \
	"$rt/kernels/qrow.c" -o "$out/qdw_vnni"
"$out/qdw_vnni"
