#!/bin/sh
# conv_pw_isa.sh -- build conv_pw_isa.c with clang for this CPU against the
# float kernels and run it: qcc_rt_conv2d_pw_f32's shuffle-transposing
# store (clang only) equals the plain loop.
#   usage: conv_pw_isa.sh RUNTIME_DIR CLANG OUTDIR
set -eu
rt=$1 cc=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
"$cc" -std=c99 -O2 -march=native -I"$rt" "$here/conv_pw_isa.c" \
	"$rt/kernels/conv_pw.c" "$rt/kernels/conv.c" "$rt/kernels/act.c" \
	"$rt/kernels/math.c" -o "$out/conv_pw_isa"
"$out/conv_pw_isa"
