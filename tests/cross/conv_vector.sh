#!/usr/bin/env bash
# conv_vector.sh -- the convolution loops of a compiled mobilenet_v2 use
# the target's vector unit: NEON fused multiply-adds on four floats (fmla
# vN.4s) for armv8, and RVV (vsetvli and vfmacc) for riscv64.
#
# Usage: conv_vector.sh QCC MODEL.onnx WORKDIR
#
# qcc compiles the model for each target, llvm-objdump-19 disassembles the
# object, and the instructions are counted inside qcc_rt_conv2d_dw_f32 (the
# depthwise convolution kernel, inlined and specialized into the object;
# the group-1 convolutions go to the packed kernels) only.
# Exit status 0 pass, 1 fail, 77 skip (no model or no llvm-objdump-19).
set -u
QCC=$1 MODEL=$2 WORK=$3
OBJDUMP=$(command -v llvm-objdump-19 || command -v llvm-objdump) ||
	{ echo "SKIP: no llvm-objdump"; exit 77; }
[ -f "$MODEL" ] || { echo "SKIP: no $MODEL (build model_exports)"; exit 77; }
mkdir -p "$WORK"
status=0
K=qcc_rt_conv2d_dw_f32

# count TARGET REGEX: occurrences of REGEX in the conv kernel's code.
count() {
	"$OBJDUMP" -d "$WORK/$1.o" | awk -v re="$2" -v k="<$K" '
		/^[0-9a-f]+ <.*>:$/ { inconv = ($0 ~ k) }
		inconv && $0 ~ re { n++ }
		END { print n + 0 }'
}

# expect TARGET WHAT REGEX: at least one REGEX in the conv kernel.
expect() {
	local n
	n=$(count "$1" "$3")
	if [ "$n" -gt 0 ]; then
		echo "ok   $1: $n $2 in $K"
	else
		echo "FAIL $1: no $2 in $K"
		status=1
	fi
}

for t in armv8 riscv64; do
	"$QCC" "$MODEL" -target=$t -name=net -o "$WORK/$t.o" ||
		{ echo "FAIL: qcc -target=$t"; exit 1; }
	"$OBJDUMP" -d "$WORK/$t.o" | grep -q "<$K" ||
		{ echo "FAIL $t: no $K in the object"; status=1; }
done
expect armv8 "fmla .4s" 'fmla[ \t]+v[0-9]+\.4s'
expect riscv64 "vsetvli" 'vsetvli'
expect riscv64 "vfmacc" 'vfmacc\.v[vf]'
exit $status
