#!/usr/bin/env bash
# bench.sh -- pm1 (W1A1, W2A2) against int8 and int4: speed on the host and
# executed instructions under qemu-user for armv8 and riscv64 (not a test).
#
#     bash tests/pm1/bench.sh [QCC]
#
# Models: bench_models.py's conv (a 3x3 64->64 conv on 16x16, 9.4M MACs)
# and gemm (1024x1024, batch 1, 1.0M MACs) microbenchmarks, and the
# Fashion-MNIST sample (samples/fmnist).  The first and last layers stay
# 8-bit in every mode, so the big layer is what changes.  Compiles use 4
# calibration samples, min-max 4-bit grids and no bias correction: the
# speed of the kernels does not depend on them, the compile time does.
# Host: median of RUNS (default 200) runs of the host object (-mcpu=native).
# armv8, riscv64 (rv64gcv, VLEN 128): the objects linked -static by the
# cross gcc and run under qemu-user with insn_count.so (a TCG plugin built
# here from insn_count.c); the count of one inference is (count of 3 runs -
# count of 1 run) / 2, so start-up and input set-up cancel out.
# Environment: QCC_BUILD_DIR (default build/), RUNS, MODES (the -quantize
# modes, the first is the baseline), WORK (default
# /tmp/qcc-pm1-bench).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/pm1
qcc=${1:-${QCC_BUILD_DIR:-$root/build}/frontend/qcc}
runs=${RUNS:-200}
work=${WORK:-/tmp/qcc-pm1-bench}
py=/usr/bin/python3
modes=${MODES:-"int8 w4a4 pm1:w2a2 pm1:w1a1"}
qflags="-calib-limit=4 -int4-acts=minmax -no-bias-correct"

rm -rf "$work" && mkdir -p "$work"
$py "$here/bench_models.py" "$work" >/dev/null
$py "$root/tests/quant/make_calib.py" "$work/fmnist_calib" 50 batch >/dev/null
cp "$root/samples/fmnist/model.onnx" "$work/fmnist.onnx"
cc -shared -fPIC -O2 -o "$work/insn_count.so" "$here/insn_count.c"
have_arm=0 have_rv=0
command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null && have_arm=1
command -v riscv64-linux-gnu-gcc >/dev/null && command -v qemu-riscv64 >/dev/null && have_rv=1

# insns DIR GCC QEMU...: instructions of one inference of DIR/net.o
insns() {
	local dir=$1 gcc=$2
	shift 2
	"$gcc" -O2 -static -I"$dir" "$here/bench_pm1.c" "$dir/net.o" -o "$dir/run" -lm
	local a b
	a=$("$@" -plugin "$work/insn_count.so" -d plugin "$dir/run" run 1 2>&1 | sed -n 's/^insns //p')
	b=$("$@" -plugin "$work/insn_count.so" -d plugin "$dir/run" run 3 2>&1 | sed -n 's/^insns //p')
	echo $(((b - a) / 2))
}

printf '%-7s %-9s %10s %8s %14s %8s %14s %8s\n' model mode host_us x_int8 \
	armv8_insns x_int8 riscv64_insns x_int8
for m in conv gemm fmnist; do
	base_h= base_a= base_r=
	for mode in $modes; do
		d=$work/$m-${mode/:/_}
		mkdir -p "$d"
		"$qcc" "$work/$m.onnx" -quantize=$mode -calib="$work/${m}_calib" \
			-calib-method=minmax $qflags -mcpu=native -name=net -o "$d/net.o"
		cc -O2 -I"$d" "$here/bench_pm1.c" "$d/net.o" -o "$d/bench" -lm
		h=$("$d/bench" time "$runs")
		a=- r=-
		if [ $have_arm = 1 ]; then
			mkdir -p "$d/arm"
			"$qcc" "$work/$m.onnx" -quantize=$mode -calib="$work/${m}_calib" \
				-calib-method=minmax $qflags -target=armv8 -name=net -o "$d/arm/net.o"
			a=$(insns "$d/arm" aarch64-linux-gnu-gcc qemu-aarch64)
		fi
		if [ $have_rv = 1 ]; then
			mkdir -p "$d/rv"
			"$qcc" "$work/$m.onnx" -quantize=$mode -calib="$work/${m}_calib" \
				-calib-method=minmax $qflags -target=riscv64 -name=net -o "$d/rv/net.o"
			r=$(insns "$d/rv" riscv64-linux-gnu-gcc qemu-riscv64 -cpu rv64,v=true,vlen=128)
		fi
		[ -n "$base_h" ] || { base_h=$h base_a=$a base_r=$r; }
		ratio() { [ "$1" = - ] && echo - || awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
		printf '%-7s %-9s %10s %8s %14s %8s %14s %8s\n' "$m" "$mode" "$h" \
			"$(ratio "$h" "$base_h")" "$a" "$(ratio "$a" "$base_a")" \
			"$r" "$(ratio "$r" "$base_r")"
	done
done
echo "x_int8: int8's number / this mode's (above 1: faster than int8)"
