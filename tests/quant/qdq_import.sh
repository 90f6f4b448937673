#!/bin/bash
# qdq_import.sh -- an already-quantized (QDQ) model compiles to integer ops
# with its own scales and zero points (integer-only, the Flatten between
# a Dequantize and the MatMul included), and its output codes equal the
# reference exactly on both backends.
#
# Usage: qdq_import.sh QCC CMP_RAW CC WORKDIR
# The model and reference come from qdq_model.py (int8 weights over the
# full range -128..127, per channel; u8 activations; Conv+Relu, Add).
set -u
QCC=$1 CMP=$2 CC=$3 W=$4
SRC=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

/usr/bin/python3 "$SRC/tests/quant/qdq_model.py" . || fail "qdq_model.py"
"$QCC" model.onnx -print-after=fold-shift -name=net -o net.o 2>ir.txt ||
	fail "qcc: $(head -n1 ir.txt)"
# the Conv (with the Relu as its clamp) and the Add run on u8 codes
grep -q '= Conv .*rq={.*clamp=0\.\.255.*: u8\[1,4,6,6\]' ir.txt ||
	fail "Conv was not folded into an integer op"
grep -q '= Add .*rq={.*: u8\[1,4,6,6\]' ir.txt ||
	fail "Add was not folded into an integer op"
# the Flatten moves onto the codes, so the MatMul after it folds too and
# nothing float is left
grep -q '= Flatten .*: u8\[1,144\]' ir.txt || fail "Flatten does not run on codes"
grep -q '= Gemm .*rq={.*: u8\[1,10\]' ir.txt ||
	fail "MatMul after the Flatten was not folded into an integer Gemm"
grep -q 'f32\[' ir.txt && fail "a float value is left: $(grep -m1 'f32\[' ir.txt)"
grep -q 'NET_INPUT0_TYPE *"u8"' net.h || fail "input type is not u8"
grep -q 'NET_OUTPUT0_TYPE *"u8"' net.h || fail "output type is not u8"
"$CC" -std=c11 -O2 -I. -include net.h "$SRC/tests/tools/run_model.c" net.o \
	-o run -lm || fail "link"
./run in0.bin out_obj.bin || fail "run (object)"
"$CMP" -rtol 0 -atol 0 out_obj.bin ref0.bin || fail "object output differs"
"$QCC" model.onnx -emit=c -name=net -o net.c || fail "qcc -emit=c"
"$CC" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c net.c -o net_c.o ||
	fail "cc net.c"
"$CC" -std=c11 -O2 -I. -include net.h "$SRC/tests/tools/run_model.c" \
	net_c.o -o runc -lm || fail "link (C)"
./runc in0.bin out_c.bin || fail "run (C)"
cmp out_c.bin out_obj.bin || fail "C and object outputs differ"
echo "PASS: QDQ model: integer Conv and Add, output codes exact on both backends"
