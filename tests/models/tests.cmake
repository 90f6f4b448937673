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

# The same models cross-compiled, linked -static with Debian's cross gcc and
# run under qemu-user; each must also match the host's output within 1e-5 of
# its scale (run_models.sh -target).  RISC-V objects are vector-length
# agnostic, so the object tests run at VLEN 128 and 256.  Labels: models
# and cross.  About 2 minutes on 2 cores, most of it RVV under qemu.
set(QCC_QEMU_RV128 "qemu-riscv64 -cpu rv64,v=true,vlen=128")
set(QCC_QEMU_RV256 "qemu-riscv64 -cpu rv64,v=true,vlen=256")
foreach(case
    "mobilenet_v2;obj;armv8;aarch64-linux-gnu-gcc;qemu-aarch64;armv8"
    "mobilenet_v2;obj;riscv64;riscv64-linux-gnu-gcc;${QCC_QEMU_RV128};riscv64_at_vlen_128"
    "mobilenet_v2;obj;riscv64;riscv64-linux-gnu-gcc;${QCC_QEMU_RV256};riscv64_at_vlen_256"
    "mobilenet_v2;c;armv8;aarch64-linux-gnu-gcc;qemu-aarch64;armv8"
    "mobilenet_v2;c;riscv64;riscv64-linux-gnu-gcc;${QCC_QEMU_RV128};riscv64"
    "resnet18;obj;armv8;aarch64-linux-gnu-gcc;qemu-aarch64;armv8")
  list(GET case 0 model)
  list(GET case 1 backend)
  list(GET case 2 target)
  list(GET case 3 xcc)
  list(GET case 4 exec)
  list(GET case 5 words)
  if(backend STREQUAL "obj")
    set(name models.${model}_object_for_${words}_under_qemu_matches_the_host_and_torch)
  else()
    set(name models.${model}_c_output_for_${words}_under_qemu_matches_the_host_and_torch)
  endif()
  add_test(NAME ${name}
    COMMAND bash ${QCC_MODELS_SRC}/run_models.sh
            -qcc $<TARGET_FILE:qcc> -dir ${QCC_MODELS_DIR}
            -work ${QCC_MODELS_DIR}/work -src ${PROJECT_SOURCE_DIR}
            -cmp $<TARGET_FILE:cmp_raw> -cc ${CMAKE_C_COMPILER}
            -model ${model} -backend ${backend}
            -target ${target} -xcc ${xcc} -exec ${exec})
  set_tests_properties(${name} PROPERTIES LABELS "models;cross" TIMEOUT 900
                       SKIP_RETURN_CODE 77)
endforeach()
