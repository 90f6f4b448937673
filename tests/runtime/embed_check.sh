#!/bin/sh
# embed_check.sh -- paste qcc_rt.h and every kernel into one file the way
# the C backend does (QCC_RT_API static inline, the kernels' own include
# lines dropped) and compile it as strict C99 with every warning an error.
#   usage: embed_check.sh RUNTIME_DIR COMPILER OUTDIR
set -eu
rt=$1 cc=$2 out=$3
mkdir -p "$out"
name=$(basename "$cc")
src="$out/embedded_$name.c"
{
	echo '#define QCC_RT_API static inline'
	cat "$rt/qcc_rt.h"
	for f in "$rt"/kernels/*.c; do
		grep -v '^#include "../qcc_rt.h"$' "$f"
	done
	echo 'void qcc_embed_probe(void);'
	echo 'void qcc_embed_probe(void) { }'
} >"$src"
if grep -n '#include' "$src" | grep -v '<std\(int\|def\)\.h>'; then
	echo "embed_check: a kernel includes something besides qcc_rt.h" >&2
	exit 1
fi
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c "$src" -o "$out/embedded_$name.o"
echo "embed_check: $name compiles the embedded kernels cleanly"
