#!/usr/bin/env bash
# run_node.sh -- runs the ONNX backend node tests through qcc and prints the
# conformance table.
#
# Usage:
#   run_node.sh [options] -backend obj|c [-backend obj|c]
#   run_node.sh [options] -report            (table from earlier results)
# Options:
#   -qcc PATH        the compiler (required unless -report)
#   -cases DIR       prep.py's output (cases.tsv, one folder per case)
#   -work DIR        where per-case builds, logs and results-*.tsv go
#   -src DIR         the source tree (tests/tools/run_model.c, exclusions)
#   -cmp PATH        cmp_raw
#   -cc CC           C compiler for the harness and -emit=c output (cc)
#   -jobs N          cases compiled and run at once (2)
#   -only REGEX      only cases whose name matches (for debugging)
#   -markdown FILE   also write the table as Markdown (CONFORMANCE.md)
#   -target T        compile for T (armv8, riscv64) with -target=T; then
#   -xcc CC          compiles net.c and links -static (aarch64-linux-gnu-gcc)
#   -exec "CMD"      runs the programs (qemu-riscv64 -cpu rv64,v=true,vlen=256)
#
# For every selected case and backend:
#   obj  qcc model.onnx -name=net -o net.o, which must be standalone
#        (nm -u prints nothing), linked with run_model.c without -lm;
#   c    qcc model.onnx -name=net -emit=c -o net.c, compiled with
#        cc -std=c99 -Wall -Wextra -Werror -pedantic -O2, linked with
#        run_model.c and -lm;
# then every test_data_set is run and every output compared with the
# reference by cmp_raw: |got - ref| <= 1e-5 + 1e-3 * |ref| element-wise
# (rtol 1e-3, atol 1e-5; ONNX's own default atol is 1e-7), except outputs
# of an integer type (the manifest's "exact" line), which must be equal.
#
# Cases listed in exclusions.txt are still run when prep.py could convert
# them; their result is XFAIL or XPASS and never fails the run.  The exit
# status is 1 if any other case failed (0 with -report), 77 (skip) if there
# are no cases because python3-onnx was missing when the data was generated.
# The last line reads "node: N passed, N failed, N skipped" (skipped: the
# excluded case runs).
set -u

QCC= CASES= WORK= SRC= CMP= CC=${CC:-cc} JOBS=2 ONLY= MARKDOWN= REPORT=0
TARGET= XCC= EXEC= STATIC=
BACKENDS=()
RTOL=1e-3 ATOL=1e-5

while [ $# -gt 0 ]; do
	case $1 in
	-qcc) QCC=$2; shift 2 ;;
	-cases) CASES=$2; shift 2 ;;
	-work) WORK=$2; shift 2 ;;
	-src) SRC=$2; shift 2 ;;
	-cmp) CMP=$2; shift 2 ;;
	-cc) CC=$2; shift 2 ;;
	-jobs) JOBS=$2; shift 2 ;;
	-only) ONLY=$2; shift 2 ;;
	-markdown) MARKDOWN=$2; shift 2 ;;
	-backend) BACKENDS+=("$2"); shift 2 ;;
	-report) REPORT=1; shift ;;
	-target) TARGET=$2; shift 2 ;;
	-xcc) XCC=$2; shift 2 ;;
	-exec) EXEC=$2; shift 2 ;;
	*) echo "run_node.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

EXCLUSIONS=$SRC/tests/node/exclusions.txt

# Prints the reason NAME is excluded, or nothing.
excluded_reason() {
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' \
		"$EXCLUSIONS"
}

