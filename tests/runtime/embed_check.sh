#!/bin/sh
# embed_check.sh -- paste qcc_rt.h, qcc_rt_q8.h, qcc_vec16.h,
# kernels/conv_dw_chan.h and every kernel into one file the way the C
# backend does (QCC_RT_API static inline, the include lines among them
# dropped) and compile it as strict C99 with every warning an error.
#   usage: embed_check.sh RUNTIME_DIR COMPILER OUTDIR
set -eu
rt=$1 cc=$2 out=$3
mkdir -p "$out"
name=$(basename "$cc")
src="$out/embedded_$name.c"
{
	echo '#define QCC_RT_API static inline'
	cat "$rt/qcc_rt.h" "$rt/qcc_rt_q8.h" "$rt/qcc_vec16.h" \
		"$rt/kernels/conv_dw_chan.h" | grep -v '^#include "qcc_rt_q8\.h"$'
	for f in "$rt"/kernels/*.c; do
		grep -v '^#include "\(../qcc_\(rt\|vec16\)\|conv_dw_chan\)\.h"$' \
			"$f"
	done
	# every kernel called with run-time arguments, so each is compiled
	# (and warned about) in full, not dropped as an unused static
	cat <<'PROBE'
void qcc_embed_probe(const float *x, const float *w, float *y, int32_t n,
                     const int32_t *s, float f, float *ws);
void
qcc_embed_probe(const float *x, const float *w, float *y, int32_t n,
                const int32_t *s, float f, float *ws)
{
	qcc_rt_conv2d_f32(x, w, w, y, n, n, n, n, n, n, n, n, n, n, n, n, n, n,
	                  n, n, n, f, f);
	qcc_rt_conv2d_packed_f32(x, w, w, x, y, n, n, n, n, n, n, n, n, n, n,
	                         n, n, n, n, n, n, f, f);
	qcc_rt_conv2d_dw_f32(x, w, w, x, y, n, n, n, n, n, n, n, n, n, n, n, n,
	                     n, n, n, n, f, f);
	qcc_rt_conv2d_dwc_f32(x, w, w, x, y, n, n, n, n, n, n, n, n, n, n, n,
	                      n, n, n, n, n, n, f, f, n);
	qcc_rt_maxpool2d_f32(x, y, n, n, n, n, n, n, n, n, n, n, n, n, n);
	qcc_rt_avgpool2d_f32(x, y, n, n, n, n, n, n, n, n, n, n, n, n, n, n, n,
	                     n);
	qcc_rt_globalavgpool_f32(x, y, n, n);
	qcc_rt_gemm_f32(x, w, w, y, n, n, n, n, n, f, f, n, n, n, f, f);
	qcc_rt_matmul_f32(x, w, y, n, n, n, n, s, s, s, n, f, f);
	qcc_rt_add_f32(x, w, y, n, s, s, s, n, f, f);
	qcc_rt_mul_f32(x, w, y, n, s, s, s, n, f, f);
	qcc_rt_binary_f32(x, w, y, n, n, s, s, s, n, f, f);
	qcc_rt_scaleshift_f32(x, w, w, y, n, n, n, n, f, f);
	qcc_rt_act_f32(x, y, n, n, f, f);
	qcc_rt_softmax_f32(x, y, n, n, n);
	qcc_rt_copy_f32(x, y, n);
	qcc_rt_concat_f32(x, y, n, n, n);
	qcc_rt_strided_f32(x, y, n, s, s);
	qcc_rt_gather_f32(x, y, n, n, n, n, s);
	qcc_rt_pad_f32(x, y, n, s, s, s, n, f);
	qcc_rt_resize_f32(x, y, n, s, s, s, s, w);
	qcc_rt_reduce_f32(x, y, n, n, s, n);
	qcc_rt_logsoftmax_f32(x, y, n, n, n);
	qcc_rt_norm_rows_f32(x, w, w, y, n, n, n, f);
	qcc_rt_lrn_f32(x, y, n, n, n, n, f, f, f);
	qcc_rt_conv2d_packed16_f32(x, w, w, x, y, n, n, n, n, n, n, n, n, n, n,
	                           n, n, n, n, n, n, f, f);
	qcc_rt_conv2d_gemm_f32(x, w, w, x, y, n, n, n, n, n, n, n, n, n, n, n,
	                       n, n, n, n, n, n, f, f);
	qcc_rt_conv2d_stem_f32(x, w, w, x, y, n, n, n, n, n, n, n, n, n, n, n,
	                       n, n, n, n, n, n, f, f);
	qcc_rt_conv2d_pw_f32(x, w, w, x, y, n, n, n, n, n, f, f, n);
	qcc_rt_conv2d_wino2_f32(x, w, w, x, y, ws, n, n, n, n, n, n, n, n, n, n,
	                        n, n, f, f);
	qcc_rt_conv2d_wino4_f32(x, w, w, x, y, ws, n, n, n, n, n, n, n, n, n, n,
	                        n, f, f);
}
void qcc_embed_probe_q8(const uint8_t *x, const int8_t *w, uint8_t *y,
                        int32_t n, const int32_t *s);
void
qcc_embed_probe_q8(const uint8_t *x, const int8_t *w, uint8_t *y, int32_t n,
                   const int32_t *s)
{
	qcc_rt_conv2d_qgemm_q8(x, s, s, y, n, n, n, n, n, n, n, n, n, n, n, n,
	                       n, n, n, n, s, s, n, n, n, n);
#if defined(__x86_64__)
	qcc_rt_conv2d_qgemm_avx2_q8(x, s, s, y, n, n, n, n, n, n, n, n, n, n,
	                            n, n, n, n, n, n, s, s, n, n, n, n);
#if defined(__clang__)
	qcc_rt_conv2d_qgemm_avx512_q8(x, s, s, y, n, n, n, n, n, n, n, n, n,
	                              n, n, n, n, n, n, n, s, s, n, n, n, n);
#endif
#endif
	qcc_rt_conv2d_dw_q8(x, w, s, y, n, n, n, n, n, n, n, n, n, n, n, n, n,
	                    n, n, n, n, s, s, n, n, n, n);
#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 12)
	qcc_rt_conv2d_dw_avx2_q8(x, w, s, y, n, n, n, n, n, n, n, n, n, n, n,
	                         n, n, n, n, n, n, s, s, n, n, n, n);
	qcc_rt_conv2d_c1_avx2_q8(x, w, s, y, n, n, n, n, n, n, n, n, n, n, n,
	                         n, n, n, n, n, n, s, s, n, n, n, n);
#endif
	qcc_rt_requant_row_q8(s, y, n, n, n, n, n, n);
}
PROBE
} >"$src"
if grep -n '#include' "$src" | grep -v '<std\(int\|def\)\.h>'; then
	echo "embed_check: a kernel includes something besides qcc_rt.h" >&2
	exit 1
fi
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c "$src" -o "$out/embedded_$name.o"
echo "embed_check: $name compiles the embedded kernels cleanly"
