#!/usr/bin/env bash
# cli.sh QCC MODELS_DIR -- the driver's documented behaviour on a good model.
set -u
qcc=$(realpath "$1")
models=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

"$qcc" --version | grep -Eq '^qcc version [0-9]+\.[0-9]+' || fail "--version"
"$qcc" --help | grep -q -- '-emit=' || fail "--help lists -emit"
"$qcc" --help | grep -q 'fold-bn' || fail "--help lists the passes"

cd "$work"
cp "$models/good.onnx" my-model.onnx
# Default output: the model's base name; the name made a C identifier.
"$qcc" my-model.onnx || fail "default compile"
[ -f my-model.o ] && [ -f my-model.h ] || fail "default output my-model.o + my-model.h"
grep -q 'int my_model_run(const void \*const inputs\[\], void \*const outputs\[\], void \*scratch);' my-model.h ||
	fail "header declares my_model_run"
grep -q '#define MY_MODEL_SCRATCH_SIZE' my-model.h || fail "header has MY_MODEL_SCRATCH_SIZE"

"$qcc" my-model.onnx -o net.o || fail "compile -o net.o"
[ -z "$(nm -u net.o)" ] || fail "net.o has undefined symbols: $(nm -u net.o | tr '\n' ' ')"
cp net.o first.o && cp net.h first.h
"$qcc" my-model.onnx -o net.o || fail "second compile"
cmp -s net.o first.o || fail "object not byte-identical across runs"
cmp -s net.h first.h || fail "header not byte-identical across runs"
touch -d '2001-01-01' net.h
"$qcc" my-model.onnx -o net.o || fail "third compile"
[ "$(stat -c %Y net.h)" = "$(date -d 2001-01-01 +%s)" ] || fail "an unchanged header was rewritten"

"$qcc" my-model.onnx -emit=c -o net.c || fail "-emit=c"
[ -f net.c ] && [ -f net.h ] || fail "-emit=c writes net.c and net.h"
"$qcc" my-model.onnx -emit=c -o my-net.c || fail "-emit=c -o my-net.c"
gcc -std=c99 -Wall -Wextra -Werror -pedantic -c my-net.c -o my-net-c.o || fail "my-net.c includes my-net.h and compiles"
[ "$(stat -c %a my-net.c)" != 600 ] || fail "outputs are created mode 0600"
# -mattr=+avx512f means the 512-bit registers too, as in clang
"$qcc" my-model.onnx -target=x86-64 -mattr=+avx512f,+avx512bw -o avx512.o ||
	fail "-target=x86-64 -mattr=+avx512f,+avx512bw"
"$qcc" my-model.onnx -emit=llvm -o net.ll || fail "-emit=llvm"
grep -q 'define.*@net_run' net.ll || fail "net.ll defines net_run"
"$qcc" my-model.onnx -emit=asm -o net.s || fail "-emit=asm"
grep -q 'net_run' net.s || fail "net.s has net_run"
"$qcc" my-model.onnx -emit=ir >ir.txt || fail "-emit=ir"
grep -q 'Conv' ir.txt && ! grep -q 'BatchNormalization' ir.txt || fail "-emit=ir shows the folded graph"

"$qcc" my-model.onnx -emit=ir -print-after=fold-bn >/dev/null 2>after.txt || fail "-print-after"
grep -q 'IR after fold-bn' after.txt || fail "-print-after=fold-bn prints that pass"
[ "$(grep -c 'IR after' after.txt)" -eq 1 ] || fail "-print-after prints exactly one dump"
"$qcc" my-model.onnx -emit=ir -print-after-all >/dev/null 2>all.txt || fail "-print-after-all"
[ "$(grep -c 'IR after' all.txt)" -ge 5 ] || fail "-print-after-all prints every pass"
"$qcc" my-model.onnx -emit=ir -O0 | grep -q BatchNormalization || fail "-O0 keeps BatchNormalization"

"$qcc" "$models/symbolic_dim.onnx" -D N=3 -emit=ir >sym.txt || fail "-D N=3"
grep -q 'f32\[3,4\]' sym.txt || fail "-D N=3 fixes the dimension"

# usage_error NAME REGEX ARGS...: a bad flag value is one line on stderr
# matching REGEX, exit 2, and no output file.
usage_error() {
	local name=$1 regex=$2
	shift 2
	rm -rf "$work/usage" && mkdir -p "$work/usage"
	"$qcc" my-model.onnx -o "$work/usage/net.o" "$@" 2>"$work/usage.err"
	local rc=$?
	[ "$rc" -eq 2 ] || fail "$name: exit status $rc, want 2"
	[ "$(wc -l <"$work/usage.err")" -eq 1 ] || fail "$name: not one line: $(cat "$work/usage.err")"
	grep -Eq "^qcc: error: $regex" "$work/usage.err" || fail "$name: $(cat "$work/usage.err")"
	[ -z "$(ls -A "$work/usage")" ] || fail "$name: left $(ls -A "$work/usage")"
}
usage_error "-quantize=bogus" "-quantize is .*not .bogus." -quantize=bogus
usage_error "-auto-sqnr=abc" "-auto-sqnr wants" -quantize=auto -auto-sqnr=abc
usage_error "-quant-report without -quantize" "-quant-report needs -quantize" -quant-report=q.txt
usage_error "-quant-report=q.csv" "-quant-report writes FILE.json or FILE.txt" -quantize=int8 -quant-report="$work/usage/q.csv"

echo "$fails failures"
[ "$fails" -eq 0 ]
