#!/bin/bash
# qimport.sh -- a model in QLinear form (QLinearConv with u8 and with
# full-range int8 weights, QLinearAdd, QLinearMul, QLinearMatMul batched
# and 2-D, MatMulInteger; tests/quant/qimport_model.py) compiles to
# integer-only code: after fold-shift the graph has no float value and no
# Quantize or Dequantize.  Its outputs on both backends equal the reference
# interpreter's byte for byte (and so do the armv8 and riscv64 objects
# under qemu-user when the cross tools are installed), and the two outputs
# whose exact answer does not depend on a rounding rule (worst cases
# 255 x -128 over 4096 and 65536 terms, and a Conv over 4608) equal a
# 64-bit numpy reference.
# A model with int8 activations (int8 codes in and out, or float in and
# out) gives the same results as its uint8 twin.
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
expect 1 '= Conv .*rq=\{mult=.*: u8\[1,4,1,2\]' "the long integer Conv"
grep -q 'NET_OUTPUT2_TYPE *"i32"' net.h || fail "output 2 is not declared i32"
grep -q 'NET_INPUT0_TYPE *"u8"' net.h || fail "input 0 is not declared u8"

"$EVAL" model.onnx interp x.bin a.bin l.bin v.bin || fail "qimport_eval"
"$CC" -std=c11 -O2 -I. -include net.h "$SRC/tests/quant/run_raw.c" net.o \
	-o run || fail "link"
./run x.bin a.bin l.bin v.bin obj || fail "run (object)"
"$QCC" model.onnx -emit=c -name=net -o net.c || fail "qcc -emit=c"
"$CC" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c net.c -o net_c.o ||
	fail "cc net.c"
"$CC" -std=c11 -O2 -I. -include net.h "$SRC/tests/quant/run_raw.c" net_c.o \
	-o runc -lm || fail "link (C)"
./runc x.bin a.bin l.bin v.bin c || fail "run (C)"
for k in 0 1 2 3; do
	cmp obj$k.bin interp$k.bin || fail "object output $k differs from the interpreter"
	cmp c$k.bin interp$k.bin || fail "C output $k differs from the interpreter"
done
# the armv8 and riscv64 objects under qemu, when the cross tools are there
for t in "armv8 aarch64-linux-gnu-gcc qemu-aarch64" \
         "riscv64 riscv64-linux-gnu-gcc qemu-riscv64 -cpu rv64,v=true,vlen=256"; do
	set -- $t
	tgt=$1 xcc=$2
	shift 2
	command -v "$xcc" >/dev/null && command -v "$1" >/dev/null || {
		echo "note: $tgt skipped ($xcc or $1 missing)"
		continue
	}
	"$QCC" model.onnx -target=$tgt -name=net -o net_$tgt.o || fail "qcc -target=$tgt"
	"$xcc" -static -std=c11 -O2 -I. -include net.h "$SRC/tests/quant/run_raw.c" \
		net_$tgt.o -o run_$tgt || fail "link ($tgt)"
	"$@" ./run_$tgt x.bin a.bin l.bin v.bin $tgt || fail "run ($tgt)"
	for k in 0 1 2 3; do
		cmp $tgt$k.bin interp$k.bin ||
			fail "$tgt output $k differs from the interpreter"
	done
done
cmp interp1.bin ref1.bin || fail "output 1 differs from the 64-bit reference"
cmp interp2.bin ref2.bin || fail "output 2 (int32) differs from the 64-bit reference"
cmp interp3.bin ref3.bin || fail "output 3 (long conv) differs from the 64-bit reference"
# an accumulator that could overflow int32 is refused with one clear line
/usr/bin/python3 - <<'PY' || fail "writing the overflow model"
import numpy as np, onnx
from onnx import TensorProto, helper, numpy_helper
k = 70000   # 255 * 128 * 70000 > 2^31
b = numpy_helper.from_array(np.full((k, 1), -128, np.int8), "b")
g = helper.make_graph(
    [helper.make_node("MatMulInteger", ["a", "b"], ["y"])], "ovf",
    [helper.make_tensor_value_info("a", TensorProto.UINT8, [1, k])],
    [helper.make_tensor_value_info("y", TensorProto.INT32, [1, 1])], [b])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]),
          "overflow.onnx")
