# tests/cross/tests.cmake -- cross-target checks that are not end-to-end
# runs (those are in tests/models and tests/node under the label cross):
# the convolution loops of mobilenet_v2 disassemble to NEON and RVV.
add_test(NAME cross.mobilenet_v2_convolution_loops_use_neon_fmla_and_rvv_vfmacc
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/conv_vector.sh $<TARGET_FILE:qcc>
          ${PROJECT_BINARY_DIR}/tests/models/mobilenet_v2.onnx
          ${PROJECT_BINARY_DIR}/tests/cross/work)
set_tests_properties(
  cross.mobilenet_v2_convolution_loops_use_neon_fmla_and_rvv_vfmacc
  PROPERTIES LABELS cross TIMEOUT 300 SKIP_RETURN_CODE 77)

# samples/cross/run.sh on 20 images: the Fashion-MNIST sample built for
# armv8 and riscv64 predicts the host's classes under qemu.
add_test(NAME cross.the_fmnist_sample_on_arm_and_riscv_boards_predicts_the_host_classes
  COMMAND bash ${PROJECT_SOURCE_DIR}/samples/cross/run.sh $<TARGET_FILE:qcc>
          ${PROJECT_BINARY_DIR}/samples/cross 20)
set_tests_properties(
  cross.the_fmnist_sample_on_arm_and_riscv_boards_predicts_the_host_classes
  PROPERTIES LABELS cross TIMEOUT 600 SKIP_RETURN_CODE 77)

# The benchmark (not a test): executed instructions under qemu, qcc's
# vector object against its C output built by the cross gcc at -O3 without
# vectorization, for the fmnist sample and mobilenet_v2 on armv8 and
# riscv64.  cmake --build BUILD --target cross_bench (minutes).
add_custom_target(cross_bench
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/count_insns.sh $<TARGET_FILE:qcc>
          ${PROJECT_BINARY_DIR}/tests/cross/bench/fmnist
          ${PROJECT_SOURCE_DIR}/samples/fmnist/model.onnx
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/count_insns.sh $<TARGET_FILE:qcc>
          ${PROJECT_BINARY_DIR}/tests/cross/bench/mobilenet_v2
          ${PROJECT_BINARY_DIR}/tests/models/mobilenet_v2.onnx
          ${PROJECT_BINARY_DIR}/tests/models/mobilenet_v2.input.bin
  DEPENDS qcc model_exports
  COMMENT "Counting executed instructions under qemu (vector object vs C -O3)"
  VERBATIM)

# INT8 bit-exactness across targets: both Fashion-MNIST samples quantized
# with the same calibration give byte-identical logits on the first 200
# test images (qemu's RVV emulation is slow; for fmnist the host, C and armv8 builds
# were also checked on 1000) from the host object, the C backend (gcc), the armv8 object
# under qemu-aarch64 and the riscv64 object under qemu-riscv64 (vlen 128
# and 256), and the interpreter's integer mode (tests/quant/q8eval.c).
# The whole test set: samples/common/int8_bitexact_all.sh (not a ctest).
add_test(NAME cross.int8_samples_give_the_same_logit_bytes_on_host_c_arm_and_riscv
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/int8_bitexact.sh $<TARGET_FILE:qcc>
          ${PROJECT_BINARY_DIR}/tests/cross/int8 200
          ${PROJECT_SOURCE_DIR}/samples/fmnist/model.onnx
          ${PROJECT_SOURCE_DIR}/samples/fmnist_mnv2/model.onnx)
set_tests_properties(cross.int8_samples_give_the_same_logit_bytes_on_host_c_arm_and_riscv
  PROPERTIES LABELS "cross;quant" TIMEOUT 3600 SKIP_RETURN_CODE 77
  ENVIRONMENT "CC=${CMAKE_C_COMPILER};Q8EVAL=$<TARGET_FILE:q8eval>")
