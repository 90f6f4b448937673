# tests/models/tests.cmake -- torchvision CNNs end to end against torch.
#
# At build time (target model_exports, part of ALL) export.py writes
# resnet18 and mobilenet_v2 (random weights after torch.manual_seed(0), eval
# mode, opset 13, input 1x3x224x224), a fixed input and torch's output into
# the build tree, once.  Each test compiles a model with qcc, runs it through
# tests/tools/run_model.c and passes when max |out - ref| <= 1e-4 * max |ref|.
# Without torchvision the tests report SKIP.
find_program(QCC_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(QCC_PYTHON3 NAMES python3)

set(QCC_MODELS_DIR ${PROJECT_BINARY_DIR}/tests/models)
set(QCC_MODELS_SRC ${CMAKE_CURRENT_LIST_DIR})

add_custom_command(
  OUTPUT ${QCC_MODELS_DIR}/export.stamp
  COMMAND ${QCC_PYTHON3} ${QCC_MODELS_SRC}/export.py ${QCC_MODELS_DIR}
  DEPENDS ${QCC_MODELS_SRC}/export.py
  COMMENT "Exporting torchvision resnet18 and mobilenet_v2 to ONNX"
  VERBATIM)
add_custom_target(model_exports ALL DEPENDS ${QCC_MODELS_DIR}/export.stamp)

foreach(case "resnet18;obj;object" "mobilenet_v2;obj;object" "mobilenet_v2;c;c")
  list(GET case 0 model)
  list(GET case 1 backend)
  list(GET case 2 words)
  set(name models.${model}_through_the_${words}_backend_matches_torch)
  add_test(NAME ${name}
    COMMAND bash ${QCC_MODELS_SRC}/run_models.sh
            -qcc $<TARGET_FILE:qcc> -dir ${QCC_MODELS_DIR}
            -work ${QCC_MODELS_DIR}/work -src ${PROJECT_SOURCE_DIR}
            -cmp $<TARGET_FILE:cmp_raw> -cc ${CMAKE_C_COMPILER}
            -model ${model} -backend ${backend})
  set_tests_properties(${name} PROPERTIES LABELS models TIMEOUT 900
                       SKIP_RETURN_CODE 77)
endforeach()
