#!/usr/bin/env bash
# blocked_e2e.sh -- a network compiled with channel-blocked values
# (plan-layout, the default with AVX-512) gives the same bits as the same
# network compiled with -no-blocked-layout, and matches torch.
#
# Usage: blocked_e2e.sh QCC DIR WORK SRC CMP_RAW CC MODEL
#
# DIR holds export.py's MODEL.onnx, MODEL.input.bin and MODEL.ref.bin
# (tests/models); WORK/MODEL-blocked is the scratch directory.  Both
# objects are for the host.  The kernels that read and write blocked
# tensors give the NCHW call's bits on the same data (runtime/qcc_rt.h),
# and a 1x1 Conv plan-layout moves from the pixel kernel to the pointwise
# one sums in the same order (both in qcc_rt_conv2d_f32's), so the
# outputs must be equal byte for byte.
# Exit status 0 pass, 1 fail, 77 skip (no export: torch missing; or a
# host without AVX-512, where nothing is blocked).
set -u

[ $# -eq 7 ] || { echo "usage: blocked_e2e.sh QCC DIR WORK SRC CMP CC MODEL" >&2; exit 2; }
QCC=$1 DIR=$2 WORK=$3 SRC=$4 CMP=$5 CC=$6 MODEL=$7

fail() {
	echo "FAIL $MODEL: $*"
	exit 1
}

if [ -f "$DIR/SKIP" ]; then
	echo "blocked_e2e.sh: SKIP $MODEL: $(cat "$DIR/SKIP")"
	exit 77
fi
for f in "$DIR/$MODEL.onnx" "$DIR/$MODEL.input.bin" "$DIR/$MODEL.ref.bin"; do
	[ -f "$f" ] || fail "missing $f (build the model_exports target)"
done

d=$WORK/$MODEL-blocked
rm -rf "$d" && mkdir -p "$d"
"$QCC" "$DIR/$MODEL.onnx" -emit=ir -o "$d/blocked.ir" 2>"$d/qcc.log" ||
	{ cat "$d/qcc.log"; fail "qcc -emit=ir failed"; }
nblocked=$(grep -c ' nchw16c' "$d/blocked.ir")
if [ "$nblocked" -eq 0 ]; then
	grep -q avx512f /proc/cpuinfo && fail "no value is channel-blocked"
	echo "blocked_e2e.sh: SKIP: no AVX-512 here, nothing is blocked"
	exit 77
fi
"$QCC" "$DIR/$MODEL.onnx" -emit=ir -no-blocked-layout -o "$d/nchw.ir" ||
	fail "qcc -no-blocked-layout -emit=ir failed"
! grep -q ' nchw16c' "$d/nchw.ir" || fail "-no-blocked-layout blocked a value"

# build NAME FLAGS...: DIR/NAME/run from the model compiled with FLAGS
build() {
	local name=$1; shift
	mkdir -p "$d/$name"
	"$QCC" "$DIR/$MODEL.onnx" -name=net "$@" -o "$d/$name/net.o" \
		2>"$d/$name/qcc.log" || { cat "$d/$name/qcc.log"; fail "qcc $* failed"; }
	"$CC" -std=c11 -O2 -I"$d/$name" -include net.h \
		"$SRC/tests/tools/run_model.c" "$d/$name/net.o" -o "$d/$name/run" ||
		fail "link failed"
	"$d/$name/run" "$DIR/$MODEL.input.bin" "$d/$name/out.bin" ||
		fail "the $name network failed"
}
build blocked
build nchw -no-blocked-layout
cmp -s "$d/blocked/out.bin" "$d/nchw/out.bin" || {
	"$CMP" -scaletol 0 "$d/blocked/out.bin" "$d/nchw/out.bin"
	fail "the blocked network's output differs from the NCHW one's"
}
"$CMP" -scaletol 1e-4 "$d/blocked/out.bin" "$DIR/$MODEL.ref.bin" ||
	fail "output differs from torch by more than 1e-4 of its scale"
echo "PASS $MODEL: $nblocked values blocked, the same bytes as with" \
	"-no-blocked-layout, within 1e-4 of torch's scale"