# One line of detail from a log: the first error-looking line, or the first.
first_error() {
	local line
	line=$(grep -m1 -E 'error|undefined reference|Error|Assertion|abort' \
		"$1" 2>/dev/null) || line=$(head -n1 "$1" 2>/dev/null)
	line=${line//"$CASES/"/}
	printf '%s' "${line:0:240}" | tr '\t\n' '  '
}

# run_case NAME BACKEND: builds and runs one case, prints one result line
# NAME<TAB>BACKEND<TAB>PASS|FAIL<TAB>detail.
run_case() {
	local name=$1 be=$2
	local c=$CASES/$name d=$WORK/$be/$name
	local nin nout exact set i out log rc undef detail=""
	rm -rf "$d" && mkdir -p "$d"
	log=$d/log
	nin=$(awk '$1 == "inputs" { print $2 }' "$c/manifest")
	nout=$(awk '$1 == "outputs" { print $2 }' "$c/manifest")
	exact=$(awk '$1 == "exact" { $1 = ""; print }' "$c/manifest")

	if [ "$be" = obj ]; then
		if ! timeout 120 "$QCC" "$c/model.onnx" -name=net \
			${TARGET:+-target=$TARGET} -o "$d/net.o" >"$log" 2>&1; then
			printf '%s\t%s\tFAIL\tqcc: %s\n' "$name" "$be" "$(first_error "$log")"
			return
		fi
		undef=$(nm -u "$d/net.o" 2>&1 | awk '{ print $NF }' | tr '\n' ' ')
		if [ -n "$undef" ]; then
			printf '%s\t%s\tFAIL\tnet.o is not standalone, undefined: %s\n' \
				"$name" "$be" "$undef"
			return
		fi
		if ! "$CC" $STATIC -std=c11 -O2 -I"$d" -include net.h \
			"$SRC/tests/tools/run_model.c" "$d/net.o" -o "$d/run" \
			>"$log.link" 2>&1; then
			printf '%s\t%s\tFAIL\tlink: %s\n' "$name" "$be" "$(first_error "$log.link")"
			return
		fi
	else
		if ! timeout 120 "$QCC" "$c/model.onnx" -name=net -emit=c \
			-o "$d/net.c" >"$log" 2>&1; then
			printf '%s\t%s\tFAIL\tqcc: %s\n' "$name" "$be" "$(first_error "$log")"
			return
		fi
		if ! "$CC" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c \
			"$d/net.c" -o "$d/net_c.o" >"$log.cc" 2>&1; then
			printf '%s\t%s\tFAIL\tcc -std=c99 -Werror: %s\n' "$name" "$be" \
				"$(first_error "$log.cc")"
			return
		fi
		if ! "$CC" $STATIC -std=c11 -O2 -I"$d" -include net.h \
			"$SRC/tests/tools/run_model.c" "$d/net_c.o" -o "$d/run" -lm \
			>"$log.link" 2>&1; then
			printf '%s\t%s\tFAIL\tlink: %s\n' "$name" "$be" "$(first_error "$log.link")"
			return
		fi
	fi

	for set in "$c"/set*; do
		local args=() s
		s=$(basename "$set")
		for ((i = 0; i < nin; i++)); do args+=("$set/in$i.bin"); done
		for ((i = 0; i < nout; i++)); do args+=("$d/$s.out$i.bin"); done
		timeout 60 $EXEC "$d/run" "${args[@]}" >"$d/$s.run.log" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			printf '%s\t%s\tFAIL\t%s: run exited %d: %s\n' "$name" "$be" "$s" \
				"$rc" "$(first_error "$d/$s.run.log")"
			return
		fi
		for ((i = 0; i < nout; i++)); do
			local tol="-rtol $RTOL -atol $ATOL"
			case " $exact " in *" $i "*) tol="-rtol 0 -atol 0" ;; esac
			out=$("$CMP" $tol "$d/$s.out$i.bin" "$set/ref$i.bin" 2>&1)
			if [ $? -ne 0 ]; then
				printf '%s\t%s\tFAIL\t%s output %d: %s\n' "$name" "$be" "$s" \
					"$i" "$(printf '%s' "$out" | tr '\n' ' ')"
				return
			fi
			detail="$detail $(printf '%s' "$out" | head -n1 | \
				sed 's/.*\(max|d|=[^ ]*\).*/\1/')"
		done
	done
	printf '%s\t%s\tPASS\t%s\n' "$name" "$be" "${detail# }"
}

if [ ! -f "$CASES/cases.tsv" ]; then
	echo "run_node.sh: SKIP: no node test cases in $CASES" \
	     "(python3-onnx was not importable when the build generated them)"
	exit 77
fi
mkdir -p "$WORK"

if [ -n "$TARGET" ]; then
	for tool in "$XCC" ${EXEC%% *}; do
		command -v "$tool" >/dev/null ||
			{ echo "run_node.sh: SKIP: $tool is missing"; exit 77; }
	done
	CC=$XCC STATIC=-static
fi

