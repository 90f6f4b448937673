#!/usr/bin/env bash
# sample_cmake.sh BUILD_DIR SOURCE_DIR -- installs qcc into a temporary
# prefix, then builds samples/cmake (copied into a temporary folder) with
# Ninja against the INSTALLED package, runs it, and checks what a touched
# model and a new qcc rebuild: the model, then the program, nothing else.
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
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >install.log 2>&1 || { cat install.log; fail "cmake --install"; }
rm -f install.log
[ -x "$prefix/bin/qcc" ] || fail "no bin/qcc under the prefix"
"$prefix/bin/qcc" --version | grep -q '^qcc version' || fail "installed qcc --version"
[ -f "$prefix/share/man/man1/qcc.1" ] || fail "no share/man/man1/qcc.1"
MANPATH=$prefix/share/man MANWIDTH=80 man qcc 2>/dev/null | grep -q -- '-MF FILE' ||
	fail "man qcc with the prefix's MANPATH does not show the page"
pkg=$(dirname "$(find "$prefix" -name qccConfig.cmake)")
for f in qccConfig.cmake qccConfigVersion.cmake qccTargets.cmake QccAddModel.cmake; do
	[ -f "$pkg/$f" ] || fail "package file $f missing in $pkg"
done

# The version file refuses a newer major version.
mkdir "$work/v9"
printf 'cmake_minimum_required(VERSION 3.20)\nproject(v NONE)\nfind_package(qcc 9 REQUIRED)\n' \
	>"$work/v9/CMakeLists.txt"
cmake -S "$work/v9" -B "$work/v9/b" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1 &&
	fail "find_package(qcc 9) accepted version 0.1"

cp -r "$src/samples/cmake" "$work/src"
b=$work/b
cmake -S "$work/src" -B "$b" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$work/cfg.log" 2>&1 ||
	{ cat "$work/cfg.log"; fail "configure the sample against the installed package"; }
grep -qF "$prefix/bin/qcc" "$b/build.ninja" || fail "the sample does not run the installed qcc"
ninja -C "$b" >"$work/first.log" 2>&1 || { cat "$work/first.log"; fail "build the sample"; }
"$b/app" >"$work/out.txt" || fail "run the sample"
same_numbers "$work/out.txt" "$src/samples/cmake/expected.txt" ||
	fail "sample output $(tr '\n' ' ' <"$work/out.txt") != expected $(tr '\n' ' ' <"$src/samples/cmake/expected.txt")"
[ -f "$b/tiny.d" ] || fail "qcc_add_model wrote no depfile"
ninja -C "$b" -n | grep -q 'no work to do' || fail "a second build is not a no-op"

# Touch the model: exactly qcc, then what links it run again.  qcc leaves
# an unchanged tiny.h untouched, so app.c (which includes it) is not
# recompiled, and input.c is not either.
sleep 1
touch "$work/src/tiny.onnx"
ninja -C "$b" -n -d explain >"$work/explain.log" 2>&1
grep -q 'explain: .*tiny.h is dirty' "$work/explain.log" || fail "ninja does not see tiny.onnx changed"
ninja -C "$b" >"$work/rebuild.log" 2>&1 || fail "rebuild after touching the model"
steps=$(sed -n 's/^\[[0-9]*\/[0-9]*\] //p' "$work/rebuild.log" | sed 's/ [^ ]*$//' | sort | tr '\n' '|')
want='Linking C executable|Linking C static library|qcc: compiling model tiny.onnx into|'
[ "$steps" = "$want" ] || fail "rebuild steps after touching the model: $steps"
grep -q 'app.c.o' "$work/rebuild.log" && fail "app.c rebuilt though tiny.h did not change"
grep -q 'input.c.o' "$work/rebuild.log" && fail "input.c rebuilt though it does not use the model"
"$b/app" >"$work/out2.txt" && same_numbers "$work/out2.txt" "$src/samples/cmake/expected.txt" ||
	fail "rebuilt sample output differs"

# A new qcc recompiles the model.
sleep 1
touch "$prefix/bin/qcc"
ninja -C "$b" >"$work/qcc.log" 2>&1 || fail "rebuild after touching qcc"
grep -q 'qcc: compiling model' "$work/qcc.log" || fail "touching qcc does not recompile the model"
grep -q 'input.c.o' "$work/qcc.log" && fail "touching qcc rebuilt input.c"

echo "$fails failures"
[ "$fails" -eq 0 ]
