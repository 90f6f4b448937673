# Command-line behaviour of the qcc driver.
add_test(NAME cli.bad_input
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bad_input.sh $<TARGET_FILE:qcc> ${CMAKE_CURRENT_LIST_DIR}/models)
add_test(NAME cli.driver
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli.sh $<TARGET_FILE:qcc> ${CMAKE_CURRENT_LIST_DIR}/models)
set_tests_properties(cli.bad_input cli.driver PROPERTIES LABELS cli TIMEOUT 300)
add_test(NAME cli.shape_subgraphs_fold_at_compile_time
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/glue.sh $<TARGET_FILE:qcc>
          ${CMAKE_CURRENT_LIST_DIR}/models $<TARGET_FILE:cmp_raw>
          ${PROJECT_SOURCE_DIR}/tests/tools/run_model.c ${CMAKE_C_COMPILER})
set_tests_properties(cli.shape_subgraphs_fold_at_compile_time PROPERTIES
  LABELS cli TIMEOUT 300)