if [ "$REPORT" = 0 ]; then
	[ ${#BACKENDS[@]} -gt 0 ] || { echo "run_node.sh: no -backend" >&2; exit 2; }
	[ -x "$QCC" ] || { echo "run_node.sh: qcc not found: $QCC" >&2; exit 2; }
	export QCC CASES WORK SRC CMP CC RTOL ATOL TARGET EXEC STATIC
	export -f run_case first_error
	for be in "${BACKENDS[@]}"; do
		awk -F'\t' -v re="$ONLY" '$4 == "ready" && $1 ~ re { print $1 }' \
			"$CASES/cases.tsv" |
			xargs -P "$JOBS" -I{} bash -c 'run_case "$1" "$2"' _ {} "$be" |
			sort >"$WORK/results-$be.tsv"
	done
fi

# ---- the table ------------------------------------------------------------
# Joins cases.tsv (name, ops, opset, status, note) with the results and the
# exclusions into one line per case and backend:
#   ops opset name backend verdict detail
# where verdict is PASS, FAIL, XFAIL, XPASS or EXCL (excluded, not run).
# A run reports the backends it ran; -report every backend with results.
ALLBE=("${BACKENDS[@]}")
if [ "$REPORT" = 1 ]; then
	ALLBE=()
	for be in obj c; do
		[ -f "$WORK/results-$be.tsv" ] && ALLBE+=("$be")
	done
fi
if [ ${#ALLBE[@]} -eq 0 ]; then
	echo "run_node.sh: no results in $WORK" >&2
	exit 2
fi

JOINED=$WORK/joined.$$.tsv
trap 'rm -f "$JOINED"' EXIT
for be in "${ALLBE[@]}"; do
	awk -F'\t' -v be="$be" -v re="$ONLY" '
	FILENAME == ARGV[1] {           # exclusions.txt: NAME REASON
		if ($0 !~ /^#/ && split($0, w, " ") > 0) {
			r = $0
			sub(/^[^ ]+ +/, "", r)
			ex[w[1]] = r
		}
		next
	}
	FILENAME == ARGV[2] {           # results: NAME BACKEND VERDICT DETAIL
		res[$1] = $3
		det[$1] = $4
		next
	}
	$1 ~ re {                       # cases.tsv: NAME OPS OPSET STATUS NOTE
		v = ($1 in res) ? res[$1] : "FAIL"
		d = ($1 in res) ? det[$1] : "not converted: " $5
		if ($1 in ex) {
			if (!($1 in res))
				v = "EXCL"
			else
				v = (v == "PASS") ? "XPASS" : "XFAIL"
			d = ex[$1]
		}
		printf "%s\t%s\t%s\t%s\t%s\t%s\n", $2, $3, $1, be, v, d
	}' "$EXCLUSIONS" "$WORK/results-$be.tsv" "$CASES/cases.tsv"
done | sort -t$'\t' -k1,1 -k3,3 >"$JOINED"

table() {   # $1 = text | md
	awk -v fmt="$1" -v bes="${ALLBE[*]}" -f "$SRC/tests/node/table.awk" \
		"$JOINED"
}

echo
echo "ONNX node tests through qcc (rtol $RTOL, atol $ATOL; cases: $CASES)"
table text
echo
nfail=0
while IFS=$'\t' read -r op opset name be v d; do
	case $v in
	FAIL) echo "FAIL  [$be] $name: $d"; nfail=$((nfail + 1)) ;;
	XPASS) echo "XPASS [$be] $name: passes but is listed in exclusions.txt" ;;
	esac
done <"$JOINED"
npass=$(awk -F'\t' '$5 == "PASS"' "$JOINED" | wc -l)
nx=$(awk -F'\t' '$5 ~ /^(XFAIL|XPASS|EXCL)$/' "$JOINED" | wc -l)

if [ -n "$MARKDOWN" ]; then
	{
		cat <<-EOF
		# ONNX node test conformance

		Measured by \`tests/node/run_node.sh\` (ctest \`node.*\`) on $(date -u +%Y-%m-%d)
		at commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown).
		Regenerate: \`ctest -L node; cmake --build BUILD --target node_conformance_md\`.

		Cases: the ONNX backend node tests of Debian's python3-onnx 1.12 whose
		models use only operators qcc imports, one row per set of operators;
		"Opsets" are the models' default-domain opset imports.  A case passes
		when every output of every data set satisfies
		\`|got - ref| <= 1e-5 + 1e-3 * |ref|\` (rtol 1e-3, atol 1e-5; ONNX's own
		default atol is 1e-7); outputs of an integer type (uint8, int8,
		int32) must equal the reference exactly.  \`obj\` is the LLVM object backend (linked
		without libm), \`c\` the \`-emit=c\` output built with
		\`cc -std=c99 -Wall -Wextra -Werror -pedantic -O2\`.  "passed" is out of
		the cases not excluded; \`exclusions.txt\` lists the excluded ones with
		the reason (XFAIL: run and failed as expected, EXCL: not convertible to
		float32 files, so not run).  Conv weights and bias, BatchNormalization
		parameters, Clip min/max, Reshape shape and Dropout ratio/training_mode
		are frozen into initializers by \`prep.py\`, as qcc compiles ahead of time.

		EOF
		table md
		echo
		echo "## Failures"
		echo
		awk -F'\t' '$5 == "FAIL" { printf "- `%s` [%s]: %s\n", $3, $4, $6; n++ }
			END { if (!n) print "None." }' "$JOINED"
		echo
		echo "## Excluded"
		echo
		awk -F'\t' '$5 ~ /^(XFAIL|XPASS|EXCL)$/ && !seen[$3]++ {
				printf "- `%s` (%s): %s\n", $3, $5, $6; n++
			}
			END { if (!n) print "None." }' "$JOINED"
	} >"$MARKDOWN"
fi

echo "node: $npass passed, $nfail failed, $nx skipped"
[ "$nfail" -eq 0 ] || [ "$REPORT" = 1 ]
