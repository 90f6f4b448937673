# tests/node/tests.cmake -- the ONNX backend node tests, through both backends.
#
# At build time (target node_cases, part of ALL) gen_data.py writes the node
# test data of the installed python3-onnx into the build tree and prep.py
# turns the cases that use only qcc's operators into raw float32 files; both
# rerun only when the scripts change.  At test time run_node.sh compiles each
# case with qcc, links tests/tools/run_model.c, runs it and compares with
# cmp_raw; no Python runs then.  Without an importable onnx module the cases
# are not generated and the tests report SKIP.
find_program(QCC_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(QCC_PYTHON3 NAMES python3)

set(QCC_NODE_DIR ${PROJECT_BINARY_DIR}/tests/node)
set(QCC_NODE_SRC ${CMAKE_CURRENT_LIST_DIR})

set(QCC_HAVE_ONNX FALSE)
if(QCC_PYTHON3)
  execute_process(COMMAND ${QCC_PYTHON3} -c "import onnx, numpy"
                  RESULT_VARIABLE _qcc_onnx_rc OUTPUT_QUIET ERROR_QUIET)
  if(_qcc_onnx_rc EQUAL 0)
    set(QCC_HAVE_ONNX TRUE)
  endif()
endif()

if(QCC_HAVE_ONNX)
  add_custom_command(
    OUTPUT ${QCC_NODE_DIR}/cases/cases.tsv
    COMMAND ${QCC_PYTHON3} ${QCC_NODE_SRC}/gen_data.py ${QCC_NODE_DIR}/data
    COMMAND ${QCC_PYTHON3} ${QCC_NODE_SRC}/prep.py ${QCC_NODE_DIR}/data/node
            ${QCC_NODE_DIR}/cases
    DEPENDS ${QCC_NODE_SRC}/gen_data.py ${QCC_NODE_SRC}/prep.py
    COMMENT "Generating the ONNX node test cases (python3-onnx)"
    VERBATIM)
  add_custom_target(node_cases ALL DEPENDS ${QCC_NODE_DIR}/cases/cases.tsv)
else()
  message(STATUS "qcc: python3 with onnx not found; node tests will SKIP")
endif()

set(QCC_NODE_ARGS
  -qcc $<TARGET_FILE:qcc> -cases ${QCC_NODE_DIR}/cases -work ${QCC_NODE_DIR}/work
  -src ${PROJECT_SOURCE_DIR} -cmp $<TARGET_FILE:cmp_raw> -cc ${CMAKE_C_COMPILER}
  -jobs 2)

add_test(NAME node.object_backend_passes_the_onnx_node_tests
  COMMAND bash ${QCC_NODE_SRC}/run_node.sh ${QCC_NODE_ARGS} -backend obj)
add_test(NAME node.c_backend_passes_the_onnx_node_tests
  COMMAND bash ${QCC_NODE_SRC}/run_node.sh ${QCC_NODE_ARGS} -backend c)
set_tests_properties(
  node.object_backend_passes_the_onnx_node_tests
  node.c_backend_passes_the_onnx_node_tests
  PROPERTIES LABELS node TIMEOUT 1800 SKIP_RETURN_CODE 77)

# Rewrites tests/node/CONFORMANCE.md from the last results of both tests:
#   ctest -L node && cmake --build BUILD --target node_conformance_md
add_custom_target(node_conformance_md
  COMMAND bash ${QCC_NODE_SRC}/run_node.sh ${QCC_NODE_ARGS} -report
          -markdown ${QCC_NODE_SRC}/CONFORMANCE.md
  COMMENT "Writing tests/node/CONFORMANCE.md"
  VERBATIM)

# The node tests for armv8 and riscv64: objects (and the C backend's output,
# built by the cross gcc) linked -static and run under qemu-user, judged by
# the same references.  One RISC-V VLEN (256) keeps the time down; the
# model tests and tests/backends/test_target.c cover VLEN 128 and more.
# About a minute each on 2 cores.
foreach(case
    "obj;armv8;aarch64-linux-gnu-gcc;qemu-aarch64;object_backend_for_armv8"
    "c;armv8;aarch64-linux-gnu-gcc;qemu-aarch64;c_backend_for_armv8"
    "obj;riscv64;riscv64-linux-gnu-gcc;qemu-riscv64 -cpu rv64,v=true,vlen=256;object_backend_for_riscv64_at_vlen_256"
    "c;riscv64;riscv64-linux-gnu-gcc;qemu-riscv64 -cpu rv64,v=true,vlen=256;c_backend_for_riscv64")
  list(GET case 0 backend)
  list(GET case 1 target)
  list(GET case 2 xcc)
  list(GET case 3 exec)
  list(GET case 4 words)
  set(name node.${words}_under_qemu_passes_the_onnx_node_tests)
  add_test(NAME ${name}
    COMMAND bash ${QCC_NODE_SRC}/run_node.sh
            -qcc $<TARGET_FILE:qcc> -cases ${QCC_NODE_DIR}/cases
            -work ${QCC_NODE_DIR}/work-${target}-${backend}
            -src ${PROJECT_SOURCE_DIR} -cmp $<TARGET_FILE:cmp_raw>
            -cc ${CMAKE_C_COMPILER} -jobs 2 -backend ${backend}
            -target ${target} -xcc ${xcc} -exec ${exec})
  set_tests_properties(${name} PROPERTIES LABELS "node;cross" TIMEOUT 1800
                       SKIP_RETURN_CODE 77)
endforeach()
