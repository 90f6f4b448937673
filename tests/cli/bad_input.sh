#!/usr/bin/env bash
# bad_input.sh QCC MODELS_DIR -- every bad input gets one located line per
# problem, exit status 1, no crash, and no output file left behind.
set -u
qcc=$(realpath "$1")
models=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

# expect NAME MODEL NLINES REGEX [extra qcc args...]
expect() {
	local name=$1 model=$2 nlines=$3 regex=$4
	shift 4
	local out="$work/$name"
	mkdir -p "$out"
	"$qcc" "$model" -o "$out/net.o" "$@" >"$out.stdout" 2>"$out.stderr"
	local rc=$?
	local why=""
	[ "$rc" -eq 1 ] || why="exit status $rc, want 1"
	local n
	n=$(wc -l <"$out.stderr")
	[ -n "$why" ] || [ "$n" -eq "$nlines" ] || why="$n lines on stderr, want $nlines"
	if [ -z "$why" ]; then
		while IFS= read -r line; do
			printf '%s\n' "$line" | grep -Eq "^$(printf '%s' "$model" | sed 's/[.[\*^$/]/\\&/g'): (node \"[^\"]*\" \([A-Za-z]+\): )?error: .+" ||
				why="not a located one-line error: $line"
			printf '%s\n' "$line" | grep -Eq -- "$regex" || why="does not match /$regex/: $line"
		done <"$out.stderr"
	fi
	[ -n "$why" ] || [ -z "$(ls -A "$out")" ] || why="left files behind: $(ls -A "$out" | tr '\n' ' ')"
	if [ -n "$why" ]; then
		echo "FAIL $name: $why"
		sed 's/^/    /' "$out.stderr"
		fails=$((fails + 1))
	else
		echo "ok   $name: $(head -n 1 "$out.stderr")"
	fi
}

expect missing_file "$models/no_such_model.onnx" 1 'error: .*(No such file|cannot open)'
expect truncated "$models/truncated.onnx" 1 'error: '
expect not_onnx "$models/not_onnx.onnx" 1 'error: '
expect unknown_op "$models/unknown_op.onnx" 2 'node "(first|second)_unknown" \((Fancy|OtherFancy)Op\): error: .*(unsupported|unknown)'
expect unknown_attr "$models/unknown_attr.onnx" 1 'node "relu_with_attr" \(Relu\): error: .*flavour'
expect bad_shapes "$models/bad_shapes.onnx" 1 'node "conv_mismatch" \(Conv\): error: '
expect cycle "$models/cycle.onnx" 1 'node "(add_a|relu_b)" \((Add|Relu)\): error: .*cycle'
expect undefined_input "$models/undefined_input.onnx" 1 'node "add_ghost" \(Add\): error: .*ghost'
expect symbolic_dim "$models/symbolic_dim.onnx" 1 'error: .*"N".*-D'
expect output_dir_missing "$models/good.onnx" 1 'error: cannot write' -o "$work/no/such/dir/net.o"
# A report or depfile that cannot be written takes the object and header with it.
expect report_dir_missing "$models/good.onnx" 1 'error: cannot write .*r\.html' --report="$work/no/such/dir/r.html"
expect depfile_dir_missing "$models/good.onnx" 1 'error: cannot write .*net\.d' -MD -MF "$work/no/such/dir/net.d"

# Both unknown operators are named in the one run.
grep -q first_unknown "$work/unknown_op.stderr" && grep -q second_unknown "$work/unknown_op.stderr" ||
	{ echo "FAIL unknown_op: not every unknown operator listed"; fails=$((fails + 1)); }

# Usage errors exit 2.
"$qcc" "$models/good.onnx" -no-such-flag >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL unknown flag: want exit 2"; fails=$((fails + 1)); }
"$qcc" "$models/good.onnx" -print-after=no-such-pass >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL unknown pass: want exit 2"; fails=$((fails + 1)); }

echo "$fails failures"
[ "$fails" -eq 0 ]
