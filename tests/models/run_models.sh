#!/usr/bin/env bash
# run_models.sh -- compiles one exported torchvision model with qcc, runs it
# on the fixed input and compares the output with torch's.
#
# Usage: run_models.sh -qcc QCC -dir DIR -work DIR -src SRC -cmp CMP_RAW
#                      [-cc CC] -model NAME -backend obj|c
#                      [-target T -xcc CROSS_CC -exec "QEMU ..."]
#
# DIR holds export.py's NAME.onnx, MODEL.input.bin and MODEL.ref.bin, where
# NAME is MODEL or MODEL.VARIANT (the variants share the input and output).
#   obj  qcc NAME.onnx -name=net -o net.o, which must be standalone (nm -u
#        prints nothing), linked with tests/tools/run_model.c
#   c    qcc NAME.onnx -name=net -emit=c -o net.c, compiled with
#        cc -std=c99 -Wall -Wextra -Werror -pedantic -O2, linked with -lm
# Pass: max |out - ref| <= 1e-4 * max |ref| (cmp_raw -scaletol 1e-4), an
# error relative to the output's scale.  Prints the compile times.
#
# With -target (armv8, riscv64): qcc gets -target=T (the C backend's net.c
# is target-independent), CROSS_CC compiles net.c and links -static, and
# the program runs under -exec's command (qemu-aarch64, qemu-riscv64 -cpu
# rv64,v=true,vlen=128).  The model is also compiled to an object for the
# host and run, and the cross output must match the host's within 1e-5 of
# its scale, besides matching torch.
# Exit status 0 pass, 1 fail (also when export.py could not export the
# model: DIR/MODEL.error), 77 skip (torch/torchvision cannot be imported).
set -u

QCC= DIR= WORK= SRC= CMP= CC=${CC:-cc} MODEL= BACKEND=obj
TARGET= XCC= EXEC=
SCALETOL=1e-4 HOSTTOL=1e-5
while [ $# -gt 0 ]; do
	case $1 in
	-qcc) QCC=$2; shift 2 ;;
	-dir) DIR=$2; shift 2 ;;
	-work) WORK=$2; shift 2 ;;
	-src) SRC=$2; shift 2 ;;
	-cmp) CMP=$2; shift 2 ;;
	-cc) CC=$2; shift 2 ;;
	-model) MODEL=$2; shift 2 ;;
	-backend) BACKEND=$2; shift 2 ;;
	-target) TARGET=$2; shift 2 ;;
	-xcc) XCC=$2; shift 2 ;;
	-exec) EXEC=$2; shift 2 ;;
	*) echo "run_models.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

if [ -f "$DIR/SKIP" ]; then
	echo "run_models.sh: SKIP $MODEL: $(cat "$DIR/SKIP")"
	exit 77
fi
BASE=${MODEL%%.*}
if [ -f "$DIR/$BASE.error" ]; then
	echo "FAIL $MODEL: export.py: $(cat "$DIR/$BASE.error")"
	exit 1
fi
for f in "$DIR/$MODEL.onnx" "$DIR/$BASE.input.bin" "$DIR/$BASE.ref.bin"; do
	if [ ! -f "$f" ]; then
		echo "run_models.sh: missing $f (build the model_exports target)" >&2
		exit 1
	fi
done

if [ -n "$TARGET" ]; then
	for tool in "$XCC" ${EXEC%% *}; do
		command -v "$tool" >/dev/null ||
			{ echo "run_models.sh: SKIP: $tool is missing"; exit 77; }
	done
fi

# Runs a command, printing how long it took; returns its status.
timed() {
	local what=$1 t0 t1 rc; shift
	t0=$(date +%s.%N)
	"$@"
	rc=$?
	t1=$(date +%s.%N)
	printf '%s: %.2f s%s\n' "$what" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
		"$([ $rc -eq 0 ] || echo " (FAILED, exit $rc)")"
	return $rc
}

fail() {
	echo "FAIL $MODEL [$BACKEND${TARGET:+ $TARGET}]: $*"
	exit 1
}

# build DIR TARGET CC STATIC: compiles the model into DIR/run for TARGET
# ("" for the host) with CC, linked -static if STATIC is set.
build() {
	local d=$1 target=$2 cc=$3 static=$4 obj libs= undef
	rm -rf "$d" && mkdir -p "$d"
	if [ "$BACKEND" = obj ]; then
		timed "qcc ${target:+-target=$target }-o net.o" "$QCC" \
			"$DIR/$MODEL.onnx" -name=net ${target:+-target=$target} \
			-o "$d/net.o" 2>"$d/qcc.log" ||
			{ cat "$d/qcc.log"; fail "qcc failed"; }
		undef=$(nm -u "$d/net.o")
		[ -z "$undef" ] || fail "net.o is not standalone; undefined:" $undef
		obj=$d/net.o
	else
		timed "qcc -emit=c" "$QCC" "$DIR/$MODEL.onnx" -name=net -emit=c \
			-o "$d/net.c" 2>"$d/qcc.log" ||
			{ cat "$d/qcc.log"; fail "qcc failed"; }
		timed "$cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 net.c" \
			"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 \
			-c "$d/net.c" -o "$d/net_c.o" 2>"$d/cc.log" ||
			{ head -n 20 "$d/cc.log"; fail "net.c does not compile cleanly"; }
		obj=$d/net_c.o libs=-lm
	fi
	"$cc" $static -std=c11 -O2 -I"$d" -include net.h \
		"$SRC/tests/tools/run_model.c" "$obj" -o "$d/run" $libs \
		2>"$d/link.log" || { head -n 20 "$d/link.log"; fail "link failed"; }
	echo "object size: $(stat -c %s "$obj") bytes; scratch: $(awk \
		'$2 == "NET_SCRATCH_SIZE" { print $3 }' "$d/net.h") bytes"
}

d=$WORK/$MODEL-$BACKEND
[ -z "$TARGET" ] || d=$d-$TARGET-$(printf '%s' "$EXEC" | tr -c 'A-Za-z0-9' _)
echo "$MODEL [$BACKEND${TARGET:+ $TARGET}]: $DIR/$MODEL.onnx"
if [ -n "$TARGET" ]; then
	build "$d" "$TARGET" "$XCC" -static
	timed "run under $EXEC" $EXEC "$d/run" "$DIR/$BASE.input.bin" \
		"$d/out.bin" || fail "run_model failed under $EXEC"
	BACKEND=obj build "$d/host" "" "$CC" ""
	timed "run on the host (object)" "$d/host/run" "$DIR/$BASE.input.bin" \
		"$d/host/out.bin" || fail "run_model failed on the host"
	"$CMP" -scaletol $HOSTTOL "$d/out.bin" "$d/host/out.bin" ||
		fail "output differs from the host's by more than $HOSTTOL of its scale"
else
	build "$d" "" "$CC" ""
	timed "run" "$d/run" "$DIR/$BASE.input.bin" "$d/out.bin" ||
		fail "run_model failed"
fi
"$CMP" -scaletol $SCALETOL "$d/out.bin" "$DIR/$BASE.ref.bin" ||
	fail "output differs from torch by more than $SCALETOL of its scale"
echo "PASS $MODEL [$BACKEND${TARGET:+ $TARGET}]: max|out - ref| <= $SCALETOL * max|ref|${TARGET:+, <= $HOSTTOL * max|host| from the host}"
