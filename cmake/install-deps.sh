#!/usr/bin/env bash
# install-deps.sh -- installs what qcc needs to build and test, from Debian
# bookworm's packages.  Does nothing when everything is present already.
# Run as root (or with sudo available).
set -eu
pkgs="build-essential cmake pkg-config git ca-certificates
      llvm-19-dev clang-19
      libprotobuf-c-dev protobuf-c-compiler
      libcriterion-dev libssl-dev
      python3 python3-numpy python3-onnx python3-torch python3-torchvision
      dataset-fashion-mnist binutils
      ninja-build man-db file qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      chromium nodejs
      gcc-riscv64-linux-gnu libc6-dev-riscv64-cross"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "qcc: installing$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends $missing
