# -quantize=w4a4 / w4a8 (issue 6): the unit test test_int4 uses the backend
# harness; sample.fmnist_swish_w4a4_accuracy compiles the SiLU/HardSwish
# Fashion-MNIST sample at FP32, plain min-max W4A4 and qcc's W4A4 and
# fails unless W4A4 is within 1.5 points of FP32 and >= 3 points above
# min-max (label "sample": slow).
if(TARGET test_int4)
  target_sources(test_int4 PRIVATE ${PROJECT_SOURCE_DIR}/tests/backends/harness.c)
endif()
add_test(NAME sample.fmnist_swish_w4a4_is_within_1_5_points_of_fp32_and_3_above_minmax
  COMMAND bash ${PROJECT_SOURCE_DIR}/samples/fmnist_swish/check_accuracy.sh
          $<TARGET_FILE:qcc> ${CMAKE_CURRENT_BINARY_DIR}/int4_sample)
# Measured: FP32 89.81%, qcc's W4A4 88.41% (-1.40), min-max W4A4 57.42%.
set_tests_properties(sample.fmnist_swish_w4a4_is_within_1_5_points_of_fp32_and_3_above_minmax
  PROPERTIES LABELS sample TIMEOUT 1800 ENVIRONMENT CC=${CMAKE_C_COMPILER})
