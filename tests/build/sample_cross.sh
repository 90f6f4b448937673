#!/usr/bin/env bash
# sample_cross.sh BUILD_DIR SOURCE_DIR -- builds samples/cmake for aarch64
# with its toolchain file against the package in qcc's BUILD tree: the model
# is compiled for -target=armv8 (derived from CMAKE_SYSTEM_PROCESSOR) and
# the program, run under qemu-aarch64, prints the expected numbers.
set -u
build=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
same_numbers() { # FILE EXPECTED: equal line by line within 2e-4
	[ "$(wc -l <"$1")" -eq "$(wc -l <"$2")" ] &&
		paste "$1" "$2" | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 2e-4) exit 1 }'
}
for tool in aarch64-linux-gnu-gcc qemu-aarch64; do
	command -v $tool >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done

b=$work/b
cmake -S "$src/samples/cmake" -B "$b" -G Ninja -Dqcc_DIR="$build" \
	-DCMAKE_TOOLCHAIN_FILE="$src/samples/cmake/aarch64-linux-gnu.cmake" >"$work/cfg.log" 2>&1 ||
	{ cat "$work/cfg.log"; fail "configure for aarch64 against the build tree"; }
ninja -C "$b" -v >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build for aarch64"; }
grep -q -- "$build/.*qcc .*-target=armv8" "$work/build.log" ||
	fail "qcc from the build tree not run with -target=armv8: $(grep -- -name= "$work/build.log")"
file "$b/tiny.o" | grep -q 'ARM aarch64' || fail "tiny.o is not an aarch64 object: $(file "$b/tiny.o")"
file "$b/app" | grep -q 'ARM aarch64' || fail "app is not an aarch64 program"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$b/app" >"$work/out.txt" || fail "run under qemu-aarch64"
same_numbers "$work/out.txt" "$src/samples/cmake/expected.txt" ||
	fail "aarch64 output $(tr '\n' ' ' <"$work/out.txt") != expected"

# TARGET given explicitly wins over the processor.
mkdir "$work/t"
cp "$src/samples/cmake/"{app.c,input.c,input.h,tiny.onnx} "$work/t/"
sed 's/qcc_add_model(tiny MODEL tiny.onnx)/qcc_add_model(tiny MODEL tiny.onnx TARGET riscv64 MCPU generic-rv64 OPTIONS -O3)/' \
	"$src/samples/cmake/CMakeLists.txt" >"$work/t/CMakeLists.txt"
cmake -S "$work/t" -B "$work/t/b" -G Ninja -Dqcc_DIR="$build" \
	-DCMAKE_TOOLCHAIN_FILE="$src/samples/cmake/aarch64-linux-gnu.cmake" >/dev/null 2>&1 ||
	fail "configure with TARGET riscv64"
ninja -C "$work/t/b" -v tiny.o 2>&1 | grep -q -- '-target=riscv64 -mcpu=generic-rv64 -O3' ||
	fail "TARGET/MCPU/OPTIONS not passed to qcc"
file "$work/t/b/tiny.o" | grep -qi 'RISC-V' || fail "TARGET riscv64 did not give a RISC-V object"

echo "$fails failures"
[ "$fails" -eq 0 ]
