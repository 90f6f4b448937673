#!/usr/bin/env bash
# glue.sh QCC MODELS_DIR CMP_RAW RUN_MODEL_C CC -- shape subgraphs fold at
# compile time: models/glue.onnx (see make_glue.py) compiles through both
# backends with no shape op left in its IR and matches numpy's output;
# models/dynamic_shape.onnx, whose Reshape shape depends on run-time data,
# is refused with an error located at the node that cannot be folded.
set -u
qcc=$(realpath "$1")
models=$(realpath "$2")
cmp=$(realpath "$3")
runner=$(realpath "$4")
cc=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
cd "$work"

"$qcc" "$models/glue.onnx" -emit=ir >ir.txt || fail "glue.onnx -emit=ir"
for op in Shape Gather Unsqueeze Concat ConstantOfShape Range Cast Equal \
	Where Expand Squeeze Mul; do
	! grep -q " = $op " ir.txt || fail "$op is left in the IR: $(grep " = $op " ir.txt)"
done
grep -q ' = Conv ' ir.txt && grep -q ' = Reshape ' ir.txt ||
	fail "the IR keeps Conv and the view's Reshape"
! grep -q 'i64\|bool' ir.txt || fail "i64 or bool values are left in the IR"

if "$qcc" "$models/glue.onnx" -name=net -o net.o &&
	"$cc" -std=c11 -O2 -I. -include net.h "$runner" net.o -o run_obj; then
	./run_obj "$models/glue_in.bin" out_obj.bin || fail "object backend run"
	"$cmp" -rtol 1e-4 -atol 1e-5 out_obj.bin "$models/glue_ref.bin" ||
		fail "object backend output differs from numpy"
else
	fail "glue.onnx through the object backend"
fi
if "$qcc" "$models/glue.onnx" -name=net -emit=c -o net.c &&
	"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c net.c -o net_c.o &&
	"$cc" -std=c11 -O2 -I. -include net.h "$runner" net_c.o -o run_c -lm; then
	./run_c "$models/glue_in.bin" out_c.bin || fail "C backend run"
	"$cmp" -rtol 1e-4 -atol 1e-5 out_c.bin "$models/glue_ref.bin" ||
		fail "C backend output differs from numpy"
else
	fail "glue.onnx through the C backend"
fi

"$qcc" "$models/dynamic_shape.onnx" -o dyn.o 2>err.txt && fail "dynamic_shape.onnx compiled"
grep -q 'dynamic_shape.onnx: node "to_int" (Cast): error: .*computed at run time' err.txt ||
	fail "no located error for the run-time shape: $(cat err.txt)"
[ ! -e dyn.o ] || fail "a failed compile left dyn.o"

[ "$fails" -eq 0 ] && echo "glue: all checks passed"
[ "$fails" -eq 0 ]