PY
"$QCC" overflow.onnx -o ovf.o 2>ovf.txt && fail "an overflowing MatMulInteger compiled"
grep -q 'node ".*" (MatMulInteger): error: the int32 accumulator of output channel 0 could overflow' ovf.txt ||
	fail "overflow message: $(cat ovf.txt)"
[ "$(wc -l <ovf.txt)" -eq 1 ] || fail "more than one line: $(cat ovf.txt)"
[ ! -e ovf.o ] || fail "an object was written"

# int8 activations run as uint8 codes 128 higher: the int8 model and its
# uint8 twin (tests/quant/qimport_s8_model.py) give the same bytes, on
# both backends, and equal the interpreter's
mkdir -p s8 && cd s8 || fail "mkdir s8"
/usr/bin/python3 "$SRC/tests/quant/qimport_s8_model.py" . || fail "qimport_s8_model.py"
"$QCC" s8.onnx -print-after=fold-shift -name=net -o s8.o 2>ir.txt ||
	fail "qcc s8.onnx: $(head -n1 ir.txt)"
for op in Conv Add MatMul; do
	grep -qE "= $op .*rq=\{mult=.*: u8\[" ir.txt ||
		fail "int8 model: $op is not an integer op on codes"
done
"$QCC" u8.onnx -name=net -o u8.o || fail "qcc u8.onnx"
"$QCC" s8.onnx -emit=c -name=net -o s8.c || fail "qcc -emit=c s8.onnx"
"$CC" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c s8.c -o s8c.o ||
	fail "cc s8.c"
for m in s8 u8 s8c; do
	"$CC" -std=c11 -O2 -I. -include ${m%c}.h "$SRC/tests/quant/run_raw.c" \
		$m.o -o run_$m -lm || fail "link $m"
	./run_$m x.bin $m || fail "run $m"
done
"$EVAL" s8.onnx interp x.bin || fail "qimport_eval s8.onnx"
cmp s80.bin u80.bin || fail "the int8 model differs from its uint8 twin"
cmp s80.bin s8c0.bin || fail "int8 model: C and object differ"
cmp s80.bin interp0.bin || fail "int8 model: object and interpreter differ"
# int8 graph input and output: codes + 128 of the uint8 twin's, exactly
for m in s8io u8io; do
	"$QCC" $m.onnx -name=net -o $m.o || fail "qcc $m.onnx"
	"$CC" -std=c11 -O2 -I. -include $m.h "$SRC/tests/quant/run_raw.c" \
		$m.o -o run_$m || fail "link $m"
done
grep -q 'NET_INPUT0_TYPE *"i8"' s8io.h || fail "s8io: input is not declared i8"
grep -q 'NET_OUTPUT0_ZERO_POINT 7$' s8io.h || fail "s8io: output zero point"
./run_s8io xq.bin s8io || fail "run s8io"
./run_u8io xq_u8.bin u8io || fail "run u8io"
"$EVAL" s8io.onnx interpio xq.bin || fail "qimport_eval s8io.onnx"
cmp s8io0.bin interpio0.bin || fail "s8io: object and interpreter differ"
/usr/bin/python3 -c '
import numpy as np, sys
s = np.fromfile("s8io0.bin", np.int8).astype(np.int16) + 128
u = np.fromfile("u8io0.bin", np.uint8).astype(np.int16)
sys.exit(0 if s.size == 120 and (s == u).all() and len(set(u)) > 20 else 1)
' || fail "int8 codes in and out are not the uint8 twin's minus 128"
cd ..

echo "PASS: QLinear model: integer-only after fold-shift; objects (host and cross), C and interpreter" \
     "agree byte for byte; worst cases equal the 64-bit reference"
