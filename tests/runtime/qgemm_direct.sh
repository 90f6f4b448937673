#!/bin/sh
# qgemm_direct.sh -- build qgemm_direct.c with clang against the integer
# kernels and run it: the AVX2 and AVX512-VNNI convolutions in channel-group
# layouts equal the reference (exit 77, a skip, on a CPU without AVX2).
#   usage: qgemm_direct.sh RUNTIME_DIR CLANG OUTDIR
set -eu
rt=$1 cc=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
"$cc" -std=c99 -O2 -I"$rt" "$here/qgemm_direct.c" "$rt/kernels/qgemm.c" \
	"$rt/kernels/qgemm_direct.c" "$rt/kernels/qgemm_cp_avx2.c" \
	"$rt/kernels/qnn.c" "$rt/kernels/qelt.c" \
	"$rt/kernels/qrow.c" -o "$out/qgemm_direct"
"$out/qgemm_direct"
