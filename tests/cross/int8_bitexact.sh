#!/usr/bin/env bash
# int8_bitexact.sh -- an INT8 model gives byte-identical logits on the
# host object, the C backend, and the armv8 and riscv64 objects under qemu:
#
#     bash tests/cross/int8_bitexact.sh QCC WORKDIR N MODEL.onnx...
#
# Per model (a Fashion-MNIST classifier, 1x1x28x28 -> 10, named fmnist for
# samples/fmnist/classify.c): 500 calibration images from the train set
# (tests/quant/make_calib.py), then qcc -quantize=int8 with the same
# calibration builds
#   host    the host object, linked by cc
#   c       -emit=c, compiled by gcc
#   arm     -target=armv8 -mcpu=cortex-a72, aarch64-linux-gnu-gcc -static,
#           run by qemu-aarch64 -cpu cortex-a72
#   riscv   -target=riscv64, riscv64-linux-gnu-gcc -static, run by
#           qemu-riscv64 -cpu rv64,v=true with vlen=128 and vlen=256
# and each classifies the first N test images (classify -logits); with
# Q8EVAL=PATH (tests/quant/q8eval.c) the interpreter's integer mode gives
# its logits for the same images too.  Fails unless every logits file
# equals the host object's byte for byte.  The whole test set (10,000
# images, hours under qemu) is samples/common/int8_bitexact_all.sh.
# Exit status 0 pass, 1 fail, 77 skip (no cross tools or no data set).
set -eu
if [ $# -lt 4 ]; then
	echo "usage: bash tests/cross/int8_bitexact.sh QCC WORKDIR N MODEL.onnx..." >&2
	exit 2
fi
qcc=$1 work=$2 n=$3
shift 3
src=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
for tool in aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc qemu-aarch64 \
	qemu-riscv64 gcc; do
	command -v $tool >/dev/null || { echo "SKIP: $tool is missing"; exit 77; }
done
[ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "SKIP: no $data"; exit 77; }
mkdir -p "$work/data"
/usr/bin/python3 "$src/tests/quant/make_calib.py" "$work/calib" 500

# The first n test images and labels as plain idx files.
/usr/bin/python3 - "$data" "$work/data" "$n" <<'EOF'
import gzip, os, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name, hdr, rec in (("t10k-images-idx3-ubyte", 16, 784), ("t10k-labels-idx1-ubyte", 8, 1)):
    raw = gzip.open(os.path.join(src, name + ".gz")).read()
    with open(os.path.join(dst, name), "wb") as f:
        f.write(raw[:4] + n.to_bytes(4, "big") + raw[8:hdr] + raw[hdr:hdr + n * rec])
EOF

# build DIR CC QCC-FLAGS...: DIR/classify for the model in $model.
build() {
	local d=$1 cc=$2 ext=o
	shift 2
	case " $* " in *" -emit=c "*) ext=c ;; esac
	mkdir -p "$d"
	"$qcc" "$model" -name=fmnist -quantize=int8 -calib="$work/calib" \
		-o "$d/fmnist.$ext" "$@"
	$cc -std=c11 -O2 -I"$d" "$src/samples/fmnist/classify.c" "$d/fmnist.$ext" \
		-lm -o "$d/classify"
}

# run DIR NAME RUNNER...: classifies the subset into DIR/NAME.bin.
run() {
	local d=$1 name=$2
	shift 2
	"$@" "$d/classify" -data "$work/data" -logits "$out/$name.bin" | tail -n1
}

status=0
for model in "$@"; do
	m=$(basename "$(dirname "$model")")
	out=$work/$m
	rm -rf "$out"
	mkdir -p "$out"
	# Four compilations with the same calibration, in parallel.
	build "$out/host" "${CC:-cc}" &
	build "$out/c" gcc -emit=c &
	build "$out/arm" "aarch64-linux-gnu-gcc -static" -target=armv8 -mcpu=cortex-a72 &
	build "$out/riscv" "riscv64-linux-gnu-gcc -static" -target=riscv64 &
	wait
	for d in host c arm riscv; do
		[ -x "$out/$d/classify" ] || { echo "FAIL $m: $d did not build"; exit 1; }
	done
	run "$out/host" host
	run "$out/c" c
	run "$out/arm" arm qemu-aarch64 -cpu cortex-a72 &
	run "$out/riscv" riscv128 qemu-riscv64 -cpu rv64,v=true,vlen=128 &
	run "$out/riscv" riscv256 qemu-riscv64 -cpu rv64,v=true,vlen=256 &
	names="c arm riscv128 riscv256"
	if [ -n "${Q8EVAL:-}" ]; then
		"$Q8EVAL" "$model" "$work/calib" "$n" "$out/interp.bin" &
		names="$names interp"
	fi
	wait
	for name in $names; do
		if cmp "$out/host.bin" "$out/$name.bin"; then
			echo "ok   $m: $name logits = host object's ($n images, $(wc -c <"$out/host.bin") bytes)"
		else
			echo "FAIL $m: $name logits differ from the host object's"
			status=1
		fi
	done
done
exit $status
