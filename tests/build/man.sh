#!/usr/bin/env bash
# man.sh QCC QCC.1 -- the man page renders without warnings and documents
# every flag `qcc --help` lists.
set -u
qcc=$1
page=$2
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

warn=$(mktemp)
trap 'rm -f "$warn"' EXIT
text=$(MANWIDTH=200 man --warnings -l "$page" 2>"$warn") || fail "man -l $page"
[ -s "$warn" ] && fail "roff warnings: $(cat "$warn")"
echo "$text" | grep -q '^NAME' || fail "no NAME section"
# Every option word of the help: -o, -emit=, -O0, --list-ops, -MF, ...
flags=$("$qcc" --help | sed -n '/^options:/,/^passes:/p' |
	grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*=?' | tr -d ' ,' | sort -u)
[ "$(echo "$flags" | wc -l)" -ge 15 ] || fail "too few flags parsed from --help: $flags"
for f in $flags; do
	echo "$text" | grep -qF -- "$f" || fail "man page does not mention $f"
done
echo "$fails failures"
[ "$fails" -eq 0 ]
