#!/bin/sh
# qgemm_vnni.sh -- build qgemm_vnni.c with clang against the integer
# kernels and run it: the AVX512-VNNI convolution equals the reference
# (exit 77, a skip, on a CPU without AVX512-VNNI).
#   usage: qgemm_vnni.sh RUNTIME_DIR CLANG OUTDIR
set -eu
rt=$1 cc=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
"$cc" -std=c99 -O2 -I"$rt" "$here/qgemm_vnni.c" "$rt/kernels/qgemm.c" \
	"$rt/kernels/qgemm_vnni.c" "$rt/kernels/qnn.c" "$rt/kernels/qelt.c" \
	"$rt/kernels/qrow.c" -o "$out/qgemm_vnni"
"$out/qgemm_vnni"
