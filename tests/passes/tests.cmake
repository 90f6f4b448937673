# tests/passes/tests.cmake -- plan-layout end to end (blocked_e2e.sh): a
# torchvision network (tests/models' exports) compiled for the host with
# channel-blocked values gives the bytes it gives with -no-blocked-layout,
# and matches torch.  Labels: models.
foreach(model mobilenet_v2 efficientnet_b0)
  set(name models.${model}_with_blocked_layouts_gives_the_bits_of_nchw)
  add_test(NAME ${name}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/blocked_e2e.sh
            $<TARGET_FILE:qcc> ${PROJECT_BINARY_DIR}/tests/models
            ${PROJECT_BINARY_DIR}/tests/models/work ${PROJECT_SOURCE_DIR}
            $<TARGET_FILE:cmp_raw> ${CMAKE_C_COMPILER} ${model})
  set_tests_properties(${name} PROPERTIES LABELS models TIMEOUT 900
                       SKIP_RETURN_CODE 77)
endforeach()
