# The backend unit tests share tests/backends/harness.c: graphs that reach
# every kernel, and the compile-run-compare steps (see harness.h).
foreach(t test_cgen test_llvm test_target test_winograd)
  if(TARGET ${t})
    target_sources(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/harness.c)
  endif()
endforeach()
