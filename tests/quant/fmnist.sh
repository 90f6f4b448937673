#!/usr/bin/env bash
# fmnist.sh -- the INT8 proof on the Fashion-MNIST sample:
#     bash tests/quant/fmnist.sh QCC Q8EVAL WORKDIR [N_CALIB] [METHODS]
# 1. N_CALIB (default 500) calibration images from the TRAIN set
#    (make_calib.py; the test set is never used for calibration);
# 2. FP32 object and, per calibration method (default: the default one),
#    an INT8 object (LLVM) and INT8 C (gcc) classify the 10,000 test
#    images; the INT8 accuracy must be within 1 point of FP32's;
# 3. the object's and the C backend's logits must be byte-identical on all
#    10,000 images, and the interpreter's (q8eval) on the first 500.
set -eu
qcc=$1
q8eval=$2
work=$3
ncal=${4:-500}
methods=${5:-default}
here=$(cd "$(dirname "$0")" && pwd)
sample=$here/../../samples/fmnist
mkdir -p "$work"
/usr/bin/python3 "$here/make_calib.py" "$work/calib" "$ncal"

build() {  # build NAME QCC-FLAGS...: NAME.o and NAME.c -> classify_NAME{,_c}
	local name=$1
	shift
	"$qcc" "$sample/model.onnx" -name=fmnist -o "$work/$name.o" "$@"
	"$qcc" "$sample/model.onnx" -name=fmnist -emit=c -o "$work/${name}_c.c" "$@"
	mkdir -p "$work/$name" "$work/${name}_c"
	cp "$work/$name.h" "$work/$name/fmnist.h"
	cp "$work/${name}_c.h" "$work/${name}_c/fmnist.h"
	cc -std=c11 -O2 -I"$work/$name" "$sample/classify.c" "$work/$name.o" -lm \
		-o "$work/classify_$name"
	gcc -std=c11 -O2 -I"$work/${name}_c" "$sample/classify.c" "$work/${name}_c.c" \
		-lm -o "$work/classify_${name}_c"
}

acc() {  # acc PROGRAM LOGITS: prints the accuracy line's fraction
	"$1" -logits "$2" | tail -n1 | sed 's/.*= \([0-9.]*\),.*/\1/'
}

build fp32
fp=$(acc "$work/classify_fp32" "$work/fp32.bin")
echo "FP32 top-1 $fp"
fail=0
for m in $methods; do
	flags="-quantize=int8 -calib=$work/calib"
	[ "$m" = default ] || flags="$flags -calib-method=$m"
	build "int8_$m" $flags
	a=$(acc "$work/classify_int8_$m" "$work/int8_$m.bin")
	ac=$(acc "$work/classify_int8_${m}_c" "$work/int8_${m}_c.bin")
	echo "INT8 ($m) top-1 $a (C backend $ac), FP32 $fp"
	cmp "$work/int8_$m.bin" "$work/int8_${m}_c.bin" ||
		{ echo "FAIL: object and C logits differ"; fail=1; }
	"$q8eval" "$sample/model.onnx" "$work/calib" 500 "$work/eval_$m.bin" \
		$( [ "$m" = default ] || echo "-calib-method=$m" )
	cmp -n 20000 "$work/int8_$m.bin" "$work/eval_$m.bin" ||
		{ echo "FAIL: object and interpreter logits differ"; fail=1; }
	awk -v a="$a" -v f="$fp" 'BEGIN { exit !(f - a <= 0.01) }' ||
		{ echo "FAIL: INT8 $a is more than 1 point below FP32 $fp"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok: INT8 within 1 point, object = C = interpreter"
exit $fail
