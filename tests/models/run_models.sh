#!/usr/bin/env bash
# run_models.sh -- compiles one exported torchvision model with qcc, runs it
# on the fixed input and compares the output with torch's.
#
# Usage: run_models.sh -qcc QCC -dir DIR -work DIR -src SRC -cmp CMP_RAW
#                      [-cc CC] -model NAME -backend obj|c
#
# DIR holds export.py's NAME.onnx, NAME.input.bin and NAME.ref.bin.
#   obj  qcc NAME.onnx -name=net -o net.o, which must be standalone (nm -u
#        prints nothing), linked with tests/tools/run_model.c
#   c    qcc NAME.onnx -name=net -emit=c -o net.c, compiled with
#        cc -std=c99 -Wall -Wextra -Werror -pedantic -O2, linked with -lm
# Pass: max |out - ref| <= 1e-4 * max |ref| (cmp_raw -scaletol 1e-4), an
# error relative to the output's scale.  Prints the compile times.
# Exit status 0 pass, 1 fail, 77 skip (no torchvision when exporting).
set -u

QCC= DIR= WORK= SRC= CMP= CC=${CC:-cc} MODEL= BACKEND=obj
SCALETOL=1e-4
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
	*) echo "run_models.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

if [ -f "$DIR/SKIP" ]; then
	echo "run_models.sh: SKIP $MODEL: $(cat "$DIR/SKIP")"
	exit 77
fi
for f in "$DIR/$MODEL.onnx" "$DIR/$MODEL.input.bin" "$DIR/$MODEL.ref.bin"; do
	if [ ! -f "$f" ]; then
		echo "run_models.sh: missing $f (build the model_exports target)" >&2
		exit 1
	fi
done

d=$WORK/$MODEL-$BACKEND
rm -rf "$d" && mkdir -p "$d"

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
	echo "FAIL $MODEL [$BACKEND]: $*"
	exit 1
}

echo "$MODEL [$BACKEND]: $DIR/$MODEL.onnx"
if [ "$BACKEND" = obj ]; then
	timed "qcc -o net.o" "$QCC" "$DIR/$MODEL.onnx" -name=net -o "$d/net.o" \
		2>"$d/qcc.log" || { cat "$d/qcc.log"; fail "qcc failed"; }
	undef=$(nm -u "$d/net.o")
	[ -z "$undef" ] || fail "net.o is not standalone; undefined:" $undef
	obj=$d/net.o libs=
else
	timed "qcc -emit=c" "$QCC" "$DIR/$MODEL.onnx" -name=net -emit=c \
		-o "$d/net.c" 2>"$d/qcc.log" || { cat "$d/qcc.log"; fail "qcc failed"; }
	timed "cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 net.c" \
		"$CC" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c "$d/net.c" \
		-o "$d/net_c.o" 2>"$d/cc.log" ||
		{ head -n 20 "$d/cc.log"; fail "net.c does not compile cleanly"; }
	obj=$d/net_c.o libs=-lm
fi
"$CC" -std=c11 -O2 -I"$d" -include net.h "$SRC/tests/tools/run_model.c" \
	"$obj" -o "$d/run" $libs 2>"$d/link.log" ||
	{ head -n 20 "$d/link.log"; fail "link failed"; }
echo "object size: $(stat -c %s "$obj") bytes; scratch: $(awk \
	'$2 == "NET_SCRATCH_SIZE" { print $3 }' "$d/net.h") bytes"

timed "run" "$d/run" "$DIR/$MODEL.input.bin" "$d/out.bin" ||
	fail "run_model failed"
"$CMP" -scaletol $SCALETOL "$d/out.bin" "$DIR/$MODEL.ref.bin" ||
	fail "output differs from torch by more than $SCALETOL of its scale"
echo "PASS $MODEL [$BACKEND]: max|out - ref| <= $SCALETOL * max|ref|"
