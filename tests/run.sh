#!/usr/bin/env bash
# run.sh -- the whole test suite: installs dependencies, builds qcc into
# build/ (or $QCC_BUILD_DIR) and runs every ctest suite.  Fails when a test fails.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${QCC_BUILD_DIR:-$root/build}
bash "$root/cmake/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
