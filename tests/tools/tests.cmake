# tests/tools/tests.cmake -- the shared test harness tools.
#
# cmp_raw compares raw float32 files (every integration suite's judge);
# run_model.c is compiled per model by the suites against that model's net.h,
# so it has no target here.  The tests below check that cmp_raw can fail.
add_executable(cmp_raw ${CMAKE_CURRENT_LIST_DIR}/cmp_raw.c)
target_link_libraries(cmp_raw PRIVATE m)

set(QCC_TOOLS_TEST_DIR ${PROJECT_BINARY_DIR}/tests/tools)
add_test(NAME tools.cmp_raw_accepts_close_values_and_rejects_far_ones
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_cmp_raw.sh
          $<TARGET_FILE:cmp_raw> ${QCC_TOOLS_TEST_DIR})
set_tests_properties(tools.cmp_raw_accepts_close_values_and_rejects_far_ones
  PROPERTIES LABELS tools TIMEOUT 60)
