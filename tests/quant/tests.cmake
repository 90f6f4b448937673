# -quantize=int8: the unit test test_quant uses the backend harness; the
# CLI checks bad calibration input and the Fashion-MNIST sample's accuracy
# and bit-exactness (tests/quant/fmnist.sh, label "sample": slow).
if(TARGET test_quant)
  target_sources(test_quant PRIVATE ${PROJECT_SOURCE_DIR}/tests/backends/harness.c)
endif()
add_test(NAME quant.bad_input
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bad_input.sh $<TARGET_FILE:qcc> ${CMAKE_CURRENT_BINARY_DIR}/quant_bad)
set_tests_properties(quant.bad_input PROPERTIES LABELS cli TIMEOUT 300)

add_executable(q8eval ${CMAKE_CURRENT_LIST_DIR}/q8eval.c)
target_link_libraries(q8eval PRIVATE qcc_frontend qcc_passes)
add_test(NAME quant.fmnist
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/fmnist.sh $<TARGET_FILE:qcc>
          $<TARGET_FILE:q8eval> ${CMAKE_CURRENT_BINARY_DIR}/quant_fmnist)
set_tests_properties(quant.fmnist PROPERTIES LABELS sample TIMEOUT 1800)

# Import of already-quantized models (fold-qdq): a QDQ model with full-range
# int8 weights gives the reference codes exactly (tests/quant/qdq_import.sh).
add_test(NAME quant.qdq_model_runs_on_codes_and_matches_the_reference_exactly
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/qdq_import.sh $<TARGET_FILE:qcc>
          $<TARGET_FILE:cmp_raw> ${CMAKE_C_COMPILER} ${CMAKE_CURRENT_BINARY_DIR}/quant_qdq)
set_tests_properties(quant.qdq_model_runs_on_codes_and_matches_the_reference_exactly
  PROPERTIES LABELS cli TIMEOUT 300)

# -quant-report: per-layer scales, zero points and SQNR; the logits' SQNR
# must equal the one computed from the compiled FP32 and INT8 objects, and
# -per-tensor leaves one weight scale per tensor (tests/quant/quant_report.sh).
add_test(NAME quant.the_quant_report_lists_every_quantized_layer_with_the_sqnr_the_compiled_model_has
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/quant_report.sh $<TARGET_FILE:qcc>
          ${CMAKE_C_COMPILER} ${CMAKE_CURRENT_BINARY_DIR}/quant_report)
set_tests_properties(quant.the_quant_report_lists_every_quantized_layer_with_the_sqnr_the_compiled_model_has
  PROPERTIES LABELS cli TIMEOUT 600)

# -io=int8: the header's scale and zero point macros; a C harness feeding
# codes gets the float-interface model's output codes within one code, on
# both backends (tests/quant/io_int8.sh, io_int8.c).
add_test(NAME quant.io_int8_takes_and_returns_codes_with_the_scales_in_the_header
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/io_int8.sh $<TARGET_FILE:qcc>
          ${CMAKE_C_COMPILER} ${CMAKE_CURRENT_BINARY_DIR}/quant_io_int8)
set_tests_properties(quant.io_int8_takes_and_returns_codes_with_the_scales_in_the_header
  PROPERTIES LABELS cli TIMEOUT 600)

# The calibration progress bar: on a terminal (script(1)) a bar per sample
# that ends full; nothing when stderr is a file (tests/quant/progress.sh).
add_test(NAME quant.calibration_shows_a_progress_bar_only_on_a_terminal
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/progress.sh $<TARGET_FILE:qcc>
          ${CMAKE_CURRENT_BINARY_DIR}/quant_progress)
set_tests_properties(quant.calibration_shows_a_progress_bar_only_on_a_terminal
  PROPERTIES LABELS cli TIMEOUT 120 SKIP_RETURN_CODE 77)

# Quantized import: a QLinear model (QLinearConv with u8 and full-range
# int8 weights, QLinearAdd, QLinearMul, QLinearMatMul, MatMulInteger) is
# integer-only after fold-shift and bit-exact on both backends against the
# interpreter (also the armv8 and riscv64 objects under qemu) and, for the
# worst cases, a 64-bit reference.
add_executable(qimport_eval ${CMAKE_CURRENT_LIST_DIR}/qimport_eval.c)
target_link_libraries(qimport_eval PRIVATE qcc_frontend qcc_passes)
add_test(NAME quant.qlinear_model_is_integer_only_and_exact_on_both_backends
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/qimport.sh $<TARGET_FILE:qcc>
          $<TARGET_FILE:qimport_eval> ${CMAKE_C_COMPILER}
          ${CMAKE_CURRENT_BINARY_DIR}/quant_qimport)
set_tests_properties(quant.qlinear_model_is_integer_only_and_exact_on_both_backends
  PROPERTIES LABELS cli TIMEOUT 300)

# Issue 5's accuracy bar: INT8 top-1 within 0.3 points of FP32 on the
# 10,000 test images for every calibration method, 500 calibration images
# from the train set, on both Fashion-MNIST samples (plain CNN and the
# MobileNet-V2-like one with depthwise convolutions, ReLU6 and residual
# adds).  samples/common/int8_accuracy.sh prints the table.
foreach(sample fmnist fmnist_mnv2)
  set(name quant.int8_top1_is_within_0_3_points_of_fp32_for_every_calibration_method_on_${sample})
  add_test(NAME ${name}
    COMMAND bash ${PROJECT_SOURCE_DIR}/samples/common/int8_accuracy.sh $<TARGET_FILE:qcc>
            ${CMAKE_CURRENT_BINARY_DIR}/quant_accuracy_${sample}
            ${PROJECT_SOURCE_DIR}/samples/${sample}/model.onnx
            "minmax percentile mse kl" 0.3)
  set_tests_properties(${name} PROPERTIES LABELS "quant;sample" TIMEOUT 1800
    ENVIRONMENT CC=${CMAKE_C_COMPILER})
endforeach()

# The x86 INT8 convolution kernels without im2col (qgemm_direct.c): AVX2
# (-target=x86-64) and AVX512-VNNI objects of both Fashion-MNIST samples
# give the same logit bytes as the C backend (tests/quant/int8_x86.sh;
# VNNI left out on CPUs without it, skipped without AVX2).
add_test(NAME quant.int8_samples_with_the_avx2_and_vnni_kernels_give_the_same_logit_bytes_as_the_c_backend
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/int8_x86.sh $<TARGET_FILE:qcc>
          ${CMAKE_CURRENT_BINARY_DIR}/quant_x86 300
          ${PROJECT_SOURCE_DIR}/samples/fmnist/model.onnx
          ${PROJECT_SOURCE_DIR}/samples/fmnist_mnv2/model.onnx)
set_tests_properties(quant.int8_samples_with_the_avx2_and_vnni_kernels_give_the_same_logit_bytes_as_the_c_backend
  PROPERTIES LABELS "cli;quant" TIMEOUT 1800 SKIP_RETURN_CODE 77
  ENVIRONMENT CC=${CMAKE_C_COMPILER})
