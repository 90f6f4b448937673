#!/usr/bin/env bash
# int8_bitexact_all.sh -- INT8 bit-exactness on the WHOLE Fashion-MNIST
# test set: every backend must give the same output bytes as the host
# object on all 10,000 test images.
#
#     bash samples/common/int8_bitexact_all.sh QCC OUTDIR MODEL.onnx...
#
# This is the long form of the ctest
# cross.int8_samples_give_the_same_logit_bytes_on_host_c_arm_and_riscv
# (tests/cross/int8_bitexact.sh, 200 images): it is not a ctest because
# qemu's RVV emulation makes the riscv64 runs take hours.  Per model (a
# 1x1x28x28 -> 10 classifier, named fmnist for samples/fmnist/classify.c),
# 500 calibration images from the train set (tests/quant/make_calib.py),
# then qcc -quantize=int8 with that calibration and the default method
# builds
#   host      the host object, linked by cc
#   c         -emit=c, compiled by gcc -O2
#   arm       -target=armv8 -mcpu=cortex-a72, aarch64-linux-gnu-gcc -static,
#             run by qemu-aarch64 -cpu cortex-a72
#   riscvV    -target=riscv64 (RVV), riscv64-linux-gnu-gcc -static, run by
#             qemu-riscv64 -cpu rv64,v=true,vlen=V for each V in VLENS
#   rvscalar  (RV_SCALAR=1) -target=riscv64 -mattr=-v,-zve64d,...: the
#             kernels compiled for an RVV-less rv64gc core, run by
#             qemu-riscv64 -cpu rv64,v=false (about 100 times faster
#             under qemu than the RVV object)
#   interp    (Q8EVAL=PATH, tests/quant/q8eval.c) the interpreter's
#             integer mode (ir_eval after pipeline_int8)
# and each classifies the first N test images (classify -logits).  The
# interpreter and the qemu runs go in chunks of CHUNK images (the
# interpreter in one piece), JOBS processes at a time.  The script fails
# unless every logits file equals the host object's byte for byte.
#
# The compared bytes are the float logits classify.c writes: the model's
# output is dequantized at the boundary, y = s * (q - z), one float
# multiplication of an exact integer by the same constant on every target,
# so equal float bytes mean equal int8 output codes (and vice versa).
#
# Environment: N (10000), VLENS ("128 256"), CHUNK (500), JOBS (2),
# RV_SCALAR (0), Q8EVAL (unset), TARGETS (every target above that is
# enabled; a subset such as "host c arm" skips the others).
#   RESUME=1   keeps what an interrupted run in OUTDIR finished (programs,
#              complete logits files and chunks) and runs only the rest.
#   STATUS=1   runs nothing: compares the chunks a run in progress has
#              finished with the host object's logits and counts them.
# OUTDIR/MODEL/times.txt gets one line per run: backend, images, wall
# seconds, CPU seconds (user + sys of the emulator or program).
# Exit status 0 pass, 1 fail, 2 usage, 77 skip (no cross tools or data).
set -eu
if [ $# -lt 3 ]; then
	echo "usage: bash samples/common/int8_bitexact_all.sh QCC OUTDIR MODEL.onnx..." >&2
	exit 2
fi
qcc=$1 work=$2
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
data=/usr/share/datasets/fashion-mnist
n=${N:-10000} chunk=${CHUNK:-500} jobs=${JOBS:-2} resume=${RESUME:-0}
vlens=${VLENS:-128 256}
targets=${TARGETS:-host c arm $(for v in $vlens; do printf 'riscv%s ' "$v"; done)}
[ "${RV_SCALAR:-0}" = 1 ] && targets="$targets rvscalar"
[ -n "${Q8EVAL:-}" ] && targets="$targets interp"
for tool in aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc qemu-aarch64 \
	qemu-riscv64 gcc /usr/bin/time; do
	command -v $tool >/dev/null || { echo "SKIP: $tool is missing"; exit 77; }
done
[ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "SKIP: no $data"; exit 77; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
# Turning off +v alone leaves its zve* sub-extensions on, and LLVM still
# vectorizes for them.
novec=-v,-zve64d,-zve64f,-zve64x,-zve32f,-zve32x

# images DIR: how many images the idx files in DIR hold.
images() {
	echo $(( $(stat -c %s "$1/t10k-labels-idx1-ubyte") - 8 ))
}

# complete FILE IMAGES: true if FILE holds the logits of IMAGES images.
complete() {
	[ -f "$1" ] && [ "$(stat -c %s "$1")" -eq $(($2 * 40)) ]
}

# STATUS=1: per model and target, how many finished chunks equal the
# host object's logits for the same images (40 bytes per image).
if [ "${STATUS:-0}" = 1 ]; then
	for model in "$@"; do
		m=$(basename "$(dirname "$model")")
		out=$work/$m
		[ -f "$out/host.bin" ] || { echo "$m: no host logits yet"; continue; }
		for p in "$out"/*.parts; do
			[ -d "$p" ] || continue
			ok=0 bad=0 done=0 imgs=0
			for f in "$p"/*.bin; do
				[ -f "$f" ] || continue
				c=$(basename "$f" .bin)
				want=$(images "$work/data/$c")
				complete "$f" "$want" || continue
				done=$((done + 1))
				if cmp -s -i "$((10#$c * 40)):0" -n $((want * 40)) "$out/host.bin" "$f"; then
					ok=$((ok + 1)) imgs=$((imgs + want))
				else
					bad=$((bad + 1))
				fi
			done
			printf '%s %-9s %d chunks finished: %d equal the host (%d images), %d differ\n' \
				"$m" "$(basename "$p" .parts)" "$done" "$ok" "$imgs" "$bad"
		done
	done
	exit 0
fi

[ "$resume" = 1 ] && [ -f "$work/calib/input_499.npy" ] ||
	/usr/bin/python3 "$src/tests/quant/make_calib.py" "$work/calib" 500

# The first n test images as plain idx files: all of them in data/all,
# and chunk-sized pieces in data/NNNNN (named by the first image).
if [ "$resume" != 1 ] || [ ! -d "$work/data/all" ]; then
	rm -rf "$work/data"
	/usr/bin/python3 - "$data" "$work/data" "$n" "$chunk" <<'EOF'
import gzip, os, sys
src, dst, n, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
files = (("t10k-images-idx3-ubyte", 16, 784), ("t10k-labels-idx1-ubyte", 8, 1))
raw = {name: gzip.open(os.path.join(src, name + ".gz")).read() for name, _, _ in files}
pieces = [("all", 0, n)] + [("%05d" % k, k, min(chunk, n - k)) for k in range(0, n, chunk)]
for sub, first, count in pieces:
    os.makedirs(os.path.join(dst, sub), exist_ok=True)
    for name, hdr, rec in files:
        r = raw[name]
        with open(os.path.join(dst, sub, name), "wb") as f:
            f.write(r[:4] + count.to_bytes(4, "big") + r[8:hdr]
                    + r[hdr + first * rec:hdr + (first + count) * rec])
EOF
fi
n=$(images "$work/data/all")
chunks=$(cd "$work/data" && ls -d [0-9]*)

# build DIR CC QCC-FLAGS...: DIR/classify for the model in $model.
build() {
	local d=$1 cc=$2 ext=o
	shift 2
	[ -x "$d/classify" ] && return 0
	case " $* " in *" -emit=c "*) ext=c ;; esac
	mkdir -p "$d"
	"$qcc" "$model" -name=fmnist -quantize=int8 -calib="$work/calib" \
		-o "$d/fmnist.$ext" "$@"
	$cc -std=c11 -O2 -I"$d" "$src/samples/fmnist/classify.c" "$d/fmnist.$ext" \
		-lm -o "$d/classify.tmp"
	mv "$d/classify.tmp" "$d/classify"
}

# timed NAME IMAGES COMMAND...: runs COMMAND, appends its times to times.txt.
timed() {
	local name=$1 images=$2 t
	shift 2
	t=$(mktemp)
	/usr/bin/time -f '%e %U %S' -o "$t" "$@"
	awk -v b="$name" -v i="$images" '{ printf "%-10s %6d %9.1f %9.1f\n", b, i, $1, $2 + $3 }' \
		"$t" >>"$out/times.txt"
	rm -f "$t"
}

# runner NAME: the emulator command line for target NAME (empty: native).
runner() {
	case $1 in
	arm) echo "qemu-aarch64 -cpu cortex-a72" ;;
	riscv*) echo "qemu-riscv64 -cpu rv64,v=true,vlen=${1#riscv}" ;;
	rvscalar) echo "qemu-riscv64 -cpu rv64,v=false" ;;
	esac
}

# pool_wait: blocks while JOBS background processes are running.
pool_wait() {
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
}

status=0
for model in "$@"; do
	m=$(basename "$(dirname "$model")")
	out=$work/$m
	[ "$resume" = 1 ] || rm -rf "$out"
	mkdir -p "$out"
	echo "== $m: $n images, targets: $targets" >&2
	build "$out/host" "${CC:-cc}" &
	for t in $targets; do
		case $t in
		c) build "$out/c" gcc -emit=c & ;;
		arm) build "$out/arm" "aarch64-linux-gnu-gcc -static" \
			-target=armv8 -mcpu=cortex-a72 & ;;
		riscv[0-9]*) [ -d "$out/riscv" ] ||
			{ mkdir -p "$out/riscv"; build "$out/riscv" \
				"riscv64-linux-gnu-gcc -static" -target=riscv64 & } ;;
		rvscalar) build "$out/rvscalar" "riscv64-linux-gnu-gcc -static" \
			-target=riscv64 -mattr=$novec & ;;
		esac
	done
	wait
	# Native runs first, one at a time (their timings mean something).
	for t in host c; do
		case " host $targets " in *" $t "*) ;; *) continue ;; esac
		complete "$out/$t.bin" "$n" && continue
		timed "$t" "$n" "$out/$t/classify" -data "$work/data/all" \
			-logits "$out/$t.bin" | tail -n1
	done
	# The interpreter and the emulated runs (chunk by chunk), at most
	# JOBS processes at once; the cheap ones first.
	seen=
	for t in interp rvscalar arm $targets; do
		case " $targets " in *" $t "*) ;; *) continue ;; esac
		case " $seen " in *" $t "*) continue ;; esac
		seen="$seen $t"
		case $t in
		host | c) continue ;;
		interp)
			complete "$out/interp.bin" "$n" && continue
			pool_wait
			timed interp "$n" "$Q8EVAL" "$model" "$work/calib" "$n" \
				"$out/interp.bin" &
			continue ;;
		esac
		mkdir -p "$out/$t.parts"
		exe=$out/$t/classify
		case $t in riscv[0-9]*) exe=$out/riscv/classify ;; esac
		for c in $chunks; do
			k=$(images "$work/data/$c")
			complete "$out/$t.parts/$c.bin" "$k" && continue
			pool_wait
			# shellcheck disable=SC2046
			timed "$t" "$k" $(runner "$t") "$exe" -data "$work/data/$c" \
				-logits "$out/$t.parts/$c.bin" >"$out/$t.parts/$c.log" 2>&1 &
		done
	done
	wait
	for t in $targets; do
		case $t in host | c | interp) continue ;; esac
		for c in $chunks; do
			cat "$out/$t.parts/$c.bin" 2>/dev/null ||
				echo "FAIL $m: $t chunk $c did not finish" >&2
		done >"$out/$t.bin"
	done
	for t in $targets; do
		[ "$t" = host ] && continue
		if cmp "$out/host.bin" "$out/$t.bin"; then
			echo "ok   $m: $t logits = host object's ($n images, $(wc -c <"$out/host.bin") bytes)"
		else
			echo "FAIL $m: $t logits differ from the host object's"
			status=1
		fi
	done
	echo "-- $m: backend, images, wall s, CPU s (summed over chunks and resumed runs)"
	awk '{ i[$1] += $2; w[$1] += $3; c[$1] += $4; if (!($1 in o)) o[$1] = n++; }
	     END { for (b in o) k[o[b]] = b;
	           for (j = 0; j < n; j++) { b = k[j];
	               printf "%-10s %6d images %9.1f s wall %9.1f s CPU %9.2f ms/image\n",
	                   b, i[b], w[b], c[b], 1000 * c[b] / i[b] } }' "$out/times.txt"
done
exit $status
