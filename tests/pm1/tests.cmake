# -quantize=pm1:wKaM: test_pm1 (unit, uses the backend harness) checks bit
# exactness on every backend; fmnist.sh the sample's accuracy and the
# popcount instructions in the armv8, riscv64 and x86 objects.
if(TARGET test_select)
  target_sources(test_select PRIVATE ${PROJECT_SOURCE_DIR}/tests/backends/harness.c)
endif()
if(TARGET test_sign)
  target_sources(test_sign PRIVATE ${PROJECT_SOURCE_DIR}/tests/backends/harness.c)
endif()
if(TARGET test_pm1)
  target_sources(test_pm1 PRIVATE ${PROJECT_SOURCE_DIR}/tests/backends/harness.c)
endif()
add_test(NAME pm1.popcount_kernels_disassemble_to_neon_cnt_rvv_vcpop_and_x86_popcount
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/popcount_insns.sh $<TARGET_FILE:qcc>
          ${PROJECT_SOURCE_DIR}/samples/fmnist/model.onnx
          ${CMAKE_CURRENT_BINARY_DIR}/pm1_insns)
set_tests_properties(
  pm1.popcount_kernels_disassemble_to_neon_cnt_rvv_vcpop_and_x86_popcount
  PROPERTIES LABELS cli TIMEOUT 300 SKIP_RETURN_CODE 77)
