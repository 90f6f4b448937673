#!/usr/bin/env bash
# run.sh -- benchmark qcc against ONNX Runtime (not a test).
#
#     bash tests/bench/run.sh MODEL.onnx [MODEL.onnx ...]
#
# For each model: compiles it with qcc (-name=net -o net.o), builds bench.c
# against net.o, and runs it; bench loads ONNX Runtime's libonnxruntime.so
# and prints both engines' median latency (one thread each) and the ratio.
# ONNX Runtime comes from the npm package onnxruntime-node, installed once
# into $build/bench/ort (ONNXRUNTIME_NODE_INSTALL=skip: its install script
# would otherwise fetch CUDA libraries; the CPU library is in the tarball).
#
# Environment: QCC_BUILD_DIR (default: build/ at the top of the tree; qcc is
# built there if missing), QCC (a qcc binary to use instead), RUNS (timed
# runs per engine, default 200), ORT_VERSION (default 1.30.0), CC,
# QCCFLAGS (extra qcc flags, e.g. -mcpu=native).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/bench
build=${QCC_BUILD_DIR:-$root/build}
runs=${RUNS:-200}
ort_version=${ORT_VERSION:-1.30.0}
cc=${CC:-cc}

if [ $# -eq 0 ]; then
	echo "usage: bash tests/bench/run.sh MODEL.onnx [MODEL.onnx ...]" >&2
	exit 2
fi

qcc=${QCC:-}
if [ -z "$qcc" ]; then
	if [ ! -f "$build/CMakeCache.txt" ]; then
		cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	fi
	cmake --build "$build" -j"$(nproc)" --target qcc >/dev/null
	for q in "$build/qcc" "$build/frontend/qcc"; do
		[ -x "$q" ] && { qcc=$q; break; }
	done
	[ -n "$qcc" ] || qcc=$(find "$build" -name qcc -type f -perm -u+x | head -n1)
fi
[ -x "$qcc" ] || { echo "run.sh: no qcc binary" >&2; exit 1; }

ortdir=$build/bench/ort
ortlib=$(ls "$ortdir"/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime.so* 2>/dev/null | head -n1 || true)
if [ -z "$ortlib" ]; then
	mkdir -p "$ortdir"
	echo "run.sh: installing onnxruntime-node@$ort_version from npm into $ortdir" >&2
	(cd "$ortdir" && [ -f package.json ] || echo '{"private": true}' >package.json)
	(cd "$ortdir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund \
		--loglevel=error "onnxruntime-node@$ort_version" >&2)
	ortlib=$(ls "$ortdir"/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime.so* | head -n1)
fi

status=0
for model in "$@"; do
	name=$(basename "$model" .onnx)
	[ "$name" != model ] || name=$(basename "$(cd "$(dirname "$model")" && pwd)")
	work=$build/bench/$name
	mkdir -p "$work"
	t0=$(date +%s%N)
	"$qcc" "$model" -name=net ${QCCFLAGS:-} -o "$work/net.o"
	t1=$(date +%s%N)
	$cc -std=c11 -O2 -Wall -Wextra -I"$work" -I"$here" \
		"$here/bench.c" "$here/ort.c" "$work/net.o" -ldl -lm -o "$work/bench"
	echo "== $name ${QCCFLAGS:-}"
	echo "qcc compile    $(( (t1 - t0) / 1000000 )) ms, object $(stat -c %s "$work/net.o") bytes, model $(stat -c %s "$model") bytes"
	"$work/bench" "$model" "$ortlib" "$runs" || status=1
done
exit $status
