# tests/build/tests.cmake -- qcc inside other build systems: the man page,
# -MD depfiles, `cmake --install` and the CMake package, samples/cmake (host
# against the installed package, aarch64 against the build tree, under
# qemu) and samples/make.
set(QCC_BUILD_TESTS_DIR ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME build.the_man_page_renders_and_documents_every_flag_of_help
  COMMAND bash ${QCC_BUILD_TESTS_DIR}/man.sh $<TARGET_FILE:qcc> ${PROJECT_SOURCE_DIR}/frontend/qcc.1)
add_test(NAME build.the_depfile_lists_every_input_and_make_and_ninja_read_it
  COMMAND bash ${QCC_BUILD_TESTS_DIR}/depfile.sh $<TARGET_FILE:qcc>
          ${PROJECT_SOURCE_DIR}/tests/cli/models)
add_test(NAME build.the_cmake_sample_builds_against_the_installed_package_and_rebuilds_only_the_model
  COMMAND bash ${QCC_BUILD_TESTS_DIR}/sample_cmake.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
add_test(NAME build.the_cmake_sample_cross_compiles_for_aarch64_from_the_build_tree_and_runs_under_qemu
  COMMAND bash ${QCC_BUILD_TESTS_DIR}/sample_cross.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
add_test(NAME build.the_make_sample_builds_for_host_and_aarch64_and_rebuilds_only_the_model
  COMMAND bash ${QCC_BUILD_TESTS_DIR}/sample_make.sh $<TARGET_FILE:qcc> ${PROJECT_SOURCE_DIR})
set_tests_properties(
  build.the_man_page_renders_and_documents_every_flag_of_help
  build.the_depfile_lists_every_input_and_make_and_ninja_read_it
  build.the_cmake_sample_builds_against_the_installed_package_and_rebuilds_only_the_model
  build.the_cmake_sample_cross_compiles_for_aarch64_from_the_build_tree_and_runs_under_qemu
  build.the_make_sample_builds_for_host_and_aarch64_and_rebuilds_only_the_model
  PROPERTIES LABELS build TIMEOUT 600 SKIP_RETURN_CODE 77)

# The HTML report, in headless Chromium; report.html, report.png and the
# measurements (report.json) stay in the build tree as artifacts.
if(EXISTS ${PROJECT_SOURCE_DIR}/samples/fmnist/model.onnx)
  set(QCC_REPORT_MODEL ${PROJECT_SOURCE_DIR}/samples/fmnist/model.onnx)
else()
  set(QCC_REPORT_MODEL ${PROJECT_SOURCE_DIR}/samples/cmake/tiny.onnx)
endif()
add_test(NAME build.the_report_opens_in_chromium_without_errors_and_its_charts_match_the_compile
  COMMAND bash ${QCC_BUILD_TESTS_DIR}/report.sh $<TARGET_FILE:qcc> ${QCC_REPORT_MODEL}
          ${PROJECT_SOURCE_DIR}/tests/cli/models/unknown_op.onnx
          ${PROJECT_BINARY_DIR}/tests/build)
set_tests_properties(
  build.the_report_opens_in_chromium_without_errors_and_its_charts_match_the_compile
  PROPERTIES LABELS build TIMEOUT 300 SKIP_RETURN_CODE 77)
