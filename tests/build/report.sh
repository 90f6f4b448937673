#!/usr/bin/env bash
# report.sh QCC MODEL BAD_MODEL OUTDIR -- qcc --report writes a self-contained HTML
# page; headless Chromium (through cdp_check.js) loads it with no console
# errors and no requests, and its charts and table match the compile: one
# row and one line step per op, a MAC bar per Conv/Gemm/MatMul, the
# highest live point on the lower-bound line, MACs summing to the header's.
# Leaves OUTDIR/report.html and OUTDIR/report.png as artifacts.
set -u
qcc=$(realpath "$1")
model=$(realpath "$2")
bad=$(realpath "$3")
outdir=$4
here=$(cd "$(dirname "$0")" && pwd)
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
chromium=$(command -v chromium || command -v chromium-browser) || {
	echo "SKIP: no chromium (cmake/install-deps.sh installs it)"; exit 77; }
command -v node >/dev/null || { echo "SKIP: no node"; exit 77; }
mkdir -p "$outdir"
outdir=$(realpath "$outdir")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$qcc" "$model" -o net.o --report=report.html || fail "qcc --report"
cp report.html "$outdir/report.html"
mv report.html first.html
"$qcc" "$model" -o net.o --report=report.html || fail "second qcc --report"
cmp -s report.html first.html || fail "report differs between two identical compiles"
grep -qiE 'https?:|<script|<link|<img|<iframe|src=|url\(|@import|@font-face' report.html &&
	fail "report refers to something outside itself: $(grep -oiE 'https?:[^"]*|<script|<link|src=|url\(' report.html | head -3)"

ops=$("$qcc" "$model" -emit=ir | grep -cE '^ *%[0-9]+(, %[0-9]+)* = ')
macops=$("$qcc" "$model" -emit=ir | grep -cE '= (Conv|Gemm|MatMul) ')
macs=$(sed -n 's/^ \*   MACs *//p' net.h)
[ "$ops" -gt 3 ] || fail "too few ops parsed from -emit=ir: $ops"

node "$here/cdp_check.js" "$chromium" report.html "$outdir/report.png" >result.json ||
	fail "chromium did not load the report"
cp result.json "$outdir/report.json"
field() { node -e "const r = require('./result.json'); console.log(JSON.stringify($1))"; }
[ "$(field r.errors.length)" = 0 ] || fail "console errors: $(field r.errors)"
[ "$(field r.requests.length)" = 0 ] || fail "the report made requests: $(field r.requests)"
[ "$(field r.charts.rows)" = "$ops" ] || fail "table rows $(field r.charts.rows) != ops $ops"
[ "$(field r.charts.memory.points)" = $((2 * ops)) ] ||
	fail "memory chart points $(field r.charts.memory.points) != 2 x $ops ops"
[ "$(field 'r.charts.memory.height > 10 && r.charts.memory.width > 100')" = true ] ||
	fail "memory line has no extent: $(field r.charts.memory)"
[ "$(field 'Math.abs(r.charts.top - r.charts.bound) < 0.5')" = true ] ||
	fail "highest live point $(field r.charts.top) is not on the lower bound $(field r.charts.bound)"
[ "$(field r.charts.bars)" = "$macops" ] || fail "MAC bars $(field r.charts.bars) != Conv/Gemm/MatMul ops $macops"
[ "$(field r.charts.macs)" = "$macs" ] || fail "MACs column sums to $(field r.charts.macs), header says $macs"
[ "$(stat -c %s "$outdir/report.png" 2>/dev/null || echo 0)" -gt 20000 ] || fail "no screenshot"

[ "$(field r.charts.sqnr.bars)" = 0 ] || fail "a float compile has SQNR bars"

# A quantized compile: the SQNR chart has one bar per layer of
# -quant-report that has a SQNR, and the table the same numbers.
if /usr/bin/python3 -c "import numpy" 2>/dev/null; then
	/usr/bin/python3 - "$model" cal <<'PY'
import os, sys, numpy as np, onnx
m = onnx.load(sys.argv[1])
i = m.graph.input[0]
shape = [d.dim_value for d in i.type.tensor_type.shape.dim]
os.makedirs(sys.argv[2], exist_ok=True)
r = np.random.RandomState(1)
for k in range(8):
    np.save("%s/%s_%d.npy" % (sys.argv[2], i.name, k), r.normal(0, 1, shape).astype(np.float32))
PY
	"$qcc" "$model" -o q.o -quantize=int8 -calib=cal --report=q.html \
		-quant-report=q.json || fail "qcc -quantize=int8 --report"
	qops=$("$qcc" "$model" -quantize=int8 -calib=cal -emit=ir | grep -cE '^ *%[0-9]+(, %[0-9]+)* = ')
	node "$here/cdp_check.js" "$chromium" q.html "$outdir/report-int8.png" >qresult.json ||
		fail "chromium did not load the quantized report"
	cp q.html "$outdir/report-int8.html"
	cp qresult.json "$outdir/report-int8.json"
	want=$(node -e "const q = require('./q.json');
		console.log(JSON.stringify(q.layers.filter((l) => l.elements > 0)
			.map((l) => l.sqnr_db === null ? 'exact' : l.sqnr_db.toFixed(2))))")
	qfield() { node -e "const r = require('./qresult.json'); console.log(JSON.stringify($1))"; }
	[ "$(qfield r.errors.length)" = 0 ] || fail "quantized report console errors: $(qfield r.errors)"
	[ "$(qfield r.charts.rows)" = "$qops" ] || fail "quantized table rows $(qfield r.charts.rows) != ops $qops"
	[ "$(qfield r.charts.sqnr.bars)" = "$(node -e "console.log($want.length)")" ] ||
		fail "SQNR bars $(qfield r.charts.sqnr.bars) != layers with a SQNR in q.json: $want"
	[ "$(qfield 'r.charts.sqnr.bars > 2')" = true ] || fail "SQNR chart is empty"
	[ "$(qfield r.charts.sqnr.cells)" = "$want" ] ||
		fail "SQNR column $(qfield r.charts.sqnr.cells) != q.json $want"
else
	echo "SKIP quantized report: no numpy"
fi

# A failed compile writes no report.
"$qcc" "$bad" --report=bad.html -o bad.o 2>/dev/null &&
	fail "unknown_op compiled"
[ ! -e bad.html ] || fail "a failed compile left bad.html"

echo "$fails failures"
[ "$fails" -eq 0 ]
