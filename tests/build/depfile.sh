#!/usr/bin/env bash
# depfile.sh QCC MODELS_DIR -- qcc -MD/-MF writes a Makefile rule naming the
# output and every input file, that Make and Ninja both read, and writes it
# only when the compile succeeds.
set -u
qcc=$(realpath "$1")
models=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
cd "$work"

# The rule, exactly: output, then the one input, the model.
cp "$models/good.onnx" net.onnx
"$qcc" net.onnx -o net.o -MD -MF net.d || fail "qcc -MD -MF net.d"
printf 'net.o: \\\n  net.onnx\n' >want.d
cmp -s net.d want.d || fail "net.d is not 'net.o: net.onnx': $(cat net.d)"

# -MD alone: the output's name with .d; absolute paths stay absolute.
mkdir out
"$qcc" "$work/net.onnx" -o out/x.c -emit=c -MD || fail "qcc -emit=c -MD"
[ -f out/x.d ] || fail "-MD without -MF writes out/x.d"
grep -qxF "  $work/net.onnx" out/x.d || fail "out/x.d lists $work/net.onnx: $(cat out/x.d)"

# With calibration data: the folder and every file in it, sorted.
npy() { # npy FILE: a float32 [1,2,5,5] sample, 0.5 and -1 alternating
	local h="{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 5, 5), }"
	while [ $(( (10 + ${#h} + 1) % 64 )) -ne 0 ]; do h="$h "; done
	{ printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $(( (${#h} + 1) % 256 )))\\x$(printf %02x $(( (${#h} + 1) / 256 )))"
	  printf '%s\n' "$h"
	  for i in $(seq 25); do printf '\x00\x00\x00\x3f\x00\x00\x80\xbf'; done; } >"$1"
}
mkdir calib
npy calib/b.npy
npy calib/a.npy
"$qcc" net.onnx -o q.o -quantize=int8 -calib=calib -MD -MF q.d || fail "qcc -quantize=int8 -calib=calib -MD"
printf 'q.o: \\\n  net.onnx \\\n  calib \\\n  calib/a.npy \\\n  calib/b.npy\n' >want-q.d
cmp -s q.d want-q.d || fail "q.d does not list the model, calib and its files: $(cat q.d)"

# Names with spaces, '#' and '$', escaped; make parses them back.
mkdir 'a dir'
cp net.onnx 'a dir/m #1$.onnx'
"$qcc" 'a dir/m #1$.onnx' -o 'a dir/o #1.o' -MD -MF 'a dir/o.d' || fail "qcc on odd names"
grep -qF 'a\ dir/o\ \#1.o:' 'a dir/o.d' || fail "target escaped: $(cat 'a dir/o.d')"
grep -qF 'a\ dir/m\ \#1$$.onnx' 'a dir/o.d' || fail "prerequisite escaped: $(cat 'a dir/o.d')"
printf 'include a\\ dir/o.d\na\\ dir/o\\ \\#1.o:\n\t@echo remake\n' >Makefile
# make -p prints the rule it read, unescaped; the default goal is the output.
make -p -q 2>/dev/null | grep -qxF 'a dir/o #1.o: a dir/m #1$.onnx' ||
	fail "make does not read the escaped rule back"
touch -d '2000-01-01' 'a dir/o #1.o'
[ "$(make 2>&1)" = remake ] || fail "make: an output older than its model is not stale"
touch 'a dir/o #1.o'
[ "$(make 2>&1)" != remake ] || fail "make: a fresh output is stale"

# Ninja reads it too (deps = gcc), and finds the model as the input.
cat >build.ninja <<'NJ'
rule qcc
  command = QCC $in -o $out -MD -MF $out.d
  depfile = $out.d
  deps = gcc
build n.o: qcc net.onnx
NJ
sed -i "s|QCC|$qcc|" build.ninja
ninja -d keepdepfile >/dev/null || fail "ninja build with the depfile"
ninja -t deps n.o | grep -qE '^ +net.onnx$' || fail "ninja recorded net.onnx: $(ninja -t deps n.o)"
ninja -n | grep -q 'no work to do' || fail "ninja: second build not a no-op"

# Failed compiles leave no depfile (and no temporary).
"$qcc" "$models/unknown_op.onnx" -o bad.o -MD 2>/dev/null && fail "unknown_op compiles"
[ ! -e bad.d ] || fail "a failed compile wrote bad.d"
ls | grep -q tmp && fail "temporary files left: $(ls)"
"$qcc" net.onnx -emit=ir -MD >/dev/null 2>err.txt && fail "-MD to stdout without -MF accepted"
grep -q 'needs -MF' err.txt || fail "no usage message for -MD to stdout: $(cat err.txt)"

echo "$fails failures"
[ "$fails" -eq 0 ]
