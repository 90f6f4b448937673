#!/usr/bin/env bash
# run.sh -- builds the Fashion-MNIST sample (samples/fmnist) for an ARM
# board and a RISC-V board and runs both under qemu-user.
#
#     bash samples/cross/run.sh QCC OUTDIR [N]
#
# For each board, qcc compiles samples/fmnist/model.onnx into a standalone
# object for that CPU, Debian's cross gcc links it -static with the
# unchanged classify.c, and qemu-user runs the program on the first N test
# images (default 100; qemu emulates RVV slowly, about 0.7 s per image):
#
#   arm      -target=armv8 -mcpu=cortex-a72     aarch64-linux-gnu-gcc
#            qemu-aarch64 -cpu cortex-a72
#   riscv    -target=riscv64                    riscv64-linux-gnu-gcc
#            qemu-riscv64 -cpu rv64,v=true,vlen=128 and vlen=256 (one
#            object: the vector code is vector-length agnostic)
#
# The same N images are classified on the host first; the script fails
# unless every board predicts exactly the host's classes.  The first N
# images are written to OUTDIR/data as plain idx files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fmnist=$here/../fmnist
data_dir=/usr/share/datasets/fashion-mnist
if [ $# -lt 2 ]; then
	echo "usage: bash samples/cross/run.sh QCC OUTDIR [N]" >&2
	exit 2
fi
qcc=$1 out=$2 n=${3:-100}
for tool in aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc qemu-aarch64 \
	qemu-riscv64; do
	command -v $tool >/dev/null || { echo "run.sh: $tool is missing" >&2; exit 77; }
done
[ -f "$data_dir/t10k-images-idx3-ubyte.gz" ] ||
	{ echo "run.sh: no $data_dir (apt-get install dataset-fashion-mnist)" >&2; exit 77; }
mkdir -p "$out/data"

# The first n images and labels: the idx header with the count replaced,
# then n records (28 * 28 bytes per image, 1 per label).
subset() {   # FILE.gz HEADER_BYTES RECORD_BYTES OUT
	local hdr=$2 rec=$3
	gzip -dc "$1" | head -c $((hdr + n * rec)) >"$4.tmp"
	{
		head -c 4 "$4.tmp"
		printf "$(printf '\\%03o' $((n >> 24 & 255)) $((n >> 16 & 255)) \
			$((n >> 8 & 255)) $((n & 255)))"
		tail -c +9 "$4.tmp"
	} >"$4"
	rm -f "$4.tmp"
}
subset "$data_dir/t10k-images-idx3-ubyte.gz" 16 784 "$out/data/t10k-images-idx3-ubyte"
subset "$data_dir/t10k-labels-idx1-ubyte.gz" 8 1 "$out/data/t10k-labels-idx1-ubyte"

# board NAME "QCC FLAGS" "CC [-static]": compiles OUTDIR/NAME/classify.
board() {
	local name=$1 flags=$2 cc=$3 d=$out/$1
	mkdir -p "$d"
	"$qcc" "$fmnist/model.onnx" $flags -o "$d/fmnist.o"
	grep -m1 ' target ' "$d/fmnist.h"
	$cc -std=c11 -O2 -Wall -Wextra -I"$d" \
		"$fmnist/classify.c" "$d/fmnist.o" -lm -o "$d/classify"
}

# run NAME RUNNER...: classifies the subset, checks against the host.
run() {
	local name=$1 d=$out/$1
	shift
	echo "== $name: $*${*:+ }classify ($n images)"
	"$@" "$d/classify" -data "$out/data" -o "$d/pred.$$.bin" | grep -v '^$'
	if [ -f "$out/host/pred.bin" ] && ! cmp -s "$d/pred.$$.bin" "$out/host/pred.bin"; then
		echo "run.sh: $name predicts differently from the host" >&2
		exit 1
	fi
	mv "$d/pred.$$.bin" "$d/pred.bin"
}

rm -f "$out/host/pred.bin"
board host "" "${CC:-cc}"
run host
board arm "-target=armv8 -mcpu=cortex-a72" "aarch64-linux-gnu-gcc -static"
run arm qemu-aarch64 -cpu cortex-a72
board riscv "-target=riscv64" "riscv64-linux-gnu-gcc -static"
run riscv qemu-riscv64 -cpu rv64,v=true,vlen=128
run riscv qemu-riscv64 -cpu rv64,v=true,vlen=256
echo "run.sh: the ARM and RISC-V builds predict the host's classes for all $n images"
