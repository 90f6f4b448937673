#!/usr/bin/env bash
# progress.sh -- calibration shows a progress bar on stderr when stderr is
# a terminal, and nothing when it is not.  The terminal comes from
# script(1) (util-linux); without it the test is skipped (exit 77).
#     bash tests/quant/progress.sh QCC WORKDIR
set -u
qcc=$(realpath "$1")
work=$2
here=$(cd "$(dirname "$0")" && pwd)
model=$here/../cli/models/good.onnx
command -v script >/dev/null || { echo "SKIP: no script(1) to give qcc a terminal"; exit 77; }
rm -rf "$work" && mkdir -p "$work/calib" && cd "$work" || exit 1
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

/usr/bin/python3 - "$model" <<'PY'
import sys, numpy as np, onnx
i = onnx.load(sys.argv[1]).graph.input[0]
shape = [d.dim_value for d in i.type.tensor_type.shape.dim]
for k in range(7):
    np.save("calib/%s_%d.npy" % (i.name, k), np.random.RandomState(k).normal(0, 1, shape).astype(np.float32))
PY
# On a terminal: the bar, redrawn with \r, ending at 7/7 samples.
script -qec "'$qcc' '$model' -quantize=int8 -calib=calib -o tty.o" /dev/null >tty.txt </dev/null ||
	fail "qcc under script: $(cat tty.txt)"
tr '\r' '\n' <tty.txt | grep -E '^calibrate \[[# ]{30}\] [0-9]+/7 samples, [0-9]+s left' >bars.txt
[ "$(wc -l <bars.txt)" -ge 7 ] || fail "expected a bar per sample, got: $(cat -v tty.txt | head -c 600)"
grep -q '^calibrate \[#\{30\}\] 7/7 samples' bars.txt || fail "the bar does not end full at 7/7"
head -n1 bars.txt | grep -q '\[ \{29\}\]\|\[#\{0,10\} ' || fail "the bar does not start empty: $(head -n1 bars.txt)"
[ -s tty.o ] || fail "no object from the terminal run"
cat bars.txt | tail -n2
# Not a terminal: stderr stays empty.
"$qcc" "$model" -quantize=int8 -calib=calib -o pipe.o 2>pipe.err || fail "qcc with stderr to a file"
[ ! -s pipe.err ] || fail "progress written to a non-terminal: $(cat -v pipe.err | head -c 300)"
echo "$fails failures"
[ $fails -eq 0 ]
