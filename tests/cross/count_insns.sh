#!/usr/bin/env bash
# count_insns.sh -- a benchmark, not a test: how many instructions a
# model's inference executes under qemu-user, for qcc's vector object
# against qcc's portable C output compiled by the cross gcc at -O3 with
# vectorization off (no SIMD), per target.
#
# Usage: count_insns.sh QCC WORKDIR MODEL.onnx [INPUT.bin] [-- TARGETS]
#
# TARGETS default to "armv8 riscv64".  Without INPUT.bin the input is
# random bytes (any floats do: the work does not depend on the values).
# Both programs are tests/tools/run_model.c linked -static; only the code
# of the model is counted: the linker map gives the address ranges of the
# sections from net.o or net_c.o, qemu logs (-d in_asm,exec,nochain
# -dfilter RANGES) every translation block it translates and every one it
# runs, and awk adds up the instructions of each block run.  Prints one
# line per target and variant, and the ratio C / object.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../..
qcc=$1 work=$2 model=$3
shift 3
input=
if [ $# -gt 0 ] && [ "$1" != -- ]; then input=$1; shift; fi
[ "${1:-}" = -- ] && shift
targets=${*:-armv8 riscv64}
mkdir -p "$work"

# The model's code in the linked program: START+SIZE,... from the map.
ranges() {   # MAP OBJECT
	awk -v obj="$2" '
		$1 ~ /^\.text/ && NF == 1 { pending = 1; next }
		{
			sec = pending ? ".text" : $1
			a = pending ? $1 : $2; s = pending ? $2 : $3
			f = pending ? $3 : $4
			pending = 0
			if (sec ~ /^\.text/ && a ~ /^0x/ && f ~ obj "$" &&
			    s !~ /^0x0+$/)
				printf "%s%s+%s", (n++ ? "," : ""), a, s
		}' "$1"
}

# Executed instructions inside RANGES of PROGRAM run by QEMU.
count() {   # QEMU_CMD RANGES PROGRAM ARGS...
	local q=$1 r=$2
	shift 2
	$q -d in_asm,exec,nochain -dfilter "$r" -D /dev/stdout "$@" 2>/dev/null |
	awk '
		function key(h) { sub(/^(0x)?0*/, "", h); return h }
		/^0x[0-9a-f]+:/ { if (!n++) pc = key(substr($1, 1, length($1) - 1)); next }
		/^IN:/ { n = 0; next }
		/^$/ { if (n) size[pc] = n; n = 0; next }
		/^Trace / {
			split($0, f, "/")
			total += size[key(f[2])]
		}
		END { printf "%.0f\n", total }'
}

for t in $targets; do
	case $t in
	armv8) cc=aarch64-linux-gnu-gcc q=qemu-aarch64 ;;
	riscv64) cc=riscv64-linux-gnu-gcc q="qemu-riscv64 -cpu rv64,v=true,vlen=128" ;;
	*) echo "count_insns.sh: no rules for target $t" >&2; exit 2 ;;
	esac
	d=$work/$t
	mkdir -p "$d"
	"$qcc" "$model" -target=$t -name=net -o "$d/net.o"
	"$qcc" "$model" -name=net -emit=c -o "$d/net.c"
	if [ -z "$input" ]; then
		input=$d/in.bin
		bytes=$(awk '$2 == "NET_INPUT0_SIZE" { print $3 * 4 }' "$d/net.h")
		head -c "$bytes" /dev/urandom >"$input"
	fi
	$cc -O3 -fno-tree-vectorize -fno-tree-slp-vectorize -std=c99 -c \
		"$d/net.c" -o "$d/net_c.o"
	for v in net net_c; do
		$cc -static -O2 -std=c11 -I"$d" -include "$d/net.h" \
			"$src/tests/tools/run_model.c" "$d/$v.o" -lm \
			-Wl,-Map="$d/$v.map" -o "$d/run_$v"
	done
	rm -f "$d/out.bin" "$d/out_c.bin"
	obj=$(count "$q" "$(ranges "$d/net.map" net.o)" "$d/run_net" \
		"$input" "$d/out.bin")
	c=$(count "$q" "$(ranges "$d/net_c.map" net_c.o)" "$d/run_net_c" \
		"$input" "$d/out_c.bin")
	[ -s "$d/out.bin" ] && [ -s "$d/out_c.bin" ] ||
		{ echo "count_insns.sh: $t: a program failed under $q" >&2; exit 1; }
	printf '%-8s %-24s vector object %12s   C -O3 scalar %12s   ratio %.2f\n' \
		"$t" "$(basename "$model")" "$obj" "$c" \
		"$(awk -v a="$c" -v b="$obj" 'BEGIN { print b ? a / b : 0 }')"
done
