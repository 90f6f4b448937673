#!/usr/bin/env bash
# sample_make.sh QCC SOURCE_DIR -- builds samples/make (the program and
# model of samples/cmake, built by a plain Makefile) with GNU Make for
# the host and for aarch64 (run under qemu-aarch64); checks the output and
# that a touched model rebuilds the model and app, but not app.o (tiny.h is
# unchanged, so qcc leaves it alone) nor input.o.
set -u
qcc=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
same_numbers() { # FILE EXPECTED: equal line by line within 2e-4
	[ "$(wc -l <"$1")" -eq "$(wc -l <"$2")" ] &&
		paste "$1" "$2" | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 2e-4) exit 1 }'
}
expected=$src/samples/cmake/expected.txt
mkdir "$work/src"
cp -r "$src/samples/make" "$src/samples/cmake" "$work/src/"
mk=$work/src/make/Makefile

mkdir "$work/host" && cd "$work/host"
make -f "$mk" QCC="$qcc" >build.log 2>&1 || { cat build.log; fail "make"; }
./app >out.txt || fail "run app"
same_numbers out.txt "$expected" || fail "host output $(tr '\n' ' ' <out.txt) != expected"
grep -qx '  .*/src/make/../cmake/tiny.onnx' tiny.d || fail "tiny.d does not list the model: $(cat tiny.d)"
make -f "$mk" QCC="$qcc" | grep -q 'Nothing to be done' || fail "second make not a no-op"
sleep 1
touch "$work/src/cmake/tiny.onnx"
make -f "$mk" QCC="$qcc" >rebuild.log 2>&1 || fail "make after touching the model"
outs=$(grep -oE -- '-o [^ ]+' rebuild.log | sort | tr '\n' ' ')
[ "$outs" = "-o app -o tiny.o " ] || fail "make after touching the model rebuilt: $outs"

if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
	mkdir "$work/arm" && cd "$work/arm"
	make -f "$mk" QCC="$qcc" CROSS=aarch64-linux-gnu- TARGET=armv8 >build.log 2>&1 ||
		{ cat build.log; fail "make for aarch64"; }
	file app | grep -q 'ARM aarch64' || fail "app is not an aarch64 program"
	qemu-aarch64 -L /usr/aarch64-linux-gnu ./app >out.txt || fail "run under qemu-aarch64"
	same_numbers out.txt "$expected" || fail "aarch64 output $(tr '\n' ' ' <out.txt) != expected"
else
	echo "note: no aarch64 cross gcc or qemu; aarch64 part not run"
fi

echo "$fails failures"
[ "$fails" -eq 0 ]
