#!/usr/bin/env bash
# int8_x86.sh -- the x86 INT8 convolution kernels of qgemm_direct.c (AVX2
# with -target=x86-64, AVX512-VNNI with -mattr=...,+avx512vnni) give the
# same logits as the C backend, byte for byte:
#
#     bash tests/quant/int8_x86.sh QCC WORKDIR N MODEL.onnx...
#
# Per model (a Fashion-MNIST classifier named fmnist for
# samples/fmnist/classify.c): 200 calibration images from the train set,
# then qcc -quantize=int8 builds the C backend's net.c (gcc), an
# x86-64-v3 object (its assembly must contain vpmaddwd) and an object
# with -mattr=+avx512f,+avx512bw,+avx512vnni,+evex512 (its assembly must
# contain vpdpbusd), and an x86-64-v3 object with -no-winograd (no
# integer Winograd, so its 3x3 weights take 9/16 the words: its object
# must be no larger than the default x86-64-v3 one, and smaller for a
# model with such convolutions, fmnist's); all classify the first
# N test images and the objects' logits must equal the C build's byte for
# byte.  Without AVX512-VNNI on this CPU the VNNI object does not run.
# Exit status 0 pass, 1 fail, 77 skip (no AVX2, no data set).
set -eu
qcc=$1 work=$2 n=$3
shift 3
src=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
vnni=-mattr=+avx512f,+avx512bw,+avx512vnni,+evex512
grep -qw avx2 /proc/cpuinfo || { echo "SKIP: no AVX2"; exit 77; }
builds="avx2 direct"
grep -qw avx512_vnni /proc/cpuinfo && builds="avx2 direct vnni"
[ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "SKIP: no $data"; exit 77; }
mkdir -p "$work/data"
/usr/bin/python3 "$src/tests/quant/make_calib.py" "$work/calib" 200 >/dev/null

# The first n test images and labels as plain idx files.
/usr/bin/python3 - "$data" "$work/data" "$n" <<'PY'
import gzip, os, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name, hdr, rec in (("t10k-images-idx3-ubyte", 16, 784), ("t10k-labels-idx1-ubyte", 8, 1)):
    raw = gzip.open(os.path.join(src, name + ".gz")).read()
    with open(os.path.join(dst, name), "wb") as f:
        f.write(raw[:4] + n.to_bytes(4, "big") + raw[8:hdr] + raw[hdr:hdr + n * rec])
PY

# build DIR CC QCC-FLAGS...: DIR/classify for $model, run on the subset.
build() {
	local d=$1 cc=$2 ext=o
	shift 2
	case " $* " in *" -emit=c "*) ext=c ;; esac
	mkdir -p "$d"
	"$qcc" "$model" -name=fmnist -quantize=int8 -calib="$work/calib" \
		-o "$d/fmnist.$ext" "$@"
	$cc -std=c11 -O2 -I"$d" "$src/samples/fmnist/classify.c" "$d/fmnist.$ext" \
		-lm -o "$d/classify"
	"$d/classify" -data "$work/data" -logits "$d/logits.bin" >/dev/null
}

status=0
for model in "$@"; do
	m=$(basename "$(dirname "$model")")
	out=$work/$m
	rm -rf "$out"
	build "$out/c" gcc -emit=c
	for b in $builds; do
		case $b in
		avx2) flags=-target=x86-64 insn=vpmaddwd ;;
		direct) flags="-target=x86-64 -no-winograd" insn=vpmaddwd ;;
		vnni) flags=$vnni insn=vpdpbusd ;;
		esac
		build "$out/$b" "${CC:-cc}" $flags
		"$qcc" "$model" -name=fmnist -quantize=int8 \
			-calib="$work/calib" -emit=asm -o "$out/$b.s" $flags
		if ! grep -q "$insn" "$out/$b.s"; then
			echo "FAIL $m: no $insn in the $b object's assembly"
			status=1
		fi
		if cmp "$out/c/logits.bin" "$out/$b/logits.bin"; then
			echo "ok   $m: $b logits = C backend's ($n images)"
		else
			echo "FAIL $m: $b logits differ from the C backend's"
			status=1
		fi
	done
	direct=$(stat -c %s "$out/direct/fmnist.o")
	wino=$(stat -c %s "$out/avx2/fmnist.o")
	if [ "$direct" -gt "$wino" ] ||
	   { [ "$m" = fmnist ] && [ "$direct" -ge "$wino" ]; }; then
		echo "FAIL $m: -no-winograd object $direct bytes, default $wino"
		status=1
	fi
done
exit $status
