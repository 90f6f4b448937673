#!/bin/bash
# qimport.sh -- a model in QLinear form (QLinearConv with u8 and with
# full-range int8 weights, QLinearAdd, QLinearMul, QLinearMatMul batched
# and 2-D, MatMulInteger; tests/quant/qimport_model.py) compiles to
# integer-only code: after fold-shift the graph has no float value and no
# Quantize or Dequantize.  Its outputs on both backends equal the reference
# interpreter's byte for byte, and the two outputs whose exact answer does
# not depend on a rounding rule (worst cases 255 x -128 over 4096 and
# 65536 terms) equal a 64-bit numpy reference.
#
# Usage: qimport.sh QCC QIMPORT_EVAL CC WORKDIR
set -u
QCC=$1 EVAL=$2 CC=$3 W=$4
SRC=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

/usr/bin/python3 "$SRC/tests/quant/qimport_model.py" . || fail "qimport_model.py"
"$QCC" model.onnx -print-after=fold-shift -name=net -o net.o 2>ir.txt ||
	fail "qcc: $(head -n1 ir.txt)"
# integer-only: no float value, no boundary op, every op on codes
grep -q 'f32\[' ir.txt && fail "a float value is left: $(grep -m1 'f32\[' ir.txt)"
grep -qE '= (QUANTIZE|DEQUANTIZE)' ir.txt && fail "a Quantize/Dequantize is left"
expect() {   # expect COUNT REGEX WHAT
	n=$(grep -cE "$2" ir.txt)
	[ "$n" -eq "$1" ] || fail "$3: $n ops match, $1 expected"
}
expect 2 '= Conv .*rq=\{mult=.*: u8\[1,4,6,6\]' "two integer Convs"
expect 1 'const .*: i16\[4,3,3,3\]|const %[0-9]+ "w1": i16\[4,3,3,3\]' "u8 weights widened to i16"
expect 1 '= Add .*rq=\{.*: u8\[1,4,6,6\]' "integer Add"
expect 1 '= Mul .*rq=\{.*: u8\[1,4,6,6\]' "integer Mul"
expect 1 '= MatMul .*rq=\{mult=.*: u8\[1,4,6,5\]' "batched integer MatMul"
expect 1 '= Gemm .*rq=\{mult=.*: u8\[2,3\]' "2-D QLinearMatMul as an integer Gemm"
expect 1 '= MatMul .*rq=\{none: the i32 accumulators\} : i32\[2,3\]' "MatMulInteger"
grep -q 'NET_OUTPUT2_TYPE *"i32"' net.h || fail "output 2 is not declared i32"
grep -q 'NET_INPUT0_TYPE *"u8"' net.h || fail "input 0 is not declared u8"

"$EVAL" model.onnx interp x.bin a.bin l.bin || fail "qimport_eval"
"$CC" -std=c11 -O2 -I. -include net.h "$SRC/tests/quant/run_raw.c" net.o \
	-o run || fail "link"
./run x.bin a.bin l.bin obj || fail "run (object)"
"$QCC" model.onnx -emit=c -name=net -o net.c || fail "qcc -emit=c"
"$CC" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c net.c -o net_c.o ||
	fail "cc net.c"
"$CC" -std=c11 -O2 -I. -include net.h "$SRC/tests/quant/run_raw.c" net_c.o \
	-o runc -lm || fail "link (C)"
./runc x.bin a.bin l.bin c || fail "run (C)"
for k in 0 1 2; do
	cmp obj$k.bin interp$k.bin || fail "object output $k differs from the interpreter"
	cmp c$k.bin interp$k.bin || fail "C output $k differs from the interpreter"
done
cmp interp1.bin ref1.bin || fail "output 1 differs from the 64-bit reference"
cmp interp2.bin ref2.bin || fail "output 2 (int32) differs from the 64-bit reference"
echo "PASS: QLinear model: integer-only after fold-shift; object, C and interpreter" \
     "agree byte for byte; worst cases equal the 64-bit reference"
