#!/bin/sh
# qwino_avx2.sh -- build qwino_avx2.c with clang against the integer
# kernels and run it: the AVX2 Winograd F(2x2,3x3) integer convolution
# equals the reference (exit 77, a skip, on a CPU without AVX2).
#   usage: qwino_avx2.sh RUNTIME_DIR CLANG OUTDIR
set -eu
rt=$1 cc=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
"$cc" -std=c99 -O2 -Wall -Wextra -Werror -pedantic -I"$rt" \
	"$here/qwino_avx2.c" "$rt/kernels/qconv_wino_avx2.c" \
	"$rt/kernels/qnn.c" "$rt/kernels/qelt.c" "$rt/kernels/qrow.c" \
	-o "$out/qwino_avx2"
"$out/qwino_avx2"
