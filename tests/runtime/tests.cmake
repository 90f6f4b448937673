# Runtime integration checks: the kernels pasted into one file the way the
# C backend pastes them into net.c must compile as strict C99 (-Wall
# -Wextra -Werror -pedantic) with both gcc and clang-19.
find_program(QCC_GCC NAMES gcc cc)
set(QCC_RT_EMBED_CHECK ${CMAKE_CURRENT_LIST_DIR}/embed_check.sh)
add_test(NAME runtime.embedded_kernels_compile_with_gcc
         COMMAND sh ${QCC_RT_EMBED_CHECK} ${PROJECT_SOURCE_DIR}/runtime
                 ${QCC_GCC} ${CMAKE_CURRENT_BINARY_DIR}/embed)
add_test(NAME runtime.embedded_kernels_compile_with_clang
         COMMAND sh ${QCC_RT_EMBED_CHECK} ${PROJECT_SOURCE_DIR}/runtime
                 ${QCC_CLANG} ${CMAKE_CURRENT_BINARY_DIR}/embed)
# (gcc takes ~25 s of CPU for the whole runtime at -O2; the limit leaves
# room for a loaded machine)
set_tests_properties(runtime.embedded_kernels_compile_with_gcc
                     runtime.embedded_kernels_compile_with_clang
                     PROPERTIES LABELS runtime TIMEOUT 400)

# The integer conv's AVX-512 tile code is compiled by clang only: check it
# (and the other tile codes) against the scalar kernel with clang.
add_test(NAME runtime.integer_conv_tile_codes_equal_the_scalar_kernel_with_clang
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/qgemm_isa.sh
                 ${PROJECT_SOURCE_DIR}/runtime ${QCC_CLANG}
                 ${CMAKE_CURRENT_BINARY_DIR}/qgemm_isa)
set_tests_properties(runtime.integer_conv_tile_codes_equal_the_scalar_kernel_with_clang
                     PROPERTIES LABELS runtime TIMEOUT 120)

# The x86 integer convs in channel-group layouts (qgemm_direct.c, AVX2 and
# AVX512-VNNI, and qgemm.c's im2col forms in the same layouts), clang only:
# equal to the scalar kernel on random shapes and on those that fall back
# to im2col; VNNI left out without it, skipped without AVX2.
add_test(NAME runtime.direct_integer_convs_equal_the_scalar_kernel_with_clang
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/qgemm_direct.sh
                 ${PROJECT_SOURCE_DIR}/runtime ${QCC_CLANG}
                 ${CMAKE_CURRENT_BINARY_DIR}/qgemm_direct)
set_tests_properties(runtime.direct_integer_convs_equal_the_scalar_kernel_with_clang
                     PROPERTIES LABELS "runtime;quant" TIMEOUT 120
                     SKIP_RETURN_CODE 77)

# The AVX2 Winograd F(2x2,3x3) integer conv (qconv_wino_avx2.c), clang
# only: equal to the scalar kernel on random 3x3 stride-1 shapes, resnet18's
# layers and the extremes of its exactness argument; skipped without AVX2.
add_test(NAME runtime.avx2_winograd_integer_conv_equals_the_scalar_kernel_with_clang
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/qwino_avx2.sh
                 ${PROJECT_SOURCE_DIR}/runtime ${QCC_CLANG}
                 ${CMAKE_CURRENT_BINARY_DIR}/qwino_avx2)
set_tests_properties(runtime.avx2_winograd_integer_conv_equals_the_scalar_kernel_with_clang
                     PROPERTIES LABELS "runtime;quant" TIMEOUT 120
                     SKIP_RETURN_CODE 77)

# The AVX512-VNNI depthwise conv (qconv_dw_vnni.c), clang only: equal to
# the scalar kernel on random shapes, mobilenet_v2's and efficientnet_b0's
# depthwise layers, planes of several bands and shapes it passes on to
# qconv_dw.c; skipped without AVX512-VNNI.
add_test(NAME runtime.vnni_depthwise_conv_equals_the_scalar_kernel_with_clang
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/qdw_vnni.sh
                 ${PROJECT_SOURCE_DIR}/runtime ${QCC_CLANG}
                 ${CMAKE_CURRENT_BINARY_DIR}/qdw_vnni)
set_tests_properties(runtime.vnni_depthwise_conv_equals_the_scalar_kernel_with_clang
                     PROPERTIES LABELS "runtime;quant" TIMEOUT 120
                     SKIP_RETURN_CODE 77)

# The 1x1 channel-vector float conv's transposing store (conv_pw.c) is
# compiled by clang only: check it against the plain loop with clang for
# this CPU.
add_test(NAME runtime.pointwise_conv_store_equals_the_plain_loop_with_clang
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/conv_pw_isa.sh
                 ${PROJECT_SOURCE_DIR}/runtime ${QCC_CLANG}
                 ${CMAKE_CURRENT_BINARY_DIR}/conv_pw_isa)
set_tests_properties(runtime.pointwise_conv_store_equals_the_plain_loop_with_clang
                     PROPERTIES LABELS runtime TIMEOUT 120)
