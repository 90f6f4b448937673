#!/usr/bin/env bash
# demo.sh -- the README's first command: installs the dependencies, builds
# qcc into build/ (or $QCC_BUILD_DIR), compiles samples/fmnist/model.onnx
# into an object and classifies the 10,000 Fashion-MNIST test images with
# it, checking every prediction against PyTorch's.
#
#     bash samples/fmnist/demo.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${QCC_BUILD_DIR:-$root/build}

bash "$root/cmake/install-deps.sh"
echo "demo: building qcc in $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target qcc >/dev/null

qcc=""
for q in "$build/qcc" "$build/frontend/qcc"; do
	[ -x "$q" ] && { qcc=$q; break; }
done
[ -n "$qcc" ] || qcc=$(find "$build" -name qcc -type f -perm -u+x | head -n1)
[ -n "$qcc" ] || { echo "demo.sh: qcc was not built" >&2; exit 1; }

echo "\$ qcc samples/fmnist/model.onnx -o $build/samples/fmnist/fmnist.o"
exec bash "$root/samples/fmnist/run.sh" "$qcc" "$build/samples/fmnist" obj
