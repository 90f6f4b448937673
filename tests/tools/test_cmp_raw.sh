#!/usr/bin/env bash
# test_cmp_raw.sh -- cmp_raw must accept values within tolerance and reject
# values outside it, NaNs and files of different lengths.
# Usage: test_cmp_raw.sh CMP_RAW WORKDIR
set -u
cmp=$1 dir=$2
mkdir -p "$dir"
fails=0

# Writes the floats given as arguments to a raw float32 file.
f32() {
	local out=$1; shift
	printf '%s\n' "$@" | LC_ALL=C awk '
		function put(b) { printf "%c", b }
		{ x = $1 + 0; s = 0; if (x < 0) { s = 1; x = -x }
		  if ($1 == "nan") { put(0); put(0); put(192); put(127); next }
		  if (x == 0) { put(0); put(0); put(0); put(s * 128); next }
		  e = 127; while (x >= 2) { x /= 2; e++ } while (x < 1) { x *= 2; e-- }
		  m = int((x - 1) * 8388608 + 0.5)
		  put(m % 256); put(int(m / 256) % 256)
		  put(int(m / 65536) % 128 + (e % 2) * 128); put(s * 128 + int(e / 2)) }' \
		>"$out"
}

expect() {   # expect STATUS ARGS...
	local want=$1; shift
	"$cmp" "$@" >"$dir/out.txt" 2>&1
	local got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: cmp_raw $* exited $got, expected $want:"; cat "$dir/out.txt"
		fails=$((fails + 1))
	else
		echo "ok: cmp_raw $* -> $got ($(head -n1 "$dir/out.txt"))"
	fi
}

f32 "$dir/ref.bin" 1 -2 100 0.5
f32 "$dir/same.bin" 1 -2 100 0.5
f32 "$dir/close.bin" 1.0005 -2.001 100.05 0.5000049
f32 "$dir/far.bin" 1 -2 100.2 0.5
f32 "$dir/nan.bin" 1 -2 nan 0.5
f32 "$dir/short.bin" 1 -2 100

expect 0 "$dir/same.bin" "$dir/ref.bin"
expect 0 "$dir/close.bin" "$dir/ref.bin"
expect 1 "$dir/far.bin" "$dir/ref.bin"
expect 1 "$dir/nan.bin" "$dir/ref.bin"
expect 2 "$dir/short.bin" "$dir/ref.bin"
expect 1 -rtol 1e-5 -atol 0 "$dir/close.bin" "$dir/ref.bin"
# max |d| = 0.2 against max |ref| = 100: 2e-3 of the scale.
expect 0 -scaletol 3e-3 "$dir/far.bin" "$dir/ref.bin"
expect 1 -scaletol 1e-3 "$dir/far.bin" "$dir/ref.bin"
expect 1 -scaletol 1 "$dir/nan.bin" "$dir/ref.bin"

[ "$fails" -eq 0 ] && echo "cmp_raw: all checks passed"
[ "$fails" -eq 0 ]
