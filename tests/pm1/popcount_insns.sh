#!/usr/bin/env bash
# popcount_insns.sh -- the pm1 kernels' portable popcount becomes each
# target's own instructions: qcc -quantize=pm1:w2a2 on the Fashion-MNIST
# sample for armv8 (NEON cnt + pairwise adds), riscv64 (+zvbb: vcpop.v)
# and x86-64 (AVX2 vpshufb nibble look-up, or popcnt), disassembled by
# llvm-objdump.  Usage: popcount_insns.sh QCC MODEL WORKDIR
set -u
qcc=$1 model=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
command -v llvm-objdump-19 >/dev/null || exit 77
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 "$here/../quant/make_calib.py" "$work/calib" 50 batch >/dev/null || exit 1
fail=0
check() {  # check NAME "QCC FLAGS" "OBJDUMP FLAGS" REGEX...
	local name=$1 flags=$2 dflags=$3
	shift 3
	"$qcc" "$model" -quantize=pm1:w2a2 -calib="$work/calib" $flags -o "$work/$name.o" ||
		{ echo "FAIL $name: qcc failed"; fail=1; return; }
	llvm-objdump-19 -d $dflags "$work/$name.o" >"$work/$name.s"
	for re in "$@"; do
		if grep -qE "$re" "$work/$name.s"; then
			echo "ok   $name: $re"
		else
			echo "FAIL $name: no $re"
			fail=1
		fi
	done
}
check armv8 "-target=armv8" "" $'\tcnt\tv[0-9]+\\.(8|16)b' $'\tuaddlp\t|\tuadalp\t|\taddv\t' $'\teor\t'
check riscv64_zvbb "-target=riscv64 -mattr=+zvbb" "--mattr=+v,+zvbb" $'\tvcpop\\.v\t' $'\tvxor\\.vv\t'
check x86_64 "-target=x86-64" "" $'\tvpshufb\t|\tpopcnt'
exit $fail
