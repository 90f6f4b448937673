#!/bin/sh
# qgemm_isa.sh -- build qgemm_isa.c with clang against the integer kernels
# and run it: every tile code of qcc_rt_conv2d_qgemm_q8 this CPU runs
# (AVX-512 included, which only clang compiles) equals the reference.
#   usage: qgemm_isa.sh RUNTIME_DIR CLANG OUTDIR
set -eu
rt=$1 cc=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
"$cc" -std=c99 -O2 -I"$rt" "$here/qgemm_isa.c" "$rt/kernels/qgemm.c" \
	"$rt/kernels/qnn.c" "$rt/kernels/qelt.c" "$rt/kernels/qrow.c" \
	-o "$out/qgemm_isa"
"$out/qgemm_isa"
